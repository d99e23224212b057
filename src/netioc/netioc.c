/* netioc.c - one-pass matching of domain, IP, CIDR and URL indicators in
 * text, as hunting C2 traffic in DNS, proxy and firewall logs needs.
 *
 * Why this shape: a loop over indicators per line costs O(lines x IOCs);
 * grep -F with 100,000 patterns is one automaton but knows nothing of
 * label boundaries, so "evil.com" also hits "notevil.com". Here hyperscan
 * finds every domain/URL literal (case-insensitively) in one pass over the
 * buffer, the match callback checks label boundaries, and IP indicators
 * are not literals at all: two candidate patterns find anything shaped
 * like an address, which is parsed and looked up in sorted tables by
 * prefix length - exact IPs and CIDRs alike, however many there are. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netioc/netioc.h"

enum { PAT_DOMAIN, PAT_DNSFORM, PAT_URL, PAT_V4, PAT_V6 };

typedef struct pattern {
    uint32_t ind; /* indicator index (unused for candidates) */
    uint32_t len; /* literal length */
    uint8_t kind;
} pattern;

typedef struct v4_entry {
    uint32_t net; /* host order */
    uint8_t plen;
    uint32_t ind;
} v4_entry;

typedef struct v6_entry {
    uint8_t net[16];
    uint8_t plen;
    uint32_t ind;
} v6_entry;

struct vigil_netioc_builder {
    vigil_diag_sink diag;
    vigil_intel_set *set;
};

struct vigil_netioc_db {
    vigil_intel_set *set; /* owns the strings */
    vigil_netioc_indicator *ind;
    size_t nind;
    hs_database_t *hs;
    pattern *pat;
    size_t npat;
    v4_entry *v4;
    size_t nv4;
    uint8_t v4_plens[33];
    size_t nv4_plens;
    v6_entry *v6;
    size_t nv6;
    uint8_t v6_plens[129];
    size_t nv6_plens;
};

#define LINE_SEEN_MAX 64

struct vigil_netioc_scratch {
    hs_scratch_t *hs;
};

vigil_status vigil_netioc_builder_create(const vigil_diag_sink *diag, vigil_netioc_builder **out)
{
    vigil_netioc_builder *b = calloc(1, sizeof *b);
    *out = NULL;
    if (b == NULL)
        return VIGIL_ERR_NOMEM;
    if (diag != NULL)
        b->diag = *diag;
    vigil_status st = vigil_intel_set_create(&b->set);
    if (st != VIGIL_OK) {
        free(b);
        return st;
    }
    *out = b;
    return VIGIL_OK;
}

void vigil_netioc_builder_destroy(vigil_netioc_builder *b)
{
    if (b == NULL)
        return;
    vigil_intel_set_destroy(b->set);
    free(b);
}

static int is_net_type(vigil_intel_type t)
{
    return t == VIGIL_INTEL_DOMAIN || t == VIGIL_INTEL_IP || t == VIGIL_INTEL_CIDR ||
           t == VIGIL_INTEL_URL;
}

vigil_status vigil_netioc_builder_add(vigil_netioc_builder *b, vigil_intel_type type,
                                      const char *value, int score, const char *description,
                                      const char *source, uint64_t line)
{
    char buf[4096];
    const char *why = NULL;
    if (b == NULL || value == NULL || !is_net_type(type))
        return VIGIL_ERR_INVALID_ARG;
    vigil_status st = vigil_intel_normalise(&type, value, strlen(value), buf, sizeof buf, &why);
    if (st != VIGIL_OK) {
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_PARSE, source, line,
                    "'%.80s' is not a valid %s (%s), skipped", value, vigil_intel_type_name(type),
                    why ? why : "too long");
        return VIGIL_ERR_PARSE;
    }
    vigil_intel_item it = {0};
    it.type = type;
    it.value = buf;
    it.score = score;
    it.description = description;
    it.source = source;
    it.line = line;
    return vigil_intel_set_add(b->set, &it);
}

int vigil_netioc_add_item_cb(const vigil_intel_item *item, void *user)
{
    vigil_netioc_builder *b = user;
    if (!is_net_type(item->type))
        return 0;
    /* items from the loaders are normalised already */
    return vigil_intel_set_add(b->set, item) == VIGIL_ERR_NOMEM;
}

/* Escapes a literal for hyperscan: every byte but [A-Za-z0-9] as \xHH. */
static char *escape(const char *s, size_t n)
{
    if (n > (SIZE_MAX - 1) / 4)
        return NULL;
    char *out = malloc(n * 4 + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c)) {
            *o++ = (char)c;
        } else {
            sprintf(o, "\\x%02x", c);
            o += 4;
        }
    }
    *o = '\0';
    return out;
}

/* "www.evil.com" -> "(3)www(4)evil(3)com(0)" */
static char *dns_form(const char *d)
{
    size_t n = strlen(d);
    char *out = malloc(n * 2 + 16), *o = out;
    if (out == NULL)
        return NULL;
    const char *p = d;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        o += sprintf(o, "(%zu)", l);
        memcpy(o, p, l);
        o += l;
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    strcpy(o, "(0)");
    return out;
}

static int cmp_v4(const void *a, const void *b)
{
    const v4_entry *x = a, *y = b;
    if (x->plen != y->plen)
        return x->plen < y->plen ? -1 : 1;
    return x->net < y->net ? -1 : x->net > y->net;
}

static int cmp_v6(const void *a, const void *b)
{
    const v6_entry *x = a, *y = b;
    if (x->plen != y->plen)
        return x->plen < y->plen ? -1 : 1;
    return memcmp(x->net, y->net, 16);
}

static void mask_bits(uint8_t *a, int bits, int plen)
{
    for (int i = plen; i < bits; i++)
        a[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

typedef struct patlist {
    char **expr;
    unsigned *flags, *ids;
    size_t n, cap;
} patlist;

static vigil_status push(patlist *pl, pattern **pat, char *expr, unsigned flags, pattern p)
{
    if (expr == NULL)
        return VIGIL_ERR_NOMEM;
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 256;
        char **e = realloc(pl->expr, cap * sizeof *e);
        if (e != NULL)
            pl->expr = e;
        unsigned *f = realloc(pl->flags, cap * sizeof *f);
        if (f != NULL)
            pl->flags = f;
        unsigned *i = realloc(pl->ids, cap * sizeof *i);
        if (i != NULL)
            pl->ids = i;
        pattern *pp = realloc(*pat, cap * sizeof *pp);
        if (pp != NULL)
            *pat = pp;
        if (e == NULL || f == NULL || i == NULL || pp == NULL) {
            free(expr);
            return VIGIL_ERR_NOMEM;
        }
        pl->cap = cap;
    }
    pl->expr[pl->n] = expr;
    pl->flags[pl->n] = flags;
    pl->ids[pl->n] = (unsigned)pl->n;
    (*pat)[pl->n] = p;
    pl->n++;
    return VIGIL_OK;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static vigil_status add_address(vigil_netioc_db *db, const vigil_intel_entry *e, uint32_t ind)
{
    char addr[64];
    int plen = -1;
    const char *slash = strchr(e->value, '/');
    size_t alen = slash ? (size_t)(slash - e->value) : strlen(e->value);
    if (alen >= sizeof addr)
        return VIGIL_ERR_PARSE;
    memcpy(addr, e->value, alen);
    addr[alen] = '\0';
    if (slash != NULL)
        plen = atoi(slash + 1);
    uint8_t bin[16];
    if (inet_pton(AF_INET, addr, bin) == 1) {
        v4_entry *v = realloc(db->v4, (db->nv4 + 1) * sizeof *v);
        if (v == NULL)
            return VIGIL_ERR_NOMEM;
        db->v4 = v;
        if (plen < 0 || plen > 32)
            plen = 32;
        mask_bits(bin, 32, plen);
        v[db->nv4].net =
            (uint32_t)bin[0] << 24 | (uint32_t)bin[1] << 16 | (uint32_t)bin[2] << 8 | bin[3];
        v[db->nv4].plen = (uint8_t)plen;
        v[db->nv4].ind = ind;
        db->nv4++;
        return VIGIL_OK;
    }
    if (inet_pton(AF_INET6, addr, bin) == 1) {
        v6_entry *v = realloc(db->v6, (db->nv6 + 1) * sizeof *v);
        if (v == NULL)
            return VIGIL_ERR_NOMEM;
        db->v6 = v;
        if (plen < 0 || plen > 128)
            plen = 128;
        mask_bits(bin, 128, plen);
        memcpy(v[db->nv6].net, bin, 16);
        v[db->nv6].plen = (uint8_t)plen;
        v[db->nv6].ind = ind;
        db->nv6++;
        return VIGIL_OK;
    }
    return VIGIL_ERR_PARSE;
}

static vigil_status build(vigil_netioc_db *db, const vigil_diag_sink *diag)
{
    patlist pl = {0};
    vigil_status st = VIGIL_OK;
    const unsigned lit = HS_FLAG_CASELESS;

    for (size_t i = 0; i < db->nind && st == VIGIL_OK; i++) {
        const vigil_netioc_indicator *in = &db->ind[i];
        pattern p = {(uint32_t)i, 0, PAT_DOMAIN};
        if (in->type == VIGIL_INTEL_DOMAIN) {
            p.len = (uint32_t)strlen(in->value);
            st = push(&pl, &db->pat, escape(in->value, p.len), lit, p);
            if (st == VIGIL_OK) {
                char *f = dns_form(in->value);
                p.kind = PAT_DNSFORM;
                p.len = f ? (uint32_t)strlen(f) : 0;
                st = push(&pl, &db->pat, f ? escape(f, p.len) : NULL, lit, p);
                free(f);
            }
        } else if (in->type == VIGIL_INTEL_URL) {
            const char *rest = strstr(in->value, "://");
            rest = rest ? rest + 3 : in->value;
            p.kind = PAT_URL;
            p.len = (uint32_t)strlen(rest);
            st = push(&pl, &db->pat, escape(rest, p.len), lit, p);
        } else {
            st = add_address(db, (const vigil_intel_entry *)vigil_intel_set_at(db->set, i),
                             (uint32_t)i);
            if (st == VIGIL_ERR_PARSE)
                st = VIGIL_OK; /* cannot happen for normalised values */
        }
    }
    if (st == VIGIL_OK && db->nv4 > 0) {
        pattern p = {0, 0, PAT_V4};
        st =
            push(&pl, &db->pat, dup_str("[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"), 0, p);
    }
    if (st == VIGIL_OK && db->nv6 > 0) {
        pattern p = {0, 0, PAT_V6};
        st = push(&pl, &db->pat, dup_str("[0-9a-f]{0,4}:[0-9a-f]{0,4}:"), HS_FLAG_CASELESS, p);
    }
    if (st == VIGIL_OK && pl.n > 0) {
        hs_compile_error_t *err = NULL;
        if (hs_compile_multi((const char *const *)pl.expr, pl.flags, pl.ids, (unsigned)pl.n,
                             HS_MODE_BLOCK, NULL, &db->hs, &err) != HS_SUCCESS) {
            vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_INTERNAL, NULL, 0,
                        "hyperscan cannot compile the network indicators: %s",
                        err && err->message ? err->message : "?");
            hs_free_compile_error(err);
            st = VIGIL_ERR_INTERNAL;
        }
    }
    db->npat = pl.n;
    for (size_t i = 0; i < pl.n; i++)
        free(pl.expr[i]);
    free(pl.expr);
    free(pl.flags);
    free(pl.ids);
    if (st != VIGIL_OK)
        return st;
    if (db->nv4 > 0)
        qsort(db->v4, db->nv4, sizeof *db->v4, cmp_v4);
    if (db->nv6 > 0)
        qsort(db->v6, db->nv6, sizeof *db->v6, cmp_v6);
    /* distinct prefix lengths, longest first */
    for (int l = 32; l >= 0; l--)
        for (size_t i = 0; i < db->nv4; i++)
            if (db->v4[i].plen == l) {
                db->v4_plens[db->nv4_plens++] = (uint8_t)l;
                break;
            }
    for (int l = 128; l >= 0; l--)
        for (size_t i = 0; i < db->nv6; i++)
            if (db->v6[i].plen == l) {
                db->v6_plens[db->nv6_plens++] = (uint8_t)l;
                break;
            }
    return VIGIL_OK;
}

vigil_status vigil_netioc_builder_finish(vigil_netioc_builder *b, vigil_netioc_db **out)
{
    *out = NULL;
    if (b == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_netioc_db *db = calloc(1, sizeof *db);
    if (db == NULL)
        return VIGIL_ERR_NOMEM;
    db->set = b->set;
    db->nind = vigil_intel_set_count(db->set);
    db->ind = calloc(db->nind ? db->nind : 1, sizeof *db->ind);
    if (db->ind == NULL) {
        free(db);
        return VIGIL_ERR_NOMEM;
    }
    b->set = NULL;
    for (size_t i = 0; i < db->nind; i++) {
        const vigil_intel_entry *e = vigil_intel_set_at(db->set, i);
        db->ind[i].type = e->type;
        db->ind[i].value = e->value;
        db->ind[i].score = e->score > 0 ? e->score : 100;
        db->ind[i].description = e->description;
        db->ind[i].source = e->origins[0].source;
        db->ind[i].line = e->origins[0].line;
    }
    vigil_status st = build(db, &b->diag);
    if (st == VIGIL_OK)
        st = vigil_intel_set_create(&b->set); /* the builder stays usable */
    if (st != VIGIL_OK) {
        vigil_netioc_db_destroy(db);
        return st;
    }
    *out = db;
    return VIGIL_OK;
}

void vigil_netioc_db_destroy(vigil_netioc_db *db)
{
    if (db == NULL)
        return;
    hs_free_database(db->hs);
    vigil_intel_set_destroy(db->set);
    free(db->ind);
    free(db->pat);
    free(db->v4);
    free(db->v6);
    free(db);
}

size_t vigil_netioc_db_count(const vigil_netioc_db *db)
{
    return db != NULL ? db->nind : 0;
}

const vigil_netioc_indicator *vigil_netioc_db_at(const vigil_netioc_db *db, size_t i)
{
    if (db == NULL || i >= db->nind)
        return NULL;
    return &db->ind[i];
}

vigil_status vigil_netioc_scratch_create(const vigil_netioc_db *db, vigil_netioc_scratch **out)
{
    *out = NULL;
    if (db == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_netioc_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    if (db->hs != NULL && hs_alloc_scratch(db->hs, &s->hs) != HS_SUCCESS) {
        free(s);
        return VIGIL_ERR_NOMEM;
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_netioc_scratch_destroy(vigil_netioc_scratch *s)
{
    if (s == NULL)
        return;
    hs_free_scratch(s->hs);
    free(s);
}

size_t vigil_netioc_match_addr(const vigil_netioc_db *db, int family, const uint8_t *addr,
                               int (*fn)(size_t indicator, void *user), void *user)
{
    size_t hits = 0;
    if (db == NULL || addr == NULL)
        return 0;
    if (family == AF_INET) {
        uint32_t ip =
            (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
        for (size_t k = 0; k < db->nv4_plens; k++) {
            v4_entry key;
            key.plen = db->v4_plens[k];
            key.net = key.plen == 0 ? 0 : ip & (0xffffffffu << (32 - key.plen));
            const v4_entry *e = bsearch(&key, db->v4, db->nv4, sizeof key, cmp_v4);
            if (e != NULL) {
                hits++;
                if (fn != NULL && fn(e->ind, user))
                    return hits;
            }
        }
    } else if (family == AF_INET6) {
        for (size_t k = 0; k < db->nv6_plens; k++) {
            v6_entry key;
            key.plen = db->v6_plens[k];
            memcpy(key.net, addr, 16);
            mask_bits(key.net, 128, key.plen);
            const v6_entry *e = bsearch(&key, db->v6, db->nv6, sizeof key, cmp_v6);
            if (e != NULL) {
                hits++;
                if (fn != NULL && fn(e->ind, user))
                    return hits;
            }
        }
    }
    return hits;
}

/* ---- scanning ------------------------------------------------------------ */

typedef struct scan_ctx {
    const vigil_netioc_db *db;
    const char *buf;
    size_t len;
    uint64_t base_offset;
    size_t cursor;  /* newlines counted up to here */
    uint64_t line;  /* line at cursor */
    size_t v6_done; /* end of the last IPv6 candidate run examined */
    size_t seen[LINE_SEEN_MAX];
    size_t nseen;
    uint64_t seen_line;
    vigil_netioc_fn fn;
    void *user;
    int aborted;
    /* for the address lookups */
    size_t hit_start, hit_len;
} scan_ctx;

static int domain_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_';
}

static void advance_line(scan_ctx *c, size_t pos)
{
    while (c->cursor < pos) {
        const char *nl = memchr(c->buf + c->cursor, '\n', pos - c->cursor);
        if (nl == NULL) {
            c->cursor = pos;
            break;
        }
        c->line++;
        c->cursor = (size_t)(nl - c->buf) + 1;
    }
}

static int report(scan_ctx *c, size_t start, size_t len, size_t ind)
{
    advance_line(c, start);
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
    if (c->fn(&h, c->user)) {
        c->aborted = 1;
        return 1;
    }
    return 0;
}

static int addr_hit(size_t ind, void *user)
{
    scan_ctx *c = user;
    return report(c, c->hit_start, c->hit_len, ind);
}

static int check_v4(scan_ctx *c, size_t end)
{
    const char *b = c->buf;
    if (end < c->len && (isdigit((unsigned char)b[end]) ||
                         (b[end] == '.' && end + 1 < c->len && isdigit((unsigned char)b[end + 1]))))
        return 0; /* not the end of the dotted run */
    size_t s = end;
    while (s > 0 && end - s < 16 && (isdigit((unsigned char)b[s - 1]) || b[s - 1] == '.'))
        s--;
    if (s > 0 && (isdigit((unsigned char)b[s - 1]) || b[s - 1] == '.'))
        return 0; /* longer than an address */
    char tmp[16];
    if (end - s >= sizeof tmp)
        return 0;
    memcpy(tmp, b + s, end - s);
    tmp[end - s] = '\0';
    uint8_t bin[4];
    if (inet_pton(AF_INET, tmp, bin) != 1)
        return 0;
    c->hit_start = s;
    c->hit_len = end - s;
    vigil_netioc_match_addr(c->db, AF_INET, bin, addr_hit, c);
    return c->aborted;
}

static int v6_char(unsigned char ch)
{
    return isxdigit(ch) || ch == ':' || ch == '.';
}

static int check_v6(scan_ctx *c, size_t end)
{
    const char *b = c->buf;
    if (end < c->v6_done)
        return 0;
    size_t s = end, e = end;
    while (s > 0 && end - s < 48 && v6_char((unsigned char)b[s - 1]))
        s--;
    while (e < c->len && e - s < 64 && v6_char((unsigned char)b[e]))
        e++;
    c->v6_done = e;
    if ((s > 0 && (isalnum((unsigned char)b[s - 1]) || b[s - 1] == '_')) ||
        (e < c->len && (isalnum((unsigned char)b[e]) || b[e] == '_')))
        return 0;
    while (e > s && (b[e - 1] == '.' || (b[e - 1] == ':' && !(e - s >= 2 && b[e - 2] == ':'))))
        e--; /* sentence punctuation, "addr:" but not a trailing "::" */
    char tmp[64];
    if (e - s < 2 || e - s >= sizeof tmp)
        return 0;
    memcpy(tmp, b + s, e - s);
    tmp[e - s] = '\0';
    uint8_t bin[16];
    if (inet_pton(AF_INET6, tmp, bin) != 1)
        return 0;
    c->hit_start = s;
    c->hit_len = e - s;
    vigil_netioc_match_addr(c->db, AF_INET6, bin, addr_hit, c);
    return c->aborted;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *user)
{
    scan_ctx *c = user;
    const pattern *p = &c->db->pat[id];
    const unsigned char *b = (const unsigned char *)c->buf;
    size_t end = (size_t)to;
    (void)from;
    (void)flags;
    switch (p->kind) {
    case PAT_V4:
        return check_v4(c, end);
    case PAT_V6:
        return check_v6(c, end);
    case PAT_DNSFORM:
        return report(c, end - p->len, p->len, p->ind);
    default:
        break;
    }
    size_t start = end - p->len;
    /* label boundary before: a subdomain dot is fine for a domain, not for
     * the host of a URL */
    if (start > 0 && (domain_char(b[start - 1]) || (p->kind == PAT_URL && b[start - 1] == '.')))
        return 0;
    /* and after: evil.com must not continue as evil.com-x or evil.com.other;
     * a URL ending in / ? = & is a prefix of longer URLs */
    unsigned char last = b[end - 1];
    int open_end = p->kind == PAT_URL && (last == '/' || last == '?' || last == '=' || last == '&');
    if (end < c->len && !open_end) {
        unsigned char n = b[end];
        if (domain_char(n) || (p->kind == PAT_URL && (n == '%' || n == '~')))
            return 0;
        if (n == '.' && end + 1 < c->len && domain_char(b[end + 1]))
            return 0;
    }
    return report(c, start, p->len, p->ind);
}

vigil_status vigil_netioc_scan(const vigil_netioc_db *db, vigil_netioc_scratch *s, const char *buf,
                               size_t len, uint64_t first_line, uint64_t base_offset,
                               vigil_netioc_fn fn, void *user)
{
    if (db == NULL || s == NULL || fn == NULL || (buf == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (db->hs == NULL || len == 0)
        return VIGIL_OK;
    if (len > UINT32_MAX)
        return VIGIL_ERR_LIMIT;
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.db = db;
    c.buf = buf;
    c.len = len;
    c.base_offset = base_offset;
    c.line = first_line;
    c.seen_line = 0;
    c.fn = fn;
    c.user = user;
    hs_error_t r = hs_scan(db->hs, buf, (unsigned)len, 0, s->hs, on_match, &c);
    if (c.aborted)
        return VIGIL_ERR_ABORTED;
    if (r != HS_SUCCESS && r != HS_SCAN_TERMINATED)
        return VIGIL_ERR_INTERNAL;
    return VIGIL_OK;
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
