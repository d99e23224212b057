/* iocs_blocklist.c - the blocklist formats of `vigil iocs convert`.
 *
 * The library writes the formats and runs the guard; this file finds what
 * the guard reads - Debian's publicsuffix list when installed, the shipped
 * data/blocklist/never-block.txt, the user's --allow files - and tells the
 * user in one line what was written and what was refused, so a refusal
 * never goes unnoticed. */
#include "iocs_blocklist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "paths.h"
#include "text_escape.h"

#define PUBLIC_SUFFIX_LIST "/usr/share/publicsuffix/public_suffix_list.dat"
#define MAX_LIST_BYTES (256u << 20)

typedef vigil_status (*add_fn)(vigil_blocklist_guard *, const char *, const char *, size_t,
                               vigil_diag_fn, void *);

static int add_file(vigil_blocklist_guard *g, add_fn fn, const char *path, out_writer *w)
{
    size_t len = 0;
    char *data = file_read_all(path, MAX_LIST_BYTES, &len);
    if (data == NULL) {
        text_escape_say(stderr, "vigil iocs: cannot read ", path, ": %s\n", strerror(errno));
        return -1;
    }
    vigil_status st = fn(g, path, data, len, out_diag, w);
    free(data);
    if (st != VIGIL_OK) {
        text_escape_say(stderr, "vigil iocs: ", path, ": %s\n", vigil_status_str(st));
        return -1;
    }
    return 0;
}

static vigil_blocklist_guard *make_guard(const iocs_blocklist_args *a, out_writer *w)
{
    vigil_blocklist_guard *g = NULL;
    if (vigil_blocklist_guard_create(&g) != VIGIL_OK)
        return NULL;
    FILE *psl = fopen(PUBLIC_SUFFIX_LIST, "rb");
    if (psl != NULL) {
        fclose(psl);
        if (add_file(g, vigil_blocklist_guard_add_suffixes, PUBLIC_SUFFIX_LIST, w) != 0)
            goto fail;
    }
    char *shipped = cli_find_data("data/blocklist/never-block.txt");
    if (shipped == NULL) {
        fprintf(stderr, "vigil iocs: warning: the shipped allow-list "
                        "data/blocklist/never-block.txt was not found; major providers are "
                        "not protected\n");
    } else {
        int bad = add_file(g, vigil_blocklist_guard_add_allow, shipped, w);
        free(shipped);
        if (bad)
            goto fail;
    }
    for (size_t i = 0; i < a->nallow; i++)
        if (add_file(g, vigil_blocklist_guard_add_allow, a->allow[i], w) != 0)
            goto fail;
    return g;
fail:
    vigil_blocklist_guard_destroy(g);
    return NULL;
}

static void put_summary(const vigil_blocklist_stats *s, vigil_blocklist_format fmt)
{
    fprintf(stderr, "vigil iocs: %s: %llu domains", vigil_blocklist_format_name(fmt),
            (unsigned long long)s->domains);
    if (s->folded > 0)
        fprintf(stderr, " (%llu under a listed parent)", (unsigned long long)s->folded);
    fprintf(stderr, ", %llu addresses in %llu blocks", (unsigned long long)s->addresses,
            (unsigned long long)s->networks);
    if (s->refused > 0) {
        int first = 1;
        fprintf(stderr, "; %llu refused by the guard (", (unsigned long long)s->refused);
        for (int r = 1; r < VIGIL_BLOCK_REASON_COUNT; r++) {
            if (s->refused_by[r] == 0)
                continue;
            fprintf(stderr, "%s%s %llu", first ? "" : ", ",
                    vigil_block_reason_name((vigil_block_reason)r),
                    (unsigned long long)s->refused_by[r]);
            first = 0;
        }
        fputc(')', stderr);
    }
    if (s->not_applicable > 0)
        fprintf(stderr, "; %llu values of types a %s list cannot hold (hashes, names, ...)",
                (unsigned long long)s->not_applicable, vigil_blocklist_format_name(fmt));
    fputc('\n', stderr);
}

int iocs_write_blocklist(const vigil_intel_set *set, const iocs_blocklist_args *a, out_writer *w)
{
    vigil_blocklist_options o;
    vigil_blocklist_stats s;
    FILE *fp = stdout;
    int rc = 0;

    if (a->sid_base > 0xffffffffUL) {
        fprintf(stderr, "vigil iocs: --sid-base %lu is out of range\n", a->sid_base);
        return 2;
    }
    vigil_blocklist_guard *g = make_guard(a, w);
    if (g == NULL)
        return 2;
    if (a->output != NULL && (fp = fopen(a->output, "w")) == NULL) {
        text_escape_say(stderr, "vigil iocs: cannot write ", a->output, ": %s\n", strerror(errno));
        vigil_blocklist_guard_destroy(g);
        return 2;
    }
    memset(&o, 0, sizeof o);
    o.format = a->format;
    o.guard = g;
    o.zone = a->zone;
    o.sinkhole = a->sinkhole;
    o.sid_base = (uint32_t)a->sid_base;
    o.drop = a->drop;
    o.on_diag = out_diag;
    o.diag_user = w;
    vigil_status st = vigil_blocklist_write(set, fp, &o, &s);
    int closed_ok = fp == stdout ? fflush(fp) == 0 : fclose(fp) == 0;
    if (st == VIGIL_OK && !closed_ok)
        st = VIGIL_ERR_IO;
    if (st == VIGIL_ERR_INVALID_ARG) {
        rc = 2;
    } else if (st != VIGIL_OK) {
        text_escape_say(stderr, "vigil iocs: cannot write ", a->output ? a->output : "output",
                        ": %s\n", vigil_status_str(st));
        rc = 2;
    } else {
        put_summary(&s, a->format);
    }
    vigil_blocklist_guard_destroy(g);
    return rc;
}
