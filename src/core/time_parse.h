/* time_parse.h - the one ISO 8601 reader and the one civil-date rule.
 *
 * Threat intel (valid_until, CSV expiry columns) and Sigma (event times,
 * correlation windows, report rows) both read ISO 8601 text; the reading
 * and days_from_civil live here once. Each caller keeps only its policy:
 * what may follow the text, which hour range it takes, and whether it
 * wants seconds or milliseconds. The matching writer is time_format.c. */
#ifndef VIGIL_CORE_TIME_PARSE_H
#define VIGIL_CORE_TIME_PARSE_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t vigil_days_from_civil(int64_t y, int m, int d);

/* The parts of "YYYY-MM-DD[(T|t| )hh:mm[:ss[.fff...]]][Z|z|(+|-)hh[[:]mm]]". */
typedef struct vigil_time_parts {
    int year, month, day, hour, minute;
    double second;          /* with its fraction, 0 <= second < 61 */
    int has_time;           /* a time of day was given */
    int64_t offset_seconds; /* east of UTC, 0 for Z or none */
} vigil_time_parts;

/* Reads the text at s; returns the first character after it, or NULL when
 * it is not such a date (month 1-12, day 1-31, hour 0-24, minute 0-59). */
const char *vigil_time_parse_parts(const char *s, vigil_time_parts *t);

/* Whole seconds (fraction dropped) and rounded milliseconds since the
 * epoch, UTC, of parsed parts. */
int64_t vigil_time_parts_seconds(const vigil_time_parts *t);
int64_t vigil_time_parts_ms(const vigil_time_parts *t);

#endif
