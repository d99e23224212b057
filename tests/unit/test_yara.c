/* test_yara.c - unit tests of the YARA subsystem: externals, broken files,
 * namespaces, findings (meta, tags, strings, offsets, score), the string
 * bound, rule enumeration, rule line finding and scanning from two threads.
 * Rule files are written by the tests into a fresh temporary directory. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/findings.h"
#include "test.h"
#include "yara/yara_internal.h"
#include "yara/yara_rules.h"

/* ---- helpers ---- */

#define MAX_DIAGS 16
typedef struct diag_log {
    int n;
    vigil_diag_level level[MAX_DIAGS];
    vigil_status code[MAX_DIAGS];
    char source[MAX_DIAGS][256];
    uint64_t line[MAX_DIAGS];
    char message[MAX_DIAGS][256];
} diag_log;

static void log_diag(const vigil_diag *d, void *user)
{
    diag_log *l = user;
    if (l->n == MAX_DIAGS)
        return;
    l->level[l->n] = d->level;
    l->code[l->n] = d->code;
    snprintf(l->source[l->n], sizeof l->source[0], "%s", d->source ? d->source : "");
    l->line[l->n] = d->line;
    snprintf(l->message[l->n], sizeof l->message[0], "%s", d->message);
    l->n++;
}

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vigil_test_yara_XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
}

/* Writes text to tmpdir/rel (creating one level of subdirectory) and
 * returns the full path in a static rotating buffer. */
static const char *write_file(const char *rel, const char *text)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", tmpdir, rel);
    char *slash = strrchr(p, '/');
    if (slash != NULL && slash > p + strlen(tmpdir)) {
        *slash = '\0';
        mkdir(p, 0700);
        *slash = '/';
    }
    FILE *fp = fopen(p, "w");
    if (fp == NULL) {
        perror(p);
        exit(2);
    }
    fputs(text, fp);
    fclose(fp);
    return p;
}

static void remove_tmpdir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* Builds rules from one string; NULL on failure. */
static vigil_yara_rules *rules_from(const char *name, const char *text)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    if (vigil_yara_builder_create(NULL, &b) != VIGIL_OK)
        return NULL;
    if (vigil_yara_builder_add_string(b, name, text, strlen(text)) == VIGIL_OK)
        vigil_yara_builder_finish(b, &r);
    vigil_yara_builder_destroy(b);
    return r;
}

static vigil_status scan_str(const vigil_yara_rules *r, const char *data,
                             const vigil_yara_externals *ext, unsigned max_strings,
                             vigil_findings *fb)
{
    vigil_yara_scanner *s = NULL;
    vigil_status st = vigil_yara_scanner_create(r, &s);
    if (st != VIGIL_OK)
        return st;
    st = vigil_yara_scanner_scan(s, "target", (const uint8_t *)data, strlen(data), ext, max_strings,
                                 NULL, fb);
    vigil_yara_scanner_destroy(s);
    return st;
}

static const vigil_finding *find_rule(const vigil_findings *fb, const char *rule)
{
    for (size_t i = 0; i < fb->n; i++)
        if (strcmp(fb->items[i].rule, rule) == 0)
            return &fb->items[i];
    return NULL;
}

/* ---- tests ---- */

static const char ext_rules[] = "rule ext_filename { condition: filename == \"evil.exe\" }\n"
                                "rule ext_filepath { condition: filepath == \"/opt/x\" }\n"
                                "rule ext_extension { condition: extension == \".exe\" }\n"
                                "rule ext_filetype { condition: filetype == \"EXE\" }\n"
                                "rule ext_owner { condition: owner == \"root\" }\n"
                                "rule ext_md5 { condition: md5 == \"0123abcd\" }\n";

static void test_externals(void)
{
    vigil_yara_rules *r = rules_from("ext.yar", ext_rules);
    vigil_findings fb;
    CHECK(r != NULL);
    if (r == NULL)
        return;
    CHECK_EQ_INT(vigil_yara_rules_count(r), 6);
    vigil_findings_init(&fb);

    vigil_yara_externals all = {"evil.exe", "/opt/x", ".exe", "EXE", "root", "0123abcd"};
    CHECK_EQ_INT(scan_str(r, "data", &all, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 6);
    CHECK(find_rule(&fb, "ext_filename") != NULL);
    CHECK(find_rule(&fb, "ext_filepath") != NULL);
    CHECK(find_rule(&fb, "ext_extension") != NULL);
    CHECK(find_rule(&fb, "ext_filetype") != NULL);
    CHECK(find_rule(&fb, "ext_owner") != NULL);
    CHECK(find_rule(&fb, "ext_md5") != NULL);

    vigil_findings_reset(&fb);
    CHECK_EQ_INT(scan_str(r, "data", NULL, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 0);

    /* One scanner, values change between scans; NULL members become "". */
    vigil_yara_scanner *s = NULL;
    CHECK_EQ_INT(vigil_yara_scanner_create(r, &s), VIGIL_OK);
    vigil_yara_externals some = {.filetype = "EXE", .md5 = "0123abcd"};
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(vigil_yara_scanner_scan(s, "t", (const uint8_t *)"x", 1, &some, 4, NULL, &fb),
                 VIGIL_OK);
    CHECK_EQ_INT(fb.n, 2);
    CHECK(find_rule(&fb, "ext_filetype") != NULL);
    CHECK(find_rule(&fb, "ext_md5") != NULL);
    vigil_yara_externals one = {.owner = "root"};
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(vigil_yara_scanner_scan(s, "t", NULL, 0, &one, 4, NULL, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    CHECK_EQ_STR(fb.items[0].rule, "ext_owner");
    vigil_yara_scanner_destroy(s);

    vigil_findings_free(&fb);
    vigil_yara_rules_destroy(r);
}

static void test_broken_file(void)
{
    diag_log log = {0};
    vigil_diag_sink sink = {log_diag, &log};
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    const char *good1 = write_file("good1.yar", "rule good_one { strings: $a = \"alpha\" "
                                                "condition: $a }\n");
    const char *bad = write_file("bad.yar", "rule fine { condition: true }\n"
                                            "\n"
                                            "rule broken {\n"
                                            "  condition: filename == \"a\" and nosuchthing\n"
                                            "}\n");
    const char *good2 = write_file("good2.yar", "// second good file\n"
                                                "rule good_two { strings: $b = \"bravo\" "
                                                "condition: $b }\n");
    const char *warn = write_file("warn.yar", "rule slow {\n"
                                              "  strings:\n"
                                              "    $a = { 01 ?? }\n"
                                              "  condition:\n"
                                              "    $a\n"
                                              "}\n");

    CHECK_EQ_INT(vigil_yara_builder_create(&sink, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, good1), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, bad), VIGIL_ERR_RULE);
    CHECK_EQ_INT(log.n, 1);
    CHECK_EQ_INT(log.level[0], VIGIL_DIAG_ERROR);
    CHECK_EQ_INT(log.code[0], VIGIL_ERR_RULE);
    CHECK_EQ_STR(log.source[0], bad);
    CHECK_EQ_INT(log.line[0], 4);
    CHECK(strstr(log.message[0], "nosuchthing") != NULL);
    CHECK(strstr(log.message[0], "broken") != NULL);

    CHECK_EQ_INT(vigil_yara_builder_add_file(b, good2), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, warn), VIGIL_OK);
    CHECK_EQ_INT(log.n, 2);
    CHECK_EQ_INT(log.level[1], VIGIL_DIAG_WARNING);
    CHECK_EQ_STR(log.source[1], warn);
    CHECK_EQ_INT(log.line[1], 3);

    /* A missing file is an I/O problem, reported with its path. */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/missing.yar", tmpdir);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, missing), VIGIL_ERR_NOT_FOUND);
    CHECK_EQ_INT(log.n, 3);
    CHECK_EQ_INT(log.level[2], VIGIL_DIAG_ERROR);
    CHECK_EQ_STR(log.source[2], missing);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, tmpdir), VIGIL_ERR_INVALID_ARG);

    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, good1), VIGIL_ERR_FROZEN);
    vigil_yara_builder_destroy(b);
    CHECK_EQ_INT(log.n, 4); /* warnings are not repeated by the final compile */
    CHECK_EQ_INT(vigil_yara_rules_count(r), 3);

    vigil_findings fb;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(scan_str(r, "xx bravo alpha", NULL, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 2);
    const vigil_finding *f = find_rule(&fb, "good_two");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK_EQ_STR(f->ns, "good2.yar");
        CHECK_EQ_STR(f->rule_source, good2);
        CHECK_EQ_INT(f->rule_line, 2);
    }
    CHECK(find_rule(&fb, "good_one") != NULL);
    CHECK(find_rule(&fb, "fine") == NULL);
    vigil_findings_free(&fb);
    vigil_yara_rules_destroy(r);
}

static void test_duplicate_basenames(void)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    const char *a =
        write_file("a/rules.yar", "rule same { strings: $s = \"dup\" condition: $s }\n");
    const char *c = write_file("c/rules.yar", "\n\nrule same { condition: filesize > 0 }\n");

    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, a), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, c), VIGIL_OK);
    CHECK_EQ_INT(
        vigil_yara_builder_add_string(b, "rules.yar", "rule other { condition: true }", 30),
        VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_OK);
    vigil_yara_builder_destroy(b);
    CHECK_EQ_INT(vigil_yara_rules_count(r), 3);

    vigil_findings fb;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(scan_str(r, "a dup", NULL, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 3);
    int seen = 0;
    for (size_t i = 0; i < fb.n; i++) {
        const vigil_finding *f = &fb.items[i];
        if (strcmp(f->ns, "rules.yar") == 0) {
            CHECK_EQ_STR(f->rule, "same");
            CHECK_EQ_STR(f->rule_source, a);
            CHECK_EQ_INT(f->rule_line, 1);
            seen |= 1;
        } else if (strcmp(f->ns, "rules.yar_2") == 0) {
            CHECK_EQ_STR(f->rule, "same");
            CHECK_EQ_STR(f->rule_source, c);
            CHECK_EQ_INT(f->rule_line, 3);
            seen |= 2;
        } else if (strcmp(f->ns, "rules.yar_3") == 0) {
            CHECK_EQ_STR(f->rule, "other");
            CHECK_EQ_STR(f->rule_source, "rules.yar");
            CHECK_EQ_INT(f->rule_line, 1);
            seen |= 4;
        }
    }
    CHECK_EQ_INT(seen, 7);
    vigil_findings_free(&fb);
    vigil_yara_rules_destroy(r);
}

/* include "..." resolves next to the including file, as with yara. */
static void test_include(void)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    write_file("inc/sub.yar", "rule from_sub { strings: $a = \"subby\" condition: $a }\n");
    const char *main_path = write_file("inc/main.yar", "include \"sub.yar\"\n"
                                                       "rule from_main { condition: from_sub }\n");
    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_file(b, main_path), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_OK);
    vigil_yara_builder_destroy(b);
    CHECK_EQ_INT(vigil_yara_rules_count(r), 2);
    vigil_findings fb;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(scan_str(r, "a subby day", NULL, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 2);
    const vigil_finding *f = find_rule(&fb, "from_main");
    CHECK(f != NULL && f->rule_line == 2 && strcmp(f->rule_source, main_path) == 0);
    /* Rules of an included file name the including file, line unknown. */
    f = find_rule(&fb, "from_sub");
    CHECK(f != NULL && f->rule_line == 0 && strcmp(f->rule_source, main_path) == 0);
    vigil_findings_free(&fb);
    vigil_yara_rules_destroy(r);
}

static const char detail_rules[] = "import \"pe\"\n"
                                   "/* rule not_a_rule { condition: true } */\n"
                                   "rule Detail : TagOne tag_two {\n"
                                   "  meta:\n"
                                   "    Description = \"test rule\"\n"
                                   "    AUTHOR = \"someone\"\n"
                                   "    reference = \"https://example.org/r\"\n"
                                   "    score = 80\n"
                                   "    count = -5\n"
                                   "    enabled = true\n"
                                   "    off = false\n"
                                   "  strings:\n"
                                   "    $a = \"abc\"\n"
                                   "    $b = { 58 59 }\n"
                                   "    $r = /q[0-9]{2}/\n"
                                   "  condition:\n"
                                   "    all of them\n"
                                   "}\n";

static void test_finding_details(void)
{
    vigil_yara_rules *r = rules_from("detail.yar", detail_rules);
    vigil_findings fb;
    CHECK(r != NULL);
    if (r == NULL)
        return;
    vigil_findings_init(&fb);
    /*                  0123456789012345 */
    const char *data = "..abc.XY..q42abc";
    CHECK_EQ_INT(scan_str(r, data, NULL, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n != 1) {
        vigil_findings_free(&fb);
        vigil_yara_rules_destroy(r);
        return;
    }
    const vigil_finding *f = &fb.items[0];
    CHECK_EQ_INT(f->kind, VIGIL_FINDING_YARA);
    CHECK_EQ_STR(f->rule, "Detail");
    CHECK_EQ_STR(f->ns, "detail.yar");
    CHECK_EQ_STR(f->rule_source, "detail.yar");
    CHECK_EQ_INT(f->rule_line, 3);
    CHECK_EQ_STR(f->description, "test rule");
    CHECK_EQ_STR(f->author, "someone");
    CHECK_EQ_STR(f->reference, "https://example.org/r");
    CHECK_EQ_INT(f->score, 80);
    CHECK_EQ_INT(f->ntags, 2);
    if (f->ntags == 2) {
        CHECK_EQ_STR(f->tags[0], "TagOne");
        CHECK_EQ_STR(f->tags[1], "tag_two");
    }
    static const char *const keys[] = {"Description", "AUTHOR",  "reference", "score",
                                       "count",       "enabled", "off"};
    static const char *const vals[] = {"test rule", "someone", "https://example.org/r", "80", "-5",
                                       "true",      "false"};
    CHECK_EQ_INT(f->nmeta, 7);
    for (size_t i = 0; i < f->nmeta && i < 7; i++) {
        CHECK_EQ_STR(f->meta[i].key, keys[i]);
        CHECK_EQ_STR(f->meta[i].value, vals[i]);
    }
    CHECK_EQ_INT(f->strings_total, 4);
    CHECK_EQ_INT(f->nstrings, 4);
    if (f->nstrings == 4) {
        CHECK_EQ_STR(f->strings[0].id, "$a");
        CHECK_EQ_INT(f->strings[0].offset, 2);
        CHECK_EQ_INT(f->strings[0].length, 3);
        CHECK_EQ_STR(f->strings[1].id, "$a");
        CHECK_EQ_INT(f->strings[1].offset, 13);
        CHECK_EQ_INT(f->strings[1].length, 3);
        CHECK_EQ_STR(f->strings[2].id, "$b");
        CHECK_EQ_INT(f->strings[2].offset, 6);
        CHECK_EQ_INT(f->strings[2].length, 2);
        CHECK_EQ_STR(f->strings[3].id, "$r");
        CHECK_EQ_INT(f->strings[3].offset, 10);
        CHECK_EQ_INT(f->strings[3].length, 3);
    }
    /* Findings are copies: they outlive the rules. */
    vigil_yara_rules_destroy(r);
    CHECK_EQ_STR(f->rule, "Detail");
    CHECK_EQ_STR(f->meta[5].value, "true");
    CHECK_EQ_STR(f->strings[3].id, "$r");
    vigil_findings_free(&fb);
}

static void test_max_strings(void)
{
    vigil_yara_rules *r = rules_from("m.yar", "rule many { strings: $a = \"ab\" $b = \"zz\" "
                                              "condition: any of them }");
    vigil_findings fb;
    CHECK(r != NULL);
    if (r == NULL)
        return;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(scan_str(r, "abababab.zz", NULL, 2, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        CHECK_EQ_INT(fb.items[0].strings_total, 5);
        CHECK_EQ_INT(fb.items[0].nstrings, 2);
        CHECK_EQ_INT(fb.items[0].strings[0].offset, 0);
        CHECK_EQ_INT(fb.items[0].strings[1].offset, 2);
    }
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(scan_str(r, "abababab.zz", NULL, 0, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        CHECK_EQ_INT(fb.items[0].strings_total, 5);
        CHECK_EQ_INT(fb.items[0].nstrings, 0);
        CHECK(fb.items[0].strings == NULL);
    }
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(scan_str(r, "abababab.zz", NULL, 100, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        CHECK_EQ_INT(fb.items[0].nstrings, 5);
        CHECK_EQ_STR(fb.items[0].strings[4].id, "$b");
        CHECK_EQ_INT(fb.items[0].strings[4].offset, 9);
    }
    vigil_findings_free(&fb);
    vigil_yara_rules_destroy(r);
}

static void test_scores(void)
{
    vigil_yara_rules *r =
        rules_from("s.yar", "rule s_default { condition: true }\n"
                            "rule s_int { meta: score = 40 condition: true }\n"
                            "rule s_text { meta: Score = \" 55 \" condition: true }\n"
                            "rule s_high { meta: score = 250 condition: true }\n"
                            "rule s_low { meta: score = -3 condition: true }\n"
                            "rule s_junk { meta: score = \"high\" condition: true }\n"
                            "rule s_desc { meta: desc = \"short\" condition: true }\n");
    vigil_findings fb;
    CHECK(r != NULL);
    if (r == NULL)
        return;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(scan_str(r, "", NULL, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 7);
    const vigil_finding *f;
    CHECK((f = find_rule(&fb, "s_default")) != NULL && f->score == VIGIL_YARA_DEFAULT_SCORE);
    CHECK((f = find_rule(&fb, "s_int")) != NULL && f->score == 40);
    CHECK((f = find_rule(&fb, "s_text")) != NULL && f->score == 55);
    CHECK((f = find_rule(&fb, "s_high")) != NULL && f->score == 100);
    CHECK((f = find_rule(&fb, "s_low")) != NULL && f->score == 0);
    CHECK((f = find_rule(&fb, "s_junk")) != NULL && f->score == VIGIL_YARA_DEFAULT_SCORE);
    f = find_rule(&fb, "s_desc");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK_EQ_STR(f->description, "short");
        CHECK(f->author == NULL && f->reference == NULL && f->tags == NULL);
        CHECK_EQ_INT(f->nstrings, 0);
        CHECK_EQ_INT(f->strings_total, 0);
    }
    vigil_findings_free(&fb);
    vigil_yara_rules_destroy(r);
}

typedef struct list_state {
    int n;
    int stop_at;
    char names[8][32];
    uint64_t lines[8];
    int priv[8];
} list_state;

static int list_rule(const vigil_yara_rule_info *info, void *user)
{
    list_state *ls = user;
    if (ls->n < 8) {
        snprintf(ls->names[ls->n], sizeof ls->names[0], "%s", info->name);
        ls->lines[ls->n] = info->line;
        ls->priv[ls->n] = info->is_private;
    }
    ls->n++;
    return ls->stop_at > 0 && ls->n == ls->stop_at;
}

static void test_rules_foreach(void)
{
    vigil_yara_rules *r = rules_from("l.yar", "private rule helper { condition: filesize > 1 }\n"
                                              "\n"
                                              "global private rule gate\n"
                                              "{ condition: true }\n"
                                              "rule uses { condition: helper }\n");
    list_state ls = {0};
    CHECK(r != NULL);
    if (r == NULL)
        return;
    CHECK_EQ_INT(vigil_yara_rules_foreach(r, list_rule, &ls), VIGIL_OK);
    CHECK_EQ_INT(ls.n, 3);
    int found = 0;
    for (int i = 0; i < 3; i++) {
        if (strcmp(ls.names[i], "helper") == 0 && ls.lines[i] == 1 && ls.priv[i])
            found |= 1;
        if (strcmp(ls.names[i], "gate") == 0 && ls.lines[i] == 3 && ls.priv[i])
            found |= 2;
        if (strcmp(ls.names[i], "uses") == 0 && ls.lines[i] == 5 && !ls.priv[i])
            found |= 4;
    }
    CHECK_EQ_INT(found, 7);
    list_state stop = {.stop_at = 2};
    CHECK_EQ_INT(vigil_yara_rules_foreach(r, list_rule, &stop), VIGIL_ERR_ABORTED);
    CHECK_EQ_INT(stop.n, 2);
    CHECK_EQ_INT(vigil_yara_rules_foreach(NULL, list_rule, &ls), VIGIL_ERR_INVALID_ARG);

    /* Private rules never become findings. */
    vigil_findings fb;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(scan_str(r, "xyz", NULL, 16, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    CHECK(fb.n == 1 && strcmp(fb.items[0].rule, "uses") == 0);
    vigil_findings_free(&fb);
    vigil_yara_rules_destroy(r);
}

static void test_rule_lines(void)
{
    static const char text[] = "// rule in_comment { }\n"                        /* 1 */
                               "rule first { strings: $a = \"rule fake {\" \n"   /* 2 */
                               "  $r = /[/]{ rule\\/ x/ condition: $a or $r }\n" /* 3 */
                               "/* rule\n"                                       /* 4 */
                               "   also_comment */ private   global rule\n"      /* 5 */
                               "  second { condition: \"}\" matches /{/ }\n"     /* 6 */
                               "rule third{condition:true}";                     /* 7 */
    vigil_arena a;
    vigil_yara_rule_pos *pos = NULL;
    size_t n = 0;
    vigil_arena_init(&a);
    CHECK_EQ_INT(vigil_yara_find_rule_lines(text, sizeof text - 1, &a, &pos, &n), VIGIL_OK);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_STR(pos[0].name, "first");
        CHECK_EQ_INT(pos[0].line, 2);
        CHECK_EQ_STR(pos[1].name, "second");
        CHECK_EQ_INT(pos[1].line, 5);
        CHECK_EQ_STR(pos[2].name, "third");
        CHECK_EQ_INT(pos[2].line, 7);
    }
    CHECK_EQ_INT(vigil_yara_find_rule_lines("", 0, &a, &pos, &n), VIGIL_OK);
    CHECK_EQ_INT(n, 0);
    /* Truncated input never reads past its end. */
    for (size_t cut = 0; cut < sizeof text - 1; cut++) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, text, cut);
        CHECK_EQ_INT(vigil_yara_find_rule_lines(copy, cut, &a, &pos, &n), VIGIL_OK);
        CHECK(n <= 3);
        free(copy);
    }
    vigil_arena_free(&a);
}

static void test_empty_and_errors(void)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_ERR_NO_RULES);
    CHECK(r == NULL);
    vigil_yara_builder_destroy(b);

    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "x", "rule {", 6), VIGIL_ERR_RULE);
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_ERR_NO_RULES);
    vigil_yara_builder_destroy(b);

    CHECK_EQ_INT(vigil_yara_builder_create(NULL, NULL), VIGIL_ERR_INVALID_ARG);
    CHECK_EQ_INT(vigil_yara_scanner_create(NULL, NULL), VIGIL_ERR_INVALID_ARG);
    vigil_yara_builder_destroy(NULL);
    vigil_yara_rules_destroy(NULL);
    vigil_yara_scanner_destroy(NULL);
    CHECK_EQ_INT(vigil_yara_rules_count(NULL), 0);

    /* Embedded NUL bytes in rule text are a compile error, not a crash. */
    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "nul", "rule a { condition: true }\0junk", 31),
                 VIGIL_ERR_RULE);
    vigil_yara_builder_destroy(b);
}

#define THREAD_SCANS 200

typedef struct thread_arg {
    const vigil_yara_rules *r;
    int hits;
    int bad;
} thread_arg;

static void *scan_thread(void *p)
{
    thread_arg *t = p;
    vigil_yara_scanner *s = NULL;
    vigil_findings fb;
    vigil_findings_init(&fb);
    if (vigil_yara_scanner_create(t->r, &s) != VIGIL_OK) {
        t->bad++;
        return NULL;
    }
    for (int i = 0; i < THREAD_SCANS; i++) {
        char data[64];
        vigil_yara_externals ext = {.filename = (i % 2) ? "evil.exe" : "good.exe"};
        snprintf(data, sizeof data, "%s %d", (i % 4) < 2 ? "abc" : "nope", i);
        vigil_findings_reset(&fb);
        if (vigil_yara_scanner_scan(s, "t", (const uint8_t *)data, strlen(data), &ext, 4, NULL,
                                    &fb) != VIGIL_OK)
            t->bad++;
        /* expected: ext_filename on odd i, Detail never, string rule when i%4 < 2 */
        size_t want = (size_t)(i % 2) + ((i % 4) < 2);
        if (fb.n != want)
            t->bad++;
        t->hits += (int)fb.n;
    }
    vigil_yara_scanner_destroy(s);
    vigil_findings_free(&fb);
    return NULL;
}

static void test_two_threads(void)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    const char *strrule = "rule has_abc { strings: $a = \"abc\" condition: $a }";
    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "e", ext_rules, strlen(ext_rules)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "d", detail_rules, strlen(detail_rules)),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_add_string(b, "s", strrule, strlen(strrule)), VIGIL_OK);
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_OK);
    vigil_yara_builder_destroy(b);
    CHECK_EQ_INT(vigil_yara_rules_count(r), 8);

    thread_arg args[2] = {{r, 0, 0}, {r, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(pthread_create(&th[i], NULL, scan_thread, &args[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(args[i].bad, 0);
        CHECK_EQ_INT(args[i].hits, THREAD_SCANS); /* 100 filename + 100 string hits */
    }
    vigil_yara_rules_destroy(r);
}

int main(void)
{
    make_tmpdir();
    TEST_RUN(test_externals);
    TEST_RUN(test_broken_file);
    TEST_RUN(test_duplicate_basenames);
    TEST_RUN(test_include);
    TEST_RUN(test_finding_details);
    TEST_RUN(test_max_strings);
    TEST_RUN(test_scores);
    TEST_RUN(test_rules_foreach);
    TEST_RUN(test_rule_lines);
    TEST_RUN(test_empty_and_errors);
    TEST_RUN(test_two_threads);
    remove_tmpdir();
    return TEST_END();
}
