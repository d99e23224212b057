/* sigma_prefilter.c - hyperscan literal databases per candidate list.
 *
 * Why: see sigma_prefilter.h. What each rule needs comes from
 * sigma_prefilter_needs.c: up to four clauses, each a set of literals one of which
 * must occur; every clause gets a slot, and a rule stays a candidate only
 * if all its slots were hit. The literals are compiled per candidate list
 * of the (Channel, EventID) index, not into one database for all rules:
 * an event meets one or two lists, and scanning it against the literals of
 * rules it can never meet cost most of the scan (a Bits-Client event
 * against the ~18,000 literals of the process_creation rules), both in
 * work and in cache misses of one big database. Each list's database is
 * scanned over the fields its literals must be found in; keyword literals,
 * which may occur in any field, also go into a second database scanned
 * over the other fields. Every list with a rule that needs literals gets one, however few:
 * one rule of 80 keywords costs more to evaluate on every Application event
 * than the scan that rules it out (lists of 8 or more only: 10% more
 * matcher cycles). Identical literal sets (Sysmon 1 and Security 4688 share
 * the process_creation rules) share one compiled database. The per-event
 * scan is in sigma_prefilter_scan.c. */
#include <hs/hs.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "core/hyperscan_cache.h"
#include "sigma/sigma_index.h"
#include "sigma/sigma_prefilter.h"
#include "sigma/sigma_prefilter_internal.h"
#include "sigma/sigma_prefilter_needs.h"

typedef struct lit {
    const char *s;
    size_t len;
    unsigned slot;
    uint32_t fhash; /* the field it must be found in (name hash), 0: any (a keyword's) */
} lit;

static int lit_cmp(const void *a, const void *b)
{
    const lit *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return x->fhash < y->fhash ? -1 : x->fhash > y->fhash;
}

static void free_need(struct vigil_sigma_prefilter *pf)
{
    for (size_t i = 0; i < pf->nneed; i++)
        free(pf->need[i].lits);
    free(pf->need);
    pf->need = NULL;
    pf->nneed = 0;
}

void vigil_sigma_prefilter_free(struct vigil_sigma_prefilter *pf)
{
    if (pf == NULL)
        return;
    for (size_t i = 0; i < pf->ndbs; i++) {
        hs_free_database(pf->dbs[i].db);
        free(pf->dbs[i].ent);
        free(pf->dbs[i].first);
    }
    free(pf->dbs);
    for (size_t i = 0; i < pf->nlists; i++)
        free(pf->lists[i].fset);
    free(pf->lists);
    free_need(pf);
    free(pf);
}

vigil_status vigil_sigma_prefilter_build(vigil_sigma_ruleset *rs)
{
    struct vigil_sigma_prefilter *pf = calloc(1, sizeof *pf);
    if (pf == NULL)
        return VIGIL_ERR_NOMEM;
    pf->need = calloc(rs->nrules + 1, sizeof *pf->need);
    if (pf->need == NULL) {
        free(pf);
        return VIGIL_ERR_NOMEM;
    }
    pf->nneed = rs->nrules;
    size_t nslots = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        vigil_sigma_rule *r = rs->rules[i];
        r->prefilter_id = -1;
        size_t nclauses;
        rneed *nd = &pf->need[i];
        if (vigil_sigma_prefilter_need(r, &nd->lits, &nd->n, &nclauses) != VIGIL_OK) {
            vigil_sigma_prefilter_free(pf);
            return VIGIL_ERR_NOMEM;
        }
        if (nclauses == 0)
            continue;
        if (nslots > (size_t)INT32_MAX / VIGIL_SG_PF_MAX_CLAUSES - VIGIL_SG_PF_MAX_CLAUSES) {
            free(nd->lits); /* out of slots: this rule is always evaluated */
            nd->lits = NULL;
            nd->n = 0;
            continue;
        }
        nd->slot0 = (unsigned)nslots;
        r->prefilter_id = vigil_sigma_prefilter_code((unsigned)nslots, nclauses);
        nslots += nclauses;
    }
    pf->nslots = nslots;
    rs->prefilter = pf;
    return VIGIL_OK;
}

/* ---- per-list databases ---- */

static void fset_add(pflist *l, uint32_t h)
{
    size_t i = h & (l->fcap - 1);
    for (; l->fset[i] != 0; i = (i + 1) & (l->fcap - 1))
        if (l->fset[i] == h)
            return;
    l->fset[i] = h;
}

/* The database of the split field whose name hashes to h (an index into
 * dbs), -1 if h is not split. */
static int split_db(const pflist *l, uint32_t h)
{
    for (unsigned k = 0; k < l->nsplit; k++)
        if (l->sfh[k] == h)
            return l->sdb[k];
    return -1;
}

/* The fields the main database scans: those the list's literals must be
 * found in, split ones aside (hits elsewhere count for keyword literals
 * only, which the keyword database finds in the other fields). */
static vigil_status fset_build(pflist *l, const lit *all, size_t nall)
{
    if (nall > SIZE_MAX / 8 / sizeof *l->fset)
        return VIGIL_ERR_LIMIT;
    l->fcap = 16;
    while (l->fcap < nall * 2)
        l->fcap *= 2;
    l->fset = calloc(l->fcap, sizeof *l->fset);
    if (l->fset == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < nall; i++)
        if (all[i].fhash != 0 && split_db(l, all[i].fhash) < 0)
            fset_add(l, all[i].fhash);
    return VIGIL_OK;
}

/* Compiles the sorted literals (keyword ones, fhash 0, only if kw_only) into a database,
 * or finds the same set compiled already; *out = its index, -1 if there
 * are none. per_field: the database scans several fields at once and
 * must report a literal in each of them (for the memo, sigma_prefilter_memo.h),
 * not once. VIGIL_ERR_INTERNAL if hyperscan refuses them. */
static vigil_status db_get(struct vigil_sigma_prefilter *pf, const lit *all, size_t nall,
                           int kw_only, int per_field, const char *cache_dir, int *out)
{
    *out = -1;
    size_t n = 0;
    for (size_t i = 0; i < nall; i++)
        n += !kw_only || all[i].fhash == 0;
    if (n == 0)
        return VIGIL_OK;
    if (n > UINT_MAX / 2)
        return VIGIL_ERR_LIMIT;
    if (VIGIL_ARRAY_RESERVE(pf->dbs, pf->dbcap, pf->ndbs + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    pfdb *db = &pf->dbs[pf->ndbs];
    memset(db, 0, sizeof *db);
    const char **exprs = calloc(n, sizeof *exprs);
    size_t *lens = calloc(n, sizeof *lens);
    unsigned *flags = calloc(n, sizeof *flags);
    unsigned *ids = calloc(n, sizeof *ids);
    db->ent = calloc(n, sizeof *db->ent);
    db->first = calloc(n + 1, sizeof *db->first);
    vigil_status st = VIGIL_OK;
    if (exprs == NULL || lens == NULL || flags == NULL || ids == NULL || db->ent == NULL ||
        db->first == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    const lit *prev = NULL;
    size_t k = 0;
    for (size_t i = 0; i < nall; i++) {
        const lit *l = &all[i];
        if (kw_only && l->fhash != 0)
            continue;
        uint32_t fh = l->fhash;
        if (prev != NULL && prev->len == l->len && memcmp(prev->s, l->s, l->len) == 0) {
            if (db->ent[k - 1].slot == l->slot && db->ent[k - 1].fhash == fh)
                continue; /* the same literal twice in one clause and field */
        } else {
            exprs[db->npat] = l->s;
            lens[db->npat] = l->len;
            flags[db->npat] = HS_FLAG_CASELESS | (per_field ? 0 : HS_FLAG_SINGLEMATCH);
            ids[db->npat] = (unsigned)db->npat;
            db->first[db->npat] = k;
            db->npat++;
        }
        db->ent[k].slot = l->slot;
        db->ent[k].fhash = fh;
        if (fh != 0) {
            /* found in the wrong field first, it must still be reported
             * where it occurs again */
            flags[db->npat - 1] = HS_FLAG_CASELESS;
            db->fieldwise = 1;
        }
        k++;
        prev = l;
    }
    db->first[db->npat] = k;
    /* the same patterns standing for the same slots: one database */
    int keyed = vigil_hyperscan_cache_key_lit(exprs, lens, flags, ids, (unsigned)db->npat,
                                              HS_MODE_BLOCK, db->key) == 0;
    if (keyed)
        for (size_t i = 0; i < pf->ndbs; i++)
            if (memcmp(pf->dbs[i].key, db->key, sizeof db->key) == 0 &&
                pf->dbs[i].npat == db->npat && pf->dbs[i].first[pf->dbs[i].npat] == k &&
                memcmp(pf->dbs[i].first, db->first, (db->npat + 1) * sizeof *db->first) == 0 &&
                memcmp(pf->dbs[i].ent, db->ent, k * sizeof *db->ent) == 0) {
                *out = (int)i;
                free(db->ent);
                free(db->first);
                goto out;
            }
    if (keyed && cache_dir != NULL)
        db->db = vigil_hyperscan_cache_load(cache_dir, db->key);
    if (db->db == NULL) {
        hs_compile_error_t *err = NULL;
        if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)db->npat, HS_MODE_BLOCK, NULL,
                                 &db->db, &err) != HS_SUCCESS) {
            hs_free_compile_error(err);
            db->db = NULL;
            free(db->ent);
            free(db->first);
            st = VIGIL_ERR_INTERNAL;
            goto out;
        }
        if (keyed && cache_dir != NULL)
            (void)vigil_hyperscan_cache_store(cache_dir, db->key, db->db); /* a cache, not a must */
    }
    *out = (int)pf->ndbs++;
out:
    if (st == VIGIL_ERR_NOMEM) {
        free(db->ent);
        free(db->first);
    }
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    return st;
}

/* Marks (bit 4) the rules that sit in a list an event can meet together
 * with another of their lists: their candidates must pass or fail alike in
 * every list (the first list holding a rule decides its branch), so they
 * skip the prefilter. Two (channel, event id) buckets never meet one
 * event. Bit 1: in some list, bit 2: in a list other than such a bucket. */
static int *shared_rules(const vigil_sigma_ruleset *rs, vigil_sigma_candvec *const *lists,
                         const unsigned char *exact, size_t nl)
{
    int *seen = calloc(rs->nrules + 1, sizeof *seen);
    if (seen == NULL)
        return NULL;
    for (size_t i = 0; i < nl; i++)
        for (size_t k = 0; k < lists[i]->n; k++) {
            int *s = &seen[lists[i]->v[k].index];
            if (*s & 1 && (!exact[i] || *s & 2))
                *s |= 4;
            *s |= 1 | (exact[i] ? 0 : 2);
        }
    return seen;
}

/* Counts the rules of v with literals; fills the literals of those rules. */
static vigil_status list_lits(const struct vigil_sigma_prefilter *pf, const vigil_sigma_candvec *v,
                              lit **out, size_t *nout, size_t *nrules)
{
    size_t n = 0;
    *nrules = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->pf[i] >= 0) {
            n += pf->need[v->v[i].index].n;
            (*nrules)++;
        }
    *out = NULL;
    *nout = 0;
    if (*nrules == 0)
        return VIGIL_OK;
    lit *all = calloc(n, sizeof *all);
    if (all == NULL)
        return VIGIL_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->pf[i] < 0)
            continue;
        const rneed *nd = &pf->need[v->v[i].index];
        for (size_t j = 0; j < nd->n; j++) {
            all[k].s = nd->lits[j].s;
            all[k].len = nd->lits[j].len;
            all[k].slot = nd->slot0 + nd->lits[j].clause;
            all[k].fhash = vigil_sigma_field_hash(nd->lits[j].field, v->v[i].br);
            k++;
        }
    }
    qsort(all, k, sizeof *all, lit_cmp);
    *out = all;
    *nout = k;
    return VIGIL_OK;
}

/* Lists this long are walked by hit slots (see vigil_sigma_candvec): from 8
 * candidates on this costs less than testing each candidate's slots (the
 * list every event meets holds 16; 64 as the bound cost 2% more matcher
 * instructions on the corpus). */
#define BYSLOT_MIN 8

static vigil_status by_slot(vigil_sigma_candvec *v)
{
    if (v->n < BYSLOT_MIN || v->n > UINT32_MAX - 1)
        return VIGIL_OK;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->pf[i] < 0)
            continue;
        uint32_t s = (uint32_t)(v->pf[i] / VIGIL_SG_PF_MAX_CLAUSES);
        lo = s < lo ? s : lo;
        hi = s > hi ? s : hi;
    }
    size_t span = lo <= hi ? (size_t)(hi - lo) + 1 : 0;
    if (span > 64 * v->n + 4096)
        return VIGIL_OK; /* too sparse for a map: every candidate is checked */
    v->always = calloc(v->n, sizeof *v->always);
    v->byslot = calloc(span + 1, sizeof *v->byslot);
    if (v->always == NULL || v->byslot == NULL) {
        free(v->always);
        free(v->byslot);
        v->always = NULL;
        v->byslot = NULL;
        return VIGIL_ERR_NOMEM;
    }
    v->slot_lo = lo;
    v->nbyslot = span;
    for (size_t i = 0; i < v->n; i++) {
        if (v->pf[i] < 0) {
            v->always[v->nalways++] = (uint32_t)i;
            continue;
        }
        uint32_t *e = &v->byslot[(uint32_t)(v->pf[i] / VIGIL_SG_PF_MAX_CLAUSES) - lo];
        if (*e == 0)
            *e = (uint32_t)i + 1;
    }
    return VIGIL_OK;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Gives each field with SPLIT_MIN literals or more (the CommandLine of
 * the process_creation rules: 9,500 of the list's 11,500) a database of
 * its own, with the keyword literals, which may occur in it too: one large
 * database then scans that field's bytes only instead of every tested
 * field's, and the main one, much smaller, scans the rest. The split
 * literals are removed from all (*nall shrinks); the keyword ones stay. */
static vigil_status split_fields(struct vigil_sigma_prefilter *pf, pflist *l, lit *all,
                                 size_t *nall, const char *cache_dir)
{
    size_t n = *nall;
    if (n < SPLIT_MIN)
        return VIGIL_OK;
    uint32_t *hs = malloc(n * sizeof *hs);
    if (hs == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        hs[i] = all[i].fhash;
    qsort(hs, n, sizeof *hs, u32_cmp);
    uint32_t big[MAX_SPLIT];
    unsigned nbig = 0;
    for (size_t i = 0, j; i < n && nbig < MAX_SPLIT; i = j) {
        for (j = i; j < n && hs[j] == hs[i]; j++)
            ;
        if (hs[i] != 0 && j - i >= SPLIT_MIN)
            big[nbig++] = hs[i];
    }
    free(hs);
    for (unsigned b = 0; b < nbig; b++) {
        uint32_t h = big[b];
        lit *sub = calloc(n, sizeof *sub);
        if (sub == NULL)
            return VIGIL_ERR_NOMEM;
        size_t k = 0, keep = 0;
        for (size_t j = 0; j < n; j++) {
            if (all[j].fhash == h || all[j].fhash == 0) {
                sub[k] = all[j];
                sub[k++].fhash = 0; /* the database scans this field only */
            }
            if (all[j].fhash != h)
                all[keep++] = all[j];
        }
        qsort(sub, k, sizeof *sub, lit_cmp);
        int db = -1;
        vigil_status st = db_get(pf, sub, k, 0, 0, cache_dir, &db);
        free(sub);
        if (st != VIGIL_OK)
            return st;
        l->sfh[l->nsplit] = h;
        l->sdb[l->nsplit++] = db;
        n = keep;
    }
    *nall = n;
    return VIGIL_OK;
}

static vigil_status attach(vigil_sigma_ruleset *rs, vigil_sigma_candvec *const *lists,
                           const unsigned char *exact, size_t nl, const char *cache_dir)
{
    struct vigil_sigma_prefilter *pf = rs->prefilter;
    int *shared = shared_rules(rs, lists, exact, nl);
    pf->lists = calloc(nl + 1, sizeof *pf->lists);
    if (shared == NULL || pf->lists == NULL) {
        free(shared);
        return VIGIL_ERR_NOMEM;
    }
    vigil_status st = VIGIL_OK;
    for (size_t i = 0; i < nl && st == VIGIL_OK; i++) {
        vigil_sigma_candvec *v = lists[i];
        for (size_t k = 0; k < v->n; k++)
            if (shared[v->v[k].index] & 4)
                v->pf[k] = v->v[k].pf = -1;
        lit *all;
        size_t nall, nrules;
        st = list_lits(pf, v, &all, &nall, &nrules);
        if (st != VIGIL_OK || all == NULL)
            continue;
        pflist *l = &pf->lists[pf->nlists];
        l->main = l->kw = -1;
        st = split_fields(pf, l, all, &nall, cache_dir);
        if (st == VIGIL_OK)
            st = fset_build(l, all, nall);
        if (st == VIGIL_OK)
            st = db_get(pf, all, nall, 0, 1, cache_dir, &l->main);
        if (st == VIGIL_OK)
            st = db_get(pf, all, nall, 1, 0, cache_dir, &l->kw);
        free(all);
        if (st == VIGIL_OK) {
            v->pfl = (int32_t)++pf->nlists;
            st = by_slot(v);
        } else {
            free(l->fset);
            memset(l, 0, sizeof *l);
        }
    }
    free(shared);
    return st;
}

vigil_status vigil_sigma_prefilter_attach(vigil_sigma_ruleset *rs, const char *cache_dir)
{
    struct vigil_sigma_prefilter *pf = rs->prefilter;
    if (pf == NULL)
        return VIGIL_OK;
    size_t nl = vigil_sigma_index_lists(rs->index, NULL, NULL, 0);
    vigil_sigma_candvec **lists = calloc(nl + 1, sizeof *lists);
    unsigned char *exact = calloc(nl + 1, 1);
    vigil_status st = VIGIL_ERR_NOMEM;
    if (lists != NULL && exact != NULL) {
        vigil_sigma_index_lists(rs->index, lists, exact, nl);
        st = attach(rs, lists, exact, nl, cache_dir);
        if (st != VIGIL_OK) {
            /* without databases every candidate is evaluated: still correct */
            for (size_t i = 0; i < nl; i++) {
                lists[i]->pfl = 0;
                free(lists[i]->always);
                free(lists[i]->byslot);
                lists[i]->always = NULL;
                lists[i]->byslot = NULL;
                lists[i]->nalways = lists[i]->nbyslot = 0;
            }
            if (st == VIGIL_ERR_INTERNAL)
                st = VIGIL_OK;
        }
    }
    free(lists);
    free(exact);
    free_need(pf);
    return st;
}

size_t vigil_sigma_prefilter_ndbs(const struct vigil_sigma_prefilter *pf)
{
    return pf != NULL ? pf->ndbs : 0;
}
