/* sigma_index.c - the (Channel, EventID) index of detection rules.
 *
 * Why: matching must not cost rules x events. Rules are bucketed at build
 * time by the channels and event ids of their logsource branches, so an
 * event only meets the rules that could see it. Many rules also name their
 * event ids in the detection itself (`EventID: 4624` under `service:
 * security`, which maps to the whole Security channel): when the condition
 * cannot hold unless EventID equals one of a known set of numbers, the rule
 * is filed under those ids only. Buckets keep rules in load order, so the
 * few lists an event meets merge into one pass in rule order. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_index.h"
#include "sigma/sigma_prefilter_needs.h"

#define CHAN_MAX 256
#define EID_DIGITS_MAX 18 /* longer digit strings are not folded (strtoll range) */

typedef struct bucket {
    int used;
    char *channel; /* lower-case; NULL = any channel */
    int64_t eid;   /* -1 = any */
    vigil_sigma_candvec c;
} bucket;

struct vigil_sigma_index {
    bucket *tab;
    size_t cap, n;
    vigil_sigma_candvec all;    /* every event */
    vigil_sigma_candvec nochan; /* events without a Channel */
};

static int cv_push(vigil_sigma_candvec *v, vigil_sigma_cand c)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        vigil_sigma_cand *n = realloc(v->v, cap * sizeof *n);
        if (n == NULL)
            return -1;
        v->v = n;
        int32_t *pf = realloc(v->pf, cap * sizeof *pf);
        if (pf == NULL)
            return -1;
        v->pf = pf;
        v->cap = cap;
    }
    v->pf[v->n] = c.pf;
    v->v[v->n++] = c;
    return 0;
}

static uint64_t hash_key(const char *ch, int64_t eid)
{
    uint64_t h = 1469598103934665603ull;
    if (ch != NULL)
        for (const unsigned char *p = (const unsigned char *)ch; *p; p++)
            h = (h ^ *p) * 1099511628211ull;
    else
        h ^= 0x5bd1e995u; /* any channel */
    h ^= (uint64_t)eid * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

void vigil_sigma_channel_key(char *dst, const char *src, size_t max)
{
    size_t i = 0;
    for (; src[i] && i + 1 < max; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = 0;
}

static int same_channel(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static bucket *ix_find(const struct vigil_sigma_index *ix, const char *ch_lc, int64_t eid)
{
    if (ix->cap == 0)
        return NULL;
    size_t m = ix->cap - 1;
    for (size_t i = hash_key(ch_lc, eid) & m;; i = (i + 1) & m) {
        bucket *b = &ix->tab[i];
        if (!b->used)
            return NULL;
        if (b->eid == eid && same_channel(b->channel, ch_lc))
            return b;
    }
}

static int ix_grow(struct vigil_sigma_index *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 64;
    bucket *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < ix->cap; i++) {
        bucket *b = &ix->tab[i];
        if (!b->used)
            continue;
        size_t j = hash_key(b->channel, b->eid) & (cap - 1);
        while (t[j].used)
            j = (j + 1) & (cap - 1);
        t[j] = *b;
    }
    free(ix->tab);
    ix->tab = t;
    ix->cap = cap;
    return 0;
}

/* channel NULL = any channel */
static int ix_add(struct vigil_sigma_index *ix, const char *channel, int64_t eid,
                  vigil_sigma_cand c)
{
    char lc[CHAN_MAX];
    if (channel != NULL)
        vigil_sigma_channel_key(lc, channel, sizeof lc);
    const char *key = channel != NULL ? lc : NULL;
    bucket *b = ix_find(ix, key, eid);
    if (b == NULL) {
        if ((ix->n + 1) * 2 > ix->cap && ix_grow(ix) != 0)
            return -1;
        size_t j = hash_key(key, eid) & (ix->cap - 1);
        while (ix->tab[j].used)
            j = (j + 1) & (ix->cap - 1);
        b = &ix->tab[j];
        if (key != NULL && (b->channel = strdup(key)) == NULL)
            return -1;
        b->used = 1;
        b->eid = eid;
        ix->n++;
    }
    /* a rule whose branches share a bucket is met once, under the branch
     * an unfolded index would have met first: one naming event ids (its
     * own bucket came first), else the first */
    if (b->c.n > 0 && b->c.v[b->c.n - 1].index == c.index) {
        vigil_sigma_cand *last = &b->c.v[b->c.n - 1];
        if (last->br != NULL && c.br != NULL && last->br->neventids == 0 && c.br->neventids > 0)
            *last = c;
        return 0;
    }
    return cv_push(&b->c, c);
}

void vigil_sigma_index_free(struct vigil_sigma_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->cap; i++) {
        free(ix->tab[i].channel);
        free(ix->tab[i].c.v);
        free(ix->tab[i].c.pf);
        free(ix->tab[i].c.always);
        free(ix->tab[i].c.byslot);
    }
    free(ix->tab);
    free(ix->all.v);
    free(ix->all.pf);
    free(ix->all.always);
    free(ix->all.byslot);
    free(ix->nochan.v);
    free(ix->nochan.pf);
    free(ix->nochan.always);
    free(ix->nochan.byslot);
    free(ix);
}

/* ---- event ids a rule needs ---- */

/* A set of event ids (sorted, unique), or unknown: any event id may match. */
typedef struct eidset {
    int64_t *v;
    size_t n;
    int known;
} eidset;

static const eidset EID_UNKNOWN = {NULL, 0, 0};

static void es_free(eidset *s)
{
    free(s->v);
    *s = EID_UNKNOWN;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void es_sort(eidset *s)
{
    qsort(s->v, s->n, sizeof *s->v, i64_cmp);
    size_t o = 0;
    for (size_t i = 0; i < s->n; i++)
        if (o == 0 || s->v[o - 1] != s->v[i])
            s->v[o++] = s->v[i];
    s->n = o;
}

/* OR: both known, or unknown. */
static eidset es_union(eidset a, eidset b)
{
    if (!a.known || !b.known || a.n > SIZE_MAX / 2 / sizeof *a.v - b.n) {
        es_free(&a);
        es_free(&b);
        return EID_UNKNOWN;
    }
    int64_t *v = realloc(a.v, (a.n + b.n + 1) * sizeof *v);
    if (v == NULL) {
        es_free(&a);
        es_free(&b);
        return EID_UNKNOWN;
    }
    if (b.n > 0)
        memcpy(v + a.n, b.v, b.n * sizeof *v);
    a.v = v;
    a.n += b.n;
    es_free(&b);
    es_sort(&a);
    return a;
}

/* AND: the ids in both (an unknown side adds no constraint). */
static eidset es_inter(eidset a, eidset b)
{
    if (!a.known) {
        es_free(&a);
        return b;
    }
    if (!b.known) {
        es_free(&b);
        return a;
    }
    size_t o = 0, j = 0;
    for (size_t i = 0; i < a.n; i++) {
        while (j < b.n && b.v[j] < a.v[i])
            j++;
        if (j < b.n && b.v[j] == a.v[i])
            a.v[o++] = a.v[i];
    }
    a.n = o;
    es_free(&b);
    return a;
}

/* The event id an exact all-digit value stands for; -1 if it is not one. */
static int64_t value_eid(const vigil_sigma_value *v)
{
    if (v->kind != VIGIL_VK_PATTERN || v->pat.shape != VIGIL_SHAPE_EXACT || v->pat.litlen == 0 ||
        v->pat.litlen > EID_DIGITS_MAX)
        return -1;
    int64_t e = 0;
    for (size_t i = 0; i < v->pat.litlen; i++) {
        char c = v->pat.lit[i];
        if (c < '0' || c > '9')
            return -1;
        e = e * 10 + (c - '0');
    }
    return e;
}

/* `EventID: n` or `EventID: [n, m]`: the field must equal one of them, and
 * the index reads the same field the same way (vigil_sigma_field, strtoll). */
static eidset eid_item(const vigil_sigma_item *it)
{
    if (it->field == NULL || strcmp(it->field, "EventID") != 0 || it->neq || it->timepart ||
        it->ngroups == 0)
        return EID_UNKNOWN;
    /* with |all every group must hold, so the first one is a necessary condition */
    size_t ng = it->all ? 1 : it->ngroups;
    size_t nv = 0;
    for (size_t g = 0; g < ng; g++)
        nv += it->groups[g].n;
    eidset s = {calloc(nv + 1, sizeof *s.v), 0, 1};
    if (s.v == NULL)
        return EID_UNKNOWN;
    for (size_t g = 0; g < ng; g++)
        for (size_t k = 0; k < it->groups[g].n; k++) {
            int64_t e = value_eid(&it->groups[g].v[k]);
            if (e < 0) {
                es_free(&s);
                return EID_UNKNOWN;
            }
            s.v[s.n++] = e;
        }
    es_sort(&s);
    return s;
}

static eidset eid_search(const vigil_sigma_search *s)
{
    eidset acc = {NULL, 0, 1};
    for (size_t o = 0; o < s->n && acc.known; o++) {
        eidset g = EID_UNKNOWN;
        for (size_t i = 0; i < s->ors[o].n; i++)
            g = es_inter(g, eid_item(&s->ors[o].items[i]));
        acc = es_union(acc, g);
    }
    return acc;
}

static eidset eid_cond(const vigil_sigma_detection *d, const vigil_sigma_cond *c, int depth)
{
    if (c == NULL || depth > 64)
        return EID_UNKNOWN;
    switch (c->op) {
    case VIGIL_CN_ID:
        return eid_search(&d->searches[c->id]);
    case VIGIL_CN_AND:
        return es_inter(eid_cond(d, c->a, depth + 1), eid_cond(d, c->b, depth + 1));
    case VIGIL_CN_OR:
        return es_union(eid_cond(d, c->a, depth + 1), eid_cond(d, c->b, depth + 1));
    case VIGIL_CN_ANY: {
        eidset s = {NULL, 0, 1};
        for (size_t i = 0; i < c->nids && s.known; i++)
            s = es_union(s, eid_search(&d->searches[c->ids[i]]));
        if (c->nids == 0)
            es_free(&s);
        return s;
    }
    case VIGIL_CN_ALL: {
        eidset s = EID_UNKNOWN;
        for (size_t i = 0; i < c->nids; i++)
            s = es_inter(s, eid_search(&d->searches[c->ids[i]]));
        return s;
    }
    default:
        return EID_UNKNOWN;
    }
}

static int renames_eventid(const vigil_sigma_branch *br)
{
    for (size_t i = 0; br != NULL && i < br->nrenames; i++)
        if (strcmp(br->renames[i].from, "EventID") == 0)
            return 1;
    return 0;
}

static int has_eid(const vigil_sigma_branch *br, int64_t e)
{
    for (size_t i = 0; i < br->neventids; i++)
        if (br->eventids[i] == e)
            return 1;
    return 0;
}

/* Files one rule under one branch (NULL: the rule is unscoped). */
static int add_branch(struct vigil_sigma_index *ix, const vigil_sigma_cand *c, const eidset *need)
{
    const vigil_sigma_branch *br = c->br;
    if (need->known && !renames_eventid(br)) {
        for (size_t i = 0; i < need->n; i++) {
            if (br != NULL && br->neventids > 0 && !has_eid(br, need->v[i]))
                continue; /* the branch never delivers this id */
            if (ix_add(ix, br != NULL ? br->channel : NULL, need->v[i], *c) != 0)
                return -1;
        }
        return 0;
    }
    if (br == NULL || br->channel == NULL) {
        /* several channel-less branches: the rule is met once, under the first */
        if (ix->all.n > 0 && ix->all.v[ix->all.n - 1].index == c->index)
            return 0;
        return cv_push(&ix->all, *c);
    }
    if (br->neventids == 0)
        return ix_add(ix, br->channel, -1, *c);
    for (size_t e = 0; e < br->neventids; e++)
        if (ix_add(ix, br->channel, br->eventids[e], *c) != 0)
            return -1;
    return 0;
}

vigil_status vigil_sigma_index_build(vigil_sigma_ruleset *rs)
{
    struct vigil_sigma_index *ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        return VIGIL_ERR_NOMEM;
    rs->index = ix;
    if (rs->nrules > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    for (size_t i = 0; i < rs->nrules; i++) {
        const vigil_sigma_rule *r = rs->rules[i];
        if (r->kind != VIGIL_SR_DETECTION)
            continue;
        vigil_sigma_cand c = {r, NULL, (uint32_t)i,
                              rs->prefilter != NULL && r->prefilter_id >= 0 ? r->prefilter_id : -1,
                              0};
        const char *need_field = vigil_sigma_required_field(r);
        c.need_field = vigil_sigma_field_hash(need_field, NULL);
        int rc = 0;
        if (r->scope == VIGIL_SCOPE_NOCHANNEL) {
            rc = cv_push(&ix->nochan, c);
        } else {
            eidset need = eid_cond(&r->det, r->det.cond, 0);
            if (r->scope == VIGIL_SCOPE_ALL) {
                rc = add_branch(ix, &c, &need);
            } else {
                for (size_t b = 0; b < r->nbranches && rc == 0; b++) {
                    c.br = r->branches[b];
                    c.need_field = vigil_sigma_field_hash(need_field, c.br);
                    rc = add_branch(ix, &c, &need);
                }
            }
            es_free(&need);
        }
        if (rc != 0)
            return VIGIL_ERR_NOMEM;
    }
    return VIGIL_OK;
}

size_t vigil_sigma_index_lookup(const struct vigil_sigma_index *ix, const char *channel_lc,
                                int64_t eid, const vigil_sigma_candvec *lists[VIGIL_SG_MAX_LISTS])
{
    size_t n = 0;
    const bucket *b;
    if (ix->all.n > 0)
        lists[n++] = &ix->all;
    if (eid >= 0 && (b = ix_find(ix, NULL, eid)) != NULL)
        lists[n++] = &b->c;
    if (channel_lc == NULL) {
        if (ix->nochan.n > 0)
            lists[n++] = &ix->nochan;
        return n;
    }
    if (eid >= 0 && (b = ix_find(ix, channel_lc, eid)) != NULL)
        lists[n++] = &b->c;
    if ((b = ix_find(ix, channel_lc, -1)) != NULL)
        lists[n++] = &b->c;
    return n;
}

size_t vigil_sigma_index_lists(struct vigil_sigma_index *ix, vigil_sigma_candvec **out,
                               unsigned char *exact, size_t cap)
{
    size_t n = 0;
    if (ix == NULL)
        return 0;
    if (n < cap) {
        out[n] = &ix->all;
        exact[n] = 0;
    }
    n++;
    if (n < cap) {
        out[n] = &ix->nochan;
        exact[n] = 0;
    }
    n++;
    for (size_t k = 0; k < ix->cap; k++) {
        if (!ix->tab[k].used)
            continue;
        if (n < cap) {
            out[n] = &ix->tab[k].c;
            exact[n] = ix->tab[k].channel != NULL && ix->tab[k].eid >= 0;
        }
        n++;
    }
    return n;
}
