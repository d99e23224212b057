/* blocklist_net.c - address blocks for firewall blocklists: parsing,
 * overlap, merging, and the nftables, ipset and Windows Firewall writers.
 *
 * Feeds list the same C2 network as a /24 and as single hosts inside it,
 * or neighbouring /25s; nftables refuses overlapping interval elements and
 * every firewall pays per element, so blocks are merged into the fewest
 * CIDRs that cover exactly the same addresses before they are written. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "intel/blocklist_internal.h"

__extension__ typedef unsigned __int128 u128;

int vigil_net_parse(const char *text, vigil_net *out)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    long prefix;
    int bits;

    memset(out, 0, sizeof *out);
    if (alen == 0 || alen >= sizeof addr)
        return -1;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = 4;
        bits = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = 6;
        bits = 128;
    } else {
        return -1;
    }
    prefix = bits;
    if (slash != NULL) {
        char *end;
        if (slash[1] < '0' || slash[1] > '9')
            return -1;
        prefix = strtol(slash + 1, &end, 10);
        if (*end != '\0' || prefix < 0 || prefix > bits)
            return -1;
    }
    out->prefix = (uint8_t)prefix;
    for (int b = (int)prefix; b < bits; b++)
        out->addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
    return 0;
}

void vigil_net_format(const vigil_net *net, char *buf, size_t cap)
{
    char a[INET6_ADDRSTRLEN];
    int bits = net->family == 4 ? 32 : 128;
    if (inet_ntop(net->family == 4 ? AF_INET : AF_INET6, net->addr, a, sizeof a) == NULL)
        a[0] = '\0';
    if (net->prefix == bits)
        snprintf(buf, cap, "%s", a);
    else
        snprintf(buf, cap, "%s/%u", a, (unsigned)net->prefix);
}

static int bits_of(const vigil_net *n)
{
    return n->family == 4 ? 32 : 128;
}

static u128 value_of(const vigil_net *n)
{
    u128 v = 0;
    for (int i = 0; i < bits_of(n) / 8; i++)
        v = (v << 8) | n->addr[i];
    return v;
}

/* The last address of the block. */
static u128 last_of(const vigil_net *n)
{
    int host = bits_of(n) - n->prefix;
    u128 mask = host >= 128 ? ~(u128)0 : (((u128)1 << host) - 1);
    return value_of(n) | mask;
}

static void set_value(vigil_net *n, u128 v)
{
    for (int i = bits_of(n) / 8 - 1; i >= 0; i--) {
        n->addr[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

int vigil_net_overlaps(const vigil_net *a, const vigil_net *b)
{
    if (a->family != b->family)
        return 0;
    return value_of(a) <= last_of(b) && value_of(b) <= last_of(a);
}

static int cmp_net(const void *pa, const void *pb)
{
    const vigil_net *a = pa, *b = pb;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    int c = memcmp(a->addr, b->addr, 16);
    if (c != 0)
        return c;
    return (int)a->prefix - (int)b->prefix; /* the wider block first */
}

/* Appends the fewest CIDRs covering lo..hi; *n counts them (out has room:
 * at most 2 * bits per range). */
static void range_to_cidrs(uint8_t family, u128 lo, u128 hi, vigil_net *out, size_t *n)
{
    int bits = family == 4 ? 32 : 128;
    for (;;) {
        int k = 0; /* host bits of the block starting at lo */
        while (k < bits && ((lo >> k) & 1) == 0) {
            u128 end = k + 1 >= 128 ? ~(u128)0 : lo + (((u128)1 << (k + 1)) - 1);
            if (end > hi || (k + 1 < 128 && end < lo))
                break;
            k++;
        }
        vigil_net *c = &out[(*n)++];
        memset(c, 0, sizeof *c);
        c->family = family;
        c->prefix = (uint8_t)(bits - k);
        set_value(c, lo);
        u128 last = k >= 128 ? ~(u128)0 : lo + (((u128)1 << k) - 1);
        if (last >= hi)
            return;
        lo = last + 1;
    }
}

vigil_status vigil_net_merge(const vigil_net *in, size_t n, vigil_net **out, size_t *nout)
{
    vigil_net *sorted = NULL, *res = NULL;
    size_t cap = 0, m = 0;

    *out = NULL;
    *nout = 0;
    if (n == 0)
        return VIGIL_OK;
    if (n > SIZE_MAX / sizeof *sorted / 4)
        return VIGIL_ERR_NOMEM;
    sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL)
        return VIGIL_ERR_NOMEM;
    memcpy(sorted, in, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_net);
    for (size_t i = 0; i < n;) {
        uint8_t fam = sorted[i].family;
        u128 lo = value_of(&sorted[i]), hi = last_of(&sorted[i]);
        u128 top = fam == 4 ? 0xffffffffu : ~(u128)0;
        size_t j = i + 1;
        while (j < n && sorted[j].family == fam && (hi == top || value_of(&sorted[j]) <= hi + 1)) {
            u128 l = last_of(&sorted[j]);
            if (l > hi)
                hi = l;
            j++;
        }
        size_t need = m + 2 * 128 + 2;
        if (VIGIL_ARRAY_RESERVE(res, cap, need) != VIGIL_OK) {
            free(res);
            free(sorted);
            return VIGIL_ERR_NOMEM;
        }
        range_to_cidrs(fam, lo, hi, res, &m);
        i = j;
    }
    free(sorted);
    *out = res;
    *nout = m;
    return VIGIL_OK;
}

/* ---- nftables ------------------------------------------------------------- */

static void put_set(FILE *fp, const bl_data *d, int family, const char *name)
{
    char buf[64];
    size_t count = 0;
    for (size_t i = 0; i < d->nnets; i++)
        count += d->nets[i].family == family;
    fprintf(fp, "    set %s {\n        type %s\n        flags interval\n", name,
            family == 4 ? "ipv4_addr" : "ipv6_addr");
    if (count > 0) {
        fputs("        elements = {", fp);
        size_t k = 0;
        for (size_t i = 0; i < d->nnets; i++) {
            if (d->nets[i].family != family)
                continue;
            vigil_net_format(&d->nets[i], buf, sizeof buf);
            fprintf(fp, "%s\n            %s", k ? "," : "", buf);
            k++;
        }
        fputs("\n        }\n", fp);
    }
    fputs("    }\n", fp);
}

vigil_status bl_write_nft(FILE *fp, const bl_data *d)
{
    char when[64];
    static const char *const chains[3][2] = {
        {"input", "saddr"}, {"forward", "daddr"}, {"output", "daddr"}};
    bl_when(d->now, when, sizeof when);
    fprintf(fp,
            "#!/usr/sbin/nft -f\n"
            "# C2 addresses blocked, written by vigil iocs convert on %s.\n"
            "# Load with: nft -f FILE (replaces the table on every load).\n"
            "table inet vigil_blocklist\n"
            "delete table inet vigil_blocklist\n"
            "table inet vigil_blocklist {\n",
            when);
    put_set(fp, d, 4, "c2_v4");
    put_set(fp, d, 6, "c2_v6");
    for (int c = 0; c < 3; c++) {
        const char *dir = chains[c][1];
        fprintf(fp,
                "    chain %s {\n"
                "        type filter hook %s priority filter - 10; policy accept;\n"
                "        ip %s @c2_v4 counter drop\n"
                "        ip6 %s @c2_v6 counter drop\n",
                chains[c][0], chains[c][0], dir, dir);
        if (c == 1)
            fputs("        ip saddr @c2_v4 counter drop\n"
                  "        ip6 saddr @c2_v6 counter drop\n",
                  fp);
        fputs("    }\n", fp);
    }
    fputs("}\n", fp);
    return VIGIL_OK;
}

/* ---- ipset ---------------------------------------------------------------- */

vigil_status bl_write_ipset(FILE *fp, const bl_data *d)
{
    char when[64], buf[64];
    size_t n4 = 0, n6 = 0;
    bl_when(d->now, when, sizeof when);
    for (size_t i = 0; i < d->nnets; i++) {
        n4 += d->nets[i].family == 4;
        n6 += d->nets[i].family == 6;
    }
    fprintf(fp,
            "# C2 addresses blocked, written by vigil iocs convert on %s.\n"
            "# Load with: ipset -exist restore < FILE, then for example\n"
            "#   iptables -I OUTPUT -m set --match-set vigil-c2-v4 dst -j DROP\n"
            "#   ip6tables -I OUTPUT -m set --match-set vigil-c2-v6 dst -j DROP\n",
            when);
    for (int f = 4; f <= 6; f += 2) {
        size_t count = f == 4 ? n4 : n6;
        size_t maxelem = 65536;
        while (maxelem < count)
            maxelem *= 2;
        fprintf(fp, "create vigil-c2-v%d hash:net family %s hashsize 1024 maxelem %zu\n", f,
                f == 4 ? "inet" : "inet6", maxelem);
        fprintf(fp, "flush vigil-c2-v%d\n", f);
        for (size_t i = 0; i < d->nnets; i++) {
            if (d->nets[i].family != f)
                continue;
            vigil_net_format(&d->nets[i], buf, sizeof buf);
            fprintf(fp, "add vigil-c2-v%d %s\n", f, buf);
        }
    }
    return VIGIL_OK;
}

/* ---- Windows Firewall ----------------------------------------------------- */

#define WF_CHUNK 1000 /* addresses per rule, well under the RemoteAddress limit */

vigil_status bl_write_windows_firewall(FILE *fp, const bl_data *d)
{
    char when[64], buf[64];
    bl_when(d->now, when, sizeof when);
    fprintf(fp,
            "# C2 addresses blocked in Windows Firewall, written by vigil iocs convert on %s.\n"
            "# Run in an elevated PowerShell: powershell -ExecutionPolicy Bypass -File FILE\n"
            "# Rules of the group 'vigil C2 block' are replaced on every run.\n"
            "#Requires -RunAsAdministrator\n"
            "$ErrorActionPreference = 'Stop'\n"
            "$group = 'vigil C2 block'\n"
            "Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue | "
            "Remove-NetFirewallRule\n",
            when);
    size_t part = 0;
    for (size_t i = 0; i < d->nnets; i += WF_CHUNK) {
        size_t end = i + WF_CHUNK < d->nnets ? i + WF_CHUNK : d->nnets;
        part++;
        fputs("$c2 = @(\n", fp);
        for (size_t k = i; k < end; k++) {
            vigil_net_format(&d->nets[k], buf, sizeof buf);
            fprintf(fp, "    '%s'%s\n", buf, k + 1 < end ? "," : "");
        }
        fputs(")\n", fp);
        static const char *const dirs[2] = {"Outbound", "Inbound"};
        for (int k = 0; k < 2; k++)
            fprintf(fp,
                    "New-NetFirewallRule -DisplayName 'vigil C2 block %s %zu' -Group $group "
                    "-Direction %s -Action Block -Profile Any -RemoteAddress $c2 | Out-Null\n",
                    dirs[k], part, dirs[k]);
    }
    fprintf(fp, "Write-Output 'vigil: %zu address blocks in %zu rule pairs'\n", d->nnets, part);
    return VIGIL_OK;
}
