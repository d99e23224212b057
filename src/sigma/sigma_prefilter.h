/* sigma_prefilter.h - the hyperscan literal prefilter of the Sigma matcher.
 *
 * Why: most rules can only match if some literals (the fixed parts of
 * their contains/startswith/endswith/equals values) occur in the fields
 * they test. One multi-pattern scan per candidate list over the values of
 * the fields its rules test tells which rules are still possible; the rest
 * are skipped without evaluation. Rules
 * for which no such literal set exists (regex, negation-only, numbers) are
 * always evaluated. The test is conservative: it never drops a rule that
 * would match. */
#ifndef VIGIL_SIGMA_PREFILTER_H
#define VIGIL_SIGMA_PREFILTER_H

#include "sigma/sigma_internal.h"
#include "sigma/sigma_prefilter_needs.h"

typedef struct vigil_sigma_prefilter_scratch vigil_sigma_prefilter_scratch;

vigil_status vigil_sigma_prefilter_scratch_create(const struct vigil_sigma_prefilter *pf,
                                                  vigil_sigma_prefilter_scratch **out);
void vigil_sigma_prefilter_scratch_destroy(vigil_sigma_prefilter_scratch *s); /* NULL is safe */
/* Starts an event: the hits of earlier events no longer count. */
void vigil_sigma_prefilter_begin(vigil_sigma_prefilter_scratch *s);
/* Scans the event for the literals of candidate list `list` (its pfl, > 0)
 * over the values of the fields its rules test; name_hash[i] is
 * vigil_field_name_hash of field i's name, sig vigil_sigma_names_sig of them. */
vigil_status vigil_sigma_prefilter_scan(vigil_sigma_prefilter_scratch *s, int32_t list,
                                        const vigil_event *ev, const uint32_t *name_hash,
                                        uint32_t sig);
/* After the scans of an event, hits[k] == *scan_no for each slot k one of
 * whose literals occurred. */
const uint64_t *vigil_sigma_prefilter_hits(const vigil_sigma_prefilter_scratch *s,
                                           uint64_t *scan_no);
/* The slots hit since vigil_sigma_prefilter_begin, each once, in no order. */
const uint32_t *vigil_sigma_prefilter_hit_list(const vigil_sigma_prefilter_scratch *s, size_t *n);
/* How many hyperscan databases the prefilter compiled (0 for NULL). */
size_t vigil_sigma_prefilter_ndbs(const struct vigil_sigma_prefilter *pf);

/* A rule's prefilter code (vigil_sigma_rule.prefilter_id, copied into the
 * index's candidates) names its first slot and how many clauses it has. */
static inline int32_t vigil_sigma_prefilter_code(unsigned first, size_t nclauses)
{
    return (int32_t)(first * VIGIL_SG_PF_MAX_CLAUSES + (unsigned)(nclauses - 1));
}

/* 1 if every clause of the rule with this code (>= 0) was hit. */
static inline int vigil_sigma_prefilter_pass(const uint64_t *hit, uint64_t scan_no, int32_t code)
{
    const uint64_t *h = hit + code / VIGIL_SG_PF_MAX_CLAUSES;
    int n = code % VIGIL_SG_PF_MAX_CLAUSES;
    for (int i = 0; i <= n; i++)
        if (h[i] != scan_no)
            return 0;
    return 1;
}

#endif
