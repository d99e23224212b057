/* test_ioc.c - unit tests of the IOC subsystem: the text formats, the hash
 * set, the filename matcher (hyperscan and its PCRE2 fallback) and the C2
 * store. Fixtures are small texts written here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ioc/ioc.h"
#include "test.h"

#define MAX_DIAGS 32

typedef struct diag_rec {
    vigil_diag_level level;
    vigil_status code;
    uint64_t line;
    char source[128];
    char message[256];
} diag_rec;

typedef struct diags {
    diag_rec d[MAX_DIAGS];
    int n;
} diags;

static void on_diag(const vigil_diag *d, void *user)
{
    diags *ds = user;
    if (ds->n >= MAX_DIAGS)
        return;
    diag_rec *r = &ds->d[ds->n++];
    r->level = d->level;
    r->code = d->code;
    r->line = d->line;
    snprintf(r->source, sizeof r->source, "%s", d->source ? d->source : "");
    snprintf(r->message, sizeof r->message, "%s", d->message);
}

/* Loads text of one kind and freezes; NULL when any step fails. */
static vigil_ioc_db *load(diags *ds, const char *name, const char *text, vigil_rule_kind kind)
{
    vigil_diag_sink sink = {on_diag, ds};
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;

    memset(ds, 0, sizeof *ds);
    if (vigil_ioc_builder_create(&sink, &b) != VIGIL_OK)
        return NULL;
    if (vigil_ioc_builder_add_text(b, name, text, strlen(text), kind) != VIGIL_OK ||
        vigil_ioc_builder_finish(b, &db) != VIGIL_OK)
        db = NULL;
    vigil_ioc_builder_destroy(b);
    return db;
}

static void hex2bin(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i] && hex[2 * i + 1]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

#define MD5_A "0c2674c3a97c53082187d930efb645c2"
#define MD5_B "000c907d39924de62b5891f8d0e03116"
#define MD5_C "563d1512178cec1f6a73c98d565c98fa"
#define SHA1_A "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
#define SHA256_A "c03318cb12b827c03d556c8747b1e323225df97bdc4258c2756b0d6a4fd52b47"

static void test_kind_from_name(void)
{
    CHECK_EQ_INT(vigil_ioc_kind_from_name("/x/iocs/hash-iocs.txt"), VIGIL_RULES_IOC_HASH);
    CHECK_EQ_INT(vigil_ioc_kind_from_name("filename-iocs.txt"), VIGIL_RULES_IOC_FILENAME);
    CHECK_EQ_INT(vigil_ioc_kind_from_name("my-path-list.txt"), VIGIL_RULES_IOC_FILENAME);
    CHECK_EQ_INT(vigil_ioc_kind_from_name("c2-iocs.txt"), VIGIL_RULES_IOC_C2);
    CHECK_EQ_INT(vigil_ioc_kind_from_name("/hash/keywords.txt"), VIGIL_RULES_AUTO);
    CHECK_EQ_INT(vigil_ioc_kind_from_name("README.txt"), VIGIL_RULES_AUTO);
    CHECK_EQ_INT(vigil_ioc_kind_from_name(NULL), VIGIL_RULES_AUTO);
}

static const char hash_text[] =
    "# LOKI CUSTOM EVIL HASHES\n"                                   /* 1 */
    "\n"                                                            /* 2 */
    "0C2674C3A97C53082187D930EFB645C2;DEEP PANDA Sakula Malware \n" /* 3 */
    SHA1_A ";75;Desc with;semicolons\n"                             /* 4 */
    SHA256_A ";Operation SMN; Zxshell\r\n"                          /* 5 */
    MD5_B ";60\n"                                                   /* 6 */
    "   # indented comment\n"                                       /* 7 */
    MD5_C "\n"                                                      /* 8 */
    "abcdef;too short\n"                                            /* 9 */
    "zz2674c3a97c53082187d930efb645c2;not hex\n"                    /* 10 */
    "d41d8cd98f00b204e9800998ecf8427e;empty file\n"                 /* 11 */
    "0123456789abcdef0123456789abcdef0123456789abcdef;48 chars";    /* 12, no newline */

static void test_hash_forms(void)
{
    diags ds;
    vigil_ioc_db *db = load(&ds, "hashes.txt", hash_text, VIGIL_RULES_IOC_HASH);
    vigil_ioc_counts c;
    vigil_findings fb;
    uint8_t md5[16], sha1[20], sha256[32];

    CHECK(db != NULL);
    if (db == NULL)
        return;
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.md5, 3);
    CHECK_EQ_INT(c.sha1, 1);
    CHECK_EQ_INT(c.sha256, 1);
    CHECK_EQ_INT(c.hash_added, 5);
    CHECK_EQ_INT(vigil_ioc_db_hash_kinds(db), VIGIL_HASH_MD5 | VIGIL_HASH_SHA1 | VIGIL_HASH_SHA256);
    CHECK_EQ_INT(ds.n, 4);
    CHECK_EQ_INT(ds.d[0].line, 9);
    CHECK_EQ_INT(ds.d[0].level, VIGIL_DIAG_ERROR);
    CHECK_EQ_STR(ds.d[0].source, "hashes.txt");
    CHECK(strstr(ds.d[0].message, "6 characters") != NULL);
    CHECK_EQ_INT(ds.d[1].line, 10);
    CHECK(strstr(ds.d[1].message, "non-hex character at column 1") != NULL);
    CHECK_EQ_INT(ds.d[2].line, 11);
    CHECK_EQ_INT(ds.d[2].level, VIGIL_DIAG_WARNING);
    CHECK_EQ_INT(ds.d[3].line, 12);

    vigil_findings_init(&fb);
    hex2bin(MD5_A, md5);
    hex2bin(SHA1_A, sha1);
    hex2bin(SHA256_A, sha256);
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, md5, sha1, sha256, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 3);
    if (fb.n == 3) {
        vigil_finding *f = &fb.items[0];
        CHECK_EQ_INT(f->kind, VIGIL_FINDING_HASH);
        CHECK_EQ_STR(f->rule, MD5_A);
        CHECK_EQ_STR(f->matched, MD5_A);
        CHECK_EQ_INT(f->score, 100);
        CHECK_EQ_STR(f->description, "DEEP PANDA Sakula Malware");
        CHECK_EQ_STR(f->rule_source, "hashes.txt");
        CHECK_EQ_INT(f->rule_line, 3);
        f = &fb.items[1];
        CHECK_EQ_STR(f->matched, SHA1_A);
        CHECK_EQ_INT(f->score, 75);
        CHECK_EQ_STR(f->description, "Desc with;semicolons");
        CHECK_EQ_INT(f->rule_line, 4);
        f = &fb.items[2];
        CHECK_EQ_STR(f->matched, SHA256_A);
        CHECK_EQ_INT(f->score, 100);
        CHECK_EQ_STR(f->description, "Operation SMN; Zxshell");
        CHECK_EQ_INT(f->rule_line, 5);
    }

    vigil_findings_reset(&fb);
    hex2bin(MD5_B, md5);
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, md5, NULL, NULL, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        CHECK_EQ_INT(fb.items[0].score, 60);
        CHECK(fb.items[0].description == NULL);
        CHECK_EQ_INT(fb.items[0].rule_line, 6);
    }
    vigil_findings_reset(&fb);
    hex2bin(MD5_C, md5);
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, md5, NULL, NULL, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1)
        CHECK_EQ_INT(fb.items[0].rule_line, 8);

    /* Not listed: one bit off, and the empty-file digest that was refused. */
    vigil_findings_reset(&fb);
    md5[15] ^= 1;
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, md5, NULL, NULL, &fb), VIGIL_OK);
    hex2bin("d41d8cd98f00b204e9800998ecf8427e", md5);
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, md5, NULL, NULL, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 0);
    vigil_findings_free(&fb);
    vigil_ioc_db_destroy(db);
}

static void test_hash_duplicates(void)
{
    diags ds;
    vigil_ioc_db *db =
        load(&ds, "dups.txt",
             MD5_A ";50;first\n" MD5_B ";other\n"
                   "0C2674C3A97C53082187D930EFB645C2;80;second\n" MD5_A ";70;third\n",
             VIGIL_RULES_IOC_HASH);
    vigil_ioc_counts c;
    vigil_findings fb;
    uint8_t md5[16];

    CHECK(db != NULL);
    if (db == NULL)
        return;
    CHECK_EQ_INT(ds.n, 0);
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.md5, 2);
    CHECK_EQ_INT(c.hash_added, 4);
    CHECK_EQ_INT(vigil_ioc_db_hash_kinds(db), VIGIL_HASH_MD5);
    vigil_findings_init(&fb);
    hex2bin(MD5_A, md5);
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, md5, NULL, NULL, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        CHECK_EQ_INT(fb.items[0].score, 80);
        CHECK_EQ_STR(fb.items[0].description, "first");
        CHECK_EQ_INT(fb.items[0].rule_line, 1);
    }
    vigil_findings_free(&fb);
    vigil_ioc_db_destroy(db);
}

/* Many entries: every one found again, including digests sharing their
 * first 8 bytes (the sort's tie-break) and repeated ones. */
static void test_hash_many(void)
{
    enum { N = 3000 };
    char *text = malloc((size_t)N * 80);
    size_t len = 0;
    diags ds;
    vigil_ioc_db *db;
    vigil_ioc_counts c;
    vigil_findings fb;
    uint8_t md5[16];
    char hex[33];
    int found = 0, right_line = 0;

    CHECK(text != NULL);
    if (text == NULL)
        return;
    /* Entry i: prefix from i / 3 (three share each prefix), tail from i;
     * lines 2001.. repeat entries 0.. with score 99. */
    for (int i = 0; i < N; i++) {
        int e = i < 2000 ? i : i - 2000;
        len +=
            (size_t)sprintf(text + len, "%016x%016x;%d;entry %d\n", (unsigned)(e / 3) * 2654435761u,
                            (unsigned)e * 40503u + 1, i < 2000 ? 50 : 99, e);
    }
    text[len] = '\0';
    db = load(&ds, "many", text, VIGIL_RULES_IOC_HASH);
    free(text);
    CHECK(db != NULL);
    if (db == NULL)
        return;
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.md5, 2000);
    CHECK_EQ_INT(c.hash_added, N);
    vigil_findings_init(&fb);
    for (int e = 0; e < 2000; e++) {
        snprintf(hex, sizeof hex, "%016x%016x", (unsigned)(e / 3) * 2654435761u,
                 (unsigned)e * 40503u + 1);
        hex2bin(hex, md5);
        vigil_findings_reset(&fb);
        vigil_ioc_match_hashes(db, md5, NULL, NULL, &fb);
        if (fb.n == 1) {
            char want[32];
            found++;
            snprintf(want, sizeof want, "entry %d", e);
            right_line += fb.items[0].rule_line == (uint64_t)e + 1 &&
                          strcmp(fb.items[0].description, want) == 0 &&
                          fb.items[0].score == (e < 1000 ? 99 : 50);
        }
    }
    CHECK_EQ_INT(found, 2000);
    CHECK_EQ_INT(right_line, 2000);
    vigil_findings_free(&fb);
    vigil_ioc_db_destroy(db);
}

static const char fname_text[] = "# Regin\n"                                               /* 1 */
                                 "\\\\usbclass\\.sys;80\n"                                 /* 2 */
                                 "(?i)\\\\procdump(64)?\\.exe;50;(?i)(SysInternals\\\\)\n" /* 3 */
                                 "\n"                                                      /* 4 */
                                 "# Refused by hyperscan\n"                                /* 5 */
                                 "\\\\(\\w+)\\\\\\1\\.exe$;70\n"    /* 6: backreference */
                                 "\\\\evil(?!\\.txt)[^\\\\]*$;65\n" /* 7: lookahead */
                                 "bin\\\\nc\\.exe\n"                /* 8: legacy, score 60 */
                                 "\\\\x\\.exe;high\n"               /* 9: bad score */
                                 "(unclosed;40\n"                   /* 10: bad regex */
                                 "\\\\a\\.exe;40;(bad fp\n"         /* 11: bad FP regex */
                                 "^/etc/cron\\.d/[a-z]{8}$;90\n"    /* 12: Linux form */
                                 "\\\\(a|b(?1))\\.exe;45\n";        /* 13: PCRE2 only */

typedef struct expect {
    const char *path;
    int n;
    uint64_t line; /* of the first finding */
} expect;

static void test_filename(void)
{
    diags ds;
    vigil_ioc_db *db = load(&ds, "fn.txt", fname_text, VIGIL_RULES_IOC_FILENAME);
    vigil_ioc_scratch *s = NULL;
    vigil_ioc_counts c;
    vigil_findings fb;
    static const expect cases[] = {
        {"C:\\Windows\\System32\\drivers\\usbclass.sys", 1, 2},
        {"/mnt/c/Windows/System32/drivers/usbclass.sys", 1, 2},
        {"C:\\Windows\\System32\\drivers\\USBCLASS.SYS", 0, 0}, /* case-sensitive */
        {"C:\\Tools\\PROCDUMP64.EXE", 1, 3},
        {"/home/u/tools/procdump.exe", 1, 3},
        {"C:\\Tools\\SysInternals\\procdump.exe", 0, 0}, /* FP regex */
        {"/opt/sysinternals/procdump.exe", 0, 0},        /* FP regex on the '\' form */
        {"C:\\x\\calc\\calc.exe", 1, 6},                 /* backreference via PCRE2 */
        {"C:\\x\\calc\\note.exe", 0, 0},
        {"C:\\Temp\\evil.dll", 1, 7}, /* lookahead via PCRE2 */
        {"C:\\Temp\\evil.txt", 0, 0},
        {"/usr/local/bin/nc.exe", 1, 8},
        {"/etc/cron.d/abcdefgh", 1, 12},
        {"/etc/cron.d/abcdefgh1", 0, 0},
        {"C:\\x\\bba.exe", 1, 13},
        {"/x/a.exe", 1, 13},
        {"C:\\x\\c.exe", 0, 0},
        {"", 0, 0},
    };

    CHECK(db != NULL);
    if (db == NULL)
        return;
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.filename, 7);
    CHECK_EQ_INT(c.filename_prefilter, 2); /* backreference, lookahead */
    CHECK_EQ_INT(c.filename_pcre, 1);      /* recursion: not even prefiltered */
    CHECK_EQ_INT(ds.n, 3);
    CHECK_EQ_INT(ds.d[0].line, 9);
    CHECK(strstr(ds.d[0].message, "\"high\" is not an integer") != NULL);
    /* Regexes are compiled at finish; their diagnostics keep file and line. */
    CHECK_EQ_INT(ds.d[1].line, 10);
    CHECK_EQ_STR(ds.d[1].source, "fn.txt");
    CHECK(strstr(ds.d[1].message, "does not compile") != NULL);
    CHECK_EQ_INT(ds.d[2].line, 11);
    CHECK(strstr(ds.d[2].message, "false-positive") != NULL);

    CHECK_EQ_INT(vigil_ioc_scratch_create(db, &s), VIGIL_OK);
    vigil_findings_init(&fb);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vigil_findings_reset(&fb);
        CHECK_EQ_INT(vigil_ioc_match_path(db, s, cases[i].path, strlen(cases[i].path), &fb),
                     VIGIL_OK);
        if ((int)fb.n != cases[i].n)
            fprintf(stderr, "path %s\n", cases[i].path);
        CHECK_EQ_INT(fb.n, cases[i].n);
        if (fb.n > 0)
            CHECK_EQ_INT(fb.items[0].rule_line, cases[i].line);
    }

    /* Every field of one finding. */
    vigil_findings_reset(&fb);
    const char *p = "/mnt/c/Windows/System32/drivers/usbclass.sys";
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, p, strlen(p), &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        vigil_finding *f = &fb.items[0];
        CHECK_EQ_INT(f->kind, VIGIL_FINDING_FILENAME);
        CHECK_EQ_STR(f->rule, "\\\\usbclass\\.sys");
        CHECK_EQ_STR(f->matched, p);
        CHECK_EQ_INT(f->score, 80);
        CHECK_EQ_STR(f->description, "Regin");
        CHECK_EQ_STR(f->rule_source, "fn.txt");
        CHECK_EQ_INT(f->rule_line, 2);
    }
    /* A path hitting several patterns: findings in file order. */
    vigil_findings_reset(&fb);
    p = "C:\\procdump\\procdump.exe";
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, p, strlen(p), &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 2);
    if (fb.n == 2) {
        CHECK_EQ_INT(fb.items[0].rule_line, 3);
        CHECK_EQ_STR(fb.items[0].rule, "(?i)\\\\procdump(64)?\\.exe");
        CHECK_EQ_STR(fb.items[0].description, "Regin");
        CHECK_EQ_INT(fb.items[0].score, 50);
        CHECK_EQ_INT(fb.items[1].rule_line, 6);
        CHECK_EQ_STR(fb.items[1].description, "Refused by hyperscan");
        CHECK_EQ_INT(fb.items[1].score, 70);
    }
    /* Legacy line: score 60. */
    vigil_findings_reset(&fb);
    p = "/usr/local/bin/nc.exe";
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, p, strlen(p), &fb), VIGIL_OK);
    if (fb.n == 1)
        CHECK_EQ_INT(fb.items[0].score, 60);
    /* Length, not NUL, ends the path. */
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, "/etc/cron.d/abcdefghX", 20, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1)
        CHECK_EQ_STR(fb.items[0].matched, "/etc/cron.d/abcdefgh");

    vigil_findings_free(&fb);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
}

static void test_filename_api(void)
{
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL, *other = NULL;
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    diags ds;
    vigil_diag_sink sink = {on_diag, &ds};

    memset(&ds, 0, sizeof ds);
    CHECK_EQ_INT(vigil_ioc_builder_create(&sink, &b), VIGIL_OK);
    CHECK_EQ_INT(
        vigil_ioc_builder_add_filename(b, "(?i)\\\\TEMP\\\\MKATZ\\.EXE", 80, NULL, "api", 7),
        VIGIL_OK);
    CHECK_EQ_INT(vigil_ioc_builder_add_filename(b, "", 80, NULL, "api", 8), VIGIL_ERR_PARSE);
    CHECK_EQ_INT(vigil_ioc_builder_add_filename(b, "xyz", 150, "", "api", 9), VIGIL_OK);
    CHECK_EQ_INT(vigil_ioc_builder_add_filename(b, "(abc)?", 10, NULL, "api", 10), VIGIL_OK);
    CHECK_EQ_INT(ds.n, 2);
    CHECK_EQ_INT(ds.d[1].level, VIGIL_DIAG_WARNING);
    CHECK_EQ_INT(vigil_ioc_builder_finish(b, &db), VIGIL_OK);
    CHECK_EQ_INT(ds.n, 3); /* "(abc)?" would match every path: refused */
    CHECK_EQ_INT(ds.d[2].line, 10);
    CHECK_EQ_INT(ds.d[2].level, VIGIL_DIAG_ERROR);
    CHECK_EQ_STR(ds.d[2].source, "api");
    CHECK(strstr(ds.d[2].message, "empty string") != NULL);
    CHECK(strstr(ds.d[2].message, "refused") != NULL);
    vigil_ioc_counts c;
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.filename, 2);
    CHECK_EQ_INT(c.filename_refused, 1);
    CHECK_EQ_INT(vigil_ioc_builder_finish(b, &other), VIGIL_ERR_FROZEN);
    CHECK_EQ_INT(vigil_ioc_builder_add_c2(b, "evil.com", 1, NULL, NULL, 0), VIGIL_ERR_FROZEN);
    vigil_ioc_builder_destroy(b);
    CHECK_EQ_INT(vigil_ioc_scratch_create(db, &s), VIGIL_OK);
    vigil_findings_init(&fb);
    const char *p = "/Temp/mkatz.exe";
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, p, strlen(p), &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        CHECK(fb.items[0].description == NULL);
        CHECK_EQ_INT(fb.items[0].rule_line, 7);
        CHECK_EQ_STR(fb.items[0].rule_source, "api");
    }
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, "xyz", 3, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1)
        CHECK_EQ_INT(fb.items[0].score, 100); /* clamped */
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, "", 0, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 0);
    vigil_findings_free(&fb);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
}

/* Every form of a pattern that matches the empty string is refused, with
 * its file and line, whether hyperscan or PCRE2 (backreference, lookahead)
 * would run it; patterns that only look empty-ish are kept. */
static void test_filename_empty_refused(void)
{
    static const char text[] = ".*;80\n"                 /* 1 refused */
                               "(?i)x*;80\n"             /* 2 refused */
                               "^;80\n"                  /* 3 refused */
                               "(?!abc);80\n"            /* 4 refused (PCRE2 only) */
                               "(a?)\\1;80\n"            /* 5 refused (backreference) */
                               "\\\\evil\\.exe$;80\n"  /* 6 kept */
                               "(foo)\\1;80\n"           /* 7 kept (PCRE2) */
                               "^$|zz;80\n";             /* 8 refused */
    diags ds;
    vigil_ioc_db *db = load(&ds, "fn-iocs.txt", text, VIGIL_RULES_IOC_FILENAME);
    CHECK(db != NULL);
    if (db == NULL)
        return;
    static const uint64_t refused[] = {1, 2, 3, 4, 5, 8};
    CHECK_EQ_INT(ds.n, 6);
    for (int i = 0; i < ds.n && i < 6; i++) {
        CHECK_EQ_INT(ds.d[i].line, refused[i]);
        CHECK_EQ_STR(ds.d[i].source, "fn-iocs.txt");
        CHECK_EQ_INT(ds.d[i].level, VIGIL_DIAG_ERROR);
        CHECK(strstr(ds.d[i].message, "empty string") != NULL);
    }
    vigil_ioc_counts c;
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.filename, 2);
    CHECK_EQ_INT(c.filename_refused, 6);
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    CHECK_EQ_INT(vigil_ioc_scratch_create(db, &s), VIGIL_OK);
    vigil_findings_init(&fb);
    const char *clean = "C:\\Windows\\notepad.exe";
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, clean, strlen(clean), &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 0);
    const char *bad = "C:\\Temp\\evil.exe";
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, bad, strlen(bad), &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1)
        CHECK_EQ_INT(fb.items[0].rule_line, 6);
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, "/x/foofoo", 9, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    vigil_findings_free(&fb);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
}

/* Python's re on str semantics for non-ASCII paths: "[^o]" and "." take
 * one character; \w knows letters beyond ASCII; non-ASCII literals match;
 * invalid UTF-8 bytes count as one character each. */
static void test_filename_unicode(void)
{
    diags ds;
    vigil_ioc_db *db = load(&ds, "uni",
                            "\\\\svch[^o]st\\.exe;45\n" /* 1 */
                            "\\\\svch\xc3\xae"
                            "st\\.exe;46\n"                     /* 2: non-ASCII literal */
                            "\\\\Users\\\\\\w+\\\\x\\.dll;47\n" /* 3: \w */
                            "\\\\a.b\\.exe$;48\n"               /* 4 */
                            "(?i)\\\\\xc3\x89VIL\\.exe;49\n",   /* 5: caseless É */
                            VIGIL_RULES_IOC_FILENAME);
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    static const expect cases[] = {
        {"C:\\svch\xc3\xae"
         "st.exe",
         2, 1}, /* svchîst: [^o] is one character */
        {"C:\\svchost.exe", 0, 0},
        {"/x/svch\xc3\xb6st.exe", 1, 1}, /* svchöst */
        {"C:\\Users\\Jos\xc3\xa9\\x.dll", 1, 3},
        {"C:\\Users\\Jos\xff\\x.dll", 0, 0}, /* invalid byte: not a letter */
        {"/a\xc3\xa9"
         "b.exe",
         1, 4}, /* "." takes the whole é */
        {"/a\xff"
         "b.exe",
         1, 4}, /* and an invalid byte */
        {"/a\xc3\xa9\xc3\xa9"
         "b.exe",
         0, 0},
        {"C:\\evil.exe", 0, 0},        /* E is not É, even caseless */
        {"C:\\\xc3\xa9vil.EXE", 1, 5}, /* é is É caseless */
    };

    CHECK(db != NULL);
    if (db == NULL)
        return;
    CHECK_EQ_INT(ds.n, 0);
    CHECK_EQ_INT(vigil_ioc_scratch_create(db, &s), VIGIL_OK);
    vigil_findings_init(&fb);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vigil_findings_reset(&fb);
        CHECK_EQ_INT(vigil_ioc_match_path(db, s, cases[i].path, strlen(cases[i].path), &fb),
                     VIGIL_OK);
        if ((int)fb.n != cases[i].n)
            fprintf(stderr, "path %s\n", cases[i].path);
        CHECK_EQ_INT(fb.n, cases[i].n);
        if (fb.n > 0) {
            CHECK_EQ_INT(fb.items[0].rule_line, cases[i].line);
            CHECK_EQ_STR(fb.items[0].matched, cases[i].path); /* the bytes as given */
        }
    }
    vigil_findings_free(&fb);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
}

/* A backtracking bomb that only PCRE2 can run, on a hostile path: the
 * match limit turns it into "no match" instead of a stalled sweep. */
static void test_filename_hostile(void)
{
    diags ds;
    vigil_ioc_db *db = load(&ds, "bomb", "^(a+)+(?1)$;50\n", VIGIL_RULES_IOC_FILENAME);
    vigil_ioc_scratch *s = NULL;
    vigil_ioc_counts c;
    vigil_findings fb;
    char path[4096];

    CHECK(db != NULL);
    if (db == NULL)
        return;
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.filename_pcre, 1);
    CHECK_EQ_INT(vigil_ioc_scratch_create(db, &s), VIGIL_OK);
    vigil_findings_init(&fb);
    memset(path, 'a', sizeof path - 2);
    path[sizeof path - 2] = 'X';
    path[sizeof path - 1] = '\0';
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, path, strlen(path), &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 0);
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, "aaa", 3, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    vigil_findings_free(&fb);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
}

static void test_c2(void)
{
    diags ds;
    vigil_ioc_db *db = load(&ds, "c2.txt",
                            "# FireEye Operation Snowman\n" /* 1 */
                            "suroot.com\n"                  /* 2 */
                            "Evil.Example.COM.\n"           /* 3 */
                            "\n"                            /* 4 */
                            "# Monero pools\n"              /* 5 */
                            "176.123.5.126;65\n"            /* 6 */
                            "a.b\n"                         /* 7: too short */
                            "bad host;50\n"                 /* 8: blank inside */
                            "x.example.org;abc\n"           /* 9: bad score */
                            "suroot.com;30\n",              /* 10: listed twice */
                            VIGIL_RULES_IOC_C2);
    const vigil_ioc_c2 *c;

    CHECK(db != NULL);
    if (db == NULL)
        return;
    CHECK_EQ_INT(vigil_ioc_db_c2_count(db), 4);
    CHECK_EQ_INT(ds.n, 3);
    CHECK_EQ_INT(ds.d[0].line, 7);
    CHECK_EQ_INT(ds.d[0].level, VIGIL_DIAG_WARNING);
    CHECK_EQ_INT(ds.d[1].line, 8);
    CHECK_EQ_INT(ds.d[2].line, 9);
    c = vigil_ioc_db_c2_at(db, 1);
    CHECK(c != NULL);
    if (c != NULL) {
        CHECK_EQ_STR(c->value, "evil.example.com");
        CHECK_EQ_INT(c->score, 100);
        CHECK_EQ_STR(c->description, "FireEye Operation Snowman");
        CHECK_EQ_STR(c->source, "c2.txt");
        CHECK_EQ_INT(c->line, 3);
    }
    c = vigil_ioc_db_c2_at(db, 2);
    CHECK(c != NULL);
    if (c != NULL) {
        CHECK_EQ_STR(c->value, "176.123.5.126");
        CHECK_EQ_INT(c->score, 65);
        CHECK_EQ_STR(c->description, "Monero pools");
        CHECK_EQ_INT(c->line, 6);
    }
    CHECK(vigil_ioc_db_c2_at(db, 4) == NULL);
    c = vigil_ioc_db_c2_find(db, "EVIL.example.com.", 17);
    CHECK(c != NULL && c->line == 3);
    c = vigil_ioc_db_c2_find(db, "suroot.com", 10);
    CHECK(c != NULL && c->line == 2 && c->score == 100);
    CHECK(vigil_ioc_db_c2_find(db, "example.com", 11) == NULL);
    CHECK(vigil_ioc_db_c2_find(db, "suroot.co", 9) == NULL);
    CHECK(vigil_ioc_db_c2_find(db, "evil.example.com...", 19) != NULL); /* dots: all stripped */
    /* every stored value is found again as stored (fuzz_ioc found one that
     * was not: a value ending in several dots lost one per normalisation) */
    for (size_t i = 0; i < vigil_ioc_db_c2_count(db); i++) {
        const vigil_ioc_c2 *e = vigil_ioc_db_c2_at(db, i);
        const vigil_ioc_c2 *f = vigil_ioc_db_c2_find(db, e->value, strlen(e->value));
        CHECK(f != NULL && strcmp(f->value, e->value) == 0);
    }
    vigil_ioc_db_destroy(db);
}

/* A value ending in several dots: stored without them, found as stored
 * and as written (fuzz_ioc found "J\x82..." lost one dot per look-up). */
static void test_c2_trailing_dots(void)
{
    diags ds;
    memset(&ds, 0, sizeof ds);
    vigil_ioc_db *db =
        load(&ds, "c2.txt", "Multi.Example.org...\nJ\x82xyz...\n", VIGIL_RULES_IOC_C2);
    CHECK(db != NULL);
    if (db == NULL)
        return;
    CHECK_EQ_INT(vigil_ioc_db_c2_count(db), 2);
    const vigil_ioc_c2 *c = vigil_ioc_db_c2_at(db, 0);
    CHECK(c != NULL && strcmp(c->value, "multi.example.org") == 0);
    for (size_t i = 0; i < vigil_ioc_db_c2_count(db); i++) {
        const vigil_ioc_c2 *e = vigil_ioc_db_c2_at(db, i);
        const vigil_ioc_c2 *f = vigil_ioc_db_c2_find(db, e->value, strlen(e->value));
        CHECK(f != NULL && strcmp(f->value, e->value) == 0);
    }
    CHECK(vigil_ioc_db_c2_find(db, "multi.example.org.", 18) != NULL);
    vigil_ioc_db_destroy(db);
}

static void test_file_and_edges(void)
{
    char path[] = "/tmp/vigil-test-hash-XXXXXX";
    int fd = mkstemp(path);
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    diags ds;
    vigil_diag_sink sink = {on_diag, &ds};
    static const char text[] = "\xEF\xBB\xBF" MD5_A ";70;from a file\r\n"
                               "bad;line\r\n";
    uint8_t md5[16];

    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK_EQ_INT(write(fd, text, sizeof text - 1), (long long)(sizeof text - 1));
    close(fd);
    memset(&ds, 0, sizeof ds);
    CHECK_EQ_INT(vigil_ioc_builder_create(&sink, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_ioc_builder_add_file(b, path, VIGIL_RULES_IOC_HASH), VIGIL_OK);
    CHECK_EQ_INT(vigil_ioc_builder_add_file(b, "/nonexistent/hash.txt", VIGIL_RULES_IOC_HASH),
                 VIGIL_ERR_IO);
    CHECK_EQ_INT(vigil_ioc_builder_add_text(b, "x", "", 0, VIGIL_RULES_YARA),
                 VIGIL_ERR_INVALID_ARG);
    CHECK_EQ_INT(vigil_ioc_builder_add_text(b, "nul", MD5_B "\0;x\n", 36, VIGIL_RULES_IOC_HASH),
                 VIGIL_OK);
    CHECK_EQ_INT(ds.n, 3);
    CHECK_EQ_INT(ds.d[0].line, 2);
    CHECK_EQ_STR(ds.d[0].source, path);
    CHECK_EQ_STR(ds.d[1].source, "/nonexistent/hash.txt");
    CHECK_EQ_INT(ds.d[1].code, VIGIL_ERR_IO);
    CHECK_EQ_STR(ds.d[2].source, "nul");
    CHECK(strstr(ds.d[2].message, "NUL") != NULL);
    CHECK_EQ_INT(vigil_ioc_builder_finish(b, &db), VIGIL_OK);
    vigil_ioc_builder_destroy(b);
    unlink(path);

    vigil_findings_init(&fb);
    hex2bin(MD5_A, md5);
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, md5, NULL, NULL, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 1);
    if (fb.n == 1) {
        CHECK_EQ_STR(fb.items[0].description, "from a file");
        CHECK_EQ_STR(fb.items[0].rule_source, path);
        CHECK_EQ_INT(fb.items[0].rule_line, 1);
        CHECK_EQ_INT(fb.items[0].score, 70);
    }
    /* No filename IOCs: paths never match, the scratch still works. */
    CHECK_EQ_INT(vigil_ioc_scratch_create(db, &s), VIGIL_OK);
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(vigil_ioc_match_path(db, s, "/a/b", 4, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 0);
    CHECK_EQ_INT(vigil_ioc_db_c2_count(db), 0);
    CHECK(vigil_ioc_db_c2_find(db, "x.com", 5) == NULL);
    vigil_findings_free(&fb);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);

    vigil_ioc_builder_destroy(NULL);
    vigil_ioc_db_destroy(NULL);
    vigil_ioc_scratch_destroy(NULL);
    CHECK_EQ_INT(vigil_ioc_db_hash_kinds(NULL), 0);
}

/* Compiled filename databases kept in a cache directory: a second build
 * loads the stored one and matches the same; a damaged or truncated file
 * is ignored and rewritten; a path that is not a directory disables it. */
static int cache_build_match(const char *dir, size_t *nfound)
{
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    int rc = -1;

    *nfound = 0;
    if (vigil_ioc_builder_create(NULL, &b) != VIGIL_OK ||
        vigil_ioc_builder_set_cache(b, dir) != VIGIL_OK ||
        vigil_ioc_builder_add_filename(b, "(?i)\\\\temp\\\\[a-z]{3,8}\\.exe$", 80, NULL, "c", 1) !=
            VIGIL_OK ||
        vigil_ioc_builder_add_filename(b, "/tmp/\\.x[0-9]+", 70, NULL, "c", 2) != VIGIL_OK ||
        vigil_ioc_builder_finish(b, &db) != VIGIL_OK ||
        vigil_ioc_scratch_create(db, &s) != VIGIL_OK)
        goto out;
    vigil_findings_init(&fb);
    static const char *const paths[] = {"C:\\Windows\\Temp\\mkatz.exe", "/tmp/.x42", "/tmp/y"};
    for (size_t i = 0; i < 3; i++) {
        if (vigil_ioc_match_path(db, s, paths[i], strlen(paths[i]), &fb) != VIGIL_OK)
            break;
    }
    *nfound = fb.n;
    vigil_findings_free(&fb);
    rc = 0;
out:
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
    vigil_ioc_builder_destroy(b);
    return rc;
}

static void test_filename_cache(void)
{
    char dir[] = "/tmp/vigil-hscache-XXXXXX", sub[64], file[600] = "", cmd[128];
    size_t n = 0;
    if (mkdtemp(dir) == NULL)
        return;
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    CHECK_EQ_INT(cache_build_match(sub, &n), 0); /* compiles, creates a/b, stores */
    CHECK_EQ_INT(n, 2);
    FILE *ls = NULL;
    snprintf(cmd, sizeof cmd, "ls %s/hs-*.db 2>/dev/null", sub);
    ls = popen(cmd, "r");
    CHECK(ls != NULL && fgets(file, sizeof file, ls) != NULL);
    if (ls != NULL)
        pclose(ls);
    file[strcspn(file, "\n")] = '\0';
    CHECK(file[0] != '\0');
    CHECK_EQ_INT(cache_build_match(sub, &n), 0); /* from the cache */
    CHECK_EQ_INT(n, 2);
    /* one byte of the stored database changed: ignored, rebuilt, rewritten */
    FILE *fp = fopen(file, "r+b");
    CHECK(fp != NULL);
    if (fp != NULL) {
        fseek(fp, 100, SEEK_SET);
        int c = fgetc(fp);
        fseek(fp, 100, SEEK_SET);
        fputc(c ^ 0x5a, fp);
        fclose(fp);
    }
    CHECK_EQ_INT(cache_build_match(sub, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(truncate(file, 20), 0); /* truncated */
    CHECK_EQ_INT(cache_build_match(sub, &n), 0);
    CHECK_EQ_INT(n, 2);
    struct stat sb;
    CHECK(stat(file, &sb) == 0 && sb.st_size > 1000); /* rewritten whole */
    /* a cache "directory" that is a file: no cache, same results */
    snprintf(file, sizeof file, "%s/plain", dir);
    fp = fopen(file, "w");
    if (fp != NULL)
        fclose(fp);
    CHECK_EQ_INT(cache_build_match(file, &n), 0);
    CHECK_EQ_INT(n, 2);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    TEST_RUN(test_kind_from_name);
    TEST_RUN(test_hash_forms);
    TEST_RUN(test_hash_duplicates);
    TEST_RUN(test_hash_many);
    TEST_RUN(test_filename);
    TEST_RUN(test_filename_api);
    TEST_RUN(test_filename_empty_refused);
    TEST_RUN(test_filename_cache);
    TEST_RUN(test_filename_unicode);
    TEST_RUN(test_filename_hostile);
    TEST_RUN(test_c2);
    TEST_RUN(test_c2_trailing_dots);
    TEST_RUN(test_file_and_edges);
    return TEST_END();
}
