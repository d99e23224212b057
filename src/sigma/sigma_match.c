/* sigma_match.c - matching events against the rules the index offers.
 *
 * Why apart from the index (sigma_index.c): this is the per-event path. The
 * index names the few candidate lists an event meets, the hyperscan
 * prefilter (sigma_prefilter.c) drops rules none of whose literals occur,
 * and the rest are evaluated here. Each matcher holds the per-thread
 * scratch (search cache, regex match data, matched-field list), so one
 * frozen ruleset serves every thread. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/time_parse.h"
#include "sigma/sigma_index.h"
#include "sigma/sigma_internal.h"
#include "sigma/sigma_prefilter.h"

#define MAX_MATCHED_FIELDS 64
#define CHAN_MAX 256
#define LCACHE 8
#define FIELD_TABLE_CACHE 8

struct vigil_sigma_matcher {
    const vigil_sigma_ruleset *rs;
    signed char *cache; /* per search: -1 unknown, 0, 1 */
    pcre2_match_data *md;
    vigil_sigma_relimit *relimit; /* created when a regex first hits PCRE2's limits */
    const vigil_sigma_rule *rule; /* the rule being evaluated (for diagnostics) */
    vigil_diag_sink diag;
    const vigil_field *mf[MAX_MATCHED_FIELDS];
    size_t nmatched_fields;
    int recording;
    vigil_sigma_prefilter_scratch *pf;
    const vigil_sigma_cand **sel; /* candidates of one event the prefilter let through */
    uint32_t *pick;               /* positions in one list whose first clause was hit */
    vigil_sigma_match_stats stats;
    /* the event's field names by hash (see field_fast) */
    struct ftab_ent *ft; /* the current event's table: one of field_table_cache */
    size_t ftcap;        /* power of two */
    /* tables kept for the last field-name sets seen (FIELD_TABLE_CACHE, picked by a
     * signature of the names): events of one template share one */
    struct ftcache {
        vigil_sigma_names names; /* the field-name set the table was built for */
        struct ftab_ent *ft;
        size_t ftcap;
    } field_table_cache[FIELD_TABLE_CACHE];
    uint32_t *fh;                 /* per field of the event: its name hash, if the event has none */
    const uint32_t *field_hashes; /* the event's name hashes: its own or fh */
    uint32_t names_sig;           /* vigil_sigma_names_sig of field_hashes */
    size_t fhcap;
    uint32_t h_channel, h_eventid;
    /* the lists of the (Channel, EventID) pairs looked up last: a log
     * holds a few of them, mostly in runs */
    struct lcache {
        char chan[CHAN_MAX];
        size_t chan_len; /* SIZE_MAX: no Channel field */
        int64_t eid;
        const vigil_sigma_candvec *lists[VIGIL_SG_MAX_LISTS];
        size_t n; /* > VIGIL_SG_MAX_LISTS: nothing cached */
    } lc[LCACHE];
};

/* One field of the current event: its name hash and index + 1 (0 = free). */
struct ftab_ent {
    uint32_t hash;
    uint32_t idx;
};

/* ---- field lookup and value tests ---- */

static int ascii_caseeq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + ('a' - 'A'));
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + ('a' - 'A'));
        if (x != y)
            return 0;
        if (x == 0)
            return 1;
    }
}

static int eq_nospace(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
        if (*a == 0)
            return 1;
        a++;
        b++;
    }
}

const char *vigil_sigma_branch_field(const vigil_sigma_branch *br, const char *name)
{
    for (size_t i = 0; br != NULL && i < br->nrenames; i++)
        if (strcmp(br->renames[i].from, name) == 0)
            return br->renames[i].to;
    return name;
}

uint32_t vigil_sigma_field_hash(const char *field, const vigil_sigma_branch *br)
{
    if (field == NULL)
        return 0;
    field = vigil_sigma_branch_field(br, field);
    return vigil_field_name_hash(field, strlen(field));
}

const vigil_field *vigil_sigma_field(const vigil_event *ev, const char *name,
                                     const vigil_sigma_branch *br)
{
    name = vigil_sigma_branch_field(br, name);
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].name, name) == 0)
            return &ev->fields[i];
    for (size_t i = 0; i < ev->nfields; i++)
        if (ascii_caseeq(ev->fields[i].name, name))
            return &ev->fields[i];
    /* EventData names with spaces ("Source Name") as rules write them (SourceName) */
    for (size_t i = 0; i < ev->nfields; i++)
        if (memchr(ev->fields[i].name, ' ', ev->fields[i].name_len) != NULL &&
            eq_nospace(ev->fields[i].name, name))
            return &ev->fields[i];
    return NULL;
}

vigil_status vigil_sigma_names_set(vigil_sigma_names *c, const uint32_t *h, size_t n)
{
    c->valid = 0;
    if (n > c->cap) {
        uint32_t *t = malloc(n * sizeof *t);
        if (t == NULL)
            return VIGIL_ERR_NOMEM;
        free(c->hash);
        c->hash = t;
        c->cap = n;
    }
    if (n > 0)
        memcpy(c->hash, h, n * sizeof *h);
    c->n = n;
    c->valid = 1;
    return VIGIL_OK;
}

void vigil_sigma_names_free(vigil_sigma_names *c)
{
    free(c->hash);
    memset(c, 0, sizeof *c);
}

/* Files the event's field names by hash: rules then find a field in one
 * probe instead of comparing every name. Fields are inserted in event
 * order, so among entries of one name the probe meets the first field
 * first, as vigil_sigma_field would. The table holds only hashes and
 * positions, so it is kept and reused for the next events with the same
 * name hashes (one template's). The names are hashed here unless the event
 * brings their hashes (vigil_event.name_hash). */
static vigil_status ftab_build(vigil_sigma_matcher *m, const vigil_event *ev)
{
    size_t n = ev->nfields;
    if (n > UINT32_MAX / 4)
        return VIGIL_ERR_LIMIT;
    const uint32_t *hv = ev->name_hash;
    if (hv == NULL) {
        if (n > m->fhcap) {
            uint32_t *h = malloc(n * sizeof *h);
            if (h == NULL)
                return VIGIL_ERR_NOMEM;
            free(m->fh);
            m->fh = h;
            m->fhcap = n;
        }
        for (size_t i = 0; i < n; i++)
            m->fh[i] = vigil_field_name_hash(ev->fields[i].name, ev->fields[i].name_len);
        hv = m->fh;
    }
    m->field_hashes = hv;
    m->names_sig = vigil_sigma_names_sig(hv, n);
    struct ftcache *c = &m->field_table_cache[m->names_sig % FIELD_TABLE_CACHE];
    if (!vigil_sigma_names_same(&c->names, hv, n)) {
        size_t cap = 16;
        while (cap < n * 2)
            cap *= 2;
        c->names.valid = 0;
        if (cap > c->ftcap) {
            struct ftab_ent *t = malloc(cap * sizeof *t);
            if (t == NULL)
                return VIGIL_ERR_NOMEM;
            free(c->ft);
            c->ft = t;
            c->ftcap = cap;
        }
        cap = c->ftcap;
        memset(c->ft, 0, cap * sizeof *c->ft);
        for (size_t i = 0; i < n; i++) {
            size_t j = hv[i] & (cap - 1);
            while (c->ft[j].idx != 0)
                j = (j + 1) & (cap - 1);
            c->ft[j].hash = hv[i];
            c->ft[j].idx = (uint32_t)i + 1;
        }
        vigil_status st = vigil_sigma_names_set(&c->names, hv, n);
        if (st != VIGIL_OK)
            return st;
    }
    m->ft = c->ft;
    m->ftcap = c->ftcap;
    return VIGIL_OK;
}

/* 0 if the event has no field whose name hashes to hash (vigil_sigma_field,
 * caseless or not, finds none then either). */
static int has_field(const vigil_sigma_matcher *m, uint32_t hash)
{
    size_t mask = m->ftcap - 1;
    for (size_t j = hash & mask; m->ft[j].idx != 0; j = (j + 1) & mask)
        if (m->ft[j].hash == hash)
            return 1;
    return 0;
}

/* 0 if the event lacks a field candidate c cannot match without. */
static int fields_met(const vigil_sigma_matcher *m, const vigil_sigma_cand *c)
{
    return c->need_field == 0 || has_field(m, c->need_field);
}

/* vigil_sigma_field through the event's table; hash is name's (0: unknown),
 * nlen its length. */
static const vigil_field *field_fast(const vigil_sigma_matcher *m, const vigil_event *ev,
                                     const char *name, size_t nlen, uint32_t hash,
                                     const vigil_sigma_branch *br)
{
    const char *to = vigil_sigma_branch_field(br, name);
    if (to != name) {
        name = to;
        nlen = strlen(name);
        hash = 0;
    }
    if (hash == 0)
        hash = vigil_field_name_hash(name, nlen);
    const vigil_field *caseless = NULL, *nospace = NULL;
    size_t mask = m->ftcap - 1;
    for (size_t j = hash & mask; m->ft[j].idx != 0; j = (j + 1) & mask) {
        if (m->ft[j].hash != hash)
            continue;
        const vigil_field *f = &ev->fields[m->ft[j].idx - 1];
        if (f->name_len == nlen && memcmp(f->name, name, nlen) == 0)
            return f;
        if (caseless == NULL && ascii_caseeq(f->name, name))
            caseless = f;
        else if (caseless == NULL && nospace == NULL && memchr(f->name, ' ', f->name_len) != NULL &&
                 eq_nospace(f->name, name))
            nospace = f;
    }
    return caseless != NULL ? caseless : nospace;
}

int vigil_sigma_parse_time(const char *s, int64_t *out_ms)
{
    vigil_time_parts t; /* what follows the time (a zone name, text) is not looked at */
    if (vigil_time_parse_parts(s, &t) == NULL)
        return -1;
    *out_ms = vigil_time_parts_ms(&t);
    return 0;
}

static int time_part(const char *s, int part, double *out)
{
    int64_t ms;
    if (vigil_sigma_parse_time(s, &ms) != 0)
        return -1;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    switch (part) {
    case VIGIL_TP_MINUTE:
        *out = tm.tm_min;
        break;
    case VIGIL_TP_HOUR:
        *out = tm.tm_hour;
        break;
    case VIGIL_TP_DAY:
        *out = tm.tm_mday;
        break;
    case VIGIL_TP_WEEK: {
        char buf[8];
        if (strftime(buf, sizeof buf, "%V", &tm) == 0)
            return -1;
        *out = (double)strtol(buf, NULL, 10); /* "01".."53", from strftime */
        break;
    }
    case VIGIL_TP_MONTH:
        *out = tm.tm_mon + 1;
        break;
    default:
        *out = tm.tm_year + 1900;
        break;
    }
    return 0;
}

static int num_cmp(int op, double a, double b)
{
    switch (op) {
    case VIGIL_NUM_LT:
        return a < b;
    case VIGIL_NUM_LTE:
        return a <= b;
    case VIGIL_NUM_GT:
        return a > b;
    case VIGIL_NUM_GTE:
        return a >= b;
    default:
        return a == b;
    }
}

/* v's regex on s after PCRE2's JIT gave up with error rc (a padded value):
 * decided by sigma_relimit.c; the rule's first such event is warned about
 * (a value long enough for this is itself worth a look). */
static int re_limited(vigil_sigma_matcher *m, const vigil_sigma_value *v, const char *s, size_t len,
                      const vigil_event *ev, int rc)
{
    if (m->relimit == NULL)
        m->relimit = vigil_sigma_relimit_create();
    int r = vigil_sigma_relimit_match(m->relimit, v, s, len, m->md);
    m->stats.regex_limited++;
    if (r < 0)
        m->stats.regex_undecided++;
    if (m->rule != NULL && m->diag.fn != NULL &&
        atomic_exchange(&((vigil_sigma_rule *)m->rule)->re_warned, 1) == 0) {
        PCRE2_UCHAR why[96];
        if (pcre2_get_error_message(rc, why, sizeof why) < 0)
            snprintf((char *)why, sizeof why, "error %d", rc);
        const char *title = m->rule->info.title ? m->rule->info.title : "?";
        vigil_diagf(&m->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, ev->source, 0,
                    "Sigma rule '%.200s' (%.64s): record %llu: a regex gave up on a value of %zu "
                    "bytes (%s); %s (warned once per rule)",
                    title, m->rule->info.id ? m->rule->info.id : "-",
                    (unsigned long long)ev->record_id, len, (const char *)why,
                    r < 0   ? "undecided, taken as no match"
                    : r > 0 ? "decided another way: it matches"
                            : "decided another way: no match");
    }
    return r > 0;
}

static int value_match(vigil_sigma_matcher *m, const vigil_sigma_value *v, const vigil_field *f,
                       const vigil_event *ev, const vigil_sigma_branch *br, int timepart)
{
    /* null: the field is absent or a JSON null; an empty string is '' (SigmaHQ
     * rules test the two apart, e.g. the firewall "rule added" filters) */
    if (v->kind == VIGIL_VK_NULL)
        return f == NULL || f->is_null;
    if (f == NULL)
        return 0;
    const char *s = f->value ? f->value : "";
    size_t len = f->value ? f->value_len : 0;
    switch (v->kind) {
    case VIGIL_VK_PATTERN:
        return vigil_sigma_pattern_match(&v->pat, s, len);
    case VIGIL_VK_RE: {
        /* what every match needs first: enough characters (a byte holds at
         * most one) and the literal every match contains, caselessly */
        if (len < v->re_minlen)
            return 0;
        if (v->re_litlen > 0) {
            vigil_sigma_pattern need = {
                .shape = VIGIL_SHAPE_CONTAINS, .lit = v->re_lit, .litlen = v->re_litlen};
            if (!vigil_sigma_pattern_match(&need, s, len))
                return 0;
        }
        if (v->pat.ntoks > 0 && vigil_sigma_re_glob_applies(s, len))
            return vigil_sigma_pattern_match(&v->pat, s, len);
        int rc = pcre2_match(v->re, (PCRE2_SPTR)s, len, 0, 0, m->md, NULL);
        if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
            return rc >= 0;
        return re_limited(m, v, s, len, ev, rc);
    }
    case VIGIL_VK_CIDR:
        return vigil_sigma_cidr_match(v, s, len);
    case VIGIL_VK_NUM: {
        double d;
        if (timepart ? time_part(s, timepart, &d) != 0 : vigil_sigma_parse_number(s, &d) != 0)
            return 0;
        return num_cmp(v->numop, d, v->num);
    }
    case VIGIL_VK_FIELDREF: {
        const vigil_field *g = field_fast(m, ev, v->ref, strlen(v->ref), 0, br);
        if (g == NULL)
            return 0;
        const char *t = g->value ? g->value : "";
        size_t tl = g->value ? g->value_len : 0;
        vigil_sigma_pattern p = v->pat;
        /* lengths decide most comparisons (Image against ParentImage) */
        if (p.shape == VIGIL_SHAPE_EXACT
                ? tl != len
                : p.shape != VIGIL_SHAPE_ANY && p.shape != VIGIL_SHAPE_GLOB && tl > len)
            return 0;
        char stackbuf[512];
        char *low = NULL;
        if (!p.cased) {
            low = tl < sizeof stackbuf ? stackbuf : malloc(tl + 1);
            if (low == NULL)
                return 0;
            for (size_t i = 0; i < tl; i++)
                low[i] = (char)tolower((unsigned char)t[i]);
            t = low;
        }
        p.lit = t;
        p.litlen = tl;
        p.anchor = 0; /* computed per search: the literal is the other value */
        int r = vigil_sigma_pattern_match(&p, s, len);
        if (low != NULL && low != stackbuf)
            free(low);
        return r;
    }
    default:
        return 0;
    }
}

static void record_field(vigil_sigma_matcher *m, const vigil_field *f)
{
    if (!m->recording || f == NULL)
        return;
    for (size_t i = 0; i < m->nmatched_fields; i++)
        if (m->mf[i] == f)
            return;
    if (m->nmatched_fields < MAX_MATCHED_FIELDS)
        m->mf[m->nmatched_fields++] = f;
}

static int group_match(vigil_sigma_matcher *m, const vigil_sigma_alts *g, const vigil_field *f,
                       const vigil_event *ev, const vigil_sigma_branch *br, int timepart)
{
    if (f != NULL && f->is_null)
        f = NULL; /* a JSON null has no value: only `null` matches it, not '' */
    if (g->ix != NULL) {
        /* the indexed values need a field; the others are tried in turn */
        if (f != NULL && vigil_sigma_value_index_match(g->ix, f->value ? f->value : "",
                                                       f->value ? f->value_len : 0))
            return 1;
        size_t nr;
        const vigil_sigma_value *const *rest = vigil_sigma_value_index_rest(g->ix, &nr);
        for (size_t i = 0; i < nr; i++)
            if (value_match(m, rest[i], f, ev, br, timepart))
                return 1;
        return 0;
    }
    for (size_t i = 0; i < g->n; i++)
        if (value_match(m, &g->v[i], f, ev, br, timepart))
            return 1;
    return 0;
}

static int eval_item(vigil_sigma_matcher *m, const vigil_sigma_item *it, const vigil_event *ev,
                     const vigil_sigma_branch *br)
{
    if (it->field == NULL) {
        /* keywords: search every value */
        int res = it->all;
        for (size_t gi = 0; gi < it->ngroups; gi++) {
            int hit = 0;
            for (size_t fi = 0; fi < ev->nfields && !hit; fi++) {
                if (group_match(m, &it->groups[gi], &ev->fields[fi], ev, br, 0)) {
                    hit = 1;
                    if (!it->neq)
                        record_field(m, &ev->fields[fi]);
                }
            }
            if (it->all && !hit) {
                res = 0;
                break;
            }
            if (!it->all && hit) {
                res = 1;
                break;
            }
        }
        return it->neq ? !res : res;
    }
    const vigil_field *f = field_fast(m, ev, it->field, it->field_len, it->field_hash, br);
    int res;
    if (it->ngroups > 0 && it->groups[0].n > 0 && it->groups[0].v[0].kind == VIGIL_VK_EXISTS) {
        res = (f != NULL) == it->groups[0].v[0].exists;
    } else {
        res = it->all;
        for (size_t gi = 0; gi < it->ngroups; gi++) {
            int hit = group_match(m, &it->groups[gi], f, ev, br, it->timepart);
            if (it->all && !hit) {
                res = 0;
                break;
            }
            if (!it->all && hit) {
                res = 1;
                break;
            }
        }
    }
    if (it->neq)
        return !res;
    if (res)
        record_field(m, f);
    return res;
}

static int eval_search(vigil_sigma_matcher *m, const vigil_sigma_search *s, const vigil_event *ev,
                       const vigil_sigma_branch *br)
{
    for (size_t o = 0; o < s->n; o++) {
        const vigil_sigma_and *g = &s->ors[o];
        size_t mark = m->nmatched_fields;
        size_t i = 0;
        for (; i < g->n; i++)
            if (!eval_item(m, &g->items[i], ev, br))
                break;
        if (i == g->n)
            return 1;
        m->nmatched_fields = mark; /* a failed group contributes no fields */
    }
    return 0;
}

static int eval_cond(vigil_sigma_matcher *m, const vigil_sigma_detection *d,
                     const vigil_sigma_cond *c, const vigil_event *ev, const vigil_sigma_branch *br)
{
    switch (c->op) {
    case VIGIL_CN_ID: {
        signed char *slot = &m->cache[c->id];
        if (*slot < 0)
            *slot = (signed char)eval_search(m, &d->searches[c->id], ev, br);
        return *slot;
    }
    case VIGIL_CN_AND:
        return eval_cond(m, d, c->a, ev, br) && eval_cond(m, d, c->b, ev, br);
    case VIGIL_CN_OR:
        return eval_cond(m, d, c->a, ev, br) || eval_cond(m, d, c->b, ev, br);
    case VIGIL_CN_NOT: {
        int rec = m->recording;
        m->recording = 0;
        int r = !eval_cond(m, d, c->a, ev, br);
        m->recording = rec;
        return r;
    }
    case VIGIL_CN_ANY:
    case VIGIL_CN_ALL:
        for (size_t i = 0; i < c->nids; i++) {
            signed char *slot = &m->cache[c->ids[i]];
            if (*slot < 0)
                *slot = (signed char)eval_search(m, &d->searches[c->ids[i]], ev, br);
            if (c->op == VIGIL_CN_ANY && *slot)
                return 1;
            if (c->op == VIGIL_CN_ALL && !*slot)
                return 0;
        }
        return c->op == VIGIL_CN_ALL;
    default:
        return 0;
    }
}

static int eval_detection(vigil_sigma_matcher *m, const vigil_sigma_detection *d,
                          const vigil_event *ev, const vigil_sigma_branch *br)
{
    memset(m->cache, 0xff, d->nsearches);
    return eval_cond(m, d, d->cond, ev, br);
}

/* ---- matcher ---- */

vigil_status vigil_sigma_matcher_create(const vigil_sigma_ruleset *rs, vigil_sigma_matcher **out)
{
    if (rs == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    vigil_sigma_matcher *m = calloc(1, sizeof *m);
    if (m == NULL)
        return VIGIL_ERR_NOMEM;
    m->rs = rs;
    m->cache = malloc(rs->max_searches + 1);
    /* a rule is in at most one bucket of each list an event meets */
    m->sel = calloc((rs->nrules + 1) * VIGIL_SG_MAX_LISTS, sizeof *m->sel);
    m->pick = calloc(rs->nrules + 1, sizeof *m->pick);
    m->md = pcre2_match_data_create(1, NULL);
    m->h_channel = vigil_field_name_hash("Channel", 7);
    for (size_t i = 0; i < LCACHE; i++)
        m->lc[i].n = VIGIL_SG_MAX_LISTS + 1; /* nothing cached */
    m->h_eventid = vigil_field_name_hash("EventID", 7);
    if (m->cache == NULL || m->sel == NULL || m->pick == NULL || m->md == NULL) {
        vigil_sigma_matcher_destroy(m);
        return VIGIL_ERR_NOMEM;
    }
    if (rs->prefilter != NULL) {
        vigil_status st = vigil_sigma_prefilter_scratch_create(rs->prefilter, &m->pf);
        if (st != VIGIL_OK) {
            vigil_sigma_matcher_destroy(m);
            return st;
        }
    }
    *out = m;
    return VIGIL_OK;
}

void vigil_sigma_matcher_destroy(vigil_sigma_matcher *m)
{
    if (m == NULL)
        return;
    free(m->cache);
    pcre2_match_data_free(m->md);
    vigil_sigma_relimit_destroy(m->relimit);
    for (size_t i = 0; i < FIELD_TABLE_CACHE; i++) {
        vigil_sigma_names_free(&m->field_table_cache[i].names);
        free(m->field_table_cache[i].ft);
    }
    free(m->fh);
    free(m->sel);
    free(m->pick);
    vigil_sigma_prefilter_scratch_destroy(m->pf);
    free(m);
}

void vigil_sigma_matcher_set_diag(vigil_sigma_matcher *m, vigil_diag_fn fn, void *user)
{
    if (m == NULL)
        return;
    m->diag.fn = fn;
    m->diag.user = user;
}

void vigil_sigma_matcher_get_stats(const vigil_sigma_matcher *m, vigil_sigma_match_stats *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (m != NULL)
        *out = m->stats;
}

/* Runs one candidate the prefilter let through; returns 1 if it matched
 * and reported, -1 to stop. */
static int run_cand(vigil_sigma_matcher *m, const vigil_sigma_cand *c, const vigil_event *ev,
                    vigil_sigma_match_fn fn, void *user, size_t *count)
{
    const vigil_sigma_rule *r = c->rule;
    m->rule = r;
    m->stats.evaluated++;
    m->nmatched_fields = 0;
    m->recording = 1;
    if (!eval_detection(m, &r->det, ev, c->br))
        return 0;
    m->recording = 0;
    /* a meta filter's condition is and-ed to the rule's (as pySigma does):
     * `condition: not selection` drops the events its selection describes */
    for (size_t i = 0; i < r->nfilters; i++)
        if (!eval_detection(m, &r->filters[i]->det, ev, c->br))
            return 0;
    m->stats.matches++;
    (*count)++;
    if (fn != NULL) {
        vigil_sigma_match mt = {
            .rule = &r->info, .event = ev, .fields = m->mf, .nfields = m->nmatched_fields};
        if (fn(&mt, user) != 0)
            return -1;
    }
    return 1;
}

/* Filters a long list (one with byslot) into m->sel from ns on, in rule
 * order: the candidates always evaluated, merged with those whose first
 * clause slot was hit (looked up by slot) and whose other clauses were hit
 * too. Returns the new ns. */
static size_t pick_by_slot(vigil_sigma_matcher *m, const vigil_sigma_candvec *v,
                           const uint64_t *hit, uint64_t scan_no, size_t ns)
{
    size_t nhit, np = 0;
    const uint32_t *hl = vigil_sigma_prefilter_hit_list(m->pf, &nhit);
    for (size_t h = 0; h < nhit; h++) {
        uint32_t s = hl[h] - v->slot_lo; /* below slot_lo: wraps past nbyslot */
        if (s >= v->nbyslot || v->byslot[s] == 0)
            continue;
        uint32_t i = v->byslot[s] - 1;
        if (vigil_sigma_prefilter_pass(hit, scan_no, v->pf[i]))
            m->pick[np++] = i;
    }
    /* few picks: insertion sort */
    for (size_t a = 1; a < np; a++) {
        uint32_t x = m->pick[a];
        size_t b = a;
        for (; b > 0 && m->pick[b - 1] > x; b--)
            m->pick[b] = m->pick[b - 1];
        m->pick[b] = x;
    }
    size_t a = 0, p = 0;
    while (a < v->nalways || p < np) {
        if (p == np || (a < v->nalways && v->always[a] < m->pick[p])) {
            const vigil_sigma_cand *c = &v->v[v->always[a++]];
            if (fields_met(m, c))
                m->sel[ns++] = c;
        } else
            m->sel[ns++] = &v->v[m->pick[p++]];
    }
    return ns;
}

/* Runs the candidates of every list the prefilter lets through, in rule
 * order, each rule once (the first list holding it decides the branch).
 * First each list is filtered into its own run of m->sel (still in rule
 * order), reading only the dense slot array; then the runs are merged. */
static void run_lists(vigil_sigma_matcher *m, const vigil_sigma_candvec *const *lists, size_t n,
                      const vigil_event *ev, vigil_sigma_match_fn fn, void *user, size_t *count)
{
    size_t start[VIGIL_SG_MAX_LISTS + 1], ns = 0;
    uint64_t scan_no = 0;
    const uint64_t *hit = m->pf != NULL ? vigil_sigma_prefilter_hits(m->pf, &scan_no) : NULL;
    for (size_t k = 0; k < n; k++) {
        const vigil_sigma_candvec *v = lists[k];
        start[k] = ns;
        m->stats.candidates += v->n;
        if (v->byslot != NULL && v->pfl != 0 && hit != NULL) {
            ns = pick_by_slot(m, v, hit, scan_no, ns);
            continue;
        }
        for (size_t i = 0; i < v->n; i++) {
            int32_t pf = v->pf[i];
            if (pf >= 0 && v->pfl != 0 && hit != NULL) {
                if (vigil_sigma_prefilter_pass(hit, scan_no, pf))
                    m->sel[ns++] = &v->v[i];
            } else if (hit == NULL || fields_met(m, &v->v[i])) {
                /* with the prefilter on, only if no field it needs is missing */
                m->sel[ns++] = &v->v[i];
            }
        }
    }
    start[n] = ns;
    size_t pos[VIGIL_SG_MAX_LISTS];
    memcpy(pos, start, sizeof pos);
    uint64_t last = UINT64_MAX;
    for (;;) {
        const vigil_sigma_cand *best = NULL;
        size_t bi = 0;
        for (size_t k = 0; k < n; k++)
            if (pos[k] < start[k + 1] && (best == NULL || m->sel[pos[k]]->index < best->index)) {
                best = m->sel[pos[k]];
                bi = k;
            }
        if (best == NULL)
            return;
        pos[bi]++;
        if (best->index == last)
            continue;
        last = best->index;
        if (run_cand(m, best, ev, fn, user, count) < 0)
            return;
    }
}

/* The EventID as a number, -2 if it is none (strtoll's reading, with a
 * fast path for plain digits). */
static int64_t event_id(const char *s)
{
    int64_t v = 0;
    size_t i = 0;
    for (; i < 18 && (unsigned)(s[i] - '0') < 10u; i++)
        v = v * 10 + (s[i] - '0');
    if (i > 0 && (unsigned)(s[i] - '0') >= 10u)
        return v;
    char *end;
    long long x = strtoll(s, &end, 10);
    return end != s && x >= 0 ? x : -2;
}

vigil_status vigil_sigma_matcher_match(vigil_sigma_matcher *m, const vigil_event *ev,
                                       vigil_sigma_match_fn fn, void *user, size_t *nmatches)
{
    size_t count = 0;
    if (nmatches != NULL)
        *nmatches = 0;
    if (m == NULL || ev == NULL || (ev->nfields > 0 && ev->fields == NULL))
        return VIGIL_ERR_INVALID_ARG;
    m->stats.events++;
    vigil_status st = ftab_build(m, ev);
    if (st != VIGIL_OK)
        return st;
    const vigil_field *chf = field_fast(m, ev, "Channel", 7, m->h_channel, NULL);
    int64_t eid = -2;
    const vigil_field *ef = field_fast(m, ev, "EventID", 7, m->h_eventid, NULL);
    if (ef != NULL && ef->value != NULL)
        eid = event_id(ef->value);
    const char *cv = chf != NULL && chf->value != NULL ? chf->value : "";
    size_t cl = chf == NULL ? SIZE_MAX : strnlen(cv, CHAN_MAX);
    uint64_t slot = (uint64_t)eid * 0x9e3779b97f4a7c15ull ^ cl;
    if (cl > 0 && cl < CHAN_MAX)
        slot ^= (uint64_t)(unsigned char)cv[cl - 1] << 8 ^ (uint64_t)(unsigned char)cv[cl / 2]
                                                               << 16;
    struct lcache *c = &m->lc[(slot ^ slot >> 29) % LCACHE];
    if (c->n > VIGIL_SG_MAX_LISTS || eid != c->eid || cl != c->chan_len ||
        (chf != NULL && memcmp(cv, c->chan, cl) != 0)) {
        char lc[CHAN_MAX];
        if (chf != NULL)
            vigil_sigma_channel_key(lc, cv, sizeof lc);
        c->n = vigil_sigma_index_lookup(m->rs->index, chf != NULL ? lc : NULL, eid, c->lists);
        c->eid = eid;
        c->chan_len = cl;
        if (chf != NULL && cl < CHAN_MAX)
            memcpy(c->chan, cv, cl);
        else if (chf != NULL)
            c->chan_len = SIZE_MAX - 1; /* too long to keep: no event finds it again */
    }
    const vigil_sigma_candvec **lists = c->lists;
    size_t n = c->n;
    if (m->pf != NULL) {
        vigil_sigma_prefilter_begin(m->pf);
        for (size_t k = 0; k < n; k++) {
            if (lists[k]->pfl <= 0)
                continue;
            st =
                vigil_sigma_prefilter_scan(m->pf, lists[k]->pfl, ev, m->field_hashes, m->names_sig);
            if (st != VIGIL_OK)
                return st;
        }
    }
    run_lists(m, lists, n, ev, fn, user, &count);
    if (nmatches != NULL)
        *nmatches = count;
    return VIGIL_OK;
}

/* ---- ruleset ---- */

void vigil_sigma_ruleset_destroy(vigil_sigma_ruleset *rs)
{
    if (rs == NULL)
        return;
    vigil_sigma_index_free(rs->index);
    vigil_sigma_prefilter_free(rs->prefilter);
    vigil_sigma_relist_free(&rs->res);
    vigil_arena_free(&rs->arena);
    free(rs);
}

void vigil_sigma_ruleset_get_counts(const vigil_sigma_ruleset *rs, vigil_sigma_counts *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (rs != NULL)
        *out = rs->counts;
}

size_t vigil_sigma_ruleset_rule_count(const vigil_sigma_ruleset *rs)
{
    return rs ? rs->nrules : 0;
}

const vigil_sigma_rule_info *vigil_sigma_ruleset_rule(const vigil_sigma_ruleset *rs, size_t i)
{
    return rs != NULL && i < rs->nrules ? &rs->rules[i]->info : NULL;
}
