/* hyperscan_cache.h - compiled hyperscan databases kept between runs (see
 * hyperscan_cache.c for the file format and why). */
#ifndef VIGIL_CORE_HYPERSCAN_CACHE_H
#define VIGIL_CORE_HYPERSCAN_CACHE_H

#include <hs.h>
#include <stddef.h>

/* The key of a pattern set: SHA-256 over the hyperscan version, the mode and
 * every (flags, id, expression). 0 ok, -1 on failure. */
int vigil_hyperscan_cache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                              unsigned n, unsigned mode, unsigned char key[32]);

/* The same for a literal set (hs_compile_lit_multi): expression i is lens[i]
 * bytes, NULs allowed. */
int vigil_hyperscan_cache_key_lit(const char *const *exprs, const size_t *lens,
                                  const unsigned *flags, const unsigned *ids, unsigned n,
                                  unsigned mode, unsigned char key[32]);

/* The database stored under key in dir, or NULL (none, damaged, stored for
 * another key, or built by another hyperscan). */
hs_database_t *vigil_hyperscan_cache_load(const char *dir, const unsigned char key[32]);

/* Stores db under key in dir (created if needed). 0 ok, -1 not stored. */
int vigil_hyperscan_cache_store(const char *dir, const unsigned char key[32],
                                const hs_database_t *db);

#endif
