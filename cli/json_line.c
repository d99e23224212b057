/* json_line.c - JSON text without jansson: a byte buffer, and strings and
 * integers written as json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII) writes
 * them.
 *
 * Why not json_dumps: a sweep of event logs reports one line per Sigma
 * finding, and building a json_t per finding and dumping it (a callback per
 * piece, a string buffer, a scan per code point) cost as much as matching
 * the event. finding_line.c renders findings straight into a json_buf.
 * What jansson writes, and so what is written here: the escapes \" \\ \b
 * \f \n \r \t, other controls and non-ASCII as \uXXXX (upper-case hex,
 * surrogate pairs above U+FFFF), DEL and '/' as they are, integers as %lld.
 * Strings are scanned 16 bytes at a time (SSE2; else 8, in a word) for the
 * next byte that needs an escape: most event text needs none but the
 * backslashes of Windows paths, which a word test stopped at every 8 bytes. */
#include "json_line.h"

#include <stdint.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void json_buf_free(json_buf *b)
{
    if (b == NULL)
        return;
    free(b->p);
    memset(b, 0, sizeof *b);
}

void json_buf_grow_put(json_buf *b, const void *s, size_t n)
{
    if (b->fail)
        return;
    if (n >= b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (n >= cap - b->n) {
            if (cap > SIZE_MAX / 2) {
                b->fail = 1;
                return;
            }
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->fail = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* The length (2..4) of the UTF-8 sequence at p that jansson accepts, its
 * code point in *cp; 0 when there is none (p[0] >= 0x80). */
static size_t utf8_seq(const unsigned char *p, size_t avail, unsigned *cp)
{
    unsigned c = p[0], v;
    size_t need;

    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        v = c & 0x07;
    } else {
        return 0; /* a continuation byte, C0/C1 (overlong ASCII), F5.. */
    }
    if (need > avail)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3fu);
    }
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || (need == 3 && v < 0x800) ||
        (need == 4 && v < 0x10000))
        return 0;
    *cp = v;
    return need;
}

int json_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    unsigned cp;

    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = utf8_seq(p, (size_t)(end - p), &cp);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

/* Whether none of 8 bytes needs escaping: no byte < 0x20, >= 0x80, '"' or
 * '\\' (the exact "has a byte less than" and "has a zero byte" word tests). */
static inline int plain8(uint64_t w)
{
    const uint64_t k01 = 0x0101010101010101ull, k80 = 0x8080808080808080ull;
    uint64_t q = w ^ (k01 * '"'), s = w ^ (k01 * '\\');
    uint64_t bad = w | ((w - k01 * 0x20) & ~w) | ((q - k01) & ~q) | ((s - k01) & ~s);
    return (bad & k80) == 0;
}

/* The first byte at or after p that needs an escape (a control, '"', '\\',
 * non-ASCII), or end. */
static const unsigned char *next_special(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed: bytes >= 0x80 are negative, so below 0x20 too */
        __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        if (!plain8(w))
            break;
        p += 8;
    }
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
}

static void put_u(json_buf *b, unsigned u)
{
    static const char hex[] = "0123456789ABCDEF";
    char esc[6] = {'\\',        'u', hex[(u >> 12) & 0xf], hex[(u >> 8) & 0xf], hex[(u >> 4) & 0xf],
                   hex[u & 0xf]};
    json_buf_put(b, esc, sizeof esc);
}

void json_buf_strn(json_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;

    json_buf_lit(b, "\"");
    for (;;) {
        p = next_special(p, end);
        if (p == end)
            break;
        unsigned c = *p;
        if (p > run)
            json_buf_put(b, run, (size_t)(p - run));
        const unsigned char *next = p + 1;
        switch (c) {
        case '"':
            json_buf_lit(b, "\\\"");
            break;
        case '\\':
            json_buf_lit(b, "\\\\");
            break;
        case '\b':
            json_buf_lit(b, "\\b");
            break;
        case '\f':
            json_buf_lit(b, "\\f");
            break;
        case '\n':
            json_buf_lit(b, "\\n");
            break;
        case '\r':
            json_buf_lit(b, "\\r");
            break;
        case '\t':
            json_buf_lit(b, "\\t");
            break;
        default:
            if (c < 0x80) {
                put_u(b, c);
            } else {
                unsigned cp;
                size_t n = utf8_seq(p, (size_t)(end - p), &cp);
                if (n == 0) {
                    put_u(b, 0xfffd); /* as jstr repairs it: this byte only */
                } else if (cp < 0x10000) {
                    put_u(b, cp);
                    next = p + n;
                } else {
                    cp -= 0x10000;
                    put_u(b, 0xd800 | ((cp >> 10) & 0x3ff));
                    put_u(b, 0xdc00 | (cp & 0x3ff));
                    next = p + n;
                }
            }
            break;
        }
        p = run = next;
    }
    if (p > run)
        json_buf_put(b, run, (size_t)(p - run));
    json_buf_lit(b, "\"");
}

void json_buf_str(json_buf *b, const char *s)
{
    if (s == NULL)
        json_buf_lit(b, "null");
    else
        json_buf_strn(b, s, strlen(s));
}

void json_buf_int(json_buf *b, long long v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *q = e;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--q = '-';
    json_buf_put(b, q, (size_t)(e - q));
}
