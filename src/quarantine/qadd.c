/* qadd.c - moving a file into the quarantine store without ever losing it.
 *
 * The order is the whole point: journal (intent) -> defanged copy, hashed
 * on the way -> fsync -> manifest -> fsync dir -> journal "stored" ->
 * remove the original -> fsync its dir -> drop the journal. Until the
 * journal says "stored" the original is untouched; from then on the item is
 * complete on disk. Every check that can refuse (symlink now, different
 * bytes, file replaced, cannot remove) happens with the original still in
 * place, and a refusal drops the partial item. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/long_path.h"
#include "quarantine/quarantine_internal.h"

typedef struct add_ctx {
    vigil_quarantine *q;
    const char *path;
    const char *id;
    char *path_hex;
    int fd;      /* the original, O_NOFOLLOW */
    int dfd;     /* items/ID.data.tmp */
    int stored;  /* the journal says "stored" */
    int durable; /* fsync data and manifest now (else the batch syncs them) */
    vigil_status status;
    struct stat st;
    vigil_hashes hashes;
    char sha256[65];
} add_ctx;

static json_t *journal_record(const add_ctx *c, const char *state)
{
    json_t *rec = json_object();
    json_object_set_new(rec, "op", json_string("add"));
    json_object_set_new(rec, "id", json_string(c->id));
    json_object_set_new(rec, "path_hex", json_string(c->path_hex));
    json_object_set_new(rec, "state", json_string(state));
    json_object_set_new(rec, "dev", json_integer((json_int_t)c->st.st_dev));
    json_object_set_new(rec, "ino", json_integer((json_int_t)c->st.st_ino));
    if (c->sha256[0])
        json_object_set_new(rec, "sha256", json_string(c->sha256));
    return rec;
}

static vigil_status write_journal(add_ctx *c, const char *state)
{
    json_t *rec = journal_record(c, state);
    if (rec == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_status st = q_journal_write(c->q, c->id, rec);
    json_decref(rec);
    return st;
}

/* Drops the partial item and the journal record: the original stays. */
static void roll_back(add_ctx *c)
{
    if (c->dfd >= 0) {
        close(c->dfd);
        c->dfd = -1;
    }
    /* back to "copying" first: recovery must never remove the original of
     * an item that is being dropped */
    if (c->stored && write_journal(c, "copying") != VIGIL_OK)
        return; /* the item and the original both stay; recovery finishes */
    q_item_remove(c->q, c->id);
    q_journal_remove(c->q, c->id);
}

static vigil_status refuse(add_ctx *c, vigil_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vigil_status refuse(add_ctx *c, vigil_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vigil_diagf(&c->q->diag, VIGIL_DIAG_ERROR, st, c->path, 0, "%s; not quarantined", msg);
    return st;
}

static vigil_status open_original(add_ctx *c)
{
    c->fd =
        vigil_open_long_path(c->path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (c->fd < 0) {
        int e = errno;
        if (e == ELOOP)
            return refuse(c, VIGIL_ERR_UNSUPPORTED, "%s",
                          "a symbolic link is there now: not followed");
        return refuse(c, q_errno_status(e), "cannot open: %s", strerror(e));
    }
    if (fstat(c->fd, &c->st) != 0) {
        int e = errno;
        return refuse(c, q_errno_status(e), "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(c->st.st_mode))
        return refuse(c, VIGIL_ERR_UNSUPPORTED, "%s", "not a regular file");
    return VIGIL_OK;
}

static vigil_status copy_in(add_ctx *c, const char *expected)
{
    vigil_quarantine *q = c->q;
    char name[VIGIL_QUARANTINE_ID_MAX + 16], final[VIGIL_QUARANTINE_ID_MAX + 16];
    int err = 0;
    uint64_t bytes = 0;
    struct stat after;

    q_name(name, sizeof name, c->id, ".data.tmp");
    q_name(final, sizeof final, c->id, ".data");
    c->dfd = openat(q->itemsfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (c->dfd < 0) {
        err = errno;
        return refuse(c, q_errno_status(err), "cannot create the store copy: %s", strerror(err));
    }
    vigil_status st = q_copy(q, c->fd, c->dfd, Q_ENCODE, &c->hashes, &bytes, &err);
    if (st == VIGIL_OK && c->durable && fsync(c->dfd) != 0) {
        err = errno;
        st = q_errno_status(err);
    }
    if (st == VIGIL_OK && close(c->dfd) != 0) {
        err = errno;
        st = q_errno_status(err);
    }
    c->dfd = -1;
    if (st != VIGIL_OK) {
        if (err == ENOSPC || err == EDQUOT)
            return refuse(c, st, "the quarantine store is full (%s): the file stays in place",
                          strerror(err));
        return refuse(c, st, "copying into the store failed: %s",
                      err ? strerror(err) : vigil_status_str(st));
    }
    q_step(q);
    vigil_hex(c->hashes.sha256, 32, c->sha256);
    if (fstat(c->fd, &after) != 0 || after.st_size != c->st.st_size ||
        (uint64_t)after.st_size != bytes || after.st_mtim.tv_sec != c->st.st_mtim.tv_sec ||
        after.st_mtim.tv_nsec != c->st.st_mtim.tv_nsec)
        return refuse(c, VIGIL_ERR_CHANGED, "%s", "the file changed while it was copied");
    if (expected != NULL && strcmp(expected, c->sha256) != 0)
        return refuse(c, VIGIL_ERR_CHANGED, "changed since it was scanned (SHA-256 now %s)",
                      c->sha256);
    if (renameat(q->itemsfd, name, q->itemsfd, final) != 0) {
        err = errno;
        return refuse(c, q_errno_status(err), "cannot commit the store copy: %s", strerror(err));
    }
    q_step(q);
    return VIGIL_OK;
}

static vigil_status write_manifest(add_ctx *c, const vigil_quarantine_reason *why)
{
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    json_t *m = q_manifest_build(c->q, c->id, c->path, &c->st, &c->hashes, why);
    if (m == NULL)
        return refuse(c, VIGIL_ERR_NOMEM, "%s", "out of memory");
    q_name(name, sizeof name, c->id, ".json");
    vigil_status st = q_write_json(c->q->itemsfd, name, m, c->durable);
    json_decref(m);
    if (st == VIGIL_OK && c->durable && q_fsync_dir(c->q->itemsfd) != 0)
        st = q_errno_status(errno);
    if (st != VIGIL_OK)
        return refuse(c, st, "cannot write the manifest: %s", strerror(errno));
    q_step(c->q);
    return VIGIL_OK;
}

/* The original goes, if it is still the file that was copied. */
static vigil_status remove_original(add_ctx *c)
{
    const char *base;
    struct stat now;
    int pfd = q_open_parent(c->path, &base);
    vigil_status st = VIGIL_OK;

    if (pfd < 0) {
        int e = errno;
        return refuse(c, q_errno_status(e), "cannot open its directory: %s", strerror(e));
    }
    if (fstatat(pfd, base, &now, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(now.st_mode) ||
        now.st_dev != c->st.st_dev || now.st_ino != c->st.st_ino || now.st_size != c->st.st_size ||
        now.st_mtim.tv_sec != c->st.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != c->st.st_mtim.tv_nsec) {
        st = refuse(c, VIGIL_ERR_CHANGED, "%s",
                    "it was replaced or changed during the move (a link, another file or new "
                    "bytes are there now)");
    } else if (unlinkat(pfd, base, 0) != 0) {
        int e = errno;
        st = refuse(c, q_errno_status(e),
                    "cannot remove the original: %s (read-only file system, immutable or "
                    "append-only file?); it stays in place",
                    strerror(e));
    } else {
        /* no fsync of its directory: should the removal be lost to a power
         * cut, the file and the complete item are both there */
        q_step(c->q);
        if (now.st_nlink > 1)
            vigil_diagf(&c->q->diag, VIGIL_DIAG_WARNING, VIGIL_OK, c->path, 0,
                        "had %lu hard links: the other %lu names still hold the same content",
                        (unsigned long)now.st_nlink, (unsigned long)now.st_nlink - 1);
    }
    close(pfd);
    return st;
}

/* Steps 1-4: journal, copy, manifest; the original untouched. */
static vigil_status stage(add_ctx *c, const char *expected, const vigil_quarantine_reason *why)
{
    vigil_status st;
    c->path_hex = q_hex_encode(c->path, strlen(c->path));
    if (c->path_hex == NULL)
        return VIGIL_ERR_NOMEM;
    st = open_original(c);
    if (st != VIGIL_OK)
        return st;
    st = write_journal(c, "copying");
    if (st != VIGIL_OK)
        return refuse(c, st, "cannot write the journal: %s", vigil_status_str(st));
    q_step(c->q);
    st = copy_in(c, expected);
    if (st == VIGIL_OK)
        st = write_manifest(c, why);
    if (st != VIGIL_OK)
        roll_back(c);
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    return st;
}

/* Steps 5-7, once the item is on disk: journal "stored", the original
 * removed, the journal dropped. */
static vigil_status commit(add_ctx *c)
{
    vigil_status st = write_journal(c, "stored");
    if (st != VIGIL_OK)
        refuse(c, st, "cannot write the journal: %s", vigil_status_str(st));
    else
        c->stored = 1;
    q_step(c->q);
    if (st == VIGIL_OK)
        st = remove_original(c);
    if (st != VIGIL_OK) {
        roll_back(c);
        return st;
    }
    /* done: should dropping the record fail, recovery drops it */
    q_journal_remove(c->q, c->id);
    q_step(c->q);
    return VIGIL_OK;
}

static void ctx_init(add_ctx *c, vigil_quarantine *q, const char *path, char *id)
{
    memset(c, 0, sizeof *c);
    c->q = q;
    c->path = path;
    c->fd = c->dfd = -1;
    q_new_id(id);
    c->id = id;
}

vigil_status vigil_quarantine_add(vigil_quarantine *q, const char *path,
                                  const char *expected_sha256, const vigil_quarantine_reason *why,
                                  char id[VIGIL_QUARANTINE_ID_MAX])
{
    add_ctx c;
    vigil_status st;

    id[0] = '\0';
    if (q == NULL || path == NULL || path[0] == '\0')
        return VIGIL_ERR_INVALID_ARG;
    ctx_init(&c, q, path, id);
    c.durable = 1;
    st = stage(&c, expected_sha256, why);
    if (st == VIGIL_OK)
        st = commit(&c);
    free(c.path_hex);
    if (st != VIGIL_OK)
        id[0] = '\0';
    return st;
}

#define BATCH 256

/* One group: every file staged without fsync, one syncfs of the store's
 * file system, then every original removed. */
static void add_group(vigil_quarantine *q, vigil_quarantine_request *reqs, size_t n, add_ctx *c)
{
    size_t staged = 0;
    for (size_t i = 0; i < n; i++) {
        vigil_quarantine_request *r = &reqs[i];
        r->id[0] = '\0';
        if (r->path == NULL || r->path[0] == '\0') {
            r->status = VIGIL_ERR_INVALID_ARG;
            c[i].status = r->status;
            continue;
        }
        ctx_init(&c[i], q, r->path, r->id);
        c[i].status = stage(&c[i], r->expected_sha256, r->why);
        staged += c[i].status == VIGIL_OK;
    }
    if (staged > 0 && syncfs(q->itemsfd) != 0) {
        int e = errno;
        for (size_t i = 0; i < n; i++) {
            if (c[i].status != VIGIL_OK)
                continue;
            c[i].status = refuse(&c[i], q_errno_status(e),
                                 "cannot sync the quarantine store: %s; the file stays in place",
                                 strerror(e));
            roll_back(&c[i]);
        }
    }
    if (staged > 0)
        q_step(q);
    for (size_t i = 0; i < n; i++) {
        if (c[i].status == VIGIL_OK)
            c[i].status = commit(&c[i]);
        reqs[i].status = c[i].status;
        if (c[i].status != VIGIL_OK)
            reqs[i].id[0] = '\0';
        free(c[i].path_hex);
    }
}

vigil_status vigil_quarantine_add_many(vigil_quarantine *q, vigil_quarantine_request *reqs,
                                       size_t n)
{
    if (q == NULL || (reqs == NULL && n > 0))
        return VIGIL_ERR_INVALID_ARG;
    add_ctx *c = calloc(n < BATCH ? (n ? n : 1) : BATCH, sizeof *c);
    if (c == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t off = 0; off < n; off += BATCH) {
        size_t k = n - off < BATCH ? n - off : BATCH;
        memset(c, 0, k * sizeof *c);
        add_group(q, reqs + off, k, c);
    }
    free(c);
    return VIGIL_OK;
}
