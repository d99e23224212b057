/* blocklist_dns.c - blocklists by name: a DNS Response Policy Zone, a hosts
 * file, dnsmasq address lines and Squid ACLs.
 *
 * Resolvers are where an MSP blocks C2 for every client at once. An RPZ is
 * read by BIND, Unbound, Knot Resolver and PowerDNS Recursor alike; hosts
 * and dnsmasq cover small sites and routers; a Squid ACL covers proxied
 * networks. Each format gets names as its ecosystem expects them: RPZ with
 * its SOA and explicit $ORIGIN and a wildcard for subdomains, dnsmasq and
 * Squid with their own domain-and-subdomains forms, hosts with exact names
 * (it has no wildcards). Subdomains of a listed domain are left out where
 * the parent's entry already covers them (Squid even warns about them). */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "core/util.h"
#include "intel/blocklist_internal.h"

/* The RPZ owner name of an IP trigger: prefix length, then the address
 * reversed (IPv4 octets; IPv6 16-bit groups with "zz" for the longest run
 * of zero groups, as in draft-vixie-dnsop-dns-rpz). */
static void rpz_ip_owner(const vigil_net *n, char *buf, size_t cap)
{
    size_t o = 0;
    o += (size_t)snprintf(buf, cap, "%u", (unsigned)n->prefix);
    if (n->family == 4) {
        for (int i = 3; i >= 0 && o < cap; i--)
            o += (size_t)snprintf(buf + o, cap - o, ".%u", (unsigned)n->addr[i]);
    } else {
        unsigned g[8];
        int best = -1, bestlen = 1;
        for (int i = 0; i < 8; i++)
            g[i] = (unsigned)n->addr[2 * i] << 8 | n->addr[2 * i + 1];
        for (int i = 0; i < 8;) {
            int j = i;
            while (j < 8 && g[j] == 0)
                j++;
            if (j - i > bestlen) {
                best = i;
                bestlen = j - i;
            }
            i = j > i ? j : i + 1;
        }
        for (int i = 7; i >= 0 && o < cap; i--) {
            if (best >= 0 && i >= best && i < best + bestlen) {
                if (i == best)
                    o += (size_t)snprintf(buf + o, cap - o, ".zz");
                continue;
            }
            o += (size_t)snprintf(buf + o, cap - o, ".%x", g[i]);
        }
    }
    if (o < cap)
        snprintf(buf + o, cap - o, ".rpz-ip");
}

/* A host name usable as an absolute CNAME target ("sink.example."). */
static int host_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(vigil_is_alnum(s[i]) || s[i] == '-' || s[i] == '_' ||
              (s[i] == '.' && s[i + 1] != '.')))
            return 0;
    return 1;
}

vigil_status bl_write_rpz(FILE *fp, const bl_data *d)
{
    char when[64], action[300], owner[128], src[256], ip[64];
    const char *sink = d->opts->sinkhole;
    int fam = bl_ip_family(sink);

    if (sink == NULL)
        snprintf(action, sizeof action, "CNAME .");
    else if (fam == 4)
        snprintf(action, sizeof action, "A %s", sink);
    else if (fam == 6)
        snprintf(action, sizeof action, "AAAA %s", sink);
    else if (host_name_ok(sink))
        snprintf(action, sizeof action, "CNAME %s%s", sink,
                 sink[strlen(sink) - 1] == '.' ? "" : ".");
    else {
        bl_error(d, "--sinkhole '%s' is neither an IP address nor a host name", sink);
        return VIGIL_ERR_INVALID_ARG;
    }
    bl_when(d->now, when, sizeof when);
    fprintf(fp,
            "; DNS Response Policy Zone of C2 domains and addresses,\n"
            "; written by vigil iocs convert on %s.\n"
            "; Policy: %s for each domain and its subdomains, and for answers\n"
            "; holding a C2 address (rpz-ip triggers).\n"
            "; Unbound: rpz: name: \"%s\" zonefile: \"FILE\"\n"
            "; BIND: response-policy { zone \"%s\"; }; with zone \"%s\" { type primary; file "
            "\"FILE\"; };\n"
            "$ORIGIN %s\n"
            "$TTL 300\n"
            "@ IN SOA localhost. hostmaster.localhost. ( %lu 3600 600 604800 300 )\n"
            "@ IN NS localhost.\n",
            when, sink == NULL ? "NXDOMAIN" : "answer with the sinkhole", d->zone, d->zone, d->zone,
            d->zone, (unsigned long)(uint32_t)d->now);
    for (size_t i = 0; i < d->ndomains; i++) {
        const bl_domain *dm = &d->domains[i];
        if (dm->folded)
            continue;
        bl_source_of(dm->entry, src, sizeof src);
        fprintf(fp, "; %s%s%s\n%s %s\n*.%s %s\n", dm->name, src[0] ? " from " : "", src, dm->name,
                action, dm->name, action);
    }
    for (size_t i = 0; i < d->nnets; i++) {
        vigil_net_format(&d->nets[i], ip, sizeof ip);
        rpz_ip_owner(&d->nets[i], owner, sizeof owner);
        fprintf(fp, "; %s\n%s %s\n", ip, owner, action);
    }
    return VIGIL_OK;
}

vigil_status bl_write_hosts(FILE *fp, const bl_data *d)
{
    char when[64];
    const char *sink = d->opts->sinkhole ? d->opts->sinkhole : "0.0.0.0";
    if (bl_ip_family(sink) == 0) {
        bl_error(d, "--sinkhole '%s': a hosts file needs an IP address", sink);
        return VIGIL_ERR_INVALID_ARG;
    }
    bl_when(d->now, when, sizeof when);
    fprintf(fp,
            "# C2 domains sent to %s, written by vigil iocs convert on %s.\n"
            "# A hosts file matches exact names only: subdomains not listed here\n"
            "# are not blocked (use rpz or dnsmasq for whole domains).\n",
            sink, when);
    for (size_t i = 0; i < d->ndomains; i++)
        fprintf(fp, "%s %s\n", sink, d->domains[i].name);
    return VIGIL_OK;
}

vigil_status bl_write_dnsmasq(FILE *fp, const bl_data *d)
{
    char when[64];
    const char *sink = d->opts->sinkhole;
    if (sink != NULL && bl_ip_family(sink) == 0) {
        bl_error(d, "--sinkhole '%s': dnsmasq needs an IP address", sink);
        return VIGIL_ERR_INVALID_ARG;
    }
    bl_when(d->now, when, sizeof when);
    fprintf(fp,
            "# C2 domains and their subdomains %s, written by vigil iocs convert on %s.\n"
            "# Use as conf-file=FILE (or drop it in /etc/dnsmasq.d/).\n",
            sink ? "sent to the sinkhole" : "answered NXDOMAIN", when);
    for (size_t i = 0; i < d->ndomains; i++)
        if (!d->domains[i].folded)
            fprintf(fp, "address=/%s/%s\n", d->domains[i].name, sink ? sink : "");
    return VIGIL_OK;
}

vigil_status bl_write_squid(FILE *fp, const bl_data *d)
{
    char when[64], buf[64];
    size_t nd = 0;
    bl_when(d->now, when, sizeof when);
    fprintf(fp,
            "# C2 domains and addresses denied, written by vigil iocs convert on %s.\n"
            "# Include it before the http_access allow lines of squid.conf:\n"
            "#   include /etc/squid/conf.d/vigil-blocklist.conf\n",
            when);
    for (size_t i = 0; i < d->ndomains; i++) {
        if (d->domains[i].folded)
            continue;
        fprintf(fp, "acl vigil_c2_domains dstdomain .%s\n", d->domains[i].name);
        nd++;
    }
    for (size_t i = 0; i < d->nnets; i++) {
        vigil_net_format(&d->nets[i], buf, sizeof buf);
        fprintf(fp, "acl vigil_c2_addresses dst %s\n", buf);
    }
    if (nd > 0)
        fputs("http_access deny vigil_c2_domains\n", fp);
    if (d->nnets > 0)
        fputs("http_access deny vigil_c2_addresses\n", fp);
    return VIGIL_OK;
}
