/* test_pool.c - the sweep's worker pool: ownership, back-pressure, errors and cancel.
 *
 * Why no timing: every assertion is on counts (items processed, released,
 * inits and finis) or on states reached through callbacks, so the tests
 * give the same result on a loaded two-core machine as on a quiet one. */
#include <pthread.h>
#include <stdint.h>

#include "sweep/pool.h"
#include "test.h"

typedef struct ctx {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned inits, finis;
    uint64_t processed, released, sum;
    unsigned fail_init_index; /* init of this worker fails; UINT32_MAX = none */
    uint64_t fail_at;         /* work on this item returns VIGIL_ERR_IO; 0 = never */
    uint64_t cancel_at;       /* work on this item sets *outside; 0 = never */
    volatile int *outside;
    vigil_pool *pool;
    uint64_t pool_cancel_at; /* work on this item calls vigil_pool_cancel */
    int gate_open;           /* work waits for this */
    int use_gate;
    unsigned ticks;
    uint64_t processed_at_tick;
} ctx;

typedef struct wstate {
    uint64_t sum;
    unsigned index;
} wstate;

static void ctx_init(ctx *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->fail_init_index = UINT32_MAX;
}

static void ctx_free(ctx *c)
{
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
}

static vigil_status w_init(void *vc, unsigned index, void **state)
{
    ctx *c = vc;
    wstate *w;
    if (index == c->fail_init_index)
        return VIGIL_ERR_NOMEM;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return VIGIL_ERR_NOMEM;
    w->index = index;
    pthread_mutex_lock(&c->mu);
    c->inits++;
    pthread_mutex_unlock(&c->mu);
    *state = w;
    return VIGIL_OK;
}

static void w_fini(void *vc, unsigned index, void *state)
{
    ctx *c = vc;
    wstate *w = state;
    CHECK(w != NULL && w->index == index);
    pthread_mutex_lock(&c->mu);
    c->finis++;
    c->sum += w->sum;
    pthread_mutex_unlock(&c->mu);
    free(w);
}

static vigil_status w_work(void *vc, void *state, void *item)
{
    ctx *c = vc;
    wstate *w = state;
    uint64_t v = *(uint64_t *)item;

    pthread_mutex_lock(&c->mu);
    while (c->use_gate && !c->gate_open)
        pthread_cond_wait(&c->cv, &c->mu);
    c->processed++;
    pthread_mutex_unlock(&c->mu);
    w->sum += v;
    if (v == c->fail_at)
        return VIGIL_ERR_IO;
    if (v == c->cancel_at)
        *c->outside = 1;
    if (v == c->pool_cancel_at)
        vigil_pool_cancel(c->pool);
    return VIGIL_OK;
}

static void w_release(void *vc, void *item)
{
    ctx *c = vc;
    pthread_mutex_lock(&c->mu);
    c->released++;
    pthread_mutex_unlock(&c->mu);
    free(item);
}

static uint64_t *item(uint64_t v)
{
    uint64_t *p = malloc(sizeof *p);
    *p = v;
    return p;
}

static vigil_pool_config config(ctx *c, unsigned threads, size_t queue)
{
    vigil_pool_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.threads = threads;
    cfg.queue_size = queue;
    cfg.ctx = c;
    cfg.init = w_init;
    cfg.fini = w_fini;
    cfg.work = w_work;
    cfg.release = w_release;
    return cfg;
}

static void test_all_items(void)
{
    ctx c;
    vigil_pool *p = NULL;
    vigil_pool_config cfg;

    ctx_init(&c);
    cfg = config(&c, 4, 2);
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_OK);
    CHECK_EQ_INT(c.inits, 4); /* create returns after every init */
    for (uint64_t i = 1; i <= 1000; i++)
        CHECK_EQ_INT(vigil_pool_push(p, item(i)), VIGIL_OK);
    CHECK_EQ_INT(vigil_pool_finish(p), VIGIL_OK);
    CHECK_EQ_INT(c.processed, 1000);
    CHECK_EQ_INT(c.released, 1000);
    CHECK_EQ_INT(c.sum, 500500);
    CHECK_EQ_INT(c.finis, 4);
    CHECK_EQ_INT(vigil_pool_push(p, item(1)), VIGIL_ERR_ABORTED); /* finished: released */
    CHECK_EQ_INT(c.released, 1001);
    CHECK_EQ_INT(vigil_pool_finish(p), VIGIL_ERR_INVALID_ARG);
    vigil_pool_destroy(p);
    ctx_free(&c);
}

/* While push is blocked on a full queue, nothing has been processed: the
 * one worker holds item 1 at the gate and item 2 fills the queue. */
static void on_tick(void *vc)
{
    ctx *c = vc;
    pthread_mutex_lock(&c->mu);
    if (c->ticks++ == 0)
        c->processed_at_tick = c->processed;
    c->gate_open = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void test_back_pressure(void)
{
    ctx c;
    vigil_pool *p = NULL;
    vigil_pool_config cfg;

    ctx_init(&c);
    c.use_gate = 1;
    cfg = config(&c, 1, 1);
    cfg.on_tick = on_tick;
    cfg.tick_ms = 5;
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_OK);
    CHECK_EQ_INT(vigil_pool_push(p, item(1)), VIGIL_OK);
    CHECK_EQ_INT(vigil_pool_push(p, item(2)), VIGIL_OK);
    CHECK_EQ_INT(vigil_pool_push(p, item(3)),
                 VIGIL_OK); /* returns only after a tick opened the gate */
    CHECK(c.ticks >= 1);
    CHECK_EQ_INT(c.processed_at_tick, 0);
    CHECK_EQ_INT(vigil_pool_finish(p), VIGIL_OK);
    CHECK_EQ_INT(c.processed, 3);
    CHECK_EQ_INT(c.sum, 6);
    vigil_pool_destroy(p);
    ctx_free(&c);
}

static void test_work_error(void)
{
    ctx c;
    vigil_pool *p = NULL;
    vigil_pool_config cfg;
    uint64_t pushed = 0;

    ctx_init(&c);
    c.fail_at = 5;
    cfg = config(&c, 2, 1);
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_OK);
    for (uint64_t i = 1; i <= 100000; i++) {
        pushed++;
        if (vigil_pool_push(p, item(i)) != VIGIL_OK)
            break;
    }
    CHECK(pushed < 100000);
    CHECK(vigil_pool_cancelled(p));
    CHECK_EQ_INT(vigil_pool_finish(p), VIGIL_ERR_IO);
    CHECK_EQ_INT(c.released, pushed); /* processed or not, every item was freed once */
    CHECK(c.processed < pushed);
    CHECK_EQ_INT(c.finis, 2);
    vigil_pool_destroy(p);
    ctx_free(&c);
}

static void test_cancel(void)
{
    ctx c;
    vigil_pool *p = NULL;
    vigil_pool_config cfg;
    volatile int outside = 0;
    uint64_t pushed = 0;

    /* The caller's flag, set from a worker. */
    ctx_init(&c);
    c.cancel_at = 10;
    c.outside = &outside;
    cfg = config(&c, 2, 2);
    cfg.cancel = &outside;
    cfg.tick_ms = 1;
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_OK);
    for (uint64_t i = 1; i <= 100000; i++) {
        pushed++;
        if (vigil_pool_push(p, item(i)) != VIGIL_OK)
            break;
    }
    CHECK(pushed < 100000);
    CHECK_EQ_INT(vigil_pool_finish(p), VIGIL_ERR_ABORTED);
    CHECK_EQ_INT(c.released, pushed);
    CHECK_EQ_INT(c.finis, 2);
    vigil_pool_destroy(p);
    ctx_free(&c);

    /* vigil_pool_cancel from inside work. */
    ctx_init(&c);
    c.pool_cancel_at = 3;
    pushed = 0;
    cfg = config(&c, 1, 1);
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_OK);
    c.pool = p;
    for (uint64_t i = 1; i <= 100000; i++) {
        pushed++;
        if (vigil_pool_push(p, item(i)) != VIGIL_OK)
            break;
    }
    CHECK(pushed < 100000);
    CHECK_EQ_INT(vigil_pool_finish(p), VIGIL_ERR_ABORTED);
    CHECK_EQ_INT(c.released, pushed);
    vigil_pool_destroy(p);
    ctx_free(&c);

    /* Destroy without finish: cancels, joins, releases what is queued. */
    ctx_init(&c);
    c.use_gate = 1;
    cfg = config(&c, 1, 4);
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_OK);
    for (uint64_t i = 1; i <= 3; i++)
        CHECK_EQ_INT(vigil_pool_push(p, item(i)), VIGIL_OK);
    pthread_mutex_lock(&c.mu);
    c.gate_open = 1; /* the worker may hold one item; it finishes it */
    pthread_cond_broadcast(&c.cv);
    pthread_mutex_unlock(&c.mu);
    vigil_pool_destroy(p);
    CHECK_EQ_INT(c.released, 3);
    CHECK_EQ_INT(c.finis, 1);
    ctx_free(&c);
    vigil_pool_destroy(NULL);
}

static void test_init_failure(void)
{
    ctx c;
    vigil_pool *p = (vigil_pool *)&c;
    vigil_pool_config cfg;

    ctx_init(&c);
    c.fail_init_index = 2;
    cfg = config(&c, 4, 0);
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_ERR_NOMEM);
    CHECK(p == NULL);
    CHECK_EQ_INT(c.inits, 3);
    CHECK_EQ_INT(c.finis, 3); /* every successful init is undone */
    ctx_free(&c);

    cfg.threads = 0;
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_ERR_INVALID_ARG);
    cfg.threads = 1;
    cfg.work = NULL;
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_ERR_INVALID_ARG);
    CHECK_EQ_INT(vigil_pool_push(NULL, NULL), VIGIL_ERR_INVALID_ARG);
    CHECK_EQ_INT(vigil_pool_finish(NULL), VIGIL_ERR_INVALID_ARG);
}

/* No init/fini/release callbacks at all. */
static uint64_t bare_sum;
static vigil_status bare_work(void *vc, void *state, void *it)
{
    (void)vc;
    CHECK(state == NULL);
    __atomic_add_fetch(&bare_sum, (uint64_t)(uintptr_t)it, __ATOMIC_RELAXED);
    return VIGIL_OK;
}

static void test_bare(void)
{
    vigil_pool_config cfg;
    vigil_pool *p = NULL;

    memset(&cfg, 0, sizeof cfg);
    cfg.threads = 3;
    cfg.work = bare_work;
    CHECK_EQ_INT(vigil_pool_create(&cfg, &p), VIGIL_OK);
    for (uintptr_t i = 1; i <= 100; i++)
        CHECK_EQ_INT(vigil_pool_push(p, (void *)i), VIGIL_OK);
    CHECK_EQ_INT(vigil_pool_finish(p), VIGIL_OK);
    CHECK_EQ_INT(bare_sum, 5050);
    vigil_pool_destroy(p);
}

int main(void)
{
    TEST_RUN(test_all_items);
    TEST_RUN(test_back_pressure);
    TEST_RUN(test_work_error);
    TEST_RUN(test_cancel);
    TEST_RUN(test_init_failure);
    TEST_RUN(test_bare);
    return TEST_END();
}
