/* hash.h - MD5, SHA1 and SHA256 of a target in one pass (OpenSSL EVP).
 *
 * Only the kinds the loaded IOCs need are computed during the sweep; the
 * rest are filled in for targets that have findings, when reporting. */
#ifndef VIGIL_CORE_HASH_H
#define VIGIL_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/status.h"

typedef struct vigil_hashes {
    unsigned have; /* VIGIL_HASH_* bits of the digests below that are valid */
    uint8_t md5[16];
    uint8_t sha1[20];
    uint8_t sha256[32];
} vigil_hashes;

typedef struct vigil_hasher vigil_hasher;

vigil_status vigil_hasher_create(vigil_hasher **out);
void vigil_hasher_destroy(vigil_hasher *h); /* NULL safe */

/* Streaming: begin with the kinds wanted, update, finish into out. */
vigil_status vigil_hasher_begin(vigil_hasher *h, unsigned kinds);
vigil_status vigil_hasher_update(vigil_hasher *h, const void *data, size_t len);
vigil_status vigil_hasher_finish(vigil_hasher *h, vigil_hashes *out);

/* One call for a buffer. Adds the missing kinds of `kinds` to out. */
vigil_status vigil_hasher_buffer(vigil_hasher *h, unsigned kinds, const void *data, size_t len,
                                 vigil_hashes *out);

/* Lower-case hex into out (2 * n + 1 bytes). */
void vigil_hex(const uint8_t *bytes, size_t n, char *out);

#endif
