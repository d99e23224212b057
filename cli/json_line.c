/* json_line.c - one JSON object as one line, the bytes json_dumps writes.
 *
 * Why not json_dumps: a sweep of event logs reports one line per matching
 * event, and json_dumps (a callback per piece, a string buffer, a scan per
 * code point) cost as much as matching the event. jb_dump writes what
 * jansson writes for JSON_COMPACT | JSON_ENSURE_ASCII: keys in insertion
 * order, the escapes \" \\ \b \f \n \r \t, other controls and non-ASCII as
 * \uXXXX (upper-case hex, surrogate pairs above U+FFFF), integers as %lld.
 * Reals (never in an event finding) make it give up and the caller falls
 * back to json_dumps. output.c uses it for the findings of matching events. */
#include "json_line.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct jbuf {
    char *p;
    size_t n, cap;
    char *heap; /* p when it outgrew the caller's stack buffer */
    int fail;
} jbuf;

static void jb_grow(jbuf *b, const char *s, size_t n);

static inline void jb_put(jbuf *b, const char *s, size_t n)
{
    if (n <= b->cap - b->n) {
        memcpy(b->p + b->n, s, n);
        b->n += n;
    } else {
        jb_grow(b, s, n);
    }
}

static void jb_grow(jbuf *b, const char *s, size_t n)
{
    if (b->fail)
        return;
    if (n > b->cap - b->n) {
        size_t cap = b->cap;
        while (n > cap - b->n) {
            if (cap > SIZE_MAX / 2) {
                b->fail = 1;
                return;
            }
            cap *= 2;
        }
        char *h = realloc(b->heap, cap);
        if (h == NULL) {
            b->fail = 1;
            return;
        }
        if (b->heap == NULL)
            memcpy(h, b->p, b->n);
        b->heap = b->p = h;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void jb_str(jbuf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
    char esc[12];

    jb_put(b, "\"", 1);
    while (p < end) {
        unsigned c = *p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        if (p > run)
            jb_put(b, (const char *)run, (size_t)(p - run));
        size_t n = 2;
        unsigned cp = c;
        const unsigned char *next = p + 1;
        if (c >= 0x80) {
            /* jansson strings are valid UTF-8 (jstr repairs them) */
            size_t need = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
            if (need == 0 || need > (size_t)(end - p)) {
                b->fail = 1;
                return;
            }
            cp = c & (0x7fu >> need);
            for (size_t i = 1; i < need; i++)
                cp = (cp << 6) | (p[i] & 0x3fu);
            next = p + need;
        }
        esc[0] = '\\';
        switch (cp) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default: {
            unsigned u[2] = {cp, 0};
            size_t nu = 1;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                u[0] = 0xD800 | ((cp >> 10) & 0x3ff);
                u[1] = 0xDC00 | (cp & 0x3ff);
                nu = 2;
            }
            n = 0;
            for (size_t k = 0; k < nu; k++) {
                esc[n++] = '\\';
                esc[n++] = 'u';
                for (int sh = 12; sh >= 0; sh -= 4)
                    esc[n++] = hex[(u[k] >> sh) & 0xf];
            }
            break;
        }
        }
        jb_put(b, esc, n);
        p = run = next;
    }
    jb_put(b, (const char *)run, (size_t)(p - run));
    jb_put(b, "\"", 1);
}

static void jb_dump(jbuf *b, const json_t *j)
{
    char num[32];
    int n;

    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        int first = 1;
        jb_put(b, "{", 1);
        for (void *it = json_object_iter((json_t *)j); it != NULL && !b->fail;
             it = json_object_iter_next((json_t *)j, it)) {
            const char *k = json_object_iter_key(it);
            if (!first)
                jb_put(b, ",", 1);
            first = 0;
            jb_str(b, k, strlen(k));
            jb_put(b, ":", 1);
            jb_dump(b, json_object_iter_value(it));
        }
        jb_put(b, "}", 1);
        break;
    }
    case JSON_ARRAY:
        jb_put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(j) && !b->fail; i++) {
            if (i > 0)
                jb_put(b, ",", 1);
            jb_dump(b, json_array_get(j, i));
        }
        jb_put(b, "]", 1);
        break;
    case JSON_STRING:
        jb_str(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        if (n > 0 && (size_t)n < sizeof num)
            jb_put(b, num, (size_t)n);
        else
            b->fail = 1;
        break;
    case JSON_TRUE:
        jb_put(b, "true", 4);
        break;
    case JSON_FALSE:
        jb_put(b, "false", 5);
        break;
    case JSON_NULL:
        jb_put(b, "null", 4);
        break;
    default:
        b->fail = 1; /* reals: jansson's own formatting */
        break;
    }
}

int json_line_write(FILE *fp, const json_t *o)
{
    char stack[8192];
    jbuf b = {stack, 0, sizeof stack, NULL, 0};

    jb_dump(&b, o);
    jb_put(&b, "\n", 1);
    int rc = b.fail ? -1 : 0;
    if (rc == 0)
        fwrite(b.p, 1, b.n, fp);
    free(b.heap);
    return rc;
}
