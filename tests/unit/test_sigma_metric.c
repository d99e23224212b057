/* test_sigma_metric.c - the metric correlations value_sum, value_avg and
 * value_percentile (Sigma correlation specification 2.1).
 *
 * Why a file of their own: each runs one of the specification's examples
 * (its rule, field names and threshold) over events built to fall just
 * over and just under the threshold, so the exact groups reported and the
 * value tested (sum, mean, share in percent) are asserted. */
#include <stdio.h>

#include "test.h"
#include "vigil/vigil.h"

static char last_diag[512];

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    snprintf(last_diag, sizeof last_diag, "%s", d->message);
}

static vigil_sigma_ruleset *load(const char *yaml)
{
    vigil_sigma_options o = {.on_diag = on_diag};
    vigil_sigma_builder *b = NULL;
    vigil_sigma_ruleset *rs = NULL;
    last_diag[0] = '\0';
    if (vigil_sigma_builder_create(&o, &b) != VIGIL_OK)
        return NULL;
    vigil_sigma_builder_add_string(b, "t.yml", yaml, strlen(yaml));
    vigil_sigma_builder_build(b, &rs);
    vigil_sigma_builder_destroy(b);
    return rs;
}

typedef struct corr_out {
    char lines[8][256];
    int n;
} corr_out;

static int on_corr(const vigil_sigma_corr_result *r, void *user)
{
    corr_out *o = user;
    if (o->n >= 8)
        return 0;
    char *p = o->lines[o->n++];
    size_t cap = 256;
    int w = snprintf(p, cap, "%s value=%.2f count=%llu", r->rule->id ? r->rule->id : "?", r->value,
                     (unsigned long long)r->count);
    for (size_t i = 0; i < r->ngroup && w > 0 && (size_t)w < cap; i++)
        w += snprintf(p + w, cap - (size_t)w, " %s=%s", r->group_fields[i],
                      r->group_values[i] ? r->group_values[i] : "");
    if (w > 0 && (size_t)w < cap)
        snprintf(p + w, cap - (size_t)w, " events=%zu", r->nevents);
    return 0;
}

static int on_match(const vigil_sigma_match *m, void *user)
{
    vigil_sigma_correlator_feed(user, m);
    return 0;
}

typedef struct run {
    vigil_sigma_matcher *m;
    vigil_sigma_correlator *c;
    uint64_t rid;
} run;

static void run_start(run *r, vigil_sigma_ruleset *rs)
{
    memset(r, 0, sizeof *r);
    CHECK_EQ_INT(vigil_sigma_correlator_create(rs, &r->c), VIGIL_OK);
    CHECK(r->c != NULL);
    CHECK_EQ_INT(vigil_sigma_matcher_create(rs, &r->m), VIGIL_OK);
}

/* One event: name, value pairs ending in NULL. */
static void run_event(run *r, const char *const *kv)
{
    vigil_field f[16];
    size_t n = 0;
    for (; kv[2 * n] != NULL && n < 16; n++) {
        f[n].name = kv[2 * n];
        f[n].name_len = strlen(kv[2 * n]);
        f[n].value = kv[2 * n + 1];
        f[n].value_len = strlen(kv[2 * n + 1]);
        f[n].is_null = 0;
    }
    vigil_event ev = {.fields = f, .nfields = n, .record_id = ++r->rid};
    if (r->m != NULL)
        vigil_sigma_matcher_match(r->m, &ev, on_match, r->c, NULL);
}

static void run_finish(run *r, corr_out *out)
{
    memset(out, 0, sizeof *out);
    CHECK_EQ_INT(vigil_sigma_correlator_finish(r->c, on_corr, out), VIGIL_OK);
    vigil_sigma_correlator_destroy(r->c);
    vigil_sigma_matcher_destroy(r->m);
}

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The specification's "Possible Exfiltration to Website" example. */
static void test_value_sum(void)
{
    vigil_sigma_ruleset *rs =
        load("title: web\nid: w1\nname: website_access\ndetection:\n  s:\n    Action: upload\n"
             "  condition: s\n---\n"
             "title: Possible Exfiltration to Website\nid: vs\ncorrelation:\n"
             "  type: value_sum\n  rules:\n    - website_access\n"
             "  group-by:\n    - SourceIP\n    - User\n  timespan: 1h\n"
             "  condition:\n    field: bytes_sent\n    gt: 1000000\n");
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
#define UP(t, ip, u, b)                                                                            \
    EV("Action", "upload", "TimeCreated", t, "SourceIP", ip, "User", u, "bytes_sent", b)
    run r;
    run_start(&r, rs);
    /* alice: 400000 + 500000 + 200000 in 40 minutes, over the limit */
    run_event(&r, UP("2024-01-01T10:00:00Z", "10.0.0.1", "alice", "400000"));
    run_event(&r, UP("2024-01-01T10:20:00Z", "10.0.0.1", "alice", "500000"));
    run_event(&r, UP("2024-01-01T10:40:00Z", "10.0.0.1", "alice", "200000"));
    /* bob: exactly 1000000 (not greater), a non-number does not count */
    run_event(&r, UP("2024-01-01T10:00:00Z", "10.0.0.2", "bob", "600000"));
    run_event(&r, UP("2024-01-01T10:10:00Z", "10.0.0.2", "bob", "400000"));
    run_event(&r, UP("2024-01-01T10:15:00Z", "10.0.0.2", "bob", "n/a"));
    /* carol: over the limit, but two hours apart */
    run_event(&r, UP("2024-01-01T10:00:00Z", "10.0.0.3", "carol", "900000"));
    run_event(&r, UP("2024-01-01T12:00:00Z", "10.0.0.3", "carol", "900000"));
    corr_out out;
    run_finish(&r, &out);
    CHECK_EQ_INT(out.n, 1);
    CHECK_EQ_STR(out.lines[0], "vs value=1100000.00 count=3 SourceIP=10.0.0.1 User=alice events=3");
    vigil_sigma_ruleset_destroy(rs);
}

/* The specification's "Suspicious average network traffic" example. */
static void test_value_avg(void)
{
    vigil_sigma_ruleset *rs =
        load("title: conn\nid: rule_a_id\ndetection:\n  s:\n    EventID: 3\n  condition: s\n---\n"
             "title: Suspicious average network traffic\nid: va\ncorrelation:\n"
             "  type: value_avg\n  rules:\n    - rule_a_id\n"
             "  group-by:\n    - SourceIP\n    - User\n  timespan: 24h\n"
             "  condition:\n    field: BytesOut\n    gt: 500\n");
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
#define CN(t, ip, b)                                                                               \
    EV("EventID", "3", "TimeCreated", t, "SourceIP", ip, "User", "u", "BytesOut", b)
    run r;
    run_start(&r, rs);
    run_event(&r, CN("2024-01-01T01:00:00Z", "10.0.0.1", "400"));
    run_event(&r, CN("2024-01-01T05:00:00Z", "10.0.0.1", "700"));
    run_event(&r, CN("2024-01-01T09:00:00Z", "10.0.0.1", "800.5"));
    /* mean exactly 500: not greater */
    run_event(&r, CN("2024-01-01T01:00:00Z", "10.0.0.2", "100"));
    run_event(&r, CN("2024-01-01T02:00:00Z", "10.0.0.2", "900"));
    /* a big value a day and more later is a window of its own */
    run_event(&r, CN("2024-01-01T01:00:00Z", "10.0.0.3", "100"));
    run_event(&r, CN("2024-01-02T02:00:00Z", "10.0.0.3", "501"));
    corr_out out;
    run_finish(&r, &out);
    CHECK_EQ_INT(out.n, 2);
    CHECK_EQ_STR(out.lines[0], "va value=633.50 count=3 SourceIP=10.0.0.1 User=u events=3");
    CHECK_EQ_STR(out.lines[1], "va value=501.00 count=1 SourceIP=10.0.0.3 User=u events=1");
    vigil_sigma_ruleset_destroy(rs);
}

/* The specification's example: a process name a computer ran in 24 hours
 * no more than 1% of the time. */
static void test_value_percentile(void)
{
    vigil_sigma_ruleset *rs =
        load("title: proc\nid: p1\nname: process_creation\ndetection:\n  s:\n    EventID: 1\n"
             "  condition: s\n---\n"
             "title: A computer spawned a processes name in the last 24h than 1% of all the "
             "processes.\nid: vp\ncorrelation:\n  type: value_percentile\n"
             "  rules:\n    - process_creation\n  group-by:\n    - ComputerName\n"
             "  timespan: 24h\n  condition:\n    field: Image\n    lte: 1\n");
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
    run r;
    run_start(&r, rs);
    char t[32];
    /* ws1: 99 svchost and 1 rare.exe (1%); ws2: 49 svchost, 1 rare.exe (2%) */
    for (int i = 0; i < 100; i++) {
        snprintf(t, sizeof t, "2024-01-01T10:%02d:%02dZ", i / 60, i % 60);
        run_event(&r, EV("EventID", "1", "TimeCreated", t, "ComputerName", "ws1", "Image",
                         i == 50 ? "C:\\rare.exe" : "C:\\Windows\\svchost.exe"));
        if (i < 50)
            run_event(&r, EV("EventID", "1", "TimeCreated", t, "ComputerName", "ws2", "Image",
                             i == 20 ? "C:\\rare.exe" : "C:\\Windows\\svchost.exe"));
    }
    corr_out out;
    run_finish(&r, &out);
    CHECK_EQ_INT(out.n, 1);
    CHECK_EQ_STR(out.lines[0], "vp value=1.00 count=100 ComputerName=ws1 events=100");
    vigil_sigma_ruleset_destroy(rs);

    /* gte: a value that makes up most of the events (the median's side) */
    rs = load("title: proc\nid: p1\nname: process_creation\ndetection:\n  s:\n    EventID: 1\n"
              "  condition: s\n---\ntitle: mostly one\nid: vq\ncorrelation:\n"
              "  type: value_percentile\n  rules: [process_creation]\n"
              "  group-by: [ComputerName]\n  timespan: 1h\n"
              "  condition:\n    field: Image\n    gte: 75\n");
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
    run_start(&r, rs);
    run_event(&r, EV("EventID", "1", "TimeCreated", "2024-01-01T10:00:00Z", "ComputerName", "a",
                     "Image", "x.exe"));
    run_event(&r, EV("EventID", "1", "TimeCreated", "2024-01-01T10:01:00Z", "ComputerName", "a",
                     "Image", "y.exe"));
    for (int i = 0; i < 6; i++)
        run_event(&r, EV("EventID", "1", "TimeCreated", "2024-01-01T10:02:00Z", "ComputerName", "a",
                         "Image", "y.exe"));
    run_finish(&r, &out);
    CHECK_EQ_INT(out.n, 1);
    CHECK_EQ_STR(out.lines[0], "vq value=87.50 count=8 ComputerName=a events=8");
    vigil_sigma_ruleset_destroy(rs);
}

/* A metric correlation without condition.field is refused with a reason. */
static void test_metric_needs_field(void)
{
    vigil_sigma_ruleset *rs =
        load("title: a\nid: a\ndetection:\n  s:\n    X: 1\n  condition: s\n---\n"
             "title: s\nid: s\ncorrelation:\n  type: value_sum\n  rules: [a]\n"
             "  group-by: [U]\n  timespan: 1h\n  condition:\n    gt: 10\n");
    CHECK(rs != NULL);
    CHECK(strstr(last_diag, "value_sum correlation needs condition.field") != NULL);
    if (rs != NULL) {
        vigil_sigma_counts n;
        vigil_sigma_ruleset_get_counts(rs, &n);
        CHECK_EQ_INT(n.correlations, 0);
    }
    vigil_sigma_ruleset_destroy(rs);
}

int main(void)
{
    TEST_RUN(test_value_sum);
    TEST_RUN(test_value_avg);
    TEST_RUN(test_value_percentile);
    TEST_RUN(test_metric_needs_field);
    return TEST_END();
}
