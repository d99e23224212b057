/* sigma_internal.h - private contract between the files of the Sigma engine.
 *
 * Why one header: the loader (YAML tree, rule compiler, logsource mapping),
 * the matcher and the correlator share the compiled rule structures below.
 * Everything compiled lives in the ruleset's arena, so the frozen ruleset is
 * a read-only graph shared by threads; per-thread state lives in matchers. */
#ifndef VIGIL_SIGMA_INTERNAL_H
#define VIGIL_SIGMA_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/arena.h"
#include "core/diagsink.h"
#include "vigil/sigma.h"

/* ---- YAML tree (sigma_yaml.c) ---- */

typedef enum { VIGIL_YN_SCALAR, VIGIL_YN_SEQ, VIGIL_YN_MAP } vigil_yn_type;

typedef struct vigil_ynode {
    vigil_yn_type type;
    const char *str; /* scalar text, NUL-terminated */
    size_t len;
    int plain;                  /* unquoted scalar (so null/true/numbers are typed) */
    uint64_t line;              /* 1-based */
    struct vigil_ynode **items; /* SEQ: n items; MAP: n keys and n values interleaved */
    size_t n;
} vigil_ynode;

typedef struct vigil_ydoc {
    vigil_ynode *root;
    uint64_t line;
} vigil_ydoc;

/* Parses a YAML stream into documents allocated in arena. On a syntax error
 * returns VIGIL_ERR_PARSE with *err_line and err (static text) set; the
 * documents before the error are kept in *docs. */
vigil_status vigil_yaml_parse(vigil_arena *arena, const char *text, size_t len, vigil_ydoc **docs,
                              size_t *ndocs, uint64_t *err_line, const char **err);
/* Map lookup by key (exact); NULL if absent or node is not a map. */
const vigil_ynode *vigil_ynode_get(const vigil_ynode *map, const char *key);
int vigil_ynode_is_null(const vigil_ynode *n);

/* ---- patterns and values (sigma_value.c) ---- */

enum { VIGIL_SG_LIT = 0, VIGIL_SG_STAR = 1, VIGIL_SG_ONE = 2 };
typedef struct vigil_sigma_tok {
    int kind;
    const char *s; /* literal bytes (lower-cased unless cased) */
    size_t len;
} vigil_sigma_tok;

enum {
    VIGIL_SHAPE_EXACT,
    VIGIL_SHAPE_PREFIX,
    VIGIL_SHAPE_SUFFIX,
    VIGIL_SHAPE_CONTAINS,
    VIGIL_SHAPE_GLOB,
    VIGIL_SHAPE_ANY
};

typedef struct vigil_sigma_pattern {
    int shape;
    int cased;
    const char *lit; /* the one literal of the non-glob shapes */
    size_t litlen;
    const vigil_sigma_tok *toks;
    size_t ntoks;
    size_t anchor; /* CONTAINS, caseless: 1 + vigil_sigma_lit_anchor(lit); 0: not kept */
} vigil_sigma_pattern;

enum {
    VIGIL_VK_PATTERN,
    VIGIL_VK_RE,
    VIGIL_VK_CIDR,
    VIGIL_VK_NUM,
    VIGIL_VK_NULL,
    VIGIL_VK_EXISTS,
    VIGIL_VK_FIELDREF
};
enum { VIGIL_NUM_LT, VIGIL_NUM_LTE, VIGIL_NUM_GT, VIGIL_NUM_GTE, VIGIL_NUM_EQ };

typedef struct vigil_sigma_value {
    int kind;
    vigil_sigma_pattern pat; /* PATTERN; also FIELDREF (shape and cased only) */
    pcre2_code *re;
    /* RE: pat is the regex as a glob (shape GLOB) if vigil_sigma_re_glob
     * found one, else ntoks is 0 */
    const char *re_lit; /* RE: a literal every match contains (see */
    size_t re_litlen;   /* vigil_sigma_re_literal), lower case; 0 = none found */
    uint32_t re_minlen; /* RE: no shorter value can match (PCRE2's minimum length) */
    int family;         /* CIDR: 4 or 6 */
    unsigned char addr[16];
    int bits;
    int numop;
    double num;
    int exists;
    const char *ref; /* FIELDREF: other field name */
    /* RE: the pattern and its i/m/s bits (1/2/4), for sigma_relimit.c */
    const char *re_src;
    size_t re_srclen;
    int re_flags;
} vigil_sigma_value;

/* Alternatives of one rule value (windash/base64offset make several). */
typedef struct vigil_sigma_alts {
    vigil_sigma_value *v;
    size_t n;
    const struct vigil_sigma_value_index *ix; /* long lists: see sigma_value_index.c; NULL: none */
} vigil_sigma_alts;

/* sigma_value_index.c: indexes g's caseless equals/startswith/endswith values
 * if it has many (sets g->ix; leaves it NULL otherwise). */
vigil_status vigil_sigma_value_index_build(vigil_arena *a, vigil_sigma_alts *g);
/* 1 if one of the indexed values matches s[0..len), exactly as
 * vigil_sigma_pattern_match would find. */
int vigil_sigma_value_index_match(const struct vigil_sigma_value_index *x, const char *s,
                                  size_t len);
/* The values the index leaves out, in list order (*n of them). */
const vigil_sigma_value *const *
vigil_sigma_value_index_rest(const struct vigil_sigma_value_index *x, size_t *n);

enum {
    VIGIL_TP_NONE,
    VIGIL_TP_MINUTE,
    VIGIL_TP_HOUR,
    VIGIL_TP_DAY,
    VIGIL_TP_WEEK,
    VIGIL_TP_MONTH,
    VIGIL_TP_YEAR
};

/* One `field|modifiers: values` test; field NULL = keyword search. */
typedef struct vigil_sigma_item {
    const char *field;
    size_t field_len;
    uint32_t field_hash;      /* vigil_field_name_hash(field); 0 = not computed */
    vigil_sigma_alts *groups; /* OR inside a group; groups OR'ed, or AND'ed with all */
    size_t ngroups;
    int all;
    int neq;
    int timepart;
} vigil_sigma_item;

typedef struct vigil_sigma_and {
    vigil_sigma_item *items;
    size_t n;
} vigil_sigma_and;

/* A search identifier: OR of AND groups. */
typedef struct vigil_sigma_search {
    const char *name;
    vigil_sigma_and *ors;
    size_t n;
} vigil_sigma_search;

enum { VIGIL_CN_ID, VIGIL_CN_AND, VIGIL_CN_OR, VIGIL_CN_NOT, VIGIL_CN_ANY, VIGIL_CN_ALL };
typedef struct vigil_sigma_cond {
    int op;
    struct vigil_sigma_cond *a, *b;
    size_t id;   /* CN_ID */
    size_t *ids; /* CN_ANY / CN_ALL */
    size_t nids;
} vigil_sigma_cond;

typedef struct vigil_sigma_detection {
    vigil_sigma_search *searches;
    size_t nsearches;
    vigil_sigma_cond *cond;
} vigil_sigma_detection;

/* Placeholder values for |expand. */
typedef struct vigil_sigma_placeholders {
    const char **names;
    const char ***values;
    size_t *nvalues;
    size_t n;
} vigil_sigma_placeholders;

/* Every compiled regex, freed with the ruleset (also those of refused rules). */
typedef struct vigil_sigma_relist {
    pcre2_code **v;
    size_t n, cap;
} vigil_sigma_relist;

typedef struct vigil_sigma_compile_ctx {
    vigil_arena *arena;
    vigil_sigma_relist *res;
    const vigil_sigma_placeholders *ph;
    char err[256]; /* reason when a compile fails */
    uint64_t err_line;
    char note[256]; /* a warning about a rule that still compiled (reported by the caller) */
    int note_info;  /* the note is informational only (shown on request) */
    /* the unset placeholders met, "%A%, %B%" */
    char unset[160];
} vigil_sigma_compile_ctx;

/* Compiles a `detection` map (and the condition inside it). */
vigil_status vigil_sigma_detection_compile(vigil_sigma_compile_ctx *cx, const vigil_ynode *det,
                                           vigil_sigma_detection *out);
/* Compiles the values of one item: key is "Field|mod|mod" (or "|all" / NULL
 * for keywords), node a scalar or a list. */
vigil_status vigil_sigma_item_compile(vigil_sigma_compile_ctx *cx, const char *key,
                                      const vigil_ynode *node, vigil_sigma_item *out);
/* ASCII lower case: what tolower() does in the C locale vigil runs in,
 * without a call per byte (matching and hashing fold every byte). */
static inline unsigned char vigil_sigma_lower(unsigned char c)
{
    return (unsigned char)((unsigned)(c - 'A') < 26u ? c + ('a' - 'A') : c);
}

/* A signature of an event's field-name hashes (n of them): picks the
 * cache entries kept per field-name set (the matcher's field tables, the
 * prefilter's field classes); entries still compare the whole set. */
static inline uint32_t vigil_sigma_names_sig(const uint32_t *h, size_t n)
{
    uint32_t sig = (uint32_t)n * 0x9e3779b1u;
    if (n > 0)
        sig ^= h[0] + h[n / 2] * 3u + h[n - 1] * 7u;
    return sig ^ (sig >> 15);
}

/* The field-name set such a cache entry was built for (its name hashes). */
typedef struct vigil_sigma_names {
    uint32_t *hash;
    size_t n, cap;
    int valid;
} vigil_sigma_names;

/* 1 if the entry holds these n name hashes (per event, so inline). */
static inline int vigil_sigma_names_same(const vigil_sigma_names *c, const uint32_t *h, size_t n)
{
    return c->valid && c->n == n && (n == 0 || memcmp(c->hash, h, n * sizeof *h) == 0);
}
/* Makes h[0..n) the entry's set; VIGIL_ERR_NOMEM leaves the entry invalid. */
vigil_status vigil_sigma_names_set(vigil_sigma_names *c, const uint32_t *h, size_t n);
void vigil_sigma_names_free(vigil_sigma_names *c);

/* sigma_pattern.c */
int vigil_sigma_pattern_match(const vigil_sigma_pattern *p, const char *s, size_t len);
/* The byte a caseless search for lit (lower case) anchors on, n if none. */
size_t vigil_sigma_lit_anchor(const char *lit, size_t n);
int vigil_sigma_cidr_match(const vigil_sigma_value *v, const char *s, size_t n);
int vigil_sigma_parse_ip(const char *s, size_t n, unsigned char addr[16], int *family);
/* The longest run of characters every match of the regular expression
 * re[0..len) contains, written to out (up to cap bytes); returns its length,
 * 0 if none is certain. For the prefilter, which compares caselessly: only
 * ASCII characters and escaped punctuation count, a character a quantifier
 * makes optional ends a run, and alternatives at the top level, extended
 * mode or \Q give up. caseless: the regex ignores case (so k and s, which
 * then also match U+212A and U+017F, end runs too). */
size_t vigil_sigma_re_literal(const char *re, size_t len, int caseless, char *out, size_t cap);
/* A regular expression made only of literal characters and dots (., .*,
 * .+, lazy or not; ^ first, $ last, "(?i)" before) as the glob it is on a
 * value of printable ASCII without line breaks: there a dot is any
 * character and no case folding beyond ASCII applies, so the glob matches
 * exactly where PCRE2 would, in linear time (the backtracking of
 * '\+.*\+.*\+...' is what such regexes cost PCRE2). Returns 1 and fills
 * *out (tokens in arena a), 0 if re is not such a regex, -1 out of memory. */
int vigil_sigma_re_glob(vigil_arena *a, const char *re, size_t len, int caseless,
                        vigil_sigma_pattern *out);
/* 1 if s[0..len) is printable ASCII (tab allowed): where vigil_sigma_re_glob's
 * pattern may stand in for the regex. */
int vigil_sigma_re_glob_applies(const char *s, size_t len);
int vigil_sigma_parse_number(const char *s, double *out);
/* One UTF-8 code point; invalid bytes pass as themselves. Returns its length. */
size_t vigil_sigma_utf8_cp(const unsigned char *s, size_t n, unsigned *cp);
void vigil_sigma_relist_free(vigil_sigma_relist *l);

/* ---- logsource mapping (sigma_logsource.c) ---- */

typedef struct vigil_sigma_rename {
    const char *from; /* Sigma field */
    const char *to;   /* event field */
} vigil_sigma_rename;

/* One way an event can belong to a logsource: a channel and event ids. */
typedef struct vigil_sigma_branch {
    const char *channel; /* NULL = any channel */
    int64_t *eventids;   /* none = any */
    size_t neventids;
    const vigil_sigma_rename *renames;
    size_t nrenames;
} vigil_sigma_branch;

typedef struct vigil_sigma_mapentry {
    const char *product, *category, *service; /* NULL = not constrained */
    vigil_sigma_branch *branches;
    size_t nbranches;
} vigil_sigma_mapentry;

typedef struct vigil_sigma_mapping {
    vigil_sigma_mapentry *entries;
    size_t n;
    const char **products; /* products whose events the mapping knows */
    size_t nproducts;
    int unmapped_all; /* known product, unknown category/service: every event */
    int loaded;
} vigil_sigma_mapping;

vigil_status vigil_sigma_mapping_load(vigil_arena *arena, const char *path,
                                      const vigil_diag_sink *sink, vigil_sigma_mapping *out);

struct vigil_sigma_rule;
/* Sets the rule's scope and branches from its logsource. */
vigil_status vigil_sigma_scope_resolve(vigil_arena *arena, const vigil_sigma_mapping *m,
                                       struct vigil_sigma_rule *r);

/* ---- files (sigma_files.c) ---- */

/* Whole file, NUL-terminated, at most max bytes; NULL with *st on failure. */
char *vigil_sigma_read_file(const char *path, size_t max, size_t *len, vigil_status *st);
/* Placeholder values from a YAML map of lists or a directory of NAME.txt. */
vigil_status vigil_sigma_placeholders_load(vigil_arena *a, const vigil_diag_sink *sink,
                                           vigil_sigma_placeholders *ph, const char *path);

/* ---- regexes PCRE2 gave up on (sigma_relimit.c) ---- */

typedef struct vigil_sigma_relimit vigil_sigma_relimit;
vigil_sigma_relimit *vigil_sigma_relimit_create(void);
void vigil_sigma_relimit_destroy(vigil_sigma_relimit *x); /* NULL is safe */
/* Decides v's regex on s[0..len) after PCRE2's JIT returned a limit error:
 * 1 match, 0 none, -1 undecided (every way gave up). md: v->re's size. */
int vigil_sigma_relimit_match(vigil_sigma_relimit *x, const vigil_sigma_value *v, const char *s,
                              size_t len, pcre2_match_data *md);

/* ---- rules (sigma_rules.c) ---- */

enum { VIGIL_SR_DETECTION, VIGIL_SR_CORRELATION, VIGIL_SR_FILTER };
enum {
    VIGIL_CT_EVENT_COUNT,
    VIGIL_CT_VALUE_COUNT,
    VIGIL_CT_TEMPORAL,
    VIGIL_CT_TEMPORAL_ORDERED,
    VIGIL_CT_VALUE_SUM,       /* sum of a numeric field */
    VIGIL_CT_VALUE_AVG,       /* mean of a numeric field */
    VIGIL_CT_VALUE_PERCENTILE /* a value's share of the events, in percent */
};

typedef struct vigil_sigma_alias {
    const char *alias, *rule, *field;
} vigil_sigma_alias;

typedef struct vigil_sigma_rule vigil_sigma_rule;

/* Where a rule may run: unscoped, nowhere but channel-less events, or branches. */
enum { VIGIL_SCOPE_ALL, VIGIL_SCOPE_NOCHANNEL, VIGIL_SCOPE_BRANCHES };

struct vigil_sigma_rule {
    vigil_sigma_rule_info info;
    int kind;
    size_t index; /* in the ruleset's rule array (detections and correlations) */
    vigil_sigma_detection det;
    int scope;
    const vigil_sigma_branch **branches;
    size_t nbranches;
    vigil_sigma_rule **filters; /* meta filters applied to this rule */
    size_t nfilters;
    size_t nfilters_cap;
    /* filters */
    const char **targets; /* rule ids or names the filter applies to */
    size_t ntargets;
    /* correlations */
    int ctype;
    const char **refs; /* referenced rule ids or names */
    size_t nrefs;
    vigil_sigma_rule **ref_rules;
    const char **group_by;
    size_t ngroup;
    vigil_sigma_alias *aliases;
    size_t naliases;
    int64_t timespan_ms;
    int cond_ops[4]; /* VIGIL_NUM_* per condition criterion */
    double cond_vals[4];
    size_t nconds;
    int cond_neq;
    double cond_neq_val;
    const char *value_field;
    int corr_used; /* referenced by a correlation */
    int generate;  /* correlation: referenced rules also report on their own */
    /* a regex of the rule hit PCRE2's limits: warned once (sigma_match.c) */
    atomic_int re_warned;
    /* "%A%, %B%": placeholders it uses that have no values (sigma_inactive.c) */
    const char *ph_unset;
    /* prefilter: the rule's first slot and clause count (vigil_sigma_prefilter_code);
     * the rule is evaluated only if every clause's literals were hit; see
     * sigma_prefilter_needs.c and sigma_prefilter.c */
    int prefilter_id; /* -1 = always evaluate */
};

/* The frozen ruleset. */
/* ---- rules an unset placeholder switched off (sigma_inactive.c) ---- */

/* 1 if r's condition can never hold (a detection whose placeholders have
 * no values; a correlation whose rules are all inactive). */
int vigil_sigma_rule_inactive(const vigil_sigma_rule *r, int depth);
/* Warns once naming the inactive rules, and (info) those missing a filter. */
void vigil_sigma_report_inactive(const vigil_diag_sink *sink, vigil_sigma_rule **rules, size_t n);

struct vigil_sigma_ruleset {
    vigil_arena arena;
    vigil_sigma_rule **rules; /* detections and correlations, load order */
    size_t nrules;
    vigil_sigma_rule **filters;
    size_t nfilters;
    vigil_sigma_counts counts;
    size_t max_searches;
    vigil_sigma_relist res;
    /* index */
    struct vigil_sigma_index *index;
    struct vigil_sigma_prefilter *prefilter;
};

/* ---- matching (sigma_match.c) ---- */

/* The name a rule's field is looked up as under branch br (its renames;
 * br may be NULL): name itself or the rename's target. */
const char *vigil_sigma_branch_field(const vigil_sigma_branch *br, const char *name);
/* The name hash (vigil_field_name_hash) of the event field a rule's field
 * is looked up as under branch br; 0 for NULL (a keyword). */
uint32_t vigil_sigma_field_hash(const char *field, const vigil_sigma_branch *br);
/* Field lookup: exact name, then case-insensitive (ASCII), then ignoring
 * spaces in EventData names ("Source Name" for SourceName). */
const vigil_field *vigil_sigma_field(const vigil_event *ev, const char *name,
                                     const vigil_sigma_branch *br);
/* Field names are hashed by vigil_field_name_hash (vigil/event.h): names
 * vigil_sigma_field takes for each other hash alike. */

/* ---- index (sigma_index.c, sigma_index.h) ---- */

/* Built after the prefilter (candidates carry the rules' prefilter slots). */
vigil_status vigil_sigma_index_build(vigil_sigma_ruleset *rs);
void vigil_sigma_index_free(struct vigil_sigma_index *ix);

/* ---- prefilter (sigma_prefilter.c) ---- */
vigil_status vigil_sigma_prefilter_build(vigil_sigma_ruleset *rs);
/* After the index is built: compiles the literal databases of its lists
 * (cached in cache_dir when not NULL). */
vigil_status vigil_sigma_prefilter_attach(vigil_sigma_ruleset *rs, const char *cache_dir);
void vigil_sigma_prefilter_free(struct vigil_sigma_prefilter *pf);

#endif
