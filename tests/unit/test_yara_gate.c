/* test_yara_gate.c - the literal gate skips a libyara pass only when no rule
 * can match: per condition form (string sets, counts, offsets, `not`,
 * filesize, magic, external variables and `matches`), per string form
 * (text, wide, nocase, xor, hex with jumps and alternatives, regex,
 * base64), the confirming pass of hex strings split by rule into parts,
 * and differentially: thousands of generated files give exactly
 * the findings of one plain rule set. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/findings.h"
#include "test.h"
#include "yara/yara_gate.h"
#include "yara/yara_gate_internal.h" /* white-box: the confirming parts */
#include "yara/yara_rules.h"
#include "yara/yara_split.h"

typedef struct gate_fixture {
    vigil_yara_split *s;
    vigil_yara_plan *p;
    vigil_yara_gate *g;
    vigil_yara_gate_scratch *sc;
} gate_fixture;

static const char *cache_dir; /* NULL: no cache */

static int setup(gate_fixture *f, const char *rules)
{
    memset(f, 0, sizeof *f);
    if (vigil_yara_split_create(NULL, &f->s) != VIGIL_OK)
        return 0;
    if (vigil_yara_split_add_string(f->s, "t.yar", "t.yar", rules, strlen(rules)) != VIGIL_OK)
        return 0;
    if (vigil_yara_plan_build(f->s, NULL, &f->p) != VIGIL_OK)
        return 0;
    if (vigil_yara_gate_build(f->s, f->p, cache_dir, &f->g) != VIGIL_OK || f->g == NULL)
        return 0;
    return vigil_yara_gate_scratch_create(f->g, &f->sc) == VIGIL_OK;
}

static void teardown(gate_fixture *f)
{
    vigil_yara_gate_scratch_destroy(f->sc);
    vigil_yara_gate_destroy(f->g);
    vigil_yara_plan_destroy(f->p);
    vigil_yara_split_destroy(f->s);
}

/* may_match over every gated group for data with file name `fname`. */
static int may(gate_fixture *f, const void *data, size_t len, const char *fname)
{
    vigil_yara_gate_info gi;
    vigil_yara_externals ext = {fname, "/d/x", "", "", "", ""};
    vigil_yara_gate_get_info(f->g, &gi);
    return vigil_yara_gate_may_match(f->sc, gi.groups, data, len, &ext);
}

typedef struct gate_case {
    const char *cond_and_strings; /* body of `rule t { ... }` */
    const char *data;
    size_t len;
    const char *fname;
    int want;
} gate_case;

#define S(x) x, sizeof(x) - 1

static const gate_case cases[] = {
    /* plain text: present, absent, too short to gate */
    {"strings: $a = \"needle1\" condition: $a", S("xx needle1 xx"), "f", 1},
    {"strings: $a = \"needle1\" condition: $a", S("xx needle2 xx"), "f", 0},
    {"strings: $a = \"ab\" condition: $a", S("xxxx"), "f", 1},
    /* encodings */
    {"strings: $a = \"needle1\" wide condition: $a", S("n\0e\0e\0d\0l\0e\0001\0"), "f", 1},
    {"strings: $a = \"needle1\" wide condition: $a", S("needle1"), "f", 0},
    {"strings: $a = \"needle1\" wide ascii condition: $a", S("needle1"), "f", 1},
    {"strings: $a = \"needle1\" nocase condition: $a", S("NeEdLe1"), "f", 1},
    {"strings: $a = \"needle1\" condition: $a", S("NEEDLE1"), "f", 0},
    {"strings: $a = \"AAAA\" xor(1-2) condition: $a", S("x@@@@x"), "f", 1}, /* 'A'^1 */
    {"strings: $a = \"AAAA\" xor(1-2) condition: $a", S("xAAAAx"), "f", 0}, /* key 0 not in */
    {"strings: $a = \"AAAA\" xor condition: $a", S("xAAAAx"), "f", 1},
    /* base64: the stable middle of each alignment's encoding */
    {"strings: $a = \"needle1\" base64 condition: $a", S("nothing"), "f", 0},
    {"strings: $a = \"needle1\" base64 condition: $a", S("xx bmVlZGxlMQ xx"), "f", 1},
    {"strings: $a = \"needle1\" base64 condition: $a", S("eG5lZWRsZTE="), "f", 1}, /* "xneedle1" */
    {"strings: $a = \"needle1\" base64 condition: $a", S("eHhuZWVkbGUx"), "f", 1}, /* "xxneedle1" */
    {"strings: $a = \"needle1\" base64wide condition: $a", S("b\0m\0V\0l\0Z\0G\0x\0l\0M\0"), "f",
     1},
    {"strings: $a = \"needle1\" base64wide condition: $a", S("bmVlZGxlMQ"), "f", 0},
    {"strings: $a = \"ab\" base64 condition: $a", S("zzzz"), "f", 1}, /* too short */
    /* regular expressions: the best run every match holds */
    {"strings: $a = /needle[0-9]/ condition: $a", S("nothing"), "f", 0},
    {"strings: $a = /needle[0-9]/ condition: $a", S("xneedle7x"), "f", 1},
    {"strings: $a = /needle[0-9]/i condition: $a", S("NEEDLE7"), "f", 1},
    {"strings: $a = /needle[0-9]/ nocase wide condition: $a", S("N\0e\0e\0d\0l\0e\0"), "f", 1},
    {"strings: $a = /needles?x/ condition: $a", S("needlex"), "f", 1},
    {"strings: $a = /need(le|xx)x/ condition: $a", S("needxxx"), "f", 1},
    {"strings: $a = /abcd*ef/ condition: $a", S("abcef"), "f", 1},
    {"strings: $a = /ab{0,2}cdefg/ condition: $a", S("acdefg"), "f", 1},
    {"strings: $a = /abcdef|ghijkl/ condition: $a", S("zzzz"), "f", 1}, /* alternation */
    {"strings: $a = /\\x64\\x8b\\x52\\x30.{1,30}\\x7c/ condition: $a", S("\x64\x8b\x52\x30"), "f",
     1},
    {"strings: $a = /\\x64\\x8b\\x52\\x30.{1,30}\\x7c/ condition: $a", S("\x64\x8b\x52\x31"), "f",
     0},
    /* hex: the longest fixed run outside alternatives is needed, then the
     * whole string confirms it (jumps at both bounds, each alternative) */
    {"strings: $h = { 41 42 43 44 [2-4] ( 45 | 46 ) 47 48 49 4A 4B } condition: $h", S("GHIJK"),
     "f", 0},
    {"strings: $h = { 41 42 43 44 [2-4] ( 45 | 46 ) 47 48 49 4A 4B } condition: $h", S("ABCD"), "f",
     0},
    {"strings: $h = { 41 42 43 44 [2-4] ( 45 | 46 ) 47 48 49 4A 4B } condition: $h",
     S("ABCDxxEGHIJK"), "f", 1},
    {"strings: $h = { 41 42 43 44 [2-4] ( 45 | 46 ) 47 48 49 4A 4B } condition: $h",
     S("ABCDxxxxFGHIJK"), "f", 1},
    {"strings: $h = { 41 42 43 44 [2-4] ( 45 | 46 ) 47 48 49 4A 4B } condition: $h",
     S("ABCDxEGHIJK"), "f", 0},
    {"strings: $h = { 41 42 43 44 [2-4] ( 45 | 46 ) 47 48 49 4A 4B } condition: $h",
     S("ABCDxxxxxEGHIJK"), "f", 0},
    {"strings: $h = { 41 42 43 44 [2-4] ( 45 | 46 ) 47 48 49 4A 4B } condition: $h",
     S("ABCDxxGGHIJK"), "f", 0},
    /* wildcards and nibbles: any byte, newline and NUL included */
    {"strings: $h = { 48 89 4C 24 ?? 48 8D 0D 4? } condition: $h", S("H\x89L$\nH\x8d\r@"), "f", 1},
    {"strings: $h = { 48 89 4C 24 ?? 48 8D 0D 4? } condition: $h", S("H\x89L$\0H\x8d\rO"), "f", 1},
    {"strings: $h = { 48 89 4C 24 ?? 48 8D 0D 4? } condition: $h", S("H\x89L$\0H\x8d\rP"), "f", 0},
    {"strings: $h = { 48 89 4C 24 ?? 48 8D 0D 4? } condition: $h", S("H\x89L$H\x8d\r@"), "f", 0},
    /* a confirmed string counts like any other: one of two is not enough */
    {"strings: $h = { 48 89 4C 24 ?? 48 8D } $i = { 48 89 4C 24 [1] 48 8E } condition: all of them",
     S("H\x89L$xH\x8d"), "f", 0},
    {"strings: $h = { 48 89 4C 24 ?? 48 8D } $i = { 48 89 4C 24 [1] 48 8E } condition: all of them",
     S("H\x89L$xH\x8d H\x89L$yH\x8e"), "f", 1},
    {"strings: $h = { 48 89 4C 24 ?? 48 8D } $i = { 48 89 4C 24 [1] 48 8E } condition: $h and not "
     "$i",
     S("H\x89L$xH\x8d"), "f", 1},
    /* no run of 4 fixed bytes: searched as an expression */
    {"strings: $h = { 41 ?? 43 4? 45 } condition: $h", S("zzzz"), "f", 0},
    {"strings: $h = { 41 ?? 43 4? 45 } condition: $h", S("xAyCNEx"), "f", 1},
    {"strings: $h = { 41 [1-2] 43 ( 44 | 45 ) } condition: $h", S("AxxCE"), "f", 1},
    {"strings: $h = { 41 [1-2] 43 ( 44 | 45 ) } condition: $h", S("AxxxCE"), "f", 0},
    {"strings: $h = { 41 ?? 43 ?4 45 } condition: $h", S("zzzz"), "f", 1}, /* ?4: not read */
    /* the rarest run, not the longest: twelve zeros are in every binary */
    {"strings: $h = { 55 50 58 21 [4] 00 00 00 00 00 00 00 00 00 00 00 00 } condition: $h",
     S("\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), "f", 0},
    {"strings: $h = { 55 50 58 21 [4] 00 00 00 00 00 00 00 00 00 00 00 00 } condition: $h",
     S("UPX!"), "f", 0},
    {"strings: $h = { 55 50 58 21 [4] 00 00 00 00 00 00 00 00 00 00 00 00 } condition: $h",
     S("UPX!abcd\0\0\0\0\0\0\0\0\0\0\0\0"), "f", 1},
    {"strings: $h = { 55 50 58 21 [4] 00 00 00 00 00 00 00 00 00 00 00 00 } condition: $h",
     S("UPX!abcd\0\0\0\0\0\0\0\0\0\0\0"), "f", 0},
    /* sets and counts */
    {"strings: $a = \"alpha1\" $b = \"bravo2\" $c = \"charlie3\" condition: 3 of them",
     S("alpha1 bravo2"), "f", 0},
    {"strings: $a = \"alpha1\" $b = \"bravo2\" $c = \"charlie3\" condition: 2 of them",
     S("alpha1 bravo2"), "f", 1},
    {"strings: $a = \"alpha1\" $b = \"bravo2\" condition: all of them", S("alpha1"), "f", 0},
    {"strings: $a = \"alpha1\" $b = \"bravo2\" condition: any of ($b*)", S("alpha1"), "f", 0},
    {"strings: $a = \"alpha1\" $b = \"bravo2\" condition: none of them", S("zzzz"), "f", 1},
    {"strings: $a = \"alpha1\" condition: #a > 2", S("zzzz"), "f", 0},
    {"strings: $a = \"alpha1\" condition: #a == 0", S("zzzz"), "f", 1},
    {"strings: $a = \"alpha1\" condition: $a at 10", S("zzzz"), "f", 0},
    {"strings: $a = \"alpha1\" condition: 1 of them in (0..100)", S("zzzz"), "f", 0},
    {"strings: $a = \"alpha1\" condition: not $a", S("zzzz"), "f", 1},
    {"strings: $a = \"alpha1\" condition: for any of ($a*) : ($ at 0)", S("zzzz"), "f", 1},
    /* magic, size and names decided from the file */
    {"strings: $a = \"alpha1\" condition: $a or filesize < 10", S("zzzz"), "f", 1},
    {"strings: $a = \"alpha1\" condition: $a or filesize < 3", S("zzzz"), "f", 0},
    {"strings: $a = \"alpha1\" condition: (uint16(0) == 0x5a4d and filesize < 100) or all of "
     "them",
     S("MZzz"), "f", 1},
    {"strings: $a = \"alpha1\" condition: (uint16(0) == 0x5a4d and filesize < 100) or all of "
     "them",
     S("ZMzz"), "f", 0},
    {"condition: uint32be(0) == 0x44434d01 or uint32be(0) == 0x44434401", S("DCD\x01zz"), "f", 1},
    {"condition: uint32be(0) == 0x44434d01 or uint32be(0) == 0x44434401", S("DCX\x01zz"), "f", 0},
    {"strings: $a = \"alpha1\" condition: $a or filename == \"evil.exe\"", S("zz"), "evil.exe", 1},
    {"strings: $a = \"alpha1\" condition: $a or filename == \"evil.exe\"", S("zz"), "good.exe", 0},
    {"condition: filename matches /ev[a-z]l\\.exe$/", S("zz"), "evil.exe", 1},
    {"condition: filename matches /ev[a-z]l\\.exe$/", S("zz"), "good.exe", 0},
    {"condition: filename matches /ev[a-z]l\\.exe$/i", S("zz"), "EVIL.EXE", 1},
    {"condition: filename matches /ev.{,2}l/", S("zz"), "good.exe", 1}, /* not read: unknown */
    {"condition: filename matches /ev(?:i)l/", S("zz"), "good.exe", 1},
    {"condition: filename matches /e[[:alpha:]]l/", S("zz"), "good.exe", 1},
    {"condition: filename matches /evi*+l/", S("zz"), "good.exe", 1},
    /* what the gate does not understand is unknown */
    {"strings: $a = \"alpha1\" condition: $a or pe.is_pe", S("zz"), "f", 1},
    {"strings: $a = \"alpha1\" condition: @a[1] == 0 or $a", S("zz"), "f", 1},
    {"strings: $a = \"alpha1\" condition: $a or entrypoint == 0", S("zz"), "f", 1},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rules[1024];
        gate_fixture f;
        snprintf(rules, sizeof rules, "import \"pe\"\nrule t { %s }\n", cases[i].cond_and_strings);
        int ok = setup(&f, rules);
        CHECK(ok);
        if (ok) {
            int got = may(&f, cases[i].data, cases[i].len, cases[i].fname);
            if (got != cases[i].want)
                fprintf(stderr, "case %zu: %s on \"%.*s\": %d, want %d\n", i,
                        cases[i].cond_and_strings, (int)cases[i].len, cases[i].data, got,
                        cases[i].want);
            CHECK_EQ_INT(got, cases[i].want);
            /* counting mode (rules stats PATH): the same answer, and the
             * rule is counted exactly when it may match */
            uint64_t files = 9;
            CHECK_EQ_INT(vigil_yara_gate_count_costs(f.g), VIGIL_OK);
            CHECK_EQ_INT(may(&f, cases[i].data, cases[i].len, cases[i].fname), cases[i].want);
            CHECK(vigil_yara_gate_rule(f.g, 0, NULL, &files) != NULL);
            CHECK_EQ_INT(files, (uint64_t)cases[i].want);
        }
        teardown(&f);
    }
}

/* Counting mode decides every rule (no stop at the first that may match),
 * and says why a rule cannot be ruled out without a file. */
static void test_costs(void)
{
    gate_fixture f;
    static const char rules[] = "rule r1 { strings: $a = \"alpha1\" condition: $a }\n"
                                "rule r2 { strings: $a = \"alpha1\" $b = \"beta22\" "
                                "condition: all of them }\n"
                                "rule r3 { strings: $a = \"gamma3\" condition: $a }\n"
                                "rule r4 { strings: $a = \"ab\" condition: $a }\n"
                                "rule r5 { strings: $a = \"delta4\" condition: not $a }\n";
    int ok = setup(&f, rules);
    CHECK(ok);
    if (ok) {
        static const char *const want_why[] = {
            NULL, NULL, NULL, "$a: text string shorter than 4 bytes",
            "condition can hold with no string (not, filesize, magic tests)"};
        CHECK_EQ_INT(vigil_yara_gate_rule_count(f.g), 5);
        CHECK_EQ_INT(vigil_yara_gate_count_costs(f.g), VIGIL_OK);
        CHECK_EQ_INT(may(&f, "alpha1 beta22 gamma3", 20, "f"), 1);
        CHECK_EQ_INT(may(&f, "alpha1 beta2", 12, "f"), 1);
        CHECK_EQ_INT(may(&f, "nothing", 7, "f"), 1); /* r4, r5 */
        static const uint64_t want_files[] = {2, 1, 1, 3, 3};
        for (size_t i = 0; i < 5; i++) {
            const char *why = "unset";
            uint64_t files = 99;
            CHECK(vigil_yara_gate_rule(f.g, i, &why, &files) != NULL);
            CHECK_EQ_INT(files, want_files[i]);
            if (want_why[i] == NULL)
                CHECK(why == NULL);
            else
                CHECK(why != NULL && strcmp(why, want_why[i]) == 0);
        }
        CHECK(vigil_yara_gate_rule(f.g, 5, NULL, NULL) == NULL);
    }
    teardown(&f);
}

/* A rule that needs another rule is unknown; the MZ group is gated too. */
static void test_groups_and_refs(void)
{
    gate_fixture f;
    static const char rules[] = "rule base { strings: $a = \"alpha1\" condition: $a }\n"
                                "rule ref { condition: base }\n"
                                "rule pe1 { strings: $a = \"alpha1\" condition: uint16(0) == "
                                "0x5a4d and $a }\n";
    int ok = setup(&f, rules);
    CHECK(ok);
    if (ok) {
        vigil_yara_gate_info gi;
        vigil_yara_gate_get_info(f.g, &gi);
        CHECK_EQ_INT(gi.rules, 3);                /* base, ref and pe1 (MZ group) */
        CHECK_EQ_INT(gi.refutable, 2);            /* ref needs a rule, not a literal */
        CHECK_EQ_INT(gi.literals, 1);             /* "alpha1" once */
        CHECK_EQ_INT(may(&f, "zzzz", 4, "f"), 1); /* ref may hold */
        /* a group outside the gate is always "may match" */
        CHECK_EQ_INT(vigil_yara_gate_may_match(f.sc, ~gi.groups, (const uint8_t *)"zz", 2, NULL),
                     1);
    }
    teardown(&f);
}

/* ---- differential: gate on (grouping auto) vs one plain set -------------- */

static const char diff_rules[] =
    "rule d1 { strings: $a = \"alpha1\" $b = \"bravo2\" wide $c = { 43 48 41 52 [1-3] 4C 49 45 } "
    "condition: 2 of them }\n"
    "rule d2 { strings: $a = \"alpha1\" nocase condition: #a > 1 }\n"
    "rule d3 { strings: $x = \"delta\" xor(1-3) condition: $x at 0 or filesize == 7 }\n"
    "rule d4 { strings: $a = \"echo5\" $b = \"fox6\" condition: ($a and not $b) or "
    "uint16(0) == 0x457f }\n"
    "rule d5 { strings: $a = \"golf7\" condition: $a and filename == \"g.bin\" }\n"
    "rule d6 { strings: $h = { 68 6F ( 74 | 75 ) 65 6C 38 } condition: $h }\n"
    "rule d7 { strings: $a = \"india9\" $b = \"juliet\" condition: all of them and filesize "
    "< 40 }\n"
    "rule d8 { strings: $a = \"kilo10\" condition: uint16(0) == 0x5a4d and $a }\n"
    /* literals are searched without their trailing NUL bytes: a file that
     * has the shorter run but not the string is for libyara to decide */
    "rule d9 { strings: $k = \"kilo10\" $w = \"wide9\" wide condition: $k and not $w }\n"
    "rule d10 { strings: $h = { 4D 41 52 4B 00 00 } condition: $h }\n";

static const char *const pieces[] = {"alpha1",
                                     "ALPHA1",
                                     "b\0r\0a\0v\0o\0002\0",
                                     "CHAR_LIE",
                                     "CHARxxLIE",
                                     "delta",
                                     "elta",
                                     "\x65\x66\x6f\x77\x62",
                                     "echo5",
                                     "fox6",
                                     "golf7",
                                     "hotel8",
                                     "houel8",
                                     "india9",
                                     "juliet",
                                     "kilo10",
                                     "MZ",
                                     "\x7f"
                                     "E",
                                     "zz",
                                     "\0\0\0",
                                     " ",
                                     "w\0i\0d\0e\0009",
                                     "w\0i\0d\0e\0009\0",
                                     "MARK",
                                     "MARK\0"};
static const size_t piece_len[] = {6, 6, 12, 8, 9, 5, 4, 5, 5, 4,  5, 6, 6,
                                   6, 6, 6,  2, 2, 2, 3, 1, 9, 10, 4, 5};

static vigil_yara_rules *load_diff(const char *text, size_t n, vigil_yara_grouping_mode mode)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    if (vigil_yara_builder_create(NULL, &b) != VIGIL_OK)
        return NULL;
    vigil_yara_builder_set_grouping(b, mode);
    if (vigil_yara_builder_add_string(b, "d.yar", text, n) == VIGIL_OK)
        (void)vigil_yara_builder_finish(b, &r);
    vigil_yara_builder_destroy(b);
    return r;
}

static void names(vigil_yara_scanner *s, const uint8_t *data, size_t len, const char *fname,
                  char *out, size_t cap)
{
    vigil_findings fb;
    vigil_yara_externals ext = {fname, "/d/x", "", "", "", ""};
    size_t used = 0;
    vigil_findings_init(&fb);
    out[0] = '\0';
    CHECK_EQ_INT(vigil_yara_scanner_scan(s, "t", data, len, &ext, 4, NULL, &fb), VIGIL_OK);
    for (size_t i = 0; i < fb.n && used + 16 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s ", fb.items[i].rule);
    vigil_findings_free(&fb);
}

/* One rule set (text, n bytes) over 4000 generated files: gate on and off
 * agree; returns how many files matched something. */
static unsigned differential(const char *text, size_t n)
{
    unsigned matched = 0;
    vigil_yara_rules *plain = load_diff(text, n, VIGIL_YARA_GROUPING_OFF);
    vigil_yara_rules *gated = load_diff(text, n, VIGIL_YARA_GROUPING_AUTO);
    vigil_yara_scanner *sp = NULL, *sg = NULL;
    CHECK(plain != NULL && gated != NULL);
    if (plain == NULL || gated == NULL)
        goto out;
    CHECK_EQ_INT(vigil_yara_scanner_create(plain, &sp), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_scanner_create(gated, &sg), VIGIL_OK);
    if (sp == NULL || sg == NULL)
        goto out;
    unsigned seed = 12345, diffs = 0;
    for (int iter = 0; iter < 4000; iter++) {
        uint8_t buf[128];
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 16) % 5);
        for (int j = 0; j < k; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t pi = (seed >> 16) % (sizeof piece_len / sizeof piece_len[0]);
            if (len + piece_len[pi] > sizeof buf)
                break;
            memcpy(buf + len, pieces[pi], piece_len[pi]);
            len += piece_len[pi];
        }
        const char *fname = (seed >> 8) & 1 ? "g.bin" : "other";
        char a[256], b[256];
        names(sp, buf, len, fname, a, sizeof a);
        names(sg, buf, len, fname, b, sizeof b);
        if (strcmp(a, b) != 0 && diffs++ < 5)
            fprintf(stderr, "%.*s: differ on iteration %d: plain \"%s\" gated \"%s\"\n", (int)n,
                    text, iter, a, b);
        matched += a[0] != '\0';
    }
    CHECK_EQ_INT(diffs, 0);
out:
    vigil_yara_scanner_destroy(sp);
    vigil_yara_scanner_destroy(sg);
    vigil_yara_rules_destroy(plain);
    vigil_yara_rules_destroy(gated);
    return matched;
}

static void test_differential(void)
{
    /* all rules together, then each alone (alone, the gate decides more) */
    CHECK(differential(diff_rules, strlen(diff_rules)) > 500);
    for (const char *p = diff_rules; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        unsigned m = differential(p, n);
        if (m < 5)
            fprintf(stderr, "too few matches (%u) for %.*s", m, (int)n, p);
        CHECK(m >= 5); /* each rule does fire on the generated files */
        p += n;
    }
}

/* With a cache directory the databases are stored on the first build and
 * loaded on the next, and decide exactly as freshly compiled ones. */
static void test_cache(void)
{
    char dir[] = "/tmp/vigil-test-gate-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cache_dir = dir;
    test_cases(); /* stores */
    size_t stored = 0;
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        stored += strncmp(e->d_name, "hs-", 3) == 0;
    if (d != NULL)
        closedir(d);
    CHECK(stored >= 10);
    test_cases(); /* loads: same answers */
    cache_dir = NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Rules with strings to spare: some are searched only when the others
 * leave the rule possible, and every subset of the strings in a file gives
 * exactly the answer of the condition. */
static void test_pruned(void)
{
    static const struct {
        const char *cond;
    } forms[] = {
        {"all of them"},
        {"3 of them"},
        {"$a and ($b or $c) and $d"},
        {"#a == 1 and 2 of ($b, $c, $d)"},
    };
    static const char *const words[4] = {"alpha-one", "bravo-two", "charlie-3", "delta-four"};
    for (size_t fi = 0; fi < sizeof forms / sizeof forms[0]; fi++) {
        char rule[512];
        gate_fixture f;
        snprintf(rule, sizeof rule,
                 "rule t { strings: $a = \"%s\" $b = \"%s\" $c = \"%s\" $d = \"%s\" "
                 "condition: %s }",
                 words[0], words[1], words[2], words[3], forms[fi].cond);
        CHECK(setup(&f, rule));
        vigil_yara_gate_info gi;
        vigil_yara_gate_get_info(f.g, &gi);
        CHECK(gi.strings_pruned >= 1);
        CHECK_EQ_INT(gi.strings, 4); /* pruned strings are still searched, second */
        for (unsigned set = 0; set < 16; set++) {
            char data[128] = "";
            unsigned n = 0;
            for (int w = 0; w < 4; w++)
                if (set >> w & 1u) {
                    strcat(data, words[w]);
                    strcat(data, " ");
                    n++;
                }
            int a = set & 1u, b = set >> 1 & 1u, c = set >> 2 & 1u, d = set >> 3 & 1u, want;
            switch (fi) {
            case 0:
                want = n == 4;
                break;
            case 1:
                want = n >= 3;
                break;
            case 2:
                want = a && (b || c) && d;
                break;
            default:
                want = a && b + c + d >= 2;
                break;
            }
            int got = may(&f, data, strlen(data), "f");
            if (got != want)
                fprintf(stderr, "%s: strings %#x: gate says %d, condition %d\n", forms[fi].cond,
                        set, got, want);
            CHECK_EQ_INT(got, want);
        }
        teardown(&f);
    }
    /* a rule of more than 64 strings is searched whole (pruning evaluates
     * its condition per pair of strings) */
    static char big[65 * 40 + 64];
    size_t used = (size_t)snprintf(big, sizeof big, "rule t { strings: ");
    for (int i = 0; i < 65; i++)
        used += (size_t)snprintf(big + used, sizeof big - used, "$s%d = \"string-%03d\" ", i, i);
    snprintf(big + used, sizeof big - used, "condition: all of them }");
    gate_fixture f;
    CHECK(setup(&f, big));
    vigil_yara_gate_info gi;
    vigil_yara_gate_get_info(f.g, &gi);
    CHECK_EQ_INT(gi.strings, 65);
    CHECK_EQ_INT(gi.strings_pruned, 0);
    CHECK_EQ_INT(may(&f, S("string-001 string-064"), "f"), 0);
    teardown(&f);
}

/* Hex strings found through an atom are confirmed by their whole pattern;
 * the confirming expressions are split by rule into parts, and a file whose
 * pending strings belong to at most two parts is confirmed by those parts,
 * others by the whole database. 64 rules, each with one hex string
 * "rule-NNN" ?? ?? "ZZ" (atom: the 8 fixed bytes "rule-NNN"), make 32
 * parts of two rules each. */
#define PART_RULES 64

static size_t gate_rule_index(const vigil_yara_gate *g, const char *name)
{
    for (size_t i = 0; i < g->nrules; i++)
        if (strcmp(g->rules[i].r->name, name) == 0)
            return i;
    return SIZE_MAX;
}

/* The part of rule rNNN's confirming expression, -1 when it has none. */
static int rule_part(const vigil_yara_gate *g, int n)
{
    char name[32];
    snprintf(name, sizeof name, "r%03d", n);
    size_t i = gate_rule_index(g, name);
    if (i == SIZE_MAX || g->rule_part == NULL || g->rule_part[i] >= g->nverify_parts)
        return -1;
    return g->rule_part[i];
}

static void test_verify_parts(void)
{
    static char rules[PART_RULES * 96];
    size_t used = 0;
    for (int i = 0; i < PART_RULES; i++) {
        char hex[64] = "";
        char atom[32];
        snprintf(atom, sizeof atom, "rule-%03d", i);
        for (size_t j = 0; atom[j]; j++)
            snprintf(hex + 3 * j, sizeof hex - 3 * j, "%02X ", (unsigned char)atom[j]);
        used += (size_t)snprintf(rules + used, sizeof rules - used,
                                 "rule r%03d { strings: $h = { %s?? ?? 5A 5A } condition: $h }\n",
                                 i, hex);
    }
    CHECK(used < sizeof rules);
    gate_fixture f;
    int ok = setup(&f, rules);
    CHECK(ok);
    if (!ok) {
        teardown(&f);
        return;
    }
    /* no accessor tells the parts: read them (white-box) */
    CHECK(f.g->verify.db != NULL);
    CHECK_EQ_INT(f.g->verify.n, PART_RULES);
    CHECK_EQ_INT(f.g->nverify_parts, 32);
    int p0 = rule_part(f.g, 0), p1 = rule_part(f.g, 1), p10 = rule_part(f.g, 10),
        p20 = rule_part(f.g, 20), p40 = rule_part(f.g, 40), p63 = rule_part(f.g, 63);
    CHECK(p0 >= 0 && p10 >= 0 && p20 >= 0 && p40 >= 0);
    CHECK_EQ_INT(p1, p0); /* two expressions a part: r000 and r001 share one */
    CHECK(p0 != p10 && p0 != p20 && p10 != p20 && p40 != p0 && p40 != p10 && p40 != p20);
    CHECK(p63 >= 0);

    /* (a) the atom of one rule, not its whole string: ruled out by its part */
    CHECK_EQ_INT(may(&f, S("xx rule-010 abYY xx"), "f"), 0);
    CHECK_EQ_INT(may(&f, S("rule-010ZZ"), "f"), 0); /* jump of exactly 2 bytes */
    /* (b) the whole string of one rule */
    CHECK_EQ_INT(may(&f, S("xx rule-010abZZ xx"), "f"), 1);
    CHECK_EQ_INT(may(&f, S("rule-063\n\0ZZ"), "f"), 1); /* any byte, NUL and newline too */
    /* two parts, scanned one after the other */
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-040abYY"), "f"), 0);
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-040abZZ"), "f"), 1);
    CHECK_EQ_INT(may(&f, S("rule-000abZZ rule-040abYY"), "f"), 1);
    /* two rules of one part count as one part */
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-001abYY rule-040abYY"), "f"), 0);
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-001abZZ rule-040abYY"), "f"), 1);
    /* (c) atoms of rules in three and four parts, none whole: the whole
     * database decides */
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-010abYY rule-020abYY"), "f"), 0);
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-010abYY rule-020abYY rule-040abYY"), "f"), 0);
    /* (d) three parts, one whole string (first, middle or last) */
    CHECK_EQ_INT(may(&f, S("rule-000abZZ rule-010abYY rule-020abYY"), "f"), 1);
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-010abZZ rule-020abYY"), "f"), 1);
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-010abYY rule-020abZZ"), "f"), 1);
    /* counting mode decides every rule: exactly the whole string's rule is
     * left to libyara */
    CHECK_EQ_INT(vigil_yara_gate_count_costs(f.g), VIGIL_OK);
    CHECK_EQ_INT(may(&f, S("rule-000abYY rule-010abYY rule-020abZZ rule-040abYY"), "f"), 1);
    for (size_t i = 0; i < vigil_yara_gate_rule_count(f.g); i++) {
        uint64_t files = 99;
        const vigil_yara_rule *r = vigil_yara_gate_rule(f.g, i, NULL, &files);
        CHECK(r != NULL);
        if (r != NULL && files != (strcmp(r->name, "r020") == 0 ? 1u : 0u))
            fprintf(stderr, "rule %s left %llu files to libyara\n", r->name,
                    (unsigned long long)files);
        CHECK_EQ_INT(files, r != NULL && strcmp(r->name, "r020") == 0);
    }
    CHECK_EQ_INT(vigil_yara_gate_rule_count(f.g), PART_RULES);
    teardown(&f);
}

int main(void)
{
    TEST_RUN(test_cases);
    TEST_RUN(test_costs);
    TEST_RUN(test_pruned);
    TEST_RUN(test_cache);
    TEST_RUN(test_groups_and_refs);
    TEST_RUN(test_verify_parts);
    TEST_RUN(test_differential);
    return TEST_END();
}
