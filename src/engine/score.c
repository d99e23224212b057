/* score.c - combining finding scores into one score per target, and names.
 *
 * The weighted formula (as Loki/THOR users know it): the strongest finding
 * counts fully, each further one half as much as the one before, so many
 * weak findings approach but never exceed 100. */
#include <math.h>
#include <stdlib.h>

#include "vigil/engine.h"
#include "vigil/finding.h"

static int cmp_desc(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

int vigil_score_combine(const int *scores, size_t n)
{
    int local[64];
    int *s = local;
    double keep = 1.0, weight = 1.0;

    if (scores == NULL || n == 0)
        return 0;
    if (n > 64) {
        s = malloc(n * sizeof *s); /* n * sizeof(int) cannot overflow: n counts real objects */
        if (s == NULL)
            return 100; /* so many findings that the file is certainly alarming */
    }
    for (size_t i = 0; i < n; i++) {
        int v = scores[i];
        s[i] = v < 0 ? 0 : v > 100 ? 100 : v;
    }
    qsort(s, n, sizeof *s, cmp_desc);
    for (size_t i = 0; i < n; i++) {
        keep *= 1.0 - (double)s[i] / 100.0 * weight;
        weight /= 2.0;
    }
    if (s != local)
        free(s);
    return (int)lround(100.0 * (1.0 - keep));
}

const char *vigil_finding_kind_name(vigil_finding_kind kind)
{
    switch (kind) {
    case VIGIL_FINDING_YARA:
        return "yara";
    case VIGIL_FINDING_HASH:
        return "hash";
    case VIGIL_FINDING_FILENAME:
        return "filename";
    case VIGIL_FINDING_C2:
        return "c2";
    case VIGIL_FINDING_SIGMA:
        return "sigma";
    case VIGIL_FINDING_CORRELATION:
        return "correlation";
    case VIGIL_FINDING_PERSISTENCE:
        return "persistence";
    case VIGIL_FINDING_EXECUTION:
        return "execution";
    }
    return "unknown";
}

const char *vigil_level_name(vigil_level level)
{
    switch (level) {
    case VIGIL_LEVEL_INFO:
        return "info";
    case VIGIL_LEVEL_NOTICE:
        return "notice";
    case VIGIL_LEVEL_WARNING:
        return "warning";
    case VIGIL_LEVEL_ALERT:
        return "alert";
    }
    return "unknown";
}
