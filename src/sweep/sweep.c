/* sweep.c - vigil_sweep_run: the walker feeding a pool of scanners, one per worker.
 *
 * The walking rules live in walk.c and the threading in pool.c, both
 * tested on their own: this file connects them to vigil_scanner and keeps
 * what only a whole sweep knows: files too big for the shared memory budget
 * are put aside and scanned when budget frees up, and the Sigma correlator
 * every scanner feeds is finished once at the end. It also
 * owns the promises sweep.h makes to the caller: result, diagnostic and
 * progress callbacks never run at the same time (one mutex), progress comes
 * from the walking thread even while it is blocked on a full queue (the
 * pool's tick), and stats are the sum over every worker's scanner. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/diagsink.h"
#include "core/membudget.h"
#include "engine/event_scan.h"
#include "engine/scanner_sweep.h"
#include "sweep/pool.h"
#include "sweep/walk.h"
#include "vigil/sweep.h"

#define MAX_THREADS 256u
#define BIG_BUFFERS_PER_THREAD (64ull << 20)
#define BIG_FILE VIGIL_SCANNER_KEPT_BUFFER /* bigger files get a buffer of their own */

typedef struct sweep_item {
    uint64_t size;
    struct sweep_item *next; /* in the deferred list */
    char path[];             /* NUL-terminated */
} sweep_item;

typedef struct sweep_ctx {
    const vigil_engine *engine;
    const vigil_sweep_options *opts;
    vigil_scan_options scan;    /* the caller's, with the callbacks wrapped */
    vigil_correlator *hub;      /* the Sigma correlator all workers feed; may be NULL */
    vigil_membudget *budget;    /* big-file buffers of all workers together */
    vigil_spare_mapping *spare; /* the last big-file buffer, for the next one */
    pthread_mutex_t defer_mu;   /* guards deferred */
    sweep_item *deferred;       /* big files put aside for want of budget (FIFO) */
    sweep_item *deferred_tail;
    vigil_pool *pool;         /* while the walk runs */
    vigil_status drain_err;   /* first error of a worker's last deferred files (state_mu) */
    pthread_mutex_t cb_mu;    /* serialises every callback to the caller */
    int result_stopped;       /* the result callback returned non-zero (under cb_mu) */
    pthread_mutex_t state_mu; /* sum and current */
    vigil_scan_stats sum;
    char *current; /* path most recently taken by a worker */
    size_t current_cap;
    char *progress_path; /* the walker's copy of current */
    size_t progress_cap;
    atomic_uint_fast64_t files, bytes;
    uint64_t queued;
    struct timespec start, last_progress;
    unsigned interval_ms;
} sweep_ctx;

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int wrap_result(const vigil_target_result *r, void *user)
{
    sweep_ctx *c = user;
    int rc;

    pthread_mutex_lock(&c->cb_mu);
    /* After the caller said stop, other workers' results are dropped. */
    rc = c->result_stopped ? 1 : c->opts->scan.on_result(r, c->opts->scan.result_user);
    if (rc != 0)
        c->result_stopped = 1;
    pthread_mutex_unlock(&c->cb_mu);
    return rc;
}

static void wrap_diag(const vigil_diag *d, void *user)
{
    sweep_ctx *c = user;

    pthread_mutex_lock(&c->cb_mu);
    c->opts->scan.on_diag(d, c->opts->scan.diag_user);
    pthread_mutex_unlock(&c->cb_mu);
}

/* Copies s into *buf (growing it); keeps the old text on out of memory. */
static void copy_path(char **buf, size_t *cap, const char *s)
{
    size_t n = strlen(s) + 1;

    if (n > *cap) {
        char *p = realloc(*buf, n);
        if (p == NULL)
            return;
        *buf = p;
        *cap = n;
    }
    memcpy(*buf, s, n);
}

/* From the walking thread only. force: regardless of the interval. */
static void progress(sweep_ctx *c, int force)
{
    vigil_sweep_progress p;
    struct timespec now;

    if (c->opts->on_progress == NULL)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!force && since(&c->last_progress, &now) * 1000.0 < (double)c->interval_ms)
        return;
    c->last_progress = now;
    pthread_mutex_lock(&c->state_mu);
    if (c->current != NULL)
        copy_path(&c->progress_path, &c->progress_cap, c->current);
    pthread_mutex_unlock(&c->state_mu);
    p.files = atomic_load(&c->files);
    p.bytes = atomic_load(&c->bytes);
    p.queued = c->queued;
    p.seconds = since(&c->start, &now);
    p.current = c->progress_path;
    pthread_mutex_lock(&c->cb_mu);
    c->opts->on_progress(&p, c->opts->progress_user);
    pthread_mutex_unlock(&c->cb_mu);
}

static void on_tick(void *user)
{
    progress(user, 0);
}

static vigil_status worker_init(void *user, unsigned index, void **state)
{
    sweep_ctx *c = user;
    vigil_scanner *sc = NULL;
    vigil_status s;

    (void)index;
    s = vigil_scanner_create(c->engine, &c->scan, &sc);
    if (s == VIGIL_OK && c->hub != NULL)
        vigil_scanner_attach_hub(sc, c->hub);
    if (s == VIGIL_OK)
        vigil_scanner_attach_spare_mapping(sc, c->spare);

    *state = sc;
    return s;
}

static vigil_status scan_deferred(sweep_ctx *c, vigil_scanner *sc);

static void worker_fini(void *user, unsigned index, void *state)
{
    sweep_ctx *c = user;
    vigil_scan_stats st;

    (void)index;
    /* the walk is over: big files put aside are scanned by every worker
     * that can get their budget, not by one thread after the pool (two
     * 31 MB files left that way took a quarter of a second alone at the
     * end of a sweep of /usr/lib/x86_64-linux-gnu) */
    if (c->pool != NULL && !vigil_pool_cancelled(c->pool)) {
        vigil_status ds = scan_deferred(c, state);
        if (ds != VIGIL_OK) {
            pthread_mutex_lock(&c->state_mu);
            if (c->drain_err == VIGIL_OK)
                c->drain_err = ds;
            pthread_mutex_unlock(&c->state_mu);
        }
    }
    vigil_scanner_get_stats(state, &st);
    pthread_mutex_lock(&c->state_mu);
    c->sum.targets += st.targets;
    c->sum.bytes += st.bytes;
    c->sum.members += st.members;
    c->sum.oversized += st.oversized;
    c->sum.unhashed += st.unhashed;
    c->sum.unreadable += st.unreadable;
    c->sum.errors += st.errors;
    c->sum.warnings += st.warnings;
    c->sum.findings += st.findings;
    c->sum.event_logs += st.event_logs;
    c->sum.events += st.events;
    c->sum.archives_too_deep += st.archives_too_deep;
    c->sum.members_oversized += st.members_oversized;
    c->sum.archives_cut += st.archives_cut;
    c->sum.event_matches += st.event_matches;
    c->sum.allowlisted += st.allowlisted;
    c->sum.text_logs += st.text_logs;
    c->sum.artefacts += st.artefacts;
    c->sum.artefacts_unreadable += st.artefacts_unreadable;
    c->sum.not_regular += st.not_regular;
    c->sum.registry_hives += st.registry_hives;
    c->sum.registry_keys += st.registry_keys;
    c->sum.registry_values += st.registry_values;
    c->sum.autostart_entries += st.autostart_entries;
    c->sum.images += st.images;
    c->sum.image_files += st.image_files;
    c->sum.image_streams += st.image_streams;
    c->sum.images_not_opened += st.images_not_opened;
    c->sum.image_snapshots += st.image_snapshots;
    c->sum.image_snapshot_unchanged += st.image_snapshot_unchanged;
    for (int i = 0; i < VIGIL_LEVEL_COUNT; i++)
        c->sum.by_level[i] += st.by_level[i];
    pthread_mutex_unlock(&c->state_mu);
    vigil_scanner_destroy(state);
}

static vigil_status scan_item(sweep_ctx *c, vigil_scanner *sc, const sweep_item *it)
{
    vigil_status s;

    pthread_mutex_lock(&c->state_mu);
    copy_path(&c->current, &c->current_cap, it->path);
    pthread_mutex_unlock(&c->state_mu);
    s = vigil_scanner_scan_file(sc, it->path);
    atomic_fetch_add(&c->files, 1);
    atomic_fetch_add(&c->bytes, it->size);
    return s;
}

/* Bytes of budget a file needs while scanned: files read whole into a
 * buffer of their own (above the scanner's reusable one, up to max_size). */
static uint64_t budget_of(const sweep_ctx *c, const sweep_item *it)
{
    return it->size >= BIG_FILE && it->size <= c->scan.max_size ? it->size : 0;
}

/* The first put-aside file whose budget can be had now, or NULL. */
static sweep_item *take_deferred(sweep_ctx *c)
{
    sweep_item *it;

    pthread_mutex_lock(&c->defer_mu);
    it = c->deferred;
    if (it != NULL && vigil_membudget_try_take(c->budget, budget_of(c, it))) {
        c->deferred = it->next;
        if (c->deferred == NULL)
            c->deferred_tail = NULL;
    } else {
        it = NULL;
    }
    pthread_mutex_unlock(&c->defer_mu);
    return it;
}

static vigil_status scan_deferred(sweep_ctx *c, vigil_scanner *sc)
{
    vigil_status s = VIGIL_OK;
    sweep_item *it;

    while (s == VIGIL_OK && (it = take_deferred(c)) != NULL) {
        s = scan_item(c, sc, it);
        vigil_membudget_give(c->budget, budget_of(c, it));
        free(it);
    }
    return s;
}

static vigil_status worker_work(void *user, void *state, void *item)
{
    sweep_ctx *c = user;
    sweep_item *it = item;
    uint64_t need = budget_of(c, it);
    vigil_status s;

    if (need > 0 && !vigil_membudget_try_take(c->budget, need)) {
        /* others hold the big buffers: put the file aside (the pool frees
         * its item) and go on with smaller ones */
        size_t n = strlen(it->path) + 1;
        sweep_item *d = malloc(sizeof *d + n);
        if (d == NULL)
            return VIGIL_ERR_NOMEM;
        d->size = it->size;
        d->next = NULL;
        memcpy(d->path, it->path, n);
        pthread_mutex_lock(&c->defer_mu);
        if (c->deferred_tail != NULL)
            c->deferred_tail->next = d;
        else
            c->deferred = d;
        c->deferred_tail = d;
        pthread_mutex_unlock(&c->defer_mu);
        return VIGIL_OK;
    }
    s = scan_item(c, state, it);
    if (need > 0)
        vigil_membudget_give(c->budget, need);
    if (s == VIGIL_OK)
        s = scan_deferred(c, state);
    return s;
}

static void release_item(void *user, void *item)
{
    (void)user;
    free(item);
}

typedef struct walk_user {
    sweep_ctx *c;
    vigil_pool *pool;
} walk_user;

static vigil_status on_file(void *user, const char *path, const struct stat *st)
{
    walk_user *wu = user;
    size_t n = strlen(path) + 1;
    sweep_item *it;
    vigil_status s;

    if (n > SIZE_MAX - sizeof *it)
        return VIGIL_ERR_OVERFLOW;
    it = malloc(sizeof *it + n);
    if (it == NULL)
        return VIGIL_ERR_NOMEM;
    it->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
    it->next = NULL;
    memcpy(it->path, path, n);
    wu->c->queued++;
    s = vigil_pool_push(wu->pool, it);
    progress(wu->c, 0);
    return s;
}

static unsigned thread_count(unsigned asked)
{
    long n;

    if (asked != 0)
        return asked > MAX_THREADS ? MAX_THREADS : asked;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > (long)MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* The context of one sweep: the caller's callbacks wrapped so that they
 * never run at the same time, and the mutexes that promise it. */
static vigil_status ctx_init(sweep_ctx *c, const vigil_engine *engine,
                             const vigil_sweep_options *opts)
{
    memset(c, 0, sizeof *c);
    c->engine = engine;
    c->opts = opts;
    c->scan = opts->scan;
    if (c->scan.cancel == NULL)
        c->scan.cancel = opts->cancel; /* a huge file is left between two reads */
    if (opts->scan.on_result != NULL) {
        c->scan.on_result = wrap_result;
        c->scan.result_user = c;
    }
    if (opts->scan.on_diag != NULL) {
        c->scan.on_diag = wrap_diag;
        c->scan.diag_user = c;
    }
    c->interval_ms = opts->progress_interval_ms ? opts->progress_interval_ms : 200;
    atomic_init(&c->files, 0);
    atomic_init(&c->bytes, 0);
    if (pthread_mutex_init(&c->cb_mu, NULL) != 0)
        return VIGIL_ERR_THREAD;
    if (pthread_mutex_init(&c->state_mu, NULL) != 0) {
        pthread_mutex_destroy(&c->cb_mu);
        return VIGIL_ERR_THREAD;
    }
    if (pthread_mutex_init(&c->defer_mu, NULL) != 0) {
        pthread_mutex_destroy(&c->state_mu);
        pthread_mutex_destroy(&c->cb_mu);
        return VIGIL_ERR_THREAD;
    }
    clock_gettime(CLOCK_MONOTONIC, &c->start);
    c->last_progress = c->start;
    vigil_scan_options_defaults(&c->scan);
    return VIGIL_OK;
}

static void ctx_destroy_mutexes(sweep_ctx *c)
{
    pthread_mutex_destroy(&c->defer_mu);
    pthread_mutex_destroy(&c->state_mu);
    pthread_mutex_destroy(&c->cb_mu);
}

/* Big files still put aside once the pool is finished: the workers are
 * gone, so they are scanned here, unless the sweep is cancelled; whatever
 * an error or a cancel leaves is freed. */
static vigil_status finish_deferred(sweep_ctx *c, vigil_status ps, vigil_status s)
{
    const vigil_sweep_options *opts = c->opts;
    if (ps == VIGIL_OK && s == VIGIL_OK && c->deferred != NULL &&
        !(opts->cancel != NULL && *opts->cancel)) {
        void *sc = NULL;
        ps = worker_init(c, 0, &sc);
        if (ps == VIGIL_OK)
            ps = scan_deferred(c, sc);
        if (sc != NULL)
            worker_fini(c, 0, sc);
    }
    while (c->deferred != NULL) { /* left by an error or a cancel */
        sweep_item *d = c->deferred;
        c->deferred = d->next;
        free(d);
    }
    return ps;
}

/* Walks the paths into a pool of threads workers, then finishes what the
 * workers could not: deferred big files and the sweep's correlations. */
static vigil_status walk_on_pool(sweep_ctx *c, const char *const *paths, size_t npaths,
                                 unsigned threads, vigil_sweep_stats *stats)
{
    const vigil_sweep_options *opts = c->opts;
    vigil_pool_config pc;
    vigil_walk_options wo;
    vigil_walk_stats ws;
    vigil_diag_sink sink;
    vigil_pool *pool = NULL;
    walk_user wu;
    vigil_status s;

    memset(&pc, 0, sizeof pc);
    pc.threads = threads;
    pc.ctx = c;
    pc.init = worker_init;
    pc.fini = worker_fini;
    pc.work = worker_work;
    pc.release = release_item;
    pc.on_tick = opts->on_progress != NULL ? on_tick : NULL;
    pc.tick_ms = c->interval_ms;
    pc.cancel = opts->cancel;
    s = vigil_pool_create(&pc, &pool);
    if (s != VIGIL_OK)
        return s;
    memset(&wo, 0, sizeof wo);
    wo.follow_symlinks = opts->follow_symlinks;
    wo.one_file_system = opts->one_file_system;
    wo.excludes = opts->excludes;
    wo.nexcludes = opts->excludes != NULL ? opts->nexcludes : 0;
    wo.cancel = opts->cancel;
    sink.fn = opts->scan.on_diag != NULL ? wrap_diag : NULL;
    sink.user = c;
    wu.c = c;
    wu.pool = pool;
    c->pool = pool;
    s = vigil_walk_run(paths, npaths, &wo, &sink, on_file, &wu, &ws);
    if (s != VIGIL_OK)
        vigil_pool_cancel(pool);
    vigil_status ps = vigil_pool_finish(pool);
    c->pool = NULL;
    if (ps == VIGIL_OK)
        ps = c->drain_err;
    ps = finish_deferred(c, ps, s);
    /* A worker's reason to stop (the result callback, out of memory)
     * is why the walk's push was refused: it wins. */
    if ((ps != VIGIL_OK && ps != VIGIL_ERR_ABORTED) || s == VIGIL_OK)
        s = ps;
    vigil_pool_destroy(pool);
    /* correlations see every event of the sweep: evaluated once all are in */
    if (c->hub != NULL && s == VIGIL_OK && !(opts->cancel != NULL && *opts->cancel)) {
        vigil_status hs = vigil_correlator_finish(c->hub, &c->scan, &c->sum);
        if (hs != VIGIL_OK)
            s = hs;
    }
    progress(c, 1);
    stats->dirs = ws.dirs;
    /* special files: met by the walk, or put in place of a listed file */
    stats->skipped = ws.skipped + c->sum.not_regular;
    stats->unreadable = ws.unreadable;
    stats->paths_unreadable = ws.roots_unreadable;
    stats->threads = pc.threads;
    return s;
}

vigil_status vigil_sweep_run(const vigil_engine *engine, const char *const *paths, size_t npaths,
                             const vigil_sweep_options *opts, vigil_sweep_stats *stats)
{
    static const vigil_sweep_options defaults;
    vigil_sweep_stats local;
    sweep_ctx c;
    struct timespec end;
    unsigned threads;
    vigil_status s;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (engine == NULL || (paths == NULL && npaths > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (opts == NULL)
        opts = &defaults;
    s = ctx_init(&c, engine, opts);
    if (s != VIGIL_OK)
        return s;
    s = vigil_correlator_create(engine, &c.hub);
    if (s != VIGIL_OK) {
        ctx_destroy_mutexes(&c);
        return s;
    }
    threads = thread_count(opts->threads);
    /* 64 MiB of big-file buffers per worker, shared: the biggest files of a
     * tree are not all in memory at once (a file above it is scanned alone) */
    s = vigil_membudget_create((uint64_t)threads * BIG_BUFFERS_PER_THREAD, &c.budget);
    if (s == VIGIL_OK)
        s = vigil_spare_mapping_create(&c.spare);
    if (s != VIGIL_OK) {
        vigil_membudget_destroy(c.budget);
        vigil_correlator_destroy(c.hub);
        ctx_destroy_mutexes(&c);
        return s;
    }
    s = walk_on_pool(&c, paths, npaths, threads, stats);
    stats->scan = c.sum;
    clock_gettime(CLOCK_MONOTONIC, &end);
    stats->seconds = since(&c.start, &end);
    vigil_correlator_destroy(c.hub);
    vigil_membudget_destroy(c.budget);
    vigil_spare_mapping_destroy(c.spare);
    free(c.current);
    free(c.progress_path);
    ctx_destroy_mutexes(&c);
    return s;
}
