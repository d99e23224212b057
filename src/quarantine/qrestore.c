/* qrestore.c - getting a quarantined file back: restore to its original
 * path (or another) with the exact bytes, mode, owner and times, checked
 * against the SHA-256 of the manifest.
 *
 * The bytes are written to a temporary file beside the target, given their
 * metadata and fsynced, then renamed into place without replacing anything
 * (renameat2 RENAME_NOREPLACE) unless forced; only then is the item
 * dropped. A journal record lets recovery tell a finished restore (the
 * target has the bytes) from one to undo. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/long_path.h"
#include "quarantine/quarantine_internal.h"

int q_path_has_sha256(vigil_quarantine *q, const char *path, const char *sha256, int *exists)
{
    struct stat st;
    vigil_hashes h;
    char hex[65];

    *exists = 0;
    int fd = vigil_open_long_path(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        *exists = 1;
        return errno == ELOOP ? 0 : -1;
    }
    *exists = 1;
    int same = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && q_hash_fd(q, fd, &h) == VIGIL_OK) {
        vigil_hex(h.sha256, 32, hex);
        same = strcmp(hex, sha256) == 0;
    }
    close(fd);
    return same;
}

typedef struct restore_ctx {
    vigil_quarantine *q;
    const char *id;
    const char *target;
    json_t *m;
    vigil_quarantine_item item;
    char *orig_path;
    int pfd;
    const char *base;
    char tmp[VIGIL_QUARANTINE_ID_MAX + 32];
} restore_ctx;

static vigil_status fail(restore_ctx *c, vigil_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vigil_status fail(restore_ctx *c, vigil_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vigil_diagf(&c->q->diag, VIGIL_DIAG_ERROR, st, c->target, 0, "restoring item %s: %s", c->id,
                msg);
    return st;
}

static int64_t json_time(json_t *m, const char *key, const char *part)
{
    return (int64_t)json_integer_value(json_object_get(json_object_get(m, key), part));
}

static vigil_status open_data(vigil_quarantine *q, const char *id, int *fd)
{
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    q_name(name, sizeof name, id, ".data");
    *fd = openat(q->itemsfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    return *fd >= 0 ? VIGIL_OK : q_errno_status(errno);
}

/* The decoded bytes into the temporary file, with their metadata. */
static vigil_status write_tmp(restore_ctx *c)
{
    int in, err = 0;
    vigil_hashes h;
    char hex[65];
    vigil_status st = open_data(c->q, c->id, &in);
    if (st != VIGIL_OK)
        return fail(c, st, "the stored data is missing: %s", vigil_status_str(st));
    int out = openat(c->pfd, c->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        err = errno;
        close(in);
        return fail(c, q_errno_status(err), "cannot create a file there: %s", strerror(err));
    }
    st = q_copy(c->q, in, out, Q_DECODE, &h, NULL, &err);
    close(in);
    if (st != VIGIL_OK) {
        close(out);
        return fail(c, st, "writing the file failed: %s",
                    err ? strerror(err) : vigil_status_str(st));
    }
    vigil_hex(h.sha256, 32, hex);
    if (strcmp(hex, c->item.sha256) != 0) {
        close(out);
        return fail(c, VIGIL_ERR_CORRUPT, "the stored data is damaged (SHA-256 %s); item kept",
                    hex);
    }
    if (fchown(out, (uid_t)c->item.uid, (gid_t)c->item.gid) != 0)
        vigil_diagf(&c->q->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_ACCESS, c->target, 0,
                    "owner %u:%u not restored: %s", c->item.uid, c->item.gid, strerror(errno));
    struct timespec ts[2] = {
        {(time_t)json_time(c->m, "atime", "sec"), (long)json_time(c->m, "atime", "nsec")},
        {(time_t)json_time(c->m, "mtime", "sec"), (long)json_time(c->m, "mtime", "nsec")}};
    if (fchmod(out, (mode_t)(c->item.mode & 07777)) != 0 || futimens(out, ts) != 0 ||
        fsync(out) != 0) {
        err = errno;
        close(out);
        return fail(c, q_errno_status(err), "cannot set mode and times: %s", strerror(err));
    }
    if (close(out) != 0) {
        err = errno;
        return fail(c, q_errno_status(err), "writing the file failed: %s", strerror(err));
    }
    return VIGIL_OK;
}

static vigil_status place(restore_ctx *c, unsigned flags)
{
    int r;
    if (flags & VIGIL_QUARANTINE_FORCE) {
        r = renameat(c->pfd, c->tmp, c->pfd, c->base);
    } else {
        r = renameat2(c->pfd, c->tmp, c->pfd, c->base, RENAME_NOREPLACE);
        if (r != 0 && errno == EINVAL) {
            /* no RENAME_NOREPLACE on this file system: link does not replace */
            r = linkat(c->pfd, c->tmp, c->pfd, c->base, 0);
            if (r == 0)
                unlinkat(c->pfd, c->tmp, 0);
        }
    }
    if (r != 0) {
        int e = errno;
        if (e == EEXIST)
            return fail(c, VIGIL_ERR_EXISTS, "%s",
                        "a file appeared there meanwhile; not replaced (--force to replace)");
        return fail(c, q_errno_status(e), "cannot put the file in place: %s", strerror(e));
    }
    return VIGIL_OK;
}

static vigil_status journal_restore(restore_ctx *c)
{
    char *hex = q_hex_encode(c->target, strlen(c->target));
    json_t *rec = json_object();
    vigil_status st = VIGIL_ERR_NOMEM;
    if (hex != NULL && rec != NULL) {
        json_object_set_new(rec, "op", json_string("restore"));
        json_object_set_new(rec, "id", json_string(c->id));
        json_object_set_new(rec, "path_hex", json_string(hex));
        json_object_set_new(rec, "tmp", json_string(c->tmp));
        json_object_set_new(rec, "state", json_string("restoring"));
        st = q_journal_write(c->q, c->id, rec);
    }
    json_decref(rec);
    free(hex);
    return st;
}

/* Back to where it was (no --to): the manifest's directory is the one
 * realpath gave when the file was quarantined, so if the directory opened
 * now is another one, a component was swapped for a symbolic link since
 * (a user's directory replaced by a link to /etc/profile.d would have a
 * restore run as root write the user's file there). Compared on the opened
 * descriptor, so the check and the write see the same directory; without
 * /proc, or for a directory whose path is past PATH_MAX (readlink cannot
 * give it), the check is skipped. */
static vigil_status check_same_dir(restore_ctx *c)
{
    char link[64], real[PATH_MAX];
    size_t dirlen = (size_t)(c->base - c->target);

    if (c->target != c->item.path || c->target[0] != '/' || dirlen < 2)
        return VIGIL_OK;
    dirlen--; /* the slash before the base name */
    snprintf(link, sizeof link, "/proc/self/fd/%d", c->pfd);
    ssize_t n = readlink(link, real, sizeof real - 1);
    if (n < 0 || (size_t)n >= sizeof real - 1)
        return VIGIL_OK;
    real[n] = '\0';
    if ((size_t)n == dirlen && memcmp(real, c->target, dirlen) == 0)
        return VIGIL_OK;
    return fail(c, VIGIL_ERR_CHANGED,
                "its directory is now reached through a symbolic link (it leads to %s); not "
                "restored (--to PATH to restore it elsewhere)",
                real);
}

static vigil_status restore_run(restore_ctx *c, unsigned flags)
{
    int exists = 0;
    int same = q_path_has_sha256(c->q, c->target, c->item.sha256, &exists);
    if (same == 1) {
        vigil_status st = q_item_remove(c->q, c->id);
        if (st == VIGIL_OK)
            vigil_diagf(&c->q->diag, VIGIL_DIAG_INFO, VIGIL_OK, c->target, 0,
                        "item %s: the file is already there with the same SHA-256; item closed",
                        c->id);
        return st;
    }
    if (exists && !(flags & VIGIL_QUARANTINE_FORCE))
        return fail(c, VIGIL_ERR_EXISTS, "%s",
                    "a different file exists there; not replaced (--force, or --to PATH)");
    c->pfd = q_open_parent(c->target, &c->base);
    if (c->pfd < 0) {
        int e = errno;
        return fail(c, q_errno_status(e), "cannot open its directory: %s (--to PATH?)",
                    strerror(e));
    }
    if (c->base[0] == '\0')
        return fail(c, VIGIL_ERR_INVALID_ARG, "%s", "not a file name");
    vigil_status dir_st = check_same_dir(c);
    if (dir_st != VIGIL_OK)
        return dir_st;
    snprintf(c->tmp, sizeof c->tmp, ".vigil-restore-%s.tmp", c->id);
    vigil_status st = journal_restore(c);
    if (st != VIGIL_OK)
        return fail(c, st, "cannot write the journal: %s", vigil_status_str(st));
    q_step(c->q);
    st = write_tmp(c);
    if (st == VIGIL_OK) {
        q_step(c->q);
        st = place(c, flags);
    }
    if (st != VIGIL_OK) {
        unlinkat(c->pfd, c->tmp, 0);
        q_journal_remove(c->q, c->id);
        return st;
    }
    q_step(c->q);
    q_fsync_dir(c->pfd);
    q_step(c->q);
    st = q_item_remove(c->q, c->id);
    q_step(c->q);
    if (st == VIGIL_OK)
        st = q_journal_remove(c->q, c->id);
    q_step(c->q);
    return st;
}

vigil_status vigil_quarantine_restore(vigil_quarantine *q, const char *id, const char *to,
                                      unsigned flags)
{
    restore_ctx c;
    vigil_status st;

    if (q == NULL || id == NULL || !q_id_valid(id))
        return VIGIL_ERR_NOT_FOUND;
    memset(&c, 0, sizeof c);
    c.q = q;
    c.id = id;
    c.pfd = -1;
    st = q_manifest_load(q, id, &c.m);
    if (st == VIGIL_OK)
        st = q_manifest_item(c.m, &c.item, &c.orig_path);
    if (st != VIGIL_OK) {
        json_decref(c.m);
        return st;
    }
    c.target = to != NULL ? to : c.item.path;
    st = restore_run(&c, flags);
    if (c.pfd >= 0)
        close(c.pfd);
    free(c.orig_path);
    json_decref(c.m);
    return st;
}

vigil_status vigil_quarantine_file_sha256(const char *path, char hex[65])
{
    struct vigil_quarantine q;
    vigil_hashes h;
    struct stat st;

    hex[0] = '\0';
    memset(&q, 0, sizeof q);
    int fd = vigil_open_long_path(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return q_errno_status(errno);
    vigil_status st_ = fstat(fd, &st) != 0 ? q_errno_status(errno) : VIGIL_OK;
    if (st_ == VIGIL_OK && !S_ISREG(st.st_mode))
        st_ = VIGIL_ERR_UNSUPPORTED;
    if (st_ == VIGIL_OK)
        st_ = vigil_hasher_create(&q.hasher);
    if (st_ == VIGIL_OK)
        st_ = q_hash_fd(&q, fd, &h);
    if (st_ == VIGIL_OK)
        vigil_hex(h.sha256, 32, hex);
    vigil_hasher_destroy(q.hasher);
    close(fd);
    return st_;
}
