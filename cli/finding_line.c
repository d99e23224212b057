/* finding_line.c - the JSON line of a finding without jansson (see
 * finding_line.h for why).
 *
 * The bytes are those jansson would write for the finding's object (the
 * reference serialiser in tests/unit/finding_json_reference.c, compared
 * with this one by test_finding_line): keys in a fixed order, strings
 * through json_buf_str (invalid UTF-8 repaired as U+FFFD, jansson's
 * escaping), objects built from name/value lists (fields, group, meta) keep
 * the first value of a repeated name and drop a name jansson would refuse
 * (NULL, not UTF-8), as json_object_set_new does. The parts that depend
 * only on the result (the file, the event's host, channel and ids) are
 * rendered once per result by finding_lines_begin and copied into each
 * finding's line. */
#include "finding_line.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Objects of up to this many members find repeated names by comparing
 * each with those before it (Sigma findings carry a few matched fields);
 * bigger ones by sorting the names. */
#define FEW_MEMBERS 64

/* The rule parts of Sigma findings kept for the next finding of the same
 * rule: a direct-mapped table by the rule's address. A sweep that matches
 * a few hundred distinct rules keeps a few hundred KiB; at most
 * RULE_SLOTS * RULE_PART_MAX (longer parts are not kept). */
#define RULE_SLOTS_LOG2 10
#define RULE_SLOTS (1u << RULE_SLOTS_LOG2)
#define RULE_PART_MAX 8192

void out_iso_time(int64_t t, char *buf, size_t cap)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (gmtime_r(&tt, &tm) == NULL) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void finding_lines_free(finding_lines *fl)
{
    if (fl == NULL)
        return;
    json_buf_free(&fl->head);
    json_buf_free(&fl->evtime);
    json_buf_free(&fl->event);
    finding_lines_forget(fl);
    free(fl->rules);
    memset(fl, 0, sizeof *fl);
}

/* ,"key": for a literal key (no escape needed: finding_json's own keys) */
#define put_key(b, key) json_buf_lit((b), ",\"" key "\":")
#define put_str_member(b, key, value)                                                              \
    do {                                                                                           \
        put_key((b), key);                                                                         \
        json_buf_str((b), (value));                                                                \
    } while (0)
#define put_int_member(b, key, v)                                                                  \
    do {                                                                                           \
        put_key((b), key);                                                                         \
        json_buf_int((b), (v));                                                                    \
    } while (0)

/* The values of the first fields named Computer, Channel and EventID (NULL
 * when absent or null), as vigil_event_get finds them, in one pass: events
 * have dozens of fields and this runs for every matching event. */
static void event_host(const vigil_event *ev, const char **computer, const char **channel,
                       const char **event_id)
{
    int seen = 0; /* bits: 1 Computer, 2 Channel, 4 EventID */

    *computer = *channel = *event_id = NULL;
    for (size_t i = 0; i < ev->nfields && seen != 7; i++) {
        const vigil_field *f = &ev->fields[i];
        const char *n = f->name, *v = f->is_null ? NULL : f->value;
        if (n[0] == 'C') {
            if (!(seen & 1) && strcmp(n, "Computer") == 0) {
                seen |= 1;
                *computer = v;
            } else if (!(seen & 2) && strcmp(n, "Channel") == 0) {
                seen |= 2;
                *channel = v;
            }
        } else if (n[0] == 'E' && !(seen & 4) && strcmp(n, "EventID") == 0) {
            seen |= 4;
            *event_id = v;
        }
    }
}

static void put_str_array(json_buf *b, const char *const *v, size_t n)
{
    json_buf_lit(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            json_buf_lit(b, ",");
        json_buf_str(b, v[i]);
    }
    json_buf_lit(b, "]");
}

/* Which members of an object built from a name/value list are written:
 * jansson refuses a NULL or non-UTF-8 key, and the first of equal keys wins.
 * Each item starts with its name (a const char *); items are stride bytes
 * apart. Sets shown[0..n). Returns 0, or -1 when out of memory. */
#define ITEM_NAME(items, stride, j)                                                                \
    (*(const char *const *)(const void *)((const char *)(items) + (j) * (stride)))

typedef struct named_index {
    const char *name;
    size_t index;
} named_index;

/* By name, then by position: the first of equal names comes first. */
static int named_index_order(const void *a, const void *b)
{
    const named_index *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int members_shown(const void *items, size_t stride, size_t n, unsigned char *shown)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = ITEM_NAME(items, stride, i);
        shown[i] = name != NULL && json_utf8_valid(name, strlen(name));
    }
    if (n <= FEW_MEMBERS) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; shown[i] && j < i; j++)
                if (shown[j] &&
                    strcmp(ITEM_NAME(items, stride, j), ITEM_NAME(items, stride, i)) == 0)
                    shown[i] = 0;
        return 0;
    }
    named_index *order = malloc(n * sizeof *order); /* n items exist: no overflow */
    if (order == NULL)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (shown[i])
            order[m++] = (named_index){ITEM_NAME(items, stride, i), i};
    qsort(order, m, sizeof *order, named_index_order);
    for (size_t k = 1; k < m; k++)
        if (strcmp(order[k].name, order[k - 1].name) == 0)
            shown[order[k].index] = 0;
    free(order);
    return 0;
}
#undef ITEM_NAME

/* shown[] of n members: on the stack for a few, else allocated. */
typedef struct shown_set {
    unsigned char few[FEW_MEMBERS];
    unsigned char *shown;
} shown_set;

static int shown_set_fill(shown_set *set, const void *items, size_t stride, size_t n)
{
    set->shown = n <= FEW_MEMBERS ? set->few : malloc(n);
    if (set->shown == NULL)
        return -1;
    if (members_shown(items, stride, n, set->shown) != 0) {
        if (set->shown != set->few)
            free(set->shown);
        return -1;
    }
    return 0;
}

static void shown_set_free(shown_set *set)
{
    if (set->shown != set->few)
        free(set->shown);
}

/* The value of a field (NULL, written null, when the field is null) and of
 * a meta entry: put_members takes either list. */
static const char *field_value(const void *item)
{
    const vigil_field *f = item;
    return f->is_null ? NULL : f->value;
}

static const char *meta_value(const void *item)
{
    return ((const vigil_meta *)item)->value;
}

/* {"name":value,...} of n items stride bytes apart, each named by its
 * first member; value(item) NULL is written null. */
static int put_members(json_buf *b, const void *items, size_t stride, size_t n,
                       const char *(*value)(const void *item))
{
    shown_set set;
    if (shown_set_fill(&set, items, stride, n) != 0)
        return -1;
    json_buf_lit(b, "{");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!set.shown[i])
            continue;
        const void *item = (const char *)items + i * stride;
        if (!first)
            json_buf_lit(b, ",");
        first = 0;
        json_buf_str(b, *(const char *const *)item);
        json_buf_lit(b, ":");
        json_buf_str(b, value(item));
    }
    json_buf_lit(b, "}");
    shown_set_free(&set);
    return 0;
}

static int put_fields(json_buf *b, const vigil_field *fields, size_t n)
{
    return put_members(b, fields, sizeof *fields, n, field_value);
}

static int put_meta(json_buf *b, const vigil_meta *meta, size_t n)
{
    return put_members(b, meta, sizeof *meta, n, meta_value);
}

/* Both lists name their items by their first member. */
_Static_assert(offsetof(vigil_field, name) == 0, "vigil_field starts with its name");
_Static_assert(offsetof(vigil_meta, key) == 0, "vigil_meta starts with its key");

int finding_lines_begin(finding_lines *fl, const vigil_target_result *r)
{
    json_buf *h = &fl->head, *t = &fl->evtime, *e = &fl->event;

    fl->r = r;
    h->n = t->n = e->n = 0;
    h->fail = t->fail = e->fail = 0;
    json_buf_lit(h, "{\"type\":\"finding\"");
    put_str_member(h, "path", r->path);
    put_int_member(h, "size", (long long)r->size);
    put_str_member(h, "filetype", r->filetype ? r->filetype : "");
    if (r->mtime != 0) {
        /* strftime costs more than the rest of the head: once per file */
        if (!fl->mtime_known || fl->mtime != r->mtime) {
            out_iso_time(r->mtime, fl->mtime_text, sizeof fl->mtime_text);
            fl->mtime = r->mtime;
            fl->mtime_known = 1;
        }
        put_str_member(h, "mtime", fl->mtime_text);
    }
    put_str_member(h, "md5", r->md5);
    put_str_member(h, "sha1", r->sha1);
    put_str_member(h, "sha256", r->sha256);
    put_int_member(h, "file_score", r->score);
    put_str_member(h, "level", vigil_level_name(r->level));
    if (r->event_time)
        put_str_member(t, "event_time", r->event_time);
    if (r->event != NULL) {
        const char *computer, *channel, *v;
        event_host(r->event, &computer, &channel, &v);
        if (computer != NULL)
            put_str_member(e, "computer", computer);
        if (channel != NULL)
            put_str_member(e, "channel", channel);
        if (v != NULL) {
            char *end;
            long long id = strtoll(v, &end, 10);
            if (*v && !*end)
                put_int_member(e, "event_id", id);
            else
                put_str_member(e, "event_id", v);
        }
        put_int_member(e, "record_id", (long long)r->record_id);
    }
    fl->ok = !h->fail && !t->fail && !e->fail;
    return fl->ok ? 0 : -1;
}

static int put_correlation(json_buf *b, const vigil_finding *f)
{
    char t[40];

    put_int_member(b, "count", (long long)f->count);
    if (f->has_value) {
        char num[40];
        snprintf(num, sizeof num, "%.17g", f->value);
        put_key(b, "value");
        json_buf_put(b, num, strlen(num));
    }
    put_key(b, "group");
    if (put_fields(b, f->fields, f->nfields) != 0)
        return -1;
    put_key(b, "events");
    json_buf_lit(b, "[");
    for (size_t i = 0; i < f->nevents; i++) {
        const vigil_finding_event *fe = &f->events[i];
        if (i > 0)
            json_buf_lit(b, ",");
        json_buf_lit(b, "{\"path\":");
        json_buf_str(b, fe->source ? fe->source : "");
        put_int_member(b, "record_id", (long long)fe->record_id);
        vigil_time_ms_format(fe->time_ms, t, sizeof t);
        if (t[0])
            put_str_member(b, "event_time", t);
        if (fe->rule)
            put_str_member(b, "rule", fe->rule);
        if (fe->rule_id)
            put_str_member(b, "rule_id", fe->rule_id);
        json_buf_lit(b, "}");
    }
    json_buf_lit(b, "]");
    return 0;
}

/* ,"kind": ... ,"meta":{...}: what comes from the rule (and the hit's line
 * of a C2 finding), then for Sigma and correlation findings the rule's id,
 * level and references. */
static int put_rule(json_buf *b, const vigil_finding *f)
{
    int rc = 0;

    put_str_member(b, "kind", vigil_finding_kind_name(f->kind));
    put_str_member(b, "rule", f->rule);
    if (f->ns)
        put_str_member(b, "namespace", f->ns);
    if (f->rule_source)
        put_str_member(b, "rule_source", f->rule_source);
    if (f->rule_line)
        put_int_member(b, "rule_line", (long long)f->rule_line);
    put_int_member(b, "score", f->score);
    if (f->description)
        put_str_member(b, "description", f->description);
    if (f->author)
        put_str_member(b, "author", f->author);
    if (f->reference)
        put_str_member(b, "reference", f->reference);
    if (f->matched)
        put_str_member(b, "matched", f->matched);
    if (f->line)
        put_int_member(b, "line", (long long)f->line);
    if (f->ntags) {
        put_key(b, "tags");
        put_str_array(b, f->tags, f->ntags);
    }
    if (f->nmeta) {
        put_key(b, "meta");
        rc = put_meta(b, f->meta, f->nmeta);
    }
    if (f->kind != VIGIL_FINDING_SIGMA && f->kind != VIGIL_FINDING_CORRELATION)
        return rc;
    if (f->rule_id)
        put_str_member(b, "rule_id", f->rule_id);
    if (f->rule_level)
        put_str_member(b, "rule_level", f->rule_level);
    if (f->nreferences) {
        put_key(b, "references");
        put_str_array(b, f->references, f->nreferences);
    }
    return rc;
}

/* Everything put_rule reads, by address. */
typedef struct rule_key {
    const void *p[12];
    uint64_t line, match_line;
    size_t ntags, nmeta, nreferences;
    int score, kind;
} rule_key;

struct finding_rule_slot {
    rule_key key;
    int used;
    size_t n;
    char *bytes;
};

static void rule_key_of(rule_key *k, const vigil_finding *f)
{
    memset(k, 0, sizeof *k);
    k->p[0] = f->rule;
    k->p[1] = f->ns;
    k->p[2] = f->rule_source;
    k->p[3] = f->description;
    k->p[4] = f->author;
    k->p[5] = f->reference;
    k->p[6] = f->matched;
    k->p[7] = f->tags;
    k->p[8] = f->meta;
    k->p[9] = f->rule_id;
    k->p[10] = f->rule_level;
    k->p[11] = f->references;
    k->line = f->rule_line;
    k->match_line = f->line;
    k->ntags = f->ntags;
    k->nmeta = f->nmeta;
    k->nreferences = f->nreferences;
    k->score = f->score;
    k->kind = (int)f->kind;
}

/* put_rule through the cache: a Sigma finding's rule strings are the
 * engine's (vigil_finding_set_sigma_rule), the same addresses and bytes for
 * every finding of that rule until the engine goes (finding_lines_forget).
 * Other kinds are rendered each time. */
static int put_rule_cached(finding_lines *fl, json_buf *b, const vigil_finding *f)
{
    if (f->kind != VIGIL_FINDING_SIGMA)
        return put_rule(b, f);
    if (fl->rules == NULL) {
        fl->rules = calloc(RULE_SLOTS, sizeof *fl->rules);
        if (fl->rules == NULL)
            return put_rule(b, f);
    }
    rule_key k;
    rule_key_of(&k, f);
    uint64_t h = ((uint64_t)(uintptr_t)f->rule ^ ((uint64_t)(uintptr_t)f->rule_id << 7)) *
                 0x9e3779b97f4a7c15ull;
    struct finding_rule_slot *s = &fl->rules[h >> (64 - RULE_SLOTS_LOG2)];
    if (s->used && memcmp(&s->key, &k, sizeof k) == 0) {
        json_buf_put(b, s->bytes, s->n);
        return 0;
    }
    size_t at = b->n;
    int rc = put_rule(b, f);
    size_t n = b->n - at;
    if (rc != 0 || b->fail || n > RULE_PART_MAX)
        return rc;
    if (n > s->n || s->bytes == NULL) {
        char *p = realloc(s->bytes, n);
        if (p == NULL)
            return 0; /* not cached */
        s->bytes = p;
    }
    memcpy(s->bytes, b->p + at, n);
    s->n = n;
    memcpy(&s->key, &k, sizeof k);
    s->used = 1;
    return 0;
}

void finding_lines_forget(finding_lines *fl)
{
    if (fl == NULL || fl->rules == NULL)
        return;
    for (size_t i = 0; i < RULE_SLOTS; i++) {
        free(fl->rules[i].bytes);
        fl->rules[i].bytes = NULL;
        fl->rules[i].n = 0;
        fl->rules[i].used = 0;
    }
}

/* ,"strings":[{"id":..,"offset":N,"length":N},...],"strings_total":N */
static void put_yara_strings(json_buf *b, const vigil_finding *f)
{
    put_key(b, "strings");
    json_buf_lit(b, "[");
    for (size_t i = 0; i < f->nstrings; i++) {
        if (i > 0)
            json_buf_lit(b, ",");
        json_buf_lit(b, "{\"id\":");
        json_buf_str(b, f->strings[i].id);
        put_int_member(b, "offset", (long long)f->strings[i].offset);
        put_int_member(b, "length", (long long)f->strings[i].length);
        json_buf_lit(b, "}");
    }
    json_buf_lit(b, "]");
    put_int_member(b, "strings_total", (long long)f->strings_total);
}

/* What follows the rule: the event of a Sigma or correlation finding, the
 * registry value of an IOC or autostart finding of one, the details of an
 * autostart or execution entry. */
static int put_event_parts(finding_lines *fl, json_buf *out, const vigil_finding *f)
{
    const vigil_target_result *r = fl->r;
    int rc = 0;

    if (f->kind == VIGIL_FINDING_SIGMA || f->kind == VIGIL_FINDING_CORRELATION) {
        if (fl->evtime.n > 0)
            json_buf_put(out, fl->evtime.p, fl->evtime.n);
        if (f->kind == VIGIL_FINDING_SIGMA && r->event != NULL) {
            if (fl->event.n > 0)
                json_buf_put(out, fl->event.p, fl->event.n);
            put_key(out, "fields");
            rc = put_fields(out, f->fields, f->nfields);
        }
        if (rc == 0 && f->kind == VIGIL_FINDING_CORRELATION)
            rc = put_correlation(out, f);
        return rc;
    }
    if (r->event != NULL) {
        const vigil_field *target = vigil_event_get(r->event, "TargetObject");
        if (target != NULL && !target->is_null)
            put_str_member(out, "target_object", target->value);
        if (fl->evtime.n > 0)
            json_buf_put(out, fl->evtime.p, fl->evtime.n);
        put_int_member(out, "record_id", (long long)r->record_id);
    }
    if ((f->kind == VIGIL_FINDING_PERSISTENCE || f->kind == VIGIL_FINDING_EXECUTION) &&
        f->nfields > 0) {
        put_key(out, "fields");
        rc = put_fields(out, f->fields, f->nfields);
    }
    return rc;
}

int finding_lines_append(finding_lines *fl, json_buf *out, const vigil_finding *f)
{
    size_t start = out->n;
    int rc;

    if (!fl->ok || out->fail)
        return -1;
    json_buf_put(out, fl->head.p, fl->head.n);
    rc = put_rule_cached(fl, out, f);
    if (rc == 0 && f->kind == VIGIL_FINDING_YARA)
        put_yara_strings(out, f);
    if (rc == 0)
        rc = put_event_parts(fl, out, f);
    json_buf_lit(out, "}\n");
    if (rc != 0 || out->fail) {
        out->n = start;
        out->fail = 0;
        return -1;
    }
    return 0;
}
