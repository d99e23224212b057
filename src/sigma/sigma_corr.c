/* sigma_corr.c - Sigma v2 correlation rules over the matches of a sweep.
 *
 * Why batch evaluation: matches arrive from many threads and files in no
 * particular time order, so the correlator only records what correlations
 * need (rule, time, record, group-by and value fields) and evaluates at
 * finish: per correlation, records are grouped by their group-by values,
 * sorted by time and scanned with a window of `timespan` starting at each
 * event; a window that meets the condition becomes a result and the scan
 * resumes after it. Results of a correlation feed the correlations that
 * name it (chaining), deepest first.
 *
 * The metric types (Sigma correlation specification 2.1): value_sum and
 * value_avg add up / average the numbers of condition.field over the
 * window's events (events whose field is absent or not a number do not
 * count); value_percentile gives each value of condition.field its share
 * of the window's events that carry the field, in percent, and the window
 * meets the condition when one value's share does (the spec's example,
 * `lte: 1`, finds a process name rarer than 1% of a computer's). These
 * look only at windows that take in a new event: the tail of a window
 * (down to a group's last event alone) would turn a mean over an hour
 * into any one big value. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "sigma/sigma_internal.h"

typedef struct crec {
    size_t rule; /* index in rs->rules */
    int64_t t;
    uint64_t record_id;
    const char *source;
    const char **vals; /* aligned with need[rule] */
} crec;

typedef struct needlist {
    const char **names;
    size_t n, cap;
} needlist;

struct vigil_sigma_correlator {
    const vigil_sigma_ruleset *rs;
    vigil_arena arena;
    needlist *need; /* per rule */
    crec *recs;
    size_t n, cap;
    int ncorr;
};

static int need_add(needlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        /* names[0..n) are all set (below); the analyzer loses that over realloc */
        if (strcmp(l->names[i], name) == 0) // NOLINT(clang-analyzer-core.CallAndMessage)
            return 0;
    if (VIGIL_ARRAY_RESERVE(l->names, l->cap, l->n + 1) != VIGIL_OK)
        return -1;
    l->names[l->n++] = name;
    return 0;
}

/* The field a correlation groups by for events of one referenced rule. */
static const char *resolve_alias(const vigil_sigma_rule *c, const vigil_sigma_rule *ref,
                                 const char *g)
{
    for (size_t i = 0; i < c->naliases; i++)
        if (strcmp(c->aliases[i].alias, g) == 0 && ref->info.name != NULL &&
            strcmp(c->aliases[i].rule, ref->info.name) == 0)
            return c->aliases[i].field;
    return g;
}

void vigil_sigma_correlator_destroy(vigil_sigma_correlator *c)
{
    if (c == NULL)
        return;
    if (c->need != NULL)
        for (size_t i = 0; i < c->rs->nrules; i++)
            free(c->need[i].names);
    free(c->need);
    free(c->recs);
    vigil_arena_free(&c->arena);
    free(c);
}

vigil_status vigil_sigma_correlator_create(const vigil_sigma_ruleset *rs,
                                           vigil_sigma_correlator **out)
{
    if (rs == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (rs->counts.correlations == 0)
        return VIGIL_OK;
    vigil_sigma_correlator *c = calloc(1, sizeof *c);
    if (c == NULL)
        return VIGIL_ERR_NOMEM;
    c->rs = rs;
    vigil_arena_init(&c->arena);
    c->need = calloc(rs->nrules + 1, sizeof *c->need);
    if (c->need == NULL) {
        vigil_sigma_correlator_destroy(c);
        return VIGIL_ERR_NOMEM;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        const vigil_sigma_rule *r = rs->rules[i];
        if (r->kind != VIGIL_SR_CORRELATION)
            continue;
        c->ncorr++;
        for (size_t k = 0; k < r->nrefs; k++) {
            const vigil_sigma_rule *ref = r->ref_rules[k];
            needlist *l = &c->need[ref->index];
            int rc = 0;
            for (size_t g = 0; g < r->ngroup && rc == 0; g++)
                rc = need_add(l, resolve_alias(r, ref, r->group_by[g]));
            if (rc == 0 && r->value_field != NULL)
                rc = need_add(l, r->value_field);
            if (rc != 0) {
                vigil_sigma_correlator_destroy(c);
                return VIGIL_ERR_NOMEM;
            }
        }
    }
    *out = c;
    return VIGIL_OK;
}

static crec *new_rec(vigil_sigma_correlator *c)
{
    if (VIGIL_ARRAY_RESERVE(c->recs, c->cap, c->n + 1) != VIGIL_OK)
        return NULL;
    crec *r = &c->recs[c->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static const char *TIME_FIELDS[] = {"TimeCreated", "TimeCreated_SystemTime", "@timestamp",
                                    "timestamp", "UtcTime"};

vigil_status vigil_sigma_correlator_feed(vigil_sigma_correlator *c, const vigil_sigma_match *mt)
{
    if (c == NULL || mt == NULL || mt->rule == NULL || mt->event == NULL)
        return VIGIL_ERR_INVALID_ARG;
    const vigil_sigma_rule *r = (const vigil_sigma_rule *)mt->rule; /* info is the first member */
    if (!r->corr_used)
        return VIGIL_OK;
    const needlist *l = &c->need[r->index];
    crec *rec = new_rec(c);
    if (rec == NULL)
        return VIGIL_ERR_NOMEM;
    rec->rule = r->index;
    rec->record_id = mt->event->record_id;
    rec->t = 0;
    for (size_t i = 0; i < sizeof TIME_FIELDS / sizeof TIME_FIELDS[0]; i++) {
        const vigil_field *f = vigil_sigma_field(mt->event, TIME_FIELDS[i], NULL);
        if (f != NULL && vigil_sigma_parse_time(f->value, &rec->t) == 0)
            break;
    }
    rec->source = mt->event->source ? vigil_arena_strdup(&c->arena, mt->event->source) : NULL;
    if (l->n) {
        rec->vals = vigil_arena_alloc(&c->arena, l->n * sizeof *rec->vals);
        if (rec->vals == NULL) {
            c->n--;
            return VIGIL_ERR_NOMEM;
        }
        for (size_t i = 0; i < l->n; i++) {
            const vigil_field *f = vigil_sigma_field(mt->event, l->names[i], NULL);
            rec->vals[i] = f != NULL ? vigil_arena_strdup(&c->arena, f->value) : NULL;
        }
    }
    return VIGIL_OK;
}

/* ---- evaluation ---- */

typedef struct item {
    const crec *rec;
    const char **key; /* group values */
    const char *val;  /* condition.field */
    double num;       /* val as a number (value_sum, value_avg) */
    int has_num;
    int ref;    /* position in the correlation's rules */
    size_t vid; /* value_percentile: an id per distinct val in the group */
} item;

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int item_cmp(const void *pa, const void *pb, void *arg)
{
    const item *a = pa, *b = pb;
    size_t ngroup = *(const size_t *)arg;
    for (size_t i = 0; i < ngroup; i++) {
        int c = cmp_str(a->key[i], b->key[i]);
        if (c != 0)
            return c;
    }
    if (a->rec->t != b->rec->t)
        return a->rec->t < b->rec->t ? -1 : 1;
    if (a->rec->record_id != b->rec->record_id)
        return a->rec->record_id < b->rec->record_id ? -1 : 1;
    return 0;
}

static int cond_ok(const vigil_sigma_rule *r, double count)
{
    for (size_t i = 0; i < r->nconds; i++) {
        double v = r->cond_vals[i];
        int ok;
        switch (r->cond_ops[i]) {
        case VIGIL_NUM_LT:
            ok = count < v;
            break;
        case VIGIL_NUM_LTE:
            ok = count <= v;
            break;
        case VIGIL_NUM_GT:
            ok = count > v;
            break;
        case VIGIL_NUM_GTE:
            ok = count >= v;
            break;
        default:
            ok = count == v;
            break;
        }
        if (!ok)
            return 0;
    }
    return !(r->cond_neq && count == r->cond_neq_val);
}

static const char *rec_val(const vigil_sigma_correlator *c, const crec *rec, const char *name)
{
    const needlist *l = &c->need[rec->rule];
    const vigil_sigma_rule *src = c->rs->rules[rec->rule];
    if (src->kind == VIGIL_SR_CORRELATION) {
        for (size_t i = 0; i < src->ngroup; i++)
            if (strcmp(src->group_by[i], name) == 0)
                return rec->vals ? rec->vals[i] : NULL;
        return NULL;
    }
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return rec->vals ? rec->vals[i] : NULL;
    return NULL;
}

static size_t count_distinct_vals(item *it, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        if (it[i].val == NULL)
            continue;
        size_t k = from;
        for (; k < i; k++)
            if (it[k].val != NULL && strcmp(it[k].val, it[i].val) == 0)
                break;
        if (k == i)
            n++;
    }
    return n;
}

static size_t count_distinct_refs(const item *it, size_t from, size_t to, size_t nrefs)
{
    size_t n = 0;
    for (size_t r = 0; r < nrefs; r++)
        for (size_t i = from; i < to; i++)
            if (it[i].ref == (int)r) {
                n++;
                break;
            }
    return n;
}

/* Sum of the numbers in it[from, to); *n gets how many there were. */
static double sum_nums(const item *it, size_t from, size_t to, size_t *n)
{
    double sum = 0;
    *n = 0;
    for (size_t i = from; i < to; i++)
        if (it[i].has_num) {
            sum += it[i].num;
            (*n)++;
        }
    return sum;
}

static int cmp_item_val(const void *pa, const void *pb, void *arg)
{
    const item *it = arg;
    const item *a = &it[*(const size_t *)pa], *b = &it[*(const size_t *)pb];
    if (a->val == NULL || b->val == NULL)
        return (a->val == NULL) - (b->val == NULL);
    return strcmp(a->val, b->val);
}

/* Numbers the distinct values of it[from, to) (vid, 1-based; 0: no value);
 * gives the count of distinct values + 1, or 0 when out of memory. */
static size_t number_values(item *it, size_t from, size_t to)
{
    size_t n = to - from;
    size_t *ix = malloc((n ? n : 1) * sizeof *ix);
    if (ix == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        ix[i] = from + i;
    qsort_r(ix, n, sizeof *ix, cmp_item_val, it);
    size_t next = 1;
    for (size_t i = 0; i < n; i++) {
        item *x = &it[ix[i]];
        if (x->val == NULL) {
            x->vid = 0;
            continue;
        }
        if (i > 0 && it[ix[i - 1]].val != NULL && strcmp(it[ix[i - 1]].val, x->val) == 0)
            x->vid = it[ix[i - 1]].vid;
        else
            x->vid = next++;
    }
    free(ix);
    return next;
}

/* value_percentile over it[from, to): the share in percent of the first
 * value whose share meets the condition (*hit 1), cnt holds nvid zeros and
 * is left so. */
static double percent_hit(const vigil_sigma_rule *r, const item *it, size_t from, size_t to,
                          size_t *cnt, int *hit)
{
    size_t n = 0;
    double pct = 0;
    *hit = 0;
    for (size_t i = from; i < to; i++)
        if (it[i].vid) {
            cnt[it[i].vid]++;
            n++;
        }
    for (size_t i = from; i < to; i++) {
        size_t v = it[i].vid;
        if (v == 0 || cnt[v] == 0)
            continue;
        double p = 100.0 * (double)cnt[v] / (double)n;
        cnt[v] = 0; /* each value once */
        if (!*hit && cond_ok(r, p)) {
            *hit = 1;
            pct = p;
        }
    }
    return pct;
}

typedef struct emit_ctx {
    vigil_sigma_correlator *c;
    const vigil_sigma_rule *r;
    vigil_sigma_corr_fn fn;
    void *user;
    int stop;
} emit_ctx;

static vigil_status emit(emit_ctx *e, const item *it, size_t from, size_t to, uint64_t count,
                         int metric, double value)
{
    const vigil_sigma_rule *r = e->r;
    vigil_sigma_correlator *c = e->c;
    size_t n = to - from;
    vigil_sigma_corr_event *evs = calloc(n ? n : 1, sizeof *evs);
    if (evs == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const crec *rec = it[from + i].rec;
        evs[i].rule = &c->rs->rules[rec->rule]->info;
        evs[i].source = rec->source;
        evs[i].record_id = rec->record_id;
        evs[i].time_ms = rec->t;
    }
    vigil_sigma_corr_result res = {
        .rule = &r->info,
        .group_fields = r->group_by,
        .group_values = it[from].key,
        .ngroup = r->ngroup,
        .count = count,
        .metric = metric,
        .value = value,
        .first_ms = it[from].rec->t,
        .last_ms = it[to - 1].rec->t,
        .events = evs,
        .nevents = n,
    };
    if (e->fn != NULL && !e->stop && e->fn(&res, e->user) != 0)
        e->stop = 1;
    free(evs);
    /* a result is an event for the correlations chained on this one */
    if (r->corr_used) {
        const char **vals = vigil_arena_alloc(&c->arena, (r->ngroup + 1) * sizeof *vals);
        if (vals == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < r->ngroup; i++)
            vals[i] = it[from].key[i];
        crec *rec = new_rec(c);
        if (rec == NULL)
            return VIGIL_ERR_NOMEM;
        rec->rule = r->index;
        rec->t = it[to - 1].rec->t;
        rec->record_id = it[to - 1].rec->record_id;
        rec->source = it[to - 1].rec->source;
        rec->vals = vals;
    }
    return VIGIL_OK;
}

static vigil_status run_group(emit_ctx *e, item *it, size_t from, size_t to)
{
    const vigil_sigma_rule *r = e->r;
    size_t *cnt = NULL;
    if (r->ctype == VIGIL_CT_VALUE_PERCENTILE) {
        size_t nvid = number_values(it, from, to);
        cnt = nvid ? calloc(nvid, sizeof *cnt) : NULL;
        if (cnt == NULL)
            return VIGIL_ERR_NOMEM;
    }
    int metric_type = r->ctype == VIGIL_CT_VALUE_SUM || r->ctype == VIGIL_CT_VALUE_AVG ||
                      r->ctype == VIGIL_CT_VALUE_PERCENTILE;
    vigil_status st = VIGIL_OK;
    size_t i = from, last_end = from;
    while (i < to && st == VIGIL_OK) {
        size_t j = i;
        while (j < to && it[j].rec->t - it[i].rec->t <= r->timespan_ms)
            j++;
        if (metric_type && j <= last_end) {
            /* a part of the window before: a mean or a share over fewer
             * events (the group's last event alone) says nothing new */
            i++;
            continue;
        }
        last_end = j;
        size_t end = j;
        uint64_t count;
        double value = 0;
        int metric = 0, hit = 0;
        switch (r->ctype) {
        case VIGIL_CT_VALUE_SUM:
        case VIGIL_CT_VALUE_AVG: {
            metric = 1;
            size_t nnum;
            value = sum_nums(it, i, j, &nnum);
            count = nnum;
            if (r->ctype == VIGIL_CT_VALUE_AVG && count > 0)
                value /= (double)count;
            hit = count > 0 && cond_ok(r, value);
            break;
        }
        case VIGIL_CT_VALUE_PERCENTILE:
            metric = 1;
            value = percent_hit(r, it, i, j, cnt, &hit);
            count = j - i;
            break;
        case VIGIL_CT_EVENT_COUNT:
            count = j - i;
            break;
        case VIGIL_CT_VALUE_COUNT:
            count = count_distinct_vals(it, i, j);
            break;
        case VIGIL_CT_TEMPORAL:
            count = count_distinct_refs(it, i, j, r->nrefs);
            break;
        default: {
            /* ordered: the rules' events in the given order inside the window */
            size_t k = 0;
            end = i;
            for (size_t x = i; x < j && k < r->nrefs; x++)
                if (it[x].ref == (int)k) {
                    k++;
                    end = x + 1;
                }
            count = k;
            if (it[i].ref != 0)
                count = 0;
            break;
        }
        }
        if (!metric) {
            value = (double)count;
            hit = count > 0 && cond_ok(r, value);
        }
        if (hit) {
            st = emit(e, it, i, end, count, metric, value);
            i = end > i ? end : i + 1;
        } else {
            i++;
        }
    }
    free(cnt);
    return st;
}

static vigil_status run_correlation(vigil_sigma_correlator *c, const vigil_sigma_rule *r,
                                    vigil_sigma_corr_fn fn, void *user)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < r->nrefs; k++)
            if (c->recs[i].rule == r->ref_rules[k]->index) {
                n++;
                break;
            }
    if (n == 0)
        return VIGIL_OK;
    item *it = calloc(n, sizeof *it);
    const char **keys = calloc(n * (r->ngroup + 1), sizeof *keys);
    if (it == NULL || keys == NULL) {
        free(it);
        free(keys);
        return VIGIL_ERR_NOMEM;
    }
    size_t m = 0, limit = c->n; /* results appended while running are not inputs */
    for (size_t i = 0; i < limit; i++) {
        const crec *rec = &c->recs[i];
        int ref = -1;
        for (size_t k = 0; k < r->nrefs; k++)
            if (rec->rule == r->ref_rules[k]->index) {
                ref = (int)k;
                break;
            }
        if (ref < 0)
            continue;
        it[m].ref = ref;
        it[m].key = keys + m * (r->ngroup + 1);
        for (size_t g = 0; g < r->ngroup; g++)
            it[m].key[g] = rec_val(c, rec, resolve_alias(r, r->ref_rules[ref], r->group_by[g]));
        if (r->value_field != NULL) {
            it[m].val = rec_val(c, rec, r->value_field);
            it[m].has_num = it[m].val != NULL &&
                            vigil_sigma_parse_number(it[m].val, &it[m].num) == 0 &&
                            isfinite(it[m].num);
        }
        m++;
    }
    /* records may move when results are appended: copy them first */
    crec *copy = calloc(m ? m : 1, sizeof *copy);
    if (copy == NULL) {
        free(it);
        free(keys);
        return VIGIL_ERR_NOMEM;
    }
    for (size_t i = 0, k = 0; i < limit && k < m; i++) {
        int hit = 0;
        for (size_t x = 0; x < r->nrefs; x++)
            if (c->recs[i].rule == r->ref_rules[x]->index)
                hit = 1;
        if (hit) {
            copy[k] = c->recs[i];
            it[k].rec = &copy[k];
            k++;
        }
    }
    size_t ngroup = r->ngroup;
    qsort_r(it, m, sizeof *it, item_cmp, &ngroup);
    emit_ctx e = {.c = c, .r = r, .fn = fn, .user = user};
    vigil_status st = VIGIL_OK;
    size_t start = 0;
    for (size_t i = 1; i <= m && st == VIGIL_OK; i++) {
        int same = i < m;
        for (size_t g = 0; same && g < r->ngroup; g++)
            same = cmp_str(it[i].key[g], it[start].key[g]) == 0;
        if (!same) {
            st = run_group(&e, it, start, i);
            start = i;
        }
    }
    free(copy);
    free(it);
    free(keys);
    return st;
}

static int depth_of(const vigil_sigma_rule *r, int guard)
{
    if (r->kind != VIGIL_SR_CORRELATION || guard > 16)
        return 0;
    int d = 0;
    for (size_t i = 0; i < r->nrefs; i++) {
        int x = depth_of(r->ref_rules[i], guard + 1) + 1;
        if (x > d)
            d = x;
    }
    return d;
}

vigil_status vigil_sigma_correlator_finish(vigil_sigma_correlator *c, vigil_sigma_corr_fn fn,
                                           void *user)
{
    if (c == NULL)
        return VIGIL_ERR_INVALID_ARG;
    for (int depth = 1; depth <= 17; depth++) {
        for (size_t i = 0; i < c->rs->nrules; i++) {
            const vigil_sigma_rule *r = c->rs->rules[i];
            if (r->kind != VIGIL_SR_CORRELATION || depth_of(r, 0) != depth)
                continue;
            vigil_status st = run_correlation(c, r, fn, user);
            if (st != VIGIL_OK)
                return st;
        }
    }
    return VIGIL_OK;
}
