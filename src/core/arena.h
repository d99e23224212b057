/* arena.h - a bump allocator for short-lived per-target data.
 *
 * Findings, their strings and match lists live exactly as long as the scan
 * of one target; an arena frees them all at once and reuses its blocks, so
 * the hot path does not call malloc per finding. */
#ifndef VIGIL_CORE_ARENA_H
#define VIGIL_CORE_ARENA_H

#include <stddef.h>

#include "vigil/status.h"

typedef struct vigil_arena_block vigil_arena_block;

typedef struct vigil_arena {
    vigil_arena_block *head;  /* current block, chained to older ones */
    vigil_arena_block *spare; /* blocks kept for reuse after reset */
} vigil_arena;

void vigil_arena_init(vigil_arena *a);
void vigil_arena_free(vigil_arena *a);
/* Drops every allocation but keeps memory for reuse. */
void vigil_arena_reset(vigil_arena *a);
/* 16-byte aligned, zeroed; NULL on overflow or out of memory. */
void *vigil_arena_alloc(vigil_arena *a, size_t n);
/* The same, not zeroed: for buffers the caller fills entirely (copies,
 * arrays written element by element), where clearing is wasted work. */
void *vigil_arena_alloc_raw(vigil_arena *a, size_t n);
/* Copies a string (NULL stays NULL); NULL on out of memory. */
char *vigil_arena_strdup(vigil_arena *a, const char *s);
char *vigil_arena_strndup(vigil_arena *a, const char *s, size_t n);

/* The array-growth rule (core/buffer.h) for an array in the arena: makes
 * *cap (elements of elem bytes at *items, passed as the address of the
 * array pointer) at least need, doubling from 4, the n elements in use
 * copied to the new block (the old one is dropped with the arena).
 * VIGIL_ERR_LIMIT on overflow, VIGIL_ERR_NOMEM; on error the array and
 * *cap are unchanged. */
vigil_status vigil_arena_array_grow(vigil_arena *a, void *items, size_t *cap, size_t n, size_t need,
                                    size_t elem);

/* VIGIL_ARENA_ARRAY_RESERVE(arena, v->items, v->cap, v->n, v->n + 1). */
#define VIGIL_ARENA_ARRAY_RESERVE(a, items, cap, n, need)                                          \
    ((size_t)(need) <= (cap)                                                                       \
         ? VIGIL_OK                                                                                \
         : vigil_arena_array_grow((a), &(items), &(cap), (n), (need), sizeof *(items)))

#endif
