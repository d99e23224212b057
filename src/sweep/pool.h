/* pool.h - a bounded work queue drained by N worker threads with per-thread state.
 *
 * The sweep's walker pushes one item per file; each worker owns state made
 * by a callback on that worker's own thread (a vigil_scanner: scanners are
 * not shared) and processes items with it. The queue is bounded so that a
 * walker on a fast disk cannot run ahead of slow scanning and fill memory:
 * push blocks until there is room (back-pressure). Any worker error or a
 * cancel stops everything promptly; items never processed are released. */
#ifndef VIGIL_SWEEP_POOL_H
#define VIGIL_SWEEP_POOL_H

#include <stddef.h>

#include "vigil/status.h"

typedef struct vigil_pool vigil_pool;

/* Runs on worker `index` before it takes any item; *state is passed to
 * work and fini. A failure makes vigil_pool_create fail. */
typedef vigil_status (*vigil_pool_init_fn)(void *ctx, unsigned index, void **state);
/* Runs on the worker's thread when it stops, for every successful init. */
typedef void (*vigil_pool_fini_fn)(void *ctx, unsigned index, void *state);
/* Processes one item. A status other than VIGIL_OK cancels the pool and is
 * returned by vigil_pool_finish (the first one wins). */
typedef vigil_status (*vigil_pool_work_fn)(void *ctx, void *state, void *item);
/* Frees an item: after work, or unprocessed after a cancel. */
typedef void (*vigil_pool_release_fn)(void *ctx, void *item);
/* Called on the thread blocked in push or finish, every tick_ms. */
typedef void (*vigil_pool_tick_fn)(void *ctx);

typedef struct vigil_pool_config {
    unsigned threads;              /* >= 1 */
    size_t queue_size;             /* 0 = 16 per thread */
    void *ctx;                     /* first argument of every callback */
    vigil_pool_init_fn init;       /* may be NULL: state is NULL */
    vigil_pool_fini_fn fini;       /* may be NULL */
    vigil_pool_work_fn work;       /* required */
    vigil_pool_release_fn release; /* may be NULL */
    vigil_pool_tick_fn on_tick;    /* may be NULL */
    unsigned tick_ms;              /* 0 = 200 */
    volatile int *cancel; /* an outside cancel flag, polled by workers and push; may be NULL */
} vigil_pool_config;

/* Starts the workers and waits until each has run init. On failure every
 * thread is joined and the first init error (or VIGIL_ERR_THREAD,
 * VIGIL_ERR_NOMEM) returned. */
vigil_status vigil_pool_create(const vigil_pool_config *cfg, vigil_pool **out);

/* Queues an item, blocking while the queue is full. The pool owns the item
 * from now on, even on failure (then it is released at once). Returns
 * VIGIL_OK, or VIGIL_ERR_ABORTED once the pool is cancelled or finished.
 * Only one thread may push. */
vigil_status vigil_pool_push(vigil_pool *pool, void *item);

/* Stops the workers after their current item; queued items are released
 * unprocessed. Safe from any thread, including workers and callbacks. */
void vigil_pool_cancel(vigil_pool *pool);
int vigil_pool_cancelled(vigil_pool *pool);

/* No more pushes: waits until the queue is drained (or the pool cancelled),
 * joins the workers (running fini) and returns the first work error,
 * VIGIL_ERR_ABORTED if cancelled without one, else VIGIL_OK. Call once. */
vigil_status vigil_pool_finish(vigil_pool *pool);

/* Cancels and finishes if that was not done, then frees. NULL is safe. */
void vigil_pool_destroy(vigil_pool *pool);

#endif
