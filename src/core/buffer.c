/* buffer.c - the growable byte buffer and the array-growth rule (buffer.h).
 *
 * Kept apart from util.c because nearly every folder above core uses it:
 * one place decides how memory grows, how overflow is caught and what a
 * failed growth leaves behind. */
#include "core/buffer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vigil_status vigil_buffer_grow(vigil_buffer *b, size_t extra, size_t max)
{
    if (max > VIGIL_BUFFER_MAX)
        max = VIGIL_BUFFER_MAX;
    if (extra > max || b->len > max - extra)
        return VIGIL_ERR_LIMIT;
    size_t need = b->len + extra + 1; /* and the NUL; cannot wrap below SIZE_MAX / 2 */
    if (b->data != NULL && need <= b->cap)
        return VIGIL_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2; /* cap <= max + 1 <= SIZE_MAX / 2 + 1 before doubling stops */
    if (cap > max + 1)
        cap = max + 1;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return VIGIL_ERR_NOMEM;
    if (b->data == NULL)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return VIGIL_OK;
}

vigil_status vigil_buffer_append(vigil_buffer *b, const void *s, size_t n)
{
    vigil_status st = vigil_buffer_reserve(b, n);
    if (st != VIGIL_OK)
        return st;
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return VIGIL_OK;
}

vigil_status vigil_buffer_append_str(vigil_buffer *b, const char *s)
{
    return vigil_buffer_append(b, s, strlen(s));
}

vigil_status vigil_buffer_append_char(vigil_buffer *b, char c)
{
    return vigil_buffer_append(b, &c, 1);
}

vigil_status vigil_buffer_vprintf(vigil_buffer *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    vigil_status st = vigil_buffer_reserve(b, 64);
    if (st != VIGIL_OK) {
        va_end(again);
        return st;
    }
    int k = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (k < 0) {
        b->data[b->len] = '\0';
        va_end(again);
        return VIGIL_ERR_INVALID_ARG;
    }
    if ((size_t)k >= b->cap - b->len) {
        st = vigil_buffer_reserve(b, (size_t)k);
        if (st != VIGIL_OK) {
            b->data[b->len] = '\0';
            va_end(again);
            return st;
        }
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
    }
    va_end(again);
    b->len += (size_t)k;
    return VIGIL_OK;
}

vigil_status vigil_buffer_printf(vigil_buffer *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vigil_status st = vigil_buffer_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

char *vigil_buffer_release(vigil_buffer *b, size_t *len)
{
    char *p = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void vigil_buffer_free(vigil_buffer *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

vigil_status vigil_array_grow(void *items, size_t *cap, size_t need, size_t elem, size_t max)
{
    void *p;
    if (need <= *cap)
        return VIGIL_OK;
    if (elem == 0)
        return VIGIL_ERR_INVALID_ARG;
    size_t limit = SIZE_MAX / 2 / elem;
    if (max == 0 || max > limit)
        max = limit;
    if (need > max)
        return VIGIL_ERR_LIMIT;
    size_t ncap = *cap ? *cap : 8;
    if (ncap > max)
        ncap = max;
    while (ncap < need)
        ncap = ncap > max / 2 ? max : ncap * 2;
    memcpy(&p, items, sizeof p); /* items is the address of a T * */
    void *grown = realloc(p, ncap * elem);
    if (grown == NULL)
        return VIGIL_ERR_NOMEM; /* *items still holds the old block */
    memcpy(items, &grown, sizeof grown);
    *cap = ncap;
    return VIGIL_OK;
}
