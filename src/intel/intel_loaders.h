/* intel_loaders.h - loading threat intelligence as it is published.
 *
 * Alerts arrive as STIX 2.1 bundles, OpenIOC XML, MISP events (JSON or CSV),
 * CSV tables and plain lists, full of defanged values. Each loader here turns
 * one such document into a stream of normalised items handed to a callback,
 * so the loaders do not depend on any particular IOC store: the IOC database
 * builder, the deduplicating set of vigil/intel.h or a converter can all
 * consume them. The types shared with users (types, stats, formats, the set)
 * are in the public vigil/intel.h.
 * Bad input (a syntax error, a pattern that does not parse, a value of the
 * wrong shape) is a diagnostic naming the file and position; the rest of the
 * document still loads. */
#ifndef VIGIL_INTEL_LOADERS_H
#define VIGIL_INTEL_LOADERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diagsink.h"
#include "vigil/intel.h"
#include "vigil/status.h"

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

typedef struct vigil_intel_opts {
    vigil_diag_sink diag;
    vigil_intel_fn fn; /* required */
    void *user;
    int default_score;        /* used when the document gives none; 0 = 100 */
    int64_t now;              /* for valid_until; 0 = current time */
    int include_not_ids;      /* load MISP attributes with to_ids=false too */
    vigil_intel_stats *stats; /* may be NULL; counts are added to */
} vigil_intel_opts;

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

/* ---- set.c: adding to the set (see vigil/intel.h) ---------------------- */

vigil_status vigil_intel_set_add(vigil_intel_set *set, const vigil_intel_item *item);
/* A vigil_intel_fn adding to the set passed as user (returns nonzero on
 * out of memory). */
int vigil_intel_set_add_cb(const vigil_intel_item *item, void *user);

#endif
