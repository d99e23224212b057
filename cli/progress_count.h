/* progress_count.h - the bytes `vigil logs` will read, counted before it
 * starts, for the progress line's percentage and ETA.
 *
 * Why count and not ask the file system (as progress_estimate.h does for
 * scan): log paths are directories or files, rarely mount points, and a
 * stat-only walk of a log tree costs little next to reading its bytes. The
 * count is bounded: past a limit of entries or time it gives up and the
 * progress line shows what was read so far without a percentage. */
#ifndef VIGIL_CLI_PROGRESS_COUNT_H
#define VIGIL_CLI_PROGRESS_COUNT_H

#include <stddef.h>
#include <stdint.h>

/* The sizes of the regular files under paths, walked as vigil_logs_run
 * walks them (symbolic links followed or not, one file system or not,
 * excludes matched against the full path and the base name); 0 when the
 * count gave up or found nothing (the total is then unknown). */
uint64_t progress_count_bytes(const char *const *paths, size_t n, int follow_symlinks,
                              int one_file_system, const char *const *excludes, size_t nexcludes);

#endif
