/* log_scan.h - C2 indicators in the text logs a sweep meets (see log_scan.c). */
#ifndef VIGIL_ENGINE_LOG_SCAN_H
#define VIGIL_ENGINE_LOG_SCAN_H

#include <stddef.h>

#include "core/diagsink.h"
#include "core/findings.h"
#include "netioc/netioc.h"

/* Most C2 findings kept for one log; the rest are counted and said. */
#define VIGIL_SCANLOG_MAX_FINDINGS 1000

/* Appends a VIGIL_FINDING_C2 per (line, indicator) of data, the text of
 * the log named path, to fb (the matcher of `vigil logs`). A log with more
 * hits than the bound gets a warning naming how many were not reported. */
vigil_status vigil_log_scan_run(const vigil_netioc_db *db, vigil_netioc_scratch *scratch,
                                const char *path, const void *data, size_t len, vigil_findings *fb,
                                const vigil_diag_sink *diag);

#endif
