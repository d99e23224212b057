/* sigma_prefilter.c - required-literal sets per rule, one hyperscan database.
 *
 * Why: see sigma_prefilter.h. For each rule the condition is walked to find
 * a set of literals at least one of which must occur in the event for the
 * rule to match (OR unions the sets of both sides, AND picks the more
 * selective side, NOT gives up). The literals of all rules are compiled,
 * deduplicated, into one caseless literal database (HS_FLAG_SINGLEMATCH);
 * per event all values are scanned in one call. */
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_prefilter.h"

/* One-byte literals ("e", "8" in hex lists) occur in every event and make
 * the scan slow; a value whose best literal is shorter leaves its rule to
 * evaluation. */
#define MIN_LIT 2

typedef struct lit {
    const char *s;
    size_t len;
    unsigned slot;
} lit;

typedef struct litset {
    lit *v;
    size_t n, cap;
    int known;
} litset;

struct vigil_sg_prefilter {
    hs_database_t *db;
    unsigned *slot_of; /* sorted literals: slots, grouped per pattern id */
    size_t *first;     /* pattern id -> range in slot_of */
    size_t npat;
    size_t nslots;
};

struct vigil_sg_pf_scratch {
    const struct vigil_sg_prefilter *pf;
    hs_scratch_t *scratch;
    uint64_t *hit; /* per slot: scan number of the last hit */
    uint64_t scan_no;
    char *buf;
    size_t cap;
};

static const litset UNKNOWN = {NULL, 0, 0, 0};

static int ls_push(litset *s, const char *p, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        lit *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].s = p;
    s->v[s->n].len = len;
    s->v[s->n].slot = 0;
    s->n++;
    return 0;
}

static void ls_free(litset *s)
{
    free(s->v);
    *s = UNKNOWN;
}

/* Merges b into a (OR); both known or the result is unknown. */
static litset ls_union(litset a, litset b)
{
    if (!a.known || !b.known) {
        ls_free(&a);
        ls_free(&b);
        return UNKNOWN;
    }
    for (size_t i = 0; i < b.n; i++)
        if (ls_push(&a, b.v[i].s, b.v[i].len) != 0) {
            ls_free(&a);
            ls_free(&b);
            return UNKNOWN;
        }
    ls_free(&b);
    return a;
}

/* The shortest literal: the weakest link of a set. */
static size_t ls_score(const litset *s)
{
    if (!s->known)
        return 0;
    size_t m = (size_t)-1;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].len < m)
            m = s->v[i].len;
    return s->n == 0 ? 0 : m;
}

/* AND: keep the more selective side. */
static litset ls_pick(litset a, litset b)
{
    size_t sa = ls_score(&a), sb = ls_score(&b);
    if (sa == 0 && sb == 0) {
        ls_free(&a);
        ls_free(&b);
        return UNKNOWN;
    }
    if (sb > sa || (sb == sa && b.n < a.n)) {
        ls_free(&a);
        return b;
    }
    ls_free(&b);
    return a;
}

static litset need_alts(const vigil_sg_alts *g)
{
    litset s = {NULL, 0, 0, 1};
    for (size_t i = 0; i < g->n; i++) {
        const vigil_sg_value *v = &g->v[i];
        if (v->kind != VIGIL_VK_PATTERN) {
            ls_free(&s);
            return UNKNOWN;
        }
        const vigil_sg_tok *best = NULL;
        for (size_t t = 0; t < v->pat.ntoks; t++)
            if (v->pat.toks[t].kind == VIGIL_SG_LIT &&
                (best == NULL || v->pat.toks[t].len > best->len))
                best = &v->pat.toks[t];
        if (best == NULL || best->len < MIN_LIT || ls_push(&s, best->s, best->len) != 0) {
            ls_free(&s);
            return UNKNOWN;
        }
    }
    return s;
}

/* `EventID: 4624`: the index (sigma_index.c) already keeps such rules
 * from other events, and short digit strings occur in nearly every event
 * (times, ids), so as literals they only cost scan time. */
static int is_eventid_item(const vigil_sg_item *it)
{
    if (it->field == NULL || strcmp(it->field, "EventID") != 0)
        return 0;
    for (size_t g = 0; g < it->ngroups; g++)
        for (size_t k = 0; k < it->groups[g].n; k++) {
            const vigil_sg_value *v = &it->groups[g].v[k];
            if (v->kind != VIGIL_VK_PATTERN || v->pat.shape != VIGIL_SHAPE_EXACT)
                return 0;
            for (size_t i = 0; i < v->pat.litlen; i++)
                if (v->pat.lit[i] < '0' || v->pat.lit[i] > '9')
                    return 0;
        }
    return 1;
}

static litset need_item(const vigil_sg_item *it)
{
    if (it->neq || it->ngroups == 0 || is_eventid_item(it))
        return UNKNOWN;
    if (!it->all) {
        litset s = {NULL, 0, 0, 1};
        for (size_t g = 0; g < it->ngroups; g++)
            s = ls_union(s, need_alts(&it->groups[g]));
        return s;
    }
    litset best = UNKNOWN;
    for (size_t g = 0; g < it->ngroups; g++)
        best = ls_pick(best, need_alts(&it->groups[g]));
    return best;
}

static litset need_search(const vigil_sg_search *s)
{
    litset acc = {NULL, 0, 0, 1};
    for (size_t o = 0; o < s->n && acc.known; o++) {
        litset best = UNKNOWN;
        for (size_t i = 0; i < s->ors[o].n; i++)
            best = ls_pick(best, need_item(&s->ors[o].items[i]));
        acc = ls_union(acc, best);
    }
    return acc;
}

static litset need_cond(const vigil_sg_detection *d, const vigil_sg_cond *c, int depth)
{
    if (depth > 64)
        return UNKNOWN;
    switch (c->op) {
    case VIGIL_CN_ID:
        return need_search(&d->searches[c->id]);
    case VIGIL_CN_AND:
        return ls_pick(need_cond(d, c->a, depth + 1), need_cond(d, c->b, depth + 1));
    case VIGIL_CN_OR:
        return ls_union(need_cond(d, c->a, depth + 1), need_cond(d, c->b, depth + 1));
    case VIGIL_CN_ANY: {
        litset s = {NULL, 0, 0, 1};
        for (size_t i = 0; i < c->nids && s.known; i++)
            s = ls_union(s, need_search(&d->searches[c->ids[i]]));
        return s;
    }
    case VIGIL_CN_ALL: {
        litset best = UNKNOWN;
        for (size_t i = 0; i < c->nids; i++)
            best = ls_pick(best, need_search(&d->searches[c->ids[i]]));
        return best;
    }
    default:
        return UNKNOWN;
    }
}

static int lit_cmp(const void *a, const void *b)
{
    const lit *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c != 0)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

void vigil_sg_prefilter_free(struct vigil_sg_prefilter *pf)
{
    if (pf == NULL)
        return;
    hs_free_database(pf->db);
    free(pf->slot_of);
    free(pf->first);
    free(pf);
}

vigil_status vigil_sg_prefilter_build(vigil_sigma_ruleset *rs)
{
    litset all = {NULL, 0, 0, 1};
    unsigned nslots = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        vigil_sg_rule *r = rs->rules[i];
        r->prefilter_id = -1;
        if (r->kind != VIGIL_SR_DETECTION || r->det.cond == NULL)
            continue;
        litset s = need_cond(&r->det, r->det.cond, 0);
        if (!s.known || s.n == 0) {
            ls_free(&s);
            continue;
        }
        for (size_t k = 0; k < s.n; k++) {
            if (ls_push(&all, s.v[k].s, s.v[k].len) != 0) {
                ls_free(&s);
                ls_free(&all);
                return VIGIL_ERR_NOMEM;
            }
            all.v[all.n - 1].slot = nslots;
        }
        ls_free(&s);
        r->prefilter_id = (int)nslots++;
    }
    if (all.n == 0) {
        ls_free(&all);
        return VIGIL_OK;
    }
    qsort(all.v, all.n, sizeof *all.v, lit_cmp);
    struct vigil_sg_prefilter *pf = calloc(1, sizeof *pf);
    const char **exprs = calloc(all.n, sizeof *exprs);
    size_t *lens = calloc(all.n, sizeof *lens);
    unsigned *flags = calloc(all.n, sizeof *flags);
    unsigned *ids = calloc(all.n, sizeof *ids);
    if (pf != NULL) {
        pf->slot_of = calloc(all.n, sizeof *pf->slot_of);
        pf->first = calloc(all.n + 1, sizeof *pf->first);
    }
    vigil_status st = VIGIL_OK;
    if (pf == NULL || exprs == NULL || lens == NULL || flags == NULL || ids == NULL ||
        pf->slot_of == NULL || pf->first == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < all.n; i++) {
        if (i == 0 || lit_cmp(&all.v[i - 1], &all.v[i]) != 0) {
            exprs[pf->npat] = all.v[i].s;
            lens[pf->npat] = all.v[i].len;
            flags[pf->npat] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
            ids[pf->npat] = (unsigned)pf->npat;
            pf->first[pf->npat] = i;
            pf->npat++;
        }
        pf->slot_of[i] = all.v[i].slot;
    }
    pf->first[pf->npat] = all.n;
    pf->nslots = nslots;
    hs_compile_error_t *err = NULL;
    if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)pf->npat, HS_MODE_BLOCK, NULL,
                             &pf->db, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        /* without a prefilter every candidate is evaluated: still correct */
        for (size_t i = 0; i < rs->nrules; i++)
            rs->rules[i]->prefilter_id = -1;
        vigil_sg_prefilter_free(pf);
        pf = NULL;
        goto out;
    }
    rs->prefilter = pf;
    pf = NULL;
out:
    if (st != VIGIL_OK)
        for (size_t i = 0; i < rs->nrules; i++)
            rs->rules[i]->prefilter_id = -1;
    vigil_sg_prefilter_free(pf);
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    ls_free(&all);
    return st;
}

vigil_status vigil_sg_pf_scratch_create(const struct vigil_sg_prefilter *pf,
                                        vigil_sg_pf_scratch **out)
{
    *out = NULL;
    vigil_sg_pf_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    s->pf = pf;
    s->hit = calloc(pf->nslots + 1, sizeof *s->hit);
    if (s->hit == NULL || hs_alloc_scratch(pf->db, &s->scratch) != HS_SUCCESS) {
        vigil_sg_pf_scratch_destroy(s);
        return VIGIL_ERR_NOMEM;
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_sg_pf_scratch_destroy(vigil_sg_pf_scratch *s)
{
    if (s == NULL)
        return;
    if (s->scratch != NULL)
        hs_free_scratch(s->scratch);
    free(s->hit);
    free(s->buf);
    free(s);
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    vigil_sg_pf_scratch *s = ctx;
    const struct vigil_sg_prefilter *pf = s->pf;
    for (size_t i = pf->first[id]; i < pf->first[id + 1]; i++)
        s->hit[pf->slot_of[i]] = s->scan_no;
    return 0;
}

vigil_status vigil_sg_pf_scan(vigil_sg_pf_scratch *s, const vigil_event *ev)
{
    size_t need = 1;
    for (size_t i = 0; i < ev->nfields; i++) {
        if (ev->fields[i].value_len > SIZE_MAX / 2 - need)
            return VIGIL_ERR_OVERFLOW;
        need += ev->fields[i].value_len + 1;
    }
    if (need > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    if (need > s->cap) {
        size_t cap = need < 4096 ? 4096 : need * 2;
        char *b = realloc(s->buf, cap);
        if (b == NULL)
            return VIGIL_ERR_NOMEM;
        s->buf = b;
        s->cap = cap;
    }
    size_t o = 0;
    for (size_t i = 0; i < ev->nfields; i++) {
        if (ev->fields[i].value != NULL && ev->fields[i].value_len) {
            memcpy(s->buf + o, ev->fields[i].value, ev->fields[i].value_len);
            o += ev->fields[i].value_len;
        }
        s->buf[o++] = 0;
    }
    s->scan_no++;
    if (hs_scan(s->pf->db, s->buf, (unsigned)o, 0, s->scratch, on_hit, s) != HS_SUCCESS)
        return VIGIL_ERR_INTERNAL;
    return VIGIL_OK;
}

int vigil_sg_pf_may_match(const vigil_sg_pf_scratch *s, const vigil_sg_rule *r)
{
    return r->prefilter_id < 0 || s->hit[r->prefilter_id] == s->scan_no;
}

int vigil_sg_pf_slot_hit(const vigil_sg_pf_scratch *s, int slot)
{
    return s->hit[slot] == s->scan_no;
}
