/* ruleset.c - shared rule options and engine loading (see ruleset.h). */
#include "ruleset.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "text_escape.h"

/* The caller's diagnostic callback, behind one that counts errors: a rule
 * path the library already named in an error is not named again. Static,
 * as the engine keeps calling it during the sweep (one engine a process). */
static vigil_diag_fn load_diag_fn;
static void *load_diag_user;
static atomic_ulong load_diag_errors;

static void load_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->level == VIGIL_DIAG_ERROR)
        atomic_fetch_add(&load_diag_errors, 1);
    if (load_diag_fn != NULL)
        load_diag_fn(d, load_diag_user);
}

int rule_args_option(rule_args *ra, int c, const char *arg)
{
    vigil_rule_kind kind;

    if (c == RULE_OPT_BASE + 99) {
        ra->strict = 1;
        return 1;
    }
    if (c == RULE_OPT_BASE + 98) {
        ra->sigma_mapping = arg;
        return 1;
    }
    if (c == RULE_OPT_BASE + 97) {
        ra->placeholders = arg;
        return 1;
    }
    if (c == RULE_OPT_BASE + 95) {
        ra->no_cache = 1;
        return 1;
    }
    if (c == RULE_OPT_BASE + 94) {
        const char **p = realloc(ra->allow, (ra->nallow + 1) * sizeof *p);
        if (p == NULL)
            return -1;
        ra->allow = p;
        ra->allow[ra->nallow++] = arg;
        return 1;
    }
    if (c == RULE_OPT_BASE + 96) {
        if (strcmp(arg, "auto") == 0)
            ra->yara_grouping = VIGIL_YARA_GROUPING_AUTO;
        else if (strcmp(arg, "off") == 0)
            ra->yara_grouping = VIGIL_YARA_GROUPING_OFF;
        else if (strcmp(arg, "per-group") == 0)
            ra->yara_grouping = VIGIL_YARA_GROUPING_PER_GROUP;
        else {
            fprintf(stderr, "vigil: --yara-grouping: expected auto, off or per-group\n");
            return -1;
        }
        return 1;
    }
    if (c == 'r')
        kind = VIGIL_RULES_AUTO;
    else if (c == RULE_OPT_BASE + VIGIL_RULES_IOC_HASH)
        kind = VIGIL_RULES_IOC_HASH;
    else if (c == RULE_OPT_BASE + VIGIL_RULES_IOC_FILENAME)
        kind = VIGIL_RULES_IOC_FILENAME;
    else if (c == RULE_OPT_BASE + VIGIL_RULES_IOC_C2)
        kind = VIGIL_RULES_IOC_C2;
    else if (c == RULE_OPT_BASE + VIGIL_RULES_INTEL)
        kind = VIGIL_RULES_INTEL;
    else
        return 0;
    rule_arg *p = realloc(ra->items, (ra->n + 1) * sizeof *p);
    if (p == NULL)
        return -1;
    ra->items = p;
    ra->items[ra->n].path = arg;
    ra->items[ra->n].kind = kind;
    ra->n++;
    return 1;
}

void rule_args_free(rule_args *ra)
{
    free(ra->bundled);
    ra->bundled = NULL;
    free(ra->items);
    ra->items = NULL;
    ra->n = 0;
    free(ra->allow);
    ra->allow = NULL;
    ra->nallow = 0;
}

const char *rule_args_default_mapping(void)
{
    /* found once per process; reachable from here until exit */
    static char *found;
    static int looked;

    if (!looked) {
        looked = 1;
        found = cli_find_data("data/sigma/logsources.yml");
    }
    return found;
}

/* $XDG_CACHE_HOME/vigil, else $HOME/.cache/vigil, else NULL (no cache). */
static const char *default_cache_dir(void)
{
    static char dir[4096];
    const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    int w;

    if (x != NULL && x[0] == '/')
        w = snprintf(dir, sizeof dir, "%s/vigil", x);
    else if (h != NULL && h[0] == '/')
        w = snprintf(dir, sizeof dir, "%s/.cache/vigil", h);
    else
        return NULL;
    return w > 0 && (size_t)w < sizeof dir ? dir : NULL;
}

int rule_args_use_bundled(rule_args *ra, const char *part)
{
    if (ra->n > 0)
        return 0;
    char rel[64];
    snprintf(rel, sizeof rel, "rules/cloudhopper%s%s", part != NULL ? "/" : "",
             part != NULL ? part : "");
    ra->bundled = cli_find_data(rel);
    if (ra->bundled == NULL) {
        fprintf(stderr,
                "vigil: no rules given and the bundled pack (%s) was not "
                "found next to the program; use --rules PATH\n",
                rel);
        return -1;
    }
    return rule_args_option(ra, 'r', ra->bundled) == 1 ? 0 : -1;
}

vigil_engine *rule_args_load(const rule_args *ra, vigil_diag_fn diag, void *user)
{
    vigil_engine *engine = NULL;
    vigil_engine_options eo;
    vigil_engine_counts counts;
    vigil_status st;
    int mapping_missing = 0;

    memset(&eo, 0, sizeof eo);
    load_diag_fn = diag;
    load_diag_user = user;
    eo.on_diag = load_diag;
    eo.diag_user = NULL;
    eo.strict = ra->strict;
    eo.sigma_placeholders = ra->placeholders;
    if (!ra->no_cache)
        eo.cache_dir = default_cache_dir();
    if (ra->sigma_mapping == NULL) {
        eo.sigma_mapping = rule_args_default_mapping();
        mapping_missing = eo.sigma_mapping == NULL;
    } else if (strcmp(ra->sigma_mapping, "none") != 0) {
        eo.sigma_mapping = ra->sigma_mapping;
    }

    if (ra->n == 0) {
        fprintf(stderr, "vigil: no rules given; use --rules PATH\n");
        return NULL;
    }
    st = vigil_engine_create(&eo, &engine);
    if (st == VIGIL_OK)
        st = vigil_engine_set_yara_grouping(engine, (vigil_yara_grouping_mode)ra->yara_grouping);
    for (size_t i = 0; st == VIGIL_OK && i < ra->n; i++) {
        unsigned long errors = atomic_load(&load_diag_errors);
        st = vigil_engine_add_path(engine, ra->items[i].path, ra->items[i].kind);
        if (st != VIGIL_OK && atomic_load(&load_diag_errors) == errors) {
            fputs("vigil: cannot load rules from ", stderr);
            text_escape_puts(stderr, ra->items[i].path);
            fprintf(stderr, ": %s\n", vigil_status_str(st));
        }
    }
    for (size_t i = 0; st == VIGIL_OK && i < ra->nallow; i++) {
        st = vigil_engine_add_allow_hashes(engine, ra->allow[i]);
        if (st != VIGIL_OK)
            fprintf(stderr, "vigil: cannot load the allow-list %s: %s\n", ra->allow[i],
                    vigil_status_str(st));
    }
    if (st == VIGIL_OK) {
        st = vigil_engine_freeze(engine);
        if (st == VIGIL_ERR_NO_RULES)
            fprintf(stderr, "vigil: no rules could be loaded\n");
        else if (st != VIGIL_OK)
            fprintf(stderr, "vigil: cannot compile rules: %s\n", vigil_status_str(st));
    }
    if (st != VIGIL_OK) {
        vigil_engine_destroy(engine);
        return NULL;
    }
    vigil_engine_get_counts(engine, &counts);
    if (mapping_missing && counts.sigma_rules > 0)
        fprintf(stderr, "vigil: warning: no Sigma logsource mapping found beside the program "
                        "(data/sigma/logsources.yml); every Sigma rule sees every event "
                        "(use --sigma-mapping FILE)\n");
    return engine;
}
