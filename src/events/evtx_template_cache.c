/* evtx_template_cache.c - compiled templates kept across chunks and files.
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

#include "events/evtx_internal.h"

#define TCACHE_BUDGET (16u << 20) /* estimated bytes kept per decoder */

/* A name reference of a cached definition: where its offset field is in
 * the body, whether the name was inline, and (if not) the name itself. */
typedef struct tref {
    uint32_t pos;   /* offset field, from the start of the body */
    uint32_t hdr;   /* element header start (after the token), or NOHDR */
    uint32_t koff;  /* the name's units in the key */
    uint16_t units; /* their count */
    uint8_t is_inline;
} tref;
#define NOHDR UINT32_MAX

struct vigil_evtx_tentry {
    uint64_t hash;
    const uint8_t *key;
    uint32_t key_len;
    vigil_evtx_tmpl *tmpl;
    /* the fast check: the definition's own bytes (GUID, size, body), its
     * name references, and the next entry with the same GUID and size */
    uint64_t fhash;
    const uint8_t *raw; /* 20 + dsize bytes from def + 4 */
    uint32_t dsize;
    const tref *refs;
    uint32_t nrefs;
    vigil_evtx_tentry *fnext;
};

void vigil_evtx_template_cache_init(vigil_evtx_template_cache *tc)
{
    memset(tc, 0, sizeof *tc);
    vigil_arena_init(&tc->arena);
}

void vigil_evtx_template_cache_free(vigil_evtx_template_cache *tc)
{
    if (tc == NULL)
        return;
    vigil_arena_free(&tc->arena);
    free(tc->slots);
    free(tc->fslots);
    free(tc->refs);
    vigil_evtx_buf_free(&tc->key);
    tc->slots = tc->fslots = NULL;
    tc->refs = NULL;
    tc->cap = tc->n = tc->fcap = tc->fn = 0;
    tc->nrefs = tc->caprefs = 0;
    tc->bytes = 0;
}

static void tcache_clear(vigil_evtx_template_cache *tc)
{
    vigil_arena_reset(&tc->arena);
    if (tc->n)
        memset(tc->slots, 0, (size_t)tc->cap * sizeof *tc->slots);
    if (tc->fn)
        memset(tc->fslots, 0, (size_t)tc->fcap * sizeof *tc->fslots);
    tc->n = tc->fn = 0;
    tc->bytes = 0;
    tc->flushes++;
}

void vigil_evtx_template_cache_trim(vigil_evtx_template_cache *tc)
{
    if (tc->bytes > TCACHE_BUDGET)
        tcache_clear(tc);
}

/* ---- the canonical key ---- */

static int key_put(vigil_evtx_buf *k, const void *p, size_t n)
{
    return vigil_evtx_buf_put(k, p, n);
}

/* Bounds of the name structure at off as the compiler checks them: its
 * unit count, or -1 if it does not fit in the chunk. */
static int32_t name_units(const vigil_evtx_ctx *c, uint32_t off)
{
    if (off < VIGIL_EVTX_CHUNK_HEADER || off > c->size || c->size - off < 8)
        return -1;
    uint32_t n = vigil_evtx_rd16(c->chunk + off + 6);
    return 8 + 2 * n + 2 > c->size - off ? -1 : (int32_t)n;
}

/* A name reference resolved to its content: inline flag, unit count and
 * the UTF-16 units; noted in tc->refs for the fast check (field: chunk
 * offset of the reference's u32, hdr: element header start or NOHDR).
 * 0, or -1 where the compiler would fail. */
static int key_name(const vigil_evtx_ctx *c, vigil_evtx_template_cache *tc, uint32_t off,
                    int is_inline, uint32_t field, uint32_t hdr)
{
    vigil_evtx_buf *k = &tc->key;
    int32_t n = name_units(c, off);
    if (n < 0)
        return -1;
    if (tc->nrefs == tc->caprefs) {
        uint32_t cap = tc->caprefs ? tc->caprefs * 2 : 64;
        tref *r = cap < (1u << 20) ? realloc(tc->refs, cap * sizeof *r) : NULL;
        if (r == NULL)
            return -1;
        tc->refs = r;
        tc->caprefs = cap;
    }
    tref *r = &((tref *)tc->refs)[tc->nrefs++];
    r->pos = field - tc->body;
    r->hdr = hdr == NOHDR ? NOHDR : hdr - tc->body;
    r->is_inline = (uint8_t)is_inline;
    r->units = (uint16_t)n;
    uint8_t h[3] = {(uint8_t)is_inline, (uint8_t)n, (uint8_t)(n >> 8)};
    if (key_put(k, h, 3) != 0)
        return -1;
    r->koff = (uint32_t)k->len;
    return key_put(k, c->chunk + off + 8, 2 * (size_t)n);
}

/* evtx_binxml.c read_name(): u32 offset, the name inline right after it
 * or elsewhere in the chunk. */
static int key_read_name(const vigil_evtx_ctx *c, vigil_evtx_template_cache *tc, uint32_t *pos,
                         uint32_t end)
{
    uint32_t field = *pos;
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
    return key_name(c, tc, off, is_inline, field, NOHDR);
}

/* Writes the key of the template definition at def (its bounds checked by
 * the caller) into tc->key. 0, or -1 if the template must not be shared. */
static int make_key(const vigil_evtx_ctx *c, vigil_evtx_template_cache *tc, uint32_t def,
                    uint32_t dsize)
{
    const uint8_t *ch = c->chunk;
    vigil_evtx_buf *k = &tc->key;
    uint32_t pos = def + 24, end = def + 24 + dsize;

    k->len = 0;
    tc->nrefs = 0;
    tc->body = def + 24;
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
            uint32_t p = pos + 2, hdr = pos;
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
            if (key_name(c, tc, off, off == p, p - 4, hdr) != 0)
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
            if (key_read_name(c, tc, &pos, end) != 0)
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

/* ---- the fast check ---- */

/* The definition at def has e's bytes (GUID, size, body, the name
 * reference fields aside) and each name reference resolves as in e's
 * definition: inline at the same place, or elsewhere in the chunk (valid,
 * not inside its element header) with the same units. make_key() reads
 * nothing else, so the key is e's key, without building it. */
static int fast_same(const vigil_evtx_ctx *c, const vigil_evtx_tentry *e, uint32_t def)
{
    const uint8_t *body = c->chunk + def + 24, *raw = e->raw + 20;
    uint32_t done = 0, base = def + 24;

    if (memcmp(c->chunk + def + 4, e->raw, 20) != 0)
        return 0;
    for (uint32_t i = 0; i < e->nrefs; i++) {
        const tref *r = &e->refs[i];
        if (memcmp(body + done, raw + done, r->pos - done) != 0)
            return 0;
        uint32_t off = vigil_evtx_rd32(body + r->pos), after = base + r->pos + 4;
        if (r->is_inline) {
            if (off != after)
                return 0;
        } else {
            if (off == after || (r->hdr != NOHDR && off >= base + r->hdr && off < after))
                return 0;
            int32_t n = name_units(c, off);
            if (n != (int32_t)r->units ||
                memcmp(c->chunk + off + 8, e->key + r->koff, 2 * (size_t)n) != 0)
                return 0;
        }
        done = r->pos + 4;
    }
    return memcmp(body + done, raw + done, e->dsize - done) == 0;
}

#define FAST_CHAIN 8 /* entries kept per GUID and size */

static int fslots_grow(vigil_evtx_template_cache *tc)
{
    uint32_t cap = tc->fcap ? tc->fcap * 2 : 256;
    vigil_evtx_tentry **s = calloc(cap, sizeof *s);
    if (s == NULL)
        return -1;
    for (uint32_t i = 0; i < tc->fcap; i++) {
        vigil_evtx_tentry *e = tc->fslots[i];
        if (e == NULL)
            continue;
        uint32_t j = (uint32_t)e->fhash & (cap - 1);
        while (s[j] != NULL)
            j = (j + 1) & (cap - 1);
        s[j] = e;
    }
    free(tc->fslots);
    tc->fslots = s;
    tc->fcap = cap;
    return 0;
}

/* The slot of the chain for fhash: its head, or the empty slot where it
 * would go. NULL when there is no table yet. */
static vigil_evtx_tentry **fast_slot(const vigil_evtx_template_cache *tc, uint64_t fhash)
{
    if (tc->fcap == 0)
        return NULL;
    uint32_t mask = tc->fcap - 1;
    for (uint32_t i = (uint32_t)fhash & mask;; i = (i + 1) & mask) {
        if (tc->fslots[i] == NULL || tc->fslots[i]->fhash == fhash)
            return &tc->fslots[i];
    }
}

int vigil_evtx_template_cache_lookup(vigil_evtx_ctx *c, uint32_t def, uint32_t dsize,
                                     vigil_evtx_tmpl **out)
{
    vigil_evtx_template_cache *tc = &c->tc;

    *out = NULL;
    tc->def = def;
    tc->fhash = key_hash(c->chunk + def + 4, 20);
    vigil_evtx_tentry **fs = fast_slot(tc, tc->fhash);
    for (const vigil_evtx_tentry *e = fs ? *fs : NULL; e != NULL; e = e->fnext) {
        if (fast_same(c, e, def)) {
            tc->hits++;
            tc->fast_hits++;
            *out = e->tmpl;
            return 1;
        }
    }
    if (make_key(c, tc, def, dsize) != 0) {
        tc->unshared++;
        return -1;
    }
    tc->key_hash = key_hash((const uint8_t *)tc->key.data, tc->key.len);
    if (tc->cap != 0) {
        uint32_t mask = tc->cap - 1;
        for (uint32_t i = (uint32_t)tc->key_hash & mask;; i = (i + 1) & mask) {
            const vigil_evtx_tentry *e = tc->slots[i];
            if (e == NULL)
                break;
            if (e->hash == tc->key_hash && e->key_len == tc->key.len &&
                memcmp(e->key, tc->key.data, tc->key.len) == 0) {
                tc->hits++;
                *out = e->tmpl;
                return 1;
            }
        }
    }
    tc->misses++;
    return 0;
}

static int slots_grow(vigil_evtx_template_cache *tc)
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

int vigil_evtx_template_cache_insert(vigil_evtx_ctx *c, vigil_evtx_tmpl *t)
{
    vigil_evtx_template_cache *tc = &c->tc;

    if ((tc->n + 1) * 2 > tc->cap && slots_grow(tc) != 0)
        return -1;
    vigil_evtx_tentry *e = vigil_arena_alloc_raw(&tc->arena, sizeof *e);
    uint8_t *key = vigil_arena_alloc_raw(&tc->arena, tc->key.len);
    if (e == NULL || key == NULL || rehome_names(&tc->arena, t) != 0)
        return -1;
    memcpy(key, tc->key.data, tc->key.len);
    e->hash = tc->key_hash;
    e->key = key;
    e->key_len = (uint32_t)tc->key.len;
    e->tmpl = t;
    uint32_t mask = tc->cap - 1, i = (uint32_t)e->hash & mask;
    while (tc->slots[i] != NULL)
        i = (i + 1) & mask;
    tc->slots[i] = e;
    tc->n++;
    /* the fast check: this definition's bytes and name references */
    uint32_t dsize = vigil_evtx_rd32(c->chunk + tc->def + 20);
    e->fhash = tc->fhash;
    e->dsize = dsize;
    e->nrefs = 0;
    e->refs = NULL;
    e->raw = NULL;
    e->fnext = NULL;
    if ((tc->fn + 1) * 2 > tc->fcap && fslots_grow(tc) != 0)
        return 0; /* still cached, found by key */
    vigil_evtx_tentry **fs = fast_slot(tc, e->fhash);
    unsigned chain = 0;
    for (const vigil_evtx_tentry *x = *fs; x != NULL; x = x->fnext)
        chain++;
    if (chain >= FAST_CHAIN)
        return 0;
    uint8_t *raw = vigil_arena_alloc_raw(&tc->arena, 20 + (size_t)dsize);
    tref *refs = tc->nrefs ? vigil_arena_alloc_raw(&tc->arena, tc->nrefs * sizeof *refs) : NULL;
    if (raw == NULL || (tc->nrefs && refs == NULL))
        return 0;
    memcpy(raw, c->chunk + tc->def + 4, 20 + (size_t)dsize);
    if (tc->nrefs)
        memcpy(refs, tc->refs, tc->nrefs * sizeof *refs);
    e->raw = raw;
    e->refs = refs;
    e->nrefs = tc->nrefs;
    e->fnext = *fs;
    if (*fs == NULL)
        tc->fn++;
    *fs = e;
    tc->bytes += 20 + (size_t)dsize + tc->nrefs * sizeof *refs;
    /* nodes (grown by doubling), names, key; field programs are counted
     * as they are built (evtx_prog.c) */
    tc->bytes += 4 * ((size_t)t->n * sizeof *t->nodes + tc->key.len) + 1024;
    return 0;
}
