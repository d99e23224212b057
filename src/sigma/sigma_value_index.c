/* sigma_value_index.c - long lists of equals/startswith/endswith values, indexed.
 *
 * Why: a value list is OR-ed, and the matcher tried its alternatives one
 * by one. Some rules list hundreds (the DLL names of "System DLL
 * Sideloading From Non System Locations": 423 endswith values, half of
 * all value tests on the corpus). Such values are exact strings anchored
 * at the start, the end or both, so a value can be looked up instead:
 * its first (last) L bytes, case-folded, are hashed for each length L some
 * alternative has, and a hash table gives the alternatives to compare.
 * The result is exactly the linear scan's: every candidate is confirmed
 * by vigil_sigma_pattern_match, and the other alternatives (contains, globs, regexes,
 * cased values) are still tried in turn. */
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_internal.h"

/* Lists shorter than this are scanned: a few compares cost less than the
 * hashing. */
#define ALTIX_MIN 16

enum { S_EXACT, S_PREFIX, S_SUFFIX, S_N };

struct vigil_sigma_value_index {
    uint64_t *key;                 /* per entry, sorted */
    const vigil_sigma_value **val; /* per entry */
    size_t n;
    uint32_t *tab;     /* 1 + first entry of a key; 0 = free */
    size_t cap;        /* power of two */
    size_t *lens[S_N]; /* per shape: the distinct lengths, ascending */
    size_t nlens[S_N];
    const vigil_sigma_value **rest; /* the alternatives not indexed, in order */
    size_t nrest;
};

static inline uint64_t step(uint64_t h, unsigned char c)
{
    return (h ^ vigil_sigma_lower(c)) * 0x100000001b3ull;
}

static inline uint64_t mix(uint64_t h, int shape, size_t len)
{
    h ^= ((uint64_t)shape << 56) ^ len;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

#define SEED 0xcbf29ce484222325ull

static int shape_of(const vigil_sigma_value *v)
{
    if (v->kind != VIGIL_VK_PATTERN || v->pat.cased || v->pat.litlen == 0)
        return -1;
    switch (v->pat.shape) {
    case VIGIL_SHAPE_EXACT:
        return S_EXACT;
    case VIGIL_SHAPE_PREFIX:
        return S_PREFIX;
    case VIGIL_SHAPE_SUFFIX:
        return S_SUFFIX;
    default:
        return -1;
    }
}

/* The key of v's literal (read backwards for an endswith value). */
static uint64_t lit_key(const vigil_sigma_value *v, int shape)
{
    uint64_t h = SEED;
    size_t n = v->pat.litlen;
    for (size_t i = 0; i < n; i++)
        h = step(h, (unsigned char)v->pat.lit[shape == S_SUFFIX ? n - 1 - i : i]);
    return mix(h, shape, n);
}

typedef struct kv {
    uint64_t key;
    const vigil_sigma_value *v;
    size_t pos; /* keeps equal keys in list order */
} kv;

static int kv_cmp(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int sz_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

vigil_status vigil_sigma_value_index_build(vigil_arena *a, vigil_sigma_alts *g)
{
    g->ix = NULL;
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        n += shape_of(&g->v[i]) >= 0;
    if (n < ALTIX_MIN || n > UINT32_MAX / 4)
        return VIGIL_OK;
    struct vigil_sigma_value_index *x = vigil_arena_alloc(a, sizeof *x);
    kv *tmp = malloc(n * sizeof *tmp);
    size_t *lens = malloc(n * sizeof *lens);
    if (x == NULL || tmp == NULL || lens == NULL) {
        free(tmp);
        free(lens);
        return VIGIL_ERR_NOMEM;
    }
    x->cap = 16;
    while (x->cap < 2 * n)
        x->cap *= 2;
    x->key = vigil_arena_alloc(a, n * sizeof *x->key);
    x->val = vigil_arena_alloc(a, n * sizeof *x->val);
    x->tab = vigil_arena_alloc(a, x->cap * sizeof *x->tab);
    x->rest = vigil_arena_alloc(a, (g->n - n + 1) * sizeof *x->rest);
    vigil_status st = VIGIL_OK;
    if (x->key == NULL || x->val == NULL || x->tab == NULL || x->rest == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++) {
        int s = shape_of(&g->v[i]);
        if (s < 0)
            x->rest[x->nrest++] = &g->v[i];
        else
            tmp[k++] = (kv){lit_key(&g->v[i], s), &g->v[i], i};
    }
    qsort(tmp, n, sizeof *tmp, kv_cmp);
    for (size_t i = 0; i < n; i++) {
        x->key[i] = tmp[i].key;
        x->val[i] = tmp[i].v;
        if (i > 0 && tmp[i].key == tmp[i - 1].key)
            continue;
        size_t j = tmp[i].key & (x->cap - 1);
        while (x->tab[j] != 0)
            j = (j + 1) & (x->cap - 1);
        x->tab[j] = (uint32_t)i + 1;
    }
    x->n = n;
    for (int s = 0; s < S_N; s++) {
        size_t nl = 0;
        for (size_t i = 0; i < g->n; i++)
            if (shape_of(&g->v[i]) == s)
                lens[nl++] = g->v[i].pat.litlen;
        qsort(lens, nl, sizeof *lens, sz_cmp);
        size_t u = 0;
        for (size_t i = 0; i < nl; i++)
            if (u == 0 || lens[u - 1] != lens[i])
                lens[u++] = lens[i];
        x->lens[s] = vigil_arena_alloc(a, (u + 1) * sizeof *x->lens[s]);
        if (x->lens[s] == NULL) {
            st = VIGIL_ERR_NOMEM;
            goto out;
        }
        if (u > 0)
            memcpy(x->lens[s], lens, u * sizeof *lens);
        x->nlens[s] = u;
    }
    g->ix = x;
out:
    free(tmp);
    free(lens);
    return st;
}

/* 1 if an alternative keyed `key` matches the value s[0..len) (the key
 * only finds candidates; each is confirmed by the pattern matcher). */
static int lookup(const struct vigil_sigma_value_index *x, uint64_t key, const char *s, size_t len)
{
    for (size_t j = key & (x->cap - 1); x->tab[j] != 0; j = (j + 1) & (x->cap - 1)) {
        size_t i = x->tab[j] - 1;
        if (x->key[i] != key)
            continue;
        for (; i < x->n && x->key[i] == key; i++)
            if (vigil_sigma_pattern_match(&x->val[i]->pat, s, len))
                return 1;
        return 0;
    }
    return 0;
}

int vigil_sigma_value_index_match(const struct vigil_sigma_value_index *x, const char *s,
                                  size_t len)
{
    /* equals: one length, the value's */
    for (size_t i = 0; i < x->nlens[S_EXACT] && x->lens[S_EXACT][i] <= len; i++)
        if (x->lens[S_EXACT][i] == len) {
            uint64_t h = SEED;
            for (size_t b = 0; b < len; b++)
                h = step(h, (unsigned char)s[b]);
            if (lookup(x, mix(h, S_EXACT, len), s, len))
                return 1;
            break;
        }
    /* startswith: the hash of the first bytes, carried from length to length */
    uint64_t h = SEED;
    size_t done = 0;
    for (size_t i = 0; i < x->nlens[S_PREFIX] && x->lens[S_PREFIX][i] <= len; i++) {
        size_t L = x->lens[S_PREFIX][i];
        for (; done < L; done++)
            h = step(h, (unsigned char)s[done]);
        if (lookup(x, mix(h, S_PREFIX, L), s, len))
            return 1;
    }
    /* endswith: the same from the end, backwards */
    h = SEED;
    done = 0;
    for (size_t i = 0; i < x->nlens[S_SUFFIX] && x->lens[S_SUFFIX][i] <= len; i++) {
        size_t L = x->lens[S_SUFFIX][i];
        for (; done < L; done++)
            h = step(h, (unsigned char)s[len - 1 - done]);
        if (lookup(x, mix(h, S_SUFFIX, L), s, len))
            return 1;
    }
    return 0;
}

const vigil_sigma_value *const *
vigil_sigma_value_index_rest(const struct vigil_sigma_value_index *x, size_t *n)
{
    *n = x->nrest;
    return x->rest;
}
