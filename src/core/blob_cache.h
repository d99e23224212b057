/* blob_cache.h - keyed files kept between runs in vigil's cache directory
 * (see blob_cache.c for the file format and why). */
#ifndef VIGIL_CORE_BLOB_CACHE_H
#define VIGIL_CORE_BLOB_CACHE_H

#include <stddef.h>

/* What kind of blob, and so its file name and first bytes: files are named
 * "<dir>/<prefix><hex of the key><suffix>" and start with the 8 bytes of
 * magic. */
typedef struct vigil_blob_kind {
    const char *prefix; /* e.g. "hs-" */
    const char *suffix; /* e.g. ".db" */
    const char *magic;  /* exactly 8 characters, e.g. "VIGILHS2" */
    size_t max;         /* bigger payloads are not ours */
} vigil_blob_kind;

/* A loaded payload: data/len, in memory that vigil_blob_free releases. */
typedef struct vigil_blob {
    const unsigned char *data;
    size_t len;
    void *mem; /* the whole file as read */
    size_t mem_len;
    int mapped; /* mem is an anonymous mapping, not malloc'd */
} vigil_blob;

/* The payload stored under key in dir: 0 and *out filled, or -1 (out
 * empty) when there is none, it is damaged (truncated, altered, checksum
 * wrong), it was stored under another key, or it is not a regular file. */
int vigil_blob_cache_load(const char *dir, const vigil_blob_kind *kind, const unsigned char key[32],
                          vigil_blob *out);
void vigil_blob_free(vigil_blob *b); /* NULL safe; empties *b */

/* Stores len bytes under key in dir (created with mode 0700 if needed; the
 * file is 0600, written to a temporary name and renamed). 0 stored, -1 not
 * (a cache, never an error for the caller). */
int vigil_blob_cache_store(const char *dir, const vigil_blob_kind *kind,
                           const unsigned char key[32], const void *data, size_t len);

/* SHA-256 of len bytes. 0 ok, -1 on failure. */
int vigil_blob_cache_sha256(const void *data, size_t len, unsigned char out[32]);

#endif
