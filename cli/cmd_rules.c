/* cmd_rules.c - `vigil rules list|stats`: what the loaded rules are.
 *
 * A sweep is only as good as its rules, and a user needs to see which ones
 * loaded, from where, and at what level they fire, without running a sweep. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "rules_costs.h"
#include "ruleset.h"
#include "text_escape.h"
#include "usage.h"
#include "vigil/vigil.h"

/* the first line of usage(), for usage errors */
#define RULES_USAGE "usage: vigil rules list|stats [options] [PATH...]\n"

static void usage(FILE *fp)
{
    fputs("usage: vigil rules list|stats [options] [PATH...]\n"
          "\n"
          "  list    one line per loaded rule: kind, level, score, name, source:line\n"
          "  stats   counts of rules and indicators by kind, and how the YARA rules\n"
          "          were grouped by precondition (which rules every file pays for,\n"
          "          and why the literal gate cannot rule them out); with PATHs, sweeps\n"
          "          them (findings not shown) and lists how many files each YARA\n"
          "          rule left to libyara\n"
          "\n" RULE_USAGE "  -f, --format FMT         text (default) or jsonl\n"
          "  -h, --help               this text\n",
          fp);
}

/* How the YARA rules were grouped by precondition: why a sweep is fast or
 * slow, and which rules every file pays for. */
static void print_grouping_text(const vigil_yara_grouping *g)
{
    if (!g->active) {
        printf("YARA grouping   %s%s%s%s\n", g->mode ? g->mode : "off",
               g->fallback ? " (not grouped: " : "", g->fallback ? g->fallback : "",
               g->fallback ? ")" : "");
        return;
    }
    printf("YARA grouping   %s: %zu groups in %zu rule sets\n", g->mode, g->ngroups, g->nsets);
    for (size_t i = 0; i < g->ngroups; i++)
        printf("  group %-14s %6llu rules  %4llu copies\n", g->groups[i].name,
               (unsigned long long)g->groups[i].rules, (unsigned long long)g->groups[i].copies);
    for (size_t i = 0; i < g->nsets; i++)
        printf("  set   %-30s %6llu rules\n", g->sets[i].name,
               (unsigned long long)g->sets[i].rules);
    printf("  rules without precondition: %zu\n", g->nnopre);
    for (size_t i = 0; i < g->nnopre; i++) {
        fputs("    ", stdout);
        text_escape_puts(stdout, g->nopre[i].ns);
        putchar(':');
        text_escape_puts(stdout, g->nopre[i].name);
        fputs("  ", stdout);
        text_escape_puts_or(stdout, g->nopre[i].source, "-");
        printf(":%llu  %s\n", (unsigned long long)g->nopre[i].line, g->nopre[i].reason);
    }
    if (g->gate_rules == 0) {
        printf("  literal gate: none (every non-PE file gets a libyara pass)\n");
    } else {
        printf("  literal gate: %llu rules, %llu need one of their %llu literals\n",
               (unsigned long long)g->gate_rules, (unsigned long long)g->gate_refutable,
               (unsigned long long)g->gate_literals);
        if (g->gate_strings_pruned > 0)
            printf("  %llu strings searched only when their rule's others are found (second "
                   "pass: %llu literals)\n",
                   (unsigned long long)g->gate_strings_pruned,
                   (unsigned long long)g->gate_literals_all);
    }
    printf("  rules no literal rules out (a libyara pass over every file their magic, size\n"
           "  and name tests, if any, let through): %zu\n",
           g->nungated);
    for (size_t i = 0; i < g->nungated; i++) {
        fputs("    ", stdout);
        text_escape_puts(stdout, g->ungated[i].ns);
        putchar(':');
        text_escape_puts(stdout, g->ungated[i].name);
        fputs("  ", stdout);
        text_escape_puts_or(stdout, g->ungated[i].source, "-");
        printf(":%llu  %s\n", (unsigned long long)g->ungated[i].line,
               g->ungated[i].reason != NULL ? g->ungated[i].reason : "-");
    }
}

static json_t *grouping_json(const vigil_yara_grouping *g)
{
    json_t *o = json_object(), *groups = json_array(), *sets = json_array(), *nopre = json_array();
    json_object_set_new(o, "active", json_boolean(g->active));
    json_object_set_new(o, "mode", json_string(g->mode ? g->mode : "off"));
    if (g->fallback)
        json_object_set_new(o, "fallback", json_string(g->fallback));
    for (size_t i = 0; i < g->ngroups; i++)
        json_array_append_new(groups, json_pack("{s:s,s:I,s:I}", "name", g->groups[i].name, "rules",
                                                (json_int_t)g->groups[i].rules, "copies",
                                                (json_int_t)g->groups[i].copies));
    for (size_t i = 0; i < g->nsets; i++)
        json_array_append_new(sets, json_pack("{s:s,s:I}", "name", g->sets[i].name, "rules",
                                              (json_int_t)g->sets[i].rules));
    for (size_t i = 0; i < g->nnopre; i++)
        json_array_append_new(
            nopre, json_pack("{s:s,s:s,s:s?,s:I,s:s}", "rule", g->nopre[i].name, "namespace",
                             g->nopre[i].ns, "source", g->nopre[i].source, "line",
                             (json_int_t)g->nopre[i].line, "reason", g->nopre[i].reason));
    json_object_set_new(o, "groups", groups);
    json_object_set_new(o, "sets", sets);
    json_object_set_new(o, "no_precondition", nopre);
    json_t *ug = json_array();
    for (size_t i = 0; i < g->nungated; i++)
        json_array_append_new(
            ug, json_pack("{s:s,s:s,s:s?,s:I,s:s?}", "rule", g->ungated[i].name, "namespace",
                          g->ungated[i].ns, "source", g->ungated[i].source, "line",
                          (json_int_t)g->ungated[i].line, "reason", g->ungated[i].reason));
    json_object_set_new(o, "gate",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "rules", (json_int_t)g->gate_rules,
                                  "refutable", (json_int_t)g->gate_refutable, "literals",
                                  (json_int_t)g->gate_literals, "pruned_strings",
                                  (json_int_t)g->gate_strings_pruned, "literals_all",
                                  (json_int_t)g->gate_literals_all, "every_file", ug));
    return o;
}

typedef struct list_ctx {
    out_format format;
    unsigned long long n;
} list_ctx;

static int print_rule(const vigil_rule_info *r, void *user)
{
    list_ctx *c = user;
    c->n++;
    if (c->format == OUT_JSONL) {
        json_t *o = json_object();
        json_t *tags = json_array();
        for (size_t i = 0; i < r->ntags; i++)
            json_array_append_new(tags, json_string(r->tags[i]));
        json_object_set_new(o, "kind", json_string(vigil_rule_kind_name(r->kind)));
        json_object_set_new(o, "name", json_string(r->name));
        json_object_set_new(o, "namespace", r->ns ? json_string(r->ns) : json_null());
        json_object_set_new(o, "source", r->source ? json_string(r->source) : json_null());
        json_object_set_new(o, "line", json_integer((json_int_t)r->line));
        json_object_set_new(o, "score", json_integer(r->score));
        json_object_set_new(o, "level", json_string(vigil_level_name(r->level)));
        json_object_set_new(o, "private", json_boolean(r->is_private));
        json_object_set_new(o, "tags", tags);
        if (r->description)
            json_object_set_new(o, "description", json_string(r->description));
        char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (s != NULL) {
            puts(s);
            free(s);
        }
        json_decref(o);
    } else {
        printf("%-6s %-8s %3d  ", vigil_rule_kind_name(r->kind),
               r->is_private ? "private" : vigil_level_name(r->level), r->score);
        text_escape_puts(stdout, r->name);
        for (size_t i = 0; i < r->ntags; i++) {
            fputs(i ? "," : " [", stdout);
            text_escape_puts(stdout, r->tags[i]);
        }
        printf("%s  ", r->ntags ? "]" : "");
        text_escape_puts_or(stdout, r->source, "-");
        printf(":%llu\n", (unsigned long long)r->line);
    }
    return 0;
}

int cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        RULE_LONG_OPTS,
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    rule_args ra = {0};
    out_writer w;
    list_ctx ctx = {OUT_TEXT, 0};
    int c, rc = 2;
    const char *sub;

    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
            usage(stdout);
            return 0;
        }
        return usage_error("rules", RULES_USAGE,
                           argc < 2 ? "no subcommand given (list or stats)"
                                    : "the subcommand (list or stats) comes first");
    }
    sub = argv[1];
    if (strcmp(sub, "list") != 0 && strcmp(sub, "stats") != 0)
        return usage_bad_subcommand("rules", RULES_USAGE, sub, "list, stats");
    optind = 1;
    opterr = 0; /* said by usage_getopt_error */
    while ((c = getopt_long(argc - 1, argv + 1, ":r:f:h", opts, NULL)) != -1) {
        int handled = rule_args_option(&ra, c, optarg);
        if (handled < 0)
            goto out;
        if (handled)
            continue;
        if (c == 'f' && strcmp(optarg, "jsonl") == 0)
            ctx.format = OUT_JSONL;
        else if (c == 'f' && strcmp(optarg, "text") == 0)
            ctx.format = OUT_TEXT;
        else if (c == 'h') {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (c == 'f') {
            usage_bad_value("rules", "--format", optarg, "text, jsonl");
            goto out;
        } else {
            usage_getopt_error("rules", RULES_USAGE, c, argv + 1);
            goto out;
        }
    }
    /* getopt_long ran over argv + 1: the paths follow its options */
    const char *const *paths = (const char *const *)argv + 1 + optind;
    size_t npaths = (size_t)(argc - 1 - optind);
    if (npaths > 0 && strcmp(sub, "list") == 0) {
        usage_error("rules", RULES_USAGE, "rules list takes no PATH");
        goto out;
    }
    if (rule_args_use_bundled(&ra, NULL) != 0)
        goto out;
    out_init(&w, stdout, ctx.format);
    vigil_engine *engine = rule_args_load(&ra, out_diag, &w);
    uint64_t swept = 0;
    if (engine != NULL && npaths > 0 && rules_costs_sweep(engine, paths, npaths, &w, &swept) != 0) {
        vigil_engine_destroy(engine);
        engine = NULL;
    }
    if (engine != NULL) {
        vigil_engine_counts n;
        vigil_engine_get_counts(engine, &n);
        if (strcmp(sub, "list") == 0) {
            vigil_engine_foreach_rule(engine, print_rule, &ctx);
        } else if (ctx.format == OUT_JSONL) {
            vigil_yara_grouping g;
            json_t *o = json_pack(
                "{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "yara", (json_int_t)n.yara_rules, "hash_iocs",
                (json_int_t)n.hash_iocs, "filename_iocs", (json_int_t)n.filename_iocs, "c2_iocs",
                (json_int_t)n.c2_iocs, "sigma", (json_int_t)n.sigma_rules, "files_loaded",
                (json_int_t)n.files_loaded, "files_refused", (json_int_t)n.files_refused);
            if (o != NULL) {
                json_object_set_new(o, "filename_refused",
                                    json_integer((json_int_t)n.filename_refused));
                json_object_set_new(o, "allow_hashes", json_integer((json_int_t)n.allow_hashes));
            }
            if (o != NULL && n.yara_rules > 0 && vigil_engine_yara_grouping(engine, &g) == VIGIL_OK)
                json_object_set_new(o, "yara_grouping", grouping_json(&g));
            if (o != NULL && npaths > 0)
                json_object_set_new(o, "yara_costs", rules_costs_json(engine, swept));
            char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
            if (text != NULL) {
                puts(text);
                free(text);
            }
            json_decref(o);
        } else {
            printf("YARA rules      %llu\nhash IOCs       %llu\nfilename IOCs   %llu\n"
                   "C2 IOCs         %llu\nSigma rules     %llu\nfiles loaded    %llu\n"
                   "files refused   %llu\n",
                   (unsigned long long)n.yara_rules, (unsigned long long)n.hash_iocs,
                   (unsigned long long)n.filename_iocs, (unsigned long long)n.c2_iocs,
                   (unsigned long long)n.sigma_rules, (unsigned long long)n.files_loaded,
                   (unsigned long long)n.files_refused);
            vigil_yara_grouping g;
            if (n.yara_rules > 0 && vigil_engine_yara_grouping(engine, &g) == VIGIL_OK)
                print_grouping_text(&g);
            if (npaths > 0)
                rules_costs_print_text(engine, swept);
        }
        rc = n.files_refused ? 2 : 0; /* a broken rule file fails a rule check */
        vigil_engine_destroy(engine);
    }
    out_free(&w);
out:
    rule_args_free(&ra);
    return rc;
}
