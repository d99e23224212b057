/* vigil/finding.h - what a scan reports: findings grouped per target.
 *
 * A finding is never an error: it is data, delivered to a callback. Findings
 * are grouped per target (a file, or an archive member named
 * "outer.zip!dir/inner.exe") so that a file's total score and level can be
 * computed and shown once. All pointers are valid only during the callback. */
#ifndef VIGIL_FINDING_H
#define VIGIL_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIGIL_FINDING_YARA = 0,
    VIGIL_FINDING_HASH = 1,     /* file hash equals a hash IOC */
    VIGIL_FINDING_FILENAME = 2, /* path matches a filename/path IOC */
    VIGIL_FINDING_C2 = 3,       /* a C2 domain/IP IOC seen */
    VIGIL_FINDING_SIGMA = 4,    /* an event matched a Sigma rule */
    VIGIL_FINDING_CORRELATION = 5,
    VIGIL_FINDING_PERSISTENCE =
        6,                       /* an autostart entry: registry, scheduled task, startup folder */
    VIGIL_FINDING_EXECUTION = 7, /* evidence a program ran: Prefetch, LNK */
} vigil_finding_kind;

/* Short lower-case name: "yara", "hash", "filename", "c2", "sigma", ... */
const char *vigil_finding_kind_name(vigil_finding_kind kind);

typedef enum {
    VIGIL_LEVEL_INFO = 0, /* below the notice threshold */
    VIGIL_LEVEL_NOTICE = 1,
    VIGIL_LEVEL_WARNING = 2,
    VIGIL_LEVEL_ALERT = 3
} vigil_level;
#define VIGIL_LEVEL_COUNT 4

const char *vigil_level_name(vigil_level level); /* "info", "notice", ... */
/* ms since the epoch (a vigil_finding_event's time_ms) as
 * "2019-03-19T23:33:51.123Z" into buf; "" for 0 (unknown). */
void vigil_time_ms_format(int64_t ms, char *buf, size_t cap);

typedef struct vigil_meta {
    const char *key;
    const char *value; /* integers and booleans rendered as text */
} vigil_meta;

typedef struct vigil_string_match {
    const char *id;  /* "$s1" */
    uint64_t offset; /* within the target */
    uint32_t length; /* matched length */
} vigil_string_match;

/* One event grouped by a correlation finding. */
typedef struct vigil_finding_event {
    const char *source;  /* file the event came from (archive members joined by '!') */
    uint64_t record_id;  /* EVTX record id or JSON object number */
    int64_t time_ms;     /* event time, ms since the epoch (UTC), 0 if unknown */
    const char *rule;    /* title of the rule (or correlation) that matched it */
    const char *rule_id; /* its id, may be NULL */
} vigil_finding_event;

typedef struct vigil_finding {
    vigil_finding_kind kind;
    const char *rule;        /* YARA rule name, IOC value or regex */
    const char *ns;          /* YARA namespace / rule set name, may be NULL */
    const char *rule_source; /* file the rule or IOC came from, may be NULL */
    uint64_t rule_line;      /* line in rule_source, 0 if unknown */
    const char *description; /* may be NULL */
    const char *author;      /* may be NULL */
    const char *reference;   /* may be NULL */
    const char *matched;     /* the value that matched (hash, path), may be NULL */
    int score;               /* 0..100 */
    const char *const *tags;
    size_t ntags;
    const vigil_meta *meta; /* all meta of the rule, in order */
    size_t nmeta;
    const vigil_string_match *strings; /* bounded, see scan options */
    size_t nstrings;
    size_t strings_total; /* matches found before the bound applied */
    /* Sigma and correlation findings (NULL / 0 for the other kinds): */
    const char *rule_id;           /* Sigma rule id, may be NULL */
    const char *rule_level;        /* Sigma level: "informational" ... "critical", may be NULL */
    const char *const *references; /* all references of the rule */
    size_t nreferences;
    const vigil_field *fields; /* SIGMA: event fields a positive test matched;
                                  CORRELATION: the group-by fields and values */
    size_t nfields;
    const vigil_finding_event *events; /* CORRELATION: the grouped events, by time */
    size_t nevents;
    uint64_t count; /* CORRELATION: events, distinct values or rules counted */
    uint64_t line;  /* C2 in a text log: the 1-based line of the hit (0 otherwise) */
    int has_value;  /* CORRELATION value_sum/value_avg/value_percentile: */
    double value;   /* the sum, mean or share in percent the condition met */
} vigil_finding;

typedef struct vigil_target_result {
    const char *path;     /* display path, archive members joined by '!' */
    uint64_t size;        /* bytes */
    const char *filetype; /* "EXE", "ELF", "ZIP", ... or "" */
    const char *md5;      /* lower-case hex, or NULL when not computed */
    const char *sha1;
    const char *sha256;
    int64_t mtime; /* seconds since the epoch, 0 if unknown */
    int score;     /* weighted total of the findings */
    vigil_level level;
    const vigil_finding *findings;
    size_t nfindings;
    /* A result about one event of an event log (EVTX, JSON Lines) inside the
     * target: its Sigma findings. NULL for results about the file itself and
     * for correlations (whose events are listed in their finding). */
    const vigil_event *event;
    uint64_t record_id;     /* the event's record id, 0 if none */
    const char *event_time; /* its TimeCreated (ISO-8601), may be NULL */
} vigil_target_result;

/* Called once per target that has at least one finding. Return 0 to go on,
 * non-zero to stop the scan (the call then returns VIGIL_ERR_ABORTED). Calls
 * made by one sweep are serialised; never from two threads at once. */
typedef int (*vigil_result_fn)(const vigil_target_result *result, void *user);

/* The weighted total: scores sorted in descending order,
 * total = 100 * (1 - prod(1 - s_i / (100 * 2^i))), rounded to nearest. */
int vigil_score_combine(const int *scores, size_t n);

#ifdef __cplusplus
}
#endif
#endif
