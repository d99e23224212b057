/* yara_gate_lit.c - the byte sequences a YARA string's matches must hold.
 *
 * Why: the literal gate (yara_gate.h) can only call a string absent when
 * no form any match of it could take is in the file. A text string is
 * its bytes in each requested encoding (ascii, wide, each xor key; nocase
 * searched caselessly); a hex string is its most selective run of fully
 * known bytes outside alternatives (yara_gate_atom.c: twelve zero bytes
 * are in every binary, "UPX!" is not); a regular expression is its most
 * selective run of literal characters every match holds; a base64 string
 * is the stable middle of its encoding at each of the three alignments.
 * Strings shorter than GATE_MIN_LEN give nothing and stay "maybe present". The
 * strings section is read with our lexer; anything unexpected leaves the
 * whole rule's strings unknown. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "yara/yara_gate_internal.h"
#include "yara/yara_lex.h"

static int is_kw(const vigil_yara_tok *t, int kw)
{
    return t->kind == VY_T_KEYWORD && t->sub == kw;
}

static int is_op(const vigil_yara_tok *t, int op)
{
    return t->kind == VY_T_OP && t->sub == op;
}

/* After `xor`: an optional (N) or (N-M). t receives the next token. */
static int read_xor(vigil_yara_lexer *lx, vigil_yara_tok *t, gate_str_parse *sp)
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

size_t vigil_yara_gate_read_strings(const vigil_yara_rule *r, vigil_arena *a, gate_str_parse *sp,
                                    size_t cap)
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
        gate_str_parse *s = &sp[n++];
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
            case VY_KW_BASE64:
            case VY_KW_BASE64WIDE:
                if (t.sub == VY_KW_BASE64)
                    s->base64 = 1;
                else
                    s->base64wide = 1;
                if (vigil_yara_lex_next(&lx, &t) != VIGIL_OK)
                    return SIZE_MAX;
                if (is_op(&t, VY_OP_LPAREN))
                    return SIZE_MAX; /* a custom alphabet: not derived */
                continue;
            default:
                return SIZE_MAX;
            }
            if (vigil_yara_lex_next(&lx, &t) != VIGIL_OK)
                return SIZE_MAX;
        }
    }
    return n;
}

/* The most selective run of fully known bytes outside alternatives of a hex
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
        } else if (vigil_hex_digit(s[i]) >= 0 || s[i] == '?') {
            if (i + 1 >= n)
                return 0;
            int hi = vigil_hex_digit(s[i]), lo = vigil_hex_digit(s[i + 1]);
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
            if (cur_len <= cap && vigil_yara_gate_atom_better(cur, cur_len, best, best_len)) {
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

/* 1 when hex string s has more than one fixed run: wildcards, jumps or
 * alternatives (its atom then does not prove the string present). */
static int hex_has_gaps(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '?' || s[i] == '[' || s[i] == '(' || s[i] == '~')
            return 1;
    return 0;
}

static vigil_status lit_push(gate_lit_vec *lv, const uint8_t *b, size_t len, int nocase,
                             uint32_t slot)
{
    if (lv->n == lv->cap) {
        size_t cap = lv->cap ? lv->cap * 2 : 256;
        gate_lit *nv = cap > SIZE_MAX / sizeof *nv ? NULL : realloc(lv->v, cap * sizeof *nv);
        if (nv == NULL)
            return VIGIL_ERR_NOMEM;
        lv->v = nv;
        lv->cap = cap;
    }
    lv->v[lv->n++] = (gate_lit){b, len, nocase, 0, 0, slot};
    return VIGIL_OK;
}

/* Copies b (n bytes) to the arena, each byte followed by a zero when wide. */
static uint8_t *lit_copy(vigil_arena *a, const uint8_t *b, size_t n, int wide)
{
    uint8_t *o = vigil_arena_alloc(a, wide ? 2 * n : n);
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (wide) {
            o[2 * i] = b[i];
            o[2 * i + 1] = 0;
        } else {
            o[i] = b[i];
        }
    }
    return o;
}

/* Hex string sp as one expression of the Hyperscan pass, at most cap
 * bytes, pushed as a regex literal (a confirming one when verify); *pushed
 * is 0 when some construct is not translated. */
static vigil_status hex_regex_push(vigil_arena *a, const gate_str_parse *sp, uint32_t slot,
                                   gate_lit_vec *lv, size_t cap, int verify, int *pushed)
{
    char re[2048];
    *pushed = 0;
    size_t rn =
        vigil_yara_gate_hex_regex(sp->src, sp->src_len, re, cap < sizeof re ? cap : sizeof re);
    if (rn == 0)
        return VIGIL_OK;
    uint8_t *b = vigil_arena_alloc(a, rn + 1);
    if (b == NULL)
        return VIGIL_ERR_NOMEM;
    memcpy(b, re, rn + 1);
    *pushed = 1;
    vigil_status st = lit_push(lv, b, rn, 0, slot);
    if (st == VIGIL_OK) {
        lv->v[lv->n - 1].regex = 1;
        if (verify)
            lv->v[lv->n - 1].verify = 1;
    }
    return st;
}

/* Hex string sp whose atom is gated: its whole pattern as an expression
 * the confirming pass searches (yara_gate_verify.c); nothing when some
 * construct is not translated (the atom alone then stands for it). */
static vigil_status hex_verify_form(vigil_arena *a, const gate_str_parse *sp, uint32_t slot,
                                    gate_lit_vec *lv)
{
    int pushed;
    return hex_regex_push(a, sp, slot, lv, 2048, 1, &pushed);
}

/* A regular expression: its required run, in each encoding asked for. */
static vigil_status regex_forms(vigil_arena *a, const gate_str_parse *sp, uint32_t slot,
                                gate_lit_vec *lv, int *gated)
{
    uint8_t run[128];
    int nocase = 0;
    if (sp->xor_set)
        return VIGIL_OK;
    size_t n = vigil_yara_gate_regex_run(sp->src, sp->src_len, run, sizeof run, &nocase);
    if (n < GATE_MIN_LEN)
        return VIGIL_OK;
    for (int wide = 0; wide < 2; wide++) {
        if (wide ? !sp->wide : !(sp->ascii || !sp->wide))
            continue;
        uint8_t *b = lit_copy(a, run, n, wide);
        if (b == NULL)
            return VIGIL_ERR_NOMEM;
        vigil_status st = lit_push(lv, b, wide ? 2 * n : n, nocase || sp->nocase, slot);
        if (st != VIGIL_OK)
            return st;
    }
    *gated = 1;
    return VIGIL_OK;
}

/* A base64 / base64wide text: the stable middle of the encoding of the text
 * (and of its wide form when asked) at each alignment; every one must be
 * at least GATE_MIN_LEN long. */
static vigil_status base64_forms(vigil_arena *a, const gate_str_parse *sp, uint32_t slot,
                                 gate_lit_vec *lv, int *gated)
{
    uint8_t src[2 * 256], enc[4 * 256];
    if (sp->xor_set || sp->nocase || sp->text_len == 0 || sp->text_len > 256)
        return VIGIL_OK;
    for (int pass = 0; pass < 2; pass++) {
        for (int wide = 0; wide < 2; wide++) {
            if (wide ? !sp->wide : !(sp->ascii || !sp->wide))
                continue;
            const uint8_t *t = (const uint8_t *)sp->text;
            size_t tn = sp->text_len;
            if (wide) {
                for (size_t i = 0; i < tn; i++) {
                    src[2 * i] = t[i];
                    src[2 * i + 1] = 0;
                }
                t = src;
                tn *= 2;
            }
            for (unsigned shift = 0; shift < 3; shift++) {
                size_t en = vigil_yara_gate_base64_stable(t, tn, shift, enc, sizeof enc);
                if (en < GATE_MIN_LEN)
                    return VIGIL_OK; /* pass 0 checks every form first */
                for (int out_wide = 0; pass == 1 && out_wide < 2; out_wide++) {
                    if (out_wide ? !sp->base64wide : !sp->base64)
                        continue;
                    uint8_t *b = lit_copy(a, enc, en, out_wide);
                    if (b == NULL)
                        return VIGIL_ERR_NOMEM;
                    vigil_status st = lit_push(lv, b, out_wide ? 2 * en : en, 0, slot);
                    if (st != VIGIL_OK)
                        return st;
                }
            }
        }
    }
    *gated = 1;
    return VIGIL_OK;
}

vigil_status vigil_yara_gate_string_forms(vigil_arena *a, const gate_str_parse *sp, uint32_t slot,
                                          gate_lit_vec *lv, int *gated)
{
    *gated = 0;
    if (sp->kind == VY_T_HEX) {
        uint8_t run[256];
        size_t n = hex_run(sp->src, sp->src_len, run, sizeof run);
        if (n < GATE_MIN_LEN) /* no literal run long enough: the whole pattern */
            return hex_regex_push(a, sp, slot, lv, 1024, 0, gated);
        uint8_t *b = vigil_arena_alloc(a, n);
        if (b == NULL)
            return VIGIL_ERR_NOMEM;
        memcpy(b, run, n);
        *gated = 1;
        vigil_status st = lit_push(lv, b, n, 0, slot);
        if (st != VIGIL_OK || !hex_has_gaps(sp->src, sp->src_len))
            return st;
        return hex_verify_form(a, sp, slot, lv);
    }
    if (sp->kind == VY_T_REGEX)
        return regex_forms(a, sp, slot, lv, gated);
    if (sp->kind == VY_T_STRING && (sp->base64 || sp->base64wide))
        return base64_forms(a, sp, slot, lv, gated);
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
