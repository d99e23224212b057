/* sigma_prefilter_needs.h - which literals a Sigma rule needs before it can match.
 *
 * Why apart from the prefilter (sigma_prefilter.c): deriving the literal
 * needs of a condition is a walk over the rule tree with its own set
 * algebra; the prefilter only compiles and scans what comes out. */
#ifndef VIGIL_SIGMA_PREFILTER_NEEDS_H
#define VIGIL_SIGMA_PREFILTER_NEEDS_H

#include "sigma/sigma_internal.h"

/* At most this many clauses per rule (see sigma_prefilter_needs.c). */
#define VIGIL_SG_PF_MAX_CLAUSES 4

/* One literal of a rule's need: it belongs to clause `clause` (0-based)
 * and must occur in `field` (the name the rule tests; a branch may rename
 * it), or, if field is NULL (a keyword), in any field. */
typedef struct vigil_sigma_prefilter_literal {
    const char *s;
    size_t len;
    unsigned clause;
    const char *field;
} vigil_sigma_prefilter_literal;

/* What rule r needs: *nclauses clauses (0: no need found; the rule is
 * always evaluated), their literals in *lits (caller frees), *nlits of
 * them. The rule can only match an event in which, for every clause, one
 * of the clause's literals occurs (caselessly) in its field or, for a
 * keyword's, in any field. VIGIL_OK or VIGIL_ERR_NOMEM. */
vigil_status vigil_sigma_prefilter_need(const vigil_sigma_rule *r,
                                        vigil_sigma_prefilter_literal **lits, size_t *nlits,
                                        size_t *nclauses);

/* A field the rule can only match an event with (its name as the rule
 * writes it; a branch may rename it), NULL if no such field was found:
 * one that a positive test in every way the condition can be met names
 * (a keyword, `null`, `|exists: false` or a negated test needs none). */
const char *vigil_sigma_required_field(const vigil_sigma_rule *r);

#endif
