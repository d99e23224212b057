/* test_finding_line.c - the JSON lines of findings of every kind
 * written by cli/finding_line.c (the command's one serialiser of findings)
 * must be byte for byte those of the jansson reference
 * (finding_json_reference.c + json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII)),
 * and the CSV rows of a sweep those a merged report makes of the same
 * finding's jansson object.
 *
 * The CLI is not part of libvigil, so its three files are compiled into this
 * test. Fixtures are generated here: hand-written awkward values (controls,
 * quotes, backslashes, non-ASCII, every kind of invalid UTF-8, NULL and
 * empty fields, repeated and refused field names, many tags), then a
 * differential run over pseudo-random findings built from such pieces, and
 * out_result itself over mixed results. */
#include "../../cli/finding_line.c"
#include "../../cli/json_line.c"
#include "../../cli/output.c"
#include "../../cli/output_findings.c"
#include "../../cli/output_json.c"
#include "../../cli/output_progress.c"
#include "../../cli/output_summary.c"
#include "../../cli/output_text.c"
#include "../../cli/outstream.c"
#include "../../cli/text_escape.c"
/* output.c's CSV rows and run record */
#include "../../cli/output_csv.c"
#include "../../cli/report_row.c"
#include "../../cli/run_info.c"
#include "../../cli/text_summary.c"
#include "../../cli/progress_estimate.c"
#include "finding_json_reference.c"
#include "test.h"

#include <limits.h>

/* The reference: the jansson line of finding f of r, newline included. */
static char *ref_line(const vigil_target_result *r, const vigil_finding *f)
{
    json_t *o = ref_finding_json(r, f);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    char *line = malloc(n + 2);
    if (line != NULL) {
        memcpy(line, s, n);
        memcpy(line + n, "\n", 2);
    }
    free(s);
    return line;
}

/* The fast line, or NULL when it refused. */
static char *fast_line(finding_lines *fl, const vigil_target_result *r, const vigil_finding *f)
{
    json_buf b = {0};
    char *line = NULL;

    if (finding_lines_begin(fl, r) == 0 && finding_lines_append(fl, &b, f) == 0) {
        line = malloc(b.n + 1);
        if (line != NULL) {
            memcpy(line, b.p, b.n);
            line[b.n] = '\0';
        }
    }
    json_buf_free(&b);
    return line;
}

static int same_line(finding_lines *fl, const vigil_target_result *r, const vigil_finding *f)
{
    char *a = fast_line(fl, r, f), *b = ref_line(r, f);
    int same = a != NULL && b != NULL && strcmp(a, b) == 0;
    if (!same)
        fprintf(stderr, "fast:    %s\njansson: %s\n", a ? a : "(refused)", b ? b : "(none)");
    free(a);
    free(b);
    return same;
}

/* One string as the fast path writes it. */
static char *str_json(const char *s)
{
    json_buf b = {0};
    json_buf_str(&b, s);
    json_buf_lit(&b, "\0");
    char *out = b.fail ? NULL : strdup(b.p);
    json_buf_free(&b);
    return out;
}

static void check_str(const char *in, const char *want)
{
    char *got = str_json(in);
    CHECK_EQ_STR(got, want);
    free(got);
}

static void test_string_escapes(void)
{
    check_str(NULL, "null");
    check_str("", "\"\"");
    check_str("plain ASCII text, long enough for the 8-byte scan: / ~",
              "\"plain ASCII text, long enough for the 8-byte scan: / ~\"");
    check_str("q\"b\\s/\x7f", "\"q\\\"b\\\\s/\x7f\"");
    check_str("\b\f\n\r\t\x01\x1f", "\"\\b\\f\\n\\r\\t\\u0001\\u001F\"");
    check_str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\\u00E9\\u20AC\\uD83D\\uDE00\"");
    /* invalid UTF-8: each byte that starts no accepted sequence is U+FFFD */
    check_str("a\xff"
              "b",
              "\"a\\uFFFDb\"");
    check_str("\x80\xbf", "\"\\uFFFD\\uFFFD\"");
    check_str("\xc0\x80", "\"\\uFFFD\\uFFFD\"");                       /* overlong NUL */
    check_str("\xe0\x80\xaf", "\"\\uFFFD\\uFFFD\\uFFFD\"");            /* overlong '/' */
    check_str("\xed\xa0\x80", "\"\\uFFFD\\uFFFD\\uFFFD\"");            /* a surrogate */
    check_str("\xf4\x90\x80\x80", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\""); /* past U+10FFFF */
    check_str("\xf5\x80", "\"\\uFFFD\\uFFFD\"");
    check_str("x\xe2\x82", "\"x\\uFFFD\\uFFFD\""); /* cut at the end */
    check_str("\xe2\x82"
              "A\xc3\xa9",
              "\"\\uFFFD\\uFFFDA\\u00E9\"");
    check_str("\xf0\x9f\x98"
              "\xf0\x9f\x98\x80",
              "\"\\uFFFD\\uFFFD\\uFFFD\\uD83D\\uDE00\"");
    /* each escape at every position of a string longer than the 16-byte
     * scan, and DEL, '/' and '~' (no escape) likewise */
    static const char *const sp[] = {"\"", "\\", "\n", "\x01", "\xc3\xa9", "\x7f", "/", "~"};
    static const char *const esc[] = {"\\\"",    "\\\\", "\\n", "\\u0001",
                                      "\\u00E9", "\x7f", "/",   "~"};
    int bad = 0;
    for (size_t k = 0; k < sizeof sp / sizeof sp[0]; k++)
        for (size_t pos = 0; pos <= 40; pos++) {
            char in[128], want[160];
            snprintf(in, sizeof in, "%.*s%s%.*s", (int)pos,
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", sp[k], (int)(40 - pos),
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
            snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)pos,
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", esc[k], (int)(40 - pos),
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
            char *got = str_json(in);
            bad += got == NULL || strcmp(got, want) != 0;
            free(got);
        }
    CHECK_EQ_INT(bad, 0);
    check_str("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -c \"x\"",
              "\"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe "
              "-c \\\"x\\\"\"");
    /* a NUL inside a counted string */
    json_buf b = {0};
    json_buf_strn(&b, "a\0b", 3);
    CHECK(b.n == 10 && memcmp(b.p, "\"a\\u0000b\"", 10) == 0);
    json_buf_free(&b);
    /* integers */
    long long ints[] = {0, 7, -1, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    const char *want[] = {
        "0", "7", "-1", "1234567890123", "9223372036854775807", "-9223372036854775808"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_buf_int(&b, ints[i]);
        json_buf_lit(&b, "\0");
        CHECK_EQ_STR(b.p, want[i]);
        b.n = 0;
    }
    json_buf_free(&b);
    CHECK(json_utf8_valid("\xc3\xa9", 2));
    CHECK(!json_utf8_valid("\xc3", 1));
    CHECK(!json_utf8_valid("\xed\xbf\xbf", 3));
}

/* A Sigma finding of an event with every part set, to be spoiled by tests. */
typedef struct fixture {
    vigil_field ev_fields[8];
    vigil_event ev;
    vigil_field fields[8];
    const char *tags[3];
    const char *refs[2];
    vigil_finding f;
    vigil_target_result r;
} fixture;

static void fixture_init(fixture *x)
{
    memset(x, 0, sizeof *x);
    static const char *const names[] = {"EventID", "Channel", "Computer", "Image", "TimeCreated"};
    static const char *const values[] = {"4688", "Security", "HOST\"1", "C:\\Windows\\cmd.exe",
                                         "2019-03-19T23:33:51.123Z"};
    for (size_t i = 0; i < 5; i++) {
        x->ev_fields[i].name = names[i];
        x->ev_fields[i].value = values[i];
        x->ev_fields[i].name_len = strlen(names[i]);
        x->ev_fields[i].value_len = strlen(values[i]);
    }
    x->ev.fields = x->ev_fields;
    x->ev.nfields = 5;
    x->ev.record_id = 42;
    x->fields[0] = x->ev_fields[3];
    x->tags[0] = "attack.execution";
    x->tags[1] = "attack.t1059";
    x->tags[2] = "";
    x->refs[0] = "https://example.org/a?b=c&d=\"e\"";
    x->refs[1] = "https://example.org/\xc3\xa9";
    x->f.kind = VIGIL_FINDING_SIGMA;
    x->f.rule = "Suspicious \"cmd\" \\ run";
    x->f.rule_source = "/rules/win/proc_creation.yml";
    x->f.rule_line = 3;
    x->f.description = "Line one\nline two\ttab \x01 end";
    x->f.author = "A. N. Other, \xe2\x82\xac";
    x->f.reference = x->refs[0];
    x->f.score = 80;
    x->f.tags = x->tags;
    x->f.ntags = 3;
    x->f.rule_id = "11111111-2222-3333-4444-555555555555";
    x->f.rule_level = "high";
    x->f.references = x->refs;
    x->f.nreferences = 2;
    x->f.fields = x->fields;
    x->f.nfields = 1;
    x->r.path = "/logs/Security \"copy\".evtx";
    x->r.size = 69632;
    x->r.filetype = "EVTX";
    x->r.mtime = 1553038431;
    x->r.score = 80;
    x->r.level = VIGIL_LEVEL_ALERT;
    x->r.findings = &x->f;
    x->r.nfindings = 1;
    x->r.event = &x->ev;
    x->r.record_id = 42;
    x->r.event_time = x->ev_fields[4].value;
}

static void test_sigma_line(void)
{
    finding_lines fl = {0};
    fixture x;

    fixture_init(&x);
    char *got = fast_line(&fl, &x.r, &x.f);
    CHECK_EQ_STR(
        got,
        "{\"type\":\"finding\",\"path\":\"/logs/Security \\\"copy\\\".evtx\",\"size\":69632,"
        "\"filetype\":\"EVTX\",\"mtime\":\"2019-03-19T23:33:51Z\",\"md5\":null,\"sha1\":null,"
        "\"sha256\":null,\"file_score\":80,\"level\":\"alert\",\"kind\":\"sigma\",\"rule\":"
        "\"Suspicious \\\"cmd\\\" \\\\ run\",\"rule_source\":\"/rules/win/proc_creation.yml\","
        "\"rule_line\":3,\"score\":80,\"description\":\"Line one\\nline two\\ttab \\u0001 end\","
        "\"author\":\"A. N. Other, \\u20AC\",\"reference\":\"https://example.org/a?b=c&d="
        "\\\"e\\\"\",\"tags\":[\"attack.execution\",\"attack.t1059\",\"\"],\"rule_id\":"
        "\"11111111-2222-3333-4444-555555555555\",\"rule_level\":\"high\",\"references\":["
        "\"https://example.org/a?b=c&d=\\\"e\\\"\",\"https://example.org/\\u00E9\"],"
        "\"event_time\":\"2019-03-19T23:33:51.123Z\",\"computer\":\"HOST\\\"1\",\"channel\":"
        "\"Security\",\"event_id\":4688,\"record_id\":42,\"fields\":{\"Image\":"
        "\"C:\\\\Windows\\\\cmd.exe\"}}\n");
    free(got);
    CHECK(same_line(&fl, &x.r, &x.f));
    finding_lines_free(&fl);
}

static void test_awkward_parts(void)
{
    finding_lines fl = {0};
    fixture x;

    /* missing optional parts, NULL where jansson writes null */
    fixture_init(&x);
    x.f.rule = NULL;
    x.f.rule_source = x.f.description = x.f.author = x.f.reference = NULL;
    x.f.rule_id = x.f.rule_level = NULL;
    x.f.ntags = x.f.nreferences = 0;
    x.f.rule_line = 0;
    x.r.path = NULL;
    x.r.filetype = NULL;
    x.r.mtime = 0;
    x.r.event_time = NULL;
    CHECK(same_line(&fl, &x.r, &x.f));
    /* hashes, namespace, matched, meta with a repeated and a refused key */
    vigil_meta meta[] = {{"k", "v1"}, {"k", "v2"}, {"\xff", "x"}, {NULL, "y"}, {"e\xcc\x81", NULL}};
    fixture_init(&x);
    x.r.md5 = "d41d8cd98f00b204e9800998ecf8427e";
    x.r.sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    x.r.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    x.f.ns = "name\tspace";
    x.f.matched = "C:\\x\xc0";
    x.f.meta = meta;
    x.f.nmeta = sizeof meta / sizeof meta[0];
    CHECK(same_line(&fl, &x.r, &x.f));
    /* matched fields: repeated names keep the first value, a name that is
     * not UTF-8 or NULL is dropped, null and empty values, invalid values */
    fixture_init(&x);
    vigil_field fields[] = {
        {.name = "CommandLine", .value = "a \"b\" \\c\r\n\x7f\xe2\x80\xa8 \xed\xa0\x80 \xff"},
        {.name = "CommandLine", .value = "second"},
        {.name = "Bad\xff", .value = "dropped"},
        {.name = NULL, .value = "dropped"},
        {.name = "Null", .value = "", .is_null = 1},
        {.name = "", .value = ""},
        {.name = "\xc3\xa9t\xc3\xa9", .value = "\xf0\x90\x80\x80"},
    };
    x.f.fields = fields;
    x.f.nfields = sizeof fields / sizeof fields[0];
    CHECK(same_line(&fl, &x.r, &x.f));
    /* EventID forms: numeric, signed, padded, too big, not a number, empty, null */
    static const char *const ids[] = {"4688", "-3", "+5",      " 12", "12 ", "99999999999999999999",
                                      "0x10", "",   "4688\xff"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        fixture_init(&x);
        x.ev_fields[0].value = ids[i];
        CHECK(same_line(&fl, &x.r, &x.f));
    }
    fixture_init(&x);
    x.ev_fields[0].is_null = 1;
    x.ev_fields[2].is_null = 1; /* Computer null: the key goes */
    CHECK(same_line(&fl, &x.r, &x.f));
    /* the first of two Channel fields counts, even when it is null */
    fixture_init(&x);
    x.ev_fields[5] = x.ev_fields[1];
    x.ev_fields[5].value = "Later";
    x.ev_fields[1].is_null = 1;
    x.ev.nfields = 6;
    CHECK(same_line(&fl, &x.r, &x.f));
    /* no such fields at all; record id and size past INT64_MAX */
    fixture_init(&x);
    x.ev.nfields = 0;
    x.r.record_id = UINT64_MAX;
    x.r.size = UINT64_MAX - 5;
    x.r.mtime = -86400 * 365;
    CHECK(same_line(&fl, &x.r, &x.f));
    /* many tags and references */
    fixture_init(&x);
    const char *many[200];
    char bufs[200][24];
    for (size_t i = 0; i < 200; i++) {
        snprintf(bufs[i], sizeof bufs[i], "t%zu\"\\\x01\xc3\xa9", i);
        many[i] = bufs[i];
    }
    x.f.tags = many;
    x.f.ntags = 200;
    x.f.references = many + 50;
    x.f.nreferences = 150;
    CHECK(same_line(&fl, &x.r, &x.f));
    finding_lines_free(&fl);
}

static void test_correlation_line(void)
{
    finding_lines fl = {0};
    vigil_field group[] = {{.name = "User", .value = "adm\xc3\xa9"},
                           {.name = "User", .value = "dup"},
                           {.name = "Host", .value = "", .is_null = 1}};
    vigil_finding_event evs[] = {
        {"/logs/a.evtx", 7, 1553038431123LL, "Rule \"one\"", "id-1"},
        {NULL, 8, 0, NULL, NULL},
        {"/logs/b\xff.evtx", UINT64_MAX, -1500, "two", NULL},
    };
    vigil_finding f;
    vigil_target_result r;

    memset(&f, 0, sizeof f);
    memset(&r, 0, sizeof r);
    f.kind = VIGIL_FINDING_CORRELATION;
    f.rule = "Many logons";
    f.rule_id = "corr-1";
    f.rule_level = "medium";
    f.score = 50;
    f.fields = group;
    f.nfields = 3;
    f.events = evs;
    f.nevents = 3;
    f.count = 3;
    r.path = "/logs";
    r.filetype = "";
    r.score = 50;
    r.level = VIGIL_LEVEL_NOTICE;
    r.findings = &f;
    r.nfindings = 1;
    CHECK(same_line(&fl, &r, &f));
    f.nevents = 0;
    f.nfields = 0;
    CHECK(same_line(&fl, &r, &f));
    finding_lines_free(&fl);
}

/* What finding_line.c once refused and jansson wrote: a kind it does not
 * know, objects of many members (repeated names found by sorting past
 * FEW_MEMBERS), huge values. Now it writes them all, the same bytes. */
static void test_big_and_unknown(void)
{
    finding_lines fl = {0};
    fixture x;

    fixture_init(&x);
    x.f.kind = (vigil_finding_kind)(VIGIL_FINDING_EXECUTION + 1); /* "unknown" */
    CHECK(same_line(&fl, &x.r, &x.f));
    /* the same field FEW_MEMBERS + 1 times: one member */
    vigil_field lots[FEW_MEMBERS + 1];
    for (size_t i = 0; i < FEW_MEMBERS + 1; i++)
        lots[i] = x.ev_fields[3];
    fixture_init(&x);
    x.f.fields = lots;
    x.f.nfields = FEW_MEMBERS + 1;
    CHECK(same_line(&fl, &x.r, &x.f));
    /* 5000 fields and 300 meta entries: repeated names (the first wins
     * wherever the later ones are), names not UTF-8 or NULL, null values */
    enum { NF = 5000, NM = 300 };
    static vigil_field many[NF];
    static vigil_meta meta[NM];
    static char names[NF][24], keys[NM][16];
    for (size_t i = 0; i < NF; i++) {
        snprintf(names[i], sizeof names[i], "F%zu%s", (i * 7919) % 1500, i % 97 == 0 ? "\xff" : "");
        many[i] = (vigil_field){.name = i % 501 == 0 ? NULL : names[i], .value = names[i],
                                .is_null = i % 13 == 0};
    }
    for (size_t i = 0; i < NM; i++) {
        snprintf(keys[i], sizeof keys[i], "k%zu", (i * 31) % 120);
        meta[i] = (vigil_meta){.key = keys[i], .value = i % 17 == 0 ? NULL : keys[i]};
    }
    x.f.fields = many;
    x.f.nfields = NF;
    x.f.meta = meta;
    x.f.nmeta = NM;
    CHECK(same_line(&fl, &x.r, &x.f));
    x.f.kind = VIGIL_FINDING_CORRELATION; /* the group object */
    CHECK(same_line(&fl, &x.r, &x.f));
    x.f.kind = VIGIL_FINDING_PERSISTENCE;
    CHECK(same_line(&fl, &x.r, &x.f));
    /* a 1 MiB value of controls, quotes, invalid and valid UTF-8, a 64 KiB path */
    size_t big = 1 << 20;
    char *huge = malloc(big + 1), *path = malloc((1 << 16) + 1);
    CHECK(huge != NULL && path != NULL);
    if (huge != NULL && path != NULL) {
        static const char piece[] = "\x01\"\\\xff\xc3\xa9\xed\xa0\x80 C:\\x\n\xf0\x9f\x98\x80";
        for (size_t i = 0; i < big; i++)
            huge[i] = piece[i % (sizeof piece - 1)];
        huge[big] = '\0';
        memset(path, 'p', 1 << 16);
        path[1 << 16] = '\0';
        fixture_init(&x);
        x.fields[0].value = huge;
        x.f.description = huge;
        x.r.path = path;
        CHECK(same_line(&fl, &x.r, &x.f));
    }
    free(huge);
    free(path);
    finding_lines_free(&fl);
}

/* One finding of each kind as the library makes them: a YARA match with
 * strings, hash, filename and C2 (with a line) IOCs on a file, the same
 * IOCs and an autostart entry on a registry value (an event with HiveKey
 * and TargetObject), an execution entry with fields and meta, a Sigma
 * finding of an event, a correlation of events. */
static void test_every_kind(void)
{
    finding_lines fl = {0};
    fixture x;
    vigil_string_match sm[] = {{"$a", 64, 5}, {"$b\xff", UINT64_MAX, UINT32_MAX}};
    vigil_meta meta[] = {{"target", "C:\\x.exe"}, {"run_count", "3"}, {"last_run", NULL}};
    vigil_field hive[] = {{.name = "HiveKey", .value = "HKLM\\SOFTWARE"},
                          {.name = "TargetObject", .value = "HKLM\\SOFTWARE\\Run\\x\x01"},
                          {.name = "Details", .value = "C:\\x.exe"}};
    vigil_event hive_ev = {.fields = hive, .nfields = 3, .record_id = 9};

    for (int k = VIGIL_FINDING_YARA; k <= VIGIL_FINDING_EXECUTION; k++) {
        for (int on_event = 0; on_event < 2; on_event++) {
            fixture_init(&x);
            x.f.kind = (vigil_finding_kind)k;
            x.f.strings = sm;
            x.f.nstrings = k == VIGIL_FINDING_YARA ? 2 : 0;
            x.f.strings_total = x.f.nstrings + 40;
            x.f.ns = k == VIGIL_FINDING_YARA ? "apt10.yar" : NULL;
            x.f.matched = k == VIGIL_FINDING_SIGMA ? NULL : "evil.example.com";
            x.f.line = k == VIGIL_FINDING_C2 ? 12 : 0;
            x.f.meta = meta;
            x.f.nmeta = k >= VIGIL_FINDING_PERSISTENCE ? 3 : 0;
            x.r.md5 = "d41d8cd98f00b204e9800998ecf8427e";
            if (!on_event) { /* a file */
                x.r.event = NULL;
                x.r.event_time = NULL;
                x.r.record_id = 0;
            } else if (k != VIGIL_FINDING_SIGMA) { /* a registry value */
                x.r.event = &hive_ev;
                x.r.record_id = 9;
            }
            int same = same_line(&fl, &x.r, &x.f);
            if (!same)
                fprintf(stderr, "kind %d, on an event %d\n", k, on_event);
            CHECK(same);
        }
    }
    finding_lines_free(&fl);
}

/* The rule part is kept by the addresses of the rule's strings: the same
 * rule gives the same bytes from the cache, another rule its own, and after
 * finding_lines_forget new bytes at old addresses are read again. */
static void test_rule_cache(void)
{
    finding_lines fl = {0};
    fixture x;
    char title[32] = "Rule A";

    fixture_init(&x);
    x.f.rule = title;
    for (int i = 0; i < 3; i++)
        CHECK(same_line(&fl, &x.r, &x.f));
    x.f.rule_level = "low"; /* one address differs: not the cached part */
    CHECK(same_line(&fl, &x.r, &x.f));
    x.f.score = 10;
    CHECK(same_line(&fl, &x.r, &x.f));
    finding_lines_forget(&fl);
    memcpy(title, "Rule B", 7);
    CHECK(same_line(&fl, &x.r, &x.f));
    char *line = fast_line(&fl, &x.r, &x.f);
    CHECK(line != NULL && strstr(line, "\"rule\":\"Rule B\"") != NULL);
    free(line);
    finding_lines_free(&fl);
    finding_lines_free(NULL);
    finding_lines_forget(NULL);
}

/* A small deterministic generator (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned)((rng_state * 0x2545f4914f6cdd1dull) >> 33) % n;
}

/* A string of pieces: ASCII runs, escapes, UTF-8 of every length, invalid
 * sequences, and random bytes; NULL now and then when allowed. */
static const char *gen_str(char *buf, size_t cap, int may_null)
{
    static const char *const pieces[] = {"abcdefgh",
                                         "C:\\Windows\\System32\\",
                                         "\"",
                                         "\\",
                                         "/",
                                         "\x7f",
                                         "\t",
                                         "\n",
                                         "\x01",
                                         "\x1f",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xef\xbb\xbf",
                                         "\xff",
                                         "\x80",
                                         "\xc0\xaf",
                                         "\xed\xa0\x80",
                                         "\xf4\x90\x80\x80",
                                         "\xe2\x82",
                                         "\xf0\x9f",
                                         " ",
                                         "0123456789",
                                         "powershell.exe -enc ",
                                         "\xdf\xbf",
                                         "\xf4\x8f\xbf\xbf",
                                         "\xee\x80\x80"};
    if (may_null && rnd(10) == 0)
        return NULL;
    size_t n = 0, parts = rnd(8);
    for (size_t i = 0; i < parts; i++) {
        if (rnd(6) == 0) {
            size_t k = 1 + rnd(12);
            for (size_t j = 0; j < k && n + 1 < cap; j++) {
                char c = (char)(1 + rnd(255));
                buf[n++] = c;
            }
        } else {
            const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
            size_t len = strlen(p);
            if (n + len + 1 > cap)
                break;
            memcpy(buf + n, p, len);
            n += len;
        }
    }
    buf[n] = '\0';
    return buf;
}

#define NSTR 64

static void test_differential(void)
{
    static char strs[NSTR][160];
    finding_lines fl = {0};
    int mismatches = 0;

    for (int round = 0; round < 6000; round++) {
        size_t s = 0;
#define G(may_null) gen_str(strs[s++ % NSTR], sizeof strs[0], (may_null))
        vigil_field evf[6], fields[6];
        const char *tags[6], *refs[6];
        vigil_meta meta[3];
        vigil_finding_event fevs[3];
        vigil_string_match sm[3];
        vigil_event ev;
        vigil_finding f;
        vigil_target_result r;
        static const char *const evnames[] = {"Computer", "Channel", "EventID",     "TimeCreated",
                                              "Image",    "C",       "TargetObject"};
        memset(&f, 0, sizeof f);
        memset(&r, 0, sizeof r);
        memset(&ev, 0, sizeof ev);
        for (size_t i = 0; i < 6; i++) {
            memset(&evf[i], 0, sizeof evf[i]);
            evf[i].name = rnd(4) ? evnames[rnd(7)] : G(0);
            evf[i].value = G(0);
            evf[i].is_null = rnd(8) == 0;
            fields[i] = evf[rnd(6)];
            if (rnd(5) == 0)
                fields[i].name = G(1);
            tags[i] = G(1);
            refs[i] = G(1);
        }
        for (size_t i = 0; i < 3; i++) {
            meta[i].key = rnd(3) ? "k" : G(1);
            meta[i].value = G(1);
            fevs[i].source = G(1);
            fevs[i].record_id = rnd(3) ? rnd(100000) : UINT64_MAX - rnd(3);
            fevs[i].time_ms =
                rnd(3) ? (int64_t)rnd(2000000000) * 1000 + rnd(1000) : -(int64_t)rnd(5000);
            fevs[i].rule = G(1);
            fevs[i].rule_id = G(1);
            sm[i].id = G(1);
            sm[i].offset = rnd(3) ? rnd(1u << 30) : UINT64_MAX - rnd(3);
            sm[i].length = rnd(3) ? rnd(4096) : UINT32_MAX;
        }
        ev.fields = evf;
        ev.nfields = rnd(7);
        /* half Sigma (the common case, and the rule cache), half the others */
        f.kind = rnd(2) ? VIGIL_FINDING_SIGMA
                        : (vigil_finding_kind)rnd(VIGIL_FINDING_EXECUTION + 1);
        f.rule = G(1);
        f.ns = rnd(4) ? NULL : G(1);
        f.rule_source = G(1);
        f.rule_line = rnd(3) ? rnd(1000) : UINT64_MAX;
        f.description = G(1);
        f.author = G(1);
        f.reference = G(1);
        f.matched = rnd(4) ? NULL : G(1);
        f.score = (int)rnd(101);
        f.tags = tags;
        f.ntags = rnd(7);
        f.meta = meta;
        f.nmeta = rnd(4) ? 0 : rnd(4);
        f.rule_id = G(1);
        f.rule_level = G(1);
        f.references = refs;
        f.nreferences = rnd(7);
        f.fields = fields;
        f.nfields = rnd(7);
        f.events = fevs;
        f.nevents = rnd(4);
        f.count = rnd(3) ? rnd(50) : UINT64_MAX;
        f.strings = rnd(5) ? sm : NULL;
        f.nstrings = f.strings ? rnd(4) : 0;
        f.strings_total = f.nstrings + (rnd(3) ? 0 : rnd(1000));
        f.line = rnd(3) ? 0 : rnd(100000);
        r.path = G(1);
        r.size = rnd(3) ? rnd(1u << 30) : UINT64_MAX;
        r.filetype = G(1);
        r.mtime = rnd(3) ? (int64_t)rnd(2000000000) : (rnd(2) ? 0 : -(int64_t)rnd(100000));
        r.md5 = rnd(3) ? NULL : G(1);
        r.sha1 = rnd(3) ? NULL : G(1);
        r.sha256 = rnd(3) ? NULL : G(1);
        r.score = (int)rnd(101);
        r.level = (vigil_level)rnd(4);
        r.findings = &f;
        r.nfindings = 1;
        r.event = rnd(5) ? &ev : NULL;
        r.record_id = rnd(3) ? rnd(100000) : UINT64_MAX;
        r.event_time = G(1);
#undef G
        /* twice: the second line of a Sigma finding comes from the cache */
        if ((!same_line(&fl, &r, &f) || !same_line(&fl, &r, &f)) && ++mismatches > 5)
            break;
        /* the generated strings change every round at the same addresses */
        finding_lines_forget(&fl);
    }
    CHECK_EQ_INT(mismatches, 0);
    finding_lines_free(&fl);
}

/* out_result as the sweep calls it: lines in finding order, a YARA finding
 * between Sigma ones, a last one with many fields, the counters. */
static void test_out_result(void)
{
    char *mem = NULL;
    size_t memlen = 0;
    FILE *fp = open_memstream(&mem, &memlen);
    out_writer w;
    fixture x;
    vigil_finding fs[4];
    vigil_field lots[FEW_MEMBERS + 1];

    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    out_init(&w, fp, OUT_JSONL);
    CHECK(w.flush_each == 1); /* not a file fstat knows: treated as watched */
    fixture_init(&x);
    fs[0] = x.f;
    memset(&fs[1], 0, sizeof fs[1]);
    fs[1].kind = VIGIL_FINDING_YARA;
    fs[1].rule = "yara_rule";
    fs[1].score = 70;
    fs[2] = x.f;
    fs[2].rule = "Second";
    for (size_t i = 0; i < FEW_MEMBERS + 1; i++)
        lots[i] = x.ev_fields[i % 5];
    fs[3] = x.f;
    fs[3].fields = lots;
    fs[3].nfields = FEW_MEMBERS + 1;
    x.r.findings = fs;
    x.r.nfindings = 4;
    CHECK(out_result(&x.r, &w) == 0);
    CHECK(out_result(&x.r, &w) == 0);
    fflush(fp);
    char *want = NULL;
    size_t wantlen = 0;
    FILE *wfp = open_memstream(&want, &wantlen);
    for (int k = 0; k < 2 && wfp != NULL; k++)
        for (size_t i = 0; i < 4; i++) {
            char *line = ref_line(&x.r, &fs[i]);
            fputs(line ? line : "", wfp);
            free(line);
        }
    if (wfp != NULL)
        fclose(wfp);
    CHECK(want != NULL && mem != NULL && memlen == wantlen && memcmp(mem, want, memlen) == 0);
    CHECK_EQ_INT(w.shown_targets, 2);
    CHECK_EQ_INT(w.shown_findings, 8);
    free(want);
    out_free(&w);
    fclose(fp);
    free(mem);
}

/* The CSV rows of a sweep (out_result, OUT_CSV) are those a merged report
 * writes for the jansson object of each finding (csv_write_finding), the
 * host column from the writer: every kind, awkward strings, on events and
 * on files. */
static void test_csv_rows(void)
{
    char *mem = NULL, *want = NULL;
    size_t memlen = 0, wantlen = 0;
    FILE *fp = open_memstream(&mem, &memlen), *wfp = open_memstream(&want, &wantlen);
    out_writer w;
    fixture x;
    vigil_finding fs[VIGIL_FINDING_EXECUTION + 1];
    vigil_string_match sm[] = {{"$a", 64, 5}};
    vigil_meta meta[] = {{"command", "=cmd|' /c calc'!A0"}, {"run_count", "3"}};
    report_row row = {0};
    json_buf line = {0};

    CHECK(fp != NULL && wfp != NULL);
    if (fp == NULL || wfp == NULL)
        return;
    out_init(&w, fp, OUT_CSV);
    w.host = "host,\"a\"";
    for (int ev = 0; ev < 2; ev++) {
        fixture_init(&x);
        x.f.description = "-2+3 \xff";
        for (int k = 0; k <= VIGIL_FINDING_EXECUTION; k++) {
            fs[k] = x.f;
            fs[k].kind = (vigil_finding_kind)k;
            fs[k].strings = sm;
            fs[k].nstrings = 1;
            fs[k].strings_total = 3;
            fs[k].matched = "@evil";
            fs[k].meta = meta;
            fs[k].nmeta = 2;
        }
        x.r.findings = fs;
        x.r.nfindings = VIGIL_FINDING_EXECUTION + 1;
        if (!ev) {
            x.r.event = NULL;
            x.r.event_time = NULL;
        }
        CHECK(out_result(&x.r, &w) == 0);
        for (size_t i = 0; i < x.r.nfindings; i++) {
            json_t *o = ref_finding_json(&x.r, &fs[i]);
            CHECK(o != NULL && csv_write_finding(wfp, &row, &line, o, w.host) == 0);
            json_decref(o);
        }
    }
    fflush(fp);
    fclose(wfp);
    CHECK(memlen > 0 && memlen == wantlen && memcmp(mem, want, memlen) == 0);
    report_row_free(&row);
    json_buf_free(&line);
    free(want);
    out_free(&w);
    fclose(fp);
    free(mem);
}

static void test_flush_policy(void)
{
    out_writer w;
    char path[] = "/tmp/vigil-test-finding-line.XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;

    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    out_init(&w, fp, OUT_JSONL);
    CHECK(w.flush_each == 0); /* a regular file */
    out_free(&w);
    fclose(fp);
    unlink(path);
    int p[2];
    CHECK(pipe(p) == 0);
    fp = fdopen(p[1], "w");
    CHECK(fp != NULL);
    if (fp != NULL) {
        out_init(&w, fp, OUT_JSONL);
        CHECK(w.flush_each == 1); /* `| jq`: every result at once */
        out_free(&w);
        fclose(fp);
    }
    close(p[0]);
}

int main(void)
{
    TEST_RUN(test_string_escapes);
    TEST_RUN(test_sigma_line);
    TEST_RUN(test_awkward_parts);
    TEST_RUN(test_correlation_line);
    TEST_RUN(test_big_and_unknown);
    TEST_RUN(test_every_kind);
    TEST_RUN(test_csv_rows);
    TEST_RUN(test_rule_cache);
    TEST_RUN(test_differential);
    TEST_RUN(test_out_result);
    TEST_RUN(test_flush_policy);
    return TEST_END();
}
