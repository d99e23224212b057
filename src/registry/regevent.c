/* regevent.c - a hive's keys and values as the registry events Sysmon logs.
 *
 * Why events: the SigmaHQ registry rules (categories registry_set,
 * registry_add, registry_event) are written against Sysmon events 12/13,
 * so a value found in a hive is handed to the same Sigma matcher as the
 * event Sysmon would have logged when it was set: EventID 13, EventType
 * SetValue, TargetObject key\value, Details rendered as Sysmon does, and
 * the key's last-write time as the event time (the best time a hive keeps;
 * it is the time of the key's latest change, not of this value's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "vigil/finding.h"

static void set(vigil_field *f, const char *name, const char *value)
{
    f->name = name;
    f->name_len = strlen(name);
    f->value = value != NULL ? value : "";
    f->value_len = strlen(f->value);
    f->is_null = 0;
}

/* TimeCreated as ISO-8601 (the shared formatter); UtcTime as Sysmon writes
 * it: "2019-03-19 23:33:51.123". */
static void format_time(int64_t ms, char *iso, size_t icap, char *utc, size_t ucap)
{
    iso[0] = utc[0] = '\0';
    if (ms <= 0)
        return;
    vigil_time_ms_format(ms, iso, icap);
    size_t n = strlen(iso);
    if (n == 0 || n >= ucap)
        return;
    memcpy(utc, iso, n - 1); /* without the 'Z' */
    utc[n - 1] = '\0';
    char *t = strchr(utc, 'T');
    if (t != NULL)
        *t = ' ';
}

void vigil_reg_event_build(vigil_reg_event *re, const vigil_reg_item *it, const char *source,
                           uint64_t record_id)
{
    /* re is output only: every member read below was written first */
    /* cppcheck-suppress ctuuninitvar */
    vigil_field *f = re->fields;
    size_t n = 0;

    format_time(it->time_ms, re->time, sizeof re->time, re->utc, sizeof re->utc);
    snprintf(re->id, sizeof re->id, "%d", it->name != NULL ? 13 : 12);
    set(&f[n++], "EventID", re->id);
    set(&f[n++], "Channel", "Microsoft-Windows-Sysmon/Operational");
    set(&f[n++], "Provider_Name", "Microsoft-Windows-Sysmon");
    if (it->computer != NULL)
        set(&f[n++], "Computer", it->computer);
    if (re->time[0]) {
        set(&f[n++], "TimeCreated", re->time);
        set(&f[n++], "UtcTime", re->utc);
    }
    set(&f[n++], "EventType", it->name != NULL ? "SetValue" : "CreateKey");
    set(&f[n++], "Image", "vigil:registry");
    set(&f[n++], "TargetObject", it->key);
    if (it->name != NULL)
        set(&f[n++], "Details", it->details);
    set(&f[n++], "HiveKey", it->raw_key);
    if (it->name != NULL)
        set(&f[n++], "ValueName", it->name);
    memset(&re->event, 0, sizeof re->event);
    re->event.fields = re->fields;
    re->event.nfields = n;
    re->event.source = source;
    re->event.record_id = record_id;
    re->event.offset = it->offset;
}

typedef struct events_ctx {
    const char *path;
    vigil_event_fn fn;
    void *user;
    uint64_t n;
    char *target; /* TargetObject of a value: key\name */
    size_t cap;
} events_ctx;

static int on_item(const vigil_reg_item *it, void *user)
{
    events_ctx *c = user;
    vigil_reg_event re;
    vigil_reg_item copy = *it;

    if (it->name != NULL) {
        copy.key = vigil_registry_value_target(&c->target, &c->cap, it);
        if (copy.key == NULL)
            return 1;
    }
    vigil_reg_event_build(&re, &copy, c->path, ++c->n);
    return c->fn(&re.event, c->user);
}

const char *vigil_registry_value_target(char **buf, size_t *cap, const vigil_reg_item *it)
{
    const char *name = it->name[0] ? it->name : "(Default)";
    size_t a = strlen(it->key), b = strlen(name);
    if (a + b + 2 > *cap) {
        char *p = realloc(*buf, a + b + 2);
        if (p == NULL)
            return NULL;
        *buf = p;
        *cap = a + b + 2;
    }
    memcpy(*buf, it->key, a);
    (*buf)[a] = '\\';
    memcpy(*buf + a + 1, name, b + 1);
    return *buf;
}

vigil_status vigil_registry_events(const char *path, const void *data, size_t len,
                                   const vigil_diag_sink *diag, vigil_event_fn fn, void *user,
                                   uint64_t *events)
{
    events_ctx c = {path, fn, user, 0, NULL, 0};
    vigil_status st = vigil_registry_walk(path, data, len, diag, on_item, &c, NULL, NULL);
    free(c.target);
    if (events != NULL)
        *events += c.n;
    return st;
}
