/* output.h - rendering sweep results for people (text) and machines
 * (JSONL, CSV).
 *
 * The library hands over structured results; how they look is the
 * command's business. One writer serves a whole sweep: results arrive
 * serialised, and the progress line shares the same lock so the terminal
 * never shows half a line of each. */
#ifndef VIGIL_CLI_OUTPUT_H
#define VIGIL_CLI_OUTPUT_H

#include <pthread.h>
#include <stdio.h>

#include "finding_line.h"
#include "vigil/vigil.h"

/* OUT_HTML is never a writer's format: the command writes JSONL to a
 * temporary file and renders it at the end (report_merge.h). */
typedef enum { OUT_TEXT, OUT_JSONL, OUT_CSV, OUT_HTML } out_format;

typedef struct out_writer {
    FILE *fp;
    out_format format;
    int color;             /* ANSI colours in text output */
    int progress;          /* a progress line is being drawn on stderr */
    int progress_shown;    /* a progress line is on screen now */
    int verbose;           /* show info diagnostics */
    vigil_level min_level; /* results below are not shown (but counted) */
    pthread_mutex_t lock;
    unsigned long long shown_targets;
    unsigned long long found_targets; /* shown, and more than an unscored inventory entry */
    unsigned long long shown_findings;
    unsigned long long shown_by_level[VIGIL_LEVEL_COUNT];
    unsigned long long diag_errors;
    unsigned long long diag_warnings;
    /* JSONL findings: one result's lines are built here, then written */
    json_buf lines;
    finding_lines findings;
    int flush_each;     /* fp is watched live (a terminal, a pipe, a socket) */
    int64_t last_flush; /* ms, CLOCK_MONOTONIC_COARSE, when not flush_each */
    /* CSV: the Host column of file findings; the row and line being built */
    const char *host;
    struct report_row *csv_row;
    json_buf csv_line;
    struct text_tally *tally; /* text: the closing tables (text_summary.h) */
    uint64_t est_bytes;       /* progress: the sweep's estimated size, 0 unknown */
} out_writer;

/* Call before anything is written to fp: when fp is not watched live (a
 * regular file, /dev/null) it may get a bigger stdio buffer (output.c). */
void out_init(out_writer *w, FILE *fp, out_format format);
void out_free(out_writer *w);

/* vigil_result_fn and vigil_diag_fn for the sweep. */
int out_result(const vigil_target_result *r, void *user);
void out_diag(const vigil_diag *d, void *user);
/* vigil_progress_fn */
void out_progress(const vigil_sweep_progress *p, void *user);
/* Clears the progress line (end of sweep). */
void out_progress_clear(out_writer *w);
/* The same with w->lock held (before a result line on the terminal). */
void out_progress_clear_locked(out_writer *w);

typedef struct out_summary {
    const vigil_sweep_stats *stats;
    const vigil_engine_counts *rules;
    const char *version;
    const vigil_scan_options
        *scan;                  /* the limits in force, for the "not opened" line; may be NULL */
    const struct run_info *run; /* may be NULL: adds scan_id, host, start/end time */
} out_summary;

void out_write_summary(out_writer *w, const out_summary *s);

/* "1.5 MiB" */
void out_human_bytes(double bytes, char *buf, size_t cap);

#endif
