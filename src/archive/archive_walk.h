/* archive_walk.h - reading archive members from memory through libarchive.
 *
 * The scanner hands a buffer that looks like an archive (zip, 7z, rar, tar,
 * gz/bz2/xz, tar.gz...) to vigil_archive_walk, which calls back once per
 * regular member with the member's bytes in memory. Limits make a bomb a
 * report, not an outage: a member bigger than max_member_size is skipped,
 * expansion beyond max_total or beyond max_ratio times the compressed size
 * stops the walk, and each of these is a diagnostic naming the archive. */
#ifndef VIGIL_ARCHIVE_WALK_H
#define VIGIL_ARCHIVE_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "vigil/scanner.h"
#include "vigil/status.h"

/* Non-zero if the first bytes are those of a format vigil opens:
 * zip (PK\3\4), 7z, rar (4 and 5), gzip, bzip2, xz, tar (ustar at 257). */
int vigil_archive_sniff(const uint8_t *data, size_t len);

/* Called per regular member; data is valid only during the call. Return
 * VIGIL_OK to go on, VIGIL_ERR_ABORTED to stop the walk. */
typedef vigil_status (*vigil_archive_member_fn)(void *user, const char *member_name,
                                                const uint8_t *data, size_t len);

/* What vigil_archive_walk uses for a zero field of vigil_archive_limits
 * (max_depth is the caller's business: the walk opens one level). */
#define VIGIL_ARCHIVE_DEFAULT_MAX_MEMBER_SIZE VIGIL_DEFAULT_MAX_SIZE
#define VIGIL_ARCHIVE_DEFAULT_MAX_TOTAL (1024ull * 1024 * 1024)
#define VIGIL_ARCHIVE_DEFAULT_MAX_RATIO 100u
#define VIGIL_ARCHIVE_DEFAULT_MAX_MEMBERS 100000ull
/* The ratio limit is ignored until this much has been expanded, so that
 * small, well-compressed archives (logs, text) are never called bombs. */
#define VIGIL_ARCHIVE_RATIO_FLOOR (1024ull * 1024)

typedef struct vigil_archive_walk_stats {
    uint64_t members;   /* members delivered */
    uint64_t skipped;   /* members skipped (too big, encrypted, unreadable) */
    uint64_t oversized; /* of those, members past max_member_size */
    uint64_t expanded;  /* bytes expanded */
    int bomb;           /* a ratio or total limit stopped the walk */
    int too_many;       /* the member count limit stopped the walk */
} vigil_archive_walk_stats;

/* display_name names the archive in diagnostics. Returns VIGIL_OK even for
 * corrupt archives (those are diagnostics); VIGIL_ERR_ABORTED if the
 * callback asked to stop; VIGIL_ERR_NOMEM. A single-stream compressed file
 * (plain .gz, .bz2, .xz) yields one member named after display_name without
 * its compression suffix ("log.txt.gz" -> "log.txt"). The caller passes
 * the bytes still allowed from this outer file in *budget and it is
 * decreased by what was expanded. */
vigil_status vigil_archive_walk(const uint8_t *data, size_t len, const char *display_name,
                                const vigil_archive_limits *limits, uint64_t *budget,
                                const vigil_diag_sink *diag, vigil_archive_member_fn cb, void *user,
                                vigil_archive_walk_stats *stats);

/* Called, when given, for each member past max_member_size instead of
 * dropping it unseen: begin with its name, data with its bytes in order as
 * far as the limits allow (the budget and ratio still apply), end with
 * complete = 1 when every byte was passed (so hashes of them are the
 * member's). A status other than VIGIL_OK ends the walk and is returned. */
typedef struct vigil_archive_big_fns {
    vigil_status (*begin)(void *user, const char *member_name);
    vigil_status (*data)(void *user, const uint8_t *data, size_t len);
    vigil_status (*end)(void *user, int complete);
} vigil_archive_big_fns;

/* vigil_archive_walk, with oversized members streamed to big (may be NULL). */
vigil_status vigil_archive_walk_big(const uint8_t *data, size_t len, const char *display_name,
                                    const vigil_archive_limits *limits, uint64_t *budget,
                                    const vigil_diag_sink *diag, vigil_archive_member_fn cb,
                                    const vigil_archive_big_fns *big, void *user,
                                    vigil_archive_walk_stats *stats);

/* A compressed stream (gz, bz2, xz) whose data reads as an empty tar (it
 * starts with a zeroed 512-byte block) is read again as one raw member.
 *
 * Diagnostics of a walk, all naming the archive (source = display_name, or
 * "display_name!member" for one member), level VIGIL_DIAG_WARNING:
 *   VIGIL_ERR_ACCESS   "password-protected archive: ..." - an encrypted member
 *                      (or encrypted headers) was skipped; callers may treat
 *                      this code as a staging indicator.
 *   VIGIL_ERR_LIMIT    "member too large: ...", "archive bomb: ...",
 *                      "too many members: ..."
 *   VIGIL_ERR_CORRUPT  "corrupt archive: ..." with libarchive's reason.
 * A member being read when a bomb limit stops the walk is still passed to
 * the callback with the bytes expanded so far.
 * A NULL budget means limits->max_total for this walk alone; stats may be
 * NULL. Bytes are expanded in 64 KiB steps, so a bomb is stopped within one
 * step of its limit. */

#endif
