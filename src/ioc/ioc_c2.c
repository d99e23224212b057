/* ioc_c2.c - the C2 store: domains and IPs of command-and-control servers.
 *
 * Values are normalised once at load (lower case, no trailing dot, as DNS
 * names compare) so that log hunting can compare bytes. The table keeps
 * load order, with every entry's file and line, plus an index sorted by
 * value for exact look-ups. */
#include "ioc/ioc_internal.h"

#include <stdlib.h>
#include <string.h>

#define C2_MIN_LEN 4    /* Loki refuses shorter definitions too */
#define C2_MAX_LEN 1024 /* far beyond any domain name, IP or URL worth matching */

/* Normalises in[0..n) into out (C2_MAX_LEN + 1 bytes); returns the length,
 * or SIZE_MAX when too long or containing blanks or control bytes. */
static size_t normalise(const char *in, size_t n, char *out)
{
    size_t len = 0;

    while (n > 0 && (*in == ' ' || *in == '\t')) {
        in++;
        n--;
    }
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\r'))
        n--;
    while (n > 0 && in[n - 1] == '.') /* all of them: normalising twice changes nothing */
        n--;
    if (n > C2_MAX_LEN)
        return SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f)
            return SIZE_MAX;
        out[len++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[len] = '\0';
    return len;
}

vigil_status vigil_ioc_builder_add_c2(vigil_ioc_builder *b, const char *value, int score,
                                      const char *description, const char *source, uint64_t line)
{
    char norm[C2_MAX_LEN + 1];
    vigil_ioc_c2_rec rec;
    vigil_status st;
    size_t n;

    if (b == NULL || value == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    n = normalise(value, strlen(value), norm);
    if (n == SIZE_MAX) {
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, source, line,
                    "C2 IOC has blanks or control characters, or is over %d bytes", C2_MAX_LEN);
        return VIGIL_ERR_PARSE;
    }
    if (n < C2_MIN_LEN) {
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, source, line,
                    "C2 IOC \"%s\" is suspiciously short; skipped", norm);
        return VIGIL_ERR_RULE;
    }
    if (score < 0 || score > 100) {
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, source, line,
                    "C2 IOC score %d outside 0..100; clamped", score);
        score = score < 0 ? 0 : 100;
    }
    memset(&rec, 0, sizeof rec);
    rec.line = line;
    rec.score = score;
    st = vigil_ioc_pool_intern(&b->pool, norm, n, &rec.value);
    if (st == VIGIL_OK)
        st = vigil_ioc_pool_intern(&b->pool, description, description ? strlen(description) : 0,
                                   &rec.desc);
    if (st == VIGIL_OK)
        st = vigil_ioc_pool_intern(&b->pool, source, source ? strlen(source) : 0, &rec.source);
    if (st == VIGIL_OK && b->nc2 >= UINT32_MAX)
        st = VIGIL_ERR_LIMIT;
    if (st == VIGIL_OK)
        st = vigil_array_grow(&b->c2, &b->capc2, b->nc2 + 1, sizeof rec, 0);
    if (st != VIGIL_OK)
        return st;
    b->c2[b->nc2++] = rec;
    return VIGIL_OK;
}

/* Sorting (value, index) pairs keeps equal values in load order, so a
 * look-up finds the first one loaded. */
typedef struct c2_key {
    const char *value;
    uint32_t index;
} c2_key;

static int cmp_key(const void *a, const void *b)
{
    const c2_key *x = a, *y = b;
    int c = strcmp(x->value, y->value);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

vigil_status vigil_ioc_c2_freeze(vigil_ioc_db *db, const vigil_ioc_c2_rec *recs, size_t n)
{
    c2_key *keys;

    if (n == 0)
        return VIGIL_OK;
    if (n > SIZE_MAX / sizeof *keys)
        return VIGIL_ERR_OVERFLOW;
    db->c2 = calloc(n, sizeof *db->c2);
    db->c2_sorted = calloc(n, sizeof *db->c2_sorted);
    keys = calloc(n, sizeof *keys);
    if (db->c2 == NULL || db->c2_sorted == NULL || keys == NULL) {
        free(keys);
        return VIGIL_ERR_NOMEM; /* the caller destroys db */
    }
    for (size_t i = 0; i < n; i++) {
        vigil_ioc_c2 *c = &db->c2[i];
        c->value = vigil_ioc_pool_str(&db->pool, recs[i].value);
        c->score = recs[i].score;
        c->description = vigil_ioc_pool_str(&db->pool, recs[i].desc);
        c->source = vigil_ioc_pool_str(&db->pool, recs[i].source);
        c->line = recs[i].line;
        keys[i].value = c->value;
        keys[i].index = (uint32_t)i;
    }
    qsort(keys, n, sizeof *keys, cmp_key);
    for (size_t i = 0; i < n; i++)
        db->c2_sorted[i] = keys[i].index;
    free(keys);
    db->nc2 = n;
    return VIGIL_OK;
}

size_t vigil_ioc_db_c2_count(const vigil_ioc_db *db)
{
    return db ? db->nc2 : 0;
}

const vigil_ioc_c2 *vigil_ioc_db_c2_at(const vigil_ioc_db *db, size_t i)
{
    if (db == NULL || i >= db->nc2)
        return NULL;
    return &db->c2[i];
}

const vigil_ioc_c2 *vigil_ioc_db_c2_find(const vigil_ioc_db *db, const char *value, size_t len)
{
    char norm[C2_MAX_LEN + 1];
    size_t lo = 0, hi;

    if (db == NULL || value == NULL || db->nc2 == 0 || len > C2_MAX_LEN + 64)
        return NULL;
    if (normalise(value, len, norm) == SIZE_MAX)
        return NULL;
    hi = db->nc2;
    while (lo < hi) { /* first entry >= norm */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(db->c2[db->c2_sorted[mid]].value, norm) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < db->nc2 && strcmp(db->c2[db->c2_sorted[lo]].value, norm) == 0)
        return &db->c2[db->c2_sorted[lo]];
    return NULL;
}
