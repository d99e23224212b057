/* yara_pre.c - provable preconditions of a YARA rule and their evaluation.
 *
 * Why so narrow: a precondition lets the scanner skip a rule, so one that
 * is wrong silently loses a detection. Only the top-level `and` chain is
 * read (every conjunct must be true for the rule to match, and in libyara
 * an undefined value makes `and` false); a conjunct that is not understood
 * is simply dropped, which only weakens the precondition. Recognised:
 *   uintN/intN[be](K) == C     -> bytes at fixed offsets (K, C constant)
 *   pe.is_pe, pe.is_dll() ..., comparisons of PE header fields and of
 *   pe.imphash()/exports()/imports(), also under `not` (but not is_pe) -> "MZ"
 *     (the pe module leaves them undefined unless the file starts "MZ")
 *   comparisons of ELF header fields -> "\x7fELF" (same reasoning)
 *   filesize <, <=, >, >=, == C (either side) -> size range
 *   any subtree built only of filesize, constants, the string externals and
 *   == != contains icontains startswith istartswith endswith iendswith
 *   iequals with and/or/not -> a predicate evaluated exactly at selection
 *     (these values are always defined, so not/or are exact too; `matches`
 *     is left out: deciding it would need libyara's own regex engine)
 *   a bare reference to an earlier rule -> that rule must match too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buffer.h"
#include "yara/yara_lex.h"
#include "yara/yara_split.h"

static const char *const externals[] = {"filename", "filepath", "extension",
                                        "filetype", "owner",    "md5"};

/* Not is_pe: the module sets it to 0 for other files. */
static const char *const pe_fields[] = {"machine",
                                        "number_of_sections",
                                        "timestamp",
                                        "characteristics",
                                        "entry_point",
                                        "subsystem",
                                        "image_base",
                                        "size_of_image",
                                        "opthdr_magic",
                                        "size_of_optional_header",
                                        "dll_characteristics",
                                        "number_of_rva_and_sizes",
                                        "linker_version",
                                        "number_of_signatures"};
static const char *const pe_bool_fns[] = {"is_dll", "is_32bit", "is_64bit"};
/* Functions that return undefined unless the pe module parsed the file
 * (checked against libyara 4.2: `not defined pe.imphash()` holds for text,
 * ELF and a bare "MZ" file). */
static const char *const pe_value_fns[] = {"imphash", "exports", "imports"};
static const char *const elf_fields[] = {
    "type",      "machine",  "entry_point", "number_of_sections", "number_of_segments",
    "sh_offset", "ph_offset"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* ---- constant folding --------------------------------------------------- */

int vigil_yara_int_binop(int op, int64_t a, int64_t b, int64_t *v)
{
    switch (op) {
    case VY_OP_PLUS:
        return !__builtin_add_overflow(a, b, v);
    case VY_OP_MINUS:
        return !__builtin_sub_overflow(a, b, v);
    case VY_OP_MUL:
        return !__builtin_mul_overflow(a, b, v);
    case VY_OP_DIV:
        if (b == 0 || (a == INT64_MIN && b == -1))
            return 0;
        *v = a / b;
        return 1;
    case VY_OP_MOD:
        if (b == 0 || (a == INT64_MIN && b == -1))
            return 0;
        *v = a % b;
        return 1;
    case VY_OP_AND:
        *v = a & b;
        return 1;
    case VY_OP_OR:
        *v = a | b;
        return 1;
    case VY_OP_XOR:
        *v = a ^ b;
        return 1;
    case VY_OP_SHL:
        if (a < 0 || b < 0 || b >= 63 || a > (INT64_MAX >> b))
            return 0;
        *v = a << b;
        return 1;
    case VY_OP_SHR:
        if (a < 0 || b < 0 || b >= 63)
            return 0;
        *v = a >> b;
        return 1;
    default:
        return 0;
    }
}

/* 1 and *v when n is an integer constant expression we can evaluate
 * without overflow (anything else, including overflow, is "unknown"). */
static int fold_int(const vigil_yara_node *n, int64_t *v)
{
    int64_t a, b;
    switch (n->kind) {
    case VY_N_INT:
        *v = n->ival;
        return 1;
    case VY_N_NEG:
        if (!fold_int(n->a, &a) || a == INT64_MIN)
            return 0;
        *v = -a;
        return 1;
    case VY_N_BITNOT:
        if (!fold_int(n->a, &a))
            return 0;
        *v = ~a;
        return 1;
    case VY_N_BIN:
        return fold_int(n->a, &a) && fold_int(n->b, &b) && vigil_yara_int_binop(n->op, a, b, v);
    default:
        return 0;
    }
}

/* ---- decidable predicates ----------------------------------------------- */

typedef struct pre_ctx {
    const vigil_yara_split *s;
    size_t ns;
} pre_ctx;

static int is_ext(const pre_ctx *c, const vigil_yara_node *n)
{
    return n->kind == VY_N_IDENT && in_list(n->str, externals, N_OF(externals)) &&
           !vigil_yara_split_is_rule(c->s, c->ns, n->str);
}

static int int_dec(const vigil_yara_node *n)
{
    int64_t v;
    return n->kind == VY_N_FILESIZE || fold_int(n, &v);
}

static int str_dec(const pre_ctx *c, const vigil_yara_node *n)
{
    return n->kind == VY_N_STR || is_ext(c, n);
}

static int bool_dec(const pre_ctx *c, const vigil_yara_node *n, int depth)
{
    if (depth > 64)
        return 0;
    switch (n->kind) {
    case VY_N_TRUE:
    case VY_N_FALSE:
        return 1;
    case VY_N_AND:
    case VY_N_OR:
        return bool_dec(c, n->a, depth + 1) && bool_dec(c, n->b, depth + 1);
    case VY_N_NOT:
        return bool_dec(c, n->a, depth + 1);
    case VY_N_CMP:
        if (int_dec(n->a) && int_dec(n->b))
            return 1;
        return (n->op == VY_OP_EQ || n->op == VY_OP_NE) && str_dec(c, n->a) && str_dec(c, n->b);
    case VY_N_STROP:
        return str_dec(c, n->a) && str_dec(c, n->b);
    default:
        return 0;
    }
}

static const char *ext_value(const char *name, const vigil_yara_externals *e);

int vigil_yara_pred_decidable(const vigil_yara_split *s, size_t ns, const vigil_yara_node *n)
{
    pre_ctx c = {s, ns};
    return bool_dec(&c, n, 0);
}

int vigil_yara_is_external(const vigil_yara_split *s, size_t ns, const vigil_yara_node *n)
{
    pre_ctx c = {s, ns};
    return is_ext(&c, n);
}

const char *vigil_yara_external_value(const char *name, const vigil_yara_externals *e)
{
    return ext_value(name, e);
}

static const char *ext_value(const char *name, const vigil_yara_externals *e)
{
    const char *v = NULL;
    if (e != NULL) {
        if (strcmp(name, "filename") == 0)
            v = e->filename;
        else if (strcmp(name, "filepath") == 0)
            v = e->filepath;
        else if (strcmp(name, "extension") == 0)
            v = e->extension;
        else if (strcmp(name, "filetype") == 0)
            v = e->filetype;
        else if (strcmp(name, "owner") == 0)
            v = e->owner;
        else if (strcmp(name, "md5") == 0)
            v = e->md5;
    }
    return v ? v : "";
}

static void str_val(const vigil_yara_node *n, const vigil_yara_externals *e, const char **p,
                    size_t *len)
{
    if (n->kind == VY_N_STR) {
        *p = n->str;
        *len = n->str_len;
    } else {
        *p = ext_value(n->str, e);
        *len = strlen(*p);
    }
}

static int64_t int_val(const vigil_yara_node *n, uint64_t filesize)
{
    int64_t v = 0;
    if (n->kind == VY_N_FILESIZE)
        return filesize > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)filesize;
    (void)fold_int(n, &v);
    return v;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive compare as libyara does it (ASCII lower-casing). */
static int ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int find(const char *h, size_t hl, const char *nd, size_t nl, int icase)
{
    if (nl > hl)
        return 0;
    for (size_t i = 0; i + nl <= hl; i++)
        if (icase ? ieq(h + i, nd, nl) : memcmp(h + i, nd, nl) == 0)
            return 1;
    return 0;
}

int vigil_yara_pred_eval(const vigil_yara_node *n, uint64_t filesize,
                         const vigil_yara_externals *ext)
{
    const char *a, *b;
    size_t al, bl;
    switch (n->kind) {
    case VY_N_TRUE:
        return 1;
    case VY_N_FALSE:
        return 0;
    case VY_N_AND:
        return vigil_yara_pred_eval(n->a, filesize, ext) &&
               vigil_yara_pred_eval(n->b, filesize, ext);
    case VY_N_OR:
        return vigil_yara_pred_eval(n->a, filesize, ext) ||
               vigil_yara_pred_eval(n->b, filesize, ext);
    case VY_N_NOT:
        return !vigil_yara_pred_eval(n->a, filesize, ext);
    case VY_N_CMP:
        if (n->a->kind == VY_N_STR || n->a->kind == VY_N_IDENT) {
            str_val(n->a, ext, &a, &al);
            str_val(n->b, ext, &b, &bl);
            int eq = al == bl && memcmp(a, b, al) == 0;
            return n->op == VY_OP_EQ ? eq : !eq;
        } else {
            int64_t x = int_val(n->a, filesize), y = int_val(n->b, filesize);
            switch (n->op) {
            case VY_OP_EQ:
                return x == y;
            case VY_OP_NE:
                return x != y;
            case VY_OP_LT:
                return x < y;
            case VY_OP_LE:
                return x <= y;
            case VY_OP_GT:
                return x > y;
            case VY_OP_GE:
                return x >= y;
            default:
                return 1;
            }
        }
    case VY_N_STROP:
        str_val(n->a, ext, &a, &al);
        str_val(n->b, ext, &b, &bl);
        switch (n->op) {
        case VY_KW_CONTAINS:
            return find(a, al, b, bl, 0);
        case VY_KW_ICONTAINS:
            return find(a, al, b, bl, 1);
        case VY_KW_STARTSWITH:
            return bl <= al && memcmp(a, b, bl) == 0;
        case VY_KW_ISTARTSWITH:
            return bl <= al && ieq(a, b, bl);
        case VY_KW_ENDSWITH:
            return bl <= al && memcmp(a + al - bl, b, bl) == 0;
        case VY_KW_IENDSWITH:
            return bl <= al && ieq(a + al - bl, b, bl);
        case VY_KW_IEQUALS:
            return al == bl && ieq(a, b, bl);
        default:
            return 1;
        }
    default:
        return 1; /* never reached for decidable trees; 1 keeps it sound */
    }
}

/* ---- extraction --------------------------------------------------------- */

static void add_byte(vigil_yara_pre *pre, uint64_t off, uint8_t val)
{
    unsigned i = 0;
    while (i < pre->n_bytes && pre->bytes[i].off < off)
        i++;
    if (i < pre->n_bytes && pre->bytes[i].off == off) {
        if (pre->bytes[i].val != val)
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
        return;
    }
    if (pre->n_bytes == VIGIL_YARA_PRE_MAX_BYTES)
        return; /* dropping a check only weakens the precondition */
    memmove(&pre->bytes[i + 1], &pre->bytes[i], (pre->n_bytes - i) * sizeof pre->bytes[0]);
    pre->bytes[i].off = (uint16_t)off;
    pre->bytes[i].val = val;
    pre->n_bytes++;
}

static void add_magic(vigil_yara_pre *pre, const char *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        add_byte(pre, i, (uint8_t)m[i]);
}

/* `uintN(K) == C` in either order; 1 when recognised. */
static int take_intfn_eq(vigil_yara_pre *pre, const vigil_yara_node *n)
{
    if (n->kind != VY_N_CMP || n->op != VY_OP_EQ)
        return 0;
    const vigil_yara_node *fn = n->a, *cn = n->b;
    if (fn->kind != VY_N_INTFN) {
        fn = n->b;
        cn = n->a;
    }
    int64_t off, c;
    if (fn->kind != VY_N_INTFN || !fold_int(fn->a, &off) || !fold_int(cn, &c))
        return 0;
    unsigned code = (unsigned)fn->ival;
    unsigned width = 1u << (code & 3u);
    if (off < 0 || (uint64_t)off + width > VIGIL_YARA_PRE_MAX_OFFSET)
        return 0;
    uint64_t bits = (uint64_t)width * 8u;
    uint64_t val;
    if (code & VY_INTFN_U) {
        if (c < 0 || (uint64_t)c > (1ull << bits) - 1u) {
            pre->flags |= VIGIL_YARA_PRE_UNSAT; /* the read value can never equal C */
            return 1;
        }
        val = (uint64_t)c;
    } else {
        int64_t lo = -(int64_t)(1ull << (bits - 1)), hi = (int64_t)(1ull << (bits - 1)) - 1;
        if (c < lo || c > hi) {
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
            return 1;
        }
        val = (uint64_t)c & ((1ull << bits) - 1u);
    }
    for (unsigned i = 0; i < width; i++) {
        unsigned shift = (code & VY_INTFN_BE) ? 8u * (width - 1u - i) : 8u * i;
        add_byte(pre, (uint64_t)off + i, (uint8_t)(val >> shift));
    }
    return 1;
}

/* pe.<field> / elf.<field> (or a member chain below it) of module `mod`. */
static int is_module_field(const pre_ctx *c, const vigil_yara_node *n, const char *mod,
                           const char *const *fields, size_t n_fields)
{
    while (n->kind == VY_N_MEMBER && n->a->kind == VY_N_MEMBER)
        n = n->a;
    if (n->kind != VY_N_MEMBER || n->a->kind != VY_N_IDENT || strcmp(n->a->str, mod) != 0)
        return 0;
    if (vigil_yara_split_is_rule(c->s, c->ns, mod))
        return 0;
    const char *const *imports;
    size_t ni = vigil_yara_split_ns_imports(c->s, c->ns, &imports);
    if (!in_list(mod, imports, ni))
        return 0;
    return in_list(n->str, fields, n_fields);
}

/* pe.imphash(), pe.exports(..), pe.imports(..): undefined for non-PE. */
static int is_pe_value_call(const pre_ctx *c, const vigil_yara_node *n)
{
    return n->kind == VY_N_CALL &&
           is_module_field(c, n->a, "pe", pe_value_fns, N_OF(pe_value_fns)) &&
           n->a->a->kind == VY_N_IDENT && (n->n_items > 0 || strcmp(n->a->str, "imphash") == 0);
}

/* Module-implied magic: "MZ" for PE header facts, "\x7fELF" for ELF ones.
 * Every form but pe.is_pe is undefined for other files, and libyara keeps
 * `not undefined` undefined, so `not` in front of them implies the same
 * (checked: `true and not pe.imphash() == "x"` is false on a text file). */
static int take_module(const pre_ctx *c, vigil_yara_pre *pre, const vigil_yara_node *n)
{
    static const char *const is_pe[] = {"is_pe"};
    if (n->kind == VY_N_MEMBER && is_module_field(c, n, "pe", is_pe, 1)) {
        add_magic(pre, "MZ", 2);
        return 1;
    }
    for (int depth = 0; n->kind == VY_N_NOT && depth < 8; depth++)
        n = n->a;
    if (n->kind == VY_N_CALL && n->n_items == 0 &&
        is_module_field(c, n->a, "pe", pe_bool_fns, N_OF(pe_bool_fns)) &&
        n->a->a->kind == VY_N_IDENT) {
        add_magic(pre, "MZ", 2);
        return 1;
    }
    if (is_pe_value_call(c, n)) {
        add_magic(pre, "MZ", 2);
        return 1;
    }
    if (n->kind != VY_N_CMP)
        return 0;
    for (int side = 0; side < 2; side++) {
        const vigil_yara_node *x = side ? n->b : n->a;
        if (is_module_field(c, x, "pe", pe_fields, N_OF(pe_fields)) || is_pe_value_call(c, x)) {
            add_magic(pre, "MZ", 2);
            return 1;
        }
        if (is_module_field(c, x, "elf", elf_fields, N_OF(elf_fields))) {
            add_magic(pre,
                      "\x7f"
                      "ELF",
                      4);
            return 1;
        }
    }
    return 0;
}

static void narrow_max(vigil_yara_pre *pre, uint64_t v)
{
    if (v < pre->size_max)
        pre->size_max = v;
}

static void narrow_min(vigil_yara_pre *pre, uint64_t v)
{
    if (v > pre->size_min)
        pre->size_min = v;
}

/* filesize OP C in either order (not !=, that stays a predicate). */
static int take_filesize(vigil_yara_pre *pre, const vigil_yara_node *n)
{
    if (n->kind != VY_N_CMP || n->op == VY_OP_NE)
        return 0;
    int op = n->op;
    int64_t c;
    if (n->a->kind == VY_N_FILESIZE && fold_int(n->b, &c)) {
        /* as written */
    } else if (n->b->kind == VY_N_FILESIZE && fold_int(n->a, &c)) {
        op = op == VY_OP_LT   ? VY_OP_GT
             : op == VY_OP_GT ? VY_OP_LT
             : op == VY_OP_LE ? VY_OP_GE
             : op == VY_OP_GE ? VY_OP_LE
                              : op;
    } else {
        return 0;
    }
    switch (op) {
    case VY_OP_LT:
        if (c <= 0)
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
        else
            narrow_max(pre, (uint64_t)c - 1);
        break;
    case VY_OP_LE:
        if (c < 0)
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
        else
            narrow_max(pre, (uint64_t)c);
        break;
    case VY_OP_GT:
        if (c == INT64_MAX)
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
        else if (c >= 0)
            narrow_min(pre, (uint64_t)c + 1);
        break;
    case VY_OP_GE:
        if (c > 0)
            narrow_min(pre, (uint64_t)c);
        break;
    case VY_OP_EQ:
        if (c < 0) {
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
        } else {
            narrow_min(pre, (uint64_t)c);
            narrow_max(pre, (uint64_t)c);
        }
        break;
    default:
        return 0;
    }
    if (pre->size_min > pre->size_max)
        pre->flags |= VIGIL_YARA_PRE_UNSAT;
    return 1;
}

typedef struct ptr_vec {
    const void **items;
    size_t n, cap;
} ptr_vec;

static vigil_status vec_push(ptr_vec *v, const void *p)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        const void **items = realloc((void *)v->items, cap * sizeof *items);
        if (items == NULL)
            return VIGIL_ERR_NOMEM;
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = p;
    return VIGIL_OK;
}

/* Flattens the top-level `and` chain (parentheses are already gone). */
static vigil_status flatten_and(const vigil_yara_node *n, ptr_vec *out, int depth)
{
    if (n->kind == VY_N_AND && depth < 1000) {
        vigil_status st = flatten_and(n->a, out, depth + 1);
        return st != VIGIL_OK ? st : flatten_and(n->b, out, depth + 1);
    }
    return vec_push(out, n);
}

vigil_status vigil_yara_pre_extract(vigil_yara_split *s, vigil_yara_rule *r)
{
    vigil_yara_pre *pre = &r->pre;
    memset(pre, 0, sizeof *pre);
    pre->size_max = UINT64_MAX;
    if (r->cond == NULL)
        return VIGIL_OK;
    pre_ctx c = {s, r->ns_index};
    size_t self = vigil_yara_split_find(s, r->ns, r->name);
    ptr_vec conj = {0}, preds = {0};
    size_t *req = NULL, n_req = 0;
    vigil_status st = flatten_and(r->cond, &conj, 0);
    for (size_t i = 0; i < conj.n && st == VIGIL_OK; i++) {
        const vigil_yara_node *n = conj.items[i];
        if (take_intfn_eq(pre, n) || take_module(&c, pre, n) || take_filesize(pre, n))
            continue;
        if (n->kind == VY_N_TRUE)
            continue;
        if (n->kind == VY_N_FALSE) {
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
            continue;
        }
        if (bool_dec(&c, n, 0)) {
            st = vec_push(&preds, n);
            continue;
        }
        if (n->kind == VY_N_IDENT) {
            size_t dep = vigil_yara_split_find(s, r->ns, n->str);
            if (dep != SIZE_MAX && dep < self) {
                size_t *nr = realloc(req, (n_req + 1) * sizeof *req);
                if (nr == NULL) {
                    st = VIGIL_ERR_NOMEM;
                    break;
                }
                req = nr;
                req[n_req++] = dep;
            }
        }
        /* anything else: not understood, no constraint */
    }
    vigil_arena *a = vigil_yara_split_arena(s);
    if (st == VIGIL_OK && preds.n) {
        pre->preds = vigil_arena_alloc(a, preds.n * sizeof *pre->preds);
        if (pre->preds == NULL)
            st = VIGIL_ERR_NOMEM;
        else
            memcpy((void *)pre->preds, preds.items, preds.n * sizeof *pre->preds);
        pre->n_preds = preds.n;
    }
    if (st == VIGIL_OK && n_req) {
        pre->req_rules = vigil_arena_alloc(a, n_req * sizeof *req);
        if (pre->req_rules == NULL)
            st = VIGIL_ERR_NOMEM;
        else
            memcpy(pre->req_rules, req, n_req * sizeof *req);
        pre->n_req_rules = n_req;
    }
    free((void *)conj.items);
    free((void *)preds.items);
    free(req);
    return st;
}

int vigil_yara_pre_empty(const vigil_yara_pre *pre)
{
    return pre->flags == 0 && pre->n_bytes == 0 && pre->size_min == 0 &&
           pre->size_max == UINT64_MAX && pre->n_preds == 0;
}

int vigil_yara_pre_may_match(const vigil_yara_pre *pre, const uint8_t *head, size_t head_len,
                             uint64_t filesize, const vigil_yara_externals *ext)
{
    if (pre->flags & VIGIL_YARA_PRE_UNSAT)
        return 0;
    if (filesize < pre->size_min || filesize > pre->size_max)
        return 0;
    for (unsigned i = 0; i < pre->n_bytes; i++) {
        uint64_t off = pre->bytes[i].off;
        if (off >= filesize)
            return 0;
        if (off < head_len && head[off] != pre->bytes[i].val)
            return 0;
    }
    for (size_t i = 0; i < pre->n_preds; i++)
        if (!vigil_yara_pred_eval(pre->preds[i], filesize, ext))
            return 0;
    return 1;
}

/* ---- formatting --------------------------------------------------------- */

/* Formatting goes to the shared buffer (core/buffer.h); an allocation
 * failure only shortens the text, which is for people to read. */
static void put(vigil_buffer *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(vigil_buffer *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vigil_buffer_vprintf(o, fmt, ap);
    va_end(ap);
}

static const char *op_text(const vigil_yara_node *n)
{
    if (n->kind == VY_N_STROP)
        return vigil_yara_kw_name(n->op);
    switch (n->op) {
    case VY_OP_EQ:
        return "==";
    case VY_OP_NE:
        return "!=";
    case VY_OP_LT:
        return "<";
    case VY_OP_LE:
        return "<=";
    case VY_OP_GT:
        return ">";
    case VY_OP_GE:
        return ">=";
    default:
        return "?";
    }
}

static void put_node(vigil_buffer *o, const vigil_yara_node *n)
{
    int64_t v;
    switch (n->kind) {
    case VY_N_TRUE:
        put(o, "true");
        break;
    case VY_N_FALSE:
        put(o, "false");
        break;
    case VY_N_AND:
    case VY_N_OR:
        put(o, "(");
        put_node(o, n->a);
        put(o, n->kind == VY_N_AND ? " and " : " or ");
        put_node(o, n->b);
        put(o, ")");
        break;
    case VY_N_NOT:
        put(o, "not ");
        put_node(o, n->a);
        break;
    case VY_N_CMP:
    case VY_N_STROP:
        put_node(o, n->a);
        put(o, " %s ", op_text(n));
        put_node(o, n->b);
        break;
    case VY_N_FILESIZE:
        put(o, "filesize");
        break;
    case VY_N_IDENT:
        put(o, "%s", n->str);
        break;
    case VY_N_STR:
        put(o, "\"");
        for (size_t i = 0; i < n->str_len; i++) {
            unsigned char ch = (unsigned char)n->str[i];
            if (ch == '"' || ch == '\\')
                put(o, "\\%c", ch);
            else if (ch < 0x20 || ch >= 0x7f)
                put(o, "\\x%02x", ch);
            else
                put(o, "%c", ch);
        }
        put(o, "\"");
        break;
    default:
        if (fold_int(n, &v))
            put(o, "%lld", (long long)v);
        else
            put(o, "?");
        break;
    }
}

void vigil_yara_pre_format(const vigil_yara_pre *pre, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return;
    vigil_buffer o = {0};
    buf[0] = '\0';
    if (pre->flags & VIGIL_YARA_PRE_UNSAT)
        put(&o, "never");
    for (unsigned i = 0; i < pre->n_bytes; i++) {
        int start = i == 0 || pre->bytes[i - 1].off + 1 != pre->bytes[i].off;
        if (start)
            put(&o, "%sbytes@%u=", o.len ? " " : "", (unsigned)pre->bytes[i].off);
        put(&o, "%02x", pre->bytes[i].val);
    }
    if (pre->size_min > 0)
        put(&o, "%sfilesize>=%llu", o.len ? " " : "", (unsigned long long)pre->size_min);
    if (pre->size_max != UINT64_MAX)
        put(&o, "%sfilesize<=%llu", o.len ? " " : "", (unsigned long long)pre->size_max);
    for (size_t i = 0; i < pre->n_preds; i++) {
        put(&o, "%s", o.len ? " " : "");
        put_node(&o, pre->preds[i]);
    }
    if (o.len == 0)
        put(&o, "none");
    if (o.data != NULL) { /* cut to the caller's buffer, as snprintf would */
        size_t n = o.len < cap - 1 ? o.len : cap - 1;
        memcpy(buf, o.data, n);
        buf[n] = '\0';
    }
    vigil_buffer_free(&o);
}
