/* fuzz_intel.c - libFuzzer harness for the intel loaders and the network
 * indicator scanner. The first byte picks the loader (STIX, OpenIOC, MISP
 * JSON, MISP CSV, CSV, list, auto-detect); the items loaded from the rest
 * are also compiled into a netioc database that then scans the input, so
 * hostile intel and hostile logs are both exercised. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intel/intel_loaders.h"
#include "netioc/netioc.h"

static int on_hit(const vigil_netioc_hit *h, void *user)
{
    (void)h;
    (void)user;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const vigil_intel_format fmts[] = {VIGIL_INTEL_FMT_STIX,      VIGIL_INTEL_FMT_OPENIOC,
                                              VIGIL_INTEL_FMT_MISP_JSON, VIGIL_INTEL_FMT_MISP_CSV,
                                              VIGIL_INTEL_FMT_CSV,       VIGIL_INTEL_FMT_LIST,
                                              VIGIL_INTEL_FMT_AUTO};
    if (size < 1)
        return 0;
    vigil_intel_format fmt = fmts[data[0] % 7];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    vigil_netioc_builder *b = NULL;
    if (vigil_netioc_builder_create(NULL, &b) != VIGIL_OK)
        return 0;
    vigil_intel_opts o;
    memset(&o, 0, sizeof o);
    o.fn = vigil_netioc_add_item_cb;
    o.user = b;
    o.now = 1717200000;
    vigil_intel_load(fmt, "fuzz", text, len, &o);
    vigil_netioc_db *db = NULL;
    vigil_netioc_scratch *s = NULL;
    if (vigil_netioc_builder_finish(b, &db) == VIGIL_OK &&
        vigil_netioc_scratch_create(db, &s) == VIGIL_OK)
        vigil_netioc_scan(db, s, text, len, 1, 0, on_hit, NULL);
    vigil_netioc_scratch_destroy(s);
    vigil_netioc_db_destroy(db);
    vigil_netioc_builder_destroy(b);
    return 0;
}
