/* ioc_internal.h - the shapes shared by the IOC sources (parser, hash set,
 * path matcher, C2 store) and the functions they call across files.
 *
 * Why one string pool: hash lists repeat the same description and source
 * name thousands of times, so every string is interned once and entries
 * refer to it by a 32-bit offset. The pool moves into the database at
 * finish, so offsets stay valid and turn into stable pointers. */
#ifndef VIGIL_IOC_INTERNAL_H
#define VIGIL_IOC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buffer.h" /* vigil_array_grow */
#include "ioc/ioc.h"

#define VIGIL_IOC_NOSTR UINT32_MAX /* "no string" offset */

/* An interning string pool: a growable byte buffer of NUL-terminated
 * strings plus an open-addressing table from content to offset. */
typedef struct vigil_ioc_pool {
    char *buf;
    size_t len, cap;
    uint32_t *slots; /* offset + 1, 0 = empty */
    size_t nslots;   /* power of two */
    size_t nused;
    uint32_t recent[2]; /* last strings interned, offset + 1: lists repeat runs */
} vigil_ioc_pool;

void vigil_ioc_pool_init(vigil_ioc_pool *p);
void vigil_ioc_pool_free(vigil_ioc_pool *p);
/* Interns s[0..n) (NULL s gives VIGIL_IOC_NOSTR); *off = its offset. */
vigil_status vigil_ioc_pool_intern(vigil_ioc_pool *p, const char *s, size_t n, uint32_t *off);
/* Drops the lookup table once no more strings will be added. */
void vigil_ioc_pool_seal(vigil_ioc_pool *p);
/* The string at off, or NULL for VIGIL_IOC_NOSTR. */
const char *vigil_ioc_pool_str(const vigil_ioc_pool *p, uint32_t off);

/* One hash IOC. Digests shorter than 32 bytes are zero-padded. */
typedef struct vigil_ioc_hash_rec {
    uint8_t digest[32];
    uint64_t line;
    uint32_t desc;
    uint32_t source;
    int32_t score;
    uint32_t seq; /* insertion order, to keep the first description */
} vigil_ioc_hash_rec;

enum { VIGIL_IOC_MD5 = 0, VIGIL_IOC_SHA1 = 1, VIGIL_IOC_SHA256 = 2, VIGIL_IOC_NKINDS = 3 };

typedef struct vigil_ioc_hashset {
    vigil_ioc_hash_rec *recs[VIGIL_IOC_NKINDS]; /* sorted by digest once frozen */
    size_t n[VIGIL_IOC_NKINDS];
    size_t cap[VIGIL_IOC_NKINDS];
    uint64_t added; /* entries accepted, duplicates included */
    uint32_t seq;
} vigil_ioc_hashset;

/* One filename IOC as added. */
typedef struct vigil_ioc_fname_rec {
    uint64_t line;
    uint32_t regex; /* as written, "(?i)" included */
    uint32_t fp;    /* false-positive regex or VIGIL_IOC_NOSTR */
    uint32_t desc;
    uint32_t source;
    int32_t score;
} vigil_ioc_fname_rec;

typedef struct vigil_ioc_c2_rec {
    uint64_t line;
    uint32_t value; /* normalised */
    uint32_t desc;
    uint32_t source;
    int32_t score;
} vigil_ioc_c2_rec;

struct vigil_ioc_builder {
    vigil_diag_sink diag;
    vigil_ioc_pool pool;
    vigil_ioc_hashset hashes;
    vigil_ioc_hashset allow; /* known-good hashes (false-positive lists) */
    vigil_ioc_fname_rec *fnames;
    size_t nfnames, capfnames;
    vigil_ioc_c2_rec *c2;
    size_t nc2, capc2;
    int finished;
    char *cache_dir; /* compiled databases kept between runs; may be NULL */
};

typedef struct vigil_ioc_pathdb vigil_ioc_pathdb; /* ioc_path.c */

struct vigil_ioc_db {
    vigil_ioc_pool pool;
    vigil_ioc_hashset hashes;
    vigil_ioc_hashset allow;
    vigil_ioc_pathdb *paths;
    vigil_ioc_c2 *c2;    /* in file order */
    uint32_t *c2_sorted; /* indexes into c2, sorted by value */
    size_t nc2;
};

/* Hash set: frees, sorts and removes duplicates (keeping the highest score
 * and the first description). */
void vigil_ioc_hashset_free(vigil_ioc_hashset *h);
vigil_status vigil_ioc_hashset_freeze(vigil_ioc_hashset *h);

/* Path matcher: compiles the builder's filename IOCs. *out may be NULL when
 * there are none. Diagnostics name the pattern's file and line. */
vigil_status vigil_ioc_pathdb_build(const vigil_ioc_fname_rec *recs, size_t n,
                                    const vigil_ioc_pool *pool, const char *cache_dir,
                                    const vigil_diag_sink *diag, vigil_ioc_pathdb **out);
void vigil_ioc_pathdb_destroy(vigil_ioc_pathdb *p);
size_t vigil_ioc_pathdb_count(const vigil_ioc_pathdb *p);
/* Patterns refused at build (not compiling, or matching the empty string). */
size_t vigil_ioc_pathdb_refused(const vigil_ioc_pathdb *p);
/* Patterns kept in prefilter mode and PCRE2-only mode. */
void vigil_ioc_pathdb_modes(const vigil_ioc_pathdb *p, size_t *prefilter, size_t *pcre);

/* The forms of one path that filename patterns are run on (see
 * ioc_pathtext.c for why): u is valid UTF-8, t has one byte per character
 * (non-ASCII ones as 0x7F); the *alt forms have '/' turned into '\' and
 * are NULL when the path has no '/'. For an ASCII path u == t == path. */
typedef struct vigil_ioc_pathtext {
    const char *u, *t, *ualt, *talt;
    size_t ulen, tlen;
    int ascii;
    char *ubuf, *tbuf, *ualtbuf, *taltbuf;
    size_t ucap, tcap, ualtcap, taltcap;
} vigil_ioc_pathtext;

vigil_status vigil_ioc_pathtext_set(vigil_ioc_pathtext *pt, const char *path, size_t len);
void vigil_ioc_pathtext_free(vigil_ioc_pathtext *pt);
/* Whether a regex may treat non-ASCII characters differently from 0x7F
 * (non-ASCII literals, \w \s \d \b, numeric escapes, backreferences). */
int vigil_ioc_regex_unicode_sensitive(const char *regex);

/* C2 store: turns the builder's records into the database's table. */
vigil_status vigil_ioc_c2_freeze(vigil_ioc_db *db, const vigil_ioc_c2_rec *recs, size_t n);

#endif
