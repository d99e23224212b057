/* arena.c - bump allocation in chained blocks, reset between targets. */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u * 1024u)

struct vigil_arena_block {
    vigil_arena_block *next;
    size_t cap;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void vigil_arena_init(vigil_arena *a)
{
    a->head = NULL;
    a->spare = NULL;
}

static void free_chain(vigil_arena_block *b)
{
    while (b != NULL) {
        vigil_arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void vigil_arena_free(vigil_arena *a)
{
    if (a == NULL)
        return;
    free_chain(a->head);
    free_chain(a->spare);
    a->head = NULL;
    a->spare = NULL;
}

void vigil_arena_reset(vigil_arena *a)
{
    while (a->head != NULL) {
        vigil_arena_block *b = a->head;
        a->head = b->next;
        if (b->cap == ARENA_BLOCK) {
            b->used = 0;
            b->next = a->spare;
            a->spare = b;
        } else {
            free(b); /* oversized blocks are not kept */
        }
    }
}

void *vigil_arena_alloc_raw(vigil_arena *a, size_t n)
{
    size_t need;
    vigil_arena_block *b = a->head;

    if (n > SIZE_MAX - 15)
        return NULL;
    need = (n + 15) & ~(size_t)15;
    if (need == 0)
        need = 16;
    if (b == NULL || b->cap - b->used < need) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        if (cap == ARENA_BLOCK && a->spare != NULL) {
            b = a->spare;
            a->spare = b->next;
        } else {
            if (cap > SIZE_MAX - sizeof *b)
                return NULL;
            b = malloc(sizeof *b + cap);
            if (b == NULL)
                return NULL;
            b->cap = cap;
        }
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void *vigil_arena_alloc(vigil_arena *a, size_t n)
{
    void *p = vigil_arena_alloc_raw(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

char *vigil_arena_strndup(vigil_arena *a, const char *s, size_t n)
{
    char *p;

    if (s == NULL)
        return NULL;
    if (n == SIZE_MAX)
        return NULL;
    p = vigil_arena_alloc_raw(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vigil_arena_strdup(vigil_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return vigil_arena_strndup(a, s, strlen(s));
}

vigil_status vigil_arena_array_grow(vigil_arena *a, void *items, size_t *cap, size_t n, size_t need,
                                    size_t elem)
{
    void *old, *p;
    if (need <= *cap)
        return VIGIL_OK;
    if (elem == 0 || n > *cap)
        return VIGIL_ERR_INVALID_ARG;
    size_t max = SIZE_MAX / 2 / elem;
    if (need > max)
        return VIGIL_ERR_LIMIT;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need)
        ncap = ncap > max / 2 ? max : ncap * 2;
    p = vigil_arena_alloc(a, ncap * elem);
    if (p == NULL)
        return VIGIL_ERR_NOMEM;
    memcpy(&old, items, sizeof old); /* items is the address of a T * */
    if (n > 0)
        memcpy(p, old, n * elem);
    memcpy(items, &p, sizeof p);
    *cap = ncap;
    return VIGIL_OK;
}
