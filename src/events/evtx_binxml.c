/* evtx_binxml.c - binary XML token streams compiled into node lists.
 *
 * Why compile: nearly every record is "instantiate template T with these
 * values", and a chunk holds a few dozen templates shared by hundreds of
 * records. Each template's tokens are decoded once per chunk (names
 * resolved to UTF-8, literal text converted) into a flat node list that
 * evtx_event.c then runs per record with that record's values. Token
 * streams are bounded by their range and every token advances the cursor,
 * so a hostile chunk cannot loop; a template that references itself is
 * caught by its "compiling" state. */
#include <stdlib.h>

#include "events/evtx_internal.h"

/* ---- offset -> pointer map, cleared per chunk ---- */

static void map_free(vigil_evtx_map *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}

static void map_clear(vigil_evtx_map *m)
{
    if (m->n)
        memset(m->keys, 0, m->cap * sizeof *m->keys);
    m->n = 0;
}

static void *map_get(const vigil_evtx_map *m, uint32_t key)
{
    if (m->cap == 0)
        return NULL;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = (key * 2654435761u) & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (m->keys[i] == 0)
            return NULL;
    }
}

static int map_put(vigil_evtx_map *m, uint32_t key, void *val)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 256;
        uint32_t *keys = calloc(cap, sizeof *keys);
        void **vals = calloc(cap, sizeof *vals);
        if (keys == NULL || vals == NULL) {
            free(keys);
            free(vals);
            return -1;
        }
        for (uint32_t i = 0; i < m->cap; i++) {
            if (m->keys[i] == 0)
                continue;
            uint32_t j = (m->keys[i] * 2654435761u) & (cap - 1);
            while (keys[j] != 0)
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    uint32_t mask = m->cap - 1;
    uint32_t i = (key * 2654435761u) & mask;
    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & mask;
    if (m->keys[i] == 0)
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
    return 0;
}

/* ---- context ---- */

void vigil_evtx_ctx_init(vigil_evtx_ctx *c)
{
    memset(c, 0, sizeof *c);
    vigil_arena_init(&c->arena);
    vigil_arena_init(&c->rec);
    vigil_evtx_template_cache_init(&c->tc);
}

void vigil_evtx_ctx_free(vigil_evtx_ctx *c)
{
    if (c == NULL)
        return;
    vigil_arena_free(&c->arena);
    vigil_arena_free(&c->rec);
    map_free(&c->names);
    map_free(&c->tmpls);
    vigil_evtx_template_cache_free(&c->tc);
    vigil_evtx_buf_free(&c->out);
    vigil_evtx_buf_free(&c->data);
    free(c->refs);
    c->refs = NULL;
    free(c->vals);
    c->vals = NULL;
    c->capvals = 0;
    c->nrefs = c->caprefs = 0;
}

int vigil_evtx_ctx_begin_chunk(vigil_evtx_ctx *c, const uint8_t *chunk, uint32_t size)
{
    c->chunk = chunk;
    c->size = size;
    vigil_arena_reset(&c->arena);
    vigil_arena_reset(&c->rec);
    map_clear(&c->names);
    map_clear(&c->tmpls);
    vigil_evtx_template_cache_trim(&c->tc);
    c->gen++;
    return 0;
}

static int fail(vigil_evtx_ctx *c, uint32_t off, const char *msg)
{
    if (c->err == NULL) {
        c->err = msg;
        c->err_off = off;
    }
    return -1;
}

/* ---- names ---- */

typedef struct name_entry {
    const char *s;
    uint32_t len;
} name_entry;

/* Size of the name structure at off (next, hash, count, chars, NUL), or 0
 * if it does not fit in the chunk. */
static uint32_t name_struct_size(const vigil_evtx_ctx *c, uint32_t off)
{
    if (off < VIGIL_EVTX_CHUNK_HEADER || off > c->size || c->size - off < 8)
        return 0;
    uint32_t n = vigil_evtx_rd16(c->chunk + off + 6);
    uint32_t total = 8 + 2 * n + 2;
    return total <= c->size - off ? total : 0;
}

static const name_entry *get_name(vigil_evtx_ctx *c, uint32_t off)
{
    name_entry *e = map_get(&c->names, off);
    vigil_evtx_buf tmp = {0};

    if (e != NULL)
        return e;
    if (name_struct_size(c, off) == 0) {
        fail(c, off, "name out of the chunk");
        return NULL;
    }
    uint32_t n = vigil_evtx_rd16(c->chunk + off + 6);
    if (vigil_evtx_utf16_to_utf8(&tmp, c->chunk + off + 8, n) != 0) {
        vigil_evtx_buf_free(&tmp);
        fail(c, off, "out of memory");
        return NULL;
    }
    e = vigil_arena_alloc_raw(&c->arena, sizeof *e);
    char *s = e ? vigil_arena_strndup(&c->arena, tmp.data ? tmp.data : "", tmp.len) : NULL;
    vigil_evtx_buf_free(&tmp);
    if (s == NULL || map_put(&c->names, off, e) != 0) {
        fail(c, off, "out of memory");
        return NULL;
    }
    e->s = s;
    e->len = (uint32_t)strlen(s);
    return e;
}

/* Reads a name reference at *pos: the u32 offset and, if the name is
 * stored inline right there, skips over it. */
static const name_entry *read_name(vigil_evtx_ctx *c, uint32_t *pos, uint32_t end)
{
    if (end - *pos < 4) {
        fail(c, *pos, "truncated name reference");
        return NULL;
    }
    uint32_t off = vigil_evtx_rd32(c->chunk + *pos);
    *pos += 4;
    if (off == *pos) {
        uint32_t sz = name_struct_size(c, off);
        if (sz == 0 || sz > end - *pos) {
            fail(c, off, "inline name past the end of its stream");
            return NULL;
        }
        *pos += sz;
    }
    return get_name(c, off);
}

/* ---- node lists ---- */

typedef struct node_vec {
    vigil_evtx_node *v;
    uint32_t n, cap;
    vigil_arena *a;
} node_vec;

static vigil_evtx_node *push(vigil_evtx_ctx *c, node_vec *nv, uint8_t kind, uint32_t off)
{
    if (nv->n == nv->cap) {
        uint32_t cap = nv->cap ? nv->cap * 2 : 32;
        if (cap > (1u << 20)) {
            fail(c, off, "too many tokens");
            return NULL;
        }
        vigil_evtx_node *v = vigil_arena_alloc_raw(nv->a, (size_t)cap * sizeof *v);
        if (v == NULL) {
            fail(c, off, "out of memory");
            return NULL;
        }
        if (nv->n)
            memcpy(v, nv->v, (size_t)nv->n * sizeof *v);
        nv->v = v; /* the old array stays in the arena until its reset */
        nv->cap = cap;
    }
    vigil_evtx_node *nd = &nv->v[nv->n++];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    return nd;
}

static int push_text(vigil_evtx_ctx *c, node_vec *nv, vigil_evtx_buf *tmp, uint32_t off)
{
    char *s = vigil_arena_strndup(nv->a, tmp->data ? tmp->data : "", tmp->len);
    if (s == NULL)
        return fail(c, off, "out of memory");
    vigil_evtx_node *nd = push(c, nv, VIGIL_EVTX_N_TEXT, off);
    if (nd == NULL)
        return -1;
    nd->str = s;
    nd->len = (uint32_t)tmp->len;
    return 0;
}

static int same(const name_entry *nm, const char *lit)
{
    size_t n = strlen(lit);
    return nm->len == n && memcmp(nm->s, lit, n) == 0;
}

static uint8_t elem_tag(const name_entry *nm)
{
    if (same(nm, "Data"))
        return VIGIL_EVTX_TAG_DATA;
    if (same(nm, "System"))
        return VIGIL_EVTX_TAG_SYSTEM;
    if (same(nm, "EventData"))
        return VIGIL_EVTX_TAG_EVENTDATA;
    if (same(nm, "UserData"))
        return VIGIL_EVTX_TAG_USERDATA;
    if (same(nm, "TimeCreated"))
        return VIGIL_EVTX_TAG_TIMECREATED;
    return VIGIL_EVTX_TAG_OTHER;
}

static uint8_t attr_tag(const name_entry *nm)
{
    if (same(nm, "Name"))
        return VIGIL_EVTX_TAG_NAME;
    if (same(nm, "SystemTime"))
        return VIGIL_EVTX_TAG_SYSTEMTIME;
    if (same(nm, "xmlns") || (nm->len > 6 && memcmp(nm->s, "xmlns:", 6) == 0))
        return VIGIL_EVTX_TAG_XMLNS;
    return VIGIL_EVTX_TAG_OTHER;
}

/* Element start: [dep u16] size u32 name; tries the other header form when
 * the first guess gives a name that cannot be one. */
static int open_element(vigil_evtx_ctx *c, uint32_t *pos, uint32_t end, int *dep_id,
                        const name_entry **name)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int dep = attempt == 0 ? *dep_id : !*dep_id;
        uint32_t p = *pos + (dep ? 2u : 0u);
        if (p > end || end - p < 8)
            continue;
        uint32_t off = vigil_evtx_rd32(c->chunk + p + 4);
        p += 8;
        uint32_t sz = name_struct_size(c, off);
        if (sz == 0 || (off == p && sz > end - p))
            continue;
        /* a name somewhere else in the chunk must not start inside this
         * header (whether or not it was seen before: compiling depends on
         * the bytes only, which the template cache relies on) */
        if (off != p && off >= *pos && off < p)
            continue;
        *dep_id = dep; /* the rest of this stream uses the same form */
        *pos = p;
        if (off == p)
            *pos += sz;
        *name = get_name(c, off);
        return *name ? 0 : -1;
    }
    return fail(c, *pos, "bad element header");
}

static int template_instance(vigil_evtx_ctx *c, node_vec *nv, uint32_t *pos, uint32_t end,
                             unsigned nest)
{
    uint32_t p = *pos;
    if (end - p < 9)
        return fail(c, p, "truncated template instance");
    uint32_t def = vigil_evtx_rd32(c->chunk + p + 5);
    p += 9;
    if (def == p) {
        /* definition stored inline: skip it */
        if (end - p < 24)
            return fail(c, p, "truncated template definition");
        uint32_t dsize = vigil_evtx_rd32(c->chunk + p + 20);
        if (dsize > end - p - 24)
            return fail(c, p, "template definition past the end of the record");
        p += 24 + dsize;
    }
    if (end - p < 4)
        return fail(c, p, "truncated substitution array");
    uint32_t count = vigil_evtx_rd32(c->chunk + p);
    p += 4;
    if (count > (end - p) / 4)
        return fail(c, p - 4, "substitution count past the end of the record");
    vigil_evtx_value *vals = NULL;
    if (count) {
        vals = vigil_arena_alloc_raw(nv->a, (size_t)count * sizeof *vals);
        if (vals == NULL)
            return fail(c, p, "out of memory");
    }
    uint32_t data = p + 4 * count;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *d = c->chunk + p + 4 * i;
        vals[i].size = vigil_evtx_rd16(d);
        vals[i].type = d[2];
        vals[i].off = data;
        if (vals[i].size > end - data)
            return fail(c, p + 4 * i, "substitution value past the end of the record");
        data += vals[i].size;
    }
    const vigil_evtx_tmpl *t = vigil_evtx_template(c, def, nest + 1);
    if (t == NULL)
        return -1;
    vigil_evtx_node *nd = push(c, nv, VIGIL_EVTX_N_TEMPLATE, *pos);
    if (nd == NULL)
        return -1;
    nd->tmpl = t;
    nd->vals = vals;
    nd->len = count;
    *pos = data;
    return 0;
}

int vigil_evtx_compile(vigil_evtx_ctx *c, uint32_t off, uint32_t end, int dep_id, vigil_arena *a,
                       unsigned nest, vigil_evtx_node **nodes, uint32_t *n, uint32_t *stop)
{
    node_vec nv = {NULL, 0, 0, a};
    vigil_evtx_buf tmp = {0};
    const name_entry *elem = NULL; /* last element opened, for "Elem_Attr" */
    uint32_t pos = off;
    int rc = 0;

    if (nest > VIGIL_EVTX_MAX_NEST)
        return fail(c, off, "binary XML nested too deep");
    if (end > c->size || off > end)
        return fail(c, off, "binary XML past the end of the chunk");
    while (pos < end && rc == 0) {
        uint32_t at = pos;
        uint8_t tok = c->chunk[pos++];
        const name_entry *nm;
        vigil_evtx_node *nd;

        switch (tok & 0xbf) { /* 0x40 = "more" flag */
        case 0x00:            /* end of stream */
            goto done;
        case 0x01:
            if (open_element(c, &pos, end, &dep_id, &nm) != 0) {
                rc = -1;
                break;
            }
            if (tok & 0x40) {
                if (end - pos < 4) {
                    rc = fail(c, pos, "truncated attribute list size");
                    break;
                }
                pos += 4;
            }
            if ((nd = push(c, &nv, VIGIL_EVTX_N_OPEN, at)) == NULL) {
                rc = -1;
                break;
            }
            nd->str = nm->s;
            nd->len = nm->len;
            nd->tag = elem_tag(nm);
            elem = nm;
            break;
        case 0x02:
            rc = push(c, &nv, VIGIL_EVTX_N_CLOSE_START, at) ? 0 : -1;
            break;
        case 0x03:
            rc = push(c, &nv, VIGIL_EVTX_N_CLOSE_EMPTY, at) ? 0 : -1;
            break;
        case 0x04:
            rc = push(c, &nv, VIGIL_EVTX_N_END, at) ? 0 : -1;
            break;
        case 0x05: { /* value text */
            if (end - pos < 1) {
                rc = fail(c, at, "truncated value");
                break;
            }
            uint8_t vt = c->chunk[pos++];
            uint32_t bytes;
            tmp.len = 0;
            if (vt == VIGIL_EVTX_T_STRING) {
                if (end - pos < 2) {
                    rc = fail(c, at, "truncated value");
                    break;
                }
                uint32_t units = vigil_evtx_rd16(c->chunk + pos);
                pos += 2;
                bytes = 2 * units;
                if (bytes > end - pos) {
                    rc = fail(c, at, "value text past the end of its stream");
                    break;
                }
                if (vigil_evtx_utf16_to_utf8(&tmp, c->chunk + pos, units) != 0) {
                    rc = fail(c, at, "out of memory");
                    break;
                }
            } else {
                static const uint8_t sizes[0x16] = {0, 0, 0, 1, 1,  2, 2, 4,  4, 8, 8,
                                                    4, 8, 4, 0, 16, 8, 8, 16, 0, 4, 8};
                bytes = vt < sizeof sizes ? sizes[vt] : 0;
                if (bytes == 0 || bytes > end - pos) {
                    rc = fail(c, at, "unsupported value token type");
                    break;
                }
                if (vigil_evtx_format_value(&tmp, vt, c->chunk + pos, bytes) != 0) {
                    rc = fail(c, at, "out of memory");
                    break;
                }
            }
            pos += bytes;
            rc = push_text(c, &nv, &tmp, at);
            break;
        }
        case 0x06:
            if ((nm = read_name(c, &pos, end)) == NULL ||
                (nd = push(c, &nv, VIGIL_EVTX_N_ATTR, at)) == NULL) {
                rc = -1;
                break;
            }
            nd->str = nm->s;
            nd->len = nm->len;
            nd->tag = attr_tag(nm);
            if (elem != NULL) {
                char *full = vigil_arena_alloc_raw(a, (size_t)elem->len + nm->len + 2);
                if (full == NULL) {
                    rc = fail(c, at, "out of memory");
                    break;
                }
                memcpy(full, elem->s, elem->len);
                full[elem->len] = '_';
                memcpy(full + elem->len + 1, nm->s, nm->len + 1);
                nd->full = full;
                nd->full_len = elem->len + 1 + nm->len;
            }
            break;
        case 0x07:   /* CDATA */
        case 0x0b: { /* processing instruction data: skipped */
            if (end - pos < 2) {
                rc = fail(c, at, "truncated text");
                break;
            }
            uint32_t units = vigil_evtx_rd16(c->chunk + pos);
            pos += 2;
            if (2 * units > end - pos) {
                rc = fail(c, at, "text past the end of its stream");
                break;
            }
            if ((tok & 0xbf) == 0x07) {
                tmp.len = 0;
                if (vigil_evtx_utf16_to_utf8(&tmp, c->chunk + pos, units) != 0) {
                    rc = fail(c, at, "out of memory");
                    break;
                }
                rc = push_text(c, &nv, &tmp, at);
            }
            pos += 2 * units;
            break;
        }
        case 0x08: { /* character reference */
            if (end - pos < 2) {
                rc = fail(c, at, "truncated character reference");
                break;
            }
            tmp.len = 0;
            if (vigil_evtx_utf16_to_utf8(&tmp, c->chunk + pos, 1) != 0) {
                rc = fail(c, at, "out of memory");
                break;
            }
            pos += 2;
            rc = push_text(c, &nv, &tmp, at);
            break;
        }
        case 0x09: { /* entity reference */
            if ((nm = read_name(c, &pos, end)) == NULL) {
                rc = -1;
                break;
            }
            static const char *const ent[][2] = {
                {"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
            tmp.len = 0;
            const char *rep = NULL;
            for (size_t i = 0; i < sizeof ent / sizeof ent[0]; i++) {
                if (strcmp(nm->s, ent[i][0]) == 0)
                    rep = ent[i][1];
            }
            if (rep != NULL) {
                rc = vigil_evtx_buf_put(&tmp, rep, strlen(rep));
            } else {
                rc = vigil_evtx_buf_putc(&tmp, '&') || vigil_evtx_buf_put(&tmp, nm->s, nm->len) ||
                     vigil_evtx_buf_putc(&tmp, ';');
            }
            rc = rc ? fail(c, at, "out of memory") : push_text(c, &nv, &tmp, at);
            break;
        }
        case 0x0a: /* processing instruction target: skipped */
            rc = read_name(c, &pos, end) ? 0 : -1;
            break;
        case 0x0c:
            pos = at + 1;
            rc = template_instance(c, &nv, &pos, end, nest);
            break;
        case 0x0d:
        case 0x0e:
            if (end - pos < 3) {
                rc = fail(c, at, "truncated substitution");
                break;
            }
            if ((nd = push(c, &nv, VIGIL_EVTX_N_SUBST, at)) == NULL) {
                rc = -1;
                break;
            }
            nd->index = vigil_evtx_rd16(c->chunk + pos);
            nd->vtype = c->chunk[pos + 2];
            nd->optional = (tok & 0xbf) == 0x0e;
            pos += 3;
            break;
        case 0x0f: /* fragment header: major, minor, flags */
            if (end - pos < 3) {
                rc = fail(c, at, "truncated fragment header");
                break;
            }
            pos += 3;
            break;
        default:
            rc = fail(c, at, "unknown binary XML token");
            break;
        }
    }
done:
    vigil_evtx_buf_free(&tmp);
    if (rc != 0)
        return -1;
    *nodes = nv.v;
    *n = nv.n;
    if (stop)
        *stop = pos;
    return 0;
}

vigil_evtx_tmpl *vigil_evtx_template(vigil_evtx_ctx *c, uint32_t def, unsigned nest)
{
    vigil_evtx_tmpl *t = map_get(&c->tmpls, def);

    if (t != NULL) {
        if (t->state == 1)
            return t;
        fail(c, def, t->state == 0 ? "template refers to itself" : "broken template");
        return NULL;
    }
    if (def < VIGIL_EVTX_CHUNK_HEADER || def > c->size || c->size - def < 24) {
        fail(c, def, "template definition out of the chunk");
        return NULL;
    }
    uint32_t dsize = vigil_evtx_rd32(c->chunk + def + 20);
    if (dsize > c->size - def - 24) {
        fail(c, def, "template definition past the end of the chunk");
        return NULL;
    }
    /* a nesting depth the compiler refuses is refused per chunk, as before */
    int shared = 0;
    if (!c->no_tcache && nest <= VIGIL_EVTX_MAX_NEST) {
        int r = vigil_evtx_template_cache_lookup(c, def, dsize, &t);
        if (r == 1) {
            if (map_put(&c->tmpls, def, t) != 0) {
                fail(c, def, "out of memory");
                return NULL;
            }
            return t;
        }
        shared = r == 0;
    }
    vigil_arena *a = shared ? &c->tc.arena : &c->arena;
    t = vigil_arena_alloc(a, sizeof *t);
    if (t == NULL || map_put(&c->tmpls, def, t) != 0) {
        fail(c, def, "out of memory");
        return NULL;
    }
    t->off = def;
    t->state = 0;
    t->shared = 0;
    t->progs = NULL;
    t->lprogs = NULL;
    t->lgen = 0;
    vigil_evtx_node *nodes;
    uint32_t n;
    /* a shared template holds no template instance (its key would have
     * refused it), so compiling it starts no other lookup */
    if (vigil_evtx_compile(c, def + 24, def + 24 + dsize, 1, a, nest, &nodes, &n, NULL) != 0) {
        t->state = -1;
        if (shared) /* what it left in the cache's arena counts too */
            c->tc.bytes += sizeof *t + 4 * (size_t)dsize;
        return NULL;
    }
    t->nodes = nodes;
    t->n = n;
    t->state = 1;
    if (shared && vigil_evtx_template_cache_insert(c, t) == 0)
        t->shared = 1;
    return t;
}
