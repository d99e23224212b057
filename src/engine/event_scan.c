/* event_scan.c - the events of one event log inside a target, matched against
 * the engine's Sigma rules (see event_scan.h).
 *
 * Why here and not in the Sigma engine: telling an event log from other
 * bytes, choosing its reader (the EVTX parser or the JSON event reader) and
 * turning matches into findings are the sweep's business; the Sigma engine
 * only matches events. One event scan per scanner, so per thread: it owns the
 * EVTX parser's chunk buffers and the matcher's scratch space. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "engine/event_scan.h"
#include "vigil/evtx.h"

#define JSON_SNIFF (64u << 10) /* bytes looked at to tell exported events */

struct vigil_event_scan {
    const vigil_sigma_ruleset *rs;
    const vigil_diag_sink *diag;
    vigil_sigma_matcher *matcher;
    vigil_evtx_parser *evtx;
    vigil_correlator *hub;
    /* the target being read */
    vigil_findings *fb;
    vigil_event_scan_report_fn fn;
    void *user;
    vigil_status st; /* first failure of a callback */
    uint64_t events, matches;
};

static void forward_diag(const vigil_diag *d, void *user)
{
    vigil_event_scan *es = user;
    if (es->diag->fn != NULL)
        es->diag->fn(d, es->diag->user);
}

static int on_event(const vigil_event *ev, void *user);

vigil_status vigil_event_scan_create(const vigil_sigma_ruleset *rs, const vigil_diag_sink *diag,
                                     vigil_event_scan **out)
{
    vigil_evtx_options eo;
    vigil_status st;

    if (rs == NULL || diag == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    vigil_event_scan *es = calloc(1, sizeof *es);
    if (es == NULL)
        return VIGIL_ERR_NOMEM;
    es->rs = rs;
    es->diag = diag;
    memset(&eo, 0, sizeof eo);
    eo.on_event = on_event;
    eo.event_user = es;
    eo.on_diag = forward_diag;
    eo.diag_user = es;
    eo.threads = 1; /* the sweep already runs one target per thread */
    st = vigil_sigma_matcher_create(rs, &es->matcher);
    if (st == VIGIL_OK)
        vigil_sigma_matcher_set_diag(es->matcher, forward_diag, es);
    if (st == VIGIL_OK)
        st = vigil_evtx_parser_create(&eo, &es->evtx);
    if (st != VIGIL_OK) {
        vigil_event_scan_destroy(es);
        return st;
    }
    *out = es;
    return VIGIL_OK;
}

void vigil_event_scan_destroy(vigil_event_scan *es)
{
    if (es == NULL)
        return;
    vigil_sigma_matcher_destroy(es->matcher);
    vigil_evtx_parser_destroy(es->evtx);
    free(es);
}

void vigil_event_scan_set_hub(vigil_event_scan *es, vigil_correlator *hub)
{
    if (es != NULL)
        es->hub = hub;
}

/* Exported events: JSON Lines or concatenated objects whose first object
 * names the fields of a Windows event (the evtx_dump shape or flat). */
static int looks_like_json_events(const char *path, const char *s, size_t len)
{
    const char *ext = vigil_path_extension(path);
    /* every Windows event names its EventID (the evtx_dump shape nests it
     * in System); other JSON (API schemas, package manifests) rarely does */
    static const char *const keys[] = {"\"EventID\"", "\"Channel\""};
    size_t i = 0;

    if (strcasecmp(ext, ".json") != 0 && strcasecmp(ext, ".jsonl") != 0 &&
        strcasecmp(ext, ".ndjson") != 0)
        return 0;
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i >= len || (s[i] != '{' && s[i] != '['))
        return 0;
    if (len > JSON_SNIFF)
        len = JSON_SNIFF;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (memmem(s + i, len - i, keys[k], strlen(keys[k])) != NULL)
            return 1;
    return 0;
}

int vigil_event_scan_is_event_log(const char *path, const void *data, size_t len)
{
    if (data == NULL || len == 0)
        return 0;
    /* a log whose header was wiped still has its chunks: read them */
    return vigil_evtx_is_evtx(data, len) || vigil_evtx_is_headless(data, len) ||
           looks_like_json_events(path, data, len);
}

void vigil_finding_set_sigma_rule(vigil_finding *f, const vigil_sigma_rule_info *r)
{
    f->rule = r->title;
    f->rule_id = r->id;
    f->rule_level = r->level;
    f->rule_source = r->source;
    f->rule_line = r->line;
    f->description = r->description;
    f->author = r->author;
    f->reference = r->nreferences > 0 ? r->references[0] : NULL;
    f->references = r->references;
    f->nreferences = r->nreferences;
    f->tags = r->tags;
    f->ntags = r->ntags;
    f->score = vigil_sigma_level_score(r->level);
}

static int on_match(const vigil_sigma_match *m, void *user)
{
    vigil_event_scan *es = user;
    const vigil_sigma_rule_info *r = m->rule;
    vigil_status st;

    if (es->hub != NULL) {
        st = vigil_correlator_feed(es->hub, m);
        if (st != VIGIL_OK) {
            es->st = st;
            return 1;
        }
    }
    if (r->correlation_only)
        return 0;
    vigil_finding *f = vigil_findings_add(es->fb, VIGIL_FINDING_SIGMA);
    vigil_field *fields = NULL;
    if (f != NULL && m->nfields > 0) {
        if (m->nfields > SIZE_MAX / sizeof *fields)
            f = NULL;
        else
            fields = vigil_findings_alloc(es->fb, m->nfields * sizeof *fields);
        if (fields == NULL)
            f = NULL;
    }
    if (f == NULL) {
        es->st = VIGIL_ERR_NOMEM;
        return 1;
    }
    /* the event's strings live until the report, which happens in this event's call */
    for (size_t i = 0; i < m->nfields; i++)
        fields[i] = *m->fields[i];
    vigil_finding_set_sigma_rule(f, r);
    f->fields = fields;
    f->nfields = m->nfields;
    return 0;
}

/* The record id people and other tools quote is the event's EventRecordID;
 * the record frame's own number may differ (exported or re-written logs). */
static uint64_t event_record_id(const vigil_event *ev)
{
    const vigil_field *f = vigil_event_get(ev, "EventRecordID");
    uint64_t v = 0;

    if (f == NULL || f->value_len == 0 || f->value_len > 19)
        return ev->record_id;
    for (size_t i = 0; i < f->value_len; i++) {
        char c = f->value[i];
        if (c < '0' || c > '9')
            return ev->record_id;
        v = v * 10 + (uint64_t)(c - '0');
    }
    return v;
}

static int on_event(const vigil_event *orig, void *user)
{
    vigil_event_scan *es = user;
    vigil_event copy = *orig;
    const vigil_event *ev = &copy;
    vigil_status st;

    copy.record_id = event_record_id(orig);
    es->events++;
    vigil_findings_reset(es->fb);
    st = vigil_sigma_matcher_match(es->matcher, ev, on_match, es, NULL);
    if (es->st != VIGIL_OK)
        return 1;
    if (st != VIGIL_OK) {
        es->st = st;
        return 1;
    }
    if (es->fb->n == 0)
        return 0;
    es->matches++;
    st = es->fn(es->user, ev, es->fb);
    if (st != VIGIL_OK) {
        es->st = st;
        return 1;
    }
    return 0;
}

vigil_status vigil_event_scan_match_event(vigil_event_scan *es, const vigil_event *ev,
                                          vigil_findings *fb, uint64_t *matches)
{
    vigil_status st;
    size_t before;

    if (es == NULL || ev == NULL || fb == NULL)
        return VIGIL_ERR_INVALID_ARG;
    es->fb = fb;
    es->st = VIGIL_OK;
    before = fb->n;
    st = vigil_sigma_matcher_match(es->matcher, ev, on_match, es, NULL);
    if (es->st != VIGIL_OK)
        return es->st;
    if (st == VIGIL_OK && fb->n > before && matches != NULL)
        (*matches)++;
    return st;
}

vigil_status vigil_event_scan_run(vigil_event_scan *es, const char *path, const void *data,
                                  size_t len, vigil_findings *fb, vigil_event_scan_report_fn fn,
                                  void *user, uint64_t *events, uint64_t *matches)
{
    vigil_status st;

    if (es == NULL || path == NULL || fb == NULL || fn == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    es->fb = fb;
    es->fn = fn;
    es->user = user;
    es->st = VIGIL_OK;
    es->events = es->matches = 0;
    if (vigil_evtx_is_evtx(data, len) || vigil_evtx_is_headless(data, len))
        st = vigil_evtx_parse_buffer(es->evtx, path, data, len);
    else
        st = vigil_sigma_json_events(path, data, len, on_event, es, forward_diag, es);
    if (events != NULL)
        *events += es->events;
    if (matches != NULL)
        *matches += es->matches;
    vigil_findings_reset(fb);
    if (es->st != VIGIL_OK)
        return es->st;
    /* damaged logs were reported as diagnostics; the sweep goes on */
    if (st == VIGIL_ERR_CORRUPT || st == VIGIL_ERR_PARSE || st == VIGIL_ERR_LIMIT)
        return VIGIL_OK;
    return st;
}
