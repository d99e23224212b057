/* image_walk.c - every allocated file and stream of a disk image, through libtsk.
 *
 * Why The Sleuth Kit: it already reads E01/VMDK/VHD containers, MBR and GPT
 * partition tables and NTFS (sparse and compressed runs, resident data,
 * alternate data streams), FAT and ext, and it is the reference examiners
 * cross-check with (fls, icat). What is ours: the walk itself, which must
 * survive a hostile image. Directories are opened one by one rather than
 * with tsk_fs_dir_walk, so a corrupt directory costs its own subtree and
 * not the rest of the volume; a directory that is its own ancestor is not
 * entered again; depth, file count and sizes are bounded; and each problem
 * is a diagnostic naming the image and the offset or path. */
#include "core/util.h"
#include "image/image.h"
#include "image/image_vss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/libtsk.h>

#define READ_STEP ((size_t)1 << 20)
#define DEFAULT_MAX_FILE ((uint64_t)256 << 20)
#define DEFAULT_MAX_HASH ((uint64_t)1 << 30)

typedef struct walk {
    const char *display;
    const vigil_diag_sink *diag;
    vigil_image_limits lim;
    vigil_image_file_fn cb;
    const vigil_image_big_fns *big;
    void *user;
    vigil_image_walk_stats *st;
    TSK_FS_INFO *fs;
    const char *volume; /* "p2/" or "" */
    TSK_INUM_T ancestors[VIGIL_IMAGE_MAX_DIR_DEPTH];
    uint8_t *buf;
    size_t cap;
    char *label; /* "display!name" for diagnostics */
    size_t label_cap;
    vigil_status err; /* the first status that ends the walk */
    image_seen *seen; /* the volume has shadow copies: (path, content) delivered */
    int in_snapshot;  /* walking a shadow copy: files seen already are skipped */
} walk;

static const char *tsk_reason(void)
{
    const char *s = tsk_error_get();
    return s != NULL && s[0] != '\0' ? s : "damaged or unreadable structure";
}

static const char *label_for(walk *w, const char *name)
{
    const char *l = vigil_path_nested(&w->label, &w->label_cap, w->display, name);
    return l != NULL ? l : w->display;
}

static int stop(walk *w)
{
    if (w->err == VIGIL_OK && w->lim.cancel != NULL && *w->lim.cancel)
        w->err = VIGIL_ERR_ABORTED;
    return w->err != VIGIL_OK;
}

/* Counts one more file; reports and stops at the limit. */
static int count_file(walk *w)
{
    if (w->st->files >= w->lim.max_files) {
        if (!w->st->too_many)
            vigil_diagf(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, w->display, 0,
                        "too many files: more than %llu, the rest of the image was not read",
                        (unsigned long long)w->lim.max_files);
        w->st->too_many = 1;
        w->err = VIGIL_ERR_LIMIT; /* ends the walk; turned into VIGIL_OK at the top */
        return 0;
    }
    w->st->files++;
    return 1;
}

static void read_error(walk *w, const char *name, uint64_t off)
{
    w->st->read_errors++;
    vigil_diagf_at(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label_for(w, name), off,
                   "read error at offset %llu of the file: %s; the bytes before it are scanned",
                   (unsigned long long)off, tsk_reason());
    tsk_error_reset();
}

/* A snapshot's file equal to the one delivered under its path (live, or
 * from an earlier snapshot): counted, not delivered again. */
static void unchanged(walk *w)
{
    w->st->files--;
    w->st->snapshot_unchanged++;
}

/* added: what recording a (path, content) as delivered said (1 new, 0
 * seen already, -1 out of memory). 1 when the file must not be delivered:
 * out of memory (the walk ends), or a snapshot's file unchanged. */
static int skip_seen(walk *w, int added)
{
    if (added < 0) {
        w->err = VIGIL_ERR_NOMEM;
        return 1;
    }
    if (added == 0 && w->in_snapshot) {
        unchanged(w);
        return 1;
    }
    return 0;
}

/* A stream past max_file_size: streamed to big (hashes, name), or only
 * named when it is past max_hash_size too. */
static void deliver_big(walk *w, const TSK_FS_ATTR *a, const char *name, uint64_t size)
{
    const vigil_image_big_fns *b = w->big;
    int complete = 1;
    vigil_status s;

    if (b == NULL)
        return;
    s = b->begin(w->user, name);
    if (s == VIGIL_OK && size > w->lim.max_hash_size)
        complete = 0;
    for (uint64_t off = 0; s == VIGIL_OK && complete && off < size;) {
        size_t want = size - off < READ_STEP ? (size_t)(size - off) : READ_STEP;
        ssize_t r;
        if (stop(w))
            return;
        r = tsk_fs_attr_read(a, (TSK_OFF_T)off, (char *)w->buf, want, TSK_FS_FILE_READ_FLAG_NONE);
        if (r <= 0) {
            read_error(w, name, off);
            complete = 0;
            break;
        }
        s = b->data(w->user, w->buf, (size_t)r);
        off += (uint64_t)r;
    }
    if (s == VIGIL_OK)
        s = b->end(w->user, complete);
    if (s != VIGIL_OK)
        w->err = s;
}

/* Reads one stream (a file's data, or an alternate data stream) and hands
 * it out whole, or streamed when big. */
static void deliver(walk *w, const TSK_FS_ATTR *a, const char *name)
{
    uint64_t size = a->size < 0 ? 0 : (uint64_t)a->size;
    size_t got = 0;

    if (!count_file(w))
        return;
    if (w->cap < READ_STEP) {
        uint8_t *p = realloc(w->buf, READ_STEP);
        if (p == NULL) {
            w->err = VIGIL_ERR_NOMEM;
            return;
        }
        w->buf = p;
        w->cap = READ_STEP;
    }
    if (size > w->lim.max_file_size || size > SIZE_MAX / 2) {
        if (w->seen != NULL) { /* read twice: once for its digest */
            if (skip_seen(w, image_seen_add_attr(w->seen, name + strlen(w->volume), a, size, w->buf,
                                                 w->cap)))
                return;
        }
        deliver_big(w, a, name, size);
        return;
    }
    if (size > w->cap) {
        uint8_t *p = realloc(w->buf, (size_t)size);
        if (p == NULL) {
            w->err = VIGIL_ERR_NOMEM;
            return;
        }
        w->buf = p;
        w->cap = (size_t)size;
    }
    while (got < size) {
        size_t want = size - got < READ_STEP ? (size_t)size - got : READ_STEP;
        ssize_t r;
        if (stop(w))
            return;
        r = tsk_fs_attr_read(a, (TSK_OFF_T)got, (char *)w->buf + got, want,
                             TSK_FS_FILE_READ_FLAG_NONE);
        if (r <= 0) {
            read_error(w, name, got);
            break;
        }
        got += (size_t)r;
    }
    if (w->seen != NULL) {
        if (skip_seen(w, image_seen_add(w->seen, name + strlen(w->volume), w->buf, got)))
            return;
    }
    vigil_status s = w->cb(w->user, name, w->buf, got);
    if (s != VIGIL_OK)
        w->err = s;
}

/* "p2/dir/name" or "p2/dir/name:stream" into a fresh string. */
static char *join(const char *volume, const char *dir, const char *name, const char *stream)
{
    size_t n = strlen(volume) + strlen(dir) + strlen(name) + (stream ? strlen(stream) + 1 : 0) + 1;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s%s%s%s%s", volume, dir, name, stream ? ":" : "", stream ? stream : "");
    return p;
}

static void file_streams(walk *w, TSK_FS_FILE *f, const char *dir)
{
    const char *name = f->name->name;

    if (w->lim.mtime != NULL)
        *w->lim.mtime = f->meta != NULL ? (int64_t)f->meta->mtime : 0;

    if (!TSK_FS_TYPE_ISNTFS(w->fs->ftype)) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get(f);
        char *path = join(w->volume, dir, name, NULL);
        if (path == NULL) {
            w->err = VIGIL_ERR_NOMEM;
            return;
        }
        if (a != NULL)
            deliver(w, a, path);
        else
            tsk_error_reset();
        free(path);
        return;
    }
    int n = tsk_fs_file_attr_getsize(f);
    for (int i = 0; i < n && !stop(w); i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        int named;
        char *path;
        if (a == NULL || a->type != TSK_FS_ATTR_TYPE_NTFS_DATA)
            continue;
        named = a->name != NULL && a->name[0] != '\0' && strcmp(a->name, "$Data") != 0;
        path = join(w->volume, dir, name, named ? a->name : NULL);
        if (path == NULL) {
            w->err = VIGIL_ERR_NOMEM;
            return;
        }
        uint64_t unchanged_before = w->st->snapshot_unchanged;
        deliver(w, a, path);
        if (named && w->st->snapshot_unchanged == unchanged_before)
            w->st->streams++; /* delivered (a snapshot's unchanged one is not) */
        free(path);
    }
    tsk_error_reset();
}

static void walk_dir(walk *w, TSK_INUM_T inum, const char *dir, unsigned depth);

/* Whether an entry is file system metadata: NTFS $MFT, $LogFile, $Extend
 * and the reserved records, or the volume label TSK lists in a FAT root
 * directory as an empty file "LABEL (Volume Label Entry)". Those are not
 * files anyone put there. */
static int fs_metadata(const walk *w, const TSK_FS_FILE *f, unsigned depth)
{
    static const char label[] = " (Volume Label Entry)";
    size_t n;

    if (TSK_FS_TYPE_ISNTFS(w->fs->ftype))
        return f->meta->addr < 16 && f->name->name[0] == '$';
    if (TSK_FS_TYPE_ISFAT(w->fs->ftype) && depth == 0 && f->meta->size == 0) {
        n = strlen(f->name->name);
        return n > sizeof label - 1 && strcmp(f->name->name + n - (sizeof label - 1), label) == 0;
    }
    return 0;
}

static void dir_entry(walk *w, TSK_FS_FILE *f, const char *dir, unsigned depth)
{
    const char *name = f->name->name;

    if (name == NULL || !(f->name->flags & TSK_FS_NAME_FLAG_ALLOC) || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return;
    if (f->meta == NULL) { /* a name whose file record could not be read */
        char *path = join(w->volume, dir, name, NULL);
        w->st->read_errors++;
        vigil_diagf(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT,
                    path != NULL ? label_for(w, path) : w->display, 0,
                    "cannot read the file record (inode %llu): %s; not swept",
                    (unsigned long long)f->name->meta_addr, tsk_reason());
        tsk_error_reset();
        free(path);
        return;
    }
    if (fs_metadata(w, f, depth))
        return;
    if (f->meta->type == TSK_FS_META_TYPE_REG) {
        file_streams(w, f, dir);
    } else if (f->meta->type == TSK_FS_META_TYPE_DIR) {
        size_t n = strlen(dir) + strlen(name) + 2;
        char *sub = malloc(n);
        if (sub == NULL) {
            w->err = VIGIL_ERR_NOMEM;
            return;
        }
        snprintf(sub, n, "%s%s/", dir, name);
        walk_dir(w, f->meta->addr, sub, depth + 1);
        free(sub);
    }
}

static void walk_dir(walk *w, TSK_INUM_T inum, const char *dir, unsigned depth)
{
    TSK_FS_DIR *d;

    if (stop(w))
        return;
    if (depth >= VIGIL_IMAGE_MAX_DIR_DEPTH) {
        vigil_diagf(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, label_for(w, dir), 0,
                    "directory nested deeper than %u levels; not read", VIGIL_IMAGE_MAX_DIR_DEPTH);
        return;
    }
    for (unsigned i = 0; i < depth; i++)
        if (w->ancestors[i] == inum)
            return; /* a loop in a corrupt file system */
    w->ancestors[depth] = inum;
    d = tsk_fs_dir_open_meta(w->fs, inum);
    if (d == NULL) {
        w->st->read_errors++;
        vigil_diagf(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label_for(w, dir), 0,
                    "cannot read directory (inode %llu): %s; its contents were not swept",
                    (unsigned long long)inum, tsk_reason());
        tsk_error_reset();
        return;
    }
    size_t n = tsk_fs_dir_getsize(d);
    for (size_t i = 0; i < n && !stop(w); i++) {
        TSK_FS_FILE *f = tsk_fs_dir_get(d, i);
        if (f == NULL) {
            tsk_error_reset();
            continue;
        }
        dir_entry(w, f, dir, depth);
        tsk_fs_file_close(f);
    }
    tsk_fs_dir_close(d);
}

/* Opens the file system at byte offset off of img (part may be NULL for a
 * bare file system); NULL, said, when it cannot. where names it ("p2",
 * "vss3!p2", "" for the image itself). */
static TSK_FS_INFO *open_fs(walk *w, TSK_IMG_INFO *img, const TSK_VS_PART_INFO *part, TSK_OFF_T off,
                            const char *where)
{
    TSK_FS_INFO *fs = part != NULL ? tsk_fs_open_vol(part, TSK_FS_TYPE_DETECT)
                                   : tsk_fs_open_img(img, off, TSK_FS_TYPE_DETECT);
    const char *label;

    if (fs != NULL)
        return fs;
    uint32_t e = tsk_error_get_errno();
    uint8_t head[4096];
    char reason[256];
    ssize_t n;
    w->st->volumes_failed++;
    snprintf(reason, sizeof reason, "%s", tsk_reason());
    tsk_error_reset();
    label = where[0] ? label_for(w, where) : w->display;
    n = tsk_img_read(img, off, (char *)head, sizeof head);
    if (n >= 11 && memcmp(head + 3, "-FVE-FS-", 8) == 0) {
        vigil_diagf_at(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_UNSUPPORTED, label, (uint64_t)off,
                       "BitLocker-encrypted volume at offset %lld; not swept", (long long)off);
        tsk_error_reset();
        return NULL;
    }
    /* a file system signature TSK would not accept: damage, not absence */
    if (n > 0 && vigil_image_sniff(head, (size_t)n, NULL, 0) == VIGIL_IMAGE_RAW)
        e = TSK_ERR_FS_CORRUPT;
    if (e == TSK_ERR_FS_UNKTYPE)
        vigil_diagf_at(w->diag, VIGIL_DIAG_INFO, VIGIL_ERR_UNSUPPORTED, label, (uint64_t)off,
                       "no known file system at offset %lld; not swept", (long long)off);
    else
        vigil_diagf_at(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, label, (uint64_t)off,
                       "cannot read the file system at offset %lld: %s; not swept", (long long)off,
                       e == TSK_ERR_FS_CORRUPT ? "damaged boot sector or superblock" : reason);
    tsk_error_reset();
    return NULL;
}

static void walk_fs(walk *w, TSK_FS_INFO *fs, const char *volume)
{
    if (!w->in_snapshot)
        w->st->volumes++;
    w->fs = fs;
    w->volume = volume;
    walk_dir(w, fs->root_inum, "", 0);
    w->fs = NULL;
}

/* Shadow copy number of the volume named volume ("p2/" or ""), walked as
 * "vss3!p2/...": only files whose content differs from what was delivered
 * under their path are delivered. */
static void walk_snapshot(walk *w, image_vss *vss, int number, const char *volume)
{
    char name[48], where[48];
    TSK_IMG_INFO *simg;
    TSK_FS_INFO *fs;

    snprintf(name, sizeof name, "vss%d!%s", number, volume);
    snprintf(where, sizeof where, "vss%d%s%.*s", number, volume[0] ? "!" : "",
             volume[0] ? (int)strlen(volume) - 1 : 0, volume);
    simg = image_vss_store_image(vss, number, label_for(w, where), w->diag);
    if (simg == NULL)
        return;
    w->st->snapshots++;
    w->in_snapshot = 1;
    fs = open_fs(w, simg, NULL, 0, where);
    if (fs != NULL) {
        walk_fs(w, fs, name);
        tsk_fs_close(fs);
    }
    w->in_snapshot = 0;
    tsk_img_close(simg);
}

/* Walks the file system at byte offset off (size bytes; part may be NULL
 * for a bare file system) under the name volume ("p2/" or ""), then the
 * shadow copies an NTFS volume holds. */
static void walk_volume(walk *w, TSK_IMG_INFO *img, const TSK_VS_PART_INFO *part, TSK_OFF_T off,
                        TSK_OFF_T size, const char *volume)
{
    char where[32];
    image_vss *vss = NULL;
    TSK_FS_INFO *fs;

    snprintf(where, sizeof where, "%.*s", volume[0] ? (int)strlen(volume) - 1 : 0, volume);
    fs = open_fs(w, img, part, off, where);
    if (fs == NULL)
        return;
    if (TSK_FS_TYPE_ISNTFS(fs->ftype)) {
        vigil_status st = image_vss_open(
            img, off, size, where[0] ? label_for(w, where) : w->display, w->diag, &vss);
        if (st == VIGIL_OK && vss != NULL && (w->seen = image_seen_create()) == NULL)
            st = VIGIL_ERR_NOMEM;
        if (st != VIGIL_OK)
            w->err = st;
    }
    if (w->err == VIGIL_OK)
        walk_fs(w, fs, volume);
    tsk_fs_close(fs);
    for (int i = 1; i <= image_vss_count(vss) && !stop(w); i++)
        walk_snapshot(w, vss, i, volume);
    image_vss_close(vss);
    image_seen_destroy(w->seen);
    w->seen = NULL;
}

static void walk_image(walk *w, TSK_IMG_INFO *img)
{
    char sig[8];
    /* a GPT disk is opened as GPT: TSK's detection also reads its protective
     * MBR as a DOS table and leaks that table's partitions (LeakSanitizer) */
    TSK_VS_TYPE_ENUM type = tsk_img_read(img, 512, sig, sizeof sig) == (ssize_t)sizeof sig &&
                                    memcmp(sig, "EFI PART", 8) == 0
                                ? TSK_VS_TYPE_GPT
                                : TSK_VS_TYPE_DETECT;
    TSK_VS_INFO *vs = tsk_vs_open(img, 0, type);

    if (vs == NULL) {
        tsk_error_reset();
        walk_volume(w, img, NULL, 0, img->size, "");
        return;
    }
    unsigned number = 0;
    for (TSK_PNUM_T i = 0; i < vs->part_count && !stop(w); i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        char volume[32];
        if (p == NULL || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
            continue;
        number++;
        snprintf(volume, sizeof volume, "p%u/", number);
        walk_volume(w, img, p, (TSK_OFF_T)p->start * (TSK_OFF_T)vs->block_size,
                    (TSK_OFF_T)p->len * (TSK_OFF_T)vs->block_size, volume);
    }
    tsk_vs_close(vs);
}

static vigil_status run(TSK_IMG_INFO *img, const char *display, const vigil_image_limits *limits,
                        const vigil_diag_sink *diag, vigil_image_file_fn cb,
                        const vigil_image_big_fns *big, void *user, vigil_image_walk_stats *stats)
{
    vigil_image_walk_stats local;
    walk w;

    memset(&w, 0, sizeof w);
    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    w.display = display;
    w.diag = diag;
    if (limits != NULL)
        w.lim = *limits;
    if (w.lim.max_file_size == 0)
        w.lim.max_file_size = DEFAULT_MAX_FILE;
    if (w.lim.max_hash_size == 0)
        w.lim.max_hash_size = DEFAULT_MAX_HASH;
    if (w.lim.max_files == 0)
        w.lim.max_files = VIGIL_IMAGE_DEFAULT_MAX_FILES;
    w.cb = cb;
    w.big = big;
    w.user = user;
    w.st = stats;
    walk_image(&w, img);
    free(w.buf);
    free(w.label);
    tsk_error_reset();
    if (w.err == VIGIL_ERR_LIMIT)
        return VIGIL_OK;
    if (w.err == VIGIL_OK && stats->volumes == 0)
        return VIGIL_ERR_UNSUPPORTED;
    return w.err;
}

/* The TSK image type of a sniffed kind. */
static TSK_IMG_TYPE_ENUM tsk_type_of(vigil_image_kind kind)
{
    switch (kind) {
    case VIGIL_IMAGE_RAW:
        return TSK_IMG_TYPE_RAW;
    case VIGIL_IMAGE_E01:
        return TSK_IMG_TYPE_EWF_EWF;
    case VIGIL_IMAGE_VMDK:
        return TSK_IMG_TYPE_VMDK_VMDK;
    case VIGIL_IMAGE_VHD:
    case VIGIL_IMAGE_VHDX:
        return TSK_IMG_TYPE_VHD_VHD; /* libvhdi reads both */
    case VIGIL_IMAGE_NONE:
    default:
        return TSK_IMG_TYPE_DETECT;
    }
}

vigil_status vigil_image_walk_file(const char *path, const char *display, vigil_image_kind kind,
                                   const vigil_image_limits *limits, const vigil_diag_sink *diag,
                                   vigil_image_file_fn cb, const vigil_image_big_fns *big,
                                   void *user, vigil_image_walk_stats *stats)
{
    TSK_IMG_INFO *img;
    vigil_status s;

    if (path == NULL || display == NULL || cb == NULL)
        return VIGIL_ERR_INVALID_ARG;
    img = tsk_img_open_utf8_sing(path, tsk_type_of(kind), 0);
    if (img == NULL) {
        if (stats != NULL)
            memset(stats, 0, sizeof *stats);
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, display, 0,
                    "cannot open the disk image: %s; scanned as a plain file", tsk_reason());
        tsk_error_reset();
        return VIGIL_ERR_UNSUPPORTED;
    }
    s = run(img, display, limits, diag, cb, big, user, stats);
    tsk_img_close(img);
    return s;
}

/* A raw image in memory, read through TSK's external image interface: the
 * TSK_IMG_INFO must come first, TSK fills it in. */
typedef struct mem_img {
    TSK_IMG_INFO info;
    const uint8_t *data;
    size_t len;
} mem_img;

static ssize_t mem_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    const mem_img *m = (const mem_img *)img;

    if (off < 0 || (uint64_t)off >= m->len)
        return 0;
    if (len > m->len - (size_t)off)
        len = m->len - (size_t)off;
    memcpy(buf, m->data + off, len);
    return (ssize_t)len;
}

static void mem_close(TSK_IMG_INFO *img)
{
    free(img);
}

static void mem_stat(TSK_IMG_INFO *img, FILE *fp)
{
    (void)img;
    (void)fp;
}

vigil_status vigil_image_walk_memory(const uint8_t *data, size_t len, const char *display,
                                     const vigil_image_limits *limits, const vigil_diag_sink *diag,
                                     vigil_image_file_fn cb, const vigil_image_big_fns *big,
                                     void *user, vigil_image_walk_stats *stats)
{
    mem_img *m;
    TSK_IMG_INFO *img;
    vigil_status s;

    if ((data == NULL && len > 0) || display == NULL || cb == NULL)
        return VIGIL_ERR_INVALID_ARG;
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return VIGIL_ERR_NOMEM;
    m->data = data;
    m->len = len;
    img = tsk_img_open_external(m, (TSK_OFF_T)len, 512, mem_read, mem_close, mem_stat);
    if (img == NULL) {
        free(m);
        if (stats != NULL)
            memset(stats, 0, sizeof *stats);
        tsk_error_reset();
        return VIGIL_ERR_UNSUPPORTED;
    }
    s = run(img, display, limits, diag, cb, big, user, stats);
    tsk_img_close(img);
    return s;
}
