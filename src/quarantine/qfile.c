/* qfile.c - the file mechanics of the quarantine store: the defanging copy
 * (AES-256-CTR with the fixed key of docs/quarantine.md, hashing on the
 * way), durable writes (fsync of files and directories, tmp + rename) and
 * the fault-injection hook the kill-anywhere test relies on.
 *
 * Why AES-CTR with a public key: the point is not secrecy but that a stored
 * implant is never the runnable bytes and never matches another scanner's
 * signature; CTR keeps the size and lets `openssl enc -d -aes-256-ctr`
 * undo it with the documented key. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "quarantine/quarantine_internal.h"
#include "vigil/engine.h"

#define Q_CHUNK (1u << 20)

/* SHA-256("vigil quarantine v1"), the documented key; the IV is zero. */
static const unsigned char q_key[32] = {
    0x05, 0x40, 0x2f, 0x8d, 0x33, 0x28, 0x5f, 0x32, 0x49, 0x39, 0x59, 0xcc, 0xbc, 0x98, 0x4e, 0xaf,
    0x3f, 0x03, 0xb5, 0xb3, 0xea, 0x5a, 0x26, 0xde, 0x08, 0xe7, 0x85, 0x3d, 0x75, 0x38, 0x66, 0x74};
static const unsigned char q_iv[16];

void q_step(vigil_quarantine *q)
{
    q->steps++;
    if (q->fault_step > 0 && q->steps == q->fault_step)
        raise(SIGKILL);
}

vigil_status q_errno_status(int err)
{
    /* ELOOP: O_NOFOLLOW met a link, which the store refuses rather than follows */
    return err == ELOOP ? VIGIL_ERR_UNSUPPORTED : vigil_status_from_errno(err);
}

int q_fsync_dir(int dirfd)
{
    if (fsync(dirfd) == 0 || errno == EINVAL || errno == EROFS)
        return 0;
    return -1;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

vigil_status q_write_json(int dirfd, const char *name, json_t *j, int durable)
{
    char tmp[256];
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return VIGIL_ERR_NOMEM;
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    vigil_status st = VIGIL_OK;
    if (fd < 0) {
        st = q_errno_status(errno);
    } else {
        size_t n = strlen(text);
        text[n] = '\n'; /* the NUL: a newline ends the file */
        if (write_all(fd, text, n + 1) != 0 || (durable && fsync(fd) != 0))
            st = q_errno_status(errno);
        if (close(fd) != 0 && st == VIGIL_OK)
            st = q_errno_status(errno);
        if (st == VIGIL_OK && renameat(dirfd, tmp, dirfd, name) != 0)
            st = q_errno_status(errno);
        if (st != VIGIL_OK) {
            int e = errno;
            unlinkat(dirfd, tmp, 0);
            errno = e;
        }
    }
    free(text);
    return st;
}

vigil_status q_read_json(int dirfd, const char *name, json_t **out)
{
    *out = NULL;
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return q_errno_status(errno);
    FILE *fp = fdopen(fd, "r");
    if (fp == NULL) {
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    json_error_t err;
    *out = json_loadf(fp, 0, &err);
    fclose(fp);
    return *out != NULL && json_is_object(*out) ? VIGIL_OK : VIGIL_ERR_CORRUPT;
}

static EVP_CIPHER_CTX *codec_new(void)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (c != NULL && EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), NULL, q_key, q_iv) != 1) {
        EVP_CIPHER_CTX_free(c);
        c = NULL;
    }
    return c;
}

/* CTR: encrypting and decrypting are the same XOR with the keystream. */
static int codec_run(EVP_CIPHER_CTX *c, unsigned char *buf, size_t n)
{
    int outl = 0;
    return n <= (size_t)0x7fffffff && EVP_EncryptUpdate(c, buf, &outl, buf, (int)n) == 1 &&
                   (size_t)outl == n
               ? 0
               : -1;
}

static ssize_t read_some(int fd, void *buf, size_t cap)
{
    for (;;) {
        ssize_t r = read(fd, buf, cap);
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

#define ALL_HASHES (VIGIL_HASH_MD5 | VIGIL_HASH_SHA1 | VIGIL_HASH_SHA256)

static vigil_status transform(vigil_quarantine *q, int in, q_direction dir, vigil_hashes *hashes,
                              uint64_t *bytes, int *err, int out, q_sink_fn fn, void *user)
{
    unsigned char *buf = malloc(Q_CHUNK);
    EVP_CIPHER_CTX *c = codec_new();
    vigil_status st = VIGIL_OK;
    uint64_t total = 0;

    *err = 0;
    if (buf == NULL || c == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    st = vigil_hasher_begin(q->hasher, ALL_HASHES);
    while (st == VIGIL_OK) {
        ssize_t r = read_some(in, buf, Q_CHUNK);
        if (r < 0) {
            *err = errno;
            st = q_errno_status(errno);
            break;
        }
        if (r == 0)
            break;
        if (dir == Q_ENCODE)
            st = vigil_hasher_update(q->hasher, buf, (size_t)r);
        if (st == VIGIL_OK && codec_run(c, buf, (size_t)r) != 0)
            st = VIGIL_ERR_INTERNAL;
        if (st == VIGIL_OK && dir == Q_DECODE)
            st = vigil_hasher_update(q->hasher, buf, (size_t)r);
        if (st != VIGIL_OK)
            break;
        if (fn != NULL) {
            st = fn(user, buf, (size_t)r);
        } else if (write_all(out, buf, (size_t)r) != 0) {
            *err = errno;
            st = q_errno_status(errno);
        }
        total += (uint64_t)r;
    }
    if (st == VIGIL_OK) {
        memset(hashes, 0, sizeof *hashes);
        st = vigil_hasher_finish(q->hasher, hashes);
    }
out:
    if (bytes != NULL)
        *bytes = total;
    EVP_CIPHER_CTX_free(c);
    free(buf);
    return st;
}

vigil_status q_copy(vigil_quarantine *q, int in, int out, q_direction dir, vigil_hashes *hashes,
                    uint64_t *bytes, int *err)
{
    return transform(q, in, dir, hashes, bytes, err, out, NULL, NULL);
}

vigil_status q_decode_to(vigil_quarantine *q, int in, q_sink_fn fn, void *user,
                         vigil_hashes *hashes)
{
    int err;
    return transform(q, in, Q_DECODE, hashes, NULL, &err, -1, fn, user);
}

vigil_status q_hash_fd(vigil_quarantine *q, int fd, vigil_hashes *out)
{
    unsigned char *buf = malloc(Q_CHUNK);
    vigil_status st;
    if (buf == NULL)
        return VIGIL_ERR_NOMEM;
    if (lseek(fd, 0, SEEK_SET) < 0) {
        free(buf);
        return q_errno_status(errno);
    }
    st = vigil_hasher_begin(q->hasher, ALL_HASHES);
    while (st == VIGIL_OK) {
        ssize_t r = read_some(fd, buf, Q_CHUNK);
        if (r < 0) {
            st = q_errno_status(errno);
            break;
        }
        if (r == 0)
            break;
        st = vigil_hasher_update(q->hasher, buf, (size_t)r);
    }
    if (st == VIGIL_OK) {
        memset(out, 0, sizeof *out);
        st = vigil_hasher_finish(q->hasher, out);
    }
    free(buf);
    return st;
}
