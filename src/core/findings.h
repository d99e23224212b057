/* findings.h - the findings of one target, as subsystems produce them.
 *
 * YARA, the IOC matchers and the engine's Sigma, registry, artefact and
 * text-log scans all append findings to one of these; the scanner then
 * scores the target and hands the whole group to the result callback. Strings are copied into the
 * arena, so a finding never points into data that dies before the callback. */
#ifndef VIGIL_CORE_FINDINGS_H
#define VIGIL_CORE_FINDINGS_H

#include <stddef.h>

#include "core/arena.h"
#include "vigil/finding.h"

typedef struct vigil_findings {
    vigil_arena arena;
    vigil_finding *items;
    size_t n;
    size_t cap;
} vigil_findings;

void vigil_findings_init(vigil_findings *fb);
void vigil_findings_free(vigil_findings *fb);
void vigil_findings_reset(vigil_findings *fb);

/* A new zeroed finding of this kind, or NULL when out of memory. The
 * pointer is valid until the next add or reset. */
vigil_finding *vigil_findings_add(vigil_findings *fb, vigil_finding_kind kind);

/* Allocations that live until reset (strings, tag and meta arrays). */
void *vigil_findings_alloc(vigil_findings *fb, size_t n);
const char *vigil_findings_strdup(vigil_findings *fb, const char *s);

#endif
