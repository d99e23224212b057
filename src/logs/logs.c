/* logs.c - hunting network indicators in text logs on every core.
 *
 * Why chunks and not whole files: a proxy or DNS log is often one file of
 * gigabytes, so files are read in chunks cut at newlines and the chunks of
 * one file are scanned by all workers at once. Line numbers are only known
 * once every earlier chunk has been counted, so each chunk keeps its hits
 * with chunk-relative lines, and the chunks of a file are reported strictly
 * in order by whichever worker completes the next one. Files are read with
 * read(), not mapped: a log rotated or truncated under us must not kill
 * the process with SIGBUS. Compressed logs (gz, bz2, xz, and archives of
 * logs) are expanded through libarchive by one worker each. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "archive/archive_walk.h"
#include "core/buffer.h"
#include "core/diagsink.h"
#include "engine/engine_netioc.h"
#include "sweep/pool.h"
#include "sweep/walk.h"
#include "vigil/logs.h"

#define CHUNK_SIZE (4u << 20)
#define SNIFF_BYTES 4096
#define MAX_THREADS 256
#define DEFAULT_MAX_LINE 1024
#define MATCHED_MAX 512
#define MAX_COMPRESSED (1ull << 30)

typedef struct hitrec {
    uint64_t line; /* chunk-relative, from 1 */
    size_t pos;    /* in the chunk */
    uint32_t length;
    uint32_t indicator;
} hitrec;

typedef struct log_file log_file;

typedef struct chunk {
    log_file *file;
    size_t idx;
    char *buf;
    size_t len;
    uint64_t offset; /* of buf[0] in the file */
    int compressed;  /* buf is a whole compressed file, expanded by the worker */
    int cut_in_line; /* cut inside a line longer than a chunk: the line goes on */
    uint64_t newlines;
    hitrec *hits;
    size_t nhits, caphits;
    int nomem;
    struct chunk *next; /* in the file's list of scanned chunks not yet reported */
} chunk;

struct log_file {
    char *path;
    pthread_mutex_t mu;
    unsigned refs;      /* the walker's, plus one per chunk alive */
    size_t next_emit;   /* index of the next chunk to report */
    uint64_t line_base; /* first line number of that chunk */
    int emitting;       /* a worker is reporting this file's chunks */
    int broken;         /* a chunk was dropped (cancel): report nothing more */
    chunk *done;        /* scanned, waiting for their turn */
};

typedef struct logs_ctx {
    const vigil_netioc_db *db;
    const vigil_logs_options *o;
    vigil_diag_sink user_diag;
    vigil_diag_sink diag;  /* serialised */
    pthread_mutex_t cb_mu; /* hit and diagnostic callbacks, stats */
    size_t max_line;
    vigil_pool *pool;
    int aborted;
    int nomem;
    vigil_logs_stats st;
    vigil_archive_limits limits;
    /* progress, walker thread only */
    uint64_t read_files, read_bytes;
    struct timespec t0;
    double last_progress; /* seconds since t0 of the last call */
} logs_ctx;

typedef struct worker {
    vigil_netioc_scratch *scratch;
    char *text;    /* max_line + 1 */
    char *matched; /* MATCHED_MAX + 1 */
} worker;

/* ---- serialised callbacks ------------------------------------------------ */

static void locked_diag(const vigil_diag *d, void *user)
{
    logs_ctx *c = user;
    pthread_mutex_lock(&c->cb_mu);
    if (c->user_diag.fn != NULL)
        c->user_diag.fn(d, c->user_diag.user);
    pthread_mutex_unlock(&c->cb_mu);
}

/* Fills the hit's text and matched fields from the buffer holding its line.
 * Called with cb_mu held (the worker's buffers are its own anyway). */
static void line_text(logs_ctx *c, worker *w, const char *buf, size_t len, size_t pos, size_t mlen,
                      vigil_log_hit *h)
{
    if (buf == NULL || pos > len)
        return; /* a hit always lies in its chunk's buffer */
    const char *ls = pos > 0 ? memrchr(buf, '\n', pos) : NULL;
    size_t s = ls ? (size_t)(ls - buf) + 1 : 0;
    const char *le = memchr(buf + pos, '\n', len - pos);
    size_t e = le ? (size_t)(le - buf) : len;
    if (e > s && buf[e - 1] == '\r')
        e--;
    if (pos + mlen > e)
        mlen = e > pos ? e - pos : 0;
    size_t ml = mlen > MATCHED_MAX ? MATCHED_MAX : mlen;
    memcpy(w->matched, buf + pos, ml);
    w->matched[ml] = '\0';
    h->matched = w->matched;
    h->text_truncated = 0;
    if (e - s > c->max_line) { /* a window with the match in its middle */
        size_t want = c->max_line;
        size_t pad = want > mlen ? (want - mlen) / 2 : 0;
        size_t ws = pos - s > pad ? pos - pad : s;
        if (ws + want > e)
            ws = e - want;
        s = ws;
        e = ws + want;
        h->text_truncated = 1;
    }
    memcpy(w->text, buf + s, e - s);
    w->text[e - s] = '\0';
    h->text = w->text;
    h->text_len = e - s;
}

/* Reports one hit; returns non-zero when the hunt must stop. */
static int emit(logs_ctx *c, worker *w, const char *path, const char *buf, size_t len, size_t pos,
                size_t mlen, uint64_t line, uint64_t offset, size_t ind)
{
    const vigil_netioc_indicator *in = vigil_netioc_db_at(c->db, ind);
    vigil_log_hit h;
    int stop;

    if (in == NULL)
        return 0;
    memset(&h, 0, sizeof h);
    h.path = path;
    h.line = line;
    h.offset = offset;
    h.indicator = in->value;
    h.indicator_type = vigil_intel_type_name(in->type);
    h.source = in->source;
    h.source_line = in->line;
    h.description = in->description;
    h.score = in->score;
    line_text(c, w, buf, len, pos, mlen, &h);
    pthread_mutex_lock(&c->cb_mu);
    c->st.hits++;
    stop = c->aborted || c->o->on_hit(&h, c->o->hit_user) != 0;
    if (stop)
        c->aborted = 1;
    pthread_mutex_unlock(&c->cb_mu);
    if (stop)
        vigil_pool_cancel(c->pool);
    return stop;
}

/* ---- files and chunks ---------------------------------------------------- */

static void file_unref(log_file *f)
{
    pthread_mutex_lock(&f->mu);
    unsigned left = --f->refs;
    pthread_mutex_unlock(&f->mu);
    if (left == 0) {
        pthread_mutex_destroy(&f->mu);
        free(f->path);
        free(f);
    }
}

static void chunk_free(chunk *k)
{
    log_file *f = k->file;
    free(k->buf);
    free(k->hits);
    free(k);
    file_unref(f);
}

/* Nothing more is reported from this file (a chunk was lost to a cancel
 * or an error): drops the chunks waiting for their turn. */
static void file_break(log_file *f)
{
    pthread_mutex_lock(&f->mu);
    f->broken = 1;
    chunk *d = f->emitting ? NULL : f->done;
    if (d != NULL)
        f->done = NULL;
    pthread_mutex_unlock(&f->mu);
    while (d != NULL) {
        chunk *n = d->next;
        chunk_free(d);
        d = n;
    }
}

/* Reports the file's scanned chunks that are next in line. */
static void report_ready(logs_ctx *c, worker *w, log_file *f, chunk *k)
{
    pthread_mutex_lock(&f->mu);
    if (f->broken) {
        pthread_mutex_unlock(&f->mu);
        chunk_free(k);
        return;
    }
    k->next = f->done;
    f->done = k;
    if (f->emitting) {
        pthread_mutex_unlock(&f->mu);
        return;
    }
    f->emitting = 1;
    /* the emitter's own reference: f outlives the chunks it frees (the
     * analyzer cannot see that and reports f->done as freed below) */
    f->refs++;
    for (;;) {
        chunk **pp = &f->done, *r = NULL;
        for (; *pp != NULL; pp = &(*pp)->next) // NOLINT(clang-analyzer-unix.Malloc)
            if ((*pp)->idx == f->next_emit) {
                r = *pp;
                *pp = r->next;
                break;
            }
        if (r == NULL || f->broken) {
            chunk *drop = NULL;
            if (f->broken) { /* the emitter drops what is left */
                drop = f->done;
                f->done = NULL;
            }
            f->emitting = 0;
            pthread_mutex_unlock(&f->mu);
            if (r != NULL)
                chunk_free(r);
            while (drop != NULL) {
                chunk *n = drop->next;
                chunk_free(drop);
                drop = n;
            }
            file_unref(f);
            return;
        }
        uint64_t base = f->line_base;
        pthread_mutex_unlock(&f->mu);
        for (size_t i = 0; i < r->nhits; i++) {
            const hitrec *h = &r->hits[i];
            if (emit(c, w, f->path, r->buf, r->len, h->pos, h->length, base + h->line - 1,
                     r->offset + h->pos, h->indicator))
                break;
        }
        pthread_mutex_lock(&f->mu);
        f->line_base += r->newlines;
        f->next_emit++;
        pthread_mutex_unlock(&f->mu);
        chunk_free(r);
        pthread_mutex_lock(&f->mu);
    }
}

static int keep_hit(const vigil_netioc_hit *h, void *user)
{
    chunk *k = user;
    if (VIGIL_ARRAY_RESERVE(k->hits, k->caphits, k->nhits + 1) != VIGIL_OK) {
        k->nomem = 1;
        return 1;
    }
    hitrec *r = &k->hits[k->nhits++];
    r->line = h->line;
    r->pos = (size_t)(h->offset);
    r->length = h->length;
    r->indicator = (uint32_t)h->indicator;
    return 0;
}

/* ---- compressed files ---------------------------------------------------- */

typedef struct member_ctx {
    logs_ctx *c;
    worker *w;
    const char *outer;
    char *path;
    const char *buf;
    size_t len;
    int stop;
} member_ctx;

static int member_hit(const vigil_netioc_hit *h, void *user)
{
    member_ctx *m = user;
    m->stop = emit(m->c, m->w, m->path, m->buf, m->len, (size_t)h->offset, h->length, h->line,
                   h->offset, h->indicator);
    return m->stop;
}

/* Whether the first bytes of a file look binary. A NUL byte alone does not
 * say so: a host that crashed leaves runs of NUL bytes in its syslog where
 * unwritten blocks were (often at the very start), and the text after them
 * must still be read. Binary data has short NUL runs (structures, UTF-16)
 * or control bytes besides them. */
#define NUL_PADDING 16 /* a run of NULs at least this long is padding */
static int looks_binary(const char *buf, size_t n)
{
    const unsigned char *p = (const unsigned char *)buf;
    int nul = 0, control = 0;

    for (size_t i = 0; i < n;) {
        if (p[i] == 0) {
            size_t j = i;
            while (j < n && p[j] == 0)
                j++;
            nul = 1;
            if (j - i < NUL_PADDING && j < n) /* a short run (not cut by the window) */
                return 1;
            i = j;
            continue;
        }
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f' &&
            p[i] != '\v' && p[i] != 0x1b)
            control = 1;
        i++;
    }
    return nul && control;
}

/* "dir/auth.log.gz" holding "auth.log" is reported as the file itself. */
static int single_stream(const char *outer, const char *member)
{
    static const char *const sfx[] = {".gz", ".gzip", ".bz2", ".bz", ".xz"};
    const char *base = strrchr(outer, '/');
    base = base ? base + 1 : outer;
    size_t ml = strlen(member), bl = strlen(base);
    if (ml == bl && strcmp(base, member) == 0)
        return 1;
    if (ml >= bl || strncmp(base, member, ml) != 0)
        return 0;
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
        if (strcasecmp(base + ml, sfx[i]) == 0)
            return 1;
    return 0;
}

static vigil_status on_member(void *user, const char *name, const uint8_t *data, size_t len)
{
    member_ctx *m = user;
    logs_ctx *c = m->c;
    uint64_t nl = 0;
    vigil_status st;

    if (single_stream(m->outer, name)) {
        m->path = (char *)m->outer;
    } else {
        size_t a = strlen(m->outer), b = strlen(name);
        m->path = malloc(a + b + 2);
        if (m->path == NULL)
            return VIGIL_ERR_NOMEM;
        memcpy(m->path, m->outer, a);
        m->path[a] = '!';
        memcpy(m->path + a + 1, name, b + 1);
    }
    if (!c->o->binary && looks_binary((const char *)data, len < SNIFF_BYTES ? len : SNIFF_BYTES)) {
        pthread_mutex_lock(&c->cb_mu);
        c->st.binary_skipped++;
        pthread_mutex_unlock(&c->cb_mu);
        vigil_diagf(&c->diag, VIGIL_DIAG_INFO, VIGIL_OK, m->path, 0, "binary; skipped");
        st = VIGIL_OK;
    } else {
        m->buf = (const char *)data;
        m->len = len;
        st = vigil_netioc_scan_lines(c->db, m->w->scratch, m->buf, len, 1, 0, member_hit, m, &nl);
        pthread_mutex_lock(&c->cb_mu);
        c->st.members++;
        c->st.bytes += len;
        c->st.lines += nl + (len > 0 && data[len - 1] != '\n');
        pthread_mutex_unlock(&c->cb_mu);
    }
    if (m->path != m->outer)
        free(m->path);
    m->path = NULL;
    if (st == VIGIL_ERR_ABORTED || m->stop)
        return VIGIL_ERR_ABORTED;
    return st;
}

static vigil_status scan_compressed(logs_ctx *c, worker *w, chunk *k)
{
    member_ctx m;
    uint64_t budget = c->limits.max_total;
    memset(&m, 0, sizeof m);
    m.c = c;
    m.w = w;
    m.outer = k->file->path;
    vigil_status st = vigil_archive_walk((const uint8_t *)k->buf, k->len, k->file->path, &c->limits,
                                         &budget, &c->diag, on_member, &m, NULL);
    if (st == VIGIL_ERR_ABORTED && !m.stop)
        st = VIGIL_OK;
    return st == VIGIL_ERR_ABORTED ? VIGIL_OK : st;
}

/* ---- the pool ------------------------------------------------------------ */

static vigil_status worker_init(void *ctx, unsigned index, void **state)
{
    logs_ctx *c = ctx;
    worker *w = calloc(1, sizeof *w);
    (void)index;
    if (w == NULL)
        return VIGIL_ERR_NOMEM;
    w->text = malloc(c->max_line + 1);
    w->matched = malloc(MATCHED_MAX + 1);
    vigil_status st =
        w->text && w->matched ? vigil_netioc_scratch_create(c->db, &w->scratch) : VIGIL_ERR_NOMEM;
    if (st != VIGIL_OK) {
        free(w->text);
        free(w->matched);
        free(w);
        return st;
    }
    *state = w;
    return VIGIL_OK;
}

static void worker_fini(void *ctx, unsigned index, void *state)
{
    worker *w = state;
    (void)ctx;
    (void)index;
    vigil_netioc_scratch_destroy(w->scratch);
    free(w->text);
    free(w->matched);
    free(w);
}

/* The pool's item: the pool releases every item after work (or unworked
 * after a cancel), while a scanned chunk lives on until its turn to be
 * reported, so work takes the chunk out of the job. */
typedef struct job {
    chunk *k;
} job;

static vigil_status worker_work(void *ctx, void *state, void *item)
{
    logs_ctx *c = ctx;
    worker *w = state;
    job *j = item;
    chunk *k = j->k;
    vigil_status st = VIGIL_OK;

    j->k = NULL;
    if (k->compressed) {
        st = scan_compressed(c, w, k);
        free(k->buf);
        k->buf = NULL;
        k->len = 0;
    } else {
        st = vigil_netioc_scan_lines(c->db, w->scratch, k->buf, k->len, 1, 0, keep_hit, k,
                                     &k->newlines);
        if (k->nomem)
            st = VIGIL_ERR_NOMEM;
        pthread_mutex_lock(&c->cb_mu);
        c->st.bytes += k->len;
        /* a line longer than a chunk is cut without a newline: counted once,
         * in the file's last chunk or where its newline is */
        c->st.lines += k->newlines + (!k->cut_in_line && k->len > 0 && k->buf[k->len - 1] != '\n');
        pthread_mutex_unlock(&c->cb_mu);
    }
    if (st != VIGIL_OK) {
        log_file *f = k->file;
        file_break(f); /* k's reference keeps f alive meanwhile */
        chunk_free(k);
        return st;
    }
    report_ready(c, w, k->file, k);
    return c->aborted ? VIGIL_ERR_ABORTED : VIGIL_OK;
}

/* After work (the job is empty) or for a job never worked (cancel). */
static void release_item(void *ctx, void *item)
{
    job *j = item;
    (void)ctx;
    if (j->k != NULL) {
        file_break(j->k->file);
        chunk_free(j->k);
    }
    free(j);
}

/* ---- the walk: reading files into chunks ------------------------------- */

typedef struct walk_user {
    logs_ctx *c;
} walk_user;

static vigil_status push_chunk(logs_ctx *c, log_file *f, size_t idx, char *buf, size_t len,
                               uint64_t off, int compressed, int cut_in_line)
{
    chunk *k = calloc(1, sizeof *k);
    job *j = malloc(sizeof *j);
    if (k == NULL || j == NULL) {
        free(k);
        free(j);
        free(buf);
        return VIGIL_ERR_NOMEM;
    }
    k->file = f;
    k->idx = idx;
    k->buf = buf;
    k->len = len;
    k->offset = off;
    k->compressed = compressed;
    k->cut_in_line = cut_in_line;
    pthread_mutex_lock(&f->mu);
    f->refs++;
    pthread_mutex_unlock(&f->mu);
    j->k = k;
    return vigil_pool_push(c->pool, j); /* the pool owns j now, even on failure */
}

static ssize_t read_full(int fd, char *buf, size_t n)
{
    size_t have = 0;
    while (have < n) {
        ssize_t r = read(fd, buf + have, n - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    return (ssize_t)have;
}

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Tells on_progress what the walker has read, at most every interval. */
static void progress(logs_ctx *c, const char *path)
{
    if (c->o->on_progress == NULL)
        return;
    double now = since(&c->t0);
    unsigned ms = c->o->progress_interval_ms ? c->o->progress_interval_ms : 200;
    if (now - c->last_progress < (double)ms / 1000.0)
        return;
    c->last_progress = now;
    vigil_sweep_progress p;
    memset(&p, 0, sizeof p);
    p.files = c->read_files;
    p.bytes = c->read_bytes;
    p.queued = c->read_files;
    p.seconds = now;
    p.current = path;
    c->o->on_progress(&p, c->o->progress_user);
}

/* read_full, counted for the progress line (walker thread). */
static ssize_t read_counted(logs_ctx *c, const char *path, int fd, char *buf, size_t n)
{
    ssize_t r = read_full(fd, buf, n);
    if (r > 0)
        c->read_bytes += (uint64_t)r;
    progress(c, path);
    return r;
}

static void count_unreadable(logs_ctx *c, const char *path, int err)
{
    vigil_diagf(&c->diag, VIGIL_DIAG_WARNING, err == EACCES ? VIGIL_ERR_ACCESS : VIGIL_ERR_IO, path,
                0, "cannot read: %s", strerror(err));
    pthread_mutex_lock(&c->cb_mu);
    c->st.unreadable++;
    pthread_mutex_unlock(&c->cb_mu);
}

/* The rest of a compressed file, whole, for one worker. */
static vigil_status read_compressed(logs_ctx *c, log_file *f, int fd, char *buf, size_t have,
                                    const struct stat *sb)
{
    size_t cap = have;
    if ((uint64_t)sb->st_size > MAX_COMPRESSED) {
        free(buf);
        vigil_diagf(&c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, f->path, 0,
                    "compressed file over 1 GiB; skipped");
        return VIGIL_OK;
    }
    for (;;) {
        if (have == cap) {
            size_t ncap = cap * 2;
            if (ncap > MAX_COMPRESSED + 1)
                ncap = MAX_COMPRESSED + 1;
            if (ncap == cap) {
                free(buf);
                vigil_diagf(&c->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, f->path, 0,
                            "compressed file over 1 GiB; skipped");
                return VIGIL_OK;
            }
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                return VIGIL_ERR_NOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read_counted(c, f->path, fd, buf + have, cap - have);
        if (r < 0) {
            free(buf);
            count_unreadable(c, f->path, errno);
            return VIGIL_OK;
        }
        have += (size_t)r;
        if (have < cap)
            break;
    }
    pthread_mutex_lock(&c->cb_mu);
    c->st.files++;
    pthread_mutex_unlock(&c->cb_mu);
    return push_chunk(c, f, 0, buf, have, 0, 1, 0);
}

/* Reads up to size bytes, the size fstat saw: a log written to faster than
 * it is read (a busy service, `yes > f`) would otherwise never end. */
static vigil_status read_plain(logs_ctx *c, log_file *f, int fd, char *buf, size_t have, int eof,
                               uint64_t size)
{
    uint64_t off = 0;
    size_t idx = 0;
    int cut_in_line = 0;
    vigil_status st = VIGIL_OK;

    pthread_mutex_lock(&c->cb_mu);
    c->st.files++;
    pthread_mutex_unlock(&c->cb_mu);
    for (;;) {
        if (!eof && have < CHUNK_SIZE) {
            uint64_t left = size > off + have ? size - (off + have) : 0;
            size_t want = left < CHUNK_SIZE - have ? (size_t)left : CHUNK_SIZE - have;
            ssize_t r = want > 0 ? read_counted(c, f->path, fd, buf + have, want) : 0;
            if (r < 0) {
                count_unreadable(c, f->path, errno);
                eof = 1;
            } else {
                have += (size_t)r;
                eof = have < CHUNK_SIZE || off + have >= size;
            }
        }
        if (have == 0) {
            free(buf);
            if (cut_in_line) { /* the file ended where its last chunk was cut */
                pthread_mutex_lock(&c->cb_mu);
                c->st.lines++;
                pthread_mutex_unlock(&c->cb_mu);
            }
            break;
        }
        size_t cut = have;
        cut_in_line = 0;
        if (!eof) {
            const char *nl = memrchr(buf, '\n', have);
            if (nl != NULL)
                cut = (size_t)(nl - buf) + 1;
            else /* one line longer than a chunk: cut it */
                cut_in_line = 1;
        }
        char *next = NULL;
        if (!eof) {
            next = malloc(CHUNK_SIZE);
            if (next == NULL) {
                free(buf);
                return VIGIL_ERR_NOMEM;
            }
            memcpy(next, buf + cut, have - cut);
        }
        size_t rest = have - cut;
        st = push_chunk(c, f, idx++, buf, cut, off, 0, cut_in_line);
        off += cut;
        buf = next;
        have = rest;
        if (st != VIGIL_OK || eof) {
            free(buf);
            break;
        }
    }
    return st;
}

static vigil_status on_file(void *user, const char *path, const struct stat *sb)
{
    walk_user *wu = user;
    logs_ctx *c = wu->c;
    vigil_status st = VIGIL_OK;

    if (c->aborted)
        return VIGIL_ERR_ABORTED;
    if (sb->st_size == 0)
        return VIGIL_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        count_unreadable(c, path, errno);
        return VIGIL_OK;
    }
    char *buf = malloc(CHUNK_SIZE);
    log_file *f = calloc(1, sizeof *f);
    if (buf == NULL || f == NULL || (f->path = strdup(path)) == NULL ||
        pthread_mutex_init(&f->mu, NULL) != 0) {
        if (f != NULL)
            free(f->path);
        free(f);
        free(buf);
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    f->refs = 1;
    f->line_base = 1;
    ssize_t got = read_counted(c, path, fd, buf, SNIFF_BYTES);
    if (got <= 0) {
        if (got < 0)
            count_unreadable(c, path, errno);
        free(buf);
    } else if (!c->o->no_decompress && vigil_archive_sniff((const uint8_t *)buf, (size_t)got)) {
        st = read_compressed(c, f, fd, buf, (size_t)got, sb);
    } else if (!c->o->binary && looks_binary(buf, (size_t)got)) {
        free(buf);
        vigil_diagf(&c->diag, VIGIL_DIAG_INFO, VIGIL_OK, path, 0, "binary; skipped");
        pthread_mutex_lock(&c->cb_mu);
        c->st.binary_skipped++;
        pthread_mutex_unlock(&c->cb_mu);
    } else {
        st = read_plain(c, f, fd, buf, (size_t)got, got < SNIFF_BYTES, (uint64_t)sb->st_size);
    }
    close(fd);
    file_unref(f);
    c->read_files++;
    if (st == VIGIL_OK && c->aborted)
        st = VIGIL_ERR_ABORTED;
    return st;
}

static unsigned thread_count(unsigned asked)
{
    if (asked != 0)
        return asked > MAX_THREADS ? MAX_THREADS : asked;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > (long)MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

vigil_status vigil_logs_run(const vigil_engine *e, const char *const *paths, size_t npaths,
                            const vigil_logs_options *o, vigil_logs_stats *stats)
{
    logs_ctx c;
    vigil_pool_config pc;
    vigil_walk_options wo;
    vigil_walk_stats ws;
    walk_user wu;
    struct timespec t0, t1;
    const vigil_netioc_db *db;
    vigil_status st;

    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    if (e == NULL || o == NULL || o->on_hit == NULL || (paths == NULL && npaths > 0))
        return VIGIL_ERR_INVALID_ARG;
    st = vigil_engine_netioc(e, &db);
    if (st != VIGIL_OK)
        return st;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&c, 0, sizeof c);
    c.t0 = t0;
    c.last_progress = -1e9; /* the first read shows the line at once */
    c.db = db;
    c.o = o;
    c.user_diag.fn = o->on_diag;
    c.user_diag.user = o->diag_user;
    c.diag.fn = locked_diag;
    c.diag.user = &c;
    c.max_line = o->max_line ? o->max_line : DEFAULT_MAX_LINE;
    c.limits.max_depth = 1;
    c.limits.max_member_size = 4ull << 30;
    c.limits.max_total = 64ull << 30;
    c.limits.max_ratio = 10000; /* logs compress far better than executables */
    c.limits.max_members = 1000000;
    c.st.indicators = vigil_netioc_db_count(db);
    if (pthread_mutex_init(&c.cb_mu, NULL) != 0)
        return VIGIL_ERR_THREAD;

    memset(&pc, 0, sizeof pc);
    pc.threads = thread_count(o->threads);
    pc.queue_size = (size_t)pc.threads * 3;
    pc.ctx = &c;
    pc.init = worker_init;
    pc.fini = worker_fini;
    pc.work = worker_work;
    pc.release = release_item;
    pc.cancel = o->cancel;
    st = vigil_pool_create(&pc, &c.pool);
    if (st == VIGIL_OK) {
        memset(&wo, 0, sizeof wo);
        memset(&ws, 0, sizeof ws);
        wo.follow_symlinks = o->follow_symlinks;
        wo.one_file_system = o->one_file_system;
        wo.excludes = o->excludes;
        wo.nexcludes = o->excludes != NULL ? o->nexcludes : 0;
        wo.cancel = o->cancel;
        wu.c = &c;
        st = vigil_walk_run(paths, npaths, &wo, &c.diag, on_file, &wu, &ws);
        if (st != VIGIL_OK)
            vigil_pool_cancel(c.pool);
        vigil_status ps = vigil_pool_finish(c.pool);
        if ((ps != VIGIL_OK && ps != VIGIL_ERR_ABORTED) || st == VIGIL_OK)
            st = ps; /* a pool failure wins; an abort only when the walk was fine */
        vigil_pool_destroy(c.pool);
        c.st.dirs = ws.dirs;
        c.st.skipped = ws.skipped;
        c.st.unreadable += ws.unreadable;
        c.st.paths_unreadable = ws.roots_unreadable;
        c.st.threads = pc.threads;
    }
    pthread_mutex_destroy(&c.cb_mu);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    c.st.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (stats != NULL)
        *stats = c.st;
    if (st == VIGIL_ERR_ABORTED && c.aborted && (o->cancel == NULL || !*o->cancel))
        return VIGIL_ERR_ABORTED;
    return st;
}
