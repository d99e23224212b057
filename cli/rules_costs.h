/* rules_costs.h - `vigil rules stats PATH...`: what each YARA rule costs.
 *
 * Why: with whole public rule sets the literal gate rules out fewer files,
 * and a user tuning a rule set needs to see which rules keep libyara busy,
 * why the gate cannot rule them out, and on how many of their own files. */
#ifndef VIGIL_CLI_RULES_COSTS_H
#define VIGIL_CLI_RULES_COSTS_H

#include <jansson.h>
#include <stdint.h>

#include "output.h"
#include "vigil/vigil.h"

/* Sweeps paths (npaths) with engine, counting per rule the files it left
 * to libyara; *files the files and archive members swept. 0 on success, 2 on an error (said). */
int rules_costs_sweep(vigil_engine *engine, const char *const *paths, size_t npaths, out_writer *w,
                      uint64_t *files);
/* The rules that cost files, and every rule the gate cannot rule out,
 * most costly first (then in load order). */
void rules_costs_print_text(const vigil_engine *engine, uint64_t files);
json_t *rules_costs_json(const vigil_engine *engine, uint64_t files);

#endif
