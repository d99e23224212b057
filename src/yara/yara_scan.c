/* yara_scan.c - scans one buffer with the shared rules and turns libyara's
 * matches into vigil findings.
 *
 * Each vigil_yara_scanner wraps one YR_SCANNER, so threads scan the same
 * frozen rules without locks. Everything a finding points to is copied
 * into the findbuf's arena: libyara's match lists die with the next scan,
 * and the caller may keep findings past the rules' lifetime. */
#include "yara_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct vigil_yara_scanner {
    const vigil_yara_rules *r;
    YR_SCANNER *yr;
};

typedef struct scan_ctx {
    const vigil_yara_rules *r;
    const char *name;
    unsigned max_strings;
    const vigil_diag_sink *diag;
    vigil_findbuf *out;
    vigil_status st;
} scan_ctx;

vigil_status vigil_yara_scanner_create(const vigil_yara_rules *r, vigil_yara_scanner **out)
{
    vigil_yara_scanner *s;
    int err;

    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (r == NULL || r->yr == NULL)
        return VIGIL_ERR_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    /* libyara takes a non-const pointer but does not modify the rules
     * during scans; that is what makes sharing them between threads safe. */
    err = yr_scanner_create(r->yr, &s->yr);
    if (err != ERROR_SUCCESS) {
        free(s);
        return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
    }
    s->r = r;
    yr_scanner_set_flags(s->yr, SCAN_FLAGS_REPORT_RULES_MATCHING);
    yr_scanner_set_timeout(s->yr, VIGIL_YARA_DEFAULT_TIMEOUT);
    *out = s;
    return VIGIL_OK;
}

void vigil_yara_scanner_destroy(vigil_yara_scanner *s)
{
    if (s == NULL)
        return;
    if (s->yr != NULL)
        yr_scanner_destroy(s->yr);
    free(s);
}

void vigil_yara_scanner_set_timeout(vigil_yara_scanner *s, unsigned seconds)
{
    if (s == NULL)
        return;
    yr_scanner_set_timeout(s->yr, seconds > INT_MAX ? INT_MAX : (int)seconds);
}

/* NULL stays NULL; anything else is copied or the whole finding fails. */
static int dup_opt(vigil_findbuf *fb, const char *s, const char **dst)
{
    *dst = NULL;
    if (s == NULL)
        return 1;
    *dst = vigil_findbuf_strdup(fb, s);
    return *dst != NULL;
}

static vigil_status add_strings(YR_SCAN_CONTEXT *yctx, const YR_RULE *rule, unsigned max_strings,
                                vigil_findbuf *fb, vigil_finding *f)
{
    const YR_STRING *s;
    size_t total = 0, keep, k = 0;
    vigil_string_match *sm;

    yr_rule_strings_foreach(rule, s)
    {
        if (STRING_IS_PRIVATE(s))
            continue;
        int32_t c = yctx->matches[s->idx].count;
        total += c > 0 ? (size_t)c : 0;
    }
    f->strings_total = total;
    keep = total < max_strings ? total : max_strings;
    if (keep == 0)
        return VIGIL_OK;
    if (keep > SIZE_MAX / sizeof *sm)
        return VIGIL_ERR_OVERFLOW;
    sm = vigil_findbuf_alloc(fb, keep * sizeof *sm);
    if (sm == NULL)
        return VIGIL_ERR_NOMEM;
    yr_rule_strings_foreach(rule, s)
    {
        if (k == keep)
            break;
        if (STRING_IS_PRIVATE(s))
            continue;
        const char *id = NULL;
        /* libyara 4.2 allocates matches from its notebook without aligning
         * them, so each one is copied out before its fields are read
         * (yr_string_matches_foreach would read them in place). */
        for (const YR_MATCH *mp = yctx->matches[s->idx].head; mp != NULL && k < keep;) {
            YR_MATCH m;
            memcpy(&m, mp, sizeof m);
            mp = m.next;
            if (m.is_private)
                continue;
            if (id == NULL) {
                id = vigil_findbuf_strdup(fb, s->identifier != NULL ? s->identifier : "$");
                if (id == NULL)
                    return VIGIL_ERR_NOMEM;
            }
            int64_t off = m.base + m.offset;
            sm[k].id = id;
            sm[k].offset = off > 0 ? (uint64_t)off : 0;
            sm[k].length = m.match_length > 0 ? (uint32_t)m.match_length : 0;
            k++;
        }
    }
    f->strings = sm;
    f->nstrings = k;
    return VIGIL_OK;
}

static vigil_status add_finding(scan_ctx *sc, YR_SCAN_CONTEXT *yctx, const YR_RULE *rule)
{
    const YR_RULES *yr = sc->r->yr;
    vigil_findbuf *fb = sc->out;
    const vigil_yara_rule_info *info;
    vigil_finding *f;
    ptrdiff_t idx = rule - yr->rules_table;

    if (idx < 0 || (size_t)idx >= sc->r->ninfo)
        return VIGIL_ERR_INTERNAL;
    info = &sc->r->info[idx];
    f = vigil_findbuf_add(fb, VIGIL_FINDING_YARA);
    if (f == NULL)
        return VIGIL_ERR_NOMEM;
    f->rule_line = info->line;
    f->score = info->score;
    if (!dup_opt(fb, info->name, &f->rule) || !dup_opt(fb, info->ns, &f->ns) ||
        !dup_opt(fb, info->source, &f->rule_source) ||
        !dup_opt(fb, info->description, &f->description) ||
        !dup_opt(fb, info->author, &f->author) || !dup_opt(fb, info->reference, &f->reference))
        return VIGIL_ERR_NOMEM;
    if (info->ntags > 0) {
        const char **tags = vigil_findbuf_alloc(fb, info->ntags * sizeof *tags);
        if (tags == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < info->ntags; i++)
            if (!dup_opt(fb, info->tags[i], &tags[i]))
                return VIGIL_ERR_NOMEM;
        f->tags = tags;
        f->ntags = info->ntags;
    }
    if (info->nmeta > 0) {
        vigil_meta *meta = vigil_findbuf_alloc(fb, info->nmeta * sizeof *meta);
        if (meta == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < info->nmeta; i++)
            if (!dup_opt(fb, info->meta[i].key, &meta[i].key) ||
                !dup_opt(fb, info->meta[i].value, &meta[i].value))
                return VIGIL_ERR_NOMEM;
        f->meta = meta;
        f->nmeta = info->nmeta;
    }
    return add_strings(yctx, rule, sc->max_strings, fb, f);
}

static int on_scan_msg(YR_SCAN_CONTEXT *yctx, int msg, void *data, void *user)
{
    scan_ctx *sc = user;

    switch (msg) {
    case CALLBACK_MSG_RULE_MATCHING:
        sc->st = add_finding(sc, yctx, data);
        return sc->st == VIGIL_OK ? CALLBACK_CONTINUE : CALLBACK_ERROR;
    case CALLBACK_MSG_TOO_MANY_MATCHES: {
        const YR_STRING *s = data;
        const YR_RULES *yr = sc->r->yr;
        const char *rule = s != NULL && s->rule_idx < yr->num_rules
                               ? yr->rules_table[s->rule_idx].identifier
                               : "?";
        vigil_diagf(sc->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, sc->name, 0,
                    "rule %s: string %s has too many matches; only the first are used", rule,
                    s != NULL && s->identifier != NULL ? s->identifier : "?");
        return CALLBACK_CONTINUE;
    }
    default:
        return CALLBACK_CONTINUE;
    }
}

vigil_status vigil_yara_scanner_scan(vigil_yara_scanner *s, const char *name, const uint8_t *data,
                                     size_t len, const vigil_yara_externals *ext,
                                     unsigned max_strings, const vigil_diag_sink *diag,
                                     vigil_findbuf *out)
{
    static const uint8_t empty[1];
    const char *vals[VIGIL_YARA_NEXTERNALS] = {"", "", "", "", "", ""};
    scan_ctx sc;
    size_t n_before;
    int err;

    if (s == NULL || out == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (ext != NULL) {
        const char *given[VIGIL_YARA_NEXTERNALS] = {ext->filename, ext->filepath, ext->extension,
                                                    ext->filetype, ext->owner,    ext->md5};
        for (size_t i = 0; i < VIGIL_YARA_NEXTERNALS; i++)
            if (given[i] != NULL)
                vals[i] = given[i];
    }
    for (size_t i = 0; i < VIGIL_YARA_NEXTERNALS; i++) {
        err = yr_scanner_define_string_variable(s->yr, vigil_yara_external_names[i], vals[i]);
        if (err != ERROR_SUCCESS)
            return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
    }
    sc.r = s->r;
    sc.name = name;
    sc.max_strings = max_strings;
    sc.diag = diag;
    sc.out = out;
    sc.st = VIGIL_OK;
    n_before = out->n;
    yr_scanner_set_callback(s->yr, on_scan_msg, &sc);
    err = yr_scanner_scan_mem(s->yr, data != NULL ? data : empty, len);
    if (err == ERROR_SUCCESS)
        return VIGIL_OK;
    /* A failed scan reports nothing half-done. */
    out->n = n_before;
    if (err == ERROR_CALLBACK_ERROR && sc.st != VIGIL_OK)
        return sc.st;
    if (err == ERROR_INSUFFICIENT_MEMORY)
        return VIGIL_ERR_NOMEM;
    if (err == ERROR_SCAN_TIMEOUT || err == ERROR_TOO_MANY_MATCHES ||
        err == ERROR_TOO_MANY_RE_FIBERS || err == ERROR_EXEC_STACK_OVERFLOW)
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, name, 0, "YARA scan stopped: %s",
                    vigil_yara_error_str(err));
    else
        vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_INTERNAL, name, 0, "YARA scan failed: %s",
                    vigil_yara_error_str(err));
    return VIGIL_OK;
}
