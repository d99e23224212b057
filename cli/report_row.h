/* report_row.h - one finding of a JSONL result file as the columns a person
 * reads: when, which host, which rule, what matched.
 *
 * Why: the CSV timeline, the HTML report and the merge all show findings
 * that come as JSON objects (a sweep's own, or ones read back from files of
 * other hosts), so one place decides what "Timestamp", "Computer" and
 * "Details" mean for every kind of finding. */
#ifndef VIGIL_CLI_REPORT_ROW_H
#define VIGIL_CLI_REPORT_ROW_H

#include <jansson.h>
#include <stdint.h>

#include "json_line.h"

/* Unknown times sort after every known one. */
#define REPORT_TIME_UNKNOWN INT64_MAX

typedef struct report_row {
    const char *time;     /* event_time, else the file's mtime, else "" */
    int64_t time_ms;      /* of time, or REPORT_TIME_UNKNOWN */
    const char *host;     /* the host the finding came from ("" unknown) */
    const char *computer; /* the event's Computer, else host */
    const char *channel;  /* "" for files */
    char event_id[32];    /* "" for files */
    char record_id[32];   /* "" for files */
    const char *level;    /* vigil level of the target */
    const char *rule_level;
    const char *rule;
    const char *kind;
    const char *path;
    const char *filetype;
    const char *md5, *sha1, *sha256;
    char size[32];
    char score[16];
    json_buf details; /* "Image: C:\x.exe ¦ CommandLine: ..." (NUL-terminated) */
    json_buf tags;    /* "attack.t1059,attack.execution" (NUL-terminated) */
} report_row;

/* The string member key of o, or "" (absent, not a string). */
const char *report_str(const json_t *o, const char *key);

/* Fills row from finding (a "type":"finding" object); host_fallback is the
 * host of the run record the finding came with (used when the finding has
 * no "host" of its own). Strings point into finding. Returns 0, -1 when out
 * of memory. row must be zeroed before the first use and freed after the
 * last (it keeps its buffers between calls). */
int report_row_fill(report_row *row, const json_t *finding, const char *host_fallback);
void report_row_free(report_row *row);

/* The time of a finding object for sorting (see report_row.time_ms). */
int64_t report_finding_time(const json_t *finding);

#endif
