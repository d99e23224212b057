/* long_path.h - opening a file whose path is longer than PATH_MAX, its
 * directory, and lstat of it.
 *
 * The walker reaches files at any depth (it opens each directory relative
 * to its parent), but a plain open() of such a file's full path fails with
 * ENAMETOOLONG: an intruder could hide an implant simply by nesting it
 * 2,000 directories deep. This opens the path in steps instead. */
#ifndef VIGIL_CORE_LONG_PATH_H
#define VIGIL_CORE_LONG_PATH_H

#include <sys/stat.h>

/* open(path, flags) (no O_CREAT), and when that fails with ENAMETOOLONG,
 * the same through openat() of successive directory prefixes shorter than
 * PATH_MAX. Returns the descriptor, or -1 with errno set. */
int vigil_open_long_path(const char *path, int flags);

/* The directory holding path's last component, opened O_RDONLY |
 * O_DIRECTORY (in steps when long), with *base pointed at that component
 * (for the *at() calls: unlinkat, renameat, fstatat). A path without a
 * slash is in ".". Returns the descriptor, or -1 with errno set. */
int vigil_open_long_parent(const char *path, const char **base);

/* lstat(path, st), and when that fails with ENAMETOOLONG, fstatat of the
 * last component in its directory opened in steps. 0, or -1 with errno. */
int vigil_lstat_long_path(const char *path, struct stat *st);

#endif
