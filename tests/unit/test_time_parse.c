/* test_time_parse.c - the one ISO 8601 reader (src/core/time_parse.h) and
 * the two policies built on it: intel's whole-text seconds and Sigma's
 * milliseconds that ignore what follows. */
#include <stdint.h>

#include "core/time_parse.h"
#include "intel/intel_internal.h"
#include "test.h"
#include "vigil/sigma.h"

static void test_days(void)
{
    CHECK_EQ_INT(vigil_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ_INT(vigil_days_from_civil(2000, 3, 1), 11017);
    CHECK_EQ_INT(vigil_days_from_civil(1969, 12, 31), -1);
    CHECK_EQ_INT(vigil_days_from_civil(2024, 2, 29), 19782);
}

static void test_intel_policy(void)
{
    CHECK_EQ_INT(vigil_intel_parse_time("2024-01-01"), 1704067200);
    CHECK_EQ_INT(vigil_intel_parse_time("2024-01-01T00:00:01Z"), 1704067201);
    CHECK_EQ_INT(vigil_intel_parse_time("2024-01-01t01:00:00.999+01:00"), 1704067200);
    CHECK_EQ_INT(vigil_intel_parse_time("2024-01-01 00:00-0130"), 1704067200 + 5400);
    CHECK_EQ_INT(vigil_intel_parse_time("2024-01-01T24:00:00Z"), -1); /* intel: 00-23 */
    CHECK_EQ_INT(vigil_intel_parse_time("2024-01-01T00:00:00Zjunk"), -1);
    CHECK_EQ_INT(vigil_intel_parse_time("2024-13-01"), -1);
    CHECK_EQ_INT(vigil_intel_parse_time("2024-1-01"), -1);
    CHECK_EQ_INT(vigil_intel_parse_time(NULL), -1);
}

static void test_sigma_policy(void)
{
    int64_t ms = 0;
    CHECK_EQ_INT(vigil_sigma_parse_time("2019-08-30T12:54:08.354049Z", &ms), 0);
    CHECK_EQ_INT(ms, 1567169648354);
    CHECK_EQ_INT(vigil_sigma_parse_time("2019-08-30 12:54:08.3546", &ms), 0);
    CHECK_EQ_INT(ms, 1567169648355);
    CHECK_EQ_INT(vigil_sigma_parse_time("2024-01-01T01:00:00.250+01:00", &ms), 0);
    CHECK_EQ_INT(ms, 1704067200250);
    CHECK_EQ_INT(vigil_sigma_parse_time("2024-01-01T00:00:00+0100 (CET)", &ms), 0);
    CHECK_EQ_INT(ms, 1704067200000 - 3600000);
    CHECK_EQ_INT(vigil_sigma_parse_time("2024-01-01T24:00", &ms), 0); /* Sigma takes 24 */
    CHECK_EQ_INT(ms, 1704153600000);
    CHECK_EQ_INT(vigil_sigma_parse_time("2024-01-01T12:61", &ms), -1);
    CHECK_EQ_INT(vigil_sigma_parse_time("8/30/2019 12:54:08 PM", &ms), -1);
}

int main(void)
{
    TEST_RUN(test_days);
    TEST_RUN(test_intel_policy);
    TEST_RUN(test_sigma_policy);
    return TEST_END();
}
