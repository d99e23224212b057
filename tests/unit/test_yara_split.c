/* test_yara_split.c - unit tests of the YARA source reader, precondition
 * extraction and grouping (src/yara/yara_split.h): lexer edge cases, each
 * precondition form and the conservative cases, dependency closure and
 * globals, and - the point of it all - that the groups compiled by libyara
 * and selected per file report exactly the (file, rule) set the original
 * rules report, on many generated inputs. */
#include <yara.h>

#include "test.h"
#include "yara/yara_lex.h"
#include "yara/yara_split.h"

/* ---- helpers ------------------------------------------------------------ */

static vigil_yara_split *parse_one(const char *ns, const char *text)
{
    vigil_yara_split *s = NULL;
    CHECK_EQ_INT(vigil_yara_split_create(NULL, &s), VIGIL_OK);
    if (s == NULL)
        return NULL;
    CHECK_EQ_INT(vigil_yara_split_add_string(s, ns, ns, text, strlen(text)), VIGIL_OK);
    return s;
}

/* Formats the own precondition of the single rule `cond` in a file that
 * imports pe, elf and math. */
static void pre_of(const char *cond, char *out, size_t cap)
{
    char text[1024];
    snprintf(text, sizeof text,
             "import \"pe\"\nimport \"elf\"\nimport \"math\"\n"
             "rule t { strings: $a = \"x\" condition: %s }",
             cond);
    vigil_yara_split *s = parse_one("ns", text);
    out[0] = '\0';
    if (s != NULL && vigil_yara_split_rule_count(s) == 1)
        vigil_yara_pre_format(&vigil_yara_split_rule(s, 0)->pre, out, cap);
    else
        snprintf(out, cap, "PARSE FAILED");
    vigil_yara_split_destroy(s);
}

#define CHECK_PRE(cond, expect)                                                                    \
    do {                                                                                           \
        char got_[512];                                                                            \
        pre_of((cond), got_, sizeof got_);                                                         \
        CHECK_EQ_STR(got_, (expect));                                                              \
    } while (0)

/* ---- lexer -------------------------------------------------------------- */

static void test_lexer_tokens(void)
{
    const char *src = "rule /* rule x */ a // rule y\n"
                      "\"ru\\\"le\\x41\" /ab\\/c/is { 4D 5A [2-4] ( 01 | ?? ) } 0x1F 10KB 2MB "
                      "0o17 1.5 $s* #c @o !l != .. \\ uint16be";
    vigil_yara_lexer lx;
    vigil_yara_lex_init(&lx, src, strlen(src));
    vigil_yara_tok t;
    int kinds[32], n = 0;
    int64_t ints[8];
    int ni = 0;
    while (n < 32 && vigil_yara_lex_next(&lx, &t) == VIGIL_OK && t.kind != VY_T_EOF) {
        kinds[n++] = t.kind;
        if (t.kind == VY_T_INT && ni < 8)
            ints[ni++] = t.ival;
        if (t.kind == VY_T_STRING) {
            char buf[64];
            size_t len = 0;
            CHECK_EQ_INT(vigil_yara_lex_string(&lx, &t, buf, sizeof buf, &len), VIGIL_OK);
            CHECK_EQ_INT(len, 6);
            CHECK(memcmp(buf, "ru\"leA", 6) == 0);
            CHECK_EQ_INT(t.line, 2);
        }
        if (t.kind == VY_T_REGEX)
            CHECK_EQ_INT(t.len, 9); /* /ab\/c/is */
        if (t.kind == VY_T_HEX)
            CHECK(src[t.off + t.len - 1] == '}');
        if (t.kind == VY_T_STRID)
            CHECK_EQ_INT(t.wild, 1);
    }
    int expect[] = {VY_T_KEYWORD, VY_T_IDENT,  VY_T_STRING, VY_T_REGEX,  VY_T_HEX,   VY_T_INT,
                    VY_T_INT,     VY_T_INT,    VY_T_INT,    VY_T_DOUBLE, VY_T_STRID, VY_T_STRCOUNT,
                    VY_T_STROFF,  VY_T_STRLEN, VY_T_OP,     VY_T_OP,     VY_T_OP,    VY_T_KEYWORD};
    CHECK_EQ_INT(n, (int)(sizeof expect / sizeof expect[0]));
    for (int i = 0; i < n && i < (int)(sizeof expect / sizeof expect[0]); i++)
        CHECK_EQ_INT(kinds[i], expect[i]);
    CHECK_EQ_INT(ni, 4);
    CHECK_EQ_INT(ints[0], 0x1F);
    CHECK_EQ_INT(ints[1], 10 * 1024);
    CHECK_EQ_INT(ints[2], 2 * 1024 * 1024);
    CHECK_EQ_INT(ints[3], 017);
}

static void test_lexer_errors(void)
{
    const char *bad[] = {"\"abc", "/* open", "/abc", "99999999999999999999", "\"a\nb\"", "`"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vigil_yara_lexer lx;
        vigil_yara_lex_init(&lx, bad[i], strlen(bad[i]));
        vigil_yara_tok t;
        vigil_status st = VIGIL_OK;
        for (int k = 0; k < 8 && st == VIGIL_OK; k++) {
            st = vigil_yara_lex_next(&lx, &t);
            if (st == VIGIL_OK && t.kind == VY_T_EOF)
                break;
        }
        CHECK_EQ_INT(st, VIGIL_ERR_PARSE);
    }
}

/* Strings, comments and regexes that contain `rule` or braces must not
 * produce rules; spans must be exact. */
static void test_rule_spans(void)
{
    const char *src = "import \"pe\"\n"
                      "/* rule fake1 { condition: true } */\n"
                      "// rule fake2 { condition: true }\n"
                      "private rule A : tag1 tag2 {\n"
                      "  meta: d = \"rule fake3 { condition: true }\" n = -5 b = true\n"
                      "  strings:\n"
                      "    $s = \"}rule{\" wide\n"
                      "    $r = /rule \\/x\\/ {2}/ nocase\n"
                      "    $h = { 4D 5A [2-4] ( 01 | 02 ) ?? // jump\n }\n"
                      "  condition: $s or $r or $h\n"
                      "}\n"
                      "global rule B { condition: A and filesize < 10 }\n";
    vigil_yara_split *s = parse_one("n1", src);
    CHECK_EQ_INT(vigil_yara_split_rule_count(s), 2);
    CHECK_EQ_INT(vigil_yara_split_ns_opaque(s, 0), 0);
    const vigil_yara_rule *a = vigil_yara_split_rule(s, 0);
    const vigil_yara_rule *b = vigil_yara_split_rule(s, 1);
    if (a != NULL && b != NULL) {
        CHECK_EQ_STR(a->name, "A");
        CHECK_EQ_INT(a->flags, VIGIL_YARA_RULE_PRIVATE);
        CHECK_EQ_INT(a->line, 4);
        CHECK_EQ_INT(a->n_tags, 2);
        CHECK_EQ_STR(a->tags[1], "tag2");
        CHECK(strncmp(a->text, "private rule A", 14) == 0);
        CHECK(a->text[a->text_len - 1] == '}');
        CHECK(strncmp(a->text + a->text_len - 4, "$h\n}", 4) == 0);
        CHECK(a->strings_len > 0 && strncmp(src + a->strings_off, "strings:", 8) == 0);
        CHECK_EQ_STR(b->name, "B");
        CHECK_EQ_INT(b->flags, VIGIL_YARA_RULE_GLOBAL);
        CHECK_EQ_INT(b->text_len, strlen("global rule B { condition: A and filesize < 10 }"));
        CHECK_EQ_INT(b->n_deps, 1);
        CHECK_EQ_INT(b->deps[0], 0);
        CHECK_EQ_INT(b->pre.n_req_rules, 1);
    }
    vigil_yara_split_destroy(s);
}

static void test_parse_error_opaque(void)
{
    vigil_yara_split *s = NULL;
    CHECK_EQ_INT(vigil_yara_split_create(NULL, &s), VIGIL_OK);
    const char *bad = "rule ok { condition: true }\nrule broken { condition: ( }\n";
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "bad", "bad.yar", bad, strlen(bad)),
                 VIGIL_ERR_PARSE);
    CHECK_EQ_INT(vigil_yara_split_ns_opaque(s, 0), 1);
    const char *good = "rule fine { condition: uint16(0) == 0x5a4d }";
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "good", "good.yar", good, strlen(good)), VIGIL_OK);
    vigil_yara_plan *p = NULL;
    CHECK_EQ_INT(vigil_yara_plan_build(s, NULL, &p), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_plan_group_count(p), 2);
    const vigil_yara_group *any = vigil_yara_plan_group(p, 1);
    if (any != NULL) {
        CHECK_EQ_STR(any->name, "any");
        CHECK_EQ_INT(any->n_sources, 1);
        CHECK_EQ_STR(any->sources[0].text, bad);
        CHECK_EQ_INT(vigil_yara_plan_is_reported(p, 1, "bad", "whatever"), 1);
        CHECK_EQ_INT(vigil_yara_plan_is_reported(p, 0, "bad", "ok"), 0);
    }
    vigil_yara_plan_destroy(p);
    vigil_yara_split_destroy(s);
    vigil_yara_split_destroy(NULL);
    vigil_yara_plan_destroy(NULL);
}

/* ---- preconditions ------------------------------------------------------ */

static void test_pre_forms(void)
{
    CHECK_PRE("uint16(0) == 0x5a4d", "bytes@0=4d5a");
    CHECK_PRE("0x5A4D == uint16(0) and $a", "bytes@0=4d5a");
    CHECK_PRE("uint32(0) == 0x464c457f", "bytes@0=7f454c46");
    CHECK_PRE("uint32be(0) == 0x7f454c46", "bytes@0=7f454c46");
    CHECK_PRE("uint16be(0) == 0x4d5a", "bytes@0=4d5a");
    CHECK_PRE("uint8(0) == 0x4d and uint8(1) == 0x5a", "bytes@0=4d5a");
    CHECK_PRE("int16(0) == -1", "bytes@0=ffff");
    CHECK_PRE("uint32(4) == 0x1 + 1", "bytes@4=02000000");
    CHECK_PRE("uint16(0) == 0x15a4d", "never");
    CHECK_PRE("uint16(0) == 0x5a4d and uint16(0) == 0x457f", "never bytes@0=4d5a");
    CHECK_PRE("pe.is_pe", "bytes@0=4d5a");
    CHECK_PRE("pe.number_of_sections > 2 and $a", "bytes@0=4d5a");
    CHECK_PRE("pe.is_dll()", "bytes@0=4d5a");
    CHECK_PRE("pe.linker_version.major == 6", "bytes@0=4d5a");
    CHECK_PRE("elf.type == elf.ET_EXEC", "bytes@0=7f454c46");
    /* undefined unless the pe module parsed the file, also under `not` */
    CHECK_PRE("pe.imphash() == \"abc\"", "bytes@0=4d5a");
    CHECK_PRE("$a and not pe.imphash() == \"abc\"", "bytes@0=4d5a");
    CHECK_PRE("not not (\"abc\" != pe.imphash())", "bytes@0=4d5a");
    CHECK_PRE("pe.exports(\"CPlApplet\")", "bytes@0=4d5a");
    CHECK_PRE("not pe.imports(\"kernel32.dll\", \"Sleep\")", "bytes@0=4d5a");
    CHECK_PRE("not pe.is_dll()", "bytes@0=4d5a");
    CHECK_PRE("pe.number_of_signatures == 0", "bytes@0=4d5a");
    CHECK_PRE("filesize < 100KB", "filesize<=102399");
    CHECK_PRE("100 > filesize", "filesize<=99");
    CHECK_PRE("filesize >= 10 and filesize <= 20", "filesize>=10 filesize<=20");
    CHECK_PRE("filesize == 5", "filesize>=5 filesize<=5");
    CHECK_PRE("filesize > 3MB", "filesize>=3145729");
    CHECK_PRE("filesize < 10 and filesize > 20", "never filesize>=21 filesize<=9");
    CHECK_PRE("( uint16(0) == 0x5a4d and filesize < 2000KB and all of them )",
              "bytes@0=4d5a filesize<=2047999");
    CHECK_PRE("uint16(0) == 0x5a4d and (filesize < 10 and $a)", "bytes@0=4d5a filesize<=9");
    CHECK_PRE("filename == \"x.exe\"", "filename == \"x.exe\"");
    CHECK_PRE("$a and filename iendswith \".EXE\"", "filename iendswith \".EXE\"");
    CHECK_PRE("not filepath contains \"sys\"", "not filepath contains \"sys\"");
    CHECK_PRE("filename == \"a\" or filename == \"b\"", "(filename == \"a\" or filename == \"b\")");
    CHECK_PRE("filesize != 7", "filesize != 7");
    CHECK_PRE("false", "never");
    /* conservative cases: no precondition at all */
    CHECK_PRE("uint16(0) == 0x5a4d or filesize < 10", "none");
    CHECK_PRE("not uint16(0) == 0x5a4d", "none");
    CHECK_PRE("not pe.is_pe", "none");
    CHECK_PRE("pe.is_pe == 0", "none");
    CHECK_PRE("math.entropy(0, filesize) > 7", "none");
    CHECK_PRE("not math.entropy(0, filesize) > 7", "none");
    CHECK_PRE("pe.imphash", "none");
    CHECK_PRE("defined pe.imphash() or $a", "none");
    CHECK_PRE("uint32(uint32(0x3C)) == 0x00004550", "none");
    CHECK_PRE("filename matches /x/", "none");
    CHECK_PRE("uint16(0) != 0x5a4d", "none");
    CHECK_PRE("uint16(0x10000) == 0x5a4d", "none");
    CHECK_PRE("any of them", "none");
    CHECK_PRE("for any i in (0..2) : (uint16(i) == 0x5a4d)", "none");
    CHECK_PRE("filesize < 10 or $a", "none");
    CHECK_PRE("filesize < 10 * (2 - 2) - 1 or true", "(filesize < -1 or true)");
}

static void test_pre_eval(void)
{
    vigil_yara_split *s = parse_one(
        "ns", "rule r { condition: filename istartswith \"PASS\" and extension iequals \".TXT\" "
              "and not filepath contains \"tmp\" and filesize > 3 and owner != \"root\" }");
    const vigil_yara_rule *r = vigil_yara_split_rule(s, 0);
    if (r != NULL) {
        vigil_yara_externals e = {"passwords.txt", "/home/u", ".txt", "", "bob", ""};
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, NULL, 0, 4, &e), 1);
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, NULL, 0, 3, &e), 0);
        e.filepath = "/tmp";
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, NULL, 0, 4, &e), 0);
        e.filepath = "/x";
        e.owner = "root";
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, NULL, 0, 4, &e), 0);
        e.owner = NULL;
        e.extension = ".tx";
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, NULL, 0, 4, &e), 0);
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, NULL, 0, 4, NULL), 0);
    }
    vigil_yara_split_destroy(s);
    /* byte checks: unknown past head_len, impossible past filesize */
    s = parse_one("ns", "rule m { condition: uint16(0) == 0x5a4d and uint8(8) == 1 }");
    r = vigil_yara_split_rule(s, 0);
    if (r != NULL) {
        const uint8_t mz[9] = {'M', 'Z', 0, 0, 0, 0, 0, 0, 1};
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, mz, 9, 9, NULL), 1);
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, mz, 2, 100, NULL), 1);
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, mz, 9, 8, NULL), 0);
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, (const uint8_t *)"MY", 2, 100, NULL), 0);
        CHECK_EQ_INT(vigil_yara_pre_may_match(&r->pre, NULL, 0, 9, NULL), 1);
    }
    vigil_yara_split_destroy(s);
}

/* ---- grouping ----------------------------------------------------------- */

static const char *rules_a =
    "import \"pe\"\n"
    "private rule IsMZ { condition: uint16(0) == 0x5a4d }\n"
    "rule Base { strings: $b = \"BASEMARK\" condition: $b }\n"
    "rule PeTool { strings: $t = \"TOOLX\" condition: IsMZ and filesize < 300 and $t }\n"
    "rule PeStrict { strings: $t = \"TOOLX\" condition: uint16(0) == 0x5a4d and filesize <= 200 "
    "and $t and Base }\n"
    "rule PeIsPe { strings: $t = \"TOOLX\" condition: pe.is_pe and $t }\n"
    "rule ElfTool { strings: $t = \"TOOLX\" condition: uint32(0) == 0x464c457f and $t }\n"
    "rule Magic { strings: $t = \"TOOLX\" condition: uint32be(0) == 0x25504446 and $t }\n"
    "rule NameOnly { condition: filename == \"evil.dll\" and filesize < 250 }\n"
    "rule NameOr { strings: $t = \"TOOLX\" condition: (extension iequals \".ps1\" or filename "
    "icontains \"temp\") and $t }\n"
    "rule NotMZ { strings: $t = \"TOOLX\" condition: not (uint16(0) == 0x5a4d) and $t }\n"
    "rule SizeOnly { strings: $t = \"TOOLX\" condition: filesize > 100 and filesize < 200 and $t "
    "}\n"
    "rule OrTop { strings: $t = \"TOOLX\" condition: uint16(0) == 0x5a4d or $t }\n"
    "rule UsesBase { condition: Base and uint16(0) == 0x457f }\n"
    "rule Exact { condition: filesize == 150 }\n";

/* Namespace with a global rule: every rule is silenced unless it holds. */
static const char *rules_b = "global rule Small { condition: filesize < 250 }\n"
                             "rule AnyTool { strings: $t = \"TOOLX\" condition: $t }\n"
                             "rule MzTool { strings: $t = \"TOOLX\" condition: $t and "
                             "uint16(0) == 0x5a4d }\n";

/* Namespace whose global rule needs MZ: its rules all become MZ rules. */
static const char *rules_c = "import \"pe\"\n"
                             "global private rule OnlyPE { condition: pe.is_pe or "
                             "uint16(0) == 0x5a4d }\n"
                             "global rule MzOnly { condition: uint16(0) == 0x5a4d }\n"
                             "rule Cx { strings: $t = \"BASEMARK\" condition: $t }\n";

static void test_groups(void)
{
    vigil_yara_split *s = NULL;
    CHECK_EQ_INT(vigil_yara_split_create(NULL, &s), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "a", "a.yar", rules_a, strlen(rules_a)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "b", "b.yar", rules_b, strlen(rules_b)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "c", "c.yar", rules_c, strlen(rules_c)), VIGIL_OK);
    vigil_yara_plan *p = NULL;
    CHECK_EQ_INT(vigil_yara_plan_build(s, NULL, &p), VIGIL_OK);
    if (p == NULL) {
        vigil_yara_split_destroy(s);
        return;
    }
    /* mz, elf, magic, name, size, any */
    CHECK_EQ_INT(vigil_yara_plan_group_count(p), 6);
    const char *names[] = {"mz", "elf", "magic", "name", "size", "any"};
    for (size_t g = 0; g < 6 && g < vigil_yara_plan_group_count(p); g++)
        CHECK_EQ_STR(vigil_yara_plan_group(p, g)->name, names[g]);
    struct {
        const char *ns, *rule;
        size_t group;
    } homes[] = {{"a", "IsMZ", 0},     {"a", "Base", 5},     {"a", "PeTool", 0},
                 {"a", "PeStrict", 0}, {"a", "PeIsPe", 0},   {"a", "ElfTool", 1},
                 {"a", "Magic", 2},    {"a", "NameOnly", 3}, {"a", "NameOr", 3},
                 {"a", "NotMZ", 5},    {"a", "SizeOnly", 4}, {"a", "OrTop", 5},
                 {"a", "UsesBase", 2}, {"a", "Exact", 4},    {"b", "Small", 4},
                 {"b", "AnyTool", 4},  {"b", "MzTool", 0},   {"c", "Cx", 0}};
    for (size_t i = 0; i < sizeof homes / sizeof homes[0]; i++) {
        size_t r = vigil_yara_split_find(s, homes[i].ns, homes[i].rule);
        CHECK(r != SIZE_MAX);
        if (vigil_yara_plan_rule_group(p, r) != homes[i].group)
            fprintf(stderr, "rule %s:%s in group %zu\n", homes[i].ns, homes[i].rule,
                    vigil_yara_plan_rule_group(p, r));
        CHECK_EQ_INT(vigil_yara_plan_rule_group(p, r), homes[i].group);
    }
    /* effective precondition of PeStrict includes its own and Base's (none) */
    char buf[256];
    vigil_yara_pre_format(vigil_yara_plan_rule_pre(p, vigil_yara_split_find(s, "a", "PeTool")), buf,
                          sizeof buf);
    CHECK_EQ_STR(buf, "bytes@0=4d5a filesize<=299");
    vigil_yara_pre_format(vigil_yara_plan_rule_pre(p, vigil_yara_split_find(s, "b", "MzTool")), buf,
                          sizeof buf);
    CHECK_EQ_STR(buf, "bytes@0=4d5a filesize<=249");
    /* MZ group source: PeStrict needs Base (copied, not reported); namespace
     * b brings its global Small; IsMZ is private and reported by nobody. */
    const vigil_yara_group *mz = vigil_yara_plan_group(p, 0);
    CHECK_EQ_INT(mz->n_rules, 6);  /* PeTool PeStrict PeIsPe MzTool Cx MzOnly */
    CHECK_EQ_INT(mz->n_home, 8);   /* and the private IsMZ, OnlyPE */
    CHECK_EQ_INT(mz->n_copies, 2); /* Base, Small */
    CHECK_EQ_INT(mz->n_sources, 3);
    if (mz->n_sources == 3) {
        CHECK_EQ_STR(mz->sources[0].ns, "a");
        CHECK(strncmp(mz->sources[0].text, "import \"pe\"\n", 12) == 0);
        CHECK(strstr(mz->sources[0].text, "rule Base {") != NULL);
        CHECK(strstr(mz->sources[0].text, "rule ElfTool") == NULL);
        CHECK(strstr(mz->sources[1].text, "global rule Small") != NULL);
        CHECK(strstr(mz->sources[2].text, "global private rule OnlyPE") != NULL);
    }
    /* a set imports a module only when one of its rules names it: libyara
     * loads every imported module for every file */
    const vigil_yara_group *any = vigil_yara_plan_group(p, 5);
    CHECK(any->n_sources >= 1);
    if (any->n_sources >= 1) {
        CHECK_EQ_STR(any->sources[0].ns, "a");
        CHECK(strstr(any->sources[0].text, "rule OrTop") != NULL);
        CHECK(strstr(any->sources[0].text, "import") == NULL);
    }
    CHECK_EQ_INT(vigil_yara_plan_is_reported(p, 0, "a", "Base"), 0);
    CHECK_EQ_INT(vigil_yara_plan_is_reported(p, 5, "a", "Base"), 1);
    CHECK_EQ_INT(vigil_yara_plan_is_reported(p, 0, "a", "IsMZ"), 0);
    CHECK_EQ_INT(vigil_yara_plan_is_reported(p, 0, "a", "PeTool"), 1);
    CHECK_EQ_INT(vigil_yara_plan_is_reported(p, 0, "zz", "PeTool"), 0);
    /* selection */
    uint64_t m = 0;
    vigil_yara_externals e = {"a.txt", "", ".txt", "", "", ""};
    CHECK_EQ_INT(vigil_yara_plan_select(p, (const uint8_t *)"hello", 5, 5000, &e, &m), VIGIL_OK);
    CHECK_EQ_INT(m, 1u << 5);
    CHECK_EQ_INT(vigil_yara_plan_select(p, (const uint8_t *)"MZxx", 4, 5000, &e, &m), VIGIL_OK);
    CHECK_EQ_INT(m, (1u << 5) | 1u); /* PeIsPe has no size bound */
    CHECK_EQ_INT(vigil_yara_plan_select(p, (const uint8_t *)"hello", 5, 150, &e, &m), VIGIL_OK);
    CHECK_EQ_INT(m, (1u << 5) | (1u << 4));
    e.filename = "evil.dll";
    CHECK_EQ_INT(vigil_yara_plan_select(p,
                                        (const uint8_t *)"\x7f"
                                                         "ELF",
                                        4, 240, &e, &m),
                 VIGIL_OK);
    /* UsesBase needs 7f 45 at 0: the magic group applies to ELF files too */
    CHECK_EQ_INT(m, (1u << 5) | (1u << 4) | (1u << 3) | (1u << 2) | (1u << 1));
    vigil_yara_plan_destroy(p);

    /* MZ split by filesize caps */
    uint64_t caps[] = {200, 1000};
    vigil_yara_plan_options opt = {.mz_size_caps = caps, .n_mz_size_caps = 2};
    CHECK_EQ_INT(vigil_yara_plan_build(s, &opt, &p), VIGIL_OK);
    if (p != NULL) {
        CHECK_EQ_STR(vigil_yara_plan_group(p, 0)->name, "mz<=200");
        CHECK_EQ_STR(vigil_yara_plan_group(p, 1)->name, "mz<=1000");
        CHECK_EQ_STR(vigil_yara_plan_group(p, 2)->name, "mz");
        CHECK_EQ_INT(vigil_yara_plan_group(p, 0)->n_rules, 1); /* PeStrict */
        CHECK_EQ_INT(vigil_yara_plan_group(p, 1)->n_rules, 2); /* PeTool MzTool */
    }
    vigil_yara_plan_destroy(p);
    vigil_yara_split_destroy(s);
}

/* ---- equivalence with libyara ------------------------------------------- */

typedef struct match_set {
    char items[256][64];
    int n;
    int dup;
    const vigil_yara_plan *plan; /* when set: drop unreported copies */
    size_t group;
} match_set;

static int on_match(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *user)
{
    (void)ctx;
    match_set *m = user;
    if (msg != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    YR_RULE *r = data;
    if (m->plan && !vigil_yara_plan_is_reported(m->plan, m->group, r->ns->name, r->identifier))
        return CALLBACK_CONTINUE;
    char key[64];
    snprintf(key, sizeof key, "%s:%s", r->ns->name, r->identifier);
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->items[i], key) == 0) {
            m->dup++;
            return CALLBACK_CONTINUE;
        }
    if (m->n < 256)
        snprintf(m->items[m->n++], sizeof m->items[0], "%s", key);
    return CALLBACK_CONTINUE;
}

static const char *ext_names[] = {"filename", "filepath", "extension", "filetype", "owner", "md5"};

static YR_RULES *compile_sources(const char *const *ns, const char *const *text, size_t n)
{
    YR_COMPILER *c = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    for (size_t i = 0; i < 6; i++)
        yr_compiler_define_string_variable(c, ext_names[i], "");
    int errors = 0;
    for (size_t i = 0; i < n; i++)
        errors += yr_compiler_add_string(c, text[i], ns[i]);
    YR_RULES *rules = NULL;
    if (errors == 0)
        yr_compiler_get_rules(c, &rules);
    yr_compiler_destroy(c);
    return rules;
}

static void scan(YR_RULES *rules, const uint8_t *buf, size_t len, const vigil_yara_externals *e,
                 match_set *m)
{
    YR_SCANNER *sc = NULL;
    if (yr_scanner_create(rules, &sc) != ERROR_SUCCESS)
        return;
    const char *vals[6] = {e->filename, e->filepath, e->extension, e->filetype, e->owner, e->md5};
    for (size_t i = 0; i < 6; i++)
        yr_scanner_define_string_variable(sc, ext_names[i], vals[i] ? vals[i] : "");
    yr_scanner_set_callback(sc, on_match, m);
    yr_scanner_scan_mem(sc, buf, len);
    yr_scanner_destroy(sc);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_equivalence(void)
{
    CHECK_EQ_INT(yr_initialize(), ERROR_SUCCESS);
    const char *nss[] = {"a", "b", "c"};
    const char *texts[] = {rules_a, rules_b, rules_c};
    YR_RULES *orig = compile_sources(nss, texts, 3);
    CHECK(orig != NULL);
    vigil_yara_split *s = NULL;
    CHECK_EQ_INT(vigil_yara_split_create(NULL, &s), VIGIL_OK);
    for (size_t i = 0; i < 3; i++)
        CHECK_EQ_INT(vigil_yara_split_add_string(s, nss[i], nss[i], texts[i], strlen(texts[i])),
                     VIGIL_OK);
    vigil_yara_plan *p = NULL;
    uint64_t caps[] = {200};
    vigil_yara_plan_options opt = {.mz_size_caps = caps, .n_mz_size_caps = 1};
    CHECK_EQ_INT(vigil_yara_plan_build(s, &opt, &p), VIGIL_OK);
    size_t ng = vigil_yara_plan_group_count(p);
    YR_RULES *grules[VIGIL_YARA_MAX_GROUPS] = {0};
    for (size_t g = 0; g < ng; g++) {
        const vigil_yara_group *grp = vigil_yara_plan_group(p, g);
        const char *gns[8], *gtext[8];
        for (size_t i = 0; i < grp->n_sources && i < 8; i++) {
            gns[i] = grp->sources[i].ns;
            gtext[i] = grp->sources[i].text;
        }
        grules[g] = compile_sources(gns, gtext, grp->n_sources);
        CHECK(grules[g] != NULL);
    }
    if (orig == NULL || p == NULL) {
        vigil_yara_plan_destroy(p);
        vigil_yara_split_destroy(s);
        return;
    }
    static const char *const heads[] = {"MZ",
                                        "MY",
                                        "ZM",
                                        "\x7f"
                                        "ELF",
                                        "\x7f"
                                        "ELG",
                                        "%PDF",
                                        "%PDE",
                                        "text",
                                        "M",
                                        ""};
    static const size_t sizes[] = {0,   1,   2,   3,   4,   5,   99,  100, 101, 149, 150,
                                   151, 199, 200, 201, 249, 250, 251, 299, 300, 301, 600};
    static const char *const fnames[] = {"evil.dll", "EVIL.DLL", "x.ps1", "mytemp.txt", ""};
    static const char *const exts[] = {".dll", ".PS1", ".txt", ""};
    static const char *const bodies[] = {"TOOLX", "BASEMARK TOOLX", "", "BASEMARK"};
    uint8_t buf[600];
    int cases = 0, failures = 0, total_matches = 0, skipped_groups = 0;
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
            for (size_t f = 0; f < sizeof fnames / sizeof fnames[0]; f++)
                for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
                    size_t len = sizes[z];
                    memset(buf, '.', sizeof buf);
                    size_t hl = strlen(heads[h]);
                    size_t bl = strlen(bodies[b]);
                    if (len >= 8 + bl)
                        memcpy(buf + len - bl, bodies[b], bl);
                    memcpy(buf, heads[h], hl < len ? hl : len);
                    vigil_yara_externals e = {fnames[f], "/srv", exts[f % 4], "", "", ""};
                    match_set want = {0}, got = {0};
                    scan(orig, buf, len, &e, &want);
                    uint64_t mask = 0;
                    /* alternate how much of the head the selector sees */
                    size_t head_len = (cases % 3 == 0) ? 0 : (cases % 3 == 1 ? 2 : len);
                    CHECK_EQ_INT(vigil_yara_plan_select(p, buf, head_len, len, &e, &mask),
                                 VIGIL_OK);
                    got.plan = p;
                    for (size_t g = 0; g < ng; g++) {
                        if (!(mask & (1ull << g))) {
                            skipped_groups++;
                            continue;
                        }
                        got.group = g;
                        if (grules[g])
                            scan(grules[g], buf, len, &e, &got);
                    }
                    qsort(want.items, (size_t)want.n, sizeof want.items[0], cmp_str);
                    qsort(got.items, (size_t)got.n, sizeof got.items[0], cmp_str);
                    int same = want.n == got.n && got.dup == 0;
                    for (int i = 0; same && i < want.n; i++)
                        same = strcmp(want.items[i], got.items[i]) == 0;
                    if (!same && failures++ < 5) {
                        fprintf(stderr, "mismatch head=%zu size=%zu fname=%s body=%zu:", h, len,
                                fnames[f], b);
                        for (int i = 0; i < want.n; i++)
                            fprintf(stderr, " want:%s", want.items[i]);
                        for (int i = 0; i < got.n; i++)
                            fprintf(stderr, " got:%s", got.items[i]);
                        fprintf(stderr, " dup=%d\n", got.dup);
                    }
                    total_matches += want.n;
                    cases++;
                }
    CHECK_EQ_INT(failures, 0);
    CHECK_EQ_INT(cases, 10 * 22 * 5 * 4);
    CHECK(total_matches > 1000);   /* the inputs do exercise the rules */
    CHECK(skipped_groups > cases); /* and the selector does skip work */
    for (size_t g = 0; g < ng; g++)
        if (grules[g])
            yr_rules_destroy(grules[g]);
    yr_rules_destroy(orig);
    vigil_yara_plan_destroy(p);
    vigil_yara_split_destroy(s);
    yr_finalize();
}

/* counts_only: the same groups and counts, no rule text copied; and
 * namespaces found by name through the split's hash. */
static void test_counts_only(void)
{
    vigil_yara_split *s = NULL;
    CHECK_EQ_INT(vigil_yara_split_create(NULL, &s), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "a", "a.yar", rules_a, strlen(rules_a)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "b", "b.yar", rules_b, strlen(rules_b)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_split_add_string(s, "c", "c.yar", rules_c, strlen(rules_c)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_split_ns_find(s, "a"), 0);
    CHECK_EQ_INT(vigil_yara_split_ns_find(s, "c"), 2);
    CHECK(vigil_yara_split_ns_find(s, "d") == SIZE_MAX);
    vigil_yara_plan *full = NULL, *counts = NULL;
    vigil_yara_plan_options opt = {.counts_only = 1};
    CHECK_EQ_INT(vigil_yara_plan_build(s, NULL, &full), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_plan_build(s, &opt, &counts), VIGIL_OK);
    if (full != NULL && counts != NULL) {
        CHECK_EQ_INT(vigil_yara_plan_group_count(counts), vigil_yara_plan_group_count(full));
        for (size_t g = 0; g < vigil_yara_plan_group_count(full); g++) {
            const vigil_yara_group *f = vigil_yara_plan_group(full, g);
            const vigil_yara_group *c = vigil_yara_plan_group(counts, g);
            CHECK_EQ_STR(c->name, f->name);
            CHECK_EQ_INT(c->n_rules, f->n_rules);
            CHECK_EQ_INT(c->n_home, f->n_home);
            CHECK_EQ_INT(c->n_copies, f->n_copies);
            CHECK_EQ_INT(c->n_sources, 0);
            CHECK(f->n_sources > 0);
        }
        /* the sets' texts still come out whole */
        vigil_yara_group ef, ec;
        CHECK_EQ_INT(vigil_yara_plan_emit(full, 1, &ef), VIGIL_OK);
        CHECK_EQ_INT(vigil_yara_plan_emit(counts, 1, &ec), VIGIL_OK);
        CHECK_EQ_INT(ec.n_sources, ef.n_sources);
        for (size_t i = 0; i < ef.n_sources && i < ec.n_sources; i++)
            CHECK_EQ_STR(ec.sources[i].text, ef.sources[i].text);
    }
    vigil_yara_plan_destroy(full);
    vigil_yara_plan_destroy(counts);
    vigil_yara_split_destroy(s);
}

int main(void)
{
    TEST_RUN(test_lexer_tokens);
    TEST_RUN(test_lexer_errors);
    TEST_RUN(test_rule_spans);
    TEST_RUN(test_parse_error_opaque);
    TEST_RUN(test_pre_forms);
    TEST_RUN(test_pre_eval);
    TEST_RUN(test_groups);
    TEST_RUN(test_equivalence);
    TEST_RUN(test_counts_only);
    return TEST_END();
}
