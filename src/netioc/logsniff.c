/* logsniff.c - telling a text log from the other files of a sweep.
 *
 * Why: `vigil scan` over a triage collection meets syslog, web, proxy, Zeek
 * and DNS logs among executables and documents, and must hunt the C2
 * indicators in them as `vigil logs` does, so that one command sweeps the
 * collection. `vigil logs` scans every text file it is given; a sweep has to
 * pick the logs itself, cheaply and without flagging source code or
 * documents as logs: by name (*.log, *.log.N; a *.log.gz is opened as an
 * archive and its member is named *.log) or by the first lines' content
 * (led by a timestamp in one of the common log shapes, a Zeek header, JSON
 * records with a time key, web access log lines). Binary data (a NUL in the
 * first bytes) is never a text log. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "netioc/netioc.h"

#define SNIFF_BYTES 4096
#define SNIFF_LINES 8
#define TS_WINDOW 40 /* a timestamp may follow a host name or a bracket */

static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '!')
            b = p + 1;
    return b;
}

static int name_is_log(const char *path)
{
    const char *b = base_name(path);
    size_t n = strlen(b);
    if (n > 4 && strcasecmp(b + n - 4, ".log") == 0)
        return 1;
    /* *.log.N (rotated) */
    size_t i = n;
    while (i > 0 && isdigit((unsigned char)b[i - 1]))
        i--;
    return i < n && i > 5 && strncasecmp(b + i - 5, ".log.", 5) == 0;
}

static int digits(const char *p, size_t n, size_t at, size_t count)
{
    if (at + count > n)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (!isdigit((unsigned char)p[at + i]))
            return 0;
    return 1;
}

/* "dd:dd" at p[at]. */
static int clock_at(const char *p, size_t n, size_t at)
{
    return digits(p, n, at, 2) && at + 2 < n && p[at + 2] == ':' && digits(p, n, at + 3, 2);
}

static int month_at(const char *p, size_t n, size_t at)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (at + 3 > n)
        return 0;
    for (size_t m = 0; m < 12; m++)
        if (strncasecmp(p + at, months + 3 * m, 3) == 0)
            return 1;
    return 0;
}

/* One of the timestamp shapes logs start their lines with, at p[at]. */
static int timestamp_at(const char *p, size_t n, size_t at)
{
    /* 2024-06-01T10:00 / 2024-06-01 10:00 / 2024/06/01 10:00 */
    if (digits(p, n, at, 4) && at + 10 < n && (p[at + 4] == '-' || p[at + 4] == '/') &&
        digits(p, n, at + 5, 2) && p[at + 7] == p[at + 4] && digits(p, n, at + 8, 2) &&
        (p[at + 10] == 'T' || p[at + 10] == ' ') && clock_at(p, n, at + 11))
        return 1;
    /* Jun  1 10:00:00 (syslog) */
    if (month_at(p, n, at) && at + 6 < n && p[at + 3] == ' ' &&
        (p[at + 4] == ' ' || isdigit((unsigned char)p[at + 4])) &&
        isdigit((unsigned char)p[at + 5]) && p[at + 6] == ' ' && clock_at(p, n, at + 7))
        return 1;
    /* 01/Jun/2024:10:00 (web access logs) */
    if (digits(p, n, at, 2) && at + 11 < n && p[at + 2] == '/' && month_at(p, n, at + 3) &&
        p[at + 6] == '/' && digits(p, n, at + 7, 4) && p[at + 11] == ':')
        return 1;
    /* 6/1/2024 10:00:00 (Windows DNS debug log) */
    size_t i = at, k;
    for (k = 0; k < 2 && i < n && isdigit((unsigned char)p[i]); k++)
        i++;
    if (k > 0 && i < n && p[i] == '/') {
        size_t j = i + 1;
        for (k = 0; k < 2 && j < n && isdigit((unsigned char)p[j]); k++)
            j++;
        if (k > 0 && j < n && p[j] == '/' && digits(p, n, j + 1, 4) && j + 5 < n &&
            p[j + 5] == ' ' && j + 6 < n && isdigit((unsigned char)p[j + 6]))
            return 1;
    }
    /* 1717236000.123 (epoch seconds: Zeek, squid) at the start of a line */
    if (at == 0 && digits(p, n, 0, 10) &&
        (n == 10 || p[10] == '.' || p[10] == '\t' || p[10] == ' '))
        return 1;
    return 0;
}

static int line_is_log(const char *p, size_t n)
{
    if (n > 0 && p[0] == '{')
        return memmem(p, n, "\"timestamp\"", 11) != NULL || memmem(p, n, "\"ts\"", 4) != NULL ||
               memmem(p, n, "\"@timestamp\"", 12) != NULL || memmem(p, n, "\"time\"", 6) != NULL;
    size_t end = n < TS_WINDOW ? n : TS_WINDOW;
    for (size_t at = 0; at < end; at++) {
        if (at > 0 && isalnum((unsigned char)p[at - 1]))
            continue;
        if (timestamp_at(p, n, at))
            return 1;
    }
    return 0;
}

/* Whether the first lines of data look like log lines: at least half of the
 * first SNIFF_LINES non-empty, non-comment ones (a Zeek header alone is
 * enough). */
static int content_is_log(const char *data, size_t len, int cut)
{
    size_t pos = 0, lines = 0, logs = 0;

    while (pos < len && lines < SNIFF_LINES) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        const char *p = data + pos;
        pos += n + 1;
        if (nl == NULL && cut && lines > 0)
            break; /* a line cut by the sniff window says nothing */
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        if (p[0] == '#') {
            if ((n >= 10 && memcmp(p, "#separator", 10) == 0) ||
                (n >= 7 && memcmp(p, "#fields", 7) == 0))
                return 1;
            continue;
        }
        lines++;
        logs += line_is_log(p, n);
    }
    return lines > 0 && logs * 2 >= lines;
}

int vigil_netioc_is_text_log(const char *path, const void *data, size_t len)
{
    size_t head = len < SNIFF_BYTES ? len : SNIFF_BYTES;

    if (data == NULL || len == 0 || memchr(data, '\0', head) != NULL)
        return 0;
    if (path != NULL && name_is_log(path))
        return 1;
    return content_is_log(data, head, head < len);
}
