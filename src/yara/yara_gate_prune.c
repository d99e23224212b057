/* yara_gate_prune.c - search only the strings a rule's refutation needs.
 *
 * Why: the literal pass is most of a sweep's CPU time with whole public
 * rule sets, and Hyperscan's literal matcher slows down with the number of
 * distinct literals (3,000 Elastic rules: about 9,000 literals, 530 MB/s
 * on one core; 4,000 of them: 710 MB/s; 1,000: 1,300 MB/s). Most rules do
 * not need all their strings searched to be ruled out: `all of them` is
 * false as soon as any one string is absent, `3 of (5 strings)` once any
 * three are. For each refutable rule (false with its searched strings
 * absent, whatever the file), strings are taken out of the search one at a
 * time, the least useful first (many literals: xor and wide forms; common
 * bytes), as long as the rule stays false with the remaining ones absent
 * and with any single one of them present.
 * A file is searched first without the pruned strings (they are "maybe
 * present" then); only when that leaves a rule possible is it searched
 * with all of them, so the answer is the one the full search gives. */
#include <stdlib.h>

#include "yara/yara_gate_internal.h"

/* Pruning evaluates a rule's condition about twice per string pair: rules
 * with more strings are searched whole, and the whole set's work (condition
 * evaluations times strings) is bounded, so that a hostile rule file cannot
 * stall the load; what is not pruned is simply searched in the first pass. */
#define PRUNE_MAX_STRINGS 64
#define PRUNE_MAX_WORK 50000000u

typedef struct string_cost {
    gate_str *s;
    double keep; /* how much searching it is worth: rarity per literal */
} string_cost;

static int by_keep(const void *x, const void *y)
{
    const string_cost *a = x, *b = y;
    if (a->keep != b->keep)
        return a->keep < b->keep ? -1 : 1;
    return a->s->slot < b->s->slot ? -1 : a->s->slot > b->s->slot;
}

/* Per slot: how many entries of lv it has and how rare its commonest
 * byte literal is (a string is absent only when every form of it is; a hex
 * string searched by expression counts as common: the expression pass is
 * the slow one). */
static void slot_costs(const gate_lit_vec *lv, uint32_t *nlits, unsigned *quality)
{
    for (size_t i = 0; i < lv->n; i++) {
        const gate_lit *l = &lv->v[i];
        if (l->verify)
            continue; /* confirms an atom counted already */
        unsigned q = l->regex ? 1 : vigil_yara_gate_atom_quality(l->bytes, l->len);
        if (nlits[l->slot]++ == 0 || q < quality[l->slot])
            quality[l->slot] = q;
    }
}

/* 1 when rule ri stays false with any one of its searched strings
 * present (and the pruned ones unknown): then a file must hold two of its
 * searched strings before the full search runs, which keeps that second
 * pass rare (one common word such as "KEYBOARD" kept alone woke it for
 * 18 of 5,000 Debian libraries). */
static int one_is_not_enough(vigil_yara_gate *g, size_t ri, const string_cost *order, size_t n,
                             size_t *work)
{
    for (size_t k = 0; k < n; k++) {
        *work += n;
        gate_str *s = order[k].s;
        if (s->pruned)
            continue;
        s->gated = 0;
        int f = vigil_yara_gate_eval(g, NULL, ri, 0) == GATE_F;
        s->gated = 1;
        if (!f)
            return 0;
    }
    return 1;
}

/* Takes out of rule ri's search each string it does not need, worst
 * first. Returns how many were taken out and marks their slots. */
static size_t prune_rule(vigil_yara_gate *g, size_t ri, const uint32_t *nlits,
                         const unsigned *quality, string_cost *order, uint8_t *dropped,
                         size_t *work)
{
    gate_rule *r = &g->rules[ri];
    size_t n = 0, out = 0;
    if (r->nstr < 3 || r->nstr > PRUNE_MAX_STRINGS || *work > PRUNE_MAX_WORK ||
        vigil_yara_gate_eval(g, NULL, ri, 0) != GATE_F)
        return 0; /* too few or too many strings, or not refutable */
    for (size_t j = 0; j < r->nstr; j++) {
        gate_str *s = &r->strs[j];
        if (!s->gated || nlits[s->slot] == 0)
            continue;
        order[n].s = s;
        order[n].keep = (double)quality[s->slot] / nlits[s->slot];
        n++;
    }
    qsort(order, n, sizeof *order, by_keep);
    for (size_t k = 0; k < n; k++) {
        gate_str *s = order[k].s;
        s->pruned = 1;
        *work += r->nstr;
        if (vigil_yara_gate_eval(g, NULL, ri, 0) != GATE_F ||
            !one_is_not_enough(g, ri, order, n, work)) {
            s->pruned = 0; /* needed: without it the rule could hold */
            continue;
        }
        dropped[s->slot] = 1;
        out++;
    }
    return out;
}

vigil_status vigil_yara_gate_prune(vigil_yara_gate *g, const gate_lit_vec *lv, uint8_t **slots)
{
    size_t ns = g->nslots ? g->nslots : 1, maxstr = PRUNE_MAX_STRINGS;
    uint32_t *nlits = calloc(ns, sizeof *nlits);
    unsigned *quality = calloc(ns, sizeof *quality);
    uint8_t *dropped = calloc(ns, 1);
    string_cost *order = malloc(maxstr * sizeof *order);
    *slots = NULL;
    if (nlits == NULL || quality == NULL || dropped == NULL || order == NULL) {
        free(dropped);
        dropped = NULL;
    } else {
        slot_costs(lv, nlits, quality);
        size_t work = 0;
        for (size_t i = 0; i < g->nrules; i++)
            g->npruned += prune_rule(g, i, nlits, quality, order, dropped, &work);
        g->info.strings_pruned = g->npruned;
        *slots = dropped;
    }
    free(nlits);
    free(quality);
    free(order);
    return dropped != NULL ? VIGIL_OK : VIGIL_ERR_NOMEM;
}
