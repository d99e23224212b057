/* sigma_relimit.c - a Sigma regex PCRE2 gave up on, decided another way.
 *
 * Why: PCRE2's JIT runs on a 32 KB stack and under a match limit. A value
 * padded to a few thousand characters makes patterns such as (\w|-)+ run
 * out of that stack (or make a backtracking pattern reach the limit), and
 * pcre2_match then returns an error, which used to count as "no match":
 * padding a CommandLine slipped past regex rules. Such values are rare, so
 * the usual path stays PCRE2's JIT and only an error comes here:
 *   1. Hyperscan, which does not backtrack (linear time), when it compiles
 *      the pattern and the value is ASCII (Hyperscan's UTF-8 mode wants
 *      valid UTF-8, and on ASCII its byte mode means what PCRE2's UTF mode
 *      means);
 *   2. else PCRE2 again on a JIT stack of up to 64 MB and a heap of up to
 *      256 MB, under PCRE2's default match limit (a bound on time).
 * If that gives up too, the match is undecided and the caller warns.
 * Hyperscan databases are compiled on first need and kept per matcher (one
 * thread), so nothing is shared or locked. */
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "sigma/sigma_internal.h"

#define BIG_JIT_STACK (64u << 20)
#define BIG_HEAP_KIB (256u << 10)

typedef struct hs_ent {
    const pcre2_code *re; /* the key */
    hs_database_t *db;    /* NULL: Hyperscan refused the pattern */
} hs_ent;

struct vigil_sigma_relimit {
    hs_ent *ents;
    size_t n, cap;
    hs_scratch_t *scratch;
    pcre2_jit_stack *stack;
    pcre2_match_context *mctx;
};

vigil_sigma_relimit *vigil_sigma_relimit_create(void)
{
    return calloc(1, sizeof(vigil_sigma_relimit));
}

void vigil_sigma_relimit_destroy(vigil_sigma_relimit *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->n; i++)
        hs_free_database(x->ents[i].db);
    free(x->ents);
    hs_free_scratch(x->scratch);
    pcre2_match_context_free(x->mctx);
    pcre2_jit_stack_free(x->stack);
    free(x);
}

/* The Hyperscan database for v (compiled now if need be); NULL when
 * Hyperscan does not take the pattern or memory ran out. */
static hs_database_t *hs_db(vigil_sigma_relimit *x, const vigil_sigma_value *v)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->ents[i].re == v->re)
            return x->ents[i].db;
    if (VIGIL_ARRAY_RESERVE(x->ents, x->cap, x->n + 1) != VIGIL_OK)
        return NULL;
    hs_database_t *db = NULL;
    /* Hyperscan takes a C string: a pattern holding a NUL is left to PCRE2 */
    if (v->re_src != NULL && memchr(v->re_src, '\0', v->re_srclen) == NULL) {
        unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
        if (v->re_flags & 1)
            flags |= HS_FLAG_CASELESS;
        if (v->re_flags & 2)
            flags |= HS_FLAG_MULTILINE;
        if (v->re_flags & 4)
            flags |= HS_FLAG_DOTALL;
        hs_compile_error_t *err = NULL;
        if (hs_compile(v->re_src, flags, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
            hs_free_compile_error(err);
            db = NULL;
        } else if (hs_alloc_scratch(db, &x->scratch) != HS_SUCCESS) {
            hs_free_database(db);
            db = NULL;
        }
    }
    x->ents[x->n].re = v->re;
    x->ents[x->n].db = db;
    x->n++;
    return db;
}

static int on_hs_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                       void *user)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    *(int *)user = 1;
    return 1; /* one is enough */
}

static int is_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

int vigil_sigma_relimit_match(vigil_sigma_relimit *x, const vigil_sigma_value *v, const char *s,
                              size_t len, pcre2_match_data *md)
{
    if (x == NULL)
        return -1;
    if (len <= UINT32_MAX && is_ascii(s, len)) {
        hs_database_t *db = hs_db(x, v);
        if (db != NULL) {
            int hit = 0;
            hs_error_t e = hs_scan(db, s, (unsigned)len, 0, x->scratch, on_hs_match, &hit);
            if (e == HS_SUCCESS || e == HS_SCAN_TERMINATED)
                return hit;
        }
    }
    if (x->mctx == NULL) {
        x->mctx = pcre2_match_context_create(NULL);
        if (x->mctx == NULL)
            return -1;
        x->stack = pcre2_jit_stack_create(32u << 10, BIG_JIT_STACK, NULL);
        if (x->stack != NULL)
            pcre2_jit_stack_assign(x->mctx, NULL, x->stack);
        pcre2_set_heap_limit(x->mctx, BIG_HEAP_KIB);
    }
    int rc = pcre2_match(v->re, (PCRE2_SPTR)s, len, 0, 0, md, x->mctx);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}
