/* blob_cache.c - keyed files kept between runs in vigil's cache directory.
 *
 * Why: what vigil compiles at load (Hyperscan databases, libyara rule
 * sets) only depends on its inputs, and compiling it again costs most of
 * a short sweep's time. A blob is stored under a key that hashes exactly
 * those inputs, in a file that carries the key itself and the SHA-256 of
 * its own payload: a truncated or altered file, or one written for
 * another key (copied or renamed onto this name, a collision of the
 * name's hex), is ignored (and rewritten), never trusted. Files are
 * written to a temporary name and renamed, so concurrent runs see a whole
 * file or none. Nothing here is an error for the caller: a cache that
 * cannot be read or written only costs the compile.
 *
 * Layout: the kind's 8-byte magic, the 32-byte key, the SHA-256 of the
 * payload, its length (uint64, host order), the payload. */
#include "core/blob_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC_LEN 8
#define KEY_AT MAGIC_LEN
#define SUM_AT (KEY_AT + 32)
#define LEN_AT (SUM_AT + 32)
#define HEADER_LEN (LEN_AT + 8)

int vigil_blob_cache_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

static int file_name(const char *dir, const vigil_blob_kind *kind, const unsigned char key[32],
                     char *path, size_t cap)
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    int w = snprintf(path, cap, "%s/%s%s%s", dir, kind->prefix, hex, kind->suffix);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

static int kind_ok(const vigil_blob_kind *kind)
{
    return kind != NULL && kind->prefix != NULL && kind->suffix != NULL && kind->magic != NULL &&
           strlen(kind->magic) == MAGIC_LEN;
}

void vigil_blob_free(vigil_blob *b)
{
    if (b == NULL)
        return;
    if (b->mapped)
        munmap(b->mem, b->mem_len);
    else
        free(b->mem);
    memset(b, 0, sizeof *b);
}

/* Memory for a file of size bytes. A big one gets a mapping whose pages
 * are all made at once (MAP_POPULATE): read() into fresh malloc'd pages
 * takes a page fault per 4 KiB, most of the time of loading a compiled
 * rule set of several MiB on a virtual machine. */
#define POPULATE_MIN (1u << 20)
static void *blob_mem(vigil_blob *b, size_t size)
{
    b->mem_len = size;
    b->mapped = 0;
    if (size >= POPULATE_MIN) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p != MAP_FAILED) {
            b->mapped = 1;
            return b->mem = p;
        }
    }
    return b->mem = malloc(size);
}

int vigil_blob_cache_load(const char *dir, const vigil_blob_kind *kind, const unsigned char key[32],
                          vigil_blob *out)
{
    char path[4096];
    struct stat sb;
    unsigned char *buf = NULL;
    unsigned char sum[32];

    if (out == NULL)
        return -1;
    memset(out, 0, sizeof *out);
    if (dir == NULL || !kind_ok(kind) || file_name(dir, kind, key, path, sizeof path) != 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= HEADER_LEN ||
        (uint64_t)sb.st_size - HEADER_LEN > kind->max)
        goto bad;
    size_t size = (size_t)sb.st_size, got = 0;
    buf = blob_mem(out, size);
    if (buf == NULL)
        goto bad;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto bad;
        got += (size_t)r;
    }
    uint64_t blen;
    memcpy(&blen, buf + LEN_AT, sizeof blen);
    if (memcmp(buf, kind->magic, MAGIC_LEN) != 0 || blen != size - HEADER_LEN)
        goto bad;
    if (memcmp(buf + KEY_AT, key, 32) != 0) /* stored for other inputs */
        goto bad;
    if (vigil_blob_cache_sha256(buf + HEADER_LEN, (size_t)blen, sum) != 0 ||
        memcmp(sum, buf + SUM_AT, 32) != 0)
        goto bad;
    close(fd);
    out->data = buf + HEADER_LEN;
    out->len = (size_t)blen;
    return 0;
bad:
    vigil_blob_free(out);
    close(fd);
    return -1;
}

/* mkdir -p for the cache directory (mode 0700: it is the user's). */
static int make_dirs(const char *dir)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        tmp[i] = c;
    }
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int vigil_blob_cache_store(const char *dir, const vigil_blob_kind *kind,
                           const unsigned char key[32], const void *data, size_t len)
{
    char path[4096], tmp[4200];
    unsigned char head[HEADER_LEN];

    if (dir == NULL || !kind_ok(kind) || (data == NULL && len > 0) || len > kind->max ||
        file_name(dir, kind, key, path, sizeof path) != 0 || make_dirs(dir) != 0)
        return -1;
    uint64_t blen = len;
    memcpy(head, kind->magic, MAGIC_LEN);
    memcpy(head + KEY_AT, key, 32);
    if (vigil_blob_cache_sha256(data, len, head + SUM_AT) != 0)
        return -1;
    memcpy(head + LEN_AT, &blen, sizeof blen);
    static atomic_uint serial; /* two threads storing one key: two names */
    int w = snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
                     atomic_fetch_add(&serial, 1u));
    if (w < 0 || (size_t)w >= sizeof tmp)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    int ok = write_all(fd, head, sizeof head) == 0 && write_all(fd, data, len) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return 0;
    unlink(tmp);
    return -1;
}
