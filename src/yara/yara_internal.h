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
#include "yara_rules.h"

struct vigil_yara_rules {
    YR_RULES *yr;
    vigil_yara_rule_info *info; /* one per rule, indexed like yr->rules_table */
    size_t ninfo;
    vigil_arena arena; /* rendered meta, tag arrays, source names */
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

#endif
