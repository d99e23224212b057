/* fuzz_yara_gate.c - libFuzzer harness: the literal gate never changes a
 * YARA result. Why: the gate skips libyara passes, so a wrong "cannot
 * match" loses findings silently. Fixed rules covering the condition and
 * string forms the gate reads (rules with strings the gate searches only
 * in a second pass among them); the input is the scanned file (its first
 * byte also picks the file name); findings with the gate (grouping auto)
 * must equal those of one plain rule set, else the harness aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/findings.h"
#include "yara/yara_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
    "rule f1 { strings: $a = \"alpha1\" $b = \"bravo2\" wide $c = { 43 48 41 52 [1-3] 4C 49 45 } "
    "condition: 2 of them }\n"
    "rule f2 { strings: $a = \"alpha1\" nocase condition: #a > 1 }\n"
    "rule f3 { strings: $x = \"delta\" xor(1-3) condition: $x at 0 or filesize == 7 }\n"
    "rule f4 { strings: $a = \"echo5\" $b = \"fox6\" condition: ($a and not $b) or "
    "uint16(0) == 0x457f }\n"
    "rule f5 { strings: $a = \"golf7\" condition: $a and filename == \"g.bin\" }\n"
    "rule f6 { strings: $h = { 68 6F ( 74 | 75 ) 65 6C 38 } condition: $h }\n"
    "rule f7 { strings: $a = \"india9\" $b = \"juliet\" condition: all of them and filesize < 40 "
    "}\n"
    "rule f8 { strings: $a = \"kilo10\" condition: uint16(0) == 0x5a4d and $a }\n"
    "rule f9 { strings: $a = \"lima11\" $b = \"mike12\" condition: uint16(0) == 0x5a4d and "
    "filesize < 64 and 1 of them or none of them and uint8(1) == 0x41 }\n"
    "rule f10 { condition: filename matches /^g\\.b[a-z]n$/ and uint32be(0) == 0x4e4f5045 }\n"
    /* strings to spare: searched in a second pass only (yara_gate_prune.c) */
    "rule f11 { strings: $a = \"oscar13\" $b = \"papa14\" wide $c = \"quebec15\" "
    "$d = { 72 6F [0-2] 6D 65 6F 31 36 } condition: 3 of them }\n"
    "rule f12 { strings: $a = \"sierra17\" $b = \"tango18\" $c = \"uniform19\" condition: "
    "all of them and #a == 1 }\n";

static vigil_yara_rules *plain, *gated;
static vigil_yara_scanner *sp, *sg;

static vigil_yara_rules *load(vigil_yara_grouping_mode mode)
{
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *r = NULL;
    if (vigil_yara_builder_create(NULL, &b) != VIGIL_OK)
        abort();
    vigil_yara_builder_set_grouping(b, mode);
    if (vigil_yara_builder_add_string(b, "f.yar", rules, strlen(rules)) != VIGIL_OK ||
        vigil_yara_builder_finish(b, &r) != VIGIL_OK)
        abort();
    vigil_yara_builder_destroy(b);
    return r;
}

static void names(vigil_yara_scanner *s, const uint8_t *data, size_t len, const char *fname,
                  char *out, size_t cap)
{
    vigil_findings fb;
    vigil_yara_externals ext = {fname, "/f/x", "", "", "", ""};
    size_t used = 0;
    vigil_findings_init(&fb);
    out[0] = '\0';
    if (vigil_yara_scanner_scan(s, "f", data, len, &ext, 4, NULL, &fb) != VIGIL_OK)
        abort();
    for (size_t i = 0; i < fb.n && used + 16 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s ", fb.items[i].rule);
    vigil_findings_free(&fb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (plain == NULL) {
        plain = load(VIGIL_YARA_GROUPING_OFF);
        gated = load(VIGIL_YARA_GROUPING_AUTO);
        if (vigil_yara_scanner_create(plain, &sp) != VIGIL_OK ||
            vigil_yara_scanner_create(gated, &sg) != VIGIL_OK)
            abort();
    }
    const char *fname = size > 0 && (data[0] & 1) ? "g.bin" : "other";
    char a[512], b[512];
    names(sp, data, size, fname, a, sizeof a);
    names(sg, data, size, fname, b, sizeof b);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "gate changed the result: plain \"%s\", gated \"%s\"\n", a, b);
        abort();
    }
    return 0;
}
