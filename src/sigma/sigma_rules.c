/* sigma_rules.c - the ruleset builder: Sigma YAML documents to compiled rules.
 *
 * Why here: a Sigma file holds detection rules, correlation rules and meta
 * filters (possibly several, plus v1 `action: global/reset/repeat`
 * collections); this file tells them apart, reads their metadata, refuses
 * what it cannot honour with the file, line and reason, and at build time
 * links filters and correlations to the rules they name. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buffer.h"
#include "core/util.h"
#include "sigma/sigma_internal.h"

#define MAX_RULE_FILE (16u << 20)
#define MAX_DIR_DEPTH 32

typedef struct ptrvec {
    void **v;
    size_t n, cap;
} ptrvec;

struct vigil_sigma_builder {
    vigil_sigma_ruleset *rs;
    vigil_diag_sink sink;
    int strict;
    int no_prefilter;
    char *cache_dir; /* NULL: compile the prefilter every time */
    vigil_sigma_mapping mapping;
    vigil_sigma_placeholders ph;
    ptrvec rules, filters;
    vigil_status setup_status;
};

static int pv_push(ptrvec *p, void *x)
{
    if (VIGIL_ARRAY_RESERVE(p->v, p->cap, p->n + 1) != VIGIL_OK)
        return -1;
    p->v[p->n++] = x;
    return 0;
}

/* ---- builder ---- */

vigil_status vigil_sigma_builder_create(const vigil_sigma_options *opts, vigil_sigma_builder **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    vigil_sigma_builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return VIGIL_ERR_NOMEM;
    b->rs = calloc(1, sizeof *b->rs);
    if (b->rs == NULL) {
        free(b);
        return VIGIL_ERR_NOMEM;
    }
    vigil_arena_init(&b->rs->arena);
    if (opts != NULL) {
        b->sink.fn = opts->on_diag;
        b->sink.user = opts->diag_user;
        b->strict = opts->strict;
        b->no_prefilter = opts->no_prefilter;
    }
    vigil_status st = VIGIL_OK;
    if (opts != NULL && opts->cache_dir != NULL)
        st = vigil_string_set(&b->cache_dir, opts->cache_dir);
    if (st == VIGIL_OK && opts != NULL && opts->mapping_path != NULL)
        st = vigil_sigma_mapping_load(&b->rs->arena, opts->mapping_path, &b->sink, &b->mapping);
    if (st == VIGIL_OK && opts != NULL && opts->placeholder_path != NULL)
        st = vigil_sigma_placeholders_load(&b->rs->arena, &b->sink, &b->ph, opts->placeholder_path);
    if (st != VIGIL_OK) {
        vigil_sigma_builder_destroy(b);
        return st;
    }
    *out = b;
    return VIGIL_OK;
}

void vigil_sigma_builder_destroy(vigil_sigma_builder *b)
{
    if (b == NULL)
        return;
    vigil_sigma_ruleset_destroy(b->rs);
    free(b->cache_dir);
    free(b->rules.v);
    free(b->filters.v);
    free(b);
}

static const char *meta_str(const vigil_ynode *doc, const char *key)
{
    const vigil_ynode *n = vigil_ynode_get(doc, key);
    if (n == NULL || n->type != VIGIL_YN_SCALAR || vigil_ynode_is_null(n))
        return NULL;
    return n->str;
}

static vigil_status meta_list(vigil_arena *a, const vigil_ynode *doc, const char *key,
                              const char *const **out, size_t *n)
{
    const vigil_ynode *l = vigil_ynode_get(doc, key);
    *out = NULL;
    *n = 0;
    if (l == NULL)
        return VIGIL_OK;
    size_t cnt = l->type == VIGIL_YN_SEQ ? l->n : 1;
    const char **v = vigil_arena_alloc(a, (cnt + 1) * sizeof *v);
    if (v == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const vigil_ynode *e = l->type == VIGIL_YN_SEQ ? l->items[i] : l;
        if (e->type == VIGIL_YN_SCALAR && !vigil_ynode_is_null(e))
            v[(*n)++] = e->str;
    }
    *out = v;
    return VIGIL_OK;
}

static vigil_status read_info(vigil_arena *a, const vigil_ynode *doc, const char *source,
                              uint64_t line, vigil_sigma_rule_info *info)
{
    info->title = meta_str(doc, "title");
    info->id = meta_str(doc, "id");
    info->name = meta_str(doc, "name");
    info->level = meta_str(doc, "level");
    info->status = meta_str(doc, "status");
    info->author = meta_str(doc, "author");
    info->description = meta_str(doc, "description");
    info->source = source;
    info->line = line;
    const vigil_ynode *ls = vigil_ynode_get(doc, "logsource");
    if (ls != NULL && ls->type == VIGIL_YN_MAP) {
        info->product = meta_str(ls, "product");
        info->category = meta_str(ls, "category");
        info->service = meta_str(ls, "service");
    }
    vigil_status st = meta_list(a, doc, "tags", &info->tags, &info->ntags);
    if (st == VIGIL_OK)
        st = meta_list(a, doc, "references", &info->references, &info->nreferences);
    return st;
}

/* Deep merge for v1 collections: over's keys win, maps merge recursively. */
static vigil_ynode *ymerge(vigil_arena *a, const vigil_ynode *base, const vigil_ynode *over,
                           int depth)
{
    if (base == NULL || base->type != VIGIL_YN_MAP || over->type != VIGIL_YN_MAP || depth > 16)
        return (vigil_ynode *)over;
    vigil_ynode *m = vigil_arena_alloc(a, sizeof *m);
    if (m == NULL)
        return NULL;
    *m = *over;
    m->items = vigil_arena_alloc(a, 2 * (base->n + over->n + 1) * sizeof *m->items);
    if (m->items == NULL)
        return NULL;
    m->n = 0;
    for (size_t i = 0; i < base->n; i++) {
        const vigil_ynode *k = base->items[2 * i];
        const vigil_ynode *ov = vigil_ynode_get(over, k->str);
        vigil_ynode *v = base->items[2 * i + 1];
        if (ov != NULL) {
            v = ymerge(a, v, ov, depth + 1);
            if (v == NULL)
                return NULL;
        }
        m->items[2 * m->n] = (vigil_ynode *)k;
        m->items[2 * m->n + 1] = v;
        m->n++;
    }
    for (size_t i = 0; i < over->n; i++) {
        const vigil_ynode *k = over->items[2 * i];
        if (vigil_ynode_get(base, k->str) != NULL)
            continue;
        m->items[2 * m->n] = (vigil_ynode *)k;
        m->items[2 * m->n + 1] = over->items[2 * i + 1];
        m->n++;
    }
    return m;
}

static int64_t parse_timespan(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0 || v > 100000000LL)
        return -1;
    int64_t mult;
    if (strcmp(end, "s") == 0)
        mult = 1000;
    else if (strcmp(end, "m") == 0)
        mult = 60000;
    else if (strcmp(end, "h") == 0)
        mult = 3600000;
    else if (strcmp(end, "d") == 0)
        mult = 86400000;
    else if (strcmp(end, "w") == 0)
        mult = 7 * 86400000LL;
    else
        return -1;
    return v * mult;
}

typedef struct doc_ctx {
    vigil_sigma_builder *b;
    const char *source;
    uint64_t line;
    char reason[300];
} doc_ctx;

static vigil_status refuse(doc_ctx *d, const char *msg)
{
    snprintf(d->reason, sizeof d->reason, "%s", msg);
    return VIGIL_ERR_RULE;
}

static vigil_status compile_correlation(doc_ctx *d, const vigil_ynode *doc, vigil_sigma_rule *r)
{
    vigil_arena *a = &d->b->rs->arena;
    const vigil_ynode *c = vigil_ynode_get(doc, "correlation");
    if (c->type != VIGIL_YN_MAP)
        return refuse(d, "correlation is not a map");
    r->kind = VIGIL_SR_CORRELATION;
    r->info.is_correlation = 1;
    const char *type = meta_str(c, "type");
    if (type == NULL)
        return refuse(d, "correlation has no type");
    if (strcmp(type, "event_count") == 0)
        r->ctype = VIGIL_CT_EVENT_COUNT;
    else if (strcmp(type, "value_count") == 0)
        r->ctype = VIGIL_CT_VALUE_COUNT;
    else if (strcmp(type, "temporal") == 0)
        r->ctype = VIGIL_CT_TEMPORAL;
    else if (strcmp(type, "temporal_ordered") == 0)
        r->ctype = VIGIL_CT_TEMPORAL_ORDERED;
    else if (strcmp(type, "value_sum") == 0)
        r->ctype = VIGIL_CT_VALUE_SUM;
    else if (strcmp(type, "value_avg") == 0)
        r->ctype = VIGIL_CT_VALUE_AVG;
    else if (strcmp(type, "value_percentile") == 0)
        r->ctype = VIGIL_CT_VALUE_PERCENTILE;
    else
        return refuse(d, "unsupported correlation type");
    vigil_status st = meta_list(a, c, "rules", (const char *const **)&r->refs, &r->nrefs);
    if (st != VIGIL_OK)
        return st;
    if (r->nrefs == 0)
        return refuse(d, "correlation has no rules");
    st = meta_list(a, c, "group-by", (const char *const **)&r->group_by, &r->ngroup);
    if (st != VIGIL_OK)
        return st;
    const char *ts = meta_str(c, "timespan");
    if (ts == NULL)
        ts = meta_str(c, "timeframe");
    if (ts == NULL || (r->timespan_ms = parse_timespan(ts)) < 0)
        return refuse(d, "correlation needs a timespan like 10m");
    const vigil_ynode *cond = vigil_ynode_get(c, "condition");
    if (cond != NULL && cond->type == VIGIL_YN_MAP) {
        for (size_t i = 0; i < cond->n; i++) {
            const char *k = cond->items[2 * i]->str;
            const vigil_ynode *v = cond->items[2 * i + 1];
            if (strcmp(k, "field") == 0) {
                r->value_field = v->type == VIGIL_YN_SCALAR ? v->str : NULL;
                continue;
            }
            char *end;
            double num = v->type == VIGIL_YN_SCALAR ? strtod(v->str, &end) : 0;
            if (v->type != VIGIL_YN_SCALAR || *end || end == v->str)
                return refuse(d, "correlation condition value is not a number");
            int op;
            if (strcmp(k, "gt") == 0)
                op = VIGIL_NUM_GT;
            else if (strcmp(k, "gte") == 0)
                op = VIGIL_NUM_GTE;
            else if (strcmp(k, "lt") == 0)
                op = VIGIL_NUM_LT;
            else if (strcmp(k, "lte") == 0)
                op = VIGIL_NUM_LTE;
            else if (strcmp(k, "eq") == 0)
                op = VIGIL_NUM_EQ;
            else if (strcmp(k, "neq") == 0) {
                r->cond_neq = 1;
                r->cond_neq_val = num;
                continue;
            } else
                return refuse(d, "unknown correlation condition operator");
            if (r->nconds == 4)
                return refuse(d, "too many correlation conditions");
            r->cond_ops[r->nconds] = op;
            r->cond_vals[r->nconds++] = num;
        }
    } else if (cond != NULL) {
        return refuse(d, "correlation condition is not a map");
    }
    int temporal = r->ctype == VIGIL_CT_TEMPORAL || r->ctype == VIGIL_CT_TEMPORAL_ORDERED;
    if (!temporal && r->nconds == 0 && !r->cond_neq) {
        snprintf(d->reason, sizeof d->reason, "%s correlation needs a condition", type);
        return VIGIL_ERR_RULE;
    }
    if (!temporal && r->ctype != VIGIL_CT_EVENT_COUNT && r->value_field == NULL) {
        snprintf(d->reason, sizeof d->reason, "%s correlation needs condition.field", type);
        return VIGIL_ERR_RULE;
    }
    if ((r->ctype == VIGIL_CT_TEMPORAL || r->ctype == VIGIL_CT_TEMPORAL_ORDERED) &&
        r->nconds == 0 && !r->cond_neq) {
        r->cond_ops[0] = VIGIL_NUM_GTE;
        r->cond_vals[0] = (double)r->nrefs;
        r->nconds = 1;
    }
    const vigil_ynode *al = vigil_ynode_get(c, "aliases");
    if (al != NULL && al->type == VIGIL_YN_MAP) {
        size_t total = 0;
        for (size_t i = 0; i < al->n; i++)
            if (al->items[2 * i + 1]->type == VIGIL_YN_MAP)
                total += al->items[2 * i + 1]->n;
        r->aliases = vigil_arena_alloc(a, (total + 1) * sizeof *r->aliases);
        if (r->aliases == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < al->n; i++) {
            const vigil_ynode *m = al->items[2 * i + 1];
            if (m->type != VIGIL_YN_MAP)
                return refuse(d, "correlation alias is not a map");
            for (size_t j = 0; j < m->n; j++) {
                if (m->items[2 * j + 1]->type != VIGIL_YN_SCALAR)
                    return refuse(d, "correlation alias field is not a name");
                vigil_sigma_alias *x = &r->aliases[r->naliases++];
                x->alias = al->items[2 * i]->str;
                x->rule = m->items[2 * j]->str;
                x->field = m->items[2 * j + 1]->str;
            }
        }
    }
    const char *gen = meta_str(c, "generate");
    r->generate = gen != NULL && strcmp(gen, "true") == 0;
    return VIGIL_OK;
}

static vigil_status compile_doc(doc_ctx *d, const vigil_ynode *doc, vigil_sigma_rule **out)
{
    vigil_sigma_builder *b = d->b;
    vigil_arena *a = &b->rs->arena;
    *out = NULL;
    if (doc->type != VIGIL_YN_MAP)
        return refuse(d, "document is not a map");
    vigil_sigma_rule *r = vigil_arena_alloc(a, sizeof *r);
    if (r == NULL)
        return VIGIL_ERR_NOMEM;
    r->prefilter_id = -1;
    vigil_status st = read_info(a, doc, d->source, d->line, &r->info);
    if (st != VIGIL_OK)
        return st;
    if (r->info.title == NULL)
        return refuse(d, "rule has no title");
    vigil_sigma_compile_ctx cx = {.arena = a, .ph = &b->ph, .res = &b->rs->res};
    if (vigil_ynode_get(doc, "correlation") != NULL) {
        st = compile_correlation(d, doc, r);
        if (st != VIGIL_OK)
            return st;
        *out = r;
        return VIGIL_OK;
    }
    const vigil_ynode *flt = vigil_ynode_get(doc, "filter");
    if (flt != NULL && vigil_ynode_get(doc, "detection") == NULL) {
        if (flt->type != VIGIL_YN_MAP)
            return refuse(d, "filter is not a map");
        r->kind = VIGIL_SR_FILTER;
        st = meta_list(a, flt, "rules", (const char *const **)&r->targets, &r->ntargets);
        if (st != VIGIL_OK)
            return st;
        /* the filter's selections without its `rules` key */
        vigil_ynode *det = vigil_arena_alloc(a, sizeof *det);
        if (det == NULL)
            return VIGIL_ERR_NOMEM;
        *det = *flt;
        det->items = vigil_arena_alloc(a, 2 * (flt->n + 1) * sizeof *det->items);
        if (det->items == NULL)
            return VIGIL_ERR_NOMEM;
        det->n = 0;
        for (size_t i = 0; i < flt->n; i++) {
            if (strcmp(flt->items[2 * i]->str, "rules") == 0)
                continue;
            det->items[2 * det->n] = flt->items[2 * i];
            det->items[2 * det->n + 1] = flt->items[2 * i + 1];
            det->n++;
        }
        st = vigil_sigma_detection_compile(&cx, det, &r->det);
    } else {
        r->kind = VIGIL_SR_DETECTION;
        st = vigil_sigma_detection_compile(&cx, vigil_ynode_get(doc, "detection"), &r->det);
    }
    if (st == VIGIL_ERR_RULE) {
        snprintf(d->reason, sizeof d->reason, "%s", cx.err);
        if (cx.err_line)
            d->line = cx.err_line;
        return st;
    }
    if (st != VIGIL_OK)
        return st;
    if (cx.note[0])
        vigil_diagf(&d->b->sink, cx.note_info ? VIGIL_DIAG_INFO : VIGIL_DIAG_WARNING,
                    VIGIL_ERR_RULE, d->source, d->line, "'%s': %s", r->info.title, cx.note);
    if (cx.unset[0] && (r->ph_unset = vigil_arena_strdup(a, cx.unset)) == NULL)
        return VIGIL_ERR_NOMEM;
    *out = r;
    return VIGIL_OK;
}

static vigil_status add_text(vigil_sigma_builder *b, const char *name, const char *text, size_t len)
{
    vigil_sigma_ruleset *rs = b->rs;
    vigil_arena *a = &rs->arena;
    const char *source = vigil_arena_strdup(a, name ? name : "(string)");
    if (source == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_ydoc *docs;
    size_t nd;
    uint64_t el;
    const char *err;
    vigil_status st = vigil_yaml_parse(a, text, len, &docs, &nd, &el, &err);
    rs->counts.files++;
    int refused = 0;
    if (st == VIGIL_ERR_NOMEM)
        return st;
    if (st != VIGIL_OK) {
        vigil_diagf(&b->sink, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, source, el, "refused: %s",
                    err ? err : "YAML error");
        rs->counts.refused++;
        refused++;
    }
    const vigil_ynode *global = NULL, *prev = NULL;
    for (size_t i = 0; i < nd; i++) {
        const vigil_ynode *doc = docs[i].root;
        doc_ctx d = {.b = b, .source = source, .line = docs[i].line};
        if (doc->type == VIGIL_YN_SCALAR && vigil_ynode_is_null(doc))
            continue; /* empty document */
        const char *action = doc->type == VIGIL_YN_MAP ? meta_str(doc, "action") : NULL;
        if (action != NULL) {
            if (strcmp(action, "global") == 0) {
                global = doc;
                continue;
            }
            if (strcmp(action, "reset") == 0) {
                global = NULL;
                continue;
            }
            if (strcmp(action, "repeat") == 0 && prev != NULL) {
                doc = ymerge(a, prev, doc, 0);
                if (doc == NULL)
                    return VIGIL_ERR_NOMEM;
            }
        } else if (global != NULL) {
            doc = ymerge(a, global, doc, 0);
            if (doc == NULL)
                return VIGIL_ERR_NOMEM;
        }
        prev = doc;
        vigil_sigma_rule *r;
        st = compile_doc(&d, doc, &r);
        if (st == VIGIL_ERR_NOMEM)
            return st;
        if (st != VIGIL_OK) {
            const char *title = doc->type == VIGIL_YN_MAP ? meta_str(doc, "title") : NULL;
            vigil_diagf(&b->sink, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, source, d.line,
                        "refused '%s': %s", title ? title : "(untitled)",
                        d.reason[0] ? d.reason : vigil_status_str(st));
            rs->counts.refused++;
            refused++;
            continue;
        }
        if (r->kind == VIGIL_SR_FILTER) {
            if (pv_push(&b->filters, r) != 0)
                return VIGIL_ERR_NOMEM;
            rs->counts.filters++;
        } else {
            if (pv_push(&b->rules, r) != 0)
                return VIGIL_ERR_NOMEM;
            if (r->kind == VIGIL_SR_CORRELATION)
                rs->counts.correlations++;
            else
                rs->counts.rules++;
        }
    }
    return refused && b->strict ? VIGIL_ERR_RULE : VIGIL_OK;
}

vigil_status vigil_sigma_builder_add_string(vigil_sigma_builder *b, const char *name,
                                            const char *text, size_t len)
{
    if (b == NULL || (text == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    return add_text(b, name, text ? text : "", len);
}

static int has_yaml_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot != NULL && (strcmp(dot, ".yml") == 0 || strcmp(dot, ".yaml") == 0);
}

static vigil_status add_path_rec(vigil_sigma_builder *b, const char *path, int depth)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        vigil_diagf(&b->sink, VIGIL_DIAG_ERROR, VIGIL_ERR_NOT_FOUND, path, 0,
                    "cannot open rule path");
        return VIGIL_ERR_NOT_FOUND;
    }
    if (S_ISDIR(sb.st_mode)) {
        if (depth > MAX_DIR_DEPTH)
            return VIGIL_OK;
        struct dirent **list;
        int n = scandir(path, &list, NULL, alphasort);
        if (n < 0) {
            vigil_diagf(&b->sink, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot read directory");
            return VIGIL_OK;
        }
        vigil_status st = VIGIL_OK;
        for (int i = 0; i < n; i++) {
            const char *nm = list[i]->d_name;
            if (st == VIGIL_OK && nm[0] != '.') {
                size_t pl = strlen(path), nl = strlen(nm);
                char *full = malloc(pl + nl + 2);
                if (full == NULL) {
                    st = VIGIL_ERR_NOMEM;
                } else {
                    memcpy(full, path, pl);
                    full[pl] = '/';
                    memcpy(full + pl + 1, nm, nl + 1);
                    struct stat cs;
                    if (stat(full, &cs) == 0 && (S_ISDIR(cs.st_mode) || has_yaml_ext(nm))) {
                        vigil_status s2 = add_path_rec(b, full, depth + 1);
                        if (s2 == VIGIL_ERR_NOMEM || (b->strict && s2 != VIGIL_OK))
                            st = s2;
                    }
                    free(full);
                }
            }
            free(list[i]);
        }
        free(list);
        return st;
    }
    size_t len;
    vigil_status st;
    char *text = vigil_sigma_read_file(path, MAX_RULE_FILE, &len, &st);
    if (text == NULL) {
        vigil_diagf(&b->sink, VIGIL_DIAG_ERROR, st, path, 0, "cannot read rule file: %s",
                    vigil_status_str(st));
        return st;
    }
    st = add_text(b, path, text, len);
    free(text);
    return st;
}

vigil_status vigil_sigma_builder_add_path(vigil_sigma_builder *b, const char *path)
{
    if (b == NULL || path == NULL)
        return VIGIL_ERR_INVALID_ARG;
    return add_path_rec(b, path, 0);
}

void vigil_sigma_builder_get_counts(const vigil_sigma_builder *b, vigil_sigma_counts *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (b != NULL)
        *out = b->rs->counts;
}

/* ---- build: link filters and correlations ---- */

static vigil_sigma_rule *find_rule(vigil_sigma_rule **rules, size_t n, const char *ref)
{
    for (size_t i = 0; i < n; i++)
        if (rules[i]->info.id != NULL && strcmp(rules[i]->info.id, ref) == 0)
            return rules[i];
    for (size_t i = 0; i < n; i++)
        if (rules[i]->info.name != NULL && strcmp(rules[i]->info.name, ref) == 0)
            return rules[i];
    return NULL;
}

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Does the filter's logsource cover the rule's (every field the filter sets
 * is the rule's)? */
static int logsource_covers(const vigil_sigma_rule *f, const vigil_sigma_rule *r)
{
    return (f->info.product == NULL || same_str(f->info.product, r->info.product)) &&
           (f->info.category == NULL || same_str(f->info.category, r->info.category)) &&
           (f->info.service == NULL || same_str(f->info.service, r->info.service));
}

static vigil_status attach_filter(vigil_arena *a, vigil_sigma_rule *r, vigil_sigma_rule *f)
{
    if (VIGIL_ARENA_ARRAY_RESERVE(a, r->filters, r->nfilters_cap, r->nfilters, r->nfilters + 1) !=
        VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    r->filters[r->nfilters++] = f;
    return VIGIL_OK;
}

/* Depth of a correlation chain; -1 on a cycle or a broken reference. */
static int corr_depth(vigil_sigma_rule *r, int guard)
{
    if (r->kind != VIGIL_SR_CORRELATION)
        return 0;
    if (guard > 16 || r->ref_rules == NULL)
        return -1;
    int d = 0;
    for (size_t i = 0; i < r->nrefs; i++) {
        int x = corr_depth(r->ref_rules[i], guard + 1);
        if (x < 0)
            return -1;
        if (x + 1 > d)
            d = x + 1;
    }
    return d;
}

/* Correlations: their references resolved; a broken one is refused (its
 * ref_rules left NULL, which corr_depth then reports as -1). */
static vigil_status resolve_correlations(vigil_sigma_builder *b, vigil_sigma_rule **rules, size_t n)
{
    vigil_arena *a = &b->rs->arena;
    for (size_t i = 0; i < n; i++) {
        vigil_sigma_rule *r = rules[i];
        if (r->kind != VIGIL_SR_CORRELATION)
            continue;
        r->ref_rules = vigil_arena_alloc(a, r->nrefs * sizeof *r->ref_rules);
        if (r->ref_rules == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t k = 0; k < r->nrefs; k++) {
            r->ref_rules[k] = find_rule(rules, n, r->refs[k]);
            if (r->ref_rules[k] == NULL || r->ref_rules[k] == r) {
                vigil_diagf(&b->sink, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, r->info.source,
                            r->info.line, "refused '%s': correlation refers to unknown rule '%s'",
                            r->info.title, r->refs[k]);
                r->ref_rules = NULL;
                break;
            }
        }
    }
    return VIGIL_OK;
}

/* Drops the refused correlations (broken references, cycles), numbers the
 * rules kept and marks the rules correlations use. Returns how many are
 * kept, at the front of rules. */
static size_t keep_valid_rules(vigil_sigma_builder *b, vigil_sigma_rule **rules, size_t n)
{
    vigil_sigma_ruleset *rs = b->rs;
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        vigil_sigma_rule *r = rules[i];
        if (r->kind == VIGIL_SR_CORRELATION && corr_depth(r, 0) < 0) {
            if (r->ref_rules != NULL)
                vigil_diagf(&b->sink, VIGIL_DIAG_ERROR, VIGIL_ERR_RULE, r->info.source,
                            r->info.line, "refused '%s': correlation chain has a cycle",
                            r->info.title);
            rs->counts.correlations--;
            rs->counts.refused++;
            continue;
        }
        rules[keep++] = r;
    }
    for (size_t i = 0; i < keep; i++) {
        vigil_sigma_rule *r = rules[i];
        r->index = i;
        if (r->kind != VIGIL_SR_CORRELATION)
            continue;
        for (size_t k = 0; k < r->nrefs; k++) {
            r->ref_rules[k]->corr_used = 1;
            if (!r->generate)
                r->ref_rules[k]->info.correlation_only = 1;
        }
    }
    return keep;
}

/* Filters: each attached to the detection rules it names, or to every one
 * its logsource covers; an unknown name is warned about. */
static vigil_status attach_filters(vigil_sigma_builder *b, vigil_sigma_rule **rules, size_t n)
{
    vigil_arena *a = &b->rs->arena;
    for (size_t i = 0; i < b->filters.n; i++) {
        vigil_sigma_rule *f = b->filters.v[i];
        /* `rules: any` (or none listed): every rule the logsource covers */
        if (f->ntargets == 0 || (f->ntargets == 1 && strcasecmp(f->targets[0], "any") == 0)) {
            for (size_t k = 0; k < n; k++)
                if (rules[k]->kind == VIGIL_SR_DETECTION && logsource_covers(f, rules[k]) &&
                    attach_filter(a, rules[k], f) != VIGIL_OK)
                    return VIGIL_ERR_NOMEM;
            continue;
        }
        for (size_t t = 0; t < f->ntargets; t++) {
            vigil_sigma_rule *r = find_rule(rules, n, f->targets[t]);
            if (r == NULL || r->kind != VIGIL_SR_DETECTION) {
                vigil_diagf(&b->sink, VIGIL_DIAG_WARNING, VIGIL_ERR_NOT_FOUND, f->info.source,
                            f->info.line, "filter '%s' names unknown rule '%s'", f->info.title,
                            f->targets[t]);
                continue;
            }
            if (attach_filter(a, r, f) != VIGIL_OK)
                return VIGIL_ERR_NOMEM;
        }
    }
    return VIGIL_OK;
}

/* The rules (scoped to their logsources) and filters move into the
 * ruleset's arrays. */
static vigil_status move_into_ruleset(vigil_sigma_builder *b, vigil_sigma_rule **rules, size_t n)
{
    vigil_sigma_ruleset *rs = b->rs;
    vigil_arena *a = &rs->arena;
    rs->rules = vigil_arena_alloc(a, (n + 1) * sizeof *rs->rules);
    rs->filters = vigil_arena_alloc(a, (b->filters.n + 1) * sizeof *rs->filters);
    if (rs->rules == NULL || rs->filters == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        vigil_sigma_rule *r = rules[i];
        if (r->kind == VIGIL_SR_DETECTION &&
            vigil_sigma_scope_resolve(a, &b->mapping, r) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        if (r->det.nsearches > rs->max_searches)
            rs->max_searches = r->det.nsearches;
        rs->rules[i] = r;
    }
    for (size_t i = 0; i < b->filters.n; i++) {
        vigil_sigma_rule *f = b->filters.v[i];
        if (f->det.nsearches > rs->max_searches)
            rs->max_searches = f->det.nsearches;
        rs->filters[i] = f;
    }
    rs->nrules = n;
    rs->nfilters = b->filters.n;
    return VIGIL_OK;
}

vigil_status vigil_sigma_builder_build(vigil_sigma_builder *b, vigil_sigma_ruleset **out)
{
    if (b == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    vigil_sigma_ruleset *rs = b->rs;
    vigil_sigma_rule **rules = (vigil_sigma_rule **)b->rules.v;
    size_t n = b->rules.n;

    vigil_status st = resolve_correlations(b, rules, n);
    if (st != VIGIL_OK)
        return st;
    n = keep_valid_rules(b, rules, n);
    st = attach_filters(b, rules, n);
    if (st == VIGIL_OK)
        st = move_into_ruleset(b, rules, n);
    if (st != VIGIL_OK)
        return st;
    vigil_sigma_report_inactive(&b->sink, rs->rules, n);
    if (rs->counts.rules == 0 && rs->counts.correlations == 0)
        return VIGIL_ERR_NO_RULES;
    st = b->no_prefilter ? VIGIL_OK : vigil_sigma_prefilter_build(rs);
    if (st == VIGIL_OK)
        st = vigil_sigma_index_build(rs);
    if (st == VIGIL_OK)
        st = vigil_sigma_prefilter_attach(rs, b->cache_dir);
    if (st != VIGIL_OK)
        return st;
    /* hand over: the builder starts afresh */
    vigil_sigma_ruleset *fresh = calloc(1, sizeof *fresh);
    if (fresh == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_arena_init(&fresh->arena);
    b->rs = fresh;
    b->rules.n = 0;
    b->filters.n = 0;
    b->mapping.loaded = 0; /* the mapping lived in the old arena */
    b->ph.n = 0;
    *out = rs;
    return VIGIL_OK;
}
