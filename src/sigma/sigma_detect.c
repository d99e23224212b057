/* sigma_detect.c - compiling a rule's `detection` section and its condition.
 *
 * Why separate from values: this file owns the structure of a detection
 * (search identifiers as OR-of-AND groups, keyword lists) and the condition
 * language (and/or/not, parentheses, `1 of`/`any of`/`all of` patterns and
 * `them`), parsed by recursive descent into a tree the matcher walks.
 * Obsolete aggregation syntax (`| count() by`) is refused with a reason. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "sigma/sigma_internal.h"

#define COND_MAX_DEPTH 64
#define COND_MAX_TOKENS 4096

static vigil_status fail(vigil_sigma_compile_ctx *cx, uint64_t line, const char *msg,
                         const char *arg)
{
    snprintf(cx->err, sizeof cx->err, "%s%s%.80s%s", msg, arg ? " '" : "", arg ? arg : "",
             arg ? "'" : "");
    if (line)
        cx->err_line = line;
    return VIGIL_ERR_RULE;
}

static vigil_status add_item(vigil_sigma_compile_ctx *cx, vigil_sigma_and *g, const char *key,
                             const vigil_ynode *val)
{
    vigil_sigma_item *items = vigil_arena_alloc(cx->arena, (g->n + 1) * sizeof *items);
    if (items == NULL)
        return VIGIL_ERR_NOMEM;
    if (g->n)
        memcpy(items, g->items, g->n * sizeof *items);
    cx->err_line = val->line;
    vigil_status st = vigil_sigma_item_compile(cx, key, val, &items[g->n]);
    if (st != VIGIL_OK)
        return st;
    g->items = items;
    g->n++;
    return VIGIL_OK;
}

static vigil_status compile_map(vigil_sigma_compile_ctx *cx, const vigil_ynode *map,
                                vigil_sigma_and *g)
{
    if (map->n == 0)
        return fail(cx, map->line, "empty selection", NULL);
    for (size_t i = 0; i < map->n; i++) {
        const vigil_ynode *k = map->items[2 * i];
        const vigil_ynode *v = map->items[2 * i + 1];
        vigil_status st = add_item(cx, g, k->str, v);
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

static vigil_status compile_search(vigil_sigma_compile_ctx *cx, const char *name,
                                   const vigil_ynode *node, vigil_sigma_search *s)
{
    s->name = name;
    if (node->type == VIGIL_YN_MAP) {
        s->ors = vigil_arena_alloc(cx->arena, sizeof *s->ors);
        if (s->ors == NULL)
            return VIGIL_ERR_NOMEM;
        s->n = 1;
        return compile_map(cx, node, &s->ors[0]);
    }
    if (node->type == VIGIL_YN_SCALAR) {
        if (vigil_ynode_is_null(node))
            return fail(cx, node->line, "empty search identifier", name);
        s->ors = vigil_arena_alloc(cx->arena, sizeof *s->ors);
        if (s->ors == NULL)
            return VIGIL_ERR_NOMEM;
        s->n = 1;
        return add_item(cx, &s->ors[0], NULL, node);
    }
    /* a list: maps are OR'ed groups, plain values form one keyword item */
    if (node->n == 0)
        return fail(cx, node->line, "empty search identifier", name);
    s->ors = vigil_arena_alloc(cx->arena, (node->n + 1) * sizeof *s->ors);
    if (s->ors == NULL)
        return VIGIL_ERR_NOMEM;
    size_t nscalars = 0;
    for (size_t i = 0; i < node->n; i++) {
        const vigil_ynode *el = node->items[i];
        if (el->type == VIGIL_YN_MAP) {
            vigil_status st = compile_map(cx, el, &s->ors[s->n++]);
            if (st != VIGIL_OK)
                return st;
        } else if (el->type == VIGIL_YN_SCALAR) {
            nscalars++;
        } else {
            return fail(cx, el->line, "nested list in search identifier", name);
        }
    }
    if (nscalars) {
        vigil_ynode *seq = vigil_arena_alloc(cx->arena, sizeof *seq);
        if (seq == NULL)
            return VIGIL_ERR_NOMEM;
        seq->type = VIGIL_YN_SEQ;
        seq->line = node->line;
        seq->items = vigil_arena_alloc(cx->arena, nscalars * sizeof *seq->items);
        if (seq->items == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < node->n; i++)
            if (node->items[i]->type == VIGIL_YN_SCALAR)
                seq->items[seq->n++] = node->items[i];
        vigil_status st = add_item(cx, &s->ors[s->n++], NULL, seq);
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

/* ---- condition ---- */

enum { T_ID, T_AND, T_OR, T_NOT, T_LP, T_RP, T_ONE, T_ALL, T_OF, T_THEM, T_PIPE, T_END };

typedef struct ctok {
    int kind;
    const char *s;
    size_t len;
} ctok;

typedef struct cparser {
    vigil_sigma_compile_ctx *cx;
    const vigil_sigma_detection *det;
    ctok *toks;
    size_t n, pos;
    int depth;
    uint64_t line;
} cparser;

static int word_is(const ctok *t, const char *w)
{
    return t->len == strlen(w) && strncasecmp(t->s, w, t->len) == 0;
}

static vigil_status tokenize(vigil_sigma_compile_ctx *cx, const char *s, uint64_t line, ctok **out,
                             size_t *nout)
{
    size_t cap = 16, n = 0;
    ctok *t = vigil_arena_alloc(cx->arena, cap * sizeof *t);
    if (t == NULL)
        return VIGIL_ERR_NOMEM;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (n + 1 >= cap) {
            if (cap >= COND_MAX_TOKENS)
                return fail(cx, line, "condition too long", NULL);
            ctok *nt = vigil_arena_alloc(cx->arena, cap * 2 * sizeof *nt);
            if (nt == NULL)
                return VIGIL_ERR_NOMEM;
            memcpy(nt, t, n * sizeof *nt);
            t = nt;
            cap *= 2;
        }
        ctok *k = &t[n++];
        k->s = s;
        k->len = 1;
        if (*s == 0) {
            k->kind = T_END;
            break;
        }
        if (*s == '(') {
            k->kind = T_LP;
            s++;
        } else if (*s == ')') {
            k->kind = T_RP;
            s++;
        } else if (*s == '|') {
            k->kind = T_PIPE;
            s++;
        } else {
            const char *b = s;
            while (*s && !strchr(" \t\r\n()|", *s))
                s++;
            k->len = (size_t)(s - b);
            k->kind = T_ID;
            if (word_is(k, "and"))
                k->kind = T_AND;
            else if (word_is(k, "or"))
                k->kind = T_OR;
            else if (word_is(k, "not"))
                k->kind = T_NOT;
            else if (word_is(k, "1") || word_is(k, "any"))
                k->kind = T_ONE;
            else if (word_is(k, "all"))
                k->kind = T_ALL;
            else if (word_is(k, "of"))
                k->kind = T_OF;
            else if (word_is(k, "them"))
                k->kind = T_THEM;
        }
    }
    *out = t;
    *nout = n;
    return VIGIL_OK;
}

static vigil_sigma_cond *new_cond(cparser *p, int op)
{
    vigil_sigma_cond *c = vigil_arena_alloc(p->cx->arena, sizeof *c);
    if (c != NULL)
        c->op = op;
    return c;
}

static vigil_status parse_or(cparser *p, vigil_sigma_cond **out);

static vigil_status parse_primary(cparser *p, vigil_sigma_cond **out)
{
    ctok *t = &p->toks[p->pos];
    char buf[128];
    if (++p->depth > COND_MAX_DEPTH)
        return fail(p->cx, p->line, "condition nested too deeply", NULL);
    if (t->kind == T_LP) {
        p->pos++;
        vigil_status st = parse_or(p, out);
        if (st != VIGIL_OK)
            return st;
        if (p->toks[p->pos].kind != T_RP)
            return fail(p->cx, p->line, "missing ')' in condition", NULL);
        p->pos++;
        p->depth--;
        return VIGIL_OK;
    }
    if (t->kind == T_ONE || t->kind == T_ALL) {
        if (p->toks[p->pos + 1].kind != T_OF)
            return fail(p->cx, p->line, "expected 'of' in condition", NULL);
        ctok *target = &p->toks[p->pos + 2];
        if (target->kind != T_THEM && target->kind != T_ID)
            return fail(p->cx, p->line, "expected a pattern or 'them' after 'of'", NULL);
        vigil_sigma_cond *c = new_cond(p, t->kind == T_ONE ? VIGIL_CN_ANY : VIGIL_CN_ALL);
        if (c == NULL)
            return VIGIL_ERR_NOMEM;
        c->ids = vigil_arena_alloc(p->cx->arena, (p->det->nsearches + 1) * sizeof *c->ids);
        if (c->ids == NULL)
            return VIGIL_ERR_NOMEM;
        snprintf(buf, sizeof buf, "%.*s", (int)(target->len > 127 ? 127 : target->len), target->s);
        for (size_t i = 0; i < p->det->nsearches; i++) {
            const char *nm = p->det->searches[i].name;
            int hit = target->kind == T_THEM ? nm[0] != '_' : fnmatch(buf, nm, 0) == 0;
            if (hit)
                c->ids[c->nids++] = i;
        }
        if (c->nids == 0)
            return fail(p->cx, p->line, "no search identifier matches", buf);
        p->pos += 3;
        p->depth--;
        *out = c;
        return VIGIL_OK;
    }
    if (t->kind == T_ID) {
        size_t i = 0;
        for (; i < p->det->nsearches; i++) {
            const char *nm = p->det->searches[i].name;
            if (strlen(nm) == t->len && memcmp(nm, t->s, t->len) == 0)
                break;
        }
        snprintf(buf, sizeof buf, "%.*s", (int)(t->len > 127 ? 127 : t->len), t->s);
        if (i == p->det->nsearches)
            return fail(p->cx, p->line, "condition names an unknown search identifier", buf);
        vigil_sigma_cond *c = new_cond(p, VIGIL_CN_ID);
        if (c == NULL)
            return VIGIL_ERR_NOMEM;
        c->id = i;
        p->pos++;
        p->depth--;
        *out = c;
        return VIGIL_OK;
    }
    if (t->kind == T_PIPE)
        return fail(p->cx, p->line, "aggregation in condition (obsolete; use correlations)", NULL);
    if (t->kind == T_END)
        return fail(p->cx, p->line, "condition ends too early", NULL);
    snprintf(buf, sizeof buf, "%.*s", (int)(t->len > 127 ? 127 : t->len), t->s);
    return fail(p->cx, p->line, "unexpected token in condition", buf);
}

static vigil_status parse_not(cparser *p, vigil_sigma_cond **out)
{
    if (p->toks[p->pos].kind == T_NOT) {
        if (++p->depth > COND_MAX_DEPTH)
            return fail(p->cx, p->line, "condition nested too deeply", NULL);
        p->pos++;
        vigil_sigma_cond *c = new_cond(p, VIGIL_CN_NOT);
        if (c == NULL)
            return VIGIL_ERR_NOMEM;
        vigil_status st = parse_not(p, &c->a);
        if (st != VIGIL_OK)
            return st;
        p->depth--;
        *out = c;
        return VIGIL_OK;
    }
    return parse_primary(p, out);
}

static vigil_status parse_and(cparser *p, vigil_sigma_cond **out)
{
    vigil_status st = parse_not(p, out);
    while (st == VIGIL_OK && p->toks[p->pos].kind == T_AND) {
        p->pos++;
        vigil_sigma_cond *c = new_cond(p, VIGIL_CN_AND);
        if (c == NULL)
            return VIGIL_ERR_NOMEM;
        c->a = *out;
        st = parse_not(p, &c->b);
        *out = c;
    }
    return st;
}

static vigil_status parse_or(cparser *p, vigil_sigma_cond **out)
{
    vigil_status st = parse_and(p, out);
    while (st == VIGIL_OK && p->toks[p->pos].kind == T_OR) {
        p->pos++;
        vigil_sigma_cond *c = new_cond(p, VIGIL_CN_OR);
        if (c == NULL)
            return VIGIL_ERR_NOMEM;
        c->a = *out;
        st = parse_and(p, &c->b);
        *out = c;
    }
    return st;
}

static vigil_status compile_condition(vigil_sigma_compile_ctx *cx, const vigil_sigma_detection *det,
                                      const vigil_ynode *cn, vigil_sigma_cond **out)
{
    cparser p = {.cx = cx, .det = det, .line = cn->line};
    vigil_status st = tokenize(cx, cn->str, cn->line, &p.toks, &p.n);
    if (st != VIGIL_OK)
        return st;
    st = parse_or(&p, out);
    if (st != VIGIL_OK)
        return st;
    if (p.toks[p.pos].kind == T_PIPE)
        return fail(cx, cn->line, "aggregation in condition (obsolete; use correlations)", NULL);
    if (p.toks[p.pos].kind != T_END)
        return fail(cx, cn->line, "trailing text in condition", NULL);
    return VIGIL_OK;
}

vigil_status vigil_sigma_detection_compile(vigil_sigma_compile_ctx *cx, const vigil_ynode *det,
                                           vigil_sigma_detection *out)
{
    memset(out, 0, sizeof *out);
    if (det == NULL || det->type != VIGIL_YN_MAP)
        return fail(cx, det ? det->line : 0, "detection is missing or not a map", NULL);
    const vigil_ynode *cond = vigil_ynode_get(det, "condition");
    if (cond == NULL)
        return fail(cx, det->line, "detection has no condition", NULL);
    out->searches = vigil_arena_alloc(cx->arena, (det->n + 1) * sizeof *out->searches);
    if (out->searches == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < det->n; i++) {
        const vigil_ynode *k = det->items[2 * i];
        if (strcmp(k->str, "condition") == 0 || strcmp(k->str, "timeframe") == 0)
            continue;
        vigil_status st =
            compile_search(cx, k->str, det->items[2 * i + 1], &out->searches[out->nsearches]);
        if (st != VIGIL_OK)
            return st;
        out->nsearches++;
    }
    if (cond->type == VIGIL_YN_SCALAR)
        return compile_condition(cx, out, cond, &out->cond);
    if (cond->type != VIGIL_YN_SEQ || cond->n == 0)
        return fail(cx, cond->line, "condition is not a string or list", NULL);
    for (size_t i = 0; i < cond->n; i++) {
        vigil_sigma_cond *c;
        if (cond->items[i]->type != VIGIL_YN_SCALAR)
            return fail(cx, cond->items[i]->line, "condition list item is not a string", NULL);
        vigil_status st = compile_condition(cx, out, cond->items[i], &c);
        if (st != VIGIL_OK)
            return st;
        if (out->cond == NULL) {
            out->cond = c;
        } else {
            vigil_sigma_cond *o = vigil_arena_alloc(cx->arena, sizeof *o);
            if (o == NULL)
                return VIGIL_ERR_NOMEM;
            o->op = VIGIL_CN_OR;
            o->a = out->cond;
            o->b = c;
            out->cond = o;
        }
    }
    return VIGIL_OK;
}
