/* test_hscache.c - unit tests of the compiled hyperscan database cache:
 * a stored database is bound to its key. A file written for one pattern set
 * and found under another set's name (copied, renamed, or a name clash) is
 * ignored and rebuilt, never used to answer for the wrong patterns. */
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hyperscan_cache.h"
#include "ioc/ioc.h"
#include "test.h"

static int key_of(const char *expr, unsigned char key[32])
{
    const char *exprs[1] = {expr};
    unsigned flags[1] = {HS_FLAG_SINGLEMATCH}, ids[1] = {0};
    return vigil_hyperscan_cache_key(exprs, flags, ids, 1, HS_MODE_BLOCK, key);
}

static hs_database_t *compile(const char *expr)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    if (hs_compile(expr, HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        return NULL;
    }
    return db;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    size_t n;
    int rc = in != NULL && out != NULL ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in != NULL)
        fclose(in);
    if (out != NULL && fclose(out) != 0)
        rc = -1;
    return rc;
}

static void name_of(const char *dir, const unsigned char key[32], char *path, size_t cap)
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    snprintf(path, cap, "%s/hs-%s.db", dir, hex);
}

/* The raw API: key A's blob under key B's name is not loaded for B. */
static void test_blob_bound_to_key(void)
{
    char dir[] = "/tmp/vigil-hskey-XXXXXX", fa[600], fb[600], cmd[128];
    unsigned char ka[32], kb[32];
    if (mkdtemp(dir) == NULL)
        return;
    CHECK_EQ_INT(key_of("alpha", ka), 0);
    CHECK_EQ_INT(key_of("beta", kb), 0);
    CHECK(memcmp(ka, kb, 32) != 0);
    hs_database_t *a = compile("alpha");
    CHECK(a != NULL);
    CHECK_EQ_INT(vigil_hyperscan_cache_store(dir, ka, a), 0);
    hs_free_database(a);
    hs_database_t *back = vigil_hyperscan_cache_load(dir, ka);
    CHECK(back != NULL); /* its own key: used */
    hs_free_database(back);
    name_of(dir, ka, fa, sizeof fa);
    name_of(dir, kb, fb, sizeof fb);
    CHECK_EQ_INT(copy_file(fa, fb), 0);
    CHECK(vigil_hyperscan_cache_load(dir, kb) == NULL); /* key A's blob under B's name */
    /* a valid store for B replaces it */
    hs_database_t *b = compile("beta");
    CHECK(b != NULL);
    CHECK_EQ_INT(vigil_hyperscan_cache_store(dir, kb, b), 0);
    hs_free_database(b);
    back = vigil_hyperscan_cache_load(dir, kb);
    CHECK(back != NULL);
    hs_free_database(back);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* Builds one filename IOC with the cache in dir and counts the findings of
 * the path. */
static int build_count(const char *dir, const char *regex, const char *path, size_t *n)
{
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    vigil_ioc_scratch *s = NULL;
    vigil_findings f;
    int rc = -1;

    *n = 0;
    vigil_findings_init(&f);
    if (vigil_ioc_builder_create(NULL, &b) == VIGIL_OK &&
        vigil_ioc_builder_set_cache(b, dir) == VIGIL_OK &&
        vigil_ioc_builder_add_filename(b, regex, 80, NULL, "t", 1) == VIGIL_OK &&
        vigil_ioc_builder_finish(b, &db) == VIGIL_OK && vigil_ioc_scratch_create(db, &s) == VIGIL_OK &&
        vigil_ioc_match_path(db, s, path, strlen(path), &f) == VIGIL_OK) {
        *n = f.n;
        rc = 0;
    }
    vigil_findings_free(&f);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
    vigil_ioc_builder_destroy(b);
    return rc;
}

/* Through the IOC matcher: the filename database of "mimikatz" copied onto
 * the cache name of "procdump" must not make "procdump" match mimikatz. */
static void test_ioc_foreign_blob(void)
{
    char dir[] = "/tmp/vigil-hskey-XXXXXX", fa[600], fb[600], cmd[128];
    unsigned char ka[32], kb[32];
    size_t n = 0;
    if (mkdtemp(dir) == NULL)
        return;
    /* the key the IOC matcher uses for one plain pattern */
    const char *ea[1] = {"mimikatz"}, *eb[1] = {"procdump"};
    unsigned flags[1] = {HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY}, ids[1] = {0};
    CHECK_EQ_INT(vigil_hyperscan_cache_key(ea, flags, ids, 1, HS_MODE_BLOCK, ka), 0);
    CHECK_EQ_INT(vigil_hyperscan_cache_key(eb, flags, ids, 1, HS_MODE_BLOCK, kb), 0);
    name_of(dir, ka, fa, sizeof fa);
    name_of(dir, kb, fb, sizeof fb);
    CHECK_EQ_INT(build_count(dir, "mimikatz", "/x/mimikatz.exe", &n), 0);
    CHECK_EQ_INT(n, 1);
    struct stat sb;
    CHECK(stat(fa, &sb) == 0); /* stored under A's key */
    CHECK_EQ_INT(copy_file(fa, fb), 0);
    CHECK_EQ_INT(build_count(dir, "procdump", "/x/mimikatz.exe", &n), 0);
    CHECK_EQ_INT(n, 0); /* A's database not used for B */
    CHECK_EQ_INT(build_count(dir, "procdump", "/x/procdump64.exe", &n), 0);
    CHECK_EQ_INT(n, 1);
    /* and B's file was rewritten with B's database */
    hs_database_t *back = vigil_hyperscan_cache_load(dir, kb);
    CHECK(back != NULL);
    hs_free_database(back);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    TEST_RUN(test_blob_bound_to_key);
    TEST_RUN(test_ioc_foreign_blob);
    return TEST_END();
}
