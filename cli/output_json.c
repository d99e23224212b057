/* output_json.c - the JSON records other than findings (the summary, the
 * run record, log and connection hits, intel tables) built with jansson:
 * its strings from hostile text, and its line writer.
 *
 * Why jansson here and not for findings: these records come once per run
 * or per hit, so building an object costs nothing that matters, and
 * jansson keeps their escaping right; findings come by the ten thousand
 * (finding_line.c). Strings are valid UTF-8 whatever the input: a byte
 * that starts no valid sequence becomes U+FFFD, never passed through. */
#include "output_json.h"
#include "output_internal.h"

#include <stdlib.h>
#include <string.h>

/* Valid UTF-8 copy of s[0..n) (invalid bytes become U+FFFD; a NUL is kept,
 * written \u0000), for JSON. */
json_t *out_jstrn(const char *s, size_t n)
{
    if (s == NULL)
        return json_null();
    json_t *j = json_stringn(s, n);
    if (j != NULL)
        return j;
    char *fixed = malloc(n * 3 + 1);
    if (fixed == NULL)
        return json_null();
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = 0;
        unsigned char c = p[i];
        if (c < 0x80)
            len = 1;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            len = 2;
        else if ((c & 0xf0) == 0xe0)
            len = 3;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            len = 4;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && len > 1 && !json_utf8_valid((const char *)p + i, len))
            ok = 0; /* overlong or surrogate: jansson's check (json_stringn's, which leaked) */
        if (ok) {
            /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): json_stringn takes a length */
            memcpy(fixed + o, p + i, len);
            o += len;
            i += len;
        } else {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(fixed, o);
    free(fixed);
    return j ? j : json_null();
}

/* The same for a C string. */
json_t *out_jstr(const char *s)
{
    return s == NULL ? json_null() : out_jstrn(s, strlen(s));
}

void out_put_json_line(out_writer *w, json_t *o)
{
    char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (line != NULL) {
        size_t n = strlen(line);
        line[n] = '\n'; /* replaces the terminator: put_lines takes a length */
        out_put_lines(w, line, n + 1);
        free(line);
    }
}
