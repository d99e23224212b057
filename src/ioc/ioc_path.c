/* ioc_path.c - the filename/path IOC matcher.
 *
 * Loki runs re.search() of every pattern over every path: with the 3,828
 * signature-base patterns that is thousands of regex calls per file. Here
 * all patterns go into ONE hyperscan database scanned once per path form.
 * Patterns hyperscan refuses (backreferences, lookarounds, ...) are kept in
 * the database in prefilter mode when possible, so PCRE2 only confirms the
 * rare candidate hits; the few that not even prefiltering accepts run
 * through PCRE2 (JIT) on every path. False-positive regexes are PCRE2,
 * evaluated only for patterns that hit.
 *
 * IOCs are written for Windows paths ('\'); a path matches when a pattern
 * matches it as given or with every '/' turned into '\'. Paths with
 * non-ASCII bytes get Python's character semantics: see ioc_pathtext.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/hyperscan_cache.h"
#include "ioc/ioc_internal.h"

#include <hs.h>
#include <limits.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

/* Bounds for PCRE2 on hostile paths: enough for any sane IOC regex,
 * small enough that a catastrophic pattern cannot stall a sweep. */
#define PCRE_MATCH_LIMIT 200000u
#define PCRE_DEPTH_LIMIT 5000u

enum {
    PAT_HS = 0,        /* hyperscan decides */
    PAT_PREFILTER = 1, /* a hyperscan hit is confirmed by PCRE2 */
    PAT_PCRE = 2,      /* PCRE2 alone, on every path */
    PAT_DROPPED = 3
};

typedef struct path_pat {
    pcre2_code *re;  /* byte mode; NULL for PAT_HS */
    pcre2_code *uni; /* UTF mode, for Unicode-sensitive patterns */
    pcre2_code *fp;  /* false-positive regex (UTF mode), may be NULL */
    int sensitive;   /* see vigil_ioc_regex_unicode_sensitive */
    const char *regex;
    const char *desc;
    const char *source;
    uint64_t line;
    int score;
    int mode;
} path_pat;

struct vigil_ioc_pathdb {
    path_pat *pats; /* index = hyperscan id */
    size_t n;       /* including dropped ones */
    size_t kept;
    hs_database_t *hs; /* NULL when no pattern is in it */
    uint32_t *pcre_only;
    size_t npcre_only;
    uint32_t *sensitive; /* run with uni on non-ASCII paths */
    size_t nsensitive;
};

struct vigil_ioc_scratch {
    const vigil_ioc_pathdb *pdb;
    hs_scratch_t *hs;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    uint32_t *stamp; /* generation in which pattern i last hit */
    uint32_t gen;
    uint32_t *hits;
    size_t nhits;
    vigil_ioc_pathtext pt;
};

static void pat_free(path_pat *p)
{
    pcre2_code_free(p->re);
    pcre2_code_free(p->uni);
    pcre2_code_free(p->fp);
    p->re = p->uni = p->fp = NULL;
}

void vigil_ioc_pathdb_destroy(vigil_ioc_pathdb *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        pat_free(&p->pats[i]);
    free(p->pats);
    free(p->pcre_only);
    free(p->sensitive);
    hs_free_database(p->hs);
    free(p);
}

size_t vigil_ioc_pathdb_count(const vigil_ioc_pathdb *p)
{
    return p ? p->kept : 0;
}

size_t vigil_ioc_pathdb_refused(const vigil_ioc_pathdb *p)
{
    return p ? p->n - p->kept : 0;
}

void vigil_ioc_pathdb_modes(const vigil_ioc_pathdb *p, size_t *prefilter, size_t *pcre)
{
    *prefilter = *pcre = 0;
    for (size_t i = 0; p != NULL && i < p->n; i++) {
        *prefilter += p->pats[i].mode == PAT_PREFILTER;
        *pcre += p->pats[i].mode == PAT_PCRE;
    }
}

/* A leading "(?i)" becomes HS_FLAG_CASELESS: hyperscan gets the rest. */
static const char *hs_form(const char *regex, unsigned *flags)
{
    *flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
    if (strncmp(regex, "(?i)", 4) == 0) {
        *flags |= HS_FLAG_CASELESS;
        return regex + 4;
    }
    return regex;
}

/* Whether hyperscan compiles regex (with extra flags); *empty tells that
 * it can match the empty string, hence every path. */
static int hs_accepts(const char *regex, unsigned extra, int *empty)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *err = NULL;
    unsigned flags;
    const char *expr = hs_form(regex, &flags);

    if (hs_expression_info(expr, flags | extra, &info, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        return 0;
    }
    if (empty != NULL)
        *empty = info->min_width == 0;
    free(info); /* allocated with the default (malloc) allocator */
    return 1;
}

#define UNICODE_MODE (PCRE2_UTF | PCRE2_UCP)

static pcre2_code *pcre_compile(const char *regex, uint32_t options, char *msg, size_t msgsz,
                                size_t *where)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, options, &code, &off, NULL);

    if (re == NULL) {
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, msgsz);
        *where = off;
        return NULL;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* the interpreter if JIT fails */
    return re;
}

/* A pattern that matches the empty string matches (by search) every path:
 * Loki would flag every file of the sweep with it. Such an IOC is a mistake
 * in the list, so it is refused with a diagnostic naming its file and line
 * and counted among the refused IOCs, never matched. */
static vigil_status refuse_empty(path_pat *p, const vigil_diag_sink *diag)
{
    vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, p->source, p->line,
                "filename IOC regex matches the empty string, so it would flag every path; "
                "refused");
    p->mode = PAT_DROPPED;
    return VIGIL_OK;
}

/* For patterns hyperscan cannot analyse: whether PCRE2 matches "" with it
 * (a pattern whose minimum length is not 0 cannot). */
static int pcre_matches_empty(const pcre2_code *re)
{
    uint32_t minlen = 1;
    if (pcre2_pattern_info(re, PCRE2_INFO_MINLENGTH, &minlen) != 0 || minlen > 0)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (md == NULL)
        return 0;
    int rc = pcre2_match(re, (PCRE2_SPTR) "", 0, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* Decides how pattern p is matched: hyperscan, prefilter + PCRE2, PCRE2. */
static vigil_status classify(path_pat *p, const vigil_diag_sink *diag)
{
    char msg[256];
    size_t where = 0;

    int empty = 0;

    if (hs_accepts(p->regex, 0, &empty)) {
        if (empty)
            return refuse_empty(p, diag);
        p->mode = PAT_HS;
        return VIGIL_OK;
    }
    p->re = pcre_compile(p->regex, 0, msg, sizeof msg, &where);
    if (p->re == NULL) {
        vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, p->source, p->line,
                    "filename IOC regex does not compile at offset %zu: %s; skipped", where, msg);
        p->mode = PAT_DROPPED;
        return VIGIL_OK;
    }
    if (pcre_matches_empty(p->re))
        return refuse_empty(p, diag);
    p->mode = hs_accepts(p->regex, HS_FLAG_PREFILTER, NULL) ? PAT_PREFILTER : PAT_PCRE;
    return VIGIL_OK;
}

/* Moves pattern p out of the hyperscan database to PCRE2 only. */
static void demote(path_pat *p, const vigil_diag_sink *diag, const char *why)
{
    char msg[256];
    size_t where = 0;

    if (p->re == NULL)
        p->re = pcre_compile(p->regex, 0, msg, sizeof msg, &where);
    if (p->re == NULL) {
        vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, p->source, p->line,
                    "filename IOC regex refused by hyperscan (%s) and PCRE2 (%s); skipped", why,
                    msg);
        p->mode = PAT_DROPPED;
    } else {
        p->mode = PAT_PCRE;
    }
}

/* Compiles every PAT_HS/PAT_PREFILTER pattern into one database. A pattern
 * the compiler refuses is demoted and the compile retried. */
static vigil_status compile_hs(vigil_ioc_pathdb *pdb, const char *cache_dir,
                               const vigil_diag_sink *diag)
{
    const char **exprs = NULL;
    unsigned *flags = NULL, *ids = NULL;
    vigil_status st = VIGIL_OK;

    exprs = calloc(pdb->n ? pdb->n : 1, sizeof *exprs);
    flags = calloc(pdb->n ? pdb->n : 1, sizeof *flags);
    ids = calloc(pdb->n ? pdb->n : 1, sizeof *ids);
    if (exprs == NULL || flags == NULL || ids == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        unsigned m = 0;
        hs_compile_error_t *err = NULL;
        for (size_t i = 0; i < pdb->n; i++) {
            path_pat *p = &pdb->pats[i];
            if (p->mode != PAT_HS && p->mode != PAT_PREFILTER)
                continue;
            exprs[m] = hs_form(p->regex, &flags[m]);
            if (p->mode == PAT_PREFILTER)
                flags[m] |= HS_FLAG_PREFILTER;
            ids[m] = (unsigned)i;
            m++;
        }
        if (m == 0)
            break;
        unsigned char key[32];
        int keyed = cache_dir != NULL &&
                    vigil_hyperscan_cache_key(exprs, flags, ids, m, HS_MODE_BLOCK, key) == 0;
        if (keyed && (pdb->hs = vigil_hyperscan_cache_load(cache_dir, key)) != NULL)
            break;
        if (hs_compile_multi(exprs, flags, ids, m, HS_MODE_BLOCK, NULL, &pdb->hs, &err) ==
            HS_SUCCESS) {
            if (keyed)
                (void)vigil_hyperscan_cache_store(cache_dir, key, pdb->hs); /* best effort */
            break;
        }
        pdb->hs = NULL;
        if (err == NULL || err->expression < 0 || (unsigned)err->expression >= m) {
            /* Not one pattern's fault (resources): every pattern goes to PCRE2. */
            vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_RULE, NULL, 0,
                        "hyperscan cannot build the filename IOC database (%s); using PCRE2",
                        err ? err->message : "unknown error");
            hs_free_compile_error(err);
            for (size_t i = 0; i < pdb->n; i++)
                if (pdb->pats[i].mode == PAT_HS || pdb->pats[i].mode == PAT_PREFILTER)
                    demote(&pdb->pats[i], diag, "database");
            break;
        }
        demote(&pdb->pats[ids[err->expression]], diag, err->message);
        hs_free_compile_error(err);
    }
out:
    free(exprs);
    free(flags);
    free(ids);
    return st;
}

vigil_status vigil_ioc_pathdb_build(const vigil_ioc_fname_rec *recs, size_t n,
                                    const vigil_ioc_pool *pool, const char *cache_dir,
                                    const vigil_diag_sink *diag, vigil_ioc_pathdb **out)
{
    vigil_ioc_pathdb *pdb;
    vigil_status st;

    *out = NULL;
    if (n == 0)
        return VIGIL_OK;
    if (n > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    pdb = calloc(1, sizeof *pdb);
    if (pdb == NULL)
        return VIGIL_ERR_NOMEM;
    pdb->pats = calloc(n, sizeof *pdb->pats);
    if (pdb->pats == NULL) {
        free(pdb);
        return VIGIL_ERR_NOMEM;
    }
    pdb->n = n;
    for (size_t i = 0; i < n; i++) {
        path_pat *p = &pdb->pats[i];
        const char *fp = vigil_ioc_pool_str(pool, recs[i].fp);
        p->regex = vigil_ioc_pool_str(pool, recs[i].regex);
        p->desc = vigil_ioc_pool_str(pool, recs[i].desc);
        p->source = vigil_ioc_pool_str(pool, recs[i].source);
        p->line = recs[i].line;
        p->score = recs[i].score;
        if (fp != NULL) {
            char msg[256];
            size_t where = 0;
            p->fp = pcre_compile(fp, UNICODE_MODE, msg, sizeof msg, &where);
            if (p->fp == NULL) /* not valid UTF-8: bytes then */
                p->fp = pcre_compile(fp, 0, msg, sizeof msg, &where);
            if (p->fp == NULL) {
                vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, p->source, p->line,
                            "false-positive regex does not compile at offset %zu: %s; "
                            "IOC skipped",
                            where, msg);
                p->mode = PAT_DROPPED;
                continue;
            }
        }
        st = classify(p, diag);
        if (st != VIGIL_OK)
            goto fail;
        if (p->mode != PAT_DROPPED && vigil_ioc_regex_unicode_sensitive(p->regex)) {
            char msg[256];
            size_t where = 0;
            p->uni = pcre_compile(p->regex, UNICODE_MODE, msg, sizeof msg, &where);
            if (p->uni == NULL)
                p->uni = pcre_compile(p->regex, 0, msg, sizeof msg, &where);
            p->sensitive = p->uni != NULL;
        }
    }
    st = compile_hs(pdb, cache_dir, diag);
    if (st != VIGIL_OK)
        goto fail;
    pdb->pcre_only = calloc(n, sizeof *pdb->pcre_only);
    pdb->sensitive = calloc(n, sizeof *pdb->sensitive);
    if (pdb->pcre_only == NULL || pdb->sensitive == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (pdb->pats[i].mode == PAT_PCRE)
            pdb->pcre_only[pdb->npcre_only++] = (uint32_t)i;
        if (pdb->pats[i].mode != PAT_DROPPED && pdb->pats[i].sensitive)
            pdb->sensitive[pdb->nsensitive++] = (uint32_t)i;
        if (pdb->pats[i].mode != PAT_DROPPED)
            pdb->kept++;
        else
            pat_free(&pdb->pats[i]);
    }
    *out = pdb;
    return VIGIL_OK;
fail:
    vigil_ioc_pathdb_destroy(pdb);
    return st;
}

vigil_status vigil_ioc_scratch_create(const vigil_ioc_db *db, vigil_ioc_scratch **out)
{
    vigil_ioc_scratch *s;
    const vigil_ioc_pathdb *pdb;

    if (db == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    pdb = db->paths;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    s->pdb = pdb;
    if (pdb == NULL) {
        *out = s;
        return VIGIL_OK;
    }
    s->md = pcre2_match_data_create(1, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    s->stamp = calloc(pdb->n, sizeof *s->stamp);
    s->hits = calloc(pdb->n, sizeof *s->hits);
    if (s->md == NULL || s->mctx == NULL || s->stamp == NULL || s->hits == NULL ||
        (pdb->hs != NULL && hs_alloc_scratch(pdb->hs, &s->hs) != HS_SUCCESS)) {
        vigil_ioc_scratch_destroy(s);
        return VIGIL_ERR_NOMEM;
    }
    pcre2_set_match_limit(s->mctx, PCRE_MATCH_LIMIT);
    pcre2_set_depth_limit(s->mctx, PCRE_DEPTH_LIMIT);
    *out = s;
    return VIGIL_OK;
}

void vigil_ioc_scratch_destroy(vigil_ioc_scratch *s)
{
    if (s == NULL)
        return;
    hs_free_scratch(s->hs);
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    free(s->stamp);
    free(s->hits);
    vigil_ioc_pathtext_free(&s->pt);
    free(s);
}

static void add_hit(vigil_ioc_scratch *s, uint32_t id)
{
    if (s->stamp[id] != s->gen) {
        s->stamp[id] = s->gen;
        s->hits[s->nhits++] = id;
    }
}

/* Image hits of Unicode-sensitive patterns do not count: those patterns
 * are decided on the UTF-8 form. */
static int on_hs_match(unsigned int id, unsigned long long from, unsigned long long to,
                       unsigned int flags, void *ctx)
{
    vigil_ioc_scratch *s = ctx;
    (void)from;
    (void)to;
    (void)flags;
    if (s->pt.ascii || !s->pdb->pats[id].sensitive)
        add_hit(s, id);
    return 0;
}

/* PCRE2 errors (match limit on a hostile path) count as no match. */
static int pcre_hit(vigil_ioc_scratch *s, const pcre2_code *re, const char *a, size_t alen,
                    const char *b, size_t blen)
{
    if (pcre2_match(re, (PCRE2_SPTR)a, alen, 0, PCRE2_NO_UTF_CHECK, s->md, s->mctx) >= 0)
        return 1;
    return b != NULL &&
           pcre2_match(re, (PCRE2_SPTR)b, blen, 0, PCRE2_NO_UTF_CHECK, s->md, s->mctx) >= 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

vigil_status vigil_ioc_match_path(const vigil_ioc_db *db, vigil_ioc_scratch *s, const char *path,
                                  size_t len, vigil_findings *out)
{
    const vigil_ioc_pathdb *pdb;
    const vigil_ioc_pathtext *pt;
    vigil_status st;

    if (db == NULL || s == NULL || out == NULL || (path == NULL && len != 0))
        return VIGIL_ERR_INVALID_ARG;
    pdb = db->paths;
    if (s->pdb != pdb)
        return VIGIL_ERR_INVALID_ARG; /* scratch made for another database */
    if (pdb == NULL || pdb->kept == 0)
        return VIGIL_OK;
    if (path == NULL)
        path = "";
    st = vigil_ioc_pathtext_set(&s->pt, path, len);
    if (st != VIGIL_OK)
        return st;
    pt = &s->pt;
    if (pt->ulen > UINT_MAX)
        return VIGIL_ERR_LIMIT;
    if (++s->gen == 0) {
        memset(s->stamp, 0, pdb->n * sizeof *s->stamp);
        s->gen = 1;
    }
    s->nhits = 0;
    if (pdb->hs != NULL) {
        if (hs_scan(pdb->hs, pt->t, (unsigned)pt->tlen, 0, s->hs, on_hs_match, s) != HS_SUCCESS)
            return VIGIL_ERR_INTERNAL;
        if (pt->talt != NULL &&
            hs_scan(pdb->hs, pt->talt, (unsigned)pt->tlen, 0, s->hs, on_hs_match, s) != HS_SUCCESS)
            return VIGIL_ERR_INTERNAL;
    }
    for (size_t i = 0; i < pdb->npcre_only; i++) {
        const path_pat *p = &pdb->pats[pdb->pcre_only[i]];
        if ((pt->ascii || !p->sensitive) && pcre_hit(s, p->re, pt->t, pt->tlen, pt->talt, pt->tlen))
            add_hit(s, pdb->pcre_only[i]);
    }
    for (size_t i = 0; !pt->ascii && i < pdb->nsensitive; i++) {
        const path_pat *p = &pdb->pats[pdb->sensitive[i]];
        if (pcre_hit(s, p->uni, pt->u, pt->ulen, pt->ualt, pt->ulen))
            add_hit(s, pdb->sensitive[i]);
    }
    if (s->nhits > 1)
        qsort(s->hits, s->nhits, sizeof *s->hits, cmp_u32);
    for (size_t i = 0; i < s->nhits; i++) {
        const path_pat *p = &pdb->pats[s->hits[i]];
        vigil_finding *f;
        if (p->mode == PAT_PREFILTER && (pt->ascii || !p->sensitive) &&
            !pcre_hit(s, p->re, pt->t, pt->tlen, pt->talt, pt->tlen))
            continue;
        if (p->fp != NULL && pcre_hit(s, p->fp, pt->u, pt->ulen, pt->ualt, pt->ulen))
            continue;
        f = vigil_findings_add(out, VIGIL_FINDING_FILENAME);
        if (f == NULL)
            return VIGIL_ERR_NOMEM;
        f->matched = vigil_arena_strndup(&out->arena, path, len);
        if (f->matched == NULL) {
            out->n--;
            return VIGIL_ERR_NOMEM;
        }
        f->rule = p->regex;
        f->score = p->score;
        f->description = p->desc;
        f->rule_source = p->source;
        f->rule_line = p->line;
    }
    return VIGIL_OK;
}
