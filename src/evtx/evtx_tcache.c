/* evtx_tcache.c - compiled templates kept across chunks and files.
 *
 * Why: every chunk carries its own copy of each template it uses (same
 * GUID, same tokens, only the offsets differ), so a per-chunk cache still
 * compiled a Sysmon or Security template again in nearly every chunk:
 * about one compile (and one field program build) per six records. Here a
 * template definition is reduced to a canonical key - its GUID and tokens
 * with every name reference replaced by the name itself (UTF-16 units and
 * whether it was stored inline), the bytes the compiler ignores left out -
 * and its compiled nodes and programs are kept, in an arena of their own,
 * under that key. A hit is verified by comparing the whole key, never by
 * hash alone.
 *
 * Soundness: the key walk parses tokens exactly as vigil_evtx_compile()
 * does and gives up (the template is compiled for this chunk only) where
 * the compiler's decisions could depend on anything outside the key: an
 * element header that only parses in the other form, a name offset
 * pointing into its own header, a template instance inside the template,
 * a token the compiler rejects. Everything else the compiler reads is in
 * the key, so equal keys compile to equal nodes. Memory is bounded: past
 * a budget the whole cache is dropped at the next chunk start. */
#include <stdlib.h>

#include "evtx/evtx_internal.h"

#define TCACHE_BUDGET (16u << 20) /* estimated bytes kept per decoder */

struct vigil_evtx_tentry {
    uint64_t hash;
    const uint8_t *key;
    uint32_t key_len;
    vigil_evtx_tmpl *tmpl;
};

void vigil_evtx_tcache_init(vigil_evtx_tcache *tc)
{
    memset(tc, 0, sizeof *tc);
    vigil_arena_init(&tc->arena);
}

void vigil_evtx_tcache_free(vigil_evtx_tcache *tc)
{
    if (tc == NULL)
        return;
    vigil_arena_free(&tc->arena);
    free(tc->slots);
    vigil_evtx_buf_free(&tc->key);
    tc->slots = NULL;
    tc->cap = tc->n = 0;
    tc->bytes = 0;
}

static void tcache_clear(vigil_evtx_tcache *tc)
{
    vigil_arena_reset(&tc->arena);
    if (tc->n)
        memset(tc->slots, 0, (size_t)tc->cap * sizeof *tc->slots);
    tc->n = 0;
    tc->bytes = 0;
    tc->flushes++;
}

void vigil_evtx_tcache_trim(vigil_evtx_tcache *tc)
{
    if (tc->bytes > TCACHE_BUDGET)
        tcache_clear(tc);
}

/* ---- the canonical key ---- */

static int key_put(vigil_evtx_buf *k, const void *p, size_t n)
{
    return vigil_evtx_buf_put(k, p, n);
}

/* A name reference resolved to its content: inline flag, unit count and
 * the UTF-16 units. 0, or -1 where the compiler would fail. */
static int key_name(const vigil_evtx_ctx *c, vigil_evtx_buf *k, uint32_t off, int is_inline)
{
    if (off < VIGIL_EVTX_CHUNK_HEADER || off > c->size || c->size - off < 8)
        return -1;
    uint32_t n = vigil_evtx_rd16(c->chunk + off + 6);
    if (8 + 2 * n + 2 > c->size - off)
        return -1;
    uint8_t hdr[3] = {(uint8_t)is_inline, (uint8_t)n, (uint8_t)(n >> 8)};
    return key_put(k, hdr, 3) || key_put(k, c->chunk + off + 8, 2 * (size_t)n) ? -1 : 0;
}

/* evtx_binxml.c read_name(): u32 offset, the name inline right after it
 * or elsewhere in the chunk. */
static int key_read_name(const vigil_evtx_ctx *c, vigil_evtx_buf *k, uint32_t *pos, uint32_t end)
{
    if (end - *pos < 4)
        return -1;
    uint32_t off = vigil_evtx_rd32(c->chunk + *pos);
    *pos += 4;
    int is_inline = off == *pos;
    if (is_inline) {
        if (off > c->size || c->size - off < 8)
            return -1;
        uint32_t sz = 8 + 2 * (uint32_t)vigil_evtx_rd16(c->chunk + off + 6) + 2;
        if (sz > c->size - off || sz > end - *pos)
            return -1;
        *pos += sz;
    }
    return key_name(c, k, off, is_inline);
}

/* Writes the key of the template definition at def (its bounds checked by
 * the caller) into tc->key. 0, or -1 if the template must not be shared. */
static int make_key(const vigil_evtx_ctx *c, vigil_evtx_buf *k, uint32_t def, uint32_t dsize)
{
    const uint8_t *ch = c->chunk;
    uint32_t pos = def + 24, end = def + 24 + dsize;

    k->len = 0;
    if (key_put(k, ch + def + 4, 16) != 0) /* GUID */
        return -1;
    while (pos < end) {
        uint8_t tok = ch[pos++];
        if (key_put(k, &tok, 1) != 0)
            return -1;
        switch (tok & 0xbf) {
        case 0x00:
            return 0;
        case 0x01: {
            /* template definitions carry the dependency id: the compiler's
             * first guess; the size field is not read */
            uint32_t p = pos + 2;
            if (p > end || end - p < 8)
                return -1;
            uint32_t off = vigil_evtx_rd32(ch + p + 4);
            p += 8;
            if (off != p && off >= pos && off < p)
                return -1;
            if (off == p) {
                if (off > c->size || c->size - off < 8)
                    return -1;
                uint32_t sz = 8 + 2 * (uint32_t)vigil_evtx_rd16(ch + off + 6) + 2;
                if (sz > c->size - off || sz > end - p)
                    return -1;
            }
            if (key_name(c, k, off, off == p) != 0)
                return -1;
            pos = off == p ? p + 8 + 2 * (uint32_t)vigil_evtx_rd16(ch + off + 6) + 2 : p;
            if (tok & 0x40) {
                if (end - pos < 4)
                    return -1;
                pos += 4;
            }
            break;
        }
        case 0x02:
        case 0x03:
        case 0x04:
            break;
        case 0x05: {
            if (end - pos < 1)
                return -1;
            uint8_t vt = ch[pos];
            uint32_t start = pos++, bytes;
            if (vt == VIGIL_EVTX_T_STRING) {
                if (end - pos < 2)
                    return -1;
                bytes = 2 * (uint32_t)vigil_evtx_rd16(ch + pos);
                pos += 2;
            } else {
                static const uint8_t sizes[0x16] = {0, 0, 0, 1, 1,  2, 2, 4,  4, 8, 8,
                                                    4, 8, 4, 0, 16, 8, 8, 16, 0, 4, 8};
                bytes = vt < sizeof sizes ? sizes[vt] : 0;
                if (bytes == 0)
                    return -1;
            }
            if (bytes > end - pos)
                return -1;
            pos += bytes;
            if (key_put(k, ch + start, pos - start) != 0)
                return -1;
            break;
        }
        case 0x06:
        case 0x09:
        case 0x0a:
            if (key_read_name(c, k, &pos, end) != 0)
                return -1;
            break;
        case 0x07:
        case 0x0b: {
            if (end - pos < 2)
                return -1;
            uint32_t bytes = 2 * (uint32_t)vigil_evtx_rd16(ch + pos);
            if (bytes > end - pos - 2)
                return -1;
            if (key_put(k, ch + pos, 2 + (size_t)bytes) != 0)
                return -1;
            pos += 2 + bytes;
            break;
        }
        case 0x08:
            if (end - pos < 2 || key_put(k, ch + pos, 2) != 0)
                return -1;
            pos += 2;
            break;
        case 0x0d:
        case 0x0e:
            if (end - pos < 3 || key_put(k, ch + pos, 3) != 0)
                return -1;
            pos += 3;
            break;
        case 0x0f: /* fragment header: not read */
            if (end - pos < 3)
                return -1;
            pos += 3;
            break;
        default: /* 0x0c (a template inside) or a token the compiler rejects */
            return -1;
        }
    }
    return 0;
}

static uint64_t key_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

int vigil_evtx_tcache_lookup(vigil_evtx_ctx *c, uint32_t def, uint32_t dsize, vigil_evtx_tmpl **out)
{
    vigil_evtx_tcache *tc = &c->tc;

    *out = NULL;
    if (make_key(c, &tc->key, def, dsize) != 0) {
        tc->unshared++;
        return -1;
    }
    tc->key_hash = key_hash((const uint8_t *)tc->key.p, tc->key.len);
    if (tc->cap != 0) {
        uint32_t mask = tc->cap - 1;
        for (uint32_t i = (uint32_t)tc->key_hash & mask;; i = (i + 1) & mask) {
            const vigil_evtx_tentry *e = tc->slots[i];
            if (e == NULL)
                break;
            if (e->hash == tc->key_hash && e->key_len == tc->key.len &&
                memcmp(e->key, tc->key.p, tc->key.len) == 0) {
                tc->hits++;
                *out = e->tmpl;
                return 1;
            }
        }
    }
    tc->misses++;
    return 0;
}

static int slots_grow(vigil_evtx_tcache *tc)
{
    uint32_t cap = tc->cap ? tc->cap * 2 : 256;
    vigil_evtx_tentry **s = calloc(cap, sizeof *s);
    if (s == NULL)
        return -1;
    for (uint32_t i = 0; i < tc->cap; i++) {
        vigil_evtx_tentry *e = tc->slots[i];
        if (e == NULL)
            continue;
        uint32_t j = (uint32_t)e->hash & (cap - 1);
        while (s[j] != NULL)
            j = (j + 1) & (cap - 1);
        s[j] = e;
    }
    free(tc->slots);
    tc->slots = s;
    tc->cap = cap;
    return 0;
}

/* Names of the compiled nodes live in the chunk arena: copy them. */
static int rehome_names(vigil_arena *a, vigil_evtx_tmpl *t)
{
    vigil_evtx_node *nodes = (vigil_evtx_node *)t->nodes;
    for (uint32_t i = 0; i < t->n; i++) {
        vigil_evtx_node *nd = &nodes[i];
        if (nd->kind != VIGIL_EVTX_N_OPEN && nd->kind != VIGIL_EVTX_N_ATTR)
            continue;
        char *s = vigil_arena_strndup(a, nd->str, nd->len);
        if (s == NULL)
            return -1;
        nd->str = s;
    }
    return 0;
}

int vigil_evtx_tcache_insert(vigil_evtx_ctx *c, vigil_evtx_tmpl *t)
{
    vigil_evtx_tcache *tc = &c->tc;

    if ((tc->n + 1) * 2 > tc->cap && slots_grow(tc) != 0)
        return -1;
    vigil_evtx_tentry *e = vigil_arena_alloc_raw(&tc->arena, sizeof *e);
    uint8_t *key = vigil_arena_alloc_raw(&tc->arena, tc->key.len);
    if (e == NULL || key == NULL || rehome_names(&tc->arena, t) != 0)
        return -1;
    memcpy(key, tc->key.p, tc->key.len);
    e->hash = tc->key_hash;
    e->key = key;
    e->key_len = (uint32_t)tc->key.len;
    e->tmpl = t;
    uint32_t mask = tc->cap - 1, i = (uint32_t)e->hash & mask;
    while (tc->slots[i] != NULL)
        i = (i + 1) & mask;
    tc->slots[i] = e;
    tc->n++;
    /* nodes (grown by doubling), names, key; field programs are counted
     * as they are built (evtx_prog.c) */
    tc->bytes += 4 * ((size_t)t->n * sizeof *t->nodes + tc->key.len) + 1024;
    return 0;
}
