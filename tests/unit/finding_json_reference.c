/* finding_json_reference.c - the jansson serialiser of a finding, kept
 * only as the reference the tests and the benchmark hold cli/finding_line.c
 * to: what json_dumps(ref_finding_json(r, f), JSON_COMPACT |
 * JSON_ENSURE_ASCII) writes is what the JSONL line of the finding must be.
 *
 * Why keep it: jansson builds the object key by key with its own escaping
 * and UTF-8 rules (out_jstr repairs invalid UTF-8 as U+FFFD; a key jansson
 * refuses is dropped, the first of equal keys wins), so it states the
 * format independently of the fast writer. The command itself has one
 * serialiser of findings, finding_line.c. Include it after the cli files
 * that define out_jstr and out_iso_time (output_json.c, finding_line.c). */
#include <jansson.h>
#include <stdlib.h>

#include "vigil/vigil.h"

static const char *ref_event_value(const vigil_event *ev, const char *name)
{
    const vigil_field *f = vigil_event_get(ev, name);
    return f != NULL && !f->is_null ? f->value : NULL;
}

static json_t *ref_fields_json(const vigil_field *fields, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < n; i++) {
        /* a repeated name keeps its first value */
        if (fields[i].name != NULL && json_object_get(o, fields[i].name) == NULL)
            json_object_set_new(o, fields[i].name,
                                fields[i].is_null ? json_null() : out_jstr(fields[i].value));
    }
    return o;
}

/* The event and Sigma fields of a sigma or correlation finding. */
static void ref_event_json(json_t *o, const vigil_target_result *r, const vigil_finding *f)
{
    char t[40];

    if (f->rule_id)
        json_object_set_new(o, "rule_id", out_jstr(f->rule_id));
    if (f->rule_level)
        json_object_set_new(o, "rule_level", out_jstr(f->rule_level));
    if (f->nreferences) {
        json_t *refs = json_array();
        for (size_t i = 0; i < f->nreferences; i++)
            json_array_append_new(refs, out_jstr(f->references[i]));
        json_object_set_new(o, "references", refs);
    }
    if (r->event_time)
        json_object_set_new(o, "event_time", out_jstr(r->event_time));
    if (f->kind == VIGIL_FINDING_SIGMA && r->event != NULL) {
        const char *v;
        if ((v = ref_event_value(r->event, "Computer")) != NULL)
            json_object_set_new(o, "computer", out_jstr(v));
        if ((v = ref_event_value(r->event, "Channel")) != NULL)
            json_object_set_new(o, "channel", out_jstr(v));
        if ((v = ref_event_value(r->event, "EventID")) != NULL) {
            char *end;
            long long id = strtoll(v, &end, 10);
            json_object_set_new(o, "event_id", *v && !*end ? json_integer(id) : out_jstr(v));
        }
        json_object_set_new(o, "record_id", json_integer((json_int_t)r->record_id));
        json_object_set_new(o, "fields", ref_fields_json(f->fields, f->nfields));
    }
    if (f->kind == VIGIL_FINDING_CORRELATION) {
        json_t *evs = json_array();
        json_object_set_new(o, "count", json_integer((json_int_t)f->count));
        if (f->has_value)
            json_object_set_new(o, "value", json_real(f->value));
        json_object_set_new(o, "group", ref_fields_json(f->fields, f->nfields));
        for (size_t i = 0; i < f->nevents; i++) {
            json_t *e = json_object();
            const vigil_finding_event *fe = &f->events[i];
            json_object_set_new(e, "path", out_jstr(fe->source ? fe->source : ""));
            json_object_set_new(e, "record_id", json_integer((json_int_t)fe->record_id));
            vigil_time_ms_format(fe->time_ms, t, sizeof t);
            if (t[0])
                json_object_set_new(e, "event_time", json_string(t));
            if (fe->rule)
                json_object_set_new(e, "rule", out_jstr(fe->rule));
            if (fe->rule_id)
                json_object_set_new(e, "rule_id", out_jstr(fe->rule_id));
            json_array_append_new(evs, e);
        }
        json_object_set_new(o, "events", evs);
    }
}

static json_t *ref_finding_json(const vigil_target_result *r, const vigil_finding *f)
{
    json_t *o = json_object();
    char mt[32];
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "type", json_string("finding"));
    json_object_set_new(o, "path", out_jstr(r->path));
    json_object_set_new(o, "size", json_integer((json_int_t)r->size));
    json_object_set_new(o, "filetype", out_jstr(r->filetype ? r->filetype : ""));
    if (r->mtime != 0) {
        out_iso_time(r->mtime, mt, sizeof mt);
        json_object_set_new(o, "mtime", json_string(mt));
    }
    json_object_set_new(o, "md5", out_jstr(r->md5));
    json_object_set_new(o, "sha1", out_jstr(r->sha1));
    json_object_set_new(o, "sha256", out_jstr(r->sha256));
    json_object_set_new(o, "file_score", json_integer(r->score));
    json_object_set_new(o, "level", json_string(vigil_level_name(r->level)));
    json_object_set_new(o, "kind", json_string(vigil_finding_kind_name(f->kind)));
    json_object_set_new(o, "rule", out_jstr(f->rule));
    if (f->ns)
        json_object_set_new(o, "namespace", out_jstr(f->ns));
    if (f->rule_source)
        json_object_set_new(o, "rule_source", out_jstr(f->rule_source));
    if (f->rule_line)
        json_object_set_new(o, "rule_line", json_integer((json_int_t)f->rule_line));
    json_object_set_new(o, "score", json_integer(f->score));
    if (f->description)
        json_object_set_new(o, "description", out_jstr(f->description));
    if (f->author)
        json_object_set_new(o, "author", out_jstr(f->author));
    if (f->reference)
        json_object_set_new(o, "reference", out_jstr(f->reference));
    if (f->matched)
        json_object_set_new(o, "matched", out_jstr(f->matched));
    if (f->line)
        json_object_set_new(o, "line", json_integer((json_int_t)f->line));
    if (f->ntags) {
        json_t *tags = json_array();
        for (size_t i = 0; i < f->ntags; i++)
            json_array_append_new(tags, out_jstr(f->tags[i]));
        json_object_set_new(o, "tags", tags);
    }
    if (f->nmeta) {
        json_t *meta = json_object();
        for (size_t i = 0; i < f->nmeta; i++) {
            /* a repeated key keeps its first value, as yara -m shows it first */
            if (f->meta[i].key != NULL && json_object_get(meta, f->meta[i].key) == NULL)
                json_object_set_new(meta, f->meta[i].key, out_jstr(f->meta[i].value));
        }
        json_object_set_new(o, "meta", meta);
    }
    if (f->kind == VIGIL_FINDING_YARA) {
        json_t *strings = json_array();
        for (size_t i = 0; i < f->nstrings; i++) {
            json_t *s = json_object();
            json_object_set_new(s, "id", out_jstr(f->strings[i].id));
            json_object_set_new(s, "offset", json_integer((json_int_t)f->strings[i].offset));
            json_object_set_new(s, "length", json_integer((json_int_t)f->strings[i].length));
            json_array_append_new(strings, s);
        }
        json_object_set_new(o, "strings", strings);
        json_object_set_new(o, "strings_total", json_integer((json_int_t)f->strings_total));
    }
    if (f->kind == VIGIL_FINDING_SIGMA || f->kind == VIGIL_FINDING_CORRELATION) {
        ref_event_json(o, r, f);
    } else if (r->event != NULL) { /* an IOC or autostart finding of a registry value */
        const char *v = ref_event_value(r->event, "TargetObject");
        if (v != NULL)
            json_object_set_new(o, "target_object", out_jstr(v));
        if (r->event_time)
            json_object_set_new(o, "event_time", out_jstr(r->event_time));
        json_object_set_new(o, "record_id", json_integer((json_int_t)r->record_id));
    }
    if ((f->kind == VIGIL_FINDING_PERSISTENCE || f->kind == VIGIL_FINDING_EXECUTION) &&
        f->nfields > 0)
        json_object_set_new(o, "fields", ref_fields_json(f->fields, f->nfields));
    return o;
}
