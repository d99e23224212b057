/* hash.c - one-pass multi-digest hashing through OpenSSL's EVP interface.
 *
 * The contexts are kept per hasher (one per worker thread) and reused, so
 * hashing a file allocates nothing. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/engine.h"

struct vigil_hasher {
    EVP_MD_CTX *ctx[3];
    unsigned kinds;
};

static const unsigned kind_bit[3] = {VIGIL_HASH_MD5, VIGIL_HASH_SHA1, VIGIL_HASH_SHA256};

static const EVP_MD *kind_md(int i)
{
    switch (i) {
    case 0:
        return EVP_md5();
    case 1:
        return EVP_sha1();
    default:
        return EVP_sha256();
    }
}

vigil_status vigil_hasher_create(vigil_hasher **out)
{
    vigil_hasher *h = calloc(1, sizeof *h);
    if (h == NULL)
        return VIGIL_ERR_NOMEM;
    for (int i = 0; i < 3; i++) {
        h->ctx[i] = EVP_MD_CTX_new();
        if (h->ctx[i] == NULL) {
            vigil_hasher_destroy(h);
            return VIGIL_ERR_NOMEM;
        }
    }
    *out = h;
    return VIGIL_OK;
}

void vigil_hasher_destroy(vigil_hasher *h)
{
    if (h == NULL)
        return;
    for (int i = 0; i < 3; i++)
        EVP_MD_CTX_free(h->ctx[i]);
    free(h);
}

vigil_status vigil_hasher_begin(vigil_hasher *h, unsigned kinds)
{
    h->kinds = 0;
    for (int i = 0; i < 3; i++) {
        if (!(kinds & kind_bit[i]))
            continue;
        if (EVP_DigestInit_ex(h->ctx[i], kind_md(i), NULL) != 1)
            return VIGIL_ERR_INTERNAL;
        h->kinds |= kind_bit[i];
    }
    return VIGIL_OK;
}

/* Each digest takes the data in slices that stay in the CPU's cache, so a
 * big buffer is read from memory once, not once per digest. */
#define HASH_SLICE (64u << 10)

vigil_status vigil_hasher_update(vigil_hasher *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        size_t n = len < HASH_SLICE ? len : HASH_SLICE;
        for (int i = 0; i < 3; i++) {
            if ((h->kinds & kind_bit[i]) && EVP_DigestUpdate(h->ctx[i], p, n) != 1)
                return VIGIL_ERR_INTERNAL;
        }
        p += n;
        len -= n;
    }
    return VIGIL_OK;
}

vigil_status vigil_hasher_finish(vigil_hasher *h, vigil_hashes *out)
{
    uint8_t *dst[3] = {out->md5, out->sha1, out->sha256};
    for (int i = 0; i < 3; i++) {
        if (!(h->kinds & kind_bit[i]))
            continue;
        if (EVP_DigestFinal_ex(h->ctx[i], dst[i], NULL) != 1)
            return VIGIL_ERR_INTERNAL;
        out->have |= kind_bit[i];
    }
    h->kinds = 0;
    return VIGIL_OK;
}

vigil_status vigil_hasher_buffer(vigil_hasher *h, unsigned kinds, const void *data, size_t len,
                                 vigil_hashes *out)
{
    vigil_status st;
    kinds &= ~out->have;
    if (kinds == 0)
        return VIGIL_OK;
    st = vigil_hasher_begin(h, kinds);
    if (st == VIGIL_OK && len > 0)
        st = vigil_hasher_update(h, data, len);
    if (st == VIGIL_OK)
        st = vigil_hasher_finish(h, out);
    return st;
}

void vigil_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}
