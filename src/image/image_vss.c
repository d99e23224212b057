/* image_vss.c - Volume Shadow Copies through libvshadow, and the set of
 * files already delivered (see image_vss.h).
 *
 * Why libvshadow: the VSS on-disk format (catalog, store block lists,
 * bitmaps, overlays) is undocumented by Microsoft and libvshadow is the
 * reference reader (vshadowinfo, vshadowmount). What is ours: a libbfio
 * handle over a range of a TSK image, so that the stores of a volume inside
 * an E01 or VMDK are read without mounting anything, and each store handed
 * to TSK as an external image. */
#include "image/image_vss.h"

#include <libbfio.h>
#include <libvshadow.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a libbfio handle reading bytes [off, off + size) of a TSK image ---- */

typedef struct range_io {
    TSK_IMG_INFO *img;
    TSK_OFF_T off;
    TSK_OFF_T size;
    TSK_OFF_T pos;
    int open;
} range_io;

static int range_free(intptr_t **io, libbfio_error_t **error)
{
    (void)error;
    if (io != NULL) {
        free(*io);
        *io = NULL;
    }
    return 1;
}

static int range_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **error)
{
    range_io *c;

    (void)error;
    if (dst == NULL || src == NULL)
        return -1;
    c = malloc(sizeof *c);
    if (c == NULL)
        return -1;
    memcpy(c, src, sizeof *c);
    c->pos = 0;
    c->open = 0;
    *dst = (intptr_t *)c;
    return 1;
}

static int range_open(intptr_t *io, int flags, libbfio_error_t **error)
{
    (void)error;
    if (flags & LIBBFIO_ACCESS_FLAG_WRITE)
        return -1;
    ((range_io *)io)->open = 1;
    ((range_io *)io)->pos = 0;
    return 1;
}

static int range_close(intptr_t *io, libbfio_error_t **error)
{
    (void)error;
    ((range_io *)io)->open = 0;
    return 0;
}

static ssize_t range_read(intptr_t *io, uint8_t *buf, size_t len, libbfio_error_t **error)
{
    range_io *r = (range_io *)io;
    ssize_t n;

    (void)error;
    if (r->pos >= r->size)
        return 0;
    if ((TSK_OFF_T)len > r->size - r->pos)
        len = (size_t)(r->size - r->pos);
    n = tsk_img_read(r->img, r->off + r->pos, (char *)buf, len);
    if (n < 0) {
        tsk_error_reset();
        return -1;
    }
    r->pos += n;
    return n;
}

static ssize_t range_write(intptr_t *io, const uint8_t *buf, size_t len, libbfio_error_t **error)
{
    (void)io, (void)buf, (void)len, (void)error;
    return -1;
}

static off64_t range_seek(intptr_t *io, off64_t offset, int whence, libbfio_error_t **error)
{
    range_io *r = (range_io *)io;
    TSK_OFF_T base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? r->pos : r->size;

    (void)error;
    if ((whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) || base + offset < 0)
        return -1;
    r->pos = base + offset;
    return r->pos;
}

static int range_exists(intptr_t *io, libbfio_error_t **error)
{
    (void)io, (void)error;
    return 1;
}

static int range_is_open(intptr_t *io, libbfio_error_t **error)
{
    (void)error;
    return ((range_io *)io)->open;
}

static int range_get_size(intptr_t *io, size64_t *size, libbfio_error_t **error)
{
    (void)error;
    *size = (size64_t)((range_io *)io)->size;
    return 1;
}

/* ---- the stores of a volume ---- */

struct image_vss {
    libbfio_handle_t *io;
    libvshadow_volume_t *volume;
    int count;
    TSK_OFF_T off; /* of the volume in the image, for diagnostics */
};

/* The innermost cause of a libvshadow error ("unable to read catalog
 * block header"), without the function name, into buf; frees the error. */
static const char *vss_reason(libvshadow_error_t **error, char *buf, size_t cap)
{
    char *p, *nl, *colon;
    size_t n;

    buf[0] = '\0';
    if (error != NULL && *error != NULL) {
        if (libvshadow_error_backtrace_sprint(*error, buf, cap) < 0)
            buf[0] = '\0';
        libvshadow_error_free(error);
    }
    p = buf;
    while (*p == '\n' || *p == '\r')
        p++;
    if ((nl = strpbrk(p, "\r\n")) != NULL)
        *nl = '\0';
    if ((colon = strstr(p, ": ")) != NULL && memchr(p, ' ', (size_t)(colon - p)) == NULL)
        p = colon + 2;
    n = strlen(p);
    while (n > 0 && (p[n - 1] == '.' || p[n - 1] == ' '))
        p[--n] = '\0';
    return p[0] ? p : "damaged shadow copy structures";
}

vigil_status image_vss_open(TSK_IMG_INFO *img, TSK_OFF_T off, TSK_OFF_T size, const char *label,
                            const vigil_diag_sink *diag, image_vss **out)
{
    libvshadow_error_t *error = NULL;
    libbfio_error_t *berr = NULL;
    image_vss *v;
    range_io *r;
    char reason[512];
    int has;

    *out = NULL;
    if (img == NULL || off < 0 || size <= 0)
        return VIGIL_OK;
    v = calloc(1, sizeof *v);
    r = calloc(1, sizeof *r);
    if (v == NULL || r == NULL) {
        free(v);
        free(r);
        return VIGIL_ERR_NOMEM;
    }
    r->img = img;
    r->off = off;
    r->size = size;
    v->off = off;
    if (libbfio_handle_initialize(
            &v->io, (intptr_t *)r, range_free, range_clone, range_open, range_close, range_read,
            range_write, range_seek, range_exists, range_is_open, range_get_size,
            LIBBFIO_FLAG_IO_HANDLE_MANAGED | LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
            &berr) != 1) {
        libbfio_error_free(&berr);
        free(r);
        free(v);
        return VIGIL_ERR_NOMEM;
    }
    has = libvshadow_check_volume_signature_file_io_handle(v->io, &error);
    if (has != 1) { /* no VSS header: the common case, said nowhere */
        libvshadow_error_free(&error);
        image_vss_close(v);
        return VIGIL_OK;
    }
    if (libvshadow_volume_initialize(&v->volume, &error) != 1) {
        libvshadow_error_free(&error);
        image_vss_close(v);
        return VIGIL_ERR_NOMEM;
    }
    if (libvshadow_volume_open_file_io_handle(v->volume, v->io, LIBVSHADOW_OPEN_READ, &error) !=
            1 ||
        libvshadow_volume_get_number_of_stores(v->volume, &v->count, &error) != 1) {
        vigil_diagf_at(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label, (uint64_t)off,
                       "cannot read the volume shadow copies of the volume at offset %lld: %s; "
                       "the live volume is swept, its snapshots are not",
                       (long long)off, vss_reason(&error, reason, sizeof reason));
        image_vss_close(v);
        return VIGIL_OK;
    }
    if (v->count <= 0) {
        image_vss_close(v);
        return VIGIL_OK;
    }
    *out = v;
    return VIGIL_OK;
}

int image_vss_count(const image_vss *v)
{
    return v != NULL ? v->count : 0;
}

/* A store as a TSK external image: the TSK_IMG_INFO first, TSK fills it. */
typedef struct store_img {
    TSK_IMG_INFO info;
    libvshadow_store_t *store;
} store_img;

static ssize_t store_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    store_img *s = (store_img *)img;
    libvshadow_error_t *error = NULL;
    ssize_t n = libvshadow_store_read_buffer_at_offset(s->store, buf, len, (off64_t)off, &error);

    libvshadow_error_free(&error);
    return n;
}

static void store_close(TSK_IMG_INFO *img)
{
    store_img *s = (store_img *)img;

    libvshadow_store_free(&s->store, NULL);
    free(s);
}

static void store_stat(TSK_IMG_INFO *img, FILE *fp)
{
    (void)img, (void)fp;
}

TSK_IMG_INFO *image_vss_store_image(image_vss *v, int number, const char *label,
                                    const vigil_diag_sink *diag)
{
    libvshadow_error_t *error = NULL;
    libvshadow_store_t *store = NULL;
    size64_t size = 0;
    store_img *s;
    TSK_IMG_INFO *img;
    char reason[512];

    if (v == NULL || number < 1 || number > v->count)
        return NULL;
    if (libvshadow_volume_get_store(v->volume, number - 1, &store, &error) != 1 ||
        libvshadow_store_get_volume_size(store, &size, &error) != 1 || size == 0 ||
        size > (size64_t)INT64_MAX) {
        vigil_diagf_at(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label, (uint64_t)v->off,
                       "cannot read volume shadow copy %d of the volume at offset %lld: %s; "
                       "not swept",
                       number, (long long)v->off,
                       error != NULL ? vss_reason(&error, reason, sizeof reason)
                                     : "no volume size");
        libvshadow_store_free(&store, NULL);
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        libvshadow_store_free(&store, NULL);
        return NULL;
    }
    s->store = store;
    img = tsk_img_open_external(s, (TSK_OFF_T)size, 512, store_read, store_close, store_stat);
    if (img == NULL) {
        libvshadow_store_free(&s->store, NULL);
        free(s);
        tsk_error_reset();
    }
    return img;
}

void image_vss_close(image_vss *v)
{
    if (v == NULL)
        return;
    if (v->volume != NULL) {
        libvshadow_volume_close(v->volume, NULL);
        libvshadow_volume_free(&v->volume, NULL);
    }
    libbfio_handle_free(&v->io, NULL);
    free(v);
}

/* ---- the (path, content) keys already delivered ---- */

#define KEY_LEN 16 /* of SHA-256(path, 0, SHA-256(content)): collisions are out of reach */

struct image_seen {
    uint8_t *keys; /* cap slots of KEY_LEN bytes; all zero = empty */
    size_t cap;
    size_t n;
};

image_seen *image_seen_create(void)
{
    return calloc(1, sizeof(image_seen));
}

void image_seen_destroy(image_seen *s)
{
    if (s == NULL)
        return;
    free(s->keys);
    free(s);
}

static int slot_empty(const uint8_t *k)
{
    for (size_t i = 0; i < KEY_LEN; i++)
        if (k[i])
            return 0;
    return 1;
}

static size_t slot_of(const uint8_t *key, size_t cap)
{
    uint64_t h;

    memcpy(&h, key, sizeof h);
    return (size_t)(h & (cap - 1));
}

static int insert(uint8_t *keys, size_t cap, const uint8_t *key)
{
    for (size_t i = slot_of(key, cap);; i = (i + 1) & (cap - 1)) {
        uint8_t *k = keys + i * KEY_LEN;
        if (slot_empty(k)) {
            memcpy(k, key, KEY_LEN);
            return 1;
        }
        if (memcmp(k, key, KEY_LEN) == 0)
            return 0;
    }
}

static int seen_key(image_seen *s, uint8_t key[KEY_LEN])
{
    if (slot_empty(key))
        key[0] = 1;                    /* the empty marker is not a key */
    if ((s->n + 1) * 4 > s->cap * 3) { /* grow at 3/4 full */
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint8_t *keys;
        if (cap > SIZE_MAX / KEY_LEN || (keys = calloc(cap, KEY_LEN)) == NULL)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (!slot_empty(s->keys + i * KEY_LEN))
                insert(keys, cap, s->keys + i * KEY_LEN);
        free(s->keys);
        s->keys = keys;
        s->cap = cap;
    }
    int added = insert(s->keys, s->cap, key);
    s->n += (size_t)added;
    return added;
}

int image_seen_add_digest(image_seen *s, const char *path, const uint8_t digest[32])
{
    uint8_t full[EVP_MAX_MD_SIZE], key[KEY_LEN];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(c, path, strlen(path) + 1) == 1 &&
             EVP_DigestUpdate(c, digest, 32) == 1 && EVP_DigestFinal_ex(c, full, &n) == 1;

    EVP_MD_CTX_free(c);
    if (!ok)
        return -1;
    memcpy(key, full, KEY_LEN);
    return seen_key(s, key);
}

int image_seen_add(image_seen *s, const char *path, const uint8_t *data, size_t len)
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1)
        return -1;
    return image_seen_add_digest(s, path, digest);
}

int image_seen_add_attr(image_seen *s, const char *path, const TSK_FS_ATTR *a, uint64_t size,
                        uint8_t *buf, size_t cap)
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;

    for (uint64_t off = 0; ok && off < size;) {
        size_t want = size - off < cap ? (size_t)(size - off) : cap;
        ssize_t r =
            tsk_fs_attr_read(a, (TSK_OFF_T)off, (char *)buf, want, TSK_FS_FILE_READ_FLAG_NONE);
        if (r <= 0) { /* unreadable: delivered (and its read error said) anyway */
            tsk_error_reset();
            ok = 0;
            break;
        }
        ok = EVP_DigestUpdate(c, buf, (size_t)r) == 1;
        off += (uint64_t)r;
    }
    ok = ok && EVP_DigestFinal_ex(c, digest, &n) == 1;
    EVP_MD_CTX_free(c);
    return ok ? image_seen_add_digest(s, path, digest) : 1;
}
