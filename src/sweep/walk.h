/* walk.h - finding the files of a sweep: a directory walker that stays out of trouble.
 *
 * The walker recurses with openat/fdopendir and an explicit stack (no nftw:
 * it must skip pseudo file systems by their magic, detect loops by dev/ino
 * and report unreadable paths as diagnostics), and calls back once per
 * regular file with its path and struct stat. It never descends into /proc,
 * /sys or /dev (by path, and by file system magic wherever they are
 * mounted), does not follow symbolic links unless asked (paths given as
 * roots are always resolved, like find -H), and skips FIFOs, sockets and
 * devices without opening them. */
#ifndef VIGIL_SWEEP_WALK_H
#define VIGIL_SWEEP_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/diagsink.h"
#include "vigil/status.h"

typedef struct vigil_walk_options {
    int follow_symlinks;         /* follow links below the roots; loops are detected */
    int one_file_system;         /* do not cross into other devices than the root's */
    const char *const *excludes; /* fnmatch globs against the full path and the base name;
                                    an excluded directory is not entered */
    size_t nexcludes;
    volatile int *cancel; /* non-zero stops the walk (VIGIL_ERR_ABORTED); may be NULL */
    unsigned max_depth;   /* directory nesting below a root, reported when passed; 0 = no
                             limit (a bounded number of directories is held open at once) */
} vigil_walk_options;

typedef struct vigil_walk_stats {
    uint64_t files;            /* regular files passed to the callback */
    uint64_t dirs;             /* directories entered */
    uint64_t skipped;          /* FIFOs, sockets, devices, excluded paths, pseudo and other file
                                  systems, loops, directories too deep */
    uint64_t unreadable;       /* files and directories that could not be read (diagnosed) */
    uint64_t roots_unreadable; /* of those, roots (a PATH argument missing or unreadable) */
} vigil_walk_stats;

/* Called per regular file, from the walking thread. path is valid only
 * during the call. Return VIGIL_OK to go on; anything else stops the walk
 * and is returned by vigil_walk_run. */
typedef vigil_status (*vigil_walk_fn)(void *user, const char *path, const struct stat *st);

/* Walks every root in order; a root that is a regular file is passed to the
 * callback directly (excludes do not apply to roots). Problems with paths
 * are diagnostics (VIGIL_DIAG_WARNING; VIGIL_ERR_ACCESS, VIGIL_ERR_IO or
 * VIGIL_ERR_NOT_FOUND with the path as source) and the walk goes on; a root
 * that does not exist or cannot be opened is a VIGIL_DIAG_ERROR (the user
 * named it) and counted in roots_unreadable too.
 * Returns VIGIL_OK, VIGIL_ERR_ABORTED (cancel), VIGIL_ERR_NOMEM, or the
 * callback's status. opts, diag and stats may be NULL. */
vigil_status vigil_walk_run(const char *const *roots, size_t nroots, const vigil_walk_options *opts,
                            const vigil_diag_sink *diag, vigil_walk_fn cb, void *user,
                            vigil_walk_stats *stats);

/* Non-zero for the statfs f_type of a kernel pseudo file system (proc,
 * sysfs, devpts, cgroup, debugfs, ...) that a sweep must not enter. */
int vigil_walk_is_pseudo_fs(long f_type);

/* Non-zero for exactly "/proc", "/sys" and "/dev" (the walker never enters
 * them; a root given below them, such as /dev/shm, is walked unless its
 * file system is a pseudo one). */
int vigil_walk_is_pseudo_path(const char *path);

#endif
