/* intel_internal.h - what the intel loaders share: the emitting context that
 * normalises values, counts and reports, and the boolean expressions whose
 * AND/OR structure STIX patterns and OpenIOC indicators carry. */
#ifndef VIGIL_INTEL_INTERNAL_H
#define VIGIL_INTEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "intel/intel_loaders.h"

#define VIGIL_INTEL_VALUE_MAX 4096

typedef struct vigil_intel_ctx {
    const char *name;
    const vigil_intel_opts *opts;
    vigil_intel_stats stats; /* added to opts->stats at the end */
    int64_t now;
    int score; /* default */
    uint32_t next_group;
    int aborted;
} vigil_intel_ctx;

vigil_status vigil_intel_ctx_init(vigil_intel_ctx *ctx, const char *name,
                                  const vigil_intel_opts *opts);
/* Adds the counts to opts->stats; returns st, or VIGIL_ERR_ABORTED. */
vigil_status vigil_intel_ctx_end(vigil_intel_ctx *ctx, vigil_status st);

/* Common fields of the items one document entry produces. */
typedef struct vigil_intel_common {
    int score;
    const char *description;
    uint64_t line;
    const char *where;
    int64_t valid_until;
} vigil_intel_common;

/* Normalises the raw value and delivers it. A value of the wrong shape is
 * a warning diagnostic (counted invalid) and VIGIL_OK; VIGIL_ERR_ABORTED
 * when the callback stopped. */
vigil_status vigil_intel_emit(vigil_intel_ctx *ctx, vigil_intel_type type, const char *raw,
                              size_t len, const vigil_intel_common *c, uint32_t group,
                              uint32_t group_size);

/* Diagnostics naming the document, the line (0 = none) and a position. */
void vigil_intel_warn(vigil_intel_ctx *ctx, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vigil_intel_error(vigil_intel_ctx *ctx, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* RFC 3339 / ISO 8601 timestamp ("2024-01-02T03:04:05.123Z", a date alone,
 * "+hh:mm" offsets) to seconds since the epoch; -1 when unparsable. */
int64_t vigil_intel_parse_time(const char *s);

/* ---- expr.c: AND/OR trees expanded to disjunctive normal form ---------- */

typedef enum { VIGIL_IX_LEAF, VIGIL_IX_AND, VIGIL_IX_OR } vigil_intel_expr_kind;

typedef struct vigil_intel_expr vigil_intel_expr;
struct vigil_intel_expr {
    vigil_intel_expr_kind kind;
    /* leaf: supported when why == NULL */
    vigil_intel_type type;
    char *value;
    const char *why; /* static reason the comparison cannot be expressed */
    char *text;      /* the comparison as written, for the report */
    /* AND/OR */
    vigil_intel_expr **kids;
    size_t nkids, capkids;
};

vigil_intel_expr *vigil_intel_expr_leaf(vigil_intel_type type, const char *value, size_t len);
vigil_intel_expr *vigil_intel_expr_unsupported(const char *why, const char *text, size_t len);
vigil_intel_expr *vigil_intel_expr_node(vigil_intel_expr_kind kind);
/* Takes ownership of kid (also on failure). */
vigil_status vigil_intel_expr_add(vigil_intel_expr *node, vigil_intel_expr *kid);
void vigil_intel_expr_free(vigil_intel_expr *x); /* NULL safe */

/* Expands x to OR-of-ANDs (at most 256 conjunctions, else the expression is
 * reported unsupported) and emits: a conjunction of one supported leaf as a
 * standalone item, of several as an AND group. Inexpressible leaves are
 * counted and reported; a conjunction left with no supported leaf loads
 * nothing. what names the entry in messages ("indicator ...'s pattern"). */
vigil_status vigil_intel_expr_emit(vigil_intel_ctx *ctx, const vigil_intel_expr *x,
                                   const vigil_intel_common *c, const char *what);

/* ---- stix_pattern.c: the STIX 2.1 patterning language -------------------------- */

/* Parses a STIX pattern into an AND/OR tree whose leaves are the
 * comparisons vigil can match (hashes, file name, domain, IP/CIDR, URL) or
 * inexpressible ones. Observation operators FOLLOWEDBY count as AND and
 * qualifiers (WITHIN, REPEATS, START/STOP) are ignored, which can only make
 * a match more likely. VIGIL_ERR_PARSE with a message naming the column in
 * err on a syntax error. */
vigil_status vigil_stix_pattern_parse(const char *pattern, vigil_intel_expr **out, char *err,
                                      size_t errcap);

/* ---- misp.c -------------------------------------------------------------- */

/* Maps a MISP attribute type: 1 = single value of type *first, 2 = composite
 * "a|b" whose parts are *first and *second (VIGIL_INTEL_TYPE_COUNT = part not
 * loaded), 0 = not a type vigil matches. */
int vigil_intel_misp_type(const char *type, vigil_intel_type *first, vigil_intel_type *second);

/* ---- jsonutil.c: JSON helpers shared by the STIX and MISP loaders -------- */

/* 1-based line of a byte offset. */
uint64_t vigil_intel_line_of(const char *data, size_t len, size_t off);

/* When a JSON document does not parse, finds every balanced {...} object
 * (nested at most 16 deep, at most 1 MiB each) that parses alone and passes
 * it to fn with its line, innermost first. fn returns 0 to go on, -1 to
 * stop (the call then returns VIGIL_ERR_ABORTED). */
typedef int (*vigil_intel_salvage_fn)(void *obj /* json_t */, uint64_t line, void *user);
vigil_status vigil_intel_json_salvage(const char *data, size_t len, vigil_intel_salvage_fn fn,
                                      void *user);

/* The JSON front door of the STIX and MISP loaders: the parsed root
 * (json_t *), or NULL after a syntax error, which it reports (line, column,
 * "loading the <what> that parse"), counts as one syntax error and works
 * around with vigil_intel_json_salvage(fn, user); *st is then VIGIL_OK, the
 * salvage's error, or VIGIL_ERR_PARSE when nothing at all could be read. */
void *vigil_intel_json_load(vigil_intel_ctx *ctx, const char *data, size_t len, const char *what,
                            vigil_intel_salvage_fn fn, void *user, vigil_status *st);

#endif
