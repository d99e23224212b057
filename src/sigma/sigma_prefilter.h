/* sigma_prefilter.h - the hyperscan literal prefilter of the Sigma matcher.
 *
 * Why: most rules can only match if one of a few literals (the fixed parts
 * of their contains/startswith/endswith/equals values) occurs in one of the
 * fields they test. One multi-pattern scan over the values of the fields
 * rules test tells which rules are still possible; the rest are skipped
 * without evaluation. Rules
 * for which no such literal set exists (regex, negation-only, numbers) are
 * always evaluated. The test is conservative: it never drops a rule that
 * would match. */
#ifndef VIGIL_SIGMA_PREFILTER_H
#define VIGIL_SIGMA_PREFILTER_H

#include "sigma/sigma_int.h"

typedef struct vigil_sg_pf_scratch vigil_sg_pf_scratch;

vigil_status vigil_sg_pf_scratch_create(const struct vigil_sg_prefilter *pf,
                                        vigil_sg_pf_scratch **out);
void vigil_sg_pf_scratch_destroy(vigil_sg_pf_scratch *s); /* NULL is safe */
/* Scans the values of the fields rules test, once; name_hash[i] is
 * vigil_sg_name_hash of field i's name. */
vigil_status vigil_sg_pf_scan(vigil_sg_pf_scratch *s, const vigil_event *ev,
                              const uint32_t *name_hash);
/* After a scan, the rule with prefilter slot k (vigil_sg_rule.prefilter_id,
 * copied into the index's candidates) may match if hits[k] == *scan_no. */
const uint64_t *vigil_sg_pf_hits(const vigil_sg_pf_scratch *s, uint64_t *scan_no);

#endif
