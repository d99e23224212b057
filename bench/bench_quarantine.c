/* bench_quarantine.c - times vigil_quarantine_add (the full journaled,
 * fsynced, defanged move) over every regular file of a directory, then
 * vigil_quarantine_restore of every item, and prints files/s and MB/s of
 * each; bench_quarantine.sh compares them with mv and cp of the same files.
 * Usage: bench_quarantine STORE_DIR DATA_DIR */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vigil/vigil.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct ids {
    char (*id)[VIGIL_QUARANTINE_ID_MAX];
    size_t n, cap;
} ids;

static void on_item(const vigil_quarantine_item *it, void *user)
{
    ids *v = user;
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 1024;
        void *p = realloc(v->id, nc * sizeof *v->id);
        if (p == NULL)
            return;
        v->id = p;
        v->cap = nc;
    }
    snprintf(v->id[v->n++], VIGIL_QUARANTINE_ID_MAX, "%s", it->id);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_quarantine STORE_DIR DATA_DIR\n");
        return 2;
    }
    vigil_quarantine *q;
    if (vigil_quarantine_open(argv[1], NULL, &q) != VIGIL_OK)
        return 2;
    DIR *d = opendir(argv[2]);
    if (d == NULL)
        return 2;
    struct dirent *e;
    char **paths = NULL;
    size_t n = 0, cap = 0;
    unsigned long files = 0, failed = 0;
    double bytes = 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[2], e->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            char **p = realloc(paths, cap * sizeof *p);
            if (p == NULL)
                return 2;
            paths = p;
        }
        paths[n++] = strdup(path);
        bytes += (double)st.st_size;
    }
    closedir(d);
    vigil_quarantine_request *reqs = calloc(n ? n : 1, sizeof *reqs);
    if (reqs == NULL)
        return 2;
    for (size_t i = 0; i < n; i++)
        reqs[i].path = paths[i];
    double t0 = now();
    vigil_quarantine_add_many(q, reqs, n);
    double t1 = now();
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].status == VIGIL_OK)
            files++;
        else
            failed++;
        free(paths[i]);
    }
    free(paths);
    free(reqs);
    printf("quarantine %lu files %.0f bytes %.3f s  %.0f files/s  %.1f MB/s  (%lu failed)\n", files,
           bytes, t1 - t0, (double)files / (t1 - t0), bytes / 1e6 / (t1 - t0), failed);
    ids v = {NULL, 0, 0};
    vigil_quarantine_list(q, on_item, &v);
    t0 = now();
    for (size_t i = 0; i < v.n; i++)
        if (vigil_quarantine_restore(q, v.id[i], NULL, 0) != VIGIL_OK)
            failed++;
    t1 = now();
    printf("restore %zu files %.0f bytes %.3f s  %.0f files/s  %.1f MB/s  (%lu failed)\n", v.n,
           bytes, t1 - t0, (double)v.n / (t1 - t0), bytes / 1e6 / (t1 - t0), failed);
    free(v.id);
    vigil_quarantine_close(q);
    return failed ? 1 : 0;
}
