/* intel.h - threat intel as it is published, loaded into a merged set.
 *
 * STIX 2.1 bundles, OpenIOC XML, MISP events (JSON or CSV), CSV tables and
 * plain lists are read into one deduplicated set that keeps every source of
 * every value, so a user can see what an alert holds (`vigil iocs stats`)
 * and write it out again in another format (`vigil iocs convert`). Loading
 * intel as rules for a sweep goes through the engine (vigil_engine_add_path
 * with VIGIL_RULES_INTEL and friends); this API is for inspecting and
 * converting. Bad input is a diagnostic naming file and position; the rest
 * of the document still loads. */
#ifndef VIGIL_PUBLIC_INTEL_H
#define VIGIL_PUBLIC_INTEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigil/diag.h"
#include "vigil/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIGIL_INTEL_MD5 = 0,
    VIGIL_INTEL_SHA1,
    VIGIL_INTEL_SHA256,
    VIGIL_INTEL_FILENAME, /* base name, exact (case kept) */
    VIGIL_INTEL_PATH,     /* full path, exact (case kept) */
    VIGIL_INTEL_DOMAIN,   /* lower-case, no trailing dot, IDNA A-labels */
    VIGIL_INTEL_IP,       /* canonical inet_ntop text, v4 or v6 */
    VIGIL_INTEL_CIDR,     /* canonical network/prefix, host bits cleared */
    VIGIL_INTEL_URL,      /* scheme and host lower-case, rest kept */
    VIGIL_INTEL_TYPE_COUNT
} vigil_intel_type;

/* "md5", "sha1", "sha256", "filename", "path", "domain", "ip", "cidr", "url". */
const char *vigil_intel_type_name(vigil_intel_type type);
/* Inverse of vigil_intel_type_name; VIGIL_ERR_NOT_FOUND for other names. */
vigil_status vigil_intel_type_parse(const char *name, vigil_intel_type *out);

/* What a load did beyond the items it delivered. */
typedef struct vigil_intel_stats {
    uint64_t items;       /* items delivered */
    uint64_t unsupported; /* comparisons/patterns/types vigil cannot express */
    uint64_t partial;     /* AND groups loaded without their inexpressible parts */
    uint64_t invalid;     /* values of the wrong shape, unparsable patterns */
    uint64_t expired;     /* past valid_until */
    uint64_t revoked;     /* revoked STIX objects, deleted MISP attributes */
    uint64_t not_ids;     /* MISP to_ids=false, skipped */
    uint64_t syntax;      /* JSON/XML/CSV syntax errors */
} vigil_intel_stats;

typedef enum {
    VIGIL_INTEL_FMT_AUTO = 0,
    VIGIL_INTEL_FMT_STIX,
    VIGIL_INTEL_FMT_OPENIOC,
    VIGIL_INTEL_FMT_MISP_JSON,
    VIGIL_INTEL_FMT_MISP_CSV,
    VIGIL_INTEL_FMT_CSV,
    VIGIL_INTEL_FMT_LIST
} vigil_intel_format;

const char *vigil_intel_format_name(vigil_intel_format fmt);
/* Guesses the format from the content (and the name's extension). */
vigil_intel_format vigil_intel_detect(const char *name, const char *data, size_t len);

/* ---- the merged set ------------------------------------------------------ */

typedef struct vigil_intel_set vigil_intel_set;

typedef struct vigil_intel_origin {
    const char *source;
    uint64_t line;
    const char *where; /* may be NULL */
} vigil_intel_origin;

typedef struct vigil_intel_entry {
    vigil_intel_type type;
    const char *value;
    int score;                         /* highest score seen */
    const char *description;           /* first non-empty description */
    int64_t valid_until;               /* latest; 0 = unbounded if any source was */
    const vigil_intel_origin *origins; /* in the order they were added */
    size_t norigins;
} vigil_intel_entry;

vigil_status vigil_intel_set_create(vigil_intel_set **out);
void vigil_intel_set_destroy(vigil_intel_set *set); /* NULL safe */
size_t vigil_intel_set_count(const vigil_intel_set *set);
/* Entries in insertion order; NULL past the end. */
const vigil_intel_entry *vigil_intel_set_at(const vigil_intel_set *set, size_t i);
/* Entry count per type (array of VIGIL_INTEL_TYPE_COUNT). */
void vigil_intel_set_counts(const vigil_intel_set *set, uint64_t *counts);

typedef struct vigil_intel_load_options {
    vigil_diag_fn on_diag; /* may be NULL */
    void *diag_user;
    int default_score;   /* used when the document gives none; 0 = 100 */
    int64_t now;         /* for valid_until; 0 = current time */
    int include_not_ids; /* load MISP attributes with to_ids=false too */
} vigil_intel_load_options;

/* Loads one document held in memory (fmt AUTO = detect; name is the source
 * shown in the set and in diagnostics) into the set; opts and stats may be
 * NULL, stats are added to. VIGIL_OK even when parts of the document were
 * bad (see the diagnostics and stats); VIGIL_ERR_PARSE when nothing of it
 * could be read, VIGIL_ERR_NOMEM. */
vigil_status vigil_intel_set_load(vigil_intel_set *set, vigil_intel_format fmt, const char *name,
                                  const char *data, size_t len,
                                  const vigil_intel_load_options *opts, vigil_intel_stats *stats);

/* ---- the set written back out -------------------------------------------- */

/* Loki/signature-base text lists in dir (created if needed): hash-iocs.txt
 * (HASH;SCORE;DESCRIPTION), filename-iocs.txt (names and paths as escaped,
 * anchored, case-insensitive regexes;SCORE) and c2-iocs.txt
 * (VALUE;SCORE;DESCRIPTION: domains, IPs, CIDRs, URLs). */
vigil_status vigil_intel_write_loki(const vigil_intel_set *set, const char *dir,
                                    vigil_diag_fn on_diag, void *diag_user);
/* A STIX 2.1 bundle of one indicator per entry (confidence = score, stable
 * ids from type and value; now 0 = current time for the timestamps). Full
 * paths have no STIX comparison vigil reads back; they are counted in
 * *skipped (may be NULL). */
vigil_status vigil_intel_write_stix(const vigil_intel_set *set, FILE *fp, int64_t now,
                                    size_t *skipped);
/* A CSV table: type,value,score,description. */
vigil_status vigil_intel_write_csv(const vigil_intel_set *set, FILE *fp);

#ifdef __cplusplus
}
#endif

#endif
