/* blocklist_guard.c - the values a blocklist must never hold.
 *
 * Feeds contain mistakes: a sandbox report lists 8.8.8.8 and the resolver
 * it used, a regex-extracted "domain" is co.uk, a shared host is listed as
 * google.com. Blocked, each cuts every client of an MSP off. The guard
 * refuses special-purpose address ranges (RFC 6890: private, loopback,
 * link-local, multicast, reserved), CIDRs wide enough to be a mistake,
 * bare public suffixes (publicsuffix.org rules, or a small built-in list)
 * and what an allow-list protects: the shipped list of major providers and
 * the user's own. Domains are kept label-reversed in sorted arrays so a
 * domain's parents are exact look-ups and its subdomains one range. */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "intel/blocklist_internal.h"
#include "intel/intel_loaders.h"

typedef struct name_list {
    char **v; /* reversed names ("moc.elgoog"), sorted after seal */
    size_t n, cap;
    int sorted;
} name_list;

typedef struct allow_net {
    vigil_net net;
    char text[64];
} allow_net;

struct vigil_blocklist_guard {
    name_list allow;    /* reversed domains */
    name_list suffixes; /* reversed rules: "ku.oc", "kc.*" (wildcard), "!" prefix kept in front */
    int have_suffixes;  /* a full list was loaded */
    allow_net *nets;
    size_t nnets, capnets;
};

static const struct {
    const char *cidr;
    vigil_block_reason reason;
} special_ranges[] = {
    {"10.0.0.0/8", VIGIL_BLOCK_PRIVATE},     {"172.16.0.0/12", VIGIL_BLOCK_PRIVATE},
    {"192.168.0.0/16", VIGIL_BLOCK_PRIVATE}, {"100.64.0.0/10", VIGIL_BLOCK_PRIVATE},
    {"fc00::/7", VIGIL_BLOCK_PRIVATE},       {"127.0.0.0/8", VIGIL_BLOCK_LOOPBACK},
    {"::1/128", VIGIL_BLOCK_LOOPBACK},       {"169.254.0.0/16", VIGIL_BLOCK_LINK_LOCAL},
    {"fe80::/10", VIGIL_BLOCK_LINK_LOCAL},   {"224.0.0.0/4", VIGIL_BLOCK_MULTICAST},
    {"ff00::/8", VIGIL_BLOCK_MULTICAST},     {"0.0.0.0/8", VIGIL_BLOCK_RESERVED},
    {"240.0.0.0/4", VIGIL_BLOCK_RESERVED},   {"::/128", VIGIL_BLOCK_RESERVED},
    {"::ffff:0:0/96", VIGIL_BLOCK_RESERVED},
};

/* Used until a full publicsuffix.org list is loaded: the common suffixes
 * of two labels or more (a value of one label is never a domain here). */
static const char builtin_suffixes[] =
    "co.uk org.uk ac.uk gov.uk ltd.uk plc.uk me.uk net.uk nhs.uk police.uk sch.uk "
    "com.au net.au org.au gov.au edu.au id.au co.nz org.nz net.nz govt.nz "
    "co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr ne.kr go.kr "
    "com.cn net.cn org.cn gov.cn edu.cn com.hk org.hk net.hk com.tw org.tw net.tw "
    "com.sg org.sg edu.sg com.my org.my co.in net.in org.in gov.in co.id or.id go.id "
    "co.th or.th in.th go.th com.ph com.vn com.pk "
    "com.br net.br org.br gov.br com.mx org.mx gob.mx com.ar org.ar com.co com.pe "
    "co.za org.za gov.za com.ng com.eg co.ke com.tr org.tr gov.tr co.il org.il "
    "com.ru org.ru net.ru com.ua org.ua net.ua com.pl net.pl org.pl "
    "github.io gitlab.io blogspot.com herokuapp.com appspot.com azurewebsites.net "
    "cloudapp.net cloudfront.net s3.amazonaws.com web.core.windows.net "
    "blob.core.windows.net firebaseapp.com web.app netlify.app pages.dev workers.dev "
    "vercel.app glitch.me repl.co ngrok.io duckdns.org no-ip.org ddns.net dyndns.org";

const char *vigil_block_reason_name(vigil_block_reason reason)
{
    static const char *const names[VIGIL_BLOCK_REASON_COUNT] = {
        "blockable",        "private address range",  "loopback address range", "link-local range",
        "multicast range",  "reserved address range", "CIDR too broad",         "public suffix",
        "special-use name", "on the allow-list",
    };
    return (unsigned)reason < VIGIL_BLOCK_REASON_COUNT ? names[reason] : "unknown";
}

/* ---- reversed name lists --------------------------------------------------- */

static void reverse_into(const char *s, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = s[n - 1 - i];
    out[n] = '\0';
}

static vigil_status list_add(name_list *l, const char *prefix, const char *name)
{
    size_t pl = strlen(prefix), nl = strlen(name);
    if (VIGIL_ARRAY_RESERVE(l->v, l->cap, l->n + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    char *s = malloc(pl + nl + 1);
    if (s == NULL)
        return VIGIL_ERR_NOMEM;
    memcpy(s, prefix, pl);
    reverse_into(name, s + pl, nl);
    l->v[l->n++] = s;
    l->sorted = 0;
    return VIGIL_OK;
}

static void list_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_seal(name_list *l)
{
    if (!l->sorted && l->n > 0)
        qsort(l->v, l->n, sizeof *l->v, cmp_str);
    l->sorted = 1;
}

static int list_has(const name_list *l, const char *key)
{
    return l->n > 0 && bsearch(&key, l->v, l->n, sizeof *l->v, cmp_str) != NULL;
}

/* The first entry >= key. */
static size_t list_lower(const name_list *l, const char *key)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(l->v[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- create / load ---------------------------------------------------------- */

vigil_status vigil_blocklist_guard_create(vigil_blocklist_guard **out)
{
    vigil_blocklist_guard *g = calloc(1, sizeof *g);
    *out = NULL;
    if (g == NULL)
        return VIGIL_ERR_NOMEM;
    for (const char *p = builtin_suffixes; *p;) {
        char one[64];
        size_t n = strcspn(p, " ");
        if (n > 0 && n < sizeof one) {
            memcpy(one, p, n);
            one[n] = '\0';
            if (list_add(&g->suffixes, "", one) != VIGIL_OK) {
                vigil_blocklist_guard_destroy(g);
                return VIGIL_ERR_NOMEM;
            }
        }
        p += n;
        p += *p == ' ';
    }
    list_seal(&g->suffixes);
    *out = g;
    return VIGIL_OK;
}

void vigil_blocklist_guard_destroy(vigil_blocklist_guard *guard)
{
    if (guard == NULL)
        return;
    list_free(&guard->allow);
    list_free(&guard->suffixes);
    free(guard->nets);
    free(guard);
}

/* Calls fn for each line (without its end) of data. */
typedef vigil_status (*line_fn)(vigil_blocklist_guard *g, const char *line, size_t len,
                                uint64_t lineno, const char *name, const vigil_diag_sink *diag);

static vigil_status each_line(vigil_blocklist_guard *g, const char *name, const char *data,
                              size_t len, line_fn fn, const vigil_diag_sink *diag)
{
    uint64_t lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t n = end - pos;
        lineno++;
        if (n > 0 && data[pos + n - 1] == '\r')
            n--;
        vigil_status st = fn(g, data + pos, n, lineno, name, diag);
        if (st != VIGIL_OK)
            return st;
        pos = end + 1;
    }
    return VIGIL_OK;
}

static vigil_status add_allow_line(vigil_blocklist_guard *g, const char *line, size_t len,
                                   uint64_t lineno, const char *name, const vigil_diag_sink *diag)
{
    char buf[1024];
    const char *why = NULL;
    vigil_intel_type type;
    size_t n = len;

    const char *hash = memchr(line, '#', len);
    if (hash != NULL)
        n = (size_t)(hash - line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    while (n > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        n--;
    }
    if (n == 0)
        return VIGIL_OK;
    if (vigil_intel_infer(line, n, &type) != VIGIL_OK ||
        (type != VIGIL_INTEL_DOMAIN && type != VIGIL_INTEL_IP && type != VIGIL_INTEL_CIDR) ||
        vigil_intel_normalise(&type, line, n, buf, sizeof buf, &why) != VIGIL_OK) {
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_PARSE, name, lineno,
                    "allow-list entry is not a domain, IP or CIDR%s%s; ignored", why ? ": " : "",
                    why ? why : "");
        return VIGIL_OK;
    }
    if (type == VIGIL_INTEL_DOMAIN)
        return list_add(&g->allow, "", buf);
    if (VIGIL_ARRAY_RESERVE(g->nets, g->capnets, g->nnets + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    allow_net *a = &g->nets[g->nnets];
    if (vigil_net_parse(buf, &a->net) != 0)
        return VIGIL_OK;
    vigil_net_format(&a->net, a->text, sizeof a->text);
    g->nnets++;
    return VIGIL_OK;
}

vigil_status vigil_blocklist_guard_add_allow(vigil_blocklist_guard *guard, const char *name,
                                             const char *data, size_t len, vigil_diag_fn on_diag,
                                             void *diag_user)
{
    const vigil_diag_sink sink = {on_diag, diag_user};
    if (guard == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    vigil_status st = each_line(guard, name, data, len, add_allow_line, &sink);
    list_seal(&guard->allow);
    return st;
}

static vigil_status add_suffix_line(vigil_blocklist_guard *g, const char *line, size_t len,
                                    uint64_t lineno, const char *name, const vigil_diag_sink *diag)
{
    char rule[512];
    size_t n = 0;
    const char *prefix = "";
    int ascii = 1;

    while (n < len && line[n] != ' ' && line[n] != '\t')
        n++;
    if (n == 0 || (n >= 2 && line[0] == '/' && line[1] == '/'))
        return VIGIL_OK;
    if (n >= sizeof rule) {
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, name, lineno,
                    "public suffix rule too long; ignored");
        return VIGIL_OK;
    }
    if (line[0] == '!') {
        prefix = "!";
        line++;
        n--;
    } else if (n >= 2 && line[0] == '*' && line[1] == '.') {
        prefix = "*.";
        line += 2;
        n -= 2;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        rule[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        ascii &= c < 0x80;
    }
    rule[n] = '\0';
    if (n == 0)
        return VIGIL_OK;
    if (!ascii) {
        char *ace = NULL;
        if (idn2_to_ascii_8z(rule, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK ||
            ace == NULL || strlen(ace) >= sizeof rule) {
            idn2_free(ace);
            vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_PARSE, name, lineno,
                        "public suffix rule is not a valid IDN; ignored");
            return VIGIL_OK;
        }
        memcpy(rule, ace, strlen(ace) + 1);
        idn2_free(ace);
    }
    /* "*.ck" is stored as "kc.*": the wildcard sits after the parent. */
    if (strcmp(prefix, "*.") == 0) {
        char tmp[520];
        snprintf(tmp, sizeof tmp, "*.%s", rule);
        return list_add(&g->suffixes, "", tmp);
    }
    return list_add(&g->suffixes, prefix, rule);
}

vigil_status vigil_blocklist_guard_add_suffixes(vigil_blocklist_guard *guard, const char *name,
                                                const char *data, size_t len, vigil_diag_fn on_diag,
                                                void *diag_user)
{
    const vigil_diag_sink sink = {on_diag, diag_user};
    if (guard == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (!guard->have_suffixes) {
        list_free(&guard->suffixes);
        guard->have_suffixes = 1;
    }
    vigil_status st = each_line(guard, name, data, len, add_suffix_line, &sink);
    list_seal(&guard->suffixes);
    return st;
}

/* ---- checks ------------------------------------------------------------------ */

static int is_public_suffix(const vigil_blocklist_guard *g, const char *rev, size_t n)
{
    char key[600];
    if (n + 3 > sizeof key)
        return 0;
    key[0] = '!';
    memcpy(key + 1, rev, n + 1);
    if (list_has(&g->suffixes, key))
        return 0; /* an exception: a registrable name */
    if (list_has(&g->suffixes, rev))
        return 1;
    /* "*.parent": rev is "tnerap.label"; the rule is stored as "tnerap.*" */
    const char *dot = strrchr(rev, '.');
    if (dot == NULL)
        return 0;
    size_t pl = (size_t)(dot - rev);
    memcpy(key, rev, pl);
    memcpy(key + pl, ".*", 3);
    return list_has(&g->suffixes, key);
}

/* Special-use names (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal):
 * they only ever resolve inside a network, so a feed listing one is wrong. */
static const char *special_name(const char *value)
{
    static const char *const tlds[] = {"local", "localhost", "internal", "invalid", "arpa"};
    const char *last = strrchr(value, '.');
    last = last ? last + 1 : value;
    for (size_t i = 0; i < sizeof tlds / sizeof tlds[0]; i++)
        if (strcmp(last, tlds[i]) == 0)
            return tlds[i];
    return NULL;
}

static vigil_block_reason check_domain(const vigil_blocklist_guard *g, const char *value,
                                       const char **why, char *scratch, size_t cap)
{
    const char *special = special_name(value);
    if (special != NULL) {
        *why = special;
        return VIGIL_BLOCK_SPECIAL_NAME;
    }
    size_t n = strlen(value);
    char rev[600];
    if (n + 2 > sizeof rev)
        return VIGIL_BLOCK_OK;
    reverse_into(value, rev, n);
    if (is_public_suffix(g, rev, n)) {
        *why = value;
        return VIGIL_BLOCK_PUBLIC_SUFFIX;
    }
    /* the domain itself or a parent allowed */
    for (size_t i = 1; i <= n; i++) {
        if (i < n && rev[i] != '.')
            continue;
        char save = rev[i];
        rev[i] = '\0';
        int hit = list_has(&g->allow, rev);
        rev[i] = save;
        if (hit) {
            reverse_into(rev, scratch, i < cap ? i : cap - 1);
            *why = scratch;
            return VIGIL_BLOCK_ALLOWED;
        }
    }
    /* a subdomain allowed: blocking this name (and its tree) would block it */
    rev[n] = '.';
    rev[n + 1] = '\0';
    size_t at = list_lower(&g->allow, rev);
    if (at < g->allow.n && strncmp(g->allow.v[at], rev, n + 1) == 0) {
        size_t l = strlen(g->allow.v[at]);
        reverse_into(g->allow.v[at], scratch, l < cap ? l : cap - 1);
        *why = scratch;
        return VIGIL_BLOCK_ALLOWED;
    }
    return VIGIL_BLOCK_OK;
}

vigil_block_reason vigil_blocklist_guard_check(const vigil_blocklist_guard *guard,
                                               vigil_intel_type type, const char *value,
                                               const char **why)
{
    static _Thread_local char scratch[600];
    static _Thread_local vigil_net specials[sizeof special_ranges / sizeof special_ranges[0]];
    static _Thread_local int parsed;
    const char *dummy;
    vigil_net net;

    if (why == NULL)
        why = &dummy;
    *why = NULL;
    if (value == NULL)
        return VIGIL_BLOCK_OK;
    if (type == VIGIL_INTEL_DOMAIN) {
        static vigil_blocklist_guard empty;
        return check_domain(guard ? guard : &empty, value, why, scratch, sizeof scratch);
    }
    if ((type != VIGIL_INTEL_IP && type != VIGIL_INTEL_CIDR) || vigil_net_parse(value, &net) != 0)
        return VIGIL_BLOCK_OK;
    if (!parsed) {
        for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
            vigil_net_parse(special_ranges[i].cidr, &specials[i]);
        parsed = 1;
    }
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        if (vigil_net_overlaps(&net, &specials[i])) {
            *why = special_ranges[i].cidr;
            return special_ranges[i].reason;
        }
    }
    if ((net.family == 4 && net.prefix < 8) || (net.family == 6 && net.prefix < 16)) {
        *why = net.family == 4 ? "wider than /8" : "wider than /16";
        return VIGIL_BLOCK_TOO_BROAD;
    }
    for (size_t i = 0; guard != NULL && i < guard->nnets; i++) {
        if (vigil_net_overlaps(&net, &guard->nets[i].net)) {
            *why = guard->nets[i].text;
            return VIGIL_BLOCK_ALLOWED;
        }
    }
    return VIGIL_BLOCK_OK;
}
