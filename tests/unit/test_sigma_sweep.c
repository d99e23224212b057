/* test_sigma_sweep.c - Sigma through the engine, the scanner and the sweep.
 *
 * Why separate from test_sigma*.c: those test the Sigma engine alone; this
 * tests the wiring: the engine loads *.yml as Sigma, scanners report each
 * matching event of an event log as a result of its own with its fields,
 * one correlator serves every thread of a sweep, and the bundled pack's
 * event fixtures (tests/fixtures/pack/sigma-events.jsonl) give exactly the
 * rule ids they expect. Fixtures are written to a temporary directory. */
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "vigil/vigil.h"

static char tmpdir[] = "/tmp/vigil-sigsweep-XXXXXX";
static char root[1024];

static int ndiag_errors;

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->level == VIGIL_DIAG_ERROR) {
        ndiag_errors++;
        fprintf(stderr, "diag: %s:%llu: %s\n", d->source ? d->source : "-",
                (unsigned long long)d->line, d->message);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
}

static char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ & 7];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* What the results said, as text lines, for exact comparison. */
typedef struct collect {
    char lines[64][512];
    int n;
} collect;

static int on_result(const vigil_target_result *r, void *user)
{
    collect *c = user;
    for (size_t i = 0; i < r->nfindings && c->n < 64; i++) {
        const vigil_finding *f = &r->findings[i];
        char *l = c->lines[c->n++];
        int o = snprintf(l, 512, "%s %s #%llu score %d level %d", vigil_finding_kind_name(f->kind),
                         f->rule_id ? f->rule_id : "-", (unsigned long long)r->record_id, f->score,
                         (int)r->level);
        for (size_t k = 0; k < f->nfields && o < 400; k++)
            o += snprintf(l + o, 512 - (size_t)o, " %s=%s", f->fields[k].name, f->fields[k].value);
        for (size_t k = 0; k < f->nevents && o < 400; k++) {
            const char *src = f->events[k].source ? strrchr(f->events[k].source, '/') : NULL;
            o += snprintf(l + o, 512 - (size_t)o, " %s#%llu", src ? src + 1 : "?",
                          (unsigned long long)f->events[k].record_id);
        }
    }
    return 0;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(a, b);
}

static vigil_engine *engine_from(const char *rules_path, const char *ph)
{
    char map[1200];
    vigil_engine *e = NULL;
    snprintf(map, sizeof map, "%s/data/sigma/logsources.yml", root);
    vigil_engine_options o = {.on_diag = on_diag, .sigma_mapping = map, .sigma_placeholders = ph};
    if (vigil_engine_create(&o, &e) != VIGIL_OK)
        return NULL;
    if (vigil_engine_add_path(e, rules_path, VIGIL_RULES_AUTO) != VIGIL_OK ||
        vigil_engine_freeze(e) != VIGIL_OK) {
        vigil_engine_destroy(e);
        return NULL;
    }
    return e;
}

static const char *const RULES =
    "title: Logon by svc\n"
    "id: 00000000-0000-0000-0000-000000000001\n"
    "level: high\n"
    "tags: [attack.t1078]\n"
    "references: [https://example.invalid/a, https://example.invalid/b]\n"
    "logsource: {product: windows, service: security}\n"
    "detection:\n"
    "  sel:\n"
    "    EventID: 4624\n"
    "    TargetUserName|startswith: svc_\n"
    "  condition: sel\n"
    "---\n"
    "title: Any network logon\n"
    "id: 00000000-0000-0000-0000-000000000002\n"
    "name: net_logon\n"
    "level: low\n"
    "logsource: {product: windows, service: security}\n"
    "detection:\n"
    "  sel:\n"
    "    EventID: 4624\n"
    "    LogonType: 3\n"
    "  condition: sel\n"
    "---\n"
    "title: One account on many hosts\n"
    "id: 00000000-0000-0000-0000-000000000003\n"
    "level: critical\n"
    "correlation:\n"
    "  type: value_count\n"
    "  rules: [net_logon]\n"
    "  group-by: [TargetUserName]\n"
    "  timespan: 1h\n"
    "  condition: {field: Computer, gte: 3}\n";

static void ev(FILE *fp, int rid, const char *user, const char *host, int type, const char *t)
{
    fprintf(fp,
            "{\"Channel\":\"Security\",\"EventID\":4624,\"EventRecordID\":%d,"
            "\"TargetUserName\":\"%s\",\"Computer\":\"%s\",\"LogonType\":%d,"
            "\"TimeCreated\":\"%s\"}\n",
            rid, user, host, type, t);
}

static void test_engine_sigma(void)
{
    write_file(tmp_path("r.yml"), RULES);
    vigil_engine *e = engine_from(tmp_path("r.yml"), NULL);
    CHECK(e != NULL);
    if (e == NULL)
        return;
    vigil_engine_counts c;
    vigil_engine_get_counts(e, &c);
    CHECK_EQ_INT(c.sigma_rules, 3);
    CHECK_EQ_INT(c.sigma_correlations, 1);
    CHECK_EQ_INT(c.files_loaded, 1);
    CHECK_EQ_INT(vigil_sigma_level_score("informational"), 20);
    CHECK_EQ_INT(vigil_sigma_level_score("low"), 40);
    CHECK_EQ_INT(vigil_sigma_level_score("medium"), 60);
    CHECK_EQ_INT(vigil_sigma_level_score("high"), 80);
    CHECK_EQ_INT(vigil_sigma_level_score("critical"), 100);
    CHECK_EQ_INT(vigil_sigma_level_score(NULL), 40);
    vigil_engine_destroy(e);
}

typedef struct listing {
    char text[512];
} listing;

static int list_rule(const vigil_rule_info *r, void *user)
{
    listing *l = user;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s:%s:%d:%d:%d;", vigil_rule_kind_name(r->kind),
             r->name, r->score, (int)r->level, r->is_private);
    return 0;
}

static void test_foreach_lists_sigma(void)
{
    vigil_engine *e = engine_from(tmp_path("r.yml"), NULL);
    listing l = {""};
    CHECK(e != NULL);
    if (e == NULL)
        return;
    CHECK_EQ_INT(vigil_engine_foreach_rule(e, list_rule, &l), VIGIL_OK);
    CHECK_EQ_STR(l.text, "sigma:Logon by svc:80:3:0;sigma:Any network logon:40:1:1;"
                         "sigma:One account on many hosts:100:3:0;");
    vigil_engine_destroy(e);
}

/* Each matching event is its own result, with its fields; the correlation
 * groups events from two files scanned by two threads. */
static void test_sweep_events_and_correlation(void)
{
    FILE *a = fopen(tmp_path("logs/a.jsonl"), "w");
    FILE *b = fopen(tmp_path("logs/b.json"), "w");
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL)
        return;
    ev(a, 11, "svc_backup", "HOST1", 10, "2026-01-01T10:00:00Z"); /* rule 1 only */
    ev(a, 12, "ops", "HOST1", 3, "2026-01-01T10:05:00Z");
    ev(a, 13, "ops", "HOST2", 3, "2026-01-01T10:10:00Z");
    ev(a, 14, "alice", "HOST2", 3, "2026-01-01T10:11:00Z");
    ev(b, 21, "ops", "HOST3", 3, "2026-01-01T10:20:00Z");
    ev(b, 22, "ops", "HOST3", 3, "2026-01-01T12:20:00Z"); /* outside the hour */
    ev(b, 23, "svc_x", "HOST4", 5, "2026-01-01T12:30:00Z");
    fclose(a);
    fclose(b);
    write_file(tmp_path("logs/readme.json"), "{\"name\": \"not events\"}\n");
    vigil_engine *e = engine_from(tmp_path("r.yml"), NULL);
    CHECK(e != NULL);
    if (e == NULL)
        return;
    collect c;
    memset(&c, 0, sizeof c);
    vigil_sweep_options so;
    memset(&so, 0, sizeof so);
    so.threads = 2;
    so.scan.on_result = on_result;
    so.scan.result_user = &c;
    so.scan.on_diag = on_diag;
    vigil_sweep_stats st;
    const char *paths[] = {tmp_path("logs")};
    ndiag_errors = 0;
    CHECK_EQ_INT(vigil_sweep_run(e, paths, 1, &so, &st), VIGIL_OK);
    CHECK_EQ_INT(ndiag_errors, 0);
    CHECK_EQ_INT(st.scan.event_logs, 2);
    CHECK_EQ_INT(st.scan.events, 7);
    CHECK_EQ_INT(st.scan.event_matches, 2);
    qsort(c.lines, (size_t)c.n, sizeof c.lines[0], cmp_line);
    CHECK_EQ_INT(c.n, 3);
    CHECK_EQ_STR(c.lines[0], "correlation 00000000-0000-0000-0000-000000000003 #0 score 100 "
                             "level 3 TargetUserName=ops a.jsonl#12 a.jsonl#13 b.json#21");
    CHECK_EQ_STR(c.lines[1], "sigma 00000000-0000-0000-0000-000000000001 #11 score 80 level 3 "
                             "EventID=4624 TargetUserName=svc_backup");
    CHECK_EQ_STR(c.lines[2], "sigma 00000000-0000-0000-0000-000000000001 #23 score 80 level 3 "
                             "EventID=4624 TargetUserName=svc_x");
    vigil_engine_destroy(e);
}

/* A scanner of one's own finishes its correlations itself; a result
 * carries its event and the other fields. */
static void test_scanner_finish(void)
{
    vigil_engine *e = engine_from(tmp_path("r.yml"), NULL);
    CHECK(e != NULL);
    if (e == NULL)
        return;
    collect c;
    memset(&c, 0, sizeof c);
    vigil_scan_options so;
    memset(&so, 0, sizeof so);
    so.on_result = on_result;
    so.result_user = &c;
    vigil_scanner *s = NULL;
    CHECK_EQ_INT(vigil_scanner_create(e, &so, &s), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_file(s, tmp_path("logs/a.jsonl")), VIGIL_OK);
    CHECK_EQ_INT(c.n, 1);
    CHECK_EQ_INT(vigil_scanner_finish(s), VIGIL_OK);
    CHECK_EQ_INT(c.n, 1); /* two hosts only in a.jsonl: no correlation */
    CHECK_EQ_INT(vigil_scanner_scan_file(s, tmp_path("logs/b.json")), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_file(s, tmp_path("logs/a.jsonl")), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_finish(s), VIGIL_OK);
    CHECK_EQ_INT(c.n, 4);
    CHECK_EQ_INT(vigil_scanner_finish(s), VIGIL_OK); /* fed events were forgotten */
    CHECK_EQ_INT(c.n, 4);
    vigil_scanner_destroy(s);
    vigil_engine_destroy(e);
}

static int ids_result(const vigil_target_result *r, void *user)
{
    json_t *ids = user;
    for (size_t i = 0; i < r->nfindings; i++) {
        const char *id = r->findings[i].rule_id;
        size_t k;
        json_t *v;
        int seen = 0;
        json_array_foreach(ids, k, v) seen |= strcmp(json_string_value(v), id ? id : "-") == 0;
        if (!seen)
            json_array_append_new(ids, json_string(id ? id : "-"));
    }
    return 0;
}

static int cmp_json_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a,b,c" of the sorted strings of a JSON array. */
static void joined(json_t *arr, char *out, size_t cap)
{
    const char *v[64];
    size_t n = 0, i;
    json_t *x;
    json_array_foreach(arr, i, x) if (n < 64) v[n++] = json_string_value(x);
    qsort(v, n, sizeof v[0], cmp_json_str);
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", i ? "," : "", v[i]);
    }
}

static void test_pack_fixture(void)
{
    char path[1200], rules[1200], ph[1200];
    snprintf(path, sizeof path, "%s/tests/fixtures/pack/sigma-events.jsonl", root);
    snprintf(rules, sizeof rules, "%s/rules/cloudhopper/sigma", root);
    snprintf(ph, sizeof ph, "%s/rules/cloudhopper/sigma/placeholders.example", root);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    ndiag_errors = 0;
    vigil_engine *e = engine_from(rules, ph);
    CHECK(e != NULL);
    CHECK_EQ_INT(ndiag_errors, 0);
    char line[65536];
    int cases = 0;
    while (e != NULL && fgets(line, sizeof line, fp) != NULL) {
        json_error_t err;
        json_t *tc = json_loads(line, 0, &err);
        CHECK(tc != NULL);
        if (tc == NULL)
            continue;
        cases++;
        /* the case's events as a JSON Lines log */
        FILE *out = fopen(tmp_path("case.jsonl"), "w");
        size_t i;
        json_t *evv;
        json_array_foreach(json_object_get(tc, "events"), i, evv)
        {
            char *s = json_dumps(evv, JSON_COMPACT);
            fprintf(out, "%s\n", s);
            free(s);
        }
        fclose(out);
        json_t *got = json_array();
        vigil_scan_options so;
        memset(&so, 0, sizeof so);
        so.on_result = ids_result;
        so.result_user = got;
        so.on_diag = on_diag;
        vigil_scanner *s = NULL;
        CHECK_EQ_INT(vigil_scanner_create(e, &so, &s), VIGIL_OK);
        CHECK_EQ_INT(vigil_scanner_scan_file(s, tmp_path("case.jsonl")), VIGIL_OK);
        CHECK_EQ_INT(vigil_scanner_finish(s), VIGIL_OK);
        vigil_scanner_destroy(s);
        char want[2048], have[2048];
        joined(json_object_get(tc, "expect"), want, sizeof want);
        joined(got, have, sizeof have);
        if (strcmp(want, have) != 0)
            fprintf(stderr, "pack case %s\n", json_string_value(json_object_get(tc, "name")));
        CHECK_EQ_STR(have, want);
        json_decref(got);
        json_decref(tc);
    }
    fclose(fp);
    CHECK_EQ_INT(cases, 11);
    CHECK_EQ_INT(ndiag_errors, 0);
    vigil_engine_destroy(e);
}

int main(void)
{
    const char *r = getenv("VIGIL_ROOT");
    snprintf(root, sizeof root, "%s", r != NULL ? r : ".");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    mkdir(tmp_path("logs"), 0700);
    TEST_RUN(test_engine_sigma);
    TEST_RUN(test_foreach_lists_sigma);
    TEST_RUN(test_sweep_events_and_correlation);
    TEST_RUN(test_scanner_finish);
    TEST_RUN(test_pack_fixture);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    return TEST_END();
}
