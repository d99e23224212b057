/* blocklist.h - threat intel turned into blocking, in the formats the
 * blocking tools read.
 *
 * An MSP that receives an alert wants its resolvers, firewalls and proxies
 * to stop the C2 traffic today, not a list to retype. The writers here take
 * the merged set of vigil/intel.h and write a DNS Response Policy Zone,
 * hosts and dnsmasq files, an nftables table, ipset restore input, Suricata
 * rules, a Zeek Intel file, Squid ACLs or a Windows Firewall PowerShell
 * script. Feeds contain mistakes, so every value first passes a guard that
 * refuses what would cut clients off (private, loopback, link-local and
 * multicast ranges, a bare public suffix, special-use names, major
 * providers, the user's own allow-list); each refusal is a warning diagnostic naming the value, its
 * source and the reason, and is counted. */
#ifndef VIGIL_PUBLIC_BLOCKLIST_H
#define VIGIL_PUBLIC_BLOCKLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigil/diag.h"
#include "vigil/intel.h"
#include "vigil/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIGIL_BLOCKLIST_RPZ = 0,
    VIGIL_BLOCKLIST_HOSTS,
    VIGIL_BLOCKLIST_DNSMASQ,
    VIGIL_BLOCKLIST_NFT,
    VIGIL_BLOCKLIST_IPSET,
    VIGIL_BLOCKLIST_SURICATA,
    VIGIL_BLOCKLIST_ZEEK,
    VIGIL_BLOCKLIST_SQUID,
    VIGIL_BLOCKLIST_WINDOWS_FIREWALL,
    VIGIL_BLOCKLIST_FORMAT_COUNT
} vigil_blocklist_format;

/* "rpz", "hosts", "dnsmasq", "nft", "ipset", "suricata", "zeek", "squid",
 * "windows-firewall". */
const char *vigil_blocklist_format_name(vigil_blocklist_format fmt);
/* Inverse of vigil_blocklist_format_name; VIGIL_ERR_NOT_FOUND otherwise. */
vigil_status vigil_blocklist_format_parse(const char *name, vigil_blocklist_format *out);

/* ---- the guard ------------------------------------------------------------ */

/* Why a value is not blocked. */
typedef enum {
    VIGIL_BLOCK_OK = 0,
    VIGIL_BLOCK_PRIVATE,       /* RFC 1918, CGNAT, unique local */
    VIGIL_BLOCK_LOOPBACK,      /* 127/8, ::1 */
    VIGIL_BLOCK_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
    VIGIL_BLOCK_MULTICAST,     /* 224/4, ff00::/8 */
    VIGIL_BLOCK_RESERVED,      /* unspecified, 0/8, broadcast, 240/4 */
    VIGIL_BLOCK_TOO_BROAD,     /* an IPv4 CIDR wider than /8, IPv6 wider than /16 */
    VIGIL_BLOCK_PUBLIC_SUFFIX, /* com, co.uk, github.io ... */
    VIGIL_BLOCK_SPECIAL_NAME,  /* under local, localhost, internal, home.arpa, arpa, invalid */
    VIGIL_BLOCK_ALLOWED,       /* on the allow-list (or its domain tree) */
    VIGIL_BLOCK_REASON_COUNT
} vigil_block_reason;

/* A short phrase for the reason ("private address range", ...). */
const char *vigil_block_reason_name(vigil_block_reason reason);

typedef struct vigil_blocklist_guard vigil_blocklist_guard;

/* An empty guard: the address ranges are always refused; public suffixes
 * come from a small built-in list until vigil_blocklist_guard_add_suffixes
 * loads a full one. */
vigil_status vigil_blocklist_guard_create(vigil_blocklist_guard **out);
void vigil_blocklist_guard_destroy(vigil_blocklist_guard *guard); /* NULL safe */

/* Adds an allow-list held in memory: one domain, IP or CIDR a line,
 * defanged or not, '#' comments. A domain protects itself, its subdomains
 * and its parents; an IP or CIDR every range overlapping it. Lines that are
 * none of these are warnings naming name and line. */
vigil_status vigil_blocklist_guard_add_allow(vigil_blocklist_guard *guard, const char *name,
                                             const char *data, size_t len, vigil_diag_fn on_diag,
                                             void *diag_user);
/* Replaces the built-in public suffixes with a list in the format of
 * publicsuffix.org (public_suffix_list.dat: rules, "*." wildcards, "!"
 * exceptions, "//" comments; Unicode rules are converted to punycode). */
vigil_status vigil_blocklist_guard_add_suffixes(vigil_blocklist_guard *guard, const char *name,
                                                const char *data, size_t len, vigil_diag_fn on_diag,
                                                void *diag_user);
/* Checks one normalised value (type DOMAIN, IP or CIDR); other types are
 * VIGIL_BLOCK_OK. When refused and why is not NULL, *why gets a detail
 * ("10.0.0.0/8", "co.uk", "google.com") valid until the next check on the
 * same thread or a change of the guard. A NULL guard checks the address
 * ranges only. */
vigil_block_reason vigil_blocklist_guard_check(const vigil_blocklist_guard *guard,
                                               vigil_intel_type type, const char *value,
                                               const char **why);

/* ---- writing -------------------------------------------------------------- */

typedef struct vigil_blocklist_options {
    vigil_blocklist_format format;
    const vigil_blocklist_guard *guard; /* NULL = ranges and built-in suffixes only */
    const char *zone;                   /* RPZ origin; NULL = "rpz.vigil." */
    const char *sinkhole;  /* IP (rpz, hosts, dnsmasq) or host name (rpz); NULL = NXDOMAIN
                              (rpz, dnsmasq) or 0.0.0.0 (hosts) */
    uint32_t sid_base;     /* first Suricata sid; 0 = 1900000 */
    int drop;              /* Suricata drop rules instead of alert */
    int64_t now;           /* RPZ serial and header dates; 0 = current time */
    vigil_diag_fn on_diag; /* refusals (warnings) and option errors; may be NULL */
    void *diag_user;
} vigil_blocklist_options;

typedef struct vigil_blocklist_stats {
    uint64_t domains;        /* domains written (before subdomains folded into parents) */
    uint64_t addresses;      /* IPs and CIDRs accepted, before merging */
    uint64_t networks;       /* address blocks written after merging */
    uint64_t folded;         /* subdomains already covered by a listed parent */
    uint64_t not_applicable; /* values this format cannot block (hashes, URLs, ...) */
    uint64_t refused;        /* refused by the guard */
    uint64_t refused_by[VIGIL_BLOCK_REASON_COUNT];
    uint32_t last_sid; /* Suricata: the highest sid written (0 = none) */
} vigil_blocklist_stats;

/* Writes the set as a blocklist in opts->format. The guard runs first;
 * each refusal is a warning diagnostic (source and line of the value's
 * first origin). stats may be NULL. VIGIL_ERR_INVALID_ARG for a bad zone,
 * sinkhole or format (with an error diagnostic), VIGIL_ERR_IO when the
 * stream failed, VIGIL_ERR_NOMEM. */
vigil_status vigil_blocklist_write(const vigil_intel_set *set, FILE *fp,
                                   const vigil_blocklist_options *opts,
                                   vigil_blocklist_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
