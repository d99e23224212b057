/* test_sigma_inactive.c - the load-time warning naming the rules an unset
 * |expand placeholder switched off.
 *
 * Why: a rule that selects on a placeholder with no values can never
 * report, silently; the bundled pack has three such rules until the site
 * gives %MSPAccounts%. These tests build rules like the pack's (selection
 * on a placeholder, filter on one, a correlation on a switched-off rule,
 * `1 of`/`all of` and `or`) and assert the one warning names exactly the
 * inactive ones, at warning level, and that giving values silences it. */
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "vigil/vigil.h"

static int nwarn, ninfo;
static char warn[2048], info[2048];

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (strstr(d->message, "Sigma rule") == NULL)
        return;
    if (d->level == VIGIL_DIAG_WARNING) {
        nwarn++;
        snprintf(warn, sizeof warn, "%s", d->message);
    } else if (d->level == VIGIL_DIAG_INFO) {
        ninfo++;
        snprintf(info, sizeof info, "%s", d->message);
    }
}

static vigil_sigma_ruleset *load(const char *yaml, const char *ph)
{
    vigil_sigma_options o = {.on_diag = on_diag, .placeholder_path = ph};
    vigil_sigma_builder *b = NULL;
    vigil_sigma_ruleset *rs = NULL;
    nwarn = ninfo = 0;
    warn[0] = info[0] = '\0';
    if (vigil_sigma_builder_create(&o, &b) != VIGIL_OK)
        return NULL;
    vigil_sigma_builder_add_string(b, "t.yml", yaml, strlen(yaml));
    vigil_sigma_builder_build(b, &rs);
    vigil_sigma_builder_destroy(b);
    return rs;
}

static const char *RULES =
    /* selects on the placeholder: inactive */
    "title: MSP Logon\nid: a1\nname: msp_logon\ndetection:\n  sel:\n    EventID: 4624\n"
    "    TargetUserName|expand: '%MSPAccounts%'\n  filter:\n    IpAddress|expand: "
    "'%JumpServers%'\n  condition: sel and not filter\n---\n"
    /* a correlation on it: inactive too */
    "title: MSP Many Hosts\nid: a2\ncorrelation:\n  type: value_count\n  rules: [msp_logon]\n"
    "  group-by: [TargetUserName]\n  timespan: 1h\n  condition:\n    field: Computer\n"
    "    gte: 3\n---\n"
    /* only the filter uses it: active, missing a filter */
    "title: RMM Tool\nid: a3\ndetection:\n  sel:\n    Image|endswith: '\\AnyDesk.exe'\n"
    "  filter_ok:\n    Image|expand: '%SanctionedRMM%'\n  condition: sel and not 1 of filter_*\n"
    "---\n"
    /* the placeholder in one branch of an or: still active */
    "title: Either\nid: a4\ndetection:\n  a:\n    User|expand: '%MSPAccounts%'\n"
    "  b:\n    User: admin\n  condition: a or b\n---\n"
    /* a list that also holds a literal: still active */
    "title: List\nid: a5\ndetection:\n  a:\n    User|expand:\n      - '%MSPAccounts%'\n"
    "      - root\n  condition: a\n---\n"
    /* all of two searches, one switched off: inactive */
    "title: All Of\nid: a6\ndetection:\n  sel_a:\n    User|expand: '%MSPAccounts%'\n"
    "  sel_b:\n    EventID: 1\n  condition: all of sel_*\n---\n"
    /* no placeholder: not named */
    "title: Plain\nid: a7\ndetection:\n  a:\n    EventID: 1\n  condition: a\n";

static void test_inactive_named(void)
{
    vigil_sigma_ruleset *rs = load(RULES, NULL);
    CHECK(rs != NULL);
    CHECK_EQ_INT(nwarn, 1);
    CHECK_EQ_STR(warn, "3 Sigma rules are inactive (can never report): placeholders they use "
                       "have no values (%MSPAccounts%, %JumpServers%; give them with "
                       "--placeholders DIR, one NAME.txt per placeholder, see "
                       "docs/cloudhopper.md): 'MSP Logon', 'MSP Many Hosts', 'All Of'");
    CHECK_EQ_INT(ninfo, 1); /* the rules missing a filter (per-rule notes aside) */
    vigil_sigma_ruleset_destroy(rs);
}

static void test_rules_missing_filter_listed_on_request(void)
{
    vigil_sigma_ruleset *rs = load(RULES, NULL);
    CHECK(rs != NULL);
    /* the last info is the list of rules that only lost a filter */
    CHECK(strstr(info, "3 Sigma rules are missing a filter (reports more)") == info);
    CHECK(strstr(info, "'RMM Tool', 'Either', 'List'") != NULL);
    vigil_sigma_ruleset_destroy(rs);
}

static void test_values_given_silence_it(void)
{
    char dir[] = "/tmp/vigil-inactive-XXXXXX", path[256];
    if (mkdtemp(dir) == NULL)
        return;
    const char *names[] = {"MSPAccounts", "JumpServers", "SanctionedRMM"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.txt", dir, names[i]);
        FILE *fp = fopen(path, "w");
        if (fp != NULL) {
            fputs("value\n", fp);
            fclose(fp);
        }
    }
    vigil_sigma_ruleset *rs = load(RULES, dir);
    CHECK(rs != NULL);
    CHECK_EQ_INT(nwarn, 0);
    CHECK_EQ_INT(ninfo, 0);
    vigil_sigma_ruleset_destroy(rs);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.txt", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
}

int main(void)
{
    TEST_RUN(test_inactive_named);
    TEST_RUN(test_rules_missing_filter_listed_on_request);
    TEST_RUN(test_values_given_silence_it);
    return TEST_END();
}
