/* findings.c - a growable array of findings plus an arena for their data. */
#include "core/findings.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void vigil_findings_init(vigil_findings *fb)
{
    vigil_arena_init(&fb->arena);
    fb->items = NULL;
    fb->n = 0;
    fb->cap = 0;
}

void vigil_findings_free(vigil_findings *fb)
{
    if (fb == NULL)
        return;
    vigil_arena_free(&fb->arena);
    free(fb->items);
    fb->items = NULL;
    fb->n = fb->cap = 0;
}

void vigil_findings_reset(vigil_findings *fb)
{
    vigil_arena_reset(&fb->arena);
    fb->n = 0;
}

vigil_finding *vigil_findings_add(vigil_findings *fb, vigil_finding_kind kind)
{
    if (fb->n == fb->cap) {
        size_t cap = fb->cap ? fb->cap * 2 : 8;
        vigil_finding *p;
        if (cap > SIZE_MAX / sizeof *p)
            return NULL;
        p = realloc(fb->items, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        fb->items = p;
        fb->cap = cap;
    }
    vigil_finding *f = &fb->items[fb->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    return f;
}

void *vigil_findings_alloc(vigil_findings *fb, size_t n)
{
    return vigil_arena_alloc(&fb->arena, n);
}

const char *vigil_findings_strdup(vigil_findings *fb, const char *s)
{
    return vigil_arena_strdup(&fb->arena, s);
}
