/* event_scan.h - Sigma in the sweep: the events of event logs met by a scanner,
 * and the one correlator a sweep shares between its scanners.
 *
 * Why a separate unit: scanner.c reads a target once and runs the
 * file-level matchers; when the bytes are an event log (EVTX, or JSON Lines
 * exported events) and the engine has Sigma rules, every event is matched
 * here and each matching event is handed back to the scanner to be reported
 * as a result of its own. Correlation rules need every match of a sweep,
 * whatever thread saw it, so matches go to a hub: one correlator under a
 * lock, finished once at the end and turned into correlation results. */
#ifndef VIGIL_ENGINE_EVENT_SCAN_H
#define VIGIL_ENGINE_EVENT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "core/findings.h"
#include "vigil/engine.h"
#include "vigil/scanner.h"
#include "vigil/sigma.h"

/* ---- the shared correlator (correlate.c) ---- */

typedef struct vigil_correlator vigil_correlator;

/* NULL in *out with VIGIL_OK when the engine has no correlation rules. */
vigil_status vigil_correlator_create(const vigil_engine *engine, vigil_correlator **out);
void vigil_correlator_destroy(vigil_correlator *hub); /* NULL is safe */

/* Records one match (thread-safe). */
vigil_status vigil_correlator_feed(vigil_correlator *hub, const vigil_sigma_match *match);

/* Evaluates the correlations over everything fed, reports each result to
 * opt->on_result as a target with one VIGIL_FINDING_CORRELATION finding
 * (levels by opt's thresholds, which must be filled in), counts them into
 * stats (may be NULL) and starts afresh. VIGIL_ERR_ABORTED when on_result
 * asked to stop. */
vigil_status vigil_correlator_finish(vigil_correlator *hub, const vigil_scan_options *opt,
                                     vigil_scan_stats *stats);

/* Makes a scanner feed this hub instead of its own (the sweep's way to have
 * one correlator for all its workers). Call before the first scan; the hub
 * must outlive the scanner's last scan. */
void vigil_scanner_attach_hub(vigil_scanner *scanner, vigil_correlator *hub);

/* ---- events of one target (event_scan.c) ---- */

typedef struct vigil_event_scan vigil_event_scan;

/* Called once per event with at least one reported finding, the findings
 * in fb. A status other than VIGIL_OK stops the target. */
typedef vigil_status (*vigil_event_scan_report_fn)(void *user, const vigil_event *event,
                                                   vigil_findings *fb);

/* diag must outlive the event scan. */
vigil_status vigil_event_scan_create(const vigil_sigma_ruleset *rs, const vigil_diag_sink *diag,
                                     vigil_event_scan **out);
void vigil_event_scan_destroy(vigil_event_scan *es); /* NULL is safe */
void vigil_event_scan_set_hub(vigil_event_scan *es, vigil_correlator *hub);

/* Fills the rule part of a Sigma or correlation finding (name, id, level,
 * source, meta, score by level) from the rule's information. */
void vigil_finding_set_sigma_rule(vigil_finding *f, const vigil_sigma_rule_info *r);

/* Is this target an event log: an EVTX file, or a *.json / *.jsonl /
 * *.ndjson file whose text starts like exported Windows events? */
int vigil_event_scan_is_event_log(const char *path, const void *data, size_t len);

/* Matches every event of the event log in data (named path). Parse
 * problems are diagnostics; events and matches are added to the counters. */
vigil_status vigil_event_scan_run(vigil_event_scan *es, const char *path, const void *data,
                                  size_t len, vigil_findings *fb, vigil_event_scan_report_fn fn,
                                  void *user, uint64_t *events, uint64_t *matches);

/* Matches one event (a registry value, say) and appends its Sigma findings
 * to fb without reporting them; matches is incremented when one did. */
vigil_status vigil_event_scan_match_event(vigil_event_scan *es, const vigil_event *event,
                                          vigil_findings *fb, uint64_t *matches);

#endif
