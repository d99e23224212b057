/* yara_gate_atom.c - which byte run of a string the literal gate searches.
 *
 * Why: the gate wakes libyara for a file as soon as one literal of a live
 * rule is in it, so a literal that is in every binary (twelve zero bytes,
 * `8B FF 55 8B EC`) gates nothing. Like libyara's own atom choice, runs
 * are ranked by how rare their bytes are, not by length. Regular
 * expressions give the best run of literal characters every match must
 * hold (outside groups, classes and optional atoms; an alternation at the
 * top level gives nothing), base64 strings the part of their encoding that
 * does not depend on the neighbouring bytes, at each of the three
 * alignments. */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "yara/yara_gate_internal.h"

/* Bytes found in most files: padding, spaces, nops, int3. */
static unsigned byte_weight(uint8_t c)
{
    switch (c) {
    case 0x00:
    case 0xff:
        return 1;
    case 0x20:
    case 0x90:
    case 0xcc:
    case 0x01:
    case 0x0a:
    case 0x0d:
        return 4;
    default:
        return 10;
    }
}

unsigned vigil_yara_gate_atom_quality(const uint8_t *b, size_t n)
{
    uint8_t seen[256] = {0};
    unsigned q = 0, distinct = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        q += byte_weight(b[i]);
        if (!seen[b[i]]) {
            seen[b[i]] = 1;
            distinct++;
        }
    }
    return distinct == 1 ? q / 4 : q + 4 * distinct;
}

int vigil_yara_gate_atom_better(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    if (na < GATE_MIN_LEN)
        return 0;
    if (nb < GATE_MIN_LEN)
        return 1;
    unsigned qa = vigil_yara_gate_atom_quality(a, na), qb = vigil_yara_gate_atom_quality(b, nb);
    return qa != qb ? qa > qb : na > nb;
}

/* ---- regular expressions ------------------------------------------------ */

typedef struct regex_runs {
    uint8_t cur[256], *best;
    size_t cur_len, best_len, cap;
    int last_literal; /* the last atom is the last byte of cur */
} regex_runs;

static void run_end(regex_runs *rr)
{
    if (rr->cur_len <= rr->cap &&
        vigil_yara_gate_atom_better(rr->cur, rr->cur_len, rr->best, rr->best_len)) {
        memcpy(rr->best, rr->cur, rr->cur_len);
        rr->best_len = rr->cur_len;
    }
    rr->cur_len = 0;
    rr->last_literal = 0;
}

static void run_push(regex_runs *rr, uint8_t c)
{
    if (rr->cur_len == sizeof rr->cur)
        run_end(rr);
    rr->cur[rr->cur_len++] = c;
    rr->last_literal = 1;
}

/* Index past the class starting at p[i] == '[', or 0 when unterminated. */
static size_t skip_class(const char *p, size_t n, size_t i)
{
    i++;
    if (i < n && p[i] == '^')
        i++;
    if (i < n && p[i] == ']')
        i++;
    for (; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == ']')
            return i + 1;
    }
    return 0;
}

/* Index past the group starting at p[i] == '(', or 0. */
static size_t skip_group(const char *p, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        if (p[i] == '\\') {
            i += 2;
        } else if (p[i] == '[') {
            i = skip_class(p, n, i);
            if (i == 0)
                return 0;
        } else {
            if (p[i] == '(')
                depth++;
            else if (p[i] == ')' && --depth == 0)
                return i + 1;
            i++;
        }
    }
    return 0;
}

/* Reads a `{n}`, `{n,}`, `{n,m}` or `{,m}` quantifier at p[i]; *min its
 * lower bound. Returns the index past it, 0 when it is not one. */
static size_t read_range(const char *p, size_t n, size_t i, unsigned long *min)
{
    unsigned long v = 0;
    int digits = 0;
    i++;
    while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 6) {
        v = v * 10 + (unsigned long)(p[i++] - '0');
        digits++;
    }
    *min = v;
    if (i < n && p[i] == ',') {
        i++;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    } else if (digits == 0) {
        return 0;
    }
    return i < n && p[i] == '}' ? i + 1 : 0;
}

/* One escape at p[i] == '\\': *lit the byte and 1 when it is a literal,
 * 0 when a class or assertion; returns the index past it, 0 when unknown. */
static size_t read_escape(const char *p, size_t n, size_t i, uint8_t *lit, int *is_lit)
{
    if (i + 1 >= n)
        return 0;
    char c = p[i + 1];
    *is_lit = 1;
    if (c == 'x') {
        if (i + 3 >= n)
            return 0;
        int hi = vigil_hex_digit(p[i + 2]), lo = vigil_hex_digit(p[i + 3]);
        if (hi < 0 || lo < 0)
            return 0;
        *lit = (uint8_t)(hi << 4 | lo);
        return i + 4;
    }
    if (c == 'n' || c == 't' || c == 'r') {
        *lit = c == 'n' ? '\n' : c == 't' ? '\t' : '\r';
        return i + 2;
    }
    if (c != '\0' && strchr(".\\-{}()[]|*+?^$/ \"'#:,=<>!&%@~`;_", c) != NULL) {
        *lit = (uint8_t)c;
        return i + 2;
    }
    *is_lit = 0; /* \d \w \s \b \B ...: never part of a run */
    return i + 2;
}

size_t vigil_yara_gate_regex_run(const char *src, size_t len, uint8_t *out, size_t cap, int *nocase)
{
    size_t end, i = 1;
    if (len < 2 || src[0] != '/')
        return 0;
    for (end = len - 1; end > 0 && src[end] != '/'; end--)
        ;
    if (end == 0)
        return 0;
    *nocase = 0;
    for (size_t k = end + 1; k < len; k++) {
        if (src[k] == 'i')
            *nocase = 1;
        else if (src[k] != 's')
            return 0;
    }
    regex_runs rr = {.best = out, .cap = cap};
    const char *p = src;
    size_t n = end;
    while (i < n) {
        char c = p[i];
        if (c == '|') {
            return 0; /* an alternative at the top: nothing is required */
        } else if (c == '*' || c == '?' || c == '+' || c == '{') {
            unsigned long min = c == '+' ? 1 : 0;
            size_t next = i + 1;
            if (c == '{' && (next = read_range(p, n, i, &min)) == 0)
                return 0;
            if (min == 0 && rr.last_literal)
                rr.cur_len--; /* the atom may be absent */
            run_end(&rr);
            i = next;
            if (i < n && p[i] == '?')
                i++; /* lazy */
            continue;
        } else if (c == '\\') {
            uint8_t b = 0;
            int is_lit = 0;
            size_t next = read_escape(p, n, i, &b, &is_lit);
            if (next == 0)
                return 0;
            if (is_lit) {
                run_push(&rr, b);
            } else {
                run_end(&rr);
            }
            i = next;
            continue;
        } else if (c == '[' || c == '(') {
            size_t next = c == '[' ? skip_class(p, n, i) : skip_group(p, n, i);
            if (next == 0)
                return 0;
            run_end(&rr);
            i = next;
            continue;
        } else if (c == '.' || c == '^' || c == '$' || c == ')' || c == ']' || c == '}') {
            if (c == ')')
                return 0;
            run_end(&rr);
        } else {
            run_push(&rr, (uint8_t)c);
        }
        i++;
    }
    run_end(&rr);
    return rr.best_len;
}

/* ---- base64 ------------------------------------------------------------- */

size_t vigil_yara_gate_base64_stable(const uint8_t *t, size_t n, unsigned shift, uint8_t *out,
                                     size_t cap)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t m = n + shift, k = 0;
    if (n == 0 || m > SIZE_MAX / 8)
        return 0;
    /* char i covers bits [6i, 6i + 6) of shift zero bytes + t; it depends
     * only on t when those bits are inside t */
    size_t first = (8 * shift + 5) / 6, last = (8 * m) / 6; /* [first, last) */
    for (size_t i = first; i < last; i++) {
        size_t bit = 6 * i, byte = bit / 8;
        unsigned v = (unsigned)(byte >= shift ? t[byte - shift] : 0) << 8;
        if (byte + 1 < m)
            v |= byte + 1 >= shift ? t[byte + 1 - shift] : 0;
        unsigned sh = 16 - 6 - (unsigned)(bit % 8);
        if (k == cap)
            return 0;
        out[k++] = (uint8_t)alphabet[(v >> sh) & 0x3f];
    }
    return k;
}

/* ---- hex strings without a usable run ----------------------------------- */

static int put(char *out, size_t cap, size_t *k, const char *s)
{
    size_t n = strlen(s);
    if (*k + n >= cap)
        return 0;
    memcpy(out + *k, s, n);
    *k += n;
    out[*k] = '\0';
    return 1;
}

size_t vigil_yara_gate_hex_regex(const char *s, size_t n, char *out, size_t cap)
{
    size_t i = 1, k = 0;
    int depth = 0, bytes = 0;
    char tmp[48];
    if (n < 2 || s[0] != '{' || s[n - 1] != '}' || cap == 0)
        return 0;
    n--;
    out[0] = '\0';
    while (i < n) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i++;
            continue;
        }
        if (vigil_hex_digit(c) >= 0 || c == '?') {
            if (i + 1 >= n)
                return 0;
            char d = s[i + 1];
            if (c == '?' && d == '?')
                snprintf(tmp, sizeof tmp, ".");
            else if (c != '?' && vigil_hex_digit(d) >= 0)
                snprintf(tmp, sizeof tmp, "\\x%c%c", c, d);
            else if (c != '?' && d == '?')
                snprintf(tmp, sizeof tmp, "[\\x%c0-\\x%cf]", c, c);
            else
                return 0; /* ?X: not derived */
            bytes++;
            i += 2;
        } else if (c == '[') {
            unsigned long lo = 0, hi = 0;
            int dl = 0, dh = 0;
            i++;
            while (i < n && s[i] >= '0' && s[i] <= '9' && dl < 4)
                lo = lo * 10 + (unsigned long)(s[i++] - '0'), dl++;
            if (i < n && s[i] == '-') {
                i++;
                while (i < n && s[i] >= '0' && s[i] <= '9' && dh < 4)
                    hi = hi * 10 + (unsigned long)(s[i++] - '0'), dh++;
                if (dh == 0)
                    return 0; /* unbounded jump */
            } else {
                hi = lo;
            }
            if (dl == 0 || i >= n || s[i] != ']' || hi < lo || hi > 256)
                return 0;
            i++;
            snprintf(tmp, sizeof tmp, ".{%lu,%lu}", lo, hi);
        } else if (c == '(') {
            depth++;
            i++;
            snprintf(tmp, sizeof tmp, "(?:");
        } else if (c == '|' && depth > 0) {
            i++;
            snprintf(tmp, sizeof tmp, "|");
        } else if (c == ')' && depth > 0) {
            depth--;
            i++;
            snprintf(tmp, sizeof tmp, ")");
        } else {
            return 0; /* comments, `~`, anything newer */
        }
        if (!put(out, cap, &k, tmp))
            return 0;
    }
    return depth == 0 && bytes > 0 ? k : 0;
}
