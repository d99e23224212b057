/* ioc_hash.c - the hash IOC set: MD5/SHA1/SHA256 digests in sorted arrays.
 *
 * Why sorted arrays and binary search rather than a hash table: one record
 * per digest with no pointers or empty slots keeps a million IOCs in about
 * 56 MB, building is one sort, and a lookup is ~20 comparisons - nothing
 * next to reading and hashing the file it is asked about. */
#include "ioc/ioc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static const size_t kind_len[VIGIL_IOC_NKINDS] = {16, 20, 32};

/* Digests of the empty file: an IOC with one of these would flag every
 * empty file (Loki skips them too). */
static const char *const empty_file_hashes[] = {
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};
static const uint8_t empty_file_first[VIGIL_IOC_NKINDS] = {0xd4, 0xda, 0xe3};

void vigil_ioc_hashset_free(vigil_ioc_hashset *h)
{
    for (int k = 0; k < VIGIL_IOC_NKINDS; k++)
        free(h->recs[k]);
    memset(h, 0, sizeof *h);
}

/* Adds to the IOC set, or to the allow-list (where the empty file's digest
 * is harmless and the score means nothing). */
static vigil_status add_hash(vigil_ioc_builder *b, int allow, const char *hex, int score,
                             const char *description, const char *source, uint64_t line)
{
    vigil_ioc_hash_rec rec;
    vigil_status st;
    size_t n;
    int kind;

    if (b == NULL || hex == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    n = strlen(hex);
    if (n == 32)
        kind = VIGIL_IOC_MD5;
    else if (n == 40)
        kind = VIGIL_IOC_SHA1;
    else if (n == 64)
        kind = VIGIL_IOC_SHA256;
    else {
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, source, line,
                    "hash IOC of %zu characters is neither MD5 (32), SHA1 (40) nor SHA256 (64)", n);
        return VIGIL_ERR_PARSE;
    }
    memset(&rec, 0, sizeof rec);
    for (size_t i = 0; i < n; i += 2) {
        int hi = vigil_hex_digit((unsigned char)hex[i]),
            lo = vigil_hex_digit((unsigned char)hex[i + 1]);
        if (hi < 0 || lo < 0) {
            vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, source, line,
                        "hash IOC has a non-hex character at column %zu", hi < 0 ? i + 1 : i + 2);
            return VIGIL_ERR_PARSE;
        }
        rec.digest[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    /* The first byte spares the string comparison nearly always. */
    if (!allow && rec.digest[0] == empty_file_first[kind] &&
        strcasecmp(hex, empty_file_hashes[kind]) == 0) {
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, source, line,
                    "hash IOC %s is the digest of the empty file; skipped",
                    empty_file_hashes[kind]);
        return VIGIL_ERR_RULE;
    }
    if (score < 0 || score > 100) {
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, source, line,
                    "hash IOC score %d outside 0..100; clamped", score);
        score = score < 0 ? 0 : 100;
    }
    rec.score = score;
    rec.line = line;
    st = vigil_ioc_pool_intern(&b->pool, description, description ? strlen(description) : 0,
                               &rec.desc);
    if (st == VIGIL_OK)
        st = vigil_ioc_pool_intern(&b->pool, source, source ? strlen(source) : 0, &rec.source);
    if (st != VIGIL_OK)
        return st;
    vigil_ioc_hashset *h = allow ? &b->allow : &b->hashes;
    if (h->seq == UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    rec.seq = h->seq++;
    st = vigil_array_grow(&h->recs[kind], &h->cap[kind], h->n[kind] + 1, sizeof rec, 0);
    if (st != VIGIL_OK)
        return st;
    h->recs[kind][h->n[kind]++] = rec;
    h->added++;
    return VIGIL_OK;
}

vigil_status vigil_ioc_builder_add_hash(vigil_ioc_builder *b, const char *hex, int score,
                                        const char *description, const char *source, uint64_t line)
{
    return add_hash(b, 0, hex, score, description, source, line);
}

vigil_status vigil_ioc_builder_add_allow_hash(vigil_ioc_builder *b, const char *hex,
                                              const char *description, const char *source,
                                              uint64_t line)
{
    return add_hash(b, 1, hex, 0, description, source, line);
}

static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Sort key: the digest's first 8 bytes and the record's index (= load
 * order, since records of a kind are appended in order). */
typedef struct sort_key {
    uint64_t prefix;
    uint64_t index;
} sort_key;

/* For the rare runs of equal prefixes: whole digest, then load order. */
static int cmp_tie(const void *a, const void *b, void *ctx)
{
    const sort_key *x = a, *y = b;
    const vigil_ioc_hash_rec *r = ctx;
    int c = memcmp(r[x->index].digest, r[y->index].digest, sizeof r->digest);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* LSD radix sort on the prefix, stable, so equal prefixes stay in load
 * order. Sorting 16-byte keys instead of 56-byte records, without a
 * comparison callback, keeps a million-entry freeze in tens of ms. */
static vigil_status sort_keys(const vigil_ioc_hash_rec *r, size_t n, sort_key **out)
{
    sort_key *a, *b;
    size_t count[256];

    *out = NULL;
    if (n > SIZE_MAX / sizeof *a)
        return VIGIL_ERR_OVERFLOW;
    a = malloc(n * sizeof *a);
    b = malloc(n * sizeof *b);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return VIGIL_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        a[i].prefix = load_be64(r[i].digest);
        a[i].index = i;
    }
    for (int shift = 0; shift < 64; shift += 8) {
        size_t sum = 0;
        sort_key *t;
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].prefix >> shift) & 0xff]++;
        for (int d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i].prefix >> shift) & 0xff]++] = a[i];
        t = a;
        a = b;
        b = t;
    }
    free(b);
    /* Equal prefixes (duplicates, or a 1 in 2^64 collision): full order. */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].prefix == a[i].prefix)
            j++;
        if (j - i > 1)
            qsort_r(a + i, j - i, sizeof *a, cmp_tie, (void *)r);
        i = j;
    }
    *out = a;
    return VIGIL_OK;
}

/* Puts r into the order of keys in place, following permutation cycles:
 * no second copy of the records is ever needed. */
static void permute(vigil_ioc_hash_rec *r, sort_key *keys, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        vigil_ioc_hash_rec tmp;
        size_t k = j;
        if (keys[j].index == j)
            continue;
        tmp = r[j];
        for (;;) {
            size_t next = (size_t)keys[k].index;
            keys[k].index = k;
            if (next == j) {
                r[k] = tmp;
                break;
            }
            r[k] = r[next];
            k = next;
        }
    }
}

vigil_status vigil_ioc_hashset_freeze(vigil_ioc_hashset *h)
{
    for (int k = 0; k < VIGIL_IOC_NKINDS; k++) {
        vigil_ioc_hash_rec *r = h->recs[k];
        size_t n = h->n[k], out = 0;
        sort_key *keys;
        vigil_status st;
        if (n == 0)
            continue;
        st = sort_keys(r, n, &keys);
        if (st != VIGIL_OK)
            return st;
        permute(r, keys, n);
        free(keys);
        for (size_t i = 0; i < n; i++) {
            if (out > 0 && memcmp(r[out - 1].digest, r[i].digest, sizeof r->digest) == 0) {
                if (r[i].score > r[out - 1].score)
                    r[out - 1].score = r[i].score;
                continue;
            }
            r[out++] = r[i];
        }
        h->n[k] = out;
        if (out < h->cap[k]) {
            vigil_ioc_hash_rec *q = realloc(r, out * sizeof *r);
            if (q != NULL) {
                h->recs[k] = q;
                h->cap[k] = out;
            }
        }
    }
    return VIGIL_OK;
}

static const vigil_ioc_hash_rec *find(const vigil_ioc_hashset *h, int kind, const uint8_t *d)
{
    size_t lo = 0, hi = h->n[kind], len = kind_len[kind];
    const vigil_ioc_hash_rec *r = h->recs[kind];

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(r[mid].digest, d, len);
        if (c == 0)
            return &r[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static vigil_status report(const vigil_ioc_db *db, const vigil_ioc_hash_rec *rec, size_t len,
                           vigil_findings *out)
{
    static const char digits[] = "0123456789abcdef";
    char hex[65];
    vigil_finding *f;

    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[rec->digest[i] >> 4];
        hex[2 * i + 1] = digits[rec->digest[i] & 15];
    }
    hex[2 * len] = '\0';
    f = vigil_findings_add(out, VIGIL_FINDING_HASH);
    if (f == NULL)
        return VIGIL_ERR_NOMEM;
    f->matched = vigil_findings_strdup(out, hex);
    if (f->matched == NULL) {
        out->n--;
        return VIGIL_ERR_NOMEM;
    }
    f->rule = f->matched;
    f->score = rec->score;
    f->description = vigil_ioc_pool_str(&db->pool, rec->desc);
    f->rule_source = vigil_ioc_pool_str(&db->pool, rec->source);
    f->rule_line = rec->line;
    return VIGIL_OK;
}

vigil_status vigil_ioc_match_hashes(const vigil_ioc_db *db, const uint8_t *md5, const uint8_t *sha1,
                                    const uint8_t *sha256, vigil_findings *out)
{
    const uint8_t *d[VIGIL_IOC_NKINDS] = {md5, sha1, sha256};

    if (db == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    for (int k = 0; k < VIGIL_IOC_NKINDS; k++) {
        if (d[k] == NULL)
            continue;
        const vigil_ioc_hash_rec *rec = find(&db->hashes, k, d[k]);
        if (rec != NULL) {
            vigil_status st = report(db, rec, kind_len[k], out);
            if (st != VIGIL_OK)
                return st;
        }
    }
    return VIGIL_OK;
}

unsigned vigil_ioc_db_hash_kinds(const vigil_ioc_db *db)
{
    static const unsigned bit[VIGIL_IOC_NKINDS] = {VIGIL_HASH_MD5, VIGIL_HASH_SHA1,
                                                   VIGIL_HASH_SHA256};
    unsigned bits = 0;

    if (db == NULL)
        return 0;
    for (int k = 0; k < VIGIL_IOC_NKINDS; k++)
        if (db->hashes.n[k] || db->allow.n[k])
            bits |= bit[k];
    return bits;
}

int vigil_ioc_db_allowed(const vigil_ioc_db *db, const uint8_t *md5, const uint8_t *sha1,
                         const uint8_t *sha256)
{
    const uint8_t *d[VIGIL_IOC_NKINDS] = {md5, sha1, sha256};

    if (db == NULL)
        return 0;
    for (int k = 0; k < VIGIL_IOC_NKINDS; k++)
        if (d[k] != NULL && db->allow.n[k] > 0 && find(&db->allow, k, d[k]) != NULL)
            return 1;
    return 0;
}
