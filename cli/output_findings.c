/* output_findings.c - the findings of a result as JSON Lines and as CSV
 * rows, both from the one serialiser of a finding (finding_line.c).
 *
 * Why the CSV row is read back from the JSON line: a merged report
 * (`vigil report merge -f csv`) makes its rows from the JSON lines of the
 * sweeps it reads, so a sweep's own CSV made the same way cannot differ
 * from it, and no second writer of a finding's fields has to be kept in
 * step. It costs a parse per finding (bench/bench_finding_json prints the
 * figures). */
#include "output_csv.h"
#include "output_internal.h"

#include <jansson.h>
#include <stdlib.h>

/* The JSON lines of a result, one per finding, rendered by finding_line.c
 * into one buffer and written at once. Returns 0, or -1 when a line could
 * not be made (out of memory): the lines before it are written. */
int out_jsonl_result(out_writer *w, const vigil_target_result *r)
{
    json_buf *b = &w->lines;
    int rc = r->nfindings > 0 ? finding_lines_begin(&w->findings, r) : 0;

    b->n = 0;
    b->fail = 0;
    for (size_t i = 0; rc == 0 && i < r->nfindings; i++)
        rc = finding_lines_append(&w->findings, b, &r->findings[i]);
    if (b->n > 0)
        out_put_lines(w, b->p, b->n);
    return rc;
}

/* One CSV row per finding, read from the finding's JSON line as a merged
 * report reads it (report_merge.c): the columns cannot differ. Returns 0,
 * or -1 when out of memory. */
int out_csv_result(out_writer *w, const vigil_target_result *r)
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
