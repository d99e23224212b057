/* fuzz_yara_split.c - libFuzzer harness for the YARA source reader,
 * planner and literal gate: any bytes must parse or fail cleanly, and a
 * plan and gate built from what parsed must select and decide without
 * faults (the input doubles as the file scanned). Rule files come from users and rule
 * feeds, so the reader is an attack surface like any scanned file. */
#include <stddef.h>
#include <stdint.h>

#include "yara/yara_gate.h"
#include "yara/yara_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_yara_split *s = NULL;
    if (vigil_yara_split_create(NULL, &s) != VIGIL_OK)
        return 0;
    (void)vigil_yara_split_add_string(s, "fuzz", "fuzz", (const char *)data, size);
    vigil_yara_plan *p = NULL;
    if (vigil_yara_plan_build(s, NULL, &p) == VIGIL_OK) {
        vigil_yara_externals e = {"a.exe", "/tmp", ".exe", "EXE", "root", ""};
        uint64_t mask = 0;
        (void)vigil_yara_plan_select(p, data, size < 64 ? size : 64, size, &e, &mask);
        for (size_t r = 0; r < vigil_yara_split_rule_count(s); r++) {
            char buf[256];
            vigil_yara_pre_format(vigil_yara_plan_rule_pre(p, r), buf, sizeof buf);
        }
        vigil_yara_gate *g = NULL;
        vigil_yara_gate_scratch *sc = NULL;
        if (vigil_yara_gate_build(s, p, NULL, &g) == VIGIL_OK && g != NULL &&
            vigil_yara_gate_scratch_create(g, &sc) == VIGIL_OK) {
            vigil_yara_gate_info gi;
            vigil_yara_gate_get_info(g, &gi);
            (void)vigil_yara_gate_may_match(sc, gi.groups, data, size, &e);
        }
        vigil_yara_gate_scratch_destroy(sc);
        vigil_yara_gate_destroy(g);
    }
    vigil_yara_plan_destroy(p);
    vigil_yara_split_destroy(s);
    return 0;
}
