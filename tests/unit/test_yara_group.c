/* test_yara_group.c - grouped YARA scanning reports exactly what one plain
 * rule set reports: same rules in the same order, with the same namespace,
 * source line, tags, meta and string offsets, for PE, ELF, text and tiny
 * inputs and external variables; private, global and referenced rules keep
 * their semantics; the rule table and the grouping stats are right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/findings.h"
#include "test.h"
#include "yara/yara_rules.h"

static const char rules_a[] = "import \"pe\"\n"
                              "rule A_any { meta: score = 70 strings: $a = \"needle\" condition: "
                              "$a }\n"
                              "rule A_mz : t1 t2 { strings: $a = \"needle\" condition:\n"
                              "  uint16(0) == 0x5a4d and $a }\n"
                              "rule A_elf { strings: $a = \"needle\" condition: uint32(0) == "
                              "0x464c457f and filesize < 100 and $a }\n"
                              "private rule A_priv { strings: $b = \"hay\" condition: $b }\n"
                              "rule A_dep { condition: uint16(0) == 0x5a4d and A_priv }\n"
                              "rule A_name { condition: filename == \"evil.exe\" }\n";

static const char rules_b[] =
    "global rule B_glob { condition: filesize > 4 }\n"
    "rule B_mz { meta: author = \"x\" strings: $a = \"needle\" condition: "
    "uint16(0) == 0x5a4d and $a }\n"
    "rule B_any { strings: $a = \"needle\" condition: #a > 1 or $a at 0 "
    "}\n";

static vigil_yara_rules *load(vigil_yara_grouping_mode mode)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    vigil_yara_builder_set_grouping(b, mode);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "a.yar", rules_a, strlen(rules_a)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "b.yar", rules_b, strlen(rules_b)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_OK);
    vigil_yara_builder_destroy(b);
    return r;
}

/* Every finding of one scan, one line each, all fields that matter. */
static void scan_text(vigil_yara_rules *r, const char *data, size_t len, const char *fname,
                      char *out, size_t cap)
{
    vigil_yara_scanner *s = NULL;
    vigil_findings fb;
    vigil_yara_externals ext = {fname, "/x", "", "", "", ""};
    size_t used = 0;

    out[0] = '\0';
    vigil_findings_init(&fb);
    CHECK_EQ_INT(vigil_yara_scanner_create(r, &s), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_scanner_scan(s, "t", (const uint8_t *)data, len, &ext, 16, NULL, &fb),
                 VIGIL_OK);
    for (size_t i = 0; i < fb.n && used < cap; i++) {
        const vigil_finding *f = &fb.items[i];
        int k = snprintf(out + used, cap - used, "%s:%s@%s:%llu s%d", f->ns, f->rule,
                         f->rule_source ? f->rule_source : "-", (unsigned long long)f->rule_line,
                         f->score);
        used += k > 0 ? (size_t)k : 0;
        for (size_t t = 0; t < f->ntags && used < cap; t++) {
            k = snprintf(out + used, cap - used, " #%s", f->tags[t]);
            used += k > 0 ? (size_t)k : 0;
        }
        for (size_t m = 0; m < f->nmeta && used < cap; m++) {
            k = snprintf(out + used, cap - used, " %s=%s", f->meta[m].key, f->meta[m].value);
            used += k > 0 ? (size_t)k : 0;
        }
        for (size_t m = 0; m < f->nstrings && used < cap; m++) {
            k = snprintf(out + used, cap - used, " %s@%llu+%u", f->strings[m].id,
                         (unsigned long long)f->strings[m].offset, f->strings[m].length);
            used += k > 0 ? (size_t)k : 0;
        }
        if (used < cap - 1)
            out[used++] = '\n';
        out[used < cap ? used : cap - 1] = '\0';
    }
    vigil_yara_scanner_destroy(s);
    vigil_findings_free(&fb);
}

typedef struct input {
    const char *data;
    size_t len;
    const char *fname;
    const char *want; /* rule names in order */
} input;

static const input inputs[] = {
    {"MZxxneedle hay", 14, "a.exe", "A_any A_mz A_dep B_glob B_mz"},
    {"MZxxneedle hay", 14, "evil.exe", "A_any A_mz A_dep A_name B_glob B_mz"},
    {"\x7f"
     "ELFneedle",
     10, "libx.so", "A_any A_elf B_glob"},
    {"needle needle", 13, "notes.txt", "A_any B_glob B_any"},
    {"needle", 6, "n", "A_any B_glob B_any"},
    {"MZ", 2, "evil.exe", "A_name"},
    {"", 0, "", ""},
    {"MYxxneedle hay", 14, "a.exe", "A_any B_glob"},
};

/* "ns:rule@..." lines -> "rule rule ..." */
static void names_of(const char *text, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        const char *colon = strchr(p, ':'), *at = strchr(p, '@');
        if (colon == NULL || at == NULL || at < colon)
            break;
        int k = snprintf(out + used, cap - used, "%s%.*s", used ? " " : "", (int)(at - colon - 1),
                         colon + 1);
        used += k > 0 ? (size_t)k : 0;
        if (used >= cap)
            break;
    }
}

static void test_same_findings(void)
{
    vigil_yara_rules *plain = load(VIGIL_YARA_GROUPING_OFF);
    vigil_yara_rules *autom = load(VIGIL_YARA_GROUPING_AUTO);
    vigil_yara_rules *per = load(VIGIL_YARA_GROUPING_PER_GROUP);
    CHECK(plain != NULL && autom != NULL && per != NULL);
    if (plain == NULL || autom == NULL || per == NULL)
        goto out;
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char a[4096], b[4096], c[4096], names[1024];
        scan_text(plain, inputs[i].data, inputs[i].len, inputs[i].fname, a, sizeof a);
        scan_text(autom, inputs[i].data, inputs[i].len, inputs[i].fname, b, sizeof b);
        scan_text(per, inputs[i].data, inputs[i].len, inputs[i].fname, c, sizeof c);
        names_of(a, names, sizeof names);
        CHECK_EQ_STR(names, inputs[i].want);
        CHECK_EQ_STR(b, a);
        CHECK_EQ_STR(c, a);
    }
    /* one full line, to pin what "the same" covers */
    char a[4096];
    scan_text(per, "MZxxneedle hay", 14, "a.exe", a, sizeof a);
    CHECK(strstr(a, "a.yar:A_mz@a.yar:3 s75 #t1 #t2 $a@4+6\n") != NULL);
    CHECK(strstr(a, "a.yar:A_any@a.yar:2 s70 score=70 $a@4+6\n") != NULL);
    CHECK(strstr(a, "b.yar:B_mz@b.yar:2 s75 author=x $a@4+6\n") != NULL);
out:
    vigil_yara_rules_destroy(plain);
    vigil_yara_rules_destroy(autom);
    vigil_yara_rules_destroy(per);
}

typedef struct list {
    char text[2048];
    size_t used;
} list;

static int add_rule(const vigil_yara_rule_info *ri, void *user)
{
    list *l = user;
    int k = snprintf(l->text + l->used, sizeof l->text - l->used, "%s:%llu%s ", ri->name,
                     (unsigned long long)ri->line, ri->is_private ? "p" : "");
    l->used += k > 0 ? (size_t)k : 0;
    return 0;
}

static void test_rule_table(void)
{
    vigil_yara_rules *plain = load(VIGIL_YARA_GROUPING_OFF);
    vigil_yara_rules *per = load(VIGIL_YARA_GROUPING_PER_GROUP);
    list a = {{0}, 0}, b = {{0}, 0};
    CHECK_EQ_INT(vigil_yara_rules_foreach(plain, add_rule, &a), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_rules_foreach(per, add_rule, &b), VIGIL_OK);
    CHECK_EQ_STR(a.text, "A_any:2 A_mz:3 A_elf:5 A_priv:6p A_dep:7 A_name:8 B_glob:1 B_mz:2 "
                         "B_any:3 ");
    CHECK_EQ_STR(b.text, a.text);
    CHECK_EQ_INT(vigil_yara_rules_count(per), 9);
    vigil_yara_rules_destroy(plain);
    vigil_yara_rules_destroy(per);
}

static void test_grouping_stats(void)
{
    vigil_yara_rules *plain = load(VIGIL_YARA_GROUPING_OFF);
    vigil_yara_rules *autom = load(VIGIL_YARA_GROUPING_AUTO);
    vigil_yara_rules *per = load(VIGIL_YARA_GROUPING_PER_GROUP);
    vigil_yara_grouping g;

    CHECK_EQ_INT(vigil_yara_rules_grouping(plain, &g), VIGIL_OK);
    CHECK_EQ_INT(g.active, 0);
    CHECK_EQ_STR(g.mode, "off");
    CHECK(g.fallback == NULL);

    CHECK_EQ_INT(vigil_yara_rules_grouping(per, &g), VIGIL_OK);
    CHECK_EQ_INT(g.active, 1);
    CHECK_EQ_STR(g.mode, "per-group");
    /* mz: A_mz A_dep B_mz; elf: A_elf; name: A_name; size: B_glob B_any
     * (the global's filesize > 4 binds its namespace); any: A_any A_priv */
    CHECK_EQ_INT(g.ngroups, 5);
    CHECK_EQ_INT(g.nsets, 5);
    char seen[256] = "";
    for (size_t i = 0; i < g.ngroups; i++) {
        char one[64];
        snprintf(one, sizeof one, "%s=%llu ", g.groups[i].name,
                 (unsigned long long)g.groups[i].rules);
        strncat(seen, one, sizeof seen - strlen(seen) - 1);
    }
    CHECK_EQ_STR(seen, "mz=3 elf=1 name=1 size=2 any=2 ");
    CHECK_EQ_INT(g.nnopre, 2);
    if (g.nnopre == 2) {
        CHECK_EQ_STR(g.nopre[0].name, "A_any");
        CHECK_EQ_INT(g.nopre[0].line, 2);
        CHECK_EQ_STR(g.nopre[1].name, "A_priv");
    }

    /* small groups ride in one set: every file costs one scan */
    CHECK_EQ_INT(vigil_yara_rules_grouping(autom, &g), VIGIL_OK);
    CHECK_EQ_INT(g.active, 1);
    CHECK_EQ_STR(g.mode, "auto");
    CHECK_EQ_INT(g.nsets, 1);
    vigil_yara_rules_destroy(plain);
    vigil_yara_rules_destroy(autom);
    vigil_yara_rules_destroy(per);
}

/* One file "m.yar" of nlight rules L0.. matching "light0".. anywhere, then
 * nmz rules M0.. matching "needle0".. in an MZ file only: rule Ln on line
 * n + 1, rule Mn on line nlight + n + 1. NULL when it does not load. */
static vigil_yara_rules *load_light_and_mz(int nlight, int nmz)
{
    size_t cap = 64 * 1024, used = 0;
    char *src = malloc(cap);
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;

    CHECK(src != NULL);
    if (src == NULL)
        return NULL;
    for (int i = 0; i < nlight && used < cap; i++)
        used += (size_t)snprintf(src + used, cap - used,
                                 "rule L%d { strings: $a = \"light%d\" condition: $a }\n", i, i);
    for (int i = 0; i < nmz && used < cap; i++)
        used += (size_t)snprintf(src + used, cap - used,
                                 "rule M%d { strings: $a = \"needle%d\" condition: uint16(0) == "
                                 "0x5a4d and $a }\n",
                                 i, i);
    CHECK(used < cap);
    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "m.yar", src, used < cap ? used : 0), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_OK);
    vigil_yara_builder_destroy(b);
    free(src);
    return r;
}

/* A big MZ group gets its own set holding the light rules too, so a PE
 * and a non-PE each cost one scan. */
static void test_auto_layout(void)
{
    vigil_yara_rules *r = load_light_and_mz(1, 40);
    if (r == NULL)
        return;
    vigil_yara_grouping g;
    CHECK_EQ_INT(vigil_yara_rules_grouping(r, &g), VIGIL_OK);
    CHECK_EQ_INT(g.nsets, 2);
    if (g.nsets == 2) {
        CHECK_EQ_STR(g.sets[0].name, "mz+any");
        CHECK_EQ_INT(g.sets[0].rules, 41);
        CHECK_EQ_STR(g.sets[1].name, "any");
        CHECK_EQ_INT(g.sets[1].rules, 1);
    }
    char out[4096];
    scan_text(r, "MZ light0 needle7", 17, "x", out, sizeof out);
    CHECK_EQ_STR(out, "m.yar:L0@m.yar:1 s75 $a@3+6\nm.yar:M7@m.yar:9 s75 $a@10+7\n");
    scan_text(r, "ZM light0 needle7", 17, "x", out, sizeof out);
    CHECK_EQ_STR(out, "m.yar:L0@m.yar:1 s75 $a@3+6\n");
    vigil_yara_rules_destroy(r);
}

/* An MZ group smaller than the light rules shares one set with them (a
 * second set would copy the light rules, the bigger part); each file is
 * still reported only the rules its type can match. */
static void test_auto_layout_one_set(void)
{
    vigil_yara_rules *r = load_light_and_mz(40, 30);
    if (r == NULL)
        return;
    vigil_yara_grouping g;
    CHECK_EQ_INT(vigil_yara_rules_grouping(r, &g), VIGIL_OK);
    CHECK_EQ_INT(g.nsets, 1);
    if (g.nsets == 1) {
        CHECK_EQ_STR(g.sets[0].name, "mz+any");
        CHECK_EQ_INT(g.sets[0].rules, 70);
    }
    char out[4096];
    scan_text(r, "MZ light3 needle7", 17, "x", out, sizeof out);
    CHECK_EQ_STR(out, "m.yar:L3@m.yar:4 s75 $a@3+6\nm.yar:M7@m.yar:48 s75 $a@10+7\n");
    scan_text(r, "ZM light3 needle7", 17, "x", out, sizeof out);
    CHECK_EQ_STR(out, "m.yar:L3@m.yar:4 s75 $a@3+6\n");
    scan_text(r, "ZM needle7 xxxxxx", 17, "x", out, sizeof out);
    CHECK_EQ_STR(out, "");
    vigil_yara_rules_destroy(r);
}

int main(void)
{
    TEST_RUN(test_same_findings);
    TEST_RUN(test_rule_table);
    TEST_RUN(test_grouping_stats);
    TEST_RUN(test_auto_layout);
    TEST_RUN(test_auto_layout_one_set);
    return TEST_END();
}
