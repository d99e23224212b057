/* sigma_pattern.c - matching compiled Sigma values against field text.
 *
 * Why apart from compilation: this is the hot path. Patterns come with a
 * shape (exact/prefix/suffix/contains/glob) so most tests are one compare or
 * one substring search, case-folded on the fly (ASCII, as Sigma tools do);
 * globs use the linear star-backtracking matcher. CIDR and number parsing
 * for field values live here too. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_internal.h"

size_t vigil_sigma_utf8_cp(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (need == 0 || need > n) {
        *cp = c;
        return 1;
    }
    if (need == 1) {
        *cp = c;
        return 1;
    }
    unsigned v = c & (0x7f >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return need;
}

/* lit is lower case unless cased */
static int eq_bytes(const char *hay, const char *lit, size_t n, int cased)
{
    if (cased)
        return memcmp(hay, lit, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (vigil_sigma_lower((unsigned char)hay[i]) != (unsigned char)lit[i])
            return 0;
    return 1;
}

/* How common a byte without case is in event values (paths, command
 * lines): a rarer anchor byte leaves memchr fewer false starts. */
static int anchor_cost(unsigned char c)
{
    switch (c) {
    case ' ':
    case '\\':
        return 3;
    case '.':
    case '/':
    case '-':
    case ':':
    case '_':
        return 2;
    default:
        return 1;
    }
}

/* First caseless occurrence of an all-lower-case-letter literal: memchr
 * finds the next lower- and upper-case first letter, the nearer is tried. */
static const char *find_letters(const char *s, const char *end, const char *lit, size_t n)
{
    unsigned char f = (unsigned char)lit[0], F = (unsigned char)(f - ('a' - 'A'));
    const char *pl = memchr(s, f, (size_t)(end - s) + 1);
    const char *pu = memchr(s, F, (size_t)(end - s) + 1);
    while (pl != NULL || pu != NULL) {
        const char *p = pu == NULL || (pl != NULL && pl < pu) ? pl : pu;
        if (eq_bytes(p + 1, lit + 1, n - 1, 0))
            return p;
        if (p == pl)
            pl = p < end ? memchr(p + 1, f, (size_t)(end - p)) : NULL;
        else
            pu = p < end ? memchr(p + 1, F, (size_t)(end - p)) : NULL;
    }
    return NULL;
}

/* For a caseless search of lit (lower case): the index of the byte to
 * anchor on, one that has no case (so it matches only itself and memchr
 * can find it), the rarest such; n if every byte is a letter. */
size_t vigil_sigma_lit_anchor(const char *lit, size_t n)
{
    size_t a = n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)lit[i];
        if ((unsigned)(c - 'a') < 26u)
            continue;
        if (a == n || anchor_cost(c) < anchor_cost((unsigned char)lit[a]))
            a = i;
        if (anchor_cost(c) == 1)
            break;
    }
    return a;
}

/* First occurrence of lit (caseless unless cased; a from
 * vigil_sigma_lit_anchor for a caseless search). */
static const char *find_lit_at(const char *s, size_t len, const char *lit, size_t n, int cased,
                               size_t a)
{
    if (n == 0)
        return s;
    if (n > len)
        return NULL;
    if (cased)
        return memmem(s, len, lit, n);
    const char *end = s + (len - n);
    if (a == n)
        return find_letters(s, end, lit, n);
    unsigned char c = (unsigned char)lit[a];
    for (const char *p = s + a, *last = end + a; p <= last; p++) {
        p = memchr(p, c, (size_t)(last - p) + 1);
        if (p == NULL)
            return NULL;
        if (eq_bytes(p - a, lit, n, 0))
            return p - a;
    }
    return NULL;
}

static const char *find_lit(const char *s, size_t len, const char *lit, size_t n, int cased)
{
    return find_lit_at(s, len, lit, n, cased, cased || n == 0 ? 0 : vigil_sigma_lit_anchor(lit, n));
}

static size_t utf8_len1(const char *s, size_t n)
{
    unsigned cp;
    return vigil_sigma_utf8_cp((const unsigned char *)s, n, &cp);
}

static int glob_match(const vigil_sigma_pattern *p, const char *s, size_t len)
{
    size_t ti = 0, si = 0, star_si = 0;
    size_t star_ti = (size_t)-1;
    for (;;) {
        if (ti < p->ntoks) {
            const vigil_sigma_tok *t = &p->toks[ti];
            if (t->kind == VIGIL_SG_STAR) {
                star_ti = ti++;
                star_si = si;
                continue;
            }
            if (t->kind == VIGIL_SG_ONE) {
                if (si < len) {
                    si += utf8_len1(s + si, len - si);
                    ti++;
                    continue;
                }
            } else if (t->len <= len - si && eq_bytes(s + si, t->s, t->len, p->cased)) {
                si += t->len;
                ti++;
                continue;
            }
        } else if (si == len) {
            return 1;
        }
        if (star_ti == (size_t)-1)
            return 0;
        /* a literal after the star: jump to its next occurrence */
        star_si++;
        if (star_si > len)
            return 0;
        if (star_ti + 1 < p->ntoks && p->toks[star_ti + 1].kind == VIGIL_SG_LIT) {
            const vigil_sigma_tok *t = &p->toks[star_ti + 1];
            const char *f = find_lit(s + star_si, len - star_si, t->s, t->len, p->cased);
            if (f == NULL)
                return 0;
            star_si = (size_t)(f - s);
        }
        si = star_si;
        ti = star_ti + 1;
    }
}

int vigil_sigma_pattern_match(const vigil_sigma_pattern *p, const char *s, size_t len)
{
    switch (p->shape) {
    case VIGIL_SHAPE_ANY:
        return 1;
    case VIGIL_SHAPE_EXACT:
        return len == p->litlen && eq_bytes(s, p->lit, len, p->cased);
    case VIGIL_SHAPE_PREFIX:
        return len >= p->litlen && eq_bytes(s, p->lit, p->litlen, p->cased);
    case VIGIL_SHAPE_SUFFIX:
        return len >= p->litlen && eq_bytes(s + len - p->litlen, p->lit, p->litlen, p->cased);
    case VIGIL_SHAPE_CONTAINS:
        return (p->anchor > 0 ? find_lit_at(s, len, p->lit, p->litlen, p->cased, p->anchor - 1)
                              : find_lit(s, len, p->lit, p->litlen, p->cased)) != NULL;
    default:
        return glob_match(p, s, len);
    }
}

int vigil_sigma_parse_ip(const char *s, size_t n, unsigned char addr[16], int *family)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = 4;
        return 0;
    }
    char *pct = strchr(buf, '%'); /* zone id */
    if (pct != NULL)
        *pct = 0;
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, v4mapped, 12) == 0) {
            memmove(addr, addr + 12, 4);
            *family = 4;
        } else {
            *family = 6;
        }
        return 0;
    }
    return -1;
}

int vigil_sigma_cidr_match(const vigil_sigma_value *v, const char *s, size_t n)
{
    unsigned char a[16];
    int fam;
    if (vigil_sigma_parse_ip(s, n, a, &fam) != 0 || fam != v->family)
        return 0;
    int bits = v->bits;
    size_t full = (size_t)bits / 8;
    if (memcmp(a, v->addr, full) != 0)
        return 0;
    if (bits % 8) {
        unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));
        if ((a[full] & mask) != (v->addr[full] & mask))
            return 0;
    }
    return 1;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    if (*s == 0)
        return -1;
    errno = 0;
    double d;
    if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
        (s[0] == '-' && s[1] == '0' && (s[2] == 'x' || s[2] == 'X')))
        d = (double)strtoll(s, &end, 16);
    else
        d = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (*end || errno || isnan(d))
        return -1;
    *out = d;
    return 0;
}

int vigil_sigma_parse_number(const char *s, double *out)
{
    return parse_number(s, out);
}

/* ---- the literal a regular expression needs ---- */

/* Skips a character class starting at re[i] == '['; returns the index past
 * its ']' or len. */
static size_t skip_class(const char *re, size_t len, size_t i)
{
    i++;
    if (i < len && re[i] == '^')
        i++;
    if (i < len && re[i] == ']')
        i++; /* a leading ] is a member */
    for (; i < len; i++) {
        if (re[i] == '\\')
            i++;
        else if (re[i] == '[' && i + 1 < len && re[i + 1] == ':') {
            const char *e = memchr(re + i + 2, ']', len - i - 2);
            if (e != NULL)
                i = (size_t)(e - re); /* [:alpha:] */
        } else if (re[i] == ']')
            return i + 1;
    }
    return len;
}

/* Skips a group starting at re[i] == '('; returns the index past its ')'
 * or len. */
static size_t skip_group(const char *re, size_t len, size_t i)
{
    int depth = 0;
    while (i < len) {
        char c = re[i];
        if (c == '\\') {
            i += 2;
        } else if (c == '[') {
            i = skip_class(re, len, i);
        } else {
            if (c == '(')
                depth++;
            else if (c == ')' && --depth == 0)
                return i + 1;
            i++;
        }
    }
    return len;
}

/* Skips a quantifier's lazy/possessive suffix. */
static size_t skip_suffix(const char *re, size_t len, size_t i)
{
    return i < len && (re[i] == '?' || re[i] == '+') ? i + 1 : i;
}

typedef struct lit_run {
    char cur[256];
    size_t n;
    char *out;
    size_t cap, best;
} lit_run;

static void run_end(lit_run *r)
{
    if (r->n > r->best && r->n <= r->cap) {
        memcpy(r->out, r->cur, r->n);
        r->best = r->n;
    }
    r->n = 0;
}

static void run_add(lit_run *r, char c)
{
    if (r->n == sizeof r->cur)
        run_end(r);
    r->cur[r->n++] = c;
}

/* 1 if an inline option group "(?...)" or "(?...:" at re[i] sets x
 * (whitespace and # become syntax) or i (caseless). */
static void inline_flags(const char *re, size_t len, size_t i, int *x, int *ci)
{
    int neg = 0;
    for (i += 2; i < len && re[i] != ')' && re[i] != ':'; i++) {
        if (re[i] == '-')
            neg = 1;
        else if (re[i] == 'x')
            *x = 1;
        else if (re[i] == 'i' && !neg)
            *ci = 1;
        else if ((unsigned)(re[i] - 'a') >= 26u && re[i] != '^')
            return; /* not an option group: (?<name>, (?=, ... */
    }
}

size_t vigil_sigma_re_literal(const char *re, size_t len, int caseless, char *out, size_t cap)
{
    lit_run r = {.out = out, .cap = cap};
    int x = 0;
    /* options can be set anywhere inside; one anywhere counts for all */
    for (size_t i = 0; i + 1 < len; i++) {
        if (re[i] == '\\')
            i++;
        else if (re[i] == '(' && re[i + 1] == '?')
            inline_flags(re, len, i, &x, &caseless);
    }
    if (x)
        return 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)re[i];
        if (c == '|')
            return 0; /* alternatives at the top: no one literal is certain */
        if (c == '(' || c == '[') {
            run_end(&r);
            i = c == '(' ? skip_group(re, len, i) : skip_class(re, len, i);
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= len || re[i + 1] == 'Q')
                return 0;
            unsigned char e = (unsigned char)re[i + 1];
            i += 2;
            if (isalnum(e) || e >= 0x80) {
                /* a class, anchor, code or back reference (\d, \b, \x41,
                 * \p{L}, \k<n>, \1): ends the run with what follows it */
                run_end(&r);
                while (i < len && isalnum((unsigned char)re[i]))
                    i++;
                if (i < len && (re[i] == '{' || re[i] == '<')) {
                    const char *end = memchr(re + i, re[i] == '{' ? '}' : '>', len - i);
                    i = end != NULL ? (size_t)(end - re) + 1 : len;
                }
                continue;
            }
            c = e; /* escaped punctuation stands for itself */
        } else if (c == '.' || c == '^' || c == '$' || c == '?' || c == '*' || c == '+' ||
                   c == '{' || c == ')' || c < 0x20 || c >= 0x80) {
            run_end(&r);
            i++;
            if (c == '{') {
                const char *end = memchr(re + i, '}', len - i);
                i = end != NULL ? (size_t)(end - re) + 1 : len;
            }
            continue;
        } else {
            i++;
        }
        /* a caseless k or s also matches U+212A or U+017F (PCRE2 with UTF),
         * which the ASCII-caseless prefilter would not see */
        if (caseless && (c == 'k' || c == 'K' || c == 's' || c == 'S')) {
            run_end(&r);
            continue;
        }
        /* the quantifier after it decides whether c is certain */
        if (i < len && (re[i] == '?' || re[i] == '*')) {
            run_end(&r);
            i = skip_suffix(re, len, i + 1);
            continue;
        }
        if (i < len && re[i] == '{') {
            size_t j = i + 1;
            while (j < len && re[j] == ' ')
                j++;
            int zero =
                j < len && re[j] == '0' && (j + 1 >= len || !isdigit((unsigned char)re[j + 1]));
            int count = j < len && isdigit((unsigned char)re[j]);
            if (count && !zero)
                run_add(&r, (char)c);
            run_end(&r);
            if (count || zero) {
                const char *end = memchr(re + i, '}', len - i);
                i = end != NULL ? skip_suffix(re, len, (size_t)(end - re) + 1) : len;
            }
            continue;
        }
        run_add(&r, (char)c);
        if (i < len && re[i] == '+') {
            run_end(&r); /* one at least: c itself is certain, what follows may repeat */
            i = skip_suffix(re, len, i + 1);
        }
    }
    run_end(&r);
    return r.best;
}

/* ---- regular expressions that are globs ---- */

/* 1 if c may stand for itself unescaped in a regex (outside a class). */
static int re_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && strchr("\\^$.|?*+()[]{}", c) == NULL;
}

int vigil_sigma_re_glob(vigil_arena *a, const char *re, size_t len, int caseless,
                        vigil_sigma_pattern *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    if (len >= 4 && memcmp(re, "(?i)", 4) == 0) {
        caseless = 1;
        i = 4;
    }
    /* at most one token per regex byte, plus the stars around */
    vigil_sigma_tok *t = vigil_arena_alloc(a, (len + 2) * sizeof *t);
    char *lit = vigil_arena_alloc(a, len + 1);
    if (t == NULL || lit == NULL)
        return -1;
    size_t nt = 0, nl = 0;
    int start = i < len && re[i] == '^';
    if (start)
        i++;
    else
        t[nt++] = (vigil_sigma_tok){VIGIL_SG_STAR, NULL, 0};
    int end = 0;
    while (i < len) {
        unsigned char c = (unsigned char)re[i];
        if (c == '.') {
            /* ., .*, .*?, .+, .+?: with no line break in the value, any character */
            i++;
            int more = i < len && (re[i] == '*' || re[i] == '+');
            int one = !more || re[i] == '+';
            if (more && ++i < len && re[i] == '?')
                i++;
            if (i < len && strchr("*+?{", re[i]) != NULL)
                return 0; /* possessive or further quantified */
            if (one)
                t[nt++] = (vigil_sigma_tok){VIGIL_SG_ONE, NULL, 0};
            if (more && (nt == 0 || t[nt - 1].kind != VIGIL_SG_STAR))
                t[nt++] = (vigil_sigma_tok){VIGIL_SG_STAR, NULL, 0};
            continue;
        }
        if (c == '$' && i + 1 == len) {
            end = 1;
            break;
        }
        if (c == '\\') {
            unsigned char e = i + 1 < len ? (unsigned char)re[i + 1] : 0;
            if (e < 0x20 || e >= 0x7f || isalnum(e))
                return 0; /* a class, an anchor, a code: not one literal character */
            c = (unsigned char)re[i + 1];
            i += 2;
        } else if (re_plain(c)) {
            i++;
        } else {
            return 0;
        }
        if (i < len && strchr("*+?{", re[i]) != NULL)
            return 0; /* a quantified character */
        if (nt > 0 && t[nt - 1].kind == VIGIL_SG_LIT && t[nt - 1].s + t[nt - 1].len == lit + nl) {
            t[nt - 1].len++;
        } else {
            t[nt++] = (vigil_sigma_tok){VIGIL_SG_LIT, lit + nl, 1};
        }
        lit[nl++] = (char)(caseless ? vigil_sigma_lower(c) : c);
    }
    if (!end && (nt == 0 || t[nt - 1].kind != VIGIL_SG_STAR))
        t[nt++] = (vigil_sigma_tok){VIGIL_SG_STAR, NULL, 0};
    out->shape = VIGIL_SHAPE_GLOB;
    out->cased = !caseless;
    out->toks = t;
    out->ntoks = nt;
    return 1;
}

int vigil_sigma_re_glob_applies(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c >= 0x7f)
            return 0;
    }
    return 1;
}
