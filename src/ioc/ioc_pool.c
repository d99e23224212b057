/* ioc_pool.c - interns the IOC strings (descriptions, sources, values).
 *
 * A million hash IOCs typically share a few thousand descriptions and a
 * handful of file names; storing each once keeps a 1,000,000-hash
 * load well under its memory budget and makes entries small (offsets). */
#include "ioc/ioc_internal.h"

#include <stdlib.h>
#include <string.h>

void vigil_ioc_pool_init(vigil_ioc_pool *p)
{
    memset(p, 0, sizeof *p);
}

void vigil_ioc_pool_free(vigil_ioc_pool *p)
{
    if (p == NULL)
        return;
    free(p->buf);
    free(p->slots);
    memset(p, 0, sizeof *p);
}

void vigil_ioc_pool_seal(vigil_ioc_pool *p)
{
    p->recent[0] = p->recent[1] = 0;
    free(p->slots);
    p->slots = NULL;
    p->nslots = p->nused = 0;
}

const char *vigil_ioc_pool_str(const vigil_ioc_pool *p, uint32_t off)
{
    if (off == VIGIL_IOC_NOSTR || p->buf == NULL || off >= p->len)
        return NULL;
    return p->buf + off;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static vigil_status rehash(vigil_ioc_pool *p)
{
    size_t n = p->nslots ? p->nslots * 2 : 1024;
    uint32_t *slots;

    if (n > SIZE_MAX / sizeof *slots)
        return VIGIL_ERR_OVERFLOW;
    slots = calloc(n, sizeof *slots);
    if (slots == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < p->nslots; i++) {
        uint32_t v = p->slots[i];
        if (v == 0)
            continue;
        const char *s = p->buf + (v - 1);
        size_t j = (size_t)hash_bytes(s, strlen(s)) & (n - 1);
        while (slots[j] != 0)
            j = (j + 1) & (n - 1);
        slots[j] = v;
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = n;
    return VIGIL_OK;
}

static void remember(vigil_ioc_pool *p, uint32_t off)
{
    if (p->recent[0] != off + 1) {
        p->recent[1] = p->recent[0];
        p->recent[0] = off + 1;
    }
}

vigil_status vigil_ioc_pool_intern(vigil_ioc_pool *p, const char *s, size_t n, uint32_t *off)
{
    vigil_status st;
    size_t j;

    if (s == NULL) {
        *off = VIGIL_IOC_NOSTR;
        return VIGIL_OK;
    }
    if (memchr(s, '\0', n) != NULL)
        n = strlen(s);
    for (int i = 0; i < 2; i++) {
        uint32_t r = p->recent[i];
        if (r != 0 && p->len - (r - 1) > n && memcmp(p->buf + (r - 1), s, n) == 0 &&
            p->buf[r - 1 + n] == '\0') {
            *off = r - 1;
            return VIGIL_OK;
        }
    }
    if (p->nused + 1 > p->nslots / 2) {
        st = rehash(p);
        if (st != VIGIL_OK)
            return st;
    }
    j = (size_t)hash_bytes(s, n) & (p->nslots - 1);
    while (p->slots[j] != 0) {
        const char *t = p->buf + (p->slots[j] - 1);
        if (strncmp(t, s, n) == 0 && t[n] == '\0') {
            *off = p->slots[j] - 1;
            remember(p, *off);
            return VIGIL_OK;
        }
        j = (j + 1) & (p->nslots - 1);
    }
    /* Offsets are 32-bit and UINT32_MAX means "none". */
    if (n >= (size_t)UINT32_MAX - 1 || p->len > (size_t)UINT32_MAX - 2 - n)
        return VIGIL_ERR_LIMIT;
    st = vigil_array_grow(&p->buf, &p->cap, p->len + n + 1, 1, 0);
    if (st != VIGIL_OK)
        return st;
    memcpy(p->buf + p->len, s, n);
    p->buf[p->len + n] = '\0';
    *off = (uint32_t)p->len;
    p->slots[j] = (uint32_t)p->len + 1;
    p->len += n + 1;
    p->nused++;
    remember(p, *off);
    return VIGIL_OK;
}
