/* output_summary.c - the closing summary of a sweep: what was read, with
 * which rules, what was found and what was skipped or cut short.
 *
 * Why it says the skipped parts: a sweep must never be silent about what
 * it did not look into, so every limit that was hit gets a line (text) or
 * a count (JSON), and the JSON summary keeps every count even when zero,
 * for scripts that read it. The CSV has no summary: it holds findings
 * only. */
#include "output_internal.h"
#include "output_json.h"
#include "outstream.h"
#include "run_info.h"
#include "text_summary.h"

#include <jansson.h>
#include <stdio.h>

static void with_commas(unsigned long long v, char *buf, size_t cap)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
}

/* What the sweep did not look into, one line each, only when it happened. */
static void write_not_opened(FILE *fp, const out_summary *s)
{
    const vigil_scan_stats *sc = &s->stats->scan;
    unsigned depth = s->scan != NULL ? s->scan->archive.max_depth : 0;
    unsigned long long msize = s->scan != NULL ? s->scan->archive.max_member_size : 0;

    if (sc->archives_too_deep) {
        fprintf(fp, "not opened: %llu archive%s nested past the depth limit",
                (unsigned long long)sc->archives_too_deep, sc->archives_too_deep == 1 ? "" : "s");
        if (depth)
            fprintf(fp, " %u", depth);
        fputs(" (name and hash checked)\n", fp);
    }
    if (sc->members_oversized) {
        fprintf(fp, "not scanned: %llu archive member%s over the member size limit",
                (unsigned long long)sc->members_oversized, sc->members_oversized == 1 ? "" : "s");
        if (msize) {
            char b[32];
            out_human_bytes((double)msize, b, sizeof b);
            fprintf(fp, " %s", b);
        }
        fputs(" (name and hash checked)\n", fp);
    }
    if (sc->archives_cut)
        fprintf(fp, "cut short: %llu archive%s stopped at the bomb or member count limits\n",
                (unsigned long long)sc->archives_cut, sc->archives_cut == 1 ? "" : "s");
    if (sc->artefacts_unreadable)
        fprintf(fp,
                "not parsed: %llu Windows artefact%s (damaged, or compressed Prefetch; name "
                "and hash checked)\n",
                (unsigned long long)sc->artefacts_unreadable,
                sc->artefacts_unreadable == 1 ? "" : "s");
    if (sc->images_not_opened)
        fprintf(fp,
                "not opened: %llu disk image%s inside archives or images (name, hash and YARA "
                "checked)\n",
                (unsigned long long)sc->images_not_opened, sc->images_not_opened == 1 ? "" : "s");
}

/* The sweep's counts of what it read and skipped, as JSON members. */
static void summary_json_sweep(json_t *o, const vigil_sweep_stats *st)
{
    const vigil_scan_stats *sc = &st->scan;

    json_object_set_new(o, "files",
                        json_integer((json_int_t)(sc->targets - sc->members - sc->image_files)));
    json_object_set_new(o, "archive_members", json_integer((json_int_t)sc->members));
    json_object_set_new(o, "images", json_integer((json_int_t)sc->images));
    json_object_set_new(o, "image_files", json_integer((json_int_t)sc->image_files));
    json_object_set_new(o, "image_streams", json_integer((json_int_t)sc->image_streams));
    json_object_set_new(o, "images_not_opened", json_integer((json_int_t)sc->images_not_opened));
    json_object_set_new(o, "image_snapshots", json_integer((json_int_t)sc->image_snapshots));
    json_object_set_new(o, "image_snapshot_unchanged",
                        json_integer((json_int_t)sc->image_snapshot_unchanged));
    json_object_set_new(o, "bytes", json_integer((json_int_t)sc->bytes));
    json_object_set_new(o, "seconds", json_real(st->seconds));
    json_object_set_new(o, "threads", json_integer(st->threads));
    json_object_set_new(o, "directories", json_integer((json_int_t)st->dirs));
    json_object_set_new(o, "skipped", json_integer((json_int_t)st->skipped));
    json_object_set_new(o, "unreadable",
                        json_integer((json_int_t)st->unreadable + (json_int_t)st->scan.unreadable));
    json_object_set_new(o, "oversized", json_integer((json_int_t)st->scan.oversized));
    json_object_set_new(o, "unhashed", json_integer((json_int_t)st->scan.unhashed));
    json_object_set_new(o, "archives_too_deep",
                        json_integer((json_int_t)st->scan.archives_too_deep));
    json_object_set_new(o, "members_oversized",
                        json_integer((json_int_t)st->scan.members_oversized));
    json_object_set_new(o, "archives_cut", json_integer((json_int_t)st->scan.archives_cut));
    json_object_set_new(o, "event_logs", json_integer((json_int_t)st->scan.event_logs));
    json_object_set_new(o, "events", json_integer((json_int_t)st->scan.events));
    json_object_set_new(o, "event_matches", json_integer((json_int_t)st->scan.event_matches));
    json_object_set_new(o, "allowlisted", json_integer((json_int_t)st->scan.allowlisted));
    json_object_set_new(o, "text_logs", json_integer((json_int_t)st->scan.text_logs));
    json_object_set_new(o, "artefacts", json_integer((json_int_t)st->scan.artefacts));
    json_object_set_new(o, "artefacts_unreadable",
                        json_integer((json_int_t)st->scan.artefacts_unreadable));
    json_object_set_new(o, "registry_hives", json_integer((json_int_t)st->scan.registry_hives));
    json_object_set_new(o, "registry_values", json_integer((json_int_t)st->scan.registry_values));
    json_object_set_new(o, "autostart_entries",
                        json_integer((json_int_t)st->scan.autostart_entries));
}

/* What was shown, and the diagnostics, as JSON members. */
static void summary_json_shown(json_t *o, const out_writer *w)
{
    json_t *lv = json_object();
    json_object_set_new(o, "targets_with_findings", json_integer((json_int_t)w->shown_targets));
    json_object_set_new(o, "findings", json_integer((json_int_t)w->shown_findings));
    for (int l = 0; l < VIGIL_LEVEL_COUNT; l++)
        json_object_set_new(lv, vigil_level_name((vigil_level)l),
                            json_integer((json_int_t)w->shown_by_level[l]));
    json_object_set_new(o, "targets_by_level", lv);
    json_object_set_new(o, "errors", json_integer((json_int_t)w->diag_errors));
    json_object_set_new(o, "warnings", json_integer((json_int_t)w->diag_warnings));
}

/* The rules loaded and refused, a JSON object. */
static json_t *summary_json_rules(const vigil_engine_counts *rc)
{
    json_t *rules = json_object();
    json_object_set_new(rules, "yara", json_integer((json_int_t)rc->yara_rules));
    json_object_set_new(rules, "hash_iocs", json_integer((json_int_t)rc->hash_iocs));
    json_object_set_new(rules, "filename_iocs", json_integer((json_int_t)rc->filename_iocs));
    json_object_set_new(rules, "c2_iocs", json_integer((json_int_t)rc->c2_iocs));
    json_object_set_new(rules, "sigma", json_integer((json_int_t)rc->sigma_rules));
    json_object_set_new(rules, "sigma_correlations",
                        json_integer((json_int_t)rc->sigma_correlations));
    json_object_set_new(rules, "sigma_filters", json_integer((json_int_t)rc->sigma_filters));
    json_object_set_new(rules, "sigma_refused", json_integer((json_int_t)rc->sigma_refused));
    json_object_set_new(rules, "files_refused", json_integer((json_int_t)rc->files_refused));
    json_object_set_new(rules, "filename_refused", json_integer((json_int_t)rc->filename_refused));
    json_object_set_new(rules, "allow_hashes", json_integer((json_int_t)rc->allow_hashes));
    return rules;
}

/* The "type":"summary" line. */
static void summary_json(out_writer *w, const out_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("summary"));
    json_object_set_new(o, "version", json_string(s->version));
    summary_json_sweep(o, s->stats);
    summary_json_shown(o, w);
    json_object_set_new(o, "rules", summary_json_rules(s->rules));
    if (s->run != NULL) {
        char t[40];
        json_object_set_new(o, "scan_id", json_string(s->run->scan_id));
        json_object_set_new(o, "host", out_jstr(s->run->host));
        run_info_time(s->run->start_ms, t, sizeof t);
        json_object_set_new(o, "start_time", json_string(t));
        run_info_time(run_info_now_ms(), t, sizeof t);
        json_object_set_new(o, "end_time", json_string(t));
    }
    out_put_json_line(w, o);
    json_decref(o);
}

/* "vigil 0.1.0: 1,234 files (+5 archive members), 10.0 MiB in 1.00 s ..." */
static void summary_text_files(out_writer *w, const vigil_sweep_stats *st, const char *version)
{
    const char *b = w->color ? OUT_C_BOLD : "", *z = w->color ? OUT_C_RESET : "";
    char files[32], bytes[32], rate[32];

    with_commas(st->scan.targets - st->scan.members - st->scan.image_files, files, sizeof files);
    out_human_bytes((double)st->scan.bytes, bytes, sizeof bytes);
    out_human_bytes(st->seconds > 0 ? (double)st->scan.bytes / st->seconds : 0, rate, sizeof rate);
    fprintf(w->fp, "%svigil %s%s: %s files", b, version, z, files);
    if (st->scan.members)
        fprintf(w->fp, " (+%llu archive member%s)", (unsigned long long)st->scan.members,
                st->scan.members == 1 ? "" : "s");
    if (st->scan.images)
        fprintf(w->fp, " (+%llu file%s in %llu disk image%s)",
                (unsigned long long)st->scan.image_files, st->scan.image_files == 1 ? "" : "s",
                (unsigned long long)st->scan.images, st->scan.images == 1 ? "" : "s");
    if (st->scan.image_snapshots)
        fprintf(w->fp, " (%llu shadow cop%s; %llu unchanged file%s not scanned again)",
                (unsigned long long)st->scan.image_snapshots,
                st->scan.image_snapshots == 1 ? "y" : "ies",
                (unsigned long long)st->scan.image_snapshot_unchanged,
                st->scan.image_snapshot_unchanged == 1 ? "" : "s");
    fprintf(w->fp, ", %s in %.2f s (%s/s), %u threads\n", bytes, st->seconds, rate, st->threads);
}

/* "rules: 12 YARA, 3 hash IOCs, ..." */
static void summary_text_rules(FILE *fp, const vigil_engine_counts *rc)
{
    char y[32], h[32], f[32], c[32], sg[32];

    with_commas(rc->yara_rules, y, sizeof y);
    with_commas(rc->hash_iocs, h, sizeof h);
    with_commas(rc->filename_iocs, f, sizeof f);
    with_commas(rc->c2_iocs, c, sizeof c);
    with_commas(rc->sigma_rules, sg, sizeof sg);
    fprintf(fp, "rules: %s YARA, %s hash IOCs, %s filename IOCs", y, h, f);
    if (rc->filename_refused)
        fprintf(fp, " (%llu refused)", (unsigned long long)rc->filename_refused);
    fprintf(fp, ", %s C2 IOCs, %s Sigma", c, sg);
    if (rc->sigma_refused)
        fprintf(fp, " (%llu refused)", (unsigned long long)rc->sigma_refused);
    if (rc->files_refused)
        fprintf(fp, "; %llu rule file%s not loaded (broken)", (unsigned long long)rc->files_refused,
                rc->files_refused == 1 ? "" : "s");
    fputc('\n', fp);
}

/* Event logs, allow-listed files and registry hives, each when there were some. */
static void summary_text_sources(FILE *fp, const vigil_sweep_stats *st)
{
    if (st->scan.event_logs) {
        char ev[32], logs[32], matched[32];
        with_commas(st->scan.events, ev, sizeof ev);
        with_commas(st->scan.event_logs, logs, sizeof logs);
        with_commas(st->scan.event_matches, matched, sizeof matched);
        fprintf(fp, "events: %s in %s event logs, %s matched\n", ev, logs, matched);
    }
    if (st->scan.allowlisted)
        fprintf(fp, "%llu file%s allow-listed by hash (not reported)\n",
                (unsigned long long)st->scan.allowlisted, st->scan.allowlisted == 1 ? "" : "s");
    if (st->scan.registry_hives)
        fprintf(fp, "registry: %llu values, %llu keys in %llu hives, %llu autostart entries\n",
                (unsigned long long)st->scan.registry_values,
                (unsigned long long)st->scan.registry_keys,
                (unsigned long long)st->scan.registry_hives,
                (unsigned long long)st->scan.autostart_entries);
}

/* "findings: 3 in 1,219 events and 3 files: 1 alert, ..." */
static void summary_text_findings(out_writer *w)
{
    uint64_t shown_events = text_tally_events(w->tally);
    char targets[96];

    if (shown_events > 0 && w->tally != NULL) { /* events and files apart */
        char ev[32], fl[32];
        with_commas(shown_events, ev, sizeof ev);
        with_commas(text_tally_files(w->tally), fl, sizeof fl);
        snprintf(targets, sizeof targets, "%s events and %s files", ev, fl);
    } else {
        snprintf(targets, sizeof targets, "%llu files", w->shown_targets);
    }
    fprintf(w->fp,
            "findings: %llu in %s: %llu alert, %llu warning, %llu notice, "
            "%llu info\n",
            w->shown_findings, targets, w->shown_by_level[VIGIL_LEVEL_ALERT],
            w->shown_by_level[VIGIL_LEVEL_WARNING], w->shown_by_level[VIGIL_LEVEL_NOTICE],
            w->shown_by_level[VIGIL_LEVEL_INFO]);
}

/* "problems: 0 errors, 0 warnings (0 unreadable, ...)" */
static void summary_text_problems(out_writer *w, const vigil_sweep_stats *st)
{
    fprintf(w->fp,
            "problems: %llu errors, %llu warnings (%llu unreadable, %llu skipped, "
            "%llu over max size",
            w->diag_errors, w->diag_warnings,
            (unsigned long long)st->unreadable + (unsigned long long)st->scan.unreadable,
            (unsigned long long)st->skipped, (unsigned long long)st->scan.oversized);
    if (st->scan.unhashed)
        fprintf(w->fp, ", %llu over max hash size: not hashed",
                (unsigned long long)st->scan.unhashed);
    fputs(")\n", w->fp);
}

/* The closing tables, then the lines above, then what was not looked into. */
static void summary_text(out_writer *w, const out_summary *s)
{
    if (w->shown_findings > 0)
        text_tally_print(w->tally, w->fp, w->color ? OUT_C_BOLD : "", w->color ? OUT_C_RESET : "");
    summary_text_files(w, s->stats, s->version);
    summary_text_rules(w->fp, s->rules);
    summary_text_sources(w->fp, s->stats);
    summary_text_findings(w);
    summary_text_problems(w, s->stats);
    write_not_opened(w->fp, s);
}

void out_write_summary(out_writer *w, const out_summary *s)
{
    pthread_mutex_lock(&w->lock);
    out_progress_clear_locked(w);
    /* the sweep is over: its engine, whose rule strings the finding lines
     * cache by address, may go next */
    finding_lines_forget(&w->findings);
    if (w->format == OUT_JSONL)
        summary_json(w, s);
    else if (w->format != OUT_CSV) /* the CSV holds findings only */
        summary_text(w, s);
    fflush(w->fp);
    out_stream_note(w->fp);
    pthread_mutex_unlock(&w->lock);
}
