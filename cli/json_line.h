/* json_line.h - a JSON object written as one line without jansson's dumper.
 *
 * Why: the sweep writes one line per matching event; see json_line.c. */
#ifndef VIGIL_CLI_JSON_LINE_H
#define VIGIL_CLI_JSON_LINE_H

#include <jansson.h>
#include <stdio.h>

/* Writes o and a newline to fp exactly as json_dumps(o, JSON_COMPACT |
 * JSON_ENSURE_ASCII) would. Returns -1, having written nothing, when o
 * holds what it does not render (reals, strings that are not UTF-8) or
 * memory ran out: the caller then uses json_dumps. */
int json_line_write(FILE *fp, const json_t *o);

#endif
