/* evtx_event.c - runs compiled binary XML with a record's values and emits
 * flat fields named the way Sigma rules name them.
 *
 * Why no XML: a Sigma engine wants "EventID" = "4624", not a document. The
 * element stack tracks which part of the event we are in (System,
 * EventData, UserData, other) and each closing element or attribute turns
 * into at most one field: System children by tag with attributes as
 * Tag_Attr, EventData by each <Data Name=...>, unnamed Data joined into
 * "Data", UserData by leaf element name, other sections (RenderingInfo...)
 * as Section_Leaf so they never shadow System fields. */
#include <stdlib.h>

#include "evtx/evtx_internal.h"

enum { SEC_NONE = 0, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };

static int fail(vigil_evtx_ctx *c, uint32_t off, const char *msg)
{
    if (c->err == NULL) {
        c->err = msg;
        c->err_off = off;
    }
    return -1;
}

static int is(const char *s, uint32_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len == n && memcmp(s, lit, n) == 0;
}

static int add_ref(vigil_evtx_ctx *c, const char *name_ptr, uint32_t name_off, uint32_t name_len,
                   uint32_t val_off, uint32_t val_len)
{
    if (c->nrefs == c->caprefs) {
        size_t cap = c->caprefs ? c->caprefs * 2 : 64;
        if (cap > (1u << 22))
            return fail(c, 0, "too many fields");
        vigil_evtx_fref *r = realloc(c->refs, cap * sizeof *r);
        if (r == NULL)
            return fail(c, 0, "out of memory");
        c->refs = r;
        c->caprefs = cap;
    }
    vigil_evtx_fref *f = &c->refs[c->nrefs++];
    f->name_ptr = name_ptr;
    f->name_off = name_off;
    f->name_len = name_len;
    f->val_off = val_off;
    f->val_len = val_len;
    return 0;
}

/* Copies s into the output with a NUL; *off gets its offset. */
static int out_str(vigil_evtx_ctx *c, const char *s, size_t n, uint32_t *off)
{
    if (vigil_evtx_buf_reserve(&c->out, n + 1) != 0)
        return fail(c, 0, "record text too large");
    *off = (uint32_t)c->out.len;
    if (n)
        memcpy(c->out.p + c->out.len, s, n);
    c->out.len += n;
    c->out.p[c->out.len++] = '\0';
    return 0;
}

/* A field whose name is "a" or "a_b" (b may be NULL) and value v. */
static int emit(vigil_evtx_ctx *c, const char *a, uint32_t alen, const char *b, uint32_t blen,
                const char *v, size_t vlen)
{
    uint32_t noff = 0, nlen = alen, voff;
    const char *nptr = a;

    if (b != NULL) {
        if (vigil_evtx_buf_reserve(&c->out, (size_t)alen + blen + 2) != 0)
            return fail(c, 0, "record text too large");
        noff = (uint32_t)c->out.len;
        memcpy(c->out.p + c->out.len, a, alen);
        c->out.p[noff + alen] = '_';
        memcpy(c->out.p + noff + alen + 1, b, blen);
        c->out.p[noff + alen + 1 + blen] = '\0';
        c->out.len += (size_t)alen + blen + 2;
        nlen = alen + 1 + blen;
        nptr = NULL;
    }
    if (out_str(c, v, vlen, &voff) != 0)
        return -1;
    return add_ref(c, nptr, noff, nlen, voff, (uint32_t)vlen);
}

static int finish_attr(vigil_evtx_ctx *c)
{
    const char *an = c->attr_name;
    uint32_t alen = c->attr_name_len;

    c->attr_name = NULL;
    if (an == NULL || c->depth == 0)
        return 0;
    vigil_evtx_elem *e = &c->stack[c->depth - 1];
    e->has_attr = 1;
    if (c->attr_omit || is(an, alen, "xmlns") || (alen > 6 && memcmp(an, "xmlns:", 6) == 0))
        return 0;
    if (e->section == SEC_EVENTDATA && is(e->name, e->name_len, "Data") && is(an, alen, "Name")) {
        if (out_str(c, c->attr.p ? c->attr.p : "", c->attr.len, &e->dname_off) != 0)
            return -1;
        e->dname_len = (uint32_t)c->attr.len;
        e->has_dname = 1;
        return 0;
    }
    if (emit(c, e->name, e->name_len, an, alen, c->attr.p, c->attr.len) != 0)
        return -1;
    if (e->section == SEC_SYSTEM && is(e->name, e->name_len, "TimeCreated") &&
        is(an, alen, "SystemTime")) {
        /* the same value, under the name Sigma users expect */
        vigil_evtx_fref *last = &c->refs[c->nrefs - 1];
        return add_ref(c, "TimeCreated", 0, 11, last->val_off, last->val_len);
    }
    return 0;
}

static int open_elem(vigil_evtx_ctx *c, const vigil_evtx_node *nd, uint32_t at)
{
    if (c->attr_name != NULL && finish_attr(c) != 0)
        return -1;
    if (c->depth >= VIGIL_EVTX_MAX_ELEM_DEPTH)
        return fail(c, at, "elements nested too deep");
    vigil_evtx_elem *e = &c->stack[c->depth];
    e->name = nd->str;
    e->name_len = nd->len;
    e->text_start = (uint32_t)c->text.len;
    e->has_child = e->has_attr = e->has_dname = 0;
    if (c->depth == 0) {
        e->section = SEC_NONE;
    } else {
        c->stack[c->depth - 1].has_child = 1;
        if (c->depth == 1) {
            if (is(nd->str, nd->len, "System"))
                e->section = SEC_SYSTEM;
            else if (is(nd->str, nd->len, "EventData"))
                e->section = SEC_EVENTDATA;
            else if (is(nd->str, nd->len, "UserData"))
                e->section = SEC_USERDATA;
            else
                e->section = SEC_OTHER;
        } else {
            e->section = c->stack[c->depth - 1].section;
        }
    }
    c->depth++;
    return 0;
}

static int close_elem(vigil_evtx_ctx *c)
{
    if (c->attr_name != NULL && finish_attr(c) != 0)
        return -1;
    if (c->depth == 0)
        return 0; /* stray end tag: nothing to close */
    unsigned idx = c->depth - 1;
    vigil_evtx_elem *e = &c->stack[idx];
    const char *text = c->text.p ? c->text.p + e->text_start : "";
    size_t tlen = c->text.len - e->text_start;
    int rc = 0;

    if (idx >= 2 && e->section == SEC_EVENTDATA && is(e->name, e->name_len, "Data")) {
        if (e->has_dname) {
            uint32_t voff;
            rc = out_str(c, text, tlen, &voff);
            if (rc == 0)
                rc = add_ref(c, NULL, e->dname_off, e->dname_len, voff, (uint32_t)tlen);
        } else {
            if (c->ndata++ && vigil_evtx_buf_put(&c->data, VIGIL_EVTX_DATA_SEP,
                                                 sizeof VIGIL_EVTX_DATA_SEP - 1) != 0)
                rc = fail(c, 0, "record text too large");
            if (rc == 0 && vigil_evtx_buf_put(&c->data, text, tlen) != 0)
                rc = fail(c, 0, "record text too large");
        }
    } else if (idx >= 2 && !e->has_child && !(e->has_attr && tlen == 0)) {
        if (e->section == SEC_OTHER)
            rc = emit(c, c->stack[1].name, c->stack[1].name_len, e->name, e->name_len, text, tlen);
        else
            rc = emit(c, e->name, e->name_len, NULL, 0, text, tlen);
    }
    c->text.len = e->text_start;
    c->depth--;
    return rc;
}

static int run(vigil_evtx_ctx *c, const vigil_evtx_node *nodes, uint32_t n,
               const vigil_evtx_value *vals, uint32_t nvals, unsigned nest);

static int subst(vigil_evtx_ctx *c, const vigil_evtx_node *nd, const vigil_evtx_value *vals,
                 uint32_t nvals, unsigned nest)
{
    if (nd->index >= nvals || vals[nd->index].type == VIGIL_EVTX_T_NULL ||
        vals[nd->index].size == 0) {
        if (nd->optional && c->attr_name != NULL)
            c->attr_omit = 1;
        return 0;
    }
    const vigil_evtx_value *v = &vals[nd->index];
    if (v->type == VIGIL_EVTX_T_BINXML) {
        vigil_evtx_node *sub;
        uint32_t nsub;
        if (nest >= VIGIL_EVTX_MAX_NEST)
            return fail(c, v->off, "binary XML nested too deep");
        if (vigil_evtx_compile(c, v->off, v->off + v->size, 0, &c->rec, nest + 1, &sub, &nsub,
                               NULL) != 0)
            return -1;
        return run(c, sub, nsub, NULL, 0, nest + 1);
    }
    if (c->depth == 0 && c->attr_name == NULL)
        return 0;
    vigil_evtx_buf *dst = c->attr_name != NULL ? &c->attr : &c->text;
    if (vigil_evtx_format_value(dst, v->type, c->chunk + v->off, v->size) != 0)
        return fail(c, v->off, "record text too large");
    return 0;
}

static int run(vigil_evtx_ctx *c, const vigil_evtx_node *nodes, uint32_t n,
               const vigil_evtx_value *vals, uint32_t nvals, unsigned nest)
{
    if (nest > VIGIL_EVTX_MAX_NEST)
        return fail(c, 0, "templates nested too deep");
    for (uint32_t i = 0; i < n; i++) {
        const vigil_evtx_node *nd = &nodes[i];
        int rc = 0;
        if (++c->steps > VIGIL_EVTX_MAX_STEPS)
            return fail(c, 0, "record expands too much");
        switch (nd->kind) {
        case VIGIL_EVTX_N_OPEN:
            rc = open_elem(c, nd, 0);
            break;
        case VIGIL_EVTX_N_CLOSE_START:
            rc = c->attr_name != NULL ? finish_attr(c) : 0;
            break;
        case VIGIL_EVTX_N_CLOSE_EMPTY:
        case VIGIL_EVTX_N_END:
            rc = close_elem(c);
            break;
        case VIGIL_EVTX_N_ATTR:
            if (c->attr_name != NULL && finish_attr(c) != 0)
                return -1;
            c->attr_name = nd->str;
            c->attr_name_len = nd->len;
            c->attr_omit = 0;
            c->attr.len = 0;
            break;
        case VIGIL_EVTX_N_TEXT:
            if (c->attr_name != NULL)
                rc = vigil_evtx_buf_put(&c->attr, nd->str, nd->len);
            else if (c->depth > 0)
                rc = vigil_evtx_buf_put(&c->text, nd->str, nd->len);
            if (rc != 0)
                rc = fail(c, 0, "record text too large");
            break;
        case VIGIL_EVTX_N_SUBST:
            rc = subst(c, nd, vals, nvals, nest);
            break;
        case VIGIL_EVTX_N_TEMPLATE:
            rc = run(c, nd->tmpl->nodes, nd->tmpl->n, nd->vals, nd->len, nest + 1);
            break;
        default:
            rc = fail(c, 0, "bad node");
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int vigil_evtx_decode_record(vigil_evtx_ctx *c, uint32_t off, uint32_t end)
{
    size_t r0 = c->nrefs, o0 = c->out.len;
    vigil_evtx_node *nodes;
    uint32_t n;
    int rc;

    c->err = NULL;
    c->err_off = 0;
    c->depth = 0;
    c->text.len = c->attr.len = c->data.len = 0;
    c->ndata = 0;
    c->attr_name = NULL;
    c->steps = 0;
    vigil_arena_reset(&c->rec);
    rc = vigil_evtx_compile(c, off, end, 0, &c->rec, 0, &nodes, &n, NULL);
    if (rc == 0)
        rc = run(c, nodes, n, NULL, 0, 0);
    while (rc == 0 && c->depth > 0) /* unclosed elements: close them */
        rc = close_elem(c);
    if (rc == 0 && c->ndata > 0)
        rc = emit(c, "Data", 4, NULL, 0, c->data.p, c->data.len);
    if (rc != 0) {
        if (c->err == NULL)
            fail(c, off, "cannot decode record");
        c->nrefs = r0;
        c->out.len = o0;
        return -1;
    }
    return 0;
}
