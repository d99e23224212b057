/* time_parse.c - reading ISO 8601 times (see time_parse.h).
 *
 * Digits are counted exactly (four for the year, two for everything else)
 * so that "2024-1-5" or "12:5" are refused rather than guessed at; the
 * fraction of a second is read with strtod so that milliseconds round the
 * way they always have. */
#include "core/time_parse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t vigil_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return 0;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

const char *vigil_time_parse_parts(const char *s, vigil_time_parts *t)
{
    const char *p = s;
    *t = (vigil_time_parts){0};
    if (p == NULL || !digits(&p, 4, &t->year) || *p++ != '-' || !digits(&p, 2, &t->month) ||
        *p++ != '-' || !digits(&p, 2, &t->day))
        return NULL;
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31)
        return NULL;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return p;
    p++;
    t->has_time = 1;
    if (!digits(&p, 2, &t->hour) || *p++ != ':' || !digits(&p, 2, &t->minute))
        return NULL;
    if (*p == ':') {
        const char *q = ++p;
        int whole;
        if (!digits(&q, 2, &whole))
            return NULL;
        if (*q == '.')
            for (q++; is_digit(*q); q++)
                ;
        char num[32]; /* "ss.fff...": strtod on exactly that span */
        size_t n = (size_t)(q - p) < sizeof num - 1 ? (size_t)(q - p) : sizeof num - 1;
        memcpy(num, p, n);
        num[n] = '\0';
        t->second = strtod(num, NULL);
        p = q;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (!digits(&p, 2, &oh))
            return NULL;
        if (*p == ':')
            p++;
        if (is_digit(*p) && !digits(&p, 2, &om))
            return NULL;
        t->offset_seconds = sign * (int64_t)(oh * 3600 + om * 60);
    }
    if (t->hour > 24 || t->minute > 59 || t->second >= 61)
        return NULL;
    return p;
}

int64_t vigil_time_parts_seconds(const vigil_time_parts *t)
{
    return vigil_days_from_civil(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
           t->minute * 60 + (int64_t)t->second - t->offset_seconds;
}

int64_t vigil_time_parts_ms(const vigil_time_parts *t)
{
    return (vigil_days_from_civil(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
            t->minute * 60) *
               1000 +
           (int64_t)llround(t->second * 1000.0) - t->offset_seconds * 1000;
}
