/* scan_quarantine.h - `vigil scan --quarantine`: which files go to the
 * quarantine store, moving them after the sweep, and the record of it in
 * the output.
 *
 * The sweep's results are collected as they arrive (the file, or for a
 * finding inside an archive the outer file on disk, with the SHA-256 seen
 * during the scan); the moves run once the sweep is over, so that a file is
 * never moved while a worker is reading it. */
#ifndef VIGIL_CLI_SCAN_QUARANTINE_H
#define VIGIL_CLI_SCAN_QUARANTINE_H

#include <stdio.h>

#include "output.h"
#include "vigil/vigil.h"

typedef struct scan_quarantine scan_quarantine;

/* level: files whose level reaches it are taken; dir NULL: the default. */
scan_quarantine *scan_quarantine_create(vigil_level level, const char *dir);
void scan_quarantine_destroy(scan_quarantine *sq);
/* From the result callback (calls are serialised by the sweep). */
void scan_quarantine_collect(scan_quarantine *sq, const vigil_target_result *r);
/* Moves the collected files, writing one record each to w; returns the
 * number that could not be quarantined (or -1 when the store could not be
 * opened). */
long scan_quarantine_run(scan_quarantine *sq, out_writer *w);
/* The closing line: counts and the store. */
void scan_quarantine_summary(scan_quarantine *sq, out_writer *w);

/* Shared with cmd_quarantine.c. */
int quarantine_parse_level(const char *s, vigil_level *out);

/* A diagnostic from the store on stderr, its source escaped. */
void quarantine_diag(const vigil_diag *d, void *user);

#endif
