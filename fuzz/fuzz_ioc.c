/* fuzz_ioc.c - libFuzzer harness for the IOC text formats and matchers.
 *
 * IOC lists come from third parties and may be hostile: the same bytes are
 * parsed as a hash, a filename and a C2 list, the database is frozen (so
 * the regexes reach hyperscan and PCRE2), and the input is then matched as
 * a path and its first bytes as digests. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ioc/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    uint8_t digest[32] = {0};
    static const vigil_rule_kind kinds[] = {VIGIL_RULES_IOC_HASH, VIGIL_RULES_IOC_FILENAME,
                                            VIGIL_RULES_IOC_C2};

    if (size > 4096) /* hyperscan compile time grows with the pattern count */
        return 0;
    if (vigil_ioc_builder_create(NULL, &b) != VIGIL_OK)
        return 0;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        vigil_ioc_builder_add_text(b, "fuzz", (const char *)data, size, kinds[i]);
    if (vigil_ioc_builder_finish(b, &db) == VIGIL_OK &&
        vigil_ioc_scratch_create(db, &s) == VIGIL_OK) {
        vigil_findings_init(&fb);
        vigil_ioc_match_path(db, s, (const char *)data, size, &fb);
        memcpy(digest, data, size < sizeof digest ? size : sizeof digest);
        vigil_ioc_match_hashes(db, digest, digest, digest, &fb);
        for (size_t i = 0; i < vigil_ioc_db_c2_count(db); i++) {
            const vigil_ioc_c2 *c = vigil_ioc_db_c2_at(db, i);
            if (vigil_ioc_db_c2_find(db, c->value, strlen(c->value)) == NULL)
                __builtin_trap(); /* every stored value must be found again */
        }
        vigil_findings_free(&fb);
    }
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
    vigil_ioc_builder_destroy(b);
    return 0;
}
