/* quarantine_internal.h - what the files of the quarantine subsystem share: the
 * store handle, the journal, the manifest and the file mechanics (defanging
 * copy, fsync, atomic JSON writes, the fault-injection test hook).
 *
 * Store layout (docs/quarantine.md): DIR/lock, DIR/items/ID.data (the
 * defanged bytes), DIR/items/ID.json (the manifest), DIR/journal/ID.json
 * (a move in progress). Temporary files end in ".tmp". */
#ifndef VIGIL_QUARANTINE_INTERNAL_H
#define VIGIL_QUARANTINE_INTERNAL_H

#include <jansson.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/diagsink.h"
#include "core/hash.h"
#include "vigil/quarantine.h"

struct vigil_quarantine {
    char *dir;
    int dirfd, itemsfd, journalfd, lockfd;
    vigil_diag_sink diag;
    char *version;
    char host[256];
    vigil_hasher *hasher;
    long fault_step; /* VIGIL_QUARANTINE_FAULT_STEP, 0 = none */
    long steps;      /* steps done by this handle */
};

/* ---- qfile.c ---- */

/* The test hook: counts a durable step and, when the count reaches
 * VIGIL_QUARANTINE_FAULT_STEP, kills the process with SIGKILL (as a crash or
 * `kill -9` would) so that tests can stop a move after every step. */
void q_step(vigil_quarantine *q);
vigil_status q_errno_status(int err);
int q_fsync_dir(int dirfd);
/* Writes j to name in dirfd: name.tmp, fsync when durable, rename over
 * name. The caller fsyncs the directory when it must. */
vigil_status q_write_json(int dirfd, const char *name, json_t *j, int durable);
/* Reads and parses name in dirfd; VIGIL_ERR_NOT_FOUND when absent. */
vigil_status q_read_json(int dirfd, const char *name, json_t **out);

typedef enum { Q_ENCODE, Q_DECODE } q_direction;
/* Copies in to out (the whole of in from its current offset), defanging
 * (Q_ENCODE: hashes the plain bytes read) or restoring (Q_DECODE: hashes
 * the plain bytes written). Write errors return their status with errno
 * kept in *err (ENOSPC ...); read errors likewise. */
vigil_status q_copy(vigil_quarantine *q, int in, int out, q_direction dir, vigil_hashes *hashes,
                    uint64_t *bytes, int *err);

/* Callback form for export: the plain bytes of item data fd, in chunks. */
typedef vigil_status (*q_sink_fn)(void *user, const void *data, size_t len);
vigil_status q_decode_to(vigil_quarantine *q, int in, q_sink_fn fn, void *user,
                         vigil_hashes *hashes);

/* Hashes (md5, sha1, sha256) of the file open at fd, from its start. */
vigil_status q_hash_fd(vigil_quarantine *q, int fd, vigil_hashes *out);

/* ---- qstore.c ---- */

int q_id_valid(const char *id);
/* "ID.data" / "ID.json" / "ID.data.tmp" into buf. */
void q_name(char *buf, size_t cap, const char *id, const char *suffix);
/* Lower-case hex of n bytes, malloc'd, and back (NULL when not hex). */
char *q_hex_encode(const void *data, size_t n);
char *q_hex_decode(const char *hex, size_t *n);
/* Opens the parent directory of path (O_DIRECTORY) and points *base at the
 * last component; -1 with errno on failure. Paths past PATH_MAX are opened
 * in steps (core/long_path.h), as the walk reaches them. */
int q_open_parent(const char *path, const char **base);
void q_iso_now(char *buf, size_t cap);
void q_new_id(char id[VIGIL_QUARANTINE_ID_MAX]);

/* ---- qmanifest.c ---- */

json_t *q_manifest_build(vigil_quarantine *q, const char *id, const char *path,
                         const struct stat *st, const vigil_hashes *h,
                         const vigil_quarantine_reason *why);
/* Fills item from a manifest (strings point into m); path is malloc'd into
 * *path_owned. VIGIL_ERR_CORRUPT for a manifest missing a field. */
vigil_status q_manifest_item(json_t *m, vigil_quarantine_item *item, char **path_owned);
/* Loads the manifest of id. */
vigil_status q_manifest_load(vigil_quarantine *q, const char *id, json_t **out);

/* ---- qjournal.c ---- */

/* Records a move in progress: journal/ID.json (not fsynced: it serves
 * recovery after a kill, which keeps the page cache; after a power cut the
 * fsynced item and the original are both there at worst). */
vigil_status q_journal_write(vigil_quarantine *q, const char *id, json_t *rec);
/* Removes journal/ID.json. */
vigil_status q_journal_remove(vigil_quarantine *q, const char *id);
/* Removes the item's files (manifest first, then data and their .tmp);
 * no fsync: a removal lost to a power cut leaves a second copy, never none. */
vigil_status q_item_remove(vigil_quarantine *q, const char *id);

/* ---- qrestore.c ---- */

/* Whether the file at path (not followed) has this sha256 hex: 1 yes, 0 no
 * or absent (*exists says which), -1 with errno on a read error. */
int q_path_has_sha256(vigil_quarantine *q, const char *path, const char *sha256, int *exists);

#endif
