/* stix_pattern.c - a recursive-descent parser for STIX 2.1 patterns.
 *
 * Indicators carry their values inside a small expression language
 * ("[file:hashes.'SHA-256' = '...' OR domain-name:value = 'x']"). We need
 * its AND/OR structure and the comparisons, and must reject what does not
 * parse with a column number, so a real parser - not a regex that pulls
 * quoted strings out and loses the structure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "intel/intel_internal.h"

#define MAX_DEPTH 100

typedef struct parser {
    const char *s;
    size_t pos;
    char *err;
    size_t errcap;
    int failed;
    int nomem;
    int depth;
} parser;

static void fail(parser *p, const char *what)
{
    if (!p->failed)
        snprintf(p->err, p->errcap, "%s at column %zu", what, p->pos + 1);
    p->failed = 1;
}

static void skip_ws(parser *p)
{
    while (isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

/* Case-sensitive keyword followed by a non-identifier character. */
static int keyword(parser *p, const char *kw)
{
    skip_ws(p);
    size_t n = strlen(kw);
    if (strncmp(p->s + p->pos, kw, n) != 0)
        return 0;
    char next = p->s[p->pos + n];
    if (isalnum((unsigned char)next) || next == '_' || next == '-')
        return 0;
    p->pos += n;
    return 1;
}

static int punct(parser *p, char ch)
{
    skip_ws(p);
    if (p->s[p->pos] != ch)
        return 0;
    p->pos++;
    return 1;
}

/* '...' with \' and \\ escapes; result malloc'ed. b'..' h'..' t'..' take
 * the same form (prefix consumed by the caller). */
static char *string_lit(parser *p, size_t *len)
{
    skip_ws(p);
    if (p->s[p->pos] != '\'') {
        fail(p, "expected a quoted string");
        return NULL;
    }
    p->pos++;
    size_t start = p->pos, n = 0;
    while (p->s[p->pos] != '\'') {
        if (p->s[p->pos] == '\0') {
            fail(p, "unterminated string");
            return NULL;
        }
        if (p->s[p->pos] == '\\' && (p->s[p->pos + 1] == '\'' || p->s[p->pos + 1] == '\\'))
            p->pos++;
        p->pos++;
        n++;
    }
    char *out = malloc(n + 1);
    if (out == NULL) {
        p->nomem = 1;
        p->failed = 1;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = start; i < p->pos; i++) {
        if (p->s[i] == '\\' && (p->s[i + 1] == '\'' || p->s[i + 1] == '\\'))
            i++;
        out[o++] = p->s[i];
    }
    out[o] = '\0';
    p->pos++; /* closing quote */
    *len = o;
    return out;
}

/* An object path: type ':' property ('.' prop | '.' 'quoted' | '[' n|* ']')*.
 * Returns the path text as written (malloc'ed). */
static char *object_path(parser *p)
{
    skip_ws(p);
    size_t start = p->pos;
    while (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '-' || p->s[p->pos] == '_')
        p->pos++;
    if (p->pos == start || p->s[p->pos] != ':') {
        fail(p, "expected an object path (type:property)");
        return NULL;
    }
    p->pos++;
    size_t prop = p->pos;
    for (;;) {
        char ch = p->s[p->pos];
        if (isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == '.') {
            p->pos++;
        } else if (ch == '\'' && p->pos > prop && p->s[p->pos - 1] == '.') {
            p->pos++;
            while (p->s[p->pos] != '\'' && p->s[p->pos] != '\0')
                p->pos++;
            if (p->s[p->pos] != '\'') {
                fail(p, "unterminated quoted property");
                return NULL;
            }
            p->pos++;
        } else if (ch == '[') {
            p->pos++;
            while (isdigit((unsigned char)p->s[p->pos]) || p->s[p->pos] == '*')
                p->pos++;
            if (p->s[p->pos] != ']') {
                fail(p, "bad list index in object path");
                return NULL;
            }
            p->pos++;
        } else {
            break;
        }
    }
    if (p->pos == prop) {
        fail(p, "expected a property after ':'");
        return NULL;
    }
    size_t n = p->pos - start;
    char *out = malloc(n + 1);
    if (out == NULL) {
        p->nomem = 1;
        p->failed = 1;
        return NULL;
    }
    memcpy(out, p->s + start, n);
    out[n] = '\0';
    return out;
}

/* Which vigil type an object path compares, or -1. -2 = infer. */
static int path_type(const char *path)
{
    static const struct {
        const char *path;
        int type;
    } map[] = {
        {"file:hashes.'SHA-256'", VIGIL_INTEL_SHA256},
        {"file:hashes.'SHA256'", VIGIL_INTEL_SHA256},
        {"file:hashes.SHA256", VIGIL_INTEL_SHA256},
        {"file:hashes.'SHA-1'", VIGIL_INTEL_SHA1},
        {"file:hashes.'SHA1'", VIGIL_INTEL_SHA1},
        {"file:hashes.SHA1", VIGIL_INTEL_SHA1},
        {"file:hashes.'MD5'", VIGIL_INTEL_MD5},
        {"file:hashes.MD5", VIGIL_INTEL_MD5},
        {"file:name", VIGIL_INTEL_FILENAME},
        {"domain-name:value", VIGIL_INTEL_DOMAIN},
        {"ipv4-addr:value", VIGIL_INTEL_IP},
        {"ipv6-addr:value", VIGIL_INTEL_IP},
        {"url:value", VIGIL_INTEL_URL},
        {"network-traffic:dst_ref.value", -2},
        {"network-traffic:src_ref.value", -2},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(path, map[i].path) == 0)
            return map[i].type;
    return -1;
}

static vigil_intel_expr *oom(parser *p)
{
    p->nomem = 1;
    p->failed = 1;
    return NULL;
}

/* Skips a non-string literal (number, true/false, t'..', h'..', b'..'). */
static void other_literal(parser *p)
{
    skip_ws(p);
    char ch = p->s[p->pos];
    if ((ch == 't' || ch == 'h' || ch == 'b') && p->s[p->pos + 1] == '\'') {
        size_t n;
        p->pos++;
        free(string_lit(p, &n));
        return;
    }
    size_t start = p->pos;
    while (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '.' || p->s[p->pos] == '-' ||
           p->s[p->pos] == '+')
        p->pos++;
    if (p->pos == start)
        fail(p, "expected a value");
}

static vigil_intel_expr *comparison(parser *p)
{
    size_t start;
    skip_ws(p);
    start = p->pos;
    char *path = object_path(p);
    if (path == NULL)
        return NULL;
    int type = path_type(path);
    free(path);
    int negated = keyword(p, "NOT");
    enum { OP_EQ, OP_IN, OP_SUBSET, OP_OTHER } op;
    skip_ws(p);
    if (punct(p, '=')) {
        op = OP_EQ;
    } else if (p->s[p->pos] == '!' && p->s[p->pos + 1] == '=') {
        p->pos += 2;
        op = OP_OTHER;
    } else if (p->s[p->pos] == '<' || p->s[p->pos] == '>') {
        p->pos++;
        if (p->s[p->pos] == '=')
            p->pos++;
        op = OP_OTHER;
    } else if (keyword(p, "IN")) {
        op = OP_IN;
    } else if (keyword(p, "ISSUBSET")) {
        op = OP_SUBSET;
    } else if (keyword(p, "LIKE") || keyword(p, "MATCHES") || keyword(p, "ISSUPERSET")) {
        op = OP_OTHER;
    } else {
        fail(p, "expected a comparison operator");
        return NULL;
    }

    vigil_intel_expr *set = NULL; /* IN list as an OR */
    char *val = NULL;
    size_t vlen = 0;
    if (op == OP_IN) {
        if (!punct(p, '(')) {
            fail(p, "expected '(' after IN");
            return NULL;
        }
        set = vigil_intel_expr_node(VIGIL_IX_OR);
        if (set == NULL)
            return oom(p);
        do {
            skip_ws(p);
            if (p->s[p->pos] == '\'') {
                char *v = string_lit(p, &vlen);
                if (v == NULL)
                    break;
                if (type != -1 && !negated) {
                    vigil_intel_type t = (vigil_intel_type)type;
                    if (type == -2 && vigil_intel_infer(v, vlen, &t) != VIGIL_OK)
                        t = VIGIL_INTEL_IP;
                    if (vigil_intel_expr_add(set, vigil_intel_expr_leaf(t, v, vlen)) != VIGIL_OK) {
                        free(v);
                        vigil_intel_expr_free(set);
                        return oom(p);
                    }
                }
                free(v);
            } else {
                other_literal(p);
            }
        } while (!p->failed && punct(p, ','));
        if (!p->failed && !punct(p, ')'))
            fail(p, "expected ')' to close the IN list");
        if (p->failed) {
            vigil_intel_expr_free(set);
            return NULL;
        }
    } else {
        skip_ws(p);
        if (p->s[p->pos] == '\'') {
            val = string_lit(p, &vlen);
            if (val == NULL)
                return NULL;
        } else {
            other_literal(p);
            if (p->failed)
                return NULL;
        }
    }
    size_t end = p->pos;
    const char *why = NULL;
    if (type == -1)
        why = "object path not matched by vigil";
    else if (negated)
        why = "negated comparison";
    else if (op == OP_OTHER)
        why = "operator other than = IN ISSUBSET";
    else if (op != OP_IN && val == NULL)
        why = "value is not a string";
    else if (op == OP_SUBSET && type != VIGIL_INTEL_IP)
        why = "ISSUBSET on a non-address";
    if (why != NULL || (set != NULL && set->nkids == 0)) {
        free(val);
        vigil_intel_expr_free(set);
        vigil_intel_expr *u = vigil_intel_expr_unsupported(why ? why : "IN list without strings",
                                                           p->s + start, end - start);
        return u != NULL ? u : oom(p);
    }
    if (set != NULL)
        return set;
    vigil_intel_type t = (vigil_intel_type)type;
    if (type == -2 && vigil_intel_infer(val, vlen, &t) != VIGIL_OK)
        t = VIGIL_INTEL_IP;
    if (op == OP_SUBSET)
        t = VIGIL_INTEL_CIDR;
    vigil_intel_expr *leaf = vigil_intel_expr_leaf(t, val, vlen);
    free(val);
    return leaf != NULL ? leaf : oom(p);
}

static vigil_intel_expr *cmp_or(parser *p);

static vigil_intel_expr *cmp_atom(parser *p)
{
    if (punct(p, '(')) {
        if (++p->depth > MAX_DEPTH) {
            fail(p, "nesting too deep");
            return NULL;
        }
        vigil_intel_expr *x = cmp_or(p);
        p->depth--;
        if (x != NULL && !punct(p, ')')) {
            fail(p, "expected ')'");
            vigil_intel_expr_free(x);
            return NULL;
        }
        return x;
    }
    return comparison(p);
}

/* A chain "a OP b OP c" of one operator; sub parses the operands. */
static vigil_intel_expr *chain(parser *p, vigil_intel_expr *(*sub)(parser *), const char *kw,
                               const char *kw2, vigil_intel_expr_kind kind)
{
    vigil_intel_expr *first = sub(p);
    if (first == NULL)
        return NULL;
    if (!keyword(p, kw) && !(kw2 != NULL && keyword(p, kw2)))
        return first;
    vigil_intel_expr *node = vigil_intel_expr_node(kind);
    if (node == NULL) {
        vigil_intel_expr_free(first);
        return oom(p);
    }
    if (vigil_intel_expr_add(node, first) != VIGIL_OK) {
        vigil_intel_expr_free(node);
        return oom(p);
    }
    do {
        vigil_intel_expr *next = sub(p);
        if (next == NULL) {
            vigil_intel_expr_free(node);
            return NULL;
        }
        if (vigil_intel_expr_add(node, next) != VIGIL_OK) {
            vigil_intel_expr_free(node);
            return oom(p);
        }
    } while (keyword(p, kw) || (kw2 != NULL && keyword(p, kw2)));
    return node;
}

static vigil_intel_expr *cmp_and(parser *p)
{
    return chain(p, cmp_atom, "AND", NULL, VIGIL_IX_AND);
}

static vigil_intel_expr *cmp_or(parser *p)
{
    return chain(p, cmp_and, "OR", NULL, VIGIL_IX_OR);
}

static vigil_intel_expr *obs_or(parser *p);

/* Qualifiers after an observation; they only narrow when a match counts. */
static void qualifiers(parser *p)
{
    for (;;) {
        if (keyword(p, "WITHIN")) {
            other_literal(p);
            if (!keyword(p, "SECONDS"))
                fail(p, "expected SECONDS");
        } else if (keyword(p, "REPEATS")) {
            other_literal(p);
            if (!keyword(p, "TIMES"))
                fail(p, "expected TIMES");
        } else if (keyword(p, "START")) {
            other_literal(p);
            if (!keyword(p, "STOP"))
                fail(p, "expected STOP");
            else
                other_literal(p);
        } else {
            return;
        }
        if (p->failed)
            return;
    }
}

static vigil_intel_expr *obs_atom(parser *p)
{
    vigil_intel_expr *x;
    if (++p->depth > MAX_DEPTH) {
        fail(p, "nesting too deep");
        return NULL;
    }
    if (punct(p, '[')) {
        x = cmp_or(p);
        if (x != NULL && !punct(p, ']')) {
            fail(p, "expected ']'");
            vigil_intel_expr_free(x);
            x = NULL;
        }
    } else if (punct(p, '(')) {
        x = obs_or(p);
        if (x != NULL && !punct(p, ')')) {
            fail(p, "expected ')'");
            vigil_intel_expr_free(x);
            x = NULL;
        }
    } else {
        fail(p, "expected '[' or '('");
        x = NULL;
    }
    p->depth--;
    if (x != NULL) {
        qualifiers(p);
        if (p->failed) {
            vigil_intel_expr_free(x);
            x = NULL;
        }
    }
    return x;
}

static vigil_intel_expr *obs_and(parser *p)
{
    return chain(p, obs_atom, "AND", "FOLLOWEDBY", VIGIL_IX_AND);
}

static vigil_intel_expr *obs_or(parser *p)
{
    return chain(p, obs_and, "OR", NULL, VIGIL_IX_OR);
}

vigil_status vigil_stix_pattern_parse(const char *pattern, vigil_intel_expr **out, char *err,
                                      size_t errcap)
{
    parser p = {pattern, 0, err, errcap, 0, 0, 0};
    *out = NULL;
    if (errcap > 0)
        err[0] = '\0';
    vigil_intel_expr *x = obs_or(&p);
    if (x != NULL) {
        skip_ws(&p);
        if (p.s[p.pos] != '\0') {
            fail(&p, "unexpected text after the pattern");
            vigil_intel_expr_free(x);
            x = NULL;
        }
    }
    if (p.nomem) {
        vigil_intel_expr_free(x);
        return VIGIL_ERR_NOMEM;
    }
    if (x == NULL) {
        if (!p.failed)
            fail(&p, "empty pattern");
        return VIGIL_ERR_PARSE;
    }
    *out = x;
    return VIGIL_OK;
}
