/* output_csv.c - the CSV timeline (see output_csv.h for the why of the
 * neutralising cell writer).
 *
 * Columns: Timestamp, Computer, Channel, EventID, Level, Rule, Details,
 * Path, RecordID (Hayabusa's order, Path where Hayabusa has the log's
 * file), then Kind, RuleLevel, Score, Tags, FileType, Size, MD5, SHA1,
 * SHA256, Host. docs/output.md documents each. */
#include "output_csv.h"

#include <string.h>

const char csv_header[] = "Timestamp,Computer,Channel,EventID,Level,Rule,Details,Path,RecordID,"
                          "Kind,RuleLevel,Score,Tags,FileType,Size,MD5,SHA1,SHA256,Host\r\n";

static void cell(json_buf *b, const char *s, int neutralise)
{
    size_t n = strlen(s);
    int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    int lead = neutralise && n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
    if (!quote)
        quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        json_buf_lit(b, "\"");
    if (lead)
        json_buf_lit(b, "'");
    for (const char *p = s, *q; *p; p = q + 1) {
        q = strchr(p, '"');
        if (q == NULL) {
            json_buf_put(b, p, strlen(p));
            break;
        }
        json_buf_put(b, p, (size_t)(q - p) + 1);
        json_buf_lit(b, "\"");
    }
    if (quote)
        json_buf_lit(b, "\"");
}

void csv_cell(json_buf *b, const char *s)
{
    cell(b, s ? s : "", 1);
}

void csv_cell_plain(json_buf *b, const char *s)
{
    cell(b, s ? s : "", 0);
}

void csv_row(json_buf *b, const report_row *r)
{
    csv_cell(b, r->time);
    json_buf_lit(b, ",");
    csv_cell(b, r->computer);
    json_buf_lit(b, ",");
    csv_cell(b, r->channel);
    json_buf_lit(b, ",");
    csv_cell(b, r->event_id); /* a string when the log's EventID is not a number */
    json_buf_lit(b, ",");
    csv_cell(b, r->level);
    json_buf_lit(b, ",");
    csv_cell(b, r->rule);
    json_buf_lit(b, ",");
    csv_cell(b, r->details.p ? r->details.p : "");
    json_buf_lit(b, ",");
    csv_cell(b, r->path);
    json_buf_lit(b, ",");
    csv_cell_plain(b, r->record_id);
    json_buf_lit(b, ",");
    csv_cell(b, r->kind);
    json_buf_lit(b, ",");
    csv_cell(b, r->rule_level);
    json_buf_lit(b, ",");
    csv_cell_plain(b, r->score);
    json_buf_lit(b, ",");
    csv_cell(b, r->tags.p ? r->tags.p : "");
    json_buf_lit(b, ",");
    csv_cell(b, r->filetype);
    json_buf_lit(b, ",");
    csv_cell_plain(b, r->size);
    json_buf_lit(b, ",");
    csv_cell(b, r->md5);
    json_buf_lit(b, ",");
    csv_cell(b, r->sha1);
    json_buf_lit(b, ",");
    csv_cell(b, r->sha256);
    json_buf_lit(b, ",");
    csv_cell(b, r->host);
    json_buf_lit(b, "\r\n");
}

int csv_write_finding(FILE *fp, report_row *row, json_buf *line, const json_t *finding,
                      const char *host_fallback)
{
    line->n = 0;
    line->fail = 0;
    if (report_row_fill(row, finding, host_fallback) != 0)
        return -1;
    csv_row(line, row);
    if (line->fail)
        return -1;
    fwrite(line->p, 1, line->n, fp);
    return 0;
}
