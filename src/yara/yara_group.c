/* yara_group.c - compiles the YARA rules as precondition groups and picks,
 * per file, the few rule sets that can match it.
 *
 * Why: libyara searches every rule's strings in every file before any
 * condition runs, so a sweep of a Linux tree pays for hundreds of rules
 * that need "MZ" at offset 0. yara_split/yara_plan prove per rule what a
 * file must look like and cut the rules into groups; this file turns the
 * plan into compiled sets the scanner uses. By default the small groups
 * (name/size tests, no precondition, and primaries too small to be worth a
 * pass of their own) are merged into one "light" set and every big primary
 * group (e.g. "mz") gets a set of its own that also holds the light rules,
 * so that any file costs exactly one libyara scan. A rule is reported only
 * from the set chosen for its home group, so each finding appears once and
 * exactly as one plain rule set would report it. Anything unexpected
 * leaves the rules ungrouped; the caller then compiles one plain set. */
#include "yara/yara_internal.h"

#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yara/yara_cache.h"
#include "yara/yara_gate.h"
#include "yara/yara_split.h"

/* A primary group this small rides along in the light set: a scan pass of
 * its own would cost more than its rules do on every file. */
#define SMALL_GROUP_MIN 16

/* ---- diagnostics -------------------------------------------------------- */

/* Parser gaps are not the user's problem (libyara accepted the rules);
 * they are passed on as information only. */
static void info_diag(const vigil_diag *d, void *user)
{
    const vigil_diag_sink *to = user;
    vigil_diag copy = *d;
    if (to == NULL || to->fn == NULL)
        return;
    copy.level = VIGIL_DIAG_INFO;
    to->fn(&copy, to->user);
}

typedef struct compile_ctx {
    const vigil_diag_sink *diag;
    const char *set;
    unsigned errors;
} compile_ctx;

static void on_compile_msg(int level, const char *file, int line, const YR_RULE *rule,
                           const char *msg, void *user)
{
    compile_ctx *c = user;
    (void)file;
    (void)line;
    if (level != YARA_ERROR_LEVEL_ERROR)
        return; /* warnings were reported by the trial compile */
    c->errors++;
    vigil_diagf(c->diag, VIGIL_DIAG_INFO, VIGIL_ERR_RULE, NULL, 0,
                "YARA grouping: set %s: rule %s: %s", c->set,
                rule != NULL && rule->identifier != NULL ? rule->identifier : "-",
                msg != NULL ? msg : "");
}

/* The cache key of a set compiled from g's texts; 0 ok, -1 none (a text
 * kept verbatim with an include). */
static int set_key(const vigil_yara_group *g, unsigned char key[32])
{
    vigil_yara_cache_key k;
    vigil_yara_cache_key_begin(&k, "set");
    for (size_t i = 0; i < g->n_sources; i++) {
        if (vigil_yara_text_has_include(g->sources[i].text, g->sources[i].len)) {
            (void)vigil_yara_cache_key_end(&k, key);
            return -1;
        }
        vigil_yara_cache_key_add_str(&k, g->sources[i].ns, strlen(g->sources[i].ns));
        vigil_yara_cache_key_add_str(&k, g->sources[i].text, g->sources[i].len);
    }
    return vigil_yara_cache_key_end(&k, key);
}

static vigil_status compile_set(const vigil_diag_sink *diag, const char *name,
                                const vigil_yara_group *g, const char *cache_dir, YR_RULES **out)
{
    compile_ctx ctx = {diag, name, 0};
    YR_COMPILER *c = NULL;
    unsigned char key[32];
    int keyed = cache_dir != NULL && set_key(g, key) == 0;

    *out = NULL;
    if (keyed && (*out = vigil_yara_cache_rules_load(cache_dir, key)) != NULL)
        return VIGIL_OK;
    int err = yr_compiler_create(&c);
    if (err != ERROR_SUCCESS)
        return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
    for (size_t i = 0; i < VIGIL_YARA_NEXTERNALS && err == ERROR_SUCCESS; i++)
        err = yr_compiler_define_string_variable(c, vigil_yara_external_names[i], "");
    if (err != ERROR_SUCCESS) {
        yr_compiler_destroy(c);
        return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
    }
    yr_compiler_set_callback(c, on_compile_msg, &ctx);
    for (size_t i = 0; i < g->n_sources && ctx.errors == 0; i++)
        if (yr_compiler_add_string(c, g->sources[i].text, g->sources[i].ns) != 0 && ctx.errors == 0)
            ctx.errors++;
    if (ctx.errors == 0)
        err = yr_compiler_get_rules(c, out);
    yr_compiler_destroy(c);
    if (ctx.errors > 0)
        return VIGIL_ERR_RULE;
    if (err != ERROR_SUCCESS) {
        *out = NULL;
        return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_RULE;
    }
    if (keyed)
        vigil_yara_cache_rules_store(cache_dir, key, *out);
    return VIGIL_OK;
}

/* The rules of `whole`, a compiler that already holds every kept source
 * in its namespace (the builder's trial compile): the same rule set a
 * compile of the one set holding every group would give, without
 * compiling every rule a second time (0.3-0.6 s of the load with the
 * Elastic rules). The compiler is destroyed. The set is kept in the
 * cache under key (when not NULL), where later loads find it without a
 * compiler. */
static vigil_status take_whole(const vigil_diag_sink *diag, const char *name, YR_COMPILER **whole,
                               const char *cache_dir, const unsigned char *key, YR_RULES **out)
{
    compile_ctx ctx = {diag, name, 0};
    yr_compiler_set_callback(*whole, on_compile_msg, &ctx);
    int err = yr_compiler_get_rules(*whole, out);
    yr_compiler_destroy(*whole);
    *whole = NULL;
    if (err != ERROR_SUCCESS || ctx.errors > 0) {
        *out = NULL;
        return err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_RULE;
    }
    if (cache_dir != NULL && key != NULL)
        vigil_yara_cache_rules_store(cache_dir, key, *out);
    return VIGIL_OK;
}

/* ---- layout: which sets to compile -------------------------------------- */

static int is_light(vigil_yara_class c)
{
    return c == VIGIL_YARA_CLASS_NAME || c == VIGIL_YARA_CLASS_SIZE || c == VIGIL_YARA_CLASS_ANY;
}

/* Fills r->sets[].groups/.key; returns the count. */
static size_t plan_layout(const vigil_yara_plan *p, vigil_yara_grouping_mode mode,
                          vigil_yara_set *sets)
{
    size_t ng = vigil_yara_plan_group_count(p), n = 0;
    uint64_t light = 0;
    size_t light_rules = 0;

    if (mode == VIGIL_YARA_GROUPING_PER_GROUP) {
        for (size_t g = 0; g < ng; g++) {
            sets[n].groups = sets[n].key = 1ull << g;
            n++;
        }
        return n;
    }
    for (size_t g = 0; g < ng; g++) {
        const vigil_yara_group *grp = vigil_yara_plan_group(p, g);
        if (is_light(grp->cls)) {
            light |= 1ull << g;
            light_rules += grp->n_home;
        }
    }
    size_t small = light_rules / 10 > SMALL_GROUP_MIN ? light_rules / 10 : SMALL_GROUP_MIN;
    for (size_t g = 0; g < ng; g++) {
        const vigil_yara_group *grp = vigil_yara_plan_group(p, g);
        if (!is_light(grp->cls) && grp->n_home <= small)
            light |= 1ull << g;
    }
    /* One heavy group whose rules are fewer than the light ones: a set
     * of its own would copy the light rules, the bigger part, into a
     * second compiled set (15 MB more with the Elastic and signature-base
     * sets together, where mz holds 442 rules and the light groups
     * 3,084), to spare the files of the other types, which the literal
     * gate nearly always keeps from libyara, the heavy group's rules. One
     * set then serves every file; each is reported only its own groups. */
    size_t heavy = 0, heavy_g = 0, light_home = 0;
    for (size_t g = 0; g < ng; g++) {
        if (light >> g & 1u) {
            light_home += vigil_yara_plan_group(p, g)->n_home;
        } else {
            heavy++;
            heavy_g = g;
        }
    }
    if (heavy == 1 && light != 0 && light_home >= vigil_yara_plan_group(p, heavy_g)->n_home) {
        sets[0].key = sets[0].groups = light | 1ull << heavy_g;
        return 1;
    }
    for (size_t g = 0; g < ng; g++) {
        if (light >> g & 1u)
            continue;
        sets[n].key = 1ull << g;
        sets[n].groups = sets[n].key | light;
        n++;
    }
    if (light != 0) {
        sets[n].key = sets[n].groups = light;
        n++;
    }
    return n;
}

static const char *set_name(vigil_yara_rules *r, const vigil_yara_plan *p, uint64_t groups)
{
    char buf[512];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t g = 0; g < vigil_yara_plan_group_count(p); g++) {
        if (!(groups >> g & 1u))
            continue;
        int k = snprintf(buf + used, sizeof buf - used, "%s%s", used ? "+" : "",
                         vigil_yara_plan_group(p, g)->name);
        if (k < 0 || (size_t)k >= sizeof buf - used)
            break;
        used += (size_t)k;
    }
    return vigil_arena_strdup(&r->arena, buf);
}

/* ---- the rule table ----------------------------------------------------- */

/* One reported-or-private rule instance found in a set. */
typedef struct inst {
    const char *ns;
    const char *name;
    size_t ns_order; /* namespace position in load order */
    size_t pos;      /* position inside the namespace */
    size_t set, idx; /* where it was found */
    size_t info;     /* assigned info index */
} inst;

static int cmp_inst_name(const void *pa, const void *pb)
{
    const inst *a = pa, *b = pb;
    int c = strcmp(a->ns, b->ns);
    if (c == 0)
        c = strcmp(a->name, b->name);
    if (c == 0)
        c = a->set < b->set ? -1 : a->set > b->set;
    return c;
}

static int same_rule(const inst *a, const inst *b)
{
    return strcmp(a->ns, b->ns) == 0 && strcmp(a->name, b->name) == 0;
}

static int cmp_inst_order(const void *pa, const void *pb)
{
    const inst *a = *(const inst *const *)pa, *b = *(const inst *const *)pb;
    if (a->ns_order != b->ns_order)
        return a->ns_order < b->ns_order ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static size_t ns_order_of(const vigil_yara_split *s, const char *ns)
{
    return vigil_yara_split_ns_find(s, ns);
}

/* Builds r->info in load order from the compiled sets, and each set's map
 * from its rules to info entries. */
static vigil_status build_info(vigil_yara_rules *r, const vigil_yara_source_lines *src, size_t nsrc)
{
    const vigil_yara_split *s = r->split;
    size_t total = 0, n = 0;
    vigil_status st = VIGIL_OK;

    for (size_t j = 0; j < r->n_sets; j++)
        total += r->sets[j].yr->num_rules;
    inst *in = calloc(total ? total : 1, sizeof *in);
    inst **ord = NULL;
    vigil_yara_line_table *lt = NULL;
    if (in == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t j = 0; j < r->n_sets && st == VIGIL_OK; j++) {
        vigil_yara_set *set = &r->sets[j];
        size_t nr = set->yr->num_rules;
        set->info = vigil_arena_alloc(&r->arena, (nr ? nr : 1) * sizeof *set->info);
        set->home = vigil_arena_alloc(&r->arena, (nr ? nr : 1) * sizeof *set->home);
        if (set->info == NULL || set->home == NULL) {
            st = VIGIL_ERR_NOMEM;
            break;
        }
        const char *cur_ns = NULL;
        size_t pos_in_ns = 0;
        for (size_t i = 0; i < nr; i++) {
            const YR_RULE *rule = &set->yr->rules_table[i];
            const char *ns = rule->ns != NULL ? rule->ns->name : NULL;
            set->info[i] = UINT32_MAX;
            if (ns == NULL || rule->identifier == NULL) {
                st = VIGIL_ERR_INTERNAL;
                break;
            }
            if (cur_ns == NULL || strcmp(cur_ns, ns) != 0) {
                cur_ns = ns;
                pos_in_ns = 0;
            }
            size_t home = vigil_yara_plan_home(r->plan, ns, rule->identifier);
            size_t ns_order = ns_order_of(s, ns);
            if (home >= VIGIL_YARA_MAX_GROUPS || ns_order == SIZE_MAX) {
                st = VIGIL_ERR_INTERNAL;
                break;
            }
            set->home[i] = (uint8_t)home;
            size_t pos = pos_in_ns++;
            if (!(set->groups >> home & 1u))
                continue; /* a copy: its home set reports it */
            size_t sr = vigil_yara_split_find(s, ns, rule->identifier);
            in[n].ns = ns;
            in[n].name = rule->identifier;
            in[n].ns_order = ns_order;
            in[n].pos = sr != SIZE_MAX ? sr : pos;
            in[n].set = j;
            in[n].idx = i;
            n++;
        }
    }
    if (st == VIGIL_OK && n > UINT32_MAX - 1)
        st = VIGIL_ERR_LIMIT;
    /* One info per distinct (namespace, rule), in load order. */
    size_t ninfo = 0;
    if (st == VIGIL_OK) {
        qsort(in, n, sizeof *in, cmp_inst_name);
        ord = calloc(n ? n : 1, sizeof *ord);
        if (ord == NULL)
            st = VIGIL_ERR_NOMEM;
    }
    if (st == VIGIL_OK) {
        for (size_t i = 0; i < n; i++)
            if (i == 0 || !same_rule(&in[i - 1], &in[i]))
                ord[ninfo++] = &in[i];
        qsort(ord, ninfo, sizeof *ord, cmp_inst_order);
        for (size_t i = 0; i < ninfo; i++)
            ord[i]->info = i;
        /* every instance takes the info of its (ns, name) head */
        const inst *head = NULL;
        for (size_t i = 0; i < n; i++) {
            if (head == NULL || !same_rule(head, &in[i]))
                head = &in[i];
            r->sets[in[i].set].info[in[i].idx] = (uint32_t)head->info;
        }
        /* the split's every rule must be somewhere, or the plan lost one */
        size_t split_rules = vigil_yara_split_rule_count(s), found = 0;
        for (size_t i = 0; i < ninfo; i++)
            if (vigil_yara_split_find(s, ord[i]->ns, ord[i]->name) != SIZE_MAX)
                found++;
        if (found != split_rules)
            st = VIGIL_ERR_INTERNAL;
    }
    if (st == VIGIL_OK)
        st = vigil_yara_line_table_build(r, src, nsrc, &lt);
    if (st == VIGIL_OK && ninfo > 0) {
        r->info = vigil_arena_alloc(&r->arena, ninfo * sizeof *r->info);
        if (r->info == NULL)
            st = VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < ninfo && st == VIGIL_OK; i++) {
            const vigil_yara_set *set = &r->sets[ord[i]->set];
            st = vigil_yara_rule_info_fill(r, lt, &set->yr->rules_table[ord[i]->idx], &r->info[i]);
        }
    }
    if (st == VIGIL_OK)
        r->ninfo = ninfo;
    vigil_yara_line_table_destroy(lt);
    free(ord);
    free(in);
    return st;
}

/* ---- stats -------------------------------------------------------------- */

/* Why the gate cannot rule rule out on a file without its literals. */
static const char *gate_reason(const vigil_yara_gate *g, const vigil_yara_rule *rule)
{
    if (rule->flags & VIGIL_YARA_RULE_PRIVATE)
        return "private rule (decided with the rules that use it)";
    for (size_t i = 0; i < vigil_yara_gate_rule_count(g); i++) {
        const char *why = NULL;
        if (vigil_yara_gate_rule(g, i, &why, NULL) == rule)
            return why != NULL ? why : "needs a literal";
    }
    return "its group is not gated (a rule of it was not understood)";
}

static vigil_status build_stats(vigil_yara_rules *r)
{
    const vigil_yara_plan *p = r->plan;
    const vigil_yara_split *s = r->split;
    size_t ng = vigil_yara_plan_group_count(p), nr = vigil_yara_split_rule_count(s), nn = 0;
    vigil_yara_group_stat *gs = vigil_arena_alloc(&r->arena, (ng ? ng : 1) * sizeof *gs);
    vigil_yara_set_stat *ss =
        vigil_arena_alloc(&r->arena, (r->n_sets ? r->n_sets : 1) * sizeof *ss);
    if (gs == NULL || ss == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t g = 0; g < ng; g++) {
        const vigil_yara_group *grp = vigil_yara_plan_group(p, g);
        gs[g].name = grp->name;
        gs[g].rules = grp->n_home;
        gs[g].copies = grp->n_copies;
    }
    for (size_t j = 0; j < r->n_sets; j++) {
        ss[j].name = r->sets[j].name;
        ss[j].rules = r->sets[j].yr->num_rules;
    }
    for (size_t i = 0; i < nr; i++)
        if (vigil_yara_plan_nopre_reason(p, i) != NULL)
            nn++;
    vigil_yara_nopre_rule *np = vigil_arena_alloc(&r->arena, (nn ? nn : 1) * sizeof *np);
    if (np == NULL)
        return VIGIL_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < nr && k < nn; i++) {
        const char *why = vigil_yara_plan_nopre_reason(p, i);
        if (why == NULL)
            continue;
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, i);
        np[k].name = rule->name;
        np[k].ns = rule->ns;
        np[k].source = rule->source;
        np[k].line = rule->line;
        np[k].reason = why;
        k++;
    }
    r->stats.groups = gs;
    r->stats.ngroups = ng;
    r->stats.sets = ss;
    r->stats.nsets = r->n_sets;
    r->stats.nopre = np;
    r->stats.nnopre = k;
    if (r->gate != NULL) {
        vigil_yara_gate_info gi;
        vigil_yara_gate_get_info(r->gate, &gi);
        r->stats.gate_rules = gi.rules;
        r->stats.gate_refutable = gi.refutable;
        r->stats.gate_literals = gi.literals;
        r->stats.gate_literals_all = gi.literals_all;
        r->stats.gate_strings_pruned = gi.strings_pruned;
    }
    /* the rules that still cost a libyara pass over every file */
    vigil_yara_nopre_rule *ug = vigil_arena_alloc(&r->arena, (k ? k : 1) * sizeof *ug);
    if (ug == NULL)
        return VIGIL_ERR_NOMEM;
    size_t nu = 0;
    for (size_t i = 0, j = 0; i < nr && j < k; i++) {
        if (vigil_yara_plan_nopre_reason(p, i) == NULL)
            continue;
        if (!vigil_yara_gate_refutes(r->gate, vigil_yara_split_rule(s, i))) {
            ug[nu] = np[j];
            ug[nu++].reason = gate_reason(r->gate, vigil_yara_split_rule(s, i));
        }
        j++;
    }
    r->stats.ungated = ug;
    r->stats.nungated = nu;
    r->stats.active = 1;
    return VIGIL_OK;
}

/* ---- build -------------------------------------------------------------- */

void vigil_yara_group_free(vigil_yara_rules *r)
{
    if (r == NULL)
        return;
    for (size_t j = 0; j < r->n_sets; j++)
        if (r->sets[j].yr != NULL)
            yr_rules_destroy(r->sets[j].yr);
    free(r->sets);
    r->sets = NULL;
    r->n_sets = 0;
    vigil_yara_gate_destroy(r->gate);
    r->gate = NULL;
    vigil_yara_plan_destroy(r->plan);
    r->plan = NULL;
    vigil_yara_split_destroy(r->split);
    r->split = NULL;
}

typedef struct gate_job {
    const vigil_yara_split *split;
    const vigil_yara_plan *plan;
    const char *cache_dir;
    vigil_yara_gate *gate;
    vigil_status st;
} gate_job;

static void *gate_main(void *arg)
{
    gate_job *j = arg;
    j->st = vigil_yara_gate_build(j->split, j->plan, j->cache_dir, &j->gate);
    return NULL;
}

/* The set of the whole compile, read from the cache on a thread of its
 * own while the sources are parsed and planned (a warm load of the
 * Elastic rules spends about as long reading that set as parsing): used
 * when the layout is one set holding every group, else dropped. */
typedef struct prefetch {
    const char *dir;
    const unsigned char *key;
    YR_RULES *rules;
    pthread_t thread;
    int started;
    int taken;
} prefetch;

static void *prefetch_main(void *arg)
{
    prefetch *p = arg;
    p->rules = vigil_yara_cache_rules_load(p->dir, p->key);
    return NULL;
}

static void prefetch_start(prefetch *p, const char *dir, const unsigned char *key)
{
    memset(p, 0, sizeof *p);
    p->dir = dir;
    p->key = key;
    if (dir != NULL && key != NULL)
        p->started = pthread_create(&p->thread, NULL, prefetch_main, p) == 0;
}

/* The set read (once), or NULL; read now when no thread could be had. */
static YR_RULES *prefetch_take(prefetch *p)
{
    if (p->started) {
        pthread_join(p->thread, NULL);
        p->started = 0;
    } else if (p->key != NULL && !p->taken) {
        p->rules = vigil_yara_cache_rules_load(p->dir, p->key);
    }
    p->taken = 1;
    YR_RULES *rules = p->rules;
    p->rules = NULL;
    return rules;
}

static void prefetch_drop(prefetch *p)
{
    if (p->started) {
        pthread_join(p->thread, NULL);
        p->started = 0;
    }
    if (p->rules != NULL)
        yr_rules_destroy(p->rules);
    p->rules = NULL;
}

static vigil_status build_sets(vigil_yara_rules *r, const vigil_diag_sink *diag,
                               const vigil_yara_source_lines *src, size_t nsrc,
                               vigil_yara_grouping_mode mode, const char *cache_dir,
                               const unsigned char *whole_key, YR_COMPILER **whole, prefetch *pf);

static vigil_status build(vigil_yara_rules *r, const vigil_diag_sink *diag,
                          const vigil_yara_source_lines *src, size_t nsrc,
                          vigil_yara_grouping_mode mode, const char *cache_dir,
                          const unsigned char *whole_key, YR_COMPILER **whole)
{
    prefetch pf;
    /* only without the trial compile's compiler: with it, the set is
     * most likely not in the cache, and is taken from the compiler */
    prefetch_start(&pf, cache_dir, whole == NULL || *whole == NULL ? whole_key : NULL);
    vigil_status st = build_sets(r, diag, src, nsrc, mode, cache_dir, whole_key, whole, &pf);
    prefetch_drop(&pf);
    return st;
}

static vigil_status build_sets(vigil_yara_rules *r, const vigil_diag_sink *diag,
                               const vigil_yara_source_lines *src, size_t nsrc,
                               vigil_yara_grouping_mode mode, const char *cache_dir,
                               const unsigned char *whole_key, YR_COMPILER **whole, prefetch *pf)
{
    vigil_diag_sink info = {info_diag, &r->diag};
    vigil_status st;

    if (diag != NULL)
        r->diag = *diag;

    st = vigil_yara_split_create(&info, &r->split);
    for (size_t i = 0; i < nsrc && st == VIGIL_OK; i++) {
        st = vigil_yara_split_add_text(r->split, src[i].ns, src[i].source, src[i].text, src[i].len);
        if (st == VIGIL_ERR_PARSE)
            st = VIGIL_OK; /* that namespace goes verbatim to the catch-all group */
    }
    if (st != VIGIL_OK) {
        r->fallback = "rule sources could not be read for grouping";
        return st;
    }
    vigil_yara_plan_options popt = {NULL, 0, 1}; /* texts only for what is compiled */
    st = vigil_yara_plan_build(r->split, &popt, &r->plan);
    if (st != VIGIL_OK) {
        r->fallback = "planning the groups failed";
        return st;
    }
    size_t ng = vigil_yara_plan_group_count(r->plan);
    if (ng == 0) {
        r->fallback = "no groups";
        return VIGIL_ERR_INTERNAL;
    }
    r->sets = calloc(ng + 1, sizeof *r->sets);
    if (r->sets == NULL)
        return VIGIL_ERR_NOMEM;
    r->n_sets = plan_layout(r->plan, mode, r->sets);
    /* The literal gate is built (mostly Hyperscan compiling) while libyara
     * compiles the sets: both only read the split and the plan's groups. */
    gate_job gj = {r->split, r->plan, cache_dir, NULL, VIGIL_OK};
    pthread_t gt;
    int gate_thread = pthread_create(&gt, NULL, gate_main, &gj) == 0;
    for (size_t j = 0; j < r->n_sets && st == VIGIL_OK; j++) {
        vigil_yara_group g;
        vigil_yara_set *set = &r->sets[j];
        set->name = set_name(r, r->plan, set->groups);
        if (set->name == NULL) {
            st = VIGIL_ERR_NOMEM;
            break;
        }
        uint64_t all = ng >= 64 ? ~0ull : (1ull << ng) - 1;
        if (r->n_sets == 1 && (set->groups & all) == all && cache_dir != NULL &&
            whole_key != NULL) {
            set->yr = pf->key != NULL ? prefetch_take(pf)
                                      : vigil_yara_cache_rules_load(cache_dir, whole_key);
            if (set->yr != NULL)
                continue; /* what take_whole kept before */
        }
        if (r->n_sets == 1 && (set->groups & all) == all && whole != NULL && *whole != NULL) {
            st = take_whole(&info, set->name, whole, cache_dir, whole_key, &set->yr);
            continue;
        }
        st = vigil_yara_plan_emit(r->plan, set->groups, &g);
        if (st == VIGIL_OK)
            st = compile_set(&info, set->name, &g, cache_dir, &set->yr);
        if (st != VIGIL_OK && st != VIGIL_ERR_NOMEM)
            r->fallback = "a group did not compile";
    }
    if (gate_thread)
        pthread_join(gt, NULL);
    else
        gate_main(&gj); /* no thread to be had: after the sets */
    r->gate = gj.gate;
    /* compiled: the emitted texts are done with, and the heap pages that
     * held them and the compilers' work space go back to the system
     * (freed 64 KiB arena blocks would otherwise stay in the sweep's
     * resident memory for good) */
    vigil_yara_plan_drop_sources(r->plan);
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    if (st == VIGIL_OK)
        st = gj.st;
    if (st != VIGIL_OK)
        return st;
    st = build_info(r, src, nsrc);
    if (st != VIGIL_OK && st != VIGIL_ERR_NOMEM)
        r->fallback = "the groups do not hold every rule";
    if (st == VIGIL_OK)
        st = build_stats(r);
    return st;
}

vigil_status vigil_yara_group_build(vigil_yara_rules *r, const vigil_diag_sink *diag,
                                    const vigil_yara_source_lines *src, size_t nsrc,
                                    vigil_yara_grouping_mode mode, const char *cache_dir,
                                    const unsigned char *whole_key, YR_COMPILER **whole)
{
    if (r == NULL || (src == NULL && nsrc > 0))
        return VIGIL_ERR_INVALID_ARG;
    vigil_status st = build(r, diag, src, nsrc, mode, cache_dir, whole_key, whole);
    if (st != VIGIL_OK) {
        vigil_yara_group_free(r);
        r->info = NULL;
        r->ninfo = 0;
        memset(&r->stats, 0, sizeof r->stats);
    }
    return st;
}

/* ---- selection ---------------------------------------------------------- */

size_t vigil_yara_group_pick(const vigil_yara_rules *r, const uint8_t *data, size_t len,
                             const vigil_yara_externals *ext, size_t *sets, uint64_t *owned)
{
    uint64_t mask = 0;
    size_t n = 0;

    if (vigil_yara_plan_select(r->plan, data, len, len, ext, &mask) != VIGIL_OK)
        mask = ~0ull; /* cannot happen with valid arguments; be safe: scan all */
    for (size_t j = 0; j < r->n_sets && mask != 0; j++) {
        const vigil_yara_set *set = &r->sets[j];
        if (!(set->key & mask))
            continue;
        sets[n] = j;
        owned[n] = set->groups & mask;
        mask &= ~set->groups;
        n++;
    }
    return n;
}

/* ---- grouping info ------------------------------------------------------ */

vigil_status vigil_yara_rules_count_costs(vigil_yara_rules *r)
{
    if (r == NULL)
        return VIGIL_ERR_INVALID_ARG;
    return r->gate != NULL ? vigil_yara_gate_count_costs(r->gate) : VIGIL_OK;
}

vigil_status vigil_yara_rules_costs(const vigil_yara_rules *r, vigil_yara_rule_cost *out,
                                    size_t cap, size_t *n)
{
    if (r == NULL || n == NULL || (out == NULL && cap > 0))
        return VIGIL_ERR_INVALID_ARG;
    *n = vigil_yara_gate_rule_count(r->gate);
    for (size_t i = 0; i < *n && i < cap; i++) {
        const char *why = NULL;
        uint64_t files = 0;
        const vigil_yara_rule *rule = vigil_yara_gate_rule(r->gate, i, &why, &files);
        if (rule == NULL)
            return VIGIL_ERR_INTERNAL;
        out[i] = (vigil_yara_rule_cost){rule->name, rule->ns, rule->source, rule->line, why, files};
    }
    return VIGIL_OK;
}

vigil_status vigil_yara_rules_grouping(const vigil_yara_rules *r, vigil_yara_grouping *out)
{
    static const char *const modes[] = {"auto", "off", "per-group"};
    if (r == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = r->stats;
    out->mode = (unsigned)r->mode <= VIGIL_YARA_GROUPING_PER_GROUP ? modes[r->mode] : "?";
    out->active = r->n_sets > 0;
    out->fallback = r->n_sets > 0 ? NULL : r->fallback;
    return VIGIL_OK;
}
