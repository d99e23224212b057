/* set.c - a deduplicated indicator set that remembers every source.
 *
 * The same C2 domain arrives in a STIX bundle, a MISP event and a vendor
 * CSV; matching it three times would triple the findings, while keeping
 * only one source would hide that three reports agree. Entries are keyed
 * by (type, normalised value) in an open-addressing hash table; the first
 * origin is stored inline so a million single-source hashes cost one
 * allocation each for the value and nothing more. */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buffer.h"
#include "intel/intel_loaders.h"

typedef struct entry {
    vigil_intel_entry pub;
    vigil_intel_origin first;
    vigil_intel_origin *more; /* all origins once there is a second */
    size_t cap;
    uint64_t hash;
} entry;

struct vigil_intel_set {
    vigil_arena strings;
    entry **items; /* insertion order */
    size_t n, cap;
    size_t *slots; /* index+1, 0 empty */
    size_t nslots;
    const char *last_source; /* interned: items come in runs per source */
    const char *last_desc;
};

static uint64_t hash_of(vigil_intel_type t, const char *v)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)t;
    for (; *v; v++) {
        h ^= (unsigned char)*v;
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

vigil_status vigil_intel_set_create(vigil_intel_set **out)
{
    vigil_intel_set *s = calloc(1, sizeof *s);
    *out = NULL;
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_arena_init(&s->strings);
    *out = s;
    return VIGIL_OK;
}

void vigil_intel_set_destroy(vigil_intel_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i]->more);
        free(set->items[i]);
    }
    free(set->items);
    free(set->slots);
    vigil_arena_free(&set->strings);
    free(set);
}

static const char *intern(vigil_intel_set *s, const char **last, const char *str)
{
    if (str == NULL)
        return NULL;
    if (*last != NULL && strcmp(*last, str) == 0)
        return *last;
    const char *c = vigil_arena_strdup(&s->strings, str);
    if (c != NULL)
        *last = c;
    return c;
}

static vigil_status grow_slots(vigil_intel_set *s)
{
    size_t ns = s->nslots ? s->nslots * 2 : 1024;
    if (ns > SIZE_MAX / sizeof(size_t))
        return VIGIL_ERR_OVERFLOW;
    size_t *slots = calloc(ns, sizeof *slots);
    if (slots == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < s->n; i++) {
        size_t k = (size_t)s->items[i]->hash & (ns - 1);
        while (slots[k] != 0)
            k = (k + 1) & (ns - 1);
        slots[k] = i + 1;
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = ns;
    return VIGIL_OK;
}

static vigil_status add_origin(vigil_intel_set *s, entry *e, const vigil_intel_item *it)
{
    vigil_intel_origin o;
    o.source = intern(s, &s->last_source, it->source);
    o.line = it->line;
    o.where = it->where ? vigil_arena_strdup(&s->strings, it->where) : NULL;
    if ((it->source && o.source == NULL) || (it->where && o.where == NULL))
        return VIGIL_ERR_NOMEM;
    if (e->pub.norigins == 0) {
        e->first = o;
        e->pub.origins = &e->first;
        e->pub.norigins = 1;
        return VIGIL_OK;
    }
    int first_move = e->more == NULL; /* the first origin moves into the array */
    if (VIGIL_ARRAY_RESERVE(e->more, e->cap, e->pub.norigins + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    if (e->more == NULL)
        return VIGIL_ERR_NOMEM;
    if (first_move)
        e->more[0] = e->first;
    e->more[e->pub.norigins++] = o;
    e->pub.origins = e->more;
    return VIGIL_OK;
}

vigil_status vigil_intel_set_add(vigil_intel_set *s, const vigil_intel_item *it)
{
    if (s == NULL || it == NULL || it->value == NULL ||
        (unsigned)it->type >= VIGIL_INTEL_TYPE_COUNT)
        return VIGIL_ERR_INVALID_ARG;
    if ((s->n + 1) * 2 > s->nslots) {
        vigil_status st = grow_slots(s);
        if (st != VIGIL_OK)
            return st;
    }
    uint64_t h = hash_of(it->type, it->value);
    size_t k = (size_t)h & (s->nslots - 1);
    while (s->slots[k] != 0) {
        entry *e = s->items[s->slots[k] - 1];
        if (e->hash == h && e->pub.type == it->type && strcmp(e->pub.value, it->value) == 0) {
            if (it->score > e->pub.score)
                e->pub.score = it->score;
            if (e->pub.description == NULL && it->description != NULL && it->description[0])
                e->pub.description = intern(s, &s->last_desc, it->description);
            if (e->pub.valid_until != 0 &&
                (it->valid_until == 0 || it->valid_until > e->pub.valid_until))
                e->pub.valid_until = it->valid_until;
            return add_origin(s, e, it);
        }
        k = (k + 1) & (s->nslots - 1);
    }
    if (VIGIL_ARRAY_RESERVE(s->items, s->cap, s->n + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    entry *e = calloc(1, sizeof *e);
    if (e == NULL)
        return VIGIL_ERR_NOMEM;
    e->hash = h;
    e->pub.type = it->type;
    e->pub.value = vigil_arena_strdup(&s->strings, it->value);
    e->pub.score = it->score;
    e->pub.description =
        it->description && it->description[0] ? intern(s, &s->last_desc, it->description) : NULL;
    e->pub.valid_until = it->valid_until;
    if (e->pub.value == NULL || add_origin(s, e, it) != VIGIL_OK) {
        free(e);
        return VIGIL_ERR_NOMEM;
    }
    s->items[s->n++] = e;
    s->slots[k] = s->n;
    return VIGIL_OK;
}

int vigil_intel_set_add_cb(const vigil_intel_item *item, void *user)
{
    return vigil_intel_set_add(user, item) != VIGIL_OK;
}

vigil_status vigil_intel_set_load(vigil_intel_set *set, vigil_intel_format fmt, const char *name,
                                  const char *data, size_t len,
                                  const vigil_intel_load_options *opts, vigil_intel_stats *stats)
{
    vigil_intel_opts o;

    if (set == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    memset(&o, 0, sizeof o);
    if (opts != NULL) {
        o.diag.fn = opts->on_diag;
        o.diag.user = opts->diag_user;
        o.default_score = opts->default_score;
        o.now = opts->now;
        o.include_not_ids = opts->include_not_ids;
    }
    o.fn = vigil_intel_set_add_cb;
    o.user = set;
    o.stats = stats;
    vigil_status st = vigil_intel_load(fmt, name, data != NULL ? data : "", len, &o);
    /* the callback only stops the load when the set is out of memory */
    return st == VIGIL_ERR_ABORTED ? VIGIL_ERR_NOMEM : st;
}

size_t vigil_intel_set_count(const vigil_intel_set *set)
{
    return set != NULL ? set->n : 0;
}

const vigil_intel_entry *vigil_intel_set_at(const vigil_intel_set *set, size_t i)
{
    if (set == NULL || i >= set->n)
        return NULL;
    return &set->items[i]->pub;
}

void vigil_intel_set_counts(const vigil_intel_set *set, uint64_t *counts)
{
    memset(counts, 0, VIGIL_INTEL_TYPE_COUNT * sizeof *counts);
    for (size_t i = 0; set != NULL && i < set->n; i++)
        counts[set->items[i]->pub.type]++;
}
