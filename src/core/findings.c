/* findings.c - a growable array of findings plus an arena for their data.
 *
 * Both are kept from one target to the next (reset, not freed), so a sweep
 * does not allocate per finding once the first targets have grown them. */
#include "core/findings.h"
#include "core/buffer.h"

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
    if (VIGIL_ARRAY_RESERVE(fb->items, fb->cap, fb->n + 1) != VIGIL_OK)
        return NULL;
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
