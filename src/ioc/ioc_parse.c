/* ioc_parse.c - reads the signature-base / Loki IOC text formats.
 *
 * One line parser serves files (streamed line by line, so a 100 MB list of
 * a million hashes never sits in memory whole) and in-memory text. The
 * formats, as in signature-base/iocs and Loki:
 *   hash:     HASH;SCORE;DESCRIPTION or HASH;DESCRIPTION (score iff integer)
 *   filename: REGEX;SCORE[;FALSE_POSITIVE_REGEX]   (legacy: REGEX, score 60)
 *   c2:       DOMAIN_OR_IP[;SCORE]
 * '#' starts a comment line; the last comment above a filename or C2 entry
 * is its description (Loki's behaviour). Blank lines are ignored. Hash
 * allow-lists (Loki's *falsepositive* hash files) have the hash format. */
#include "ioc/ioc_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LEGACY_FILENAME_SCORE 60

typedef struct parse_state {
    vigil_ioc_builder *b;
    const char *source;
    vigil_rule_kind kind;
    int allow;     /* a hash allow-list */
    char *comment; /* last comment text, owned */
    size_t comment_cap;
} parse_state;

vigil_rule_kind vigil_ioc_kind_from_name(const char *path)
{
    const char *base;

    if (path == NULL)
        return VIGIL_RULES_AUTO;
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcasestr(base, "hash") != NULL)
        return VIGIL_RULES_IOC_HASH;
    if (strcasestr(base, "filename") != NULL || strcasestr(base, "path") != NULL)
        return VIGIL_RULES_IOC_FILENAME;
    if (strcasestr(base, "c2") != NULL)
        return VIGIL_RULES_IOC_C2;
    return VIGIL_RULES_AUTO;
}

int vigil_ioc_name_is_allow_list(const char *path)
{
    const char *base;

    if (path == NULL)
        return 0;
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strcasestr(base, "falsepositive") != NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trims s[0..*n) in place; returns the new start. */
static char *trim(char *s, size_t *n)
{
    while (*n > 0 && is_space(s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && is_space(s[*n - 1]))
        (*n)--;
    s[*n] = '\0';
    return s;
}

/* Splits at the first ';': NUL-terminates the head (trimmed) and returns the
 * rest, or NULL when there is no ';'. */
static char *split(char *s, char **head)
{
    char *semi = strchr(s, ';');
    size_t n;

    if (semi != NULL)
        *semi = '\0';
    n = strlen(s);
    *head = trim(s, &n);
    return semi ? semi + 1 : NULL;
}

static vigil_status set_comment(parse_state *ps, const char *text, size_t n)
{
    vigil_status st;

    while (n > 0 && *text == '#') {
        text++;
        n--;
    }
    while (n > 0 && is_space(*text)) {
        text++;
        n--;
    }
    if (n == 0)
        return VIGIL_OK; /* "#" alone keeps the description above it */
    st = vigil_array_grow(&ps->comment, &ps->comment_cap, n + 1, 1, 0);
    if (st != VIGIL_OK)
        return st;
    memcpy(ps->comment, text, n);
    ps->comment[n] = '\0';
    return VIGIL_OK;
}

/* Only out-of-memory style failures stop a file; bad lines are
 * diagnostics (reported by the add functions) and skipped. */
static vigil_status keep_going(vigil_status st)
{
    if (st == VIGIL_ERR_NOMEM || st == VIGIL_ERR_OVERFLOW || st == VIGIL_ERR_LIMIT ||
        st == VIGIL_ERR_INVALID_ARG || st == VIGIL_ERR_FROZEN)
        return st;
    return VIGIL_OK;
}

/* Whether s[0..n), whitespace aside, is a run of digits (what Loki's
 * isdigit() accepts); its value, capped at INT_MAX, in *out. */
static int field_uint(const char *s, size_t n, int *out)
{
    long long v = 0;

    while (n > 0 && is_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (v < INT_MAX)
            v = v * 10 + (s[i] - '0');
    }
    *out = v > INT_MAX ? INT_MAX : (int)v;
    return 1;
}

static vigil_status parse_hash(parse_state *ps, char *s, uint64_t line)
{
    char *hash, *rest;
    const char *desc = NULL;
    int score = VIGIL_IOC_DEFAULT_HASH_SCORE;

    rest = split(s, &hash);
    if (rest != NULL) {
        char *semi = strchr(rest, ';');
        size_t flen = semi ? (size_t)(semi - rest) : strlen(rest);
        if (field_uint(rest, flen, &score))
            rest = semi ? semi + 1 : NULL;
    }
    if (rest != NULL) {
        size_t n = strlen(rest);
        desc = trim(rest, &n);
        if (*desc == '\0')
            desc = NULL;
    }
    if (ps->allow)
        return keep_going(vigil_ioc_builder_add_allow_hash(ps->b, hash, desc, ps->source, line));
    return keep_going(vigil_ioc_builder_add_hash(ps->b, hash, score, desc, ps->source, line));
}

static vigil_status parse_filename(parse_state *ps, char *s, uint64_t line)
{
    char *regex, *rest, *field, *fp = NULL;
    int score = LEGACY_FILENAME_SCORE;

    rest = split(s, &regex);
    if (rest != NULL) {
        fp = split(rest, &field);
        if (!field_uint(field, strlen(field), &score)) {
            vigil_diagf(&ps->b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, ps->source, line,
                        "filename IOC score \"%.40s\" is not an integer", field);
            return VIGIL_OK;
        }
        if (fp != NULL) {
            size_t n = strlen(fp);
            fp = trim(fp, &n);
            if (*fp == '\0')
                fp = NULL;
        }
    }
    return keep_going(vigil_ioc_builder_add_filename_desc(ps->b, regex, score, fp, ps->comment,
                                                          ps->source, line));
}

static vigil_status parse_c2(parse_state *ps, char *s, uint64_t line)
{
    char *value, *rest, *field, *after = NULL;
    const char *desc = ps->comment;
    int score = VIGIL_IOC_DEFAULT_C2_SCORE;

    rest = split(s, &value);
    if (rest != NULL) {
        after = split(rest, &field);
        if (!field_uint(field, strlen(field), &score)) {
            vigil_diagf(&ps->b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, ps->source, line,
                        "C2 IOC score \"%.40s\" is not an integer", field);
            return VIGIL_OK;
        }
        if (after != NULL) {
            size_t n = strlen(after);
            after = trim(after, &n);
            if (*after != '\0')
                desc = after;
        }
    }
    return keep_going(vigil_ioc_builder_add_c2(ps->b, value, score, desc, ps->source, line));
}

/* line[0..n) without its newline; modified in place. */
static vigil_status parse_line(parse_state *ps, char *line, size_t n, uint64_t lineno)
{
    char *s;

    if (memchr(line, '\0', n) != NULL) {
        vigil_diagf(&ps->b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, ps->source, lineno,
                    "NUL byte in IOC line");
        return VIGIL_OK;
    }
    if (lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3; /* UTF-8 byte order mark */
        n -= 3;
    }
    s = trim(line, &n);
    if (n == 0)
        return VIGIL_OK;
    if (s[0] == '#')
        return set_comment(ps, s, n);
    switch (ps->kind) {
    case VIGIL_RULES_IOC_HASH:
        return parse_hash(ps, s, lineno);
    case VIGIL_RULES_IOC_FILENAME:
        return parse_filename(ps, s, lineno);
    case VIGIL_RULES_IOC_C2:
        return parse_c2(ps, s, lineno);
    default:
        return VIGIL_ERR_INVALID_ARG;
    }
}

static vigil_status check_args(vigil_ioc_builder *b, vigil_rule_kind kind)
{
    if (b == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    if (kind != VIGIL_RULES_IOC_HASH && kind != VIGIL_RULES_IOC_FILENAME &&
        kind != VIGIL_RULES_IOC_C2)
        return VIGIL_ERR_INVALID_ARG;
    return VIGIL_OK;
}

vigil_status vigil_ioc_builder_add_text(vigil_ioc_builder *b, const char *name, const char *text,
                                        size_t len, vigil_rule_kind kind)
{
    int allow = kind == VIGIL_RULES_IOC_HASH && vigil_ioc_name_is_allow_list(name);
    parse_state ps = {b, name, kind, allow, NULL, 0};
    vigil_status st = check_args(b, kind);
    char *buf = NULL;
    size_t cap = 0, pos = 0;
    uint64_t lineno = 0;

    if (st != VIGIL_OK)
        return st;
    if (text == NULL && len != 0)
        return VIGIL_ERR_INVALID_ARG;
    while (st == VIGIL_OK && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        st = vigil_array_grow(&buf, &cap, n + 1, 1, 0);
        if (st != VIGIL_OK)
            break;
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        st = parse_line(&ps, buf, n, ++lineno);
        pos += n + (nl != NULL);
    }
    free(buf);
    free(ps.comment);
    return st;
}

static vigil_status add_file(vigil_ioc_builder *b, const char *path, vigil_rule_kind kind,
                             int allow)
{
    parse_state ps = {b, path, kind, allow, NULL, 0};
    vigil_status st = check_args(b, kind);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    FILE *f;

    if (st != VIGIL_OK)
        return st;
    if (path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (f == NULL) {
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot open: %s",
                    strerror(errno));
        return VIGIL_ERR_IO;
    }
    errno = 0;
    while (st == VIGIL_OK && (n = getline(&line, &cap, f)) >= 0) {
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        st = parse_line(&ps, line, len, ++lineno);
    }
    if (st == VIGIL_OK && ferror(f)) {
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, lineno + 1, "read error: %s",
                    strerror(errno));
        st = VIGIL_ERR_IO;
    }
    free(line);
    free(ps.comment);
    fclose(f);
    return st;
}

vigil_status vigil_ioc_builder_add_file(vigil_ioc_builder *b, const char *path,
                                        vigil_rule_kind kind)
{
    return add_file(b, path, kind,
                    kind == VIGIL_RULES_IOC_HASH && vigil_ioc_name_is_allow_list(path));
}

vigil_status vigil_ioc_builder_add_allow_file(vigil_ioc_builder *b, const char *path)
{
    return add_file(b, path, VIGIL_RULES_IOC_HASH, 1);
}
