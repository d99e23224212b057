/* vigil/sigma.h - Sigma rules matched against events (Windows event logs).
 *
 * Why this split: like the engine, Sigma rules are compiled once by a
 * builder into a frozen, immutable ruleset that any number of threads share;
 * each thread matches events through its own matcher (it owns scratch
 * space), and correlation rules, which need state across events, run in a
 * separate correlator fed with the matches. Events are flat name/value lists
 * (vigil/event.h), whatever produced them (EVTX parser, JSON Lines).
 *
 * Logsource scoping: given a mapping table (data/sigma/logsources.yml), a
 * rule only sees events whose Channel/EventID its logsource allows, and
 * rules are indexed by Channel and EventID. Without a mapping every rule
 * sees every event. */
#ifndef VIGIL_SIGMA_H
#define VIGIL_SIGMA_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "event.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_sigma_builder vigil_sigma_builder;
typedef struct vigil_sigma_ruleset vigil_sigma_ruleset;
typedef struct vigil_sigma_matcher vigil_sigma_matcher;
typedef struct vigil_sigma_correlator vigil_sigma_correlator;

typedef struct vigil_sigma_options {
    vigil_diag_fn on_diag; /* may be NULL: diagnostics are dropped */
    void *diag_user;
    const char *mapping_path;     /* logsource mapping YAML; NULL = no scoping */
    const char *placeholder_path; /* values for |expand: a YAML file mapping
                                     names to lists, or a directory of NAME.txt
                                     files with one value per line; may be NULL */
    int strict;                   /* a refused rule fails the add call */
    int no_prefilter;             /* disable the hyperscan prefilter (tests) */
    const char *cache_dir;        /* keep the prefilter's compiled databases
                                     here between runs; NULL = none */
} vigil_sigma_options;

typedef struct vigil_sigma_counts {
    uint64_t rules;        /* detection rules loaded */
    uint64_t correlations; /* correlation rules loaded */
    uint64_t filters;      /* meta filters loaded */
    uint64_t refused;      /* documents refused (each reported by a diagnostic) */
    uint64_t files;        /* files read */
} vigil_sigma_counts;

/* What a rule is; pointers live as long as the ruleset. */
typedef struct vigil_sigma_rule_info {
    const char *title;
    const char *id;          /* may be NULL */
    const char *name;        /* may be NULL */
    const char *level;       /* "informational" ... "critical", may be NULL */
    const char *status;      /* may be NULL */
    const char *author;      /* may be NULL */
    const char *description; /* may be NULL */
    const char *const *tags;
    size_t ntags;
    const char *const *references;
    size_t nreferences;
    const char *product; /* logsource, each may be NULL */
    const char *category;
    const char *service;
    const char *source; /* file the rule came from */
    uint64_t line;      /* line of the document in source */
    int is_correlation;
    int correlation_only; /* referenced by a correlation without `generate:
                             true`: its matches feed the correlator only */
} vigil_sigma_rule_info;

/* One event matched by one rule. Valid only during the callback. */
typedef struct vigil_sigma_match {
    const vigil_sigma_rule_info *rule;
    const vigil_event *event;
    const vigil_field *const *fields; /* event fields a positive test matched */
    size_t nfields;
} vigil_sigma_match;

/* Return 0 to go on, non-zero to stop matching this event. */
typedef int (*vigil_sigma_match_fn)(const vigil_sigma_match *match, void *user);

vigil_status vigil_sigma_builder_create(const vigil_sigma_options *opts, vigil_sigma_builder **out);
void vigil_sigma_builder_destroy(vigil_sigma_builder *builder); /* NULL is safe */

/* Adds a .yml/.yaml file, or every such file under a directory
 * (recursively). A refused rule is reported (file, line, reason) and
 * skipped; VIGIL_ERR_RULE only with strict. */
vigil_status vigil_sigma_builder_add_path(vigil_sigma_builder *builder, const char *path);

/* Adds rules from memory (one or several YAML documents). */
vigil_status vigil_sigma_builder_add_string(vigil_sigma_builder *builder, const char *name,
                                            const char *text, size_t len);

/* Compiles everything added into a frozen ruleset (resolving filters and
 * correlation references). The builder is left empty and may be destroyed.
 * VIGIL_ERR_NO_RULES if nothing loaded. */
vigil_status vigil_sigma_builder_build(vigil_sigma_builder *builder, vigil_sigma_ruleset **out);

void vigil_sigma_builder_get_counts(const vigil_sigma_builder *builder, vigil_sigma_counts *out);

void vigil_sigma_ruleset_destroy(vigil_sigma_ruleset *rs); /* NULL is safe */
void vigil_sigma_ruleset_get_counts(const vigil_sigma_ruleset *rs, vigil_sigma_counts *out);
/* Detection and correlation rules, by index (0 .. count-1). */
size_t vigil_sigma_ruleset_rule_count(const vigil_sigma_ruleset *rs);
const vigil_sigma_rule_info *vigil_sigma_ruleset_rule(const vigil_sigma_ruleset *rs, size_t i);

vigil_status vigil_sigma_matcher_create(const vigil_sigma_ruleset *rs, vigil_sigma_matcher **out);
void vigil_sigma_matcher_destroy(vigil_sigma_matcher *m); /* NULL is safe */
/* Where match-time warnings go (a regex that hit PCRE2's limits, once per
 * rule); none by default. */
void vigil_sigma_matcher_set_diag(vigil_sigma_matcher *m, vigil_diag_fn fn, void *user);

/* Runs every rule that can see this event; calls fn once per matching
 * rule (fn may be NULL). *nmatches (may be NULL) gets the match count. */
vigil_status vigil_sigma_matcher_match(vigil_sigma_matcher *m, const vigil_event *event,
                                       vigil_sigma_match_fn fn, void *user, size_t *nmatches);

/* Counters of one matcher: how much work the index and prefilter saved. */
typedef struct vigil_sigma_match_stats {
    uint64_t events;
    uint64_t candidates; /* rule evaluations after channel/EventID index */
    uint64_t evaluated;  /* rule evaluations after the prefilter */
    uint64_t matches;
    uint64_t regex_limited;   /* regex tests PCRE2's JIT gave up on (decided another way) */
    uint64_t regex_undecided; /* of those, the ones no way decided (taken as no match) */
} vigil_sigma_match_stats;
void vigil_sigma_matcher_get_stats(const vigil_sigma_matcher *m, vigil_sigma_match_stats *out);

/* ---- correlation (Sigma v2 meta rules) ---- */

typedef struct vigil_sigma_corr_event {
    const vigil_sigma_rule_info *rule; /* base rule (or correlation) that matched */
    const char *source;
    uint64_t record_id;
    int64_t time_ms; /* milliseconds since the epoch (UTC) */
} vigil_sigma_corr_event;

typedef struct vigil_sigma_corr_result {
    const vigil_sigma_rule_info *rule; /* the correlation rule */
    const char *const *group_fields;   /* group-by names */
    const char *const *group_values;   /* their values for this group */
    size_t ngroup;
    uint64_t count; /* events, distinct values or distinct rules, per type */
    int64_t first_ms;
    int64_t last_ms;
    const vigil_sigma_corr_event *events; /* grouped events, by time */
    size_t nevents;
    /* metric 1 (value_sum, value_avg, value_percentile): value is what the
     * condition was tested on, the sum or mean of condition.field (count:
     * the numbers added) or a value's share of the events in percent
     * (count: events); metric 0: value is count */
    int metric;
    double value;
} vigil_sigma_corr_result;

typedef int (*vigil_sigma_corr_fn)(const vigil_sigma_corr_result *res, void *user);

/* NULL in *out with VIGIL_OK when the ruleset has no correlation rules. */
vigil_status vigil_sigma_correlator_create(const vigil_sigma_ruleset *rs,
                                           vigil_sigma_correlator **out);
void vigil_sigma_correlator_destroy(vigil_sigma_correlator *c); /* NULL is safe */

/* Feeds one match (from any matcher; not thread-safe: serialise calls). The
 * event time comes from TimeCreated (ISO-8601); matches of rules no
 * correlation refers to are ignored. */
vigil_status vigil_sigma_correlator_feed(vigil_sigma_correlator *c, const vigil_sigma_match *match);

/* Evaluates every correlation over what was fed (in time order, whatever
 * the feeding order) and calls fn per result, chained correlations last. */
vigil_status vigil_sigma_correlator_finish(vigil_sigma_correlator *c, vigil_sigma_corr_fn fn,
                                           void *user);

/* ---- events from JSON ---- */

/* Reads events from JSON text: JSON Lines or concatenated JSON objects (a
 * top-level array is walked too). Both the evtx_dump/Chainsaw shape
 * {"Event":{"System":{...},"EventData":{...}}} and flat objects are
 * flattened into fields (System attributes joined by '_': Provider_Name;
 * TimeCreated from TimeCreated_SystemTime). Bad JSON is reported and
 * reading stops at that point. record_id is EventRecordID or the 1-based
 * object number. */
vigil_status vigil_sigma_json_events(const char *name, const char *text, size_t len,
                                     vigil_event_fn fn, void *user, vigil_diag_fn on_diag,
                                     void *diag_user);
vigil_status vigil_sigma_json_file(const char *path, vigil_event_fn fn, void *user,
                                   vigil_diag_fn on_diag, void *diag_user);

/* Parses an ISO-8601 time ("2025-11-26T05:11:27.927693Z", "2025-11-26
 * 05:11:27.908", offsets +hh:mm) into ms since the epoch. 0 on success. */
int vigil_sigma_parse_time(const char *s, int64_t *out_ms);

#ifdef __cplusplus
}
#endif
#endif
