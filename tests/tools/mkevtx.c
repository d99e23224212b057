/* mkevtx.c - writes a small valid EVTX file for the end-to-end tests.
 *
 * Why a tool: no event log exists outside the third-party corpus, and
 * `make check` must not need it. The events are the ones the unit tests
 * write (tests/unit/evtx_builder.h): Sysmon EventID 1 records with
 * EventRecordID 1..N in one chunk, the first defining the template and the
 * rest referencing it.
 *
 *   mkevtx OUT [N]      N events (default 3, at most 100) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/evtx_builder.h"

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: mkevtx OUT [N]\n");
        return 2;
    }
    int n = argc == 3 ? atoi(argv[2]) : 3;
    if (n < 1 || n > 100) {
        fprintf(stderr, "mkevtx: N must be 1..100\n");
        return 2;
    }
    uint8_t *f = new_file();
    if (f == NULL)
        return 1;
    W w = {f + VIGIL_EVTX_FILE_HEADER, VIGIL_EVTX_CHUNK_HEADER};
    uint32_t def = 0;
    for (int i = 1; i <= n; i++)
        event_record(&w, &def, (uint64_t)i, i % 2, i % 2 ? "C:\\Windows\\cmd.exe" : "C:\\x.exe");
    chunk_finish(w.b, 1, (uint64_t)n, w.pos);
    size_t len = file_finish(f, 1);
    FILE *out = fopen(argv[1], "wb");
    if (out == NULL || fwrite(f, 1, len, out) != len || fclose(out) != 0) {
        fprintf(stderr, "mkevtx: %s: %s\n", argv[1], strerror(errno));
        free(f);
        return 1;
    }
    free(f);
    return 0;
}
