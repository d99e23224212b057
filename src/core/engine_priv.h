/* engine_priv.h - the engine's insides, shared by engine.c and scanner.c.
 *
 * Kept private so the public handle stays opaque: callers only see
 * vigil_engine, and the layout can change as subsystems are added. */
#ifndef VIGIL_CORE_ENGINE_PRIV_H
#define VIGIL_CORE_ENGINE_PRIV_H

#include "core/diagsink.h"
#include "ioc/ioc.h"
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
};

#endif
