/* correlate.c - the one Sigma correlator of a sweep, fed by every scanner
 * under a lock and finished at the end (see event_scan.h).
 *
 * Why one shared correlator rather than one per thread merged later: the
 * correlator keeps only the few values each correlation needs per match,
 * matches of correlated rules are rare next to events, and the correlator
 * already evaluates in time order whatever the feeding order, so a lock
 * around feed is the simplest correct design. Finishing turns each
 * correlation result into a target result with one finding that lists the
 * grouped events, so callers render it like any other result. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/findings.h"
#include "engine/engine_internal.h"
#include "engine/event_scan.h"

struct vigil_correlator {
    const vigil_sigma_ruleset *rs;
    pthread_mutex_t mu;
    vigil_sigma_correlator *corr;
    uint64_t fed;
};

vigil_status vigil_correlator_create(const vigil_engine *engine, vigil_correlator **out)
{
    vigil_sigma_correlator *c = NULL;
    vigil_status st;

    if (engine == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (engine->sigma == NULL)
        return VIGIL_OK;
    st = vigil_sigma_correlator_create(engine->sigma, &c);
    if (st != VIGIL_OK || c == NULL)
        return st;
    vigil_correlator *h = calloc(1, sizeof *h);
    if (h == NULL) {
        vigil_sigma_correlator_destroy(c);
        return VIGIL_ERR_NOMEM;
    }
    if (pthread_mutex_init(&h->mu, NULL) != 0) {
        vigil_sigma_correlator_destroy(c);
        free(h);
        return VIGIL_ERR_THREAD;
    }
    h->rs = engine->sigma;
    h->corr = c;
    *out = h;
    return VIGIL_OK;
}

void vigil_correlator_destroy(vigil_correlator *h)
{
    if (h == NULL)
        return;
    vigil_sigma_correlator_destroy(h->corr);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

vigil_status vigil_correlator_feed(vigil_correlator *h, const vigil_sigma_match *m)
{
    vigil_status st;

    if (h == NULL || m == NULL)
        return VIGIL_ERR_INVALID_ARG;
    pthread_mutex_lock(&h->mu);
    st = vigil_sigma_correlator_feed(h->corr, m);
    if (st == VIGIL_OK)
        h->fed++;
    pthread_mutex_unlock(&h->mu);
    return st;
}

typedef struct finish_ctx {
    const vigil_scan_options *opt;
    vigil_scan_stats *stats;
    vigil_findings fb;
    vigil_status st;
} finish_ctx;

static vigil_level level_of(const vigil_scan_options *o, int score)
{
    if (score >= o->alert_score)
        return VIGIL_LEVEL_ALERT;
    if (score >= o->warning_score)
        return VIGIL_LEVEL_WARNING;
    if (score >= o->notice_score)
        return VIGIL_LEVEL_NOTICE;
    return VIGIL_LEVEL_INFO;
}

static int on_corr(const vigil_sigma_corr_result *res, void *user)
{
    finish_ctx *c = user;
    const vigil_sigma_rule_info *r = res->rule;
    vigil_findings *fb = &c->fb;
    vigil_target_result tr;
    char first[40];

    vigil_findings_reset(fb);
    vigil_finding *f = vigil_findings_add(fb, VIGIL_FINDING_CORRELATION);
    vigil_field *groups = vigil_findings_alloc(fb, (res->ngroup + 1) * sizeof *groups);
    vigil_finding_event *evs = vigil_findings_alloc(fb, (res->nevents + 1) * sizeof *evs);
    if (f == NULL || groups == NULL || evs == NULL) {
        c->st = VIGIL_ERR_NOMEM;
        return 1;
    }
    for (size_t i = 0; i < res->ngroup; i++) {
        const char *v = res->group_values[i];
        groups[i].name = res->group_fields[i];
        groups[i].name_len = strlen(res->group_fields[i]);
        groups[i].value = v != NULL ? v : "";
        groups[i].value_len = v != NULL ? strlen(v) : 0;
        groups[i].is_null = v == NULL;
    }
    for (size_t i = 0; i < res->nevents; i++) {
        evs[i].source = res->events[i].source;
        evs[i].record_id = res->events[i].record_id;
        evs[i].time_ms = res->events[i].time_ms;
        evs[i].rule = res->events[i].rule ? res->events[i].rule->title : NULL;
        evs[i].rule_id = res->events[i].rule ? res->events[i].rule->id : NULL;
    }
    vigil_finding_set_sigma_rule(f, r);
    f->fields = groups;
    f->nfields = res->ngroup;
    f->events = evs;
    f->nevents = res->nevents;
    f->count = res->count;
    f->has_value = res->metric && isfinite(res->value); /* JSON has no inf */
    f->value = res->value;

    vigil_time_ms_format(res->first_ms, first, sizeof first);
    memset(&tr, 0, sizeof tr);
    tr.path = res->nevents > 0 && res->events[0].source != NULL ? res->events[0].source : "";
    tr.filetype = "";
    tr.score = f->score;
    tr.level = level_of(c->opt, tr.score);
    tr.findings = f;
    tr.nfindings = 1;
    tr.event_time = first[0] ? first : NULL;
    if (c->stats != NULL) {
        c->stats->findings++;
        c->stats->by_level[tr.level]++;
    }
    if (c->opt->on_result != NULL && c->opt->on_result(&tr, c->opt->result_user) != 0) {
        c->st = VIGIL_ERR_ABORTED;
        return 1;
    }
    return 0;
}

vigil_status vigil_correlator_finish(vigil_correlator *h, const vigil_scan_options *opt,
                                     vigil_scan_stats *stats)
{
    finish_ctx c;
    vigil_status st;

    if (h == NULL || opt == NULL)
        return VIGIL_ERR_INVALID_ARG;
    memset(&c, 0, sizeof c);
    c.opt = opt;
    c.stats = stats;
    vigil_findings_init(&c.fb);
    pthread_mutex_lock(&h->mu);
    st = h->fed > 0 ? vigil_sigma_correlator_finish(h->corr, on_corr, &c) : VIGIL_OK;
    if (c.st != VIGIL_OK)
        st = c.st;
    if (h->fed > 0) {
        /* start afresh: what was fed has been evaluated */
        vigil_sigma_correlator *fresh = NULL;
        vigil_status cs = vigil_sigma_correlator_create(h->rs, &fresh);
        if (cs == VIGIL_OK && fresh != NULL) {
            vigil_sigma_correlator_destroy(h->corr);
            h->corr = fresh;
            h->fed = 0;
        } else if (st == VIGIL_OK) {
            st = cs != VIGIL_OK ? cs : VIGIL_ERR_NOMEM;
        }
    }
    pthread_mutex_unlock(&h->mu);
    vigil_findings_free(&c.fb);
    return st;
}
