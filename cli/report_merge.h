/* report_merge.h - JSONL result files (of one sweep, many hosts or many
 * runs) read into one set of findings: de-duplicated, sorted by time, each
 * finding labelled with its host and scan, and written out again as JSONL,
 * CSV or HTML.
 *
 * Why a spool and not a tree of JSON objects: a fleet's merged results can
 * hold millions of findings. Each finding is written once, labelled, to an
 * unlinked temporary file; memory holds a small index entry per finding
 * (time, offset, length, a 128-bit digest for de-duplication), so sorting
 * and de-duplicating cost ~48 bytes a finding whatever the findings hold.
 * `vigil scan --sort time` and `-f html` go through here too. */
#ifndef VIGIL_CLI_REPORT_MERGE_H
#define VIGIL_CLI_REPORT_MERGE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { REPORT_JSONL, REPORT_CSV, REPORT_HTML } report_format;

typedef struct report_set report_set;

report_set *report_set_create(void);
void report_set_destroy(report_set *s);

/* Reads the JSON lines of fp (name says where they come from in
 * diagnostics, which go to stderr as "vigil report: NAME:LINE: ..."). A
 * line that is not a JSON object is said and skipped. Returns 0, or -1 when
 * fp cannot be read or memory or the spool runs out. */
int report_set_read(report_set *s, FILE *fp, const char *name);

/* Before reading: findings will not be de-duplicated (their digests are
 * not computed, which is half the cost of reading). */
void report_set_keep_duplicates(report_set *s);
/* Drops findings equal to one already read (whatever scan_id they carry). */
void report_set_dedup(report_set *s);
/* Sorts findings by time (unknown times last), keeping the reading order
 * of equal times. */
void report_set_sort(report_set *s);

/* Writes the set. JSONL: the run records, the findings, the summaries, then
 * one "host_summary" per host; CSV: the timeline; HTML: the report (see
 * report_html.h). 0, or -1 on a write error. */
int report_set_write(report_set *s, report_format format, FILE *out);

/* Counts, for the caller's exit code and messages. */
uint64_t report_set_findings(const report_set *s);
uint64_t report_set_duplicates(const report_set *s);
uint64_t report_set_bad_lines(const report_set *s);

/* Iteration over the findings in their current order, for the writers:
 * the finding object of entry i (a new reference; NULL when it cannot be
 * read back). */
json_t *report_set_finding(report_set *s, uint64_t i);
/* Run records (type "run") and summary records (type "summary"), by
 * reading order; other records (quarantine, skipped...) kept as they came.
 * Borrowed references. */
json_t *report_set_runs(const report_set *s);
json_t *report_set_summaries(const report_set *s);
json_t *report_set_others(const report_set *s);

#endif
