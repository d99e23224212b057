/* engine_internal.h - the engine's insides, shared by the files of
 * src/engine/ (building, intel, scanning, correlating).
 *
 * Kept private so the public handle stays opaque: callers only see
 * vigil_engine, and the layout can change as subsystems are added. The
 * layers above reach the engine through vigil/engine.h and
 * engine_netioc.h. */
#ifndef VIGIL_ENGINE_INTERNAL_H
#define VIGIL_ENGINE_INTERNAL_H

#include "core/diagsink.h"
#include "ioc/ioc.h"
#include "netioc/netioc.h"
#include "vigil/engine.h"
#include "vigil/sigma.h"
#include "yara/yara_rules.h"

struct vigil_engine {
    vigil_diag_sink diag;
    int strict;
    int frozen;
    /* while building */
    vigil_yara_builder *yara_builder;
    vigil_ioc_builder *ioc_builder;
    vigil_sigma_builder *sigma_builder;
    uint64_t yara_files;
    uint64_t sigma_files;
    uint64_t ioc_files;
    int yara_wants_md5; /* a YARA source uses the md5 external */
    /* after freeze */
    vigil_yara_rules *yara;
    vigil_ioc_db *ioc;
    vigil_sigma_ruleset *sigma; /* NULL without Sigma rules */
    vigil_engine_counts counts;
    unsigned hash_kinds;
    vigil_netioc_db *net; /* the C2 domains, IPs, CIDRs, URLs for log and socket hunting */
};

/* ---- engine_intel.c: threat intel files and the network indicator set ---- */

/* Non-zero for the intel kinds (STIX, OPENIOC, MISP, CSV, INTEL). */
int vigil_engine_kind_is_intel(vigil_rule_kind kind);

/* Loads an intel document into the IOC builder: hashes as hash IOCs, file
 * names and paths as escaped, anchored filename regexes, network values as
 * C2 IOCs. Items that only match together (STIX AND, OpenIOC AND) load
 * their hashes alone when the group has any (a hash decides by itself),
 * else they are reported and skipped. With sniff set (a file met while
 * walking a rule directory), a document that does not look like intel is
 * ignored: *ignored is set and VIGIL_OK returned. VIGIL_ERR_PARSE when
 * nothing could be read. */
vigil_status vigil_engine_add_intel(vigil_engine *e, vigil_rule_kind kind, const char *name,
                                    const char *data, size_t len, int sniff, int *ignored);
vigil_status vigil_engine_add_intel_file(vigil_engine *e, vigil_rule_kind kind, const char *path,
                                         int sniff, int *ignored);

/* Builds e->net from the frozen IOC database's C2 entries. */
vigil_status vigil_engine_build_net(vigil_engine *e);

#endif
