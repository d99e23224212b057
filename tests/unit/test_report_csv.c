/* test_report_csv.c - the CSV cell writer (RFC 4180 quoting, formula
 * neutralising) and the row of a finding (Timestamp, Computer, Details...)
 * that the CSV and HTML reports share.
 *
 * The CLI is not part of libvigil, so its files are compiled into this
 * test, as test_finding_line.c does. */
#include "../../cli/json_line.c"
#include "../../cli/output_csv.c"
#include "../../cli/report_row.c"
#include "../../cli/text_escape.c"
#include "test.h"

static char *cell_of(const char *s, int plain)
{
    static char out[512];
    json_buf b = {0};
    if (plain)
        csv_cell_plain(&b, s);
    else
        csv_cell(&b, s);
    snprintf(out, sizeof out, "%.*s", (int)b.n, b.p ? b.p : "");
    json_buf_free(&b);
    return out;
}

static void test_quoting(void)
{
    CHECK_EQ_STR(cell_of("plain", 0), "plain");
    CHECK_EQ_STR(cell_of("", 0), "");
    CHECK_EQ_STR(cell_of(NULL, 0), "");
    CHECK_EQ_STR(cell_of("a,b", 0), "\"a,b\"");
    CHECK_EQ_STR(cell_of("say \"hi\"", 0), "\"say \"\"hi\"\"\"");
    CHECK_EQ_STR(cell_of("\"", 0), "\"\"\"\"");
    CHECK_EQ_STR(cell_of("two\r\nlines", 0), "\"two\r\nlines\"");
    CHECK_EQ_STR(cell_of("lf\nonly", 0), "\"lf\nonly\"");
    CHECK_EQ_STR(cell_of(" lead", 0), "\" lead\"");
    CHECK_EQ_STR(cell_of("trail ", 0), "\"trail \"");
    CHECK_EQ_STR(cell_of("C:\\Windows\\x.exe", 0), "C:\\Windows\\x.exe");
    CHECK_EQ_STR(cell_of("\xc3\xa9t\xc3\xa9", 0), "\xc3\xa9t\xc3\xa9");
}

static void test_neutralising(void)
{
    CHECK_EQ_STR(cell_of("=1+2", 0), "'=1+2");
    CHECK_EQ_STR(cell_of("+1", 0), "'+1");
    CHECK_EQ_STR(cell_of("-1", 0), "'-1");
    CHECK_EQ_STR(cell_of("@SUM(A1)", 0), "'@SUM(A1)");
    CHECK_EQ_STR(cell_of("\t=x", 0), "'\t=x");
    CHECK_EQ_STR(cell_of("\r=x", 0), "\"'\r=x\"");
    CHECK_EQ_STR(cell_of("=HYPERLINK(\"http://x\",\"y\")", 0),
                 "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    CHECK_EQ_STR(cell_of("a=b", 0), "a=b");
    /* numbers vigil writes are never changed */
    CHECK_EQ_STR(cell_of("-1", 1), "-1");
    CHECK_EQ_STR(cell_of("12345", 1), "12345");
}

/* Controls never reach the file raw: ESC, DEL, C1 (as UTF-8 U+0080..U+009F
 * and as raw bytes), bidi overrides and line separators take the text
 * output's escapes; TAB, LF, CR and backslashes stay (quoted cells, paths). */
static void test_controls(void)
{
    CHECK_EQ_STR(cell_of("a\x1b[31mred", 0), "a\\x1b[31mred");
    CHECK_EQ_STR(cell_of("csi\xc2\x9b"
                         "31m",
                         0),
                 "csi\\u009b31m");
    CHECK_EQ_STR(cell_of("nel\xc2\x85", 0), "nel\\u0085");
    CHECK_EQ_STR(cell_of("\xc2\x80\xc2\x9f", 0), "\\u0080\\u009f");
    CHECK_EQ_STR(cell_of("raw\x9b\x85", 0), "raw\\x9b\\x85");
    CHECK_EQ_STR(cell_of("del\x7f nul-free", 0), "del\\x7f nul-free");
    CHECK_EQ_STR(cell_of("evil\xe2\x80\xaetxt.exe", 0), "evil\\u202etxt.exe");
    CHECK_EQ_STR(cell_of("ls\xe2\x80\xa8x", 0), "ls\\u2028x");
    CHECK_EQ_STR(cell_of("tab\tin", 0), "tab\tin");
    CHECK_EQ_STR(cell_of("C:\\Users\\x1b", 0), "C:\\Users\\x1b");
    /* with quoting and neutralising */
    CHECK_EQ_STR(cell_of("=\x1b\"q\",\xc2\x9b", 0), "\"'=\\x1b\"\"q\"\",\\u009b\"");
    CHECK_EQ_STR(cell_of("\x1b=x", 0), "\\x1b=x");
    CHECK_EQ_STR(cell_of("line\r\n\x07"
                         "bell",
                         0),
                 "\"line\r\n\\x07bell\"");
}

static void test_row_sigma(void)
{
    json_error_t err;
    json_t *f = json_loads(
        "{\"type\":\"finding\",\"path\":\"logs/sec.evtx\",\"size\":70,\"filetype\":\"EVTX\","
        "\"level\":\"alert\",\"kind\":\"sigma\",\"rule\":\"Encoded PowerShell\",\"score\":80,"
        "\"tags\":[\"attack.t1059.001\",\"attack.execution\"],\"rule_level\":\"high\","
        "\"event_time\":\"2026-03-01T10:00:00.000Z\",\"computer\":\"WS01\",\"channel\":"
        "\"Security\",\"event_id\":4688,\"record_id\":77,\"fields\":{\"Image\":"
        "\"C:\\\\w\\\\powershell.exe\",\"CommandLine\":\"=calc, \\\"x\\\"\"}}",
        0, &err);
    report_row row;
    json_buf line = {0};
    memset(&row, 0, sizeof row);
    CHECK(f != NULL);
    CHECK_EQ_INT(report_row_fill(&row, f, "host-a"), 0);
    CHECK_EQ_STR(row.time, "2026-03-01T10:00:00.000Z");
    CHECK_EQ_INT(row.time_ms, 1772359200000LL);
    CHECK_EQ_STR(row.host, "host-a");
    CHECK_EQ_STR(row.computer, "WS01");
    CHECK_EQ_STR(row.event_id, "4688");
    CHECK_EQ_STR(row.record_id, "77");
    CHECK_EQ_STR(row.details.p, "Image: C:\\w\\powershell.exe \xc2\xa6 CommandLine: =calc, \"x\"");
    CHECK_EQ_STR(row.tags.p, "attack.t1059.001,attack.execution");
    csv_row(&line, &row);
    json_buf_put(&line, "", 1);
    CHECK_EQ_STR(line.p, "2026-03-01T10:00:00.000Z,WS01,Security,4688,alert,Encoded PowerShell,"
                         "\"Image: C:\\w\\powershell.exe \xc2\xa6 CommandLine: =calc, \"\"x\"\"\","
                         "logs/sec.evtx,77,sigma,high,80,\"attack.t1059.001,attack.execution\","
                         "EVTX,70,,,,host-a\r\n");
    json_decref(f);
    report_row_free(&row);
    json_buf_free(&line);
}

static void test_row_file(void)
{
    json_t *f = json_loads(
        "{\"type\":\"finding\",\"path\":\"=evil.exe\",\"size\":5,\"filetype\":\"EXE\",\"mtime\":"
        "\"2019-03-19T23:33:51Z\",\"md5\":\"m\",\"sha1\":\"s\",\"sha256\":\"h\",\"level\":"
        "\"warning\",\"kind\":\"yara\",\"rule\":\"R\",\"score\":70,\"strings\":[{\"id\":\"$a\","
        "\"offset\":16,\"length\":2},{\"id\":\"$b\",\"offset\":255,\"length\":1}],"
        "\"strings_total\":5,\"host\":\"own\"}",
        0, NULL);
    report_row row;
    memset(&row, 0, sizeof row);
    CHECK(f != NULL);
    CHECK_EQ_INT(report_row_fill(&row, f, "fallback"), 0);
    CHECK_EQ_STR(row.host, "own"); /* a merged finding keeps its host */
    CHECK_EQ_STR(row.computer, "own");
    CHECK_EQ_STR(row.time, "2019-03-19T23:33:51Z");
    CHECK_EQ_STR(row.details.p, "Strings: $a@0x10 $b@0xff (+3 more)");
    CHECK_EQ_STR(row.event_id, "");
    json_decref(f);
    /* no time at all: sorts last */
    f = json_loads("{\"type\":\"finding\",\"kind\":\"hash\",\"matched\":\"abc\"}", 0, NULL);
    CHECK_EQ_INT(report_row_fill(&row, f, NULL), 0);
    CHECK_EQ_INT(row.time_ms, REPORT_TIME_UNKNOWN);
    CHECK_EQ_STR(row.details.p, "Matched: abc");
    CHECK_EQ_STR(row.host, "");
    json_decref(f);
    report_row_free(&row);
}

int main(void)
{
    TEST_RUN(test_quoting);
    TEST_RUN(test_neutralising);
    TEST_RUN(test_controls);
    TEST_RUN(test_row_sigma);
    TEST_RUN(test_row_file);
    return TEST_END();
}
