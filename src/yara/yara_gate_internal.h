/* yara_gate_internal.h - what the literal gate's files share (internal).
 *
 * The gate is three files: yara_gate_lit.c reads a rule's strings and
 * derives the byte sequences their matches need, yara_gate_eval.c decides
 * a condition in three-valued logic, yara_gate.c builds the databases and
 * decides per file. Nothing outside them includes this header. */
#ifndef VIGIL_YARA_GATE_INTERNAL_H
#define VIGIL_YARA_GATE_INTERNAL_H

#include <hs/hs.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/arena.h"
#include "yara/yara_gate.h"

#define GATE_MIN_LEN 4     /* a shorter literal is in nearly every binary */
#define GATE_MAX_FORMS 256 /* per string (xor keys x encodings) */
#define GATE_MAX_STRINGS 10000
#define GATE_EVAL_MAX_DEPTH 200

enum { GATE_F = 0, GATE_U = 1, GATE_T = 2 };

typedef struct gate_str {
    const char *id; /* without '$'; "" when anonymous */
    size_t id_len;
    int gated;  /* absent from the file when none of its literals is */
    int pruned; /* gated, but searched only in the second pass (yara_gate_prune.c) */
    uint32_t slot;
    const char *why; /* when not gated: why no literal stands for it */
} gate_str;

typedef struct gate_rule {
    const vigil_yara_rule *r;
    gate_str *strs;
    size_t nstr;
    size_t group; /* home group in the plan */
    int refutable;
    int strings_unread; /* the strings section was not understood */
    const char *why;    /* when not refutable: why (vigil_yara_gate_why) */
} gate_rule;

typedef struct gate_lit {
    const uint8_t *bytes;
    size_t len;
    int nocase;
    int regex;  /* bytes: a NUL-terminated expression for the regex database */
    int verify; /* with regex: the whole hex string, confirming its atom */
    uint32_t slot;
} gate_lit;

typedef struct gate_lit_vec {
    gate_lit *v;
    size_t n, cap;
} gate_lit_vec;

typedef struct gate_regex {
    const vigil_yara_node *node;
    pcre2_code *code;
} gate_regex;

/* One Hyperscan database and what each of its literal ids marks present. */
typedef struct gate_db {
    hs_database_t *db;
    uint32_t *first; /* per literal id: range into slots, n + 1 entries */
    uint32_t *slots;
    size_t n;
    int confirms; /* a confirming database: what it finds is the whole string */
} gate_db;

/* The databases of one pass over a file. */
typedef struct gate_tier {
    /* dbs[0]: literals of the non-MZ groups' rules (files that are not PE
     * files need no more); dbs[1]: every gated rule's literals */
    gate_db dbs[2];
    /* hex strings with no fixed run long enough, as expressions: scanned
     * only when the literal pass woke no rule */
    gate_db rx;
} gate_tier;

struct vigil_yara_gate {
    vigil_arena arena;
    const vigil_yara_split *split;
    gate_rule *rules;
    size_t nrules;
    size_t *group_first, *group_n; /* per plan group: range of rules[] */
    size_t ngroups;
    uint64_t groups;    /* groups the gate decides for */
    uint64_t mz_groups; /* of which MZ groups */
    /* full: every gated string; quick (built when some strings are
     * pruned): without the pruned ones. A file goes through quick first and
     * through full only when quick leaves a rule possible. */
    gate_tier full, quick;
    size_t npruned;
    /* hex strings found through an atom, as whole expressions: an atom
     * found in the file only makes its string pending (slot_verify[slot]
     * set), and the pending strings are confirmed by one pass of this
     * database, only when they would wake a rule (yara_gate_verify.c) */
    gate_db verify;
    uint8_t *slot_verify; /* per slot: 1 when its atom needs confirming */
    /* the same expressions split by rule (every expression of a rule in
     * one part): a file whose pending strings belong to one or two parts
     * is confirmed by those alone (yara_gate_verify.c) */
    gate_db *verify_parts;
    size_t nverify_parts;
    uint8_t *rule_part;  /* per rule: its part, VERIFY_NO_PART when none */
    uint32_t *slot_rule; /* slot -> index into rules[] */
    size_t nslots;
    gate_regex *regex; /* sorted by node address */
    size_t nregex;
    vigil_yara_gate_info info;
    /* per rule: files it left to libyara, counted only once
     * vigil_yara_gate_count_costs asked for it (every rule is then
     * evaluated on every file, without the early stop) */
    _Atomic uint64_t *costs;
};

struct vigil_yara_gate_scratch {
    const vigil_yara_gate *g;
    hs_scratch_t *hs;
    pcre2_match_data *md;
    uint32_t *present;   /* per slot: generation it was seen in */
    uint32_t *live;      /* per rule: generation it is waited for in */
    uint32_t *pending;   /* per slot: generation its atom (not yet its whole
                            hex string) was seen in */
    uint32_t *pend_list; /* the slots pending in this generation */
    size_t npend;
    uint32_t gen;
    int hit;
    int explain;       /* mark literals only: no early stop (costs counted) */
    int full;          /* 1: the pruned strings are searched too */
    const gate_db *db; /* the database of the scan under way */
    /* the file being decided */
    const uint8_t *data;
    size_t len;
    const vigil_yara_externals *ext;
};

/* ---- yara_gate_lit.c ---- */

typedef struct gate_str_parse {
    const char *id;
    size_t id_len;
    int kind; /* VY_T_STRING / VY_T_HEX / VY_T_REGEX */
    const char *src;
    size_t src_len;
    char *text; /* decoded text strings */
    size_t text_len;
    int ascii, wide, nocase, xor_set;
    int base64, base64wide; /* standard alphabet only */
    unsigned xor_lo, xor_hi;
} gate_str_parse;

/* Parses rule r's strings section into sp (cap entries). Returns the count,
 * or SIZE_MAX when anything is not understood (the rule's strings then stay
 * unknown). */
size_t vigil_yara_gate_read_strings(const vigil_yara_rule *r, vigil_arena *a, gate_str_parse *sp,
                                    size_t cap);
/* Adds the literal forms of string sp as slot `slot`; *gated 1 when every
 * match of the string contains one of them. */
vigil_status vigil_yara_gate_string_forms(vigil_arena *a, const gate_str_parse *sp, uint32_t slot,
                                          gate_lit_vec *lv, int *gated);

/* ---- yara_gate_atom.c ---- */

/* 1 when run a (na bytes) is a more selective literal than run b; a run
 * shorter than GATE_MIN_LEN is never better. */
/* Marks pruned the strings a refutable rule does not need searched to be
 * ruled out (see yara_gate_prune.c); *slots receives a per-slot array (1:
 * pruned), to free. */
vigil_status vigil_yara_gate_prune(vigil_yara_gate *g, const gate_lit_vec *lv, uint8_t **slots);

/* How rare a byte run is: higher is rarer (padding, spaces and nops count
 * little, distinct bytes count more). */
unsigned vigil_yara_gate_atom_quality(const uint8_t *b, size_t n);

int vigil_yara_gate_atom_better(const uint8_t *a, size_t na, const uint8_t *b, size_t nb);
/* The best run of bytes every match of regular expression src ("/.../is")
 * holds, into out (cap bytes); *nocase set by the `i` flag. 0: none. */
size_t vigil_yara_gate_regex_run(const char *src, size_t len, uint8_t *out, size_t cap,
                                 int *nocase);
/* The characters of the base64 encoding of t (n bytes) after `shift` other
 * bytes (0..2) that depend only on t, into out (cap). 0: none or no room. */
size_t vigil_yara_gate_base64_stable(const uint8_t *t, size_t n, unsigned shift, uint8_t *out,
                                     size_t cap);

/* A Hyperscan expression (NUL-terminated, into out) every match of hex
 * string s also matches, for hex strings without a run of GATE_MIN_LEN
 * fixed bytes; 0 when some construct is not translated. */
size_t vigil_yara_gate_hex_regex(const char *s, size_t n, char *out, size_t cap);

/* ---- yara_gate_verify.c ---- */

/* Compiles the whole-string expressions of lv (gate_lit.verify) into
 * g->verify and sets g->slot_verify for each one Hyperscan takes; an
 * expression it refuses leaves its string found by its atom alone. */
vigil_status vigil_yara_gate_build_verify(vigil_yara_gate *g, const gate_lit_vec *lv,
                                          const char *cache_dir);
/* After the literal passes: 1 when marking every pending hex string present
 * would wake a live rule, so the confirming pass is worth running. */
int vigil_yara_gate_verify_needed(vigil_yara_gate_scratch *sc, uint64_t *parts);

/* Confirms the pending strings of the parts in `parts` (one pass each) or,
 * when there are none or too many, with the whole confirming database:
 * the hs_scan result of the last pass (sc->hit set when a rule woke). */
hs_error_t vigil_yara_gate_verify_scan(vigil_yara_gate_scratch *sc, uint64_t parts);

/* Frees the confirming databases. */
void vigil_yara_gate_verify_free(vigil_yara_gate *g);

/* Grows *hs to serve every confirming database. */
hs_error_t vigil_yara_gate_verify_scratch(const vigil_yara_gate *g, hs_scratch_t **hs);
/* Hyperscan match callback shared by every pass (yara_gate.c). */
int vigil_yara_gate_on_match(unsigned int id, unsigned long long from, unsigned long long to,
                             unsigned int flags, void *user);

/* ---- yara_gate_eval.c ---- */

/* Condition of rules[ri] for the file in sc (NULL: no file at hand, only
 * what the strings say), with every string possibly present when
 * all_unknown, else gated strings not marked in sc absent. GATE_F/U/T. */
int vigil_yara_gate_eval(const vigil_yara_gate *g, const vigil_yara_gate_scratch *sc, size_t ri,
                         int all_unknown);
/* The condition of rules[ri] with no file at hand and every string, gated
 * or not, absent (GATE_F: only strings without literals keep it open). */
int vigil_yara_gate_eval_no_strings(const vigil_yara_gate *g, size_t ri);
/* What in condition n keeps it open without any string: "module
 * condition", "rule reference", ...; NULL when nothing is recognised. */
const char *vigil_yara_gate_cond_why(const vigil_yara_gate *g, const gate_rule *r,
                                     const vigil_yara_node *n, int depth);
/* Orders gate_regex by node address (qsort and bsearch). */
int vigil_yara_gate_regex_cmp(const void *x, const void *y);

#endif
