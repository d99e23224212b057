/* test_sigma_scope.c - logsource scoping, filters, correlations, JSON events.
 *
 * Why together: these all need more than one rule or event: the mapping
 * table decides which events a rule sees (with 4688 field renames), meta
 * filters suppress matches of the rules they name, and correlations group
 * matches over time. Fixtures are written to a temporary directory. */
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "vigil/vigil.h"

static char tmpdir[] = "/tmp/vigil-sigma-XXXXXX";
static char mapping[256];

static void on_diag(const vigil_diag *d, void *user)
{
    (void)d;
    (void)user;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
}

static vigil_sigma_ruleset *load(const char *yaml, const char *map)
{
    vigil_sigma_options o = {.on_diag = on_diag, .mapping_path = map};
    vigil_sigma_builder *b = NULL;
    vigil_sigma_ruleset *rs = NULL;
    if (vigil_sigma_builder_create(&o, &b) != VIGIL_OK)
        return NULL;
    vigil_sigma_builder_add_string(b, "t.yml", yaml, strlen(yaml));
    vigil_sigma_builder_build(b, &rs);
    vigil_sigma_builder_destroy(b);
    return rs;
}

typedef struct collect {
    char ids[16][64];
    int n;
    vigil_sigma_correlator *corr;
} collect;

static int on_match(const vigil_sigma_match *m, void *user)
{
    collect *c = user;
    if (c->n < 16)
        snprintf(c->ids[c->n++], 64, "%s", m->rule->id ? m->rule->id : "?");
    if (c->corr != NULL)
        vigil_sigma_correlator_feed(c->corr, m);
    return 0;
}

static int match_kv(vigil_sigma_ruleset *rs, const char *const *kv, collect *c)
{
    vigil_field f[32];
    size_t n = 0;
    for (; kv[2 * n] != NULL && n < 32; n++) {
        f[n].name = kv[2 * n];
        f[n].name_len = strlen(kv[2 * n]);
        f[n].value = kv[2 * n + 1];
        f[n].value_len = strlen(kv[2 * n + 1]);
        f[n].is_null = 0;
    }
    vigil_event ev = {.fields = f, .nfields = n};
    vigil_sigma_matcher *m = NULL;
    size_t cnt = 0;
    if (rs == NULL || vigil_sigma_matcher_create(rs, &m) != VIGIL_OK)
        return -1;
    vigil_sigma_matcher_match(m, &ev, on_match, c, &cnt);
    vigil_sigma_matcher_destroy(m);
    return (int)cnt;
}

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *PROC_RULE =
    "title: proc\nid: p1\nlogsource:\n  product: windows\n  category: process_creation\n"
    "detection:\n  sel:\n    Image|endswith: '\\evil.exe'\n    ParentImage|endswith: '\\cmd.exe'\n"
    "  condition: sel\n";

static void test_scope_process_creation(void)
{
    vigil_sigma_ruleset *rs = load(PROC_RULE, mapping);
    collect c = {0};
    CHECK(rs != NULL);
    /* Sysmon 1 */
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                             "Image", "C:\\evil.exe", "ParentImage", "C:\\cmd.exe"),
                          &c),
                 1);
    /* Sysmon 3 with the same fields: out of scope */
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "3",
                             "Image", "C:\\evil.exe", "ParentImage", "C:\\cmd.exe"),
                          &c),
                 0);
    /* Security 4688 with its own field names */
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Security", "EventID", "4688", "NewProcessName",
                             "C:\\evil.exe", "ParentProcessName", "C:\\cmd.exe"),
                          &c),
                 1);
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Security", "EventID", "4624", "NewProcessName",
                             "C:\\evil.exe", "ParentProcessName", "C:\\cmd.exe"),
                          &c),
                 0);
    /* no Channel: a Windows rule does not see it... */
    CHECK_EQ_INT(match_kv(rs, EV("Image", "C:\\evil.exe", "ParentImage", "C:\\cmd.exe"), &c), 0);
    vigil_sigma_ruleset_destroy(rs);
    /* ...but without a mapping every rule sees every event */
    rs = load(PROC_RULE, NULL);
    CHECK_EQ_INT(match_kv(rs, EV("Image", "C:\\evil.exe", "ParentImage", "C:\\cmd.exe"), &c), 1);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_scope_services(void)
{
    const char *y = "title: sec\nid: s1\nlogsource:\n  product: windows\n  service: security\n"
                    "detection:\n  sel:\n    EventID: 4624\n  condition: sel\n---\n"
                    "title: ps\nid: s2\nlogsource:\n  product: windows\n  category: ps_script\n"
                    "detection:\n  sel:\n    ScriptBlockText|contains: 'iex'\n  condition: sel\n"
                    "---\ntitle: lin\nid: s3\nlogsource:\n  product: linux\n  service: auth\n"
                    "detection:\n  kw:\n    - 'Accepted password'\n  condition: kw\n";
    vigil_sigma_ruleset *rs = load(y, mapping);
    collect c = {0};
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "4624"), &c), 1);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "System", "EventID", "4624"), &c), 0);
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-PowerShell/Operational", "EventID",
                             "4104", "ScriptBlockText", "IEX (x)"),
                          &c),
                 1);
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-PowerShell/Operational", "EventID",
                             "4103", "ScriptBlockText", "IEX (x)"),
                          &c),
                 0);
    /* linux rule: only events without a Channel */
    CHECK_EQ_INT(match_kv(rs, EV("message", "Accepted password for root"), &c), 1);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "message", "Accepted password"), &c), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_filters(void)
{
    const char *y =
        "title: proc\nid: p1\nlogsource:\n  product: windows\n"
        "detection:\n  sel:\n    Image|endswith: '\\rar.exe'\n  condition: sel\n---\n"
        "title: allow admins\nlogsource:\n  product: windows\nfilter:\n  rules:\n"
        "    - p1\n  selection:\n    User|startswith: 'adm_'\n  condition: not selection\n";
    vigil_sigma_ruleset *rs = load(y, NULL);
    vigil_sigma_counts cn;
    vigil_sigma_ruleset_get_counts(rs, &cn);
    CHECK_EQ_INT(cn.rules, 1);
    CHECK_EQ_INT(cn.filters, 1);
    collect c = {0};
    CHECK_EQ_INT(match_kv(rs, EV("Image", "C:\\rar.exe", "User", "bob"), &c), 1);
    CHECK_EQ_INT(match_kv(rs, EV("Image", "C:\\rar.exe", "User", "adm_bob"), &c), 0);
    vigil_sigma_ruleset_destroy(rs);

    /* `rules: any` reaches every rule its logsource covers; several filters
     * all apply; a filter for another product leaves the rule alone */
    const char *y2 = "title: proc\nid: p1\nlogsource:\n  product: windows\n  category: "
                     "process_creation\ndetection:\n  sel:\n    Image|endswith: '\\rar.exe'\n"
                     "  condition: sel\n---\n"
                     "title: jump host\nlogsource:\n  product: windows\nfilter:\n  rules: any\n"
                     "  host:\n    Computer: JUMP01\n  condition: not host\n---\n"
                     "title: admins\nlogsource:\n  product: windows\nfilter:\n  rules:\n    - p1\n"
                     "  adm:\n    User|startswith: 'adm_'\n  condition: not adm\n---\n"
                     "title: linux only\nlogsource:\n  product: linux\nfilter:\n  rules: any\n"
                     "  sel:\n    Image|contains: 'rar'\n  condition: not sel\n";
    rs = load(y2, NULL);
    vigil_sigma_ruleset_get_counts(rs, &cn);
    CHECK_EQ_INT(cn.filters, 3);
    CHECK_EQ_INT(match_kv(rs, EV("Image", "C:\\rar.exe", "Computer", "WS1", "User", "bob"), &c), 1);
    CHECK_EQ_INT(match_kv(rs, EV("Image", "C:\\rar.exe", "Computer", "JUMP01", "User", "bob"), &c),
                 0);
    CHECK_EQ_INT(match_kv(rs, EV("Image", "C:\\rar.exe", "Computer", "WS1", "User", "adm_x"), &c),
                 0);
    vigil_sigma_ruleset_destroy(rs);
}

typedef struct corr_out {
    char lines[16][256];
    int n;
} corr_out;

static int on_corr(const vigil_sigma_corr_result *r, void *user)
{
    corr_out *o = user;
    if (o->n >= 16)
        return 0;
    char *p = o->lines[o->n++];
    size_t cap = 256;
    int w = snprintf(p, cap, "%s count=%llu", r->rule->id ? r->rule->id : "?",
                     (unsigned long long)r->count);
    for (size_t i = 0; i < r->ngroup && w > 0 && (size_t)w < cap; i++)
        w += snprintf(p + w, cap - (size_t)w, " %s=%s", r->group_fields[i],
                      r->group_values[i] ? r->group_values[i] : "");
    w += snprintf(p + w, cap - (size_t)w, " events=");
    for (size_t i = 0; i < r->nevents && w > 0 && (size_t)w < cap; i++)
        w += snprintf(p + w, cap - (size_t)w, "%s%llu", i ? "," : "",
                      (unsigned long long)r->events[i].record_id);
    return 0;
}

/* Feeds events (time, record id, fields...) through matcher and correlator. */
static void run_corr(vigil_sigma_ruleset *rs, const char *const *const *events, size_t nev,
                     corr_out *out)
{
    vigil_sigma_matcher *m = NULL;
    collect c = {0};
    CHECK_EQ_INT(vigil_sigma_correlator_create(rs, &c.corr), VIGIL_OK);
    CHECK(c.corr != NULL);
    CHECK_EQ_INT(vigil_sigma_matcher_create(rs, &m), VIGIL_OK);
    for (size_t e = 0; e < nev && m != NULL; e++) {
        vigil_field f[16];
        size_t n = 0;
        const char *const *kv = events[e];
        for (; kv[2 * n] != NULL && n < 16; n++) {
            f[n].name = kv[2 * n];
            f[n].name_len = strlen(kv[2 * n]);
            f[n].value = kv[2 * n + 1];
            f[n].value_len = strlen(kv[2 * n + 1]);
            f[n].is_null = 0;
        }
        vigil_event ev = {.fields = f, .nfields = n, .record_id = 100 + e};
        vigil_sigma_matcher_match(m, &ev, on_match, &c, NULL);
    }
    CHECK_EQ_INT(vigil_sigma_correlator_finish(c.corr, on_corr, out), VIGIL_OK);
    vigil_sigma_correlator_destroy(c.corr);
    vigil_sigma_matcher_destroy(m);
}

static const char *LOGON = "title: logon\nid: base1\nname: net_logon\nlogsource:\n"
                           "  product: windows\n  service: security\ndetection:\n  sel:\n"
                           "    EventID: 4624\n    LogonType: 3\n  condition: sel\n";

static void test_event_count(void)
{
    char y[2048];
    snprintf(y, sizeof y,
             "%s---\ntitle: many\nid: c1\ncorrelation:\n  type: event_count\n  rules:\n"
             "    - net_logon\n  group-by:\n    - TargetUserName\n  timespan: 10m\n"
             "  condition:\n    gte: 3\nlevel: high\n",
             LOGON);
    vigil_sigma_ruleset *rs = load(y, mapping);
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
#define LG(t, u, h)                                                                                \
    EV("Channel", "Security", "EventID", "4624", "LogonType", "3", "TimeCreated", t,               \
       "TargetUserName", u, "Computer", h)
    const char *const *evs[] = {
        LG("2024-01-01T10:00:00Z", "alice", "h1"), LG("2024-01-01T10:01:00Z", "bob", "h1"),
        LG("2024-01-01T10:02:00Z", "alice", "h2"), LG("2024-01-01T10:09:00Z", "alice", "h3"),
        LG("2024-01-01T10:30:00Z", "bob", "h2"),   LG("2024-01-01T10:31:00Z", "bob", "h3"),
    };
    corr_out out = {0};
    run_corr(rs, evs, sizeof evs / sizeof evs[0], &out);
    CHECK_EQ_INT(out.n, 1);
    CHECK_EQ_STR(out.lines[0], "c1 count=3 TargetUserName=alice events=100,102,103");
    vigil_sigma_ruleset_destroy(rs);

    /* value_count: one account on many hosts (the MSP pattern) */
    snprintf(y, sizeof y,
             "%s---\ntitle: spread\nid: c2\ncorrelation:\n  type: value_count\n  rules:\n"
             "    - base1\n  group-by:\n    - TargetUserName\n  timespan: 1h\n"
             "  condition:\n    field: Computer\n    gte: 2\n",
             LOGON);
    rs = load(y, mapping);
    memset(&out, 0, sizeof out);
    run_corr(rs, evs, sizeof evs / sizeof evs[0], &out);
    CHECK_EQ_INT(out.n, 2);
    CHECK_EQ_STR(out.lines[0], "c2 count=3 TargetUserName=alice events=100,102,103");
    CHECK_EQ_STR(out.lines[1], "c2 count=3 TargetUserName=bob events=101,104,105");
    vigil_sigma_ruleset_destroy(rs);
}

static void test_temporal(void)
{
    const char *y =
        "title: a\nid: ra\nname: rule_a\ndetection:\n  s:\n    Cmd: whoami\n  condition: s\n---\n"
        "title: b\nid: rb\nname: rule_b\ndetection:\n  s:\n    Cmd: net\n  condition: s\n---\n"
        "title: t\nid: t1\ncorrelation:\n  type: temporal\n  rules: [rule_a, rule_b]\n"
        "  group-by: [User]\n  timespan: 5m\n---\n"
        "title: to\nid: t2\ncorrelation:\n  type: temporal_ordered\n  rules: [rule_a, rule_b]\n"
        "  group-by: [User]\n  timespan: 5m\n";
    vigil_sigma_ruleset *rs = load(y, NULL);
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
#define CE(t, u, c) EV("TimeCreated", t, "User", u, "Cmd", c)
    const char *const *evs[] = {
        CE("2024-01-01 10:00:00", "u1", "net"),    /* 100: b before a */
        CE("2024-01-01 10:01:00", "u1", "whoami"), /* 101 */
        CE("2024-01-01 10:00:00", "u2", "whoami"), /* 102 */
        CE("2024-01-01 10:02:00", "u2", "net"),    /* 103 */
        CE("2024-01-01 11:00:00", "u3", "whoami"), /* 104 */
        CE("2024-01-01 11:10:00", "u3", "net"),    /* 105: too late */
    };
    corr_out out = {0};
    run_corr(rs, evs, sizeof evs / sizeof evs[0], &out);
    CHECK_EQ_INT(out.n, 3);
    CHECK_EQ_STR(out.lines[0], "t1 count=2 User=u1 events=100,101");
    CHECK_EQ_STR(out.lines[1], "t1 count=2 User=u2 events=102,103");
    CHECK_EQ_STR(out.lines[2], "t2 count=2 User=u2 events=102,103");
    /* the base rules are used by correlations only */
    CHECK_EQ_INT(vigil_sigma_ruleset_rule(rs, 0)->correlation_only, 1);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_chained(void)
{
    char y[2048];
    snprintf(y, sizeof y,
             "%s---\ntitle: fail\nid: f0\nname: failed\nlogsource:\n  product: windows\n"
             "  service: security\ndetection:\n  s:\n    EventID: 4625\n  condition: s\n---\n"
             "title: many failed\nid: m1\nname: many_failed\ncorrelation:\n  type: event_count\n"
             "  rules: [failed]\n  group-by: [TargetUserName]\n  timespan: 10m\n"
             "  condition:\n    gte: 2\n---\n"
             "title: brute then success\nid: m2\ncorrelation:\n  type: temporal_ordered\n"
             "  rules: [many_failed, net_logon]\n  group-by: [TargetUserName]\n  timespan: 10m\n",
             LOGON);
    vigil_sigma_ruleset *rs = load(y, mapping);
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
#define FL(t, u) EV("Channel", "Security", "EventID", "4625", "TimeCreated", t, "TargetUserName", u)
    const char *const *evs[] = {
        FL("2024-01-01T10:00:00Z", "eve"),       FL("2024-01-01T10:01:00Z", "eve"),
        LG("2024-01-01T10:03:00Z", "eve", "h1"), FL("2024-01-01T10:00:00Z", "joe"),
        LG("2024-01-01T10:03:00Z", "joe", "h1"),
    };
    corr_out out = {0};
    run_corr(rs, evs, sizeof evs / sizeof evs[0], &out);
    CHECK_EQ_INT(out.n, 2);
    CHECK_EQ_STR(out.lines[0], "m1 count=2 TargetUserName=eve events=100,101");
    CHECK_EQ_STR(out.lines[1], "m2 count=2 TargetUserName=eve events=101,102");
    vigil_sigma_ruleset_destroy(rs);
    /* a reference to nothing refuses the correlation */
    rs = load("title: x\nid: x\ncorrelation:\n  type: temporal\n  rules: [nope]\n"
              "  group-by: [a]\n  timespan: 1m\n",
              NULL);
    CHECK(rs == NULL);
}

typedef struct jctx {
    int n;
    char got[1024];
} jctx;

static int on_json_event(const vigil_event *ev, void *user)
{
    jctx *j = user;
    if (j->n++ > 0)
        return 0;
    size_t w = 0;
    for (size_t i = 0; i < ev->nfields && w < sizeof j->got; i++)
        w += (size_t)snprintf(j->got + w, sizeof j->got - w, "%s=%s%s;", ev->fields[i].name,
                              ev->fields[i].value, ev->fields[i].is_null ? "(null)" : "");
    snprintf(j->got + (w < sizeof j->got ? w : sizeof j->got - 1),
             sizeof j->got - (w < sizeof j->got ? w : sizeof j->got - 1), "rid=%llu",
             (unsigned long long)ev->record_id);
    return 0;
}

static void test_json_events(void)
{
    const char *t =
        "{\"Event\":{\"#attributes\":{\"xmlns\":\"x\"},\"System\":{\"Provider\":{\"#attributes\":"
        "{\"Name\":\"P\"}},\"EventID\":{\"#text\":4624,\"#attributes\":{\"Qualifiers\":\"\"}},"
        "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2024-01-01T00:00:00Z\"}},"
        "\"EventRecordID\":42,\"Correlation\":null,\"Channel\":\"Security\"},"
        "\"EventData\":{\"A\":\"1\",\"B\":[\"x\",\"y\"]}}}\n"
        "{\"flat\":true,\"n\":1.5}\n";
    jctx j = {0};
    CHECK_EQ_INT(vigil_sigma_json_events("t.json", t, strlen(t), on_json_event, &j, NULL, NULL),
                 VIGIL_OK);
    CHECK_EQ_INT(j.n, 2);
    CHECK_EQ_STR(j.got, "Provider_Name=P;EventID=4624;EventID_Qualifiers=;TimeCreated_SystemTime="
                        "2024-01-01T00:00:00Z;EventRecordID=42;Correlation=(null);Channel="
                        "Security;A=1;B=x, y;TimeCreated=2024-01-01T00:00:00Z;rid=42");
    /* pretty-printed objects back to back, then garbage */
    const char *t2 = "{\n \"a\": 1\n}\n{\n \"a\": 2\n}\n{ bad";
    jctx k = {0};
    CHECK_EQ_INT(vigil_sigma_json_events("t2.json", t2, strlen(t2), on_json_event, &k, NULL, NULL),
                 VIGIL_ERR_PARSE);
    CHECK_EQ_INT(k.n, 2);
    int64_t ms = 0;
    CHECK_EQ_INT(vigil_sigma_parse_time("2024-01-01T01:00:00.250+01:00", &ms), 0);
    CHECK_EQ_INT(ms, 1704067200250LL);
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    snprintf(mapping, sizeof mapping, "%s/map.yml", tmpdir);
    write_file(mapping,
               "products: [windows]\nunmapped: all\nlogsources:\n"
               "  - product: windows\n    category: process_creation\n    sources:\n"
               "      - channel: Microsoft-Windows-Sysmon/Operational\n        eventid: [1]\n"
               "      - channel: Security\n        eventid: [4688]\n        fields:\n"
               "          Image: NewProcessName\n          ParentImage: ParentProcessName\n"
               "  - product: windows\n    service: security\n    sources:\n"
               "      - channel: Security\n"
               "  - product: windows\n    category: ps_script\n    sources:\n"
               "      - channel: Microsoft-Windows-PowerShell/Operational\n"
               "        eventid: [4104]\n");
    TEST_RUN(test_scope_process_creation);
    TEST_RUN(test_scope_services);
    TEST_RUN(test_filters);
    TEST_RUN(test_event_count);
    TEST_RUN(test_temporal);
    TEST_RUN(test_chained);
    TEST_RUN(test_json_events);
    remove(mapping);
    rmdir(tmpdir);
    return TEST_END();
}
