/* progress_estimate.c - the sweep's size from statvfs, and the percentage
 * and ETA of the progress line (see progress_estimate.h).
 *
 * Bytes, not files, drive the estimate: the time of a sweep follows the
 * bytes read. Files above --max-size and skipped pseudo file systems make
 * the estimate high, so the percentage is capped at 99 until the end and
 * the ETA errs long. */
#include "progress_estimate.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

/* Whether path is the root of its file system: / or a directory on another
 * device than its parent. */
static int mount_point(const char *path, dev_t *dev)
{
    char parent[PATH_MAX];
    struct stat st, pst;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    *dev = st.st_dev;
    if (snprintf(parent, sizeof parent, "%s/..", path) >= (int)sizeof parent ||
        stat(parent, &pst) != 0)
        return 0;
    return pst.st_dev != st.st_dev || pst.st_ino == st.st_ino; /* "/" is its own parent */
}

void progress_estimate(const char *const *paths, size_t n, uint64_t *bytes, uint64_t *files)
{
    dev_t seen[64];
    size_t nseen = 0;
    *bytes = *files = 0;
    for (size_t i = 0; i < n; i++) {
        dev_t dev;
        struct statvfs vs;
        if (!mount_point(paths[i], &dev) || statvfs(paths[i], &vs) != 0) {
            *bytes = *files = 0; /* one unknown part: the total is unknown */
            return;
        }
        int dup = 0;
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = seen[k] == dev;
        if (dup)
            continue;
        if (nseen < sizeof seen / sizeof seen[0])
            seen[nseen++] = dev;
        *bytes += (uint64_t)(vs.f_blocks - vs.f_bfree) * vs.f_frsize;
        *files += (uint64_t)(vs.f_files - vs.f_ffree);
    }
}

void progress_format(char *buf, size_t cap, uint64_t done, uint64_t est, double seconds)
{
    buf[0] = '\0';
    if (est == 0 || cap == 0)
        return;
    double frac = (double)done / (double)est;
    if (frac > 0.99)
        frac = 0.99;
    int pct = (int)(frac * 100.0);
    if (seconds < 2.0 || done == 0) {
        snprintf(buf, cap, "%d%%", pct);
        return;
    }
    double rate = (double)done / seconds;
    double left = done < est ? (double)(est - done) / rate : 0.0;
    unsigned long s = (unsigned long)left;
    if (s >= 3600)
        snprintf(buf, cap, "%d%%  ETA %luh%02lum", pct, s / 3600, s / 60 % 60);
    else if (s >= 60)
        snprintf(buf, cap, "%d%%  ETA %lum%02lus", pct, s / 60, s % 60);
    else
        snprintf(buf, cap, "%d%%  ETA %lus", pct, s);
}
