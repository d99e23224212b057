/* sigma_prefilter_scan.c - the prefilter's per-event scan.
 *
 * Why apart from the build (sigma_prefilter.c): this is the hot path, run
 * for every event and list. The values of the fields a list's rules test
 * are laid out in one buffer and scanned by the list's hyperscan
 * databases (split fields in place, keywords also over the other fields);
 * each hit marks its slot for this event. A value the main or a split
 * database scanned before is not scanned again: the slots it hit are kept
 * in a memo (sigma_prefilter_memo.c) and marked again. */
#include <hs/hs.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_prefilter.h"
#include "sigma/sigma_prefilter_internal.h"
#include "sigma/sigma_prefilter_memo.h"

/* Where a list sends each field of an event (CL_*), kept for the last
 * field names seen (NCLS sets per list, picked by a signature of the
 * names): the events of one log mostly come from a few templates, so the
 * names repeat and a compare of their hashes replaces a set lookup per
 * field, and the scan visits only the fields it uses. */
enum { CL_SKIP, CL_MAIN, CL_KW, CL_SPLIT }; /* CL_SPLIT + k: split field k */
#define NCLS 8
typedef struct fclass {
    vigil_sigma_names names; /* the field-name set classified */
    unsigned char *cl;       /* the classes of its fields */
    uint32_t *use;           /* the fields of class CL_MAIN or CL_SPLIT + k, in order */
    uint32_t *kw;            /* those of class CL_KW, in order */
    size_t nuse, nkw;
    size_t cap; /* of cl, use and kw */
} fclass;

struct vigil_sigma_prefilter_scratch {
    const struct vigil_sigma_prefilter *pf;
    const pfdb *cur; /* the database being scanned */
    hs_scratch_t *scratch;
    uint64_t *hit; /* per slot: scan number of the last hit */
    uint64_t scan_no;
    uint32_t *hitlist; /* the slots hit since vigil_sigma_prefilter_begin */
    size_t nhit;
    char *buf;
    size_t cap;
    /* the fields laid out in buf (NUL after each): where field j starts,
     * its name hash and its memo key (0: not kept) */
    struct laid {
        size_t start;
        uint32_t hash;
        uint64_t key;
    } * lf;
    size_t nf, fcap;
    size_t fcur; /* the field of the last hit: hits mostly come in offset order */
    fclass *cls; /* NCLS per list (pflist index) */
    /* the memo, and what a scan records for it: the (laid-out field, slot)
     * pairs hit (pair_over: too many, nothing is kept); psort holds the
     * slots grouped by field */
    vigil_sigma_prefilter_memo *memo;
    int recording, pair_over;
    struct pair {
        uint32_t field, slot;
    } * pair;
    uint32_t *psort;
    size_t npair, paircap;
    size_t *pcount; /* per laid-out field + 1 (counting sort of the pairs) */
    uint64_t *seen; /* per slot: the stamp of the last unique_slots that kept it */
    uint64_t ustamp;
};

/* Pairs one scan records at most: past this the scan's values are not kept. */
#define MAX_PAIRS 65536

vigil_status vigil_sigma_prefilter_scratch_create(const struct vigil_sigma_prefilter *pf,
                                                  vigil_sigma_prefilter_scratch **out)
{
    *out = NULL;
    vigil_sigma_prefilter_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    s->pf = pf;
    s->hit = calloc(pf->nslots + 1, sizeof *s->hit);
    s->hitlist = calloc(pf->nslots + 1, sizeof *s->hitlist);
    s->cls = calloc((pf->nlists + 1) * NCLS, sizeof *s->cls);
    s->memo = vigil_sigma_prefilter_memo_create();
    s->seen = calloc(pf->nslots + 1, sizeof *s->seen);
    if (s->hit == NULL || s->hitlist == NULL || s->cls == NULL || s->memo == NULL ||
        s->seen == NULL) {
        vigil_sigma_prefilter_scratch_destroy(s);
        return VIGIL_ERR_NOMEM;
    }
    for (size_t i = 0; i < pf->ndbs; i++)
        if (hs_alloc_scratch(pf->dbs[i].db, &s->scratch) != HS_SUCCESS) {
            vigil_sigma_prefilter_scratch_destroy(s);
            return VIGIL_ERR_NOMEM;
        }
    *out = s;
    return VIGIL_OK;
}

void vigil_sigma_prefilter_scratch_destroy(vigil_sigma_prefilter_scratch *s)
{
    if (s == NULL)
        return;
    if (s->scratch != NULL)
        hs_free_scratch(s->scratch);
    free(s->hit);
    free(s->hitlist);
    for (size_t i = 0; s->cls != NULL && i < s->pf->nlists * NCLS; i++) {
        vigil_sigma_names_free(&s->cls[i].names);
        free(s->cls[i].cl);
        free(s->cls[i].use);
        free(s->cls[i].kw);
    }
    free(s->cls);
    free(s->buf);
    free(s->lf);
    free(s->pcount);
    free(s->pair);
    free(s->psort);
    vigil_sigma_prefilter_memo_destroy(s->memo);
    free(s->seen);
    free(s);
}

static int grow_pairs(vigil_sigma_prefilter_scratch *s)
{
    if (s->paircap >= MAX_PAIRS)
        return -1;
    size_t cap = s->paircap ? s->paircap * 2 : 256;
    struct pair *a = realloc(s->pair, cap * sizeof *a);
    if (a == NULL)
        return -1;
    s->pair = a;
    uint32_t *c = realloc(s->psort, cap * sizeof *c);
    if (c == NULL)
        return -1;
    s->psort = c;
    s->paircap = cap;
    return 0;
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ctx)
{
    (void)from;
    (void)flags;
    vigil_sigma_prefilter_scratch *s = ctx;
    const pfdb *db = s->cur;
    uint32_t fh = 0;
    size_t c = 0;
    if ((db->fieldwise || s->recording) && s->nf > 0) {
        /* the field the match ends in: the last one starting before its
         * end; the last hit's field or the next, else a binary search */
        c = s->fcur;
        while (c + 1 < s->nf && s->lf[c + 1].start < to && c < s->fcur + 2)
            c++;
        int ok = (c == 0 || s->lf[c].start < to) && (c + 1 == s->nf || s->lf[c + 1].start >= to);
        if (!ok) {
            size_t lo = 0, hi = s->nf;
            while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (s->lf[mid].start < to)
                    lo = mid;
                else
                    hi = mid;
            }
            c = lo;
        }
        s->fcur = c;
        fh = s->lf[c].hash;
    }
    for (size_t i = db->first[id]; i < db->first[id + 1]; i++) {
        if (db->ent[i].fhash != 0 && db->ent[i].fhash != fh)
            continue;
        unsigned slot = db->ent[i].slot;
        if (s->recording && !s->pair_over) {
            if (s->npair == s->paircap && grow_pairs(s) != 0)
                s->pair_over = 1;
            else {
                s->pair[s->npair].field = (uint32_t)c;
                s->pair[s->npair++].slot = slot;
            }
        }
        if (s->hit[slot] != s->scan_no) {
            s->hit[slot] = s->scan_no;
            s->hitlist[s->nhit++] = slot; /* each slot once: fits */
        }
    }
    return 0;
}

/* Marks the slots the memo kept for a value. */
static void replay(vigil_sigma_prefilter_scratch *s, const uint32_t *slots, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s->hit[slots[i]] != s->scan_no) {
            s->hit[slots[i]] = s->scan_no;
            s->hitlist[s->nhit++] = slots[i];
        }
}

/* Drops the repeats among n slots (their order is free); returns how many
 * remain. Each call gets a fresh stamp, so no clearing is needed. */
static size_t unique_slots(vigil_sigma_prefilter_scratch *s, uint32_t *v, size_t n)
{
    uint64_t st = ++s->ustamp;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s->seen[v[i]] != st) {
            s->seen[v[i]] = st;
            v[k++] = v[i];
        }
    return k;
}

/* Scans len bytes at p with database db; if record, the (field, slot)
 * pairs it hits are recorded for the memo. */
static vigil_status scan_db(vigil_sigma_prefilter_scratch *s, const pfdb *db, const char *p,
                            size_t len, int record)
{
    s->cur = db;
    s->recording = record;
    s->npair = 0;
    s->pair_over = 0;
    hs_error_t e = hs_scan(db->db, p, (unsigned)len, 0, s->scratch, on_hit, s);
    s->recording = 0;
    return e == HS_SUCCESS ? VIGIL_OK : VIGIL_ERR_INTERNAL;
}

/* Keeps in the memo the slots each of the nf fields laid out in buf (end
 * bytes) hit, from the pairs the scan recorded (grouped by field with a
 * counting sort). */
static void memo_keep(vigil_sigma_prefilter_scratch *s, uint32_t db, size_t nf, size_t end)
{
    if (s->pair_over)
        return;
    size_t *cnt = s->pcount;
    memset(cnt, 0, (nf + 1) * sizeof *cnt);
    for (size_t i = 0; i < s->npair; i++)
        cnt[s->pair[i].field + 1]++;
    for (size_t j = 0; j < nf; j++)
        cnt[j + 1] += cnt[j];
    for (size_t i = 0; i < s->npair; i++)
        s->psort[cnt[s->pair[i].field]++] = s->pair[i].slot;
    /* cnt[j] is now the end of field j's run, the start of field j + 1's */
    size_t from = 0;
    for (size_t j = 0; j < nf; j++) {
        const struct laid *f = &s->lf[j];
        size_t vl = (j + 1 < nf ? s->lf[j + 1].start : end) - 1 - f->start;
        size_t n = unique_slots(s, s->psort + from, cnt[j] - from);
        if (f->key != 0)
            vigil_sigma_prefilter_memo_put(s->memo, f->key, db, f->hash, s->buf + f->start, vl,
                                           s->psort + from, n);
        from = cnt[j];
    }
}

void vigil_sigma_prefilter_begin(vigil_sigma_prefilter_scratch *s)
{
    s->scan_no++;
    s->nhit = 0;
}

const uint32_t *vigil_sigma_prefilter_hit_list(const vigil_sigma_prefilter_scratch *s, size_t *n)
{
    *n = s->nhit;
    return s->hitlist;
}

/* The classes of the event's fields for list l (c, cached), NULL out of memory. */
static const unsigned char *classify(fclass *c, const pflist *l, const uint32_t *name_hash,
                                     size_t n)
{
    if (vigil_sigma_names_same(&c->names, name_hash, n))
        return c->cl;
    if (n > UINT32_MAX)
        return NULL;
    if (n > c->cap) {
        size_t cap = n < 64 ? 64 : n;
        unsigned char *cl = realloc(c->cl, cap);
        if (cl == NULL)
            return NULL;
        c->cl = cl;
        uint32_t *u = realloc(c->use, cap * sizeof *u);
        if (u == NULL)
            return NULL;
        c->use = u;
        uint32_t *k = realloc(c->kw, cap * sizeof *k);
        if (k == NULL)
            return NULL;
        c->kw = k;
        c->cap = cap;
    }
    c->names.valid = 0;
    c->nuse = c->nkw = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char k = CL_SKIP;
        for (unsigned j = 0; j < l->nsplit; j++)
            if (l->sfh[j] == name_hash[i])
                k = (unsigned char)(CL_SPLIT + j);
        if (k == CL_SKIP && fset_has(l, name_hash[i]))
            k = CL_MAIN;
        else if (k == CL_SKIP && l->kw >= 0)
            k = CL_KW;
        c->cl[i] = k;
        if (k == CL_KW)
            c->kw[c->nkw++] = (uint32_t)i;
        else if (k != CL_SKIP)
            c->use[c->nuse++] = (uint32_t)i;
    }
    return vigil_sigma_names_set(&c->names, name_hash, n) == VIGIL_OK ? c->cl : NULL;
}

/* Room in the scratch for one event: the tested fields' values, each
 * followed by a NUL, then (when the keyword database scans fields) the
 * other fields' values; *need is where the second part starts. */
static vigil_status reserve_scratch(vigil_sigma_prefilter_scratch *s, const vigil_event *ev,
                                    const pflist *l, const fclass *fc, int kw_text,
                                    size_t *need_out)
{
    size_t need = 1, kneed = 1;
    for (size_t u = 0; u < fc->nuse; u++) {
        const vigil_field *f = &ev->fields[fc->use[u]];
        size_t vl = f->value != NULL ? f->value_len : 0;
        if (vl > SIZE_MAX / 4 - need)
            return VIGIL_ERR_OVERFLOW;
        need += vl + 1;
    }
    for (size_t u = 0; !kw_text && l->kw >= 0 && u < fc->nkw; u++) {
        const vigil_field *f = &ev->fields[fc->kw[u]];
        size_t vl = f->value != NULL ? f->value_len : 0;
        if (vl > SIZE_MAX / 4 - kneed)
            return VIGIL_ERR_OVERFLOW;
        kneed += vl + 1;
    }
    if (need + kneed > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    if (need + kneed > s->cap) { /* the tested fields' part, then the others' */
        size_t cap = need + kneed < 8192 ? 8192 : (need + kneed) * 2;
        char *nb = realloc(s->buf, cap);
        if (nb == NULL)
            return VIGIL_ERR_NOMEM;
        s->buf = nb;
        s->cap = cap;
    }
    if (fc->nuse > s->fcap) {
        size_t cap = fc->nuse < 64 ? 64 : fc->nuse;
        struct laid *lf = realloc(s->lf, cap * sizeof *lf);
        if (lf == NULL)
            return VIGIL_ERR_NOMEM;
        s->lf = lf;
        size_t *pc = realloc(s->pcount, (cap + 1) * sizeof *pc);
        if (pc == NULL)
            return VIGIL_ERR_NOMEM;
        s->pcount = pc;
        s->fcap = cap;
    }
    *need_out = need;
    return VIGIL_OK;
}

vigil_status vigil_sigma_prefilter_scan(vigil_sigma_prefilter_scratch *s, int32_t list,
                                        const vigil_event *ev, const uint32_t *name_hash,
                                        uint32_t sig)
{
    const struct vigil_sigma_prefilter *pf = s->pf;
    if (list < 1 || (size_t)list > pf->nlists)
        return VIGIL_ERR_INVALID_ARG;
    const pflist *l = &pf->lists[list - 1];
    size_t n = ev->nfields;
    /* a few field-name sets per list: a list every event meets (keyword
     * rules) sees every template of a log, in turns */
    fclass *fc = &s->cls[(size_t)(list - 1) * NCLS + sig % NCLS];
    const unsigned char *cl = classify(fc, l, name_hash, n);
    if (cl == NULL)
        return VIGIL_ERR_NOMEM;
    /* the keyword database scans the event's text if it has one, else the
     * values of the fields no other database of the list scans, copied */
    int kw_text = l->kw >= 0 && ev->text != NULL && ev->text_len <= UINT_MAX;
    size_t need;
    vigil_status rs = reserve_scratch(s, ev, l, fc, kw_text, &need);
    if (rs != VIGIL_OK)
        return rs;
    s->fcur = 0;
    char *buf = s->buf;
    size_t o = 0, ko = need, nf = 0, nkeep = 0;
    for (size_t u = 0; u < fc->nuse; u++) {
        size_t i = fc->use[u];
        unsigned c = cl[i];
        const vigil_field *f = &ev->fields[i];
        size_t vl = f->value != NULL ? f->value_len : 0;
        if (vl == 0)
            continue; /* no literal is found in an empty value */
        int memo = vl <= VIGIL_SG_PFMEMO_MAX_VALUE;
        uint32_t db = (uint32_t)(c >= CL_SPLIT ? l->sdb[c - CL_SPLIT] : l->main);
        uint32_t fh = c >= CL_SPLIT ? 0 : name_hash[i];
        uint64_t key = 0;
        if (memo) {
            key = vigil_sigma_prefilter_memo_key(db, fh, f->value, vl);
            size_t nk;
            const uint32_t *kept =
                vigil_sigma_prefilter_memo_get(s->memo, key, db, fh, f->value, vl, &nk);
            if (kept != NULL) {
                replay(s, kept, nk);
                continue;
            }
        }
        if (c >= CL_SPLIT) {
            if (vl > UINT_MAX)
                return VIGIL_ERR_LIMIT;
            s->nf = 0; /* a split database names no field */
            vigil_status st = scan_db(s, &pf->dbs[db], f->value, vl, memo);
            if (st != VIGIL_OK)
                return st;
            if (memo && !s->pair_over) {
                for (size_t k = 0; k < s->npair; k++)
                    s->psort[k] = s->pair[k].slot;
                vigil_sigma_prefilter_memo_put(s->memo, key, db, 0, f->value, vl, s->psort,
                                               unique_slots(s, s->psort, s->npair));
            }
            continue;
        }
        s->lf[nf].start = o;
        s->lf[nf].hash = fh;
        s->lf[nf++].key = key; /* 0: not kept */
        nkeep += memo;
        memcpy(buf + o, f->value, vl);
        o += vl;
        buf[o++] = 0;
    }
    for (size_t u = 0; !kw_text && l->kw >= 0 && u < fc->nkw; u++) {
        const vigil_field *f = &ev->fields[fc->kw[u]];
        size_t vl = f->value != NULL ? f->value_len : 0;
        if (vl)
            memcpy(buf + ko, f->value, vl);
        ko += vl;
        buf[ko++] = 0;
    }
    s->nf = nf;
    if (l->main >= 0 && o > 0) {
        vigil_status st = scan_db(s, &pf->dbs[l->main], buf, o, nkeep > 0);
        if (st != VIGIL_OK)
            return st;
        if (nkeep > 0)
            memo_keep(s, (uint32_t)l->main, nf, o);
    }
    if (kw_text)
        return scan_db(s, &pf->dbs[l->kw], ev->text, ev->text_len, 0);
    if (l->kw >= 0 && ko > need)
        return scan_db(s, &pf->dbs[l->kw], buf + need, ko - need, 0);
    return VIGIL_OK;
}

const uint64_t *vigil_sigma_prefilter_hits(const vigil_sigma_prefilter_scratch *s,
                                           uint64_t *scan_no)
{
    *scan_no = s->scan_no;
    return s->hit;
}
