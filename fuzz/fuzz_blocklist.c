/* fuzz_blocklist.c - libFuzzer harness for the blocklist guard's parsers
 * (allow-lists, public suffix lists) and the writers. The input is read as
 * an allow-list, as a public suffix list and as a plain intel list; the
 * first byte picks the format the set is then written in, so hostile
 * values reach every writer through the guard and the CIDR merge. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/blocklist.h"
#include "vigil/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    vigil_blocklist_guard *g = NULL;
    vigil_intel_set *set = NULL;
    if (vigil_blocklist_guard_create(&g) != VIGIL_OK)
        return 0;
    if (vigil_intel_set_create(&set) != VIGIL_OK) {
        vigil_blocklist_guard_destroy(g);
        return 0;
    }
    vigil_blocklist_guard_add_allow(g, "allow", text, len, NULL, NULL);
    if (data[0] & 0x80)
        vigil_blocklist_guard_add_suffixes(g, "psl", text, len, NULL, NULL);
    vigil_intel_set_load(set, VIGIL_INTEL_FMT_LIST, "fuzz", text, len, NULL, NULL);
    char *mem = NULL;
    size_t memlen = 0;
    FILE *fp = open_memstream(&mem, &memlen);
    if (fp != NULL) {
        vigil_blocklist_options o;
        memset(&o, 0, sizeof o);
        o.format = (vigil_blocklist_format)((data[0] & 0x7f) % VIGIL_BLOCKLIST_FORMAT_COUNT);
        o.guard = (data[0] & 0x40) ? NULL : g;
        o.now = 1717200000;
        vigil_blocklist_write(set, fp, &o, NULL);
        fclose(fp);
        free(mem);
    }
    vigil_intel_set_destroy(set);
    vigil_blocklist_guard_destroy(g);
    return 0;
}
