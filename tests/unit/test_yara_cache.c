/* test_yara_cache.c - compiled YARA rule sets and trial-compile records kept
 * in the cache directory never change a result: the same findings with a
 * cold cache, a warm one, damaged or foreign cache files and a cache that
 * cannot be written; a changed rule text is compiled anew; every warning
 * and error about a rule file is said on every load; a file with an
 * include is never taken from the cache. One test proves a warm load
 * really takes its rules from the cache (a set stored under another
 * source's key is what it then reports). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/blob_cache.h"
#include "core/findings.h"
#include "test.h"
#include "yara/yara_cache.h"
#include "yara/yara_rules.h"

static const char alpha[] = "rule R_alpha : t1 { meta: score = 80 description = \"first\"\n"
                            "  strings: $a = \"MARKER_ALPHA\" condition: $a }\n"
                            "rule R_mz { strings: $m = \"MARKER_ALPHA\" condition:\n"
                            "  uint16(0) == 0x5a4d and $m }\n";
static const char beta[] = "rule R_beta { strings: $b = \"MARKER_BETA\" condition: $b }\n";
static const char gamma_[] = "rule R_gamma { strings: $g = \"MARKER_GAMMA\" condition: $g }\n";
static const char warns[] = "rule R_warn { strings: $w = { 00 01 } condition: $w }\n";
static const char broken[] = "rule R_broken { condition: nosuchthing }\n";

typedef struct diags {
    unsigned errors, warnings;
    char last[512];
} diags;

static void on_diag(const vigil_diag *d, void *user)
{
    diags *c = user;
    if (d->level == VIGIL_DIAG_ERROR)
        c->errors++;
    else if (d->level == VIGIL_DIAG_WARNING)
        c->warnings++;
    else
        return;
    snprintf(c->last, sizeof c->last, "%s:%llu: %s", d->source ? d->source : "-",
             (unsigned long long)d->line, d->message ? d->message : "");
}

typedef struct src {
    const char *name;
    const char *text;
} src;

/* Loads the sources with the cache in dir (NULL: none); *st of each add
 * in adds (may be NULL). */
static vigil_yara_rules *load(const char *dir, vigil_yara_grouping_mode mode, const src *s,
                              size_t n, diags *d, vigil_status *adds)
{
    vigil_diag_sink sink = {on_diag, d};
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    CHECK_EQ_INT(vigil_yara_builder_create(&sink, &b), VIGIL_OK);
    if (b == NULL)
        return NULL;
    vigil_yara_builder_set_grouping(b, mode);
    if (dir != NULL)
        CHECK_EQ_INT(vigil_yara_builder_set_cache(b, dir), VIGIL_OK);
    for (size_t i = 0; i < n; i++) {
        vigil_status st = s[i].text != NULL ? vigil_yara_builder_add_string(b, s[i].name, s[i].text,
                                                                            strlen(s[i].text))
                                            : vigil_yara_builder_add_file(b, s[i].name);
        if (adds != NULL)
            adds[i] = st;
    }
    CHECK_EQ_INT(vigil_yara_builder_finish(b, &r), VIGIL_OK);
    vigil_yara_builder_destroy(b);
    return r;
}

/* "ns:rule@source:line s<score> #tags meta strings" per finding. */
static void scan(vigil_yara_rules *r, const char *data, char *out, size_t cap)
{
    vigil_yara_scanner *s = NULL;
    vigil_findings fb;
    vigil_yara_externals ext = {"f", "/x", "", "", "", ""};
    size_t used = 0;

    out[0] = '\0';
    if (r == NULL)
        return;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(vigil_yara_scanner_create(r, &s), VIGIL_OK);
    CHECK_EQ_INT(
        vigil_yara_scanner_scan(s, "t", (const uint8_t *)data, strlen(data), &ext, 8, NULL, &fb),
        VIGIL_OK);
    for (size_t i = 0; i < fb.n && used + 1 < cap; i++) {
        const vigil_finding *f = &fb.items[i];
        int k = snprintf(out + used, cap - used, "%s%s:%s@%s:%llu s%d", used ? "\n" : "", f->ns,
                         f->rule, f->rule_source ? f->rule_source : "-",
                         (unsigned long long)f->rule_line, f->score);
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
            k = snprintf(out + used, cap - used, " %s@%llu", f->strings[m].id,
                         (unsigned long long)f->strings[m].offset);
            used += k > 0 ? (size_t)k : 0;
        }
    }
    vigil_yara_scanner_destroy(s);
    vigil_findings_free(&fb);
}

static void make_dir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/vigil-test-yara-cache-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Files in dir whose name starts with prefix and ends with suffix. */
static int count_files(const char *dir, const char *prefix, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), ls = strlen(suffix);
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && l >= ls &&
            strcmp(e->d_name + l - ls, suffix) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Applies fn to every file of dir named prefix*suffix. */
static void each_file(const char *dir, const char *prefix, const char *suffix,
                      void (*fn)(const char *path))
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), ls = strlen(suffix);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || l < ls ||
            strcmp(e->d_name + l - ls, suffix) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        fn(path);
    }
    closedir(d);
}

static void flip_last_byte(const char *path)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    CHECK(fseek(f, -1, SEEK_END) == 0);
    int c = fgetc(f);
    CHECK(fseek(f, -1, SEEK_END) == 0);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static void truncate_half(const char *path)
{
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    CHECK(truncate(path, sb.st_size / 2) == 0);
}

static void garbage(const char *path)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("VIGILYR1 not a rule set at all", f);
        fclose(f);
    }
}

static const char *const inputs[] = {"xx MARKER_ALPHA xx", "MZ MARKER_ALPHA", "MARKER_BETA",
                                     "MARKER_GAMMA", "nothing here"};
#define NINPUTS (sizeof inputs / sizeof inputs[0])

/* Every input's findings with these rules, one block. */
static void scan_all(vigil_yara_rules *r, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NINPUTS && used + 1 < cap; i++) {
        char one[2048];
        scan(r, inputs[i], one, sizeof one);
        int k = snprintf(out + used, cap - used, "[%zu] %s\n", i, one);
        used += k > 0 ? (size_t)k : 0;
    }
}

static const src two[] = {{"alpha.yar", alpha}, {"beta.yar", beta}};

/* Cold, warm, damaged and foreign cache files, in every grouping mode:
 * always the findings of a load without a cache. */
static void test_same_findings(void)
{
    static const vigil_yara_grouping_mode modes[] = {
        VIGIL_YARA_GROUPING_AUTO, VIGIL_YARA_GROUPING_OFF, VIGIL_YARA_GROUPING_PER_GROUP};
    for (size_t m = 0; m < 3; m++) {
        char dir[64], want[8192], got[8192];
        diags d = {0};
        make_dir(dir, sizeof dir);
        vigil_yara_rules *r = load(NULL, modes[m], two, 2, &d, NULL);
        scan_all(r, want, sizeof want);
        vigil_yara_rules_destroy(r);
        CHECK(strstr(want, "alpha.yar:R_alpha@alpha.yar:1 s80 #t1 score=80 description=first "
                           "$a@3") != NULL);
        CHECK(strstr(want, "[2] beta.yar:R_beta@beta.yar:1 s75 $b@0") != NULL);
        CHECK(strstr(want, "[3] \n") != NULL);

        r = load(dir, modes[m], two, 2, &d, NULL); /* cold: compiles and stores */
        scan_all(r, got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, want);
        CHECK(count_files(dir, "yara-", ".rules") >= 1);
        CHECK_EQ_INT(count_files(dir, "yara-trial-", ".idx"), 1);

        r = load(dir, modes[m], two, 2, &d, NULL); /* warm */
        scan_all(r, got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, want);

        each_file(dir, "yara-", "", flip_last_byte); /* rule sets and records */
        r = load(dir, modes[m], two, 2, &d, NULL);
        scan_all(r, got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, want);

        each_file(dir, "yara-", "", truncate_half);
        r = load(dir, modes[m], two, 2, &d, NULL);
        scan_all(r, got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, want);

        each_file(dir, "yara-", "", garbage);
        r = load(dir, modes[m], two, 2, &d, NULL);
        scan_all(r, got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, want);

        r = load(dir, modes[m], two, 2, &d, NULL); /* rewritten whole: warm again */
        scan_all(r, got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, want);
        CHECK_EQ_INT(d.errors, 0);
        CHECK_EQ_INT(d.warnings, 0);
        remove_dir(dir);
    }
}

/* The key of the whole compile of these sources (what take_whole and
 * compile_all store under), as the builder makes it. */
static int whole_key_of(const src *s, size_t n, unsigned char key[32])
{
    vigil_yara_cache_key k;
    vigil_yara_cache_key_begin(&k, "whole");
    for (size_t i = 0; i < n; i++) {
        unsigned char sk[32];
        if (vigil_yara_cache_source_key(s[i].name, s[i].name, s[i].text, strlen(s[i].text), sk) !=
            0) {
            (void)vigil_yara_cache_key_end(&k, key);
            return -1;
        }
        vigil_yara_cache_key_add(&k, sk, sizeof sk);
    }
    return vigil_yara_cache_key_end(&k, key);
}

static YR_RULES *compile_text(const char *text)
{
    YR_COMPILER *c = NULL;
    YR_RULES *r = NULL;
    static const char *const ext[] = {"filename", "filepath", "extension",
                                      "filetype", "owner",    "md5"};
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        (void)yr_compiler_define_string_variable(c, ext[i], "");
    if (yr_compiler_add_string(c, text, "beta.yar") == 0)
        (void)yr_compiler_get_rules(c, &r);
    yr_compiler_destroy(c);
    return r;
}

/* A warm load takes its set from the cache: planted under alpha's key, a
 * set compiled from other rules is what it reports; a changed text gets
 * its own key, and so its own rules. */
static void test_cache_is_used(void)
{
    char dir[64], got[8192];
    diags d = {0};
    const src one[] = {{"alpha.yar", alpha}};
    unsigned char key[32];
    make_dir(dir, sizeof dir);
    vigil_yara_rules *r = load(dir, VIGIL_YARA_GROUPING_OFF, one, 1, &d, NULL);
    scan(r, "MARKER_ALPHA", got, sizeof got);
    CHECK_EQ_STR(got, "alpha.yar:R_alpha@alpha.yar:1 s80 #t1 score=80 description=first $a@0");
    vigil_yara_rules_destroy(r);
    /* the library is live while a builder or rules object exists */
    vigil_yara_builder *hold = NULL;
    CHECK_EQ_INT(vigil_yara_builder_create(NULL, &hold), VIGIL_OK);
    CHECK_EQ_INT(whole_key_of(one, 1, key), 0);
    YR_RULES *planted =
        compile_text("rule Planted { strings: $p = \"MARKER_ALPHA\" condition: $p }");
    CHECK(planted != NULL);
    vigil_yara_cache_rules_store(dir, key, planted);
    if (planted != NULL)
        yr_rules_destroy(planted);
    vigil_yara_builder_destroy(hold);
    r = load(dir, VIGIL_YARA_GROUPING_OFF, one, 1, &d, NULL);
    scan(r, "MARKER_ALPHA", got, sizeof got);
    CHECK(strstr(got, "Planted") != NULL);
    vigil_yara_rules_destroy(r);

    /* alpha's text changed: a new key, compiled, the planted set unused */
    const src changed[] = {{"alpha.yar", beta}};
    r = load(dir, VIGIL_YARA_GROUPING_OFF, changed, 1, &d, NULL);
    scan(r, "MARKER_ALPHA MARKER_BETA", got, sizeof got);
    CHECK_EQ_STR(got, "alpha.yar:R_beta@alpha.yar:1 s75 $b@13");
    vigil_yara_rules_destroy(r);
    CHECK_EQ_INT(d.errors, 0);
    remove_dir(dir);
}

/* A cache directory that cannot be made (its parent is a file): nothing
 * stored, nothing said, the same findings. */
static void test_unwritable(void)
{
    char dir[64], blocked[128], want[8192], got[8192];
    diags d = {0};
    make_dir(dir, sizeof dir);
    snprintf(blocked, sizeof blocked, "%s/file", dir);
    FILE *f = fopen(blocked, "w");
    CHECK(f != NULL);
    if (f != NULL)
        fclose(f);
    snprintf(blocked, sizeof blocked, "%s/file/cache", dir);
    vigil_yara_rules *r = load(NULL, VIGIL_YARA_GROUPING_AUTO, two, 2, &d, NULL);
    scan_all(r, want, sizeof want);
    vigil_yara_rules_destroy(r);
    for (int i = 0; i < 2; i++) {
        r = load(blocked, VIGIL_YARA_GROUPING_AUTO, two, 2, &d, NULL);
        scan_all(r, got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, want);
    }
    CHECK_EQ_INT(d.errors, 0);
    CHECK_EQ_INT(d.warnings, 0);
    remove_dir(dir);
}

/* A warning or a broken file is said on every load, warm or not, and the
 * broken file is refused every time. */
static void test_diagnostics_every_time(void)
{
    char dir[64];
    const src s[] = {
        {"alpha.yar", alpha}, {"warn.yar", warns}, {"broken.yar", broken}, {"beta.yar", beta}};
    make_dir(dir, sizeof dir);
    diags first = {0};
    vigil_status adds[4];
    vigil_yara_rules *r = load(dir, VIGIL_YARA_GROUPING_AUTO, s, 4, &first, adds);
    vigil_yara_rules_destroy(r);
    CHECK_EQ_INT(adds[0], VIGIL_OK);
    CHECK_EQ_INT(adds[1], VIGIL_OK);
    CHECK_EQ_INT(adds[2], VIGIL_ERR_RULE);
    CHECK_EQ_INT(adds[3], VIGIL_OK);
    CHECK_EQ_INT(first.errors, 1);
    CHECK(first.warnings >= 1);
    CHECK(strstr(first.last, "broken.yar:1:") != NULL);
    CHECK_EQ_INT(count_files(dir, "yara-trial-", ".idx"), 0); /* not clean: not recorded */
    for (int i = 0; i < 2; i++) {
        diags again = {0};
        char got[8192];
        r = load(dir, VIGIL_YARA_GROUPING_AUTO, s, 4, &again, adds);
        scan(r, "MARKER_BETA", got, sizeof got);
        vigil_yara_rules_destroy(r);
        CHECK_EQ_STR(got, "beta.yar:R_beta@beta.yar:1 s75 $b@0");
        CHECK_EQ_INT(adds[2], VIGIL_ERR_RULE);
        CHECK_EQ_INT(again.errors, first.errors);
        CHECK_EQ_INT(again.warnings, first.warnings);
        CHECK_EQ_STR(again.last, first.last);
    }
    /* a warning alone: said every time too */
    const src w[] = {{"alpha.yar", alpha}, {"warn.yar", warns}};
    diags w1 = {0}, w2 = {0};
    r = load(dir, VIGIL_YARA_GROUPING_AUTO, w, 2, &w1, NULL);
    vigil_yara_rules_destroy(r);
    r = load(dir, VIGIL_YARA_GROUPING_AUTO, w, 2, &w2, NULL);
    vigil_yara_rules_destroy(r);
    CHECK(w1.warnings >= 1);
    CHECK_EQ_INT(w2.warnings, w1.warnings);
    CHECK_EQ_STR(w2.last, w1.last);
    remove_dir(dir);
}

/* Records of [alpha, beta]: [alpha] alone (a prefix) and [alpha, gamma]
 * and [alpha, broken] (a different second file) load right, the broken
 * one still refused with its error. */
static void test_sequences(void)
{
    char dir[64], got[8192];
    diags d = {0};
    make_dir(dir, sizeof dir);
    vigil_yara_rules *r = load(dir, VIGIL_YARA_GROUPING_AUTO, two, 2, &d, NULL);
    vigil_yara_rules_destroy(r);
    const src prefix[] = {{"alpha.yar", alpha}};
    r = load(dir, VIGIL_YARA_GROUPING_AUTO, prefix, 1, &d, NULL);
    scan(r, "MARKER_ALPHA MARKER_BETA", got, sizeof got);
    CHECK_EQ_STR(got, "alpha.yar:R_alpha@alpha.yar:1 s80 #t1 score=80 description=first $a@0");
    vigil_yara_rules_destroy(r);
    const src other[] = {{"alpha.yar", alpha}, {"gamma.yar", gamma_}};
    r = load(dir, VIGIL_YARA_GROUPING_AUTO, other, 2, &d, NULL);
    scan(r, "MARKER_GAMMA MARKER_BETA", got, sizeof got);
    CHECK_EQ_STR(got, "gamma.yar:R_gamma@gamma.yar:1 s75 $g@0");
    vigil_yara_rules_destroy(r);
    CHECK_EQ_INT(d.errors, 0);
    const src bad[] = {{"alpha.yar", alpha}, {"broken.yar", broken}};
    vigil_status adds[2];
    r = load(dir, VIGIL_YARA_GROUPING_AUTO, bad, 2, &d, adds);
    scan(r, "MARKER_ALPHA", got, sizeof got);
    CHECK_EQ_STR(got, "alpha.yar:R_alpha@alpha.yar:1 s80 #t1 score=80 description=first $a@0");
    vigil_yara_rules_destroy(r);
    CHECK_EQ_INT(adds[1], VIGIL_ERR_RULE);
    CHECK_EQ_INT(d.errors, 1);
    /* both clean sequences kept under alpha's record */
    CHECK_EQ_INT(count_files(dir, "yara-trial-", ".idx"), 1);
    r = load(dir, VIGIL_YARA_GROUPING_AUTO, two, 2, &d, NULL);
    scan(r, "MARKER_BETA", got, sizeof got);
    CHECK_EQ_STR(got, "beta.yar:R_beta@beta.yar:1 s75 $b@0");
    vigil_yara_rules_destroy(r);
    remove_dir(dir);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

/* What a file includes is not in its text: such a load is never keyed,
 * and a changed included file changes the findings. */
static void test_include(void)
{
    char dir[64], rules[64], main_path[128], inc_path[128], cache[128], got[8192];
    diags d = {0};
    make_dir(dir, sizeof dir);
    make_dir(rules, sizeof rules);
    snprintf(main_path, sizeof main_path, "%s/main.yar", rules);
    snprintf(inc_path, sizeof inc_path, "%s/inc.yar", rules);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    write_file(main_path, "include \"inc.yar\"\nrule R_main { condition: R_inc }\n");
    write_file(inc_path, "rule R_inc { strings: $i = \"MARKER_BETA\" condition: $i }\n");
    const src s[] = {{main_path, NULL}};
    static const char *const yes = "include \"x\"";
    static const char *const in_comment = "/* include \"x\" */ rule a { condition: true }";
    static const char *const in_string =
        "rule a { strings: $s = \"include \\\"x\\\"\" condition: $s }";
    CHECK(vigil_yara_text_has_include(yes, strlen(yes)));
    CHECK(!vigil_yara_text_has_include(in_comment, strlen(in_comment)));
    CHECK(!vigil_yara_text_has_include(in_string, strlen(in_string)));
    for (int i = 0; i < 2; i++) {
        vigil_yara_rules *r = load(cache, VIGIL_YARA_GROUPING_AUTO, s, 1, &d, NULL);
        scan(r, "MARKER_BETA", got, sizeof got);
        CHECK(strstr(got, "R_main") != NULL);
        vigil_yara_rules_destroy(r);
    }
    CHECK_EQ_INT(count_files(cache, "yara-trial-", ".idx"), 0);
    write_file(inc_path, "rule R_inc { strings: $i = \"MARKER_GAMMA\" condition: $i }\n");
    vigil_yara_rules *r = load(cache, VIGIL_YARA_GROUPING_AUTO, s, 1, &d, NULL);
    scan(r, "MARKER_BETA", got, sizeof got);
    CHECK(strstr(got, "R_main") == NULL);
    scan(r, "MARKER_GAMMA", got, sizeof got);
    CHECK(strstr(got, "R_main") != NULL);
    vigil_yara_rules_destroy(r);
    CHECK_EQ_INT(d.errors, 0);
    unlink(main_path);
    unlink(inc_path);
    rmdir(rules);
    remove_dir(cache);
    remove_dir(dir);
}

/* The blob layer: a payload comes back only under its own key, whole. */
static void test_blob(void)
{
    char dir[64];
    static const vigil_blob_kind kind = {"t-", ".bin", "VIGILTT1", 1u << 20};
    unsigned char k1[32] = {1}, k2[32] = {2};
    vigil_blob b;
    make_dir(dir, sizeof dir);
    CHECK_EQ_INT(vigil_blob_cache_store(dir, &kind, k1, "payload", 7), 0);
    CHECK_EQ_INT(vigil_blob_cache_load(dir, &kind, k1, &b), 0);
    CHECK(b.len == 7 && memcmp(b.data, "payload", 7) == 0);
    vigil_blob_free(&b);
    CHECK_EQ_INT(vigil_blob_cache_load(dir, &kind, k2, &b), -1);
    CHECK(b.data == NULL);
    char big_path[128];
    snprintf(big_path, sizeof big_path, "%s/sub/dir", dir);
    unsigned char *big = malloc(2u << 20);
    CHECK(big != NULL);
    if (big != NULL) { /* past kind.max: not stored */
        memset(big, 'x', 2u << 20);
        CHECK_EQ_INT(vigil_blob_cache_store(dir, &kind, k2, big, 2u << 20), -1);
        free(big);
    }
    static const vigil_blob_kind large = {"t-", ".big", "VIGILTT2", 8u << 20};
    big = malloc(3u << 20); /* read through the populated mapping */
    if (big != NULL) {
        for (size_t i = 0; i < (3u << 20); i++)
            big[i] = (unsigned char)(i * 7);
        CHECK_EQ_INT(vigil_blob_cache_store(dir, &large, k2, big, 3u << 20), 0);
        CHECK_EQ_INT(vigil_blob_cache_load(dir, &large, k2, &b), 0);
        CHECK(b.len == (3u << 20) && memcmp(b.data, big, b.len) == 0);
        vigil_blob_free(&b);
        free(big);
    }
    remove_dir(dir);
}

int main(void)
{
    TEST_RUN(test_same_findings);
    TEST_RUN(test_cache_is_used);
    TEST_RUN(test_unwritable);
    TEST_RUN(test_diagnostics_every_time);
    TEST_RUN(test_sequences);
    TEST_RUN(test_include);
    TEST_RUN(test_blob);
    return TEST_END();
}
