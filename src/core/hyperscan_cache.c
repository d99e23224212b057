/* hyperscan_cache.c - compiled hyperscan databases kept between runs.
 *
 * Why: compiling the 3,828 filename patterns of signature-base takes hyperscan
 * about 0.6 s of every sweep, more than loading all its YARA rules (the
 * YARA literal gate's databases cost about as much as compiling the rules
 * themselves); the
 * result only depends on the patterns, their flags and the hyperscan build.
 * A database is stored under a key that hashes exactly those, through
 * core/blob_cache.c (which checks the key and a SHA-256 of the bytes and
 * writes atomically) as "hs-<key>.db" files holding "VIGILHS2", the key,
 * the checksum, the length and the serialized database. */
#include "core/hyperscan_cache.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/blob_cache.h"

#define MAX_DB (512u << 20) /* bigger files are not ours */

/* SHA-256 over the hyperscan version, a tag for literal sets, the mode and
 * every (flags, id, expression); expressions are NUL-terminated when lens
 * is NULL, else lens[i] bytes (their length hashed too). */
static int key_of(const char *const *exprs, const size_t *lens, const unsigned *flags,
                  const unsigned *ids, unsigned n, unsigned mode, unsigned char key[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    const char *ver = hs_version();

    ok = ok && EVP_DigestUpdate(ctx, ver, strlen(ver) + 1) == 1;
    if (lens != NULL)
        ok = ok && EVP_DigestUpdate(ctx, "literals", 9) == 1;
    ok = ok && EVP_DigestUpdate(ctx, &mode, sizeof mode) == 1;
    ok = ok && EVP_DigestUpdate(ctx, &n, sizeof n) == 1;
    for (unsigned i = 0; ok && i < n; i++) {
        ok = EVP_DigestUpdate(ctx, &flags[i], sizeof flags[i]) == 1 &&
             EVP_DigestUpdate(ctx, &ids[i], sizeof ids[i]) == 1;
        if (lens != NULL)
            ok = ok && EVP_DigestUpdate(ctx, &lens[i], sizeof lens[i]) == 1 &&
                 EVP_DigestUpdate(ctx, exprs[i], lens[i]) == 1;
        else
            ok = ok && EVP_DigestUpdate(ctx, exprs[i], strlen(exprs[i]) + 1) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, key, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

int vigil_hyperscan_cache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                              unsigned n, unsigned mode, unsigned char key[32])
{
    return key_of(exprs, NULL, flags, ids, n, mode, key);
}

int vigil_hyperscan_cache_key_lit(const char *const *exprs, const size_t *lens,
                                  const unsigned *flags, const unsigned *ids, unsigned n,
                                  unsigned mode, unsigned char key[32])
{
    return lens == NULL ? -1 : key_of(exprs, lens, flags, ids, n, mode, key);
}

static const vigil_blob_kind hs_kind = {"hs-", ".db", "VIGILHS2", MAX_DB};

hs_database_t *vigil_hyperscan_cache_load(const char *dir, const unsigned char key[32])
{
    vigil_blob blob;
    hs_database_t *db = NULL;

    if (vigil_blob_cache_load(dir, &hs_kind, key, &blob) != 0)
        return NULL;
    if (hs_deserialize_database((const char *)blob.data, blob.len, &db) != HS_SUCCESS)
        db = NULL;
    vigil_blob_free(&blob);
    return db;
}

int vigil_hyperscan_cache_store(const char *dir, const unsigned char key[32],
                                const hs_database_t *db)
{
    char *blob = NULL;
    size_t blen = 0;

    if (dir == NULL || db == NULL)
        return -1;
    if (hs_serialize_database(db, &blob, &blen) != HS_SUCCESS || blob == NULL)
        return -1;
    int rc = vigil_blob_cache_store(dir, &hs_kind, key, blob, blen);
    free(blob); /* hyperscan's default allocator is malloc */
    return rc;
}
