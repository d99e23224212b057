/* registry_scan.h - registry hives in the sweep (registry_scan.c).
 *
 * Why beside event_scan: a hive's values are registry events matched by the
 * same per-thread Sigma matcher as event logs, and reported through the
 * scanner the same way, one result per value with findings. */
#ifndef VIGIL_ENGINE_REGISTRY_SCAN_H
#define VIGIL_ENGINE_REGISTRY_SCAN_H

#include <stddef.h>

#include "core/diagsink.h"
#include "core/findings.h"
#include "engine/event_scan.h"
#include "ioc/ioc.h"
#include "vigil/scanner.h"

typedef struct vigil_registry_scan {
    vigil_event_scan *events;   /* Sigma matcher, NULL when the engine has no Sigma rules */
    const vigil_ioc_db *ioc;    /* NULL when no IOCs */
    vigil_ioc_scratch *scratch; /* of ioc */
    vigil_findings *fb;         /* the scanner's */
    const vigil_diag_sink *diag;
    vigil_event_scan_report_fn report; /* one call per value or key with findings */
    void *user;
    vigil_scan_stats *stats; /* registry counters and event_matches */
    const volatile int *cancel;
} vigil_registry_scan;

/* Reads every key and value of the hive in data (named path). A hive that
 * cannot be read is a warning diagnostic, not an error. */
vigil_status vigil_registry_scan_run(const vigil_registry_scan *rs, const char *path,
                                     const void *data, size_t len);

#endif
