/* yara_gate_eval.c - a YARA condition in three-valued logic for the gate.
 *
 * Why: the literal gate may skip a libyara pass only when a rule is false
 * for certain. Each node evaluates to false, unknown or true (Kleene's
 * and/or/not): a string none of whose literals is in the file is false
 * and `#s` is 0; sets (`N of`, `all`, `any`, `none`, `at`, `in`) count the
 * strings that may be present; filesize, `uintN(K)` within the file, the
 * external variables and `external matches /re/` (PCRE2, only for
 * patterns it reads as libyara does) are known; everything else (rule
 * references, modules, loops, offsets) is unknown. */
#include <stdlib.h>
#include <string.h>

#include "yara/yara_gate_internal.h"
#include "yara/yara_lex.h"

int vigil_yara_gate_regex_cmp(const void *x, const void *y)
{
    const gate_regex *a = x, *b = y;
    return a->node < b->node ? -1 : a->node > b->node;
}

typedef struct ev_ctx {
    const vigil_yara_gate *g;
    const vigil_yara_gate_scratch *sc;
    const gate_rule *r;
    int all_unknown; /* 1: every string may be present */
    int all_absent;  /* 1: every string is absent, gated or not */
} ev_ctx;

static const gate_str *find_str(const gate_rule *r, const char *id, size_t len)
{
    for (size_t i = 0; i < r->nstr; i++)
        if (r->strs[i].id_len == len && memcmp(r->strs[i].id, id, len) == 0)
            return &r->strs[i];
    return NULL;
}

/* GATE_F when the string provably has no match in the file, else GATE_U. */
static int str_state(const ev_ctx *c, const gate_str *s)
{
    if (c->all_absent)
        return GATE_F;
    if (c->all_unknown || !s->gated)
        return GATE_U;
    if (c->sc == NULL)
        return s->pruned ? GATE_U : GATE_F; /* the first pass's view */
    if ((s->pruned && !c->sc->full) || c->sc->present[s->slot] == c->sc->gen)
        return GATE_U;
    return GATE_F;
}

static int ev_bool(const ev_ctx *c, const vigil_yara_node *n, int depth);

/* 1 and *v when the integer value of n is known. */
static int ev_int(const ev_ctx *c, const vigil_yara_node *n, int depth, int64_t *v)
{
    int64_t a, b;
    if (depth > GATE_EVAL_MAX_DEPTH)
        return 0;
    switch (n->kind) {
    case VY_N_INT:
        *v = n->ival;
        return 1;
    case VY_N_FILESIZE:
        if (c->sc == NULL || c->sc->len > (uint64_t)INT64_MAX)
            return 0;
        *v = (int64_t)c->sc->len;
        return 1;
    case VY_N_INTFN: {
        unsigned code = (unsigned)n->ival, width = 1u << (code & 3u);
        if (c->sc == NULL || width < 1 || width > 4 || !ev_int(c, n->a, depth + 1, &a) || a < 0 ||
            (uint64_t)a > c->sc->len || c->sc->len - (uint64_t)a < width)
            return 0;
        uint64_t x = 0;
        for (unsigned i = 0; i < width; i++) {
            unsigned shift = (code & VY_INTFN_BE) ? 8u * (width - 1u - i) : 8u * i;
            x |= (uint64_t)c->sc->data[(size_t)a + i] << shift;
        }
        if (!(code & VY_INTFN_U) && (x >> (width * 8u - 1u)) & 1u)
            *v = (int64_t)x - (int64_t)(1ull << (width * 8u));
        else
            *v = (int64_t)x;
        return 1;
    }
    case VY_N_STRCOUNT: {
        /* a bare `#` is the current string of a loop */
        const gate_str *s = n->str_len ? find_str(c->r, n->str, n->str_len) : NULL;
        if (s == NULL || str_state(c, s) != GATE_F)
            return 0;
        *v = 0;
        return 1;
    }
    case VY_N_NEG:
        if (!ev_int(c, n->a, depth + 1, &a) || a == INT64_MIN)
            return 0;
        *v = -a;
        return 1;
    case VY_N_BITNOT:
        if (!ev_int(c, n->a, depth + 1, &a))
            return 0;
        *v = ~a;
        return 1;
    case VY_N_BIN:
        return ev_int(c, n->a, depth + 1, &a) && ev_int(c, n->b, depth + 1, &b) &&
               vigil_yara_int_binop(n->op, a, b, v);
    default:
        return 0;
    }
}

/* Marks the strings of a set item; 0 when the item is not a string. */
static int mark_item(const gate_rule *r, const vigil_yara_node *it, unsigned char *sel)
{
    if (it->kind != VY_N_STRID)
        return 0;
    size_t len = it->str_len;
    int wild = it->ival != 0;
    if (wild && len > 0 && it->str[len - 1] == '*')
        len--;
    int any = 0;
    for (size_t i = 0; i < r->nstr; i++) {
        const gate_str *s = &r->strs[i];
        if (wild ? (s->id_len >= len && memcmp(s->id, it->str, len) == 0)
                 : (s->id_len == len && memcmp(s->id, it->str, len) == 0)) {
            sel[i] = 1;
            any = 1;
        }
    }
    return any;
}

static int ev_of(const ev_ctx *c, const vigil_yara_node *n, int depth)
{
    const gate_rule *r = c->r;
    unsigned char local[256], *sel = local;
    size_t total = 0, possible = 0;
    int64_t need;
    int res = GATE_U;

    if (r->nstr == 0 || n->b == NULL)
        return GATE_U;
    if (r->nstr > sizeof local) {
        sel = calloc(r->nstr, 1);
        if (sel == NULL)
            return GATE_U;
    } else {
        memset(sel, 0, r->nstr);
    }
    if (n->b->kind == VY_N_THEM) {
        memset(sel, 1, r->nstr);
    } else if (n->b->kind == VY_N_LIST) {
        for (size_t i = 0; i < n->b->n_items; i++)
            if (!mark_item(r, n->b->items[i], sel))
                goto done; /* rules, or a name we do not know */
    } else {
        goto done;
    }
    for (size_t i = 0; i < r->nstr; i++) {
        if (!sel[i])
            continue;
        total++;
        if (str_state(c, &r->strs[i]) != GATE_F)
            possible++;
    }
    if (n->a->kind == VY_N_QUANT) {
        if (n->a->op == VY_KW_NONE) {
            res = possible == 0 ? GATE_T : GATE_U;
            goto done;
        }
        need = n->a->op == VY_KW_ALL ? (int64_t)total : 1;
    } else if (!ev_int(c, n->a, depth + 1, &need)) {
        goto done;
    }
    if (need >= 1 && (uint64_t)need > possible)
        res = GATE_F;
done:
    if (sel != local)
        free(sel);
    return res;
}

static int regex_match(const ev_ctx *c, const vigil_yara_node *n)
{
    const vigil_yara_gate *g = c->g;
    gate_regex key = {n->b, NULL};
    const gate_regex *re =
        g->nregex ? bsearch(&key, g->regex, g->nregex, sizeof key, vigil_yara_gate_regex_cmp)
                  : NULL;
    if (re == NULL || c->sc == NULL || c->sc->md == NULL)
        return GATE_U;
    const char *v = vigil_yara_external_value(n->a->str, c->sc->ext);
    int rc = pcre2_match(re->code, (PCRE2_SPTR)v, strlen(v), 0, 0, c->sc->md, NULL);
    if (rc >= 0)
        return GATE_T;
    return rc == PCRE2_ERROR_NOMATCH ? GATE_F : GATE_U;
}

/* Comparisons decided by filesize and the external variables. */
static int ev_pred(const ev_ctx *c, const vigil_yara_node *n)
{
    if (c->sc == NULL || !vigil_yara_pred_decidable(c->g->split, c->r->r->ns_index, n))
        return GATE_U;
    return vigil_yara_pred_eval(n, c->sc->len, c->sc->ext) ? GATE_T : GATE_F;
}

static int ev_bool(const ev_ctx *c, const vigil_yara_node *n, int depth)
{
    int x, y;
    int64_t a, b;
    if (n == NULL || depth > GATE_EVAL_MAX_DEPTH)
        return GATE_U;
    switch (n->kind) {
    case VY_N_TRUE:
        return GATE_T;
    case VY_N_FALSE:
        return GATE_F;
    case VY_N_AND:
        x = ev_bool(c, n->a, depth + 1);
        if (x == GATE_F)
            return GATE_F;
        y = ev_bool(c, n->b, depth + 1);
        if (y == GATE_F)
            return GATE_F;
        return x == GATE_T && y == GATE_T ? GATE_T : GATE_U;
    case VY_N_OR:
        x = ev_bool(c, n->a, depth + 1);
        if (x == GATE_T)
            return GATE_T;
        y = ev_bool(c, n->b, depth + 1);
        if (y == GATE_T)
            return GATE_T;
        return x == GATE_F && y == GATE_F ? GATE_F : GATE_U;
    case VY_N_NOT:
        x = ev_bool(c, n->a, depth + 1);
        return x == GATE_U ? GATE_U : (x == GATE_T ? GATE_F : GATE_T);
    case VY_N_STRID: {
        if (n->ival != 0)
            return GATE_U;
        const gate_str *s = find_str(c->r, n->str, n->str_len);
        return s == NULL || n->str_len == 0 ? GATE_U : str_state(c, s);
    }
    case VY_N_AT:
    case VY_N_IN:
        /* `$a at X`, `$a in (R)`, `N of them in (R)`: need the match first */
        if (n->a != NULL && (n->a->kind == VY_N_STRID || n->a->kind == VY_N_OF))
            return ev_bool(c, n->a, depth + 1) == GATE_F ? GATE_F : GATE_U;
        return GATE_U;
    case VY_N_OF:
        return ev_of(c, n, depth);
    case VY_N_CMP:
        if (ev_int(c, n->a, depth + 1, &a) && ev_int(c, n->b, depth + 1, &b)) {
            switch (n->op) {
            case VY_OP_EQ:
                return a == b ? GATE_T : GATE_F;
            case VY_OP_NE:
                return a != b ? GATE_T : GATE_F;
            case VY_OP_LT:
                return a < b ? GATE_T : GATE_F;
            case VY_OP_LE:
                return a <= b ? GATE_T : GATE_F;
            case VY_OP_GT:
                return a > b ? GATE_T : GATE_F;
            case VY_OP_GE:
                return a >= b ? GATE_T : GATE_F;
            default:
                return GATE_U;
            }
        }
        return ev_pred(c, n);
    case VY_N_STROP:
        return ev_pred(c, n);
    case VY_N_MATCHES:
        if (n->b != NULL && n->b->kind == VY_N_REGEX &&
            vigil_yara_is_external(c->g->split, c->r->r->ns_index, n->a))
            return regex_match(c, n);
        return GATE_U;
    case VY_N_INT:
    case VY_N_FILESIZE:
    case VY_N_INTFN:
    case VY_N_STRCOUNT:
    case VY_N_BIN:
        if (ev_int(c, n, depth + 1, &a))
            return a != 0 ? GATE_T : GATE_F;
        return GATE_U;
    default:
        return GATE_U; /* rule references, modules, loops, ... */
    }
}

int vigil_yara_gate_eval(const vigil_yara_gate *g, const vigil_yara_gate_scratch *sc, size_t ri,
                         int all_unknown)
{
    ev_ctx c = {g, sc, &g->rules[ri], all_unknown, 0};
    return ev_bool(&c, g->rules[ri].r->cond, 0);
}

int vigil_yara_gate_eval_no_strings(const vigil_yara_gate *g, size_t ri)
{
    ev_ctx c = {g, NULL, &g->rules[ri], 0, 1};
    return ev_bool(&c, g->rules[ri].r->cond, 0);
}

const char *vigil_yara_gate_cond_why(const vigil_yara_gate *g, const gate_rule *r,
                                     const vigil_yara_node *n, int depth)
{
    if (n == NULL || depth > GATE_EVAL_MAX_DEPTH)
        return NULL;
    switch (n->kind) {
    case VY_N_MEMBER:
    case VY_N_CALL:
    case VY_N_INDEX:
        return "module condition";
    case VY_N_IDENT:
        if (vigil_yara_is_external(g->split, r->r->ns_index, n))
            return NULL;
        return "rule reference";
    case VY_N_FOR:
        return "loop (for ... of/in)";
    case VY_N_ENTRYPOINT:
        return "entrypoint";
    default:
        break;
    }
    const vigil_yara_node *kids[3] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; i++) {
        const char *w = vigil_yara_gate_cond_why(g, r, kids[i], depth + 1);
        if (w != NULL)
            return w;
    }
    for (size_t i = 0; i < n->n_items; i++) {
        const char *w = vigil_yara_gate_cond_why(g, r, n->items[i], depth + 1);
        if (w != NULL)
            return w;
    }
    return NULL;
}
