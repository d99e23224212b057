/* output_json.h - JSON records other than findings (summaries, the run
 * record, log and connection hits, intel tables), built with jansson and
 * written through an out_writer.
 *
 * Why a header of its own: every command that writes such a record needs
 * the same two things, strings made safe from hostile text and whole lines
 * written under the writer's flush policy; findings have their own writer
 * (finding_line.h). */
#ifndef VIGIL_CLI_OUTPUT_JSON_H
#define VIGIL_CLI_OUTPUT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "output.h"

/* s as a JSON string (NULL is null): invalid UTF-8 becomes U+FFFD.
 * out_jstrn keeps what follows a NUL (written \u0000). A new reference;
 * null when out of memory. */
json_t *out_jstr(const char *s);
json_t *out_jstrn(const char *s, size_t n);
/* o as one compact, ASCII-only line (with its newline); during a sweep the
 * caller holds w->lock. */
void out_put_json_line(out_writer *w, json_t *o);

#endif
