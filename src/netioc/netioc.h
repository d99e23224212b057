/* netioc.h - hunting network indicators (domains, IPs, CIDRs, URLs) in text
 * logs and in the host's live connections.
 *
 * Lines are cut into host-shaped tokens in one pass; each label-boundary
 * suffix of a token is one lookup in a hash table of domain and URL-host
 * indicators (behind a cache-resident bit filter), IPv4/IPv6 candidates are
 * parsed and looked up in sorted tables per prefix length (exact and CIDR),
 * and Windows DNS debug names "(3)www(4)evil(3)com(0)" are rebuilt into
 * dotted form. So the cost of a scan does not grow with the number of
 * indicators, building takes milliseconds, and label boundaries hold:
 * evil.com matches a.evil.com, not notevil.com nor evil.com.other.net.
 * (A hyperscan literal database was measured first and rejected: 10-40 s
 * to compile 70,000 domains, 7 MB/s once the DNS-debug spellings, which
 * share the suffix "(3)com(0)", were added.) */
#ifndef VIGIL_NETIOC_H
#define VIGIL_NETIOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "intel/intel_loaders.h"
#include "vigil/status.h"

typedef struct vigil_netioc_builder vigil_netioc_builder;
typedef struct vigil_netioc_db vigil_netioc_db;
typedef struct vigil_netioc_scratch vigil_netioc_scratch;

vigil_status vigil_netioc_builder_create(const vigil_diag_sink *diag, vigil_netioc_builder **out);
void vigil_netioc_builder_destroy(vigil_netioc_builder *b); /* NULL safe */

/* Adds a DOMAIN, IP, CIDR or URL indicator (other types: VIGIL_ERR_INVALID_ARG).
 * The value is normalised (refanged) first; VIGIL_ERR_PARSE with a
 * diagnostic when it has the wrong shape. Duplicates are merged (highest
 * score, first description and source kept). */
vigil_status vigil_netioc_builder_add(vigil_netioc_builder *b, vigil_intel_type type,
                                      const char *value, int score, const char *description,
                                      const char *source, uint64_t line);
/* A vigil_intel_fn adding the network items of a load to the builder in
 * user (other types are ignored; returns nonzero only on out of memory). */
int vigil_netioc_add_item_cb(const vigil_intel_item *item, void *user);

/* Compiles; the builder may be destroyed afterwards. An empty set gives a
 * database that matches nothing. */
vigil_status vigil_netioc_builder_finish(vigil_netioc_builder *b, vigil_netioc_db **out);
void vigil_netioc_db_destroy(vigil_netioc_db *db); /* NULL safe */

typedef struct vigil_netioc_indicator {
    vigil_intel_type type; /* DOMAIN, IP, CIDR or URL */
    const char *value;     /* normalised */
    int score;
    const char *description; /* may be NULL */
    const char *source;      /* may be NULL */
    uint64_t line;
} vigil_netioc_indicator;

size_t vigil_netioc_db_count(const vigil_netioc_db *db);
const vigil_netioc_indicator *vigil_netioc_db_at(const vigil_netioc_db *db, size_t i);

/* Per-thread scan state. */
vigil_status vigil_netioc_scratch_create(const vigil_netioc_db *db, vigil_netioc_scratch **out);
void vigil_netioc_scratch_destroy(vigil_netioc_scratch *s); /* NULL safe */

typedef struct vigil_netioc_hit {
    uint64_t line;    /* 1-based line of the match */
    uint64_t offset;  /* byte offset of the match in the stream */
    uint32_t length;  /* matched bytes */
    size_t indicator; /* index for vigil_netioc_db_at */
} vigil_netioc_hit;

/* Called per (line, indicator) pair, once even if the indicator occurs
 * several times on the line; nonzero return stops the scan with
 * VIGIL_ERR_ABORTED. */
typedef int (*vigil_netioc_fn)(const vigil_netioc_hit *hit, void *user);

/* Scans buf (whole lines; the last one may lack its newline). Line numbers
 * start at first_line and offsets at base_offset, so a caller reading a
 * file in chunks cut at newlines gets the numbers of the whole file. */
vigil_status vigil_netioc_scan(const vigil_netioc_db *db, vigil_netioc_scratch *s, const char *buf,
                               size_t len, uint64_t first_line, uint64_t base_offset,
                               vigil_netioc_fn fn, void *user);

/* The same; *newlines (may be NULL) gets the number of '\n' bytes in buf,
 * so a caller scanning chunks in parallel can number lines afterwards. */
vigil_status vigil_netioc_scan_lines(const vigil_netioc_db *db, vigil_netioc_scratch *s,
                                     const char *buf, size_t len, uint64_t first_line,
                                     uint64_t base_offset, vigil_netioc_fn fn, void *user,
                                     uint64_t *newlines);

/* Whether a file of a sweep is a text log to hunt C2 indicators in: not
 * binary, and named *.log or *.log.N, or its first lines led by log
 * timestamps (syslog, ISO 8601, web access, Windows DNS debug, epoch), a
 * Zeek header or JSON records with a time key (see logsniff.c). path may
 * be an archive member's ("outer.tgz!var/log/auth.log"). */
int vigil_netioc_is_text_log(const char *path, const void *data, size_t len);

/* Reads fd to its end in chunks cut at newlines and scans them. */
vigil_status vigil_netioc_scan_fd(const vigil_netioc_db *db, vigil_netioc_scratch *s, int fd,
                                  vigil_netioc_fn fn, void *user);

/* Looks an address up in the IP and CIDR indicators (family AF_INET with
 * 4 bytes or AF_INET6 with 16); fn gets each matching indicator index and
 * returns nonzero to stop. Returns the number of matches. */
size_t vigil_netioc_match_addr(const vigil_netioc_db *db, int family, const uint8_t *addr,
                               int (*fn)(size_t indicator, void *user), void *user);

/* ---- live.c: sockets of the running host --------------------------------- */

typedef struct vigil_live_conn {
    int udp;    /* 0 = TCP, 1 = UDP */
    int family; /* AF_INET or AF_INET6 */
    uint8_t local[16], remote[16];
    uint16_t lport, rport;
    unsigned state; /* kernel TCP state number (1 = ESTABLISHED, 10 = LISTEN) */
    uint32_t uid;
    uint64_t inode;
} vigil_live_conn;

/* Parses the text of /proc/net/{tcp,tcp6,udp,udp6}; bad lines are
 * diagnostics naming name and line. fn returns nonzero to stop. */
vigil_status vigil_live_parse(const char *name, const char *text, size_t len, int udp, int family,
                              const vigil_diag_sink *diag,
                              int (*fn)(const vigil_live_conn *conn, void *user), void *user);

typedef struct vigil_live_hit {
    const vigil_live_conn *conn;
    size_t indicator; /* vigil_netioc_db_at */
    int remote;       /* 1 = the remote address matched, 0 = the local one */
    int pid;          /* owning process, 0 when not found */
    const char *exe;  /* its executable, "" when unknown */
} vigil_live_hit;

/* Reads proc_root/net/{tcp,tcp6,udp,udp6} (proc_root is "/proc" on a live
 * host), checks both addresses of each socket against the IP and CIDR
 * indicators and, for the hits, finds the owning processes through
 * proc_root/PID/fd socket links. Unreadable files are diagnostics. */
vigil_status vigil_live_check(const vigil_netioc_db *db, const char *proc_root,
                              const vigil_diag_sink *diag,
                              int (*fn)(const vigil_live_hit *hit, void *user), void *user);

#endif
