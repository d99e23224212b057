/* scan.c - finds network indicators in text in one pass over the bytes.
 *
 * Each line is cut into host-shaped tokens (runs of letters, digits, '.',
 * '-', '_' and ':'); a token is split at ':' (ports, IPv6 aside) and each
 * part is checked: with a letter and a dot, every suffix that starts at a
 * label is looked up in the host table (so evil.com matches a.evil.com but
 * never notevil.com or evil.com.other.net); digits with three dots are an
 * IPv4 candidate, and tokens with two colons an IPv6 one, looked up in the
 * prefix tables. Windows DNS debug names, "(3)www(4)evil(3)com(0)", are
 * rebuilt into dotted form when a '(' starts one. URL indicators are
 * verified from their host token onward. Nothing here depends on the
 * number of indicators except the size of the tables. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "netioc/netioc_internal.h"

#define LINE_SEEN_MAX 64
#define HOST_MAX 253

/* Byte classes: a token byte has C_TOK set, and '.' and ':' say so too,
 * so the main loop learns while cutting a token whether it can hold a host
 * name or an address at all (most tokens of a log line cannot). */
enum { C_TOK = 1, C_NL = 2, C_DOT = 4, C_COLON = 8, C_PAREN = 16 };
static unsigned char cls[256];
static unsigned char lower[256];
static unsigned char digit[256]; /* 1 for '0'..'9' */

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (int c = 0; c < 256; c++) {
        lower[c] = (unsigned char)tolower(c);
        if (isalnum(c) || c == '-' || c == '_')
            cls[c] = C_TOK;
        digit[c] = c >= '0' && c <= '9';
    }
    cls['.'] = C_TOK | C_DOT;
    cls[':'] = C_TOK | C_COLON;
    cls['\n'] = C_NL;
    cls['('] = C_PAREN;
}

static void init_tables(void)
{
    pthread_once(&tables_once, build_tables);
}

typedef struct scan_ctx {
    const vigil_netioc_db *db;
    const char *buf;
    size_t len;
    uint64_t base_offset;
    uint64_t line;
    size_t seen[LINE_SEEN_MAX];
    size_t nseen;
    uint64_t seen_line;
    vigil_netioc_fn fn;
    void *user;
    int aborted;
    size_t hit_start, hit_len; /* for the address callbacks */
} scan_ctx;

static int report(scan_ctx *c, size_t start, size_t len, size_t ind)
{
    if (c->seen_line != c->line) {
        c->seen_line = c->line;
        c->nseen = 0;
    }
    for (size_t i = 0; i < c->nseen; i++)
        if (c->seen[i] == ind)
            return 0;
    if (c->nseen < LINE_SEEN_MAX)
        c->seen[c->nseen++] = ind;
    vigil_netioc_hit h;
    h.line = c->line;
    h.offset = c->base_offset + start;
    h.length = (uint32_t)len;
    h.indicator = ind;
    if (c->fn(&h, c->user))
        c->aborted = 1;
    return c->aborted;
}

static int addr_hit(size_t ind, void *user)
{
    scan_ctx *c = user;
    return report(c, c->hit_start, c->hit_len, ind);
}

static int url_char(unsigned char ch)
{
    return isalnum(ch) || ch == '-' || ch == '_' || ch == '%' || ch == '~';
}

/* A URL indicator on this host: does the text from the host on spell it? */
static void check_urls(scan_ctx *c, const vigil_netioc_host *h, size_t start)
{
    for (int32_t u = h->url_head; u >= 0 && !c->aborted; u = c->db->url_next[u]) {
        const char *rest = c->db->url_rest[u];
        size_t n = strlen(rest);
        if (c->len - start < n || strncasecmp(c->buf + start, rest, n) != 0)
            continue;
        unsigned char last = (unsigned char)rest[n - 1];
        int open_end = last == '/' || last == '?' || last == '=' || last == '&';
        size_t end = start + n;
        if (!open_end && end < c->len) {
            unsigned char nx = (unsigned char)c->buf[end];
            if (url_char(nx) ||
                (nx == '.' && end + 1 < c->len && url_char((unsigned char)c->buf[end + 1])))
                continue;
        }
        report(c, start, n, (size_t)u);
    }
}

/* Looks up every label suffix of the lower-case host name s[0..n); pos[k]
 * maps the start of the name's label k to its buffer offset (NULL: the
 * name is the buffer text at base, byte for byte). */
static void lookup_host(scan_ctx *c, const char *s, size_t n, size_t base, const size_t *pos,
                        size_t span_end, int urls)
{
    uint64_t h = VIGIL_NETIOC_HASH_SEED;
    size_t dots = 0;
    size_t label_of_start[HOST_MAX + 1];
    if (pos != NULL) /* which label each byte starts: count dots left to right */
        for (size_t i = 0, k = 0; i <= n; i++) {
            label_of_start[i] = k;
            if (i < n && s[i] == '.')
                k++;
        }
    for (size_t i = n; i > 0; i--) {
        h = vigil_netioc_hash_step(h, (unsigned char)s[i - 1]);
        if (s[i - 1] == '.') {
            dots++;
            continue;
        }
        if (i - 1 > 0 && s[i - 2] != '.')
            continue; /* not the start of a label */
        if (dots == 0)
            continue; /* one label alone is never an indicator */
        const vigil_netioc_host *e = vigil_netioc_host_find(c->db, h, s + i - 1, n - i + 1);
        if (e == NULL)
            continue;
        size_t start, len;
        if (pos == NULL) {
            start = base + i - 1;
            len = n - i + 1;
        } else {
            start = pos[label_of_start[i - 1]];
            len = span_end - start;
        }
        if (e->domain >= 0 && report(c, start, len, (size_t)e->domain))
            return;
        if (urls && i == 1 && e->url_head >= 0)
            check_urls(c, e, start);
        if (c->aborted)
            return;
    }
}

/* Dotted-quad IPv4 as inet_pton reads it (1-3 digits per part, at most
 * 255, no leading zero); 0 when p[0..n) is not one. */
static int parse_v4(const unsigned char *p, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            if (i >= n || p[i] != '.')
                return 0;
            i++;
        }
        size_t st = i;
        unsigned v = 0;
        while (i < n && digit[p[i]] && i - st < 3)
            v = v * 10 + (unsigned)(p[i++] - '0');
        if (i == st || v > 255 || (i - st > 1 && p[st] == '0'))
            return 0;
        out[k] = (uint8_t)v;
    }
    return i == n;
}

static void part(scan_ctx *c, size_t s, size_t e)
{
    const unsigned char *b = (const unsigned char *)c->buf;
    while (e > s && b[e - 1] == '.')
        e--; /* "evil.com." and sentence ends */
    while (s < e && b[s] == '.')
        s++;
    size_t n = e - s;
    if (n < 3)
        return;
    size_t dots = 0, alpha = 0;
    char low[HOST_MAX + 1];
    size_t lim = n <= HOST_MAX ? n : 0; /* longer: no host name, but maybe counted */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = b[s + i];
        dots += ch == '.';
        alpha += !digit[ch] && ch != '.';
        if (i < lim)
            low[i] = (char)lower[ch];
    }
    if (dots == 0)
        return;
    if (alpha == 0) {
        if (dots == 3 && c->db->nv4 > 0 && n <= 15) {
            uint8_t bin[4];
            if (parse_v4(b + s, n, bin)) {
                c->hit_start = s;
                c->hit_len = n;
                vigil_netioc_match_addr(c->db, AF_INET, bin, addr_hit, c);
            }
        }
        if (c->db->nurls == 0)
            return;
    }
    if (n > HOST_MAX || c->db->nhosts == 0)
        return;
    lookup_host(c, low, n, s, NULL, 0, c->db->nurls > 0);
}

static void token(scan_ctx *c, size_t s, size_t e)
{
    const unsigned char *b = (const unsigned char *)c->buf;
    size_t colons = 0, ps = s;
    for (size_t i = s; i < e && !c->aborted; i++) {
        if (b[i] == ':') {
            colons++;
            part(c, ps, i);
            ps = i + 1;
        }
    }
    if (!c->aborted)
        part(c, ps, e);
    if (colons >= 2 && c->db->nv6 > 0 && !c->aborted) {
        size_t te = e;
        while (te > s && b[te - 1] == '.')
            te--;
        if (te - s >= 3 && b[te - 1] == ':' && b[te - 2] != ':')
            te--;
        char tmp[64];
        uint8_t bin[16];
        if (te - s < sizeof tmp) {
            memcpy(tmp, b + s, te - s);
            tmp[te - s] = '\0';
            if (inet_pton(AF_INET6, tmp, bin) == 1) {
                c->hit_start = s;
                c->hit_len = te - s;
                vigil_netioc_match_addr(c->db, AF_INET6, bin, addr_hit, c);
            }
        }
    }
}

/* "(3)www(4)evil(3)com(0)" at i: looks the dotted name up and returns the
 * offset after "(0)", or 0 when this is not such a name. */
static size_t dns_form(scan_ctx *c, size_t i)
{
    const unsigned char *b = (const unsigned char *)c->buf;
    char name[HOST_MAX + 1];
    size_t pos[HOST_MAX + 1];
    size_t n = 0, nlab = 0, p = i;
    for (;;) {
        if (p >= c->len || b[p] != '(')
            return 0;
        size_t q = p + 1, l = 0;
        while (q < c->len && isdigit(b[q]) && l < 1000)
            l = l * 10 + (size_t)(b[q++] - '0');
        if (q == p + 1 || q >= c->len || b[q] != ')')
            return 0;
        q++;
        if (l == 0) {
            if (nlab < 2)
                return 0;
            lookup_host(c, name, n, 0, pos, q, 0);
            return q;
        }
        if (l > 63 || q + l > c->len || n + l + 1 > HOST_MAX)
            return 0;
        if (nlab > 0)
            name[n++] = '.';
        pos[nlab++] = p;
        for (size_t k = 0; k < l; k++) {
            unsigned char ch = b[q + k];
            if (cls[ch] != C_TOK)
                return 0;
            name[n++] = (char)lower[ch];
        }
        p = q + l;
    }
}

static uint64_t count_lines(const char *p, size_t n);

vigil_status vigil_netioc_scan(const vigil_netioc_db *db, vigil_netioc_scratch *s, const char *buf,
                               size_t len, uint64_t first_line, uint64_t base_offset,
                               vigil_netioc_fn fn, void *user)
{
    return vigil_netioc_scan_lines(db, s, buf, len, first_line, base_offset, fn, user, NULL);
}

vigil_status vigil_netioc_scan_lines(const vigil_netioc_db *db, vigil_netioc_scratch *s,
                                     const char *buf, size_t len, uint64_t first_line,
                                     uint64_t base_offset, vigil_netioc_fn fn, void *user,
                                     uint64_t *newlines)
{
    if (newlines != NULL)
        *newlines = 0;
    if (db == NULL || s == NULL || fn == NULL || (buf == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (db->nind == 0 || len == 0) {
        if (newlines != NULL && len > 0)
            *newlines = count_lines(buf, len);
        return VIGIL_OK;
    }
    init_tables();
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.db = db;
    c.buf = buf;
    c.len = len;
    c.base_offset = base_offset;
    c.line = first_line;
    c.fn = fn;
    c.user = user;
    const unsigned char *b = (const unsigned char *)buf;
    int dnsform = db->ndomains > 0;
    int v6 = db->nv6 > 0;
    size_t i = 0;
    while (i < len && !c.aborted) {
        unsigned char k = cls[b[i]];
        if (k == 0) {
            i++;
        } else if (k & C_TOK) {
            size_t st = i;
            unsigned seen = 0;
            while (i < len && (cls[b[i]] & C_TOK))
                seen |= cls[b[i++]];
            /* a host name or IPv4 has a dot; an IPv6 address a colon */
            if ((seen & C_DOT) || (v6 && (seen & C_COLON)))
                token(&c, st, i);
        } else if (k == C_NL) {
            c.line++;
            i++;
        } else {
            size_t e = dnsform ? dns_form(&c, i) : 0;
            i = e > i ? e : i + 1;
        }
    }
    if (newlines != NULL)
        *newlines = c.aborted ? 0 : c.line - first_line;
    return c.aborted ? VIGIL_ERR_ABORTED : VIGIL_OK;
}

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t k = 0;
    const char *end = p + n;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

vigil_status vigil_netioc_scan_fd(const vigil_netioc_db *db, vigil_netioc_scratch *s, int fd,
                                  vigil_netioc_fn fn, void *user)
{
    const size_t cap = 8u << 20;
    char *buf = malloc(cap);
    size_t have = 0;
    uint64_t line = 1, offset = 0;
    vigil_status st = VIGIL_OK;
    if (buf == NULL)
        return VIGIL_ERR_NOMEM;
    for (;;) {
        ssize_t got = read(fd, buf + have, cap - have);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            st = VIGIL_ERR_IO;
            break;
        }
        have += (size_t)got;
        int eof = got == 0;
        if (!eof && have < cap)
            continue;
        size_t cut = have;
        if (!eof) {
            const char *nl = memrchr(buf, '\n', have);
            if (nl != NULL)
                cut = (size_t)(nl - buf) + 1; /* else one huge line: scan it whole */
        }
        st = vigil_netioc_scan(db, s, buf, cut, line, offset, fn, user);
        if (st != VIGIL_OK)
            break;
        line += count_lines(buf, cut);
        offset += cut;
        memmove(buf, buf + cut, have - cut);
        have -= cut;
        if (eof)
            break;
    }
    free(buf);
    return st;
}
