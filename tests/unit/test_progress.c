/* test_progress.c - the progress line's percentage and ETA
 * (cli/progress_estimate.c): capped at 99% until the end, no ETA in the
 * first seconds, hours/minutes/seconds; and the size estimate of a mount
 * point (/) against one that is not (a temporary directory below it is
 * unknown unless it is a mount point itself). */
#include "../../cli/progress_estimate.c"
#include "test.h"

static void test_format(void)
{
    char b[64];
    progress_format(b, sizeof b, 10, 0, 100.0);
    CHECK_EQ_STR(b, "");
    progress_format(b, sizeof b, 50, 100, 1.0);
    CHECK_EQ_STR(b, "50%");
    progress_format(b, sizeof b, 50, 100, 10.0);
    CHECK_EQ_STR(b, "50%  ETA 10s");
    progress_format(b, sizeof b, 25, 100, 60.0);
    CHECK_EQ_STR(b, "25%  ETA 3m00s");
    progress_format(b, sizeof b, 1, 1000, 10.0);
    CHECK_EQ_STR(b, "0%  ETA 2h46m");
    progress_format(b, sizeof b, 150, 100, 10.0); /* the estimate was low */
    CHECK_EQ_STR(b, "99%  ETA 0s");
}

static void test_estimate(void)
{
    uint64_t bytes, files;
    const char *root[] = {"/"};
    progress_estimate(root, 1, &bytes, &files);
    CHECK(bytes > 0);
    CHECK(files > 0);
    const char *twice[] = {"/", "/"};
    uint64_t b2, f2;
    progress_estimate(twice, 2, &b2, &f2);
    CHECK(b2 >= bytes / 2 && b2 <= bytes * 2); /* one file system counted once */
    const char *missing[] = {"/", "/nonexistent-vigil-test-path"};
    progress_estimate(missing, 2, &bytes, &files);
    CHECK_EQ_INT(bytes, 0);
    CHECK_EQ_INT(files, 0);
}

int main(void)
{
    TEST_RUN(test_format);
    TEST_RUN(test_estimate);
    return TEST_END();
}
