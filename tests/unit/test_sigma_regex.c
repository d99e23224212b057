/* test_sigma_regex.c - Sigma regexes on values padded past PCRE2's limits.
 *
 * Why: a pattern like SigmaHQ's string-concatenation one, ('(\w|-|\.)+'\+)+,
 * runs PCRE2's JIT out of stack on a value of a few thousand characters;
 * that used to count as "no match", so padding a CommandLine evaded the
 * rule. These tests pad past the limit and assert the match is found
 * (through Hyperscan for an ASCII value, PCRE2 on a large stack for one
 * with other bytes), that a true non-match stays one, and that the rule
 * is named in one warning however many events hit the limit. */
#include <stdio.h>

#include "test.h"
#include "vigil/vigil.h"

static int ndiags;
static char last_diag[1024];
static char last_source[256];

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->level != VIGIL_DIAG_WARNING)
        return;
    ndiags++;
    snprintf(last_diag, sizeof last_diag, "%s", d->message);
    snprintf(last_source, sizeof last_source, "%s", d->source ? d->source : "");
}

static vigil_sigma_ruleset *load(const char *yaml)
{
    vigil_sigma_options o = {.on_diag = on_diag};
    vigil_sigma_builder *b = NULL;
    vigil_sigma_ruleset *rs = NULL;
    if (vigil_sigma_builder_create(&o, &b) != VIGIL_OK)
        return NULL;
    vigil_sigma_builder_add_string(b, "t.yml", yaml, strlen(yaml));
    vigil_sigma_builder_build(b, &rs);
    vigil_sigma_builder_destroy(b);
    return rs;
}

/* Matches one CommandLine value; the matcher's warnings go to on_diag. */
static int match_cmd(vigil_sigma_matcher *m, const char *value, uint64_t rid)
{
    vigil_field f = {
        .name = "CommandLine", .name_len = 11, .value = value, .value_len = strlen(value)};
    vigil_event ev = {.fields = &f, .nfields = 1, .record_id = rid, .source = "padded.evtx"};
    size_t cnt = 0;
    if (vigil_sigma_matcher_match(m, &ev, NULL, NULL, &cnt) != VIGIL_OK)
        return -1;
    return (int)cnt;
}

/* "powershell " + pad + tail, pad being n copies of unit. */
static char *padded(const char *unit, size_t n, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(11 + n * ul + tl + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, "powershell ", 11);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 11 + i * ul, unit, ul);
    memcpy(s + 11 + n * ul, tail, tl + 1);
    return s;
}

/* SigmaHQ's (commented-out, "TODO: fixme") string concatenation regex */
static const char *RULE =
    "title: Concatenated Strings\nid: 30000000-0000-0000-0000-000000000001\n"
    "logsource:\n  product: windows\n  category: process_creation\ndetection:\n"
    "  sel:\n    CommandLine|re: '\\((''(\\w|-|\\.)+''\\+)+''(\\w|-|\\.)+''\\)'\n"
    "  condition: sel\n";

static void test_padded_regex_matches(void)
{
    vigil_sigma_ruleset *rs = load(RULE);
    vigil_sigma_matcher *m = NULL;
    CHECK(rs != NULL);
    CHECK_EQ_INT(vigil_sigma_matcher_create(rs, &m), VIGIL_OK);
    if (m == NULL) {
        vigil_sigma_ruleset_destroy(rs);
        return;
    }
    vigil_sigma_matcher_set_diag(m, on_diag, NULL);
    ndiags = 0;
    /* short: PCRE2's JIT decides, nothing to warn about */
    char *s = padded("('", 1, "iex'+'x')");
    CHECK_EQ_INT(match_cmd(m, s, 1), 1);
    free(s);
    CHECK_EQ_INT(ndiags, 0);
    /* padded to 3,000+ characters inside the quoted string: still found */
    s = padded("('", 1, "");
    char *big = padded("a", 3200, "'+'x')");
    char *v = malloc(strlen(s) + strlen(big) + 1);
    if (s != NULL && big != NULL && v != NULL) {
        sprintf(v, "%s%s", s, big + 11);
        CHECK(strlen(v) > 3000);
        CHECK_EQ_INT(match_cmd(m, v, 2), 1);
    }
    free(s);
    free(big);
    free(v);
    CHECK_EQ_INT(ndiags, 1);
    CHECK(strstr(last_diag, "Sigma rule 'Concatenated Strings' "
                            "(30000000-0000-0000-0000-000000000001): record 2: a regex gave "
                            "up on a value of") != NULL);
    CHECK(strstr(last_diag, "decided another way: it matches") != NULL);
    CHECK_EQ_STR(last_source, "padded.evtx");
    /* with a non-ASCII byte (PCRE2 on a large stack decides), longer */
    s = padded("b", 20000, "'+'x')");
    v = s != NULL ? malloc(strlen(s) + 8) : NULL;
    if (v != NULL) {
        sprintf(v, "\xc3\xa9 ('%s", s + 11);
        CHECK_EQ_INT(match_cmd(m, v, 3), 1);
        vigil_sigma_match_stats st3;
        vigil_sigma_matcher_get_stats(m, &st3);
        CHECK_EQ_INT(st3.regex_limited, 2); /* PCRE2's JIT gave up here too */
        /* no closing parenthesis: a true non-match stays one */
        v[strlen(v) - 1] = ' ';
        CHECK_EQ_INT(match_cmd(m, v, 4), 0);
    }
    free(s);
    free(v);
    /* once per rule */
    CHECK_EQ_INT(ndiags, 1);
    vigil_sigma_match_stats st;
    vigil_sigma_matcher_get_stats(m, &st);
    CHECK(st.regex_limited >= 2);
    CHECK_EQ_INT(st.regex_undecided, 0);
    vigil_sigma_matcher_destroy(m);
    vigil_sigma_ruleset_destroy(rs);
}

/* Hyperscan and PCRE2 read the rule's modifiers alike: |re|i on padding */
static void test_padded_regex_modifiers(void)
{
    vigil_sigma_ruleset *rs = load("title: enc\nid: e1\nlogsource:\n  product: windows\n"
                                   "detection:\n  sel:\n    CommandLine|re|i: '-ENC(\\w|=|/)+X$'\n"
                                   "  condition: sel\n");
    vigil_sigma_matcher *m = NULL;
    CHECK(rs != NULL);
    CHECK_EQ_INT(vigil_sigma_matcher_create(rs, &m), VIGIL_OK);
    char *s = padded("A", 5000, "x");
    if (m != NULL && s != NULL) {
        memcpy(s, "cmd -enc   ", 11); /* a space: no run of \w after -enc */
        CHECK_EQ_INT(match_cmd(m, s, 1), 0);
        memcpy(s, "cmd -encAAA", 11);
        CHECK_EQ_INT(match_cmd(m, s, 2), 1);
        s[strlen(s) - 1] = '!';
        CHECK_EQ_INT(match_cmd(m, s, 3), 0);
    }
    free(s);
    vigil_sigma_matcher_destroy(m);
    vigil_sigma_ruleset_destroy(rs);
}

int main(void)
{
    TEST_RUN(test_padded_regex_matches);
    TEST_RUN(test_padded_regex_modifiers);
    return TEST_END();
}
