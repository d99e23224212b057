/* output_net.h - rendering log hunting hits and live-connection hits in the
 * same two styles as the sweep (output.h): text for people, JSON Lines for
 * machines, through the same out_writer (its lock, colours and counters). */
#ifndef VIGIL_CLI_OUTPUT_NET_H
#define VIGIL_CLI_OUTPUT_NET_H

#include <jansson.h>

#include "output.h"
#include "output_json.h"
#include "vigil/logs.h"

/* vigil_log_fn and vigil_conn_fn; user is the out_writer. Hits whose score
 * is below w->min_level's threshold are counted but not shown. */
int out_log_hit(const vigil_log_hit *h, void *user);
int out_conn_hit(const vigil_conn_hit *h, void *user);

/* rule_files_refused: rule files skipped as broken (vigil_engine_counts) */
void out_logs_summary(out_writer *w, const vigil_logs_stats *st, uint64_t rule_files_refused,
                      const char *version);
void out_conns_summary(out_writer *w, size_t indicators, double seconds, const char *version);

#endif
