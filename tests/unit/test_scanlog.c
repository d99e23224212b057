/* test_scanlog.c - unit tests of C2 hunting in the text logs a sweep meets:
 * which files are text logs (by name, by content, never binary), and the
 * exact C2 findings (indicator, line, source) the scanner reports for them,
 * the same as `vigil logs` finds; the per-file bound is said, not silent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netioc/netioc.h"
#include "test.h"
#include "vigil/vigil.h"

static int is_log(const char *path, const char *text)
{
    return vigil_netioc_is_text_log(path, text, strlen(text));
}

static void test_is_text_log(void)
{
    /* by name, whatever the content (if text) */
    CHECK(is_log("/var/log/app.log", "hello\n"));
    CHECK(is_log("/var/log/APP.LOG", "hello\n"));
    CHECK(is_log("/var/log/auth.log.1", "hello\n"));
    CHECK(is_log("c.tgz!var/log/auth.log.12", "hello\n"));
    CHECK(is_log("/x/auth.log.gz!auth.log", "hello\n"));
    CHECK(!is_log("/x/catalog", "hello\n"));
    CHECK(!is_log("/x/app.log.bak", "hello\n"));
    CHECK(!is_log("/x/.log", "hello\n"));
    CHECK(!is_log("/x/a.log.", "hello\n"));
    CHECK(!vigil_netioc_is_text_log("/var/log/app.log", "a\0b\n", 4)); /* binary */
    CHECK(!vigil_netioc_is_text_log("/var/log/app.log", "", 0));
    /* by content */
    CHECK(is_log("/x/syslog", "Jun  1 10:00:00 host sshd[1]: Accepted\n"
                              "Jun  1 10:00:01 host app[2]: beacon\n"));
    CHECK(is_log("/x/messages", "<13>Jun 11 10:00:00 host app: x\n"));
    CHECK(is_log("/x/app", "2024-06-01T10:00:00Z INFO start\n2024-06-01 10:00:01,123 WARN x\n"));
    CHECK(is_log("/x/app", "[2024-06-01 10:00:00] start\n"));
    CHECK(is_log("/x/access", "203.0.113.9 - - [01/Jun/2024:10:00:00 +0000] \"GET / HTTP/1.1\" "
                              "200 612\n"));
    CHECK(is_log("/x/conn", "#separator \\x09\n#fields\tts\tuid\n"));
    CHECK(is_log("/x/squid", "1717236000.100    120 10.0.0.5 TCP_MISS/200 512 GET http://a/\n"));
    CHECK(is_log("/x/eve.json", "{\"timestamp\":\"2024-06-01T10:00:00\",\"event_type\":\"dns\"}\n"));
    CHECK(is_log("/x/dns.txt", "6/1/2024 10:00:00 AM 0E70 PACKET  000000 UDP Rcv 10.0.0.5\n"));
    CHECK(!is_log("/x/main.c", "#include <stdio.h>\nint main(void)\n{\n    return 0;\n}\n"));
    CHECK(!is_log("/x/README", "This tool talks to owlmedia.mefound.com.\nSee the docs.\n"));
    CHECK(!is_log("/x/data.csv", "a,b,c\n1,2,3\n"));
    CHECK(!is_log("/x/numbers", "12345678901234\n"));
    /* half of the lines at least */
    CHECK(!is_log("/x/mixed", "Jun  1 10:00:00 host a\nfoo\nbar\nbaz\n"));
    CHECK(is_log("/x/mixed", "Jun  1 10:00:00 host a\nfoo\nJun  1 10:00:02 host b\nbaz\n"));
}

typedef struct found {
    char lines[2048][96];
    int n;
    int ntargets;
} found;

static int on_result(const vigil_target_result *r, void *user)
{
    found *f = user;
    f->ntargets++;
    for (size_t i = 0; i < r->nfindings && f->n < 2048; i++) {
        const vigil_finding *x = &r->findings[i];
        snprintf(f->lines[f->n++], sizeof f->lines[0], "%s %s %s %llu %s:%llu %d %s", r->path,
                 vigil_finding_kind_name(x->kind), x->rule, (unsigned long long)x->line,
                 x->rule_source ? x->rule_source : "-", (unsigned long long)x->rule_line,
                 x->score, x->matched ? x->matched : "-");
    }
    return 0;
}

static int nwarn;
static char lastwarn[256];
static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->level == VIGIL_DIAG_WARNING) {
        nwarn++;
        snprintf(lastwarn, sizeof lastwarn, "%s", d->message);
    }
}

static vigil_engine *c2_engine(void)
{
    static const char c2[] = "# test C2\nevil-c2.example;90\n198.51.100.23;80\n";
    vigil_engine_options eo;
    vigil_engine *e = NULL;
    memset(&eo, 0, sizeof eo);
    if (vigil_engine_create(&eo, &e) != VIGIL_OK)
        return NULL;
    if (vigil_engine_add_string(e, VIGIL_RULES_IOC_C2, "t-c2-iocs.txt", c2, strlen(c2)) !=
            VIGIL_OK ||
        vigil_engine_freeze(e) != VIGIL_OK) {
        vigil_engine_destroy(e);
        return NULL;
    }
    return e;
}

static void test_scan_finds_c2_in_logs(void)
{
    static found f;
    vigil_engine *e = c2_engine();
    CHECK(e != NULL);
    if (e == NULL)
        return;
    memset(&f, 0, sizeof f);
    nwarn = 0;
    vigil_scan_options so;
    vigil_scan_options_defaults(&so);
    so.on_result = on_result;
    so.result_user = &f;
    so.on_diag = on_diag;
    vigil_scanner *s = NULL;
    CHECK_EQ_INT(vigil_scanner_create(e, &so, &s), VIGIL_OK);
    static const char syslog[] = "Jun  1 10:00:00 host sshd[1]: Accepted\n"
                                 "Jun  1 10:00:01 host app[2]: to a.EVIL-C2.example:443\n"
                                 "Jun  1 10:00:02 host app[2]: to notevil-c2.example:443\n"
                                 "Jun  1 10:00:03 host kernel: DROP SRC=198.51.100.230\n"
                                 "Jun  1 10:00:04 host kernel: DROP SRC=198.51.100.23 x\n";
    CHECK_EQ_INT(vigil_scanner_scan_memory(s, "host/var/log/syslog", syslog, strlen(syslog)),
                 VIGIL_OK);
    /* by name, content not log-like */
    static const char named[] = "free text mentioning evil-c2.example\n";
    CHECK_EQ_INT(vigil_scanner_scan_memory(s, "host/app.log.3", named, strlen(named)), VIGIL_OK);
    /* neither: not hunted */
    CHECK_EQ_INT(vigil_scanner_scan_memory(s, "host/README", named, strlen(named)), VIGIL_OK);
    CHECK_EQ_INT(f.ntargets, 2);
    CHECK_EQ_INT(f.n, 3);
    CHECK_EQ_STR(f.lines[0], "host/var/log/syslog c2 evil-c2.example 2 t-c2-iocs.txt:2 90 "
                             "EVIL-C2.example");
    CHECK_EQ_STR(f.lines[1], "host/var/log/syslog c2 198.51.100.23 5 t-c2-iocs.txt:3 80 "
                             "198.51.100.23");
    CHECK_EQ_STR(f.lines[2], "host/app.log.3 c2 evil-c2.example 1 t-c2-iocs.txt:2 90 "
                             "evil-c2.example");
    vigil_scan_stats st;
    vigil_scanner_get_stats(s, &st);
    CHECK_EQ_INT(st.text_logs, 2);
    CHECK_EQ_INT(st.findings, 3);
    CHECK_EQ_INT(nwarn, 0);

    /* more hits than the bound: the first ones kept, the rest said */
    size_t nlines = 1005, cap = nlines * 64, len = 0;
    char *big = malloc(cap);
    CHECK(big != NULL);
    if (big != NULL) {
        for (size_t i = 0; i < nlines; i++)
            len += (size_t)snprintf(big + len, cap - len, "2024-06-01T10:00:00 to evil-c2.example\n");
        memset(&f, 0, sizeof f);
        CHECK_EQ_INT(vigil_scanner_scan_memory(s, "big.log", big, len), VIGIL_OK);
        CHECK_EQ_INT(f.n, 1000);
        CHECK(strstr(f.lines[999], " 1000 ") != NULL);
        CHECK_EQ_INT(nwarn, 1);
        CHECK(strstr(lastwarn, "5 further C2 hits") != NULL);
        free(big);
    }
    vigil_scanner_destroy(s);
    vigil_engine_destroy(e);
}

int main(void)
{
    TEST_RUN(test_is_text_log);
    TEST_RUN(test_scan_finds_c2_in_logs);
    return TEST_END();
}
