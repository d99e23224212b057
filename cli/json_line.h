/* json_line.h - JSON text written without jansson: a growable byte buffer,
 * strings escaped and integers written as jansson's json_dumps does.
 *
 * Why: the sweep writes one line per finding; see json_line.c. */
#ifndef VIGIL_CLI_JSON_LINE_H
#define VIGIL_CLI_JSON_LINE_H

#include <stddef.h>
#include <string.h>

/* Bytes being built. Zero-initialise; json_buf_free when done. A failed
 * growth (out of memory, size overflow) sets fail and drops what was being
 * appended: the contents are then incomplete and must not be written. */
typedef struct json_buf {
    char *p;
    size_t n, cap;
    int fail;
} json_buf;

void json_buf_free(json_buf *b);
/* Appends n bytes when they do not fit (the slow path of json_buf_put). */
void json_buf_grow_put(json_buf *b, const void *s, size_t n);

static inline void json_buf_put(json_buf *b, const void *s, size_t n)
{
    /* strict: an empty buffer (p NULL) always takes the slow path */
    if (n < b->cap - b->n) {
        memcpy(b->p + b->n, s, n);
        b->n += n;
    } else {
        json_buf_grow_put(b, s, n);
    }
}

/* A string literal, without its NUL. */
#define json_buf_lit(b, lit) json_buf_put((b), (lit), sizeof(lit) - 1)

/* s as a JSON string, the bytes json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII)
 * writes for what output_json.c's out_jstr(s) makes of it: NULL is null; a byte that
 * does not start a sequence jansson accepts as UTF-8 (overlong forms,
 * surrogates, past U+10FFFF, stray continuation bytes) becomes U+FFFD and
 * the next byte is looked at; the escapes \" \\ \b \f \n \r \t, other
 * controls and non-ASCII as \uXXXX (upper-case hex, surrogate pairs above
 * U+FFFF); DEL and '/' as they are. */
void json_buf_str(json_buf *b, const char *s);
/* The same for len bytes (a NUL in them is written as \u0000). */
void json_buf_strn(json_buf *b, const char *s, size_t len);
/* v as %lld. */
void json_buf_int(json_buf *b, long long v);

/* Whether len bytes are UTF-8 as jansson checks it (json_stringn and object
 * keys accept exactly these). */
int json_utf8_valid(const char *s, size_t len);

#endif
