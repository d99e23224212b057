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

#include "sigma/sigma_int.h"

size_t vigil_sg_utf8_cp(const unsigned char *s, size_t n, unsigned *cp)
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

/* ASCII lower case: what tolower() does in the C locale vigil runs in,
 * without a call per byte (this is the innermost loop of matching). */
static inline unsigned char asc_lower(unsigned char c)
{
    return (unsigned char)((unsigned)(c - 'A') < 26u ? c + ('a' - 'A') : c);
}

/* lit is lower case unless cased */
static int eq_bytes(const char *hay, const char *lit, size_t n, int cased)
{
    if (cased)
        return memcmp(hay, lit, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (asc_lower((unsigned char)hay[i]) != (unsigned char)lit[i])
            return 0;
    return 1;
}

static const char *find_lit(const char *s, size_t len, const char *lit, size_t n, int cased)
{
    if (n == 0)
        return s;
    if (n > len)
        return NULL;
    if (cased)
        return memmem(s, len, lit, n);
    unsigned char f = (unsigned char)lit[0];
    const char *end = s + (len - n);
    if ((unsigned)(f - 'a') >= 26u) {
        /* no case to fold in the first byte: let memchr find candidates */
        for (const char *p = s; p <= end; p++) {
            p = memchr(p, f, (size_t)(end - p) + 1);
            if (p == NULL)
                return NULL;
            if (eq_bytes(p + 1, lit + 1, n - 1, 0))
                return p;
        }
        return NULL;
    }
    /* a lower-case letter: c | 0x20 is it exactly for it and its capital */
    for (const char *p = s; p <= end; p++)
        if (((unsigned char)*p | 0x20) == f && eq_bytes(p + 1, lit + 1, n - 1, 0))
            return p;
    return NULL;
}

static size_t utf8_len1(const char *s, size_t n)
{
    unsigned cp;
    return vigil_sg_utf8_cp((const unsigned char *)s, n, &cp);
}

static int glob_match(const vigil_sg_pattern *p, const char *s, size_t len)
{
    size_t ti = 0, si = 0, star_si = 0;
    size_t star_ti = (size_t)-1;
    for (;;) {
        if (ti < p->ntoks) {
            const vigil_sg_tok *t = &p->toks[ti];
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
            const vigil_sg_tok *t = &p->toks[star_ti + 1];
            const char *f = find_lit(s + star_si, len - star_si, t->s, t->len, p->cased);
            if (f == NULL)
                return 0;
            star_si = (size_t)(f - s);
        }
        si = star_si;
        ti = star_ti + 1;
    }
}

int vigil_sg_pattern_match(const vigil_sg_pattern *p, const char *s, size_t len)
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
        return find_lit(s, len, p->lit, p->litlen, p->cased) != NULL;
    default:
        return glob_match(p, s, len);
    }
}

int vigil_sg_parse_ip(const char *s, size_t n, unsigned char addr[16], int *family)
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

int vigil_sg_cidr_match(const vigil_sg_value *v, const char *s, size_t n)
{
    unsigned char a[16];
    int fam;
    if (vigil_sg_parse_ip(s, n, a, &fam) != 0 || fam != v->family)
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

int vigil_sg_parse_number(const char *s, double *out)
{
    return parse_number(s, out);
}
