/* qstore.c - the quarantine store as a whole: where it lives, opening and
 * locking it, item ids, listing and purging items.
 *
 * The lock (flock on DIR/lock) is held for the life of the handle so that
 * two vigil processes never work on one store at once; opening it is also
 * when a half-done move left by a killed process is finished or undone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/buffer.h"
#include "core/long_path.h"
#include "core/util.h"
#include "quarantine/quarantine_internal.h"
#include "vigil/vigil.h"

vigil_status vigil_quarantine_default_dir(char **out)
{
    const char *base;
    char buf[4096];

    *out = NULL;
    if (geteuid() == 0) {
        base = "/var/lib/vigil/quarantine";
    } else {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        if (xdg != NULL && xdg[0] == '/')
            snprintf(buf, sizeof buf, "%s/vigil/quarantine", xdg);
        else if (home != NULL && home[0] == '/')
            snprintf(buf, sizeof buf, "%s/.local/share/vigil/quarantine", home);
        else
            return VIGIL_ERR_NOT_FOUND;
        base = buf;
    }
    *out = strdup(base);
    return *out != NULL ? VIGIL_OK : VIGIL_ERR_NOMEM;
}

int q_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= VIGIL_QUARANTINE_ID_MAX || id[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!vigil_is_alnum(id[i]) && id[i] != '-')
            return 0;
    return 1;
}

void q_name(char *buf, size_t cap, const char *id, const char *suffix)
{
    snprintf(buf, cap, "%s%s", id, suffix);
}

char *q_hex_encode(const void *data, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    if (n > (SIZE_MAX - 1) / 2)
        return NULL;
    char *s = malloc(2 * n + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    return s;
}

char *q_hex_decode(const char *hex, size_t *n)
{
    size_t len = strlen(hex);
    if (len % 2 != 0)
        return NULL;
    char *s = malloc(len / 2 + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = vigil_hex_digit(hex[2 * i]), lo = vigil_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(s);
            return NULL;
        }
        s[i] = (char)(hi << 4 | lo);
    }
    s[len / 2] = '\0';
    if (n != NULL)
        *n = len / 2;
    return s;
}

int q_open_parent(const char *path, const char **base)
{
    return vigil_open_long_parent(path, base);
}

void q_iso_now(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (p == NULL)
        return -1;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    return 0;
}

static int open_subdir(int dirfd, const char *name)
{
    if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
        return -1;
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

vigil_status vigil_quarantine_open(const char *dir, const vigil_quarantine_options *opts,
                                   vigil_quarantine **out)
{
    vigil_quarantine *q;
    vigil_status st;

    *out = NULL;
    if (dir == NULL || dir[0] == '\0')
        return VIGIL_ERR_INVALID_ARG;
    q = calloc(1, sizeof *q);
    if (q == NULL)
        return VIGIL_ERR_NOMEM;
    q->dirfd = q->itemsfd = q->journalfd = q->lockfd = -1;
    if (opts != NULL) {
        q->diag.fn = opts->on_diag;
        q->diag.user = opts->diag_user;
    }
    q->dir = strdup(dir);
    q->version = strdup(opts != NULL && opts->version != NULL ? opts->version : vigil_version());
    if (q->dir == NULL || q->version == NULL) {
        vigil_quarantine_close(q);
        return VIGIL_ERR_NOMEM;
    }
    if (gethostname(q->host, sizeof q->host) != 0)
        snprintf(q->host, sizeof q->host, "unknown");
    q->host[sizeof q->host - 1] = '\0';
    const char *fault = getenv("VIGIL_QUARANTINE_FAULT_STEP");
    if (fault != NULL)
        q->fault_step = strtol(fault, NULL, 10);
    st = vigil_hasher_create(&q->hasher);
    if (st != VIGIL_OK) {
        vigil_quarantine_close(q);
        return st;
    }
    if (make_dirs(dir) != 0 || (q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (q->itemsfd = open_subdir(q->dirfd, "items")) < 0 ||
        (q->journalfd = open_subdir(q->dirfd, "journal")) < 0 ||
        (q->lockfd = openat(q->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) <
            0) {
        int e = errno;
        vigil_diagf(&q->diag, VIGIL_DIAG_ERROR, q_errno_status(e), dir, 0,
                    "cannot open the quarantine store: %s", strerror(e));
        vigil_quarantine_close(q);
        return q_errno_status(e);
    }
    while (flock(q->lockfd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;
            vigil_diagf(&q->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, dir, 0,
                        "cannot lock the quarantine store: %s", strerror(e));
            vigil_quarantine_close(q);
            return VIGIL_ERR_IO;
        }
    }
    st = vigil_quarantine_recover(q, NULL, NULL);
    if (st != VIGIL_OK) {
        vigil_quarantine_close(q);
        return st;
    }
    *out = q;
    return VIGIL_OK;
}

void vigil_quarantine_close(vigil_quarantine *q)
{
    if (q == NULL)
        return;
    if (q->lockfd >= 0)
        close(q->lockfd);
    if (q->journalfd >= 0)
        close(q->journalfd);
    if (q->itemsfd >= 0)
        close(q->itemsfd);
    if (q->dirfd >= 0)
        close(q->dirfd);
    vigil_hasher_destroy(q->hasher);
    free(q->version);
    free(q->dir);
    free(q);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of the committed items (those with a manifest), sorted. */
static vigil_status item_ids(vigil_quarantine *q, char ***out, size_t *n)
{
    int fd = openat(q->itemsfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    char **ids = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;

    *out = NULL;
    *n = 0;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return VIGIL_ERR_IO;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char *id = strndup(e->d_name, len - 5);
        if (id == NULL || !q_id_valid(id)) {
            free(id);
            continue;
        }
        if (VIGIL_ARRAY_RESERVE(ids, cap, cnt + 1) != VIGIL_OK) {
            free(id);
            break;
        }
        ids[cnt++] = id;
    }
    closedir(d);
    if (cnt > 0)
        qsort(ids, cnt, sizeof *ids, cmp_str);
    *out = ids;
    *n = cnt;
    return VIGIL_OK;
}

static vigil_status emit(vigil_quarantine *q, const char *id, vigil_quarantine_item_fn fn,
                         void *user)
{
    json_t *m;
    vigil_quarantine_item item;
    char *path = NULL;
    vigil_status st = q_manifest_load(q, id, &m);
    if (st == VIGIL_OK)
        st = q_manifest_item(m, &item, &path);
    if (st == VIGIL_OK) {
        char *text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
        item.manifest = text != NULL ? text : "{}";
        fn(&item, user);
        free(text);
    } else if (st != VIGIL_ERR_NOT_FOUND) {
        vigil_diagf(&q->diag, VIGIL_DIAG_WARNING, st, id, 0,
                    "unreadable manifest in the quarantine store %s: %s", q->dir,
                    vigil_status_str(st));
    }
    free(path);
    json_decref(m);
    return st;
}

vigil_status vigil_quarantine_list(vigil_quarantine *q, vigil_quarantine_item_fn fn, void *user)
{
    char **ids;
    size_t n;
    vigil_status st = item_ids(q, &ids, &n);
    for (size_t i = 0; i < n; i++) {
        if (st == VIGIL_OK)
            emit(q, ids[i], fn, user);
        free(ids[i]);
    }
    free(ids);
    return st;
}

vigil_status vigil_quarantine_get(vigil_quarantine *q, const char *id, vigil_quarantine_item_fn fn,
                                  void *user)
{
    if (!q_id_valid(id))
        return VIGIL_ERR_NOT_FOUND;
    return emit(q, id, fn, user);
}

vigil_status vigil_quarantine_purge(vigil_quarantine *q, const char *id)
{
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    if (!q_id_valid(id))
        return VIGIL_ERR_NOT_FOUND;
    q_name(name, sizeof name, id, ".json");
    if (faccessat(q->itemsfd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
        return VIGIL_ERR_NOT_FOUND;
    return q_item_remove(q, id);
}

/* A fresh id: UTC time and 32 random bits. */
void q_new_id(char id[VIGIL_QUARANTINE_ID_MAX])
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[20];
    if (strftime(when, sizeof when, "%Y%m%d-%H%M%S", &tm) == 0)
        when[0] = '\0';
    snprintf(id, VIGIL_QUARANTINE_ID_MAX, "%s-%08x", when, r);
}
