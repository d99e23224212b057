/* hyperscan_cache.c - compiled hyperscan databases kept between runs.
 *
 * Why: compiling the 3,828 filename patterns of signature-base takes hyperscan
 * about 0.6 s of every sweep, more than loading all its YARA rules (the
 * YARA literal gate's databases cost about as much as compiling the rules
 * themselves); the
 * result only depends on the patterns, their flags and the hyperscan build.
 * A database is stored under a key that hashes exactly those, in a file
 * that carries the key itself and the SHA-256 of its own bytes: a truncated
 * or altered file, or one written for another key (copied or renamed onto
 * this name, a collision of the name's hex), is ignored (and rewritten),
 * never trusted. Files are written to a temporary name and renamed, so
 * concurrent runs see a whole file or none.
 *
 * Layout: "VIGILHS2", the 32-byte key, the SHA-256 of the database bytes,
 * their length (uint64, host order), the serialized database. */
#include "core/hyperscan_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "VIGILHS2"
#define MAGIC_LEN 8
#define KEY_AT MAGIC_LEN
#define SUM_AT (KEY_AT + 32)
#define LEN_AT (SUM_AT + 32)
#define HEADER_LEN (LEN_AT + 8)
#define MAX_DB (512u << 20) /* bigger files are not ours */

static int sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

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

static int file_name(const char *dir, const unsigned char key[32], char *path, size_t cap)
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    int w = snprintf(path, cap, "%s/hs-%s.db", dir, hex);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

hs_database_t *vigil_hyperscan_cache_load(const char *dir, const unsigned char key[32])
{
    char path[4096];
    struct stat sb;
    hs_database_t *db = NULL;
    unsigned char *buf = NULL;
    unsigned char sum[32];

    if (dir == NULL || file_name(dir, key, path, sizeof path) != 0)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= HEADER_LEN ||
        (uint64_t)sb.st_size > MAX_DB + HEADER_LEN)
        goto out;
    size_t size = (size_t)sb.st_size, got = 0;
    buf = malloc(size);
    if (buf == NULL)
        goto out;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    uint64_t blen;
    memcpy(&blen, buf + LEN_AT, sizeof blen);
    if (memcmp(buf, MAGIC, MAGIC_LEN) != 0 || blen != size - HEADER_LEN)
        goto out;
    if (memcmp(buf + KEY_AT, key, 32) != 0) /* stored for another pattern set */
        goto out;
    if (sha256(buf + HEADER_LEN, (size_t)blen, sum) != 0 || memcmp(sum, buf + SUM_AT, 32) != 0)
        goto out;
    if (hs_deserialize_database((const char *)buf + HEADER_LEN, (size_t)blen, &db) != HS_SUCCESS)
        db = NULL;
out:
    free(buf);
    close(fd);
    return db;
}

/* mkdir -p for the cache directory (mode 0700: it is the user's). */
static int make_dirs(const char *dir)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        tmp[i] = c;
    }
    return 0;
}

int vigil_hyperscan_cache_store(const char *dir, const unsigned char key[32],
                                const hs_database_t *db)
{
    char path[4096], tmp[4200];
    char *blob = NULL;
    size_t blen = 0;
    unsigned char head[HEADER_LEN];
    int rc = -1;

    if (dir == NULL || db == NULL || file_name(dir, key, path, sizeof path) != 0 ||
        make_dirs(dir) != 0)
        return -1;
    if (hs_serialize_database(db, &blob, &blen) != HS_SUCCESS || blob == NULL)
        return -1;
    uint64_t len = blen;
    memcpy(head, MAGIC, MAGIC_LEN);
    memcpy(head + KEY_AT, key, 32);
    if (blen > MAX_DB || sha256(blob, blen, head + SUM_AT) != 0)
        goto out;
    memcpy(head + LEN_AT, &len, sizeof len);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        goto out;
    int ok = write(fd, head, sizeof head) == (ssize_t)sizeof head &&
             write(fd, blob, blen) == (ssize_t)blen;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        rc = 0;
    else
        unlink(tmp);
out:
    free(blob); /* hyperscan's default allocator is malloc */
    return rc;
}
