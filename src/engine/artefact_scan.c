/* artefact_scan.c - Windows artefacts found among the targets (scheduled tasks,
 * Startup folders, LNK, Prefetch) become findings of kind persistence or
 * execution about the artefact file, carrying what runs in `matched` and
 * the details in meta, so a sweep of an image doubles as an autoruns and
 * execution inventory. Each entry's target is checked against the filename
 * IOCs: a hit is reported as its own filename finding and lifts the
 * entry's score to the IOC's. */
#include <string.h>

#include "engine/artefact_scan.h"
#include "winart/winart.h"

static vigil_status add_entry(const vigil_ioc_db *db, vigil_ioc_scratch *scratch,
                              const vigil_winart_entry *e, vigil_findings *fb)
{
    vigil_finding *f = vigil_findings_add(fb, e->kind);
    size_t at = fb->n - 1;
    vigil_meta *meta;
    vigil_status st = VIGIL_OK;

    if (f == NULL)
        return VIGIL_ERR_NOMEM;
    f->rule = vigil_findings_strdup(fb, e->name);
    f->matched = e->target && e->target[0] ? vigil_findings_strdup(fb, e->target) : NULL;
    f->score = VIGIL_WINSCAN_SCORE;
    meta = e->nmeta ? vigil_findings_alloc(fb, e->nmeta * sizeof *meta) : NULL;
    f = &fb->items[at]; /* the allocations above do not move items, but be safe */
    if (f->rule == NULL || (e->nmeta && meta == NULL))
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < e->nmeta; i++) {
        meta[i].key = e->keys[i]; /* static strings */
        meta[i].value = vigil_findings_strdup(fb, e->values[i]);
        if (meta[i].value == NULL)
            return VIGIL_ERR_NOMEM;
    }
    f->meta = meta;
    f->nmeta = e->nmeta;
    if (db != NULL && scratch != NULL && e->target && e->target[0]) {
        size_t before = fb->n;
        st = vigil_ioc_match_path(db, scratch, e->target, strlen(e->target), fb);
        int best = VIGIL_WINSCAN_SCORE;
        for (size_t i = before; i < fb->n; i++)
            if (fb->items[i].score > best)
                best = fb->items[i].score;
        fb->items[at].score = best;
    }
    return st;
}

vigil_status vigil_artefact_scan_run(const vigil_ioc_db *db, vigil_ioc_scratch *scratch,
                                     const char *path, const uint8_t *data, size_t len,
                                     vigil_findings *fb, const vigil_diag_sink *diag,
                                     vigil_scan_stats *stats)
{
    vigil_winart_type type = vigil_winart_sniff(path, data, len);
    vigil_winart_list list;
    vigil_status st = VIGIL_OK;
    int rc;

    if (type == VIGIL_WINART_NONE)
        return VIGIL_OK;
    memset(&list, 0, sizeof list);
    switch (type) {
    case VIGIL_WINART_TASK:
        rc = vigil_winart_task_parse(path, data, len, &list);
        break;
    case VIGIL_WINART_STARTUP:
        rc = vigil_winart_startup_parse(path, data, len, &list);
        break;
    case VIGIL_WINART_LNK:
        rc = vigil_winart_lnk_parse(path, data, len, VIGIL_FINDING_EXECUTION, &list);
        break;
    default:
        rc = vigil_winart_prefetch_parse(path, data, len, &list);
        break;
    }
    stats->artefacts++;
    if (rc != 0) {
        stats->artefacts_unreadable++;
        vigil_diagf(diag, VIGIL_DIAG_WARNING, rc == -2 ? VIGIL_ERR_UNSUPPORTED : VIGIL_ERR_CORRUPT,
                    path, 0, "Windows artefact not parsed: %s (name and hash checked)", list.error);
    }
    for (size_t i = 0; i < list.n && st == VIGIL_OK; i++)
        st = add_entry(db, scratch, &list.items[i], fb);
    vigil_winart_list_free(&list);
    return st;
}
