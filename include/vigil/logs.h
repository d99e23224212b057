/* vigil/logs.h - hunting network indicators in text logs and live sockets.
 *
 * The C2 domains, IPs, CIDRs and URLs an engine holds (from C2 lists and
 * threat intel files) are searched in every line of text logs of any
 * format: syslog, Zeek, Suricata eve.json, proxy and web access logs,
 * Windows DNS debug logs ("(3)www(4)evil(3)com(0)"), compressed with gzip,
 * bzip2 or xz or not. Domains match on label boundaries (evil.com matches
 * a.evil.com, not notevil.com), IPs exactly or by CIDR. Directories are
 * walked like a sweep, files and large files' chunks are scanned on every
 * core, and each hit names the file, the line number and the indicator. */
#ifndef VIGIL_LOGS_H
#define VIGIL_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "engine.h"
#include "status.h"
#include "sweep.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One indicator seen on one line (reported once per line even if it
 * occurs several times there). Pointers are valid only during the call. */
typedef struct vigil_log_hit {
    const char *path;           /* the file; "archive!member" inside archives */
    uint64_t line;              /* 1-based line number in the (decompressed) file */
    uint64_t offset;            /* byte offset of the match in the (decompressed) file */
    const char *indicator;      /* the indicator, normalised ("evil.com", "10.0.0.0/8") */
    const char *indicator_type; /* "domain", "ip", "cidr" or "url" */
    const char *matched;        /* the text that matched, as written (bounded) */
    const char *source;         /* the rule file the indicator came from, may be NULL */
    uint64_t source_line;       /* its line there, 0 if unknown */
    const char *description;    /* may be NULL */
    int score;                  /* 0..100 */
    const char *text;           /* the line (without its newline), at most max_line bytes */
    size_t text_len;
    int text_truncated; /* the line was longer: text is a window around the match */
} vigil_log_hit;

/* Called serialised (never from two threads at once); hits of one file come
 * in line order, files may interleave. Non-zero return stops the hunt
 * (VIGIL_ERR_ABORTED). */
typedef int (*vigil_log_fn)(const vigil_log_hit *hit, void *user);

typedef struct vigil_logs_options {
    vigil_log_fn on_hit; /* required */
    void *hit_user;
    vigil_diag_fn on_diag; /* may be NULL */
    void *diag_user;
    unsigned threads; /* 0 = every online core */
    int follow_symlinks;
    int one_file_system;
    const char *const *excludes; /* fnmatch globs against the full path and the base name */
    size_t nexcludes;
    size_t max_line;      /* bytes of the line given in hits; 0 = 1024 */
    int binary;           /* also scan files that look binary (short NUL runs or control
                             bytes with NULs in the first 4 KiB; long NUL runs are padding) */
    int no_decompress;    /* do not open gz/bz2/xz and archives: scan the raw bytes */
    volatile int *cancel; /* non-zero stops early (VIGIL_ERR_ABORTED); may be NULL */
    /* Progress, as for a sweep (vigil/sweep.h): files and bytes are those
     * read from disk so far (compressed files as stored), current the file
     * being read. Called from the walking thread, never together with
     * on_hit's lock held, at most every progress_interval_ms (0 = 200). */
    vigil_progress_fn on_progress; /* may be NULL */
    void *progress_user;
    unsigned progress_interval_ms;
} vigil_logs_options;

typedef struct vigil_logs_stats {
    uint64_t files;            /* files scanned (compressed ones counted once) */
    uint64_t members;          /* archive members and decompressed streams scanned */
    uint64_t bytes;            /* bytes scanned (after decompression) */
    uint64_t lines;            /* lines scanned */
    uint64_t hits;             /* (line, indicator) pairs reported */
    uint64_t binary_skipped;   /* files skipped as binary */
    uint64_t dirs;             /* directories entered */
    uint64_t skipped;          /* special files, excluded paths, pseudo file systems */
    uint64_t unreadable;       /* files and directories that could not be read */
    double seconds;            /* wall time */
    unsigned threads;          /* worker threads used */
    uint64_t indicators;       /* network indicators hunted */
    uint64_t paths_unreadable; /* given paths that do not exist or cannot be opened (errors;
                                  also in unreadable) */
} vigil_logs_stats;

/* Number of network indicators (domains, IPs, CIDRs, URLs) of a frozen
 * engine that vigil_logs_run and vigil_connections_check look for. */
size_t vigil_engine_net_count(const vigil_engine *engine);

/* Hunts every path (file or directory). VIGIL_OK when the hunt ran, whatever
 * it found; unreadable paths are diagnostics. VIGIL_ERR_NO_RULES when the
 * engine has no network indicator. */
vigil_status vigil_logs_run(const vigil_engine *engine, const char *const *paths, size_t npaths,
                            const vigil_logs_options *opts, vigil_logs_stats *stats);

/* A live socket whose remote (or local) address is an IP indicator. */
typedef struct vigil_conn_hit {
    const char *proto; /* "tcp", "tcp6", "udp", "udp6" */
    const char *local; /* address text */
    unsigned local_port;
    const char *remote;
    unsigned remote_port;
    const char *state;  /* "ESTABLISHED", "LISTEN", ... ("" for UDP) */
    int remote_matched; /* 1 the remote address matched, 0 the local one */
    int pid;            /* owning process, 0 when not found */
    const char *exe;    /* its executable, "" when unknown */
    uint32_t uid;
    const char *indicator;      /* "203.0.113.5", "203.0.113.0/24" */
    const char *indicator_type; /* "ip" or "cidr" */
    const char *source;
    uint64_t source_line;
    const char *description;
    int score;
} vigil_conn_hit;

typedef int (*vigil_conn_fn)(const vigil_conn_hit *hit, void *user);

/* Checks the sockets in proc_root/net/{tcp,tcp6,udp,udp6} (proc_root NULL =
 * "/proc") against the engine's IP and CIDR indicators (both ends of each
 * socket) and names the owning processes through proc_root/PID/fd (only
 * the caller's own processes unless it runs as root). Unreadable files are
 * diagnostics. VIGIL_ERR_NO_RULES when the engine has no network indicator. */
vigil_status vigil_connections_check(const vigil_engine *engine, const char *proc_root,
                                     vigil_conn_fn fn, void *user, vigil_diag_fn on_diag,
                                     void *diag_user);

#ifdef __cplusplus
}
#endif
#endif
