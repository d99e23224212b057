/* vigil/quarantine.h - moving detected files into a quarantine store and
 * back, without ever losing one.
 *
 * A store is a directory (items/, journal/, lock). A file is quarantined by
 * copy -> fsync -> manifest -> fsync dir -> remove the original, each step
 * recorded in a journal first, so that a process killed at any instant
 * leaves the file in place or fully stored (or both), never neither; the
 * next vigil_quarantine_open finishes or rolls back what was half done.
 * Stored bytes are defanged (AES-256-CTR with a fixed, documented key, see
 * docs/quarantine.md) so that they cannot be run or re-detected by accident.
 * Every call reports its problems through the diagnostics callback and
 * returns a vigil_status; the library never prints. A handle is for one
 * thread; the store lock serialises processes. */
#ifndef VIGIL_QUARANTINE_H
#define VIGIL_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_quarantine vigil_quarantine;

/* An item id: "20261205-114000-1a2b3c4d" (time of quarantine + random). */
#define VIGIL_QUARANTINE_ID_MAX 40

/* One finding that caused a quarantine, recorded in the manifest. */
typedef struct vigil_quarantine_finding {
    const char *target; /* the file, or an archive member "outer.zip!inner.exe" */
    const char *kind;   /* "yara", "hash", "filename", ... */
    const char *rule;
    int score;
} vigil_quarantine_finding;

typedef struct vigil_quarantine_reason {
    int score;         /* the file's total score */
    const char *level; /* "alert", ... */
    const vigil_quarantine_finding *findings;
    size_t nfindings;
} vigil_quarantine_reason;

/* A stored item, as its manifest records it. Valid during the callback. */
typedef struct vigil_quarantine_item {
    const char *id;
    const char *path; /* the original path, exact bytes (any byte but NUL) */
    uint64_t size;
    unsigned mode; /* st_mode */
    unsigned uid, gid;
    int64_t mtime; /* seconds since the epoch */
    const char *md5, *sha1, *sha256;
    const char *quarantined_at; /* "2026-12-05T11:40:00Z" */
    const char *host;
    const char *level;
    int score;
    size_t nfindings;
    const char *manifest; /* the whole manifest, JSON text */
} vigil_quarantine_item;

typedef void (*vigil_quarantine_item_fn)(const vigil_quarantine_item *item, void *user);

typedef struct vigil_quarantine_options {
    vigil_diag_fn on_diag; /* may be NULL */
    void *diag_user;
    const char *version; /* recorded in manifests; NULL: vigil_version() */
} vigil_quarantine_options;

/* The default store, malloc'd: /var/lib/vigil/quarantine for root, else
 * $XDG_DATA_HOME/vigil/quarantine ($HOME/.local/share when unset). */
vigil_status vigil_quarantine_default_dir(char **out);

/* Opens (creating, mode 0700) the store at dir, takes its lock (waits for
 * another process using it) and recovers half-done moves (see
 * vigil_quarantine_recover). opts may be NULL. */
vigil_status vigil_quarantine_open(const char *dir, const vigil_quarantine_options *opts,
                                   vigil_quarantine **out);
void vigil_quarantine_close(vigil_quarantine *q); /* NULL is safe */

/* Finishes or rolls back every move the journal shows half done, saying
 * what it did as diagnostics (warning level). Counts may be NULL. */
vigil_status vigil_quarantine_recover(vigil_quarantine *q, unsigned *finished,
                                      unsigned *rolled_back);

/* Moves the regular file at path into the store. expected_sha256 (lower-
 * case hex, may be NULL) is the hash the scan saw: a file that differs now
 * is left in place (VIGIL_ERR_CHANGED). A symbolic link is never followed
 * (VIGIL_ERR_UNSUPPORTED). When the original cannot be removed (read-only
 * file system, immutable file) or the store cannot take the copy (ENOSPC),
 * the original stays and nothing is stored. id receives the item's id. */
vigil_status vigil_quarantine_add(vigil_quarantine *q, const char *path,
                                  const char *expected_sha256, const vigil_quarantine_reason *why,
                                  char id[VIGIL_QUARANTINE_ID_MAX]);

/* One file of vigil_quarantine_add_many. */
typedef struct vigil_quarantine_request {
    const char *path;
    const char *expected_sha256;        /* may be NULL */
    const vigil_quarantine_reason *why; /* may be NULL */
    char id[VIGIL_QUARANTINE_ID_MAX];   /* out: the item, "" when not quarantined */
    vigil_status status;                /* out: as vigil_quarantine_add returns */
} vigil_quarantine_request;

/* vigil_quarantine_add for many files with one sync per group of files
 * (copy each, one syncfs of the store, then remove the originals) instead
 * of fsyncs per file: the same guarantees, far fewer disk flushes. Returns
 * VIGIL_OK when the requests were handled; see each one's status. */
vigil_status vigil_quarantine_add_many(vigil_quarantine *q, vigil_quarantine_request *reqs,
                                       size_t n);

/* Every item, in id (time) order; or the one item id. */
vigil_status vigil_quarantine_list(vigil_quarantine *q, vigil_quarantine_item_fn fn, void *user);
vigil_status vigil_quarantine_get(vigil_quarantine *q, const char *id, vigil_quarantine_item_fn fn,
                                  void *user);

#define VIGIL_QUARANTINE_FORCE 1u /* restore: replace a file that exists there */

/* Puts the exact bytes back at the original path (or at to, when not NULL)
 * with mode, owner and mtime, checks the SHA-256, then drops the item. A
 * file that exists there is not replaced (VIGIL_ERR_EXISTS) unless
 * VIGIL_QUARANTINE_FORCE; one with the item's SHA-256 just closes it. */
vigil_status vigil_quarantine_restore(vigil_quarantine *q, const char *id, const char *to,
                                      unsigned flags);

typedef enum {
    VIGIL_QUARANTINE_EXPORT_RAW = 0, /* the original bytes */
    VIGIL_QUARANTINE_EXPORT_ZIP = 1  /* a zip encrypted with password "infected" */
} vigil_quarantine_export_format;

/* Writes item id to out_path, which must not exist yet (mode 0600). */
vigil_status vigil_quarantine_export(vigil_quarantine *q, const char *id, const char *out_path,
                                     vigil_quarantine_export_format format);

/* The file on disk a scan result is about (vigil_target_result.path): the
 * path itself when it is a regular file (a symbolic link is not followed),
 * else the outer file of an archive member ("a.zip!x/evil.exe": the
 * shortest prefix ending before a '!' that is a regular file); *member says
 * which. Paths longer than PATH_MAX are looked up in steps. The path is
 * malloc'd into *out. When there is none: the status of the path itself
 * (VIGIL_ERR_NOT_FOUND, VIGIL_ERR_ACCESS; VIGIL_ERR_UNSUPPORTED for a
 * symbolic link or a file that is not regular). */
vigil_status vigil_quarantine_file_on_disk(const char *result_path, char **out, int *member);

/* The SHA-256 (lower-case hex) of the regular file at path, not following
 * a symbolic link: what a caller passes to vigil_quarantine_add for a file
 * the scan did not hash itself (the archive around a detected member). */
vigil_status vigil_quarantine_file_sha256(const char *path, char hex[65]);

/* Deletes item id from the store for good. */
vigil_status vigil_quarantine_purge(vigil_quarantine *q, const char *id);

#ifdef __cplusplus
}
#endif
#endif
