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
    g->verify.db = db;
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

int vigil_yara_gate_verify_needed(vigil_yara_gate_scratch *sc)
{
    const vigil_yara_gate *g = sc->g;
    int need = 0;
    if (g->verify.db == NULL)
        return 0;
    for (size_t i = 0; i < sc->npend; i++)
        sc->present[sc->pend_list[i]] = sc->gen;
    for (size_t i = 0; i < sc->npend && !need; i++) {
        uint32_t ri = g->slot_rule[sc->pend_list[i]];
        need = sc->live[ri] == sc->gen && vigil_yara_gate_eval(g, sc, ri, 0) != GATE_F;
    }
    for (size_t i = 0; i < sc->npend; i++)
        sc->present[sc->pend_list[i]] = 0; /* never a live generation */
    return need;
}
