/* yara_build.c - compiles rule files into one rule set without letting a
 * broken file poison it.
 *
 * libyara's compiler becomes unusable after the first error, so one bad
 * file would lose every rule. Each source is therefore compiled first in a
 * probe compiler (with the same externals) that holds only sources that
 * compiled, each in its own namespace as in the final set; after an error
 * the probe is thrown away and the next source gets a fresh one (a
 * compiler per source costs ~30 ms of zeroed memory in libyara 4.2: 30 s
 * for the 1,000 files of the Elastic rules). Its errors and
 * warnings become diagnostics naming the file and line, and only sources
 * that compile are kept for the final compiler. The text of each kept
 * source stays in memory until finish so that rule lines can be indexed
 * and the final compile reads exactly what was checked. With a cache
 * directory (yara_cache.c), a source that continues a recorded clean
 * trial compile of the same sources is kept without compiling it, and the
 * compiled sets come from the cache: a warm load compiles nothing. */
#include "yara/yara_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "yara/yara_cache.h"

#define MAX_RULE_FILE_SIZE (256u << 20) /* refuse absurd "rule" files */

typedef struct src_entry {
    char *ns;     /* unique namespace */
    char *source; /* path or add_string name: diagnostics, rule_source */
    char *text;   /* NUL-terminated copy of the source */
    size_t len;
    int bad;               /* failed in the final compile */
    unsigned char key[32]; /* vigil_yara_cache_source_key, when the cache is on */
} src_entry;

struct vigil_yara_builder {
    vigil_diag_sink diag;
    src_entry *src;
    size_t n;
    size_t cap;
    int finished;
    int lib_ref;
    vigil_yara_grouping_mode mode;
    char *cache_dir;    /* compiled sets, trial records, gate databases; may be NULL */
    YR_COMPILER *probe; /* the sources that compiled so far; NULL after an error */
    int probe_partial;  /* a source was refused: the probe holds only those after it */
    /* the cache (yara_cache.c): while `trusted`, every source so far
     * continues a sequence whose trial compile was clean, and none has
     * been compiled (the probe is built when one does not) */
    int trusted;
    int clean;   /* no compile message, no refused source, every source keyed */
    int unkeyed; /* a source has no key (it includes another file): no set is kept */
    vigil_yara_trial *trial;
};

typedef struct compile_ctx {
    const vigil_diag_sink *diag;
    const char *source; /* when libyara names no file */
    int report_warnings;
    unsigned errors;
    unsigned messages; /* errors and warnings */
} compile_ctx;

static void on_compile_msg(int level, const char *file, int line, const YR_RULE *rule,
                           const char *msg, void *user)
{
    compile_ctx *c = user;
    int is_error = level == YARA_ERROR_LEVEL_ERROR;
    const char *src = file != NULL && *file ? file : c->source;
    uint64_t ln = line > 0 ? (uint64_t)line : 0;

    c->messages++;
    if (is_error)
        c->errors++;
    else if (!c->report_warnings)
        return;
    if (rule != NULL && rule->identifier != NULL)
        vigil_diagf(c->diag, is_error ? VIGIL_DIAG_ERROR : VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, src,
                    ln, "rule %s: %s", rule->identifier, msg ? msg : "");
    else
        vigil_diagf(c->diag, is_error ? VIGIL_DIAG_ERROR : VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, src,
                    ln, "%s", msg ? msg : "");
}

static vigil_status status_of_yr(int err)
{
    return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
}

/* A compiler with the externals declared and our message callback. */
static vigil_status new_compiler(compile_ctx *ctx, YR_COMPILER **out)
{
    YR_COMPILER *c = NULL;
    int err = yr_compiler_create(&c);

    *out = NULL;
    if (err != ERROR_SUCCESS)
        return status_of_yr(err);
    for (size_t i = 0; i < VIGIL_YARA_NEXTERNALS; i++) {
        err = yr_compiler_define_string_variable(c, vigil_yara_external_names[i], "");
        if (err != ERROR_SUCCESS) {
            yr_compiler_destroy(c);
            return status_of_yr(err);
        }
    }
    yr_compiler_set_callback(c, on_compile_msg, ctx);
    *out = c;
    return VIGIL_OK;
}

/* Adds one source; returns libyara's error count (-1: could not even try,
 * which only happens when memory is short). */
static int compiler_add(YR_COMPILER *c, compile_ctx *ctx, const src_entry *e)
{
    FILE *fp;
    int errs;

    ctx->source = e->source;
    if (e->len == 0)
        return yr_compiler_add_string(c, "", e->ns);
    /* A memory stream keeps the file name, so libyara resolves includes
     * relative to the rule file and names it in its messages. */
    fp = fmemopen(e->text, e->len, "r");
    if (fp == NULL)
        return -1;
    errs = yr_compiler_add_file(c, fp, e->ns, e->source);
    fclose(fp);
    return errs;
}

vigil_status vigil_yara_builder_create(const vigil_diag_sink *diag, vigil_yara_builder **out)
{
    vigil_yara_builder *b;
    vigil_status st;

    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return VIGIL_ERR_NOMEM;
    if (diag != NULL)
        b->diag = *diag;
    st = vigil_yara_lib_acquire();
    if (st != VIGIL_OK) {
        free(b);
        return st;
    }
    b->lib_ref = 1;
    b->clean = 1;
    *out = b;
    return VIGIL_OK;
}

static void free_entry(src_entry *e)
{
    free(e->ns);
    free(e->source);
    free(e->text);
}

void vigil_yara_builder_destroy(vigil_yara_builder *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        free_entry(&b->src[i]);
    free(b->src);
    free(b->cache_dir);
    vigil_yara_trial_free(b->trial);
    if (b->probe != NULL)
        yr_compiler_destroy(b->probe);
    if (b->lib_ref)
        vigil_yara_lib_release();
    free(b);
}

vigil_status vigil_yara_builder_set_cache(vigil_yara_builder *b, const char *dir)
{
    if (b == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (b->n > 0) { /* the sources added so far have no keys */
        b->unkeyed = 1;
        b->clean = 0;
    }
    return vigil_string_set(&b->cache_dir, dir);
}

void vigil_yara_builder_set_grouping(vigil_yara_builder *b, vigil_yara_grouping_mode mode)
{
    if (b != NULL)
        b->mode = mode;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static int ns_taken(const vigil_yara_builder *b, const char *ns)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->src[i].ns, ns) == 0)
            return 1;
    return 0;
}

/* The base name, or "base_2", "base_3", ... when already used. */
static char *unique_ns(const vigil_yara_builder *b, const char *source)
{
    const char *base = base_name(source);
    size_t cap;
    char *ns;

    if (*base == '\0')
        base = "rules";
    cap = strlen(base) + 24;
    ns = malloc(cap);
    if (ns == NULL)
        return NULL;
    snprintf(ns, cap, "%s", base);
    for (unsigned long k = 2; ns_taken(b, ns); k++)
        snprintf(ns, cap, "%s_%lu", base, k);
    return ns;
}

/* Keys the source for the cache; 1 when an earlier clean trial compile
 * of the same sources in the same order vouches for it (it is kept
 * without compiling), else 0 (the probe then holds every source so far). */
static int cache_vouches(vigil_yara_builder *b, src_entry *e)
{
    if (b->cache_dir == NULL)
        return 0;
    if (b->n == 0)
        b->trusted = 1;
    if (vigil_yara_text_has_include(e->text, e->len) ||
        vigil_yara_cache_source_key(e->ns, e->source, e->text, e->len, e->key) != 0) {
        b->unkeyed = 1;
        b->clean = 0;
    }
    if (!b->trusted)
        return 0;
    if (b->n == 0 && b->clean)
        b->trial = vigil_yara_trial_load(b->cache_dir, e->key);
    if (b->clean && vigil_yara_trial_match(b->trial, b->n, e->key))
        return 1;
    /* from here on every source is tried: the probe takes those kept
     * so far (they compiled cleanly before, in this order) */
    b->trusted = 0;
    vigil_yara_trial_free(b->trial);
    b->trial = NULL;
    if (b->n == 0)
        return 0;
    compile_ctx ctx = {&b->diag, NULL, 1, 0, 0};
    if (new_compiler(&ctx, &b->probe) != VIGIL_OK) {
        b->probe_partial = 1; /* a probe made later lacks the sources so far */
        return 0;             /* add_text tries again and says why */
    }
    for (size_t i = 0; i < b->n; i++) {
        ctx.errors = 0;
        if (compiler_add(b->probe, &ctx, &b->src[i]) != 0 || ctx.errors > 0) {
            /* cannot happen with the same libyara; the final compile
             * reports and leaves out whatever fails */
            yr_compiler_destroy(b->probe);
            b->probe = NULL;
            b->probe_partial = 1;
            break;
        }
    }
    if (ctx.messages > 0)
        b->clean = 0;
    return 0;
}

/* Tries the text alone, reports its problems, and keeps it when it
 * compiles. Takes ownership of text. */
static vigil_status add_text(vigil_yara_builder *b, const char *source, char *text, size_t len)
{
    src_entry *e;
    compile_ctx ctx = {&b->diag, source, 1, 0, 0};
    YR_COMPILER *c;
    vigil_status st;
    int errs;

    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        src_entry *p = cap > SIZE_MAX / sizeof *p ? NULL : realloc(b->src, cap * sizeof *p);
        if (p == NULL) {
            free(text);
            return VIGIL_ERR_NOMEM;
        }
        b->src = p;
        b->cap = cap;
    }
    /* built in place, in the slot it takes once kept (b->n counts it then) */
    e = &b->src[b->n];
    memset(e, 0, sizeof *e);
    e->text = text;
    e->len = len;
    e->source = strdup(source);
    e->ns = unique_ns(b, source);
    if (e->source == NULL || e->ns == NULL) {
        free_entry(e);
        return VIGIL_ERR_NOMEM;
    }
    if (cache_vouches(b, e)) {
        b->n++;
        return VIGIL_OK;
    }
    if (b->probe == NULL) {
        st = new_compiler(&ctx, &b->probe);
        if (st != VIGIL_OK) {
            free_entry(e);
            return st;
        }
    }
    c = b->probe;
    yr_compiler_set_callback(c, on_compile_msg, &ctx);
    errs = compiler_add(c, &ctx, e);
    if (ctx.messages > 0 || errs != 0)
        b->clean = 0; /* every later load says it again: no trial record */
    if (errs != 0 || ctx.errors > 0) {
        yr_compiler_destroy(c); /* unusable after an error */
        b->probe = NULL;
        b->probe_partial = 1;
    }
    if (errs < 0) {
        free_entry(e);
        return VIGIL_ERR_NOMEM;
    }
    if (errs > 0 || ctx.errors > 0) {
        free_entry(e);
        return VIGIL_ERR_RULE;
    }
    b->n++;
    return VIGIL_OK;
}

/* Reads a whole file into a NUL-terminated buffer (core's read loop; a FIFO
 * is read too, a directory is refused with its own message). */
static vigil_status read_file(const vigil_yara_builder *b, const char *path, char **out,
                              size_t *len)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    *out = NULL;
    *len = 0;
    if (fd < 0) {
        int err = errno;
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, vigil_status_from_errno(err), path, 0,
                    "cannot open: %s", strerror(err));
        return vigil_status_from_errno(err);
    }
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_INVALID_ARG, path, 0,
                    "is a directory, not a rule file");
        return VIGIL_ERR_INVALID_ARG;
    }
    errno = 0;
    vigil_status st = vigil_read_fd(fd, MAX_RULE_FILE_SIZE, out, len);
    int err = errno;
    close(fd);
    if (st == VIGIL_ERR_LIMIT)
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_LIMIT, path, 0,
                    "rule file larger than %u MiB", MAX_RULE_FILE_SIZE >> 20);
    else if (st != VIGIL_OK && st != VIGIL_ERR_NOMEM)
        vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, st, path, 0, "read error: %s", strerror(err));
    return st;
}

vigil_status vigil_yara_builder_add_file(vigil_yara_builder *b, const char *path)
{
    char *text;
    size_t len;
    vigil_status st;

    if (b == NULL || path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    st = read_file(b, path, &text, &len);
    if (st != VIGIL_OK)
        return st;
    return add_text(b, path, text, len);
}

vigil_status vigil_yara_builder_add_string(vigil_yara_builder *b, const char *name,
                                           const char *text, size_t len)
{
    char *copy;

    if (b == NULL || (text == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    if (len == SIZE_MAX)
        return VIGIL_ERR_OVERFLOW;
    copy = malloc(len + 1);
    if (copy == NULL)
        return VIGIL_ERR_NOMEM;
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    return add_text(b, name != NULL && *name ? name : "<string>", copy, len);
}

/* The cache key of a compile of every kept source, each in its namespace
 * (the probe's, or compile_all's): 0 ok, -1 when there is none (no
 * cache, an include, a source not keyed). */
static int whole_key(const vigil_yara_builder *b, unsigned char key[32])
{
    vigil_yara_cache_key k;
    if (b->cache_dir == NULL || b->unkeyed)
        return -1;
    vigil_yara_cache_key_begin(&k, "whole");
    for (size_t i = 0; i < b->n; i++)
        if (!b->src[i].bad)
            vigil_yara_cache_key_add(&k, b->src[i].key, sizeof b->src[i].key);
    return vigil_yara_cache_key_end(&k, key);
}

const char *vigil_yara_builder_last_text(const vigil_yara_builder *b, size_t *len)
{
    if (len != NULL)
        *len = 0;
    if (b == NULL || b->n == 0 || b->finished || len == NULL)
        return NULL;
    *len = b->src[b->n - 1].len;
    return b->src[b->n - 1].text;
}

/* Compiles every kept source; a source that fails here (it compiled alone)
 * is reported, dropped, and the compile starts again without it. A set
 * that compiled before from the same sources comes from the cache. */
static vigil_status compile_all(vigil_yara_builder *b, YR_RULES **out)
{
    compile_ctx ctx = {&b->diag, NULL, 0, 0, 0};

    *out = NULL;
    for (;;) {
        YR_COMPILER *c;
        size_t kept = 0, i;
        unsigned char key[32];
        int keyed = whole_key(b, key) == 0;
        if (keyed && (*out = vigil_yara_cache_rules_load(b->cache_dir, key)) != NULL)
            return VIGIL_OK;
        vigil_status st = new_compiler(&ctx, &c);
        int err;

        if (st != VIGIL_OK)
            return st;
        for (i = 0; i < b->n; i++) {
            if (b->src[i].bad)
                continue;
            ctx.errors = 0;
            int errs = compiler_add(c, &ctx, &b->src[i]);
            if (errs < 0) {
                yr_compiler_destroy(c);
                return VIGIL_ERR_NOMEM;
            }
            if (errs > 0 || ctx.errors > 0)
                break;
            kept++;
        }
        if (i < b->n) {
            yr_compiler_destroy(c);
            b->src[i].bad = 1;
            vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, b->src[i].source, 0,
                        "fails in the combined rule set; left out");
            continue;
        }
        if (kept == 0) {
            yr_compiler_destroy(c);
            return VIGIL_ERR_NO_RULES;
        }
        err = yr_compiler_get_rules(c, out);
        yr_compiler_destroy(c);
        if (err != ERROR_SUCCESS) {
            *out = NULL;
            vigil_diagf(&b->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, NULL, 0,
                        "building the rule set failed: %s", vigil_yara_error_str(err));
            return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_RULE;
        }
        if (keyed)
            vigil_yara_cache_rules_store(b->cache_dir, key, *out);
        return VIGIL_OK;
    }
}

/* The kept sources, as the rule index and the grouping read them. */
static vigil_yara_source_lines *kept_sources(const vigil_yara_builder *b, size_t *n)
{
    vigil_yara_source_lines *lines = calloc(b->n ? b->n : 1, sizeof *lines);
    *n = 0;
    if (lines == NULL)
        return NULL;
    for (size_t i = 0; i < b->n; i++) {
        if (b->src[i].bad)
            continue;
        lines[*n].ns = b->src[i].ns;
        lines[*n].source = b->src[i].source;
        lines[*n].text = b->src[i].text;
        lines[*n].len = b->src[i].len;
        (*n)++;
    }
    return lines;
}

/* A clean trial compile that no earlier one vouched for is recorded, so
 * that the next load of the same sources skips it. */
static void remember_trial(const vigil_yara_builder *b)
{
    if (b->cache_dir == NULL || !b->clean || b->trusted || b->n == 0 || b->n > SIZE_MAX / 32)
        return;
    unsigned char *keys = malloc(b->n * 32);
    if (keys == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        memcpy(keys + i * 32, b->src[i].key, 32);
    vigil_yara_trial_store(b->cache_dir, keys, b->n);
    free(keys);
}

static vigil_status new_rules(vigil_yara_rules **out)
{
    vigil_yara_rules *r = calloc(1, sizeof *r);
    vigil_status st;

    *out = NULL;
    if (r == NULL)
        return VIGIL_ERR_NOMEM;
    /* The rules hold their own libyara reference: the builder's goes away
     * with the builder, and rules usually outlive it. */
    st = vigil_yara_lib_acquire();
    if (st != VIGIL_OK) {
        free(r);
        return st;
    }
    vigil_arena_init(&r->arena);
    *out = r;
    return VIGIL_OK;
}

vigil_status vigil_yara_builder_finish(vigil_yara_builder *b, vigil_yara_rules **out)
{
    vigil_yara_rules *r;
    vigil_yara_source_lines *lines;
    size_t nlines = 0;
    YR_RULES *yr;
    vigil_status st;

    if (b == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (b->finished)
        return VIGIL_ERR_FROZEN;
    b->finished = 1;
    /* The probe holding every kept source is the plain rule set, which
     * the grouping may use as is (its one set holding every group); it
     * is destroyed before anything else is compiled. */
    YR_COMPILER *whole = b->probe_partial || b->mode == VIGIL_YARA_GROUPING_OFF ? NULL : b->probe;
    if (b->probe != NULL && whole == NULL) { /* its memory is better spent on the sets */
        yr_compiler_destroy(b->probe);
    }
    b->probe = NULL;
    if (b->n == 0) {
        if (whole != NULL)
            yr_compiler_destroy(whole);
        return VIGIL_ERR_NO_RULES;
    }
    st = new_rules(&r);
    if (st != VIGIL_OK) {
        if (whole != NULL)
            yr_compiler_destroy(whole);
        return st;
    }
    r->mode = b->mode;
    if (b->mode != VIGIL_YARA_GROUPING_OFF) {
        unsigned char key[32];
        int keyed = whole_key(b, key) == 0;
        lines = kept_sources(b, &nlines);
        st = lines == NULL ? VIGIL_ERR_NOMEM
                           : vigil_yara_group_build(r, &b->diag, lines, nlines, b->mode,
                                                    b->cache_dir, keyed ? key : NULL, &whole);
        free(lines);
        if (whole != NULL)
            yr_compiler_destroy(whole);
        whole = NULL;
        if (st == VIGIL_OK) {
            remember_trial(b);
            *out = r;
            return VIGIL_OK;
        }
        if (st == VIGIL_ERR_NOMEM) {
            vigil_yara_rules_destroy(r);
            return st;
        }
        /* Grouping is an optimisation: anything it cannot handle costs
         * speed, never rules. */
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, st, NULL, 0,
                    "YARA rules not grouped (%s): every file is scanned with every rule",
                    r->fallback != NULL ? r->fallback : vigil_status_str(st));
    }
    st = compile_all(b, &yr);
    if (st != VIGIL_OK) {
        vigil_yara_rules_destroy(r);
        return st;
    }
    r->yr = yr;
    lines = kept_sources(b, &nlines);
    st = lines == NULL ? VIGIL_ERR_NOMEM : vigil_yara_rules_index(r, lines, nlines);
    free(lines);
    if (st != VIGIL_OK) {
        vigil_yara_rules_destroy(r);
        return st;
    }
    remember_trial(b);
    *out = r;
    return VIGIL_OK;
}
