/* yara_cache.c - compiled libyara rule sets and trial-compile outcomes kept
 * between runs.
 *
 * Why: loading the 3,021 Elastic rules spent most of its time in libyara
 * compiling every rule twice over (the builder's per-file trial compile,
 * then the rule sets), more than `yara` takes for the whole load. Both only
 * depend on the rule texts, so both are kept in vigil's cache directory
 * (the one of the Hyperscan databases, core/blob_cache.c: keyed files with
 * a checksum, written atomically, anything odd a miss):
 *
 * - a compiled rule set (yr_rules_save_stream) under the SHA-256 of
 *   everything its compile reads: this file's format version, libyara's
 *   version and the library file in use, the externals declared, and
 *   every source in order with its namespace ("yara-<key>.rules");
 * - the outcome of a trial compile, only when it was clean (no error, no
 *   warning): the keys of the sources in the order they were added, under
 *   the first one's key ("yara-trial-<key>.idx", a few sequences each).
 *   A source whose key continues a clean sequence needs no trial compile:
 *   its compile would print nothing and keep it. A load with a warning or
 *   a broken file is tried in full every time, so every message is said
 *   again.
 *
 * A text with an `include` is never keyed: what it includes is not in it. */
#include "yara/yara_cache.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/blob_cache.h"
#include "core/buffer.h"
#include "yara/yara_internal.h"
#include "yara/yara_lex.h"

#define FORMAT "vigil-yara-cache 1"
#define MAX_RULES_BLOB (1u << 30)
#define MAX_TRIAL_BLOB (64u << 20)
#define MAX_SEQUENCES 4 /* e.g. one rule directory alone and with another */

static const vigil_blob_kind rules_kind = {"yara-", ".rules", "VIGILYR1", MAX_RULES_BLOB};
static const vigil_blob_kind trial_kind = {"yara-trial-", ".idx", "VIGILYT1", MAX_TRIAL_BLOB};

int vigil_yara_text_has_include(const char *text, size_t len)
{
    vigil_yara_lexer lx;
    vigil_yara_tok tok;

    if (text == NULL || len == 0 || memmem(text, len, "include", 7) == NULL)
        return 0;
    vigil_yara_lex_init(&lx, text, len);
    for (;;) {
        if (vigil_yara_lex_next(&lx, &tok) != VIGIL_OK)
            return 1; /* cannot tell */
        if (tok.kind == VY_T_EOF)
            return 0;
        if (tok.kind == VY_T_KEYWORD && tok.sub == VY_KW_INCLUDE)
            return 1;
    }
}

/* ---- keys --------------------------------------------------------------- */

/* The libyara actually loaded: its version says little when a package
 * update keeps it, so the library file's identity goes into keys too
 * (looked up once: every source is keyed). */
static uint64_t library_id[5];
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void find_library(void)
{
    Dl_info info;
    struct stat sb;
    if (dladdr((void *)(uintptr_t)yr_rules_save_stream, &info) == 0 || info.dli_fname == NULL ||
        stat(info.dli_fname, &sb) != 0)
        return;
    library_id[0] = (uint64_t)sb.st_dev;
    library_id[1] = (uint64_t)sb.st_ino;
    library_id[2] = (uint64_t)sb.st_size;
    library_id[3] = (uint64_t)sb.st_mtim.tv_sec;
    library_id[4] = (uint64_t)sb.st_mtim.tv_nsec;
}

static void add_library(vigil_yara_cache_key *k)
{
    if (pthread_once(&library_once, find_library) != 0)
        k->ok = 0;
    vigil_yara_cache_key_add(k, library_id, sizeof library_id);
}

void vigil_yara_cache_key_begin(vigil_yara_cache_key *k, const char *what)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    k->ctx = ctx;
    k->ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    vigil_yara_cache_key_add_str(k, FORMAT, strlen(FORMAT));
    vigil_yara_cache_key_add_str(k, YR_VERSION, strlen(YR_VERSION));
    add_library(k);
    for (size_t i = 0; i < VIGIL_YARA_NEXTERNALS; i++) /* declared as "" */
        vigil_yara_cache_key_add_str(k, vigil_yara_external_names[i],
                                     strlen(vigil_yara_external_names[i]));
    vigil_yara_cache_key_add_str(k, what, strlen(what));
}

void vigil_yara_cache_key_add(vigil_yara_cache_key *k, const void *data, size_t len)
{
    if (k->ok && len > 0)
        k->ok = EVP_DigestUpdate(k->ctx, data, len) == 1;
}

void vigil_yara_cache_key_add_str(vigil_yara_cache_key *k, const char *text, size_t len)
{
    uint64_t n = len;
    vigil_yara_cache_key_add(k, &n, sizeof n);
    vigil_yara_cache_key_add(k, text, len);
}

int vigil_yara_cache_key_end(vigil_yara_cache_key *k, unsigned char key[32])
{
    unsigned int len = 0;
    int ok = k->ok && EVP_DigestFinal_ex(k->ctx, key, &len) == 1 && len == 32;
    EVP_MD_CTX_free(k->ctx);
    k->ctx = NULL;
    k->ok = 0;
    return ok ? 0 : -1;
}

int vigil_yara_cache_source_key(const char *ns, const char *source, const char *text, size_t len,
                                unsigned char key[32])
{
    vigil_yara_cache_key k;
    vigil_yara_cache_key_begin(&k, "source");
    vigil_yara_cache_key_add_str(&k, ns, strlen(ns));
    vigil_yara_cache_key_add_str(&k, source, strlen(source));
    vigil_yara_cache_key_add_str(&k, text, len);
    return vigil_yara_cache_key_end(&k, key);
}

/* ---- rule sets ---------------------------------------------------------- */

typedef struct mem_reader {
    const unsigned char *data;
    size_t len, pos;
} mem_reader;

static size_t mem_read(void *ptr, size_t size, size_t count, void *user)
{
    mem_reader *m = user;
    if (size == 0 || count == 0)
        return 0;
    size_t avail = (m->len - m->pos) / size, n = count < avail ? count : avail;
    memcpy(ptr, m->data + m->pos, n * size);
    m->pos += n * size;
    return n;
}

static size_t buf_write(const void *ptr, size_t size, size_t count, void *user)
{
    if (size == 0 || count == 0)
        return 0;
    if (count > SIZE_MAX / size ||
        vigil_buffer_grow(user, size * count, MAX_RULES_BLOB) != VIGIL_OK ||
        vigil_buffer_append(user, ptr, size * count) != VIGIL_OK)
        return 0;
    return count;
}

YR_RULES *vigil_yara_cache_rules_load(const char *dir, const unsigned char key[32])
{
    vigil_blob blob;
    YR_RULES *rules = NULL;

    if (vigil_blob_cache_load(dir, &rules_kind, key, &blob) != 0)
        return NULL;
    mem_reader m = {blob.data, blob.len, 0};
    YR_STREAM stream = {&m, mem_read, NULL};
    if (yr_rules_load_stream(&stream, &rules) != ERROR_SUCCESS || m.pos != m.len) {
        if (rules != NULL)
            yr_rules_destroy(rules);
        rules = NULL;
    }
    vigil_blob_free(&blob);
    return rules;
}

void vigil_yara_cache_rules_store(const char *dir, const unsigned char key[32], YR_RULES *rules)
{
    vigil_buffer b = {0};
    YR_STREAM stream = {&b, NULL, buf_write};

    if (dir == NULL || rules == NULL)
        return;
    if (yr_rules_save_stream(rules, &stream) == ERROR_SUCCESS && b.len > 0)
        (void)vigil_blob_cache_store(dir, &rules_kind, key, b.data, b.len);
    vigil_buffer_free(&b);
}

/* ---- trial outcomes ----------------------------------------------------- */

/* Payload: uint32 count of sequences; per sequence a uint32 count of keys
 * and the keys. */
typedef struct trial_seq {
    const unsigned char *keys;
    uint32_t n;
    int live; /* matched every key asked so far */
} trial_seq;

struct vigil_yara_trial {
    vigil_blob blob;
    trial_seq seq[MAX_SEQUENCES];
    size_t nseq;
};

/* Splits a payload into sequences; 0 ok, -1 malformed. */
static int parse_trial(const unsigned char *p, size_t len, trial_seq *seq, size_t *nseq)
{
    uint32_t count, n;
    size_t at = sizeof count;

    *nseq = 0;
    if (len < sizeof count)
        return -1;
    memcpy(&count, p, sizeof count);
    if (count > MAX_SEQUENCES)
        return -1;
    for (uint32_t s = 0; s < count; s++) {
        if (len - at < sizeof n)
            return -1;
        memcpy(&n, p + at, sizeof n);
        at += sizeof n;
        if (n == 0 || (len - at) / 32 < n)
            return -1;
        seq[s] = (trial_seq){p + at, n, 1};
        at += (size_t)n * 32;
    }
    if (at != len)
        return -1;
    *nseq = count;
    return 0;
}

vigil_yara_trial *vigil_yara_trial_load(const char *dir, const unsigned char first[32])
{
    vigil_yara_trial *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    if (vigil_blob_cache_load(dir, &trial_kind, first, &t->blob) != 0 ||
        parse_trial(t->blob.data, t->blob.len, t->seq, &t->nseq) != 0) {
        vigil_yara_trial_free(t);
        return NULL;
    }
    return t;
}

int vigil_yara_trial_match(vigil_yara_trial *t, size_t i, const unsigned char key[32])
{
    int any = 0;
    if (t == NULL)
        return 0;
    for (size_t s = 0; s < t->nseq; s++) {
        trial_seq *q = &t->seq[s];
        q->live = q->live && i < q->n && memcmp(q->keys + i * 32, key, 32) == 0;
        any |= q->live;
    }
    return any;
}

void vigil_yara_trial_free(vigil_yara_trial *t)
{
    if (t == NULL)
        return;
    vigil_blob_free(&t->blob);
    free(t);
}

void vigil_yara_trial_store(const char *dir, const unsigned char *keys, size_t n)
{
    vigil_buffer b = {0};
    uint32_t count = 1, n32 = (uint32_t)n;

    if (dir == NULL || keys == NULL || n == 0 || n > (MAX_TRIAL_BLOB / 32) / 2)
        return;
    /* this sequence first, then the older ones that are not it */
    vigil_yara_trial *old = vigil_yara_trial_load(dir, keys);
    size_t keep[MAX_SEQUENCES], nkeep = 0;
    for (size_t s = 0; old != NULL && s < old->nseq && nkeep < MAX_SEQUENCES - 1; s++) {
        const trial_seq *q = &old->seq[s];
        if (q->n == n && memcmp(q->keys, keys, n * 32) == 0)
            continue;
        keep[nkeep++] = s;
    }
    count += (uint32_t)nkeep;
    int ok = vigil_buffer_append(&b, &count, sizeof count) == VIGIL_OK &&
             vigil_buffer_append(&b, &n32, sizeof n32) == VIGIL_OK &&
             vigil_buffer_append(&b, keys, n * 32) == VIGIL_OK;
    for (size_t s = 0; ok && s < nkeep; s++) {
        const trial_seq *q = &old->seq[keep[s]];
        ok = vigil_buffer_append(&b, &q->n, sizeof q->n) == VIGIL_OK &&
             vigil_buffer_append(&b, q->keys, (size_t)q->n * 32) == VIGIL_OK;
    }
    if (ok && b.len <= MAX_TRIAL_BLOB)
        (void)vigil_blob_cache_store(dir, &trial_kind, keys, b.data, b.len);
    vigil_yara_trial_free(old);
    vigil_buffer_free(&b);
}
