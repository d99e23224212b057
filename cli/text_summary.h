/* text_summary.h - the closing tables of the text output, as Hayabusa
 * users know them: detections by level, the top rules with their counts,
 * the hosts, the first and last event time; and the "Details" of an event
 * line (the matched values and ATT&CK tags).
 *
 * Why apart from output.c: the tables need tallies by rule and host over
 * the whole sweep (hash tables of their own), and output.c is the shared
 * renderer every command uses. */
#ifndef VIGIL_CLI_TEXT_SUMMARY_H
#define VIGIL_CLI_TEXT_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "vigil/vigil.h"

typedef struct text_tally text_tally;

text_tally *text_tally_create(void);
void text_tally_destroy(text_tally *t);
/* Counts a shown result: its findings by rule and level, its host (the
 * event's Computer, else local_host), its time. */
void text_tally_add(text_tally *t, const vigil_target_result *r, const char *local_host);
/* Events and files (targets that are not events) counted. */
uint64_t text_tally_events(const text_tally *t);
uint64_t text_tally_files(const text_tally *t);
/* The tables; bold/reset are colour escapes or "". */
void text_tally_print(const text_tally *t, FILE *fp, const char *bold, const char *reset);

/* "  Image: C:\x.exe ¦ CommandLine: ...  [attack.t1059]" of an event's
 * findings (their matched fields, once each, and tags), escaped as all
 * text output is (text_escape.h), to fp. Nothing when there is nothing to show. */
void text_event_details(FILE *fp, const vigil_target_result *r);

#endif
