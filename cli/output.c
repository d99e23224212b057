/* output.c - the result writer of a sweep: one lock for results,
 * diagnostics and the progress line, the counters the summary reports, and
 * when output reaches its file.
 *
 * Each result goes to the renderer of the writer's format (output_text.c,
 * output_findings.c for JSONL and CSV); the closing summary is
 * output_summary.c's, the progress line output_progress.c's. What is
 * decided here is what every format shares: results below the level
 * asked for are counted but not shown, a result that cannot be written
 * (or made) stops the sweep and is said at the end (outstream.h), and
 * output that is not watched live is buffered but written whole lines at
 * a time. Field names are documented in docs/output.md and are part of the
 * interface: add fields, never rename them. */
#include "output.h"
#include "output_internal.h"
#include "outstream.h"
#include "report_row.h"
#include "text_escape.h"
#include "text_summary.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

void out_progress_clear_locked(out_writer *w)
{
    if (w->progress_shown) {
        fputs("\r\033[K", stderr);
        w->progress_shown = 0;
    }
}

void out_progress_clear(out_writer *w)
{
    pthread_mutex_lock(&w->lock);
    out_progress_clear_locked(w);
    pthread_mutex_unlock(&w->lock);
}

/* Whole JSON lines, n bytes. A stream that is not watched live is written
 * a buffer at a time (FLUSH_MS); stdio would cut that write wherever the
 * buffer fills, and a sweep killed (or a disk filled) after it would leave
 * half a line. So the buffer is flushed before lines that do not fit in
 * what is left of it, and lines bigger than the whole buffer go out at once:
 * every write(2) ends on a line boundary. */
void out_put_lines(out_writer *w, const char *p, size_t n)
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
        out_progress_clear_locked(w);
        w->shown_targets++;
        if (!inventory_only(r))
            w->found_targets++;
        w->shown_findings += r->nfindings;
        w->shown_by_level[r->level]++;
        if (w->format == OUT_JSONL)
            lost = out_jsonl_result(w, r) != 0;
        else if (w->format == OUT_CSV)
            lost = out_csv_result(w, r) != 0;
        else
            out_text_result(w, r);
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
        out_progress_clear_locked(w);
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
