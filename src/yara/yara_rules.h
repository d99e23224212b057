/* yara_rules.h - vigil's YARA subsystem on top of libyara (internal API).
 *
 * A builder compiles rule files into one libyara rule set with the Loki/THOR
 * external variables declared (filename, filepath, extension, filetype,
 * owner, md5). A broken file must not poison the set: each file is tried on
 * its own first and only added when it compiles, so the error names the
 * file and line and the load goes on. The frozen rules are shared by all
 * threads; each thread scans with its own vigil_yara_scanner. */
#ifndef VIGIL_YARA_RULES_H
#define VIGIL_YARA_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "core/findings.h"
#include "vigil/engine.h"
#include "vigil/finding.h"
#include "vigil/status.h"

typedef struct vigil_yara_builder vigil_yara_builder;
typedef struct vigil_yara_rules vigil_yara_rules;
typedef struct vigil_yara_scanner vigil_yara_scanner;

/* Initialises libyara (reference counted, thread-safe). */
vigil_status vigil_yara_builder_create(const vigil_diag_sink *diag, vigil_yara_builder **out);
void vigil_yara_builder_destroy(vigil_yara_builder *b); /* NULL safe */

/* Adds a .yar file. On a compile error: a diagnostic per error with file and
 * line, the file is skipped, VIGIL_ERR_RULE is returned, the builder stays
 * usable. The namespace is the file's base name, made unique with "_2",
 * "_3", ... when that base name was added before. An unreadable file is a
 * diagnostic too and returns VIGIL_ERR_NOT_FOUND / _ACCESS / _IO.
 * add_string works the same with `name` standing in for the path. */
vigil_status vigil_yara_builder_add_file(vigil_yara_builder *b, const char *path);
vigil_status vigil_yara_builder_add_string(vigil_yara_builder *b, const char *name,
                                           const char *text, size_t len);
/* The text (NUL-terminated, *len bytes) of the source the last successful
 * add kept, or NULL when none was kept; valid until finish. */
const char *vigil_yara_builder_last_text(const vigil_yara_builder *b, size_t *len);
/* How finish compiles: per precondition group (default) or one set. */
void vigil_yara_builder_set_grouping(vigil_yara_builder *b, vigil_yara_grouping_mode mode);
/* Where compiled rule sets, clean trial compiles and literal-gate
 * databases are kept between runs (yara_cache.c; NULL: not kept). Set it
 * before the first add. The directory is created when first written. */
vigil_status vigil_yara_builder_set_cache(vigil_yara_builder *b, const char *dir);
/* Compiles; the builder is consumed (destroy it after). VIGIL_ERR_NO_RULES
 * when nothing was added. */
vigil_status vigil_yara_builder_finish(vigil_yara_builder *b, vigil_yara_rules **out);

void vigil_yara_rules_destroy(vigil_yara_rules *r); /* NULL safe */
uint64_t vigil_yara_rules_count(const vigil_yara_rules *r);

/* External variables for one target; NULL members are set to "". */
typedef struct vigil_yara_externals {
    const char *filename;  /* base name */
    const char *filepath;  /* directory part, as Loki sets it */
    const char *extension; /* lower-case with the dot, e.g. ".exe", or "" */
    const char *filetype;  /* "EXE", "ELF", ... */
    const char *owner;
    const char *md5; /* lower-case hex or "" */
} vigil_yara_externals;

vigil_status vigil_yara_scanner_create(const vigil_yara_rules *r, vigil_yara_scanner **out);
void vigil_yara_scanner_destroy(vigil_yara_scanner *s); /* NULL safe */

/* Scans a buffer; appends one VIGIL_FINDING_YARA per matching rule to out
 * (rule, ns, rule_source/line when known, tags, all meta, description /
 * author / reference / score from meta - default score 75 - and up to
 * max_strings string matches with offsets). Scan errors (timeouts, too
 * many matches) are diagnostics naming `name`, not failures. */
vigil_status vigil_yara_scanner_scan(vigil_yara_scanner *s, const char *name, const uint8_t *data,
                                     size_t len, const vigil_yara_externals *ext,
                                     unsigned max_strings, const vigil_diag_sink *diag,
                                     vigil_findings *out);

#define VIGIL_YARA_DEFAULT_SCORE 75
#define VIGIL_YARA_DEFAULT_TIMEOUT 60 /* seconds per scanned buffer */

/* Scan time limit in seconds for this scanner (0 = none); default 60. A
 * timeout is reported as a diagnostic naming the target. */
void vigil_yara_scanner_set_timeout(vigil_yara_scanner *s, unsigned seconds);

/* One loaded rule, as `vigil rules list` shows it. Everything is owned by
 * the rules object and valid until vigil_yara_rules_destroy. */
typedef struct vigil_yara_rule_info {
    const char *name;
    const char *ns;
    const char *source; /* file (or add_string name) the rule came from */
    uint64_t line;      /* line of its `rule` keyword, 0 if not found */
    const char *const *tags;
    size_t ntags;
    const vigil_meta *meta; /* all meta, in order; ints/booleans as text */
    size_t nmeta;
    const char *description; /* meta description/desc, may be NULL */
    const char *author;      /* may be NULL */
    const char *reference;   /* may be NULL */
    int score;               /* meta score clamped 0..100, else default */
    int is_private;
    int is_global;
} vigil_yara_rule_info;

/* How the rules were grouped (see vigil_engine_yara_grouping); everything
 * is owned by the rules object. */
vigil_status vigil_yara_rules_grouping(const vigil_yara_rules *r, vigil_yara_grouping *out);
/* See vigil_engine_yara_count_costs and vigil_engine_yara_rule_costs. */
vigil_status vigil_yara_rules_count_costs(vigil_yara_rules *r);
vigil_status vigil_yara_rules_costs(const vigil_yara_rules *r, vigil_yara_rule_cost *out,
                                    size_t cap, size_t *n);

/* Return non-zero from the callback to stop; foreach then returns
 * VIGIL_ERR_ABORTED. Rules are visited in compile order. */
typedef int (*vigil_yara_rule_fn)(const vigil_yara_rule_info *rule, void *user);
vigil_status vigil_yara_rules_foreach(const vigil_yara_rules *r, vigil_yara_rule_fn fn, void *user);

#endif
