/* yara_cache.h - compiled libyara rule sets and trial-compile outcomes kept
 * between runs (see yara_cache.c for why and the file formats). Private
 * to src/yara. */
#ifndef VIGIL_YARA_CACHE_H
#define VIGIL_YARA_CACHE_H

#include <stddef.h>

#include <yara.h>

/* Does the YARA text hold an `include` directive (a keyword token, not a
 * word in a comment or string)? What it includes is not in the text, so
 * such a text is never part of a cache key. Unreadable text counts as
 * including. */
int vigil_yara_text_has_include(const char *text, size_t len);

/* The key of one source as the builder adds it: vigil's cache format,
 * libyara's version and build, the externals, the namespace, the source
 * name and the text. 0 ok, -1 on failure. */
int vigil_yara_cache_source_key(const char *ns, const char *source, const char *text, size_t len,
                                unsigned char key[32]);

/* Incremental key of a rule set compiled from several parts. */
typedef struct vigil_yara_cache_key {
    void *ctx; /* EVP_MD_CTX */
    int ok;
} vigil_yara_cache_key;

/* what: "whole" (the builder's sources, each added by its source key),
 * "set" (a group's emitted texts), ... */
void vigil_yara_cache_key_begin(vigil_yara_cache_key *k, const char *what);
void vigil_yara_cache_key_add(vigil_yara_cache_key *k, const void *data, size_t len);
/* Adds a NUL-terminated text, its length first. */
void vigil_yara_cache_key_add_str(vigil_yara_cache_key *k, const char *text, size_t len);
/* 0 and the key, or -1 when any step failed; frees the context either way. */
int vigil_yara_cache_key_end(vigil_yara_cache_key *k, unsigned char key[32]);

/* The rule set stored under key in dir, or NULL (none, damaged, stored for
 * other sources, or written by another libyara). */
YR_RULES *vigil_yara_cache_rules_load(const char *dir, const unsigned char key[32]);
/* Stores rules under key (a cache: failures are ignored). */
void vigil_yara_cache_rules_store(const char *dir, const unsigned char key[32], YR_RULES *rules);

/* Outcomes of earlier trial compiles: sequences of source keys whose trial
 * compile gave no error and no warning, stored under their first source's
 * key (a few sequences each, most recent first). */
typedef struct vigil_yara_trial vigil_yara_trial;
/* The sequences starting with `first`; NULL when there are none. */
vigil_yara_trial *vigil_yara_trial_load(const char *dir, const unsigned char first[32]);
/* Is key the i-th source of a sequence whose sources 0..i-1 matched too
 * (asked for i = 0, 1, 2, ... in order)? t may be NULL (no). */
int vigil_yara_trial_match(vigil_yara_trial *t, size_t i, const unsigned char key[32]);
void vigil_yara_trial_free(vigil_yara_trial *t); /* NULL safe */
/* Records keys[0..n-1] as a clean sequence. */
void vigil_yara_trial_store(const char *dir, const unsigned char *keys, size_t n);

#endif
