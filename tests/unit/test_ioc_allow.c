/* test_ioc_allow.c - unit tests of hash allow-lists (Loki's false-positive
 * hash files and --allow-hashes): the IOC database answers whether a file's
 * digests are listed, and the scanner then reports nothing for the file (not
 * even its hash or name IOC hits, nor its archive members) and counts it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ioc/ioc.h"
#include "test.h"
#include "vigil/vigil.h"

/* md5 of "evil one\n", sha256 of "evil two\n" */
#define MD5_ONE "bfea31712f96f007540ce4e019a9c52b"
#define SHA256_TWO "e5cf6f08daa7fbaa9344aa9390906016141139d106a1eac682904b16a13a0fe7"

static void hex2bin(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i] && hex[2 * i + 1]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static int ndiag;
static void count_diag(const vigil_diag *d, void *user)
{
    (void)d;
    (void)user;
    ndiag++;
}

/* The name decides: a *hash* list with "falsepositive" in its name is an
 * allow-list; its entries are not IOCs. */
static void test_db_allow(void)
{
    vigil_diag_sink sink = {count_diag, NULL};
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    static const char ioc[] = MD5_ONE ";90;bad one\n";
    static const char fp[] = "# known good\n" MD5_ONE ";vendor build\n" SHA256_TWO ";80;other\n"
                             "d41d8cd98f00b204e9800998ecf8427e;empty file\n"
                             "xyz;broken\n";

    ndiag = 0;
    CHECK(vigil_ioc_name_is_allow_list("/x/iocs/falsepositive-hashes.txt"));
    CHECK(vigil_ioc_name_is_allow_list("hash-FalsePositives.txt"));
    CHECK(!vigil_ioc_name_is_allow_list("/falsepositive/hash-iocs.txt"));
    CHECK(!vigil_ioc_name_is_allow_list("hash-iocs.txt"));
    CHECK_EQ_INT(vigil_ioc_builder_create(&sink, &b), VIGIL_OK);
    CHECK_EQ_INT(vigil_ioc_builder_add_text(b, "hash-iocs.txt", ioc, strlen(ioc),
                                            VIGIL_RULES_IOC_HASH),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_ioc_builder_add_text(b, "falsepositive-hashes.txt", fp, strlen(fp),
                                            VIGIL_RULES_IOC_HASH),
                 VIGIL_OK);
    CHECK_EQ_INT(ndiag, 1); /* the broken line; the empty-file digest is fine here */
    CHECK_EQ_INT(vigil_ioc_builder_finish(b, &db), VIGIL_OK);
    vigil_ioc_builder_destroy(b);
    vigil_ioc_counts c;
    vigil_ioc_db_counts(db, &c);
    CHECK_EQ_INT(c.hash_added, 1);
    CHECK_EQ_INT(c.md5, 1);
    CHECK_EQ_INT(c.sha256, 0);
    CHECK_EQ_INT(c.allow_hashes, 3);
    /* SHA256 must be computed for the allow-list alone */
    CHECK_EQ_INT(vigil_ioc_db_hash_kinds(db), VIGIL_HASH_MD5 | VIGIL_HASH_SHA256);
    uint8_t md5[16], sha256[32], other[32];
    hex2bin(MD5_ONE, md5);
    hex2bin(SHA256_TWO, sha256);
    memset(other, 0x42, sizeof other);
    CHECK(vigil_ioc_db_allowed(db, md5, NULL, NULL));
    CHECK(vigil_ioc_db_allowed(db, NULL, NULL, sha256));
    CHECK(vigil_ioc_db_allowed(db, other, other, sha256));
    CHECK(!vigil_ioc_db_allowed(db, other, other, other));
    CHECK(!vigil_ioc_db_allowed(db, NULL, NULL, NULL));
    CHECK(!vigil_ioc_db_allowed(NULL, md5, NULL, NULL));
    /* the allow-list's entries are not IOCs */
    vigil_findings fb;
    vigil_findings_init(&fb);
    CHECK_EQ_INT(vigil_ioc_match_hashes(db, NULL, NULL, sha256, &fb), VIGIL_OK);
    CHECK_EQ_INT(fb.n, 0);
    vigil_findings_free(&fb);
    vigil_ioc_db_destroy(db);
}

typedef struct seen {
    char paths[8][64];
    int n;
} seen;

static int on_result(const vigil_target_result *r, void *user)
{
    seen *s = user;
    if (s->n < 8)
        snprintf(s->paths[s->n++], sizeof s->paths[0], "%s", r->path);
    return 0;
}

/* Through the engine and scanner: a listed file is neither reported for
 * its hash IOC nor for its name, and is counted; others are reported. */
static void test_scanner_allow(void)
{
    char dir[] = "/tmp/vigil-allow-XXXXXX", path[128];
    if (mkdtemp(dir) == NULL)
        return;
    snprintf(path, sizeof path, "%s/allow.txt", dir);
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    fputs(MD5_ONE ";vendor tool\n", fp);
    fclose(fp);
    static const char hashes[] = MD5_ONE ";90;bad one\n";
    static const char names[] = "evil\\.bin$;70\n";
    vigil_engine_options eo;
    memset(&eo, 0, sizeof eo);
    vigil_engine *e = NULL;
    CHECK_EQ_INT(vigil_engine_create(&eo, &e), VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_string(e, VIGIL_RULES_IOC_HASH, "t-hash-iocs.txt", hashes,
                                         strlen(hashes)),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_string(e, VIGIL_RULES_IOC_FILENAME, "t-filename-iocs.txt", names,
                                         strlen(names)),
                 VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_add_allow_hashes(e, path), VIGIL_OK);
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    CHECK(vigil_engine_add_allow_hashes(e, path) != VIGIL_OK);
    CHECK_EQ_INT(vigil_engine_freeze(e), VIGIL_OK);
    vigil_engine_counts n;
    vigil_engine_get_counts(e, &n);
    CHECK_EQ_INT(n.hash_iocs, 1);
    CHECK_EQ_INT(n.allow_hashes, 1);

    seen s;
    memset(&s, 0, sizeof s);
    vigil_scan_options so;
    vigil_scan_options_defaults(&so);
    so.on_result = on_result;
    so.result_user = &s;
    vigil_scanner *sc = NULL;
    CHECK_EQ_INT(vigil_scanner_create(e, &so, &sc), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_memory(sc, "a/evil.bin", "evil one\n", 9), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_memory(sc, "b/evil.bin", "evil two\n", 9), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_memory(sc, "c/ok.bin", "evil one\n", 9), VIGIL_OK);
    CHECK_EQ_INT(vigil_scanner_scan_memory(sc, "d/ok.bin", "fine\n", 5), VIGIL_OK);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_STR(s.paths[0], "b/evil.bin"); /* the name IOC, not allow-listed */
    vigil_scan_stats st;
    vigil_scanner_get_stats(sc, &st);
    CHECK_EQ_INT(st.targets, 4);
    CHECK_EQ_INT(st.allowlisted, 2);
    CHECK_EQ_INT(st.findings, 1);
    vigil_scanner_destroy(sc);
    vigil_engine_destroy(e);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    TEST_RUN(test_db_allow);
    TEST_RUN(test_scanner_allow);
    return TEST_END();
}
