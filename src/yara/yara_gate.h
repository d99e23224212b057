/* yara_gate.h - literal gate: skip a libyara pass that cannot report anything.
 *
 * Why: libyara walks every byte of a file whatever the rules (about 2 ns a
 * byte even for an empty rule set), so on a Linux tree the few rules with
 * no magic-byte precondition cost a full pass over every ELF file, and on
 * a tree of PE files every rule of the MZ group does. Those
 * rules almost always need some of their strings: `3 of them`, `$x1 or
 * all of ($s*)`, `(uint16(0) == 0x5a4d and ...) or 5 of them`. The gate
 * takes from each string a byte sequence any match must contain (the text
 * in each of its encodings, the longest fixed run of a hex string), finds
 * them all in one Hyperscan pass, and evaluates every rule's condition in
 * three-valued logic: a string whose sequences are absent is false, `#s`
 * is 0, magic bytes, filesize and the external variables are known, and
 * anything else is unknown. When every rule a set would report comes out
 * false, libyara is not called: no finding can be lost, since each step
 * only ever turns "false" into "unknown". */
#ifndef VIGIL_YARA_GATE_H
#define VIGIL_YARA_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/status.h"
#include "yara/yara_split.h"

typedef struct vigil_yara_gate vigil_yara_gate;
typedef struct vigil_yara_gate_scratch vigil_yara_gate_scratch;

typedef struct vigil_yara_gate_info {
    uint64_t groups;       /* plan groups the gate decides for */
    size_t rules;          /* reported rules in those groups */
    size_t refutable;      /* of which: cannot match without one of their literals */
    size_t literals;       /* distinct literals searched in every file */
    size_t literals_all;   /* with the pruned strings' (the second pass) */
    size_t strings;        /* strings with literals */
    size_t strings_open;   /* strings without (regex, base64, short, ...) */
    size_t strings_pruned; /* of those: searched only when the others leave a rule possible */
} vigil_yara_gate_info;

/* Builds the gate for every plan group (all but a catch-all group holding
 * rules the parser could not read). Files that are not PE files are
 * searched for the non-MZ groups' literals only; a PE file, for all. *out
 * is NULL (and VIGIL_OK) when no group qualifies or Hyperscan refuses the
 * literals: then every set is simply scanned. s and p must outlive the
 * gate. cache_dir (may be NULL): compiled databases are looked up and kept
 * there (core/hyperscan_cache.h). */
vigil_status vigil_yara_gate_build(const vigil_yara_split *s, const vigil_yara_plan *p,
                                   const char *cache_dir, vigil_yara_gate **out);
void vigil_yara_gate_destroy(vigil_yara_gate *g); /* NULL safe */
void vigil_yara_gate_get_info(const vigil_yara_gate *g, vigil_yara_gate_info *out);

/* 1 when the gate decides for rule r (of the split) and r cannot match a
 * file that lacks all its literals. */
int vigil_yara_gate_refutes(const vigil_yara_gate *g, const vigil_yara_rule *r);

/* The rules the gate decides for: rule i (NULL past the end), *why (may
 * be NULL) why no file without its literals is ruled out (NULL when it
 * needs one), *files (may be NULL) how many files it left to libyara
 * since vigil_yara_gate_count_costs. */
size_t vigil_yara_gate_rule_count(const vigil_yara_gate *g);
const vigil_yara_rule *vigil_yara_gate_rule(const vigil_yara_gate *g, size_t i, const char **why,
                                            uint64_t *files);
/* From now on, every rule is decided on every file (no early stop: slower)
 * and the rules each file may match are counted. Call before scanning. */
vigil_status vigil_yara_gate_count_costs(vigil_yara_gate *g);

/* Per-thread state (Hyperscan scratch, string marks). */
vigil_status vigil_yara_gate_scratch_create(const vigil_yara_gate *g,
                                            vigil_yara_gate_scratch **out);
void vigil_yara_gate_scratch_destroy(vigil_yara_gate_scratch *sc); /* NULL safe */

/* 0 when no rule whose home is one of `groups` can match the file (data,
 * len, with the externals ext); 1 when one may, or when the gate cannot
 * tell (a group it does not cover, an error). */
int vigil_yara_gate_may_match(vigil_yara_gate_scratch *sc, uint64_t groups, const uint8_t *data,
                              size_t len, const vigil_yara_externals *ext);

#endif
