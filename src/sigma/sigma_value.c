/* sigma_value.c - compiling `field|modifiers: values` into matchable values.
 *
 * Why here, in one place: Sigma's value semantics (escapes, wildcards,
 * modifier chains applied left to right, expansions that turn one value into
 * alternatives) decide what every rule means; keeping the string pipeline
 * and the wildcard matcher together keeps them consistent. Values are
 * compiled to a shape (exact/prefix/suffix/contains/glob) so most tests are
 * one memcmp or one substring search at match time. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "sigma/sigma_internal.h"

#define MAX_ALTS 4096

typedef struct vstr {
    vigil_sigma_tok *t;
    size_t n;
} vstr;

typedef struct vlist {
    vstr *v;
    size_t n, cap;
} vlist;

static vigil_status fail(vigil_sigma_compile_ctx *cx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static vigil_status fail(vigil_sigma_compile_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cx->err, sizeof cx->err, fmt, ap);
    va_end(ap);
    return VIGIL_ERR_RULE;
}

static int vl_push(vigil_arena *a, vlist *l, vstr s)
{
    if (VIGIL_ARENA_ARRAY_RESERVE(a, l->v, l->cap, l->n, l->n + 1) != VIGIL_OK)
        return -1;
    l->v[l->n++] = s;
    return 0;
}

/* Appends a token to s (arena-grown copy: compile time only). */
static int vs_add(vigil_arena *a, vstr *s, int kind, const char *p, size_t len)
{
    if (kind == VIGIL_SG_LIT && len == 0)
        return 0;
    if (kind == VIGIL_SG_LIT && s->n > 0 && s->t[s->n - 1].kind == VIGIL_SG_LIT) {
        vigil_sigma_tok *last = &s->t[s->n - 1];
        if (last->len > SIZE_MAX - len - 1)
            return -1;
        char *m = vigil_arena_alloc(a, last->len + len + 1);
        if (m == NULL)
            return -1;
        memcpy(m, last->s, last->len);
        memcpy(m + last->len, p, len);
        last->s = m;
        last->len += len;
        return 0;
    }
    if (kind == VIGIL_SG_STAR && s->n > 0 && s->t[s->n - 1].kind == VIGIL_SG_STAR)
        return 0;
    vigil_sigma_tok *t = vigil_arena_alloc(a, (s->n + 1) * sizeof *t);
    if (t == NULL)
        return -1;
    if (s->n)
        memcpy(t, s->t, s->n * sizeof *t);
    t[s->n].kind = kind;
    t[s->n].s = NULL;
    t[s->n].len = 0;
    if (kind == VIGIL_SG_LIT) {
        char *m = vigil_arena_strndup(a, p, len);
        if (m == NULL)
            return -1;
        t[s->n].s = m;
        t[s->n].len = len;
    }
    s->t = t;
    s->n++;
    return 0;
}

static int vs_concat(vigil_arena *a, vstr *dst, const vstr *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (vs_add(a, dst, src->t[i].kind, src->t[i].s, src->t[i].len) != 0)
            return -1;
    return 0;
}

/* Parses one plain Sigma string: \* \? \\ escapes, wildcards; with expand,
 * %name% placeholders are replaced by each of their values (parsed alike). */
static vigil_status parse_sigma_string(vigil_sigma_compile_ctx *cx, const char *s, size_t len,
                                       int expand, vlist *out, int depth)
{
    vlist cur = {0};
    vstr empty = {0};
    if (vl_push(cx->arena, &cur, empty) != 0)
        return VIGIL_ERR_NOMEM;
    size_t i = 0;
    while (i < len) {
        int kind = VIGIL_SG_LIT;
        const char *lit = s + i;
        size_t litlen = 1;
        if (s[i] == '\\' && i + 1 < len &&
            (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\' ||
             (expand && s[i + 1] == '%'))) {
            lit = s + i + 1;
            i += 2;
        } else if (s[i] == '*') {
            kind = VIGIL_SG_STAR;
            i++;
        } else if (s[i] == '?') {
            kind = VIGIL_SG_ONE;
            i++;
        } else if (expand && s[i] == '%' && depth == 0) {
            const char *end = memchr(s + i + 1, '%', len - i - 1);
            if (end == NULL) {
                i++;
            } else {
                size_t nl = (size_t)(end - (s + i + 1));
                const vigil_sigma_placeholders *ph = cx->ph;
                size_t k = 0;
                for (; ph != NULL && k < ph->n; k++)
                    if (strlen(ph->names[k]) == nl && memcmp(ph->names[k], s + i + 1, nl) == 0)
                        break;
                if (ph == NULL || k == ph->n || ph->nvalues[k] == 0) {
                    /* an unset placeholder stands for no value: this string matches
                     * nothing, so a filter made of it never excludes (the rule errs
                     * towards reporting) and a selection made of it never fires */
                    snprintf(cx->note, sizeof cx->note,
                             "placeholder %%%.*s%% has no values: a selection on it never "
                             "fires, a filter on it excludes nothing (see --placeholders)",
                             (int)(nl > 64 ? 64 : nl), s + i + 1);
                    /* with no placeholders at all this is the documented default of a
                     * pack written for sites to fill in; a set that lacks this name is
                     * more likely a mistake */
                    cx->note_info = ph == NULL || ph->n == 0;
                    char name[72];
                    snprintf(name, sizeof name, "%%%.*s%%", (int)(nl > 64 ? 64 : nl), s + i + 1);
                    if (strstr(cx->unset, name) == NULL) {
                        size_t ul = strlen(cx->unset);
                        snprintf(cx->unset + ul, sizeof cx->unset - ul, "%s%s", ul ? ", " : "",
                                 name);
                    }
                    return VIGIL_OK;
                }
                vlist vals = {0};
                for (size_t j = 0; j < ph->nvalues[k]; j++) {
                    vigil_status st = parse_sigma_string(cx, ph->values[k][j],
                                                         strlen(ph->values[k][j]), 1, &vals, 1);
                    if (st != VIGIL_OK)
                        return st;
                }
                if (cur.n * vals.n > MAX_ALTS)
                    return fail(cx, "placeholder expansion too large");
                vlist next = {0};
                for (size_t a = 0; a < cur.n; a++)
                    for (size_t b = 0; b < vals.n; b++) {
                        vstr c = {0};
                        if (vs_concat(cx->arena, &c, &cur.v[a]) != 0 ||
                            vs_concat(cx->arena, &c, &vals.v[b]) != 0 ||
                            vl_push(cx->arena, &next, c) != 0)
                            return VIGIL_ERR_NOMEM;
                    }
                cur = next;
                i += nl + 2;
                continue;
            }
        } else {
            size_t j = i + 1;
            while (j < len && s[j] != '\\' && s[j] != '*' && s[j] != '?' &&
                   !(expand && s[j] == '%'))
                j++;
            litlen = j - i;
            i = j;
        }
        for (size_t a = 0; a < cur.n; a++)
            if (vs_add(cx->arena, &cur.v[a], kind, lit, kind == VIGIL_SG_LIT ? litlen : 0) != 0)
                return VIGIL_ERR_NOMEM;
    }
    for (size_t a = 0; a < cur.n; a++)
        if (vl_push(cx->arena, out, cur.v[a]) != 0)
            return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}

/* ---- transformations ---- */

static int is_word_byte(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* windash: every '-' or '/' that starts a word after a non-word character
 * (pySigma's \B[-/]\b) becomes each of - / en-dash em-dash horizontal-bar. */
static vigil_status t_windash(vigil_sigma_compile_ctx *cx, const vstr *in, vlist *out)
{
    static const char *const dashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
    vlist cur = {0};
    vstr empty = {0};
    if (vl_push(cx->arena, &cur, empty) != 0)
        return VIGIL_ERR_NOMEM;
    int prev_word = 0; /* start of string counts as non-word */
    for (size_t ti = 0; ti < in->n; ti++) {
        const vigil_sigma_tok *t = &in->t[ti];
        if (t->kind != VIGIL_SG_LIT) {
            for (size_t a = 0; a < cur.n; a++)
                if (vs_add(cx->arena, &cur.v[a], t->kind, NULL, 0) != 0)
                    return VIGIL_ERR_NOMEM;
            prev_word = 0;
            continue;
        }
        size_t start = 0;
        for (size_t i = 0; i < t->len; i++) {
            unsigned char c = (unsigned char)t->s[i];
            int next_word = i + 1 < t->len && is_word_byte((unsigned char)t->s[i + 1]);
            if ((c == '-' || c == '/') && !prev_word && next_word) {
                if (cur.n * 5 > MAX_ALTS)
                    return fail(cx, "windash expansion too large");
                vlist next = {0};
                for (size_t a = 0; a < cur.n; a++) {
                    for (size_t d = 0; d < 5; d++) {
                        vstr c2 = {0};
                        if (vs_concat(cx->arena, &c2, &cur.v[a]) != 0 ||
                            vs_add(cx->arena, &c2, VIGIL_SG_LIT, t->s + start, i - start) != 0 ||
                            vs_add(cx->arena, &c2, VIGIL_SG_LIT, dashes[d], strlen(dashes[d])) !=
                                0 ||
                            vl_push(cx->arena, &next, c2) != 0)
                            return VIGIL_ERR_NOMEM;
                    }
                }
                cur = next;
                start = i + 1;
            }
            prev_word = is_word_byte(c);
        }
        for (size_t a = 0; a < cur.n; a++)
            if (vs_add(cx->arena, &cur.v[a], VIGIL_SG_LIT, t->s + start, t->len - start) != 0)
                return VIGIL_ERR_NOMEM;
    }
    for (size_t a = 0; a < cur.n; a++)
        if (vl_push(cx->arena, out, cur.v[a]) != 0)
            return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64enc(vigil_arena *a, const unsigned char *p, size_t n, size_t *olen)
{
    if (n > (SIZE_MAX - 4) / 4 * 3)
        return NULL;
    size_t o = 4 * ((n + 2) / 3);
    char *r = vigil_arena_alloc(a, o + 1);
    if (r == NULL)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        r[j++] = B64[(v >> 18) & 63];
        r[j++] = B64[(v >> 12) & 63];
        r[j++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        r[j++] = i + 2 < n ? B64[v & 63] : '=';
    }
    *olen = o;
    return r;
}

static vigil_status plain_bytes(vigil_sigma_compile_ctx *cx, const vstr *in, const char *what,
                                const char **p, size_t *n)
{
    if (in->n == 0) {
        *p = "";
        *n = 0;
        return VIGIL_OK;
    }
    if (in->n != 1 || in->t[0].kind != VIGIL_SG_LIT)
        return fail(cx, "%s of a value with wildcards", what);
    *p = in->t[0].s;
    *n = in->t[0].len;
    return VIGIL_OK;
}

static vigil_status t_base64(vigil_sigma_compile_ctx *cx, const vstr *in, vlist *out)
{
    const char *p = "";
    size_t n = 0, ol;
    vigil_status st = plain_bytes(cx, in, "base64", &p, &n);
    if (st != VIGIL_OK)
        return st;
    char *e = b64enc(cx->arena, (const unsigned char *)p, n, &ol);
    vstr r = {0};
    if (e == NULL || vs_add(cx->arena, &r, VIGIL_SG_LIT, e, ol) != 0 ||
        vl_push(cx->arena, out, r) != 0)
        return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}

/* base64offset: the value shifted by 0, 1 and 2 bytes inside a longer
 * base64 text; only the characters that do not depend on the neighbours. */
static vigil_status t_base64offset(vigil_sigma_compile_ctx *cx, const vstr *in, vlist *out)
{
    static const size_t start_off[3] = {0, 2, 3};
    static const int end_off[3] = {0, 3, 2}; /* chars cut at the end, by (len+i)%3 */
    const char *p = "";
    size_t n = 0;
    vigil_status st = plain_bytes(cx, in, "base64offset", &p, &n);
    if (st != VIGIL_OK)
        return st;
    if (n > SIZE_MAX / 2)
        return VIGIL_ERR_OVERFLOW;
    unsigned char *buf = vigil_arena_alloc(cx->arena, n + 3);
    if (buf == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < 3; i++) {
        size_t ol;
        memset(buf, ' ', i);
        memcpy(buf + i, p, n);
        char *e = b64enc(cx->arena, buf, n + i, &ol);
        if (e == NULL)
            return VIGIL_ERR_NOMEM;
        size_t cut = (size_t)end_off[(n + i) % 3];
        size_t s0 = start_off[i];
        size_t e0 = ol >= cut ? ol - cut : 0;
        vstr r = {0};
        if (e0 > s0 && vs_add(cx->arena, &r, VIGIL_SG_LIT, e + s0, e0 - s0) != 0)
            return VIGIL_ERR_NOMEM;
        if (vl_push(cx->arena, out, r) != 0)
            return VIGIL_ERR_NOMEM;
    }
    return VIGIL_OK;
}

/* Decodes one UTF-8 code point (invalid bytes pass as themselves). */
static vigil_status t_utf16(vigil_sigma_compile_ctx *cx, const vstr *in, vlist *out, int mode)
{
    vstr r = {0};
    if (mode == 2 && vs_add(cx->arena, &r, VIGIL_SG_LIT, "\xff\xfe", 2) != 0)
        return VIGIL_ERR_NOMEM;
    for (size_t ti = 0; ti < in->n; ti++) {
        const vigil_sigma_tok *t = &in->t[ti];
        if (t->kind != VIGIL_SG_LIT) {
            if (vs_add(cx->arena, &r, t->kind, NULL, 0) != 0)
                return VIGIL_ERR_NOMEM;
            continue;
        }
        if (t->len > SIZE_MAX / 4)
            return VIGIL_ERR_OVERFLOW;
        char *b = vigil_arena_alloc(cx->arena, t->len * 4 + 1);
        if (b == NULL)
            return VIGIL_ERR_NOMEM;
        size_t o = 0;
        for (size_t i = 0; i < t->len;) {
            unsigned cp;
            i += vigil_sigma_utf8_cp((const unsigned char *)t->s + i, t->len - i, &cp);
            unsigned units[2];
            size_t nu = 1;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                units[0] = 0xd800 | (cp >> 10);
                units[1] = 0xdc00 | (cp & 0x3ff);
                nu = 2;
            } else {
                units[0] = cp;
            }
            for (size_t u = 0; u < nu; u++) {
                unsigned char lo = (unsigned char)(units[u] & 0xff);
                unsigned char hi = (unsigned char)(units[u] >> 8);
                b[o++] = (char)(mode == 1 ? hi : lo);
                b[o++] = (char)(mode == 1 ? lo : hi);
            }
        }
        if (vs_add(cx->arena, &r, VIGIL_SG_LIT, b, o) != 0)
            return VIGIL_ERR_NOMEM;
    }
    if (vl_push(cx->arena, out, r) != 0)
        return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}

/* contains/startswith/endswith: wildcards around the value. */
static vigil_status t_wrap(vigil_sigma_compile_ctx *cx, const vstr *in, vlist *out, int front,
                           int back)
{
    vstr r = {0};
    if (front && vs_add(cx->arena, &r, VIGIL_SG_STAR, NULL, 0) != 0)
        return VIGIL_ERR_NOMEM;
    if (vs_concat(cx->arena, &r, in) != 0)
        return VIGIL_ERR_NOMEM;
    if (back && vs_add(cx->arena, &r, VIGIL_SG_STAR, NULL, 0) != 0)
        return VIGIL_ERR_NOMEM;
    if (vl_push(cx->arena, out, r) != 0)
        return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}

/* ---- patterns ---- */

static void lower_bytes(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)tolower((unsigned char)s[i]);
}

static vigil_status make_pattern(vigil_sigma_compile_ctx *cx, const vstr *v, int cased,
                                 vigil_sigma_pattern *p)
{
    memset(p, 0, sizeof *p);
    p->cased = cased;
    vigil_sigma_tok *t = NULL;
    if (v->n) {
        t = vigil_arena_alloc(cx->arena, v->n * sizeof *t);
        if (t == NULL)
            return VIGIL_ERR_NOMEM;
        memcpy(t, v->t, v->n * sizeof *t);
    }
    for (size_t i = 0; i < v->n; i++) {
        if (t[i].kind == VIGIL_SG_LIT && !cased) {
            char *m = vigil_arena_strndup(cx->arena, t[i].s, t[i].len);
            if (m == NULL)
                return VIGIL_ERR_NOMEM;
            lower_bytes(m, t[i].len);
            t[i].s = m;
        }
    }
    p->toks = t;
    p->ntoks = v->n;
    size_t n = v->n;
#define K(i) (t[i].kind)
    if (n == 0) {
        p->shape = VIGIL_SHAPE_EXACT;
        p->lit = "";
    } else if (n == 1 && K(0) == VIGIL_SG_LIT) {
        p->shape = VIGIL_SHAPE_EXACT;
    } else if (n == 1 && K(0) == VIGIL_SG_STAR) {
        p->shape = VIGIL_SHAPE_ANY;
    } else if (n == 2 && K(0) == VIGIL_SG_LIT && K(1) == VIGIL_SG_STAR) {
        p->shape = VIGIL_SHAPE_PREFIX;
    } else if (n == 2 && K(0) == VIGIL_SG_STAR && K(1) == VIGIL_SG_LIT) {
        p->shape = VIGIL_SHAPE_SUFFIX;
    } else if (n == 3 && K(0) == VIGIL_SG_STAR && K(1) == VIGIL_SG_LIT && K(2) == VIGIL_SG_STAR) {
        p->shape = VIGIL_SHAPE_CONTAINS;
    } else {
        p->shape = VIGIL_SHAPE_GLOB;
    }
#undef K
    if (p->shape != VIGIL_SHAPE_GLOB && p->shape != VIGIL_SHAPE_ANY && n > 0) {
        for (size_t i = 0; i < n; i++)
            if (t[i].kind == VIGIL_SG_LIT) {
                p->lit = t[i].s;
                p->litlen = t[i].len;
            }
    }
    if (p->shape == VIGIL_SHAPE_CONTAINS && !p->cased && p->litlen > 0)
        p->anchor = vigil_sigma_lit_anchor(p->lit, p->litlen) + 1;
    return VIGIL_OK;
}

/* ---- item compilation ---- */

enum {
    M_CONTAINS = 1,
    M_STARTSWITH,
    M_ENDSWITH,
    M_WINDASH,
    M_BASE64,
    M_BASE64OFFSET,
    M_UTF16LE,
    M_UTF16BE,
    M_UTF16
};

static vigil_status compile_cidr(vigil_sigma_compile_ctx *cx, const char *s, vigil_sigma_value *v)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (vigil_sigma_parse_ip(s, alen, v->addr, &v->family) != 0)
        return fail(cx, "bad cidr value '%.64s'", s);
    int max = v->family == 4 ? 32 : 128;
    if (slash) {
        char *end;
        errno = 0;
        long b = strtol(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || b < 0 || b > max)
            return fail(cx, "bad cidr prefix '%.64s'", s);
        v->bits = (int)b;
    } else {
        v->bits = max;
    }
    v->kind = VIGIL_VK_CIDR;
    return VIGIL_OK;
}

static vigil_status compile_re(vigil_sigma_compile_ctx *cx, const char *s, size_t len, int flags,
                               vigil_sigma_value *v)
{
    int ec;
    PCRE2_SIZE eo;
    uint32_t opt = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (flags & 1)
        opt |= PCRE2_CASELESS;
    if (flags & 2)
        opt |= PCRE2_MULTILINE;
    if (flags & 4)
        opt |= PCRE2_DOTALL;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, len, opt, &ec, &eo, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[128];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return fail(cx, "bad regular expression at offset %zu: %s", (size_t)eo, (char *)msg);
    }
    vigil_sigma_relist *l = cx->res;
    if (VIGIL_ARRAY_RESERVE(l->v, l->cap, l->n + 1) != VIGIL_OK) {
        pcre2_code_free(re);
        return VIGIL_ERR_NOMEM;
    }
    l->v[l->n++] = re;
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    v->kind = VIGIL_VK_RE;
    v->re = re;
    v->re_src = vigil_arena_strndup(cx->arena, s, len);
    v->re_srclen = v->re_src != NULL ? len : 0;
    v->re_flags = flags;
    if (!(flags & 2) && vigil_sigma_re_glob(cx->arena, s, len, flags & 1, &v->pat) < 0)
        return VIGIL_ERR_NOMEM;
    char lit[128];
    size_t ll = vigil_sigma_re_literal(s, len, flags & 1, lit, sizeof lit);
    if (ll > 0 && (v->re_lit = vigil_arena_strndup(cx->arena, lit, ll)) != NULL) {
        lower_bytes((char *)v->re_lit, ll);
        v->re_litlen = ll;
    }
    uint32_t minlen = 0;
    if (pcre2_pattern_info(re, PCRE2_INFO_MINLENGTH, &minlen) == 0)
        v->re_minlen = minlen;
    return VIGIL_OK;
}

/* What a key's `|modifier` chain asks for, gathered before any value is
 * compiled. Transforms (contains, base64, utf16...) apply to each string
 * value left to right in the order written; the rest are flags. */
typedef struct item_mods {
    int transforms[16];
    size_t ntr;
    int all, neq, cased, exists, re, re_flags, cidr, numop, fieldref, expand, timepart;
    int binary; /* a base64 transform made the value bytes: match cased */
} item_mods;

enum { MOD_SET, MOD_RE_FLAG, MOD_TRANSFORM };

/* Every modifier vigil knows: MOD_SET stores value into the item_mods field
 * at offset, MOD_RE_FLAG ORs it into re_flags (only after `re`),
 * MOD_TRANSFORM appends value to the transform chain. */
static const struct modifier {
    const char *name;
    unsigned char action;
    unsigned char offset;
    int value;
} MODIFIERS[] = {
    {"contains", MOD_TRANSFORM, 0, M_CONTAINS},
    {"startswith", MOD_TRANSFORM, 0, M_STARTSWITH},
    {"endswith", MOD_TRANSFORM, 0, M_ENDSWITH},
    {"windash", MOD_TRANSFORM, 0, M_WINDASH},
    {"base64", MOD_TRANSFORM, 0, M_BASE64},
    {"base64offset", MOD_TRANSFORM, 0, M_BASE64OFFSET},
    {"utf16le", MOD_TRANSFORM, 0, M_UTF16LE},
    {"wide", MOD_TRANSFORM, 0, M_UTF16LE},
    {"utf16be", MOD_TRANSFORM, 0, M_UTF16BE},
    {"utf16", MOD_TRANSFORM, 0, M_UTF16},
    {"all", MOD_SET, offsetof(item_mods, all), 1},
    {"cased", MOD_SET, offsetof(item_mods, cased), 1},
    {"neq", MOD_SET, offsetof(item_mods, neq), 1},
    {"exists", MOD_SET, offsetof(item_mods, exists), 1},
    {"re", MOD_SET, offsetof(item_mods, re), 1},
    {"i", MOD_RE_FLAG, 0, 1},
    {"m", MOD_RE_FLAG, 0, 2},
    {"s", MOD_RE_FLAG, 0, 4},
    {"cidr", MOD_SET, offsetof(item_mods, cidr), 1},
    {"lt", MOD_SET, offsetof(item_mods, numop), VIGIL_NUM_LT},
    {"lte", MOD_SET, offsetof(item_mods, numop), VIGIL_NUM_LTE},
    {"gt", MOD_SET, offsetof(item_mods, numop), VIGIL_NUM_GT},
    {"gte", MOD_SET, offsetof(item_mods, numop), VIGIL_NUM_GTE},
    {"fieldref", MOD_SET, offsetof(item_mods, fieldref), 1},
    {"expand", MOD_SET, offsetof(item_mods, expand), 1},
    {"minute", MOD_SET, offsetof(item_mods, timepart), VIGIL_TP_MINUTE},
    {"hour", MOD_SET, offsetof(item_mods, timepart), VIGIL_TP_HOUR},
    {"day", MOD_SET, offsetof(item_mods, timepart), VIGIL_TP_DAY},
    {"week", MOD_SET, offsetof(item_mods, timepart), VIGIL_TP_WEEK},
    {"month", MOD_SET, offsetof(item_mods, timepart), VIGIL_TP_MONTH},
    {"year", MOD_SET, offsetof(item_mods, timepart), VIGIL_TP_YEAR},
};

static const struct modifier *find_modifier(const char *m, size_t ml)
{
    for (size_t i = 0; i < sizeof MODIFIERS / sizeof MODIFIERS[0]; i++)
        if (strlen(MODIFIERS[i].name) == ml && memcmp(MODIFIERS[i].name, m, ml) == 0)
            return &MODIFIERS[i];
    return NULL;
}

/* Reads the field name and the modifier chain of key ("Field|mod|mod",
 * "|mod" or NULL for keywords) into out->field and mods. */
static vigil_status parse_key(vigil_sigma_compile_ctx *cx, const char *key, vigil_sigma_item *out,
                              item_mods *mods)
{
    memset(mods, 0, sizeof *mods);
    mods->numop = -1;
    const char *bar = key ? strchr(key, '|') : NULL;
    if (key != NULL && bar != key) {
        size_t fl = bar ? (size_t)(bar - key) : strlen(key);
        out->field = vigil_arena_strndup(cx->arena, key, fl);
        if (out->field == NULL)
            return VIGIL_ERR_NOMEM;
        out->field_hash = vigil_field_name_hash(out->field, fl);
        out->field_len = fl;
    }
    while (bar != NULL) {
        const char *m = bar + 1;
        bar = strchr(m, '|');
        size_t ml = bar ? (size_t)(bar - m) : strlen(m);
        const struct modifier *mod = find_modifier(m, ml);
        if (mod == NULL || (mod->action == MOD_RE_FLAG && !mods->re))
            return fail(cx, "unknown modifier '%.*s'", (int)(ml > 40 ? 40 : ml), m);
        if (mod->action == MOD_SET) {
            *(int *)(void *)((char *)mods + mod->offset) = mod->value;
        } else if (mod->action == MOD_RE_FLAG) {
            mods->re_flags |= mod->value;
        } else {
            if (mods->ntr == sizeof mods->transforms / sizeof mods->transforms[0])
                return fail(cx, "too many modifiers");
            mods->transforms[mods->ntr++] = mod->value;
            if (mod->value == M_BASE64 || mod->value == M_BASE64OFFSET)
                mods->binary = 1;
        }
    }
    if (out->field == NULL &&
        (mods->exists || mods->fieldref || mods->cidr || mods->numop >= 0 || mods->timepart))
        return fail(cx, "modifier needs a field");
    if (mods->timepart && mods->numop < 0)
        mods->numop = VIGIL_NUM_EQ;
    out->all = mods->all;
    out->neq = mods->neq;
    out->timepart = mods->timepart;
    return VIGIL_OK;
}

/* A |fieldref value: the other field's name, compared whole, as a prefix,
 * suffix or substring as contains/startswith/endswith say. */
static vigil_status compile_fieldref(vigil_sigma_compile_ctx *cx, const item_mods *mods,
                                     const char *ref, vigil_sigma_value *v)
{
    v->kind = VIGIL_VK_FIELDREF;
    v->ref = ref;
    int front = 0, back = 0;
    for (size_t t = 0; t < mods->ntr; t++) {
        if (mods->transforms[t] == M_CONTAINS)
            front = back = 1;
        else if (mods->transforms[t] == M_STARTSWITH)
            back = 1;
        else if (mods->transforms[t] == M_ENDSWITH)
            front = 1;
        else
            return fail(cx, "fieldref cannot be combined with encodings");
    }
    v->pat.cased = mods->cased;
    v->pat.shape = front && back ? VIGIL_SHAPE_CONTAINS
                   : front       ? VIGIL_SHAPE_SUFFIX
                   : back        ? VIGIL_SHAPE_PREFIX
                                 : VIGIL_SHAPE_EXACT;
    return VIGIL_OK;
}

/* A value that is not a string pattern (exists, re, cidr, a number,
 * fieldref): exactly one alternative. */
static vigil_status compile_special(vigil_sigma_compile_ctx *cx, const item_mods *mods,
                                    const vigil_ynode *vn, vigil_sigma_alts *g)
{
    g->v = vigil_arena_alloc(cx->arena, sizeof *g->v);
    if (g->v == NULL)
        return VIGIL_ERR_NOMEM;
    g->n = 1;
    vigil_sigma_value *v = g->v;
    if (mods->exists) {
        if (strcmp(vn->str, "true") == 0 || strcmp(vn->str, "yes") == 0)
            v->exists = 1;
        else if (strcmp(vn->str, "false") == 0 || strcmp(vn->str, "no") == 0)
            v->exists = 0;
        else
            return fail(cx, "exists needs true or false");
        v->kind = VIGIL_VK_EXISTS;
        return VIGIL_OK;
    }
    if (mods->re)
        return compile_re(cx, vn->str, vn->len, mods->re_flags, v);
    if (mods->cidr)
        return compile_cidr(cx, vn->str, v);
    if (mods->numop >= 0) {
        if (vigil_sigma_parse_number(vn->str, &v->num) != 0)
            return fail(cx, "not a number: '%.64s'", vn->str);
        v->numop = mods->numop;
        v->kind = VIGIL_VK_NUM;
        return VIGIL_OK;
    }
    return compile_fieldref(cx, mods, vn->str, v);
}

/* Applies one transform to one string, appending its results to out. */
static vigil_status apply_transform(vigil_sigma_compile_ctx *cx, int tr, const vstr *in, vlist *out)
{
    switch (tr) {
    case M_CONTAINS:
        return t_wrap(cx, in, out, 1, 1);
    case M_STARTSWITH:
        return t_wrap(cx, in, out, 0, 1);
    case M_ENDSWITH:
        return t_wrap(cx, in, out, 1, 0);
    case M_WINDASH:
        return t_windash(cx, in, out);
    case M_BASE64:
        return t_base64(cx, in, out);
    case M_BASE64OFFSET:
        return t_base64offset(cx, in, out);
    case M_UTF16LE:
        return t_utf16(cx, in, out, 0);
    case M_UTF16BE:
        return t_utf16(cx, in, out, 1);
    default:
        return t_utf16(cx, in, out, 2);
    }
}

/* A string value: parsed (escapes, wildcards, %placeholders%), then every
 * transform in order, each alternative compiled to a pattern. A keyword
 * (no field) without a contains/startswith/endswith is matched as contains. */
static vigil_status compile_string(vigil_sigma_compile_ctx *cx, const vigil_sigma_item *item,
                                   const item_mods *mods, const vigil_ynode *vn,
                                   vigil_sigma_alts *g)
{
    vlist cur = {0};
    vigil_status st = parse_sigma_string(cx, vn->str, vn->len, mods->expand, &cur, 0);
    if (st != VIGIL_OK)
        return st;
    size_t ntr = mods->ntr;
    int kw_contains = item->field == NULL;
    for (size_t t = 0; t < ntr; t++)
        if (mods->transforms[t] == M_CONTAINS || mods->transforms[t] == M_STARTSWITH ||
            mods->transforms[t] == M_ENDSWITH)
            kw_contains = 0;
    for (size_t t = 0; t <= ntr; t++) {
        int tr = t < ntr ? mods->transforms[t] : (kw_contains ? M_CONTAINS : 0);
        if (tr == 0)
            break;
        vlist next = {0};
        for (size_t a = 0; a < cur.n; a++) {
            st = apply_transform(cx, tr, &cur.v[a], &next);
            if (st != VIGIL_OK)
                return st;
            if (next.n > MAX_ALTS)
                return fail(cx, "value expands to too many alternatives");
        }
        cur = next;
    }
    g->v = vigil_arena_alloc(cx->arena, (cur.n ? cur.n : 1) * sizeof *g->v);
    if (g->v == NULL)
        return VIGIL_ERR_NOMEM;
    g->n = cur.n;
    for (size_t a = 0; a < cur.n; a++) {
        g->v[a].kind = VIGIL_VK_PATTERN;
        st = make_pattern(cx, &cur.v[a], mods->cased || mods->binary, &g->v[a].pat);
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

/* Compiles one value of the list into its group of alternatives. */
static vigil_status compile_value(vigil_sigma_compile_ctx *cx, const char *key,
                                  const vigil_sigma_item *item, const item_mods *mods,
                                  const vigil_ynode *vn, vigil_sigma_alts *g)
{
    if (vn->type != VIGIL_YN_SCALAR)
        return fail(cx, "value of '%.64s' is not a scalar", key ? key : "keywords");
    if (vigil_ynode_is_null(vn) && !mods->exists) {
        g->v = vigil_arena_alloc(cx->arena, sizeof *g->v);
        if (g->v == NULL)
            return VIGIL_ERR_NOMEM;
        g->n = 1;
        g->v->kind = VIGIL_VK_NULL;
        return VIGIL_OK;
    }
    if (mods->exists || mods->cidr || mods->numop >= 0 || mods->fieldref || mods->re)
        return compile_special(cx, mods, vn, g);
    return compile_string(cx, item, mods, vn, g);
}

/* Without |all the values are alternatives of one another: one group
 * holding them all. */
static vigil_status flatten_groups(vigil_sigma_compile_ctx *cx, vigil_sigma_item *out)
{
    if (out->ngroups <= 1)
        return VIGIL_OK;
    size_t total = 0;
    for (size_t i = 0; i < out->ngroups; i++)
        total += out->groups[i].n;
    vigil_sigma_value *v = vigil_arena_alloc(cx->arena, (total ? total : 1) * sizeof *v);
    if (v == NULL)
        return VIGIL_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < out->ngroups; i++)
        for (size_t j = 0; j < out->groups[i].n; j++)
            v[k++] = out->groups[i].v[j];
    out->groups[0].v = v;
    out->groups[0].n = total;
    out->ngroups = 1;
    return VIGIL_OK;
}

vigil_status vigil_sigma_item_compile(vigil_sigma_compile_ctx *cx, const char *key,
                                      const vigil_ynode *node, vigil_sigma_item *out)
{
    item_mods mods;
    memset(out, 0, sizeof *out);
    vigil_status st = parse_key(cx, key, out, &mods);
    if (st != VIGIL_OK)
        return st;

    const vigil_ynode *one[1];
    const vigil_ynode *const *vals;
    size_t nvals;
    if (node->type == VIGIL_YN_SEQ) {
        vals = (const vigil_ynode *const *)node->items;
        nvals = node->n;
    } else {
        one[0] = node;
        vals = one;
        nvals = 1;
    }
    if (nvals == 0)
        return fail(cx, "empty value list for '%.64s'", key ? key : "keywords");
    out->groups = vigil_arena_alloc(cx->arena, nvals * sizeof *out->groups);
    if (out->groups == NULL)
        return VIGIL_ERR_NOMEM;
    out->ngroups = nvals;
    for (size_t vi = 0; vi < nvals; vi++) {
        st = compile_value(cx, key, out, &mods, vals[vi], &out->groups[vi]);
        if (st != VIGIL_OK)
            return st;
    }
    if (!out->all && (st = flatten_groups(cx, out)) != VIGIL_OK)
        return st;
    for (size_t i = 0; i < out->ngroups; i++) {
        st = vigil_sigma_value_index_build(cx->arena, &out->groups[i]);
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

void vigil_sigma_relist_free(vigil_sigma_relist *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        pcre2_code_free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
