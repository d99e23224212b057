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

#include "events/evtx_internal.h"

enum {
    SEC_NONE = VIGIL_EVTX_SEC_NONE,
    SEC_SYSTEM = VIGIL_EVTX_SEC_SYSTEM,
    SEC_EVENTDATA = VIGIL_EVTX_SEC_EVENTDATA,
    SEC_USERDATA = VIGIL_EVTX_SEC_USERDATA,
    SEC_OTHER = VIGIL_EVTX_SEC_OTHER
};

static int fail(vigil_evtx_ctx *c, uint32_t off, const char *msg)
{
    if (c->err == NULL) {
        c->err = msg;
        c->err_off = off;
    }
    return -1;
}

int vigil_evtx_grow_refs(vigil_evtx_ctx *c)
{
    vigil_status st =
        vigil_array_grow(&c->refs, &c->caprefs, c->nrefs + 1, sizeof *c->refs, (size_t)1 << 22);
    if (st == VIGIL_ERR_LIMIT)
        return fail(c, 0, "too many fields");
    if (st != VIGIL_OK)
        return fail(c, 0, "out of memory");
    return 0;
}

/* Copies s into the output with a NUL; *off gets its offset. */
static int out_str(vigil_evtx_ctx *c, const char *s, size_t n, uint32_t *off)
{
    if (vigil_evtx_buf_reserve(&c->out, n + 1) != 0)
        return fail(c, 0, "record text too large");
    *off = (uint32_t)c->out.len;
    if (n)
        memcpy(c->out.data + c->out.len, s, n);
    c->out.len += n;
    c->out.data[c->out.len++] = '\0';
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
        memcpy(c->out.data + c->out.len, a, alen);
        c->out.data[noff + alen] = '_';
        memcpy(c->out.data + noff + alen + 1, b, blen);
        c->out.data[noff + alen + 1 + blen] = '\0';
        c->out.len += (size_t)alen + blen + 2;
        nlen = alen + 1 + blen;
        nptr = NULL;
    }
    if (out_str(c, v, vlen, &voff) != 0)
        return -1;
    return vigil_evtx_add_ref(c, nptr, noff, nlen, voff, (uint32_t)vlen);
}

/* Ends the value of the pending attribute (written at c->attr_start in
 * out) and turns it into a field, or drops it. */
static int finish_attr(vigil_evtx_ctx *c)
{
    const vigil_evtx_node *an = c->attr;
    uint32_t vstart = c->attr_start;
    size_t vlen = c->out.len - vstart;

    c->attr = NULL;
    if (c->depth == 0) {
        c->out.len = vstart;
        return 0;
    }
    vigil_evtx_elem *e = &c->stack[c->depth - 1];
    e->has_attr = 1;
    if (c->attr_omit || an->tag == VIGIL_EVTX_TAG_XMLNS) {
        c->out.len = vstart;
        e->text_start = vstart;
        return 0;
    }
    if (vigil_evtx_buf_putc(&c->out, '\0') != 0)
        return fail(c, 0, "record text too large");
    e->text_start = (uint32_t)c->out.len;
    if (e->section == SEC_EVENTDATA && e->tag == VIGIL_EVTX_TAG_DATA &&
        an->tag == VIGIL_EVTX_TAG_NAME) {
        e->dname_off = vstart;
        e->dname_len = (uint32_t)vlen;
        e->has_dname = 1;
        return 0;
    }
    if (an->full != NULL) {
        if (vigil_evtx_add_ref(c, an->full, 0, an->full_len, vstart, (uint32_t)vlen) != 0)
            return -1;
    } else {
        /* attribute of an element from another stream: compose the name */
        uint32_t noff = (uint32_t)c->out.len;
        if (vigil_evtx_buf_reserve(&c->out, (size_t)e->name_len + an->len + 2) != 0)
            return fail(c, 0, "record text too large");
        memcpy(c->out.data + noff, e->name, e->name_len);
        c->out.data[noff + e->name_len] = '_';
        memcpy(c->out.data + noff + e->name_len + 1, an->str, an->len);
        c->out.data[noff + e->name_len + 1 + an->len] = '\0';
        c->out.len += (size_t)e->name_len + an->len + 2;
        e->text_start = (uint32_t)c->out.len;
        if (vigil_evtx_add_ref(c, NULL, noff, e->name_len + 1 + an->len, vstart, (uint32_t)vlen) !=
            0)
            return -1;
    }
    if (e->section == SEC_SYSTEM && e->tag == VIGIL_EVTX_TAG_TIMECREATED &&
        an->tag == VIGIL_EVTX_TAG_SYSTEMTIME) {
        /* the same value, under the name Sigma users expect */
        return vigil_evtx_add_ref(c, "TimeCreated", 0, 11, vstart, (uint32_t)vlen);
    }
    return 0;
}

static int open_elem(vigil_evtx_ctx *c, const vigil_evtx_node *nd, uint32_t at)
{
    if (c->attr != NULL && finish_attr(c) != 0)
        return -1;
    if (c->depth >= VIGIL_EVTX_MAX_ELEM_DEPTH)
        return fail(c, at, "elements nested too deep");
    vigil_evtx_elem *e = &c->stack[c->depth];
    e->name = nd->str;
    e->name_len = nd->len;
    e->tag = nd->tag;
    e->text_start = (uint32_t)c->out.len;
    e->has_child = e->has_attr = e->has_dname = 0;
    e->nulls = c->nulls;
    if (c->depth == 0) {
        e->section = SEC_NONE;
    } else {
        c->stack[c->depth - 1].has_child = 1;
        if (c->depth == 1) {
            if (nd->tag == VIGIL_EVTX_TAG_SYSTEM)
                e->section = SEC_SYSTEM;
            else if (nd->tag == VIGIL_EVTX_TAG_EVENTDATA)
                e->section = SEC_EVENTDATA;
            else if (nd->tag == VIGIL_EVTX_TAG_USERDATA)
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

/* Ends the element on top of the stack. Its text is out[text_start..]: it
 * either becomes a field value in place (NUL appended) or is dropped. The
 * text of an element with children stays behind unused. */
static int close_elem(vigil_evtx_ctx *c)
{
    if (c->attr != NULL && finish_attr(c) != 0)
        return -1;
    if (c->depth == 0)
        return 0; /* stray end tag: nothing to close */
    unsigned idx = c->depth - 1;
    vigil_evtx_elem *e = &c->stack[idx];
    uint32_t ts = e->text_start;
    size_t tlen = c->out.len - ts;
    int rc = 0;

    c->depth--;
    if (e->has_child)
        return 0;
    if (idx >= 2 && e->section == SEC_EVENTDATA && e->tag == VIGIL_EVTX_TAG_DATA) {
        if (e->has_dname) {
            if (vigil_evtx_buf_putc(&c->out, '\0') != 0)
                return fail(c, 0, "record text too large");
            if (vigil_evtx_add_ref(c, NULL, e->dname_off, e->dname_len, ts, (uint32_t)tlen) != 0)
                return -1;
            c->refs[c->nrefs - 1].is_null = tlen == 0 && c->nulls != e->nulls;
            return 0;
        }
        if (c->ndata++ &&
            vigil_evtx_buf_put(&c->data, VIGIL_EVTX_DATA_SEP, sizeof VIGIL_EVTX_DATA_SEP - 1) != 0)
            rc = fail(c, 0, "record text too large");
        if (rc == 0 && tlen > 0 && vigil_evtx_buf_put(&c->data, c->out.data + ts, tlen) != 0)
            rc = fail(c, 0, "record text too large");
        c->out.len = ts;
        return rc;
    }
    if (idx < 2 || (e->has_attr && tlen == 0)) {
        c->out.len = ts;
        return 0;
    }
    if (vigil_evtx_buf_putc(&c->out, '\0') != 0)
        return fail(c, 0, "record text too large");
    if (e->section != SEC_OTHER) {
        if (vigil_evtx_add_ref(c, e->name, 0, e->name_len, ts, (uint32_t)tlen) != 0)
            return -1;
        c->refs[c->nrefs - 1].is_null = tlen == 0 && c->nulls != e->nulls;
        return 0;
    }
    /* RenderingInfo and the like: Section_Leaf, never shadowing System */
    const vigil_evtx_elem *sec = &c->stack[1];
    uint32_t noff = (uint32_t)c->out.len;
    size_t nlen = (size_t)sec->name_len + 1 + e->name_len;
    if (vigil_evtx_buf_reserve(&c->out, nlen + 1) != 0)
        return fail(c, 0, "record text too large");
    memcpy(c->out.data + noff, sec->name, sec->name_len);
    c->out.data[noff + sec->name_len] = '_';
    memcpy(c->out.data + noff + sec->name_len + 1, e->name, e->name_len);
    c->out.data[noff + nlen] = '\0';
    c->out.len += nlen + 1;
    return vigil_evtx_add_ref(c, NULL, noff, (uint32_t)nlen, ts, (uint32_t)tlen);
}

static int run(vigil_evtx_ctx *c, const vigil_evtx_node *nodes, uint32_t n,
               const vigil_evtx_value *vals, uint32_t nvals, unsigned nest);

static int subst(vigil_evtx_ctx *c, const vigil_evtx_node *nd, const vigil_evtx_value *vals,
                 uint32_t nvals, unsigned nest)
{
    if (nd->index < nvals && vals[nd->index].type == VIGIL_EVTX_T_NULL && c->attr == NULL)
        c->nulls++;
    if (nd->index >= nvals || vals[nd->index].type == VIGIL_EVTX_T_NULL ||
        vals[nd->index].size == 0) {
        if (nd->optional && c->attr != NULL)
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
    if (c->depth == 0 && c->attr == NULL)
        return 0;
    if (vigil_evtx_format_value(&c->out, v->type, c->chunk + v->off, v->size) != 0)
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
            rc = c->attr != NULL ? finish_attr(c) : 0;
            break;
        case VIGIL_EVTX_N_CLOSE_EMPTY:
        case VIGIL_EVTX_N_END:
            rc = close_elem(c);
            break;
        case VIGIL_EVTX_N_ATTR:
            if (c->attr != NULL && finish_attr(c) != 0)
                return -1;
            c->attr = nd;
            c->attr_start = (uint32_t)c->out.len;
            c->attr_omit = 0;
            break;
        case VIGIL_EVTX_N_TEXT:
            if ((c->attr != NULL || c->depth > 0) &&
                vigil_evtx_buf_put(&c->out, nd->str, nd->len) != 0)
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

/* The shape of nearly every record: fragment header, one template
 * instance whose definition is already known or inline, end of stream.
 * Runs it without compiling the record's own stream. Returns 1 when done,
 * 0 when the record has another shape (or is damaged: the general path
 * then reports it precisely), -1 on error inside the template. */
static int fast_record(vigil_evtx_ctx *c, uint32_t off, uint32_t end)
{
    uint32_t def, desc, count;

    if (end - off < 18 || c->chunk[off] != 0x0f ||
        !vigil_evtx_instance_header(c->chunk, off + 4, end, &def, &desc, &count))
        return 0;
    if (count > c->capvals) {
        size_t cap = count < 64 ? 64 : count;
        vigil_evtx_value *v = realloc(c->vals, cap * sizeof *v);
        if (v == NULL)
            return fail(c, desc, "out of memory");
        c->vals = v;
        c->capvals = cap;
    }
    if (!vigil_evtx_instance_values(c->chunk, desc, count, end, c->vals))
        return 0;
    const vigil_evtx_tmpl *t = vigil_evtx_template(c, def, 1);
    if (t == NULL)
        return -1;
    return run(c, t->nodes, t->n, c->vals, count, 1) == 0 ? 1 : -1;
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
    c->data.len = 0;
    c->ndata = 0;
    c->attr = NULL;
    c->steps = 0;
    vigil_arena_reset(&c->rec);
    rc = c->no_prog ? 0 : vigil_evtx_prog_record(c, off, end);
    if (rc == 0)
        rc = fast_record(c, off, end);
    if (rc == 1) {
        rc = 0;
    } else if (rc == 0) {
        rc = vigil_evtx_compile(c, off, end, 0, &c->rec, 0, &nodes, &n, NULL);
        if (rc == 0)
            rc = run(c, nodes, n, NULL, 0, 0);
    }
    while (rc == 0 && c->depth > 0) /* unclosed elements: close them */
        rc = close_elem(c);
    if (rc == 0 && c->ndata > 0)
        rc = emit(c, "Data", 4, NULL, 0, c->data.data, c->data.len);
    if (rc != 0) {
        if (c->err == NULL)
            fail(c, off, "cannot decode record");
        c->nrefs = r0;
        c->out.len = o0;
        return -1;
    }
    return 0;
}
