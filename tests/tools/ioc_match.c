/* ioc_match.c - matches paths read from stdin against filename IOC files,
 * so conformance checks can compare every finding with a peer.
 *
 * Usage: ioc_match IOC_FILE... < paths
 * Prints "LINE\tSOURCE_LINE" for each finding, LINE being the 1-based
 * number of the path in the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ioc/ioc.h"

int main(int argc, char **argv)
{
    vigil_ioc_builder *b = NULL;
    vigil_ioc_db *db = NULL;
    vigil_ioc_scratch *s = NULL;
    vigil_findings fb;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: ioc_match IOC_FILE... < paths\n");
        return 2;
    }
    if (vigil_ioc_builder_create(NULL, &b) != VIGIL_OK)
        return 1;
    for (int i = 1; i < argc; i++)
        if (vigil_ioc_builder_add_file(b, argv[i], VIGIL_RULES_IOC_FILENAME) != VIGIL_OK)
            return 1;
    if (vigil_ioc_builder_finish(b, &db) != VIGIL_OK ||
        vigil_ioc_scratch_create(db, &s) != VIGIL_OK)
        return 1;
    vigil_ioc_builder_destroy(b);
    vigil_findings_init(&fb);
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)n;
        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        vigil_findings_reset(&fb);
        if (vigil_ioc_match_path(db, s, line, len, &fb) != VIGIL_OK)
            return 1;
        for (size_t i = 0; i < fb.n; i++)
            printf("%lu\t%llu\n", lineno, (unsigned long long)fb.items[i].rule_line);
    }
    free(line);
    vigil_findings_free(&fb);
    vigil_ioc_scratch_destroy(s);
    vigil_ioc_db_destroy(db);
    return 0;
}
