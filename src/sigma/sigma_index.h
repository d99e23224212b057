/* sigma_index.h - which rules an event can meet: the (Channel, EventID) index.
 *
 * Why a header of its own: the index is built with the ruleset
 * (sigma_index.c) and read per event by the matcher (sigma_match.c); both
 * need the candidate layout, which is kept small and flat because the
 * matcher walks it for every event. */
#ifndef VIGIL_SIGMA_INDEX_H
#define VIGIL_SIGMA_INDEX_H

#include "sigma/sigma_internal.h"

/* One rule under one logsource branch. */
typedef struct vigil_sigma_cand {
    const vigil_sigma_rule *rule;
    const vigil_sigma_branch *br; /* NULL = no field renames */
    uint32_t index;               /* the rule's index: evaluation order and dedup */
    int32_t pf;                   /* prefilter slot, -1 = always evaluate */
    uint32_t need_field;          /* name hash of a field it cannot match without (see
                                     vigil_sigma_required_field; renamed for br); 0: none */
} vigil_sigma_cand;

/* Candidates in rule order (so several lists merge in rule order); pf[i]
 * repeats v[i].pf in a dense array, which is all the matcher reads of the
 * many candidates the prefilter rules out. */
typedef struct vigil_sigma_candvec {
    vigil_sigma_cand *v;
    int32_t *pf;
    size_t n, cap;
    int32_t pfl; /* the list's prefilter (sigma_prefilter.c), 0: none, pass all */
    /* long lists with a prefilter (set by sigma_prefilter.c): the positions
     * of the candidates always evaluated, and per first clause slot s of the
     * others, byslot[s - slot_lo] = 1 + the first position whose rule's
     * first slot is s (0: none; nbyslot entries), so the matcher visits
     * only the candidates whose first clause was hit, one probe per hit */
    uint32_t *always;
    size_t nalways;
    uint32_t *byslot;
    size_t nbyslot;
    uint32_t slot_lo;
} vigil_sigma_candvec;

/* At most this many lists apply to one event. */
#define VIGIL_SG_MAX_LISTS 4

/* The index's key form of a channel name: lower-cased (ASCII), cut to
 * max - 1 bytes, NUL-terminated, in dst. */
void vigil_sigma_channel_key(char *dst, const char *src, size_t max);

/* The lists of candidates for an event with this channel (NULL: the event
 * has no Channel field; otherwise lower-cased) and EventID (negative: none
 * or not a number). Fills lists[] and returns how many. */
size_t vigil_sigma_index_lookup(const struct vigil_sigma_index *ix, const char *channel_lc,
                                int64_t eid, const vigil_sigma_candvec *lists[VIGIL_SG_MAX_LISTS]);

/* Every candidate list of the index, in a fixed order: fills out[] (and
 * exact[]: 1 for a (channel, event id) bucket, which no event meets
 * together with another such bucket) up to cap and returns how many there
 * are. */
size_t vigil_sigma_index_lists(struct vigil_sigma_index *ix, vigil_sigma_candvec **out,
                               unsigned char *exact, size_t cap);

#endif
