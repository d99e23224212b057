/* report_row.c - the columns of a finding (see report_row.h).
 *
 * "Details" follows Hayabusa: "Name: value" pairs joined by " ¦ ". For a
 * Sigma finding they are the event fields the rule matched; for a
 * correlation its group-by values and the count; for a YARA finding its
 * string matches ("$s1@0x40"); for an IOC the value that matched. */
#include "report_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/vigil.h"

#define SEP " \xc2\xa6 " /* " ¦ " */

const char *report_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* An integer or string member as text into buf ("" when absent). */
static void scalar_text(const json_t *o, const char *key, char *buf, size_t cap)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else
        buf[0] = '\0';
}

int64_t report_finding_time(const json_t *finding)
{
    int64_t ms;
    const char *t = report_str(finding, "event_time");
    if (!*t)
        t = report_str(finding, "mtime");
    if (*t && vigil_sigma_parse_time(t, &ms) == 0)
        return ms;
    return REPORT_TIME_UNKNOWN;
}

static void put_s(json_buf *b, const char *s)
{
    json_buf_put(b, s, strlen(s));
}

static void put_pair(json_buf *b, const char *name, const char *value)
{
    if (b->n > 0)
        json_buf_lit(b, SEP);
    put_s(b, name);
    json_buf_lit(b, ": ");
    put_s(b, value);
}

/* name: value of each member of an object of strings (null as "null"). */
static void put_object(json_buf *b, const json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (json_is_string(v)) {
            put_pair(b, k, json_string_value(v));
        } else {
            char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            put_pair(b, k, s ? s : "");
            free(s);
        }
    }
}

static void details(report_row *row, const json_t *f)
{
    json_buf *b = &row->details;
    const char *kind = row->kind;
    char tmp[64];

    if (strcmp(kind, "sigma") == 0) {
        put_object(b, json_object_get(f, "fields"));
    } else if (strcmp(kind, "correlation") == 0) {
        scalar_text(f, "count", tmp, sizeof tmp);
        put_pair(b, "Count", tmp);
        put_object(b, json_object_get(f, "group"));
    } else if (strcmp(kind, "yara") == 0) {
        const json_t *strings = json_object_get(f, "strings");
        size_t i;
        json_t *s;
        json_array_foreach(strings, i, s)
        {
            const json_t *off = json_object_get(s, "offset");
            put_s(b, i ? " " : "Strings: ");
            put_s(b, report_str(s, "id"));
            snprintf(tmp, sizeof tmp, "@0x%llx", (unsigned long long)json_integer_value(off));
            put_s(b, tmp);
        }
        const json_t *total = json_object_get(f, "strings_total");
        if (json_integer_value(total) > (json_int_t)json_array_size(strings)) {
            snprintf(tmp, sizeof tmp, " (+%lld more)",
                     (long long)(json_integer_value(total) - (json_int_t)json_array_size(strings)));
            put_s(b, tmp);
        }
        if (*report_str(f, "description"))
            put_pair(b, "Description", report_str(f, "description"));
    } else {
        if (*report_str(f, "matched"))
            put_pair(b, "Matched", report_str(f, "matched"));
        if (*report_str(f, "description"))
            put_pair(b, "Description", report_str(f, "description"));
    }
    json_buf_put(b, "", 1);
    b->n--; /* NUL-terminated, not counted */
}

int report_row_fill(report_row *row, const json_t *f, const char *host_fallback)
{
    row->details.n = 0;
    row->details.fail = 0;
    row->tags.n = 0;
    row->tags.fail = 0;
    row->time = report_str(f, "event_time");
    if (!*row->time)
        row->time = report_str(f, "mtime");
    row->time_ms = report_finding_time(f);
    row->host = report_str(f, "host");
    if (!*row->host)
        row->host = host_fallback ? host_fallback : "";
    row->computer = report_str(f, "computer");
    if (!*row->computer)
        row->computer = row->host;
    row->channel = report_str(f, "channel");
    scalar_text(f, "event_id", row->event_id, sizeof row->event_id);
    scalar_text(f, "record_id", row->record_id, sizeof row->record_id);
    row->level = report_str(f, "level");
    row->rule_level = report_str(f, "rule_level");
    row->rule = report_str(f, "rule");
    row->kind = report_str(f, "kind");
    row->path = report_str(f, "path");
    row->filetype = report_str(f, "filetype");
    row->md5 = report_str(f, "md5");
    row->sha1 = report_str(f, "sha1");
    row->sha256 = report_str(f, "sha256");
    scalar_text(f, "size", row->size, sizeof row->size);
    scalar_text(f, "score", row->score, sizeof row->score);
    details(row, f);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(f, "tags"), i, t)
    {
        if (!json_is_string(t))
            continue;
        if (row->tags.n)
            json_buf_lit(&row->tags, ",");
        put_s(&row->tags, json_string_value(t));
    }
    json_buf_put(&row->tags, "", 1);
    row->tags.n--;
    return row->details.fail || row->tags.fail ? -1 : 0;
}

void report_row_free(report_row *row)
{
    json_buf_free(&row->details);
    json_buf_free(&row->tags);
}
