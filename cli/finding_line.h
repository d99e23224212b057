/* finding_line.h - the JSON line of a finding (every kind), written
 * straight into a byte buffer (no json_t): the one serialiser of a finding.
 * The JSONL output writes its lines; the CSV row of a sweep is read back
 * from the same bytes, as a merged report reads them (output_jsonl.c).
 *
 * Why not jansson: the sweep of event logs reports one line per Sigma
 * finding, tens of thousands per sweep; building a jansson object of ~25
 * keys for each and dumping it costs many times the CPU
 * (bench/bench_finding_json). The bytes are what json_dumps(JSON_COMPACT |
 * JSON_ENSURE_ASCII) writes for the finding's object: the jansson
 * serialiser kept as the reference in tests/unit/finding_json_reference.c,
 * and tests/unit/test_finding_line.c compares the two over every kind. */
#ifndef VIGIL_CLI_FINDING_LINE_H
#define VIGIL_CLI_FINDING_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "json_line.h"
#include "vigil/vigil.h"

/* What the findings of one result share, rendered once per result. */
typedef struct finding_lines {
    const vigil_target_result *r;
    json_buf head;   /* {"type":"finding", ... ,"level":"alert" */
    json_buf evtime; /* ,"event_time":"..." or nothing */
    json_buf event;  /* ,"computer": ... ,"record_id":N of an event result */
    int ok;          /* begin succeeded */
    int64_t mtime;   /* the last mtime rendered, as text */
    int mtime_known;
    char mtime_text[32];
    struct finding_rule_slot *rules; /* rule parts of Sigma findings, by rule */
} finding_lines;

void finding_lines_free(finding_lines *fl);

/* Drops the rule parts kept for Sigma findings. They are kept by the
 * addresses of the rule's strings, which the engine owns: call this before
 * the engine whose findings were rendered is destroyed (or another used). */
void finding_lines_forget(finding_lines *fl);

/* Renders the parts every finding of r shares. r must stay valid until the
 * last finding_lines_append for it. Returns 0, or -1 when out of memory. */
int finding_lines_begin(finding_lines *fl, const vigil_target_result *r);

/* Appends the line of finding f of the result given to begin, newline
 * included, to out. Returns 0, or -1 with out as it was when begin failed
 * or memory ran out (the line cannot be written: a write failure). */
int finding_lines_append(finding_lines *fl, json_buf *out, const vigil_finding *f);

/* "2019-03-19T23:33:51Z" from seconds since the epoch ("" when gmtime
 * cannot say): file times of the JSON and text outputs (event times in ms:
 * vigil_time_ms_format). */
void out_iso_time(int64_t t, char *buf, size_t cap);

#endif
