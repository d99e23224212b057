/* report_html.c - the HTML report (see report_html.h for why one file).
 *
 * Every string in the data comes from an attacker: file names, event
 * fields, rule text. It reaches the page only as JSON inside
 * <script type="application/json" id="data"> with <, > and & written as
 * \u003c, \u003e, \u0026 (so no "</script>" or "<!--" can end or change the
 * element; U+2028/2029 are \u-escaped as all non-ASCII), and the one inline
 * script (data/report/report.js) puts it in the DOM with textContent only.
 * The Content-Security-Policy allows that script and that style by their
 * SHA-256 and nothing else: no other script, no inline event handler, no
 * load from anywhere (default-src 'none'), no form, no base URL.
 *
 * Findings are rows of a compact array, the strings many findings share
 * (hosts, rules, paths, kinds) interned in one table: 100,000 findings make
 * a file of about their JSONL's size divided by three. */
#include "report_html.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_line.h"
#include "report_merge.h"
#include "report_row.h"
#include "run_info.h"
#include "vigil/vigil.h"

/* data/report/report.js and report.css (xxd -i, see the Makefile) */
/* findings in the "head" element: report.js's first page (PAGE) */
#define REPORT_HTML_HEAD_ROWS 100

extern unsigned char report_js[];
extern unsigned int report_js_len;
extern unsigned char report_css[];
extern unsigned int report_css_len;

static void sha256_b64(const unsigned char *p, size_t n, char out[64])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    out[0] = '\0';
    if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) == 1)
        EVP_EncodeBlock((unsigned char *)out, md, (int)len);
}

const char *report_html_csp(void)
{
    static char csp[400];
    char js[64], css[64];
    if (csp[0])
        return csp;
    sha256_b64(report_js, report_js_len, js);
    sha256_b64(report_css, report_css_len, css);
    if (!js[0] || !css[0])
        return NULL;
    snprintf(csp, sizeof csp,
             "default-src 'none'; script-src 'sha256-%s'; style-src 'sha256-%s'; img-src data:; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
             js, css);
    return csp;
}

/* Interned strings: open addressing over indexes into a growing list. */
typedef struct strtab {
    char **items;
    uint32_t n, cap;
    uint32_t *slots; /* index + 1, 0 empty */
    uint32_t nslots;
    int fail;
} strtab;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int strtab_grow(strtab *t)
{
    uint32_t ns = t->nslots ? t->nslots * 2 : 1024;
    if (ns < t->nslots)
        return -1;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t k = (uint32_t)fnv(t->items[i]) & (ns - 1);
        while (slots[k])
            k = (k + 1) & (ns - 1);
        slots[k] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

/* The index of s in the table, added if new; -1 when memory runs out. */
static long strtab_id(strtab *t, const char *s)
{
    if (t->fail)
        return -1;
    if ((t->n + 1) * 2 > t->nslots && strtab_grow(t) != 0) {
        t->fail = 1;
        return -1;
    }
    uint32_t k = (uint32_t)fnv(s) & (t->nslots - 1);
    while (t->slots[k]) {
        if (strcmp(t->items[t->slots[k] - 1], s) == 0)
            return (long)t->slots[k] - 1;
        k = (k + 1) & (t->nslots - 1);
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 1024;
        char **p = cap > t->cap ? realloc(t->items, cap * sizeof *p) : NULL;
        if (p == NULL) {
            t->fail = 1;
            return -1;
        }
        t->items = p;
        t->cap = cap;
    }
    char *copy = strdup(s);
    if (copy == NULL) {
        t->fail = 1;
        return -1;
    }
    t->items[t->n] = copy;
    t->slots[k] = ++t->n;
    return (long)t->n - 1;
}

static void strtab_free(strtab *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        free(t->items[i]);
    free(t->items);
    free(t->slots);
}

/* JSON text (from json_buf_str or json_dumps) into the page: <, >, & as
 * \u escapes, which only occur inside strings in JSON. */
static void put_safe_json(FILE *out, const char *p, size_t n)
{
    const char *end = p + n, *run = p;
    for (; p < end; p++) {
        const char *esc = *p == '<'   ? "\\u003c"
                          : *p == '>' ? "\\u003e"
                          : *p == '&' ? "\\u0026"
                                      : NULL;
        if (esc == NULL)
            continue;
        fwrite(run, 1, (size_t)(p - run), out);
        fputs(esc, out);
        run = p + 1;
    }
    fwrite(run, 1, (size_t)(end - run), out);
}

static void put_member(FILE *out, const char *key, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    fprintf(out, ",\"%s\":", key);
    if (s != NULL)
        put_safe_json(out, s, strlen(s));
    else
        fputs("null", out);
    free(s);
}

static int html_level_index(const char *level)
{
    static const char *const names[] = {"info", "notice", "warning", "alert"};
    for (int i = 0; i < 4; i++)
        if (strcmp(level, names[i]) == 0)
            return i;
    return 0;
}

/* The references of a finding joined by newlines into b (NUL-terminated). */
static void refs_text(json_buf *b, const json_t *f)
{
    size_t i;
    json_t *r;
    b->n = 0;
    json_array_foreach(json_object_get(f, "references"), i, r)
    {
        if (!json_is_string(r))
            continue;
        if (b->n)
            json_buf_lit(b, "\n");
        json_buf_put(b, json_string_value(r), strlen(json_string_value(r)));
    }
    if (b->n == 0 && *report_str(f, "reference"))
        json_buf_put(b, report_str(f, "reference"), strlen(report_str(f, "reference")));
    json_buf_put(b, "", 1);
    b->n--;
}

/* A decimal number as itself (smaller than as a string), else a string. */
static void number_or_str(json_buf *b, const char *s)
{
    size_t n = strspn(s, "0123456789");
    if (n > 0 && n < 16 && s[n] == '\0' && (s[0] != '0' || n == 1))
        json_buf_put(b, s, n);
    else
        json_buf_str(b, s);
}

/* Details as the ids of their "Name: value" parts: an event's fields repeat
 * across findings (the same Image, ParentImage, User...) and are kept once
 * in the string table; report.js joins them with " ¦ " again. */
static void details_ids(json_buf *b, strtab *tab, const char *details)
{
    static const char sep[] = " \xc2\xa6 ";
    char *copy = strdup(details);
    if (copy == NULL) {
        tab->fail = 1;
        return;
    }
    json_buf_lit(b, "[");
    char *p = copy;
    for (int first = 1; *p || first; first = 0) {
        char *e = strstr(p, sep);
        if (e != NULL)
            *e = '\0';
        if (!first)
            json_buf_lit(b, ",");
        json_buf_int(b, strtab_id(tab, p));
        if (e == NULL)
            break;
        p = e + sizeof sep - 1;
    }
    json_buf_lit(b, "]");
    free(copy);
}

#define ROW_ID(b, tab, str)                                                                        \
    do {                                                                                           \
        json_buf_lit((b), ",");                                                                    \
        json_buf_int((b), strtab_id((tab), (str)));                                                \
    } while (0)

/* One finding as [time, host, level, rule, kind, path, computer, channel,
 * event id, record id, details, rule level, tags, references, score,
 * sha256] (report.js's column indexes). */
static void finding_row(json_buf *b, strtab *tab, const report_row *r, const char *refs)
{
    json_buf_lit(b, "[");
    json_buf_str(b, r->time);
    ROW_ID(b, tab, r->host);
    json_buf_lit(b, ",");
    json_buf_int(b, html_level_index(r->level));
    ROW_ID(b, tab, r->rule);
    ROW_ID(b, tab, r->kind);
    ROW_ID(b, tab, r->path);
    ROW_ID(b, tab, r->computer);
    ROW_ID(b, tab, r->channel);
    json_buf_lit(b, ",");
    number_or_str(b, r->event_id);
    json_buf_lit(b, ",");
    number_or_str(b, r->record_id);
    json_buf_lit(b, ",");
    details_ids(b, tab, r->details.p ? r->details.p : "");
    ROW_ID(b, tab, r->rule_level);
    ROW_ID(b, tab, r->tags.p ? r->tags.p : "");
    ROW_ID(b, tab, refs);
    json_buf_lit(b, ",");
    json_buf_int(b, (int)strtol(r->score, NULL, 10));
    json_buf_lit(b, ",");
    json_buf_str(b, r->sha256);
    json_buf_lit(b, "]");
}

/* The findings from..to as rows, then "strings": their interned table. */
static int put_rows(FILE *out, struct report_set *s, uint64_t from, uint64_t to)
{
    strtab tab = {0};
    report_row row;
    json_buf line = {0}, refs = {0};
    int rc = 0;

    memset(&row, 0, sizeof row);
    fputs(",\"findings\":[", out);
    for (uint64_t i = from; i < to; i++) {
        json_t *f = report_set_finding(s, i);
        if (f == NULL || report_row_fill(&row, f, NULL) != 0) {
            json_decref(f);
            rc = -1;
            break;
        }
        refs_text(&refs, f);
        line.n = 0;
        if (i > from)
            json_buf_lit(&line, ",");
        finding_row(&line, &tab, &row, refs.p ? refs.p : "");
        json_decref(f);
        if (line.fail || refs.fail || tab.fail) {
            rc = -1;
            break;
        }
        put_safe_json(out, line.p, line.n);
    }
    fputs("],\"strings\":[", out);
    for (uint32_t i = 0; i < tab.n && rc == 0; i++) {
        line.n = 0;
        if (i > 0)
            json_buf_lit(&line, ",");
        json_buf_str(&line, tab.items[i]);
        if (line.fail) {
            rc = -1;
            break;
        }
        put_safe_json(out, line.p, line.n);
    }
    fputs("]", out);
    strtab_free(&tab);
    report_row_free(&row);
    json_buf_free(&line);
    json_buf_free(&refs);
    return rc;
}

/* The members both data elements open with. */
static void put_common(FILE *out, struct report_set *s, const char *now)
{
    fprintf(out, "{\"format\":1,\"version\":\"%s\",\"generated\":\"%s\"", vigil_version(), now);
    fprintf(out, ",\"duplicates\":%llu", (unsigned long long)report_set_duplicates(s));
    put_member(out, "runs", report_set_runs(s));
    put_member(out, "summaries", report_set_summaries(s));
}

/* Why two data elements: a browser parses the 15 MB "data" element of
 * 100,000 findings for seconds before a script after it can run. The small
 * "head" (runs, summaries, the total and the first page of findings) comes
 * first and the script right after it, so the first screen is drawn while
 * the rest of the file is still being parsed; at DOMContentLoaded the
 * script draws the whole report again from "data". */
int report_html_write(struct report_set *s, FILE *out)
{
    const char *csp = report_html_csp();
    char now[40];
    int rc = 0;
    uint64_t total = report_set_findings(s);

    if (csp == NULL)
        return -1;
    run_info_time(run_info_now_ms(), now, sizeof now);
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>vigil report</title>\n<style>",
            csp);
    fwrite(report_css, 1, report_css_len, out);
    fputs(
        "</style>\n</head><body>\n<header><h1>vigil report</h1><p id=\"generated\"></p></header>\n"
        "<noscript><p>This report is drawn by its inline script; the data is in the "
        "element with id \"data\".</p></noscript>\n<main id=\"app\"></main>\n"
        "<script type=\"application/json\" id=\"head\">",
        out);
    put_common(out, s, now);
    fprintf(out, ",\"partial\":1,\"total\":%llu", (unsigned long long)total);
    rc |= put_rows(out, s, 0, total < REPORT_HTML_HEAD_ROWS ? total : REPORT_HTML_HEAD_ROWS);
    fputs("}</script>\n<script>", out);
    fwrite(report_js, 1, report_js_len, out);
    fputs("</script>\n<script type=\"application/json\" id=\"data\">", out);
    put_common(out, s, now);
    put_member(out, "others", report_set_others(s));
    rc |= put_rows(out, s, 0, total);
    fputs("}</script>\n</body></html>\n", out);
    return rc != 0 || ferror(out) ? -1 : 0;
}
