/* sigma_prefilter.c - required-literal sets per rule, one hyperscan database.
 *
 * Why: see sigma_prefilter.h. For each rule the condition is walked to find
 * a set of literals at least one of which must occur in the event for the
 * rule to match (OR unions the sets of both sides, AND picks the more
 * selective side, NOT gives up). The literals of all rules are compiled,
 * deduplicated, into one caseless literal database (HS_FLAG_SINGLEMATCH),
 * scanned once per event over the values of the fields rules test (other
 * fields, such as times and GUIDs, cannot make a literal count); literals
 * of keyword searches, which look at every field, are also compiled into a
 * second database scanned over the remaining fields. */
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
    int kw; /* from a keyword item: may occur in any field */
} lit;

typedef struct litset {
    lit *v;
    size_t n, cap;
    int known;
} litset;

/* One literal database and the slots each of its patterns stands for. */
typedef struct pfdb {
    hs_database_t *db;
    unsigned *slot_of; /* sorted literals: slots, grouped per pattern id */
    size_t *first;     /* pattern id -> range in slot_of */
    size_t npat;
} pfdb;

struct vigil_sg_prefilter {
    pfdb main;      /* every literal, over the values of the fields rules test */
    pfdb kw;        /* keyword literals, over the values of the other fields */
    uint32_t *fset; /* name hashes of the fields rules test (open addressing, 0 = free) */
    size_t fcap;    /* power of two */
    size_t nslots;
};

struct vigil_sg_pf_scratch {
    const struct vigil_sg_prefilter *pf;
    const pfdb *cur; /* the database being scanned */
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
    s->v[s->n].kw = 0;
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
    for (size_t i = 0; i < b.n; i++) {
        if (ls_push(&a, b.v[i].s, b.v[i].len) != 0) {
            ls_free(&a);
            ls_free(&b);
            return UNKNOWN;
        }
        a.v[a.n - 1].kw = b.v[i].kw;
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
    litset s = {NULL, 0, 0, 1};
    if (!it->all) {
        for (size_t g = 0; g < it->ngroups; g++)
            s = ls_union(s, need_alts(&it->groups[g]));
    } else {
        s = UNKNOWN;
        for (size_t g = 0; g < it->ngroups; g++)
            s = ls_pick(s, need_alts(&it->groups[g]));
    }
    /* a keyword searches every field, not only those rules name (fset) */
    for (size_t i = 0; it->field == NULL && i < s.n; i++)
        s.v[i].kw = 1;
    return s;
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

static int fset_has(const struct vigil_sg_prefilter *pf, uint32_t h)
{
    for (size_t i = h & (pf->fcap - 1); pf->fset[i] != 0; i = (i + 1) & (pf->fcap - 1))
        if (pf->fset[i] == h)
            return 1;
    return 0;
}

static void fset_add(struct vigil_sg_prefilter *pf, const char *name)
{
    uint32_t h = vigil_sg_name_hash(name, strlen(name));
    size_t i = h & (pf->fcap - 1);
    for (; pf->fset[i] != 0; i = (i + 1) & (pf->fcap - 1))
        if (pf->fset[i] == h)
            return;
    pf->fset[i] = h;
}

static size_t det_items(const vigil_sg_detection *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nsearches; i++)
        for (size_t o = 0; o < d->searches[i].n; o++)
            n += d->searches[i].ors[o].n;
    return n;
}

/* The set of field names the literals can come from: every field a rule
 * tests, under its own name and the names branches rename it to. A field
 * lookup only finds names that hash alike (vigil_sg_name_hash), so values
 * of other fields cannot make a rule match and need no scanning. */
static vigil_status fset_build(struct vigil_sg_prefilter *pf, const vigil_sigma_ruleset *rs)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        const vigil_sg_rule *r = rs->rules[i];
        if (r->kind != VIGIL_SR_DETECTION)
            continue;
        n += det_items(&r->det);
        for (size_t b = 0; b < r->nbranches; b++)
            n += r->branches[b]->nrenames;
    }
    if (n > SIZE_MAX / 8 / sizeof *pf->fset)
        return VIGIL_ERR_LIMIT;
    pf->fcap = 64;
    while (pf->fcap < n * 2)
        pf->fcap *= 2;
    pf->fset = calloc(pf->fcap, sizeof *pf->fset);
    if (pf->fset == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < rs->nrules; i++) {
        const vigil_sg_rule *r = rs->rules[i];
        if (r->kind != VIGIL_SR_DETECTION)
            continue;
        const vigil_sg_detection *d = &r->det;
        for (size_t k = 0; k < d->nsearches; k++)
            for (size_t o = 0; o < d->searches[k].n; o++)
                for (size_t t = 0; t < d->searches[k].ors[o].n; t++)
                    if (d->searches[k].ors[o].items[t].field != NULL)
                        fset_add(pf, d->searches[k].ors[o].items[t].field);
        for (size_t b = 0; b < r->nbranches; b++)
            for (size_t k = 0; k < r->branches[b]->nrenames; k++)
                fset_add(pf, r->branches[b]->renames[k].to);
    }
    return VIGIL_OK;
}

void vigil_sg_prefilter_free(struct vigil_sg_prefilter *pf)
{
    if (pf == NULL)
        return;
    hs_free_database(pf->main.db);
    hs_free_database(pf->kw.db);
    free(pf->fset);
    free(pf->main.slot_of);
    free(pf->main.first);
    free(pf->kw.slot_of);
    free(pf->kw.first);
    free(pf);
}

/* Compiles the n sorted literals (those with kw set only, if kw_only)
 * into db. VIGIL_ERR_INTERNAL if hyperscan refuses them. */
static vigil_status pfdb_build(const litset *all, int kw_only, pfdb *db)
{
    size_t n = 0;
    for (size_t i = 0; i < all->n; i++)
        n += !kw_only || all->v[i].kw;
    if (n == 0)
        return VIGIL_OK;
    const char **exprs = calloc(n, sizeof *exprs);
    size_t *lens = calloc(n, sizeof *lens);
    unsigned *flags = calloc(n, sizeof *flags);
    unsigned *ids = calloc(n, sizeof *ids);
    db->slot_of = calloc(n, sizeof *db->slot_of);
    db->first = calloc(n + 1, sizeof *db->first);
    vigil_status st = VIGIL_OK;
    if (exprs == NULL || lens == NULL || flags == NULL || ids == NULL || db->slot_of == NULL ||
        db->first == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    const lit *prev = NULL;
    size_t k = 0;
    for (size_t i = 0; i < all->n; i++) {
        const lit *l = &all->v[i];
        if (kw_only && !l->kw)
            continue;
        if (prev == NULL || lit_cmp(prev, l) != 0) {
            exprs[db->npat] = l->s;
            lens[db->npat] = l->len;
            flags[db->npat] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
            ids[db->npat] = (unsigned)db->npat;
            db->first[db->npat] = k;
            db->npat++;
        }
        db->slot_of[k++] = l->slot;
        prev = l;
    }
    db->first[db->npat] = k;
    hs_compile_error_t *err = NULL;
    if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)db->npat, HS_MODE_BLOCK, NULL,
                             &db->db, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        db->db = NULL;
        st = VIGIL_ERR_INTERNAL;
    }
out:
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    return st;
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
            all.v[all.n - 1].kw = s.v[k].kw;
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
    vigil_status st = pf == NULL ? VIGIL_ERR_NOMEM : VIGIL_OK;
    if (st == VIGIL_OK)
        st = pfdb_build(&all, 0, &pf->main);
    if (st == VIGIL_OK)
        st = pfdb_build(&all, 1, &pf->kw);
    if (st == VIGIL_OK)
        st = fset_build(pf, rs);
    if (st == VIGIL_OK) {
        pf->nslots = nslots;
        rs->prefilter = pf;
        pf = NULL;
    } else {
        /* without a prefilter every candidate is evaluated: still correct */
        for (size_t i = 0; i < rs->nrules; i++)
            rs->rules[i]->prefilter_id = -1;
        if (st == VIGIL_ERR_INTERNAL)
            st = VIGIL_OK;
    }
    vigil_sg_prefilter_free(pf);
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
    if (s->hit == NULL || hs_alloc_scratch(pf->main.db, &s->scratch) != HS_SUCCESS ||
        (pf->kw.db != NULL && hs_alloc_scratch(pf->kw.db, &s->scratch) != HS_SUCCESS)) {
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
    const pfdb *db = s->cur;
    for (size_t i = db->first[id]; i < db->first[id + 1]; i++)
        s->hit[db->slot_of[i]] = s->scan_no;
    return 0;
}

vigil_status vigil_sg_pf_scan(vigil_sg_pf_scratch *s, const vigil_event *ev,
                              const uint32_t *name_hash)
{
    const struct vigil_sg_prefilter *pf = s->pf;
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
    /* the values of the fields rules test first, then (for keywords) the rest */
    size_t o = 0, split = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ev->nfields; i++) {
            if (fset_has(pf, name_hash[i]) != (pass == 0))
                continue;
            if (ev->fields[i].value != NULL && ev->fields[i].value_len) {
                memcpy(s->buf + o, ev->fields[i].value, ev->fields[i].value_len);
                o += ev->fields[i].value_len;
            }
            s->buf[o++] = 0;
        }
        if (pass == 0)
            split = o;
        if (pf->kw.db == NULL)
            break;
    }
    s->scan_no++;
    s->cur = &pf->main;
    if (hs_scan(pf->main.db, s->buf, (unsigned)split, 0, s->scratch, on_hit, s) != HS_SUCCESS)
        return VIGIL_ERR_INTERNAL;
    s->cur = &pf->kw;
    if (pf->kw.db != NULL && o > split &&
        hs_scan(pf->kw.db, s->buf + split, (unsigned)(o - split), 0, s->scratch, on_hit, s) !=
            HS_SUCCESS)
        return VIGIL_ERR_INTERNAL;
    return VIGIL_OK;
}

const uint64_t *vigil_sg_pf_hits(const vigil_sg_pf_scratch *s, uint64_t *scan_no)
{
    *scan_no = s->scan_no;
    return s->hit;
}
