/* output_text.c - results as people read them at a terminal: one block
 * per file (its findings under it), one line per matching event, a
 * correlation with its events.
 *
 * Why its own file: the text format is the one written for eyes, so it
 * decides what to leave out (hashes in one dim line, the rest of an event
 * in text_summary.c's details) and colours by level; every string from a
 * file, event or rule goes through text_escape first, as a hostile name
 * could otherwise rewrite the terminal. */
#include "output_internal.h"
#include "text_escape.h"
#include "text_summary.h"

#include <stdio.h>
#include <string.h>

static const char *event_value(const vigil_event *ev, const char *name)
{
    const vigil_field *f = vigil_event_get(ev, name);
    return f != NULL && !f->is_null ? f->value : NULL;
}

const char *out_level_color(vigil_level l)
{
    switch (l) {
    case VIGIL_LEVEL_ALERT:
        return OUT_C_RED;
    case VIGIL_LEVEL_WARNING:
        return OUT_C_YELLOW;
    case VIGIL_LEVEL_NOTICE:
        return OUT_C_CYAN;
    default:
        return OUT_C_DIM;
    }
}

static void upper_level(vigil_level l, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", vigil_level_name(l));
    for (char *p = buf; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
}

/* One line per matching event: where, when, which host/channel/event, which rules. */
static void text_event(out_writer *w, const vigil_target_result *r)
{
    FILE *fp = w->fp;
    const char *lc = w->color ? out_level_color(r->level) : "";
    const char *b = w->color ? OUT_C_BOLD : "", *z = w->color ? OUT_C_RESET : "";
    const char *computer = event_value(r->event, "Computer");
    const char *channel = event_value(r->event, "Channel");
    const char *eid = event_value(r->event, "EventID");
    char level[16];

    upper_level(r->level, level, sizeof level);
    fprintf(fp, "%s%-7s%s score %3d  ", lc, level, z, r->score);
    text_escape_puts(fp, r->path);
    fprintf(fp, "#%llu  ", (unsigned long long)r->record_id);
    text_escape_puts_or(fp, r->event_time, "-");
    fputs("  ", fp);
    text_escape_puts_or(fp, computer, "-");
    fputs("  ", fp);
    text_escape_puts_or(fp, channel, "-");
    fputc('/', fp);
    text_escape_puts_or(fp, eid, "-");
    fputs("  ", fp);
    const char *hive_key = event_value(r->event, "HiveKey"); /* a registry hive's value */
    const char *target = hive_key != NULL ? event_value(r->event, "TargetObject") : NULL;
    if (target != NULL) {
        text_escape_puts(fp, target);
        fputs("  ", fp);
    }
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        fprintf(fp, "%s%s", i ? "; " : "", b);
        text_escape_puts_or(fp, f->rule, "?");
        fprintf(fp, "%s [", z);
        if (f->kind == VIGIL_FINDING_SIGMA || f->kind == VIGIL_FINDING_CORRELATION) {
            text_escape_puts_or(fp, f->rule_level, "-");
        } else { /* an IOC or autostart finding: its kind and what it names */
            fputs(vigil_finding_kind_name(f->kind), fp);
            if (f->matched != NULL) {
                fputs(": ", fp);
                text_escape_puts(fp, f->matched);
            }
        }
        fputc(']', fp);
    }
    text_event_details(fp, r);
    fputc('\n', fp);
}

/* A correlation: one line, then one per grouped event. */
static void text_correlation(out_writer *w, const vigil_target_result *r)
{
    FILE *fp = w->fp;
    const char *lc = w->color ? out_level_color(r->level) : "";
    const char *b = w->color ? OUT_C_BOLD : "", *d = w->color ? OUT_C_DIM : "";
    const char *z = w->color ? OUT_C_RESET : "";
    char level[16], t[40];

    upper_level(r->level, level, sizeof level);
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        fprintf(fp, "%s%-7s%s score %3d  correlation %s", lc, level, z, r->score, b);
        text_escape_puts_or(fp, f->rule, "?");
        fprintf(fp, "%s [", z);
        text_escape_puts_or(fp, f->rule_level, "-");
        fprintf(fp, "]  count %llu", (unsigned long long)f->count);
        if (f->has_value)
            fprintf(fp, "  value %g", f->value);
        for (size_t k = 0; k < f->nfields; k++) {
            fputs("  ", fp);
            text_escape_puts(fp, f->fields[k].name);
            fputc('=', fp);
            text_escape_puts(fp, f->fields[k].is_null ? "null" : f->fields[k].value);
        }
        fputc('\n', fp);
        for (size_t k = 0; k < f->nevents; k++) {
            vigil_time_ms_format(f->events[k].time_ms, t, sizeof t);
            fprintf(fp, "        %s", d);
            text_escape_puts_or(fp, f->events[k].source, "-");
            fprintf(fp, "#%llu  %s  ", (unsigned long long)f->events[k].record_id, t[0] ? t : "-");
            text_escape_puts(fp, f->events[k].rule);
            fprintf(fp, "%s\n", z);
        }
    }
}

/* An autostart or execution entry: what it starts, then its details. */
static void text_entry(FILE *fp, const vigil_finding *f, const char *d, const char *z)
{
    if (f->matched) {
        fputs("                 runs ", fp);
        text_escape_puts(fp, f->matched);
        fputc('\n', fp);
    }
    fprintf(fp, "                 %s", d);
    for (size_t k = 0, shown = 0; k < f->nmeta; k++) {
        if (strcmp(f->meta[k].key, "target") == 0 || strcmp(f->meta[k].key, "command") == 0)
            continue; /* the "runs" line */
        fputs(shown++ ? "  " : "", fp);
        text_escape_puts(fp, f->meta[k].key);
        fputc('=', fp);
        text_escape_puts(fp, f->meta[k].value);
    }
    fprintf(fp, "%s\n", z);
}

static void text_file(out_writer *w, const vigil_target_result *r)
{
    FILE *fp = w->fp;
    const char *lc = w->color ? out_level_color(r->level) : "";
    const char *b = w->color ? OUT_C_BOLD : "", *d = w->color ? OUT_C_DIM : "";
    const char *z = w->color ? OUT_C_RESET : "";
    char size[32];
    char level[16];

    snprintf(level, sizeof level, "%s", vigil_level_name(r->level));
    for (char *p = level; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    out_human_bytes((double)r->size, size, sizeof size);
    fprintf(fp, "%s%-7s%s score %3d  %s", lc, level, z, r->score, b);
    text_escape_puts(fp, r->path);
    fprintf(fp, "%s\n        %stype ", z, d);
    text_escape_puts_or(fp, r->filetype, "-");
    fprintf(fp, "  size %s  md5 %s  sha1 %s  sha256 %s%s\n", size, r->md5 ? r->md5 : "-",
            r->sha1 ? r->sha1 : "-", r->sha256 ? r->sha256 : "-", z);
    for (size_t i = 0; i < r->nfindings; i++) {
        const vigil_finding *f = &r->findings[i];
        fprintf(fp, "        %-8s %s", vigil_finding_kind_name(f->kind), b);
        text_escape_puts_or(fp, f->rule, "?");
        fprintf(fp, "%s  score %d", z, f->score);
        if (f->rule_source) {
            fprintf(fp, "  %s(", d);
            text_escape_puts(fp, f->rule_source);
            if (f->rule_line)
                fprintf(fp, ":%llu", (unsigned long long)f->rule_line);
            fprintf(fp, ")%s", z);
        }
        if (f->line)
            fprintf(fp, "  line %llu", (unsigned long long)f->line);
        fputc('\n', fp);
        if (f->description && f->description[0]) {
            fputs("                 ", fp);
            text_escape_puts(fp, f->description);
            fputc('\n', fp);
        }
        if (f->kind == VIGIL_FINDING_PERSISTENCE || f->kind == VIGIL_FINDING_EXECUTION)
            text_entry(fp, f, d, z);
        if (f->nstrings) {
            fprintf(fp, "                 %sstrings:", d);
            for (size_t k = 0; k < f->nstrings; k++) {
                fputc(' ', fp);
                text_escape_puts(fp, f->strings[k].id);
                fprintf(fp, "@0x%llx", (unsigned long long)f->strings[k].offset);
            }
            if (f->strings_total > f->nstrings)
                fprintf(fp, " (+%llu more)", (unsigned long long)(f->strings_total - f->nstrings));
            fprintf(fp, "%s\n", z);
        }
    }
    fputc('\n', fp);
}

void out_text_result(out_writer *w, const vigil_target_result *r)
{
    if (r->event != NULL) {
        text_tally_add(w->tally, r, w->host);
        text_event(w, r);
    } else if (r->nfindings > 0 && r->findings[0].kind == VIGIL_FINDING_CORRELATION) {
        text_correlation(w, r);
    } else {
        text_tally_add(w->tally, r, w->host);
        text_file(w, r);
    }
}
