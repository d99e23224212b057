/* test_sigma.c - the Sigma detection language: values, modifiers, conditions.
 *
 * Each test loads a rule from a string and matches hand-made events, with
 * the spec's edge cases (escapes, null, windash boundaries, base64offset's
 * three shifts). Events are built from name/value pairs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "test.h"
#include "vigil/vigil.h"

static int ndiags;
static char last_diag[512];
static unsigned long long last_line;

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    ndiags++;
    snprintf(last_diag, sizeof last_diag, "%s", d->message);
    last_line = d->line;
}

static vigil_sigma_ruleset *load_opts(const char *yaml, const char *mapping, const char *ph)
{
    vigil_sigma_options o = {.on_diag = on_diag, .mapping_path = mapping, .placeholder_path = ph};
    vigil_sigma_builder *b = NULL;
    vigil_sigma_ruleset *rs = NULL;
    if (vigil_sigma_builder_create(&o, &b) != VIGIL_OK)
        return NULL;
    vigil_sigma_builder_add_string(b, "test.yml", yaml, strlen(yaml));
    vigil_sigma_builder_build(b, &rs);
    vigil_sigma_builder_destroy(b);
    return rs;
}

static vigil_sigma_ruleset *load(const char *yaml)
{
    return load_opts(yaml, NULL, NULL);
}

/* Wraps a detection body into a rule. */
static vigil_sigma_ruleset *rule(const char *detection)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "title: t\nid: r1\nlogsource:\n  product: windows\ndetection:\n%s\n",
             detection);
    return load(buf);
}

/* Matches an event given as name, value pairs (value NULL = null field). */
static int matchv(vigil_sigma_ruleset *rs, const char *const *kv)
{
    vigil_field f[32];
    size_t n = 0;
    for (; kv[2 * n] != NULL && n < 32; n++) {
        const char *v = kv[2 * n + 1];
        f[n].name = kv[2 * n];
        f[n].name_len = strlen(kv[2 * n]);
        f[n].value = v ? v : "";
        f[n].value_len = v ? strlen(v) : 0;
        f[n].is_null = v == NULL;
    }
    vigil_event ev = {.fields = f, .nfields = n, .record_id = 7};
    vigil_sigma_matcher *m = NULL;
    size_t cnt = 0;
    if (rs == NULL || vigil_sigma_matcher_create(rs, &m) != VIGIL_OK)
        return -1;
    if (vigil_sigma_matcher_match(m, &ev, NULL, NULL, &cnt) != VIGIL_OK)
        cnt = (size_t)-1;
    vigil_sigma_matcher_destroy(m);
    return (int)cnt;
}

#define EV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define M1(rs, k, v) matchv(rs, EV(k, v))

static void test_plain_and_case(void)
{
    vigil_sigma_ruleset *rs = rule("  sel:\n    Image: 'C:\\Windows\\cmd.exe'\n  condition: sel");
    CHECK_EQ_INT(M1(rs, "Image", "C:\\Windows\\cmd.exe"), 1);
    CHECK_EQ_INT(M1(rs, "Image", "c:\\windows\\CMD.EXE"), 1);
    CHECK_EQ_INT(M1(rs, "Image", "C:\\Windows\\cmd.exe2"), 0);
    CHECK_EQ_INT(M1(rs, "image", "C:\\Windows\\cmd.exe"), 1); /* case-insensitive name */
    CHECK_EQ_INT(M1(rs, "Other", "C:\\Windows\\cmd.exe"), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  sel:\n    Image|cased: 'Cmd'\n  condition: sel");
    CHECK_EQ_INT(M1(rs, "Image", "Cmd"), 1);
    CHECK_EQ_INT(M1(rs, "Image", "cmd"), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  sel:\n    EventID: 4688\n  condition: sel");
    CHECK_EQ_INT(M1(rs, "EventID", "4688"), 1);
    CHECK_EQ_INT(M1(rs, "EventID", "46880"), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_contains_starts_ends(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    F|contains: 'mid'\n  b:\n    G|startswith: 'pre'\n"
                                   "  c:\n    H|endswith: '\\end'\n  condition: a or b or c");
    CHECK_EQ_INT(M1(rs, "F", "xxMIDxx"), 1);
    CHECK_EQ_INT(M1(rs, "F", "mi"), 0);
    CHECK_EQ_INT(M1(rs, "G", "prefix"), 1);
    CHECK_EQ_INT(M1(rs, "G", "xprefix"), 0);
    CHECK_EQ_INT(M1(rs, "H", "a\\end"), 1);
    CHECK_EQ_INT(M1(rs, "H", "a\\end.x"), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|contains|all:\n      - ' -enc '\n      - 'hidden'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "ps -enc AAA -w hidden"), 1);
    CHECK_EQ_INT(M1(rs, "F", "ps -enc AAA"), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|contains:\n      - 'one'\n      - 'two'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "xtwo"), 1);
    CHECK_EQ_INT(M1(rs, "F", "three"), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_wildcards_and_escapes(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    F: 'ab*yz'\n  b:\n    G: 'h?t'\n  condition: a or b");
    CHECK_EQ_INT(M1(rs, "F", "abyz"), 1);
    CHECK_EQ_INT(M1(rs, "F", "ab123yz"), 1);
    CHECK_EQ_INT(M1(rs, "F", "ab123y"), 0);
    CHECK_EQ_INT(M1(rs, "G", "hot"), 1);
    CHECK_EQ_INT(M1(rs, "G", "h\xc3\xa4t"), 1); /* ? is one UTF-8 character */
    CHECK_EQ_INT(M1(rs, "G", "hoot"), 0);
    vigil_sigma_ruleset_destroy(rs);
    /* \* is a plain star */
    rs = rule("  a:\n    F: 'a\\*b'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "a*b"), 1);
    CHECK_EQ_INT(M1(rs, "F", "axxb"), 0);
    vigil_sigma_ruleset_destroy(rs);
    /* \\* is a backslash followed by a wildcard */
    rs = rule("  a:\n    F: 'a\\\\*'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "a\\anything"), 1);
    CHECK_EQ_INT(M1(rs, "F", "aanything"), 0);
    vigil_sigma_ruleset_destroy(rs);
    /* \\\* is a backslash and a plain star */
    rs = rule("  a:\n    F: 'a\\\\\\*'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "a\\*"), 1);
    CHECK_EQ_INT(M1(rs, "F", "a\\x"), 0);
    vigil_sigma_ruleset_destroy(rs);
    /* a single backslash before a letter stays; \\\\ is two backslashes */
    rs = rule("  a:\n    F: 'C:\\Win'\n  b:\n    G: '\\\\\\\\srv'\n  condition: a or b");
    CHECK_EQ_INT(M1(rs, "F", "C:\\Win"), 1);
    CHECK_EQ_INT(M1(rs, "G", "\\\\srv"), 1);
    CHECK_EQ_INT(M1(rs, "G", "\\srv"), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F: '*'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", ""), 1);
    CHECK_EQ_INT(M1(rs, "G", "x"), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_null_empty_exists(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    E: 1\n  f:\n    F: null\n  condition: a and f");
    CHECK_EQ_INT(matchv(rs, EV("E", "1")), 1);            /* absent */
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "F", NULL)), 1); /* null */
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "F", "")), 0);   /* '' is not null */
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "F", "x")), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    E: 1\n  f:\n    F: ''\n  condition: a and f");
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "F", "")), 1);
    CHECK_EQ_INT(matchv(rs, EV("E", "1")), 0);
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "F", NULL)), 0); /* null is not '' */
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "F", "x")), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|exists: true\n  b:\n    G|exists: false\n  condition: a and b");
    CHECK_EQ_INT(matchv(rs, EV("F", "")), 1);
    CHECK_EQ_INT(matchv(rs, EV("F", "", "G", "1")), 0);
    CHECK_EQ_INT(matchv(rs, EV("H", "")), 0);
    vigil_sigma_ruleset_destroy(rs);
}

typedef struct json_hits {
    vigil_sigma_matcher *m;
    size_t hits;
} json_hits;

static int on_json_match(const vigil_event *ev, void *user)
{
    json_hits *h = user;
    size_t cnt = 0;
    if (vigil_sigma_matcher_match(h->m, ev, NULL, NULL, &cnt) == VIGIL_OK)
        h->hits += cnt;
    return 0;
}

/* Matches JSON text (one event) and gives the number of rules hit. */
static int match_json(vigil_sigma_ruleset *rs, const char *json)
{
    json_hits h = {0};
    if (rs == NULL || vigil_sigma_matcher_create(rs, &h.m) != VIGIL_OK)
        return -1;
    vigil_status st =
        vigil_sigma_json_events("t.json", json, strlen(json), on_json_match, &h, NULL, NULL);
    vigil_sigma_matcher_destroy(h.m);
    return st == VIGIL_OK ? (int)h.hits : -1;
}

/* SigmaHQ's firewall "rule added" rule keeps both filters: `null` drops an
 * event without ApplicationPath, '' only a service's empty path. An empty
 * path from another program is a true positive (it matched null before). */
static void test_null_vs_empty_firewall(void)
{
    vigil_sigma_ruleset *rs =
        rule("  selection:\n    EventID: 2004\n"
             "  filter_main_null:\n    ApplicationPath: null\n"
             "  filter_optional_no_path:\n"
             "    ModifyingApplication: 'C:\\Windows\\System32\\svchost.exe'\n"
             "    ApplicationPath: ''\n"
             "  condition: selection and not 1 of filter_main_* and not 1 of filter_optional_*");
    CHECK(rs != NULL);
    /* empty path, modified by an unknown program: reported */
    CHECK_EQ_INT(match_json(rs, "{\"EventID\":2004,\"ApplicationPath\":\"\","
                                "\"ModifyingApplication\":\"C:\\\\x\\\\evil.exe\"}"),
                 1);
    /* absent or JSON null path: filtered */
    CHECK_EQ_INT(match_json(rs, "{\"EventID\":2004,\"ModifyingApplication\":\"e.exe\"}"), 0);
    CHECK_EQ_INT(match_json(rs, "{\"EventID\":2004,\"ApplicationPath\":null,"
                                "\"ModifyingApplication\":\"e.exe\"}"),
                 0);
    /* empty path from svchost: the optional filter */
    CHECK_EQ_INT(
        match_json(rs, "{\"EventID\":2004,\"ApplicationPath\":\"\","
                       "\"ModifyingApplication\":\"C:\\\\Windows\\\\System32\\\\svchost.exe\"}"),
        0);
    /* a JSON null is not '': svchost with a null path is filtered by null only */
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F: ''\n  condition: a");
    CHECK_EQ_INT(match_json(rs, "{\"F\":null}"), 0);
    CHECK_EQ_INT(match_json(rs, "{\"F\":\"\"}"), 1);
    CHECK_EQ_INT(match_json(rs, "{\"G\":\"\"}"), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_neq_re(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    F|neq: 'x'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "y"), 1);
    CHECK_EQ_INT(M1(rs, "F", "X"), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|re: '^ab+c$'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "abbbc"), 1);
    CHECK_EQ_INT(M1(rs, "F", "ABBC"), 0); /* case-sensitive by default */
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|re|i: '^ab+c$'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "ABBC"), 1);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|re|m: '^two$'\n  b:\n    G|re|s: 'a.b'\n  condition: a or b");
    CHECK_EQ_INT(M1(rs, "F", "one\ntwo\nthree"), 1);
    CHECK_EQ_INT(M1(rs, "G", "a\nb"), 1);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|re: 'a.b'\n  b:\n    G|re: '^two$'\n  condition: a or b");
    CHECK_EQ_INT(M1(rs, "F", "a\nb"), 0);
    CHECK_EQ_INT(M1(rs, "G", "one\ntwo"), 0);
    vigil_sigma_ruleset_destroy(rs);
}

/* Regexes of literal characters and dots are matched as globs on plain
 * ASCII values (see vigil_sigma_re_glob): every result must be PCRE2's, on
 * those values and on the others (line breaks, non-ASCII, the U+017F that
 * caseless PCRE2 takes for an s). */
static void test_re_as_glob(void)
{
    static const char *const res[] = {
        "\\+.*\\+.*\\+", "^a.c$", "ab.+cd", "x.*?y", "^pre.*", ".*post$", "a\\.b", "(?i)sAk", "s.k",
        "\\{.*\\{", "a.b.c", "^$", "lit", "a b\\ c", "^.+$", "\\^.*\\^.*\\^", "ab*c", "a|b", "\\d+",
        /* not globs: PCRE2 runs, after the length and literal checks */
        "ab\\d+cd", "(?i)sak\\w", "x{2}y", "\\s[0-9a-f]{4}\\s", "set.*&&",
        "\"(?:\\{\\d\\})+\"\\s*-f", "(?i)k\\d"};
    static const char *const vals[] = {"",
                                       "a+b+c+",
                                       "+ +",
                                       "abc",
                                       "aXc",
                                       "a\nc",
                                       "abXcd",
                                       "ab\ncd",
                                       "xy",
                                       "x---y",
                                       "prefix",
                                       "the post",
                                       "post\n",
                                       "a.b",
                                       "aXb",
                                       "SAK",
                                       "sak",
                                       "\xc5\xbf\x61k",
                                       "s-k",
                                       "{{",
                                       "a1b2c",
                                       "lit",
                                       "LIT",
                                       "a b c",
                                       "\t",
                                       "\xe2\x82\xac",
                                       "^^^",
                                       "ac",
                                       "abbc",
                                       "b",
                                       "42",
                                       "+\r+",
                                       "a\xe2\x82\xac\x63",
                                       "ab12cd",
                                       "AB12CD",
                                       "xxy",
                                       " beef ",
                                       "set a && b",
                                       "\"{0}{1}\" -f",
                                       "\"{0}\"-F",
                                       "\xe2\x84\xaa\x39"};
    for (size_t r = 0; r < sizeof res / sizeof res[0]; r++)
        for (int ci = 0; ci < 2; ci++) {
            char det[256];
            snprintf(det, sizeof det, "  a:\n    F|re%s: '%s'\n  condition: a", ci ? "|i" : "",
                     res[r]);
            vigil_sigma_ruleset *rs = rule(det);
            CHECK(rs != NULL);
            /* the oracle: PCRE2 with the options vigil compiles regexes with */
            int ec;
            PCRE2_SIZE eo;
            pcre2_code *code = pcre2_compile(
                (PCRE2_SPTR)res[r], PCRE2_ZERO_TERMINATED,
                PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (ci ? PCRE2_CASELESS : 0), &ec, &eo, NULL);
            pcre2_match_data *md = pcre2_match_data_create(1, NULL);
            CHECK(code != NULL && md != NULL);
            for (size_t v = 0; v < sizeof vals / sizeof vals[0] && code != NULL; v++) {
                const char *val = vals[v];
                size_t n = strlen(val);
                int want = pcre2_match(code, (PCRE2_SPTR)val, n, 0, 0, md, NULL) >= 0;
                int got = M1(rs, "F", val);
                if (got != want)
                    fprintf(stderr, "re %s%s on \"%s\": got %d, PCRE2 %d\n", res[r],
                            ci ? " (i)" : "", vals[v], got, want);
                CHECK_EQ_INT(got, want);
            }
            pcre2_match_data_free(md);
            pcre2_code_free(code);
            vigil_sigma_ruleset_destroy(rs);
        }
}

/* A long list of equals/startswith/endswith values is looked up in an
 * index (sigma_value_index.c): whatever the list, one rule holding all of them
 * matches exactly where one of the rules holding a single value each does
 * (those are tried one by one). */
static void test_long_value_lists(void)
{
    enum { N = 24 };
    static char big[16384], one[16384];
    size_t o = (size_t)snprintf(big, sizeof big,
                                "title: big\nid: big\nlogsource:\n  product: windows\ndetection:\n"
                                "  sel:\n    - F|endswith:\n");
    size_t k = 0;
    for (int i = 0; i < N; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "        - '\\N%02d.exe'\n", i);
    o += (size_t)snprintf(big + o, sizeof big - o, "        - 'x'\n    - F|startswith:\n");
    for (int i = 0; i < N; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "        - 'C:\\D%02d\\'\n", i);
    o += (size_t)snprintf(big + o, sizeof big - o, "    - F:\n");
    for (int i = 0; i < N; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "        - 'Whole%d'\n", i);
    snprintf(big + o, sizeof big - o,
             "        - 'a*glob'\n    - F|contains: 'midpart'\n"
             "    - F|cased|endswith: 'CaSe'\n  condition: sel\n");
    /* the same values, a rule each */
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < N; i++) {
            char val[64];
            if (t == 0)
                snprintf(val, sizeof val, "endswith: '\\N%02d.exe'", i);
            else if (t == 1)
                snprintf(val, sizeof val, "startswith: 'C:\\D%02d\\'", i);
            else
                snprintf(val, sizeof val, ": 'Whole%d'", i);
            k += (size_t)snprintf(one + k, sizeof one - k,
                                  "%stitle: o\nid: o%d_%d\nlogsource:\n  product: windows\n"
                                  "detection:\n  sel:\n    F%s%s\n  condition: sel\n",
                                  k ? "---\n" : "", t, i, t < 2 ? "|" : "", val);
        }
    snprintf(one + k, sizeof one - k,
             "---\ntitle: o\nid: ox\nlogsource:\n  product: windows\ndetection:\n  sel:\n"
             "    F|endswith: 'x'\n  condition: sel\n"
             "---\ntitle: o\nid: og\nlogsource:\n  product: windows\ndetection:\n  sel:\n"
             "    F: 'a*glob'\n  condition: sel\n"
             "---\ntitle: o\nid: om\nlogsource:\n  product: windows\ndetection:\n  sel:\n"
             "    F|contains: 'midpart'\n  condition: sel\n"
             "---\ntitle: o\nid: oc\nlogsource:\n  product: windows\ndetection:\n  sel:\n"
             "    F|cased|endswith: 'CaSe'\n  condition: sel\n");
    vigil_sigma_ruleset *rb = load(big), *ro = load(one);
    CHECK(rb != NULL && ro != NULL);
    static const char *const vals[] = {"c:\\n07.exe",
                                       "C:\\X\\N23.EXE",
                                       "N07.exe",
                                       "\\n07.ex",
                                       "\\N24.exe",
                                       "C:\\D05\\a.exe",
                                       "c:\\d05\\",
                                       "C:\\D05",
                                       "D:\\C:\\D05\\",
                                       "Whole3",
                                       "WHOLE17",
                                       "Whole3 ",
                                       " Whole3",
                                       "Whole",
                                       "abcx",
                                       "a-glob",
                                       "xmidpartx",
                                       "theCaSe",
                                       "thecase",
                                       "",
                                       "\\N00.exe\\N01.exe",
                                       "C:\\D99\\"};
    int any = 0;
    for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
        int b = M1(rb, "F", vals[v]), n = M1(ro, "F", vals[v]);
        if (b != (n > 0))
            fprintf(stderr, "value \"%s\": big rule %d, single rules %d\n", vals[v], b, n);
        CHECK_EQ_INT(b, n > 0);
        any += b;
    }
    CHECK_EQ_INT(any, 12); /* 1, 2, 4 (ends in x), 6, 7, 10, 11, 15 to 18, 21 */
    CHECK_EQ_INT(M1(rb, "G", "c:\\n07.exe"), 0); /* another field */
    vigil_sigma_ruleset_destroy(rb);
    vigil_sigma_ruleset_destroy(ro);
}

static void test_windash(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    F|windash|contains: ' -exec '\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "x -exec y"), 1);
    CHECK_EQ_INT(M1(rs, "F", "x /exec y"), 1);
    CHECK_EQ_INT(M1(rs, "F",
                    "x \xe2\x80\x93"
                    "exec y"),
                 1); /* en dash */
    CHECK_EQ_INT(M1(rs, "F",
                    "x \xe2\x80\x94"
                    "exec y"),
                 1); /* em dash */
    CHECK_EQ_INT(M1(rs, "F",
                    "x \xe2\x80\x95"
                    "exec y"),
                 1); /* horizontal bar */
    CHECK_EQ_INT(M1(rs, "F", "x +exec y"), 0);
    vigil_sigma_ruleset_destroy(rs);
    /* inside a word the dash is not a flag: not expanded */
    rs = rule("  a:\n    F|windash: 'a-b'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "a-b"), 1);
    CHECK_EQ_INT(M1(rs, "F", "a/b"), 0);
    vigil_sigma_ruleset_destroy(rs);
    /* at the start of the value it is */
    rs = rule("  a:\n    F|windash: '-y'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "/y"), 1);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_base64(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    F|base64: 'abc'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "YWJj"), 1);
    CHECK_EQ_INT(M1(rs, "F", "ywjj"), 0); /* base64 is case-sensitive */
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|base64offset|contains: 'http://'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "x aHR0cDovL2V2aWw= y"), 1); /* shift 0 */
    CHECK_EQ_INT(M1(rs, "F", "eGh0dHA6Ly9ldmls"), 1);     /* shift 1 */
    CHECK_EQ_INT(M1(rs, "F", "eHhodHRwOi8vZXZpbA=="), 1); /* shift 2 */
    CHECK_EQ_INT(M1(rs, "F", "aHR0cHM6Ly9ldmls"), 0);     /* https:// */
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    F|wide|base64offset|contains: 'cmd /c'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "F", "-enc YwBtAGQAIAAvAGMAIAB3AGgAbwBhAG0AaQA="), 1);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_utf16_cidr_numbers(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    F|utf16le|contains: 'ab'\n  condition: a");
    vigil_field f = {"F", "xa\0b\0y", 1, 6, 0};
    vigil_event ev = {.fields = &f, .nfields = 1};
    vigil_sigma_matcher *m;
    size_t n = 0;
    CHECK(rs != NULL && vigil_sigma_matcher_create(rs, &m) == VIGIL_OK);
    if (rs != NULL) {
        vigil_sigma_matcher_match(m, &ev, NULL, NULL, &n);
        CHECK_EQ_INT(n, 1);
        vigil_sigma_matcher_destroy(m);
    }
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    Ip|cidr:\n      - '10.0.0.0/8'\n      - 'fe80::/10'\n  condition: a");
    CHECK_EQ_INT(M1(rs, "Ip", "10.1.2.3"), 1);
    CHECK_EQ_INT(M1(rs, "Ip", "11.1.2.3"), 0);
    CHECK_EQ_INT(M1(rs, "Ip", "fe80::1"), 1);
    CHECK_EQ_INT(M1(rs, "Ip", "2001:db8::1"), 0);
    CHECK_EQ_INT(M1(rs, "Ip", "::ffff:10.9.9.9"), 1); /* v4-mapped */
    CHECK_EQ_INT(M1(rs, "Ip", "nonsense"), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    N|gt: 10\n    N|lte: 20\n  condition: a");
    CHECK_EQ_INT(M1(rs, "N", "15"), 1);
    CHECK_EQ_INT(M1(rs, "N", "10"), 0);
    CHECK_EQ_INT(M1(rs, "N", "20"), 1);
    CHECK_EQ_INT(M1(rs, "N", "0x11"), 1);
    CHECK_EQ_INT(M1(rs, "N", "abc"), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_fieldref_expand(void)
{
    vigil_sigma_ruleset *rs = rule("  a:\n    A|fieldref: B\n  condition: a");
    CHECK_EQ_INT(matchv(rs, EV("A", "same", "B", "SAME")), 1);
    CHECK_EQ_INT(matchv(rs, EV("A", "same", "B", "other")), 0);
    CHECK_EQ_INT(matchv(rs, EV("A", "same")), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    A|fieldref|startswith: B\n  condition: a");
    CHECK_EQ_INT(matchv(rs, EV("A", "prefix-rest", "B", "prefix")), 1);
    vigil_sigma_ruleset_destroy(rs);
    /* expand without placeholder values: a warning, and the value matches nothing */
    ndiags = 0;
    rs = rule("  a:\n    A|expand: '%admins%'\n  condition: a");
    CHECK(rs != NULL);
    /* the per-rule note, then the ruleset's warning naming the rule */
    CHECK_EQ_INT(ndiags, 2);
    CHECK(strstr(last_diag, "1 Sigma rule is inactive (can never report): placeholders they "
                            "use have no values (%admins%;") == last_diag);
    CHECK_EQ_INT(matchv(rs, EV("A", "%admins%")), 0);
    CHECK_EQ_INT(matchv(rs, EV("A", "")), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  a:\n    A: x\n  f:\n    B|expand: '%admins%'\n  condition: a and not f");
    CHECK(rs != NULL);
    CHECK_EQ_INT(matchv(rs, EV("A", "x", "B", "root")), 1);
    vigil_sigma_ruleset_destroy(rs);
    char path[] = "/tmp/vigil-ph-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("admins:\n  - root\n  - adm_*\n", fp);
    fclose(fp);
    rs = load_opts("title: t\nlogsource: {product: windows}\ndetection:\n  a:\n"
                   "    A|expand: 'x\\%%admins%'\n  condition: a\n",
                   NULL, path);
    CHECK_EQ_INT(M1(rs, "A", "x%root"), 1);
    CHECK_EQ_INT(M1(rs, "A", "x%adm_bob"), 1);
    CHECK_EQ_INT(M1(rs, "A", "x%bob"), 0);
    vigil_sigma_ruleset_destroy(rs);
    remove(path);
}

static void test_keywords(void)
{
    vigil_sigma_ruleset *rs =
        rule("  kw:\n    - 'mimikatz'\n    - 'event::clear'\n  condition: kw");
    CHECK_EQ_INT(matchv(rs, EV("A", "x", "B", "run MIMIKATZ now")), 1);
    CHECK_EQ_INT(matchv(rs, EV("A", "x", "B", "nothing")), 0);
    vigil_sigma_ruleset_destroy(rs);
    rs = rule("  kw:\n    '|all':\n      - 'Oab'\n      - ' -ExternalUrl '\n  condition: kw");
    CHECK_EQ_INT(matchv(rs, EV("A", "Set-OabVirtualDirectory", "B", "x -ExternalUrl y")), 1);
    CHECK_EQ_INT(matchv(rs, EV("A", "Set-OabVirtualDirectory")), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_conditions(void)
{
    const char *det = "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  filter_c:\n    C: 1\n"
                      "  _hidden:\n    D: 1\n";
    char buf[1024];
    struct {
        const char *cond;
        const char *ev[6];
        int want;
    } cases[] = {
        {"sel_a and sel_b", {"A", "1", "B", "1"}, 1},
        {"sel_a and sel_b", {"A", "1"}, 0},
        {"sel_a or sel_b", {"B", "1"}, 1},
        {"sel_a and not filter_c", {"A", "1", "C", "1"}, 0},
        {"sel_a and not filter_c", {"A", "1"}, 1},
        {"sel_a or sel_b and filter_c", {"A", "1"}, 1}, /* and binds tighter */
        {"(sel_a or sel_b) and filter_c", {"A", "1"}, 0},
        {"not sel_a and sel_b", {"B", "1"}, 1},
        {"1 of sel_*", {"B", "1"}, 1},
        {"any of sel_*", {"C", "1"}, 0},
        {"all of sel_*", {"A", "1", "B", "1"}, 1},
        {"all of sel_*", {"A", "1"}, 0},
        {"1 of them", {"C", "1"}, 1},
        {"1 of them", {"D", "1"}, 0}, /* _hidden is not part of them */
        {"all of them", {"A", "1", "B", "1", "C", "1"}, 1},
        {"sel_a and not 1 of filter_*", {"A", "1", "C", "1"}, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, "%s  condition: %s", det, cases[i].cond);
        vigil_sigma_ruleset *rs = rule(buf);
        const char *ev[8] = {0};
        for (int k = 0; k < 6 && cases[i].ev[k]; k++)
            ev[k] = cases[i].ev[k];
        int got = matchv(rs, ev);
        if (got != cases[i].want)
            fprintf(stderr, "condition '%s' case %zu\n", cases[i].cond, i);
        CHECK_EQ_INT(got, cases[i].want);
        vigil_sigma_ruleset_destroy(rs);
    }
    /* a list of conditions is OR'ed; lists of maps are OR'ed */
    vigil_sigma_ruleset *rs = rule("  a:\n    - A: 1\n    - B: 2\n  c:\n    C: 1\n"
                                   "  condition:\n    - a\n    - c");
    CHECK_EQ_INT(matchv(rs, EV("B", "2")), 1);
    CHECK_EQ_INT(matchv(rs, EV("C", "1")), 1);
    CHECK_EQ_INT(matchv(rs, EV("B", "1")), 0);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_refusals(void)
{
    struct {
        const char *det;
        const char *reason;
    } cases[] = {
        {"  a:\n    A|bogus: 1\n  condition: a", "unknown modifier 'bogus'"},
        {"  a:\n    A: 1\n  condition: a | count() > 5", "aggregation"},
        {"  a:\n    A: 1\n  condition: b", "unknown search identifier 'b'"},
        {"  a:\n    A: 1\n  condition: 1 of x*", "no search identifier matches 'x*'"},
        {"  a:\n    A|re: '(unclosed'\n  condition: a", "bad regular expression"},
        {"  a:\n    A|cidr: '10.0.0.0/99'\n  condition: a", "bad cidr"},
        {"  a:\n    A: 1\n  condition: (a", "missing ')'"},
        {"  a:\n    A: 1", "no condition"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ndiags = 0;
        last_diag[0] = 0;
        vigil_sigma_ruleset *rs = rule(cases[i].det);
        CHECK(rs == NULL);
        CHECK_EQ_INT(ndiags, 1);
        if (strstr(last_diag, cases[i].reason) == NULL)
            fprintf(stderr, "case %zu: diag '%s' lacks '%s'\n", i, last_diag, cases[i].reason);
        CHECK(strstr(last_diag, cases[i].reason) != NULL);
    }
    /* one bad document among good ones: counted, the others load */
    vigil_sigma_options o = {.on_diag = on_diag};
    vigil_sigma_builder *b;
    CHECK_EQ_INT(vigil_sigma_builder_create(&o, &b), VIGIL_OK);
    const char *y = "title: good\ndetection:\n  a:\n    A: 1\n  condition: a\n---\n"
                    "title: bad\ndetection:\n  a:\n    A|nope: 1\n  condition: a\n";
    CHECK_EQ_INT(vigil_sigma_builder_add_string(b, "multi.yml", y, strlen(y)), VIGIL_OK);
    vigil_sigma_counts c;
    vigil_sigma_builder_get_counts(b, &c);
    CHECK_EQ_INT(c.rules, 1);
    CHECK_EQ_INT(c.refused, 1);
    CHECK_EQ_INT(last_line, 10);
    vigil_sigma_builder_destroy(b);
    /* broken YAML */
    ndiags = 0;
    CHECK(load("title: [unclosed\n") == NULL);
    CHECK_EQ_INT(ndiags, 1);
}

static void test_metadata_and_fields(void)
{
    const char *y =
        "title: Meta\nid: 1234\nstatus: test\nlevel: high\nauthor: me\n"
        "description: d\ntags:\n  - attack.t1059\n  - attack.execution\n"
        "references:\n  - https://x\nlogsource:\n  product: windows\n"
        "  category: process_creation\ndetection:\n  a:\n    Image|endswith: '\\x.exe'\n"
        "    CommandLine|contains: 'evil'\n  condition: a\n";
    vigil_sigma_ruleset *rs = load(y);
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
    const vigil_sigma_rule_info *ri = vigil_sigma_ruleset_rule(rs, 0);
    CHECK_EQ_STR(ri->title, "Meta");
    CHECK_EQ_STR(ri->id, "1234");
    CHECK_EQ_STR(ri->level, "high");
    CHECK_EQ_STR(ri->status, "test");
    CHECK_EQ_STR(ri->author, "me");
    CHECK_EQ_INT(ri->ntags, 2);
    CHECK_EQ_STR(ri->tags[1], "attack.execution");
    CHECK_EQ_INT(ri->nreferences, 1);
    CHECK_EQ_STR(ri->category, "process_creation");
    CHECK_EQ_INT(ri->line, 1);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_collections(void)
{
    const char *y = "action: global\ntitle: G\nlogsource:\n  product: windows\ndetection:\n"
                    "  base:\n    E: 1\n  condition: base and x\n---\ndetection:\n  x:\n    A: 1\n"
                    "---\ndetection:\n  x:\n    B: 1\n";
    vigil_sigma_ruleset *rs = load(y);
    CHECK(rs != NULL);
    CHECK_EQ_INT(vigil_sigma_ruleset_rule_count(rs), 2);
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "A", "1")), 1);
    CHECK_EQ_INT(matchv(rs, EV("E", "1", "B", "1")), 1);
    CHECK_EQ_INT(matchv(rs, EV("A", "1", "B", "1")), 0);
    vigil_sigma_ruleset_destroy(rs);
}

int main(void)
{
    TEST_RUN(test_plain_and_case);
    TEST_RUN(test_contains_starts_ends);
    TEST_RUN(test_wildcards_and_escapes);
    TEST_RUN(test_null_empty_exists);
    TEST_RUN(test_null_vs_empty_firewall);
    TEST_RUN(test_neq_re);
    TEST_RUN(test_re_as_glob);
    TEST_RUN(test_long_value_lists);
    TEST_RUN(test_windash);
    TEST_RUN(test_base64);
    TEST_RUN(test_utf16_cidr_numbers);
    TEST_RUN(test_fieldref_expand);
    TEST_RUN(test_keywords);
    TEST_RUN(test_conditions);
    TEST_RUN(test_refusals);
    TEST_RUN(test_metadata_and_fields);
    TEST_RUN(test_collections);
    return TEST_END();
}
