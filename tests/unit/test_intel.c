/* test_intel.c - unit tests of refanging, normalisation, type inference,
 * the deduplicating set, format detection and the CSV and list loaders. */
#include <unistd.h>

#include "intel_fixture.h"
#include "test.h"
#include "vigil/engine.h"

static const char *refang(const char *in)
{
    static char out[512];
    if (vigil_intel_refang(in, strlen(in), out, sizeof out) == (size_t)-1)
        return "(too long)";
    return out;
}

static void test_refang_styles(void)
{
    CHECK_EQ_STR(refang("hxxp://evil[.]com/a"), "http://evil.com/a");
    CHECK_EQ_STR(refang("hXXps://evil(.)com"), "https://evil.com");
    CHECK_EQ_STR(refang("HXXPS[:]//evil{.}com"), "https://evil.com");
    CHECK_EQ_STR(refang("hxxp[://]evil[dot]com"), "http://evil.com");
    CHECK_EQ_STR(refang("evil(dot)com"), "evil.com");
    CHECK_EQ_STR(refang("evil{dot}com"), "evil.com");
    CHECK_EQ_STR(refang("evil\\.com"), "evil.com");
    CHECK_EQ_STR(refang("evil[ . ]com"), "evil.com");
    CHECK_EQ_STR(refang("fxp://files[.]evil[.]com"), "ftp://files.evil.com");
    CHECK_EQ_STR(refang("meow://evil.com"), "http://evil.com");
    CHECK_EQ_STR(refang("hxtp://a.b"), "http://a.b");
    CHECK_EQ_STR(refang("admin[@]evil[.]com"), "admin@evil.com");
    CHECK_EQ_STR(refang("admin[at]evil.com"), "admin@evil.com");
    CHECK_EQ_STR(refang("192[.]168[.]1[.]1"), "192.168.1.1");
    CHECK_EQ_STR(refang("evil.com[/]gate"), "evil.com/gate");
    CHECK_EQ_STR(refang("hxxpd"), "hxxpd"); /* not a scheme */
    CHECK_EQ_STR(refang("[notafang]"), "[notafang]");
    char small[4];
    CHECK(vigil_intel_refang("abcdef", 6, small, sizeof small) == (size_t)-1);
}

static const char *norm(vigil_intel_type t, const char *in)
{
    static char out[600];
    char buf[512];
    const char *why = NULL;
    vigil_status st = vigil_intel_normalise(&t, in, strlen(in), buf, sizeof buf, &why);
    if (st != VIGIL_OK)
        snprintf(out, sizeof out, "ERR %s", why ? why : vigil_status_name(st));
    else
        snprintf(out, sizeof out, "%s %s", vigil_intel_type_name(t), buf);
    return out;
}

static void test_normalise(void)
{
    CHECK_EQ_STR(norm(VIGIL_INTEL_MD5, " D41D8CD98F00B204E9800998ECF8427E "),
                 "md5 d41d8cd98f00b204e9800998ecf8427e");
    CHECK_EQ_STR(norm(VIGIL_INTEL_MD5, "d41d8cd98f00b204e9800998ecf8427"),
                 "ERR not a hex digest of the right length");
    CHECK_EQ_STR(norm(VIGIL_INTEL_SHA1, "zz1d8cd98f00b204e9800998ecf8427e00000000"),
                 "ERR not a hex digest of the right length");
    CHECK_EQ_STR(norm(VIGIL_INTEL_DOMAIN, "WWW.Evil[.]COM."), "domain www.evil.com");
    CHECK_EQ_STR(norm(VIGIL_INTEL_DOMAIN, "*.evil.com"), "domain evil.com");
    CHECK_EQ_STR(norm(VIGIL_INTEL_DOMAIN, "b\xc3\xbc"
                                          "cher.example"),
                 "domain xn--bcher-kva.example");
    CHECK_EQ_STR(norm(VIGIL_INTEL_DOMAIN, "evil..com"), "ERR empty label in domain");
    CHECK_EQ_STR(norm(VIGIL_INTEL_DOMAIN, "localhost"), "ERR domain without a dot");
    CHECK_EQ_STR(norm(VIGIL_INTEL_DOMAIN, "ev il.com"), "ERR character not allowed in a domain");
    CHECK_EQ_STR(norm(VIGIL_INTEL_IP, "10[.]1.2.3"), "ip 10.1.2.3");
    CHECK_EQ_STR(norm(VIGIL_INTEL_IP, "2001:DB8:0::0:1"), "ip 2001:db8::1");
    CHECK_EQ_STR(norm(VIGIL_INTEL_IP, "[2001:db8::1]"), "ip 2001:db8::1");
    CHECK_EQ_STR(norm(VIGIL_INTEL_IP, "10.1.2.3/8"), "cidr 10.0.0.0/8");
    CHECK_EQ_STR(norm(VIGIL_INTEL_CIDR, "10.1.2.3/32"), "ip 10.1.2.3");
    CHECK_EQ_STR(norm(VIGIL_INTEL_IP, "2001:db8::77/32"), "cidr 2001:db8::/32");
    CHECK_EQ_STR(norm(VIGIL_INTEL_IP, "10.1.2.3/33"), "ERR bad CIDR prefix");
    CHECK_EQ_STR(norm(VIGIL_INTEL_IP, "300.1.2.3"), "ERR not an IP address");
    CHECK_EQ_STR(norm(VIGIL_INTEL_URL, "HXXPS://Evil[.]COM/Gate.php?A=1"),
                 "url https://evil.com/Gate.php?A=1");
    CHECK_EQ_STR(norm(VIGIL_INTEL_URL, "evil.com/x"), "url http://evil.com/x");
    CHECK_EQ_STR(norm(VIGIL_INTEL_URL, "http://user@EVIL.com:8080/x"),
                 "url http://user@evil.com:8080/x");
    CHECK_EQ_STR(norm(VIGIL_INTEL_URL, "http://1.2.3.4/x"), "url http://1.2.3.4/x");
    CHECK_EQ_STR(norm(VIGIL_INTEL_URL, "http:///x"), "ERR URL without a host");
    CHECK_EQ_STR(norm(VIGIL_INTEL_FILENAME, " Evil.EXE "), "filename Evil.EXE");
    CHECK_EQ_STR(norm(VIGIL_INTEL_FILENAME, "C:\\Windows\\evil.exe"), "path C:\\Windows\\evil.exe");
    CHECK_EQ_STR(norm(VIGIL_INTEL_PATH, ""), "ERR empty value");
}

static const char *infer(const char *in)
{
    vigil_intel_type t;
    if (vigil_intel_infer(in, strlen(in), &t) != VIGIL_OK)
        return "ERR";
    return vigil_intel_type_name(t);
}

static void test_infer(void)
{
    CHECK_EQ_STR(infer("d41d8cd98f00b204e9800998ecf8427e"), "md5");
    CHECK_EQ_STR(infer("da39a3ee5e6b4b0d3255bfef95601890afd80709"), "sha1");
    CHECK_EQ_STR(infer("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                 "sha256");
    CHECK_EQ_STR(infer("evil[.]com"), "domain");
    CHECK_EQ_STR(infer("1.2.3.4"), "ip");
    CHECK_EQ_STR(infer("1.2.3.0/24"), "cidr");
    CHECK_EQ_STR(infer("::1"), "ip");
    CHECK_EQ_STR(infer("hxxp://evil.com/a"), "url");
    CHECK_EQ_STR(infer("evil.com/gate.php"), "url");
    CHECK_EQ_STR(infer("C:\\Windows\\Temp\\x.exe"), "path");
    CHECK_EQ_STR(infer("/tmp/.x/payload"), "path");
    CHECK_EQ_STR(infer("svchost.exe"), "filename");
    CHECK_EQ_STR(infer("report final.docx"), "filename");
    CHECK_EQ_STR(infer("mimikatz"), "ERR");
    CHECK_EQ_STR(infer(""), "ERR");
}

static void test_list_loader(void)
{
    collected c = {0};
    vigil_intel_stats st = {0};
    c.detail = 1;
    const char *text = "\xEF\xBB\xBF# Loki C2 list\r\n"
                       "evil[.]com\r\n"
                       "\n"
                       "1.2.3.4;65\n"
                       "d41d8cd98f00b204e9800998ecf8427e;Dropper X\n"
                       "hxxp://bad.example/gate.php;80;Gate URL\n"
                       "// another comment\n"
                       "not a value at all\n"
                       "10.0.0.0/8\n";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_LIST, "c2.txt", text, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "cidr 10.0.0.0/8 s100 L9 - ||\n"
                                 "domain evil.com s100 L2 - ||\n"
                                 "ip 1.2.3.4 s65 L4 - ||\n"
                                 "md5 d41d8cd98f00b204e9800998ecf8427e s100 L5 - |Dropper X|\n"
                                 "url http://bad.example/gate.php s80 L6 - |Gate URL|");
    CHECK_EQ_STR(diags_text(&c), "c2.txt:8: cannot tell the type of 'not a value at all', skipped");
    CHECK_EQ_INT(st.items, 5);
    CHECK_EQ_INT(st.invalid, 1);
    collected_free(&c);
}

static void test_csv_loader(void)
{
    collected c = {0};
    vigil_intel_stats st = {0};
    c.detail = 1;
    const char *text = "Indicator;Type;Comment;Score\n"
                       "evil[.]com;domain;\"C2; stage 2\";90\n"
                       "\"hxxp://x.example/a \"\"b\"\"\";url;;\n"
                       "5.6.7.8;;inferred;\n"
                       "HKLM\\Run\\x;regkey;;\n"
                       "zz;md5;bad hash;\n"
                       "\"multi\nline.exe\";filename;;\n"
                       "\"bad\"quote;domain;;\n"
                       "a.example\n";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_AUTO, "t.csv", text, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain a.example s100 L10 - ||\n"
                                 "domain evil.com s90 L2 - |C2; stage 2|\n"
                                 "filename multi\nline.exe s100 L7 - ||\n"
                                 "ip 5.6.7.8 s100 L4 - |inferred|\n"
                                 "url http://x.example/a \"b\" s100 L3 - ||");
    CHECK_EQ_STR(diags_text(&c),
                 "t.csv:6: value 'zz' is not a valid md5 (not a hex digest of the right "
                 "length), skipped\n"
                 "t.csv:9: badly quoted CSV field, row skipped\n"
                 "t.csv:0: 1 row(s) of types vigil does not match (e.g. regkey) not loaded");
    CHECK_EQ_INT(st.unsupported, 1);
    CHECK_EQ_INT(st.syntax, 1);
    collected_free(&c);

    /* no value column: one diagnostic, nothing loaded */
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_CSV, "h.csv", "a,b\n1,2\n", NULL), VIGIL_ERR_PARSE);
    CHECK_EQ_INT(c.n, 0);
    CHECK_EQ_STR(diags_text(&c),
                 "h.csv:1: CSV header names no value (value, indicator, ioc, observable) column");
    collected_free(&c);
}

static void test_misp_csv(void)
{
    collected c = {0};
    vigil_intel_stats st = {0};
    const char *text =
        "uuid,event_id,category,type,value,comment,to_ids,date,object_relation\n"
        "u1,7,Network activity,domain,evil.com,,1,1700000000,\n"
        "u2,7,Network activity,ip-dst|port,9.9.9.9|443,,True,1700000000,\n"
        "u3,7,Payload delivery,filename|sha256,"
        "x.exe|E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,,1,0,\n"
        "u4,7,Network activity,domain,benign.example,,0,1700000000,\n"
        "u5,7,Other,text,hello,,1,0,\n";
    CHECK_EQ_INT(vigil_intel_detect("e.csv", text, strlen(text)), VIGIL_INTEL_FMT_MISP_CSV);
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_AUTO, "e.csv", text, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c),
                 "domain evil.com\n"
                 "ip 9.9.9.9\n"
                 "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_EQ_INT(st.not_ids, 1);
    CHECK_EQ_INT(st.unsupported, 1);
    collected_free(&c);
}

static void test_detect(void)
{
    const char *stix = " {\"type\": \"bundle\", \"objects\": []}";
    const char *misp = "{\"Event\": {\"Attribute\": []}}";
    CHECK_EQ_INT(vigil_intel_detect("x", stix, strlen(stix)), VIGIL_INTEL_FMT_STIX);
    CHECK_EQ_INT(vigil_intel_detect("x", misp, strlen(misp)), VIGIL_INTEL_FMT_MISP_JSON);
    CHECK_EQ_INT(vigil_intel_detect("x", "<?xml version='1.0'?><ioc/>", 27),
                 VIGIL_INTEL_FMT_OPENIOC);
    CHECK_EQ_INT(vigil_intel_detect("x", "# c\nvalue,type\n", 15), VIGIL_INTEL_FMT_CSV);
    CHECK_EQ_INT(vigil_intel_detect("x", "evil.com;80\n", 12), VIGIL_INTEL_FMT_LIST);
    CHECK_EQ_INT(vigil_intel_detect("x", "", 0), VIGIL_INTEL_FMT_LIST);
    CHECK_EQ_STR(vigil_intel_format_name(VIGIL_INTEL_FMT_MISP_CSV), "misp-csv");
}

static void test_set_merges_sources(void)
{
    vigil_intel_set *set = NULL;
    vigil_intel_opts o;
    vigil_intel_stats st = {0};
    CHECK_EQ_INT(vigil_intel_set_create(&set), VIGIL_OK);
    memset(&o, 0, sizeof o);
    o.fn = vigil_intel_set_add_cb;
    o.user = set;
    o.stats = &st;
    const char *a = "evil.com;70;first\n1.2.3.4\nEVIL.com.;50\n";
    const char *b = "value,description,score\nhxxp://evil[.]com,,\nevil[.]com,second,90\n";
    CHECK_EQ_INT(vigil_intel_load_list("a.txt", a, strlen(a), &o), VIGIL_OK);
    CHECK_EQ_INT(vigil_intel_load_csv("b.csv", b, strlen(b), &o), VIGIL_OK);
    CHECK_EQ_INT(st.items, 5);
    CHECK_EQ_INT(vigil_intel_set_count(set), 3);
    const vigil_intel_entry *e = vigil_intel_set_at(set, 0);
    CHECK_EQ_STR(e->value, "evil.com");
    CHECK_EQ_INT(e->type, VIGIL_INTEL_DOMAIN);
    CHECK_EQ_INT(e->score, 90);
    CHECK_EQ_STR(e->description, "first");
    CHECK_EQ_INT(e->norigins, 3);
    CHECK_EQ_STR(e->origins[0].source, "a.txt");
    CHECK_EQ_INT(e->origins[0].line, 1);
    CHECK_EQ_STR(e->origins[1].source, "a.txt");
    CHECK_EQ_INT(e->origins[1].line, 3);
    CHECK_EQ_STR(e->origins[2].source, "b.csv");
    CHECK_EQ_INT(e->origins[2].line, 3);
    CHECK_EQ_STR(vigil_intel_set_at(set, 1)->value, "1.2.3.4");
    CHECK_EQ_STR(vigil_intel_set_at(set, 2)->value, "http://evil.com");
    CHECK(vigil_intel_set_at(set, 3) == NULL);
    uint64_t counts[VIGIL_INTEL_TYPE_COUNT];
    vigil_intel_set_counts(set, counts);
    CHECK_EQ_INT(counts[VIGIL_INTEL_DOMAIN], 1);
    CHECK_EQ_INT(counts[VIGIL_INTEL_IP], 1);
    CHECK_EQ_INT(counts[VIGIL_INTEL_URL], 1);
    /* many entries force the table to grow */
    char v[64];
    vigil_intel_item it = {0};
    it.type = VIGIL_INTEL_DOMAIN;
    it.source = "gen";
    it.value = v;
    for (int i = 0; i < 5000; i++) {
        snprintf(v, sizeof v, "h%d.example", i % 4000);
        CHECK_EQ_INT(vigil_intel_set_add(set, &it), VIGIL_OK);
    }
    CHECK_EQ_INT(vigil_intel_set_count(set), 4003);
    vigil_intel_set_destroy(set);
    vigil_intel_set_destroy(NULL);
}

static void test_load_file(void)
{
    char path[] = "/tmp/vigil_intel_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "evil.com\n";
    CHECK_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
    close(fd);
    collected c = {0};
    vigil_intel_opts o;
    memset(&o, 0, sizeof o);
    o.fn = collect_item;
    o.user = &c;
    o.diag.fn = collect_diag;
    o.diag.user = &c;
    CHECK_EQ_INT(vigil_intel_load_file(VIGIL_INTEL_FMT_AUTO, path, &o), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain evil.com");
    unlink(path);
    CHECK_EQ_INT(vigil_intel_load_file(VIGIL_INTEL_FMT_AUTO, path, &o), VIGIL_ERR_IO);
    CHECK_EQ_INT(c.nd, 1);
    o.fn = NULL;
    CHECK_EQ_INT(vigil_intel_load(VIGIL_INTEL_FMT_LIST, "x", "a", 1, &o), VIGIL_ERR_INVALID_ARG);
    collected_free(&c);
}

static int stop_after_one(const vigil_intel_item *it, void *user)
{
    (void)it;
    return ++*(int *)user >= 1;
}

static void test_callback_abort(void)
{
    int calls = 0;
    vigil_intel_opts o;
    memset(&o, 0, sizeof o);
    o.fn = stop_after_one;
    o.user = &calls;
    const char *text = "a.example\nb.example\n";
    CHECK_EQ_INT(vigil_intel_load_list("x", text, strlen(text), &o), VIGIL_ERR_ABORTED);
    CHECK_EQ_INT(calls, 1);
}

/* The public API: a set loaded from documents of two formats (told apart
 * by content), stats per load, and the rule-kind guess the CLI uses. */
static void test_public_set_load(void)
{
    vigil_intel_set *set = NULL;
    vigil_intel_stats st = {0};
    vigil_intel_load_options lo = {0};
    const char *list = "hxxps://bad[.]example/x\n# note\n10.0.0.0/8;80\n";
    const char *stix = "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":"
                       "\"indicator\",\"id\":\"indicator--1\",\"pattern_type\":\"stix\","
                       "\"pattern\":\"[domain-name:value = 'bad.example']\"}]}";
    CHECK_EQ_INT(vigil_intel_set_create(&set), VIGIL_OK);
    CHECK_EQ_INT(vigil_intel_detect("x.json", stix, strlen(stix)), VIGIL_INTEL_FMT_STIX);
    CHECK_EQ_INT(
        vigil_intel_set_load(set, VIGIL_INTEL_FMT_AUTO, "l.txt", list, strlen(list), &lo, &st),
        VIGIL_OK);
    CHECK_EQ_INT(
        vigil_intel_set_load(set, VIGIL_INTEL_FMT_AUTO, "s.json", stix, strlen(stix), NULL, &st),
        VIGIL_OK);
    CHECK_EQ_INT(st.items, 3);
    CHECK_EQ_INT(vigil_intel_set_count(set), 3);
    uint64_t counts[VIGIL_INTEL_TYPE_COUNT] = {0};
    vigil_intel_set_counts(set, counts);
    CHECK_EQ_INT(counts[VIGIL_INTEL_URL], 1);
    CHECK_EQ_INT(counts[VIGIL_INTEL_CIDR], 1);
    CHECK_EQ_INT(counts[VIGIL_INTEL_DOMAIN], 1);
    CHECK_EQ_INT(vigil_intel_set_load(NULL, VIGIL_INTEL_FMT_AUTO, "x", "", 0, NULL, NULL),
                 VIGIL_ERR_INVALID_ARG);
    vigil_intel_set_destroy(set);
    CHECK_EQ_INT(vigil_rule_kind_guess("/x/filename-iocs.txt"), VIGIL_RULES_IOC_FILENAME);
    CHECK_EQ_INT(vigil_rule_kind_guess("alert.json"), VIGIL_RULES_INTEL);
    CHECK_EQ_INT(vigil_rule_kind_guess("r.yar"), VIGIL_RULES_YARA);
    CHECK_EQ_INT(vigil_rule_kind_guess("notes.md"), VIGIL_RULES_AUTO);
}

int main(void)
{
    TEST_RUN(test_refang_styles);
    TEST_RUN(test_normalise);
    TEST_RUN(test_infer);
    TEST_RUN(test_list_loader);
    TEST_RUN(test_csv_loader);
    TEST_RUN(test_misp_csv);
    TEST_RUN(test_detect);
    TEST_RUN(test_set_merges_sources);
    TEST_RUN(test_load_file);
    TEST_RUN(test_callback_abort);
    TEST_RUN(test_public_set_load);
    return TEST_END();
}
