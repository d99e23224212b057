/* ioc_stats.c - loads IOC files through the builder and prints what was
 * loaded, so conformance checks can compare counts with the source lists.
 *
 * Usage: ioc_stats [-q] FILE...   (kind told from each file name)
 * Prints one "diag LEVEL SOURCE:LINE: MESSAGE" line per diagnostic (unless
 * -q), then "md5 N", "sha1 N", "sha256 N", "hash N" (distinct), "hash_added
 * N", "filename N" (with "filename_prefilter N", "filename_pcre N"), "c2 N", "errors N", "warnings
 * N". */
#include <stdio.h>
#include <string.h>

#include "ioc/ioc.h"

typedef struct tally {
    int quiet;
    unsigned long errors, warnings;
} tally;

static void on_diag(const vigil_diag *d, void *user)
{
    tally *t = user;
    static const char *const names[] = {"info", "warning", "error"};

    if (d->level == VIGIL_DIAG_ERROR)
        t->errors++;
    else if (d->level == VIGIL_DIAG_WARNING)
        t->warnings++;
    if (!t->quiet)
        printf("diag %s %s:%llu: %s\n", names[d->level], d->source ? d->source : "-",
               (unsigned long long)d->line, d->message);
}

int main(int argc, char **argv)
{
    tally t = {0, 0, 0};
    vigil_diag_sink sink = {on_diag, &t};
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    vigil_ioc_counts c;
    vigil_status st;
    int i = 1;

    if (i < argc && strcmp(argv[i], "-q") == 0) {
        t.quiet = 1;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: ioc_stats [-q] FILE...\n");
        return 2;
    }
    if (vigil_ioc_builder_create(&sink, &b) != VIGIL_OK)
        return 1;
    for (; i < argc; i++) {
        vigil_rule_kind kind = vigil_ioc_kind_from_name(argv[i]);
        if (kind == VIGIL_RULES_AUTO) {
            printf("skip %s (kind unknown)\n", argv[i]);
            continue;
        }
        st = vigil_ioc_builder_add_file(b, argv[i], kind);
        if (st != VIGIL_OK)
            printf("load %s: %s\n", argv[i], vigil_status_str(st));
    }
    st = vigil_ioc_builder_finish(b, &db);
    vigil_ioc_builder_destroy(b);
    if (st != VIGIL_OK) {
        printf("finish: %s\n", vigil_status_str(st));
        return 1;
    }
    vigil_ioc_db_counts(db, &c);
    printf("md5 %llu\nsha1 %llu\nsha256 %llu\nhash %llu\nhash_added %llu\n",
           (unsigned long long)c.md5, (unsigned long long)c.sha1, (unsigned long long)c.sha256,
           (unsigned long long)(c.md5 + c.sha1 + c.sha256), (unsigned long long)c.hash_added);
    printf("filename %llu\nfilename_prefilter %llu\nfilename_pcre %llu\n",
           (unsigned long long)c.filename, (unsigned long long)c.filename_prefilter,
           (unsigned long long)c.filename_pcre);
    printf("c2 %llu\nerrors %lu\nwarnings %lu\n", (unsigned long long)c.c2, t.errors, t.warnings);
    vigil_ioc_db_destroy(db);
    return 0;
}
