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

/* One binary XML stream being compiled: the tokens read so far become
 * nodes; tmp holds the text of the token being converted. */
typedef struct bx_stream {
    vigil_evtx_ctx *c;
    node_vec nv;
    vigil_evtx_buf tmp;
    const name_entry *elem; /* last element opened, for "Elem_Attr" */
    uint32_t pos, end;
    int dep_id;
    unsigned nest;
} bx_stream;

/* 0x01: an element start (name, then an attribute list size if tok has the
 * "more" flag). */
static int bx_open_element(bx_stream *s, uint8_t tok, uint32_t at)
{
    const name_entry *nm;
    vigil_evtx_node *nd;
    if (open_element(s->c, &s->pos, s->end, &s->dep_id, &nm) != 0)
        return -1;
    if (tok & 0x40) {
        if (s->end - s->pos < 4)
            return fail(s->c, s->pos, "truncated attribute list size");
        s->pos += 4;
    }
    if ((nd = push(s->c, &s->nv, VIGIL_EVTX_N_OPEN, at)) == NULL)
        return -1;
    nd->str = nm->s;
    nd->len = nm->len;
    nd->tag = elem_tag(nm);
    s->elem = nm;
    return 0;
}

/* 0x05: a value text: a UTF-16 string or a fixed-size typed value. */
static int bx_value_text(bx_stream *s, uint32_t at)
{
    vigil_evtx_ctx *c = s->c;
    uint32_t end = s->end;
    if (end - s->pos < 1)
        return fail(c, at, "truncated value");
    uint8_t vt = c->chunk[s->pos++];
    uint32_t bytes;
    s->tmp.len = 0;
    if (vt == VIGIL_EVTX_T_STRING) {
        if (end - s->pos < 2)
            return fail(c, at, "truncated value");
        uint32_t units = vigil_evtx_rd16(c->chunk + s->pos);
        s->pos += 2;
        bytes = 2 * units;
        if (bytes > end - s->pos)
            return fail(c, at, "value text past the end of its stream");
        if (vigil_evtx_utf16_to_utf8(&s->tmp, c->chunk + s->pos, units) != 0)
            return fail(c, at, "out of memory");
    } else {
        static const uint8_t sizes[0x16] = {0, 0, 0, 1, 1,  2, 2, 4,  4, 8, 8,
                                            4, 8, 4, 0, 16, 8, 8, 16, 0, 4, 8};
        bytes = vt < sizeof sizes ? sizes[vt] : 0;
        if (bytes == 0 || bytes > end - s->pos)
            return fail(c, at, "unsupported value token type");
        if (vigil_evtx_format_value(&s->tmp, vt, c->chunk + s->pos, bytes) != 0)
            return fail(c, at, "out of memory");
    }
    s->pos += bytes;
    return push_text(c, &s->nv, &s->tmp, at);
}

/* 0x06: an attribute, also named "Elem_Attr" after the open element. */
static int bx_attribute(bx_stream *s, vigil_arena *a, uint32_t at)
{
    const name_entry *nm;
    vigil_evtx_node *nd;
    if ((nm = read_name(s->c, &s->pos, s->end)) == NULL ||
        (nd = push(s->c, &s->nv, VIGIL_EVTX_N_ATTR, at)) == NULL)
        return -1;
    nd->str = nm->s;
    nd->len = nm->len;
    nd->tag = attr_tag(nm);
    const name_entry *elem = s->elem;
    if (elem != NULL) {
        char *full = vigil_arena_alloc_raw(a, (size_t)elem->len + nm->len + 2);
        if (full == NULL)
            return fail(s->c, at, "out of memory");
        memcpy(full, elem->s, elem->len);
        full[elem->len] = '_';
        memcpy(full + elem->len + 1, nm->s, nm->len + 1);
        nd->full = full;
        nd->full_len = elem->len + 1 + nm->len;
    }
    return 0;
}

/* 0x07 CDATA (kept as text) and 0x0b processing instruction data
 * (skipped): a counted UTF-16 string. */
static int bx_counted_text(bx_stream *s, uint8_t tok, uint32_t at)
{
    vigil_evtx_ctx *c = s->c;
    if (s->end - s->pos < 2)
        return fail(c, at, "truncated text");
    uint32_t units = vigil_evtx_rd16(c->chunk + s->pos);
    s->pos += 2;
    if (2 * units > s->end - s->pos)
        return fail(c, at, "text past the end of its stream");
    int rc = 0;
    if ((tok & 0xbf) == 0x07) {
        s->tmp.len = 0;
        if (vigil_evtx_utf16_to_utf8(&s->tmp, c->chunk + s->pos, units) != 0)
            return fail(c, at, "out of memory");
        rc = push_text(c, &s->nv, &s->tmp, at);
    }
    s->pos += 2 * units;
    return rc;
}

/* 0x08: a character reference (one UTF-16 unit). */
static int bx_char_ref(bx_stream *s, uint32_t at)
{
    if (s->end - s->pos < 2)
        return fail(s->c, at, "truncated character reference");
    s->tmp.len = 0;
    if (vigil_evtx_utf16_to_utf8(&s->tmp, s->c->chunk + s->pos, 1) != 0)
        return fail(s->c, at, "out of memory");
    s->pos += 2;
    return push_text(s->c, &s->nv, &s->tmp, at);
}

/* 0x09: an entity reference: the five XML ones become their character,
 * others stay "&name;". */
static int bx_entity_ref(bx_stream *s, uint32_t at)
{
    const name_entry *nm = read_name(s->c, &s->pos, s->end);
    if (nm == NULL)
        return -1;
    static const char *const ent[][2] = {
        {"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
    s->tmp.len = 0;
    const char *rep = NULL;
    for (size_t i = 0; i < sizeof ent / sizeof ent[0]; i++) {
        if (strcmp(nm->s, ent[i][0]) == 0)
            rep = ent[i][1];
    }
    int rc;
    if (rep != NULL) {
        rc = vigil_evtx_buf_put(&s->tmp, rep, strlen(rep));
    } else {
        rc = vigil_evtx_buf_putc(&s->tmp, '&') || vigil_evtx_buf_put(&s->tmp, nm->s, nm->len) ||
             vigil_evtx_buf_putc(&s->tmp, ';');
    }
    return rc ? fail(s->c, at, "out of memory") : push_text(s->c, &s->nv, &s->tmp, at);
}

/* 0x0d normal and 0x0e optional substitution: index and value type. */
static int bx_substitution(bx_stream *s, uint8_t tok, uint32_t at)
{
    vigil_evtx_node *nd;
    if (s->end - s->pos < 3)
        return fail(s->c, at, "truncated substitution");
    if ((nd = push(s->c, &s->nv, VIGIL_EVTX_N_SUBST, at)) == NULL)
        return -1;
    nd->index = vigil_evtx_rd16(s->c->chunk + s->pos);
    nd->vtype = s->c->chunk[s->pos + 2];
    nd->optional = (tok & 0xbf) == 0x0e;
    s->pos += 3;
    return 0;
}

/* Reads one token at s->pos; *eos is set at the end-of-stream token. */
static int bx_token(bx_stream *s, vigil_arena *a, int *eos)
{
    vigil_evtx_ctx *c = s->c;
    uint32_t at = s->pos;
    uint8_t tok = c->chunk[s->pos++];

    switch (tok & 0xbf) { /* 0x40 = "more" flag */
    case 0x00:            /* end of stream */
        *eos = 1;
        return 0;
    case 0x01:
        return bx_open_element(s, tok, at);
    case 0x02:
        return push(c, &s->nv, VIGIL_EVTX_N_CLOSE_START, at) ? 0 : -1;
    case 0x03:
        return push(c, &s->nv, VIGIL_EVTX_N_CLOSE_EMPTY, at) ? 0 : -1;
    case 0x04:
        return push(c, &s->nv, VIGIL_EVTX_N_END, at) ? 0 : -1;
    case 0x05:
        return bx_value_text(s, at);
    case 0x06:
        return bx_attribute(s, a, at);
    case 0x07: /* CDATA */
    case 0x0b: /* processing instruction data: skipped */
        return bx_counted_text(s, tok, at);
    case 0x08:
        return bx_char_ref(s, at);
    case 0x09:
        return bx_entity_ref(s, at);
    case 0x0a: /* processing instruction target: skipped */
        return read_name(c, &s->pos, s->end) ? 0 : -1;
    case 0x0c:
        s->pos = at + 1;
        return template_instance(c, &s->nv, &s->pos, s->end, s->nest);
    case 0x0d:
    case 0x0e:
        return bx_substitution(s, tok, at);
    case 0x0f: /* fragment header: major, minor, flags */
        if (s->end - s->pos < 3)
            return fail(c, at, "truncated fragment header");
        s->pos += 3;
        return 0;
    default:
        return fail(c, at, "unknown binary XML token");
    }
}

int vigil_evtx_compile(vigil_evtx_ctx *c, uint32_t off, uint32_t end, int dep_id, vigil_arena *a,
                       unsigned nest, vigil_evtx_node **nodes, uint32_t *n, uint32_t *stop)
{
    if (nest > VIGIL_EVTX_MAX_NEST)
        return fail(c, off, "binary XML nested too deep");
    if (end > c->size || off > end)
        return fail(c, off, "binary XML past the end of the chunk");
    bx_stream s = {c, {NULL, 0, 0, a}, {0}, NULL, off, end, dep_id, nest};
    int rc = 0, eos = 0;
    while (s.pos < end && rc == 0 && !eos)
        rc = bx_token(&s, a, &eos);
    vigil_evtx_buf_free(&s.tmp);
    if (rc != 0)
        return -1;
    *nodes = s.nv.v;
    *n = s.nv.n;
    if (stop)
        *stop = s.pos;
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
