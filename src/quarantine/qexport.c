/* qexport.c - handing a quarantined file to an analyst: the original bytes
 * (for a sandbox), or a zip encrypted with the conventional password
 * "infected" (traditional PKWARE encryption, which every unzip and 7-Zip
 * opens), the way malware is exchanged between analysts.
 *
 * The item stays in the store; the SHA-256 is checked on the way out and a
 * file whose bytes do not match is deleted, not left half right. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "quarantine/quarantine_internal.h"

#define EXPORT_PASSWORD "infected"

typedef struct export_ctx {
    int fd;
    struct archive *a;
    int err;
} export_ctx;

static vigil_status to_fd(void *user, const void *data, size_t len)
{
    export_ctx *e = user;
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(e->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            e->err = errno;
            return q_errno_status(errno);
        }
        p += w;
        len -= (size_t)w;
    }
    return VIGIL_OK;
}

static vigil_status to_zip(void *user, const void *data, size_t len)
{
    export_ctx *e = user;
    return archive_write_data(e->a, data, len) == (la_ssize_t)len ? VIGIL_OK : VIGIL_ERR_IO;
}

/* The zip: one member named after the original file, plus the manifest. */
static vigil_status zip_open(export_ctx *e, const vigil_quarantine_item *item, const char *manifest)
{
    e->a = archive_write_new();
    if (e->a == NULL)
        return VIGIL_ERR_NOMEM;
    if (archive_write_set_format_zip(e->a) != ARCHIVE_OK ||
        archive_write_set_options(e->a, "zip:encryption=zipcrypt") != ARCHIVE_OK ||
        archive_write_set_passphrase(e->a, EXPORT_PASSWORD) != ARCHIVE_OK ||
        archive_write_open_fd(e->a, e->fd) != ARCHIVE_OK)
        return VIGIL_ERR_UNSUPPORTED;
    struct archive_entry *en = archive_entry_new();
    if (en == NULL)
        return VIGIL_ERR_NOMEM;
    char mname[VIGIL_QUARANTINE_ID_MAX + 16];
    snprintf(mname, sizeof mname, "%s.json", item->id);
    archive_entry_set_pathname(en, mname);
    archive_entry_set_filetype(en, AE_IFREG);
    archive_entry_set_perm(en, 0600);
    archive_entry_set_size(en, (la_int64_t)strlen(manifest));
    archive_entry_set_mtime(en, time(NULL), 0);
    vigil_status st = VIGIL_ERR_IO;
    if (archive_write_header(e->a, en) == ARCHIVE_OK &&
        archive_write_data(e->a, manifest, strlen(manifest)) == (la_ssize_t)strlen(manifest)) {
        archive_entry_clear(en);
        archive_entry_set_pathname(en, vigil_path_basename(item->path));
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_perm(en, 0600);
        archive_entry_set_size(en, (la_int64_t)item->size);
        archive_entry_set_mtime(en, (time_t)item->mtime, 0);
        if (archive_write_header(e->a, en) == ARCHIVE_OK)
            st = VIGIL_OK;
    }
    archive_entry_free(en);
    return st;
}

vigil_status vigil_quarantine_export(vigil_quarantine *q, const char *id, const char *out_path,
                                     vigil_quarantine_export_format format)
{
    json_t *m = NULL;
    vigil_quarantine_item item;
    char *orig = NULL, *manifest = NULL;
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    export_ctx e = {-1, NULL, 0};
    vigil_hashes h;
    char hex[65];
    int in = -1;

    if (q == NULL || id == NULL || out_path == NULL || !q_id_valid(id))
        return VIGIL_ERR_NOT_FOUND;
    vigil_status st = q_manifest_load(q, id, &m);
    if (st == VIGIL_OK)
        st = q_manifest_item(m, &item, &orig);
    if (st == VIGIL_OK) {
        manifest = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (manifest == NULL)
            st = VIGIL_ERR_NOMEM;
    }
    if (st == VIGIL_OK) {
        q_name(name, sizeof name, id, ".data");
        in = openat(q->itemsfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (in < 0)
            st = q_errno_status(errno);
    }
    if (st == VIGIL_OK) {
        e.fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (e.fd < 0) {
            int err = errno;
            vigil_diagf(&q->diag, VIGIL_DIAG_ERROR, q_errno_status(err), out_path, 0,
                        "cannot create the export file: %s", strerror(err));
            st = q_errno_status(err);
        }
    }
    if (st == VIGIL_OK && format == VIGIL_QUARANTINE_EXPORT_ZIP)
        st = zip_open(&e, &item, manifest);
    if (st == VIGIL_OK)
        st = q_decode_to(q, in, format == VIGIL_QUARANTINE_EXPORT_ZIP ? to_zip : to_fd, &e, &h);
    if (st == VIGIL_OK) {
        vigil_hex(h.sha256, 32, hex);
        if (strcmp(hex, item.sha256) != 0) {
            vigil_diagf(&q->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_CORRUPT, id, 0,
                        "the stored data is damaged (SHA-256 %s, manifest %s)", hex, item.sha256);
            st = VIGIL_ERR_CORRUPT;
        }
    }
    if (e.a != NULL) {
        if (archive_write_close(e.a) != ARCHIVE_OK && st == VIGIL_OK)
            st = VIGIL_ERR_IO;
        archive_write_free(e.a);
    }
    if (e.fd >= 0) {
        if ((fsync(e.fd) != 0 && errno != EINVAL) || close(e.fd) != 0) {
            if (st == VIGIL_OK)
                st = VIGIL_ERR_IO;
        }
        if (st != VIGIL_OK)
            unlink(out_path);
    }
    if (in >= 0)
        close(in);
    free(manifest);
    free(orig);
    json_decref(m);
    return st;
}
