/* evtx_value.c - turns typed EVTX values into the text Sigma matches on.
 *
 * Why here and not at record level: every value of every record passes
 * through these few functions, so they write straight into the output
 * buffer without printf where it matters (strings, integers, timestamps).
 * Renderings follow the Windows event viewer's XML: GUIDs in braces and
 * upper case, hex integers as 0x..., binary as upper-case hex, SIDs as
 * S-1-..., timestamps as ISO-8601 with microseconds and 'Z'. A value whose
 * size does not fit its type is shown as hex rather than failing the record. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "events/evtx_internal.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Keeps a writer out of the dispatcher that calls it (no frame there). */
#if defined(__GNUC__) || defined(__clang__)
#define EVTX_NOINLINE __attribute__((noinline))
#else
#define EVTX_NOINLINE
#endif

/* UTF-16LE -> UTF-8 into o (room for 3 bytes per unit); with stop_nul,
 * ends at the first NUL unit. Returns the end of the output.
 *
 * Nearly all text in event logs is ASCII: eight units at a time are
 * checked (no unit >= 0x80, and no NUL when it ends the string) and
 * narrowed with SSE2; only other units take the general path. */
static char *utf16_conv(char *o, const uint8_t *p, size_t nunits, int stop_nul)
{
    size_t i = 0;

    while (i < nunits) {
#ifdef __SSE2__
        const __m128i high = _mm_set1_epi16((short)0xff80);
        const __m128i zero = _mm_setzero_si128();
        while (nunits - i >= 8) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
            __m128i ok = _mm_cmpeq_epi16(_mm_and_si128(v, high), zero);
            if (stop_nul)
                ok = _mm_andnot_si128(_mm_cmpeq_epi16(v, zero), ok);
            unsigned m = (unsigned)_mm_movemask_epi8(ok);
            /* 8 bytes of room: at most 3 * i written, 3 * nunits reserved */
            _mm_storel_epi64((__m128i *)(void *)o, _mm_packus_epi16(v, v));
            if (m == 0xffffu) {
                o += 8;
                i += 8;
                continue;
            }
            unsigned run = (unsigned)__builtin_ctz(~m) / 2; /* units before the first other one */
            o += run;
            i += run;
            break;
        }
#endif
        /* the rest (or everything without SSE2), four units at a time */
        while (nunits - i >= 4) {
            uint64_t w;
            memcpy(&w, p + 2 * i, 8);
            if (w & 0xff80ff80ff80ff80ull)
                break;
            if (stop_nul && ((w - 0x0001000100010001ull) & ~w & 0x8000800080008000ull))
                break;
            o[0] = (char)p[2 * i];
            o[1] = (char)p[2 * i + 2];
            o[2] = (char)p[2 * i + 4];
            o[3] = (char)p[2 * i + 6];
            o += 4;
            i += 4;
        }
        if (i >= nunits)
            break;
        uint32_t u = vigil_evtx_rd16(p + 2 * i);
        i++;
        if (u < 0x80) {
            if (u == 0 && stop_nul)
                break;
            *o++ = (char)u;
            continue;
        }
        if (u < 0x800) {
            *o++ = (char)(0xc0 | (u >> 6));
            *o++ = (char)(0x80 | (u & 0x3f));
            continue;
        }
        if (u >= 0xd800 && u <= 0xdbff && i < nunits) {
            uint32_t lo = vigil_evtx_rd16(p + 2 * i);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                uint32_t cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                i++;
                /* 4 bytes for 2 units: within the 3-per-unit reservation */
                *o++ = (char)(0xf0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
                continue;
            }
        }
        if (u >= 0xd800 && u <= 0xdfff)
            u = 0xfffd;
        *o++ = (char)(0xe0 | (u >> 12));
        *o++ = (char)(0x80 | ((u >> 6) & 0x3f));
        *o++ = (char)(0x80 | (u & 0x3f));
    }
    return o;
}

int vigil_evtx_utf16_to_utf8(vigil_evtx_buf *out, const uint8_t *p, size_t nunits)
{
    /* + 8: room for the last 8-byte store of the fast path */
    if (nunits > VIGIL_EVTX_MAX_BUF || vigil_evtx_buf_reserve(out, nunits * 3 + 8) != 0)
        return -1;
    out->len = (size_t)(utf16_conv(out->data + out->len, p, nunits, 0) - out->data);
    return 0;
}

static const char hex_upper[] = "0123456789ABCDEF";
/* Two upper-case hex digits for each byte value. */
static const char hex2[513] = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
                              "202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F"
                              "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F"
                              "606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F"
                              "808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9F"
                              "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
                              "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
                              "E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF";
static const char hex_lower[] = "0123456789abcdef";

static int put_hex_bytes(vigil_evtx_buf *out, const uint8_t *p, size_t n)
{
    char *o;

    if (n > VIGIL_EVTX_MAX_BUF || vigil_evtx_buf_reserve(out, n * 2) != 0)
        return -1;
    o = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        *o++ = hex_upper[p[i] >> 4];
        *o++ = hex_upper[p[i] & 15];
    }
    out->len += n * 2;
    return 0;
}

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Decimal digits of v, two at a time, straight into the output buffer
 * (32-bit arithmetic for the usual small values). */
static EVTX_NOINLINE int put_u64(vigil_evtx_buf *out, uint64_t v)
{
    if (v < 100) { /* levels, opcodes, tasks, logon types... */
        if (vigil_evtx_buf_reserve(out, 2) != 0)
            return -1;
        if (v < 10) {
            out->data[out->len++] = (char)('0' + v);
        } else {
            memcpy(out->data + out->len, digits2 + 2 * v, 2);
            out->len += 2;
        }
        return 0;
    }
    /* digits right-aligned in tmp, then one fixed-size copy: no count */
    char tmp[40] = {0};
    size_t i = 20;
    if (vigil_evtx_buf_reserve(out, 20) != 0)
        return -1;
    while (v > UINT32_MAX) {
        unsigned d = (unsigned)(v % 100);
        v /= 100;
        i -= 2;
        memcpy(tmp + i, digits2 + 2 * d, 2);
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        unsigned d = w % 100;
        w /= 100;
        i -= 2;
        memcpy(tmp + i, digits2 + 2 * d, 2);
    }
    if (w >= 10) {
        i -= 2;
        memcpy(tmp + i, digits2 + 2 * w, 2);
    } else {
        tmp[--i] = (char)('0' + w);
    }
    memcpy(out->data + out->len, tmp + i, 20);
    out->len += 20 - i;
    return 0;
}

static int put_i64(vigil_evtx_buf *out, int64_t v)
{
    if (v < 0) {
        if (vigil_evtx_buf_putc(out, '-') != 0)
            return -1;
        return put_u64(out, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(out, (uint64_t)v);
}

static EVTX_NOINLINE int put_hex_u64(vigil_evtx_buf *out, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;

    do {
        tmp[--i] = hex_lower[v & 15];
        v >>= 4;
    } while (v);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    return vigil_evtx_buf_put(out, tmp + i, sizeof tmp - i);
}

static int put_double(vigil_evtx_buf *out, double d, int maxprec)
{
    char tmp[40];

    if (isnan(d))
        return vigil_evtx_buf_put(out, "NaN", 3);
    if (isinf(d))
        return d < 0 ? vigil_evtx_buf_put(out, "-inf", 4) : vigil_evtx_buf_put(out, "inf", 3);
    /* shortest text that reads back to the same value */
    for (int prec = 1; prec <= maxprec; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (maxprec <= 9 ? (float)strtod(tmp, NULL) == (float)d : strtod(tmp, NULL) == d)
            break;
    }
    return vigil_evtx_buf_put(out, tmp, strlen(tmp));
}

/* days since 1970-01-01 -> civil date (proleptic Gregorian) */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

static size_t format_datetime(char *out, int64_t y, unsigned mo, unsigned d, unsigned h,
                              unsigned mi, unsigned s, unsigned micros)
{
    char *o = out;

    if (y < 0 || y > 9999) {
        int n = snprintf(out, 32, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%06uZ", y, mo, d, h, mi,
                         s, micros);
        return n > 0 && n < 32 ? (size_t)n : 0;
    }
    o = put2(o, (unsigned)(y / 100));
    o = put2(o, (unsigned)(y % 100));
    *o++ = '-';
    o = put2(o, mo);
    *o++ = '-';
    o = put2(o, d);
    *o++ = 'T';
    o = put2(o, h);
    *o++ = ':';
    o = put2(o, mi);
    *o++ = ':';
    o = put2(o, s);
    *o++ = '.';
    o = put2(o, micros / 10000 % 100);
    o = put2(o, micros / 100 % 100);
    o = put2(o, micros % 100);
    *o++ = 'Z';
    *o = '\0';
    return (size_t)(o - out);
}

size_t vigil_evtx_format_filetime(char *out, uint64_t ft)
{
    uint64_t secs = ft / 10000000u;
    unsigned micros = (unsigned)((ft % 10000000u) / 10u);
    /* 1601-01-01 is 134774 days before 1970-01-01 */
    int64_t days = (int64_t)(secs / 86400u) - 134774;
    unsigned rem = (unsigned)(secs % 86400u);
    int64_t y;
    unsigned mo, d;

    civil_from_days(days, &y, &mo, &d);
    return format_datetime(out, y, mo, d, rem / 3600, rem / 60 % 60, rem % 60, micros);
}

/* FILETIME text written in place. */
static EVTX_NOINLINE int put_filetime(vigil_evtx_buf *out, uint64_t ft)
{
    if (vigil_evtx_buf_reserve(out, 32) != 0)
        return -1;
    out->len += vigil_evtx_format_filetime(out->data + out->len, ft);
    return 0;
}

static EVTX_NOINLINE int put_guid(vigil_evtx_buf *out, const uint8_t *p)
{
    if (vigil_evtx_buf_reserve(out, 38) != 0)
        return -1;
    char *o = out->data + out->len;
    memcpy(o, "{00000000-0000-0000-0000-000000000000}", 38);
    /* the first three groups are little-endian: byte i goes to text j */
#define GUID_HEX(j, i) memcpy(o + (j), hex2 + 2 * p[i], 2)
    GUID_HEX(1, 3);
    GUID_HEX(3, 2);
    GUID_HEX(5, 1);
    GUID_HEX(7, 0);
    GUID_HEX(10, 5);
    GUID_HEX(12, 4);
    GUID_HEX(15, 7);
    GUID_HEX(17, 6);
    GUID_HEX(20, 8);
    GUID_HEX(22, 9);
    for (unsigned i = 10; i < 16; i++)
        GUID_HEX(25 + 2 * (i - 10), i);
#undef GUID_HEX
    out->len += 38;
    return 0;
}

/* Length of the SID at p (at most n bytes), or 0 if it does not fit. */
static size_t sid_len(const uint8_t *p, size_t n)
{
    if (n < 8)
        return 0;
    size_t need = 8 + (size_t)p[1] * 4;
    return need <= n ? need : 0;
}

static int put_sid(vigil_evtx_buf *out, const uint8_t *p, size_t len)
{
    uint64_t auth = 0;

    for (unsigned i = 2; i < 8; i++)
        auth = (auth << 8) | p[i];
    if (vigil_evtx_buf_put(out, "S-", 2) != 0 || put_u64(out, p[0]) != 0 ||
        vigil_evtx_buf_putc(out, '-') != 0)
        return -1;
    if (auth >> 32) {
        if (put_hex_u64(out, auth) != 0)
            return -1;
    } else if (put_u64(out, auth) != 0) {
        return -1;
    }
    for (size_t i = 8; i + 4 <= len; i += 4) {
        if (vigil_evtx_buf_putc(out, '-') != 0 || put_u64(out, vigil_evtx_rd32(p + i)) != 0)
            return -1;
    }
    return 0;
}

static int put_systime(vigil_evtx_buf *out, const uint8_t *p)
{
    char tmp[32];
    size_t n = format_datetime(tmp, vigil_evtx_rd16(p), vigil_evtx_rd16(p + 2) % 100u,
                               vigil_evtx_rd16(p + 6) % 100u, vigil_evtx_rd16(p + 8) % 100u,
                               vigil_evtx_rd16(p + 10) % 100u, vigil_evtx_rd16(p + 12) % 100u,
                               (vigil_evtx_rd16(p + 14) % 1000u) * 1000u);
    return vigil_evtx_buf_put(out, tmp, n);
}

/* Size of one element of a fixed-size type, 0 for variable-size types. */
static size_t fixed_size(unsigned type)
{
    switch (type) {
    case VIGIL_EVTX_T_INT8:
    case VIGIL_EVTX_T_UINT8:
        return 1;
    case VIGIL_EVTX_T_INT16:
    case VIGIL_EVTX_T_UINT16:
        return 2;
    case VIGIL_EVTX_T_INT32:
    case VIGIL_EVTX_T_UINT32:
    case VIGIL_EVTX_T_REAL32:
    case VIGIL_EVTX_T_BOOL:
    case VIGIL_EVTX_T_HEX32:
        return 4;
    case VIGIL_EVTX_T_INT64:
    case VIGIL_EVTX_T_UINT64:
    case VIGIL_EVTX_T_REAL64:
    case VIGIL_EVTX_T_FILETIME:
    case VIGIL_EVTX_T_HEX64:
        return 8;
    case VIGIL_EVTX_T_GUID:
    case VIGIL_EVTX_T_SYSTIME:
        return 16;
    default:
        return 0;
    }
}

/* One fixed-size element; p holds exactly fixed_size(type) bytes. */
static int put_fixed(vigil_evtx_buf *out, unsigned type, const uint8_t *p)
{
    char tmp[32];
    size_t n;

    switch (type) {
    case VIGIL_EVTX_T_INT8:
        return put_i64(out, (int8_t)p[0]);
    case VIGIL_EVTX_T_UINT8:
        return put_u64(out, p[0]);
    case VIGIL_EVTX_T_INT16:
        return put_i64(out, (int16_t)vigil_evtx_rd16(p));
    case VIGIL_EVTX_T_UINT16:
        return put_u64(out, vigil_evtx_rd16(p));
    case VIGIL_EVTX_T_INT32:
        return put_i64(out, (int32_t)vigil_evtx_rd32(p));
    case VIGIL_EVTX_T_UINT32:
        return put_u64(out, vigil_evtx_rd32(p));
    case VIGIL_EVTX_T_INT64:
        return put_i64(out, (int64_t)vigil_evtx_rd64(p));
    case VIGIL_EVTX_T_UINT64:
        return put_u64(out, vigil_evtx_rd64(p));
    case VIGIL_EVTX_T_REAL32: {
        float f;
        uint32_t u = vigil_evtx_rd32(p);
        memcpy(&f, &u, sizeof f);
        return put_double(out, f, 9);
    }
    case VIGIL_EVTX_T_REAL64: {
        double d;
        uint64_t u = vigil_evtx_rd64(p);
        memcpy(&d, &u, sizeof d);
        return put_double(out, d, 17);
    }
    case VIGIL_EVTX_T_BOOL:
        return vigil_evtx_rd32(p) ? vigil_evtx_buf_put(out, "true", 4)
                                  : vigil_evtx_buf_put(out, "false", 5);
    case VIGIL_EVTX_T_HEX32:
        return put_hex_u64(out, vigil_evtx_rd32(p));
    case VIGIL_EVTX_T_HEX64:
        return put_hex_u64(out, vigil_evtx_rd64(p));
    case VIGIL_EVTX_T_FILETIME:
        n = vigil_evtx_format_filetime(tmp, vigil_evtx_rd64(p));
        return vigil_evtx_buf_put(out, tmp, n);
    case VIGIL_EVTX_T_GUID:
        return put_guid(out, p);
    case VIGIL_EVTX_T_SYSTIME:
        return put_systime(out, p);
    default:
        return put_hex_bytes(out, p, fixed_size(type));
    }
}

/* UTF-16 string of n bytes, cut at the first NUL unit. */
static EVTX_NOINLINE int put_utf16z(vigil_evtx_buf *out, const uint8_t *p, size_t n)
{
    size_t units = n / 2;
    if (units > VIGIL_EVTX_MAX_BUF || vigil_evtx_buf_reserve(out, units * 3 + 8) != 0)
        return -1;
    out->len = (size_t)(utf16_conv(out->data + out->len, p, units, 1) - out->data);
    return 0;
}

/* Windows-1252 is approximated by Latin-1: bytes >= 0x80 map to U+0080.. */
static int put_ansi(vigil_evtx_buf *out, const uint8_t *p, size_t n)
{
    if (n > VIGIL_EVTX_MAX_BUF || vigil_evtx_buf_reserve(out, n * 2) != 0)
        return -1;
    char *o = out->data + out->len;
    for (size_t i = 0; i < n && p[i]; i++) {
        if (p[i] < 0x80) {
            *o++ = (char)p[i];
        } else {
            *o++ = (char)(0xc0 | (p[i] >> 6));
            *o++ = (char)(0x80 | (p[i] & 0x3f));
        }
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

static int format_array(vigil_evtx_buf *out, unsigned type, const uint8_t *p, size_t n)
{
    size_t es = fixed_size(type);
    int first = 1;

    if (type == VIGIL_EVTX_T_STRING || type == VIGIL_EVTX_T_ANSI) {
        size_t unit = type == VIGIL_EVTX_T_STRING ? 2 : 1;
        size_t i = 0;
        n -= n % unit;
        while (i < n) {
            size_t j = i;
            while (j < n && !(p[j] == 0 && (unit == 1 || p[j + 1] == 0)))
                j += unit;
            if (!first && vigil_evtx_buf_putc(out, ',') != 0)
                return -1;
            first = 0;
            if ((unit == 2 ? vigil_evtx_utf16_to_utf8(out, p + i, (j - i) / 2)
                           : put_ansi(out, p + i, j - i)) != 0)
                return -1;
            i = j + unit;
        }
        return 0;
    }
    if (type == VIGIL_EVTX_T_SID) {
        size_t i = 0;
        while (i < n) {
            size_t l = sid_len(p + i, n - i);
            if (l == 0)
                return put_hex_bytes(out, p + i, n - i);
            if ((!first && vigil_evtx_buf_putc(out, ',') != 0) || put_sid(out, p + i, l) != 0)
                return -1;
            first = 0;
            i += l;
        }
        return 0;
    }
    if (es == 0 || n % es != 0)
        return put_hex_bytes(out, p, n);
    for (size_t i = 0; i < n; i += es) {
        if (!first && vigil_evtx_buf_putc(out, ',') != 0)
            return -1;
        first = 0;
        if (put_fixed(out, type, p + i) != 0)
            return -1;
    }
    return 0;
}

/* Every type, every size (the general case of vigil_evtx_format_value). */
static EVTX_NOINLINE int format_any(vigil_evtx_buf *out, unsigned type, const uint8_t *p, size_t n)
{
    size_t es;

    if (type & VIGIL_EVTX_T_ARRAY)
        return format_array(out, type & 0x7fu, p, n);
    switch (type) {
    case VIGIL_EVTX_T_NULL:
        return 0;
    case VIGIL_EVTX_T_STRING:
        return put_utf16z(out, p, n);
    case VIGIL_EVTX_T_ANSI:
        return put_ansi(out, p, n);
    case VIGIL_EVTX_T_BINARY:
        return put_hex_bytes(out, p, n);
    case VIGIL_EVTX_T_SID: {
        size_t l = sid_len(p, n);
        return l ? put_sid(out, p, l) : put_hex_bytes(out, p, n);
    }
    case VIGIL_EVTX_T_SIZET:
        if (n == 4)
            return put_hex_u64(out, vigil_evtx_rd32(p));
        if (n == 8)
            return put_hex_u64(out, vigil_evtx_rd64(p));
        return put_hex_bytes(out, p, n);
    case VIGIL_EVTX_T_BOOL:
        if (n >= 1 && n <= 8) {
            for (size_t i = 0; i < n; i++) {
                if (p[i])
                    return vigil_evtx_buf_put(out, "true", 4);
            }
            return vigil_evtx_buf_put(out, "false", 5);
        }
        return put_hex_bytes(out, p, n);
    default:
        es = fixed_size(type);
        if (es != 0 && n == es)
            return put_fixed(out, type, p);
        return put_hex_bytes(out, p, n);
    }
}

/* The types of nearly every value go straight to their writer: this stays
 * a dispatcher without a stack frame of its own. Same text as format_any. */
int vigil_evtx_format_value(vigil_evtx_buf *out, unsigned type, const uint8_t *p, size_t n)
{
    switch (type) {
    case VIGIL_EVTX_T_STRING:
        return put_utf16z(out, p, n);
    case VIGIL_EVTX_T_UINT8:
        if (n == 1)
            return put_u64(out, p[0]);
        break;
    case VIGIL_EVTX_T_UINT16:
        if (n == 2)
            return put_u64(out, vigil_evtx_rd16(p));
        break;
    case VIGIL_EVTX_T_UINT32:
        if (n == 4)
            return put_u64(out, vigil_evtx_rd32(p));
        break;
    case VIGIL_EVTX_T_UINT64:
        if (n == 8)
            return put_u64(out, vigil_evtx_rd64(p));
        break;
    case VIGIL_EVTX_T_HEX32:
        if (n == 4)
            return put_hex_u64(out, vigil_evtx_rd32(p));
        break;
    case VIGIL_EVTX_T_HEX64:
        if (n == 8)
            return put_hex_u64(out, vigil_evtx_rd64(p));
        break;
    case VIGIL_EVTX_T_FILETIME:
        if (n == 8)
            return put_filetime(out, vigil_evtx_rd64(p));
        break;
    case VIGIL_EVTX_T_GUID:
        if (n == 16)
            return put_guid(out, p);
        break;
    default:
        break;
    }
    return format_any(out, type, p, n);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define EVTX_HAVE_CLMUL 1

/* Raw (no pre/post inversion) reflected CRC32 of n bytes, n >= 64 and a
 * multiple of 16, by carry-less multiplication: four 128-bit lanes are
 * folded forward 64 bytes at a time, folded into one lane, then reduced
 * to 32 bits (Barrett). The constants are x^k mod P for the IEEE
 * polynomial, bit-reflected, as in Intel's paper "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ". */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc32_clmul(uint32_t crc, const uint8_t *p,
                                                                     size_t n)
{
    const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
    const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
    const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124);
    const __m128i poly = _mm_set_epi64x(0x1f7011641, 0x1db710641);
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    __m128i t;

    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    p += 64;
    n -= 64;
#define FOLD(x, k, next)                                                                           \
    do {                                                                                           \
        t = _mm_clmulepi64_si128((x), (k), 0x11);                                                  \
        (x) = _mm_clmulepi64_si128((x), (k), 0x00);                                                \
        (x) = _mm_xor_si128(_mm_xor_si128((x), t), (next));                                        \
    } while (0)
    while (n >= 64) {
        FOLD(x1, k1k2, _mm_loadu_si128((const __m128i *)(const void *)p));
        FOLD(x2, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
        FOLD(x3, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 32)));
        FOLD(x4, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
        p += 64;
        n -= 64;
    }
    FOLD(x1, k3k4, x2);
    FOLD(x1, k3k4, x3);
    FOLD(x1, k3k4, x4);
    while (n >= 16) {
        FOLD(x1, k3k4, _mm_loadu_si128((const __m128i *)(const void *)p));
        p += 16;
        n -= 16;
    }
#undef FOLD
    /* 128 -> 64 bits (appending 32 zero bits), then 64 -> 32 */
    t = _mm_clmulepi64_si128(k3k4, x1, 0x01);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
    t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 4), t);
    /* Barrett reduction, bit-reflected */
    t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly, 0x00);
    x1 = _mm_xor_si128(x1, t);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}
#endif

static uint32_t crc32_zlib(uint32_t crc, const uint8_t *p, size_t len)
{
    uLong c = crc;

    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}

/* CRCs are computed over every chunk's records: with PCLMULQDQ (every
 * x86-64 CPU of the last decade) the bulk runs several times faster than
 * zlib's table-driven crc32, which still does the tail and other CPUs. */
uint32_t vigil_evtx_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;

#ifdef EVTX_HAVE_CLMUL
    if (len >= 64 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        size_t bulk = len & ~(size_t)15;
        crc = ~crc32_clmul(~crc, p, bulk);
        p += bulk;
        len -= bulk;
    }
#endif
    return crc32_zlib(crc, p, len);
}
