/* yara_split.c - reads YARA rule files into rules with spans, tags,
 * dependencies and conditions (the rule-level grammar; expressions are in
 * yara_cond.c, preconditions in yara_pre.c, grouping in yara_plan.c).
 *
 * Why spans instead of a pretty-printer: groups are re-emitted by copying
 * each rule's exact bytes, so whatever this reader does not model (string
 * modifiers, meta values, comments) is carried over unchanged and libyara
 * sees the very rule it would have seen. Namespaces follow libyara: a file
 * and everything it includes share one namespace; imports are tracked per
 * namespace; rule names are unique per namespace. */
#include "yara/yara_split.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/index_table.h"
#include "core/util.h"
#include "yara/yara_parse.h"

#define MAX_INCLUDE_DEPTH 16
#define MAX_FILE_SIZE ((size_t)256 << 20)

typedef struct raw_source {
    const char *text;
    size_t len;
} raw_source;

typedef struct ns_rec {
    const char *name;
    const char **imports;
    size_t n_imports, cap_imports;
    raw_source *raw; /* top-level texts added to the namespace, in order */
    size_t n_raw, cap_raw;
    int opaque;
} ns_rec;

struct vigil_yara_split {
    vigil_diag_sink diag;
    vigil_arena arena;
    vigil_yara_rule *rules;
    size_t n_rules, cap_rules;
    ns_rec *ns;
    size_t n_ns, cap_ns;
    vigil_index_table rule_index; /* (ns_index, name) -> rule index */
    vigil_index_table ns_index;   /* a namespace's name -> ns index */
};

/* ---- small helpers ------------------------------------------------------ */

static vigil_status grow(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return VIGIL_OK;
    size_t cap2 = *cap ? *cap : 8;
    while (cap2 < need) {
        if (cap2 > SIZE_MAX / 2)
            return VIGIL_ERR_OVERFLOW;
        cap2 *= 2;
    }
    if (cap2 > SIZE_MAX / elem)
        return VIGIL_ERR_OVERFLOW;
    void *p = realloc(*items, cap2 * elem);
    if (p == NULL)
        return VIGIL_ERR_NOMEM;
    *items = p;
    *cap = cap2;
    return VIGIL_OK;
}

static uint64_t hash_key(size_t ns, const char *name)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)ns;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    return h;
}

typedef struct rule_key {
    const vigil_yara_split *s;
    size_t ns;
    const char *name;
} rule_key;

static int rule_equal(const void *ctx, size_t r)
{
    const rule_key *k = ctx;
    return k->s->rules[r].ns_index == k->ns && strcmp(k->s->rules[r].name, k->name) == 0;
}

static size_t hash_find(const vigil_yara_split *s, size_t ns, const char *name)
{
    rule_key k = {s, ns, name};
    return vigil_index_table_find(&s->rule_index, hash_key(ns, name), rule_equal, &k);
}

static vigil_status hash_insert(vigil_yara_split *s, size_t rule)
{
    const vigil_yara_rule *r = &s->rules[rule];
    return vigil_index_table_insert(&s->rule_index, hash_key(r->ns_index, r->name), rule);
}

/* ---- public accessors --------------------------------------------------- */

vigil_status vigil_yara_split_create(const vigil_diag_sink *diag, vigil_yara_split **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_yara_split *s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    if (diag != NULL)
        s->diag = *diag;
    vigil_arena_init(&s->arena);
    vigil_index_table_init(&s->rule_index, 256);
    vigil_index_table_init(&s->ns_index, 64);
    *out = s;
    return VIGIL_OK;
}

void vigil_yara_split_destroy(vigil_yara_split *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_ns; i++) {
        free(s->ns[i].imports);
        free(s->ns[i].raw);
    }
    free(s->ns);
    free(s->rules);
    vigil_index_table_free(&s->rule_index);
    vigil_index_table_free(&s->ns_index);
    vigil_arena_free(&s->arena);
    free(s);
}

size_t vigil_yara_split_rule_count(const vigil_yara_split *s)
{
    return s ? s->n_rules : 0;
}

const vigil_yara_rule *vigil_yara_split_rule(const vigil_yara_split *s, size_t i)
{
    return s && i < s->n_rules ? &s->rules[i] : NULL;
}

size_t vigil_yara_split_ns_count(const vigil_yara_split *s)
{
    return s ? s->n_ns : 0;
}

const char *vigil_yara_split_ns_name(const vigil_yara_split *s, size_t i)
{
    return s && i < s->n_ns ? s->ns[i].name : NULL;
}

int vigil_yara_split_ns_opaque(const vigil_yara_split *s, size_t i)
{
    return s && i < s->n_ns ? s->ns[i].opaque : 0;
}

/* Namespaces are looked up by name for every rule of every compiled set
 * (thousands of each with whole public rule sets): hashed, not scanned. */
#define NS_SEED SIZE_MAX

typedef struct ns_key {
    const vigil_yara_split *s;
    const char *name;
} ns_key;

static int ns_equal(const void *ctx, size_t n)
{
    const ns_key *k = ctx;
    return strcmp(k->s->ns[n].name, k->name) == 0;
}

static size_t ns_lookup(const vigil_yara_split *s, const char *name)
{
    ns_key k = {s, name};
    return vigil_index_table_find(&s->ns_index, hash_key(NS_SEED, name), ns_equal, &k);
}

/* Indexes namespace s->n_ns - 1 (its name set). */
static vigil_status ns_hash_insert(vigil_yara_split *s)
{
    size_t n = s->n_ns - 1;
    return vigil_index_table_insert(&s->ns_index, hash_key(NS_SEED, s->ns[n].name), n);
}

size_t vigil_yara_split_ns_find(const vigil_yara_split *s, const char *name)
{
    return s == NULL || name == NULL ? SIZE_MAX : ns_lookup(s, name);
}

size_t vigil_yara_split_find(const vigil_yara_split *s, const char *ns, const char *name)
{
    if (s == NULL || ns == NULL || name == NULL)
        return SIZE_MAX;
    size_t n = ns_lookup(s, ns);
    return n == SIZE_MAX ? SIZE_MAX : hash_find(s, n, name);
}

size_t vigil_yara_split_ns_imports(const vigil_yara_split *s, size_t ns, const char *const **out)
{
    *out = s->ns[ns].imports;
    return s->ns[ns].n_imports;
}

size_t vigil_yara_split_ns_raw(const vigil_yara_split *s, size_t ns, size_t i, const char **text)
{
    if (i < s->ns[ns].n_raw)
        *text = s->ns[ns].raw[i].text;
    return s->ns[ns].n_raw;
}

vigil_arena *vigil_yara_split_arena(vigil_yara_split *s)
{
    return &s->arena;
}

int vigil_yara_split_is_rule(const vigil_yara_split *s, size_t ns, const char *name)
{
    return hash_find(s, ns, name) != SIZE_MAX;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct src_ctx {
    size_t ns;
    const char *name; /* for diagnostics and rule->source */
    const char *dir;  /* include base directory, NULL = working directory */
    int depth;
} src_ctx;

static vigil_status parse_text(vigil_yara_split *s, const src_ctx *cx, const char *text,
                               size_t len);

static vigil_status read_file(vigil_yara_split *s, const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return vigil_status_from_errno(errno);
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd); /* devices, FIFOs, directories: never rule files */
        return VIGIL_ERR_IO;
    }
    char *buf = NULL;
    size_t n = 0;
    vigil_status st = vigil_read_fd(fd, MAX_FILE_SIZE, &buf, &n);
    close(fd);
    if (st == VIGIL_OK) {
        char *copy = vigil_arena_alloc(&s->arena, n + 1);
        if (copy == NULL) {
            st = VIGIL_ERR_NOMEM;
        } else {
            memcpy(copy, buf, n + 1);
            *text = copy;
            *len = n;
        }
    }
    free(buf);
    return st;
}

static vigil_status get_ns(vigil_yara_split *s, const char *name, size_t *out)
{
    size_t i = ns_lookup(s, name);
    if (i == SIZE_MAX) {
        vigil_status st = grow((void **)&s->ns, &s->cap_ns, s->n_ns + 1, sizeof *s->ns);
        if (st != VIGIL_OK)
            return st;
        const char *copy = vigil_arena_strdup(&s->arena, name);
        if (copy == NULL)
            return VIGIL_ERR_NOMEM;
        i = s->n_ns++;
        memset(&s->ns[i], 0, sizeof s->ns[i]);
        s->ns[i].name = copy;
        st = ns_hash_insert(s);
        if (st != VIGIL_OK) {
            s->n_ns--;
            return st;
        }
    }
    *out = i;
    return VIGIL_OK;
}

static vigil_status add_top(vigil_yara_split *s, size_t ns, const char *name, const char *dir,
                            const char *text, size_t len)
{
    ns_rec *n = &s->ns[ns];
    vigil_status st = grow((void **)&n->raw, &n->cap_raw, n->n_raw + 1, sizeof *n->raw);
    if (st != VIGIL_OK)
        return st;
    n->raw[n->n_raw].text = text;
    n->raw[n->n_raw].len = len;
    n->n_raw++;
    if (n->opaque)
        return VIGIL_OK;
    src_ctx cx = {ns, name, dir, 0};
    st = parse_text(s, &cx, text, len);
    if (st == VIGIL_ERR_PARSE || st == VIGIL_ERR_IO || st == VIGIL_ERR_LIMIT ||
        st == VIGIL_ERR_ACCESS) {
        s->ns[ns].opaque = 1;
        return st == VIGIL_ERR_PARSE ? st : VIGIL_ERR_PARSE;
    }
    return st;
}

/* Adds a copy of text (NUL-terminated in the arena) as a top-level source
 * of namespace ns, named `name`, includes resolved relative to dir. */
static vigil_status add_copy(vigil_yara_split *s, const char *ns, const char *name, const char *dir,
                             const char *text, size_t len)
{
    char *copy = vigil_arena_alloc(&s->arena, len + 1);
    if (copy == NULL)
        return VIGIL_ERR_NOMEM;
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    size_t nsi;
    vigil_status st = get_ns(s, ns, &nsi);
    if (st != VIGIL_OK)
        return st;
    const char *nm = vigil_arena_strdup(&s->arena, name);
    if (nm == NULL)
        return VIGIL_ERR_NOMEM;
    return add_top(s, nsi, nm, dir, copy, len);
}

vigil_status vigil_yara_split_add_string(vigil_yara_split *s, const char *ns, const char *name,
                                         const char *text, size_t len)
{
    if (s == NULL || ns == NULL || (text == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    return add_copy(s, ns, name ? name : ns, NULL, text, len);
}

static const char *dir_of(vigil_arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return NULL;
    return vigil_arena_strndup(a, path, (size_t)(slash - path) + (slash == path));
}

vigil_status vigil_yara_split_add_file(vigil_yara_split *s, const char *path, const char *ns)
{
    if (s == NULL || path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    char *text = NULL;
    size_t len = 0;
    vigil_status st = read_file(s, path, &text, &len);
    if (st != VIGIL_OK) {
        vigil_diagf(&s->diag, VIGIL_DIAG_ERROR, st, path, 0, "cannot read rule file: %s",
                    vigil_status_str(st));
        return st;
    }
    if (ns == NULL) {
        const char *slash = strrchr(path, '/');
        ns = slash ? slash + 1 : path;
    }
    size_t nsi;
    st = get_ns(s, ns, &nsi);
    if (st != VIGIL_OK)
        return st;
    const char *nm = vigil_arena_strdup(&s->arena, path);
    if (nm == NULL)
        return VIGIL_ERR_NOMEM;
    return add_top(s, nsi, nm, dir_of(&s->arena, path), text, len);
}

vigil_status vigil_yara_split_add_text(vigil_yara_split *s, const char *ns, const char *path,
                                       const char *text, size_t len)
{
    if (s == NULL || ns == NULL || path == NULL || (text == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    return add_copy(s, ns, path, dir_of(&s->arena, path), text, len);
}

/* ---- rule-level grammar ------------------------------------------------- */

static vigil_status fail_diag(vigil_yara_split *s, const src_ctx *cx, const vigil_yara_parser *p)
{
    vigil_diagf(&s->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_PARSE, cx->name, p->err_line,
                "cannot analyse rules (%s); namespace %s kept unsplit",
                p->err ? p->err : "syntax error", s->ns[cx->ns].name);
    return VIGIL_ERR_PARSE;
}

static vigil_status add_import(vigil_yara_split *s, size_t ns, const char *name)
{
    ns_rec *n = &s->ns[ns];
    for (size_t i = 0; i < n->n_imports; i++)
        if (strcmp(n->imports[i], name) == 0)
            return VIGIL_OK;
    vigil_status st =
        grow((void **)&n->imports, &n->cap_imports, n->n_imports + 1, sizeof *n->imports);
    if (st != VIGIL_OK)
        return st;
    n->imports[n->n_imports++] = name;
    return VIGIL_OK;
}

static vigil_status do_include(vigil_yara_split *s, const src_ctx *cx, vigil_yara_parser *p)
{
    const char *inc;
    size_t inc_len;
    vigil_status st = vigil_yara_parser_string(p, &inc, &inc_len);
    if (st != VIGIL_OK)
        return st;
    if (cx->depth + 1 > MAX_INCLUDE_DEPTH || strlen(inc) != inc_len)
        return vigil_yara_parser_fail(p, "include nested too deeply or invalid");
    const char *path = inc;
    if (inc[0] != '/' && cx->dir != NULL) {
        size_t dl = strlen(cx->dir);
        char *j = vigil_arena_alloc(&s->arena, dl + inc_len + 2);
        if (j == NULL)
            return VIGIL_ERR_NOMEM;
        memcpy(j, cx->dir, dl);
        j[dl] = '/';
        memcpy(j + dl + 1, inc, inc_len + 1);
        path = j;
    }
    char *text = NULL;
    size_t len = 0;
    st = read_file(s, path, &text, &len);
    if (st == VIGIL_ERR_NOMEM)
        return st;
    if (st != VIGIL_OK)
        return vigil_yara_parser_fail(p, "cannot read included file");
    src_ctx sub = {cx->ns, path, dir_of(&s->arena, path), cx->depth + 1};
    return parse_text(s, &sub, text, len);
}

/* Adds rule r to a dependency list once. */
static vigil_status add_dep(vigil_yara_split *s, size_t **deps, size_t *n, size_t *cap, size_t r)
{
    for (size_t i = 0; i < *n; i++)
        if ((*deps)[i] == r)
            return VIGIL_OK;
    vigil_status st = grow((void **)deps, cap, *n + 1, sizeof **deps);
    if (st != VIGIL_OK)
        return st;
    (void)s;
    (*deps)[(*n)++] = r;
    return VIGIL_OK;
}

static vigil_status collect_deps(vigil_yara_split *s, size_t ns, size_t before,
                                 const vigil_yara_node *nd, size_t **deps, size_t *n, size_t *cap,
                                 int in_set)
{
    if (nd == NULL)
        return VIGIL_OK;
    vigil_status st = VIGIL_OK;
    if (nd->kind == VY_N_IDENT) {
        /* A wildcard in a rule set: every earlier rule with that prefix. */
        if (in_set && nd->ival == 1) {
            size_t plen = strlen(nd->str);
            for (size_t r = 0; r < before && st == VIGIL_OK; r++)
                if (s->rules[r].ns_index == ns && strncmp(s->rules[r].name, nd->str, plen) == 0)
                    st = add_dep(s, deps, n, cap, r);
            return st;
        }
        size_t r = hash_find(s, ns, nd->str);
        if (r != SIZE_MAX)
            st = add_dep(s, deps, n, cap, r);
        return st;
    }
    int set = nd->kind == VY_N_LIST;
    if (st == VIGIL_OK)
        st = collect_deps(s, ns, before, nd->a, deps, n, cap, 0);
    if (st == VIGIL_OK)
        st = collect_deps(s, ns, before, nd->b, deps, n, cap, 0);
    if (st == VIGIL_OK)
        st = collect_deps(s, ns, before, nd->c, deps, n, cap, 0);
    for (size_t i = 0; i < nd->n_items && st == VIGIL_OK; i++)
        st = collect_deps(s, ns, before, nd->items[i], deps, n, cap, set);
    return st;
}

static vigil_status finish_rule(vigil_yara_split *s, vigil_yara_rule *r)
{
    size_t *deps = NULL, n = 0, cap = 0;
    size_t idx = (size_t)(r - s->rules);
    vigil_status st = collect_deps(s, r->ns_index, idx, r->cond, &deps, &n, &cap, 0);
    if (st == VIGIL_OK && n > 0) {
        r->deps = vigil_arena_alloc(&s->arena, n * sizeof *deps);
        if (r->deps == NULL)
            st = VIGIL_ERR_NOMEM;
        else
            memcpy(r->deps, deps, n * sizeof *deps);
        r->n_deps = n;
    }
    free(deps);
    if (st == VIGIL_OK)
        st = hash_insert(s, idx);
    if (st == VIGIL_OK)
        st = vigil_yara_pre_extract(s, r);
    return st;
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        vigil_status try_st_ = (x);                                                                \
        if (try_st_ != VIGIL_OK)                                                                   \
            return try_st_;                                                                        \
    } while (0)

static vigil_status take_ident(vigil_yara_split *s, const vigil_yara_parser *p, const char **out)
{
    *out = vigil_arena_strndup(&s->arena, p->lx.text + p->cur.off, p->cur.len);
    return *out ? VIGIL_OK : VIGIL_ERR_NOMEM;
}

static int at_section(const vigil_yara_parser *p, int kw)
{
    return vigil_yara_tok_is_kw(&p->cur, kw) && vigil_yara_tok_is_op(&p->nxt, VY_OP_COLON);
}

static vigil_status parse_rule(vigil_yara_split *s, const src_ctx *cx, vigil_yara_parser *p)
{
    vigil_yara_rule r;
    memset(&r, 0, sizeof r);
    r.text_off = p->cur.off;
    r.line = p->cur.line;
    r.source = cx->name;
    r.ns_index = cx->ns;
    r.ns = s->ns[cx->ns].name;
    for (;;) {
        if (vigil_yara_tok_is_kw(&p->cur, VY_KW_PRIVATE))
            r.flags |= VIGIL_YARA_RULE_PRIVATE;
        else if (vigil_yara_tok_is_kw(&p->cur, VY_KW_GLOBAL))
            r.flags |= VIGIL_YARA_RULE_GLOBAL;
        else
            break;
        TRY(vigil_yara_parser_advance(p));
    }
    if (!vigil_yara_tok_is_kw(&p->cur, VY_KW_RULE))
        return vigil_yara_parser_fail(p, "expected 'rule'");
    TRY(vigil_yara_parser_advance(p));
    if (p->cur.kind != VY_T_IDENT)
        return vigil_yara_parser_fail(p, "expected rule name");
    TRY(take_ident(s, p, &r.name));
    if (hash_find(s, cx->ns, r.name) != SIZE_MAX)
        return vigil_yara_parser_fail(p, "duplicated rule name");
    TRY(vigil_yara_parser_advance(p));
    if (vigil_yara_tok_is_op(&p->cur, VY_OP_COLON)) {
        TRY(vigil_yara_parser_advance(p));
        const char *tags[64];
        while (p->cur.kind == VY_T_IDENT) {
            if (r.n_tags == 64)
                return vigil_yara_parser_fail(p, "too many tags");
            TRY(take_ident(s, p, &tags[r.n_tags++]));
            TRY(vigil_yara_parser_advance(p));
        }
        if (r.n_tags) {
            r.tags = vigil_arena_alloc(&s->arena, r.n_tags * sizeof *r.tags);
            if (r.tags == NULL)
                return VIGIL_ERR_NOMEM;
            memcpy(r.tags, tags, r.n_tags * sizeof *r.tags);
        }
    }
    if (!vigil_yara_tok_is_op(&p->cur, VY_OP_LBRACE))
        return vigil_yara_parser_fail(p, "expected '{' after rule name");
    TRY(vigil_yara_parser_advance(p));
    if (at_section(p, VY_KW_META)) {
        TRY(vigil_yara_parser_advance(p));
        TRY(vigil_yara_parser_advance(p));
        while ((p->cur.kind == VY_T_IDENT || p->cur.kind == VY_T_KEYWORD) &&
               vigil_yara_tok_is_op(&p->nxt, VY_OP_ASSIGN) && !at_section(p, VY_KW_STRINGS) &&
               !at_section(p, VY_KW_CONDITION)) {
            TRY(vigil_yara_parser_advance(p));
            TRY(vigil_yara_parser_advance(p));
            if (vigil_yara_tok_is_op(&p->cur, VY_OP_MINUS))
                TRY(vigil_yara_parser_advance(p));
            if (p->cur.kind != VY_T_STRING && p->cur.kind != VY_T_INT &&
                p->cur.kind != VY_T_DOUBLE && !vigil_yara_tok_is_kw(&p->cur, VY_KW_TRUE) &&
                !vigil_yara_tok_is_kw(&p->cur, VY_KW_FALSE))
                return vigil_yara_parser_fail(p, "bad meta value");
            TRY(vigil_yara_parser_advance(p));
        }
    }
    if (at_section(p, VY_KW_STRINGS)) {
        r.strings_off = p->cur.off;
        TRY(vigil_yara_parser_advance(p));
        TRY(vigil_yara_parser_advance(p));
        while (!at_section(p, VY_KW_CONDITION)) {
            if (p->cur.kind == VY_T_EOF || vigil_yara_tok_is_op(&p->cur, VY_OP_RBRACE))
                return vigil_yara_parser_fail(p, "rule without condition");
            TRY(vigil_yara_parser_advance(p));
        }
        r.strings_len = p->cur.off - r.strings_off;
    }
    if (!at_section(p, VY_KW_CONDITION))
        return vigil_yara_parser_fail(p, "expected 'condition:'");
    TRY(vigil_yara_parser_advance(p));
    TRY(vigil_yara_parser_advance(p));
    TRY(vigil_yara_cond_parse(p, &r.cond));
    if (!vigil_yara_tok_is_op(&p->cur, VY_OP_RBRACE))
        return vigil_yara_parser_fail(p, "unexpected token after condition");
    r.text_len = p->cur.off + p->cur.len - r.text_off;
    r.text = p->lx.text + r.text_off;
    TRY(vigil_yara_parser_advance(p));
    TRY(grow((void **)&s->rules, &s->cap_rules, s->n_rules + 1, sizeof *s->rules));
    s->rules[s->n_rules++] = r;
    return finish_rule(s, &s->rules[s->n_rules - 1]);
}

static vigil_status parse_text(vigil_yara_split *s, const src_ctx *cx, const char *text, size_t len)
{
    vigil_yara_parser p;
    vigil_status st = vigil_yara_parser_init(&p, text, len, &s->arena);
    while (st == VIGIL_OK && p.cur.kind != VY_T_EOF) {
        if (vigil_yara_tok_is_kw(&p.cur, VY_KW_IMPORT) ||
            vigil_yara_tok_is_kw(&p.cur, VY_KW_INCLUDE)) {
            int is_import = p.cur.sub == VY_KW_IMPORT;
            st = vigil_yara_parser_advance(&p);
            if (st != VIGIL_OK)
                break;
            if (p.cur.kind != VY_T_STRING) {
                st = vigil_yara_parser_fail(&p, "expected a string after import/include");
                break;
            }
            if (is_import) {
                const char *name;
                size_t nlen;
                st = vigil_yara_parser_string(&p, &name, &nlen);
                if (st == VIGIL_OK)
                    st = add_import(s, cx->ns, name);
            } else {
                st = do_include(s, cx, &p);
                if (st == VIGIL_ERR_PARSE)
                    return st; /* already reported for the included file */
            }
            if (st == VIGIL_OK)
                st = vigil_yara_parser_advance(&p);
        } else {
            st = parse_rule(s, cx, &p);
        }
    }
    if (st == VIGIL_ERR_PARSE)
        return fail_diag(s, cx, &p);
    return st;
}
