/* test_intel_formats.c - unit tests of the structured intel loaders: STIX
 * 2.1 bundles and patterns, OpenIOC 1.0/1.1, MISP event JSON, including
 * malformed documents whose good parts must still load. */
#include "intel/intel_internal.h"
#include "intel_fixture.h"
#include "test.h"

#define H_MD5 "d41d8cd98f00b204e9800998ecf8427e"
#define H_SHA1 "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define H_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char *stix_bundle =
    "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[\n"
    /* 0: OR of three hashes, confidence as score */
    "{\"type\":\"indicator\",\"id\":\"indicator--0\",\"name\":\"APT10 loader\",\"confidence\":80,"
    "\"pattern_type\":\"stix\",\"pattern\":\"[file:hashes.'SHA-256' = '" H_SHA256 "' OR "
    "file:hashes.MD5 = '" H_MD5 "'] OR [file:hashes.'SHA-1' = '" H_SHA1 "']\"},\n"
    /* 1: AND group of a name and a domain */
    "{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[file:name = 'evil.exe'] AND "
    "[domain-name:value = 'c2.Evil[.]com']\"},\n"
    /* 2: revoked */
    "{\"type\":\"indicator\",\"id\":\"indicator--2\",\"revoked\":true,"
    "\"pattern\":\"[domain-name:value = 'revoked.example']\"},\n"
    /* 3: expired, 4: still valid */
    "{\"type\":\"indicator\",\"id\":\"indicator--3\",\"valid_until\":\"2020-01-01T00:00:00Z\","
    "\"pattern\":\"[domain-name:value = 'old.example']\"},\n"
    "{\"type\":\"indicator\",\"id\":\"indicator--4\",\"valid_until\":\"2030-01-01T00:00:00.000Z\","
    "\"pattern\":\"[ipv4-addr:value = '198.51.100.0/24' OR ipv6-addr:value = '2001:DB8::1']\"},\n"
    /* 5: another pattern language */
    "{\"type\":\"indicator\",\"id\":\"indicator--5\",\"pattern_type\":\"yara\","
    "\"pattern\":\"rule x { condition: true }\"},\n"
    /* 6: a comparison vigil cannot express inside an AND: rest loads */
    "{\"type\":\"indicator\",\"id\":\"indicator--6\",\"pattern\":\"[file:name = 'a.dll' AND "
    "file:size > 100]\"},\n"
    /* 7: does not parse */
    "{\"type\":\"indicator\",\"id\":\"indicator--7\",\"pattern\":\"[url:value = 'x'\"},\n"
    /* 8: IN list, url, network-traffic, ISSUBSET, negation */
    "{\"type\":\"indicator\",\"id\":\"indicator--8\",\"pattern\":\"[domain-name:value IN "
    "('a.example', 'b.example')] OR [url:value = 'hxxp://evil.com/gate.php'] OR "
    "[network-traffic:dst_ref.value = '203.0.113.9'] OR [ipv4-addr:value ISSUBSET "
    "'10.1.0.0/16'] OR [domain-name:value NOT = 'x.example'] WITHIN 300 SECONDS\"},\n"
    /* 9: a bad value of the right kind */
    "{\"type\":\"indicator\",\"id\":\"indicator--9\",\"pattern\":\"[file:hashes.MD5 = 'xyz']\"},\n"
    /* not an indicator */
    "{\"type\":\"malware\",\"id\":\"malware--1\",\"name\":\"PlugX\"}\n"
    "]}\n";

static void test_stix_bundle(void)
{
    collected c = {0};
    vigil_intel_stats st = {0};
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_AUTO, "b.json", stix_bundle, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "cidr 10.1.0.0/16\n"
                                 "cidr 198.51.100.0/24\n"
                                 "domain a.example\n"
                                 "domain b.example\n"
                                 "domain c2.evil.com g1/2\n"
                                 "filename a.dll\n"
                                 "filename evil.exe g1/2\n"
                                 "ip 2001:db8::1\n"
                                 "ip 203.0.113.9\n"
                                 "md5 " H_MD5 "\n"
                                 "sha1 " H_SHA1 "\n"
                                 "sha256 " H_SHA256 "\n"
                                 "url http://evil.com/gate.php");
    CHECK_EQ_STR(diags_text(&c),
                 "b.json:0: /objects/5: indicator indicator--5: pattern_type 'yara' is not "
                 "supported\n"
                 "b.json:0: /objects/6/pattern: indicator indicator--6: 'file:size > 100' cannot "
                 "be expressed (object path not matched by vigil); rest of the AND group loaded\n"
                 "b.json:0: /objects/7/pattern: indicator indicator--7: pattern does not parse: "
                 "expected ']' at column 17\n"
                 "b.json:0: /objects/8/pattern: indicator indicator--8: 'domain-name:value NOT = "
                 "'x.example'' cannot be expressed (negated comparison); not loaded\n"
                 "b.json:0: /objects/9/pattern: value 'xyz' is not a valid md5 (not a hex digest "
                 "of the right length), skipped");
    CHECK_EQ_INT(st.items, 13);
    CHECK_EQ_INT(st.revoked, 1);
    CHECK_EQ_INT(st.expired, 1);
    CHECK_EQ_INT(st.unsupported, 3);
    CHECK_EQ_INT(st.partial, 1);
    CHECK_EQ_INT(st.invalid, 2);
    collected_free(&c);

    /* score, description and position of one item */
    c.detail = 1;
    const char *one = "{\"type\":\"indicator\",\"id\":\"indicator--x\",\"name\":\"N\","
                      "\"confidence\":55,\"pattern\":\"[domain-name:value = 'z.example']\"}";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_STIX, "one.json", one, NULL), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain z.example s55 L0 /pattern |N|");
    collected_free(&c);
}

static void test_stix_patterns(void)
{
    vigil_intel_expr *x = NULL;
    char err[160];
    /* (A OR B) AND C expands to two groups of two */
    collected c = {0};
    const char *b = "[{\"type\":\"indicator\",\"pattern\":\"([domain-name:value = 'a.example'] OR "
                    "[domain-name:value = 'b.example']) FOLLOWEDBY [ipv4-addr:value = '192.0.2.1'] "
                    "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'\"}]";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_STIX, "p.json", b, NULL), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain a.example g1/2\n"
                                 "domain b.example g2/2\n"
                                 "ip 192.0.2.1 g1/2\n"
                                 "ip 192.0.2.1 g2/2");
    collected_free(&c);
    CHECK_EQ_INT(vigil_stix_pattern_parse("[file:name = 'it''s']", &x, err, sizeof err),
                 VIGIL_ERR_PARSE);
    CHECK_EQ_STR(err, "expected ']' at column 18");
    CHECK_EQ_INT(vigil_stix_pattern_parse("[file:name = 'it\\'s']", &x, err, sizeof err), VIGIL_OK);
    CHECK_EQ_STR(x->value, "it's");
    vigil_intel_expr_free(x);
    CHECK_EQ_INT(vigil_stix_pattern_parse("", &x, err, sizeof err), VIGIL_ERR_PARSE);
    CHECK_EQ_STR(err, "expected '[' or '(' at column 1");
    CHECK_EQ_INT(vigil_stix_pattern_parse("[a:b = 1] junk", &x, err, sizeof err), VIGIL_ERR_PARSE);
    CHECK_EQ_STR(err, "unexpected text after the pattern at column 11");
    char deep[600];
    memset(deep, '(', 300);
    strcpy(deep + 300, "[a:b = 1]");
    CHECK_EQ_INT(vigil_stix_pattern_parse(deep, &x, err, sizeof err), VIGIL_ERR_PARSE);
    CHECK_EQ_STR(err, "nesting too deep at column 101");
}

static void test_stix_broken_json(void)
{
    collected c = {0};
    vigil_intel_stats st = {0};
    c.detail = 1;
    /* a missing comma between objects 2 and 3 breaks the whole document */
    const char *text = "{\"type\":\"bundle\",\"objects\":[\n"
                       "  {\"type\":\"indicator\",\"id\":\"indicator--a\",\n"
                       "   \"pattern\":\"[domain-name:value = 'one.example']\",\n"
                       "   \"external_references\":[{\"source_name\":\"x\"}]},\n"
                       "  {\"type\":\"indicator\",\"id\":\"indicator--b\",\n"
                       "   \"pattern\":\"[domain-name:value = 'two.example']\"}\n"
                       "  {\"type\":\"indicator\",\"id\":\"indicator--c\",\n"
                       "   \"pattern\":\"[ipv4-addr:value = '192.0.2.7']\"}\n"
                       "]}\n";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_STIX, "broken.json", text, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain one.example s100 L2 - ||\n"
                                 "domain two.example s100 L5 - ||\n"
                                 "ip 192.0.2.7 s100 L7 - ||");
    CHECK_EQ_STR(diags_text(&c), "broken.json:7: invalid JSON at line 7 column 3: ']' expected "
                                 "near '{'; loading the objects that parse");
    CHECK_EQ_INT(st.syntax, 1);
    collected_free(&c);

    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_STIX, "n.json", "42", NULL), VIGIL_ERR_PARSE);
    CHECK_EQ_STR(diags_text(&c), "n.json:1: invalid JSON at line 1 column 2: '[' or '{' "
                                 "expected near '42'; loading the objects that parse");
    collected_free(&c);
}

static const char *openioc10 =
    "<?xml version=\"1.0\" encoding=\"us-ascii\"?>\n"
    "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"1\">\n"
    "  <short_description>APT10 sample</short_description>\n"
    "  <definition>\n"
    "    <Indicator operator=\"OR\" id=\"i1\">\n"
    "      <IndicatorItem id=\"a\" condition=\"is\">\n"
    "        <Context document=\"FileItem\" search=\"FileItem/Md5sum\" type=\"mir\"/>\n"
    "        <Content type=\"md5\">" H_MD5 "</Content>\n"
    "      </IndicatorItem>\n"
    "      <Indicator operator=\"AND\" id=\"i2\">\n"
    "        <IndicatorItem id=\"b\" condition=\"is\">\n"
    "          <Context document=\"FileItem\" search=\"FileItem/FileName\" type=\"mir\"/>\n"
    "          <Content type=\"string\">ccSvcHst.exe</Content>\n"
    "        </IndicatorItem>\n"
    "        <IndicatorItem id=\"c\" condition=\"is\">\n"
    "          <Context document=\"FileItem\" search=\"FileItem/FullPath\" type=\"mir\"/>\n"
    "          <Content type=\"string\">C:\\ProgramData\\ccSvcHst.exe</Content>\n"
    "        </IndicatorItem>\n"
    "        <IndicatorItem id=\"d\" condition=\"is\">\n"
    "          <Context document=\"FileItem\" search=\"FileItem/SizeInBytes\" type=\"mir\"/>\n"
    "          <Content type=\"int\">1024</Content>\n"
    "        </IndicatorItem>\n"
    "      </Indicator>\n"
    "      <IndicatorItem id=\"e\" condition=\"contains\">\n"
    "        <Context document=\"Network\" search=\"Network/DNS\" type=\"mir\"/>\n"
    "        <Content type=\"string\">update.evil[.]com</Content>\n"
    "      </IndicatorItem>\n"
    "      <IndicatorItem id=\"f\" condition=\"is\">\n"
    "        <Context document=\"PortItem\" search=\"PortItem/remoteIP\" type=\"mir\"/>\n"
    "        <Content type=\"IP\">192.0.2.44</Content>\n"
    "      </IndicatorItem>\n"
    "      <IndicatorItem id=\"g\" condition=\"contains\">\n"
    "        <Context document=\"FileItem\" search=\"FileItem/FileName\" type=\"mir\"/>\n"
    "        <Content type=\"string\">svc</Content>\n"
    "      </IndicatorItem>\n"
    "    </Indicator>\n"
    "  </definition>\n"
    "</ioc>\n";

static void test_openioc_10(void)
{
    collected c = {0};
    vigil_intel_stats st = {0};
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_AUTO, "a.ioc", openioc10, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain update.evil.com\n"
                                 "filename ccSvcHst.exe g1/2\n"
                                 "ip 192.0.2.44\n"
                                 "md5 " H_MD5 "\n"
                                 "path C:\\ProgramData\\ccSvcHst.exe g1/2");
    CHECK_EQ_STR(diags_text(&c),
                 "a.ioc:10: /*/*[2]/*/*[2]: OpenIOC indicator: 'FileItem/SizeInBytes is 1024' "
                 "cannot be expressed (context not matched by vigil); rest of the AND group "
                 "loaded\n"
                 "a.ioc:32: /*/*[2]/*/*[5]: OpenIOC indicator: 'FileItem/FileName contains svc' "
                 "cannot be expressed (condition other than 'is'); not loaded");
    CHECK_EQ_INT(st.partial, 1);
    CHECK_EQ_INT(st.unsupported, 2);
    collected_free(&c);

    c.detail = 1;
    const char *only = strstr(openioc10, "<IndicatorItem id=\"f\"") ? openioc10 : "";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_OPENIOC, "a.ioc", only, NULL), VIGIL_OK);
    CHECK(c.n == 5);
    int found = 0;
    for (size_t i = 0; i < c.n; i++)
        found += strcmp(c.items[i], "ip 192.0.2.44 s100 L28 /*/*[2]/*/*[4] |APT10 sample|") == 0;
    CHECK_EQ_INT(found, 1);
    collected_free(&c);
}

static void test_openioc_11_and_broken(void)
{
    collected c = {0};
    const char *v11 =
        "<?xml version=\"1.0\"?>\n"
        "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" id=\"x\">\n"
        "<metadata><short_description>v11</short_description></metadata>\n"
        "<criteria><Indicator operator=\"AND\" id=\"r\">\n"
        "<IndicatorItem id=\"a\" condition=\"is\" negate=\"false\" preserve-case=\"false\">\n"
        "<Context document=\"FileItem\" search=\"FileItem/Sha256sum\" type=\"mir\"/>\n"
        "<Content type=\"string\">" H_SHA256 "</Content></IndicatorItem>\n"
        "<IndicatorItem id=\"b\" condition=\"is\" negate=\"true\">\n"
        "<Context document=\"FileItem\" search=\"FileItem/FileName\" type=\"mir\"/>\n"
        "<Content type=\"string\">good.exe</Content></IndicatorItem>\n"
        "<IndicatorItem id=\"c\" condition=\"is\">\n"
        "<Context document=\"DnsEntryItem\" search=\"DnsEntryItem/RecordName\" type=\"mir\"/>\n"
        "<Content type=\"string\">x.example</Content></IndicatorItem>\n"
        "</Indicator></criteria></OpenIOC>\n";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_AUTO, "b.ioc", v11, NULL), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain x.example g1/2\n"
                                 "sha256 " H_SHA256 " g1/2");
    CHECK_EQ_STR(diags_text(&c),
                 "b.ioc:4: /*/*[2]/*: OpenIOC indicator: 'FileItem/FileName is good.exe' cannot "
                 "be expressed (negated item); rest of the AND group loaded");
    collected_free(&c);

    /* cut off in the middle: what precedes the damage still loads */
    const char *cut = "<?xml version=\"1.0\"?>\n"
                      "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\">\n"
                      "<definition><Indicator operator=\"OR\">\n"
                      "<IndicatorItem condition=\"is\">\n"
                      "<Context search=\"Network/DNS\"/><Content>ok.example</Content>\n"
                      "</IndicatorItem>\n"
                      "<IndicatorItem condition=\"is\">\n"
                      "<Context search=\"Network/DNS\"/><Content>second.example</Content>\n"
                      "</IndicatorItem>\n"
                      "<IndicatorItem condition=\"is\"><Context search=\"Network/DNS\" <<<\n";
    vigil_intel_stats st = {0};
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_OPENIOC, "cut.ioc", cut, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain ok.example\ndomain second.example");
    CHECK(c.nd >= 1);
    CHECK(strncmp(c.diags[0], "cut.ioc:10: invalid XML at line 10", 34) == 0);
    CHECK(st.syntax >= 1);
    collected_free(&c);

    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_OPENIOC, "r.xml", "<html><body/></html>", NULL),
                 VIGIL_ERR_PARSE);
    CHECK_EQ_STR(diags_text(&c), "r.xml:1: root element <html> is not <ioc> or <OpenIOC>");
    collected_free(&c);
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_OPENIOC, "e.xml", "", NULL), VIGIL_ERR_PARSE);
    CHECK_EQ_INT(c.n, 0);
    CHECK(c.nd >= 1);
    collected_free(&c);
}

static const char *misp_event =
    "{\"Event\":{\"info\":\"APT10 campaign\",\"Attribute\":[\n"
    "{\"type\":\"domain\",\"value\":\"evil[.]com\",\"to_ids\":true},\n"
    "{\"type\":\"hostname\",\"value\":\"mail.evil.com\",\"to_ids\":\"1\",\"comment\":\"MX\"},\n"
    "{\"type\":\"ip-dst\",\"value\":\"192.0.2.1\",\"to_ids\":false},\n"
    "{\"type\":\"ip-src\",\"value\":\"198.51.100.0/24\",\"to_ids\":1},\n"
    "{\"type\":\"url\",\"value\":\"hxxps://evil.com/a\",\"to_ids\":true,\"deleted\":true},\n"
    "{\"type\":\"url\",\"value\":\"hxxps://evil.com/b\",\"to_ids\":true},\n"
    "{\"type\":\"domain|ip\",\"value\":\"pair.example|203.0.113.5\",\"to_ids\":true},\n"
    "{\"type\":\"mutex\",\"value\":\"Global\\\\x\",\"to_ids\":true},\n"
    "{\"type\":\"md5\",\"value\":\"nothex\",\"to_ids\":true}\n"
    "],\"Object\":[{\"name\":\"file\",\"Attribute\":[\n"
    "{\"type\":\"filename|md5\",\"value\":\"x.dll|" H_MD5 "\",\"to_ids\":true},\n"
    "{\"type\":\"sha1\",\"value\":\"" H_SHA1 "\",\"to_ids\":true},\n"
    "{\"type\":\"filename\",\"value\":\"x.dll\",\"to_ids\":true}]}]}}\n";

static void test_misp_json(void)
{
    collected c = {0};
    vigil_intel_stats st = {0};
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_AUTO, "e.json", misp_event, &st), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "cidr 198.51.100.0/24\n"
                                 "domain evil.com\n"
                                 "domain mail.evil.com\n"
                                 "domain pair.example\n"
                                 "filename x.dll\n"
                                 "ip 203.0.113.5\n"
                                 "md5 " H_MD5 "\n"
                                 "sha1 " H_SHA1 "\n"
                                 "url https://evil.com/b");
    CHECK_EQ_STR(diags_text(&c),
                 "e.json:0: /Event/Attribute/8: value 'nothex' is not a valid md5 (not a hex "
                 "digest of the right length), skipped\n"
                 "e.json:0: 1 attribute(s) of types vigil does not match (e.g. mutex) not loaded");
    CHECK_EQ_INT(st.not_ids, 1);
    CHECK_EQ_INT(st.revoked, 1);
    CHECK_EQ_INT(st.unsupported, 1);
    CHECK_EQ_INT(st.invalid, 1);
    collected_free(&c);

    c.detail = 1;
    const char *one = "{\"response\":[{\"Event\":{\"info\":\"I\",\"Attribute\":["
                      "{\"type\":\"domain\",\"value\":\"a.example\"},"
                      "{\"type\":\"domain\",\"value\":\"b.example\",\"comment\":\"C\"}]}}]}";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_AUTO, "r.json", one, NULL), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain a.example s100 L0 /response/0/Event/Attribute/0 |I|\n"
                                 "domain b.example s100 L0 /response/0/Event/Attribute/1 |C|");
    collected_free(&c);

    /* include_not_ids loads the context attributes too */
    vigil_intel_opts o;
    memset(&o, 0, sizeof o);
    o.fn = collect_item;
    o.user = &c;
    o.include_not_ids = 1;
    CHECK_EQ_INT(vigil_intel_load_misp_json("e.json", misp_event, strlen(misp_event), &o),
                 VIGIL_OK);
    CHECK_EQ_INT(c.n, 10);
    collected_free(&c);
}

static void test_misp_broken_json(void)
{
    collected c = {0};
    c.detail = 1;
    const char *text = "{\"Event\":{\"info\":\"x\",\"Attribute\":[\n"
                       "{\"type\":\"domain\",\"value\":\"a.example\",\"to_ids\":true,\n"
                       " \"Tag\":[{\"name\":\"tlp:white\"}]},\n"
                       "{\"type\":\"domain\",\"value\":\"b.example\",\"to_ids\":true,}\n"
                       "{\"type\":\"ip-dst\",\"value\":\"192.0.2.9\",\"to_ids\":false},\n"
                       "{\"type\":\"ip-dst\",\"value\":\"192.0.2.10\",\"to_ids\":true}\n";
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_MISP_JSON, "m.json", text, NULL), VIGIL_OK);
    CHECK_EQ_STR(items_text(&c), "domain a.example s100 L2 (salvaged) ||\n"
                                 "ip 192.0.2.10 s100 L6 (salvaged) ||");
    CHECK_EQ_STR(diags_text(&c), "m.json:4: invalid JSON at line 4 column 52: string or '}' "
                                 "expected near '}'; loading the attributes that parse");
    collected_free(&c);
    CHECK_EQ_INT(load_into(&c, VIGIL_INTEL_FMT_MISP_JSON, "m.json", "{\"a\":1}", NULL),
                 VIGIL_ERR_PARSE);
    CHECK_EQ_STR(diags_text(&c), "m.json:0: not a MISP event (no Event, response or Attribute)");
    collected_free(&c);
}

int main(void)
{
    TEST_RUN(test_stix_bundle);
    TEST_RUN(test_stix_patterns);
    TEST_RUN(test_stix_broken_json);
    TEST_RUN(test_openioc_10);
    TEST_RUN(test_openioc_11_and_broken);
    TEST_RUN(test_misp_json);
    TEST_RUN(test_misp_broken_json);
    return TEST_END();
}
