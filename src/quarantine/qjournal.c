/* qjournal.c - the journal of moves in progress and the recovery that
 * reads it after a crash.
 *
 * Every move (into the store or back out) writes journal/ID.json before it
 * changes anything and removes it when done; the record's "state" says how
 * far it got. Recovery, run when a store is opened, acts on each record:
 *   add, "copying":   nothing was removed yet: drop the partial item, the
 *                     original stays (rolled back);
 *   add, "stored":    the item is complete: remove the original if it is
 *                     still the same bytes (finished);
 *   restore:          the target has the item's bytes: drop the item
 *                     (finished); else drop the temporary file, the item
 *                     stays (rolled back).
 * Each action is idempotent, so a recovery killed half-way is redone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buffer.h"
#include "quarantine/quarantine_internal.h"

vigil_status q_journal_write(vigil_quarantine *q, const char *id, json_t *rec)
{
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    q_name(name, sizeof name, id, ".json");
    return q_write_json(q->journalfd, name, rec, 0);
}

vigil_status q_journal_remove(vigil_quarantine *q, const char *id)
{
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    q_name(name, sizeof name, id, ".json");
    if (unlinkat(q->journalfd, name, 0) != 0 && errno != ENOENT)
        return q_errno_status(errno);
    return VIGIL_OK;
}

vigil_status q_item_remove(vigil_quarantine *q, const char *id)
{
    /* the manifest first: an item without one is not listed, and recovery
     * deletes data left without a manifest */
    static const char *const suffixes[] = {".json", ".json.tmp", ".data", ".data.tmp"};
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        q_name(name, sizeof name, id, suffixes[i]);
        if (unlinkat(q->itemsfd, name, 0) != 0 && errno != ENOENT)
            return q_errno_status(errno);
    }
    return VIGIL_OK;
}

typedef struct recovery {
    unsigned finished, rolled_back;
} recovery;

static vigil_status recover_add(vigil_quarantine *q, const char *id, json_t *rec, const char *path,
                                recovery *r)
{
    const char *state = json_string_value(json_object_get(rec, "state"));
    const char *sha = json_string_value(json_object_get(rec, "sha256"));
    vigil_status st;

    if (state == NULL || strcmp(state, "stored") != 0 || sha == NULL) {
        st = q_item_remove(q, id);
        if (st == VIGIL_OK)
            st = q_journal_remove(q, id);
        if (st == VIGIL_OK) {
            r->rolled_back++;
            vigil_diagf(&q->diag, VIGIL_DIAG_WARNING, VIGIL_OK, path, 0,
                        "recovered an interrupted quarantine: rolled back, the file stays in "
                        "place (item %s dropped)",
                        id);
        }
        return st;
    }
    int exists = 0;
    int same = q_path_has_sha256(q, path, sha, &exists);
    if (same == 1) {
        const char *base;
        int pfd = q_open_parent(path, &base);
        if (pfd < 0 || unlinkat(pfd, base, 0) != 0 || q_fsync_dir(pfd) != 0) {
            int e = errno;
            if (pfd >= 0)
                close(pfd);
            vigil_diagf(&q->diag, VIGIL_DIAG_ERROR, q_errno_status(e), path, 0,
                        "recovering the quarantine of item %s: cannot remove the original: %s; "
                        "it stays, and so does the item",
                        id, strerror(e));
            return q_journal_remove(q, id);
        }
        close(pfd);
        q_step(q);
    } else if (exists) {
        vigil_diagf(&q->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CHANGED, path, 0,
                    "recovering the quarantine of item %s: a different file is there now; "
                    "it is left alone, the item stays in the store",
                    id);
    }
    st = q_journal_remove(q, id);
    if (st == VIGIL_OK) {
        r->finished++;
        vigil_diagf(&q->diag, VIGIL_DIAG_WARNING, VIGIL_OK, path, 0,
                    "recovered an interrupted quarantine: finished, the file is item %s", id);
    }
    return st;
}

static vigil_status recover_restore(vigil_quarantine *q, const char *id, json_t *rec,
                                    const char *path, recovery *r)
{
    const char *tmp = json_string_value(json_object_get(rec, "tmp"));
    json_t *m = NULL;
    vigil_status st = q_manifest_load(q, id, &m);
    const char *sha = st == VIGIL_OK ? json_string_value(json_object_get(m, "sha256")) : NULL;
    int exists = 0;
    int placed = sha != NULL && q_path_has_sha256(q, path, sha, &exists) == 1;

    const char *base;
    int pfd = q_open_parent(path, &base);
    if (pfd >= 0 && tmp != NULL && strchr(tmp, '/') == NULL)
        unlinkat(pfd, tmp, 0);
    if (pfd >= 0) {
        q_fsync_dir(pfd);
        close(pfd);
    }
    if (placed || st == VIGIL_ERR_NOT_FOUND) {
        st = q_item_remove(q, id);
        if (st == VIGIL_OK)
            r->finished++;
        vigil_diagf(&q->diag, VIGIL_DIAG_WARNING, VIGIL_OK, path, 0,
                    "recovered an interrupted restore of item %s: finished, the file is back", id);
    } else {
        st = VIGIL_OK;
        r->rolled_back++;
        vigil_diagf(&q->diag, VIGIL_DIAG_WARNING, VIGIL_OK, path, 0,
                    "recovered an interrupted restore of item %s: rolled back, the item stays "
                    "in the store",
                    id);
    }
    json_decref(m);
    if (st == VIGIL_OK)
        st = q_journal_remove(q, id);
    return st;
}

static vigil_status recover_one(vigil_quarantine *q, const char *id, recovery *r)
{
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    json_t *rec;
    q_name(name, sizeof name, id, ".json");
    vigil_status st = q_read_json(q->journalfd, name, &rec);
    if (st != VIGIL_OK) {
        /* written by tmp + rename: a record is whole or absent */
        vigil_diagf(&q->diag, VIGIL_DIAG_ERROR, st, id, 0,
                    "unreadable journal record in the quarantine store %s: %s", q->dir,
                    vigil_status_str(st));
        json_decref(rec);
        return VIGIL_OK;
    }
    const char *op = json_string_value(json_object_get(rec, "op"));
    const char *hex = json_string_value(json_object_get(rec, "path_hex"));
    char *path = hex != NULL ? q_hex_decode(hex, NULL) : NULL;
    if (op == NULL || path == NULL || path[0] == '\0') {
        vigil_diagf(&q->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_CORRUPT, id, 0,
                    "malformed journal record in the quarantine store %s", q->dir);
        st = VIGIL_OK;
    } else if (strcmp(op, "add") == 0) {
        st = recover_add(q, id, rec, path, r);
    } else {
        st = recover_restore(q, id, rec, path, r);
    }
    free(path);
    json_decref(rec);
    return st;
}

/* Names in dirfd ending in suffix, without it, that are valid ids. */
static char **names_with(int dirfd, const char *suffix, size_t *n)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    char **out = NULL;
    size_t cnt = 0, cap = 0, sl = strlen(suffix);
    struct dirent *e;
    *n = 0;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= sl || strcmp(e->d_name + len - sl, suffix) != 0)
            continue;
        char *id = strndup(e->d_name, len - sl);
        if (id == NULL || !q_id_valid(id)) {
            free(id);
            continue;
        }
        if (VIGIL_ARRAY_RESERVE(out, cap, cnt + 1) != VIGIL_OK) {
            free(id);
            break;
        }
        out[cnt++] = id;
    }
    closedir(d);
    *n = cnt;
    return out;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

vigil_status vigil_quarantine_recover(vigil_quarantine *q, unsigned *finished,
                                      unsigned *rolled_back)
{
    recovery r = {0, 0};
    vigil_status st = VIGIL_OK;
    size_t n;
    char **ids = names_with(q->journalfd, ".json", &n);
    char name[VIGIL_QUARANTINE_ID_MAX + 16];

    for (size_t i = 0; i < n && st == VIGIL_OK; i++)
        st = recover_one(q, ids[i], &r);
    free_names(ids, n);
    /* leftovers of tmp + rename, and data whose manifest a purge or a
     * restore removed already */
    ids = names_with(q->journalfd, ".json.tmp", &n);
    for (size_t i = 0; i < n; i++) {
        q_name(name, sizeof name, ids[i], ".json.tmp");
        unlinkat(q->journalfd, name, 0);
    }
    free_names(ids, n);
    ids = names_with(q->itemsfd, ".data", &n);
    for (size_t i = 0; i < n; i++) {
        q_name(name, sizeof name, ids[i], ".json");
        if (faccessat(q->itemsfd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) {
            q_name(name, sizeof name, ids[i], ".data");
            unlinkat(q->itemsfd, name, 0);
        }
    }
    free_names(ids, n);
    if (finished != NULL)
        *finished = r.finished;
    if (rolled_back != NULL)
        *rolled_back = r.rolled_back;
    return st;
}
