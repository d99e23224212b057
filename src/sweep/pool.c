/* pool.c - bounded work queue and worker threads for the sweep (contract in pool.h).
 *
 * Why its own pool rather than one thread per file or an unbounded queue:
 * the number of scanners (each holding YARA and hyperscan scratch) must be
 * fixed, and the walker must slow down when the scanners do. One mutex
 * guards a ring buffer; three condition variables signal "not empty",
 * "not full" and "a worker finished starting or stopping". Waits on the
 * pushing side are timed so that the caller's tick (progress) keeps firing
 * while it is blocked. */
#include "sweep/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vigil_pool {
    vigil_pool_config cfg;
    pthread_mutex_t mu;
    pthread_cond_t not_empty; /* workers wait here */
    pthread_cond_t not_full;  /* the pusher waits here */
    pthread_cond_t changed;   /* create and finish wait here */
    void **ring;
    size_t cap, head, count;
    pthread_t *threads;
    unsigned started;         /* threads created */
    unsigned inited;          /* workers that have run init */
    unsigned running;         /* workers not yet exited */
    unsigned pushers_waiting; /* pushers blocked on a full queue */
    int closed;               /* no more pushes */
    int cancelled;
    int finished;     /* vigil_pool_finish ran */
    vigil_status err; /* first init or work error */
};

typedef struct worker_arg {
    vigil_pool *pool;
    unsigned index;
} worker_arg;

static int outside_cancel(const vigil_pool *p)
{
    return p->cfg.cancel != NULL && *p->cfg.cancel;
}

/* Caller holds the lock. */
static void cancel_locked(vigil_pool *p)
{
    p->cancelled = 1;
    pthread_cond_broadcast(&p->not_empty);
    pthread_cond_broadcast(&p->not_full);
    pthread_cond_broadcast(&p->changed);
}

static void fail_locked(vigil_pool *p, vigil_status s)
{
    if (p->err == VIGIL_OK)
        p->err = s;
    cancel_locked(p);
}

static void release(vigil_pool *p, void *item)
{
    if (p->cfg.release != NULL)
        p->cfg.release(p->cfg.ctx, item);
}

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    vigil_pool *p = wa->pool;
    unsigned index = wa->index;
    void *state = NULL;
    vigil_status s = VIGIL_OK;
    int init_ok;

    free(wa);
    if (p->cfg.init != NULL)
        s = p->cfg.init(p->cfg.ctx, index, &state);
    init_ok = s == VIGIL_OK;
    pthread_mutex_lock(&p->mu);
    p->inited++;
    if (s != VIGIL_OK)
        fail_locked(p, s);
    pthread_cond_broadcast(&p->changed);
    while (s == VIGIL_OK) {
        void *item;
        while (p->count == 0 && !p->closed && !p->cancelled)
            pthread_cond_wait(&p->not_empty, &p->mu);
        if (p->cancelled || p->count == 0)
            break;
        item = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        /* a blocked pusher is woken once half the queue is free, not after
         * every item: one wake-up (a futex call and a context switch) per
         * item cost more than small files take to scan */
        if (p->pushers_waiting > 0 && p->count <= p->cap / 2)
            pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->mu);
        if (outside_cancel(p)) {
            release(p, item);
            pthread_mutex_lock(&p->mu);
            cancel_locked(p);
            break;
        }
        s = p->cfg.work(p->cfg.ctx, state, item);
        release(p, item);
        pthread_mutex_lock(&p->mu);
        if (s != VIGIL_OK)
            fail_locked(p, s);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->cfg.fini != NULL && init_ok)
        p->cfg.fini(p->cfg.ctx, index, state);
    pthread_mutex_lock(&p->mu);
    p->running--;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Waits on cv for up to the tick; the caller holds the lock. Returns 1 when
 * the tick elapsed (the caller should then run on_tick unlocked). */
static int timed_wait(vigil_pool *p, pthread_cond_t *cv)
{
    struct timespec ts;
    unsigned ms = p->cfg.tick_ms ? p->cfg.tick_ms : 200;

    if (p->cfg.on_tick == NULL && p->cfg.cancel == NULL) {
        pthread_cond_wait(cv, &p->mu);
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(cv, &p->mu, &ts) == ETIMEDOUT;
}

static void tick(vigil_pool *p)
{
    if (outside_cancel(p))
        cancel_locked(p);
    if (p->cfg.on_tick != NULL) {
        pthread_mutex_unlock(&p->mu);
        p->cfg.on_tick(p->cfg.ctx);
        pthread_mutex_lock(&p->mu);
    }
}

static void destroy_sync(vigil_pool *p)
{
    pthread_cond_destroy(&p->changed);
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->mu);
}

static int init_sync(vigil_pool *p)
{
    pthread_condattr_t ca;
    int ok = 0;

    if (pthread_mutex_init(&p->mu, NULL) != 0)
        return 0;
    if (pthread_condattr_init(&ca) == 0) {
        if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
            pthread_cond_init(&p->not_empty, &ca) == 0) {
            if (pthread_cond_init(&p->not_full, &ca) == 0) {
                if (pthread_cond_init(&p->changed, &ca) == 0)
                    ok = 1;
                else
                    pthread_cond_destroy(&p->not_full);
            }
            if (!ok)
                pthread_cond_destroy(&p->not_empty);
        }
        pthread_condattr_destroy(&ca);
    }
    if (!ok)
        pthread_mutex_destroy(&p->mu);
    return ok;
}

static void join_all(vigil_pool *p)
{
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    p->started = 0;
}

static void free_pool(vigil_pool *p)
{
    destroy_sync(p);
    free(p->threads);
    free(p->ring);
    free(p);
}

vigil_status vigil_pool_create(const vigil_pool_config *cfg, vigil_pool **out)
{
    vigil_pool *p;
    size_t qs;
    vigil_status s;

    if (out != NULL)
        *out = NULL;
    if (cfg == NULL || out == NULL || cfg->work == NULL || cfg->threads == 0 || cfg->threads > 4096)
        return VIGIL_ERR_INVALID_ARG;
    qs = cfg->queue_size ? cfg->queue_size : (size_t)cfg->threads * 16;
    if (qs > SIZE_MAX / sizeof(void *))
        return VIGIL_ERR_OVERFLOW;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return VIGIL_ERR_NOMEM;
    p->cfg = *cfg;
    p->cap = qs;
    p->ring = malloc(qs * sizeof *p->ring);
    p->threads = calloc(cfg->threads, sizeof *p->threads);
    if (p->ring == NULL || p->threads == NULL || !init_sync(p)) {
        free(p->threads);
        free(p->ring);
        free(p);
        return VIGIL_ERR_NOMEM;
    }
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < cfg->threads; i++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (wa == NULL) {
            fail_locked(p, VIGIL_ERR_NOMEM);
            break;
        }
        wa->pool = p;
        wa->index = i;
        p->running++;
        if (pthread_create(&p->threads[i], NULL, worker_main, wa) != 0) {
            p->running--;
            free(wa);
            fail_locked(p, VIGIL_ERR_THREAD);
            break;
        }
        p->started++;
    }
    while (p->inited < p->started)
        pthread_cond_wait(&p->changed, &p->mu);
    s = p->err;
    pthread_mutex_unlock(&p->mu);
    if (s != VIGIL_OK) {
        join_all(p);
        free_pool(p);
        return s;
    }
    *out = p;
    return VIGIL_OK;
}

vigil_status vigil_pool_push(vigil_pool *p, void *item)
{
    if (p == NULL)
        return VIGIL_ERR_INVALID_ARG;
    pthread_mutex_lock(&p->mu);
    if (outside_cancel(p))
        cancel_locked(p);
    while (p->count == p->cap && !p->cancelled && !p->closed) {
        p->pushers_waiting++;
        int ticked = timed_wait(p, &p->not_full);
        p->pushers_waiting--;
        if (ticked)
            tick(p);
    }
    if (p->cancelled || p->closed) {
        pthread_mutex_unlock(&p->mu);
        release(p, item);
        return VIGIL_ERR_ABORTED;
    }
    p->ring[(p->head + p->count) % p->cap] = item;
    p->count++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    return VIGIL_OK;
}

void vigil_pool_cancel(vigil_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    cancel_locked(p);
    pthread_mutex_unlock(&p->mu);
}

int vigil_pool_cancelled(vigil_pool *p)
{
    int c;

    if (p == NULL)
        return 0;
    pthread_mutex_lock(&p->mu);
    c = p->cancelled;
    pthread_mutex_unlock(&p->mu);
    return c;
}

vigil_status vigil_pool_finish(vigil_pool *p)
{
    vigil_status s;

    if (p == NULL)
        return VIGIL_ERR_INVALID_ARG;
    pthread_mutex_lock(&p->mu);
    if (p->finished) {
        pthread_mutex_unlock(&p->mu);
        return VIGIL_ERR_INVALID_ARG;
    }
    p->closed = 1;
    p->finished = 1;
    pthread_cond_broadcast(&p->not_empty);
    pthread_cond_broadcast(&p->not_full);
    while (p->running > 0)
        if (timed_wait(p, &p->changed))
            tick(p);
    pthread_mutex_unlock(&p->mu);
    join_all(p);
    /* Only a cancel leaves items behind. */
    while (p->count > 0) {
        void *item = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        release(p, item);
    }
    s = p->err;
    if (s == VIGIL_OK && p->cancelled)
        s = VIGIL_ERR_ABORTED;
    return s;
}

void vigil_pool_destroy(vigil_pool *p)
{
    if (p == NULL)
        return;
    if (!p->finished) {
        vigil_pool_cancel(p);
        (void)vigil_pool_finish(p);
    }
    free_pool(p);
}
