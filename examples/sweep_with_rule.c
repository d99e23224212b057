/* sweep_with_rule.c - the smallest program on libvigil: one YARA rule given
 * as text, a sweep of the paths on the command line, one line per finding.
 *
 * Build against an installed libvigil:
 *     cc -o sweep_with_rule sweep_with_rule.c $(pkg-config --cflags --libs vigil)
 * Run:
 *     ./sweep_with_rule 'rule marker { strings: $a = "PLANTED" condition: $a }' DIR...
 * Exit code: 0 nothing found, 1 findings, 2 error, as the vigil command. */
#include <stdio.h>
#include <string.h>

#include <vigil/vigil.h>

static int print_result(const vigil_target_result *result, void *user)
{
    unsigned long *count = user;
    for (size_t i = 0; i < result->nfindings; i++) {
        printf("%s\t%s\t%d\n", result->path, result->findings[i].rule, result->findings[i].score);
        (*count)++;
    }
    return 0;
}

static void print_diag(const vigil_diag *diag, void *user)
{
    (void)user;
    fprintf(stderr, "sweep_with_rule: %s\n", diag->message);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sweep_with_rule YARA-RULE-TEXT PATH...\n");
        return 2;
    }
    vigil_engine_options eopts = {.on_diag = print_diag};
    vigil_engine *engine = NULL;
    vigil_status st = vigil_engine_create(&eopts, &engine);
    if (st == VIGIL_OK)
        st = vigil_engine_add_string(engine, VIGIL_RULES_YARA, "argv", argv[1], strlen(argv[1]));
    if (st == VIGIL_OK)
        st = vigil_engine_freeze(engine);
    unsigned long count = 0;
    if (st == VIGIL_OK) {
        vigil_sweep_options sopts = {0};
        sopts.scan.on_result = print_result;
        sopts.scan.result_user = &count;
        sopts.scan.on_diag = print_diag;
        vigil_sweep_stats stats;
        st = vigil_sweep_run(engine, (const char *const *)argv + 2, (size_t)argc - 2, &sopts, &stats);
    }
    vigil_engine_destroy(engine);
    if (st != VIGIL_OK) {
        fprintf(stderr, "sweep_with_rule: %s (libvigil %s)\n", vigil_status_str(st), vigil_version());
        return 2;
    }
    return count ? 1 : 0;
}
