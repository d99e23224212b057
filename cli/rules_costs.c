/* rules_costs.c - `vigil rules stats PATH...`: what each YARA rule costs.
 *
 * Why: see rules_costs.h. The sweep runs with the gate in counting mode
 * (every rule decided on every file; the findings are not shown), then
 * the rules are listed by the number of files each one left to libyara. */
#include "rules_costs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"

int rules_costs_sweep(vigil_engine *engine, const char *const *paths, size_t npaths, out_writer *w,
                      uint64_t *files)
{
    vigil_sweep_options o;
    vigil_sweep_stats st;
    *files = 0;
    vigil_status s = vigil_engine_yara_count_costs(engine);
    if (s != VIGIL_OK) {
        fprintf(stderr, "vigil rules: %s\n", vigil_status_str(s));
        return 2;
    }
    memset(&o, 0, sizeof o);
    memset(&st, 0, sizeof st);
    o.scan.on_diag = out_diag;
    o.scan.diag_user = w;
    s = vigil_sweep_run(engine, paths, npaths, &o, &st);
    if (s != VIGIL_OK) {
        fprintf(stderr, "vigil rules: sweep failed: %s\n", vigil_status_str(s));
        return 2;
    }
    *files = st.scan.targets;
    return 0;
}

/* qsort: most files first, then load order (the index kept in line's
 * place is not needed: the array starts in load order and ties keep it) */
typedef struct cost_item {
    vigil_yara_rule_cost c;
    size_t order;
} cost_item;

static int cost_cmp(const void *x, const void *y)
{
    const cost_item *a = x, *b = y;
    if (a->c.files != b->c.files)
        return a->c.files > b->c.files ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The rules worth listing, sorted; *n their number. NULL when none or on
 * no memory (*n 0). */
static cost_item *collect(const vigil_engine *engine, size_t *n)
{
    size_t total = 0, k = 0;
    *n = 0;
    if (vigil_engine_yara_rule_costs(engine, NULL, 0, &total) != VIGIL_OK || total == 0)
        return NULL;
    vigil_yara_rule_cost *all = calloc(total, sizeof *all);
    cost_item *items = calloc(total, sizeof *items);
    if (all == NULL || items == NULL ||
        vigil_engine_yara_rule_costs(engine, all, total, &total) != VIGIL_OK) {
        free(all);
        free(items);
        return NULL;
    }
    for (size_t i = 0; i < total; i++)
        if (all[i].files > 0 || all[i].reason != NULL)
            items[k++] = (cost_item){all[i], i};
    free(all);
    qsort(items, k, sizeof *items, cost_cmp);
    *n = k;
    return items;
}

void rules_costs_print_text(const vigil_engine *engine, uint64_t files)
{
    size_t n;
    cost_item *items = collect(engine, &n);
    printf("YARA rule costs over %llu files and archive members (how many each rule\n"
           "left to libyara; why no literal rules it out, if so): %zu rules\n",
           (unsigned long long)files, n);
    for (size_t i = 0; i < n; i++) {
        const vigil_yara_rule_cost *c = &items[i].c;
        printf("  %8llu  ", (unsigned long long)c->files);
        text_escape_puts(stdout, c->ns);
        putchar(':');
        text_escape_puts(stdout, c->name);
        fputs("  ", stdout);
        text_escape_puts_or(stdout, c->source, "-");
        printf(":%llu", (unsigned long long)c->line);
        if (c->reason != NULL) {
            fputs("  ", stdout);
            text_escape_puts(stdout, c->reason);
        }
        putchar('\n');
    }
    free(items);
}

json_t *rules_costs_json(const vigil_engine *engine, uint64_t files)
{
    size_t n;
    cost_item *items = collect(engine, &n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const vigil_yara_rule_cost *c = &items[i].c;
        json_array_append_new(a,
                              json_pack("{s:s,s:s,s:s?,s:I,s:s?,s:I}", "rule", c->name, "namespace",
                                        c->ns, "source", c->source, "line", (json_int_t)c->line,
                                        "reason", c->reason, "files", (json_int_t)c->files));
    }
    free(items);
    return json_pack("{s:I,s:o}", "files", (json_int_t)files, "rules", a);
}
