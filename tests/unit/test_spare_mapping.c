/* test_spare_mapping.c - the sweep's spare big-file mapping: lent when big
 * enough, grown (keeping its bytes) when not, and of two handed back the
 * bigger is kept. */
#include <string.h>
#include <sys/mman.h>

#include "core/spare_mapping.h"
#include "test.h"

static void *fresh(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    return p == MAP_FAILED ? NULL : p;
}

static void test_lend_grow_keep_bigger(void)
{
    vigil_spare_mapping *m = NULL;
    size_t cap = 0;
    CHECK_EQ_INT(vigil_spare_mapping_create(&m), VIGIL_OK);
    CHECK(vigil_spare_mapping_take(m, 1 << 20, &cap) == NULL); /* none yet */

    char *a = fresh(1 << 20);
    memset(a, 'a', 1 << 20);
    vigil_spare_mapping_give(m, a, 1 << 20);
    /* smaller or equal: the spare itself, whole */
    char *p = vigil_spare_mapping_take(m, 4096, &cap);
    CHECK(p == a);
    CHECK_EQ_INT(cap, 1 << 20);
    CHECK(vigil_spare_mapping_take(m, 4096, &cap) == NULL); /* lent: no spare now */
    /* bigger: grown to the size asked, its bytes kept */
    vigil_spare_mapping_give(m, p, cap);
    p = vigil_spare_mapping_take(m, 3 << 20, &cap);
    CHECK(p != NULL);
    CHECK_EQ_INT(cap, 3 << 20);
    CHECK(p != NULL && p[0] == 'a' && p[(1 << 20) - 1] == 'a');
    if (p != NULL)
        memset(p, 'b', 3 << 20); /* the grown part is writable */
    /* two handed back: the bigger stays, whichever order */
    char *small = fresh(2 << 20);
    vigil_spare_mapping_give(m, small, 2 << 20);
    vigil_spare_mapping_give(m, p, cap);
    char *q = vigil_spare_mapping_take(m, 1, &cap);
    CHECK(q == p);
    CHECK_EQ_INT(cap, 3 << 20);
    small = fresh(2 << 20);
    vigil_spare_mapping_give(m, q, cap);
    vigil_spare_mapping_give(m, small, 2 << 20);
    q = vigil_spare_mapping_take(m, 1, &cap);
    CHECK(q == p);
    CHECK_EQ_INT(cap, 3 << 20);
    vigil_spare_mapping_give(m, q, cap);
    vigil_spare_mapping_destroy(m); /* unmaps the spare */
    vigil_spare_mapping_destroy(NULL);
    /* without a spare mapping object: give unmaps, take lends nothing */
    vigil_spare_mapping_give(NULL, fresh(4096), 4096);
    CHECK(vigil_spare_mapping_take(NULL, 4096, &cap) == NULL);
}

int main(void)
{
    TEST_RUN(test_lend_grow_keep_bigger);
    return TEST_END();
}
