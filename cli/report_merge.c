/* report_merge.c - JSONL result files into one labelled, de-duplicated,
 * time-sorted set (see report_merge.h for the spool's why).
 *
 * Labels: a finding keeps the "host" and "scan_id" it has (a file merged
 * before); else it gets those of the last "run" record read before it in
 * the same file; a file without one (vigil before the run record) lends
 * its base name (without .jsonl) as the host, which is how fleets name
 * their result files. Two findings are the same when their objects are
 * equal but for scan_id: the same finding of two runs of one host, or one
 * file given twice. */
#include "report_merge.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output_csv.h"
#include "report_html.h"
#include "report_row.h"
#include "text_escape.h"
#include "vigil/vigil.h"

/* Records of other types (quarantine, skipped, ...) kept for the report. */
#define MAX_OTHERS 100000

typedef struct entry {
    int64_t time_ms;
    uint64_t seq; /* reading order */
    off_t offset;
    uint32_t len;
    unsigned char digest[16];
} entry;

struct report_set {
    FILE *spool;
    off_t spool_end;
    int spool_dirty; /* written through stdio since the last flush */
    int keep_duplicates;
    entry *entries;
    uint64_t n, cap;
    uint64_t duplicates, bad_lines, dropped_others;
    json_t *runs, *summaries, *others;
};

report_set *report_set_create(void)
{
    report_set *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->spool = tmpfile();
    s->runs = json_array();
    s->summaries = json_array();
    s->others = json_array();
    if (s->spool == NULL || !s->runs || !s->summaries || !s->others) {
        report_set_destroy(s);
        return NULL;
    }
    return s;
}

void report_set_destroy(report_set *s)
{
    if (s == NULL)
        return;
    if (s->spool)
        fclose(s->spool);
    free(s->entries);
    json_decref(s->runs);
    json_decref(s->summaries);
    json_decref(s->others);
    free(s);
}

uint64_t report_set_findings(const report_set *s)
{
    return s->n;
}
uint64_t report_set_duplicates(const report_set *s)
{
    return s->duplicates;
}
uint64_t report_set_bad_lines(const report_set *s)
{
    return s->bad_lines;
}
json_t *report_set_runs(const report_set *s)
{
    return s->runs;
}
json_t *report_set_summaries(const report_set *s)
{
    return s->summaries;
}
json_t *report_set_others(const report_set *s)
{
    return s->others;
}

/* Whether arr already holds a record with this scan_id (a file given twice). */
static int has_scan(const json_t *arr, const char *scan_id)
{
    size_t i;
    json_t *o;
    if (!*scan_id)
        return 0;
    json_array_foreach(arr, i, o)
    {
        if (strcmp(report_str(o, "scan_id"), scan_id) == 0)
            return 1;
    }
    return 0;
}

static void set_if_missing(json_t *o, const char *key, const char *value)
{
    if (value != NULL && *value && json_object_get(o, key) == NULL)
        json_object_set_new(o, key, json_string(value));
}

/* The digest of a finding without its scan_id. */
static int finding_digest(json_t *f, unsigned char out[16])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    json_t *scan = json_incref(json_object_get(f, "scan_id"));
    if (scan)
        json_object_del(f, "scan_id");
    char *key = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (scan)
        json_object_set_new(f, "scan_id", scan);
    if (key == NULL)
        return -1;
    int ok = EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) == 1;
    free(key);
    if (!ok)
        return -1;
    memcpy(out, md, 16);
    return 0;
}

static int add_finding(report_set *s, json_t *f)
{
    entry e;
    memset(&e, 0, sizeof e);
    if (!s->keep_duplicates && finding_digest(f, e.digest) != 0)
        return -1;
    char *line = json_dumps(f, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (line == NULL)
        return -1;
    size_t len = strlen(line);
    if (len > UINT32_MAX - 1 || fseeko(s->spool, s->spool_end, SEEK_SET) != 0 ||
        fwrite(line, 1, len, s->spool) != len || fputc('\n', s->spool) == EOF) {
        free(line);
        return -1;
    }
    free(line);
    if (s->n == s->cap) {
        uint64_t cap = s->cap ? s->cap * 2 : 1024;
        if (cap > SIZE_MAX / sizeof(entry))
            return -1;
        entry *p = realloc(s->entries, (size_t)cap * sizeof *p);
        if (p == NULL)
            return -1;
        s->entries = p;
        s->cap = cap;
    }
    e.time_ms = report_finding_time(f);
    e.seq = s->n;
    e.offset = s->spool_end;
    e.len = (uint32_t)len;
    s->spool_end += (off_t)len + 1;
    s->spool_dirty = 1;
    s->entries[s->n++] = e;
    return 0;
}

/* The host a file without run record lends: its base name without .jsonl. */
static void file_host(const char *name, char *buf, size_t cap)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    snprintf(buf, cap, "%s", b);
    static const char *const exts[] = {".jsonl", ".json", ".ndjson"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t n = strlen(buf), k = strlen(exts[i]);
        if (n > k && strcmp(buf + n - k, exts[i]) == 0) {
            buf[n - k] = '\0';
            break;
        }
    }
}

int report_set_read(report_set *s, FILE *fp, const char *name)
{
    char *line = NULL, host[256] = "", scan_id[64] = "", fallback[256];
    size_t cap = 0;
    ssize_t got;
    unsigned long long lineno = 0;
    int rc = 0;

    file_host(name, fallback, sizeof fallback);
    while ((got = getline(&line, &cap, fp)) != -1) {
        json_error_t err;
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (got == 0)
            continue;
        json_t *o = json_loadb(line, (size_t)got, JSON_REJECT_DUPLICATES, &err);
        if (!json_is_object(o)) {
            /* jansson's error text quotes the line's bytes */
            text_escape_say(stderr, "vigil report: ", name, ":%llu: not a JSON object (", lineno);
            text_escape_say(stderr, "", o ? "another JSON value" : err.text, "): skipped\n");
            s->bad_lines++;
            json_decref(o);
            continue;
        }
        const char *type = report_str(o, "type");
        if (strcmp(type, "run") == 0) {
            snprintf(host, sizeof host, "%s", report_str(o, "host"));
            snprintf(scan_id, sizeof scan_id, "%s", report_str(o, "scan_id"));
            if (!has_scan(s->runs, scan_id))
                json_array_append(s->runs, o);
        } else if (strcmp(type, "summary") == 0) {
            set_if_missing(o, "host", host[0] ? host : fallback);
            set_if_missing(o, "scan_id", scan_id);
            if (!has_scan(s->summaries, report_str(o, "scan_id")))
                json_array_append(s->summaries, o);
        } else if (strcmp(type, "finding") == 0 || strcmp(type, "log_hit") == 0 ||
                   strcmp(type, "connection") == 0) {
            set_if_missing(o, "host", host[0] ? host : fallback);
            set_if_missing(o, "scan_id", scan_id);
            if (add_finding(s, o) != 0) {
                fprintf(stderr,
                        "vigil report: %s:%llu: cannot keep the finding (out of memory "
                        "or temporary space)\n",
                        name, lineno);
                json_decref(o);
                rc = -1;
                break;
            }
        } else if (json_array_size(s->others) < MAX_OTHERS) {
            set_if_missing(o, "host", host[0] ? host : fallback);
            json_array_append(s->others, o);
        } else {
            s->dropped_others++;
        }
        json_decref(o);
    }
    if (ferror(fp)) {
        text_escape_say(stderr, "vigil report: cannot read ", name, "\n");
        rc = -1;
    }
    free(line);
    return rc;
}

static int by_digest(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = memcmp(x->digest, y->digest, sizeof x->digest);
    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_seq(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_time(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->time_ms != y->time_ms)
        return x->time_ms < y->time_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void report_set_keep_duplicates(report_set *s)
{
    s->keep_duplicates = 1;
}

void report_set_dedup(report_set *s)
{
    if (s->n < 2 || s->keep_duplicates)
        return;
    qsort(s->entries, (size_t)s->n, sizeof *s->entries, by_digest);
    uint64_t o = 1;
    for (uint64_t i = 1; i < s->n; i++) {
        if (memcmp(s->entries[i].digest, s->entries[o - 1].digest, 16) == 0)
            s->duplicates++;
        else
            s->entries[o++] = s->entries[i];
    }
    s->n = o;
    qsort(s->entries, (size_t)s->n, sizeof *s->entries, by_seq);
}

void report_set_sort(report_set *s)
{
    if (s->n > 1)
        qsort(s->entries, (size_t)s->n, sizeof *s->entries, by_time);
}

json_t *report_set_finding(report_set *s, uint64_t i)
{
    if (i >= s->n)
        return NULL;
    const entry *e = &s->entries[i];
    if (s->spool_dirty) {
        if (fflush(s->spool) != 0)
            return NULL;
        s->spool_dirty = 0;
    }
    char stackbuf[8192];
    char *buf = e->len < sizeof stackbuf ? stackbuf : malloc((size_t)e->len + 1);
    if (buf == NULL)
        return NULL;
    json_t *o = NULL;
    if (pread(fileno(s->spool), buf, e->len, e->offset) == (ssize_t)e->len)
        o = json_loadb(buf, e->len, 0, NULL);
    if (buf != stackbuf)
        free(buf);
    return o;
}

/* Per host: findings by level, first and last time. Hosts are few (a
 * fleet's hundreds), looked up linearly from the last one found. */
typedef struct host_tally {
    char *host;
    uint64_t findings, by_level[4];
    int64_t first, last;
} host_tally;

static int level_index(const char *level)
{
    static const char *const names[] = {"info", "notice", "warning", "alert"};
    for (int i = 0; i < 4; i++)
        if (strcmp(level, names[i]) == 0)
            return i;
    return 0;
}

static host_tally *tally_get(host_tally **hs, size_t *n, size_t *last, const char *host)
{
    if (*n > 0 && strcmp((*hs)[*last].host, host) == 0)
        return &(*hs)[*last];
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*hs)[i].host, host) == 0) {
            *last = i;
            return &(*hs)[i];
        }
    }
    host_tally *p = realloc(*hs, (*n + 1) * sizeof *p);
    if (p == NULL)
        return NULL;
    *hs = p;
    memset(&p[*n], 0, sizeof p[*n]);
    p[*n].host = strdup(host);
    if (p[*n].host == NULL)
        return NULL;
    p[*n].first = REPORT_TIME_UNKNOWN;
    p[*n].last = INT64_MIN;
    *last = (*n)++;
    return &p[*last];
}

static void put_time(json_t *o, const char *key, int64_t ms)
{
    char t[40];
    if (ms == REPORT_TIME_UNKNOWN || ms == INT64_MIN)
        return;
    vigil_time_ms_format(ms, t, sizeof t);
    if (t[0])
        json_object_set_new(o, key, json_string(t));
}

static json_t *host_summary(const report_set *s, const host_tally *h)
{
    static const char *const names[] = {"info", "notice", "warning", "alert"};
    static const char *const sums[] = {"files",      "archive_members", "bytes",    "event_logs",
                                       "events",     "errors",          "warnings", "skipped",
                                       "unreadable", "oversized"};
    json_t *o = json_object(), *lv = json_object(), *scans = json_array();
    size_t i;
    json_t *r;
    json_object_set_new(o, "type", json_string("host_summary"));
    json_object_set_new(o, "host", json_string(h->host));
    json_object_set_new(o, "findings", json_integer((json_int_t)h->findings));
    for (int l = 0; l < 4; l++)
        json_object_set_new(lv, names[l], json_integer((json_int_t)h->by_level[l]));
    json_object_set_new(o, "findings_by_level", lv);
    put_time(o, "first_time", h->first);
    put_time(o, "last_time", h->last);
    json_int_t totals[sizeof sums / sizeof sums[0]] = {0};
    json_array_foreach(s->summaries, i, r)
    {
        if (strcmp(report_str(r, "host"), h->host) != 0)
            continue;
        if (*report_str(r, "scan_id"))
            json_array_append_new(scans, json_string(report_str(r, "scan_id")));
        for (size_t k = 0; k < sizeof sums / sizeof sums[0]; k++)
            totals[k] += json_integer_value(json_object_get(r, sums[k]));
    }
    json_object_set_new(o, "scan_ids", scans);
    for (size_t k = 0; k < sizeof sums / sizeof sums[0]; k++)
        json_object_set_new(o, sums[k], json_integer(totals[k]));
    return o;
}

static int put_line(FILE *out, json_t *o)
{
    char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    int rc = line != NULL && fputs(line, out) >= 0 && fputc('\n', out) != EOF ? 0 : -1;
    free(line);
    return rc;
}

static int write_jsonl_csv(report_set *s, report_format format, FILE *out)
{
    host_tally *hs = NULL;
    size_t nh = 0, last = 0;
    report_row row;
    json_buf line = {0};
    size_t i;
    json_t *o;
    int rc = 0;

    memset(&row, 0, sizeof row);
    /* every host a run or summary names, findings or not, in reading order */
    json_array_foreach(s->runs, i, o) if (tally_get(&hs, &nh, &last, report_str(o, "host")) == NULL)
        rc = -1;
    json_array_foreach(s->summaries, i,
                       o) if (tally_get(&hs, &nh, &last, report_str(o, "host")) == NULL) rc = -1;
    if (format == REPORT_CSV)
        fputs(csv_header, out);
    else
        json_array_foreach(s->runs, i, o) rc |= put_line(out, o);
    for (uint64_t k = 0; k < s->n && rc == 0; k++) {
        json_t *f = report_set_finding(s, k);
        if (f == NULL) {
            rc = -1;
            break;
        }
        host_tally *h = tally_get(&hs, &nh, &last, report_str(f, "host"));
        if (h == NULL) {
            json_decref(f);
            rc = -1;
            break;
        }
        h->findings++;
        h->by_level[level_index(report_str(f, "level"))]++;
        int64_t t = s->entries[k].time_ms;
        if (t != REPORT_TIME_UNKNOWN) {
            h->first = t < h->first ? t : h->first;
            h->last = t > h->last ? t : h->last;
        }
        if (format == REPORT_CSV)
            rc = csv_write_finding(out, &row, &line, f, NULL);
        else
            rc = put_line(out, f);
        json_decref(f);
    }
    if (format == REPORT_JSONL && rc == 0) {
        json_array_foreach(s->summaries, i, o) rc |= put_line(out, o);
        json_array_foreach(s->others, i, o) rc |= put_line(out, o);
        for (size_t k = 0; k < nh; k++) {
            json_t *hsum = host_summary(s, &hs[k]);
            rc |= put_line(out, hsum);
            json_decref(hsum);
        }
    }
    for (size_t k = 0; k < nh; k++)
        free(hs[k].host);
    free(hs);
    report_row_free(&row);
    json_buf_free(&line);
    return rc != 0 || ferror(out) ? -1 : 0;
}

int report_set_write(report_set *s, report_format format, FILE *out)
{
    if (format == REPORT_HTML)
        return report_html_write(s, out);
    return write_jsonl_csv(s, format, out);
}
