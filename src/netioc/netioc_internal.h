/* netioc_internal.h - the layout of the network indicator database, shared by
 * the builder (netioc.c) and the line scanner (scan.c). */
#ifndef VIGIL_NETIOC_INTERNAL_H
#define VIGIL_NETIOC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "netioc/netioc.h"

typedef struct vigil_netioc_v4 {
    uint32_t net; /* host order */
    uint8_t plen;
    uint32_t ind;
} vigil_netioc_v4;

typedef struct vigil_netioc_v6 {
    uint8_t net[16];
    uint8_t plen;
    uint32_t ind;
} vigil_netioc_v6;

/* One host name: a domain indicator and/or the URL indicators on it. */
typedef struct vigil_netioc_host {
    uint64_t hash; /* vigil_netioc_hash of key */
    const char *key;
    uint32_t klen;
    int32_t domain;   /* indicator index, -1 none */
    int32_t url_head; /* first URL indicator on this host, -1 none */
} vigil_netioc_host;

struct vigil_netioc_db {
    vigil_intel_set *set; /* owns the strings */
    vigil_netioc_indicator *ind;
    size_t nind;
    vigil_netioc_host *hosts; /* open addressing, nslots a power of 2 */
    uint64_t *filter;         /* 2^VIGIL_NETIOC_FILTER_BITS bits: cache-resident pre-check */
    size_t nslots, nhosts;
    int32_t *url_next;     /* per indicator: next URL indicator on the same host */
    const char **url_rest; /* per indicator: the URL without its scheme */
    size_t ndomains, nurls;
    vigil_netioc_v4 *v4;
    size_t nv4;
    /* bit per /16 that some IPv4 indicator of prefix 16 or longer lies in;
     * v4_short: there are shorter prefixes, which the bits do not cover */
    uint64_t v4_top16[65536 / 64];
    int v4_short;
    uint8_t v4_plens[33];
    size_t nv4_plens;
    vigil_netioc_v6 *v6;
    size_t nv6;
    uint8_t v6_plens[129];
    size_t nv6_plens;
};

#define VIGIL_NETIOC_FILTER_BITS 23

struct vigil_netioc_scratch {
    int unused; /* the scanner keeps its state on the stack */
};

/* FNV-1a over the bytes from last to first, so that scan.c can get the
 * hash of every suffix of a token in one right-to-left pass. */
static inline uint64_t vigil_netioc_hash_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * 1099511628211ull;
}
#define VIGIL_NETIOC_HASH_SEED 1469598103934665603ull

/* The entry whose key equals s[0..n) (lower-case), or NULL. */
const vigil_netioc_host *vigil_netioc_host_find(const vigil_netioc_db *db, uint64_t hash,
                                                const char *s, size_t n);

#endif
