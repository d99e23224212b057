/* yara_cond.c - parses a YARA 4.2 condition into a syntax tree.
 *
 * Why a Pratt parser with libyara's precedence table: the precondition
 * analysis only trusts the top-level `and` chain, so the tree must group
 * exactly as libyara does (or < and < not < ==/contains/matches <
 * relational < | < ^ < & < shifts < additive < multiplicative < unary).
 * The grammar accepted is a superset of libyara's: anything libyara
 * rejects fails to compile later anyway, so leniency here costs nothing,
 * while rejecting valid text only costs speed (the namespace is then kept
 * unanalysed). */
#include <string.h>

#include "yara/yara_parse.h"

enum {
    BP_OR = 1,
    BP_AND = 2,
    BP_NOT = 3,
    BP_EQ = 4,
    BP_REL = 5,
    BP_BOR = 6,
    BP_BXOR = 7,
    BP_BAND = 8,
    BP_SHIFT = 9,
    BP_ADD = 10,
    BP_MUL = 11,
    BP_UNARY = 12,
    BP_OF = 12,
    BP_POSTFIX = 13
};

#define MAX_DEPTH 200
/* Left-associative chains build left-deep trees that later passes walk
 * recursively; a longer condition is left unanalysed (still compiled). */
#define MAX_OPS 20000

int vigil_yara_tok_is_op(const vigil_yara_tok *t, int op)
{
    return t->kind == VY_T_OP && t->sub == op;
}

int vigil_yara_tok_is_kw(const vigil_yara_tok *t, int kw)
{
    return t->kind == VY_T_KEYWORD && t->sub == kw;
}

static vigil_status lex_fail(vigil_yara_parser *p)
{
    p->err = p->lx.err ? p->lx.err : "syntax error";
    p->err_line = p->lx.err_line;
    return VIGIL_ERR_PARSE;
}

vigil_status vigil_yara_parser_init(vigil_yara_parser *p, const char *text, size_t len,
                                    vigil_arena *arena)
{
    memset(p, 0, sizeof *p);
    p->arena = arena;
    vigil_yara_lex_init(&p->lx, text, len);
    if (vigil_yara_lex_next(&p->lx, &p->cur) != VIGIL_OK)
        return lex_fail(p);
    if (vigil_yara_lex_next(&p->lx, &p->nxt) != VIGIL_OK)
        return lex_fail(p);
    return VIGIL_OK;
}

vigil_status vigil_yara_parser_advance(vigil_yara_parser *p)
{
    p->cur = p->nxt;
    if (p->cur.kind == VY_T_EOF)
        return VIGIL_OK;
    if (vigil_yara_lex_next(&p->lx, &p->nxt) != VIGIL_OK)
        return lex_fail(p);
    return VIGIL_OK;
}

vigil_status vigil_yara_parser_fail(vigil_yara_parser *p, const char *msg)
{
    p->err = msg;
    p->err_line = p->cur.line;
    return VIGIL_ERR_PARSE;
}

vigil_status vigil_yara_parser_string(vigil_yara_parser *p, const char **out, size_t *out_len)
{
    char *buf = vigil_arena_alloc(p->arena, p->cur.len + 1);
    if (buf == NULL)
        return VIGIL_ERR_NOMEM;
    size_t n = 0;
    if (vigil_yara_lex_string(&p->lx, &p->cur, buf, p->cur.len + 1, &n) != VIGIL_OK)
        return vigil_yara_parser_fail(p, "illegal escape sequence");
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return VIGIL_OK;
}

static vigil_yara_node *new_node(vigil_yara_parser *p, vigil_yara_node_kind kind)
{
    vigil_yara_node *n = vigil_arena_alloc(p->arena, sizeof *n);
    if (n != NULL) {
        n->kind = kind;
        n->line = p->cur.line;
        n->str = "";
    }
    return n;
}

/* Copies the current token's text into the arena as the node's str. */
static vigil_status take_text(vigil_yara_parser *p, vigil_yara_node *n, size_t skip)
{
    size_t len = p->cur.len > skip ? p->cur.len - skip : 0;
    char *s = vigil_arena_strndup(p->arena, p->lx.text + p->cur.off + skip, len);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    n->str = s;
    n->str_len = len;
    return VIGIL_OK;
}

/* Growable list of nodes built in the arena (old blocks are abandoned;
 * lists are short). */
typedef struct node_list {
    vigil_yara_node **items;
    size_t n, cap;
} node_list;

static vigil_status list_push(vigil_yara_parser *p, node_list *l, vigil_yara_node *n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        if (cap > SIZE_MAX / sizeof *l->items)
            return VIGIL_ERR_OVERFLOW;
        vigil_yara_node **items = vigil_arena_alloc(p->arena, cap * sizeof *items);
        if (items == NULL)
            return VIGIL_ERR_NOMEM;
        if (l->n)
            memcpy(items, l->items, l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = n;
    return VIGIL_OK;
}

static vigil_status expect_op(vigil_yara_parser *p, int op, const char *msg)
{
    if (!vigil_yara_tok_is_op(&p->cur, op))
        return vigil_yara_parser_fail(p, msg);
    return vigil_yara_parser_advance(p);
}

static vigil_status parse_expr(vigil_yara_parser *p, int min_bp, int depth, vigil_yara_node **out);

#define TRY(x)                                                                                     \
    do {                                                                                           \
        vigil_status try_st_ = (x);                                                                \
        if (try_st_ != VIGIL_OK)                                                                   \
            return try_st_;                                                                        \
    } while (0)

#define NEW(var, kind)                                                                             \
    do {                                                                                           \
        (var) = new_node(p, (kind));                                                               \
        if ((var) == NULL)                                                                         \
            return VIGIL_ERR_NOMEM;                                                                \
    } while (0)

/* `them` or `( $a, $b*, rule_name, prefix* )` after `of`. */
static vigil_status parse_set(vigil_yara_parser *p, int depth, vigil_yara_node **out)
{
    vigil_yara_node *n;
    if (vigil_yara_tok_is_kw(&p->cur, VY_KW_THEM)) {
        NEW(n, VY_N_THEM);
        *out = n;
        return vigil_yara_parser_advance(p);
    }
    if (!vigil_yara_tok_is_op(&p->cur, VY_OP_LPAREN))
        return parse_expr(p, BP_POSTFIX, depth + 1, out); /* 4.3: of <array> */
    NEW(n, VY_N_LIST);
    TRY(vigil_yara_parser_advance(p));
    node_list l = {0};
    for (;;) {
        vigil_yara_node *it;
        if (p->cur.kind == VY_T_STRID) {
            NEW(it, VY_N_STRID);
            TRY(take_text(p, it, 1));
            it->ival = p->cur.wild;
            TRY(vigil_yara_parser_advance(p));
        } else if (p->cur.kind == VY_T_IDENT) {
            NEW(it, VY_N_IDENT);
            TRY(take_text(p, it, 0));
            TRY(vigil_yara_parser_advance(p));
            if (vigil_yara_tok_is_op(&p->cur, VY_OP_MUL)) {
                it->ival = 1;
                TRY(vigil_yara_parser_advance(p));
            }
        } else {
            return vigil_yara_parser_fail(p, "expected string or rule identifier in set");
        }
        TRY(list_push(p, &l, it));
        if (vigil_yara_tok_is_op(&p->cur, VY_OP_COMMA)) {
            TRY(vigil_yara_parser_advance(p));
            continue;
        }
        TRY(expect_op(p, VY_OP_RPAREN, "expected ')' after set"));
        break;
    }
    n->items = l.items;
    n->n_items = l.n;
    *out = n;
    return VIGIL_OK;
}

/* A quantifier before `of`/loop variables: all, any, none, N or N%. */
static vigil_status parse_quant(vigil_yara_parser *p, int depth, vigil_yara_node **out)
{
    TRY(parse_expr(p, BP_OF, depth + 1, out));
    if (vigil_yara_tok_is_op(&p->cur, VY_OP_MOD)) {
        vigil_yara_node *pc;
        NEW(pc, VY_N_PERCENT);
        pc->a = *out;
        *out = pc;
        TRY(vigil_yara_parser_advance(p));
    }
    return VIGIL_OK;
}

static vigil_status parse_for(vigil_yara_parser *p, int depth, vigil_yara_node **out)
{
    vigil_yara_node *n;
    NEW(n, VY_N_FOR);
    TRY(vigil_yara_parser_advance(p)); /* for */
    TRY(parse_quant(p, depth, &n->a));
    if (vigil_yara_tok_is_kw(&p->cur, VY_KW_OF)) {
        n->op = VY_KW_OF;
        TRY(vigil_yara_parser_advance(p));
        TRY(parse_set(p, depth, &n->b));
    } else {
        n->op = VY_KW_IN;
        node_list vars = {0};
        for (;;) {
            vigil_yara_node *v;
            if (p->cur.kind != VY_T_IDENT)
                return vigil_yara_parser_fail(p, "expected loop variable");
            NEW(v, VY_N_IDENT);
            TRY(take_text(p, v, 0));
            TRY(list_push(p, &vars, v));
            TRY(vigil_yara_parser_advance(p));
            if (!vigil_yara_tok_is_op(&p->cur, VY_OP_COMMA))
                break;
            TRY(vigil_yara_parser_advance(p));
        }
        n->items = vars.items;
        n->n_items = vars.n;
        if (!vigil_yara_tok_is_kw(&p->cur, VY_KW_IN))
            return vigil_yara_parser_fail(p, "expected 'in' or 'of' in for");
        TRY(vigil_yara_parser_advance(p));
        TRY(parse_expr(p, BP_OF, depth + 1, &n->b));
    }
    TRY(expect_op(p, VY_OP_COLON, "expected ':' in for"));
    TRY(expect_op(p, VY_OP_LPAREN, "expected '(' after ':' in for"));
    TRY(parse_expr(p, 0, depth + 1, &n->c));
    TRY(expect_op(p, VY_OP_RPAREN, "expected ')' closing for"));
    *out = n;
    return VIGIL_OK;
}

/* '(' expr ')', '(' a .. b ')' or '(' a, b, ... ')'. */
static vigil_status parse_paren(vigil_yara_parser *p, int depth, vigil_yara_node **out)
{
    TRY(vigil_yara_parser_advance(p));
    vigil_yara_node *first;
    TRY(parse_expr(p, 0, depth + 1, &first));
    if (vigil_yara_tok_is_op(&p->cur, VY_OP_DOTDOT)) {
        vigil_yara_node *r;
        NEW(r, VY_N_RANGE);
        r->a = first;
        TRY(vigil_yara_parser_advance(p));
        TRY(parse_expr(p, 0, depth + 1, &r->b));
        TRY(expect_op(p, VY_OP_RPAREN, "expected ')' closing range"));
        *out = r;
        return VIGIL_OK;
    }
    if (vigil_yara_tok_is_op(&p->cur, VY_OP_COMMA)) {
        vigil_yara_node *l;
        NEW(l, VY_N_LIST);
        node_list items = {0};
        TRY(list_push(p, &items, first));
        while (vigil_yara_tok_is_op(&p->cur, VY_OP_COMMA)) {
            vigil_yara_node *it;
            TRY(vigil_yara_parser_advance(p));
            TRY(parse_expr(p, 0, depth + 1, &it));
            TRY(list_push(p, &items, it));
        }
        TRY(expect_op(p, VY_OP_RPAREN, "expected ')' closing enumeration"));
        l->items = items.items;
        l->n_items = items.n;
        *out = l;
        return VIGIL_OK;
    }
    TRY(expect_op(p, VY_OP_RPAREN, "expected ')'"));
    *out = first;
    return VIGIL_OK;
}

static vigil_status parse_nud(vigil_yara_parser *p, int depth, vigil_yara_node **out)
{
    vigil_yara_node *n = NULL;
    const vigil_yara_tok *t = &p->cur;
    switch (t->kind) {
    case VY_T_INT:
        NEW(n, VY_N_INT);
        n->ival = t->ival;
        break;
    case VY_T_DOUBLE:
        NEW(n, VY_N_DOUBLE);
        TRY(take_text(p, n, 0));
        break;
    case VY_T_STRING:
        NEW(n, VY_N_STR);
        TRY(vigil_yara_parser_string(p, &n->str, &n->str_len));
        break;
    case VY_T_REGEX:
        NEW(n, VY_N_REGEX);
        TRY(take_text(p, n, 0));
        break;
    case VY_T_IDENT:
        NEW(n, VY_N_IDENT);
        TRY(take_text(p, n, 0));
        break;
    case VY_T_STRID:
        NEW(n, VY_N_STRID);
        TRY(take_text(p, n, 1));
        n->ival = t->wild;
        break;
    case VY_T_STRCOUNT:
    case VY_T_STROFF:
    case VY_T_STRLEN:
        NEW(n, t->kind == VY_T_STRCOUNT ? VY_N_STRCOUNT
               : t->kind == VY_T_STROFF ? VY_N_STROFF
                                        : VY_N_STRLEN);
        TRY(take_text(p, n, 1));
        break;
    case VY_T_OP:
        if (t->sub == VY_OP_LPAREN)
            return parse_paren(p, depth, out);
        if (t->sub == VY_OP_MINUS || t->sub == VY_OP_NOT) {
            NEW(n, t->sub == VY_OP_MINUS ? VY_N_NEG : VY_N_BITNOT);
            TRY(vigil_yara_parser_advance(p));
            TRY(parse_expr(p, BP_UNARY - 1, depth + 1, &n->a));
            *out = n;
            return VIGIL_OK;
        }
        return vigil_yara_parser_fail(p, "unexpected operator in condition");
    case VY_T_KEYWORD:
        switch (t->sub) {
        case VY_KW_TRUE:
            NEW(n, VY_N_TRUE);
            break;
        case VY_KW_FALSE:
            NEW(n, VY_N_FALSE);
            break;
        case VY_KW_FILESIZE:
            NEW(n, VY_N_FILESIZE);
            break;
        case VY_KW_ENTRYPOINT:
            NEW(n, VY_N_ENTRYPOINT);
            break;
        case VY_KW_THEM:
            NEW(n, VY_N_THEM);
            break;
        case VY_KW_ALL:
        case VY_KW_ANY:
        case VY_KW_NONE:
            NEW(n, VY_N_QUANT);
            n->op = t->sub;
            break;
        case VY_KW_NOT:
        case VY_KW_DEFINED:
            NEW(n, t->sub == VY_KW_NOT ? VY_N_NOT : VY_N_DEFINED);
            TRY(vigil_yara_parser_advance(p));
            TRY(parse_expr(p, BP_NOT - 1, depth + 1, &n->a));
            *out = n;
            return VIGIL_OK;
        case VY_KW_FOR:
            return parse_for(p, depth, out);
        case VY_KW_INTFN:
            NEW(n, VY_N_INTFN);
            n->ival = t->ival;
            TRY(vigil_yara_parser_advance(p));
            TRY(expect_op(p, VY_OP_LPAREN, "expected '(' after integer function"));
            TRY(parse_expr(p, 0, depth + 1, &n->a));
            TRY(expect_op(p, VY_OP_RPAREN, "expected ')' after integer function argument"));
            *out = n;
            return VIGIL_OK;
        default:
            return vigil_yara_parser_fail(p, "unexpected keyword in condition");
        }
        break;
    default:
        return vigil_yara_parser_fail(p, "unexpected token in condition");
    }
    *out = n;
    return vigil_yara_parser_advance(p);
}

/* Left binding power of the current token as an infix/postfix operator;
 * 0 when it cannot continue an expression. Sets *kind and *op. */
static int infix_bp(const vigil_yara_tok *t, vigil_yara_node_kind *kind, int *op)
{
    *op = t->sub;
    if (t->kind == VY_T_KEYWORD) {
        switch (t->sub) {
        case VY_KW_OR:
            *kind = VY_N_OR;
            return BP_OR;
        case VY_KW_AND:
            *kind = VY_N_AND;
            return BP_AND;
        case VY_KW_CONTAINS:
        case VY_KW_ICONTAINS:
        case VY_KW_STARTSWITH:
        case VY_KW_ISTARTSWITH:
        case VY_KW_ENDSWITH:
        case VY_KW_IENDSWITH:
        case VY_KW_IEQUALS:
            *kind = VY_N_STROP;
            return BP_EQ;
        case VY_KW_MATCHES:
            *kind = VY_N_MATCHES;
            return BP_EQ;
        case VY_KW_OF:
            *kind = VY_N_OF;
            return BP_OF;
        case VY_KW_AT:
            *kind = VY_N_AT;
            return BP_POSTFIX;
        case VY_KW_IN:
            *kind = VY_N_IN;
            return BP_POSTFIX;
        default:
            return 0;
        }
    }
    if (t->kind != VY_T_OP)
        return 0;
    switch (t->sub) {
    case VY_OP_EQ:
    case VY_OP_NE:
        *kind = VY_N_CMP;
        return BP_EQ;
    case VY_OP_LT:
    case VY_OP_LE:
    case VY_OP_GT:
    case VY_OP_GE:
        *kind = VY_N_CMP;
        return BP_REL;
    case VY_OP_OR:
        *kind = VY_N_BIN;
        return BP_BOR;
    case VY_OP_XOR:
        *kind = VY_N_BIN;
        return BP_BXOR;
    case VY_OP_AND:
        *kind = VY_N_BIN;
        return BP_BAND;
    case VY_OP_SHL:
    case VY_OP_SHR:
        *kind = VY_N_BIN;
        return BP_SHIFT;
    case VY_OP_PLUS:
    case VY_OP_MINUS:
        *kind = VY_N_BIN;
        return BP_ADD;
    case VY_OP_MUL:
    case VY_OP_DIV:
    case VY_OP_MOD:
        *kind = VY_N_BIN;
        return BP_MUL;
    case VY_OP_DOT:
        *kind = VY_N_MEMBER;
        return BP_POSTFIX;
    case VY_OP_LBRACK:
        *kind = VY_N_INDEX;
        return BP_POSTFIX;
    case VY_OP_LPAREN:
        *kind = VY_N_CALL;
        return BP_POSTFIX;
    default:
        return 0;
    }
}

static vigil_status parse_led(vigil_yara_parser *p, vigil_yara_node_kind kind, int op, int bp,
                              int depth, vigil_yara_node *left, vigil_yara_node **out)
{
    vigil_yara_node *n;
    NEW(n, kind);
    n->op = op;
    n->a = left;
    TRY(vigil_yara_parser_advance(p));
    switch (kind) {
    case VY_N_MEMBER:
        if (p->cur.kind != VY_T_IDENT && p->cur.kind != VY_T_KEYWORD)
            return vigil_yara_parser_fail(p, "expected identifier after '.'");
        TRY(take_text(p, n, 0));
        TRY(vigil_yara_parser_advance(p));
        break;
    case VY_N_INDEX:
        TRY(parse_expr(p, 0, depth + 1, &n->b));
        TRY(expect_op(p, VY_OP_RBRACK, "expected ']'"));
        break;
    case VY_N_CALL: {
        node_list args = {0};
        if (!vigil_yara_tok_is_op(&p->cur, VY_OP_RPAREN)) {
            for (;;) {
                vigil_yara_node *arg;
                TRY(parse_expr(p, 0, depth + 1, &arg));
                TRY(list_push(p, &args, arg));
                if (!vigil_yara_tok_is_op(&p->cur, VY_OP_COMMA))
                    break;
                TRY(vigil_yara_parser_advance(p));
            }
        }
        TRY(expect_op(p, VY_OP_RPAREN, "expected ')' after arguments"));
        n->items = args.items;
        n->n_items = args.n;
        break;
    }
    case VY_N_OF:
        TRY(parse_set(p, depth, &n->b));
        break;
    case VY_N_AT:
        TRY(parse_expr(p, BP_REL, depth + 1, &n->b));
        break;
    case VY_N_IN:
        TRY(parse_expr(p, BP_OF, depth + 1, &n->b));
        break;
    default:
        TRY(parse_expr(p, bp, depth + 1, &n->b)); /* left associative */
        break;
    }
    *out = n;
    return VIGIL_OK;
}

static vigil_status parse_expr(vigil_yara_parser *p, int min_bp, int depth, vigil_yara_node **out)
{
    if (depth > MAX_DEPTH)
        return vigil_yara_parser_fail(p, "condition nested too deeply");
    vigil_yara_node *left = NULL;
    TRY(parse_nud(p, depth, &left));
    for (;;) {
        vigil_yara_node_kind kind;
        int op;
        /* `N% of`: the % is a percentage, not a modulo. */
        if (vigil_yara_tok_is_op(&p->cur, VY_OP_MOD) && vigil_yara_tok_is_kw(&p->nxt, VY_KW_OF)) {
            if (BP_OF <= min_bp)
                break;
            vigil_yara_node *pc;
            NEW(pc, VY_N_PERCENT);
            pc->a = left;
            left = pc;
            TRY(vigil_yara_parser_advance(p));
            continue;
        }
        int bp = infix_bp(&p->cur, &kind, &op);
        if (bp == 0 || bp <= min_bp)
            break;
        if (++p->n_ops > MAX_OPS)
            return vigil_yara_parser_fail(p, "condition too long to analyse");
        TRY(parse_led(p, kind, op, bp, depth, left, &left));
    }
    *out = left;
    return VIGIL_OK;
}

vigil_status vigil_yara_cond_parse(vigil_yara_parser *p, vigil_yara_node **out)
{
    p->n_ops = 0;
    return parse_expr(p, 0, 0, out);
}
