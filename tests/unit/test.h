/* test.h - the tiny test harness every unit test binary includes.
 *
 * Each check prints only when it fails (file:line and the values); main()
 * calls TEST_RUN for each test function and returns TEST_END(), which
 * prints "N passed, N failed" - the line tests/run.sh adds up. */
#ifndef VIGIL_TEST_H
#define VIGIL_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures_ = 0;
static int test_checks_failed_in_case_ = 0;
static int test_passed_ = 0;
static int test_failed_ = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            test_failures_++;                                                                      \
            test_checks_failed_in_case_++;                                                         \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long test_a_ = (long long)(a), test_b_ = (long long)(b);                              \
        if (test_a_ != test_b_) {                                                                  \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b,  \
                    test_a_, test_b_);                                                             \
            test_failures_++;                                                                      \
            test_checks_failed_in_case_++;                                                         \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *test_a_ = (a), *test_b_ = (b);                                                 \
        if (test_a_ == NULL || test_b_ == NULL || strcmp(test_a_, test_b_) != 0) {                 \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a,  \
                    #b, test_a_ ? test_a_ : "(null)", test_b_ ? test_b_ : "(null)");               \
            test_failures_++;                                                                      \
            test_checks_failed_in_case_++;                                                         \
        }                                                                                          \
    } while (0)

#define TEST_RUN(fn)                                                                               \
    do {                                                                                           \
        test_checks_failed_in_case_ = 0;                                                           \
        fn();                                                                                      \
        if (test_checks_failed_in_case_) {                                                         \
            fprintf(stderr, "FAIL %s\n", #fn);                                                     \
            test_failed_++;                                                                        \
        } else {                                                                                   \
            test_passed_++;                                                                        \
        }                                                                                          \
    } while (0)

#define TEST_END()                                                                                 \
    (printf("%d passed, %d failed\n", test_passed_, test_failed_), test_failed_ ? 1 : 0)

#endif
