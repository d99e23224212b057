/* intel_fixture.h - shared helpers of the intel unit tests: collect the
 * items and diagnostics of a load as sorted text, so that each test can
 * compare the exact set it expects with one string comparison. */
#ifndef VIGIL_TEST_INTEL_FIXTURE_H
#define VIGIL_TEST_INTEL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel_loaders.h"

typedef struct collected {
    char *items[512];
    size_t n;
    char *diags[64];
    size_t nd;
    int detail; /* add score, line, where, description */
} collected;

static inline int collect_item(const vigil_intel_item *it, void *user)
{
    collected *c = user;
    char buf[1200];
    int len = snprintf(buf, sizeof buf, "%s %s", vigil_intel_type_name(it->type), it->value);
    if (it->group != 0)
        len += snprintf(buf + len, sizeof buf - (size_t)len, " g%u/%u", it->group, it->group_size);
    if (c->detail)
        snprintf(buf + len, sizeof buf - (size_t)len, " s%d L%llu %s |%s|", it->score,
                 (unsigned long long)it->line, it->where ? it->where : "-",
                 it->description ? it->description : "");
    if (c->n < 512)
        c->items[c->n++] = strdup(buf);
    return 0;
}

static inline void collect_diag(const vigil_diag *d, void *user)
{
    collected *c = user;
    char buf[1200];
    snprintf(buf, sizeof buf, "%s:%llu: %s", d->source ? d->source : "-",
             (unsigned long long)d->line, d->message);
    if (c->nd < 64)
        c->diags[c->nd++] = strdup(buf);
}

static inline int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted items joined by '\n' (static buffer). */
static inline const char *items_text(collected *c)
{
    static char out[65536];
    size_t o = 0;
    qsort(c->items, c->n, sizeof c->items[0], cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < c->n; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "\n" : "", c->items[i]);
    return out;
}

/* Diagnostics in order joined by '\n' (static buffer). */
static inline const char *diags_text(collected *c)
{
    static char out[65536];
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->nd; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "\n" : "", c->diags[i]);
    return out;
}

static inline void collected_free(collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i]);
    for (size_t i = 0; i < c->nd; i++)
        free(c->diags[i]);
    memset(c, 0, sizeof *c);
}

/* Loads text with the given format; now is fixed at 2024-06-01T00:00:00Z. */
static inline vigil_status load_into(collected *c, vigil_intel_format fmt, const char *name,
                                     const char *text, vigil_intel_stats *stats)
{
    vigil_intel_opts o;
    memset(&o, 0, sizeof o);
    o.diag.fn = collect_diag;
    o.diag.user = c;
    o.fn = collect_item;
    o.user = c;
    o.now = 1717200000;
    o.stats = stats;
    return vigil_intel_load(fmt, name, text, strlen(text), &o);
}

#endif
