/* output_internal.h - what the parts of the result writer share; commands
 * use output.h.
 *
 * The writer is one object (out_writer) rendered by several files, one
 * purpose each: output.c (the lock, the counters, when bytes reach the
 * file), output_text.c, output_findings.c (JSONL and CSV),
 * output_summary.c, output_progress.c, and output_net.c for the hits of
 * `vigil logs` and `vigil connections`. Only they include this. */
#ifndef VIGIL_CLI_OUTPUT_INTERNAL_H
#define VIGIL_CLI_OUTPUT_INTERNAL_H

#include <stddef.h>

#include "output.h"

/* ANSI attributes of the text output (w->color). */
#define OUT_C_RESET "\033[0m"
#define OUT_C_BOLD "\033[1m"
#define OUT_C_DIM "\033[2m"
#define OUT_C_RED "\033[1;31m"
#define OUT_C_YELLOW "\033[1;33m"
#define OUT_C_CYAN "\033[36m"

/* The colour of a level in text output (output_text.c). */
const char *out_level_color(vigil_level l);

/* Writes n bytes of whole lines to w->fp so that every write(2) of a
 * buffered stream ends on a line boundary (output.c). w->lock held. */
void out_put_lines(out_writer *w, const char *p, size_t n);

/* The result in w's format, w->lock held. The JSONL and CSV writers return
 * 0, or -1 when a line or row could not be made (out of memory): the lines
 * before it are written. */
void out_text_result(out_writer *w, const vigil_target_result *r);
int out_jsonl_result(out_writer *w, const vigil_target_result *r);
int out_csv_result(out_writer *w, const vigil_target_result *r);

#endif
