/* yara_internal.h - what the YARA subsystem's files share with each other.
 *
 * The builder, the rule table and the scanner live in separate files; this
 * header holds the rules object layout they all need and the few helpers
 * that cross file boundaries. Nothing outside src/yara includes it. */
#ifndef VIGIL_YARA_INTERNAL_H
#define VIGIL_YARA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <yara.h>

#include "core/arena.h"
#include "yara/yara_rules.h"

/* One compiled rule set of a grouped load: the rules whose home group is
 * in `groups`, plus the dependencies and globals they need. */
typedef struct vigil_yara_set {
    YR_RULES *yr;
    uint64_t groups;  /* plan groups whose rules this set holds */
    uint64_t key;     /* a file selecting one of these groups is scanned with this set */
    uint32_t *info;   /* per rules_table index: index into info[], UINT32_MAX for none */
    uint8_t *home;    /* per rules_table index: the rule's home group */
    const char *name; /* e.g. "mz+name+size+any" */
} vigil_yara_set;

struct vigil_yara_split;
struct vigil_yara_plan;
struct vigil_yara_gate;

struct vigil_yara_rules {
    YR_RULES *yr;               /* the single rule set; NULL when grouped */
    vigil_yara_rule_info *info; /* one per rule in compile order (single set: indexed
                                   like yr->rules_table) */
    size_t ninfo;
    vigil_arena arena; /* rendered meta, tag arrays, source names */
    /* grouped load (n_sets > 0): files pick sets by precondition */
    struct vigil_yara_split *split;
    struct vigil_yara_plan *plan;
    vigil_yara_set *sets;
    size_t n_sets;
    struct vigil_yara_gate *gate;  /* literal gate over the non-MZ groups, or NULL */
    vigil_yara_grouping_mode mode; /* what was asked */
    const char *fallback;          /* why grouping is not in use (arena), or NULL */
    vigil_yara_grouping stats;     /* what vigil_yara_rules_grouping returns (arena) */
    vigil_diag_sink diag;          /* where the split's notes go (it keeps a pointer) */
};

/* libyara's process-wide state, reference counted under a mutex so that
 * builders and rules can come and go from any thread. */
vigil_status vigil_yara_lib_acquire(void);
void vigil_yara_lib_release(void);

/* The Loki/THOR external variables every compiler declares as "" and every
 * scan sets: filename, filepath, extension, filetype, owner, md5. */
#define VIGIL_YARA_NEXTERNALS 6
extern const char *const vigil_yara_external_names[VIGIL_YARA_NEXTERNALS];

/* A short message for a libyara error code. */
const char *vigil_yara_error_str(int err);

/* Where a rule is defined in a source text. */
typedef struct vigil_yara_rule_pos {
    const char *name; /* points into the arena it was found with */
    uint64_t line;
} vigil_yara_rule_pos;

/* Finds every `rule NAME` (with any private/global modifiers) at top level
 * of a YARA source, skipping comments, strings and regular expressions.
 * The positions are allocated in `a`; *n receives their count. */
vigil_status vigil_yara_find_rule_lines(const char *text, size_t len, vigil_arena *a,
                                        vigil_yara_rule_pos **out, size_t *n);

/* One source that made it into the final compile. */
typedef struct vigil_yara_source_lines {
    const char *ns;
    const char *source;
    const char *text;
    size_t len;
} vigil_yara_source_lines;

/* Builds r->info for the compiled r->yr: names, tags, rendered meta, score,
 * and source file + line looked up by namespace and rule name. */
vigil_status vigil_yara_rules_index(vigil_yara_rules *r, const vigil_yara_source_lines *src,
                                    size_t nsrc);

/* Rule definition lines of the kept sources, for filling rule infos. */
typedef struct vigil_yara_line_table vigil_yara_line_table;
vigil_status vigil_yara_line_table_build(vigil_yara_rules *r, const vigil_yara_source_lines *src,
                                         size_t nsrc, vigil_yara_line_table **out);
void vigil_yara_line_table_destroy(vigil_yara_line_table *t); /* NULL safe */
/* Fills one rule's info (names, tags, meta, score, source + line). */
vigil_status vigil_yara_rule_info_fill(vigil_yara_rules *r, const vigil_yara_line_table *t,
                                       const YR_RULE *rule, vigil_yara_rule_info *info);

/* Grouped load (yara_group.c): parses the kept sources, plans the groups,
 * compiles the sets and builds r->info. *whole (may be NULL): a compiler
 * holding every kept source, each in its namespace; when the layout is
 * one set holding every group, its rules are that set (no second
 * compile) and the compiler is destroyed (*whole set to NULL); otherwise
 * the caller destroys it. whole_key (may be NULL): the cache key of that
 * compile (yara_cache.h), under which its rules are looked up first and
 * kept; cache_dir (may be NULL): where compiled sets and gate databases
 * are kept between runs. On any failure r is left with no
 * sets and the status says why (the caller falls back to one set). */
vigil_status vigil_yara_group_build(vigil_yara_rules *r, const vigil_diag_sink *diag,
                                    const vigil_yara_source_lines *src, size_t nsrc,
                                    vigil_yara_grouping_mode mode, const char *cache_dir,
                                    const unsigned char *whole_key, YR_COMPILER **whole);
/* The sets to scan a file with (indexes into r->sets, at most r->n_sets)
 * and, for each, the groups whose rules it reports for this file. */
size_t vigil_yara_group_pick(const vigil_yara_rules *r, const uint8_t *data, size_t len,
                             const vigil_yara_externals *ext, size_t *sets, uint64_t *owned);
/* Frees the sets, plan and split of a grouped load. */
void vigil_yara_group_free(vigil_yara_rules *r);

#endif
