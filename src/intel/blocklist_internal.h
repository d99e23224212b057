/* blocklist_internal.h - what the blocklist writers share: address blocks and
 * their merging, and the guarded, sorted lists every writer reads.
 *
 * The guard and the collection run once (blocklist.c); each writer
 * (blocklist_dns.c, blocklist_net.c, blocklist_ids.c) then only formats,
 * so every format blocks exactly the same values. */
#ifndef VIGIL_INTEL_BLOCKLIST_INTERNAL_H
#define VIGIL_INTEL_BLOCKLIST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diagsink.h"
#include "vigil/blocklist.h"

/* An IPv4 or IPv6 address block; host bits are clear. */
typedef struct vigil_net {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix; /* 0..32 or 0..128 */
    uint8_t addr[16];
} vigil_net;

/* Parses "ADDR" or "ADDR/PREFIX" (v4 or v6); host bits are cleared.
 * Returns 0, or -1 when it is not an address. */
int vigil_net_parse(const char *text, vigil_net *out);
/* "1.2.3.4" for a single address, "10.0.0.0/8" otherwise (cap >= 50). */
void vigil_net_format(const vigil_net *net, char *buf, size_t cap);
/* 1 when the two blocks share an address. */
int vigil_net_overlaps(const vigil_net *a, const vigil_net *b);
/* Sorts the blocks (IPv4 first), merges overlapping and adjacent ones and
 * writes the fewest CIDR blocks covering exactly the same addresses into
 * *out (malloc'd; *nout blocks). VIGIL_ERR_NOMEM. */
vigil_status vigil_net_merge(const vigil_net *in, size_t n, vigil_net **out, size_t *nout);

/* A domain that passed the guard. */
typedef struct bl_domain {
    const char *name;
    const vigil_intel_entry *entry;
    int folded; /* a listed parent already covers it (wildcard formats) */
} bl_domain;

/* What the writers receive. */
typedef struct bl_data {
    const vigil_blocklist_options *opts;
    vigil_blocklist_stats *stats;
    bl_domain *domains; /* sorted by name */
    size_t ndomains;
    const vigil_intel_entry **addrs; /* accepted IPs and CIDRs, in set order */
    size_t naddrs;
    vigil_net *nets; /* merged, IPv4 first */
    size_t nnets;
    const vigil_intel_entry **urls; /* URLs (Zeek) */
    size_t nurls;
    const char *zone; /* with trailing dot */
    int64_t now;
} bl_data;

/* The writers; each returns VIGIL_OK or VIGIL_ERR_INVALID_ARG (a bad
 * option, reported through opts->on_diag). Stream errors are checked by
 * the caller. */
vigil_status bl_write_rpz(FILE *fp, const bl_data *d);
vigil_status bl_write_hosts(FILE *fp, const bl_data *d);
vigil_status bl_write_dnsmasq(FILE *fp, const bl_data *d);
vigil_status bl_write_squid(FILE *fp, const bl_data *d);
vigil_status bl_write_nft(FILE *fp, const bl_data *d);
vigil_status bl_write_ipset(FILE *fp, const bl_data *d);
vigil_status bl_write_windows_firewall(FILE *fp, const bl_data *d);
vigil_status bl_write_suricata(FILE *fp, const bl_data *d);
vigil_status bl_write_zeek(FILE *fp, const bl_data *d);

/* Helpers for the writers (blocklist.c). */
/* The base name of the value's first source, with control characters,
 * quotes, semicolons and backslashes replaced by '_' (cap >= 2). */
void bl_source_of(const vigil_intel_entry *e, char *buf, size_t cap);
/* The description on one line, the same characters replaced. */
void bl_clean(const char *in, char *buf, size_t cap);
/* The UTC date and time of now as "2024-01-31 12:00:00 UTC". */
void bl_when(int64_t now, char *buf, size_t cap);
/* Reports an error diagnostic through the options. */
void bl_error(const bl_data *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether the option is an IPv4 (4) or IPv6 (6) address, else 0. */
int bl_ip_family(const char *s);

#endif
