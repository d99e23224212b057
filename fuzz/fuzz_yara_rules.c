/* fuzz_yara_rules.c - libFuzzer harness for hostile rule text: the rule
 * line finder and the builder (compile, index) must never crash or leak,
 * whatever the bytes; when the text compiles, it is also scanned. */
#include <stddef.h>
#include <stdint.h>

#include "core/findings.h"
#include "yara/yara_internal.h"
#include "yara/yara_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Keep libyara initialised across runs instead of once per input. */
    return vigil_yara_lib_acquire() == VIGIL_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_arena a;
    vigil_yara_rule_pos *pos;
    size_t n;
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;

    vigil_arena_init(&a);
    vigil_yara_find_rule_lines((const char *)data, size, &a, &pos, &n);
    vigil_arena_free(&a);

    if (vigil_yara_builder_create(NULL, &b) != VIGIL_OK)
        return 0;
    if (vigil_yara_builder_add_string(b, "fuzz.yar", (const char *)data, size) == VIGIL_OK &&
        vigil_yara_builder_finish(b, &r) == VIGIL_OK) {
        vigil_yara_scanner *s = NULL;
        vigil_findings fb;
        vigil_findings_init(&fb);
        if (vigil_yara_scanner_create(r, &s) == VIGIL_OK) {
            vigil_yara_scanner_set_timeout(s, 1);
            vigil_yara_scanner_scan(s, "input", data, size, NULL, 8, NULL, &fb);
        }
        vigil_yara_scanner_destroy(s);
        vigil_findings_free(&fb);
    }
    vigil_yara_rules_destroy(r);
    vigil_yara_builder_destroy(b);
    return 0;
}
