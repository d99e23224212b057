/* progress_count.c - the pre-count of a log hunt's bytes (see
 * progress_count.h). fts(3), not our walker: the walker's callback reads
 * files, this only stats them, and a pre-count that overshoots by a file or
 * two only makes the percentage err low, which the end of the run mends. */
#include "progress_count.h"

#include <fnmatch.h>
#include <fts.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define COUNT_MAX_ENTRIES 2000000u
#define COUNT_MAX_SECONDS 3.0

static int excluded(const char *path, const char *name, const char *const *excludes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fnmatch(excludes[i], path, 0) == 0 || fnmatch(excludes[i], name, 0) == 0)
            return 1;
    return 0;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

uint64_t progress_count_bytes(const char *const *paths, size_t n, int follow_symlinks,
                              int one_file_system, const char *const *excludes, size_t nexcludes)
{
    char **argv = NULL;
    uint64_t total = 0;
    size_t entries = 0;
    double start = now_seconds();

    if (n == 0 || n > 1000000)
        return 0;
    argv = calloc(n + 1, sizeof *argv);
    if (argv == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        argv[i] = (char *)paths[i]; /* fts_open does not write to them */
    int opts = FTS_NOCHDIR | (follow_symlinks ? FTS_LOGICAL : FTS_PHYSICAL | FTS_COMFOLLOW) |
               (one_file_system ? FTS_XDEV : 0);
    FTS *fts = fts_open(argv, opts, NULL);
    if (fts == NULL) {
        free(argv);
        return 0;
    }
    FTSENT *e;
    while ((e = fts_read(fts)) != NULL) {
        if (++entries > COUNT_MAX_ENTRIES ||
            (entries % 4096 == 0 && now_seconds() - start > COUNT_MAX_SECONDS)) {
            total = 0; /* too big to count quickly: unknown */
            break;
        }
        if (e->fts_info == FTS_DP)
            continue;
        if (nexcludes > 0 && e->fts_level > 0 &&
            excluded(e->fts_path, e->fts_name, excludes, nexcludes)) {
            fts_set(fts, e, FTS_SKIP);
            continue;
        }
        if (e->fts_info == FTS_F && e->fts_statp != NULL)
            total += (uint64_t)e->fts_statp->st_size;
    }
    fts_close(fts);
    free(argv);
    return total;
}
