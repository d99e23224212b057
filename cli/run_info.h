/* run_info.h - who ran what where: the `"type":"run"` record that opens a
 * JSONL result file.
 *
 * Why: results of many hosts are merged into one report (vigil report
 * merge), and a finding must never lose the host it came from, nor the
 * rules that produced it. The record names the host (name, machine id, OS),
 * the scan (a random id, start time, the command line, vigil's version) and
 * every rule set loaded with a digest of its content, so two reports can be
 * told apart even when run with the same options. */
#ifndef VIGIL_CLI_RUN_INFO_H
#define VIGIL_CLI_RUN_INFO_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "ruleset.h"

typedef struct run_info {
    char host[256];
    char machine_id[64];
    char os[256];
    char scan_id[40];     /* a random UUID (version 4) */
    int64_t start_ms;     /* since the epoch, UTC */
    json_t *command_line; /* array of the arguments */
    json_t *rule_sets;    /* array of {path, kind, files, sha256} */
} run_info;

/* Collects the host, a new scan id, the start time and the command line
 * (argv of `vigil`, the subcommand included). Never fails: what cannot be
 * read is left "". */
void run_info_init(run_info *ri, int argc, char **argv);
/* Adds the digest of each rule path of ra (files are hashed as they are;
 * a directory as the sorted list of its files' relative names and
 * SHA-256s). */
void run_info_add_rules(run_info *ri, const rule_args *ra);
/* The same on a thread of its own, while the rules load (the digests read
 * every rule file again: thousands with whole public rule sets); _wait
 * joins it, or computes them then when no thread could be had. Nothing
 * else may touch ri->rule_sets in between. */
typedef struct run_info_digests {
    run_info *ri;
    const rule_args *ra;
    pthread_t thread;
    int started;
} run_info_digests;
void run_info_add_rules_start(run_info_digests *d, run_info *ri, const rule_args *ra);
void run_info_add_rules_wait(run_info_digests *d);
void run_info_free(run_info *ri);

/* The `"type":"run"` object (a new reference). command is "scan", "logs"... */
json_t *run_info_json(const run_info *ri, const char *command);

/* "2026-12-05T11:40:00.123Z" of ms since the epoch. */
void run_info_time(int64_t ms, char *buf, size_t cap);
/* Now, ms since the epoch (CLOCK_REALTIME). */
int64_t run_info_now_ms(void);

#endif
