/* walk.c - the directory walker of a sweep (see walk.h for the rules it keeps).
 *
 * Why openat/fdopendir with an explicit stack rather than nftw: every
 * directory is opened relative to its parent's descriptor, so paths longer
 * than PATH_MAX and renames during the walk do not matter; the identity of a
 * directory (dev/ino) comes from the opened descriptor, so loop detection
 * cannot be raced; pseudo file systems are recognised by fstatfs on that
 * same descriptor; and depth is bounded by neither the C stack nor the
 * number of descriptors (see MAX_OPEN_DIRS): an intruder's tree 1000
 * levels deep is walked to the bottom. */
#include "sweep/walk.h"
#include "core/buffer.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Directories held open at once, at most: deeper trees close the
 * shallowest ones (remembering where their reading stood) and reopen them
 * through ".." of their child on the way back up, so a walk of any depth
 * needs a bounded number of descriptors. */
#define MAX_OPEN_DIRS 64

typedef struct frame {
    DIR *dir;    /* NULL while closed to save descriptors */
    long resume; /* telldir() of a closed directory */
    size_t plen; /* length of this directory's path in w->path */
    dev_t dev;
    ino_t ino;
} frame;

/* Directories seen while following links: open addressing on dev/ino. */
typedef struct seen_set {
    struct seen_key {
        dev_t dev;
        ino_t ino;
        int used;
    } * slots;
    size_t cap, n;
} seen_set;

typedef struct walker {
    const vigil_walk_options *o;
    const vigil_diag_sink *diag;
    vigil_walk_fn cb;
    void *user;
    vigil_walk_stats *st;
    unsigned max_depth;
    char *path;
    size_t cap;
    frame *stack;
    size_t depth, cap_stack;
    size_t lo; /* frames below lo are closed */
    dev_t root_dev;
    seen_set seen;
} walker;

int vigil_walk_is_pseudo_fs(long f_type)
{
    /* From linux/magic.h; literal so that older headers do not matter. */
    static const unsigned long magic[] = {
        0x9fa0,     /* proc */
        0x62656572, /* sysfs */
        0x1cd1,     /* devpts */
        0x27e0eb,   /* cgroup */
        0x63677270, /* cgroup2 */
        0x64626720, /* debugfs */
        0x74726163, /* tracefs */
        0x73636673, /* securityfs */
        0xcafe4a11, /* bpf */
        0x6165676c, /* pstore */
        0x62656570, /* configfs */
        0xf97cff8c, /* selinuxfs */
        0x43415d53, /* smackfs */
        0x42494e4d, /* binfmt_misc */
        0xde5e81e4, /* efivarfs */
        0x65735543, /* fusectl */
        0x6e736673, /* nsfs */
        0x19800202, /* mqueue */
    };
    unsigned long t = (unsigned long)f_type & 0xffffffffUL;

    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
        if (t == magic[i])
            return 1;
    return 0;
}

int vigil_walk_is_pseudo_path(const char *path)
{
    return path != NULL &&
           (strcmp(path, "/proc") == 0 || strcmp(path, "/sys") == 0 || strcmp(path, "/dev") == 0);
}

static size_t seen_hash(dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ino;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (size_t)h;
}

/* 1 if added, 0 if already there, -1 out of memory. */
static int seen_add(seen_set *s, dev_t dev, ino_t ino)
{
    size_t i;

    if (s->n + 1 > s->cap / 2) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        struct seen_key *ns;
        if (ncap > SIZE_MAX / sizeof *ns)
            return -1;
        ns = calloc(ncap, sizeof *ns);
        if (ns == NULL)
            return -1;
        for (i = 0; i < s->cap; i++) {
            if (s->slots[i].used) {
                size_t j = seen_hash(s->slots[i].dev, s->slots[i].ino) & (ncap - 1);
                while (ns[j].used)
                    j = (j + 1) & (ncap - 1);
                ns[j] = s->slots[i];
            }
        }
        free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    for (i = seen_hash(dev, ino) & (s->cap - 1); s->slots[i].used; i = (i + 1) & (s->cap - 1))
        if (s->slots[i].dev == dev && s->slots[i].ino == ino)
            return 0;
    s->slots[i].dev = dev;
    s->slots[i].ino = ino;
    s->slots[i].used = 1;
    s->n++;
    return 1;
}

static vigil_status path_set(walker *w, size_t at, const char *name)
{
    size_t n = strlen(name), need;
    int slash = at > 0 && w->path[at - 1] != '/';

    if (n > SIZE_MAX - at - 2)
        return VIGIL_ERR_OVERFLOW;
    need = at + (size_t)slash + n + 1;
    if (vigil_array_grow(&w->path, &w->cap, need, 1, 0) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    if (slash)
        w->path[at++] = '/';
    memcpy(w->path + at, name, n + 1);
    return VIGIL_OK;
}

static int excluded(const walker *w, const char *name)
{
    for (size_t i = 0; i < w->o->nexcludes; i++) {
        const char *g = w->o->excludes[i];
        if (g != NULL && (fnmatch(g, w->path, 0) == 0 || fnmatch(g, name, 0) == 0))
            return 1;
    }
    return 0;
}

static void report_errno(walker *w, int err, const char *what)
{
    vigil_status code = (err == EACCES || err == EPERM) ? VIGIL_ERR_ACCESS
                        : err == ENOENT                 ? VIGIL_ERR_NOT_FOUND
                                                        : VIGIL_ERR_IO;
    vigil_diagf(w->diag, VIGIL_DIAG_WARNING, code, w->path, 0, "%s: %s", what, strerror(err));
    w->st->unreadable++;
}

/* A root the user named that cannot be read: an error, not a warning. */
static void root_failed(walker *w, int err, const char *what)
{
    vigil_status code = (err == EACCES || err == EPERM) ? VIGIL_ERR_ACCESS
                        : err == ENOENT                 ? VIGIL_ERR_NOT_FOUND
                                                        : VIGIL_ERR_IO;
    vigil_diagf(w->diag, VIGIL_DIAG_ERROR, code, w->path, 0, "%s: %s", what, strerror(err));
    w->st->unreadable++;
    w->st->roots_unreadable++;
}

static int cancelled(const walker *w)
{
    return w->o->cancel != NULL && *w->o->cancel;
}

/* Enters the directory open as fd (its path is w->path). Takes fd. */
static vigil_status push_dir(walker *w, int fd)
{
    struct stat st;
    struct statfs sf;
    frame *f;
    DIR *d;
    size_t i;

    if (fstat(fd, &st) != 0) {
        report_errno(w, errno, "cannot stat directory");
        close(fd);
        return VIGIL_OK;
    }
    for (i = 0; i < w->depth; i++) {
        if (w->stack[i].dev == st.st_dev && w->stack[i].ino == st.st_ino) {
            vigil_diagf(w->diag, VIGIL_DIAG_INFO, VIGIL_ERR_LIMIT, w->path, 0,
                        "directory loop: same directory as %.*s, not entered",
                        (int)(w->stack[i].plen > 4096 ? 4096 : w->stack[i].plen), w->path);
            w->st->skipped++;
            close(fd);
            return VIGIL_OK;
        }
    }
    if (w->o->follow_symlinks) {
        int r = seen_add(&w->seen, st.st_dev, st.st_ino);
        if (r <= 0) {
            close(fd);
            if (r < 0)
                return VIGIL_ERR_NOMEM;
            w->st->skipped++; /* reached again through a link: walked once already */
            return VIGIL_OK;
        }
    }
    /* A new mount point (or a root): is it a pseudo file system? */
    if ((w->depth == 0 || st.st_dev != w->stack[w->depth - 1].dev) && fstatfs(fd, &sf) == 0 &&
        vigil_walk_is_pseudo_fs((long)sf.f_type)) {
        w->st->skipped++;
        close(fd);
        return VIGIL_OK;
    }
    if (w->max_depth != 0 && w->depth >= w->max_depth) {
        vigil_diagf(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, w->path, 0,
                    "directory nested deeper than %u levels, not entered", w->max_depth);
        w->st->skipped++;
        close(fd);
        return VIGIL_OK;
    }
    if (VIGIL_ARRAY_RESERVE(w->stack, w->cap_stack, w->depth + 1) != VIGIL_OK) {
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    d = fdopendir(fd);
    if (d == NULL) {
        report_errno(w, errno, "cannot read directory");
        close(fd);
        return VIGIL_OK;
    }
    f = &w->stack[w->depth++];
    f->dir = d;
    f->resume = 0;
    f->plen = strlen(w->path);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    if (w->depth == 1) {
        w->root_dev = st.st_dev;
        w->lo = 0;
    }
    w->st->dirs++;
    if (w->depth - w->lo > MAX_OPEN_DIRS) {
        frame *old = &w->stack[w->lo++];
        old->resume = telldir(old->dir);
        closedir(old->dir);
        old->dir = NULL;
    }
    return VIGIL_OK;
}

/* Opens a directory again for frame p, whose path is w->path (cut at
 * p->plen): through ".." of its child, else by its path; it must still be
 * the same directory. Returns the descriptor or -1. */
static int reopen_fd(walker *w, const frame *p, DIR *child)
{
    struct stat st;
    int fd = child != NULL ? openat(dirfd(child), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

    if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != p->dev || st.st_ino != p->ino)) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) { /* reached through a link, or moved: try the path */
        fd = open(w->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != p->dev || st.st_ino != p->ino)) {
            close(fd);
            fd = -1;
        }
    }
    return fd;
}

/* Leaves the top directory. With resume, a closed parent is opened again
 * where its reading stood; if that fails it is reported and left closed
 * (walk_tree then leaves it too). */
static void pop_dir(walker *w, int resume)
{
    frame *f = &w->stack[--w->depth];

    if (w->depth > 0) {
        frame *p = &w->stack[w->depth - 1];
        w->path[p->plen] = '\0';
        if (resume && p->dir == NULL) {
            int fd = reopen_fd(w, p, f->dir);
            p->dir = fd >= 0 ? fdopendir(fd) : NULL;
            if (p->dir == NULL) {
                if (fd >= 0)
                    close(fd);
                vigil_diagf(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_IO, w->path, 0,
                            "directory moved or removed during the walk: the rest of it not read");
                w->st->unreadable++;
            } else {
                seekdir(p->dir, p->resume);
            }
            w->lo = w->depth - 1;
        }
    }
    if (f->dir != NULL)
        closedir(f->dir);
}

static int special_dtype(unsigned char t)
{
    return t == DT_FIFO || t == DT_SOCK || t == DT_CHR || t == DT_BLK;
}

/* A FIFO, socket or device met by the walk: no content to scan (a FIFO
 * would block the reader, a device feed it endless bytes). Counted, and
 * named with -v only: /dev-like trees and /run hold many, and a line each
 * would bury the warnings that matter. */
static void special_skipped(walker *w, mode_t mode)
{
    w->st->skipped++;
    vigil_diagf(w->diag, VIGIL_DIAG_INFO, VIGIL_ERR_UNSUPPORTED, w->path, 0,
                "%s, not a regular file: skipped", vigil_file_kind_name(mode));
}

/* Handles one directory entry of the top frame; w->path is its path. */
static vigil_status visit(walker *w, const struct dirent *de)
{
    int dfd = dirfd(w->stack[w->depth - 1].dir);
    int nofollow = w->o->follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW;
    struct stat st;
    int fd;

    if (excluded(w, de->d_name)) {
        w->st->skipped++;
        return VIGIL_OK;
    }
    if (special_dtype(de->d_type)) {
        special_skipped(w, DTTOIF(de->d_type));
        return VIGIL_OK;
    }
    if (de->d_type == DT_LNK && !w->o->follow_symlinks)
        return VIGIL_OK;
    if (fstatat(dfd, de->d_name, &st, nofollow) != 0) {
        int err = errno;
        if (err == ENOENT) /* vanished, or a dangling link: nothing to read */
            return VIGIL_OK;
        if (err == ELOOP) { /* a link to itself */
            w->st->skipped++;
            return VIGIL_OK;
        }
        report_errno(w, err, "cannot stat");
        return VIGIL_OK;
    }
    if (S_ISREG(st.st_mode)) {
        w->st->files++;
        return w->cb(w->user, w->path, &st);
    }
    if (S_ISLNK(st.st_mode))
        return VIGIL_OK;
    if (!S_ISDIR(st.st_mode)) {
        special_skipped(w, st.st_mode);
        return VIGIL_OK;
    }
    if ((w->o->one_file_system && st.st_dev != w->root_dev) || vigil_walk_is_pseudo_path(w->path)) {
        w->st->skipped++;
        return VIGIL_OK;
    }
    fd = openat(dfd, de->d_name,
                O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            return VIGIL_OK;
        report_errno(w, err, "cannot open directory");
        return VIGIL_OK;
    }
    return push_dir(w, fd);
}

static vigil_status walk_tree(walker *w)
{
    vigil_status s = VIGIL_OK;

    while (w->depth > 0) {
        size_t at = w->depth - 1; /* the stack may move: index, not pointer */
        struct dirent *de;

        if (cancelled(w))
            return VIGIL_ERR_ABORTED;
        if (w->stack[at].dir == NULL) { /* could not be reopened (reported) */
            pop_dir(w, 1);
            continue;
        }
        errno = 0;
        de = readdir(w->stack[at].dir);
        if (de == NULL) {
            if (errno != 0) {
                w->path[w->stack[at].plen] = '\0';
                report_errno(w, errno, "error reading directory");
            }
            pop_dir(w, 1);
            continue;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        s = path_set(w, w->stack[at].plen, de->d_name);
        if (s != VIGIL_OK)
            return s;
        s = visit(w, de);
        if (s != VIGIL_OK)
            return s;
        if (w->depth == at + 1)
            w->path[w->stack[at].plen] = '\0';
    }
    return VIGIL_OK;
}

static vigil_status walk_root(walker *w, const char *root)
{
    size_t n = strlen(root);
    struct stat st;
    vigil_status s;
    int fd;

    while (n > 1 && root[n - 1] == '/')
        n--;
    if (w->cap < n + 1) {
        char *p = realloc(w->path, n + 256);
        if (p == NULL)
            return VIGIL_ERR_NOMEM;
        w->path = p;
        w->cap = n + 256;
    }
    memcpy(w->path, root, n);
    w->path[n] = '\0';
    if (stat(w->path, &st) != 0) {
        root_failed(w, errno, "cannot stat");
        return VIGIL_OK;
    }
    if (S_ISREG(st.st_mode)) {
        /* said here, as an error, rather than as a file the scan could not open */
        fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
            root_failed(w, errno, "cannot open");
            return VIGIL_OK;
        }
        close(fd);
        w->st->files++;
        return w->cb(w->user, w->path, &st);
    }
    if (!S_ISDIR(st.st_mode)) {
        /* named on the command line: said, as the user asked for it */
        w->st->skipped++;
        vigil_diagf(w->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_UNSUPPORTED, w->path, 0,
                    "not scanned: %s, not a regular file or directory",
                    vigil_file_kind_name(st.st_mode));
        return VIGIL_OK;
    }
    if (vigil_walk_is_pseudo_path(w->path)) {
        w->st->skipped++;
        return VIGIL_OK;
    }
    fd = open(w->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        root_failed(w, errno, "cannot open directory");
        return VIGIL_OK;
    }
    s = push_dir(w, fd);
    if (s == VIGIL_OK)
        s = walk_tree(w);
    while (w->depth > 0)
        pop_dir(w, 0);
    return s;
}

vigil_status vigil_walk_run(const char *const *roots, size_t nroots, const vigil_walk_options *opts,
                            const vigil_diag_sink *diag, vigil_walk_fn cb, void *user,
                            vigil_walk_stats *stats)
{
    static const vigil_walk_options defaults;
    vigil_walk_stats local;
    walker w;
    vigil_status s = VIGIL_OK;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (cb == NULL || (roots == NULL && nroots > 0))
        return VIGIL_ERR_INVALID_ARG;
    memset(&w, 0, sizeof w);
    w.o = opts != NULL ? opts : &defaults;
    w.diag = diag;
    w.cb = cb;
    w.user = user;
    w.st = stats;
    w.max_depth = w.o->max_depth;
    for (size_t i = 0; i < nroots && s == VIGIL_OK; i++) {
        if (cancelled(&w))
            s = VIGIL_ERR_ABORTED;
        else if (roots[i] != NULL && roots[i][0] != '\0')
            s = walk_root(&w, roots[i]);
    }
    free(w.stack);
    free(w.path);
    free(w.seen.slots);
    return s;
}
