/* output.c - text and JSON Lines renderers for results, diagnostics,
 * progress and the closing summary.
 *
 * JSON lines of findings are written by finding_line.c; finding_json here
 * (jansson) defines their bytes (test_finding_line compares the two), is
 * the fallback for what finding_line.c refuses (objects of more than 64
 * members, out of memory) and gives the CSV and HTML reports their json_t.
 * Every string is escaped, even hostile file names (invalid UTF-8 is
 * replaced, never passed through).
 * Field names are documented in docs/output.md and are part of the
 * interface: add fields, never rename them. */
#include "output.h"
#include "finding_line.h"
#include "output_csv.h"
#include "output_net.h"
#include "outstream.h"
#include "progress_estimate.h"
#include "run_info.h"
#include "text_escape.h"
#include "text_summary.h"

#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[1;33m"
#define C_CYAN "\033[36m"

/* Flushing each result costs a write(2) per result: per matching event in a
 * sweep of event logs, ~10,000 in the benchmark's. It is what a consumer
 * watching live needs (a person at a terminal, `| jq` or `| tee` on a live
 * host), so a terminal, a pipe or a socket still gets every result at once.
 * A regular file or /dev/null is not read line by line while the sweep
 * writes it: there results go through a 64 KiB stdio buffer (writes of the
 * default 4 KiB cost the benchmark's sweep 35 ms of its ~1 s, 64 KiB ones
 * 15 ms), flushed at the latest about a second after the last flush once a
 * result comes (so `tail -f` sees no long gaps while findings come), before
 * a diagnostic goes to stderr (a file given both never gets a diagnostic in
 * the middle of a line) and by the summary. A stream fstat cannot tell
 * (fmemopen in tests) is treated as live. */
#define FLUSH_MS 1000

/* The buffer of the first stream that is not live: static, as stdout is
 * flushed by exit, after out_free; one per process is enough. */
static char file_buf[1 << 16];
static atomic_flag file_buf_taken = ATOMIC_FLAG_INIT;

static int watched_live(FILE *fp)
{
    struct stat st;
    int fd = fileno(fp);

    if (fd < 0 || fstat(fd, &st) != 0)
        return 1;
    return isatty(fd) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void out_init(out_writer *w, FILE *fp, out_format format)
{
    memset(w, 0, sizeof *w);
    w->fp = fp;
    w->format = format;
    w->flush_each = watched_live(fp);
    w->last_flush = now_ms();
    /* before anything is written to fp: every command calls out_init first */
    if (!w->flush_each && !atomic_flag_test_and_set(&file_buf_taken))
        setvbuf(fp, file_buf, _IOFBF, sizeof file_buf);
    if (format == OUT_TEXT)
        w->tally = text_tally_create(); /* NULL: no tables, the rest works */
    pthread_mutex_init(&w->lock, NULL);
}

void out_free(out_writer *w)
{
    json_buf_free(&w->lines);
    finding_lines_free(&w->findings);
    if (w->csv_row != NULL)
        report_row_free(w->csv_row);
    free(w->csv_row);
    json_buf_free(&w->csv_line);
    text_tally_destroy(w->tally);
    pthread_mutex_destroy(&w->lock);
}

/* After a result: see FLUSH_MS. */
static void flush_result(out_writer *w)
{
    if (w->flush_each) {
        fflush(w->fp);
        return;
    }
    int64_t t = now_ms();
    if (t - w->last_flush >= FLUSH_MS) {
        fflush(w->fp);
        w->last_flush = t;
    }
}

void out_human_bytes(double bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 4) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%.0f %s", bytes, units[u]);
    else
        snprintf(buf, cap, "%.1f %s", bytes, units[u]);
}

/* Valid UTF-8 copy of s[0..n) (invalid bytes become U+FFFD; a NUL is kept,
 * written \u0000), for JSON. */
static json_t *jstrn(const char *s, size_t n)
{
    if (s == NULL)
        return json_null();
    json_t *j = json_stringn(s, n);
    if (j != NULL)
        return j;
    char *fixed = malloc(n * 3 + 1);
    if (fixed == NULL)
        return json_null();
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = 0;
        unsigned char c = p[i];
        if (c < 0x80)
            len = 1;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            len = 2;
        else if ((c & 0xf0) == 0xe0)
            len = 3;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            len = 4;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && len > 1 && !json_utf8_valid((const char *)p + i, len))
            ok = 0; /* overlong or surrogate: jansson's check (json_stringn's, which leaked) */
        if (ok) {
            /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): json_stringn takes a length */
            memcpy(fixed + o, p + i, len);
            o += len;
            i += len;
        } else {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(fixed, o);
    free(fixed);
    return j ? j : json_null();
}

/* The same for a C string. */
static json_t *jstr(const char *s)
{
    return s == NULL ? json_null() : jstrn(s, strlen(s));
}

static void clear_progress_locked(out_writer *w)
{
    if (w->progress_shown) {
        fputs("\r\033[K", stderr);
        w->progress_shown = 0;
    }
}

void out_progress_clear_locked(out_writer *w)
{
    clear_progress_locked(w);
}

void out_progress_clear(out_writer *w)
{
    pthread_mutex_lock(&w->lock);
    clear_progress_locked(w);
    pthread_mutex_unlock(&w->lock);
}

/* Whole JSON lines, n bytes. A stream that is not watched live is written
 * a buffer at a time (FLUSH_MS); stdio would cut that write wherever the
 * buffer fills, and a sweep killed (or a disk filled) after it would leave
 * half a line. So the buffer is flushed before lines that do not fit in
 * what is left of it, and lines bigger than the whole buffer go out at once:
 * every write(2) ends on a line boundary. */
static void put_lines(out_writer *w, const char *p, size_t n)
{
    if (w->flush_each) {
        fwrite(p, 1, n, w->fp);
        return;
    }
    size_t cap = __fbufsize(w->fp), pending = __fpending(w->fp);
    if (cap == 0)
        cap = 4096; /* not allocated yet: glibc's smallest */
    if (pending > 0 && pending + n > cap)
        fflush(w->fp);
    fwrite(p, 1, n, w->fp);
    if (n >= cap)
        fflush(w->fp);
}

static void put_json_line(out_writer *w, json_t *o)
{
    char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (line != NULL) {
        size_t n = strlen(line);
        line[n] = '\n'; /* replaces the terminator: put_lines takes a length */
        put_lines(w, line, n + 1);
        free(line);
    }
}

static const char *event_value(const vigil_event *ev, const char *name)
{
    const vigil_field *f = vigil_event_get(ev, name);
    return f != NULL && !f->is_null ? f->value : NULL;
}

static const char *level_color(vigil_level l)
{
    switch (l) {
    case VIGIL_LEVEL_ALERT:
        return C_RED;
    case VIGIL_LEVEL_WARNING:
        return C_YELLOW;
    case VIGIL_LEVEL_NOTICE:
        return C_CYAN;
    default:
        return C_DIM;
    }
}

static void upper_level(vigil_level l, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", vigil_level_name(l));
    for (char *p = buf; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
}

/* One line per matching event: where, when, which host/channel/event, which rules. */
static void text_event(out_writer *w, const vigil_target_result *r)
{
    FILE *fp = w->fp;
    const char *lc = w->color ? level_color(r->level) : "";
    const char *b = w->color ? C_BOLD : "", *z = w->color ? C_RESET : "";
    const char *computer = event_value(r->event, "Computer");
    const char *channel = event_value(r->event, "Channel");
    const char *eid = event_value(r->event, "EventID");
    char level[16];

    upper_level(r->level, level, sizeof level);
    fprintf(fp, "%s%-7s%s score %3d  ", lc, level, z, r->score);
    text_escape_puts(fp, r->path);
    fprintf(fp, "#%llu  ", (unsigned long long)r->record_id);
    text_escape_puts_or(fp, r->event_time, "-");
    fputs("  ", fp);
    text_escape_puts_or(fp, computer, "-");
    fputs("  ", fp);
    text_escape_puts_or(fp, channel, "-");
    fputc('/', fp);
    text_escape_puts_or(fp, eid, "-");
    fputs("  ", fp);
    const char *hive_key = event_value(r->event, "HiveKey"); /* a registry hive's value */
    const char *target = hive_key != NULL ? event_value(r->event, "TargetObject") : NULL;
    if (target != NULL) {
        text_escape_puts(fp, target);
        fputs("  ", fp);
    }
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        fprintf(fp, "%s%s", i ? "; " : "", b);
        text_escape_puts_or(fp, f->rule, "?");
        fprintf(fp, "%s [", z);
        if (f->kind == VIGIL_FINDING_SIGMA || f->kind == VIGIL_FINDING_CORRELATION) {
            text_escape_puts_or(fp, f->rule_level, "-");
        } else { /* an IOC or autostart finding: its kind and what it names */
            fputs(vigil_finding_kind_name(f->kind), fp);
            if (f->matched != NULL) {
                fputs(": ", fp);
                text_escape_puts(fp, f->matched);
            }
        }
        fputc(']', fp);
    }
    text_event_details(fp, r);
    fputc('\n', fp);
}

/* A correlation: one line, then one per grouped event. */
static void text_correlation(out_writer *w, const vigil_target_result *r)
{
    FILE *fp = w->fp;
    const char *lc = w->color ? level_color(r->level) : "";
    const char *b = w->color ? C_BOLD : "", *d = w->color ? C_DIM : "";
    const char *z = w->color ? C_RESET : "";
    char level[16], t[40];

    upper_level(r->level, level, sizeof level);
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        fprintf(fp, "%s%-7s%s score %3d  correlation %s", lc, level, z, r->score, b);
        text_escape_puts_or(fp, f->rule, "?");
        fprintf(fp, "%s [", z);
        text_escape_puts_or(fp, f->rule_level, "-");
        fprintf(fp, "]  count %llu", (unsigned long long)f->count);
        if (f->has_value)
            fprintf(fp, "  value %g", f->value);
        for (size_t k = 0; k < f->nfields; k++) {
            fputs("  ", fp);
            text_escape_puts(fp, f->fields[k].name);
            fputc('=', fp);
            text_escape_puts(fp, f->fields[k].is_null ? "null" : f->fields[k].value);
        }
        fputc('\n', fp);
        for (size_t k = 0; k < f->nevents; k++) {
            vigil_time_ms_format(f->events[k].time_ms, t, sizeof t);
            fprintf(fp, "        %s", d);
            text_escape_puts_or(fp, f->events[k].source, "-");
            fprintf(fp, "#%llu  %s  ", (unsigned long long)f->events[k].record_id, t[0] ? t : "-");
            text_escape_puts(fp, f->events[k].rule);
            fprintf(fp, "%s\n", z);
        }
    }
}

/* An autostart or execution entry: what it starts, then its details. */
static void text_entry(FILE *fp, const vigil_finding *f, const char *d, const char *z)
{
    if (f->matched) {
        fputs("                 runs ", fp);
        text_escape_puts(fp, f->matched);
        fputc('\n', fp);
    }
    fprintf(fp, "                 %s", d);
    for (size_t k = 0, shown = 0; k < f->nmeta; k++) {
        if (strcmp(f->meta[k].key, "target") == 0 || strcmp(f->meta[k].key, "command") == 0)
            continue; /* the "runs" line */
        fputs(shown++ ? "  " : "", fp);
        text_escape_puts(fp, f->meta[k].key);
        fputc('=', fp);
        text_escape_puts(fp, f->meta[k].value);
    }
    fprintf(fp, "%s\n", z);
}

static void text_result(out_writer *w, const vigil_target_result *r)
{
    FILE *fp = w->fp;
    const char *lc = w->color ? level_color(r->level) : "";
    const char *b = w->color ? C_BOLD : "", *d = w->color ? C_DIM : "";
    const char *z = w->color ? C_RESET : "";
    char size[32];
    char level[16];

    snprintf(level, sizeof level, "%s", vigil_level_name(r->level));
    for (char *p = level; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    out_human_bytes((double)r->size, size, sizeof size);
    fprintf(fp, "%s%-7s%s score %3d  %s", lc, level, z, r->score, b);
    text_escape_puts(fp, r->path);
    fprintf(fp, "%s\n        %stype ", z, d);
    text_escape_puts_or(fp, r->filetype, "-");
    fprintf(fp, "  size %s  md5 %s  sha1 %s  sha256 %s%s\n", size, r->md5 ? r->md5 : "-",
            r->sha1 ? r->sha1 : "-", r->sha256 ? r->sha256 : "-", z);
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        fprintf(fp, "        %-8s %s", vigil_finding_kind_name(f->kind), b);
        text_escape_puts_or(fp, f->rule, "?");
        fprintf(fp, "%s  score %d", z, f->score);
        if (f->rule_source) {
            fprintf(fp, "  %s(", d);
            text_escape_puts(fp, f->rule_source);
            if (f->rule_line)
                fprintf(fp, ":%llu", (unsigned long long)f->rule_line);
            fprintf(fp, ")%s", z);
        }
        if (f->line)
            fprintf(fp, "  line %llu", (unsigned long long)f->line);
        fputc('\n', fp);
        if (f->description && f->description[0]) {
            fputs("                 ", fp);
            text_escape_puts(fp, f->description);
            fputc('\n', fp);
        }
        if (f->kind == VIGIL_FINDING_PERSISTENCE || f->kind == VIGIL_FINDING_EXECUTION)
            text_entry(fp, f, d, z);
        if (f->nstrings) {
            fprintf(fp, "                 %sstrings:", d);
            for (size_t k = 0; k < f->nstrings; k++) {
                fputc(' ', fp);
                text_escape_puts(fp, f->strings[k].id);
                fprintf(fp, "@0x%llx", (unsigned long long)f->strings[k].offset);
            }
            if (f->strings_total > f->nstrings)
                fprintf(fp, " (+%llu more)", (unsigned long long)(f->strings_total - f->nstrings));
            fprintf(fp, "%s\n", z);
        }
    }
    fputc('\n', fp);
}

/* The JSON lines of a result, one per finding, rendered by finding_line.c
 * into one buffer and written at once. Returns 0, or -1 when a line could
 * not be made (out of memory): the lines before it are written. */
static int json_result(out_writer *w, const vigil_target_result *r)
{
    json_buf *b = &w->lines;
    int rc = r->nfindings > 0 ? finding_lines_begin(&w->findings, r) : 0;

    b->n = 0;
    b->fail = 0;
    for (size_t i = 0; rc == 0 && i < r->nfindings; i++)
        rc = finding_lines_append(&w->findings, b, &r->findings[i]);
    if (b->n > 0)
        put_lines(w, b->p, b->n);
    return rc;
}

/* One CSV row per finding, read from the finding's JSON line as a merged
 * report reads it (report_merge.c): the columns cannot differ. Returns 0,
 * or -1 when out of memory. */
static int csv_result(out_writer *w, const vigil_target_result *r)
{
    json_buf *b = &w->lines;

    if (w->csv_row == NULL && (w->csv_row = calloc(1, sizeof *w->csv_row)) == NULL)
        return -1;
    if (r->nfindings > 0 && finding_lines_begin(&w->findings, r) != 0)
        return -1;
    for (size_t i = 0; i < r->nfindings; i++) {
        b->n = 0;
        b->fail = 0;
        if (finding_lines_append(&w->findings, b, &r->findings[i]) != 0)
            return -1;
        json_t *o = json_loadb(b->p, b->n, 0, NULL);
        int rc = o != NULL ? csv_write_finding(w->fp, w->csv_row, &w->csv_line, o, w->host) : -1;
        json_decref(o);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Whether a result is only an inventory of autostart or execution entries
 * (persistence/execution findings): those are listed like autoruns lists
 * them, but do not make the exit code 1 (docs/output.md, "Exit codes"). An
 * IOC or YARA hit on what an entry names is a finding of its own kind in
 * the same result (and raises the entry's score), so that result counts. */
static int inventory_only(const vigil_target_result *r)
{
    for (size_t i = 0; i < r->nfindings; i++) {
        vigil_finding_kind k = r->findings[i].kind;
        if (k != VIGIL_FINDING_PERSISTENCE && k != VIGIL_FINDING_EXECUTION)
            return 0;
    }
    return r->nfindings > 0;
}

int out_result(const vigil_target_result *r, void *user)
{
    out_writer *w = user;
    int lost = 0; /* a line or row could not be made: out of memory */

    pthread_mutex_lock(&w->lock);
    if (r->level >= w->min_level) {
        clear_progress_locked(w);
        w->shown_targets++;
        if (!inventory_only(r))
            w->found_targets++;
        w->shown_findings += r->nfindings;
        w->shown_by_level[r->level]++;
        if (w->format == OUT_JSONL) {
            lost = json_result(w, r) != 0;
        } else if (w->format == OUT_CSV) {
            lost = csv_result(w, r) != 0;
        } else if (r->event != NULL) {
            text_tally_add(w->tally, r, w->host);
            text_event(w, r);
        } else if (r->nfindings > 0 && r->findings[0].kind == VIGIL_FINDING_CORRELATION) {
            text_correlation(w, r);
        } else {
            text_tally_add(w->tally, r, w->host);
            text_result(w, r);
        }
        flush_result(w);
    }
    /* results that cannot be written stop the sweep: said at the end */
    if (lost) {
        w->diag_errors++;
        out_stream_fail(w->fp, ENOMEM);
    }
    out_stream_note(w->fp);
    int failed = out_stream_failed(w->fp);
    pthread_mutex_unlock(&w->lock);
    return failed;
}

void out_diag(const vigil_diag *d, void *user)
{
    out_writer *w = user;
    static const char *const names[] = {"info", "warning", "error"};

    pthread_mutex_lock(&w->lock);
    if (d->level == VIGIL_DIAG_ERROR)
        w->diag_errors++;
    else if (d->level == VIGIL_DIAG_WARNING)
        w->diag_warnings++;
    if (d->level != VIGIL_DIAG_INFO || w->verbose) {
        clear_progress_locked(w);
        if (!w->flush_each)
            fflush(w->fp); /* whole lines only, should fp and stderr be one file */
        fprintf(stderr, "vigil: %s: ", names[d->level]);
        if (d->source != NULL) {
            text_escape_puts(stderr, d->source);
            if (d->line)
                fprintf(stderr, ":%llu", (unsigned long long)d->line);
            else if (d->has_offset)
                fprintf(stderr, "@0x%llx", (unsigned long long)d->offset);
            fputs(": ", stderr);
        }
        text_escape_puts(stderr, d->message); /* it may quote the data */
        fputc('\n', stderr);
    }
    pthread_mutex_unlock(&w->lock);
}

void out_progress(const vigil_sweep_progress *p, void *user)
{
    out_writer *w = user;
    char bytes[32], rate[32], line[512];
    int cols = 100;

    out_human_bytes((double)p->bytes, bytes, sizeof bytes);
    out_human_bytes(p->seconds > 0 ? (double)p->bytes / p->seconds : 0.0, rate, sizeof rate);
    char pct[48];
    progress_format(pct, sizeof pct, p->bytes, w->est_bytes, p->seconds);
    int n = snprintf(line, sizeof line, "%s%s%llu files  %s  %s/s  ", pct, pct[0] ? "  " : "",
                     (unsigned long long)p->files, bytes, rate);
    if (n < 0 || n >= (int)sizeof line)
        return;
    if (p->current != NULL) {
        /* keep the end of the path, which names the file; escaped first, as
         * a name holding ESC or CR could rewrite the terminal */
        char esc[4096];
        size_t room = (size_t)(cols - n > 10 ? cols - n : 10);
        size_t len = strlen(p->current);
        size_t keep = (sizeof esc - 1) / 4; /* an escape is at most 4 bytes a byte */
        const char *tail = len > keep ? p->current + len - keep : p->current;
        size_t elen = text_escape(esc, sizeof esc, tail, strlen(tail));
        const char *cur = esc, *dots = "";
        if (elen > room) {
            cur += elen - room + 3;
            while ((*(const unsigned char *)cur & 0xc0) == 0x80) /* not in a character */
                cur++;
            dots = "...";
        }
        snprintf(line + n, sizeof line - (size_t)n, "%s%.*s", dots, (int)room, cur);
    }
    pthread_mutex_lock(&w->lock);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    w->progress_shown = 1;
    pthread_mutex_unlock(&w->lock);
}

static void with_commas(unsigned long long v, char *buf, size_t cap)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
}

/* What the sweep did not look into, one line each, only when it happened. */
static void write_not_opened(FILE *fp, const out_summary *s)
{
    const vigil_scan_stats *sc = &s->stats->scan;
    unsigned depth = s->scan != NULL ? s->scan->archive.max_depth : 0;
    unsigned long long msize = s->scan != NULL ? s->scan->archive.max_member_size : 0;

    if (sc->archives_too_deep) {
        fprintf(fp, "not opened: %llu archive%s nested past the depth limit",
                (unsigned long long)sc->archives_too_deep, sc->archives_too_deep == 1 ? "" : "s");
        if (depth)
            fprintf(fp, " %u", depth);
        fputs(" (name and hash checked)\n", fp);
    }
    if (sc->members_oversized) {
        fprintf(fp, "not scanned: %llu archive member%s over the member size limit",
                (unsigned long long)sc->members_oversized, sc->members_oversized == 1 ? "" : "s");
        if (msize) {
            char b[32];
            out_human_bytes((double)msize, b, sizeof b);
            fprintf(fp, " %s", b);
        }
        fputs(" (name and hash checked)\n", fp);
    }
    if (sc->archives_cut)
        fprintf(fp, "cut short: %llu archive%s stopped at the bomb or member count limits\n",
                (unsigned long long)sc->archives_cut, sc->archives_cut == 1 ? "" : "s");
    if (sc->artefacts_unreadable)
        fprintf(fp, "not parsed: %llu Windows artefact%s (damaged, or compressed Prefetch; name "
                "and hash checked)\n",
                (unsigned long long)sc->artefacts_unreadable, sc->artefacts_unreadable == 1 ? "" : "s");
    if (sc->images_not_opened)
        fprintf(fp,
                "not opened: %llu disk image%s inside archives or images (name, hash and YARA "
                "checked)\n",
                (unsigned long long)sc->images_not_opened, sc->images_not_opened == 1 ? "" : "s");
}

void out_write_summary(out_writer *w, const out_summary *s)
{
    const vigil_sweep_stats *st = s->stats;
    const vigil_engine_counts *rc = s->rules;

    pthread_mutex_lock(&w->lock);
    clear_progress_locked(w);
    /* the sweep is over: its engine, whose rule strings the finding lines
     * cache by address, may go next */
    finding_lines_forget(&w->findings);
    if (w->format == OUT_CSV) {
        /* the CSV holds findings only: its summary is the closing counts */
    } else if (w->format == OUT_JSONL) {
        json_t *o = json_object();
        json_t *lv = json_object();
        json_object_set_new(o, "type", json_string("summary"));
        json_object_set_new(o, "version", json_string(s->version));
        json_object_set_new(
            o, "files",
            json_integer((json_int_t)(st->scan.targets - st->scan.members - st->scan.image_files)));
        json_object_set_new(o, "archive_members", json_integer((json_int_t)st->scan.members));
        json_object_set_new(o, "images", json_integer((json_int_t)st->scan.images));
        json_object_set_new(o, "image_files", json_integer((json_int_t)st->scan.image_files));
        json_object_set_new(o, "image_streams", json_integer((json_int_t)st->scan.image_streams));
        json_object_set_new(o, "images_not_opened",
                            json_integer((json_int_t)st->scan.images_not_opened));
        json_object_set_new(o, "image_snapshots", json_integer((json_int_t)st->scan.image_snapshots));
        json_object_set_new(o, "image_snapshot_unchanged",
                            json_integer((json_int_t)st->scan.image_snapshot_unchanged));
        json_object_set_new(o, "bytes", json_integer((json_int_t)st->scan.bytes));
        json_object_set_new(o, "seconds", json_real(st->seconds));
        json_object_set_new(o, "threads", json_integer(st->threads));
        json_object_set_new(o, "directories", json_integer((json_int_t)st->dirs));
        json_object_set_new(o, "skipped", json_integer((json_int_t)st->skipped));
        json_object_set_new(
            o, "unreadable",
            json_integer((json_int_t)st->unreadable + (json_int_t)st->scan.unreadable));
        json_object_set_new(o, "oversized", json_integer((json_int_t)st->scan.oversized));
        json_object_set_new(o, "unhashed", json_integer((json_int_t)st->scan.unhashed));
        json_object_set_new(o, "archives_too_deep",
                            json_integer((json_int_t)st->scan.archives_too_deep));
        json_object_set_new(o, "members_oversized",
                            json_integer((json_int_t)st->scan.members_oversized));
        json_object_set_new(o, "archives_cut", json_integer((json_int_t)st->scan.archives_cut));
        json_object_set_new(o, "event_logs", json_integer((json_int_t)st->scan.event_logs));
        json_object_set_new(o, "events", json_integer((json_int_t)st->scan.events));
        json_object_set_new(o, "event_matches", json_integer((json_int_t)st->scan.event_matches));
        json_object_set_new(o, "allowlisted", json_integer((json_int_t)st->scan.allowlisted));
        json_object_set_new(o, "text_logs", json_integer((json_int_t)st->scan.text_logs));
        json_object_set_new(o, "artefacts", json_integer((json_int_t)st->scan.artefacts));
        json_object_set_new(o, "artefacts_unreadable",
                            json_integer((json_int_t)st->scan.artefacts_unreadable));
        json_object_set_new(o, "registry_hives", json_integer((json_int_t)st->scan.registry_hives));
        json_object_set_new(o, "registry_values",
                            json_integer((json_int_t)st->scan.registry_values));
        json_object_set_new(o, "autostart_entries",
                            json_integer((json_int_t)st->scan.autostart_entries));
        json_object_set_new(o, "targets_with_findings", json_integer((json_int_t)w->shown_targets));
        json_object_set_new(o, "findings", json_integer((json_int_t)w->shown_findings));
        for (int l = 0; l < VIGIL_LEVEL_COUNT; l++)
            json_object_set_new(lv, vigil_level_name((vigil_level)l),
                                json_integer((json_int_t)w->shown_by_level[l]));
        json_object_set_new(o, "targets_by_level", lv);
        json_object_set_new(o, "errors", json_integer((json_int_t)w->diag_errors));
        json_object_set_new(o, "warnings", json_integer((json_int_t)w->diag_warnings));
        json_t *rules = json_object();
        json_object_set_new(rules, "yara", json_integer((json_int_t)rc->yara_rules));
        json_object_set_new(rules, "hash_iocs", json_integer((json_int_t)rc->hash_iocs));
        json_object_set_new(rules, "filename_iocs", json_integer((json_int_t)rc->filename_iocs));
        json_object_set_new(rules, "c2_iocs", json_integer((json_int_t)rc->c2_iocs));
        json_object_set_new(rules, "sigma", json_integer((json_int_t)rc->sigma_rules));
        json_object_set_new(rules, "sigma_correlations",
                            json_integer((json_int_t)rc->sigma_correlations));
        json_object_set_new(rules, "sigma_filters", json_integer((json_int_t)rc->sigma_filters));
        json_object_set_new(rules, "sigma_refused", json_integer((json_int_t)rc->sigma_refused));
        json_object_set_new(rules, "files_refused", json_integer((json_int_t)rc->files_refused));
        json_object_set_new(rules, "filename_refused",
                            json_integer((json_int_t)rc->filename_refused));
        json_object_set_new(rules, "allow_hashes", json_integer((json_int_t)rc->allow_hashes));
        json_object_set_new(o, "rules", rules);
        if (s->run != NULL) {
            char t[40];
            json_object_set_new(o, "scan_id", json_string(s->run->scan_id));
            json_object_set_new(o, "host", jstr(s->run->host));
            run_info_time(s->run->start_ms, t, sizeof t);
            json_object_set_new(o, "start_time", json_string(t));
            run_info_time(run_info_now_ms(), t, sizeof t);
            json_object_set_new(o, "end_time", json_string(t));
        }
        put_json_line(w, o);
        json_decref(o);
    } else {
        char files[32], bytes[32], rate[32], y[32], h[32], f[32], c[32], sg[32];
        const char *b = w->color ? C_BOLD : "", *z = w->color ? C_RESET : "";
        with_commas(st->scan.targets - st->scan.members - st->scan.image_files, files,
                    sizeof files);
        out_human_bytes((double)st->scan.bytes, bytes, sizeof bytes);
        out_human_bytes(st->seconds > 0 ? (double)st->scan.bytes / st->seconds : 0, rate,
                        sizeof rate);
        with_commas(rc->yara_rules, y, sizeof y);
        with_commas(rc->hash_iocs, h, sizeof h);
        with_commas(rc->filename_iocs, f, sizeof f);
        with_commas(rc->c2_iocs, c, sizeof c);
        with_commas(rc->sigma_rules, sg, sizeof sg);
        if (w->shown_findings > 0)
            text_tally_print(w->tally, w->fp, b, z);
        fprintf(w->fp, "%svigil %s%s: %s files", b, s->version, z, files);
        if (st->scan.members)
            fprintf(w->fp, " (+%llu archive member%s)", (unsigned long long)st->scan.members,
                    st->scan.members == 1 ? "" : "s");
        if (st->scan.images)
            fprintf(w->fp, " (+%llu file%s in %llu disk image%s)",
                    (unsigned long long)st->scan.image_files, st->scan.image_files == 1 ? "" : "s",
                    (unsigned long long)st->scan.images, st->scan.images == 1 ? "" : "s");
        if (st->scan.image_snapshots)
            fprintf(w->fp, " (%llu shadow cop%s; %llu unchanged file%s not scanned again)",
                    (unsigned long long)st->scan.image_snapshots,
                    st->scan.image_snapshots == 1 ? "y" : "ies",
                    (unsigned long long)st->scan.image_snapshot_unchanged,
                    st->scan.image_snapshot_unchanged == 1 ? "" : "s");
        fprintf(w->fp, ", %s in %.2f s (%s/s), %u threads\n", bytes, st->seconds, rate,
                st->threads);
        fprintf(w->fp, "rules: %s YARA, %s hash IOCs, %s filename IOCs", y, h, f);
        if (rc->filename_refused)
            fprintf(w->fp, " (%llu refused)", (unsigned long long)rc->filename_refused);
        fprintf(w->fp, ", %s C2 IOCs, %s Sigma", c, sg);
        if (rc->sigma_refused)
            fprintf(w->fp, " (%llu refused)", (unsigned long long)rc->sigma_refused);
        if (rc->files_refused)
            fprintf(w->fp, "; %llu rule file%s not loaded (broken)",
                    (unsigned long long)rc->files_refused, rc->files_refused == 1 ? "" : "s");
        fputc('\n', w->fp);
        if (st->scan.event_logs) {
            char ev[32], logs[32], matched[32];
            with_commas(st->scan.events, ev, sizeof ev);
            with_commas(st->scan.event_logs, logs, sizeof logs);
            with_commas(st->scan.event_matches, matched, sizeof matched);
            fprintf(w->fp, "events: %s in %s event logs, %s matched\n", ev, logs, matched);
        }
        if (st->scan.allowlisted)
            fprintf(w->fp, "%llu file%s allow-listed by hash (not reported)\n",
                    (unsigned long long)st->scan.allowlisted, st->scan.allowlisted == 1 ? "" : "s");
        if (st->scan.registry_hives)
            fprintf(w->fp, "registry: %llu values, %llu keys in %llu hives, %llu autostart entries\n",
                    (unsigned long long)st->scan.registry_values,
                    (unsigned long long)st->scan.registry_keys,
                    (unsigned long long)st->scan.registry_hives,
                    (unsigned long long)st->scan.autostart_entries);
        /* events and files apart: "in 1,219 events and 3 files" */
        uint64_t shown_events = text_tally_events(w->tally);
        char targets[96];
        if (shown_events > 0 && w->tally != NULL) {
            char ev[32], fl[32];
            with_commas(shown_events, ev, sizeof ev);
            with_commas(text_tally_files(w->tally), fl, sizeof fl);
            snprintf(targets, sizeof targets, "%s events and %s files", ev, fl);
        } else {
            snprintf(targets, sizeof targets, "%llu files", w->shown_targets);
        }
        fprintf(w->fp,
                "findings: %llu in %s: %llu alert, %llu warning, %llu notice, "
                "%llu info\n",
                w->shown_findings, targets, w->shown_by_level[VIGIL_LEVEL_ALERT],
                w->shown_by_level[VIGIL_LEVEL_WARNING], w->shown_by_level[VIGIL_LEVEL_NOTICE],
                w->shown_by_level[VIGIL_LEVEL_INFO]);
        fprintf(w->fp,
                "problems: %llu errors, %llu warnings (%llu unreadable, %llu skipped, "
                "%llu over max size",
                w->diag_errors, w->diag_warnings,
                (unsigned long long)st->unreadable + (unsigned long long)st->scan.unreadable,
                (unsigned long long)st->skipped, (unsigned long long)st->scan.oversized);
        if (st->scan.unhashed)
            fprintf(w->fp, ", %llu over max hash size: not hashed",
                    (unsigned long long)st->scan.unhashed);
        fputs(")\n", w->fp);
        write_not_opened(w->fp, s);
    }
    fflush(w->fp);
    out_stream_note(w->fp);
    pthread_mutex_unlock(&w->lock);
}

/* For the other renderers (output_net.c): the same escaping and lines. */
json_t *out_jstr(const char *s)
{
    return jstr(s);
}

json_t *out_jstrn(const char *s, size_t n)
{
    return jstrn(s, n);
}

void out_put_json_line(out_writer *w, json_t *o)
{
    put_json_line(w, o);
}
