/* index_table.h - an open-addressing hash index from keys to positions in
 * the caller's own array.
 *
 * Why: lookups by name (rules, namespaces, ...) over arrays that only grow
 * want a hash table, but the entries already live in an array the caller
 * owns. This table stores only (64-bit key hash, array index) pairs, so
 * the keys are never copied and the caller decides what equality means;
 * it grows and rehashes by itself (load at most one half, linear probing,
 * the stored hashes reused on rehash). */
#ifndef VIGIL_CORE_INDEX_TABLE_H
#define VIGIL_CORE_INDEX_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/status.h"

typedef struct vigil_index_slot {
    uint64_t hash;
    size_t index_plus_one; /* 0 = empty (a zeroed table is empty) */
} vigil_index_slot;

typedef struct vigil_index_table {
    vigil_index_slot *slots;
    size_t cap;         /* 0 or a power of two */
    size_t count;       /* indices stored */
    size_t initial_cap; /* first allocation, a power of two */
} vigil_index_table;

/* An empty table whose first allocation has initial_cap slots (rounded up
 * to a power of two, at least 8). Allocates nothing yet. */
void vigil_index_table_init(vigil_index_table *t, size_t initial_cap);
/* Frees the slots; the table is empty and usable again. */
void vigil_index_table_free(vigil_index_table *t);

/* Stores index under hash (duplicates are the caller's business: insert
 * after a failed find). VIGIL_ERR_NOMEM / VIGIL_ERR_OVERFLOW leave the
 * table as it was. index must not be SIZE_MAX. */
vigil_status vigil_index_table_insert(vigil_index_table *t, uint64_t hash, size_t index);

/* The first stored index with this hash for which equal(ctx, index) is
 * nonzero, or SIZE_MAX. equal is only called for indices stored under
 * exactly this hash. */
size_t vigil_index_table_find(const vigil_index_table *t, uint64_t hash,
                              int (*equal)(const void *ctx, size_t index), const void *ctx);

#endif
