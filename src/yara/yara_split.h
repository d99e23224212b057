/* yara_split.h - YARA rule preconditions and grouping (internal API).
 *
 * Why: libyara searches every rule's strings in every file and only then
 * lets the conditions discard most of it. Most public rules can only fire
 * on one kind of file (`uint16(0) == 0x5a4d and filesize < 2MB ...`). This
 * module reads the rule source itself (libyara does not expose conditions),
 * proves per rule what a file must satisfy for the rule to have any chance
 * (magic bytes, filesize bounds, exact tests of the external variables),
 * and splits the rules into a few groups, each re-emitted as YARA source
 * that libyara compiles on its own. A scan then compiles each group once
 * and, per file, scans only with the groups vigil_yara_plan_select() says
 * can apply: the reported (file, rule) set is exactly libyara's.
 *
 * Usage:
 *   vigil_yara_split *s; vigil_yara_split_create(&diag, &s);
 *   vigil_yara_split_add_file(s, "a.yar", NULL);       // namespace "a.yar"
 *   vigil_yara_plan *p; vigil_yara_plan_build(s, NULL, &p);
 *   for g in groups: for each vigil_yara_plan_group(p, g)->sources[i]:
 *       yr_compiler_add_string(c, src.text, src.ns)      // one rule set per g
 *   per file: vigil_yara_plan_select(p, head, head_len, filesize, &ext, &mask)
 *       scan with the rule set of every group g with mask & (1 << g); drop
 *       a match when vigil_yara_plan_is_reported(p, g, ns, rule) is false.
 *   vigil_yara_plan_destroy(p); vigil_yara_split_destroy(s);
 *
 * Semantics kept exactly as libyara has them: a rule may only reference
 * rules defined before it in its namespace, so every group gets, per
 * namespace, the file's imports, the rules it reports, every rule they
 * reference (transitively) and all global rules of the namespace with
 * their dependencies, in original order. A rule is reported by exactly one
 * group (its home group); copies elsewhere are listed as not reported.
 * A namespace with a file this parser cannot read goes verbatim to the
 * catch-all group (always selected), so a parser gap costs speed, never
 * results. */
#ifndef VIGIL_YARA_SPLIT_H
#define VIGIL_YARA_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "vigil/status.h"
#include "yara/yara_rules.h"

/* ---- condition syntax tree ---------------------------------------------- */

typedef enum vigil_yara_node_kind {
    VY_N_OR,      /* a or b */
    VY_N_AND,     /* a and b */
    VY_N_NOT,     /* not a */
    VY_N_DEFINED, /* defined a */
    VY_N_CMP,     /* a op b; op = VY_OP_EQ/NE/LT/LE/GT/GE */
    VY_N_STROP,   /* a op b; op = VY_KW_CONTAINS/ICONTAINS/STARTSWITH/... */
    VY_N_MATCHES, /* a matches b (b a VY_N_REGEX) */
    VY_N_BIN,     /* arithmetic/bitwise a op b; op = VY_OP_PLUS..VY_OP_XOR */
    VY_N_NEG,     /* -a */
    VY_N_BITNOT,  /* ~a */
    VY_N_INT,     /* ival */
    VY_N_DOUBLE,  /* str = source text */
    VY_N_STR,     /* str/str_len = decoded bytes */
    VY_N_REGEX,   /* str = source text incl. slashes and flags */
    VY_N_TRUE,
    VY_N_FALSE,
    VY_N_FILESIZE,
    VY_N_ENTRYPOINT,
    VY_N_IDENT,    /* str = name (rule, module, external, loop variable) */
    VY_N_MEMBER,   /* a.str */
    VY_N_INDEX,    /* a[b] */
    VY_N_CALL,     /* a(items...) */
    VY_N_INTFN,    /* uint16(a) etc.; ival = VY_INTFN_* code */
    VY_N_STRID,    /* $name (ival 1 when wildcard) */
    VY_N_STRCOUNT, /* #name */
    VY_N_STROFF,   /* @name */
    VY_N_STRLEN,   /* !name */
    VY_N_QUANT,    /* all / any / none: op = VY_KW_ALL/ANY/NONE */
    VY_N_PERCENT,  /* a% (only before `of`) */
    VY_N_OF,       /* a of b (b a VY_N_LIST or VY_N_THEM) */
    VY_N_THEM,
    VY_N_LIST,  /* (items...) set or enumeration; IDENT items with ival 1 = wildcard */
    VY_N_RANGE, /* (a..b) */
    VY_N_AT,    /* a at b */
    VY_N_IN,    /* a in b */
    VY_N_FOR    /* for a of/in ...: items = loop variables, b = set/iterator, c = body */
} vigil_yara_node_kind;

typedef struct vigil_yara_node vigil_yara_node;
struct vigil_yara_node {
    vigil_yara_node_kind kind;
    int op;
    uint32_t line;
    int64_t ival;
    const char *str; /* NUL-terminated; may contain NULs before str_len */
    size_t str_len;
    vigil_yara_node *a, *b, *c;
    vigil_yara_node **items;
    size_t n_items;
};

/* ---- preconditions ------------------------------------------------------ */

#define VIGIL_YARA_PRE_MAX_BYTES 16
#define VIGIL_YARA_PRE_MAX_OFFSET 4096 /* magic checks further in are ignored */

enum {
    VIGIL_YARA_PRE_UNSAT = 1 /* provably never true (conflicting checks) */
};

/* What a file must satisfy for a rule to be able to match: every byte
 * check, the size range and every predicate. Empty = no precondition. */
typedef struct vigil_yara_pre {
    unsigned flags;
    unsigned n_bytes;
    struct {
        uint16_t off;
        uint8_t val;
    } bytes[VIGIL_YARA_PRE_MAX_BYTES]; /* sorted by offset, distinct offsets */
    uint64_t size_min, size_max;       /* inclusive; 0 and UINT64_MAX when open */
    /* Subtrees of the condition decidable from filesize and the external
     * variables alone (e.g. `filename == "x.exe"`, `not filepath contains
     * "y"`), evaluated exactly at selection time. */
    const vigil_yara_node **preds;
    size_t n_preds;
    /* Rules the condition requires to be true (bare references in the top
     * `and` chain): their preconditions hold too. Indexes into the split. */
    size_t *req_rules;
    size_t n_req_rules;
} vigil_yara_pre;

/* ---- parsed rules ------------------------------------------------------- */

enum { VIGIL_YARA_RULE_PRIVATE = 1, VIGIL_YARA_RULE_GLOBAL = 2 };

typedef struct vigil_yara_rule {
    const char *name;
    const char *ns;     /* namespace name */
    size_t ns_index;    /* index of the namespace in the split */
    const char *source; /* file path (or string name) the rule is in */
    uint32_t line;      /* line of its first token */
    const char *text;   /* exact source span: first modifier .. closing '}' */
    size_t text_len;
    size_t text_off; /* byte offset of the span in its source */
    unsigned flags;  /* VIGIL_YARA_RULE_* */
    const char **tags;
    size_t n_tags;
    size_t *deps; /* rules referenced anywhere in the condition */
    size_t n_deps;
    size_t strings_off, strings_len; /* span of the strings section (0,0 if none) */
    vigil_yara_node *cond;
    vigil_yara_pre pre; /* from the rule's own condition only */
} vigil_yara_rule;

typedef struct vigil_yara_split vigil_yara_split;

vigil_status vigil_yara_split_create(const vigil_diag_sink *diag, vigil_yara_split **out);
void vigil_yara_split_destroy(vigil_yara_split *s); /* NULL safe */

/* Reads and parses a rule file (includes resolved relative to it). ns NULL
 * means the file's base name, as vigil_yara_builder_add_file uses. On a
 * syntax error: a diagnostic with file and line, VIGIL_ERR_PARSE, and the
 * whole namespace is kept unanalysed (catch-all group); the split stays
 * usable. VIGIL_ERR_IO when the file cannot be read. */
vigil_status vigil_yara_split_add_file(vigil_yara_split *s, const char *path, const char *ns);
/* Same for text in memory; `name` is used in diagnostics; includes are
 * resolved relative to the working directory, as libyara does. */
vigil_status vigil_yara_split_add_string(vigil_yara_split *s, const char *ns, const char *name,
                                         const char *text, size_t len);

/* Same for the text of file `path` already in memory (the builder's
 * checked copy): includes resolve relative to path, as for add_file. */
vigil_status vigil_yara_split_add_text(vigil_yara_split *s, const char *ns, const char *path,
                                       const char *text, size_t len);

size_t vigil_yara_split_rule_count(const vigil_yara_split *s);
const vigil_yara_rule *vigil_yara_split_rule(const vigil_yara_split *s, size_t i);
/* Index of rule `name` in namespace `ns`, or SIZE_MAX. */
size_t vigil_yara_split_find(const vigil_yara_split *s, const char *ns, const char *name);
size_t vigil_yara_split_ns_count(const vigil_yara_split *s);
/* Index of namespace `name` (load order), or SIZE_MAX. */
size_t vigil_yara_split_ns_find(const vigil_yara_split *s, const char *name);
const char *vigil_yara_split_ns_name(const vigil_yara_split *s, size_t i);
/* 1 when the namespace could not be analysed (kept verbatim). */
int vigil_yara_split_ns_opaque(const vigil_yara_split *s, size_t i);

/* Internal, for the planner: the namespace's imports (returns the count),
 * its verbatim top-level texts (returns the count, sets *text for i < n). */
size_t vigil_yara_split_ns_imports(const vigil_yara_split *s, size_t ns, const char *const **out);
size_t vigil_yara_split_ns_raw(const vigil_yara_split *s, size_t ns, size_t i, const char **text);
/* 1 when `name` is a rule of namespace ns (rule names shadow externals and
 * modules in our analysis). */
int vigil_yara_split_is_rule(const vigil_yara_split *s, size_t ns, const char *name);
/* The arena holding every parsed structure (freed with the split). */
struct vigil_arena *vigil_yara_split_arena(vigil_yara_split *s);

/* ---- preconditions (yara_pre.c) ----------------------------------------- */

/* Extracts rule r's own precondition into r->pre (memory from the split).
 * Called by the parser; exposed for tests. */
vigil_status vigil_yara_pre_extract(vigil_yara_split *s, vigil_yara_rule *r);
/* 1 when pre has no constraint at all. */
int vigil_yara_pre_empty(const vigil_yara_pre *pre);
/* May a file with these first bytes (head_len of them known), size and
 * externals satisfy pre? Never 0 when the rule could match. */
int vigil_yara_pre_may_match(const vigil_yara_pre *pre, const uint8_t *head, size_t head_len,
                             uint64_t filesize, const vigil_yara_externals *ext);
/* Human-readable form, e.g. `magic[0]=4d5a filesize<=2097151 filename=="x"`.
 * Always NUL-terminates (truncates). */
void vigil_yara_pre_format(const vigil_yara_pre *pre, char *buf, size_t cap);
/* Evaluates a predicate subtree (see vigil_yara_pre.preds). */
int vigil_yara_pred_eval(const vigil_yara_node *n, uint64_t filesize,
                         const vigil_yara_externals *ext);

/* a op b for a VY_N_BIN operator: 1 and *v, or 0 when the result is not
 * defined or would overflow (then nothing is assumed about it). */
int vigil_yara_int_binop(int op, int64_t a, int64_t b, int64_t *v);
/* 1 when subtree n (of a rule in namespace ns) is decided by filesize and
 * the external variables alone, so vigil_yara_pred_eval gives its value. */
int vigil_yara_pred_decidable(const vigil_yara_split *s, size_t ns, const vigil_yara_node *n);
/* 1 when n names one of the external variables (not shadowed by a rule). */
int vigil_yara_is_external(const vigil_yara_split *s, size_t ns, const vigil_yara_node *n);
/* The value an external variable has in a scan ("" when unset). */
const char *vigil_yara_external_value(const char *name, const vigil_yara_externals *e);

/* ---- plan: groups and selection (yara_plan.c) --------------------------- */

typedef enum vigil_yara_class {
    VIGIL_YARA_CLASS_MZ,    /* needs "MZ" at 0 (PE and DOS executables) */
    VIGIL_YARA_CLASS_ELF,   /* needs "\x7fELF" at 0 */
    VIGIL_YARA_CLASS_MAGIC, /* needs some other bytes at fixed offsets */
    VIGIL_YARA_CLASS_NAME,  /* no magic, but a test of the external variables */
    VIGIL_YARA_CLASS_SIZE,  /* only a filesize bound */
    VIGIL_YARA_CLASS_ANY,   /* no precondition: always selected */
    VIGIL_YARA_CLASS_COUNT_
} vigil_yara_class;

const char *vigil_yara_class_name(vigil_yara_class c);

typedef struct vigil_yara_plan_options {
    /* Split the MZ class at these filesize caps (ascending, rules whose
     * size_max <= cap[i] go to sub-group i); 0 entries = one MZ group. */
    const uint64_t *mz_size_caps;
    size_t n_mz_size_caps;
    /* Groups get their counts but no sources (vigil_yara_plan_emit makes
     * the texts of what is compiled): a load whose sets come from the
     * cache then copies no rule text. */
    int counts_only;
} vigil_yara_plan_options;

typedef struct vigil_yara_group_source {
    const char *ns;   /* namespace to compile `text` into */
    const char *text; /* NUL-terminated YARA source */
    size_t len;
} vigil_yara_group_source;

typedef struct vigil_yara_group {
    const char *name; /* "mz", "mz<=2097152", "elf", "any", ... */
    vigil_yara_class cls;
    size_t n_rules;  /* rules reported by this group (non-private home rules) */
    size_t n_home;   /* rules whose home this is, private ones included */
    size_t n_copies; /* rules copied in as dependencies/globals */
    const vigil_yara_group_source *sources;
    size_t n_sources;
} vigil_yara_group;

typedef struct vigil_yara_plan vigil_yara_plan;

#define VIGIL_YARA_MAX_GROUPS 64

/* Builds the groups from every rule of s (which must outlive the plan).
 * opt may be NULL. Empty groups are not created. */
vigil_status vigil_yara_plan_build(const vigil_yara_split *s, const vigil_yara_plan_options *opt,
                                   vigil_yara_plan **out);
void vigil_yara_plan_destroy(vigil_yara_plan *p); /* NULL safe */

size_t vigil_yara_plan_group_count(const vigil_yara_plan *p);
const vigil_yara_group *vigil_yara_plan_group(const vigil_yara_plan *p, size_t g);
/* Home group of rule i of the split. */
size_t vigil_yara_plan_rule_group(const vigil_yara_plan *p, size_t rule);
/* The effective precondition of rule i: its own, its required rules' and
 * its namespace's global rules' together. */
const vigil_yara_pre *vigil_yara_plan_rule_pre(const vigil_yara_plan *p, size_t rule);

/* Which groups can produce a match for a file: bit g of *mask set for each.
 * head/head_len: the file's first bytes (any length, may be 0: byte checks
 * past head_len count as possibly true); filesize: the size libyara will
 * see; ext: the external values the scan will use (NULL members = ""). */
vigil_status vigil_yara_plan_select(const vigil_yara_plan *p, const uint8_t *head, size_t head_len,
                                    uint64_t filesize, const vigil_yara_externals *ext,
                                    uint64_t *mask);

/* Whether a match of rule `rule` in namespace `ns` from group g's rule set
 * is to be reported (0 for copies whose home is another group, and for
 * names the group does not hold). */
int vigil_yara_plan_is_reported(const vigil_yara_plan *p, size_t g, const char *ns,
                                const char *rule);

/* Emits one rule set for the union of the groups in `mask` (bit g = group
 * g): every rule whose home group is in mask, closed like a group over
 * dependencies and globals. out->sources live as long as the plan; a match
 * of such a set is reported when the rule's home group is in mask. */
vigil_status vigil_yara_plan_emit(vigil_yara_plan *p, uint64_t mask, vigil_yara_group *out);
/* Frees every emitted source (the groups' and vigil_yara_plan_emit's):
 * once the sets are compiled, only libyara's compiled form is needed.
 * The groups keep their names and counts; their sources become empty. */
void vigil_yara_plan_drop_sources(vigil_yara_plan *p); /* NULL safe */
/* The catch-all group (SIZE_MAX when there is none). */
size_t vigil_yara_plan_any_group(const vigil_yara_plan *p);
/* Home group of rule `rule` of namespace `ns` (the catch-all group for a
 * namespace kept verbatim), SIZE_MAX when the plan does not know it. */
size_t vigil_yara_plan_home(const vigil_yara_plan *p, const char *ns, const char *rule);
/* Why rule i of the split has no precondition (static text), or NULL when
 * it has one. */
const char *vigil_yara_plan_nopre_reason(const vigil_yara_plan *p, size_t rule);

#endif
