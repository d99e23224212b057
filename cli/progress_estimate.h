/* progress_estimate.h - how much a sweep will read, for the progress
 * line's percentage and ETA.
 *
 * Why from the file system: counting first would walk the tree twice. A
 * PATH that is a mount point (/, a mounted image) is as big as the file
 * system's used bytes and inodes (statvfs), which costs nothing; for other
 * paths the estimate is unknown and the progress line shows what the
 * walker has found so far instead. */
#ifndef VIGIL_CLI_PROGRESS_ESTIMATE_H
#define VIGIL_CLI_PROGRESS_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

/* Sums the used bytes and inodes of the file systems mounted at paths
 * (each file system once); 0 and 0 when a path is not a mount point (the
 * total is then not known). */
void progress_estimate(const char *const *paths, size_t n, uint64_t *bytes, uint64_t *files);

/* "42%  ETA 3m10s" into buf from what was read so far ("" when the
 * estimate is unknown or too early to say). */
void progress_format(char *buf, size_t cap, uint64_t done_bytes, uint64_t est_bytes,
                     double seconds);

#endif
