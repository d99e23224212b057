/* vigil/sweep.h - sweeping trees on every core.
 *
 * A sweep walks the given paths, feeds regular files to a pool of worker
 * threads (one vigil_scanner each) and serialises their results and
 * diagnostics to the caller's callbacks. It never descends into /proc, /sys
 * or /dev, never follows symbolic links unless asked, and reports what it
 * could not read without stopping. */
#ifndef VIGIL_SWEEP_H
#define VIGIL_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "scanner.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_sweep_progress {
    uint64_t files;      /* files scanned so far */
    uint64_t bytes;      /* bytes scanned so far */
    uint64_t queued;     /* files found by the walker so far */
    double seconds;      /* since the start */
    const char *current; /* a path being scanned now, may be NULL */
} vigil_sweep_progress;

/* Called from the walking thread, at most every progress_interval_ms. */
typedef void (*vigil_progress_fn)(const vigil_sweep_progress *p, void *user);

typedef struct vigil_sweep_options {
    vigil_scan_options scan; /* result/diag callbacks live here */
    unsigned threads;        /* 0 = every online core */
    int follow_symlinks;
    int one_file_system;
    const char *const *excludes; /* fnmatch globs against the full path and the base name */
    size_t nexcludes;
    vigil_progress_fn on_progress; /* may be NULL */
    void *progress_user;
    unsigned progress_interval_ms; /* 0 = 200 */
    volatile int *cancel;          /* set non-zero from anywhere to stop early; may be NULL */
} vigil_sweep_options;

typedef struct vigil_sweep_stats {
    vigil_scan_stats scan;     /* summed over the workers */
    uint64_t dirs;             /* directories entered */
    uint64_t skipped;          /* special files (met by the walk, or put in place of a file
                                  it listed: scan.not_regular), excluded paths, pseudo
                                  file systems */
    uint64_t unreadable;       /* files and directories that could not be read */
    double seconds;            /* wall time */
    unsigned threads;          /* worker threads used */
    uint64_t paths_unreadable; /* given paths that do not exist or cannot be opened (errors;
                                  also in unreadable) */
} vigil_sweep_stats;

/* Sweeps every path (files or directories). Returns VIGIL_OK when the sweep
 * ran, whatever it found; problems with single paths are diagnostics. */
vigil_status vigil_sweep_run(const vigil_engine *engine, const char *const *paths, size_t npaths,
                             const vigil_sweep_options *opts, vigil_sweep_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
