/* time_format.c - milliseconds since the epoch as ISO 8601 UTC text, the one
 * spelling of a time in every output (see vigil/finding.h).
 *
 * Why in core: events, registry values, artefacts and correlations all
 * carry times, and findings from each must sort and compare as text. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "vigil/finding.h"

void vigil_time_ms_format(int64_t ms, char *buf, size_t cap)
{
    struct tm tm;
    int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    time_t tt = (time_t)sec;

    if (ms == 0 || gmtime_r(&tt, &tm) == NULL) {
        buf[0] = '\0';
        return;
    }
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03dZ", (int)(ms - sec * 1000));
}
