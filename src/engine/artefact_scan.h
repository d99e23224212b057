/* artefact_scan.h - Windows artefacts of a target as persistence and execution
 * findings (see artefact_scan.c). */
#ifndef VIGIL_ENGINE_ARTEFACT_SCAN_H
#define VIGIL_ENGINE_ARTEFACT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "core/findings.h"
#include "ioc/ioc.h"
#include "vigil/scanner.h"

/* The informational score of an entry whose target matches no IOC. */
#define VIGIL_WINSCAN_SCORE 20

/* If the target is a scheduled task, a file in a Startup folder, a LNK or
 * a Prefetch file: one finding per entry, and the filename IOCs checked on
 * each entry's target. An artefact that cannot be parsed is said (warning)
 * and counted; the sweep goes on. */
vigil_status vigil_artefact_scan_run(const vigil_ioc_db *db, vigil_ioc_scratch *scratch,
                                     const char *path, const uint8_t *data, size_t len,
                                     vigil_findings *fb, const vigil_diag_sink *diag,
                                     vigil_scan_stats *stats);

#endif
