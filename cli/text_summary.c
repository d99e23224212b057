/* text_summary.c - tallies and tables for the end of the text output (see
 * text_summary.h).
 *
 * Rules and hosts are counted in one open-addressing table each, keyed by
 * name (rules by name and level: a rule's level is the target's, which
 * several rules share). Distinct keys are bounded (MAX_KEYS): a sweep that
 * matches more rules than that counts the rest under "(other)". */
#include "text_summary.h"
#include "text_escape.h"

#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 100000
#define TOP_RULES 10
#define TOP_HOSTS 10

typedef struct tally_entry {
    char *name;
    int level; /* rules: the vigil level; hosts: -1 */
    uint64_t count;
} tally_entry;

typedef struct table {
    tally_entry *slots;
    size_t nslots, n;
    uint64_t other; /* counts of keys past MAX_KEYS */
} table;

struct text_tally {
    table rules, hosts;
    uint64_t events, files;
    uint64_t by_level[VIGIL_LEVEL_COUNT];
    int64_t first_ms, last_ms; /* event times; 0 none */
};

text_tally *text_tally_create(void)
{
    return calloc(1, sizeof(text_tally));
}

static void table_free(table *tb)
{
    for (size_t i = 0; i < tb->nslots; i++)
        free(tb->slots[i].name);
    free(tb->slots);
}

void text_tally_destroy(text_tally *t)
{
    if (t == NULL)
        return;
    table_free(&t->rules);
    table_free(&t->hosts);
    free(t);
}

static uint64_t hash(const char *s, int level)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(level + 2);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int table_grow(table *tb)
{
    size_t ns = tb->nslots ? tb->nslots * 2 : 256;
    tally_entry *slots = calloc(ns, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < tb->nslots; i++) {
        if (tb->slots[i].name == NULL)
            continue;
        size_t k = hash(tb->slots[i].name, tb->slots[i].level) & (ns - 1);
        while (slots[k].name != NULL)
            k = (k + 1) & (ns - 1);
        slots[k] = tb->slots[i];
    }
    free(tb->slots);
    tb->slots = slots;
    tb->nslots = ns;
    return 0;
}

static void table_add(table *tb, const char *name, int level, uint64_t n)
{
    if ((tb->n + 1) * 2 > tb->nslots && (tb->n >= MAX_KEYS || table_grow(tb) != 0)) {
        tb->other += n;
        return;
    }
    size_t k = hash(name, level) & (tb->nslots - 1);
    while (tb->slots[k].name != NULL) {
        if (tb->slots[k].level == level && strcmp(tb->slots[k].name, name) == 0) {
            tb->slots[k].count += n;
            return;
        }
        k = (k + 1) & (tb->nslots - 1);
    }
    tb->slots[k].name = strdup(name);
    if (tb->slots[k].name == NULL) {
        tb->other += n;
        return;
    }
    tb->slots[k].level = level;
    tb->slots[k].count = n;
    tb->n++;
}

void text_tally_add(text_tally *t, const vigil_target_result *r, const char *local_host)
{
    if (t == NULL)
        return;
    const char *host = local_host;
    if (r->event != NULL) {
        const vigil_field *c = vigil_event_get(r->event, "Computer");
        if (c != NULL && !c->is_null && c->value[0])
            host = c->value;
        t->events++;
    } else {
        t->files++;
    }
    table_add(&t->hosts, host && *host ? host : "-", -1, 1);
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        t->by_level[r->level]++;
        table_add(&t->rules, f->rule ? f->rule : "?", (int)r->level, 1);
    }
    int64_t ms = 0;
    if (r->event_time != NULL && vigil_sigma_parse_time(r->event_time, &ms) == 0 && ms != 0) {
        if (t->first_ms == 0 || ms < t->first_ms)
            t->first_ms = ms;
        if (t->last_ms == 0 || ms > t->last_ms)
            t->last_ms = ms;
    }
}

uint64_t text_tally_events(const text_tally *t)
{
    return t ? t->events : 0;
}

uint64_t text_tally_files(const text_tally *t)
{
    return t ? t->files : 0;
}

static int by_count(const void *a, const void *b)
{
    const tally_entry *x = *(const tally_entry *const *)a, *y = *(const tally_entry *const *)b;
    if (x->level != y->level)
        return x->level > y->level ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The entries of tb, by level (highest first), count, name. NULL if none. */
static const tally_entry **sorted(const table *tb)
{
    if (tb->n == 0)
        return NULL;
    const tally_entry **v = malloc(tb->n * sizeof *v);
    if (v == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < tb->nslots; i++)
        if (tb->slots[i].name != NULL)
            v[o++] = &tb->slots[i];
    qsort(v, o, sizeof *v, by_count);
    return v;
}

static void upper(vigil_level l, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", vigil_level_name(l));
    for (char *p = buf; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
}

void text_tally_print(const text_tally *t, FILE *fp, const char *b, const char *z)
{
    char lv[16], tm[40];
    if (t == NULL)
        return;
    fprintf(fp, "\n%sDetections by level%s (findings)\n", b, z);
    for (int l = VIGIL_LEVEL_COUNT - 1; l >= 0; l--) {
        upper((vigil_level)l, lv, sizeof lv);
        fprintf(fp, "  %-8s %10llu\n", lv, (unsigned long long)t->by_level[l]);
    }
    const tally_entry **rules = sorted(&t->rules);
    if (rules != NULL) {
        fprintf(fp, "%sTop rules%s\n", b, z);
        int level = -1, shown = 0;
        for (size_t i = 0; i < t->rules.n; i++) {
            if (rules[i]->level != level) {
                level = rules[i]->level;
                shown = 0;
            }
            if (shown++ >= TOP_RULES)
                continue;
            upper((vigil_level)rules[i]->level, lv, sizeof lv);
            fprintf(fp, "  %-8s %10llu  ", lv, (unsigned long long)rules[i]->count);
            text_escape_puts(fp, rules[i]->name);
            fputc('\n', fp);
        }
        if (t->rules.other)
            fprintf(fp, "  (other)  %10llu\n", (unsigned long long)t->rules.other);
        free(rules);
    }
    const tally_entry **hosts = sorted(&t->hosts);
    if (hosts != NULL) {
        fprintf(fp, "%sHosts%s (targets with findings)\n", b, z);
        for (size_t i = 0; i < t->hosts.n && i < TOP_HOSTS; i++) {
            fprintf(fp, "  %10llu  ", (unsigned long long)hosts[i]->count);
            text_escape_puts(fp, hosts[i]->name);
            fputc('\n', fp);
        }
        if (t->hosts.n > TOP_HOSTS)
            fprintf(fp, "  (%zu more hosts)\n", t->hosts.n - TOP_HOSTS);
        free(hosts);
    }
    if (t->first_ms != 0) {
        vigil_time_ms_format(t->first_ms, tm, sizeof tm);
        fprintf(fp, "First event: %s  ", tm);
        vigil_time_ms_format(t->last_ms, tm, sizeof tm);
        fprintf(fp, "Last event: %s\n", tm);
    }
    fputc('\n', fp);
}

void text_event_details(FILE *fp, const vigil_target_result *r)
{
    int any = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        for (size_t k = 0; k < f->nfields; k++) {
            const vigil_field *fd = &f->fields[k];
            int seen = 0; /* a field two rules matched is shown once */
            for (size_t j = 0; j < i && !seen; j++)
                for (size_t m = 0; m < r->findings[j].nfields && !seen; m++)
                    seen = strcmp(r->findings[j].fields[m].name, fd->name) == 0;
            for (size_t m = 0; m < k && !seen; m++)
                seen = strcmp(f->fields[m].name, fd->name) == 0;
            if (seen)
                continue;
            fputs(any++ ? " \xc2\xa6 " : "  ", fp);
            text_escape_puts(fp, fd->name);
            fputs(": ", fp);
            text_escape_puts(fp, fd->is_null ? "null" : fd->value);
        }
    }
    int tags = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        for (size_t k = 0; k < r->findings[i].ntags; k++) {
            const char *tag = r->findings[i].tags[k];
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                for (size_t m = 0; m < r->findings[j].ntags && !seen; m++)
                    seen = strcmp(r->findings[j].tags[m], tag) == 0;
            if (seen || strncmp(tag, "attack.", 7) != 0)
                continue;
            fputs(tags++ ? "," : "  [", fp);
            text_escape_puts(fp, tag);
        }
    }
    if (tags)
        fputc(']', fp);
}
