/* membudget.c - a byte budget shared by the workers of one sweep (see
 * membudget.h for why). A mutex: takes are rare (files above the scanner's
 * reusable buffer size), so no lock-free path. */
#include "core/membudget.h"

#include <pthread.h>
#include <stdlib.h>

struct vigil_membudget {
    pthread_mutex_t mu;
    uint64_t limit;
    uint64_t held;
};

vigil_status vigil_membudget_create(uint64_t limit, vigil_membudget **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    vigil_membudget *b = calloc(1, sizeof *b);
    if (b == NULL)
        return VIGIL_ERR_NOMEM;
    if (pthread_mutex_init(&b->mu, NULL) != 0) {
        free(b);
        return VIGIL_ERR_THREAD;
    }
    b->limit = limit;
    *out = b;
    return VIGIL_OK;
}

void vigil_membudget_destroy(vigil_membudget *b)
{
    if (b == NULL)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b);
}

int vigil_membudget_try_take(vigil_membudget *b, uint64_t n)
{
    if (b == NULL)
        return 1;
    pthread_mutex_lock(&b->mu);
    int ok = b->held == 0 || (n <= b->limit && b->held <= b->limit - n);
    if (ok)
        b->held += n;
    pthread_mutex_unlock(&b->mu);
    return ok;
}

void vigil_membudget_give(vigil_membudget *b, uint64_t n)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    b->held = n > b->held ? 0 : b->held - n;
    pthread_mutex_unlock(&b->mu);
}
