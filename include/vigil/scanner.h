/* vigil/scanner.h - scanning one target with a frozen engine.
 *
 * A scanner belongs to one thread. It owns the per-thread state of every
 * matcher (the YARA scanner, hyperscan scratch, buffers) so that scanning
 * needs no locks. One read of a file serves hashing, IOC checks and YARA;
 * archives found in a target are opened and their members scanned as
 * targets of their own, within the limits below. When the engine has Sigma
 * rules, event logs (EVTX files, and *.json / *.jsonl exports of events)
 * are read and every event matching a rule is reported as a result of its
 * own (vigil_target_result.event). */
#ifndef VIGIL_SCANNER_H
#define VIGIL_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "engine.h"
#include "finding.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_scanner vigil_scanner;

typedef struct vigil_archive_limits {
    unsigned max_depth;       /* nesting depth; 0 = do not open archives */
    uint64_t max_member_size; /* larger members are skipped (reported) */
    uint64_t max_total;       /* bytes expanded from one outer file */
    unsigned max_ratio;       /* expanded/compressed beyond this = bomb */
    uint64_t max_members;     /* members read from one outer file */
} vigil_archive_limits;

#define VIGIL_DEFAULT_MAX_SIZE (256ull * 1024 * 1024)
/* A scanner reads files up to this size into a buffer it keeps for the
 * next file; a bigger one gets a buffer of its own, freed after its scan
 * (a sweep shares a memory budget among those). */
#define VIGIL_SCANNER_KEPT_BUFFER (32ull * 1024 * 1024)
/* Files past max_size are hashed in full up to this size; bigger ones (a
 * VM image, a sparse 1 TB file) get the name checks only: hashing them
 * would hold a sweep for minutes each, for hash IOCs that are of malware. */
#define VIGIL_DEFAULT_MAX_HASH_SIZE (1024ull * 1024 * 1024)

typedef struct vigil_scan_options {
    uint64_t max_size;            /* bigger files get hash and name checks only; 0 = default */
    vigil_archive_limits archive; /* all zero = defaults */
    int no_archives;              /* do not look inside archives */
    unsigned max_strings;         /* string matches kept per YARA finding; 0 = 16 */
    int notice_score;             /* level thresholds; 0 = 40 / 60 / 80 */
    int warning_score;
    int alert_score;
    vigil_result_fn on_result;
    void *result_user;
    vigil_diag_fn on_diag;
    void *diag_user;
    uint64_t max_hash_size; /* files past max_size are hashed up to this size, bigger ones
                               not at all (name checks only); 0 = default */
    volatile int *cancel;   /* set non-zero from anywhere (a signal handler) to stop the scan
                               of a file between reads (VIGIL_ERR_ABORTED); may be NULL */
} vigil_scan_options;

/* Fills in the defaults for every zero field. */
void vigil_scan_options_defaults(vigil_scan_options *opts);

vigil_status vigil_scanner_create(const vigil_engine *engine, const vigil_scan_options *opts,
                                  vigil_scanner **out);
void vigil_scanner_destroy(vigil_scanner *scanner); /* NULL is safe */

/* Scans one regular file. Problems with the file itself (unreadable,
 * vanished) are diagnostics and return VIGIL_OK; VIGIL_ERR_ABORTED if the
 * result callback asked to stop or opts.cancel was set (polled between
 * reads of at most a few MiB, so a huge file does not hold a cancel). */
vigil_status vigil_scanner_scan_file(vigil_scanner *scanner, const char *path);

/* Scans a buffer as if it were a file called name (used for the name
 * checks and the YARA external variables). */
vigil_status vigil_scanner_scan_memory(vigil_scanner *scanner, const char *name, const void *data,
                                       size_t len);

/* Counters of this scanner since creation. */
typedef struct vigil_scan_stats {
    uint64_t targets;                     /* files and archive members scanned */
    uint64_t bytes;                       /* bytes read from files */
    uint64_t members;                     /* archive members scanned */
    uint64_t oversized;                   /* files past max_size: hash and name only */
    uint64_t unreadable;                  /* files that could not be opened or read */
    uint64_t errors;                      /* diagnostics of level error */
    uint64_t warnings;                    /* diagnostics of level warning */
    uint64_t findings;                    /* findings reported */
    uint64_t by_level[VIGIL_LEVEL_COUNT]; /* targets reported, by level */
    uint64_t event_logs;                  /* EVTX / JSON event files matched against Sigma rules */
    uint64_t events;                      /* events read from them */
    uint64_t event_matches;               /* events that matched at least one reported rule */
    uint64_t unhashed;                    /* of the oversized, past max_hash_size: not hashed */
    uint64_t archives_too_deep;           /* archives not opened: nested past archive.max_depth */
    uint64_t members_oversized;           /* members past max_member_size: name and hash only */
    uint64_t archives_cut;                /* archives a bomb or member count limit stopped */
    uint64_t allowlisted;                 /* targets not reported: hash on an allow-list */
    uint64_t text_logs;                   /* text logs hunted for C2 indicators */
    uint64_t artefacts;                   /* Windows tasks, startup files, LNK, Prefetch read */
    uint64_t artefacts_unreadable;        /* of those, not parsed (damaged, compressed Prefetch) */
    uint64_t registry_hives;              /* registry hives (regf) read */
    uint64_t registry_keys;               /* their keys */
    uint64_t registry_values;             /* their values, each a registry event */
    uint64_t autostart_entries;           /* registry autostart entries listed */
    uint64_t images;                      /* disk images walked inside (raw, E01, VMDK, VHD) */
    uint64_t image_files;                 /* files and streams scanned inside disk images */
    uint64_t image_streams;               /* of those, NTFS alternate data streams */
    uint64_t images_not_opened;           /* images in archives not walked (E01/VMDK/VHD, depth) */
    uint64_t image_snapshots;             /* Volume Shadow Copies walked inside images */
    uint64_t image_snapshot_unchanged;    /* their files equal to the live one: not scanned again */
    uint64_t not_regular; /* files that were no regular file when opened (a FIFO, socket or
                             device put in place of one after the walk listed it): not scanned */
} vigil_scan_stats;

void vigil_scanner_get_stats(const vigil_scanner *scanner, vigil_scan_stats *out);

/* Evaluates the Sigma correlation rules over every event this scanner has
 * matched so far and reports their results through on_result (each as a
 * target with one VIGIL_FINDING_CORRELATION finding), then forgets those
 * events. A sweep does this itself over all its scanners at its end; call
 * it when scanning with a scanner of your own. VIGIL_OK when the engine
 * has no correlation rules. */
vigil_status vigil_scanner_finish(vigil_scanner *scanner);

#ifdef __cplusplus
}
#endif
#endif
