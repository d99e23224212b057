/* evtx_prog.c - compiled templates turned into "field programs".
 *
 * Why: running a template's nodes per record (evtx_event.c) re-derives,
 * for every record, things that depend only on the template: the element
 * stack and sections, which elements are leaves, field names such as
 * "Provider_Name", "RenderingInfo_Level" or a Data element's literal Name,
 * and which text is thrown away. A field program is that walk done once per
 * template and chunk: what is left per record is "start a value, append
 * this text or this substitution, make it field X", plus the few decisions
 * that depend on the values (an optional substitution that omits its
 * attribute, an empty element with attributes, a Name given by a
 * substitution). Most records put their EventData in a BinXml value that
 * holds another template instance; that template gets its own program for
 * the element stack at that point (the context), cached per template and
 * context. The builder mirrors evtx_event.c's rules step by step, so the
 * fields are byte for byte the same; whatever it does not model (a BinXml
 * value inside an attribute or a leaf, unbalanced nested streams, text
 * caps) makes the record run node by node instead. */
#include <stddef.h>
#include <stdlib.h>

#include "events/evtx_internal.h"

typedef struct op_vec {
    vigil_evtx_op *v;
    uint32_t n, cap;
    vigil_arena *a;
} op_vec;

typedef struct sim_elem {
    const char *name;
    uint32_t name_len;
    uint32_t mark_op; /* index of the MARK starting its text, if live */
    const char *dname;
    uint32_t dname_len;
    uint8_t tag;
    uint8_t section;
    uint8_t has_child;
    uint8_t has_attr;
    uint8_t dname_kind; /* 0 none, 1 literal, 2 from a substitution */
} sim_elem;

typedef struct sim {
    vigil_arena *a;
    op_vec ov;
    sim_elem st[VIGIL_EVTX_MAX_ELEM_DEPTH];
    unsigned depth;
    unsigned base;               /* depth of the context (0 at the top) */
    const vigil_evtx_node *attr; /* pending attribute */
    int attr_emit;               /* its value is produced (depth > 0, not xmlns) */
    int attr_text_only;          /* its value has no substitution */
    uint32_t attr_op;            /* index of its MARK */
    int bad;                     /* not modelled or out of memory: no program */
    int local;                   /* the program lives in the chunk arena */
    size_t bytes;                /* allocated in a, for the cache's budget */
} sim;

/* The element stack where a BinXml value runs. */
typedef struct snapshot {
    unsigned depth;
    sim_elem st[];
} snapshot;

static vigil_evtx_op *op_push(sim *s, uint8_t kind)
{
    op_vec *ov = &s->ov;
    if (s->bad)
        return NULL;
    if (ov->n == ov->cap) {
        uint32_t cap = ov->cap ? ov->cap * 2 : 32;
        vigil_evtx_op *v =
            cap <= (1u << 20) ? vigil_arena_alloc_raw(ov->a, (size_t)cap * sizeof *v) : NULL;
        if (v == NULL) {
            s->bad = 1;
            return NULL;
        }
        s->bytes += (size_t)cap * sizeof *v;
        if (ov->n)
            memcpy(v, ov->v, (size_t)ov->n * sizeof *v);
        ov->v = v;
        ov->cap = cap;
    }
    vigil_evtx_op *op = &ov->v[ov->n++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    return op;
}

/* "a_b" in the arena, NUL-terminated. */
static const char *join(sim *s, const char *a, uint32_t alen, const char *b, uint32_t blen)
{
    char *r = vigil_arena_alloc_raw(s->a, (size_t)alen + blen + 2);
    if (r == NULL) {
        s->bad = 1;
        return NULL;
    }
    s->bytes += (size_t)alen + blen + 2;
    memcpy(r, a, alen);
    r[alen] = '_';
    memcpy(r + alen + 1, b, blen);
    r[alen + 1 + blen] = '\0';
    return r;
}

/* The top element's text becomes a field only if it is a leaf at depth
 * index >= 2; only then is its text produced. */
static int text_live(const sim *s)
{
    return s->depth > 2 && !s->st[s->depth - 1].has_child;
}

static void mark_text(sim *s)
{
    if (!text_live(s))
        return;
    s->st[s->depth - 1].mark_op = s->ov.n;
    op_push(s, VIGIL_EVTX_OP_MARK);
}

/* evtx_event.c finish_attr() */
static void finish_attr(sim *s)
{
    const vigil_evtx_node *an = s->attr;
    vigil_evtx_op *op;

    s->attr = NULL;
    if (s->depth == 0)
        return;
    sim_elem *e = &s->st[s->depth - 1];
    e->has_attr = 1;
    if (an->tag == VIGIL_EVTX_TAG_XMLNS) {
        mark_text(s);
        return;
    }
    if (e->section == VIGIL_EVTX_SEC_EVENTDATA && e->tag == VIGIL_EVTX_TAG_DATA &&
        an->tag == VIGIL_EVTX_TAG_NAME) {
        if (e->dname_kind != 0) {
            s->bad = 1; /* two Name attributes: not modelled */
            return;
        }
        if (s->attr_text_only) {
            /* a literal Name: the field name is known now */
            size_t len = 0;
            for (uint32_t i = s->attr_op + 1; i < s->ov.n; i++)
                len += s->ov.v[i].len;
            char *nm = vigil_arena_alloc_raw(s->a, len + 1);
            if (nm == NULL) {
                s->bad = 1;
                return;
            }
            s->bytes += len + 1;
            len = 0;
            for (uint32_t i = s->attr_op + 1; i < s->ov.n; i++) {
                memcpy(nm + len, s->ov.v[i].str, s->ov.v[i].len);
                len += s->ov.v[i].len;
            }
            nm[len] = '\0';
            s->ov.n = s->attr_op;
            e->dname = nm;
            e->dname_len = (uint32_t)len;
            e->dname_kind = 1;
        } else {
            if (op_push(s, VIGIL_EVTX_OP_DNAME) == NULL)
                return;
            e->dname_kind = 2;
        }
        mark_text(s);
        return;
    }
    if ((op = op_push(s, VIGIL_EVTX_OP_ATTR)) == NULL)
        return;
    if (an->full != NULL) {
        op->str = an->full;
        op->len = an->full_len;
    } else {
        op->str = join(s, e->name, e->name_len, an->str, an->len);
        op->len = e->name_len + 1 + an->len;
    }
    if (e->section == VIGIL_EVTX_SEC_SYSTEM && e->tag == VIGIL_EVTX_TAG_TIMECREATED &&
        an->tag == VIGIL_EVTX_TAG_SYSTEMTIME)
        op->flags |= VIGIL_EVTX_OPF_TIMECREATED;
    mark_text(s);
}

/* evtx_event.c open_elem() */
static void open_elem(sim *s, const vigil_evtx_node *nd)
{
    if (s->attr != NULL)
        finish_attr(s);
    if (s->depth >= VIGIL_EVTX_MAX_ELEM_DEPTH) {
        s->bad = 1; /* the node runner reports it */
        return;
    }
    sim_elem *e = &s->st[s->depth];
    memset(e, 0, sizeof *e);
    e->name = nd->str;
    e->name_len = nd->len;
    e->tag = nd->tag;
    if (s->depth == 0) {
        e->section = VIGIL_EVTX_SEC_NONE;
    } else {
        sim_elem *parent = &s->st[s->depth - 1];
        if (text_live(s))
            s->ov.n = parent->mark_op; /* its text will never be used */
        parent->has_child = 1;
        if (s->depth == 1) {
            e->section = nd->tag == VIGIL_EVTX_TAG_SYSTEM      ? VIGIL_EVTX_SEC_SYSTEM
                         : nd->tag == VIGIL_EVTX_TAG_EVENTDATA ? VIGIL_EVTX_SEC_EVENTDATA
                         : nd->tag == VIGIL_EVTX_TAG_USERDATA  ? VIGIL_EVTX_SEC_USERDATA
                                                               : VIGIL_EVTX_SEC_OTHER;
        } else {
            e->section = parent->section;
        }
    }
    s->depth++;
    mark_text(s);
}

/* evtx_event.c close_elem() */
static void close_elem(sim *s)
{
    vigil_evtx_op *op;

    if (s->attr != NULL)
        finish_attr(s);
    if (s->depth == 0)
        return;
    if (s->depth == s->base) {
        s->bad = 1; /* would close an element of the enclosing stream */
        return;
    }
    unsigned idx = s->depth - 1;
    const sim_elem *e = &s->st[idx];
    s->depth--;
    if (e->has_child || idx < 2)
        return;
    if (e->section == VIGIL_EVTX_SEC_EVENTDATA && e->tag == VIGIL_EVTX_TAG_DATA) {
        if (e->dname_kind == 1) {
            if ((op = op_push(s, VIGIL_EVTX_OP_DATA_NAMED)) != NULL) {
                op->str = e->dname;
                op->len = e->dname_len;
            }
        } else {
            op_push(s, e->dname_kind == 2 ? VIGIL_EVTX_OP_DATA_DYN : VIGIL_EVTX_OP_DATA_UNNAMED);
        }
        return;
    }
    if ((op = op_push(s, VIGIL_EVTX_OP_CLOSE)) == NULL)
        return;
    if (e->has_attr)
        op->flags |= VIGIL_EVTX_OPF_HAS_ATTR;
    if (e->section != VIGIL_EVTX_SEC_OTHER) {
        op->str = e->name;
        op->len = e->name_len;
    } else {
        const sim_elem *sec = &s->st[1];
        op->str = join(s, sec->name, sec->name_len, e->name, e->name_len);
        op->len = sec->name_len + 1 + e->name_len;
    }
}

static void subst_op(sim *s, const vigil_evtx_node *nd)
{
    vigil_evtx_op *op;

    if (s->attr != NULL ? s->attr_emit : text_live(s)) {
        if ((op = op_push(s, VIGIL_EVTX_OP_SUBST)) != NULL) {
            op->index = nd->index;
            if (nd->optional && s->attr != NULL)
                op->flags |= VIGIL_EVTX_OPF_OPTIONAL;
        }
        if (s->attr != NULL)
            s->attr_text_only = 0;
        return;
    }
    if (s->attr == NULL && nd->vtype == VIGIL_EVTX_T_BINXML) {
        /* text that is never shown: a BinXml value there runs with this
         * element stack, which is all its program needs to know */
        size_t sz = sizeof(snapshot) + (size_t)s->depth * sizeof(sim_elem);
        snapshot *sn = vigil_arena_alloc_raw(s->a, sz);
        if (sn == NULL || (op = op_push(s, VIGIL_EVTX_OP_BINXML)) == NULL) {
            s->bad = 1;
            return;
        }
        s->bytes += sz;
        if (s->local)
            op->flags |= VIGIL_EVTX_OPF_LOCAL;
        sn->depth = s->depth;
        if (s->depth)
            memcpy(sn->st, s->st, (size_t)s->depth * sizeof sn->st[0]);
        op->index = nd->index;
        op->ctx = sn;
        return;
    }
    if ((op = op_push(s, VIGIL_EVTX_OP_SKIP)) != NULL)
        op->index = nd->index;
}

/* Most fields are "start a value, one substitution, make it a field":
 * those three steps become one (same effect, including what vstart and
 * omit are left at), so the runner dispatches a third as often. */
static void fuse(op_vec *ov)
{
    uint32_t w = 0;
    for (uint32_t r = 0; r < ov->n; r++) {
        const vigil_evtx_op *o = &ov->v[r];
        if (o->kind == VIGIL_EVTX_OP_MARK && ov->n - r >= 3 && o[1].kind == VIGIL_EVTX_OP_SUBST &&
            (o[2].kind == VIGIL_EVTX_OP_ATTR || o[2].kind == VIGIL_EVTX_OP_CLOSE)) {
            vigil_evtx_op f = o[2];
            f.kind = o[2].kind == VIGIL_EVTX_OP_ATTR ? VIGIL_EVTX_OP_SUBST_ATTR
                                                     : VIGIL_EVTX_OP_SUBST_CLOSE;
            f.flags = (uint8_t)(o[1].flags | o[2].flags);
            f.index = o[1].index;
            ov->v[w++] = f;
            r += 2;
            continue;
        }
        ov->v[w++] = *o;
    }
    ov->n = w;
}

/* The program of a template without fields: not NULL, never read. */
static const vigil_evtx_op no_ops[1];

/* Builds t's program for the context sn (NULL: the top of a record) in a;
 * local: a lives for this chunk only. Returns the bytes allocated. */
static size_t build(vigil_arena *a, int local, const vigil_evtx_tmpl *t, const snapshot *sn,
                    vigil_evtx_prog *pr)
{
    sim *s = malloc(sizeof *s);

    pr->ops = NULL;
    pr->n = 0;
    if (s == NULL)
        return 0;
    /* the element stack is set as elements open: not cleared here */
    memset(s, 0, offsetof(sim, st));
    memset(&s->depth, 0, sizeof *s - offsetof(sim, depth));
    s->a = a;
    s->ov.a = a;
    s->local = local;
    if (sn != NULL) {
        s->depth = s->base = sn->depth;
        if (sn->depth)
            memcpy(s->st, sn->st, (size_t)sn->depth * sizeof s->st[0]);
    }
    for (uint32_t i = 0; i < t->n && !s->bad; i++) {
        const vigil_evtx_node *nd = &t->nodes[i];
        vigil_evtx_op *op;
        switch (nd->kind) {
        case VIGIL_EVTX_N_OPEN:
            open_elem(s, nd);
            break;
        case VIGIL_EVTX_N_CLOSE_START:
            if (s->attr != NULL)
                finish_attr(s);
            break;
        case VIGIL_EVTX_N_CLOSE_EMPTY:
        case VIGIL_EVTX_N_END:
            close_elem(s);
            break;
        case VIGIL_EVTX_N_ATTR:
            if (s->attr != NULL)
                finish_attr(s);
            if (sn != NULL && s->depth == s->base) {
                s->bad = 1; /* an attribute of the enclosing element */
                break;
            }
            s->attr = nd;
            s->attr_emit = s->depth > 0 && nd->tag != VIGIL_EVTX_TAG_XMLNS;
            s->attr_text_only = 1;
            if (s->attr_emit) {
                s->attr_op = s->ov.n;
                op_push(s, VIGIL_EVTX_OP_MARK);
            }
            break;
        case VIGIL_EVTX_N_TEXT:
            if (s->attr != NULL ? s->attr_emit : text_live(s)) {
                if ((op = op_push(s, VIGIL_EVTX_OP_TEXT)) != NULL) {
                    op->str = nd->str;
                    op->len = nd->len;
                }
            }
            break;
        case VIGIL_EVTX_N_SUBST:
            subst_op(s, nd);
            break;
        default: /* a template inside the template: not modelled */
            s->bad = 1;
            break;
        }
    }
    if (sn == NULL) {
        while (!s->bad && s->depth > 0) /* unclosed elements are closed at the end */
            close_elem(s);
    } else if (s->depth != s->base || s->attr != NULL) {
        s->bad = 1; /* leaves elements open for the enclosing stream */
    }
    if (!s->bad) {
        fuse(&s->ov);
        /* names hashed once per template, not per event (vigil_event.name_hash) */
        for (uint32_t i = 0; i < s->ov.n; i++)
            if (s->ov.v[i].str != NULL && s->ov.v[i].kind != VIGIL_EVTX_OP_TEXT)
                s->ov.v[i].hash = vigil_field_name_hash(s->ov.v[i].str, s->ov.v[i].len);
        pr->ops = s->ov.n ? s->ov.v : no_ops;
        pr->n = s->ov.n;
    }
    size_t bytes = s->bytes;
    free(s);
    return bytes;
}

/* t's program for context key (NULL: top of a record), built on first
 * use; NULL if it has none or when out of memory.
 *
 * A template from the cache (evtx_template_cache.c) keeps its programs there too,
 * across chunks, unless the context belongs to a chunk-only program (a
 * LOCAL op: its address is reused by the next chunk, and its element
 * stack names point into the chunk arena). Those are kept in the
 * template's list for the current chunk, dropped when the chunk changes. */
static const vigil_evtx_prog *get_prog(vigil_evtx_ctx *c, vigil_evtx_tmpl *t,
                                       const vigil_evtx_op *key)
{
    int local = !t->shared || (key != NULL && (key->flags & VIGIL_EVTX_OPF_LOCAL));
    vigil_evtx_prog **list = &t->progs;
    if (local && t->shared) {
        if (t->lgen != c->gen) {
            t->lprogs = NULL;
            t->lgen = c->gen;
        }
        list = &t->lprogs;
    }
    for (vigil_evtx_prog *p = *list; p != NULL; p = p->next) {
        if (p->key == key)
            return p->ops != NULL ? p : NULL;
    }
    vigil_arena *a = local ? &c->arena : &c->tc.arena;
    vigil_evtx_prog *p = vigil_arena_alloc_raw(a, sizeof *p);
    if (p == NULL)
        return NULL;
    p->key = key;
    size_t bytes = build(a, local, t, key != NULL ? key->ctx : NULL, p);
    if (!local)
        c->tc.bytes += bytes + sizeof *p;
    p->next = *list;
    *list = p;
    return p->ops != NULL ? p : NULL;
}

enum { RUN_OK = 0, RUN_ERROR = -1, RUN_FALLBACK = -2 };

/* Parses a template instance at [off, end) the way evtx_event.c's
 * fast_record does: 0x0c, def, optional inline definition, value
 * descriptors, values, then end of stream or the end. Returns 1 with the
 * values in *vals (c->vals when top, else allocated in c->rec), 0 if the
 * shape differs. */
static int parse_instance(vigil_evtx_ctx *c, uint32_t p, uint32_t end, int top, uint32_t *def,
                          vigil_evtx_value **vals, uint32_t *count)
{
    uint32_t desc, n;
    vigil_evtx_value *v;

    if (!vigil_evtx_instance_header(c->chunk, p, end, def, &desc, &n))
        return 0;
    if (top) {
        if (n > c->capvals) {
            size_t cap = n < 64 ? 64 : n;
            v = realloc(c->vals, cap * sizeof *v);
            if (v == NULL)
                return 0;
            c->vals = v;
            c->capvals = cap;
        }
        v = c->vals;
    } else {
        v = n ? vigil_arena_alloc_raw(&c->rec, (size_t)n * sizeof *v) : NULL;
        if (n && v == NULL)
            return 0;
    }
    if (!vigil_evtx_instance_values(c->chunk, desc, n, end, v))
        return 0;
    *vals = v;
    *count = n;
    return 1;
}

/* Ends the value at vstart with a NUL and makes it a field. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline int
field(vigil_evtx_ctx *c, const vigil_evtx_op *op, uint32_t vstart)
{
    uint32_t vlen = (uint32_t)(c->out.len - vstart);
    if (vigil_evtx_buf_putc(&c->out, '\0') != 0)
        return -1;
    return vigil_evtx_add_ref_h(c, op->str, 0, op->len, op->hash, vstart, vlen);
}

/* Marks the field just added as null when its (empty) value came from a
 * NullType substitution since null_mark, as the node runner does. */
static inline void mark_null(vigil_evtx_ctx *c, uint32_t null_mark)
{
    vigil_evtx_fref *f = &c->refs[c->nrefs - 1];
    f->is_null = f->val_len == 0 && c->nulls != null_mark;
}

/* An attribute's value is complete: a field (and the TimeCreated alias of
 * SystemTime), or nothing at all when an optional substitution was empty.
 * 0, or -1 when the record must run node by node. */
static inline int attr_end(vigil_evtx_ctx *c, const vigil_evtx_op *op, uint32_t vstart, int omit)
{
    if (omit) {
        c->out.len = vstart;
        return 0;
    }
    if (field(c, op, vstart) != 0)
        return -1;
    if ((op->flags & VIGIL_EVTX_OPF_TIMECREATED) &&
        vigil_evtx_add_ref(c, "TimeCreated", 0, 11, vstart, c->refs[c->nrefs - 1].val_len) != 0)
        return -1;
    return 0;
}

/* A <Data> without a name: its text joins the event's unnamed data, after
 * a separator, and leaves the output. 0, or -1 as above. */
static inline int unnamed_data(vigil_evtx_ctx *c, uint32_t vstart)
{
    vigil_evtx_buf *out = &c->out;
    size_t tlen = out->len - vstart;
    if (c->ndata++ &&
        vigil_evtx_buf_put(&c->data, VIGIL_EVTX_DATA_SEP, sizeof VIGIL_EVTX_DATA_SEP - 1) != 0)
        return -1;
    if (tlen > 0 && vigil_evtx_buf_put(&c->data, out->data + vstart, tlen) != 0)
        return -1;
    out->len = vstart;
    return 0;
}

static int run_prog(vigil_evtx_ctx *c, const vigil_evtx_prog *pr, const vigil_evtx_value *vals,
                    uint32_t nvals, unsigned nest);

/* A BinXml value holding one template instance, run with the program of
 * its template for the context of op. nest counts as evtx_event.c does:
 * the value's stream at nest + 1, its template at nest + 2. */
static int run_binxml(vigil_evtx_ctx *c, const vigil_evtx_op *op, const vigil_evtx_value *v,
                      unsigned nest)
{
    const uint8_t *ch = c->chunk;
    uint32_t p = v->off, end = v->off + v->size, def, count;
    vigil_evtx_value *vals;

    if (nest + 2 > VIGIL_EVTX_MAX_NEST || end - p < 4 || ch[p] != 0x0f)
        return RUN_FALLBACK;
    if (!parse_instance(c, p + 4, end, 0, &def, &vals, &count))
        return RUN_FALLBACK;
    vigil_evtx_tmpl *t = vigil_evtx_template(c, def, nest + 2);
    if (t == NULL)
        return RUN_ERROR; /* the node runner stops at the same template */
    const vigil_evtx_prog *pr = get_prog(c, t, op);
    if (pr == NULL)
        return RUN_FALLBACK;
    return run_prog(c, pr, vals, count, nest + 2);
}

/* A SUBST step: the value's text appended, or *omit set for an optional
 * one that is empty. 0, or -1 when the record must run node by node. */
static inline int subst_value(vigil_evtx_ctx *c, const vigil_evtx_op *op,
                              const vigil_evtx_value *vals, uint32_t nvals, int *omit)
{
    const vigil_evtx_value *v = op->index < nvals ? &vals[op->index] : NULL;
    if (v != NULL && v->type == VIGIL_EVTX_T_NULL)
        c->nulls++;
    if (v == NULL || v->type == VIGIL_EVTX_T_NULL || v->size == 0) {
        if (op->flags & VIGIL_EVTX_OPF_OPTIONAL)
            *omit = 1;
        return 0;
    }
    if (v->type == VIGIL_EVTX_T_BINXML ||
        vigil_evtx_format_value(&c->out, v->type, c->chunk + v->off, v->size) != 0)
        return -1;
    return 0;
}

static int run_prog(vigil_evtx_ctx *c, const vigil_evtx_prog *pr, const vigil_evtx_value *vals,
                    uint32_t nvals, unsigned nest)
{
    const vigil_evtx_op *op = pr->ops, *end = pr->ops + pr->n;
    vigil_evtx_buf *out = &c->out;
    uint32_t vstart = (uint32_t)out->len;
    int omit = 0, rc;
    uint32_t null_mark = c->nulls;
    int dn_has = 0;
    uint32_t dn_off = 0, dn_len = 0;

    for (; op < end; op++) {
        const vigil_evtx_value *v;
        switch (op->kind) {
        case VIGIL_EVTX_OP_MARK:
            vstart = (uint32_t)out->len;
            null_mark = c->nulls;
            omit = 0;
            break;
        case VIGIL_EVTX_OP_TEXT:
            if (vigil_evtx_buf_put(out, op->str, op->len) != 0)
                return RUN_FALLBACK;
            break;
        case VIGIL_EVTX_OP_SUBST:
            if (subst_value(c, op, vals, nvals, &omit) != 0)
                return RUN_FALLBACK;
            break;
        case VIGIL_EVTX_OP_SUBST_ATTR:
            vstart = (uint32_t)out->len;
            omit = 0;
            if (subst_value(c, op, vals, nvals, &omit) != 0)
                return RUN_FALLBACK;
            if (attr_end(c, op, vstart, omit) != 0)
                return RUN_FALLBACK;
            break;
        case VIGIL_EVTX_OP_SUBST_CLOSE:
            vstart = (uint32_t)out->len;
            null_mark = c->nulls;
            omit = 0;
            if (subst_value(c, op, vals, nvals, &omit) != 0)
                return RUN_FALLBACK;
            if ((op->flags & VIGIL_EVTX_OPF_HAS_ATTR) && out->len == vstart)
                break;
            if (field(c, op, vstart) != 0)
                return RUN_FALLBACK;
            mark_null(c, null_mark);
            break;
        case VIGIL_EVTX_OP_SKIP:
            v = op->index < nvals ? &vals[op->index] : NULL;
            if (v != NULL && v->type == VIGIL_EVTX_T_BINXML && v->size != 0)
                return RUN_FALLBACK;
            break;
        case VIGIL_EVTX_OP_BINXML:
            v = op->index < nvals ? &vals[op->index] : NULL;
            if (v != NULL && v->type == VIGIL_EVTX_T_BINXML && v->size != 0 &&
                (rc = run_binxml(c, op, v, nest)) != RUN_OK)
                return rc;
            break;
        case VIGIL_EVTX_OP_ATTR:
            if (attr_end(c, op, vstart, omit) != 0)
                return RUN_FALLBACK;
            break;
        case VIGIL_EVTX_OP_DNAME:
            if (omit) {
                out->len = vstart;
                dn_has = 0;
                break;
            }
            dn_off = vstart;
            dn_len = (uint32_t)(out->len - vstart);
            if (vigil_evtx_buf_putc(out, '\0') != 0)
                return RUN_FALLBACK;
            dn_has = 1;
            null_mark = c->nulls; /* a null Name is not the Data's value */
            break;
        case VIGIL_EVTX_OP_CLOSE:
            if ((op->flags & VIGIL_EVTX_OPF_HAS_ATTR) && out->len == vstart)
                break; /* empty element with attributes: no field */
            if (field(c, op, vstart) != 0)
                return RUN_FALLBACK;
            mark_null(c, null_mark);
            break;
        case VIGIL_EVTX_OP_DATA_NAMED:
            if (field(c, op, vstart) != 0)
                return RUN_FALLBACK;
            mark_null(c, null_mark);
            break;
        case VIGIL_EVTX_OP_DATA_DYN:
            if (dn_has) {
                uint32_t vlen = (uint32_t)(out->len - vstart);
                if (vigil_evtx_buf_putc(out, '\0') != 0 ||
                    vigil_evtx_add_ref(c, NULL, dn_off, dn_len, vstart, vlen) != 0)
                    return RUN_FALLBACK;
                mark_null(c, null_mark);
                break;
            }
            /* fall through */
        case VIGIL_EVTX_OP_DATA_UNNAMED:
            if (unnamed_data(c, vstart) != 0)
                return RUN_FALLBACK;
            break;
        default:
            return RUN_FALLBACK;
        }
    }
    return RUN_OK;
}

int vigil_evtx_prog_record(vigil_evtx_ctx *c, uint32_t off, uint32_t end)
{
    size_t r0 = c->nrefs, o0 = c->out.len;
    uint32_t def, count;
    vigil_evtx_value *vals;

    /* the checks of fast_record: when they fail, so does it */
    if (end - off < 18 || c->chunk[off] != 0x0f)
        return 0;
    if (!parse_instance(c, off + 4, end, 1, &def, &vals, &count))
        return 0;
    vigil_evtx_tmpl *t = vigil_evtx_template(c, def, 1);
    if (t == NULL)
        return -1;
    const vigil_evtx_prog *pr = get_prog(c, t, NULL);
    if (pr == NULL)
        return 0;
    int rc = run_prog(c, pr, vals, count, 1);
    if (rc == RUN_OK) {
        c->depth = 0;
        c->attr = NULL;
        return 1;
    }
    /* undo what was appended */
    c->nrefs = r0;
    c->out.len = o0;
    c->data.len = 0;
    c->ndata = 0;
    if (rc == RUN_ERROR)
        return -1;
    c->err = NULL;
    c->err_off = 0;
    return 0;
}
