/* output_csv.h - findings as a CSV timeline (RFC 4180), the columns
 * Hayabusa users know first, then the file columns.
 *
 * Why a cell writer of its own: a cell comes from an attacker (file names,
 * event fields, rule text), and a spreadsheet runs a cell that starts with
 * = + - @ (or a tab or CR before one of them) as a formula. Such text cells
 * get a leading ' (OWASP's advice); numbers vigil writes itself do not.
 * Control characters other than TAB, LF and CR (ESC, DEL, C1 as U+0080..
 * U+009F or raw bytes, bidi overrides) and bytes that are not UTF-8 are
 * escaped as the text output escapes them (text_escape.h): `cat` of the
 * file cannot reprogram a terminal, and the file is valid UTF-8. */
#ifndef VIGIL_CLI_OUTPUT_CSV_H
#define VIGIL_CLI_OUTPUT_CSV_H

#include <jansson.h>
#include <stdio.h>

#include "json_line.h"
#include "report_row.h"

/* The header line, CRLF-terminated. */
extern const char csv_header[];

/* s as one CSV cell: quoted when it holds , " CR or LF (quotes doubled) or
 * starts or ends with a space; neutralised (a leading ') when it starts
 * with = + - @ tab or CR; controls escaped (\x1b, \u009b). */
void csv_cell(json_buf *b, const char *s);
/* A cell vigil wrote itself (a number): quoted when needed, never changed. */
void csv_cell_plain(json_buf *b, const char *s);

/* The CRLF-terminated line of row. */
void csv_row(json_buf *b, const report_row *row);

/* Writes the line of finding (host_fallback as in report_row_fill) to fp.
 * row is scratch kept between calls. 0, or -1 out of memory. */
int csv_write_finding(FILE *fp, report_row *row, json_buf *line, const json_t *finding,
                      const char *host_fallback);

#endif
