/* test_sigma_index.c - which rules an event meets, and how fields are found.
 *
 * Why: the index files rules whose detection names their event ids under
 * those ids only, and the matcher finds fields through a per-event hash
 * table; both are shortcuts that must give exactly the answers of a plain
 * walk over every rule and every field. The matcher's counters show that
 * the shortcut was taken (candidates), the matches that it was right. */
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "vigil/vigil.h"

static char tmpdir[] = "/tmp/vigil-sigidx-XXXXXX";
static char mapping[256];

static void on_diag(const vigil_diag *d, void *user)
{
    (void)d;
    (void)user;
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

/* Matches one event; ids gets the matching rule ids in callback order
 * ("a,b"), *cands the candidates the index offered. Returns the count. */
typedef struct result {
    char ids[256];
    int n;
    uint64_t cands;
    uint64_t evals;    /* evaluated after the prefilter */
    const char *field; /* the first matched field "name=value" */
    char fbuf[128];
} result;

static int on_match(const vigil_sigma_match *m, void *user)
{
    result *r = user;
    size_t l = strlen(r->ids);
    snprintf(r->ids + l, sizeof r->ids - l, "%s%s", l ? "," : "", m->rule->id);
    if (r->field == NULL && m->nfields > 0) {
        snprintf(r->fbuf, sizeof r->fbuf, "%s=%s", m->fields[0]->name, m->fields[0]->value);
        r->field = r->fbuf;
    }
    return 0;
}

/* 1: events come with a text holding their values (vigil_event.text),
 * laid out as an EVTX record's are not: last field first, names between */
static int with_text;

/* Matches one event with matcher m (kept across events by the caller). */
static int match_with(vigil_sigma_matcher *m, const char *const *kv, result *r)
{
    vigil_field f[32];
    size_t n = 0;
    memset(r, 0, sizeof *r);
    for (; kv[2 * n] != NULL && n < 32; n++) {
        f[n].name = kv[2 * n];
        f[n].name_len = strlen(kv[2 * n]);
        f[n].value = kv[2 * n + 1];
        f[n].value_len = strlen(kv[2 * n + 1]);
        f[n].is_null = 0;
    }
    vigil_event ev = {.fields = f, .nfields = n};
    static char text[8192];
    size_t tl = 0;
    for (size_t i = n; with_text && i-- > 0;) {
        if (tl + f[i].name_len + f[i].value_len + 2 > sizeof text)
            return -1;
        memcpy(text + tl, f[i].name, f[i].name_len);
        tl += f[i].name_len;
        text[tl++] = 0;
        memcpy(text + tl, f[i].value, f[i].value_len);
        f[i].value = text + tl;
        tl += f[i].value_len;
        text[tl++] = 0;
    }
    if (with_text) {
        ev.text = text;
        ev.text_len = tl;
    }
    size_t cnt = 0;
    vigil_sigma_match_stats st0, st;
    vigil_sigma_matcher_get_stats(m, &st0);
    if (vigil_sigma_matcher_match(m, &ev, on_match, r, &cnt) != VIGIL_OK)
        cnt = (size_t)-1;
    vigil_sigma_matcher_get_stats(m, &st);
    r->cands = st.candidates - st0.candidates;
    r->evals = st.evaluated - st0.evaluated;
    return (int)cnt;
}

static int match_kv(vigil_sigma_ruleset *rs, const char *const *kv, result *r)
{
    vigil_sigma_matcher *m = NULL;
    memset(r, 0, sizeof *r);
    if (rs == NULL || vigil_sigma_matcher_create(rs, &m) != VIGIL_OK)
        return -1;
    int cnt = match_with(m, kv, r);
    vigil_sigma_matcher_destroy(m);
    return cnt;
}

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})
/* a Sysmon process creation (EventID 1) */
#define SYSMON1(img, cli)                                                                          \
    EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1", "Image", img,            \
       "CommandLine", cli)

#define SEC_HEAD "logsource:\n  product: windows\n  service: security\ndetection:\n"

/* `EventID: n` under a whole-channel logsource: filed under n only */
static void test_fold_eventid(void)
{
    const char *y =
        "title: a\nid: a\n" SEC_HEAD "  sel:\n    EventID: 4624\n  condition: sel\n"
        "---\ntitle: b\nid: b\n" SEC_HEAD "  sel:\n    EventID:\n      - 4625\n      - 4771\n"
        "  filter:\n    TargetUserName: svc\n  condition: sel and not filter\n"
        "---\ntitle: c\nid: c\n" SEC_HEAD
        "  s1:\n    EventID: 4624\n  s2:\n    TargetUserName: bob\n"
        "  condition: s1 or s2\n";
    vigil_sigma_ruleset *rs = load(y, mapping);
    result r;
    CHECK(rs != NULL);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "4624"), &r), 2);
    CHECK_EQ_STR(r.ids, "a,c");
    CHECK_EQ_INT(r.cands, 2);
    CHECK_EQ_INT(
        match_kv(rs, EV("Channel", "Security", "EventID", "4771", "TargetUserName", "x"), &r), 1);
    CHECK_EQ_STR(r.ids, "b");
    CHECK_EQ_INT(r.cands, 2);
    CHECK_EQ_INT(
        match_kv(rs, EV("Channel", "Security", "EventID", "4625", "TargetUserName", "svc"), &r), 0);
    /* c is not folded (its condition holds without an EventID) */
    CHECK_EQ_INT(
        match_kv(rs, EV("Channel", "security", "EventID", "4688", "TargetUserName", "bob"), &r), 1);
    CHECK_EQ_STR(r.ids, "c");
    CHECK_EQ_INT(r.cands, 1);
    /* a leading zero still reaches the bucket, but the value differs */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "04624"), &r), 0);
    CHECK_EQ_INT(r.cands, 2);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "x"), &r), 0);
    CHECK_EQ_INT(r.cands, 1);
    vigil_sigma_ruleset_destroy(rs);
}

/* all-of, any-of, |all, numbers that are not exact: what folds and what not */
static void test_fold_shapes(void)
{
    const char *y =
        "title: all\nid: all\n" SEC_HEAD
        "  sel_a:\n    EventID: [1, 2, 3]\n  sel_b:\n    EventID: [3, 4]\n"
        "  condition: all of sel_*\n"
        "---\ntitle: one\nid: one\n" SEC_HEAD "  sel_a:\n    EventID: 5\n  sel_b:\n    EventID: 6\n"
        "  condition: 1 of sel_*\n"
        "---\ntitle: wild\nid: wild\n" SEC_HEAD
        "  sel:\n    EventID|startswith: '7'\n  condition: sel\n"
        "---\ntitle: neg\nid: neg\n" SEC_HEAD "  sel:\n    EventID: 8\n  condition: not sel\n";
    vigil_sigma_ruleset *rs = load(y, mapping);
    result r;
    CHECK(rs != NULL);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "3"), &r), 2);
    CHECK_EQ_STR(r.ids, "all,neg");
    CHECK_EQ_INT(r.cands, 3); /* all, wild, neg */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "1"), &r), 1);
    CHECK_EQ_INT(r.cands, 2); /* wild, neg */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "6"), &r), 2);
    CHECK_EQ_STR(r.ids, "one,neg");
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "77"), &r), 2);
    CHECK_EQ_STR(r.ids, "wild,neg");
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Security", "EventID", "8"), &r), 0);
    vigil_sigma_ruleset_destroy(rs);
}

/* branches with event ids intersect with the rule's; a branch renaming
 * EventID is never folded; rules without a channel fold by id alone */
static void test_fold_branches(void)
{
    const char *y = "title: p\nid: p\nlogsource:\n  product: windows\n  category: "
                    "process_creation\ndetection:\n  sel:\n    EventID: 1\n"
                    "    Image|endswith: '\\x.exe'\n  condition: sel\n"
                    "---\ntitle: r\nid: r\nlogsource:\n  product: windows\n  category: renamed\n"
                    "detection:\n  sel:\n    EventID: 5\n  condition: sel\n"
                    "---\ntitle: u\nid: u\nlogsource:\n  product: windows\n  category: other\n"
                    "detection:\n  sel:\n    EventID: 9\n  condition: sel\n";
    vigil_sigma_ruleset *rs = load(y, mapping);
    result r;
    CHECK(rs != NULL);
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                             "Image", "C:\\x.exe"),
                          &r),
                 1);
    CHECK_EQ_STR(r.ids, "p");
    /* Security 4688 never carries EventID 1: p is not offered */
    CHECK_EQ_INT(
        match_kv(rs, EV("Channel", "Security", "EventID", "4688", "NewProcessName", "C:\\x.exe"),
                 &r),
        0);
    CHECK_EQ_INT(r.cands, 0);
    /* the renamed source reads EventID from Code */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "App", "EventID", "1", "Code", "5"), &r), 1);
    CHECK_EQ_STR(r.ids, "r");
    /* unmapped category: every event, but only with EventID 9 */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Whatever", "EventID", "9"), &r), 1);
    CHECK_EQ_STR(r.ids, "u");
    CHECK_EQ_INT(match_kv(rs, EV("EventID", "9"), &r), 1);
    CHECK_EQ_STR(r.ids, "u");
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "Whatever", "EventID", "10"), &r), 0);
    CHECK_EQ_INT(r.cands, 0);
    vigil_sigma_ruleset_destroy(rs);
    /* without a mapping the same rule is still folded by id */
    rs = load(y, NULL);
    CHECK_EQ_INT(match_kv(rs, EV("EventID", "9"), &r), 1);
    CHECK_EQ_INT(r.cands, 1);
    vigil_sigma_ruleset_destroy(rs);
}

/* rules of several lists report in load order */
static void test_order(void)
{
    const char *y = "title: z\nid: z\n" SEC_HEAD "  sel:\n    TargetUserName: bob\n"
                    "  condition: sel\n"
                    "---\ntitle: y\nid: y\n" SEC_HEAD "  sel:\n    EventID: 4624\n"
                    "  condition: sel\n"
                    "---\ntitle: x\nid: x\nlogsource:\n  product: windows\ndetection:\n"
                    "  sel:\n    TargetUserName: bob\n  condition: sel\n";
    vigil_sigma_ruleset *rs = load(y, mapping);
    result r;
    CHECK_EQ_INT(
        match_kv(rs, EV("Channel", "Security", "EventID", "4624", "TargetUserName", "bob"), &r), 3);
    CHECK_EQ_STR(r.ids, "z,y,x");
    vigil_sigma_ruleset_destroy(rs);
}

/* field names: exact first, then any case, then without spaces */
static void test_field_lookup(void)
{
    const char *y = "title: e\nid: e\nlogsource:\n  product: windows\ndetection:\n"
                    "  sel:\n    Image: b\n  condition: sel\n"
                    "---\ntitle: c\nid: c\nlogsource:\n  product: windows\ndetection:\n"
                    "  sel:\n    IMAGE: a\n  condition: sel\n"
                    "---\ntitle: s\nid: s\nlogsource:\n  product: windows\ndetection:\n"
                    "  sel:\n    SourceName: x\n  condition: sel\n"
                    "---\ntitle: m\nid: m\nlogsource:\n  product: windows\ndetection:\n"
                    "  sel:\n    Missing: null\n  condition: sel\n";
    vigil_sigma_ruleset *rs = load(y, NULL);
    result r;
    CHECK_EQ_INT(match_kv(rs, EV("image", "a", "Image", "b", "Source Name", "x"), &r), 4);
    CHECK_EQ_STR(r.ids, "e,c,s,m");
    CHECK_EQ_STR(r.field, "Image=b");
    /* no exact Image: the first name of any case (IMAGE=b); IMAGE is exact */
    CHECK_EQ_INT(match_kv(rs, EV("IMAGE", "b", "image", "a"), &r), 2);
    CHECK_EQ_STR(r.ids, "e,m");
    vigil_sigma_ruleset_destroy(rs);
    /* many fields: the table grows */
    rs = load(y, NULL);
    CHECK_EQ_INT(
        match_kv(rs,
                 EV("f1", "1", "f2", "2", "f3", "3", "f4", "4", "f5", "5", "f6", "6", "f7", "7",
                    "f8", "8", "f9", "9", "f10", "10", "f11", "11", "f12", "12", "f13", "13", "f14",
                    "14", "f15", "15", "f16", "16", "f17", "17", "Image", "b"),
                 &r),
        2);
    CHECK_EQ_STR(r.ids, "e,m");
    vigil_sigma_ruleset_destroy(rs);
}

/* one matcher over a run of events: the lists looked up for one
 * (Channel, EventID) must not leak into the next event's */
static void test_lookup_sequence(void)
{
    const char *y = "title: i\nid: i\nlogsource:\n  product: windows\n  category: "
                    "process_creation\ndetection:\n  sel:\n    Image|contains: 'evilthing'\n"
                    "  condition: sel\n";
    vigil_sigma_ruleset *rs = load(y, mapping);
    vigil_sigma_matcher *m = NULL;
    CHECK(rs != NULL && vigil_sigma_matcher_create(rs, &m) == VIGIL_OK);
    if (m == NULL) {
        vigil_sigma_ruleset_destroy(rs);
        return;
    }
    static const struct {
        const char *chan, *eid, *name;
        size_t want;
    } seq[] = {
        {"Microsoft-Windows-Sysmon/Operational", "1", "Image", 1},
        {"Microsoft-Windows-Sysmon/Operational", "2", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "1", "Image", 1},
        {"microsoft-windows-sysmon/operational", "1", "Image", 1},
        {"Security", "4688", "NewProcessName", 1},
        {"Security", "4688", "Image", 0},
        {NULL, "1", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "1", "Image", 1},
        /* EventID as strtoll reads it */
        {"Microsoft-Windows-Sysmon/Operational", " 1", "Image", 1},
        {"Microsoft-Windows-Sysmon/Operational", "+1", "Image", 1},
        {"Microsoft-Windows-Sysmon/Operational", "01", "Image", 1},
        {"Microsoft-Windows-Sysmon/Operational", "1x", "Image", 1},
        {"Microsoft-Windows-Sysmon/Operational", "-1", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "100000000000000000001", "Image", 0},
        /* more (channel, event id) pairs than the matcher keeps */
        {"Security", "4624", "Image", 0},
        {"Security", "4625", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "3", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "5", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "7", "Image", 0},
        {"System", "7045", "Image", 0},
        {"Application", "1000", "Image", 0},
        {"Microsoft-Windows-Sysmon/Operational", "11", "Image", 0},
        {"Security", "4688", "NewProcessName", 1},
        {"Microsoft-Windows-Sysmon/Operational", "1", "Image", 1},
    };
    /* twice: the second round finds the pairs looked up in the first */
    for (size_t r = 0; r < 2 * sizeof seq / sizeof seq[0]; r++) {
        size_t i = r % (sizeof seq / sizeof seq[0]);
        vigil_field f[3];
        size_t n = 0;
        if (seq[i].chan != NULL)
            f[n++] = (vigil_field){.name = "Channel",
                                   .name_len = 7,
                                   .value = seq[i].chan,
                                   .value_len = strlen(seq[i].chan)};
        f[n++] = (vigil_field){
            .name = "EventID", .name_len = 7, .value = seq[i].eid, .value_len = strlen(seq[i].eid)};
        f[n++] = (vigil_field){.name = seq[i].name,
                               .name_len = strlen(seq[i].name),
                               .value = "C:\\evilthing.exe",
                               .value_len = 15};
        vigil_event ev = {.fields = f, .nfields = n};
        size_t cnt = 99;
        CHECK(vigil_sigma_matcher_match(m, &ev, NULL, NULL, &cnt) == VIGIL_OK);
        CHECK_EQ_INT((int)cnt, (int)seq[i].want);
    }
    vigil_sigma_matcher_destroy(m);
    vigil_sigma_ruleset_destroy(rs);
}

/* Filler rules, to check the prefilter over lists with more rules than the
 * test's own: n process_creation rules and n unscoped ones, each on a
 * literal no test event holds. */
static void add_fillers(char *buf, size_t cap, const char *head, size_t n)
{
    size_t o = (size_t)snprintf(buf, cap, "%s", head);
    for (size_t i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o,
                              "---\ntitle: fp%zu\nid: fp%zu\nlogsource:\n  product: windows\n"
                              "  category: process_creation\ndetection:\n  sel:\n"
                              "    CommandLine|contains: 'fillerp%zu'\n  condition: sel\n"
                              "---\ntitle: fa%zu\nid: fa%zu\nlogsource:\n  product: windows\n"
                              "detection:\n  sel:\n    Filler|contains: 'fillera%zu'\n"
                              "  condition: sel\n",
                              i, i, i, i, i, i);
}

/* the prefilter scans only the fields rules test (keywords: every field) */
static void test_prefilter_fields(void)
{
    const char *y = "title: i\nid: i\nlogsource:\n  product: windows\n  category: "
                    "process_creation\ndetection:\n  sel:\n    Image|contains: 'evilthing'\n"
                    "  condition: sel\n"
                    "---\ntitle: k\nid: k\nlogsource:\n  product: windows\ndetection:\n"
                    "  keywords:\n    - 'mimikatz'\n  condition: keywords\n"
                    "---\ntitle: s\nid: s\nlogsource:\n  product: windows\ndetection:\n"
                    "  sel:\n    SourceName|contains: 'srcthing'\n  condition: sel\n";
    static char buf[16384];
    add_fillers(buf, sizeof buf, y, 8);
    vigil_sigma_ruleset *rs = load(buf, mapping);
    result r;
    CHECK(rs != NULL);
    /* the literal only in a field no rule names: i is not even evaluated */
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                             "UtcTime", "evilthing", "Image", "C:\\a.exe"),
                          &r),
                 0);
    CHECK_EQ_INT(r.evals, 0);
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                             "UtcTime", "x", "image", "C:\\evilthing.exe"),
                          &r),
                 1);
    CHECK_EQ_STR(r.ids, "i");
    CHECK_EQ_INT(r.evals, 1);
    /* renamed for Security 4688 */
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Security", "EventID", "4688", "NewProcessName",
                             "C:\\evilthing.exe"),
                          &r),
                 1);
    CHECK_EQ_STR(r.ids, "i");
    /* a keyword is found in any field */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Zzz", "run MIMIKATZ now"), &r), 1);
    CHECK_EQ_STR(r.ids, "k");
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Image", "mimikatz.exe"), &r), 1);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Zzz", "nothing"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    /* an EventData name with a space is scanned for the rule's SourceName */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Source Name", "a srcthing"), &r), 1);
    CHECK_EQ_STR(r.ids, "s");
    vigil_sigma_ruleset_destroy(rs);

    /* the same with only the test's rules: a list of two gets its database */
    rs = load(y, mapping);
    CHECK(rs != NULL);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Zzz", "nothing"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Zzz", "run MIMIKATZ now"), &r), 1);
    CHECK_EQ_STR(r.ids, "k");
    vigil_sigma_ruleset_destroy(rs);
}

/* A value met again is answered from the prefilter's memo (per matcher):
 * the answers must be those of a scan, whatever the other fields hold, and
 * a literal in two fields of one event is kept for each of them. */
static void test_prefilter_memo(void)
{
    const char *y =
        "title: a\nid: a\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    ParentImage|endswith: '\\evilparent.exe'\n"
        "    CommandLine|contains: 'badarg'\n  condition: sel\n"
        "---\ntitle: b\nid: b\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    Hashes|contains: 'abcdef12'\n  condition: sel\n"
        "---\ntitle: k\nid: k\nlogsource:\n  product: windows\ndetection:\n"
        "  keywords:\n    - 'mimikatz'\n  condition: keywords\n"
        "---\ntitle: o\nid: o\nlogsource:\n  product: windows\ndetection:\n"
        "  sel:\n    Other|contains: 'otherthing'\n  condition: sel\n";
    static char buf[32768];
    add_fillers(buf, sizeof buf, y, 40);
    vigil_sigma_ruleset *rs = load(buf, mapping);
    vigil_sigma_matcher *m = NULL;
    CHECK(rs != NULL && vigil_sigma_matcher_create(rs, &m) == VIGIL_OK);
    if (m == NULL) {
        vigil_sigma_ruleset_destroy(rs);
        return;
    }
    result r;
#define P1(pimg, cli, hashes)                                                                      \
    EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1", "ParentImage", pimg,     \
       "CommandLine", cli, "Hashes", hashes)
    CHECK_EQ_INT(match_with(m, P1("C:\\evilparent.exe", "x badarg", "SHA1=00"), &r), 1);
    CHECK_EQ_STR(r.ids, "a");
    /* the parent again (kept), another command line: a is not evaluated */
    CHECK_EQ_INT(match_with(m, P1("C:\\evilparent.exe", "benign", "SHA1=00"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    /* the command line again (kept), another parent */
    CHECK_EQ_INT(match_with(m, P1("C:\\good.exe", "x badarg", "SHA1=00"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    /* both kept */
    CHECK_EQ_INT(match_with(m, P1("C:\\evilparent.exe", "x badarg", "SHA1=00"), &r), 1);
    CHECK_EQ_STR(r.ids, "a");
    CHECK_EQ_INT(match_with(m, P1("C:\\good.exe", "x", "SHA1=ABCDEF12"), &r), 1);
    CHECK_EQ_STR(r.ids, "b");
    CHECK_EQ_INT(match_with(m, P1("C:\\good.exe", "y", "SHA1=ABCDEF12"), &r), 1);
    CHECK_EQ_STR(r.ids, "b");
    CHECK_EQ_INT(match_with(m, P1("C:\\good.exe", "y", "SHA1=ABCDEF13"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
#undef P1
    /* a keyword in two tested fields of one event, then one of the values
     * alone: it must have been kept as a hit of both */
    CHECK_EQ_INT(match_with(m, EV("Channel", "X", "Filler", "mimikatz", "Other", "x mimikatz"), &r),
                 1);
    CHECK_EQ_STR(r.ids, "k");
    CHECK_EQ_INT(match_with(m, EV("Channel", "X", "Filler", "zzz", "Other", "x mimikatz"), &r), 1);
    CHECK_EQ_STR(r.ids, "k");
    CHECK_EQ_INT(match_with(m, EV("Channel", "X", "Filler", "mimikatz", "Other", "zzz"), &r), 1);
    CHECK_EQ_STR(r.ids, "k");
    /* the same value under another field name is not the kept one */
    CHECK_EQ_INT(match_with(m, EV("Channel", "X", "Other", "otherthing"), &r), 1);
    CHECK_EQ_STR(r.ids, "o");
    CHECK_EQ_INT(match_with(m, EV("Channel", "X", "Filler", "otherthing"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    /* many values (more than the memo keeps at once), each met twice */
    char v[64];
    int bad = 0;
    for (int i = 0; i < 40000; i++) {
        snprintf(v, sizeof v, "C:\\p%d\\%s", i / 2, i % 10 == 0 ? "evilparent.exe" : "x.exe");
        int want = i % 10 == 0 ? 1 : 0;
        bad += match_with(m,
                          EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                             "ParentImage", v, "CommandLine", "badarg"),
                          &r) != want;
    }
    CHECK_EQ_INT(bad, 0);
    vigil_sigma_matcher_destroy(m);
    vigil_sigma_ruleset_destroy(rs);
}

/* every part of an AND must be present (up to four clauses); OR
 * distributes; NOT adds nothing */
static void prefilter_clauses(size_t nfill)
{
    const char *y =
        "title: and\nid: and\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  img:\n    Image|endswith: '\\tool.exe'\n  cli:\n"
        "    CommandLine|contains: [' -dump', ' -steal']\n  condition: img and cli\n"
        "---\ntitle: or\nid: or\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  a:\n    Image|endswith: '\\alpha.exe'\n    CommandLine|contains: 'one'\n"
        "  b:\n    Image|endswith: '\\beta.exe'\n    CommandLine|contains: 'two'\n"
        "  condition: a or b\n"
        "---\ntitle: not\nid: not\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  a:\n    Image|endswith: '\\gamma.exe'\n  f:\n"
        "    CommandLine|contains: 'benign'\n  condition: a and not f\n"
        "---\ntitle: any\nid: any\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    CommandLine|re: '^zz.*9$'\n  condition: sel\n";
    static char buf[65536];
    add_fillers(buf, sizeof buf, y, nfill);
    vigil_sigma_ruleset *rs = load(buf, mapping);
    result r;
    CHECK(rs != NULL);
    /* one half of the AND: not evaluated */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\tool.exe", "tool.exe -list"), &r), 0);
    CHECK_EQ_INT(r.evals, 1);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\other.exe", "x -dump"), &r), 0);
    CHECK_EQ_INT(r.evals, 1);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\TOOL.EXE", "x -DUMP"), &r), 1);
    CHECK_EQ_STR(r.ids, "and");
    /* (alpha & one) | (beta & two) = (alpha|beta) & (alpha|two) &
     * (one|beta) & (one|two): alpha with two is ruled out */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\alpha.exe", "two"), &r), 0);
    CHECK_EQ_INT(r.evals, 1);
    /* a literal counts only in the field its value tests: \\alpha.exe and
     * one in CommandLine do not make (alpha & one) possible */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\x.exe", "\\alpha.exe one"), &r), 0);
    CHECK_EQ_INT(r.evals, 1);
    /* found in the wrong field first and in the right one later */
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                             "CommandLine", "C:\\tool.exe -dump", "Image", "D:\\TOOL.exe"),
                          &r),
                 1);
    CHECK_EQ_STR(r.ids, "and");
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\beta.exe", "two"), &r), 1);
    CHECK_EQ_STR(r.ids, "or");
    /* the NOT side needs nothing: gamma alone is evaluated */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\gamma.exe", "benign"), &r), 0);
    CHECK_EQ_INT(r.evals, 2);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\gamma.exe", "x"), &r), 1);
    CHECK_EQ_STR(r.ids, "not");
    /* a rule found through its clauses and one always evaluated, in rule order */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\tool.exe", "zz -dump 9"), &r), 2);
    CHECK_EQ_STR(r.ids, "and,any");
    CHECK_EQ_INT(r.evals, 2);
    vigil_sigma_ruleset_destroy(rs);
}

/* A field with thousands of literals (CommandLine in process_creation)
 * gets a database of its own, scanned over that field alone: its literals
 * count there and nowhere else, keywords are still found in it, and a rule
 * needing literals of both the split field and another one needs both. */
static void test_prefilter_split(void)
{
    size_t cap = 128 * 1024, o = 0;
    char *y = malloc(cap);
    CHECK(y != NULL);
    if (y == NULL)
        return;
    o += (size_t)snprintf(y + o, cap - o,
                          "title: big\nid: big\nlogsource:\n  product: windows\n  category: "
                          "process_creation\ndetection:\n  sel:\n    CommandLine|contains:\n");
    for (int i = 0; i < 2100; i++)
        o += (size_t)snprintf(y + o, cap - o, "      - 'tok%04dz'\n", i);
    snprintf(y + o, cap - o,
             "  condition: sel\n"
             "---\ntitle: two\nid: two\nlogsource:\n  product: windows\n  category: "
             "process_creation\ndetection:\n  sel:\n    CommandLine|contains: 'alphaneedle'\n"
             "    Image|endswith: '\\x.exe'\n  condition: sel\n"
             "---\ntitle: k\nid: k\nlogsource:\n  product: windows\ndetection:\n"
             "  keywords:\n    - 'mimikatz'\n  condition: keywords\n");
    vigil_sigma_ruleset *rs = load(y, mapping);
    free(y);
    result r;
    CHECK(rs != NULL);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\a.exe", "run TOK2050Z now"), &r), 1);
    CHECK_EQ_STR(r.ids, "big");
    CHECK_EQ_INT(r.evals, 1);
    /* the split field's literal in another field: nothing evaluated */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\tok2050z.exe", "run"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    /* a keyword in the split field */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\a.exe", "mimikatz.exe"), &r), 1);
    CHECK_EQ_STR(r.ids, "k");
    CHECK_EQ_INT(r.evals, 1);
    /* both clauses: one from the split field, one from the main database */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\x.exe", "AlphaNeedle"), &r), 1);
    CHECK_EQ_STR(r.ids, "two");
    CHECK_EQ_INT(r.evals, 1);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\y.exe", "alphaneedle"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    /* Security 4688 (Image renamed, CommandLine not) */
    CHECK_EQ_INT(match_kv(rs,
                          EV("Channel", "Security", "EventID", "4688", "NewProcessName",
                             "C:\\x.exe", "CommandLine", "tok0007z alphaneedle"),
                          &r),
                 2);
    CHECK_EQ_STR(r.ids, "big,two");
    vigil_sigma_ruleset_destroy(rs);
}

/* the same with a short list (every candidate checked) and a long one
 * (candidates looked up by the slots the scan hit) */
static void test_prefilter_clauses(void)
{
    prefilter_clauses(0);
    prefilter_clauses(80);
}

/* two-byte literals are everywhere (/c, -s) and filter nothing, unless both
 * bytes are punctuation command lines seldom hold ('^^' of cmd.exe
 * obfuscation) */
static void test_prefilter_short(void)
{
    const char *y =
        "title: dos\nid: dos\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    CommandLine|contains: ['^^', ';;;;']\n  condition: sel\n"
        "---\ntitle: weak\nid: weak\nlogsource:\n  product: windows\n  category: "
        "process_creation\ndetection:\n  sel:\n    CommandLine|contains: ['/c', 'qqqq']\n"
        "  condition: sel\n";
    static char buf[16384];
    add_fillers(buf, sizeof buf, y, 8);
    vigil_sigma_ruleset *rs = load(buf, mapping);
    result r;
    CHECK(rs != NULL);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\cmd.exe", "cmd /c dir"), &r), 1);
    CHECK_EQ_STR(r.ids, "weak");
    CHECK_EQ_INT(r.evals, 1); /* dos ruled out, weak always evaluated */
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\cmd.exe", "c^^md"), &r), 1);
    CHECK_EQ_STR(r.ids, "dos");
    CHECK_EQ_INT(r.evals, 2);
    vigil_sigma_ruleset_destroy(rs);
}

/* common text does not make a rule unfilterable when it has better: a
 * |all list keeps its part that filters, and a lone symbol that appears in
 * product names ('®') still counts in a command line */
static void test_prefilter_common(void)
{
    const char *y =
        "title: all\nid: all\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  sel:\n    CommandLine|contains|all: ['regsvr32.exe', 'C:\\ProgramData', "
        "'.tmp']\n  condition: sel\n"
        "---\ntitle: sym\nid: sym\nlogsource:\n  product: windows\n  category: "
        "process_creation\ndetection:\n  sel:\n    CommandLine|contains: ['\xc2\xae', "
        "'\xc2\xb6']\n  condition: sel\n";
    static char buf[16384];
    add_fillers(buf, sizeof buf, y, 8);
    vigil_sigma_ruleset *rs = load(buf, mapping);
    result r;
    CHECK(rs != NULL);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\a.exe", "copy C:\\ProgramData\\x.tmp"), &r), 0);
    CHECK_EQ_INT(r.evals, 0);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\a.exe", "regsvr32.exe C:\\ProgramData\\x.tmp"), &r), 1);
    CHECK_EQ_STR(r.ids, "all");
    CHECK_EQ_INT(r.evals, 1);
    CHECK_EQ_INT(
        match_kv(rs,
                 EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1", "Product",
                    "Microsoft\xc2\xae Windows\xc2\xae Operating System", "CommandLine", "cmd"),
                 &r),
        0);
    CHECK_EQ_INT(r.evals, 0);
    CHECK_EQ_INT(match_kv(rs, SYSMON1("C:\\a.exe", "echo \xc2\xb6"), &r), 1);
    CHECK_EQ_STR(r.ids, "sym");
    vigil_sigma_ruleset_destroy(rs);
}

/* a rule the prefilter cannot rule out (common text, a negation, a
 * regex) is still skipped on an event without a field every way of
 * meeting its condition tests */
static void test_required_field(void)
{
    const char *y =
        "title: dll\nid: dll\nlogsource:\n  product: windows\ndetection:\n"
        "  sel:\n    TargetFilename|endswith: '.dll'\n  f:\n    Src: 'zzz'\n"
        "  condition: sel and not f\n"
        "---\ntitle: either\nid: either\nlogsource:\n  product: windows\ndetection:\n"
        "  a:\n    TargetFilename|endswith: '.dll'\n  b:\n    Other|endswith: '.dll'\n"
        "  condition: a or b\n"
        "---\ntitle: both\nid: both\nlogsource:\n  product: windows\ndetection:\n"
        "  a:\n    - TargetFilename|endswith: '.dll'\n    - TargetFilename|re: 'x\\d'\n"
        "  condition: a\n"
        "---\ntitle: none\nid: none\nlogsource:\n  product: windows\ndetection:\n"
        "  a:\n    TargetFilename: null\n  condition: a\n"
        "---\ntitle: neg\nid: neg\nlogsource:\n  product: windows\ndetection:\n"
        "  a:\n    TargetFilename|endswith: '.exe'\n  condition: not a\n"
        "---\ntitle: pc\nid: pc\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  a:\n    Image|re: '\\.dll$'\n  condition: a\n";
    vigil_sigma_ruleset *rs = load(y, mapping);
    result r;
    CHECK(rs != NULL);
    /* no TargetFilename: dll and both are skipped; either (it could meet
     * Other), none (null matches a missing field) and neg are evaluated */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Zzz", "a.dll"), &r), 2);
    CHECK_EQ_STR(r.ids, "none,neg");
    CHECK_EQ_INT(r.evals, 3);
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Other", "b.dll"), &r), 3);
    CHECK_EQ_STR(r.ids, "either,none,neg");
    CHECK_EQ_INT(r.evals, 3);
    /* the field under another case or with a space still counts */
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "targetfilename", "c.dll"), &r), 4);
    CHECK_EQ_STR(r.ids, "dll,either,both,neg");
    CHECK_EQ_INT(match_kv(rs, EV("Channel", "X", "Target Filename", "c.dll"), &r), 4);
    CHECK_EQ_INT(r.evals, 5);
    /* renamed for Security 4688: NewProcessName stands for Image */
    CHECK_EQ_INT(
        match_kv(rs, EV("Channel", "Security", "EventID", "4688", "NewProcessName", "C:\\x.dll"),
                 &r),
        3);
    CHECK_EQ_STR(r.ids, "none,neg,pc");
    CHECK_EQ_INT(
        match_kv(rs, EV("Channel", "Security", "EventID", "4688", "Image", "C:\\x.dll"), &r), 2);
    CHECK_EQ_INT(r.evals, 3); /* either, none, neg; not pc */
    vigil_sigma_ruleset_destroy(rs);
}

/* a regex rule needs the longest literal every match contains: it is
 * skipped without it, and never skipped where the regex can match */
static void test_prefilter_regex(void)
{
    static const struct {
        const char *re, *hit, *miss;
    } cases[] = {
        {"ipconfig\\s+/all", "ipconfig   /all", "whoami /all"},
        /* optional characters are not required */
        {"colou?r-scheme", "color-scheme", "colour"},
        {"ab{0,2}cdef", "acdef", "abbcd"},
        {"zz+top-hat", "zzzztop-hat", "top hat"},
        /* escaped punctuation is literal, classes and groups end a run */
        {"evil\\.exe[0-9]+ -run", "evil.exe7 -run", "evilexe7"},
        {"(?:abc|def)ghij", "defghij", "ghi"},
        /* caseless: k and s may be U+212A and U+017F (run split there) */
        {"(?i)mimikatz", "MIMI\u212aATZ", "mim"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char head[512], buf[16384];
        snprintf(head, sizeof head,
                 "title: re\nid: re\nlogsource:\n  product: windows\n  category: "
                 "process_creation\ndetection:\n  sel:\n    CommandLine|re: '%s'\n"
                 "  condition: sel\n",
                 cases[i].re);
        add_fillers(buf, sizeof buf, head, 8);
        vigil_sigma_ruleset *rs = load(buf, mapping);
        result r;
        CHECK(rs != NULL);
        if (rs == NULL)
            continue;
        CHECK_EQ_INT(match_kv(rs,
                              EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                                 "CommandLine", cases[i].hit),
                              &r),
                     1);
        CHECK_EQ_STR(r.ids, "re");
        CHECK_EQ_INT(match_kv(rs,
                              EV("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1",
                                 "CommandLine", cases[i].miss),
                              &r),
                     0);
        CHECK_EQ_INT(r.evals, 0);
        vigil_sigma_ruleset_destroy(rs);
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
               "          Image: NewProcessName\n"
               "  - product: windows\n    service: security\n    sources:\n"
               "      - channel: Security\n"
               "  - product: windows\n    category: renamed\n    sources:\n"
               "      - channel: App\n        fields:\n          EventID: Code\n");
    TEST_RUN(test_fold_eventid);
    TEST_RUN(test_fold_shapes);
    TEST_RUN(test_fold_branches);
    TEST_RUN(test_order);
    TEST_RUN(test_field_lookup);
    TEST_RUN(test_lookup_sequence);
    TEST_RUN(test_prefilter_fields);
    TEST_RUN(test_prefilter_clauses);
    TEST_RUN(test_prefilter_split);
    TEST_RUN(test_prefilter_short);
    TEST_RUN(test_prefilter_regex);
    TEST_RUN(test_required_field);
    TEST_RUN(test_prefilter_common);
    TEST_RUN(test_prefilter_memo);
    /* again with events that bring their text: the keyword database scans
     * it instead of the copied values, with the same results */
    with_text = 1;
    TEST_RUN(test_prefilter_fields);
    TEST_RUN(test_prefilter_split);
    TEST_RUN(test_prefilter_clauses);
    TEST_RUN(test_prefilter_memo);
    with_text = 0;
    remove(mapping);
    rmdir(tmpdir);
    return TEST_END();
}
