/* text_escape.c - the one escaping of hostile strings for text output and
 * diagnostics (the form is in text_escape.h).
 *
 * Why one function: each writer once had its own idea (raw, '.' for
 * controls, nothing for C1 or bidi), and a writer that forgot let a file
 * name forge a result line. The scan for the next byte needing work is a
 * plain loop over printable ASCII, the common case of every name. */
#include "text_escape.h"

#include <stdarg.h>
#include <string.h>

/* Bytes of valid UTF-8 starting at p (n > 0, p[0] >= 0x80), and its code
 * point in *cp; 0 when p does not start a valid sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing beyond U+10FFFF). */
static size_t utf8_sequence(const unsigned char *p, size_t n, unsigned long *cp)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */

    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    unsigned long v = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    *cp = v;
    return len;
}

/* Code points that pass as UTF-8 but are controls or move text around. */
static int hidden_code_point(unsigned long cp)
{
    return cp <= 0x9f || cp == 0x200e || cp == 0x200f || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Length of the prefix of s[0..n) that passes unchanged; keep: TAB, LF,
 * CR and the backslash too (the CSV form). */
static size_t plain_run(const unsigned char *s, size_t n, int keep)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if ((c >= 0x20 && c < 0x7f && c != '\\') ||
            (keep && (c == '\\' || c == '\t' || c == '\n' || c == '\r'))) {
            i++;
            continue;
        }
        if (c < 0x80)
            break;
        unsigned long cp;
        size_t len = utf8_sequence(s + i, n - i, &cp);
        if (len == 0 || hidden_code_point(cp))
            break;
        i += len;
    }
    return i;
}

/* The escape for what starts s[0..n) (which plain_run stopped at) in out
 * (at least 7 bytes, NUL-terminated); returns the bytes of s it stands for. */
static size_t escape_one(const unsigned char *s, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = s[0];
    unsigned long cp;

    if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
        out[0] = '\\';
        out[1] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        out[2] = '\0';
        return 1;
    }
    size_t len = c >= 0x80 ? utf8_sequence(s, n, &cp) : 0;
    if (len > 0) { /* a hidden code point, all of them below U+10000 */
        out[0] = '\\';
        out[1] = 'u';
        for (int k = 0; k < 4; k++)
            out[2 + k] = hex[(cp >> (12 - 4 * k)) & 0xf];
        out[6] = '\0';
        return len;
    }
    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex[c >> 4];
    out[3] = hex[c & 0xf];
    out[4] = '\0';
    return 1;
}

size_t text_escape(char *dst, size_t cap, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t need = 0, o = 0, i = 0;
    int full = 0; /* dst has no room left for what comes */
    char e[8];

    while (i < n) {
        size_t run = plain_run(p + i, n - i, 0);
        if (run > 0) {
            if (!full && o + run < cap) {
                memcpy(dst + o, p + i, run);
                o += run;
            } else {
                full = 1;
            }
            need += run;
            i += run;
            continue;
        }
        i += escape_one(p + i, n - i, e);
        size_t el = strlen(e);
        if (!full && o + el < cap) {
            memcpy(dst + o, e, el);
            o += el;
        } else {
            full = 1;
        }
        need += el;
    }
    if (cap > 0)
        dst[o] = '\0';
    return need;
}

void text_escape_put(FILE *fp, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    char e[8];

    while (i < n) {
        size_t run = plain_run(p + i, n - i, 0);
        if (run > 0) {
            fwrite(p + i, 1, run, fp);
            i += run;
            continue;
        }
        i += escape_one(p + i, n - i, e);
        fputs(e, fp);
    }
}

void text_escape_puts(FILE *fp, const char *s)
{
    if (s != NULL)
        text_escape_put(fp, s, strlen(s));
}

void text_escape_puts_or(FILE *fp, const char *s, const char *fallback)
{
    if (s == NULL || s[0] == '\0')
        fputs(fallback, fp);
    else
        text_escape_put(fp, s, strlen(s));
}

void text_escape_say(FILE *fp, const char *before, const char *s, const char *fmt, ...)
{
    va_list ap;
    fputs(before, fp);
    text_escape_puts(fp, s);
    va_start(ap, fmt);
    vfprintf(fp, fmt, ap);
    va_end(ap);
}

size_t text_escape_csv_span(const char *s, size_t n)
{
    return plain_run((const unsigned char *)s, n, 1);
}

size_t text_escape_csv_one(const char *s, size_t n, char out[8])
{
    return escape_one((const unsigned char *)s, n, out);
}
