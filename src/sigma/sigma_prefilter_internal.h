/* sigma_prefilter_internal.h - the compiled prefilter, shared by its build
 * (sigma_prefilter.c) and its per-event scan (sigma_prefilter_scan.c).
 *
 * Why a private header: the two halves are one object; the layout is kept
 * out of sigma_prefilter.h, which the matcher includes. */
#ifndef VIGIL_SIGMA_PREFILTER_INTERNAL_H
#define VIGIL_SIGMA_PREFILTER_INTERNAL_H

#include <hs/hs.h>
#include <stddef.h>
#include <stdint.h>

#include "sigma/sigma_prefilter_needs.h"

/* What a pattern's occurrence stands for: slot hit, if it lies in a field
 * whose name hashes to fhash (0: any field). */
typedef struct pfent {
    unsigned slot;
    uint32_t fhash;
} pfent;

/* One compiled literal database and what each of its patterns stands for. */
typedef struct pfdb {
    hs_database_t *db;
    pfent *ent;    /* grouped per pattern id */
    size_t *first; /* pattern id -> range in ent */
    size_t npat;
    int fieldwise; /* some entry names a field: hits need their field */
    unsigned char key[32];
} pfdb;

/* A field with this many literals in a list gets a database of its own
 * (see split_fields), at most MAX_SPLIT fields per list. */
#define SPLIT_MIN 2048
#define MAX_SPLIT 4

/* The prefilter of one candidate list. */
typedef struct pflist {
    int main, kw;   /* databases (index into dbs), -1: none */
    uint32_t *fset; /* name hashes of the fields the main database scans (open
                       addressing, 0 = free) */
    size_t fcap;    /* power of two */
    /* fields with a database of their own, scanned over their values alone */
    uint32_t sfh[MAX_SPLIT];
    int sdb[MAX_SPLIT];
    unsigned nsplit;
} pflist;

/* What the build keeps of one rule until the lists are compiled. */
typedef struct rneed {
    vigil_sigma_prefilter_literal *lits;
    size_t n;
    unsigned slot0;
} rneed;

struct vigil_sigma_prefilter {
    pfdb *dbs;
    size_t ndbs, dbcap;
    pflist *lists;
    size_t nlists;
    size_t nslots;
    rneed *need; /* per rule, during the build only */
    size_t nneed;
};

/* 1 if the main database of l scans the field whose name hashes to h. */
static inline int fset_has(const pflist *l, uint32_t h)
{
    for (size_t i = h & (l->fcap - 1); l->fset[i] != 0; i = (i + 1) & (l->fcap - 1))
        if (l->fset[i] == h)
            return 1;
    return 0;
}

#endif
