/* output_csv.c - the CSV timeline (see output_csv.h for the why of the
 * neutralising cell writer).
 *
 * Columns: Timestamp, Computer, Channel, EventID, Level, Rule, Details,
 * Path, RecordID (Hayabusa's order, Path where Hayabusa has the log's
 * file), then Kind, RuleLevel, Score, Tags, FileType, Size, MD5, SHA1,
 * SHA256, Host. docs/output.md documents each. */
#include "output_csv.h"

#include <stddef.h>
#include <string.h>

#include "text_escape.h"

const char csv_header[] = "Timestamp,Computer,Channel,EventID,Level,Rule,Details,Path,RecordID,"
                          "Kind,RuleLevel,Score,Tags,FileType,Size,MD5,SHA1,SHA256,Host\r\n";

/* s[0..n), which holds nothing to escape, with its quotes doubled. */
static void put_doubling_quotes(json_buf *b, const char *s, size_t n)
{
    for (const char *q; n > 0 && (q = memchr(s, '"', n)) != NULL;) {
        size_t k = (size_t)(q - s) + 1;
        json_buf_put(b, s, k);
        json_buf_lit(b, "\"");
        s += k;
        n -= k;
    }
    json_buf_put(b, s, n);
}

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
    /* controls (ESC, C1, bidi) and bytes that are not UTF-8 as the text
     * output writes them (text_escape.h), never raw */
    for (size_t i = 0; i < n;) {
        size_t run = text_escape_csv_span(s + i, n - i);
        put_doubling_quotes(b, s + i, run);
        i += run;
        if (i < n) {
            char e[8];
            i += text_escape_csv_one(s + i, n - i, e);
            json_buf_put(b, e, strlen(e));
        }
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

/* How a column's cell is found in a report_row. */
enum {
    COL_STR,    /* a const char * member (NULL = empty) */
    COL_CHARS,  /* a char array member */
    COL_NUMBER, /* a char array holding a number we formatted: not neutralised */
    COL_BUF     /* a json_buf member (p NULL = empty) */
};

/* The columns of csv_header, in order. */
static const struct csv_column {
    size_t offset;
    unsigned char kind;
} COLUMNS[] = {
    {offsetof(report_row, time), COL_STR},
    {offsetof(report_row, computer), COL_STR},
    {offsetof(report_row, channel), COL_STR},
    {offsetof(report_row, event_id), COL_CHARS}, /* a string when the EventID is not a number */
    {offsetof(report_row, level), COL_STR},
    {offsetof(report_row, rule), COL_STR},
    {offsetof(report_row, details), COL_BUF},
    {offsetof(report_row, path), COL_STR},
    {offsetof(report_row, record_id), COL_NUMBER},
    {offsetof(report_row, kind), COL_STR},
    {offsetof(report_row, rule_level), COL_STR},
    {offsetof(report_row, score), COL_NUMBER},
    {offsetof(report_row, tags), COL_BUF},
    {offsetof(report_row, filetype), COL_STR},
    {offsetof(report_row, size), COL_NUMBER},
    {offsetof(report_row, md5), COL_STR},
    {offsetof(report_row, sha1), COL_STR},
    {offsetof(report_row, sha256), COL_STR},
    {offsetof(report_row, host), COL_STR},
};

void csv_row(json_buf *b, const report_row *r)
{
    for (size_t i = 0; i < sizeof COLUMNS / sizeof COLUMNS[0]; i++) {
        const void *field = (const char *)r + COLUMNS[i].offset;
        if (i > 0)
            json_buf_lit(b, ",");
        switch (COLUMNS[i].kind) {
        case COL_STR:
            csv_cell(b, *(const char *const *)field);
            break;
        case COL_CHARS:
            csv_cell(b, (const char *)field);
            break;
        case COL_NUMBER:
            csv_cell_plain(b, (const char *)field);
            break;
        default:
            csv_cell(b, ((const json_buf *)field)->p);
            break;
        }
    }
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
