/* yara_gate_verify.c - confirm a hex string's atom with its whole pattern.
 *
 * Why: the literal gate finds a hex string through its rarest fixed run,
 * but in compiled code even the rarest run of a string like
 * `{ 48 89 4C 24 ?? 48 8D 0D ?? ?? ?? ?? ... }` is common: Elastic's
 * Multi_Trojan_Sliver_3d6b7cd3 alone sent 171 of 300 Debian libraries to
 * libyara. Each hex string with wildcards, jumps or alternatives is also
 * compiled whole (yara_gate_atom.c: every match of the string matches the
 * expression), and its atom found in a file only makes it pending. When
 * the literal passes woke no rule, but the pending strings, taken as
 * present, would wake one, one Hyperscan pass of the whole expressions
 * decides: a string whose expression is absent is absent for libyara too,
 * so a rule is only ruled out when it is provably false. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/hyperscan_cache.h"
#include "yara/yara_gate_internal.h"

/* Expressions Hyperscan refuses one by one are dropped (their strings stay
 * found by the atom alone); past this many refusals, none is confirmed. */
#define VERIFY_MAX_REFUSED 64

/* The whole confirming database runs at about 880 MB/s with Elastic's
 * 1,214 expressions; the 19 of its costliest rule (Sliver), whose atoms
 * are common x86 bytes, alone at about 5 GB/s. So the expressions are
 * also split by rule into up to VERIFY_PARTS parts, and a file whose
 * pending strings need at most VERIFY_MAX_PART_SCANS parts is confirmed by
 * those only. */
#define VERIFY_PARTS 32
#define VERIFY_MAX_PART_SCANS 2
#define VERIFY_NO_PART 0xff

static hs_database_t *compile(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                              unsigned n, const char *cache_dir, int *bad)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    unsigned char key[32];
    int keyed = cache_dir != NULL &&
                vigil_hyperscan_cache_key(exprs, flags, ids, n, HS_MODE_BLOCK, key) == 0;
    *bad = -1;
    if (keyed && (db = vigil_hyperscan_cache_load(cache_dir, key)) != NULL)
        return db;
    if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &db, &err) == HS_SUCCESS) {
        if (keyed)
            (void)vigil_hyperscan_cache_store(cache_dir, key, db); /* a cache, not a must */
        return db;
    }
    if (err != NULL && err->expression >= 0)
        *bad = err->expression;
    hs_free_compile_error(err);
    return NULL;
}

typedef struct part_entry {
    uint32_t rule, index; /* rule of the expression, its index in exprs */
} part_entry;

static int by_rule(const void *x, const void *y)
{
    const part_entry *a = x, *b = y;
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Compiles part p: the expressions e[from..to) into g->verify_parts[p]. */
static int build_part(vigil_yara_gate *g, const char *const *exprs, const uint32_t *slots,
                      const part_entry *e, size_t from, size_t to, const char *cache_dir, size_t p)
{
    size_t n = to - from;
    const char **x = calloc(n, sizeof *x);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    gate_db *d = &g->verify_parts[p];
    d->first = calloc(n + 1, sizeof *d->first);
    d->slots = calloc(n, sizeof *d->slots);
    int ok = 0, bad;
    if (x != NULL && flags != NULL && ids != NULL && d->first != NULL && d->slots != NULL) {
        for (size_t i = 0; i < n; i++) {
            x[i] = exprs[e[from + i].index];
            flags[i] = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
            ids[i] = (unsigned)i;
            d->first[i] = (uint32_t)i;
            d->slots[i] = slots[e[from + i].index];
            g->rule_part[e[from + i].rule] = (uint8_t)p;
        }
        d->first[n] = (uint32_t)n;
        d->db = compile(x, flags, ids, (unsigned)n, cache_dir, &bad);
        d->n = n;
        d->confirms = 1;
        ok = d->db != NULL;
    }
    free(x);
    free(flags);
    free(ids);
    return ok;
}

static void free_parts(vigil_yara_gate *g)
{
    for (size_t p = 0; p < g->nverify_parts; p++) {
        hs_free_database(g->verify_parts[p].db);
        free(g->verify_parts[p].first);
        free(g->verify_parts[p].slots);
    }
    free(g->verify_parts);
    free(g->rule_part);
    g->verify_parts = NULL;
    g->rule_part = NULL;
    g->nverify_parts = 0;
}

/* Splits the k expressions of the whole confirming database by rule into
 * parts of about k / VERIFY_PARTS (a rule's expressions never split).
 * Without parts (no memory, a part refused) the whole database serves. */
static void build_parts(vigil_yara_gate *g, const char *const *exprs, const uint32_t *slots,
                        size_t k, const char *cache_dir)
{
    size_t target = (k + VERIFY_PARTS - 1) / VERIFY_PARTS, from = 0;
    part_entry *e = calloc(k ? k : 1, sizeof *e);
    g->verify_parts = calloc(VERIFY_PARTS + 1, sizeof *g->verify_parts);
    g->rule_part = malloc(g->nrules ? g->nrules : 1);
    if (e == NULL || g->verify_parts == NULL || g->rule_part == NULL || k < 2) {
        free(e);
        free_parts(g);
        return;
    }
    memset(g->rule_part, VERIFY_NO_PART, g->nrules ? g->nrules : 1);
    for (size_t i = 0; i < k; i++) {
        e[i].rule = g->slot_rule[slots[i]];
        e[i].index = (uint32_t)i;
    }
    qsort(e, k, sizeof *e, by_rule);
    for (size_t i = 1; i <= k; i++) {
        /* a part ends at a rule boundary once it holds target expressions
         * (the last part takes whatever is left) */
        int end = i == k || (i - from >= target && e[i].rule != e[i - 1].rule &&
                             g->nverify_parts + 1 < VERIFY_PARTS);
        if (!end)
            continue;
        if (!build_part(g, exprs, slots, e, from, i, cache_dir, g->nverify_parts++)) {
            free(e);
            free_parts(g);
            return;
        }
        from = i;
    }
    free(e);
}

vigil_status vigil_yara_gate_build_verify(vigil_yara_gate *g, const gate_lit_vec *lv,
                                          const char *cache_dir)
{
    size_t n = 0;
    for (size_t i = 0; i < lv->n; i++)
        n += (size_t)(lv->v[i].regex && lv->v[i].verify);
    if (n == 0)
        return VIGIL_OK;
    if (n > UINT_MAX / 2)
        return VIGIL_ERR_LIMIT;
    const char **exprs = calloc(n, sizeof *exprs);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    uint32_t *slots = calloc(n, sizeof *slots);
    vigil_status st = VIGIL_ERR_NOMEM;
    if (exprs == NULL || flags == NULL || ids == NULL || slots == NULL)
        goto out;
    size_t k = 0;
    for (size_t i = 0; i < lv->n; i++) {
        if (!lv->v[i].regex || !lv->v[i].verify)
            continue;
        exprs[k] = (const char *)lv->v[i].bytes;
        flags[k] = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
        ids[k] = (unsigned)k;
        slots[k] = lv->v[i].slot;
        k++;
    }
    hs_database_t *db = NULL;
    for (int tries = 0; k > 0 && tries <= VERIFY_MAX_REFUSED; tries++) {
        int bad;
        db = compile(exprs, flags, ids, (unsigned)k, cache_dir, &bad);
        if (db != NULL || bad < 0 || (size_t)bad >= k)
            break;
        /* drop the refused expression, keep ids dense */
        memmove(exprs + bad, exprs + bad + 1, (k - (size_t)bad - 1) * sizeof *exprs);
        memmove(slots + bad, slots + bad + 1, (k - (size_t)bad - 1) * sizeof *slots);
        k--;
    }
    st = VIGIL_OK;
    if (db == NULL)
        goto out; /* no confirming pass: every atom stands for its string */
    g->verify.first = calloc(k + 1, sizeof *g->verify.first);
    g->slot_verify = calloc(g->nslots ? g->nslots : 1, 1);
    if (g->verify.first == NULL || g->slot_verify == NULL) {
        hs_free_database(db);
        free(g->verify.first);
        free(g->slot_verify);
        g->verify.first = NULL;
        g->slot_verify = NULL;
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i <= k; i++)
        g->verify.first[i] = (uint32_t)i;
    for (size_t i = 0; i < k; i++)
        g->slot_verify[slots[i]] = 1;
    build_parts(g, exprs, slots, k, cache_dir);
    g->verify.db = db;
    g->verify.confirms = 1;
    g->verify.slots = slots;
    g->verify.n = k;
    slots = NULL;
out:
    free(exprs);
    free(flags);
    free(ids);
    free(slots);
    return st;
}

int vigil_yara_gate_verify_needed(vigil_yara_gate_scratch *sc, uint64_t *parts)
{
    const vigil_yara_gate *g = sc->g;
    int need = 0;
    *parts = 0;
    if (g->verify.db == NULL)
        return 0;
    for (size_t i = 0; i < sc->npend; i++)
        sc->present[sc->pend_list[i]] = sc->gen;
    for (size_t i = 0; i < sc->npend; i++) {
        uint32_t ri = g->slot_rule[sc->pend_list[i]];
        if (sc->live[ri] != sc->gen || vigil_yara_gate_eval(g, sc, ri, 0) == GATE_F)
            continue; /* false even with every pending string present */
        need = 1;
        if (g->rule_part == NULL || g->rule_part[ri] == VERIFY_NO_PART) {
            *parts = 0; /* the whole database */
            break;
        }
        *parts |= 1ull << g->rule_part[ri];
    }
    for (size_t i = 0; i < sc->npend; i++)
        sc->present[sc->pend_list[i]] = 0; /* never a live generation */
    return need;
}

static int bit_count(uint64_t v)
{
    int n = 0;
    for (; v != 0; v &= v - 1)
        n++;
    return n;
}

hs_error_t vigil_yara_gate_verify_scan(vigil_yara_gate_scratch *sc, uint64_t parts)
{
    const vigil_yara_gate *g = sc->g;
    const char *data = (const char *)sc->data;
    unsigned len = (unsigned)sc->len; /* the caller checked len <= UINT_MAX */
    if (parts == 0 || bit_count(parts) > VERIFY_MAX_PART_SCANS) {
        sc->db = &g->verify;
        return hs_scan(g->verify.db, data, len, 0, sc->hs, vigil_yara_gate_on_match, sc);
    }
    /* only the rules that could wake need confirming, and every pending
     * string of such a rule is in its part */
    for (size_t p = 0; p < g->nverify_parts && !sc->hit; p++) {
        if (!(parts >> p & 1u))
            continue;
        sc->db = &g->verify_parts[p];
        hs_error_t e = hs_scan(sc->db->db, data, len, 0, sc->hs, vigil_yara_gate_on_match, sc);
        if (e != HS_SUCCESS)
            return e;
    }
    return HS_SUCCESS;
}

void vigil_yara_gate_verify_free(vigil_yara_gate *g)
{
    free_parts(g);
    hs_free_database(g->verify.db);
    free(g->verify.first);
    free(g->verify.slots);
    free(g->slot_verify);
}

hs_error_t vigil_yara_gate_verify_scratch(const vigil_yara_gate *g, hs_scratch_t **hs)
{
    if (g->verify.db != NULL && hs_alloc_scratch(g->verify.db, hs) != HS_SUCCESS)
        return HS_NOMEM;
    for (size_t p = 0; p < g->nverify_parts; p++)
        if (hs_alloc_scratch(g->verify_parts[p].db, hs) != HS_SUCCESS)
            return HS_NOMEM;
    return HS_SUCCESS;
}
