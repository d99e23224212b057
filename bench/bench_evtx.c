/* bench_evtx.c - parse-only speed of vigil's EVTX reader.
 *
 * Usage: bench_evtx [-t THREADS] [-r ROUNDS] [-n] FILE...
 *        bench_evtx -B OUT COPIES FILE...
 * Reads every file into memory first (so disk speed does not count), then
 * parses them all ROUNDS times with a callback that only touches the
 * fields, and prints records, wall and CPU seconds, records per wall second
 * and per CPU second (the per-core rate, robust on a shared machine).
 * -n skips the CRC32 checks.
 *
 * -B writes a big synthetic EVTX file: the file header of the first FILE
 * followed by every chunk (with a chunk signature) of every FILE, all of
 * that COPIES times. Chunks are self-contained, so the result is a valid
 * file whose steady-state throughput (many full chunks, one file) can be
 * measured apart from the per-file overhead of the small corpus files. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vigil/vigil.h"

typedef struct blob {
    char *name;
    unsigned char *data;
    size_t len;
} blob;

static int on_event(const vigil_event *ev, void *user)
{
    uint64_t *sum = user;
    *sum += ev->nfields;
    return 0;
}

static int load(const char *path, blob *b)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return -1;
    }
    long n = ftell(f);
    rewind(f);
    b->data = malloc(n > 0 ? (size_t)n : 1);
    b->len = n > 0 ? (size_t)n : 0;
    b->name = strdup(path);
    int ok = b->data && b->name && fread(b->data, 1, b->len, f) == b->len;
    fclose(f);
    return ok ? 0 : -1;
}

/* -B: header of the first file, then every chunk of every file, copies times. */
static int make_big(const char *out, unsigned copies, blob *bl, size_t nb)
{
    enum { HDR = 4096, CHUNK = 65536 };
    FILE *f = fopen(out, "wb");
    if (f == NULL || nb == 0 || bl[0].len < HDR) {
        if (f != NULL)
            fclose(f);
        return -1;
    }
    int ok = fwrite(bl[0].data, 1, HDR, f) == HDR;
    uint64_t chunks = 0;
    for (unsigned c = 0; c < copies && ok; c++) {
        for (size_t k = 0; k < nb && ok; k++) {
            for (size_t off = HDR; off + CHUNK <= bl[k].len && ok; off += CHUNK) {
                if (memcmp(bl[k].data + off, "ElfChnk", 8) != 0)
                    continue;
                ok = fwrite(bl[k].data + off, 1, CHUNK, f) == CHUNK;
                chunks++;
            }
        }
    }
    if (fclose(f) != 0)
        ok = 0;
    if (ok)
        printf("wrote %s: %" PRIu64 " chunks\n", out, chunks);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    unsigned threads = 1, rounds = 5, copies = 0;
    int no_crc = 0;
    const char *big = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
            threads = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            rounds = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "-n") == 0)
            no_crc = 1;
        else if (strcmp(argv[i], "-B") == 0 && i + 2 < argc) {
            big = argv[++i];
            copies = (unsigned)atoi(argv[++i]);
        } else
            break;
    }
    size_t nb = (size_t)(argc - i);
    blob *bl = calloc(nb ? nb : 1, sizeof *bl);
    if (bl == NULL)
        return 2;
    for (size_t k = 0; k < nb; k++) {
        if (load(argv[i + (int)k], &bl[k]) != 0) {
            fprintf(stderr, "bench_evtx: cannot read %s\n", argv[i + (int)k]);
            return 2;
        }
    }
    if (big != NULL)
        return make_big(big, copies, bl, nb) == 0 ? 0 : 2;
    uint64_t sum = 0;
    vigil_evtx_options o;
    memset(&o, 0, sizeof o);
    o.on_event = on_event;
    o.event_user = &sum;
    o.threads = threads;
    o.no_crc = no_crc;
    vigil_evtx_parser *p;
    if (vigil_evtx_parser_create(&o, &p) != VIGIL_OK)
        return 2;
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    for (unsigned r = 0; r < rounds; r++) {
        for (size_t k = 0; k < nb; k++)
            vigil_evtx_parse_buffer(p, bl[k].name, bl[k].data, bl[k].len);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    vigil_evtx_stats st;
    vigil_evtx_get_stats(p, &st);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    /* records per CPU-second is the per-core rate even on a busy machine */
    printf("records %" PRIu64 " seconds %.4f cpu_seconds %.4f records_per_s %.0f"
           " records_per_cpu_s %.0f fields %" PRIu64 " bad %" PRIu64 "\n",
           st.records, s, cpu, s > 0 ? (double)st.records / s : 0.0,
           cpu > 0 ? (double)st.records / cpu : 0.0, sum, st.bad_records);
    vigil_evtx_parser_destroy(p);
    for (size_t k = 0; k < nb; k++) {
        free(bl[k].data);
        free(bl[k].name);
    }
    free(bl);
    return 0;
}
