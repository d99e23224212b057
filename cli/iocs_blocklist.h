/* iocs_blocklist.h - `vigil iocs convert --to rpz|hosts|...`: the guard
 * set up from the shipped and the user's lists, the blocklist written and
 * what was refused summed up on stderr. */
#ifndef VIGIL_CLI_IOCS_BLOCKLIST_H
#define VIGIL_CLI_IOCS_BLOCKLIST_H

#include "output.h"
#include "vigil/blocklist.h"

typedef struct iocs_blocklist_args {
    vigil_blocklist_format format;
    const char *output; /* NULL = stdout */
    const char *zone;
    const char *sinkhole;
    const char **allow; /* --allow FILE, in order */
    size_t nallow;
    unsigned long sid_base;
    int drop;
} iocs_blocklist_args;

/* Writes the blocklist; returns the exit code (0, or 2 on an error). */
int iocs_write_blocklist(const vigil_intel_set *set, const iocs_blocklist_args *a, out_writer *w);

#endif
