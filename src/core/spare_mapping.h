/* spare_mapping.h - one big anonymous mapping kept between big files, shared
 * by the scanners of a sweep (internal).
 *
 * Why: a file bigger than a scanner's kept buffer is read into a mapping of
 * its own. Fresh anonymous memory is expensive where page tables are
 * shadowed by a hypervisor: mapping, populating and reading the two LLVM
 * libraries of a Debian /usr/lib (227 MB) took 0.9 s on the sweep's VM,
 * reading them into memory touched before 0.05 s (yara maps the files:
 * 0.18 s). So the sweep keeps the biggest such mapping after its scan and
 * lends it to the next big file, grown when it is too small. At most one
 * mapping is kept, and only while nobody uses it: the sweep's memory
 * budget still bounds the big buffers in use. */
#ifndef VIGIL_CORE_SPARE_MAPPING_H
#define VIGIL_CORE_SPARE_MAPPING_H

#include <stddef.h>

#include "vigil/status.h"

typedef struct vigil_spare_mapping vigil_spare_mapping;

vigil_status vigil_spare_mapping_create(vigil_spare_mapping **out);
void vigil_spare_mapping_destroy(vigil_spare_mapping *m); /* NULL is safe; unmaps the spare */

/* A writable mapping of at least want bytes (*cap: its size): the spare,
 * grown when smaller, or NULL when there is none (or it cannot grow; the
 * caller then maps its own). */
void *vigil_spare_mapping_take(vigil_spare_mapping *m, size_t want, size_t *cap);

/* Hands back mapping p of cap bytes (taken or mapped by the caller): it
 * becomes the spare when there is none or it is bigger than the spare; the
 * other one is unmapped. */
void vigil_spare_mapping_give(vigil_spare_mapping *m, void *p, size_t cap);

#endif
