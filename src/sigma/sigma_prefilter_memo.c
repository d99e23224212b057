/* sigma_prefilter_memo.c - a per-thread memo of what the prefilter found in a value.
 *
 * Why: see sigma_prefilter_memo.h. An open-addressing table of (key, database,
 * field) entries; the values and slot lists they keep sit in two arenas.
 * Nothing is ever removed alone: when the table or an arena is full the
 * whole memo is emptied, which costs one clear and keeps every size fixed
 * (about 1.8 MB a thread). */
#include "sigma/sigma_prefilter_memo.h"

#include <stdlib.h>
#include <string.h>

#define TAB_CAP 16384u      /* entries, a power of two; filled to 3/4 at most */
#define VAL_CAP (1u << 20)  /* bytes of kept values */
#define SLOT_CAP (1u << 16) /* kept slots */
#define MAX_PROBE 16        /* entries a lookup looks at */

typedef struct ment {
    uint64_t key; /* 0: free */
    uint32_t db, field;
    uint32_t voff, vlen;
    uint32_t soff, sn;
} ment;

struct vigil_sigma_prefilter_memo {
    ment *tab;
    size_t n;
    char *val;
    size_t vused;
    uint32_t *slot;
    size_t sused;
};

vigil_sigma_prefilter_memo *vigil_sigma_prefilter_memo_create(void)
{
    vigil_sigma_prefilter_memo *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->tab = calloc(TAB_CAP, sizeof *m->tab);
    m->val = malloc(VAL_CAP);
    m->slot = malloc(SLOT_CAP * sizeof *m->slot);
    if (m->tab == NULL || m->val == NULL || m->slot == NULL) {
        vigil_sigma_prefilter_memo_destroy(m);
        return NULL;
    }
    return m;
}

void vigil_sigma_prefilter_memo_destroy(vigil_sigma_prefilter_memo *m)
{
    if (m == NULL)
        return;
    free(m->tab);
    free(m->val);
    free(m->slot);
    free(m);
}

static uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

uint64_t vigil_sigma_prefilter_memo_key(uint32_t db, uint32_t field, const char *v, size_t len)
{
    /* the length and sixteen bytes at each end (eight more in the middle):
     * values that share them are told apart by the compare in get, at
     * most MAX_PROBE of them; hashing every byte cost more than the
     * compare */
    const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
    uint64_t a, b, c = 0;
    if (len >= 16) {
        a = load8(v) ^ load8(v + len - 16);
        b = load8(v + 8) ^ load8(v + len - 8);
        if (len >= 32)
            c = load8(v + len / 2 - 4);
    } else {
        char t[16] = {0};
        memcpy(t, v, len);
        a = load8(t);
        b = load8(t + 8);
    }
    uint64_t h = ((uint64_t)db << 32 | field) ^ (uint64_t)len << 48;
    h = (h ^ a) * k1;
    h = (h ^ (h >> 29) ^ b) * k2;
    h = (h ^ (h >> 32) ^ c) * k1;
    h ^= h >> 29;
    return h != 0 ? h : 1;
}

const uint32_t *vigil_sigma_prefilter_memo_get(const vigil_sigma_prefilter_memo *m, uint64_t key,
                                               uint32_t db, uint32_t field, const char *v,
                                               size_t len, size_t *n)
{
    size_t i = key & (TAB_CAP - 1);
    for (size_t k = 0; k < MAX_PROBE && m->tab[i].key != 0; k++, i = (i + 1) & (TAB_CAP - 1)) {
        const ment *e = &m->tab[i];
        if (e->key == key && e->db == db && e->field == field && e->vlen == len &&
            memcmp(m->val + e->voff, v, len) == 0) {
            *n = e->sn;
            return m->slot + e->soff;
        }
    }
    return NULL;
}

void vigil_sigma_prefilter_memo_put(vigil_sigma_prefilter_memo *m, uint64_t key, uint32_t db,
                                    uint32_t field, const char *v, size_t len,
                                    const uint32_t *slots, size_t n)
{
    if (len > VIGIL_SG_PFMEMO_MAX_VALUE || n > SLOT_CAP / 4)
        return;
    if (m->n + 1 > TAB_CAP / 4 * 3 || len > VAL_CAP - m->vused || n > SLOT_CAP - m->sused) {
        memset(m->tab, 0, TAB_CAP * sizeof *m->tab);
        m->n = m->vused = m->sused = 0;
    }
    /* the first free entry among those a lookup looks at, else the first
     * of them is replaced */
    size_t home = key & (TAB_CAP - 1), i = home;
    for (size_t k = 0; k < MAX_PROBE && m->tab[i].key != 0; k++)
        i = (i + 1) & (TAB_CAP - 1);
    if (m->tab[i].key != 0)
        i = home;
    else
        m->n++;
    ment *e = &m->tab[i];
    e->key = key;
    e->db = db;
    e->field = field;
    e->voff = (uint32_t)m->vused;
    e->vlen = (uint32_t)len;
    e->soff = (uint32_t)m->sused;
    e->sn = (uint32_t)n;
    if (len > 0)
        memcpy(m->val + m->vused, v, len);
    if (n > 0)
        memcpy(m->slot + m->sused, slots, n * sizeof *slots);
    m->vused += len;
    m->sused += n;
}
