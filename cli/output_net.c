/* output_net.c - text and JSON Lines for `vigil logs` and `vigil
 * connections` hits and their closing summaries.
 *
 * Log lines are hostile input shown on a terminal: in text output every
 * string from the data goes through text_escape.c (escape sequences, NUL
 * and invalid UTF-8 shown as \x1b, \x00, ...), and JSON through output_json.c's
 * escaping, which keeps a line's text past a NUL. Field names are documented in
 * docs/output.md and follow the sweep's (rule_source, rule_line, score,
 * level) so one consumer can read both. */
#include "output_net.h"
#include "output_internal.h"
#include "outstream.h"
#include "text_escape.h"

#include <string.h>

/* The indicator part of a hit's JSON record, shared by log and connection
 * hits: the same names and order as the sweep's findings use. matched is
 * written (null when NULL) only when has_matched. */
static void put_indicator(json_t *o, const char *indicator, const char *indicator_type,
                          int has_matched, const char *matched, int score, vigil_level lv,
                          const char *description, const char *source, uint64_t source_line)
{
    json_object_set_new(o, "kind", json_string("c2"));
    json_object_set_new(o, "indicator", out_jstr(indicator));
    json_object_set_new(o, "indicator_type", out_jstr(indicator_type));
    if (has_matched)
        json_object_set_new(o, "matched", out_jstr(matched));
    json_object_set_new(o, "score", json_integer(score));
    json_object_set_new(o, "level", json_string(vigil_level_name(lv)));
    if (description != NULL)
        json_object_set_new(o, "description", out_jstr(description));
    if (source != NULL)
        json_object_set_new(o, "rule_source", out_jstr(source));
    if (source_line)
        json_object_set_new(o, "rule_line", json_integer((json_int_t)source_line));
}

int out_log_hit(const vigil_log_hit *h, void *user)
{
    out_writer *w = user;
    vigil_level lv = vigil_level_of_score(h->score);

    pthread_mutex_lock(&w->lock);
    if (lv >= w->min_level)
        out_progress_clear_locked(w); /* the hit's line must not follow it */
    if (lv >= w->min_level) {
        w->shown_findings++;
        w->shown_by_level[lv]++;
        if (w->format == OUT_JSONL) {
            json_t *o = json_object();
            if (o != NULL) {
                json_object_set_new(o, "type", json_string("log_hit"));
                json_object_set_new(o, "path", out_jstr(h->path));
                json_object_set_new(o, "line", json_integer((json_int_t)h->line));
                json_object_set_new(o, "offset", json_integer((json_int_t)h->offset));
                put_indicator(o, h->indicator, h->indicator_type, 1, h->matched, h->score, lv,
                              h->description, h->source, h->source_line);
                json_object_set_new(o, "text", out_jstrn(h->text, h->text_len));
                json_object_set_new(o, "text_truncated", json_boolean(h->text_truncated));
                out_put_json_line(w, o);
                json_decref(o);
            }
        } else {
            const char *lc = w->color ? out_level_color(lv) : "", *b = w->color ? OUT_C_BOLD : "";
            const char *d = w->color ? OUT_C_DIM : "", *z = w->color ? OUT_C_RESET : "";
            text_escape_puts(w->fp, h->path);
            fprintf(w->fp, ":%llu: %s%s%s %s", (unsigned long long)h->line, lc,
                    vigil_level_name(lv), z, b);
            text_escape_puts(w->fp, h->indicator);
            fprintf(w->fp, "%s score %d", z, h->score);
            if (h->source != NULL) {
                fprintf(w->fp, "  %s(", d);
                text_escape_puts(w->fp, h->source);
                if (h->source_line)
                    fprintf(w->fp, ":%llu", (unsigned long long)h->source_line);
                fprintf(w->fp, ")%s", z);
            }
            if (h->description != NULL && h->description[0]) {
                fputs("  ", w->fp);
                text_escape_puts(w->fp, h->description);
            }
            fputs("\n    ", w->fp);
            text_escape_put(w->fp, h->text, h->text_len);
            fputs(h->text_truncated ? " [...]\n" : "\n", w->fp);
        }
    }
    int failed = out_stream_note(w->fp); /* stops the hunt: said at the end */
    pthread_mutex_unlock(&w->lock);
    return failed;
}

int out_conn_hit(const vigil_conn_hit *h, void *user)
{
    out_writer *w = user;
    vigil_level lv = vigil_level_of_score(h->score);

    pthread_mutex_lock(&w->lock);
    if (lv >= w->min_level) {
        w->shown_findings++;
        w->shown_by_level[lv]++;
        if (w->format == OUT_JSONL) {
            json_t *o = json_object();
            if (o != NULL) {
                json_object_set_new(o, "type", json_string("connection"));
                json_object_set_new(o, "proto", json_string(h->proto));
                json_object_set_new(o, "local", out_jstr(h->local));
                json_object_set_new(o, "local_port", json_integer(h->local_port));
                json_object_set_new(o, "remote", out_jstr(h->remote));
                json_object_set_new(o, "remote_port", json_integer(h->remote_port));
                json_object_set_new(o, "state", json_string(h->state));
                json_object_set_new(o, "matched_end",
                                    json_string(h->remote_matched ? "remote" : "local"));
                json_object_set_new(o, "pid", json_integer(h->pid));
                json_object_set_new(o, "exe", out_jstr(h->exe));
                json_object_set_new(o, "uid", json_integer(h->uid));
                put_indicator(o, h->indicator, h->indicator_type, 0, NULL, h->score, lv,
                              h->description, h->source, h->source_line);
                out_put_json_line(w, o);
                json_decref(o);
            }
        } else {
            const char *lc = w->color ? out_level_color(lv) : "", *b = w->color ? OUT_C_BOLD : "";
            const char *z = w->color ? OUT_C_RESET : "";
            int v6 = strchr(h->remote, ':') != NULL;
            fprintf(w->fp, "%s%s%s %s %s", lc, vigil_level_name(lv), z, h->proto, v6 ? "[" : "");
            text_escape_puts(w->fp, h->local);
            fprintf(w->fp, "%s:%u -> %s", v6 ? "]" : "", h->local_port, v6 ? "[" : "");
            text_escape_puts(w->fp, h->remote);
            fprintf(w->fp, "%s:%u %s  pid %d ", v6 ? "]" : "", h->remote_port,
                    h->state[0] ? h->state : "-", h->pid);
            text_escape_puts_or(w->fp, h->exe, "?"); /* a process names its own file */
            fprintf(w->fp, "  %s", b);
            text_escape_puts(w->fp, h->indicator);
            fprintf(w->fp, "%s score %d", z, h->score);
            if (h->source != NULL) {
                fputs("  (", w->fp);
                text_escape_puts(w->fp, h->source);
                if (h->source_line)
                    fprintf(w->fp, ":%llu", (unsigned long long)h->source_line);
                fputc(')', w->fp);
            }
            fputc('\n', w->fp);
        }
    }
    int failed = out_stream_note(w->fp); /* stops the hunt: said at the end */
    pthread_mutex_unlock(&w->lock);
    return failed;
}

void out_logs_summary(out_writer *w, const vigil_logs_stats *st, uint64_t rule_files_refused,
                      const char *version)
{
    pthread_mutex_lock(&w->lock);
    if (w->format == OUT_JSONL) {
        json_t *o = json_object();
        json_t *lv = json_object();
        json_object_set_new(o, "type", json_string("summary"));
        json_object_set_new(o, "version", json_string(version));
        json_object_set_new(o, "files", json_integer((json_int_t)st->files));
        json_object_set_new(o, "members", json_integer((json_int_t)st->members));
        json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
        json_object_set_new(o, "lines", json_integer((json_int_t)st->lines));
        json_object_set_new(o, "seconds", json_real(st->seconds));
        json_object_set_new(o, "threads", json_integer(st->threads));
        json_object_set_new(o, "indicators", json_integer((json_int_t)st->indicators));
        json_object_set_new(o, "directories", json_integer((json_int_t)st->dirs));
        json_object_set_new(o, "skipped", json_integer((json_int_t)st->skipped));
        json_object_set_new(o, "binary_skipped", json_integer((json_int_t)st->binary_skipped));
        json_object_set_new(o, "unreadable", json_integer((json_int_t)st->unreadable));
        json_object_set_new(o, "hits", json_integer((json_int_t)w->shown_findings));
        for (int l = 0; l < VIGIL_LEVEL_COUNT; l++)
            json_object_set_new(lv, vigil_level_name((vigil_level)l),
                                json_integer((json_int_t)w->shown_by_level[l]));
        json_object_set_new(o, "hits_by_level", lv);
        json_object_set_new(o, "errors", json_integer((json_int_t)w->diag_errors));
        json_object_set_new(o, "warnings", json_integer((json_int_t)w->diag_warnings));
        json_object_set_new(o, "rule_files_refused", json_integer((json_int_t)rule_files_refused));
        out_put_json_line(w, o);
        json_decref(o);
    } else {
        char bytes[32], rate[32];
        out_human_bytes((double)st->bytes, bytes, sizeof bytes);
        out_human_bytes(st->seconds > 0 ? (double)st->bytes / st->seconds : 0, rate, sizeof rate);
        fprintf(w->fp, "vigil %s: %llu files", version, (unsigned long long)st->files);
        if (st->members)
            fprintf(w->fp, " (%llu decompressed streams or members)",
                    (unsigned long long)st->members);
        fprintf(w->fp, ", %llu lines, %s in %.2f s (%s/s), %u threads\n",
                (unsigned long long)st->lines, bytes, st->seconds, rate, st->threads);
        fprintf(w->fp, "indicators: %llu domains, IPs, CIDRs and URLs\n",
                (unsigned long long)st->indicators);
        fprintf(w->fp, "hits: %llu: %llu alert, %llu warning, %llu notice, %llu info\n",
                w->shown_findings, w->shown_by_level[VIGIL_LEVEL_ALERT],
                w->shown_by_level[VIGIL_LEVEL_WARNING], w->shown_by_level[VIGIL_LEVEL_NOTICE],
                w->shown_by_level[VIGIL_LEVEL_INFO]);
        fprintf(w->fp, "problems: %llu errors, %llu warnings (%llu unreadable, %llu binary skipped",
                w->diag_errors, w->diag_warnings, (unsigned long long)st->unreadable,
                (unsigned long long)st->binary_skipped);
        if (rule_files_refused)
            fprintf(w->fp, ", %llu rule file%s not loaded (broken)",
                    (unsigned long long)rule_files_refused, rule_files_refused == 1 ? "" : "s");
        fputs(")\n", w->fp);
    }
    fflush(w->fp);
    out_stream_note(w->fp);
    pthread_mutex_unlock(&w->lock);
}

void out_conns_summary(out_writer *w, size_t indicators, double seconds, const char *version)
{
    pthread_mutex_lock(&w->lock);
    if (w->format == OUT_JSONL) {
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string("summary"));
        json_object_set_new(o, "version", json_string(version));
        json_object_set_new(o, "indicators", json_integer((json_int_t)indicators));
        json_object_set_new(o, "seconds", json_real(seconds));
        json_object_set_new(o, "hits", json_integer((json_int_t)w->shown_findings));
        json_object_set_new(o, "errors", json_integer((json_int_t)w->diag_errors));
        json_object_set_new(o, "warnings", json_integer((json_int_t)w->diag_warnings));
        out_put_json_line(w, o);
        json_decref(o);
    } else {
        fprintf(w->fp, "vigil %s: %llu matching sockets; %zu network indicators\n", version,
                w->shown_findings, indicators);
    }
    fflush(w->fp);
    out_stream_note(w->fp);
    pthread_mutex_unlock(&w->lock);
}
