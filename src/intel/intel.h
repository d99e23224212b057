/* intel.h - loading threat intelligence as it is published.
 *
 * Alerts arrive as STIX 2.1 bundles, OpenIOC XML, MISP events (JSON or CSV),
 * CSV tables and plain lists, full of defanged values. Each loader here turns
 * one such document into a stream of normalised items handed to a callback,
 * so the loaders do not depend on any particular IOC store: the IOC database
 * builder, a deduplicating set (below) or a converter can all consume them.
 * Bad input (a syntax error, a pattern that does not parse, a value of the
 * wrong shape) is a diagnostic naming the file and position; the rest of the
 * document still loads. */
#ifndef VIGIL_INTEL_H
#define VIGIL_INTEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diagsink.h"
#include "vigil/status.h"

typedef enum {
    VIGIL_INTEL_MD5 = 0,
    VIGIL_INTEL_SHA1,
    VIGIL_INTEL_SHA256,
    VIGIL_INTEL_FILENAME, /* base name, exact (case kept) */
    VIGIL_INTEL_PATH,     /* full path, exact (case kept) */
    VIGIL_INTEL_DOMAIN,   /* lower-case, no trailing dot, IDNA A-labels */
    VIGIL_INTEL_IP,       /* canonical inet_ntop text, v4 or v6 */
    VIGIL_INTEL_CIDR,     /* canonical network/prefix, host bits cleared */
    VIGIL_INTEL_URL,      /* scheme and host lower-case, rest kept */
    VIGIL_INTEL_TYPE_COUNT
} vigil_intel_type;

/* "md5", "sha1", "sha256", "filename", "path", "domain", "ip", "cidr", "url". */
const char *vigil_intel_type_name(vigil_intel_type type);
/* Inverse of vigil_intel_type_name; VIGIL_ERR_NOT_FOUND for other names. */
vigil_status vigil_intel_type_parse(const char *name, vigil_intel_type *out);

typedef struct vigil_intel_item {
    vigil_intel_type type;
    const char *value;       /* normalised */
    int score;               /* 0..100 */
    const char *description; /* may be NULL */
    const char *source;      /* file (or name) the item came from */
    uint64_t line;           /* 1-based line, 0 when unknown */
    const char *where;       /* JSON pointer or XML path, may be NULL */
    int64_t valid_until;     /* seconds since the epoch, 0 = no end */
    /* Items that only decide a match together (STIX "A AND B", an OpenIOC
     * AND indicator) share a nonzero group id, unique within one load call;
     * group_size says how many items the group has. 0 = stands alone. */
    uint32_t group;
    uint32_t group_size;
} vigil_intel_item;

/* Called for each item; all pointers are valid only during the call. A
 * nonzero return stops the load with VIGIL_ERR_ABORTED. */
typedef int (*vigil_intel_fn)(const vigil_intel_item *item, void *user);

/* What a load did beyond the items it delivered. */
typedef struct vigil_intel_stats {
    uint64_t items;       /* items delivered */
    uint64_t unsupported; /* comparisons/patterns/types vigil cannot express */
    uint64_t partial;     /* AND groups loaded without their inexpressible parts */
    uint64_t invalid;     /* values of the wrong shape, unparsable patterns */
    uint64_t expired;     /* past valid_until */
    uint64_t revoked;     /* revoked STIX objects, deleted MISP attributes */
    uint64_t not_ids;     /* MISP to_ids=false, skipped */
    uint64_t syntax;      /* JSON/XML/CSV syntax errors */
} vigil_intel_stats;

typedef struct vigil_intel_opts {
    vigil_diag_sink diag;
    vigil_intel_fn fn; /* required */
    void *user;
    int default_score;        /* used when the document gives none; 0 = 100 */
    int64_t now;              /* for valid_until; 0 = current time */
    int include_not_ids;      /* load MISP attributes with to_ids=false too */
    vigil_intel_stats *stats; /* may be NULL; counts are added to */
} vigil_intel_opts;

typedef enum {
    VIGIL_INTEL_FMT_AUTO = 0,
    VIGIL_INTEL_FMT_STIX,
    VIGIL_INTEL_FMT_OPENIOC,
    VIGIL_INTEL_FMT_MISP_JSON,
    VIGIL_INTEL_FMT_MISP_CSV,
    VIGIL_INTEL_FMT_CSV,
    VIGIL_INTEL_FMT_LIST
} vigil_intel_format;

const char *vigil_intel_format_name(vigil_intel_format fmt);
/* Guesses the format from the content (and the name's extension). */
vigil_intel_format vigil_intel_detect(const char *name, const char *data, size_t len);

/* Each loader parses one document held in memory; name is the source shown
 * in items and diagnostics. They return VIGIL_OK even when parts of the
 * document were bad (see the diagnostics and stats); VIGIL_ERR_PARSE only
 * when nothing of the document could be read, VIGIL_ERR_ABORTED when the
 * callback asked to stop, VIGIL_ERR_NOMEM. */
vigil_status vigil_intel_load_stix(const char *name, const char *data, size_t len,
                                   const vigil_intel_opts *opts);
vigil_status vigil_intel_load_openioc(const char *name, const char *data, size_t len,
                                      const vigil_intel_opts *opts);
vigil_status vigil_intel_load_misp_json(const char *name, const char *data, size_t len,
                                        const vigil_intel_opts *opts);
/* MISP CSV export/feed: a CSV with type, value and to_ids columns. */
vigil_status vigil_intel_load_misp_csv(const char *name, const char *data, size_t len,
                                       const vigil_intel_opts *opts);
/* CSV whose header names a value column (value, indicator, ioc, ...) and
 * optionally type, score, description/comment, to_ids; without a type
 * column the type is inferred per value. Delimiter , ; or tab. */
vigil_status vigil_intel_load_csv(const char *name, const char *data, size_t len,
                                  const vigil_intel_opts *opts);
/* One value a line, '#' comments, type inferred. "VALUE;SCORE" and
 * "VALUE;SCORE;DESCRIPTION" (the Loki forms) are accepted. */
vigil_status vigil_intel_load_list(const char *name, const char *data, size_t len,
                                   const vigil_intel_opts *opts);
/* Dispatches on fmt (AUTO = detect). */
vigil_status vigil_intel_load(vigil_intel_format fmt, const char *name, const char *data,
                              size_t len, const vigil_intel_opts *opts);
/* Reads the file (at most 1 GiB) and loads it; VIGIL_ERR_IO when unreadable. */
vigil_status vigil_intel_load_file(vigil_intel_format fmt, const char *path,
                                   const vigil_intel_opts *opts);

/* ---- refang.c: defang styles, shapes and normal forms ------------------- */

/* Undoes the usual defang styles: hxxp/hXXp/hxxps/fxp/meow schemes,
 * [.] (.) {.} [dot] (dot) {dot} \. , [:] [://] [/] , [@] [at] (at).
 * Writes at most cap-1 bytes plus NUL; returns the length of the result,
 * or (size_t)-1 when it does not fit. */
size_t vigil_intel_refang(const char *in, size_t len, char *out, size_t cap);

/* Refangs, validates and normalises a value of the given type into out
 * (cap >= 8). VIGIL_ERR_PARSE when the value does not have that shape
 * (with a reason in *why when why is not NULL), VIGIL_ERR_LIMIT when it
 * does not fit. An IP with a /prefix becomes a CIDR (a full-length
 * prefix stays an IP): *type_io is updated. */
vigil_status vigil_intel_normalise(vigil_intel_type *type_io, const char *in, size_t len, char *out,
                                   size_t cap, const char **why);

/* Infers the type of a (possibly defanged) value: hash by length, IP,
 * CIDR, URL (has a scheme), path (has a slash or backslash and no dot
 * label shape), domain, else filename. VIGIL_ERR_PARSE when nothing fits. */
vigil_status vigil_intel_infer(const char *in, size_t len, vigil_intel_type *out);

/* ---- set.c: a deduplicated set keeping every source ---------------------- */

typedef struct vigil_intel_set vigil_intel_set;

typedef struct vigil_intel_origin {
    const char *source;
    uint64_t line;
    const char *where; /* may be NULL */
} vigil_intel_origin;

typedef struct vigil_intel_entry {
    vigil_intel_type type;
    const char *value;
    int score;                         /* highest score seen */
    const char *description;           /* first non-empty description */
    int64_t valid_until;               /* latest; 0 = unbounded if any source was */
    const vigil_intel_origin *origins; /* in the order they were added */
    size_t norigins;
} vigil_intel_entry;

vigil_status vigil_intel_set_create(vigil_intel_set **out);
void vigil_intel_set_destroy(vigil_intel_set *set); /* NULL safe */
vigil_status vigil_intel_set_add(vigil_intel_set *set, const vigil_intel_item *item);
/* A vigil_intel_fn adding to the set passed as user (returns nonzero on
 * out of memory). */
int vigil_intel_set_add_cb(const vigil_intel_item *item, void *user);
size_t vigil_intel_set_count(const vigil_intel_set *set);
/* Entries in insertion order; NULL past the end. */
const vigil_intel_entry *vigil_intel_set_at(const vigil_intel_set *set, size_t i);
/* Entry count per type (array of VIGIL_INTEL_TYPE_COUNT). */
void vigil_intel_set_counts(const vigil_intel_set *set, uint64_t *counts);

/* ---- write.c: the set written back out ----------------------------------- */

/* Loki/signature-base text lists in dir (created if needed): hash-iocs.txt
 * (HASH;SCORE;DESCRIPTION), filename-iocs.txt (names and paths as escaped,
 * anchored, case-insensitive regexes;SCORE) and c2-iocs.txt
 * (VALUE;SCORE;DESCRIPTION: domains, IPs, CIDRs, URLs). */
vigil_status vigil_intel_write_loki(const vigil_intel_set *set, const char *dir,
                                    const vigil_diag_sink *diag);
/* A STIX 2.1 bundle of one indicator per entry (confidence = score, stable
 * ids from type and value; now 0 = current time for the timestamps). Full
 * paths have no STIX comparison vigil reads back; they are counted in
 * *skipped (may be NULL). */
vigil_status vigil_intel_write_stix(const vigil_intel_set *set, FILE *fp, int64_t now,
                                    size_t *skipped);
/* A CSV table: type,value,score,description. */
vigil_status vigil_intel_write_csv(const vigil_intel_set *set, FILE *fp);

#endif
