/* vigil/engine.h - the engine: every rule and indicator, compiled once.
 *
 * An engine is built from rule sources (YARA files, IOC lists, ...), then
 * frozen. A frozen engine is immutable and shared by all worker threads;
 * each thread scans through its own vigil_scanner (see scanner.h). This is
 * libyara's split of compiled rules and per-thread scanners. */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "finding.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_engine vigil_engine;

typedef enum {
    VIGIL_RULES_AUTO = 0,         /* decide from the file name and extension */
    VIGIL_RULES_YARA = 1,         /* .yar / .yara */
    VIGIL_RULES_IOC_HASH = 2,     /* HASH;SCORE;DESCRIPTION */
    VIGIL_RULES_IOC_FILENAME = 3, /* REGEX;SCORE[;FP_REGEX] */
    VIGIL_RULES_IOC_C2 = 4,       /* DOMAIN_OR_IP[;SCORE] */
    VIGIL_RULES_SIGMA = 5,        /* Sigma YAML */
    VIGIL_RULES_STIX = 6,         /* STIX 2.1 JSON bundle of indicators */
    VIGIL_RULES_OPENIOC = 7,      /* OpenIOC 1.0/1.1 XML (*.ioc, *.xml) */
    VIGIL_RULES_MISP = 8,         /* MISP event JSON or MISP CSV export */
    VIGIL_RULES_CSV = 9,          /* CSV whose header names a value (and type) column */
    VIGIL_RULES_INTEL = 10        /* any of the intel formats or a plain list, told by content */
} vigil_rule_kind;

/* "auto", "yara", "hash", "filename", "c2", "sigma", "stix", "openioc", "misp",
 * "csv", "intel". Intel files feed the same hash, filename and C2 sets as
 * the Loki lists: hashes, file names and paths (matched as exact names),
 * domains, IPs, CIDRs and URLs (hunted in logs and live connections). */
const char *vigil_rule_kind_name(vigil_rule_kind kind);
/* Parses the names above; returns VIGIL_ERR_INVALID_ARG for others. */
vigil_status vigil_rule_kind_parse(const char *name, vigil_rule_kind *out);
/* The kind a rule file gets from its name when added with VIGIL_RULES_AUTO
 * (extension, and "hash"/"filename"/"c2" in IOC list names);
 * VIGIL_RULES_AUTO when the name says nothing (the file is then skipped in
 * a directory, or its content decides). */
vigil_rule_kind vigil_rule_kind_guess(const char *path);

typedef struct vigil_engine_options {
    vigil_diag_fn on_diag; /* may be NULL: diagnostics are dropped */
    void *diag_user;
    int strict; /* a broken rule file fails the load instead of being skipped */
    /* Sigma: the logsource mapping (data/sigma/logsources.yml; NULL = every
     * rule sees every event) and the placeholder values for |expand (a YAML
     * file or a directory of NAME.txt files; may be NULL). */
    const char *sigma_mapping;
    const char *sigma_placeholders;
    /* A directory where compiled pattern databases (the filename IOCs'
     * hyperscan database) are kept between runs, created if needed; a
     * damaged or foreign file there is ignored and rewritten. NULL: none. */
    const char *cache_dir;
} vigil_engine_options;

typedef struct vigil_engine_counts {
    uint64_t yara_rules;
    uint64_t hash_iocs;
    uint64_t filename_iocs;
    uint64_t c2_iocs;
    uint64_t sigma_rules;
    uint64_t files_loaded;       /* rule files accepted */
    uint64_t files_refused;      /* rule files skipped because broken */
    uint64_t sigma_correlations; /* of sigma_rules, correlation rules */
    uint64_t sigma_filters;      /* Sigma meta filters (not counted in sigma_rules) */
    uint64_t sigma_refused;      /* Sigma documents refused (each reported) */
    uint64_t filename_refused;   /* filename IOCs refused: not compiling, or matching "" */
    uint64_t allow_hashes;       /* hash allow-list entries (files never reported) */
} vigil_engine_counts;

vigil_status vigil_engine_create(const vigil_engine_options *opts, vigil_engine **out);
void vigil_engine_destroy(vigil_engine *engine); /* NULL is safe */

/* Adds a rule file, or every rule file found under a directory (recursively;
 * files whose kind cannot be told from their name are ignored there). A
 * broken file is reported through on_diag with its file and line and
 * skipped (VIGIL_ERR_RULE is returned only with strict). */
vigil_status vigil_engine_add_path(vigil_engine *engine, const char *path, vigil_rule_kind kind);

/* Adds a hash allow-list (Loki's false-positive hash format, HASH;DESC per
 * line): a file whose MD5, SHA1 or SHA256 is listed is not reported, and is
 * counted in vigil_scan_stats.allowlisted. IOC files under a rule path
 * whose name has "hash" and "falsepositive" are read as allow-lists too. */
vigil_status vigil_engine_add_allow_hashes(vigil_engine *engine, const char *path);

/* Adds rules from memory; name is used in diagnostics and findings. */
vigil_status vigil_engine_add_string(vigil_engine *engine, vigil_rule_kind kind, const char *name,
                                     const char *text, size_t len);

/* Compiles everything added. Afterwards the engine is read-only and may be
 * used from any number of threads. VIGIL_ERR_NO_RULES if nothing loaded. */
vigil_status vigil_engine_freeze(vigil_engine *engine);

void vigil_engine_get_counts(const vigil_engine *engine, vigil_engine_counts *out);

/* Which file hashes the loaded IOCs need (VIGIL_HASH_* bits). */
#define VIGIL_HASH_MD5 1u
#define VIGIL_HASH_SHA1 2u
#define VIGIL_HASH_SHA256 4u
unsigned vigil_engine_hash_kinds(const vigil_engine *engine);

/* One loaded rule, for listings (`vigil rules list`). */
typedef struct vigil_rule_info {
    vigil_rule_kind kind;
    const char *name;
    const char *ns;     /* YARA namespace, may be NULL */
    const char *source; /* file the rule came from */
    uint64_t line;      /* its line there, 0 if unknown */
    const char *const *tags;
    size_t ntags;
    const char *description; /* may be NULL */
    const char *author;
    const char *reference;
    int score;         /* what a finding of this rule scores */
    vigil_level level; /* the level of that score with the default thresholds */
    int is_private;    /* never reported by itself */
} vigil_rule_info;

/* Return non-zero to stop (the call then returns VIGIL_ERR_ABORTED). */
typedef int (*vigil_rule_fn)(const vigil_rule_info *rule, void *user);

/* Every YARA rule, then every Sigma rule (detections and correlations; name
 * is the title, score from the level), of a frozen engine, in load order. IOC
 * entries are not listed one by one; vigil_engine_get_counts counts them. */
vigil_status vigil_engine_foreach_rule(const vigil_engine *engine, vigil_rule_fn fn, void *user);

/* Score of a Sigma level: informational 20, low 40, medium 60, high 80,
 * critical 100; a missing or unknown level scores 40. */
int vigil_sigma_level_score(const char *level);

/* ---- YARA grouping --------------------------------------------------------
 * At freeze, YARA rules are grouped by what their conditions provably need
 * from a file (magic bytes such as "MZ" at 0, filesize bounds, tests of the
 * external variables) and compiled into a few rule sets; each file is then
 * scanned only with the sets it can match. Findings are exactly those of
 * one plain rule set. */
typedef enum {
    VIGIL_YARA_GROUPING_AUTO = 0,     /* merged sets: one scan per file (default) */
    VIGIL_YARA_GROUPING_OFF = 1,      /* one rule set, every file scanned with all */
    VIGIL_YARA_GROUPING_PER_GROUP = 2 /* one set per group (several scans per file) */
} vigil_yara_grouping_mode;

/* Before freeze; VIGIL_ERR_FROZEN after. */
vigil_status vigil_engine_set_yara_grouping(vigil_engine *engine, vigil_yara_grouping_mode mode);

typedef struct vigil_yara_group_stat {
    const char *name; /* "mz", "elf", "magic", "name", "size", "any" */
    uint64_t rules;   /* rules whose matches this group reports (private included) */
    uint64_t copies;  /* rules copied in because its rules need them */
} vigil_yara_group_stat;

typedef struct vigil_yara_set_stat {
    const char *name; /* the groups it holds, e.g. "mz+name+size+any" */
    uint64_t rules;   /* rules compiled into it, copies included */
} vigil_yara_set_stat;

typedef struct vigil_yara_nopre_rule {
    const char *name;
    const char *ns;
    const char *source;
    uint64_t line;
    const char *reason; /* why no precondition could be proven */
} vigil_yara_nopre_rule;

typedef struct vigil_yara_grouping {
    int active;           /* 1: files are scanned per group; 0: one rule set */
    const char *mode;     /* "auto", "off" or "per-group" */
    const char *fallback; /* why grouping is not in use although asked, or NULL */
    const vigil_yara_group_stat *groups;
    size_t ngroups;
    const vigil_yara_set_stat *sets;
    size_t nsets;
    const vigil_yara_nopre_rule *nopre; /* rules with no magic/size/name precondition */
    size_t nnopre;
    /* The literal gate: before a libyara pass over a file that is not a PE
     * file, the byte sequences the rules' strings need are searched in one
     * Hyperscan pass and each condition is evaluated without the strings
     * found absent; the pass is skipped when no rule can match. */
    uint64_t gate_rules;                  /* rules it decides for (0: no gate) */
    uint64_t gate_refutable;              /* of which: cannot match without one of their literals */
    uint64_t gate_literals;               /* distinct byte sequences searched */
    const vigil_yara_nopre_rule *ungated; /* no precondition and no literal rules them
                                             out: a libyara pass over every file their
                                             magic, size and name tests let through;
                                             reason: why the gate cannot */
    size_t nungated;
    uint64_t gate_strings_pruned; /* strings a rule does not need to be ruled out: searched
                                     (with gate_literals_all) only in a second pass over a
                                     file the other literals leave a rule possible in */
    uint64_t gate_literals_all;   /* distinct byte sequences of that second pass */
} vigil_yara_grouping;

/* How the YARA rules of a frozen engine were grouped. Everything is owned
 * by the engine. Zeroed (active 0) when no YARA rules are loaded. */
vigil_status vigil_engine_yara_grouping(const vigil_engine *engine, vigil_yara_grouping *out);

/* What each YARA rule the literal gate decides for costs (`vigil rules
 * stats PATH...`): why the gate cannot rule it out on a file without its
 * literals, and on how many files swept since vigil_engine_yara_count_costs
 * it left a libyara pass (it may match there, as far as the gate knows). */
typedef struct vigil_yara_rule_cost {
    const char *name;
    const char *ns;
    const char *source;
    uint64_t line;
    const char *reason; /* NULL when no file without one of its literals can match */
    uint64_t files;     /* files whose libyara pass it may need */
} vigil_yara_rule_cost;

/* From now on the gate decides every rule on every file (no early stop, so
 * sweeps are slower; findings are the same) and counts. Frozen engine,
 * before sweeping. VIGIL_OK without YARA rules or a gate (nothing counted). */
vigil_status vigil_engine_yara_count_costs(vigil_engine *engine);
/* The gate's rules in load order, into out (cap entries, may be 0); *n the
 * number of them. Strings are owned by the engine. */
vigil_status vigil_engine_yara_rule_costs(const vigil_engine *engine, vigil_yara_rule_cost *out,
                                          size_t cap, size_t *n);

/* Level of a score with the default thresholds 40/60/80. */
vigil_level vigil_level_of_score(int score);

#ifdef __cplusplus
}
#endif
#endif
