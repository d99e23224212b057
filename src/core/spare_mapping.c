/* spare_mapping.c - one big anonymous mapping kept between big files (see
 * spare_mapping.h for why). A mutex: big files are few. */
#include "core/spare_mapping.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

struct vigil_spare_mapping {
    pthread_mutex_t mu;
    void *p; /* the spare, NULL when none */
    size_t cap;
};

vigil_status vigil_spare_mapping_create(vigil_spare_mapping **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    vigil_spare_mapping *m = calloc(1, sizeof *m);
    if (m == NULL)
        return VIGIL_ERR_NOMEM;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return VIGIL_ERR_THREAD;
    }
    *out = m;
    return VIGIL_OK;
}

void vigil_spare_mapping_destroy(vigil_spare_mapping *m)
{
    if (m == NULL)
        return;
    if (m->p != NULL)
        munmap(m->p, m->cap);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void *vigil_spare_mapping_take(vigil_spare_mapping *m, size_t want, size_t *cap)
{
    void *p = NULL;
    if (m == NULL || want == 0)
        return NULL;
    pthread_mutex_lock(&m->mu);
    if (m->p != NULL) {
        p = m->p;
        *cap = m->cap;
        if (m->cap < want) {
            /* grown in place or moved: the pages it has stay mapped */
            void *q = mremap(m->p, m->cap, want, MREMAP_MAYMOVE);
            if (q == MAP_FAILED) {
                munmap(m->p, m->cap); /* the caller maps a fresh one */
                p = NULL;
            } else {
                p = q;
                *cap = want;
            }
        }
        m->p = NULL;
        m->cap = 0;
    }
    pthread_mutex_unlock(&m->mu);
    return p;
}

void vigil_spare_mapping_give(vigil_spare_mapping *m, void *p, size_t cap)
{
    if (p == NULL)
        return;
    if (m == NULL) {
        munmap(p, cap);
        return;
    }
    pthread_mutex_lock(&m->mu);
    if (m->p == NULL || m->cap < cap) {
        void *old = m->p;
        size_t oldcap = m->cap;
        m->p = p;
        m->cap = cap;
        p = old;
        cap = oldcap;
    }
    pthread_mutex_unlock(&m->mu);
    if (p != NULL)
        munmap(p, cap); /* outside the lock: unmapping 100 MB takes a while */
}
