/* blocklist.c - the merged intel set through the guard into the sorted,
 * merged lists every blocklist writer reads, and the dispatch to them.
 *
 * Collection is the same for every format (what is refused, folded or not
 * applicable is decided once and counted), so converting one alert to RPZ
 * and to nftables blocks the same C2 infrastructure. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "intel/blocklist_internal.h"

static const char *const format_names[VIGIL_BLOCKLIST_FORMAT_COUNT] = {
    "rpz", "hosts", "dnsmasq", "nft", "ipset", "suricata", "zeek", "squid", "windows-firewall",
};

const char *vigil_blocklist_format_name(vigil_blocklist_format fmt)
{
    return (unsigned)fmt < VIGIL_BLOCKLIST_FORMAT_COUNT ? format_names[fmt] : "unknown";
}

vigil_status vigil_blocklist_format_parse(const char *name, vigil_blocklist_format *out)
{
    for (int i = 0; name != NULL && i < VIGIL_BLOCKLIST_FORMAT_COUNT; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (vigil_blocklist_format)i;
            return VIGIL_OK;
        }
    }
    return VIGIL_ERR_NOT_FOUND;
}

/* ---- helpers for the writers ---------------------------------------------- */

void bl_clean(const char *in, char *buf, size_t cap)
{
    size_t o = 0;
    for (; in != NULL && *in && o + 1 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        buf[o++] = (c < 0x20 || c == 0x7f || c == '"' || c == ';' || c == '\\' || c == '\'')
                       ? '_'
                       : (char)c;
    }
    buf[o] = '\0';
}

void bl_source_of(const vigil_intel_entry *e, char *buf, size_t cap)
{
    const char *s = e->norigins > 0 && e->origins[0].source ? e->origins[0].source : "";
    bl_clean(vigil_path_basename(s), buf, cap);
}

void bl_when(int64_t now, char *buf, size_t cap)
{
    time_t t = (time_t)now;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, cap, "%lld", (long long)now);
}

void bl_error(const bl_data *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const vigil_diag_sink sink = {d->opts->on_diag, d->opts->diag_user};
    vigil_diagf(&sink, VIGIL_DIAG_ERROR, VIGIL_ERR_INVALID_ARG, NULL, 0, "%s", msg);
}

int bl_ip_family(const char *s)
{
    unsigned char b[16];
    if (s == NULL)
        return 0;
    if (inet_pton(AF_INET, s, b) == 1)
        return 4;
    if (inet_pton(AF_INET6, s, b) == 1)
        return 6;
    return 0;
}

/* ---- collection ----------------------------------------------------------- */

static int cmp_domain(const void *a, const void *b)
{
    return strcmp(((const bl_domain *)a)->name, ((const bl_domain *)b)->name);
}

static int domain_listed(const bl_data *d, const char *name)
{
    bl_domain key = {name, NULL, 0};
    return bsearch(&key, d->domains, d->ndomains, sizeof key, cmp_domain) != NULL;
}

/* Marks each domain whose parent is listed too. */
static void fold_subdomains(bl_data *d)
{
    for (size_t i = 0; i < d->ndomains; i++) {
        for (const char *p = strchr(d->domains[i].name, '.'); p != NULL; p = strchr(p + 1, '.')) {
            if (domain_listed(d, p + 1)) {
                d->domains[i].folded = 1;
                d->stats->folded++;
                break;
            }
        }
    }
}

/* Which types a format can block. */
static int takes(vigil_blocklist_format f, vigil_intel_type t)
{
    int dns = f == VIGIL_BLOCKLIST_RPZ || f == VIGIL_BLOCKLIST_HOSTS ||
              f == VIGIL_BLOCKLIST_DNSMASQ || f == VIGIL_BLOCKLIST_SURICATA ||
              f == VIGIL_BLOCKLIST_ZEEK || f == VIGIL_BLOCKLIST_SQUID;
    int ip = f != VIGIL_BLOCKLIST_HOSTS && f != VIGIL_BLOCKLIST_DNSMASQ;
    if (t == VIGIL_INTEL_DOMAIN)
        return dns;
    if (t == VIGIL_INTEL_IP || t == VIGIL_INTEL_CIDR)
        return ip;
    if (t == VIGIL_INTEL_URL)
        return f == VIGIL_BLOCKLIST_ZEEK;
    return 0;
}

static vigil_status collect(const vigil_intel_set *set, const vigil_blocklist_guard *guard,
                            bl_data *d)
{
    const vigil_blocklist_options *o = d->opts;
    const vigil_diag_sink sink = {o->on_diag, o->diag_user};
    size_t n = vigil_intel_set_count(set);
    vigil_net *nets = NULL;
    size_t nn = 0;

    d->domains = calloc(n ? n : 1, sizeof *d->domains);
    d->addrs = calloc(n ? n : 1, sizeof *d->addrs);
    d->urls = calloc(n ? n : 1, sizeof *d->urls);
    nets = calloc(n ? n : 1, sizeof *nets);
    if (d->domains == NULL || d->addrs == NULL || d->urls == NULL || nets == NULL) {
        free(nets);
        return VIGIL_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const vigil_intel_entry *e = vigil_intel_set_at(set, i);
        if (!takes(o->format, e->type)) {
            d->stats->not_applicable++;
            continue;
        }
        const char *why = NULL;
        vigil_block_reason r = vigil_blocklist_guard_check(guard, e->type, e->value, &why);
        if (r != VIGIL_BLOCK_OK) {
            const vigil_intel_origin *og = e->norigins ? &e->origins[0] : NULL;
            d->stats->refused++;
            d->stats->refused_by[r]++;
            vigil_diagf(&sink, VIGIL_DIAG_WARNING, VIGIL_OK, og ? og->source : NULL,
                        og ? og->line : 0, "not blocked: %s %s: %s%s%s%s",
                        vigil_intel_type_name(e->type), e->value, vigil_block_reason_name(r),
                        why && strcmp(why, e->value) != 0 ? " (" : "",
                        why && strcmp(why, e->value) != 0 ? why : "",
                        why && strcmp(why, e->value) != 0 ? ")" : "");
            continue;
        }
        if (e->type == VIGIL_INTEL_DOMAIN) {
            d->domains[d->ndomains].name = e->value;
            d->domains[d->ndomains++].entry = e;
        } else if (e->type == VIGIL_INTEL_URL) {
            d->urls[d->nurls++] = e;
        } else if (vigil_net_parse(e->value, &nets[nn]) == 0) {
            nn++;
            d->addrs[d->naddrs++] = e;
        }
    }
    qsort(d->domains, d->ndomains, sizeof *d->domains, cmp_domain);
    if (o->format != VIGIL_BLOCKLIST_HOSTS && o->format != VIGIL_BLOCKLIST_ZEEK)
        fold_subdomains(d); /* those two match exact names only */
    vigil_status st = vigil_net_merge(nets, nn, &d->nets, &d->nnets);
    free(nets);
    d->stats->domains = d->ndomains;
    d->stats->addresses = d->naddrs;
    d->stats->networks = d->nnets;
    return st;
}

/* A zone name with its trailing dot, or NULL when it is not a domain. */
static char *zone_of(const char *zone)
{
    size_t n = strlen(zone);
    if (n == 0 || n > 253)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = zone[i];
        if (!(vigil_is_alnum(c) || c == '-' || c == '_' || c == '.') ||
            (c == '.' && (i == 0 || zone[i - 1] == '.')))
            return NULL;
    }
    char *z = malloc(n + 2);
    if (z == NULL)
        return NULL;
    memcpy(z, zone, n + 1);
    if (z[n - 1] != '.')
        memcpy(z + n, ".", 2);
    for (char *p = z; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    return z;
}

static vigil_status (*const writers[VIGIL_BLOCKLIST_FORMAT_COUNT])(FILE *, const bl_data *) = {
    bl_write_rpz,  bl_write_hosts, bl_write_dnsmasq,
    bl_write_nft,  bl_write_ipset, bl_write_suricata,
    bl_write_zeek, bl_write_squid, bl_write_windows_firewall,
};

vigil_status vigil_blocklist_write(const vigil_intel_set *set, FILE *fp,
                                   const vigil_blocklist_options *opts,
                                   vigil_blocklist_stats *stats)
{
    vigil_blocklist_stats local;
    vigil_blocklist_guard *own = NULL;
    char *zone = NULL;
    bl_data d;
    vigil_status st;

    if (set == NULL || fp == NULL || opts == NULL ||
        (unsigned)opts->format >= VIGIL_BLOCKLIST_FORMAT_COUNT)
        return VIGIL_ERR_INVALID_ARG;
    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    memset(&d, 0, sizeof d);
    d.opts = opts;
    d.stats = stats;
    d.now = opts->now ? opts->now : (int64_t)time(NULL);
    zone = zone_of(opts->zone ? opts->zone : "rpz.vigil.");
    if (zone == NULL) {
        bl_error(&d, "--zone '%s' is not a domain name", opts->zone ? opts->zone : "");
        return VIGIL_ERR_INVALID_ARG;
    }
    d.zone = zone;
    const vigil_blocklist_guard *guard = opts->guard;
    if (guard == NULL) {
        st = vigil_blocklist_guard_create(&own);
        if (st != VIGIL_OK) {
            free(zone);
            return st;
        }
        guard = own;
    }
    st = collect(set, guard, &d);
    if (st == VIGIL_OK)
        st = writers[opts->format](fp, &d);
    if (st == VIGIL_OK && (fflush(fp) != 0 || ferror(fp)))
        st = VIGIL_ERR_IO;
    free(d.domains);
    free((void *)d.addrs);
    free((void *)d.urls);
    free(d.nets);
    free(zone);
    vigil_blocklist_guard_destroy(own);
    return st;
}
