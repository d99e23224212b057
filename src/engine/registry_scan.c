/* registry_scan.c - a registry hive met by the sweep: its values matched by the
 * Sigma registry rules, the files they name checked against the IOCs, and
 * its autostart entries listed (see registry_scan.h).
 *
 * Why one pass per value: a value is one registry event, possibly an
 * autostart entry, possibly naming a file or hash an IOC knows; all of it
 * is one result of its own (like a matching event of an EVTX file), so a
 * responder sees at once the key, what the rules said and what it starts. */
#include <stdlib.h>
#include <string.h>

#include "engine/registry_scan.h"
#include "registry/registry.h"

typedef struct regscan_run {
    const vigil_registry_scan *rs;
    const char *path;
    char *target;
    size_t target_cap;
    uint64_t record;
    vigil_status st;
} regscan_run;

static vigil_status add_persistence(const vigil_registry_scan *rs, const vigil_reg_entry *e,
                                    const char *target)
{
    vigil_findings *fb = rs->fb;
    vigil_field *fields = vigil_findings_alloc(fb, 3 * sizeof *fields);
    vigil_finding *f = vigil_findings_add(fb, VIGIL_FINDING_PERSISTENCE);
    static const char *const names[] = {"Location", "Command", "File"};
    const char *values[3];

    if (f == NULL || fields == NULL)
        return VIGIL_ERR_NOMEM;
    values[0] = vigil_findings_strdup(fb, target);
    values[1] = vigil_findings_strdup(fb, e->command);
    values[2] = vigil_findings_strdup(fb, e->nfiles > 0 ? e->files[0] : "");
    for (size_t i = 0; i < 3; i++) {
        if (values[i] == NULL)
            return VIGIL_ERR_NOMEM;
        fields[i].name = names[i];
        fields[i].name_len = strlen(names[i]);
        fields[i].value = values[i];
        fields[i].value_len = strlen(values[i]);
        fields[i].is_null = 0;
    }
    f->rule = e->category;
    f->description = "autostart entry";
    f->matched = values[2][0] ? values[2] : values[1];
    f->score = 0; /* an inventory line; the IOC and YARA findings of its file score */
    f->fields = fields;
    f->nfields = 3;
    return VIGIL_OK;
}

static vigil_status check_entry(const vigil_registry_scan *rs, const vigil_reg_entry *e)
{
    vigil_status st = VIGIL_OK;

    if (rs->ioc == NULL)
        return VIGIL_OK;
    for (size_t i = 0; i < e->nfiles && st == VIGIL_OK; i++)
        st = vigil_ioc_match_path(rs->ioc, rs->scratch, e->files[i], strlen(e->files[i]), rs->fb);
    if (st == VIGIL_OK && e->have_sha1)
        st = vigil_ioc_match_hashes(rs->ioc, NULL, e->sha1, NULL, rs->fb);
    return st;
}

static int on_item(const vigil_reg_item *it, void *user)
{
    regscan_run *r = user;
    const vigil_registry_scan *rs = r->rs;
    vigil_reg_item copy = *it;
    vigil_reg_event re;
    vigil_reg_entry entry;
    vigil_status st = VIGIL_OK;

    if (rs->cancel != NULL && *rs->cancel) {
        r->st = VIGIL_ERR_ABORTED;
        return 1;
    }
    if (it->name != NULL) {
        copy.key = vigil_registry_value_target(&r->target, &r->target_cap, it);
        if (copy.key == NULL) {
            r->st = VIGIL_ERR_NOMEM;
            return 1;
        }
    }
    vigil_reg_event_build(&re, &copy, r->path, ++r->record);
    vigil_findings_reset(rs->fb);
    if (rs->events != NULL)
        st = vigil_event_scan_match_event(rs->events, &re.event, rs->fb, &rs->stats->event_matches);
    if (st == VIGIL_OK && vigil_registry_entry(it, &entry)) {
        st = check_entry(rs, &entry);
        if (st == VIGIL_OK && entry.category != NULL) {
            rs->stats->autostart_entries++;
            st = add_persistence(rs, &entry, copy.key);
        }
    }
    if (st == VIGIL_OK && rs->fb->n > 0)
        st = rs->report(rs->user, &re.event, rs->fb);
    if (st != VIGIL_OK) {
        r->st = st;
        return 1;
    }
    return 0;
}

vigil_status vigil_registry_scan_run(const vigil_registry_scan *rs, const char *path,
                                     const void *data, size_t len)
{
    regscan_run r;
    uint64_t keys = 0, values = 0;
    vigil_status st;

    if (rs == NULL || path == NULL || rs->fb == NULL || rs->report == NULL || rs->stats == NULL)
        return VIGIL_ERR_INVALID_ARG;
    memset(&r, 0, sizeof r);
    r.rs = rs;
    r.path = path;
    rs->stats->registry_hives++;
    st = vigil_registry_walk(path, data, len, rs->diag, on_item, &r, &keys, &values);
    rs->stats->registry_keys += keys;
    rs->stats->registry_values += values;
    free(r.target);
    vigil_findings_reset(rs->fb);
    if (r.st != VIGIL_OK)
        return r.st;
    if (st == VIGIL_ERR_CORRUPT)
        return VIGIL_OK; /* said as a diagnostic; the sweep goes on */
    return st;
}
