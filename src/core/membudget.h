/* membudget.h - a byte budget shared by the scanners of one sweep.
 *
 * Why: a big file is read whole into a buffer of its own. With every core
 * busy, two or more of the biggest files of a tree (the LLVM libraries of a
 * Debian /usr/lib, disk images in a triage folder) can be in memory at once,
 * and a sweep's peak memory becomes the sum of the biggest files, not the
 * biggest. The sweep holds budget for each big file while it is scanned:
 * a worker that cannot get it puts the file aside and goes on with other
 * files, and whoever frees budget picks the put-aside files up. Whoever
 * holds nothing always gets its bytes (a file bigger than the budget is
 * scanned, alone). */
#ifndef VIGIL_CORE_MEMBUDGET_H
#define VIGIL_CORE_MEMBUDGET_H

#include <stdint.h>

#include "vigil/status.h"

typedef struct vigil_membudget vigil_membudget;

/* limit: bytes that may be held at once by several holders. */
vigil_status vigil_membudget_create(uint64_t limit, vigil_membudget **out);
void vigil_membudget_destroy(vigil_membudget *b); /* NULL is safe */

/* Holds n bytes if they fit under the limit or nothing is held: 1, else 0. */
int vigil_membudget_try_take(vigil_membudget *b, uint64_t n);
void vigil_membudget_give(vigil_membudget *b, uint64_t n);

#endif
