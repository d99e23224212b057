/* output_progress.c - the progress line on standard error: how much of
 * the sweep is done, how fast, and the file being read.
 *
 * Why it shares the writer's lock: results and the progress line go to
 * one terminal, so a result clears the line first and the line is drawn
 * whole, never in the middle of a result. The file name is escaped before
 * it is cut to the terminal's width, as a name holding ESC or CR could
 * rewrite the terminal. */
#include "output.h"
#include "progress_estimate.h"
#include "text_escape.h"

#include <stdio.h>
#include <string.h>

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
