/* yara_load.c - loads YARA rule files and directories through the vigil
 * builder and prints what came of it, for the conformance checks.
 *
 * Usage: yara_load [--list] PATH... [--scan FILE...]   (directories: their
 * *.yar / *.yara files, recursively, in name order). With --scan, each FILE
 * is scanned (externals empty) and every finding printed as
 * "match RULE FILE", the way the yara command prints it. Prints one line per diagnostic, then
 * "files N", "rules N", "errors N", "warnings N", "nolines N" (rules whose
 * definition line was not found). With --list, one line per rule:
 * "rule NS:NAME SOURCE:LINE score=S tags=a,b[ private]". Exit 0 when every file
 * loaded without error, 1 otherwise, 2 on a usage or system error. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "yara/yara_rules.h"

static unsigned long n_files, n_errors, n_warnings;

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->level == VIGIL_DIAG_ERROR)
        n_errors++;
    else if (d->level == VIGIL_DIAG_WARNING)
        n_warnings++;
    printf("%s %s:%" PRIu64 ": %s\n",
           d->level == VIGIL_DIAG_ERROR     ? "error"
           : d->level == VIGIL_DIAG_WARNING ? "warning"
                                            : "info",
           d->source ? d->source : "-", d->line, d->message);
}

static int has_rule_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot != NULL && (strcmp(dot, ".yar") == 0 || strcmp(dot, ".yara") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(vigil_yara_builder *b, const char *path);

static int add_dir(vigil_yara_builder *b, const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        perror(path);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (p == NULL) {
                rc = -1;
                break;
            }
            names = p;
        }
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        names[n] = malloc(len);
        if (names[n] == NULL) {
            rc = -1;
            break;
        }
        snprintf(names[n], len, "%s/%s", path, de->d_name);
        n++;
    }
    closedir(d);
    if (names != NULL)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (rc == 0 && stat(names[i], &sb) == 0 && (S_ISDIR(sb.st_mode) || has_rule_ext(names[i])))
            rc = add_path(b, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int add_path(vigil_yara_builder *b, const char *path)
{
    struct stat sb;

    if (stat(path, &sb) != 0) {
        perror(path);
        return -1;
    }
    if (S_ISDIR(sb.st_mode))
        return add_dir(b, path);
    n_files++;
    vigil_status st = vigil_yara_builder_add_file(b, path);
    if (st == VIGIL_ERR_NOMEM) {
        fprintf(stderr, "%s: %s\n", path, vigil_status_str(st));
        return -1;
    }
    return 0;
}

static int print_rule(const vigil_yara_rule_info *r, void *user)
{
    unsigned long *nolines = user;
    if (r->line == 0)
        (*nolines)++;
    printf("rule %s:%s %s:%" PRIu64 " score=%d tags=", r->ns ? r->ns : "", r->name,
           r->source ? r->source : "-", r->line, r->score);
    for (size_t i = 0; i < r->ntags; i++)
        printf("%s%s", i ? "," : "", r->tags[i]);
    printf("%s\n", r->is_private ? " private" : "");
    return 0;
}

/* Scans whole files the simple way (read into memory). */
static int scan_files(const vigil_yara_rules *rules, char **files, int n)
{
    vigil_diag_sink sink = {on_diag, NULL};
    vigil_yara_scanner *s = NULL;
    vigil_findings fb;
    int rc = 0;

    if (vigil_yara_scanner_create(rules, &s) != VIGIL_OK)
        return -1;
    vigil_findings_init(&fb);
    for (int i = 0; i < n && rc == 0; i++) {
        FILE *fp = fopen(files[i], "rb");
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0, got;
        if (fp == NULL) {
            perror(files[i]);
            rc = -1;
            break;
        }
        do {
            if (cap - len < 65536) {
                uint8_t *p = realloc(buf, cap = cap * 2 + 65536);
                if (p == NULL) {
                    rc = -1;
                    break;
                }
                buf = p;
            }
            got = fread(buf + len, 1, cap - len, fp);
            len += got;
        } while (got > 0);
        fclose(fp);
        vigil_findings_reset(&fb);
        if (rc == 0 &&
            vigil_yara_scanner_scan(s, files[i], buf, len, NULL, 16, &sink, &fb) != VIGIL_OK)
            rc = -1;
        for (size_t k = 0; rc == 0 && k < fb.n; k++)
            printf("match %s %s\n", fb.items[k].rule, files[i]);
        free(buf);
    }
    vigil_findings_free(&fb);
    vigil_yara_scanner_destroy(s);
    return rc;
}

static int count_nolines(const vigil_yara_rule_info *r, void *user)
{
    if (r->line == 0)
        (*(unsigned long *)user)++;
    return 0;
}

int main(int argc, char **argv)
{
    vigil_diag_sink sink = {on_diag, NULL};
    vigil_yara_builder *b = NULL;
    vigil_yara_rules *rules = NULL;
    unsigned long nolines = 0;
    int list = 0, first = 1, scan_at = argc;
    vigil_status st;

    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        list = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: yara_load [--list] PATH...\n");
        return 2;
    }
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "--scan") == 0) {
            scan_at = i;
            break;
        }
    st = vigil_yara_builder_create(&sink, &b);
    if (st != VIGIL_OK) {
        fprintf(stderr, "builder: %s\n", vigil_status_str(st));
        return 2;
    }
    for (int i = first; i < scan_at; i++)
        if (add_path(b, argv[i]) != 0) {
            vigil_yara_builder_destroy(b);
            return 2;
        }
    st = vigil_yara_builder_finish(b, &rules);
    vigil_yara_builder_destroy(b);
    if (st != VIGIL_OK)
        fprintf(stderr, "finish: %s\n", vigil_status_str(st));
    if (rules != NULL)
        vigil_yara_rules_foreach(rules, list ? print_rule : count_nolines, &nolines);
    printf("files %lu\nrules %" PRIu64 "\nerrors %lu\nwarnings %lu\nnolines %lu\n", n_files,
           vigil_yara_rules_count(rules), n_errors, n_warnings, nolines);
    if (rules != NULL && scan_at + 1 < argc &&
        scan_files(rules, argv + scan_at + 1, argc - scan_at - 1) != 0) {
        vigil_yara_rules_destroy(rules);
        return 2;
    }
    vigil_yara_rules_destroy(rules);
    return st == VIGIL_OK && n_errors == 0 ? 0 : 1;
}
