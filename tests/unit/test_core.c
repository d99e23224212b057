/* test_core.c - unit tests of the core helpers: status table, arena,
 * findings buffer, score combination, index table. */
#include "core/arena.h"
#include "core/findings.h"
#include "core/index_table.h"
#include "test.h"
#include "vigil/vigil.h"

static void test_status_table(void)
{
    CHECK_EQ_STR(vigil_status_str(VIGIL_OK), "success");
    CHECK_EQ_STR(vigil_status_name(VIGIL_ERR_IO), "VIGIL_ERR_IO");
    CHECK_EQ_STR(vigil_status_str((vigil_status)9999), "unknown status");
    CHECK_EQ_INT(VIGIL_OK, 0);
}

static void test_arena(void)
{
    vigil_arena a;
    vigil_arena_init(&a);
    char *s = vigil_arena_strdup(&a, "hello");
    CHECK_EQ_STR(s, "hello");
    CHECK(((uintptr_t)vigil_arena_alloc(&a, 3) & 15u) == 0);
    void *big = vigil_arena_alloc(&a, 1u << 20);
    CHECK(big != NULL);
    CHECK(vigil_arena_alloc(&a, SIZE_MAX) == NULL);
    vigil_arena_reset(&a);
    s = vigil_arena_strndup(&a, "abcdef", 3);
    CHECK_EQ_STR(s, "abc");
    CHECK(vigil_arena_strdup(&a, NULL) == NULL);
    /* raw allocations: aligned, usable, overflow refused; a zeroed one
     * after a reset is cleared even where raw data was written before */
    vigil_arena_reset(&a);
    unsigned char *r = vigil_arena_alloc_raw(&a, 40);
    CHECK(r != NULL && ((uintptr_t)r & 15u) == 0);
    memset(r, 0xab, 40);
    CHECK(((uintptr_t)vigil_arena_alloc_raw(&a, 1) & 15u) == 0);
    CHECK(vigil_arena_alloc_raw(&a, SIZE_MAX) == NULL);
    vigil_arena_reset(&a);
    unsigned char *z = vigil_arena_alloc(&a, 40);
    CHECK(z == r);
    int zero = 1;
    for (int i = 0; i < 40; i++)
        zero &= z[i] == 0;
    CHECK(zero);
    vigil_arena_free(&a);
}

static void test_findbuf(void)
{
    vigil_findings fb;
    vigil_findings_init(&fb);
    for (int i = 0; i < 100; i++) {
        vigil_finding *f = vigil_findings_add(&fb, VIGIL_FINDING_YARA);
        CHECK(f != NULL);
        f->rule = vigil_findings_strdup(&fb, "rule");
        f->score = i;
    }
    CHECK_EQ_INT(fb.n, 100);
    CHECK_EQ_INT(fb.items[99].score, 99);
    CHECK_EQ_STR(fb.items[50].rule, "rule");
    vigil_findings_reset(&fb);
    CHECK_EQ_INT(fb.n, 0);
    vigil_findings_free(&fb);
}

static void test_score_combine(void)
{
    int one[] = {75};
    int two[] = {75, 75};
    int mixed[] = {40, 100, 60};
    int zero[] = {0};
    CHECK_EQ_INT(vigil_score_combine(one, 1), 75);
    /* 100 * (1 - 0.25 * (1 - 0.375)) = 84.375 */
    CHECK_EQ_INT(vigil_score_combine(two, 2), 84);
    /* sorted 100, 60, 40: 1 - 0 * ... = 100 */
    CHECK_EQ_INT(vigil_score_combine(mixed, 3), 100);
    CHECK_EQ_INT(vigil_score_combine(zero, 1), 0);
    CHECK_EQ_INT(vigil_score_combine(NULL, 0), 0);
    int many[] = {50, 50, 50, 50};
    /* 1 - 0.5 * 0.75 * 0.875 * 0.9375 = 0.69238 */
    CHECK_EQ_INT(vigil_score_combine(many, 4), 69);
}

/* Keys are numbers; with_hash() gives many keys one hash, so lookups must
 * walk past stored indices with equal hashes to the one that is equal. */
static const unsigned *index_keys;

static int key_equal(const void *ctx, size_t i)
{
    return index_keys[i] == *(const unsigned *)ctx;
}

static uint64_t with_hash(unsigned key)
{
    return key % 7 == 0 ? 42 : (uint64_t)key * 0x9E3779B97F4A7C15ull;
}

static void test_index_table(void)
{
    static unsigned keys[1000];
    index_keys = keys;
    vigil_index_table t;
    vigil_index_table_init(&t, 4); /* rounded up to 8 */
    unsigned absent = 5;
    CHECK_EQ_INT(vigil_index_table_find(&t, with_hash(absent), key_equal, &absent),
                 (long long)SIZE_MAX);
    for (unsigned i = 0; i < 1000; i++) {
        keys[i] = i * 3 + 1;
        CHECK_EQ_INT(vigil_index_table_insert(&t, with_hash(keys[i]), i), VIGIL_OK);
    }
    CHECK_EQ_INT(t.count, 1000);
    CHECK_EQ_INT(t.cap, 2048); /* doubled from 8 at half load */
    int wrong = 0;
    for (unsigned i = 0; i < 1000; i++)
        wrong += vigil_index_table_find(&t, with_hash(keys[i]), key_equal, &keys[i]) != i;
    CHECK_EQ_INT(wrong, 0);
    unsigned seven = 7 * 1000; /* hash 42 like stored keys, equal to none */
    CHECK_EQ_INT(vigil_index_table_find(&t, with_hash(seven), key_equal, &seven),
                 (long long)SIZE_MAX);
    CHECK_EQ_INT(vigil_index_table_find(&t, with_hash(absent), key_equal, &absent),
                 (long long)SIZE_MAX);
    CHECK_EQ_INT(vigil_index_table_insert(&t, 1, SIZE_MAX), VIGIL_ERR_INVALID_ARG);
    vigil_index_table_free(&t);
    CHECK_EQ_INT(vigil_index_table_find(&t, with_hash(keys[0]), key_equal, &keys[0]),
                 (long long)SIZE_MAX);
}

int main(void)
{
    TEST_RUN(test_status_table);
    TEST_RUN(test_arena);
    TEST_RUN(test_findbuf);
    TEST_RUN(test_score_combine);
    TEST_RUN(test_index_table);
    return TEST_END();
}
