/* blocklist_ids.c - C2 indicators for network monitors: Suricata rules and
 * a Zeek Intel framework file.
 *
 * Where an MSP cannot block (or wants to see who still tries), its IDS
 * should alert - or, inline, drop - on the same values. Suricata gets one
 * rule per protocol a name shows up in (DNS query, TLS SNI, HTTP Host; a
 * dotprefix/endswith match covers the domain and its subdomains, as the
 * Suricata documentation shows) and one per address, each with a sid from
 * a configurable local range and a msg naming the source. Zeek gets the
 * tab-separated file its Intel framework reads (Intel::read_files). */
#include <string.h>

#include "intel/blocklist_internal.h"

#define DEFAULT_SID 1900000u

vigil_status bl_write_suricata(FILE *fp, const bl_data *d)
{
    static const struct {
        const char *proto, *buffer, *what, *nocase;
    } kinds[3] = {
        {"dns", "dns.query", "DNS query for", " nocase;"},
        {"tls", "tls.sni", "TLS SNI", " nocase;"},
        {"http", "http.host", "HTTP Host", ""}, /* the buffer is lower-case already */
    };
    const char *action = d->opts->drop ? "drop" : "alert";
    uint32_t sid = d->opts->sid_base ? d->opts->sid_base : DEFAULT_SID;
    uint64_t need = (uint64_t)d->ndomains * 3 + d->naddrs;
    char when[64], src[256], ip[64];

    if ((uint64_t)sid + need > UINT32_MAX) {
        bl_error(d, "--sid-base %u leaves no room for %llu rules", sid, (unsigned long long)need);
        return VIGIL_ERR_INVALID_ARG;
    }
    bl_when(d->now, when, sizeof when);
    fprintf(fp,
            "# C2 indicators as Suricata rules (sids %u-%llu), written by vigil iocs convert on "
            "%s.\n"
            "# Add the file to rule-files in suricata.yaml.\n",
            sid, (unsigned long long)sid + (need ? need - 1 : 0), when);
    for (size_t i = 0; i < d->ndomains; i++) {
        const bl_domain *dm = &d->domains[i];
        if (dm->folded)
            continue;
        bl_source_of(dm->entry, src, sizeof src);
        for (int k = 0; k < 3; k++)
            fprintf(fp,
                    "%s %s $HOME_NET any -> any any (msg:\"VIGIL C2 %s %s%s%s%s\"; %s; dotprefix; "
                    "content:\".%s\";%s endswith; classtype:trojan-activity; sid:%u; rev:1;)\n",
                    action, kinds[k].proto, kinds[k].what, dm->name, src[0] ? " (" : "", src,
                    src[0] ? ")" : "", kinds[k].buffer, dm->name, kinds[k].nocase, sid++);
    }
    for (size_t i = 0; i < d->naddrs; i++) {
        vigil_net n;
        if (vigil_net_parse(d->addrs[i]->value, &n) != 0)
            continue;
        vigil_net_format(&n, ip, sizeof ip);
        bl_source_of(d->addrs[i], src, sizeof src);
        fprintf(fp,
                "%s ip $HOME_NET any -> %s%s%s any (msg:\"VIGIL C2 address %s%s%s%s\"; "
                "classtype:trojan-activity; sid:%u; rev:1;)\n",
                action, n.family == 6 ? "[" : "", ip, n.family == 6 ? "]" : "", ip,
                src[0] ? " (" : "", src, src[0] ? ")" : "", sid++);
    }
    d->stats->last_sid = need ? sid - 1 : 0;
    return VIGIL_OK;
}

static void zeek_row(FILE *fp, const char *value, const char *type, const vigil_intel_entry *e)
{
    char src[256], desc[512];
    bl_source_of(e, src, sizeof src);
    bl_clean(e->description, desc, sizeof desc);
    fprintf(fp, "%s\tIntel::%s\tvigil %s\t%s\n", value, type, src[0] ? src : "-",
            desc[0] ? desc : "-");
}

vigil_status bl_write_zeek(FILE *fp, const bl_data *d)
{
    char ip[64];
    fputs("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n", fp);
    for (size_t i = 0; i < d->ndomains; i++)
        zeek_row(fp, d->domains[i].name, "DOMAIN", d->domains[i].entry);
    for (size_t i = 0; i < d->naddrs; i++) {
        vigil_net n;
        if (vigil_net_parse(d->addrs[i]->value, &n) != 0)
            continue;
        vigil_net_format(&n, ip, sizeof ip);
        zeek_row(fp, ip, n.prefix == (n.family == 4 ? 32 : 128) ? "ADDR" : "SUBNET", d->addrs[i]);
    }
    for (size_t i = 0; i < d->nurls; i++) {
        const char *u = d->urls[i]->value, *p = strstr(u, "://");
        char clean[2048];
        bl_clean(p ? p + 3 : u, clean, sizeof clean);
        zeek_row(fp, clean, "URL", d->urls[i]);
    }
    return VIGIL_OK;
}
