/* fuzz_evtx.c - libFuzzer harness for the EVTX reader.
 *
 * The input is parsed twice: as a whole file, and as the body of a file
 * behind a valid file header (so mutations reach the chunk, record and
 * binary XML decoders instead of dying at the file signature). CRCs are
 * not checked so that mutated chunks are decoded, not only reported. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(const vigil_event *ev, void *user)
{
    size_t *n = user;
    for (size_t i = 0; i < ev->nfields; i++)
        *n += strlen(ev->fields[i].name) + strlen(ev->fields[i].value);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t sum = 0;
    vigil_evtx_options o;
    vigil_evtx_parser *p = NULL;

    memset(&o, 0, sizeof o);
    o.on_event = on_event;
    o.event_user = &sum;
    o.no_crc = 1;
    if (vigil_evtx_parser_create(&o, &p) != VIGIL_OK)
        return 0;
    vigil_evtx_parse_buffer(p, "fuzz", data, size);
    if (size <= 4 * 65536) {
        uint8_t *buf = calloc(1, 4096 + size);
        if (buf != NULL) {
            memcpy(buf, "ElfFile", 8);
            memcpy(buf + 4096, data, size);
            vigil_evtx_parse_buffer(p, "fuzz", buf, 4096 + size);
            free(buf);
        }
    }
    vigil_evtx_parser_destroy(p);
    return 0;
}
