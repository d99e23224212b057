/* ioc_pathtext.c - the forms of a path the filename patterns are run on.
 *
 * Loki matches with Python's re on str: "[^o]" or "." consume one
 * character, not one byte. hyperscan in UTF-8 mode compiles the 3,828
 * corpus patterns about 6 times slower and scans 2 times slower, so the
 * database stays in byte mode and the path is adapted instead:
 *  - an ASCII path (nearly all) is matched as is: byte and character
 *    semantics agree on it;
 *  - otherwise the path is made valid UTF-8 (each invalid byte becomes
 *    U+FFFD, one character, as a surrogate escape is for Python), and a
 *    one-byte-per-character image is made with every non-ASCII character
 *    turned into 0x7F. A pattern whose atoms treat all non-ASCII characters
 *    alike and never name 0x7F matches the image exactly where Python's re
 *    matches the path. The other, "Unicode-sensitive" patterns (non-ASCII
 *    literals, \w \s \d \b and friends, numeric escapes) run through PCRE2
 *    in UTF mode on the UTF-8 form instead.
 * Both forms also exist with '/' turned into '\'. */
#include "ioc/ioc_internal.h"

#include <stdlib.h>
#include <string.h>

#define IMAGE_BYTE 0x7f

void vigil_ioc_pathtext_free(vigil_ioc_pathtext *pt)
{
    if (pt == NULL)
        return;
    free(pt->ubuf);
    free(pt->tbuf);
    free(pt->ualtbuf);
    free(pt->taltbuf);
    memset(pt, 0, sizeof *pt);
}

int vigil_ioc_regex_unicode_sensitive(const char *regex)
{
    for (const unsigned char *p = (const unsigned char *)regex; *p; p++) {
        if (*p >= IMAGE_BYTE)
            return 1; /* a non-ASCII literal (or DEL itself) */
        if (*p != '\\')
            continue;
        p++;
        if (*p == '\0')
            break;
        /* Classes that Python's re widens to Unicode, and escapes that
         * can name any code point (0x7F included). */
        if (strchr("wWsSdDbBxuUNpPoc0123456789", *p) != NULL)
            return 1;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid:
 * no overlong forms, surrogates or code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];

    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

static vigil_status backslashed(const char *in, size_t n, char **buf, size_t *cap, const char **out)
{
    vigil_status st;

    *out = NULL;
    if (n == 0 || memchr(in, '/', n) == NULL)
        return VIGIL_OK;
    st = vigil_array_grow(buf, cap, n, 1, 0);
    if (st != VIGIL_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        (*buf)[i] = in[i] == '/' ? '\\' : in[i];
    *out = *buf;
    return VIGIL_OK;
}

vigil_status vigil_ioc_pathtext_set(vigil_ioc_pathtext *pt, const char *path, size_t len)
{
    const unsigned char *p = (const unsigned char *)path;
    size_t i = 0, o = 0, t = 0;
    vigil_status st;

    while (i < len && p[i] < 0x80)
        i++;
    pt->ascii = i == len;
    if (pt->ascii) {
        pt->u = pt->t = path;
        pt->ulen = pt->tlen = len;
        st = backslashed(path, len, &pt->ualtbuf, &pt->ualtcap, &pt->ualt);
        pt->talt = pt->ualt;
        return st;
    }
    if (len > (SIZE_MAX - 1) / 3)
        return VIGIL_ERR_OVERFLOW;
    st = vigil_array_grow(&pt->ubuf, &pt->ucap, 3 * len + 1, 1, 0);
    if (st == VIGIL_OK)
        st = vigil_array_grow(&pt->tbuf, &pt->tcap, len + 1, 1, 0);
    if (st != VIGIL_OK)
        return st;
    memcpy(pt->ubuf, path, i);
    memcpy(pt->tbuf, path, i);
    o = t = i;
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k == 0) {
            memcpy(pt->ubuf + o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3;
            i++;
        } else {
            memcpy(pt->ubuf + o, p + i, k);
            o += k;
            i += k;
        }
        pt->tbuf[t++] = k == 1 ? (char)p[i - 1] : (char)IMAGE_BYTE;
    }
    pt->u = pt->ubuf;
    pt->ulen = o;
    pt->t = pt->tbuf;
    pt->tlen = t;
    st = backslashed(pt->u, pt->ulen, &pt->ualtbuf, &pt->ualtcap, &pt->ualt);
    if (st == VIGIL_OK)
        st = backslashed(pt->t, pt->tlen, &pt->taltbuf, &pt->taltcap, &pt->talt);
    return st;
}
