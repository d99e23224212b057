/* yara_scan.c - scans one buffer with the shared rules and turns libyara's
 * matches into vigil findings.
 *
 * Each vigil_yara_scanner wraps one YR_SCANNER per compiled rule set, so
 * threads scan the same frozen rules without locks. With grouped rules a
 * file is scanned only with the sets its first bytes, size and name can
 * match (yara_group.c), and the findings are put back in rule load order,
 * as one plain set would report them. Everything a finding points to is
 * copied into the findings buffer's arena: libyara's match lists die with the next
 * scan, and the caller may keep findings past the rules' lifetime. */
#include "yara/yara_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "yara/yara_gate.h"
#include "yara/yara_split.h"

struct vigil_yara_scanner {
    const vigil_yara_rules *r;
    YR_SCANNER *yr;    /* the single set */
    YR_SCANNER **sets; /* one per grouped set */
    size_t n_sets;
    vigil_yara_gate_scratch *gate; /* NULL when the rules have no gate */
    uint32_t *order;               /* info index of each finding added by this scan */
    size_t order_cap;
    vigil_finding *tmp; /* reordering space */
    size_t tmp_cap;
};

typedef struct scan_ctx {
    const vigil_yara_rules *r;
    const YR_RULES *yr;        /* the set being scanned */
    const vigil_yara_set *set; /* NULL for the single set */
    uint64_t owned;            /* groups reported from this set for this file */
    vigil_yara_scanner *s;
    const char *name;
    unsigned max_strings;
    const vigil_diag_sink *diag;
    vigil_findings *out;
    size_t n_before; /* findings of the buffer before this scan */
    vigil_status st;
} scan_ctx;

static vigil_status new_yr_scanner(const YR_RULES *yr, YR_SCANNER **out)
{
    /* libyara takes a non-const pointer but does not modify the rules
     * during scans; that is what makes sharing them between threads safe. */
    int err = yr_scanner_create((YR_RULES *)yr, out);
    if (err != ERROR_SUCCESS) {
        *out = NULL;
        return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
    }
    yr_scanner_set_flags(*out, SCAN_FLAGS_REPORT_RULES_MATCHING);
    yr_scanner_set_timeout(*out, VIGIL_YARA_DEFAULT_TIMEOUT);
    return VIGIL_OK;
}

vigil_status vigil_yara_scanner_create(const vigil_yara_rules *r, vigil_yara_scanner **out)
{
    vigil_yara_scanner *s;
    vigil_status st = VIGIL_OK;

    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (r == NULL || (r->yr == NULL && r->n_sets == 0))
        return VIGIL_ERR_INVALID_ARG;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    s->r = r;
    if (r->yr != NULL) {
        st = new_yr_scanner(r->yr, &s->yr);
    } else {
        s->sets = calloc(r->n_sets, sizeof *s->sets);
        if (s->sets == NULL)
            st = VIGIL_ERR_NOMEM;
        for (size_t j = 0; j < r->n_sets && st == VIGIL_OK; j++) {
            st = new_yr_scanner(r->sets[j].yr, &s->sets[j]);
            if (st == VIGIL_OK)
                s->n_sets = j + 1;
        }
        if (st == VIGIL_OK && r->gate != NULL)
            st = vigil_yara_gate_scratch_create(r->gate, &s->gate);
    }
    if (st != VIGIL_OK) {
        vigil_yara_scanner_destroy(s);
        return st;
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_yara_scanner_destroy(vigil_yara_scanner *s)
{
    if (s == NULL)
        return;
    if (s->yr != NULL)
        yr_scanner_destroy(s->yr);
    for (size_t j = 0; j < s->n_sets; j++)
        yr_scanner_destroy(s->sets[j]);
    free(s->sets);
    vigil_yara_gate_scratch_destroy(s->gate);
    free(s->order);
    free(s->tmp);
    free(s);
}

void vigil_yara_scanner_set_timeout(vigil_yara_scanner *s, unsigned seconds)
{
    if (s == NULL)
        return;
    int t = seconds > INT_MAX ? INT_MAX : (int)seconds;
    if (s->yr != NULL)
        yr_scanner_set_timeout(s->yr, t);
    for (size_t j = 0; j < s->n_sets; j++)
        yr_scanner_set_timeout(s->sets[j], t);
}

/* NULL stays NULL; anything else is copied or the whole finding fails. */
static int dup_opt(vigil_findings *fb, const char *s, const char **dst)
{
    *dst = NULL;
    if (s == NULL)
        return 1;
    *dst = vigil_findings_strdup(fb, s);
    return *dst != NULL;
}

static vigil_status add_strings(YR_SCAN_CONTEXT *yctx, const YR_RULE *rule, unsigned max_strings,
                                vigil_findings *fb, vigil_finding *f)
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
    sm = vigil_findings_alloc(fb, keep * sizeof *sm);
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
                id = vigil_findings_strdup(fb, s->identifier != NULL ? s->identifier : "$");
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

/* Remembers the load-order index of the finding just added. */
static vigil_status note_order(vigil_yara_scanner *s, size_t k, size_t info)
{
    if (k >= s->order_cap) {
        size_t cap = s->order_cap ? s->order_cap * 2 : 64;
        while (cap <= k)
            cap *= 2;
        uint32_t *o = cap > SIZE_MAX / sizeof *o ? NULL : realloc(s->order, cap * sizeof *o);
        if (o == NULL)
            return VIGIL_ERR_NOMEM;
        s->order = o;
        s->order_cap = cap;
    }
    s->order[k] = (uint32_t)info;
    return VIGIL_OK;
}

static vigil_status add_finding(scan_ctx *sc, YR_SCAN_CONTEXT *yctx, const YR_RULE *rule)
{
    const YR_RULES *yr = sc->yr;
    vigil_findings *fb = sc->out;
    const vigil_yara_rule_info *info;
    vigil_finding *f;
    ptrdiff_t idx = rule - yr->rules_table;
    size_t ii = (size_t)idx;

    if (idx < 0 || (size_t)idx >= yr->num_rules)
        return VIGIL_ERR_INTERNAL;
    if (sc->set != NULL) {
        if (!(sc->owned >> sc->set->home[idx] & 1u))
            return VIGIL_OK; /* another set reports it, or it cannot match this file */
        ii = sc->set->info[idx];
    }
    if (ii >= sc->r->ninfo)
        return VIGIL_ERR_INTERNAL;
    info = &sc->r->info[ii];
    if (sc->set != NULL && note_order(sc->s, fb->n - sc->n_before, ii) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    f = vigil_findings_add(fb, VIGIL_FINDING_YARA);
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
        const char **tags = vigil_findings_alloc(fb, info->ntags * sizeof *tags);
        if (tags == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < info->ntags; i++)
            if (!dup_opt(fb, info->tags[i], &tags[i]))
                return VIGIL_ERR_NOMEM;
        f->tags = tags;
        f->ntags = info->ntags;
    }
    if (info->nmeta > 0) {
        vigil_meta *meta = vigil_findings_alloc(fb, info->nmeta * sizeof *meta);
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
        const YR_RULES *yr = sc->yr;
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

/* Runs one libyara scan; on failure nothing of this target is kept. */
static vigil_status scan_one(scan_ctx *sc, YR_SCANNER *yr, const char *const *vals,
                             const uint8_t *data, size_t len, int *stopped)
{
    int err;

    for (size_t i = 0; i < VIGIL_YARA_NEXTERNALS; i++) {
        err = yr_scanner_define_string_variable(yr, vigil_yara_external_names[i], vals[i]);
        if (err != ERROR_SUCCESS)
            return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
    }
    yr_scanner_set_callback(yr, on_scan_msg, sc);
    err = yr_scanner_scan_mem(yr, data, len);
    if (err == ERROR_SUCCESS)
        return VIGIL_OK;
    /* A failed scan reports nothing half-done. */
    sc->out->n = sc->n_before;
    *stopped = 1;
    if (err == ERROR_CALLBACK_ERROR && sc->st != VIGIL_OK)
        return sc->st;
    if (err == ERROR_INSUFFICIENT_MEMORY)
        return VIGIL_ERR_NOMEM;
    if (err == ERROR_SCAN_TIMEOUT || err == ERROR_TOO_MANY_MATCHES ||
        err == ERROR_TOO_MANY_RE_FIBERS || err == ERROR_EXEC_STACK_OVERFLOW)
        vigil_diagf(sc->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, sc->name, 0,
                    "YARA scan stopped: %s", vigil_yara_error_str(err));
    else
        vigil_diagf(sc->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_INTERNAL, sc->name, 0,
                    "YARA scan failed: %s", vigil_yara_error_str(err));
    return VIGIL_OK;
}

/* Puts the findings of several sets back in rule load order. */
static vigil_status reorder(vigil_yara_scanner *s, vigil_findings *out, size_t n_before)
{
    size_t n = out->n - n_before;
    vigil_finding *f = out->items + n_before;

    if (n < 2)
        return VIGIL_OK;
    if (n > s->tmp_cap) {
        vigil_finding *t = n > SIZE_MAX / sizeof *t ? NULL : realloc(s->tmp, n * sizeof *t);
        if (t == NULL)
            return VIGIL_ERR_NOMEM;
        s->tmp = t;
        s->tmp_cap = n;
    }
    /* insertion sort on (order, finding): n is the number of rules that
     * matched one file, and the runs from each set are already sorted */
    memcpy(s->tmp, f, n * sizeof *f);
    for (size_t i = 1; i < n; i++) {
        uint32_t key = s->order[i];
        vigil_finding v = s->tmp[i];
        size_t j = i;
        while (j > 0 && s->order[j - 1] > key) {
            s->order[j] = s->order[j - 1];
            s->tmp[j] = s->tmp[j - 1];
            j--;
        }
        s->order[j] = key;
        s->tmp[j] = v;
    }
    memcpy(f, s->tmp, n * sizeof *f);
    return VIGIL_OK;
}

vigil_status vigil_yara_scanner_scan(vigil_yara_scanner *s, const char *name, const uint8_t *data,
                                     size_t len, const vigil_yara_externals *ext,
                                     unsigned max_strings, const vigil_diag_sink *diag,
                                     vigil_findings *out)
{
    static const uint8_t empty[1];
    const char *vals[VIGIL_YARA_NEXTERNALS] = {"", "", "", "", "", ""};
    scan_ctx sc;
    vigil_status st;
    int stopped = 0;

    if (s == NULL || out == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (ext != NULL) {
        const char *given[VIGIL_YARA_NEXTERNALS] = {ext->filename, ext->filepath, ext->extension,
                                                    ext->filetype, ext->owner,    ext->md5};
        for (size_t i = 0; i < VIGIL_YARA_NEXTERNALS; i++)
            if (given[i] != NULL)
                vals[i] = given[i];
    }
    if (data == NULL)
        data = empty;
    memset(&sc, 0, sizeof sc);
    sc.r = s->r;
    sc.s = s;
    sc.name = name;
    sc.max_strings = max_strings;
    sc.diag = diag;
    sc.out = out;
    sc.n_before = out->n;
    sc.st = VIGIL_OK;
    if (s->yr != NULL) {
        sc.yr = s->r->yr;
        return scan_one(&sc, s->yr, vals, data, len, &stopped);
    }
    size_t pick[VIGIL_YARA_MAX_GROUPS + 1];
    uint64_t owned[VIGIL_YARA_MAX_GROUPS + 1];
    size_t npick = vigil_yara_group_pick(s->r, data, len, ext, pick, owned);
    for (size_t k = 0; k < npick && !stopped; k++) {
        /* a pass none of whose reported rules can match is skipped */
        if (s->gate != NULL && !vigil_yara_gate_may_match(s->gate, owned[k], data, len, ext))
            continue;
        sc.set = &s->r->sets[pick[k]];
        sc.yr = sc.set->yr;
        sc.owned = owned[k];
        st = scan_one(&sc, s->sets[pick[k]], vals, data, len, &stopped);
        if (st != VIGIL_OK)
            return st;
    }
    if (!stopped && npick > 1)
        return reorder(s, out, sc.n_before);
    return VIGIL_OK;
}
