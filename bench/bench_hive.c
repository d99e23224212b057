/* bench_hive.c - parse-only speed of vigil's registry hive reader.
 *
 * Usage: bench_hive [-r ROUNDS] FILE...
 *        bench_hive -B BASE OUT KEYS VALUES
 * Reads every hive into memory first, then walks them ROUNDS times turning
 * every key and value into its registry event (TargetObject, Details), and
 * prints values, wall and CPU seconds and values per CPU second (the
 * per-core rate, robust on a shared machine).
 *
 * -B writes a synthetic hive for the benchmark: BASE (an empty hive from
 * tests/tools/mkhive) copied to OUT with KEYS keys under SOFTWARE-like
 * paths, each holding VALUES values of mixed types (strings with paths,
 * DWORDs, binary), through hivex's own write API. */
#include <hivex.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "registry/registry.h"

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_event(const vigil_event *ev, void *user)
{
    uint64_t *sum = user;
    *sum += ev->nfields;
    return 0;
}

static int build(const char *base, const char *out, long keys, long values)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod u+w '%s'", base, out, out);
    if (system(cmd) != 0)
        return 1;
    hive_h *h = hivex_open(out, HIVEX_OPEN_WRITE);
    if (h == NULL) {
        perror(out);
        return 1;
    }
    hive_node_h root = hivex_root(h), parent = 0;
    hive_set_value *v = calloc((size_t)values, sizeof *v);
    char (*names)[32] = calloc((size_t)values, 32);
    static char path[] = "C\0:\0\\\0P\0r\0o\0g\0r\0a\0m\0D\0a\0t\0a\0\\\0x\0.\0e\0x\0e\0\0";
    static char dword[4] = {1, 0, 0, 0}, bin[16] = {1, 2, 3};
    if (v == NULL || names == NULL)
        return 1;
    for (long i = 0; i < values; i++) {
        snprintf(names[i], 32, "Value%ld", i);
        v[i].key = names[i];
        v[i].t = i % 3 == 0 ? hive_t_REG_SZ : i % 3 == 1 ? hive_t_REG_DWORD : hive_t_REG_BINARY;
        v[i].len = i % 3 == 0 ? sizeof path : i % 3 == 1 ? 4 : sizeof bin;
        v[i].value = i % 3 == 0 ? path : i % 3 == 1 ? dword : bin;
    }
    for (long k = 0; k < keys; k++) {
        char name[32];
        if (k % 100 == 0) {
            snprintf(name, sizeof name, "Vendor%ld", k / 100);
            parent = hivex_node_add_child(h, root, name);
        }
        snprintf(name, sizeof name, "Key%ld", k);
        hive_node_h node = hivex_node_add_child(h, parent, name);
        if (node == 0 || hivex_node_set_values(h, node, (size_t)values, v, 0) != 0) {
            perror("hivex");
            return 1;
        }
    }
    if (hivex_commit(h, NULL, 0) != 0) {
        perror("hivex_commit");
        return 1;
    }
    hivex_close(h);
    free(v);
    free(names);
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = 3, i = 1;
    if (argc >= 6 && strcmp(argv[1], "-B") == 0)
        return build(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        rounds = atoi(argv[2]);
        i = 3;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: bench_hive [-r ROUNDS] FILE... | -B BASE OUT KEYS VALUES\n");
        return 2;
    }
    int n = argc - i;
    char **data = calloc((size_t)n, sizeof *data);
    size_t *len = calloc((size_t)n, sizeof *len);
    if (data == NULL || len == NULL)
        return 1;
    for (int f = 0; f < n; f++)
        if (vigil_read_file(argv[i + f], (size_t)1 << 31, &data[f], &len[f]) != VIGIL_OK) {
            fprintf(stderr, "cannot read %s\n", argv[i + f]);
            return 1;
        }
    vigil_diag_sink sink = {NULL, NULL};
    uint64_t events = 0, sum = 0;
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (int r = 0; r < rounds; r++)
        for (int f = 0; f < n; f++)
            vigil_registry_events(argv[i + f], data[f], len[f], &sink, on_event, &sum, &events);
    double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("%" PRIu64 " events (keys and values) in %.3f s wall, %.3f s CPU: %.0f events/CPU s\n",
           events, w, c, c > 0 ? (double)events / c : 0.0);
    for (int f = 0; f < n; f++)
        free(data[f]);
    free(data);
    free(len);
    return 0;
}
