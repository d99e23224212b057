/* log_scan.c - C2 indicators in the text logs a sweep meets.
 *
 * Why here and not in logs.c: `vigil scan` must find in a triage collection
 * what `vigil logs` finds in its logs, with the same matcher (netioc) and
 * the same numbers, but as findings of the file that carry the line, so
 * that one sweep reports them with the file's other findings and score.
 * `vigil logs` keeps its chunked parallel reader for log-only hunts of
 * huge files; here the sweep already holds the file (or archive member) in
 * memory. */
#include "engine/log_scan.h"

#include <string.h>

#define MATCHED_MAX 255

typedef struct hunt {
    const vigil_netioc_db *db;
    const char *data;
    size_t len;
    vigil_findings *fb;
    size_t kept;
    uint64_t dropped;
    vigil_status st;
} hunt;

static int on_hit(const vigil_netioc_hit *h, void *user)
{
    hunt *c = user;
    const vigil_netioc_indicator *ind = vigil_netioc_db_at(c->db, h->indicator);

    if (ind == NULL)
        return 0;
    if (c->kept >= VIGIL_SCANLOG_MAX_FINDINGS) {
        c->dropped++;
        return 0;
    }
    vigil_finding *f = vigil_findings_add(c->fb, VIGIL_FINDING_C2);
    if (f == NULL) {
        c->st = VIGIL_ERR_NOMEM;
        return 1;
    }
    size_t mlen = h->length < MATCHED_MAX ? h->length : MATCHED_MAX;
    if (h->offset <= c->len && mlen <= c->len - h->offset)
        f->matched = vigil_arena_strndup(&c->fb->arena, c->data + h->offset, mlen);
    f->rule = ind->value;
    f->score = ind->score;
    f->description = ind->description;
    f->rule_source = ind->source;
    f->rule_line = ind->line;
    f->line = h->line;
    c->kept++;
    return 0;
}

vigil_status vigil_log_scan_run(const vigil_netioc_db *db, vigil_netioc_scratch *scratch,
                                const char *path, const void *data, size_t len, vigil_findings *fb,
                                const vigil_diag_sink *diag)
{
    hunt c = {db, data, len, fb, 0, 0, VIGIL_OK};
    vigil_status st;

    if (db == NULL || scratch == NULL || fb == NULL || (data == NULL && len != 0))
        return VIGIL_ERR_INVALID_ARG;
    st = vigil_netioc_scan(db, scratch, data, len, 1, 0, on_hit, &c);
    if (st == VIGIL_ERR_ABORTED)
        st = c.st;
    if (st == VIGIL_OK && c.dropped > 0)
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_LIMIT, path, 0,
                    "%llu further C2 hits in this log not reported (at most %d per file; "
                    "vigil logs reports them all)",
                    (unsigned long long)c.dropped, VIGIL_SCANLOG_MAX_FINDINGS);
    return st;
}
