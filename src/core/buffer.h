/* buffer.h - the one growable byte buffer and the one array-growth rule.
 *
 * Why one: every subsystem builds text (EVTX XML, YARA plans, report rows)
 * and grows arrays; written by hand each time, the doubling, the overflow
 * check and the size bound drift apart. Like curl's dynbuf, a buffer keeps
 * a NUL after its bytes (when it holds any), never grows past the bound
 * it is given, and leaves its contents intact when a growth fails. */
#ifndef VIGIL_CORE_BUFFER_H
#define VIGIL_CORE_BUFFER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/status.h"

/* Default bound of a buffer grown without one: half the address space, so
 * that doubling and len + extra + 1 can never wrap. */
#define VIGIL_BUFFER_MAX (SIZE_MAX / 2)

/* Zero-initialise ({0}) for an empty buffer; data stays NULL until the
 * first growth. */
typedef struct vigil_buffer {
    char *data;
    size_t len;
    size_t cap;
} vigil_buffer;

/* Makes room for extra more bytes plus a NUL, doubling from 256, never
 * past max bytes in all. VIGIL_ERR_LIMIT past max, VIGIL_ERR_NOMEM;
 * either way the buffer is unchanged. */
vigil_status vigil_buffer_grow(vigil_buffer *b, size_t extra, size_t max);

static inline vigil_status vigil_buffer_reserve(vigil_buffer *b, size_t extra)
{
    return b->data != NULL && b->cap - b->len > extra
               ? VIGIL_OK
               : vigil_buffer_grow(b, extra, VIGIL_BUFFER_MAX);
}

/* Appends n bytes (bounded by VIGIL_BUFFER_MAX) and keeps the NUL after. */
vigil_status vigil_buffer_append(vigil_buffer *b, const void *s, size_t n);
vigil_status vigil_buffer_append_str(vigil_buffer *b, const char *s);
vigil_status vigil_buffer_append_char(vigil_buffer *b, char c);
/* printf-style append. */
vigil_status vigil_buffer_printf(vigil_buffer *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
vigil_status vigil_buffer_vprintf(vigil_buffer *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Empties the buffer, keeping its memory. */
static inline void vigil_buffer_reset(vigil_buffer *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Hands the malloc'd bytes (NUL-terminated, or NULL when nothing was ever
 * added) to the caller and leaves the buffer empty. */
char *vigil_buffer_release(vigil_buffer *b, size_t *len);

/* Frees the bytes; NULL-safe, and the buffer may be used again. */
void vigil_buffer_free(vigil_buffer *b);

/* The array-growth rule: makes *cap (elements of elem bytes at *items,
 * passed as the address of the array pointer) at least need, doubling from
 * 8, overflow-checked, and never past max elements (0: no bound but the
 * address space). VIGIL_ERR_LIMIT past max or on overflow, VIGIL_ERR_NOMEM;
 * on error the array and *cap are unchanged. */
vigil_status vigil_array_grow(void *items, size_t *cap, size_t need, size_t elem, size_t max);

/* VIGIL_ARRAY_RESERVE(v->items, v->cap, v->n + 1): the common call. */
#define VIGIL_ARRAY_RESERVE(items, cap, need)                                                      \
    ((size_t)(need) <= (cap) ? VIGIL_OK                                                            \
                             : vigil_array_grow(&(items), &(cap), (need), sizeof *(items), 0))

#endif
