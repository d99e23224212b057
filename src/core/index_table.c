/* index_table.c - the open-addressing hash index of index_table.h (linear
 * probing over a power-of-two table, grown by doubling at half load). */
#include "core/index_table.h"

#include <stdlib.h>

void vigil_index_table_init(vigil_index_table *t, size_t initial_cap)
{
    size_t cap = 8;
    while (cap < initial_cap && cap <= SIZE_MAX / 2)
        cap *= 2;
    t->slots = NULL;
    t->cap = 0;
    t->count = 0;
    t->initial_cap = cap;
}

void vigil_index_table_free(vigil_index_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
    t->count = 0;
}

static void put(vigil_index_slot *slots, size_t cap, uint64_t hash, size_t index)
{
    size_t mask = cap - 1;
    size_t j = (size_t)hash & mask;
    while (slots[j].index_plus_one != 0)
        j = (j + 1) & mask;
    slots[j].hash = hash;
    slots[j].index_plus_one = index + 1;
}

static vigil_status grow(vigil_index_table *t)
{
    size_t cap = t->cap ? t->cap : t->initial_cap ? t->initial_cap : 8;
    while ((t->count + 1) * 2 > cap) {
        if (cap > SIZE_MAX / 2)
            return VIGIL_ERR_OVERFLOW;
        cap *= 2;
    }
    if (cap == t->cap)
        return VIGIL_OK;
    if (cap > SIZE_MAX / sizeof(vigil_index_slot))
        return VIGIL_ERR_OVERFLOW;
    vigil_index_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].index_plus_one != 0)
            put(slots, cap, t->slots[i].hash, t->slots[i].index_plus_one - 1);
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return VIGIL_OK;
}

vigil_status vigil_index_table_insert(vigil_index_table *t, uint64_t hash, size_t index)
{
    if (index == SIZE_MAX)
        return VIGIL_ERR_INVALID_ARG;
    if (t->count >= SIZE_MAX / 4)
        return VIGIL_ERR_OVERFLOW;
    vigil_status st = grow(t);
    if (st != VIGIL_OK)
        return st;
    put(t->slots, t->cap, hash, index);
    t->count++;
    return VIGIL_OK;
}

size_t vigil_index_table_find(const vigil_index_table *t, uint64_t hash,
                              int (*equal)(const void *ctx, size_t index), const void *ctx)
{
    if (t->cap == 0)
        return SIZE_MAX;
    size_t mask = t->cap - 1;
    for (size_t j = (size_t)hash & mask;; j = (j + 1) & mask) {
        const vigil_index_slot *sl = &t->slots[j];
        if (sl->index_plus_one == 0)
            return SIZE_MAX;
        if (sl->hash == hash && equal(ctx, sl->index_plus_one - 1))
            return sl->index_plus_one - 1;
    }
}
