/* sigma_prefilter_memo.h - a per-thread memo of what the prefilter found in a value.
 *
 * Why: the events of a log repeat their values: one Image, Hashes, User,
 * ParentCommandLine for hundreds of process starts (in the corpus, 20% of
 * the Hashes and 15% of the Image values of Sysmon process events are
 * new). The slots a literal database hits in a value depend only on the
 * database, the field and the value, so a value met before is answered by
 * a hash and a compare instead of a hyperscan scan, which on the large
 * process_creation databases costs 15 to 75 instructions a byte. The memo
 * is bounded: when it fills up it is emptied and starts again. */
#ifndef VIGIL_SIGMA_PREFILTER_MEMO_H
#define VIGIL_SIGMA_PREFILTER_MEMO_H

#include <stddef.h>
#include <stdint.h>

typedef struct vigil_sigma_prefilter_memo vigil_sigma_prefilter_memo;

/* Values longer than this are always scanned, never kept. */
#define VIGIL_SG_PFMEMO_MAX_VALUE 4096

vigil_sigma_prefilter_memo *vigil_sigma_prefilter_memo_create(void);    /* NULL: out of memory */
void vigil_sigma_prefilter_memo_destroy(vigil_sigma_prefilter_memo *m); /* NULL is safe */

/* The key of a value under (db, field), what get and put take: a hash of
 * its length and a few of its bytes, cheap to compute; get compares the
 * whole value. */
uint64_t vigil_sigma_prefilter_memo_key(uint32_t db, uint32_t field, const char *v, size_t len);

/* The slots kept for the value under (db, field), *n of them; NULL if none
 * are kept (a value that hit nothing is kept with *n == 0, not NULL). */
const uint32_t *vigil_sigma_prefilter_memo_get(const vigil_sigma_prefilter_memo *m, uint64_t key,
                                               uint32_t db, uint32_t field, const char *v,
                                               size_t len, size_t *n);

/* Keeps the slots the value hit under (db, field); a value too long, or
 * one the memo has no room for after emptying, is not kept. */
void vigil_sigma_prefilter_memo_put(vigil_sigma_prefilter_memo *m, uint64_t key, uint32_t db,
                                    uint32_t field, const char *v, size_t len,
                                    const uint32_t *slots, size_t n);

#endif
