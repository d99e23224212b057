/* sigma_match.c - test helper: load Sigma rules, match JSON events, print JSON Lines.
 *
 * Why: conformance scripts and people need to see exactly which rule matched
 * which event without the whole sweep. Usage:
 *   sigma_match --rules PATH [--rules PATH]... [--mapping FILE]
 *               [--placeholders PATH] [--no-prefilter] [--load-only] [--all]
 *               [--stats] [EVENTS.json|jsonl]...
 * Prints one line per match {"rule_id","title","level","record_id","source",
 * "fields"} and one per correlation result; diagnostics and the counts
 * ("loaded N rules ... refused N") go to stderr. Matches of rules used only
 * by correlations are printed with --all. Exit 0 ok, 1 error, 2 usage. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/sigma.h"
#include "vigil/vigil.h"

typedef struct ctx {
    vigil_sigma_matcher *m;
    vigil_sigma_correlator *corr;
    int all;
    unsigned long long matches;
    int failed;
} ctx;

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    fprintf(stderr, "%s:%llu: %s\n", d->source ? d->source : "-", (unsigned long long)d->line,
            d->message);
}

static void print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s != NULL) {
        puts(s);
        free(s);
    }
    json_decref(o);
}

static int on_match(const vigil_sigma_match *mt, void *user)
{
    ctx *c = user;
    if (c->corr != NULL && vigil_sigma_correlator_feed(c->corr, mt) != VIGIL_OK)
        c->failed = 1;
    if (mt->rule->correlation_only && !c->all)
        return 0;
    c->matches++;
    json_t *o = json_object();
    json_t *fields = json_array();
    for (size_t i = 0; i < mt->nfields; i++)
        json_array_append_new(fields, json_string(mt->fields[i]->name));
    json_object_set_new(o, "rule_id", mt->rule->id ? json_string(mt->rule->id) : json_null());
    json_object_set_new(o, "title", json_string(mt->rule->title));
    json_object_set_new(o, "level", mt->rule->level ? json_string(mt->rule->level) : json_null());
    json_object_set_new(o, "record_id", json_integer((json_int_t)mt->event->record_id));
    json_object_set_new(o, "source", json_string(mt->event->source ? mt->event->source : ""));
    json_object_set_new(o, "fields", fields);
    print_json(o);
    return 0;
}

static int on_event(const vigil_event *ev, void *user)
{
    ctx *c = user;
    if (vigil_sigma_matcher_match(c->m, ev, on_match, c, NULL) != VIGIL_OK)
        c->failed = 1;
    return 0;
}

static int on_corr(const vigil_sigma_corr_result *r, void *user)
{
    (void)user;
    json_t *o = json_object();
    json_t *g = json_object();
    json_t *evs = json_array();
    for (size_t i = 0; i < r->ngroup; i++)
        json_object_set_new(g, r->group_fields[i], json_string(r->group_values[i]));
    for (size_t i = 0; i < r->nevents; i++)
        json_array_append_new(evs, json_integer((json_int_t)r->events[i].record_id));
    json_object_set_new(o, "correlation_id", r->rule->id ? json_string(r->rule->id) : json_null());
    json_object_set_new(o, "title", json_string(r->rule->title));
    json_object_set_new(o, "count", json_integer((json_int_t)r->count));
    json_object_set_new(o, "group", g);
    json_object_set_new(o, "events", evs);
    print_json(o);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: sigma_match --rules PATH [--mapping FILE] [--placeholders PATH] "
                    "[--no-prefilter] [--load-only] [--all] [--stats] [EVENTS]...\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *rules[64];
    size_t nrules = 0;
    const char *events[4096];
    size_t nevents = 0;
    vigil_sigma_options opts = {.on_diag = on_diag};
    int load_only = 0, stats = 0;
    ctx c = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc && nrules < 64)
            rules[nrules++] = argv[++i];
        else if (strcmp(argv[i], "--mapping") == 0 && i + 1 < argc)
            opts.mapping_path = argv[++i];
        else if (strcmp(argv[i], "--placeholders") == 0 && i + 1 < argc)
            opts.placeholder_path = argv[++i];
        else if (strcmp(argv[i], "--no-prefilter") == 0)
            opts.no_prefilter = 1;
        else if (strcmp(argv[i], "--load-only") == 0)
            load_only = 1;
        else if (strcmp(argv[i], "--all") == 0)
            c.all = 1;
        else if (strcmp(argv[i], "--stats") == 0)
            stats = 1;
        else if (argv[i][0] == '-' && argv[i][1] != 0)
            return usage();
        else if (nevents < 4096)
            events[nevents++] = argv[i];
    }
    if (nrules == 0)
        return usage();
    vigil_sigma_builder *b;
    vigil_status st = vigil_sigma_builder_create(&opts, &b);
    if (st != VIGIL_OK) {
        fprintf(stderr, "sigma_match: %s\n", vigil_status_str(st));
        return 1;
    }
    for (size_t i = 0; i < nrules; i++) {
        st = vigil_sigma_builder_add_path(b, rules[i]);
        if (st != VIGIL_OK && st != VIGIL_ERR_RULE) {
            fprintf(stderr, "sigma_match: %s: %s\n", rules[i], vigil_status_str(st));
            vigil_sigma_builder_destroy(b);
            return 1;
        }
    }
    vigil_sigma_counts cn;
    vigil_sigma_builder_get_counts(b, &cn);
    fprintf(stderr,
            "loaded %llu rules, %llu correlations, %llu filters from %llu files; "
            "refused %llu\n",
            (unsigned long long)cn.rules, (unsigned long long)cn.correlations,
            (unsigned long long)cn.filters, (unsigned long long)cn.files,
            (unsigned long long)cn.refused);
    vigil_sigma_ruleset *rs;
    st = vigil_sigma_builder_build(b, &rs);
    vigil_sigma_builder_destroy(b);
    if (st != VIGIL_OK) {
        fprintf(stderr, "sigma_match: build: %s\n", vigil_status_str(st));
        return 1;
    }
    if (load_only) {
        vigil_sigma_ruleset_destroy(rs);
        return 0;
    }
    if (vigil_sigma_matcher_create(rs, &c.m) != VIGIL_OK ||
        vigil_sigma_correlator_create(rs, &c.corr) != VIGIL_OK) {
        fprintf(stderr, "sigma_match: out of memory\n");
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < nevents; i++) {
        size_t l = strlen(events[i]);
        if (l > 5 && strcmp(events[i] + l - 5, ".evtx") == 0) {
            fprintf(stderr, "sigma_match: %s: EVTX input is not available in this build\n",
                    events[i]);
            rc = 1;
            continue;
        }
        st = vigil_sigma_json_file(events[i], on_event, &c, on_diag, NULL);
        if (st != VIGIL_OK)
            rc = 1;
    }
    if (c.corr != NULL && vigil_sigma_correlator_finish(c.corr, on_corr, NULL) != VIGIL_OK)
        rc = 1;
    if (stats) {
        vigil_sigma_match_stats s;
        vigil_sigma_matcher_get_stats(c.m, &s);
        fprintf(stderr, "events %llu candidates %llu evaluated %llu matches %llu\n",
                (unsigned long long)s.events, (unsigned long long)s.candidates,
                (unsigned long long)s.evaluated, (unsigned long long)s.matches);
    }
    vigil_sigma_correlator_destroy(c.corr);
    vigil_sigma_matcher_destroy(c.m);
    vigil_sigma_ruleset_destroy(rs);
    return rc || c.failed ? 1 : 0;
}
