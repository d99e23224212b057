/* test_blocklist.c - unit tests of the blocklist writers: the guard (each
 * refusal reason, allow-list trees, public suffix rules with wildcards and
 * exceptions), CIDR merging, and the exact text of every format on a small
 * set with a fixed clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/blocklist_internal.h"
#include "test.h"
#include "vigil/blocklist.h"
#include "vigil/intel.h"

#define NOW 1700000000 /* 2023-11-14 22:13:20 UTC */

static char *merged_text(const char *const *in, size_t n)
{
    vigil_net nets[32], *out = NULL;
    size_t nout = 0;
    static char buf[2048];
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (vigil_net_parse(in[i], &nets[i]) != 0)
            return NULL;
    if (vigil_net_merge(nets, n, &out, &nout) != VIGIL_OK)
        return NULL;
    buf[0] = '\0';
    for (size_t i = 0; i < nout; i++) {
        char t[64];
        vigil_net_format(&out[i], t, sizeof t);
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "", t);
    }
    free(out);
    return buf;
}

static void test_cidr_merge(void)
{
    const char *a[] = {"198.51.100.0/25", "198.51.100.128/25", "198.51.100.5"};
    CHECK_EQ_STR(merged_text(a, 3), "198.51.100.0/24");
    const char *b[] = {"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}; /* adjacent, not one CIDR */
    CHECK_EQ_STR(merged_text(b, 3), "10.0.0.0/23 10.0.2.0/24");
    const char *c[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"};
    CHECK_EQ_STR(merged_text(c, 4), "192.0.2.1 192.0.2.2/31 192.0.2.4");
    const char *d[] = {"203.0.113.7", "203.0.113.7/32", "203.0.113.9"};
    CHECK_EQ_STR(merged_text(d, 3), "203.0.113.7 203.0.113.9");
    const char *e[] = {"2001:db8::/33", "2001:db8:8000::/33", "2001:db8::1", "1.2.3.4"};
    CHECK_EQ_STR(merged_text(e, 4), "1.2.3.4 2001:db8::/32");
    const char *f[] = {"255.255.255.254", "255.255.255.255", "0.0.0.0/1", "128.0.0.0/1"};
    CHECK_EQ_STR(merged_text(f, 4), "0.0.0.0/0");
    const char *g[] = {"::/1", "8000::/1"};
    CHECK_EQ_STR(merged_text(g, 2), "::/0");
    const char *h[] = {"10.0.0.0/8", "10.20.0.0/16"}; /* contained */
    CHECK_EQ_STR(merged_text(h, 2), "10.0.0.0/8");
    vigil_net n;
    CHECK_EQ_INT(vigil_net_parse("10.1.2.3/8", &n), 0);
    char t[64];
    vigil_net_format(&n, t, sizeof t);
    CHECK_EQ_STR(t, "10.0.0.0/8");
    CHECK_EQ_INT(vigil_net_parse("10.1.2.3/33", &n), -1);
    CHECK_EQ_INT(vigil_net_parse("evil.com", &n), -1);
}

static void test_guard_addresses(void)
{
    vigil_blocklist_guard *g = NULL;
    const char *why = NULL;
    CHECK_EQ_INT(vigil_blocklist_guard_create(&g), VIGIL_OK);
    const char *allow = "# partners\n192.0.2.192/26\n  2001:db8:1::5 # one host\nnot a value!\n";
    CHECK_EQ_INT(vigil_blocklist_guard_add_allow(g, "allow.txt", allow, strlen(allow), NULL, NULL),
                 VIGIL_OK);
    static const struct {
        vigil_intel_type type;
        const char *value;
        vigil_block_reason want;
        const char *why;
    } cases[] = {
        {VIGIL_INTEL_IP, "10.9.9.9", VIGIL_BLOCK_PRIVATE, "10.0.0.0/8"},
        {VIGIL_INTEL_IP, "172.31.0.1", VIGIL_BLOCK_PRIVATE, "172.16.0.0/12"},
        {VIGIL_INTEL_IP, "100.64.1.1", VIGIL_BLOCK_PRIVATE, "100.64.0.0/10"},
        {VIGIL_INTEL_IP, "fd00::1", VIGIL_BLOCK_PRIVATE, "fc00::/7"},
        {VIGIL_INTEL_IP, "127.0.0.53", VIGIL_BLOCK_LOOPBACK, "127.0.0.0/8"},
        {VIGIL_INTEL_IP, "::1", VIGIL_BLOCK_LOOPBACK, "::1/128"},
        {VIGIL_INTEL_IP, "169.254.169.254", VIGIL_BLOCK_LINK_LOCAL, "169.254.0.0/16"},
        {VIGIL_INTEL_IP, "fe80::1", VIGIL_BLOCK_LINK_LOCAL, "fe80::/10"},
        {VIGIL_INTEL_IP, "224.0.0.251", VIGIL_BLOCK_MULTICAST, "224.0.0.0/4"},
        {VIGIL_INTEL_IP, "ff02::1", VIGIL_BLOCK_MULTICAST, "ff00::/8"},
        {VIGIL_INTEL_IP, "255.255.255.255", VIGIL_BLOCK_RESERVED, "240.0.0.0/4"},
        {VIGIL_INTEL_IP, "0.0.0.0", VIGIL_BLOCK_RESERVED, "0.0.0.0/8"},
        {VIGIL_INTEL_CIDR, "8.0.0.0/6", VIGIL_BLOCK_PRIVATE, "10.0.0.0/8"}, /* contains it */
        {VIGIL_INTEL_CIDR, "32.0.0.0/4", VIGIL_BLOCK_TOO_BROAD, "wider than /8"},
        {VIGIL_INTEL_CIDR, "2001::/15", VIGIL_BLOCK_TOO_BROAD, "wider than /16"},
        {VIGIL_INTEL_IP, "192.0.2.200", VIGIL_BLOCK_ALLOWED, "192.0.2.192/26"},
        {VIGIL_INTEL_CIDR, "192.0.2.0/24", VIGIL_BLOCK_ALLOWED, "192.0.2.192/26"},
        {VIGIL_INTEL_IP, "2001:db8:1::5", VIGIL_BLOCK_ALLOWED, "2001:db8:1::5"},
        {VIGIL_INTEL_IP, "192.0.2.1", VIGIL_BLOCK_OK, NULL},
        {VIGIL_INTEL_CIDR, "198.51.100.0/24", VIGIL_BLOCK_OK, NULL},
        {VIGIL_INTEL_IP, "2001:db8:1::6", VIGIL_BLOCK_OK, NULL},
        {VIGIL_INTEL_MD5, "d41d8cd98f00b204e9800998ecf8427e", VIGIL_BLOCK_OK, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vigil_block_reason r = vigil_blocklist_guard_check(g, cases[i].type, cases[i].value, &why);
        if (r != cases[i].want || (cases[i].why && (!why || strcmp(why, cases[i].why) != 0)))
            fprintf(stderr, "case %s: got %d (%s)\n", cases[i].value, (int)r, why ? why : "-");
        CHECK_EQ_INT(r, cases[i].want);
        if (cases[i].why != NULL)
            CHECK_EQ_STR(why, cases[i].why);
    }
    vigil_blocklist_guard_destroy(g);
    vigil_blocklist_guard_destroy(NULL);
}

static int ndiags;
static char lastdiag[512];
static void count_diag(const vigil_diag *d, void *user)
{
    (void)user;
    ndiags++;
    snprintf(lastdiag, sizeof lastdiag, "%s:%llu: %s", d->source ? d->source : "-",
             (unsigned long long)d->line, d->message);
}

static void test_guard_domains(void)
{
    vigil_blocklist_guard *g = NULL;
    const char *why = NULL;
    CHECK_EQ_INT(vigil_blocklist_guard_create(&g), VIGIL_OK);
    /* built-in suffixes until a list is loaded */
    CHECK_EQ_INT(vigil_blocklist_guard_check(g, VIGIL_INTEL_DOMAIN, "co.uk", &why),
                 VIGIL_BLOCK_PUBLIC_SUFFIX);
    CHECK_EQ_INT(vigil_blocklist_guard_check(g, VIGIL_INTEL_DOMAIN, "evil.co.uk", &why),
                 VIGIL_BLOCK_OK);
    CHECK_EQ_INT(vigil_blocklist_guard_check(g, VIGIL_INTEL_DOMAIN, "github.io", &why),
                 VIGIL_BLOCK_PUBLIC_SUFFIX);
    CHECK_EQ_INT(vigil_blocklist_guard_check(g, VIGIL_INTEL_DOMAIN, "blob.core.windows.net", &why),
                 VIGIL_BLOCK_PUBLIC_SUFFIX);
    CHECK_EQ_INT(
        vigil_blocklist_guard_check(g, VIGIL_INTEL_DOMAIN, "x.blob.core.windows.net", &why),
        VIGIL_BLOCK_OK);
    ndiags = 0;
    const char *allow =
        "google.com\nstorage.example\r\nWWW.Partner.Example.\nxn--bcher-kva.example\n"
        "bücher2.example\nnot valid!!\n";
    CHECK_EQ_INT(
        vigil_blocklist_guard_add_allow(g, "allow.txt", allow, strlen(allow), count_diag, NULL),
        VIGIL_OK);
    CHECK_EQ_INT(ndiags, 1);
    CHECK_EQ_STR(lastdiag, "allow.txt:6: allow-list entry is not a domain, IP or CIDR; ignored");
    const char *psl = "// ===BEGIN ICANN DOMAINS===\ncom\nuk\nco.uk\n*.ck\n!www.ck\n"
                      "// private\ngithub.io\n公司.cn\n";
    ndiags = 0;
    CHECK_EQ_INT(
        vigil_blocklist_guard_add_suffixes(g, "psl.dat", psl, strlen(psl), count_diag, NULL),
        VIGIL_OK);
    CHECK_EQ_INT(ndiags, 0);
    static const struct {
        const char *value;
        vigil_block_reason want;
        const char *why;
    } cases[] = {
        {"co.uk", VIGIL_BLOCK_PUBLIC_SUFFIX, "co.uk"},
        {"github.io", VIGIL_BLOCK_PUBLIC_SUFFIX, "github.io"},
        {"anything.ck", VIGIL_BLOCK_PUBLIC_SUFFIX, "anything.ck"},
        {"www.ck", VIGIL_BLOCK_OK, NULL},
        {"evil.anything.ck", VIGIL_BLOCK_OK, NULL},
        {"xn--55qx5d.cn", VIGIL_BLOCK_PUBLIC_SUFFIX, "xn--55qx5d.cn"}, /* 公司.cn as punycode */
        {"evil.github.io", VIGIL_BLOCK_OK, NULL},
        {"blogspot.com", VIGIL_BLOCK_OK, NULL}, /* the built-in list is replaced */
        {"google.com", VIGIL_BLOCK_ALLOWED, "google.com"},
        {"mail.google.com", VIGIL_BLOCK_ALLOWED, "google.com"},
        {"notgoogle.com", VIGIL_BLOCK_OK, NULL},
        {"a.storage.example", VIGIL_BLOCK_ALLOWED, "storage.example"},
        {"partner.example", VIGIL_BLOCK_ALLOWED, "www.partner.example"}, /* a parent */
        {"other.partner.example", VIGIL_BLOCK_OK, NULL},
        {"xn--bcher-kva.example", VIGIL_BLOCK_ALLOWED, "xn--bcher-kva.example"},
        {"xn--bcher2-3ya.example", VIGIL_BLOCK_ALLOWED, "xn--bcher2-3ya.example"},
        {"evil-c2.example", VIGIL_BLOCK_OK, NULL},
        {"printer.local", VIGIL_BLOCK_SPECIAL_NAME, "local"},
        {"nas.home.arpa", VIGIL_BLOCK_SPECIAL_NAME, "arpa"},
        {"10.in-addr.arpa", VIGIL_BLOCK_SPECIAL_NAME, "arpa"},
        {"db.corp.internal", VIGIL_BLOCK_SPECIAL_NAME, "internal"},
        {"evil.localhost", VIGIL_BLOCK_SPECIAL_NAME, "localhost"},
        {"local.example", VIGIL_BLOCK_OK, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vigil_block_reason r =
            vigil_blocklist_guard_check(g, VIGIL_INTEL_DOMAIN, cases[i].value, &why);
        if (r != cases[i].want)
            fprintf(stderr, "case %s: got %d (%s)\n", cases[i].value, (int)r, why ? why : "-");
        CHECK_EQ_INT(r, cases[i].want);
        if (cases[i].why != NULL)
            CHECK_EQ_STR(why, cases[i].why);
    }
    CHECK_EQ_STR(vigil_block_reason_name(VIGIL_BLOCK_PUBLIC_SUFFIX), "public suffix");
    vigil_blocklist_guard_destroy(g);
}

/* ---- formats ------------------------------------------------------------------ */

static vigil_intel_set *small_set(void)
{
    vigil_intel_set *set = NULL;
    const char *list = "evil-c2.example;90;APT10 C2\n"
                       "www.evil-c2.example\n"
                       "bücher-c2.example\n"
                       "203.0.113.7\n"
                       "203.0.113.6\n"
                       "2001:db8::/48\n"
                       "10.0.0.1\n"
                       "co.uk\n"
                       "hxxp://evil-c2[.]example/gate.php\n"
                       "d41d8cd98f00b204e9800998ecf8427e\n";
    if (vigil_intel_set_create(&set) != VIGIL_OK)
        return NULL;
    if (vigil_intel_set_load(set, VIGIL_INTEL_FMT_LIST, "feeds/apt10.txt", list, strlen(list), NULL,
                             NULL) != VIGIL_OK) {
        vigil_intel_set_destroy(set);
        return NULL;
    }
    return set;
}

static char *render(const vigil_intel_set *set, vigil_blocklist_options *o,
                    vigil_blocklist_stats *st, vigil_status *status)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&mem, &len);
    if (fp == NULL)
        return NULL;
    o->now = NOW;
    o->on_diag = count_diag;
    ndiags = 0;
    *status = vigil_blocklist_write(set, fp, o, st);
    fclose(fp);
    return mem;
}

static void check_format(vigil_blocklist_format fmt, const char *sinkhole, const char *want)
{
    vigil_intel_set *set = small_set();
    vigil_blocklist_options o;
    vigil_blocklist_stats st;
    vigil_status s;
    memset(&o, 0, sizeof o);
    o.format = fmt;
    o.sinkhole = sinkhole;
    CHECK(set != NULL);
    char *got = render(set, &o, &st, &s);
    CHECK_EQ_INT(s, VIGIL_OK);
    CHECK_EQ_STR(got, want);
    free(got);
    vigil_intel_set_destroy(set);
}

static void test_format_rpz(void)
{
    check_format(VIGIL_BLOCKLIST_RPZ, NULL,
                 "; DNS Response Policy Zone of C2 domains and addresses,\n"
                 "; written by vigil iocs convert on 2023-11-14 22:13:20 UTC.\n"
                 "; Policy: NXDOMAIN for each domain and its subdomains, and for answers\n"
                 "; holding a C2 address (rpz-ip triggers).\n"
                 "; Unbound: rpz: name: \"rpz.vigil.\" zonefile: \"FILE\"\n"
                 "; BIND: response-policy { zone \"rpz.vigil.\"; }; with zone \"rpz.vigil.\" { "
                 "type primary; file \"FILE\"; };\n"
                 "$ORIGIN rpz.vigil.\n"
                 "$TTL 300\n"
                 "@ IN SOA localhost. hostmaster.localhost. ( 1700000000 3600 600 604800 300 )\n"
                 "@ IN NS localhost.\n"
                 "; evil-c2.example from apt10.txt\n"
                 "evil-c2.example CNAME .\n"
                 "*.evil-c2.example CNAME .\n"
                 "; xn--bcher-c2-65a.example from apt10.txt\n"
                 "xn--bcher-c2-65a.example CNAME .\n"
                 "*.xn--bcher-c2-65a.example CNAME .\n"
                 "; 203.0.113.6/31\n"
                 "31.6.113.0.203.rpz-ip CNAME .\n"
                 "; 2001:db8::/48\n"
                 "48.zz.db8.2001.rpz-ip CNAME .\n");
    vigil_intel_set *set = small_set();
    vigil_blocklist_options o;
    vigil_blocklist_stats st;
    vigil_status s;
    memset(&o, 0, sizeof o);
    o.format = VIGIL_BLOCKLIST_RPZ;
    o.zone = "Block.Corp";
    o.sinkhole = "2001:db8::53";
    char *got = render(set, &o, &st, &s);
    CHECK_EQ_INT(s, VIGIL_OK);
    CHECK(got != NULL && strstr(got, "$ORIGIN block.corp.\n") != NULL);
    CHECK(got != NULL && strstr(got, "\n*.evil-c2.example AAAA 2001:db8::53\n") != NULL);
    CHECK_EQ_INT(st.domains, 3);
    CHECK_EQ_INT(st.folded, 1);
    CHECK_EQ_INT(st.addresses, 3);
    CHECK_EQ_INT(st.networks, 2);
    CHECK_EQ_INT(st.refused, 2);
    CHECK_EQ_INT(st.refused_by[VIGIL_BLOCK_PRIVATE], 1);
    CHECK_EQ_INT(st.refused_by[VIGIL_BLOCK_PUBLIC_SUFFIX], 1);
    CHECK_EQ_INT(st.not_applicable, 2);
    CHECK_EQ_INT(ndiags, 2);
    CHECK_EQ_STR(lastdiag, "feeds/apt10.txt:8: not blocked: domain co.uk: public suffix");
    free(got);
    o.zone = "bad..zone";
    got = render(set, &o, &st, &s);
    CHECK_EQ_INT(s, VIGIL_ERR_INVALID_ARG);
    CHECK_EQ_STR(lastdiag, "-:0: --zone 'bad..zone' is not a domain name");
    free(got);
    vigil_intel_set_destroy(set);
}

static void test_format_dns(void)
{
    check_format(VIGIL_BLOCKLIST_HOSTS, NULL,
                 "# C2 domains sent to 0.0.0.0, written by vigil iocs convert on 2023-11-14 "
                 "22:13:20 UTC.\n"
                 "# A hosts file matches exact names only: subdomains not listed here\n"
                 "# are not blocked (use rpz or dnsmasq for whole domains).\n"
                 "0.0.0.0 evil-c2.example\n"
                 "0.0.0.0 www.evil-c2.example\n"
                 "0.0.0.0 xn--bcher-c2-65a.example\n");
    check_format(VIGIL_BLOCKLIST_DNSMASQ, "192.0.2.53",
                 "# C2 domains and their subdomains sent to the sinkhole, written by vigil iocs "
                 "convert on 2023-11-14 22:13:20 UTC.\n"
                 "# Use as conf-file=FILE (or drop it in /etc/dnsmasq.d/).\n"
                 "address=/evil-c2.example/192.0.2.53\n"
                 "address=/xn--bcher-c2-65a.example/192.0.2.53\n");
    check_format(VIGIL_BLOCKLIST_SQUID, NULL,
                 "# C2 domains and addresses denied, written by vigil iocs convert on 2023-11-14 "
                 "22:13:20 UTC.\n"
                 "# Include it before the http_access allow lines of squid.conf:\n"
                 "#   include /etc/squid/conf.d/vigil-blocklist.conf\n"
                 "acl vigil_c2_domains dstdomain .evil-c2.example\n"
                 "acl vigil_c2_domains dstdomain .xn--bcher-c2-65a.example\n"
                 "acl vigil_c2_addresses dst 203.0.113.6/31\n"
                 "acl vigil_c2_addresses dst 2001:db8::/48\n"
                 "http_access deny vigil_c2_domains\n"
                 "http_access deny vigil_c2_addresses\n");
}

static void test_format_firewalls(void)
{
    check_format(VIGIL_BLOCKLIST_NFT, NULL,
                 "#!/usr/sbin/nft -f\n"
                 "# C2 addresses blocked, written by vigil iocs convert on 2023-11-14 22:13:20 "
                 "UTC.\n"
                 "# Load with: nft -f FILE (replaces the table on every load).\n"
                 "table inet vigil_blocklist\n"
                 "delete table inet vigil_blocklist\n"
                 "table inet vigil_blocklist {\n"
                 "    set c2_v4 {\n"
                 "        type ipv4_addr\n"
                 "        flags interval\n"
                 "        elements = {\n"
                 "            203.0.113.6/31\n"
                 "        }\n"
                 "    }\n"
                 "    set c2_v6 {\n"
                 "        type ipv6_addr\n"
                 "        flags interval\n"
                 "        elements = {\n"
                 "            2001:db8::/48\n"
                 "        }\n"
                 "    }\n"
                 "    chain input {\n"
                 "        type filter hook input priority filter - 10; policy accept;\n"
                 "        ip saddr @c2_v4 counter drop\n"
                 "        ip6 saddr @c2_v6 counter drop\n"
                 "    }\n"
                 "    chain forward {\n"
                 "        type filter hook forward priority filter - 10; policy accept;\n"
                 "        ip daddr @c2_v4 counter drop\n"
                 "        ip6 daddr @c2_v6 counter drop\n"
                 "        ip saddr @c2_v4 counter drop\n"
                 "        ip6 saddr @c2_v6 counter drop\n"
                 "    }\n"
                 "    chain output {\n"
                 "        type filter hook output priority filter - 10; policy accept;\n"
                 "        ip daddr @c2_v4 counter drop\n"
                 "        ip6 daddr @c2_v6 counter drop\n"
                 "    }\n"
                 "}\n");
    check_format(VIGIL_BLOCKLIST_IPSET, NULL,
                 "# C2 addresses blocked, written by vigil iocs convert on 2023-11-14 22:13:20 "
                 "UTC.\n"
                 "# Load with: ipset -exist restore < FILE, then for example\n"
                 "#   iptables -I OUTPUT -m set --match-set vigil-c2-v4 dst -j DROP\n"
                 "#   ip6tables -I OUTPUT -m set --match-set vigil-c2-v6 dst -j DROP\n"
                 "create vigil-c2-v4 hash:net family inet hashsize 1024 maxelem 65536\n"
                 "flush vigil-c2-v4\n"
                 "add vigil-c2-v4 203.0.113.6/31\n"
                 "create vigil-c2-v6 hash:net family inet6 hashsize 1024 maxelem 65536\n"
                 "flush vigil-c2-v6\n"
                 "add vigil-c2-v6 2001:db8::/48\n");
    check_format(VIGIL_BLOCKLIST_WINDOWS_FIREWALL, NULL,
                 "# C2 addresses blocked in Windows Firewall, written by vigil iocs convert on "
                 "2023-11-14 22:13:20 UTC.\n"
                 "# Run in an elevated PowerShell: powershell -ExecutionPolicy Bypass -File FILE\n"
                 "# Rules of the group 'vigil C2 block' are replaced on every run.\n"
                 "#Requires -RunAsAdministrator\n"
                 "$ErrorActionPreference = 'Stop'\n"
                 "$group = 'vigil C2 block'\n"
                 "Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue | "
                 "Remove-NetFirewallRule\n"
                 "$c2 = @(\n"
                 "    '203.0.113.6/31',\n"
                 "    '2001:db8::/48'\n"
                 ")\n"
                 "New-NetFirewallRule -DisplayName 'vigil C2 block Outbound 1' -Group $group "
                 "-Direction Outbound -Action Block -Profile Any -RemoteAddress $c2 | Out-Null\n"
                 "New-NetFirewallRule -DisplayName 'vigil C2 block Inbound 1' -Group $group "
                 "-Direction Inbound -Action Block -Profile Any -RemoteAddress $c2 | Out-Null\n"
                 "Write-Output 'vigil: 2 address blocks in 1 rule pairs'\n");
}

static void test_format_ids(void)
{
    check_format(VIGIL_BLOCKLIST_ZEEK, NULL,
                 "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n"
                 "evil-c2.example\tIntel::DOMAIN\tvigil apt10.txt\tAPT10 C2\n"
                 "www.evil-c2.example\tIntel::DOMAIN\tvigil apt10.txt\t-\n"
                 "xn--bcher-c2-65a.example\tIntel::DOMAIN\tvigil apt10.txt\t-\n"
                 "203.0.113.7\tIntel::ADDR\tvigil apt10.txt\t-\n"
                 "203.0.113.6\tIntel::ADDR\tvigil apt10.txt\t-\n"
                 "2001:db8::/48\tIntel::SUBNET\tvigil apt10.txt\t-\n"
                 "evil-c2.example/gate.php\tIntel::URL\tvigil apt10.txt\t-\n");
    vigil_intel_set *set = small_set();
    vigil_blocklist_options o;
    vigil_blocklist_stats st;
    vigil_status s;
    memset(&o, 0, sizeof o);
    o.format = VIGIL_BLOCKLIST_SURICATA;
    o.sid_base = 3000000;
    o.drop = 1;
    char *got = render(set, &o, &st, &s);
    CHECK_EQ_INT(s, VIGIL_OK);
    CHECK(got != NULL &&
          strstr(got, "\ndrop dns $HOME_NET any -> any any (msg:\"VIGIL C2 DNS query for "
                      "evil-c2.example (apt10.txt)\"; dns.query; dotprefix; "
                      "content:\".evil-c2.example\"; nocase; endswith; "
                      "classtype:trojan-activity; sid:3000000; rev:1;)\n") != NULL);
    CHECK(got != NULL &&
          strstr(got, "\ndrop http $HOME_NET any -> any any (msg:\"VIGIL C2 HTTP Host "
                      "evil-c2.example (apt10.txt)\"; http.host; dotprefix; "
                      "content:\".evil-c2.example\"; endswith; classtype:trojan-activity; "
                      "sid:3000002; rev:1;)\n") != NULL);
    CHECK(got != NULL &&
          strstr(got, "\ndrop ip $HOME_NET any -> [2001:db8::/48] any (msg:\"VIGIL C2 address "
                      "2001:db8::/48 (apt10.txt)\"; classtype:trojan-activity; sid:3000008; "
                      "rev:1;)\n") != NULL);
    CHECK_EQ_INT(st.last_sid, 3000008);
    free(got);
    vigil_intel_set_destroy(set);
}

static void test_hostile_source(void)
{
    vigil_intel_set *set = NULL;
    const char *list = "evil-c2.example\n";
    CHECK_EQ_INT(vigil_intel_set_create(&set), VIGIL_OK);
    CHECK_EQ_INT(vigil_intel_set_load(set, VIGIL_INTEL_FMT_LIST, "x\";sid:1;\nalert\t.txt", list,
                                      strlen(list), NULL, NULL),
                 VIGIL_OK);
    vigil_blocklist_options o;
    vigil_status s;
    memset(&o, 0, sizeof o);
    o.format = VIGIL_BLOCKLIST_SURICATA;
    char *got = render(set, &o, NULL, &s);
    CHECK_EQ_INT(s, VIGIL_OK);
    CHECK(got != NULL && strstr(got, "(msg:\"VIGIL C2 DNS query for evil-c2.example "
                                     "(x__sid:1__alert_.txt)\"; dns.query;") != NULL);
    free(got);
    o.format = VIGIL_BLOCKLIST_RPZ;
    got = render(set, &o, NULL, &s);
    CHECK(got != NULL && strstr(got, "; evil-c2.example from x__sid:1__alert_.txt\n") != NULL);
    free(got);
    vigil_intel_set_destroy(set);
}

static void test_format_names(void)
{
    vigil_blocklist_format f;
    for (int i = 0; i < VIGIL_BLOCKLIST_FORMAT_COUNT; i++) {
        CHECK_EQ_INT(vigil_blocklist_format_parse(
                         vigil_blocklist_format_name((vigil_blocklist_format)i), &f),
                     VIGIL_OK);
        CHECK_EQ_INT(f, i);
    }
    CHECK_EQ_INT(vigil_blocklist_format_parse("iptables", &f), VIGIL_ERR_NOT_FOUND);
    CHECK_EQ_STR(vigil_blocklist_format_name(VIGIL_BLOCKLIST_WINDOWS_FIREWALL), "windows-firewall");
}

int main(void)
{
    TEST_RUN(test_cidr_merge);
    TEST_RUN(test_guard_addresses);
    TEST_RUN(test_guard_domains);
    TEST_RUN(test_format_rpz);
    TEST_RUN(test_format_dns);
    TEST_RUN(test_format_firewalls);
    TEST_RUN(test_format_ids);
    TEST_RUN(test_hostile_source);
    TEST_RUN(test_format_names);
    return TEST_END();
}
