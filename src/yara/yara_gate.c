/* yara_gate.c - literal gate: which libyara passes cannot report anything.
 *
 * Why: see yara_gate.h. This file reads each gated rule's strings section
 * (our lexer), derives the byte sequences every match of a string must
 * contain, compiles them into one Hyperscan literal database, and per file
 * evaluates the rules' conditions in three-valued logic (false, unknown,
 * true) against what the file provably lacks. Everything not understood
 * is "unknown", so the gate can only ever decide "scan". */
#include "yara/yara_gate.h"

#include <hs/hs.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/arena.h"
#include "yara/yara_lex.h"

#define GATE_MIN_LEN 4     /* a shorter literal is in nearly every binary */
#define GATE_MAX_FORMS 256 /* per string (xor keys x encodings) */
#define GATE_MAX_STRINGS 10000
#define EVAL_MAX_DEPTH 200

enum { K_F = 0, K_U = 1, K_T = 2 };

typedef struct gstr {
    const char *id; /* without '$'; "" when anonymous */
    size_t id_len;
    int gated; /* absent from the file when none of its literals is */
    uint32_t slot;
} gstr;

typedef struct grule {
    const vigil_yara_rule *r;
    gstr *strs;
    size_t nstr;
    int refutable;
} grule;

typedef struct glit {
    const uint8_t *bytes;
    size_t len;
    int nocase;
    uint32_t slot;
} glit;

typedef struct gregex {
    const vigil_yara_node *node;
    pcre2_code *code;
} gregex;

struct vigil_yara_gate {
    vigil_arena arena;
    const vigil_yara_split *split;
    grule *rules;
    size_t nrules;
    size_t *group_first, *group_n; /* per plan group: range of rules[] */
    size_t ngroups;
    uint64_t groups;
    hs_database_t *db;
    uint32_t *lit_first; /* per literal id: range into lit_slots, nlits + 1 entries */
    uint32_t *lit_slots;
    uint32_t *slot_rule; /* slot -> index into rules[] */
    size_t nslots, nlits;
    gregex *regex; /* sorted by node address */
    size_t nregex;
    vigil_yara_gate_info info;
};

struct vigil_yara_gate_scratch {
    const vigil_yara_gate *g;
    hs_scratch_t *hs;
    pcre2_match_data *md;
    uint32_t *present; /* per slot: generation it was seen in */
    uint32_t *live;    /* per rule: generation it is waited for in */
    uint32_t gen;
    int hit;
    /* the file being decided */
    const uint8_t *data;
    size_t len;
    const vigil_yara_externals *ext;
};

/* ---- reading a rule's strings ------------------------------------------- */

typedef struct str_parse {
    const char *id;
    size_t id_len;
    int kind; /* VY_T_STRING / VY_T_HEX / VY_T_REGEX */
    const char *src;
    size_t src_len;
    char *text; /* decoded text strings */
    size_t text_len;
    int ascii, wide, nocase, xor_set, other;
    unsigned xor_lo, xor_hi;
} str_parse;

static int is_kw(const vigil_yara_tok *t, int kw)
{
    return t->kind == VY_T_KEYWORD && t->sub == kw;
}

static int is_op(const vigil_yara_tok *t, int op)
{
    return t->kind == VY_T_OP && t->sub == op;
}

/* After `xor`: an optional (N) or (N-M). t receives the next token. */
static int read_xor(vigil_yara_lexer *lx, vigil_yara_tok *t, str_parse *sp)
{
    vigil_yara_tok a, b;
    sp->xor_set = 1;
    sp->xor_lo = 0;
    sp->xor_hi = 255;
    if (vigil_yara_lex_next(lx, t) != VIGIL_OK)
        return 0;
    if (!is_op(t, VY_OP_LPAREN))
        return 1;
    if (vigil_yara_lex_next(lx, &a) != VIGIL_OK || a.kind != VY_T_INT || a.ival < 0 || a.ival > 255)
        return 0;
    sp->xor_lo = sp->xor_hi = (unsigned)a.ival;
    if (vigil_yara_lex_next(lx, t) != VIGIL_OK)
        return 0;
    if (is_op(t, VY_OP_MINUS)) {
        if (vigil_yara_lex_next(lx, &b) != VIGIL_OK || b.kind != VY_T_INT || b.ival < a.ival ||
            b.ival > 255)
            return 0;
        sp->xor_hi = (unsigned)b.ival;
        if (vigil_yara_lex_next(lx, t) != VIGIL_OK)
            return 0;
    }
    if (!is_op(t, VY_OP_RPAREN))
        return 0;
    return vigil_yara_lex_next(lx, t) == VIGIL_OK;
}

/* Parses rule r's strings section into sp (cap entries). Returns the count,
 * or SIZE_MAX when anything is not understood (the rule is then not gated:
 * its strings stay unknown). */
static size_t read_strings(const vigil_yara_rule *r, vigil_arena *a, str_parse *sp, size_t cap)
{
    vigil_yara_lexer lx;
    vigil_yara_tok t;
    size_t n = 0;

    if (r->strings_len == 0)
        return 0;
    if (r->strings_off < r->text_off || r->strings_off - r->text_off > r->text_len ||
        r->strings_len > r->text_len - (r->strings_off - r->text_off))
        return SIZE_MAX;
    const char *text = r->text + (r->strings_off - r->text_off);
    vigil_yara_lex_init(&lx, text, r->strings_len);
    if (vigil_yara_lex_next(&lx, &t) != VIGIL_OK || !is_kw(&t, VY_KW_STRINGS) ||
        vigil_yara_lex_next(&lx, &t) != VIGIL_OK || !is_op(&t, VY_OP_COLON) ||
        vigil_yara_lex_next(&lx, &t) != VIGIL_OK)
        return SIZE_MAX;
    while (t.kind != VY_T_EOF) {
        vigil_yara_tok v;
        if (t.kind != VY_T_STRID || t.wild || n == cap)
            return SIZE_MAX;
        str_parse *s = &sp[n++];
        memset(s, 0, sizeof *s);
        s->id = text + t.off + 1;
        s->id_len = t.len - 1;
        if (vigil_yara_lex_next(&lx, &t) != VIGIL_OK || !is_op(&t, VY_OP_ASSIGN) ||
            vigil_yara_lex_next(&lx, &v) != VIGIL_OK)
            return SIZE_MAX;
        s->kind = v.kind;
        s->src = text + v.off;
        s->src_len = v.len;
        if (v.kind == VY_T_STRING) {
            s->text = vigil_arena_alloc(a, v.len + 1);
            if (s->text == NULL ||
                vigil_yara_lex_string(&lx, &v, s->text, v.len + 1, &s->text_len) != VIGIL_OK)
                return SIZE_MAX;
        } else if (v.kind != VY_T_HEX && v.kind != VY_T_REGEX) {
            return SIZE_MAX;
        }
        if (vigil_yara_lex_next(&lx, &t) != VIGIL_OK)
            return SIZE_MAX;
        while (t.kind == VY_T_KEYWORD) {
            switch (t.sub) {
            case VY_KW_ASCII:
                s->ascii = 1;
                break;
            case VY_KW_WIDE:
                s->wide = 1;
                break;
            case VY_KW_NOCASE:
                s->nocase = 1;
                break;
            case VY_KW_FULLWORD:
            case VY_KW_PRIVATE:
                break; /* a match still holds the text */
            case VY_KW_XOR:
                if (!read_xor(&lx, &t, s))
                    return SIZE_MAX;
                continue;
            default: /* base64, base64wide: their arguments are not read */
                return SIZE_MAX;
            }
            if (vigil_yara_lex_next(&lx, &t) != VIGIL_OK)
                return SIZE_MAX;
        }
    }
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The longest run of fully known bytes outside alternatives of a hex
 * string `{ ... }`: every match contains it. 0 when the text holds
 * anything unexpected (comments, `~`, a malformed token). */
static size_t hex_run(const char *s, size_t n, uint8_t *best, size_t cap)
{
    uint8_t cur[256];
    size_t cur_len = 0, best_len = 0, i = 1;
    int depth = 0;

    if (n < 2 || s[0] != '{' || s[n - 1] != '}')
        return 0;
    n--; /* the closing brace */
    for (;;) {
        int end_run = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= n) {
            end_run = 1;
        } else if (hexval(s[i]) >= 0 || s[i] == '?') {
            if (i + 1 >= n)
                return 0;
            int hi = hexval(s[i]), lo = hexval(s[i + 1]);
            if ((hi < 0 && s[i] != '?') || (lo < 0 && s[i + 1] != '?'))
                return 0;
            i += 2;
            if (hi >= 0 && lo >= 0 && depth == 0 && cur_len < sizeof cur)
                cur[cur_len++] = (uint8_t)(hi << 4 | lo);
            else
                end_run = 1;
        } else if (s[i] == '[') {
            while (i < n && s[i] != ']')
                i++;
            if (i >= n)
                return 0;
            i++;
            end_run = 1;
        } else if (s[i] == '(') {
            depth++;
            i++;
            end_run = 1;
        } else if (s[i] == ')') {
            if (--depth < 0)
                return 0;
            i++;
            end_run = 1;
        } else if (s[i] == '|') {
            i++;
            end_run = 1;
        } else {
            return 0; /* comments, `~`, anything newer */
        }
        if (end_run || i >= n) {
            if (cur_len > best_len && cur_len <= cap) {
                memcpy(best, cur, cur_len);
                best_len = cur_len;
            }
            cur_len = 0;
        }
        if (i >= n)
            break;
    }
    return depth == 0 ? best_len : 0;
}

/* ---- building ----------------------------------------------------------- */

typedef struct lit_vec {
    glit *v;
    size_t n, cap;
} lit_vec;

static vigil_status lit_push(lit_vec *lv, const uint8_t *b, size_t len, int nocase, uint32_t slot)
{
    if (lv->n == lv->cap) {
        size_t cap = lv->cap ? lv->cap * 2 : 256;
        glit *nv = cap > SIZE_MAX / sizeof *nv ? NULL : realloc(lv->v, cap * sizeof *nv);
        if (nv == NULL)
            return VIGIL_ERR_NOMEM;
        lv->v = nv;
        lv->cap = cap;
    }
    lv->v[lv->n++] = (glit){b, len, nocase, slot};
    return VIGIL_OK;
}

/* Adds the literal forms of string sp as slot `slot`; *gated 1 when every
 * match of the string contains one of them. */
static vigil_status string_forms(vigil_arena *a, const str_parse *sp, uint32_t slot, lit_vec *lv,
                                 int *gated)
{
    *gated = 0;
    if (sp->kind == VY_T_HEX) {
        uint8_t run[256];
        size_t n = hex_run(sp->src, sp->src_len, run, sizeof run);
        if (n < GATE_MIN_LEN)
            return VIGIL_OK;
        uint8_t *b = vigil_arena_alloc(a, n);
        if (b == NULL)
            return VIGIL_ERR_NOMEM;
        memcpy(b, run, n);
        *gated = 1;
        return lit_push(lv, b, n, 0, slot);
    }
    if (sp->kind != VY_T_STRING || sp->text_len < GATE_MIN_LEN || sp->text_len > SIZE_MAX / 2)
        return VIGIL_OK;
    if (sp->xor_set && (sp->wide || sp->nocase))
        return VIGIL_OK; /* how libyara lays these out is not assumed */
    int forms[2], nf = 0;
    if (sp->ascii || !sp->wide)
        forms[nf++] = 0;
    if (sp->wide)
        forms[nf++] = 1;
    unsigned lo = sp->xor_set ? sp->xor_lo : 0, hi = sp->xor_set ? sp->xor_hi : 0;
    if ((size_t)(hi - lo + 1) * (size_t)nf > GATE_MAX_FORMS)
        return VIGIL_OK;
    for (int f = 0; f < nf; f++) {
        for (unsigned key = lo; key <= hi; key++) {
            size_t len = forms[f] ? sp->text_len * 2 : sp->text_len;
            uint8_t *b = vigil_arena_alloc(a, len);
            if (b == NULL)
                return VIGIL_ERR_NOMEM;
            for (size_t i = 0; i < sp->text_len; i++) {
                uint8_t c = (uint8_t)((uint8_t)sp->text[i] ^ key);
                if (forms[f]) {
                    b[2 * i] = c;
                    b[2 * i + 1] = 0;
                } else {
                    b[i] = c;
                }
            }
            vigil_status st = lit_push(lv, b, len, sp->nocase, slot);
            if (st != VIGIL_OK)
                return st;
        }
    }
    *gated = 1;
    return VIGIL_OK;
}

static int lit_cmp(const void *x, const void *y)
{
    const glit *a = x, *b = y;
    if (a->nocase != b->nocase)
        return a->nocase - b->nocase;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    int c = memcmp(a->bytes, b->bytes, a->len);
    if (c != 0)
        return c;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static int same_lit(const glit *a, const glit *b)
{
    return a->nocase == b->nocase && a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

static int regex_cmp(const void *x, const void *y)
{
    const gregex *a = x, *b = y;
    return a->node < b->node ? -1 : a->node > b->node;
}

/* Patterns PCRE2 reads exactly as libyara does as far as "no match" goes:
 * literals, classes, groups, the usual quantifiers. `{,n}` (a quantifier
 * to libyara, text to PCRE2) and anything unusual are refused. */
static int regex_safe(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') {
            if (++i >= n)
                return 0;
            c = (unsigned char)p[i];
            if (strchr(".\\-{}()[]|*+?^$/ dwsDWS", c) == NULL || c == '\0')
                return 0;
        } else if (c == '{' && i + 1 < n && p[i + 1] == ',') {
            return 0;
        } else if (c < 0x20 || c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* Compiles `external matches /re/flags` for the evaluator. */
static vigil_status add_regex(vigil_yara_gate *g, const vigil_yara_node *n, size_t *cap)
{
    const char *t = n->str;
    size_t len = n->str_len, end;
    uint32_t opts = 0;
    if (len < 2 || t[0] != '/')
        return VIGIL_OK;
    for (end = len - 1; end > 0 && t[end] != '/'; end--)
        ;
    if (end == 0)
        return VIGIL_OK;
    for (size_t i = end + 1; i < len; i++) {
        if (t[i] == 'i')
            opts |= PCRE2_CASELESS;
        else if (t[i] == 's')
            opts |= PCRE2_DOTALL;
        else
            return VIGIL_OK;
    }
    if (!regex_safe(t + 1, end - 1))
        return VIGIL_OK;
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(t + 1), end - 1, opts, &err, &off, NULL);
    if (code == NULL)
        return VIGIL_OK;
    if (g->nregex == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        gregex *nr = realloc(g->regex, nc * sizeof *nr);
        if (nr == NULL) {
            pcre2_code_free(code);
            return VIGIL_ERR_NOMEM;
        }
        g->regex = nr;
        *cap = nc;
    }
    g->regex[g->nregex++] = (gregex){n, code};
    return VIGIL_OK;
}

static vigil_status find_regexes(vigil_yara_gate *g, const vigil_yara_rule *r,
                                 const vigil_yara_node *n, size_t *cap, int depth)
{
    if (n == NULL || depth > EVAL_MAX_DEPTH)
        return VIGIL_OK;
    if (n->kind == VY_N_MATCHES && n->b != NULL && n->b->kind == VY_N_REGEX &&
        vigil_yara_is_external(g->split, r->ns_index, n->a))
        return add_regex(g, n->b, cap);
    const vigil_yara_node *kids[3] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; i++) {
        vigil_status st = find_regexes(g, r, kids[i], cap, depth + 1);
        if (st != VIGIL_OK)
            return st;
    }
    for (size_t i = 0; i < n->n_items; i++) {
        vigil_status st = find_regexes(g, r, n->items[i], cap, depth + 1);
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

static int count_refutable(const vigil_yara_gate *g, size_t ri);
static vigil_status build_rules(vigil_yara_gate *g, const vigil_yara_plan *p, lit_vec *lv)
{
    const vigil_yara_split *s = g->split;
    size_t nr = vigil_yara_split_rule_count(s), any = vigil_yara_plan_any_group(p);
    int opaque_any = 0;
    vigil_status st = VIGIL_OK;

    for (size_t i = 0; i < vigil_yara_split_ns_count(s); i++)
        if (vigil_yara_split_ns_opaque(s, i))
            opaque_any = 1;
    g->ngroups = vigil_yara_plan_group_count(p);
    if (g->ngroups > VIGIL_YARA_MAX_GROUPS)
        return VIGIL_ERR_LIMIT;
    for (size_t k = 0; k < g->ngroups; k++) {
        const vigil_yara_group *grp = vigil_yara_plan_group(p, k);
        if (grp->cls == VIGIL_YARA_CLASS_MZ || (opaque_any && k == any))
            continue;
        g->groups |= 1ull << k;
    }
    /* a rule the parser could not read keeps its whole group ungated */
    for (size_t i = 0; i < nr; i++) {
        const vigil_yara_rule *r = vigil_yara_split_rule(s, i);
        size_t k = vigil_yara_plan_rule_group(p, i);
        if (k < g->ngroups && (r->cond == NULL || vigil_yara_split_ns_opaque(s, r->ns_index)))
            g->groups &= ~(1ull << k);
    }
    if (g->groups == 0)
        return VIGIL_OK;

    g->group_first = calloc(g->ngroups, sizeof *g->group_first);
    g->group_n = calloc(g->ngroups, sizeof *g->group_n);
    g->rules = calloc(nr ? nr : 1, sizeof *g->rules);
    str_parse *sp = malloc(GATE_MAX_STRINGS * sizeof *sp);
    if (g->group_first == NULL || g->group_n == NULL || g->rules == NULL || sp == NULL) {
        free(sp);
        return VIGIL_ERR_NOMEM;
    }
    size_t regex_cap = 0;
    for (size_t k = 0; k < g->ngroups && st == VIGIL_OK; k++) {
        g->group_first[k] = g->nrules;
        if (!(g->groups >> k & 1u))
            continue;
        for (size_t i = 0; i < nr && st == VIGIL_OK; i++) {
            const vigil_yara_rule *r = vigil_yara_split_rule(s, i);
            if (vigil_yara_plan_rule_group(p, i) != k || (r->flags & VIGIL_YARA_RULE_PRIVATE))
                continue;
            grule *gr = &g->rules[g->nrules++];
            gr->r = r;
            size_t ns = read_strings(r, &g->arena, sp, GATE_MAX_STRINGS);
            if (ns == SIZE_MAX)
                ns = 0; /* strings unknown: every test of them is "unknown" */
            if (ns > 0) {
                gr->strs = vigil_arena_alloc(&g->arena, ns * sizeof *gr->strs);
                if (gr->strs == NULL) {
                    st = VIGIL_ERR_NOMEM;
                    break;
                }
                if (g->nslots + ns > UINT32_MAX) {
                    st = VIGIL_ERR_LIMIT;
                    break;
                }
            }
            gr->nstr = ns;
            for (size_t j = 0; j < ns && st == VIGIL_OK; j++) {
                gstr *gs = &gr->strs[j];
                gs->id = sp[j].id;
                gs->id_len = sp[j].id_len;
                gs->slot = (uint32_t)g->nslots++;
                st = string_forms(&g->arena, &sp[j], gs->slot, lv, &gs->gated);
                if (gs->gated)
                    g->info.strings++;
                else
                    g->info.strings_open++;
            }
            if (st == VIGIL_OK)
                st = find_regexes(g, r, r->cond, &regex_cap, 0);
        }
        g->group_n[k] = g->nrules - g->group_first[k];
    }
    free(sp);
    if (st != VIGIL_OK)
        return st;
    if (g->nregex > 1)
        qsort(g->regex, g->nregex, sizeof *g->regex, regex_cmp);
    g->slot_rule = malloc((g->nslots ? g->nslots : 1) * sizeof *g->slot_rule);
    if (g->slot_rule == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < g->nrules; i++)
        for (size_t j = 0; j < g->rules[i].nstr; j++)
            g->slot_rule[g->rules[i].strs[j].slot] = (uint32_t)i;
    g->info.groups = g->groups;
    g->info.rules = g->nrules;
    for (size_t i = 0; i < g->nrules; i++) {
        g->rules[i].refutable = count_refutable(g, i);
        g->info.refutable += (size_t)g->rules[i].refutable;
    }
    return VIGIL_OK;
}

static vigil_status build_db(vigil_yara_gate *g, lit_vec *lv)
{
    if (lv->n == 0)
        return VIGIL_OK;
    qsort(lv->v, lv->n, sizeof *lv->v, lit_cmp);
    size_t nl = 0;
    for (size_t i = 0; i < lv->n; i++)
        if (i == 0 || !same_lit(&lv->v[i - 1], &lv->v[i]))
            nl++;
    if (nl > UINT_MAX || lv->n > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    const char **exprs = calloc(nl, sizeof *exprs);
    size_t *lens = calloc(nl, sizeof *lens);
    unsigned *flags = calloc(nl, sizeof *flags), *ids = calloc(nl, sizeof *ids);
    g->lit_first = calloc(nl + 1, sizeof *g->lit_first);
    g->lit_slots = calloc(lv->n, sizeof *g->lit_slots);
    vigil_status st = VIGIL_ERR_NOMEM;
    if (exprs != NULL && lens != NULL && flags != NULL && ids != NULL && g->lit_first != NULL &&
        g->lit_slots != NULL) {
        size_t k = 0;
        for (size_t i = 0; i < lv->n; i++) {
            if (i == 0 || !same_lit(&lv->v[i - 1], &lv->v[i])) {
                exprs[k] = (const char *)lv->v[i].bytes;
                lens[k] = lv->v[i].len;
                flags[k] = HS_FLAG_SINGLEMATCH | (lv->v[i].nocase ? HS_FLAG_CASELESS : 0);
                ids[k] = (unsigned)k;
                g->lit_first[k] = (uint32_t)i;
                k++;
            }
            g->lit_slots[i] = lv->v[i].slot;
        }
        g->lit_first[nl] = (uint32_t)lv->n;
        hs_compile_error_t *err = NULL;
        if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)nl, HS_MODE_BLOCK, NULL, &g->db,
                                 &err) == HS_SUCCESS) {
            g->nlits = nl;
            g->info.literals = nl;
            st = VIGIL_OK;
        } else {
            g->db = NULL;
            st = VIGIL_ERR_RULE;
        }
        hs_free_compile_error(err);
    }
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    return st;
}

vigil_status vigil_yara_gate_build(const vigil_yara_split *s, const vigil_yara_plan *p,
                                   vigil_yara_gate **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (s == NULL || p == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_yara_gate *g = calloc(1, sizeof *g);
    if (g == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_arena_init(&g->arena);
    g->split = s;
    lit_vec lv = {0};
    vigil_status st = build_rules(g, p, &lv);
    if (st == VIGIL_OK && g->groups != 0)
        st = build_db(g, &lv);
    free(lv.v);
    if (st != VIGIL_OK || g->groups == 0) {
        vigil_yara_gate_destroy(g);
        /* no gate is a valid outcome: the sets are then always scanned */
        return st == VIGIL_ERR_NOMEM ? st : VIGIL_OK;
    }
    *out = g;
    return VIGIL_OK;
}

void vigil_yara_gate_destroy(vigil_yara_gate *g)
{
    if (g == NULL)
        return;
    hs_free_database(g->db);
    for (size_t i = 0; i < g->nregex; i++)
        pcre2_code_free(g->regex[i].code);
    free(g->regex);
    free(g->lit_first);
    free(g->lit_slots);
    free(g->slot_rule);
    free(g->rules);
    free(g->group_first);
    free(g->group_n);
    vigil_arena_free(&g->arena);
    free(g);
}

void vigil_yara_gate_get_info(const vigil_yara_gate *g, vigil_yara_gate_info *out)
{
    if (out == NULL)
        return;
    if (g == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = g->info;
}

int vigil_yara_gate_refutes(const vigil_yara_gate *g, const vigil_yara_rule *r)
{
    if (g == NULL)
        return 0;
    for (size_t i = 0; i < g->nrules; i++)
        if (g->rules[i].r == r)
            return g->rules[i].refutable;
    return 0;
}

/* ---- three-valued evaluation -------------------------------------------- */

typedef struct ev_ctx {
    const vigil_yara_gate *g;
    const vigil_yara_gate_scratch *sc;
    const grule *r;
    int all_unknown; /* 1: every string may be present */
} ev_ctx;

static const gstr *find_str(const grule *r, const char *id, size_t len)
{
    for (size_t i = 0; i < r->nstr; i++)
        if (r->strs[i].id_len == len && memcmp(r->strs[i].id, id, len) == 0)
            return &r->strs[i];
    return NULL;
}

/* K_F when the string provably has no match in the file, else K_U. */
static int str_state(const ev_ctx *c, const gstr *s)
{
    if (c->all_unknown || !s->gated || (c->sc != NULL && c->sc->present[s->slot] == c->sc->gen))
        return K_U;
    return K_F;
}

static int ev_bool(const ev_ctx *c, const vigil_yara_node *n, int depth);

/* 1 and *v when the integer value of n is known. */
static int ev_int(const ev_ctx *c, const vigil_yara_node *n, int depth, int64_t *v)
{
    int64_t a, b;
    if (depth > EVAL_MAX_DEPTH)
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
        if (c->sc == NULL || width > 4 || !ev_int(c, n->a, depth + 1, &a) || a < 0 ||
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
        const gstr *s = n->str_len ? find_str(c->r, n->str, n->str_len) : NULL;
        if (s == NULL || str_state(c, s) != K_F)
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
        if (!ev_int(c, n->a, depth + 1, &a) || !ev_int(c, n->b, depth + 1, &b))
            return 0;
        switch (n->op) {
        case VY_OP_PLUS:
            return !__builtin_add_overflow(a, b, v);
        case VY_OP_MINUS:
            return !__builtin_sub_overflow(a, b, v);
        case VY_OP_MUL:
            return !__builtin_mul_overflow(a, b, v);
        case VY_OP_AND:
            *v = a & b;
            return 1;
        case VY_OP_OR:
            *v = a | b;
            return 1;
        case VY_OP_XOR:
            *v = a ^ b;
            return 1;
        default:
            return 0; /* division, shifts: left to libyara */
        }
    default:
        return 0;
    }
}

/* Marks the strings of a set item; 0 when the item is not a string. */
static int mark_item(const grule *r, const vigil_yara_node *it, unsigned char *sel)
{
    if (it->kind != VY_N_STRID)
        return 0;
    size_t len = it->str_len;
    int wild = it->ival != 0;
    if (wild && len > 0 && it->str[len - 1] == '*')
        len--;
    int any = 0;
    for (size_t i = 0; i < r->nstr; i++) {
        const gstr *s = &r->strs[i];
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
    const grule *r = c->r;
    unsigned char local[256], *sel = local;
    size_t total = 0, possible = 0;
    int64_t need;
    int res = K_U;

    if (r->nstr == 0 || n->b == NULL)
        return K_U;
    if (r->nstr > sizeof local) {
        sel = calloc(r->nstr, 1);
        if (sel == NULL)
            return K_U;
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
        if (str_state(c, &r->strs[i]) != K_F)
            possible++;
    }
    if (n->a->kind == VY_N_QUANT) {
        if (n->a->op == VY_KW_NONE) {
            res = possible == 0 ? K_T : K_U;
            goto done;
        }
        need = n->a->op == VY_KW_ALL ? (int64_t)total : 1;
    } else if (!ev_int(c, n->a, depth + 1, &need)) {
        goto done;
    }
    if (need >= 1 && (uint64_t)need > possible)
        res = K_F;
done:
    if (sel != local)
        free(sel);
    return res;
}

static int regex_match(const ev_ctx *c, const vigil_yara_node *n)
{
    const vigil_yara_gate *g = c->g;
    gregex key = {n->b, NULL};
    const gregex *re = g->nregex ? bsearch(&key, g->regex, g->nregex, sizeof key, regex_cmp) : NULL;
    if (re == NULL || c->sc == NULL || c->sc->md == NULL)
        return K_U;
    const char *v = vigil_yara_external_value(n->a->str, c->sc->ext);
    int rc = pcre2_match(re->code, (PCRE2_SPTR)v, strlen(v), 0, 0, c->sc->md, NULL);
    if (rc >= 0)
        return K_T;
    return rc == PCRE2_ERROR_NOMATCH ? K_F : K_U;
}

/* Comparisons decided by filesize and the external variables. */
static int ev_pred(const ev_ctx *c, const vigil_yara_node *n)
{
    if (c->sc == NULL || !vigil_yara_pred_decidable(c->g->split, c->r->r->ns_index, n))
        return K_U;
    return vigil_yara_pred_eval(n, c->sc->len, c->sc->ext) ? K_T : K_F;
}

static int ev_bool(const ev_ctx *c, const vigil_yara_node *n, int depth)
{
    int x, y;
    int64_t a, b;
    if (n == NULL || depth > EVAL_MAX_DEPTH)
        return K_U;
    switch (n->kind) {
    case VY_N_TRUE:
        return K_T;
    case VY_N_FALSE:
        return K_F;
    case VY_N_AND:
        x = ev_bool(c, n->a, depth + 1);
        if (x == K_F)
            return K_F;
        y = ev_bool(c, n->b, depth + 1);
        if (y == K_F)
            return K_F;
        return x == K_T && y == K_T ? K_T : K_U;
    case VY_N_OR:
        x = ev_bool(c, n->a, depth + 1);
        if (x == K_T)
            return K_T;
        y = ev_bool(c, n->b, depth + 1);
        if (y == K_T)
            return K_T;
        return x == K_F && y == K_F ? K_F : K_U;
    case VY_N_NOT:
        x = ev_bool(c, n->a, depth + 1);
        return x == K_U ? K_U : (x == K_T ? K_F : K_T);
    case VY_N_STRID: {
        if (n->ival != 0)
            return K_U;
        const gstr *s = find_str(c->r, n->str, n->str_len);
        return s == NULL || n->str_len == 0 ? K_U : str_state(c, s);
    }
    case VY_N_AT:
    case VY_N_IN:
        /* `$a at X`, `$a in (R)`, `N of them in (R)`: need the match first */
        if (n->a != NULL && (n->a->kind == VY_N_STRID || n->a->kind == VY_N_OF))
            return ev_bool(c, n->a, depth + 1) == K_F ? K_F : K_U;
        return K_U;
    case VY_N_OF:
        return ev_of(c, n, depth);
    case VY_N_CMP:
        if (ev_int(c, n->a, depth + 1, &a) && ev_int(c, n->b, depth + 1, &b)) {
            switch (n->op) {
            case VY_OP_EQ:
                return a == b ? K_T : K_F;
            case VY_OP_NE:
                return a != b ? K_T : K_F;
            case VY_OP_LT:
                return a < b ? K_T : K_F;
            case VY_OP_LE:
                return a <= b ? K_T : K_F;
            case VY_OP_GT:
                return a > b ? K_T : K_F;
            case VY_OP_GE:
                return a >= b ? K_T : K_F;
            default:
                return K_U;
            }
        }
        return ev_pred(c, n);
    case VY_N_STROP:
        return ev_pred(c, n);
    case VY_N_MATCHES:
        if (n->b != NULL && n->b->kind == VY_N_REGEX &&
            vigil_yara_is_external(c->g->split, c->r->r->ns_index, n->a))
            return regex_match(c, n);
        return K_U;
    case VY_N_INT:
    case VY_N_FILESIZE:
    case VY_N_INTFN:
    case VY_N_STRCOUNT:
    case VY_N_BIN:
        if (ev_int(c, n, depth + 1, &a))
            return a != 0 ? K_T : K_F;
        return K_U;
    default:
        return K_U; /* rule references, modules, loops, ... */
    }
}

/* 1 when rule ri is false in any file that holds none of its literals
 * (no file at hand: magic, size and names stay unknown). */
static int count_refutable(const vigil_yara_gate *g, size_t ri)
{
    ev_ctx c = {g, NULL, &g->rules[ri], 0};
    return ev_bool(&c, g->rules[ri].r->cond, 0) == K_F;
}

/* ---- per file ----------------------------------------------------------- */

vigil_status vigil_yara_gate_scratch_create(const vigil_yara_gate *g, vigil_yara_gate_scratch **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (g == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_yara_gate_scratch *sc = calloc(1, sizeof *sc);
    if (sc == NULL)
        return VIGIL_ERR_NOMEM;
    sc->g = g;
    sc->present = calloc(g->nslots ? g->nslots : 1, sizeof *sc->present);
    sc->live = calloc(g->nrules ? g->nrules : 1, sizeof *sc->live);
    sc->md = pcre2_match_data_create(1, NULL);
    if (sc->present == NULL || sc->live == NULL || sc->md == NULL ||
        (g->db != NULL && hs_alloc_scratch(g->db, &sc->hs) != HS_SUCCESS)) {
        vigil_yara_gate_scratch_destroy(sc);
        return VIGIL_ERR_NOMEM;
    }
    *out = sc;
    return VIGIL_OK;
}

void vigil_yara_gate_scratch_destroy(vigil_yara_gate_scratch *sc)
{
    if (sc == NULL)
        return;
    hs_free_scratch(sc->hs);
    pcre2_match_data_free(sc->md);
    free(sc->present);
    free(sc->live);
    free(sc);
}

static int on_literal(unsigned int id, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *user)
{
    vigil_yara_gate_scratch *sc = user;
    const vigil_yara_gate *g = sc->g;
    (void)from;
    (void)to;
    (void)flags;
    if (id >= g->nlits)
        return 0;
    for (uint32_t k = g->lit_first[id]; k < g->lit_first[id + 1]; k++) {
        uint32_t slot = g->lit_slots[k];
        if (sc->present[slot] == sc->gen)
            continue;
        sc->present[slot] = sc->gen;
        uint32_t ri = g->slot_rule[slot];
        if (sc->live[ri] != sc->gen)
            continue;
        ev_ctx c = {g, sc, &g->rules[ri], 0};
        if (ev_bool(&c, g->rules[ri].r->cond, 0) != K_F) {
            sc->hit = 1;
            return 1; /* one rule may match: libyara must scan, stop here */
        }
    }
    return 0;
}

static void next_gen(vigil_yara_gate_scratch *sc)
{
    if (++sc->gen == 0) {
        memset(sc->present, 0, (sc->g->nslots ? sc->g->nslots : 1) * sizeof *sc->present);
        memset(sc->live, 0, (sc->g->nrules ? sc->g->nrules : 1) * sizeof *sc->live);
        sc->gen = 1;
    }
}

int vigil_yara_gate_may_match(vigil_yara_gate_scratch *sc, uint64_t groups, const uint8_t *data,
                              size_t len, const vigil_yara_externals *ext)
{
    if (sc == NULL || (groups & ~sc->g->groups) != 0 || (data == NULL && len > 0))
        return 1;
    const vigil_yara_gate *g = sc->g;
    size_t nlive = 0;

    next_gen(sc);
    sc->data = data;
    sc->len = len;
    sc->ext = ext;
    for (size_t k = 0; k < g->ngroups; k++) {
        if (!(groups >> k & 1u))
            continue;
        for (size_t i = g->group_first[k]; i < g->group_first[k] + g->group_n[k]; i++) {
            ev_ctx c = {g, sc, &g->rules[i], 1};
            if (ev_bool(&c, g->rules[i].r->cond, 0) == K_F)
                continue; /* false whatever the strings: magic, size, name */
            c.all_unknown = 0;
            if (ev_bool(&c, g->rules[i].r->cond, 0) != K_F)
                return 1; /* may match without any literal */
            sc->live[i] = sc->gen;
            nlive++;
        }
    }
    if (nlive == 0 || len == 0)
        return 0;
    if (g->db == NULL || sc->hs == NULL || len > UINT_MAX)
        return 1;
    sc->hit = 0;
    hs_error_t e = hs_scan(g->db, (const char *)data, (unsigned)len, 0, sc->hs, on_literal, sc);
    if (e == HS_SCAN_TERMINATED)
        return 1;
    if (e != HS_SUCCESS)
        return 1;
    return sc->hit;
}
