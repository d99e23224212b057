/* yara_plan.c - groups rules by precondition, re-emits each group as YARA
 * source and selects the groups a file needs.
 *
 * Why groups are closed over dependencies and globals: libyara evaluates a
 * rule reference against the referenced rule in the same compiled set, and
 * a global rule that fails silences every rule of its namespace. So each
 * group carries, per namespace, the global rules and everything its rules
 * reference; a rule's effective precondition is its own and-ed with those
 * of its required rules and of its namespace's globals. Copies are never
 * reported: each rule reports from its one home group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buffer.h"
#include "yara/yara_split.h"

typedef struct group_sel {
    int always;
    const vigil_yara_pre **alts; /* distinct satisfiable effective preconditions */
    size_t n_alts;
    vigil_yara_pre common; /* bytes shared by all alts + size hull (no preds) */
} group_sel;

struct vigil_yara_plan {
    const vigil_yara_split *s;
    vigil_arena arena;
    /* the emitted sources alone (groups' and sets'): they serve only until
     * libyara has compiled them, so vigil_yara_plan_drop_sources frees
     * them (a copy of every rule's text per set: 12 MB with the Elastic
     * and signature-base sets together) */
    vigil_arena src_arena;
    size_t n_rules;
    vigil_yara_pre *eff;
    size_t *home;
    vigil_yara_group groups[VIGIL_YARA_MAX_GROUPS];
    group_sel sel[VIGIL_YARA_MAX_GROUPS];
    size_t n_groups;
    size_t any_group; /* SIZE_MAX when none */
    int counts_only;  /* groups without sources (vigil_yara_plan_options) */
};

const char *vigil_yara_class_name(vigil_yara_class c)
{
    static const char *const names[] = {"mz", "elf", "magic", "name", "size", "any"};
    return (unsigned)c < VIGIL_YARA_CLASS_COUNT_ ? names[c] : "?";
}

/* ---- effective preconditions -------------------------------------------- */

static void pre_init(vigil_yara_pre *p)
{
    memset(p, 0, sizeof *p);
    p->size_max = UINT64_MAX;
}

static void merge_byte(vigil_yara_pre *pre, uint16_t off, uint8_t val)
{
    unsigned i = 0;
    while (i < pre->n_bytes && pre->bytes[i].off < off)
        i++;
    if (i < pre->n_bytes && pre->bytes[i].off == off) {
        if (pre->bytes[i].val != val)
            pre->flags |= VIGIL_YARA_PRE_UNSAT;
        return;
    }
    if (pre->n_bytes == VIGIL_YARA_PRE_MAX_BYTES)
        return;
    memmove(&pre->bytes[i + 1], &pre->bytes[i], (pre->n_bytes - i) * sizeof pre->bytes[0]);
    pre->bytes[i].off = off;
    pre->bytes[i].val = val;
    pre->n_bytes++;
}

/* dst &= src (preds appended in arena memory). */
static vigil_status pre_and(vigil_arena *a, vigil_yara_pre *dst, const vigil_yara_pre *src)
{
    dst->flags |= src->flags;
    for (unsigned i = 0; i < src->n_bytes; i++)
        merge_byte(dst, src->bytes[i].off, src->bytes[i].val);
    if (src->size_min > dst->size_min)
        dst->size_min = src->size_min;
    if (src->size_max < dst->size_max)
        dst->size_max = src->size_max;
    if (dst->size_min > dst->size_max)
        dst->flags |= VIGIL_YARA_PRE_UNSAT;
    if (src->n_preds) {
        size_t n = dst->n_preds + src->n_preds;
        const vigil_yara_node **p = vigil_arena_alloc(a, n * sizeof *p);
        if (p == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < dst->n_preds; i++)
            p[i] = dst->preds[i];
        for (size_t i = 0; i < src->n_preds; i++)
            p[dst->n_preds + i] = src->preds[i];
        dst->preds = p;
        dst->n_preds = n;
    }
    return VIGIL_OK;
}

static vigil_status compute_eff(vigil_yara_plan *p)
{
    const vigil_yara_split *s = p->s;
    size_t n = p->n_rules, n_ns = vigil_yara_split_ns_count(s);
    vigil_yara_pre *base = calloc(n ? n : 1, sizeof *base);
    vigil_yara_pre *nsg = calloc(n_ns ? n_ns : 1, sizeof *nsg);
    vigil_status st = base && nsg ? VIGIL_OK : VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < n_ns && st == VIGIL_OK; i++)
        pre_init(&nsg[i]);
    /* base = own precondition and those of the rules it requires (earlier). */
    for (size_t r = 0; r < n && st == VIGIL_OK; r++) {
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        base[r] = rule->pre;
        base[r].req_rules = NULL;
        base[r].n_req_rules = 0;
        for (size_t k = 0; k < rule->pre.n_req_rules && st == VIGIL_OK; k++)
            st = pre_and(&p->arena, &base[r], &base[rule->pre.req_rules[k]]);
        if (st == VIGIL_OK && (rule->flags & VIGIL_YARA_RULE_GLOBAL))
            st = pre_and(&p->arena, &nsg[rule->ns_index], &base[r]);
    }
    for (size_t r = 0; r < n && st == VIGIL_OK; r++) {
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        p->eff[r] = base[r];
        st = pre_and(&p->arena, &p->eff[r], &nsg[rule->ns_index]);
    }
    free(base);
    free(nsg);
    return st;
}

/* ---- classification ----------------------------------------------------- */

static int has_bytes(const vigil_yara_pre *pre, const char *m, unsigned n)
{
    if (pre->n_bytes < n)
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (pre->bytes[i].off != i || pre->bytes[i].val != (uint8_t)m[i])
            return 0;
    return 1;
}

static vigil_yara_class classify(const vigil_yara_pre *pre)
{
    if (has_bytes(pre, "MZ", 2))
        return VIGIL_YARA_CLASS_MZ;
    if (has_bytes(pre,
                  "\x7f"
                  "ELF",
                  4))
        return VIGIL_YARA_CLASS_ELF;
    if (pre->n_bytes)
        return VIGIL_YARA_CLASS_MAGIC;
    if (pre->n_preds)
        return VIGIL_YARA_CLASS_NAME;
    if (pre->size_min > 0 || pre->size_max != UINT64_MAX || (pre->flags & VIGIL_YARA_PRE_UNSAT))
        return VIGIL_YARA_CLASS_SIZE;
    return VIGIL_YARA_CLASS_ANY;
}

/* ---- alternatives --------------------------------------------------------- */

static int pre_cmp(const void *x, const void *y)
{
    const vigil_yara_pre *a = *(const vigil_yara_pre *const *)x;
    const vigil_yara_pre *b = *(const vigil_yara_pre *const *)y;
    if (a->n_bytes != b->n_bytes)
        return a->n_bytes < b->n_bytes ? -1 : 1;
    for (unsigned i = 0; i < a->n_bytes; i++) {
        if (a->bytes[i].off != b->bytes[i].off)
            return a->bytes[i].off < b->bytes[i].off ? -1 : 1;
        if (a->bytes[i].val != b->bytes[i].val)
            return a->bytes[i].val < b->bytes[i].val ? -1 : 1;
    }
    if (a->size_min != b->size_min)
        return a->size_min < b->size_min ? -1 : 1;
    if (a->size_max != b->size_max)
        return a->size_max < b->size_max ? -1 : 1;
    if (a->n_preds != b->n_preds)
        return a->n_preds < b->n_preds ? -1 : 1;
    for (size_t i = 0; i < a->n_preds; i++)
        if (a->preds[i] != b->preds[i])
            return (uintptr_t)a->preds[i] < (uintptr_t)b->preds[i] ? -1 : 1;
    return 0;
}

static vigil_status build_sel(vigil_yara_plan *p, size_t g)
{
    group_sel *sel = &p->sel[g];
    if (p->groups[g].cls == VIGIL_YARA_CLASS_ANY) {
        sel->always = 1;
        return VIGIL_OK;
    }
    size_t n = 0;
    for (size_t r = 0; r < p->n_rules; r++)
        if (p->home[r] == g)
            n++;
    const vigil_yara_pre **alts = vigil_arena_alloc(&p->arena, (n ? n : 1) * sizeof *alts);
    if (alts == NULL)
        return VIGIL_ERR_NOMEM;
    size_t k = 0;
    for (size_t r = 0; r < p->n_rules; r++)
        if (p->home[r] == g && !(p->eff[r].flags & VIGIL_YARA_PRE_UNSAT))
            alts[k++] = &p->eff[r];
    if (k > 1)
        qsort(alts, k, sizeof *alts, pre_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || pre_cmp(&alts[u - 1], &alts[i]) != 0)
            alts[u++] = alts[i];
    sel->alts = alts;
    sel->n_alts = u;
    /* Prefilter: bytes every alternative needs, and the size hull. */
    pre_init(&sel->common);
    if (u > 0) {
        sel->common.size_min = UINT64_MAX;
        sel->common.size_max = 0;
        for (unsigned b = 0; b < alts[0]->n_bytes; b++) {
            int all = 1;
            for (size_t i = 1; i < u && all; i++) {
                int found = 0;
                for (unsigned j = 0; j < alts[i]->n_bytes; j++)
                    if (alts[i]->bytes[j].off == alts[0]->bytes[b].off &&
                        alts[i]->bytes[j].val == alts[0]->bytes[b].val)
                        found = 1;
                all = found;
            }
            if (all)
                merge_byte(&sel->common, alts[0]->bytes[b].off, alts[0]->bytes[b].val);
        }
        for (size_t i = 0; i < u; i++) {
            if (alts[i]->size_min < sel->common.size_min)
                sel->common.size_min = alts[i]->size_min;
            if (alts[i]->size_max > sel->common.size_max)
                sel->common.size_max = alts[i]->size_max;
        }
    }
    return VIGIL_OK;
}

/* ---- emission ----------------------------------------------------------- */

typedef struct src_vec {
    vigil_yara_group_source *items;
    size_t n, cap;
} src_vec;

static vigil_status add_source(vigil_yara_plan *p, src_vec *v, const char *ns, const char *text,
                               size_t len)
{
    if (VIGIL_ARRAY_RESERVE(v->items, v->cap, v->n + 1) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    char *copy = vigil_arena_strndup(&p->src_arena, text, len);
    if (copy == NULL)
        return VIGIL_ERR_NOMEM;
    v->items[v->n].ns = ns;
    v->items[v->n].text = copy;
    v->items[v->n].len = len;
    v->n++;
    return VIGIL_OK;
}

static int in_mask(uint64_t mask, size_t g)
{
    return g < VIGIL_YARA_MAX_GROUPS && (mask >> g & 1u);
}

/* 1 when identifier `name` occurs anywhere in the condition tree n (a
 * module is only ever reached through its identifier). */
static int uses_ident(const vigil_yara_node *n, const char *name, int depth)
{
    if (n == NULL)
        return 0;
    if (depth > 2000)
        return 1; /* too deep to tell: keep the import */
    if (n->kind == VY_N_IDENT && n->str != NULL && strcmp(n->str, name) == 0)
        return 1;
    if (uses_ident(n->a, name, depth + 1) || uses_ident(n->b, name, depth + 1) ||
        uses_ident(n->c, name, depth + 1))
        return 1;
    for (size_t i = 0; i < n->n_items; i++)
        if (uses_ident(n->items[i], name, depth + 1))
            return 1;
    return 0;
}

/* Whether a set needs namespace ns's import of `module`: some rule of ns
 * emitted into it (mark) names the module. libyara loads every imported
 * module for every file scanned (the pe module alone costs about 0.3 ms
 * per file), so a set for non-PE files should not import "pe" only
 * because the rule file did for rules that live in another set. */
static int import_needed(const vigil_yara_split *s, const unsigned char *mark, size_t n, size_t ns,
                         const char *module)
{
    for (size_t r = 0; r < n; r++) {
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        if (!mark[r] || rule->ns_index != ns)
            continue;
        if (rule->cond == NULL || uses_ident(rule->cond, module, 0))
            return 1;
    }
    return 0;
}

/* Emits the rules whose home group is in `mask`, closed over their
 * dependencies and their namespaces' globals, into grp (counts, and
 * sources unless counts_only). */
static vigil_status emit_mask(vigil_yara_plan *p, uint64_t mask, unsigned char *mark,
                              vigil_yara_group *grp, int counts_only)
{
    const vigil_yara_split *s = p->s;
    size_t n = p->n_rules, n_ns = vigil_yara_split_ns_count(s);
    memset(mark, 0, n ? n : 1);
    unsigned char *ns_used = calloc(n_ns ? n_ns : 1, 1);
    if (ns_used == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t r = 0; r < n; r++) {
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        if (in_mask(mask, p->home[r]) && !vigil_yara_split_ns_opaque(s, rule->ns_index)) {
            mark[r] = 1;
            ns_used[rule->ns_index] = 1;
            grp->n_home++;
            if (!(rule->flags & VIGIL_YARA_RULE_PRIVATE))
                grp->n_rules++;
        }
    }
    for (size_t r = 0; r < n; r++) {
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        if ((rule->flags & VIGIL_YARA_RULE_GLOBAL) && ns_used[rule->ns_index])
            mark[r] = 1;
    }
    /* Dependencies always precede their users: one backward pass closes. */
    for (size_t r = n; r-- > 0;) {
        if (!mark[r])
            continue;
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        for (size_t k = 0; k < rule->n_deps; k++)
            mark[rule->deps[k]] = 1;
    }
    src_vec srcs = {0};
    vigil_buffer tb = {0};
    vigil_status st = VIGIL_OK;
    if (counts_only) {
        for (size_t r = 0; r < n; r++) { /* as the loop below counts them */
            size_t ns = vigil_yara_split_rule(s, r)->ns_index;
            grp->n_copies += mark[r] && ns_used[ns] && !vigil_yara_split_ns_opaque(s, ns) &&
                             !in_mask(mask, p->home[r]);
        }
        free(ns_used);
        return VIGIL_OK;
    }
    for (size_t ns = 0; ns < n_ns && st == VIGIL_OK; ns++) {
        if (vigil_yara_split_ns_opaque(s, ns)) {
            if (!in_mask(mask, p->any_group))
                continue;
            const char *text = NULL;
            size_t nraw = vigil_yara_split_ns_raw(s, ns, 0, &text);
            for (size_t i = 0; i < nraw && st == VIGIL_OK; i++) {
                vigil_yara_split_ns_raw(s, ns, i, &text);
                st = add_source(p, &srcs, vigil_yara_split_ns_name(s, ns), text, strlen(text));
            }
            continue;
        }
        if (!ns_used[ns])
            continue;
        vigil_buffer_reset(&tb);
        const char *const *imports;
        size_t ni = vigil_yara_split_ns_imports(s, ns, &imports);
        for (size_t i = 0; i < ni && st == VIGIL_OK; i++) {
            if (!import_needed(s, mark, n, ns, imports[i]))
                continue;
            st = vigil_buffer_append_str(&tb, "import \"");
            if (st == VIGIL_OK)
                st = vigil_buffer_append_str(&tb, imports[i]);
            if (st == VIGIL_OK)
                st = vigil_buffer_append_str(&tb, "\"\n");
        }
        for (size_t r = 0; r < n && st == VIGIL_OK; r++) {
            const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
            if (!mark[r] || rule->ns_index != ns)
                continue;
            if (!in_mask(mask, p->home[r]))
                grp->n_copies++;
            st = vigil_buffer_append_str(&tb, "\n");
            if (st == VIGIL_OK)
                st = vigil_buffer_append(&tb, rule->text, rule->text_len);
            if (st == VIGIL_OK)
                st = vigil_buffer_append_str(&tb, "\n");
        }
        if (st == VIGIL_OK)
            st = add_source(p, &srcs, vigil_yara_split_ns_name(s, ns), tb.data ? tb.data : "",
                            tb.len);
    }
    vigil_buffer_free(&tb);
    free(ns_used);
    if (st == VIGIL_OK && srcs.n) {
        vigil_yara_group_source *items = vigil_arena_alloc(&p->src_arena, srcs.n * sizeof *items);
        if (items == NULL)
            st = VIGIL_ERR_NOMEM;
        else
            memcpy(items, srcs.items, srcs.n * sizeof *items);
        grp->sources = items;
        grp->n_sources = srcs.n;
    }
    free(srcs.items);
    return st;
}

static vigil_status emit_group(vigil_yara_plan *p, size_t g, unsigned char *mark)
{
    return emit_mask(p, 1ull << g, mark, &p->groups[g], p->counts_only);
}

/* ---- build -------------------------------------------------------------- */

static vigil_status name_group(vigil_yara_plan *p, vigil_yara_group *grp, vigil_yara_class cls,
                               uint64_t cap)
{
    char buf[64];
    if (cap != UINT64_MAX)
        snprintf(buf, sizeof buf, "%s<=%llu", vigil_yara_class_name(cls), (unsigned long long)cap);
    else
        snprintf(buf, sizeof buf, "%s", vigil_yara_class_name(cls));
    grp->name = vigil_arena_strdup(&p->arena, buf);
    grp->cls = cls;
    return grp->name ? VIGIL_OK : VIGIL_ERR_NOMEM;
}

vigil_status vigil_yara_plan_build(const vigil_yara_split *s, const vigil_yara_plan_options *opt,
                                   vigil_yara_plan **out)
{
    if (s == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    size_t n_caps = opt ? opt->n_mz_size_caps : 0;
    if (n_caps > VIGIL_YARA_MAX_GROUPS - VIGIL_YARA_CLASS_COUNT_)
        return VIGIL_ERR_LIMIT;
    for (size_t i = 1; i < n_caps; i++)
        if (opt->mz_size_caps[i] <= opt->mz_size_caps[i - 1])
            return VIGIL_ERR_INVALID_ARG;
    vigil_yara_plan *p = calloc(1, sizeof *p);
    if (p == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_arena_init(&p->arena);
    vigil_arena_init(&p->src_arena);
    p->s = s;
    p->any_group = SIZE_MAX;
    p->counts_only = opt != NULL && opt->counts_only;
    p->n_rules = vigil_yara_split_rule_count(s);
    size_t nr = p->n_rules ? p->n_rules : 1;
    p->eff = calloc(nr, sizeof *p->eff);
    p->home = calloc(nr, sizeof *p->home);
    unsigned char *mark = calloc(nr, 1);
    vigil_status st = p->eff && p->home && mark ? VIGIL_OK : VIGIL_ERR_NOMEM;
    if (st == VIGIL_OK)
        st = compute_eff(p);
    /* Slot per (class, mz size bucket); then compacted to non-empty groups. */
    size_t n_slots = VIGIL_YARA_CLASS_COUNT_ + n_caps;
    size_t slot_count[VIGIL_YARA_MAX_GROUPS] = {0};
    size_t *slot = calloc(nr, sizeof *slot);
    if (slot == NULL)
        st = VIGIL_ERR_NOMEM;
    size_t any_slot = n_slots - 1;
    int any_needed = 0;
    for (size_t r = 0; r < p->n_rules && st == VIGIL_OK; r++) {
        const vigil_yara_rule *rule = vigil_yara_split_rule(s, r);
        size_t k;
        if (vigil_yara_split_ns_opaque(s, rule->ns_index)) {
            k = any_slot;
        } else {
            vigil_yara_class c = classify(&p->eff[r]);
            if (c == VIGIL_YARA_CLASS_MZ) {
                k = n_caps; /* unbounded MZ bucket */
                for (size_t i = 0; i < n_caps; i++)
                    if (p->eff[r].size_max <= opt->mz_size_caps[i]) {
                        k = i;
                        break;
                    }
            } else {
                k = n_caps + (size_t)c;
            }
        }
        slot[r] = k;
        slot_count[k]++;
    }
    for (size_t ns = 0; ns < vigil_yara_split_ns_count(s); ns++)
        if (vigil_yara_split_ns_opaque(s, ns))
            any_needed = 1;
    size_t slot_group[VIGIL_YARA_MAX_GROUPS];
    for (size_t k = 0; k < n_slots && st == VIGIL_OK; k++) {
        slot_group[k] = SIZE_MAX;
        if (slot_count[k] == 0 && !(k == any_slot && any_needed))
            continue;
        vigil_yara_class cls = k <= n_caps ? VIGIL_YARA_CLASS_MZ : (vigil_yara_class)(k - n_caps);
        uint64_t cap = k < n_caps ? opt->mz_size_caps[k] : UINT64_MAX;
        slot_group[k] = p->n_groups;
        st = name_group(p, &p->groups[p->n_groups], cls, cap);
        if (k == any_slot)
            p->any_group = p->n_groups;
        p->n_groups++;
    }
    for (size_t r = 0; r < p->n_rules && st == VIGIL_OK; r++)
        p->home[r] = slot_group[slot[r]];
    for (size_t g = 0; g < p->n_groups && st == VIGIL_OK; g++) {
        st = emit_group(p, g, mark);
        if (st == VIGIL_OK)
            st = build_sel(p, g);
    }
    free(slot);
    free(mark);
    if (st != VIGIL_OK) {
        vigil_yara_plan_destroy(p);
        return st;
    }
    *out = p;
    return VIGIL_OK;
}

void vigil_yara_plan_destroy(vigil_yara_plan *p)
{
    if (p == NULL)
        return;
    free(p->eff);
    free(p->home);
    vigil_arena_free(&p->arena);
    vigil_arena_free(&p->src_arena);
    free(p);
}

void vigil_yara_plan_drop_sources(vigil_yara_plan *p)
{
    if (p == NULL)
        return;
    for (size_t g = 0; g < p->n_groups; g++) {
        p->groups[g].sources = NULL;
        p->groups[g].n_sources = 0;
    }
    vigil_arena_free(&p->src_arena);
    vigil_arena_init(&p->src_arena);
}

size_t vigil_yara_plan_group_count(const vigil_yara_plan *p)
{
    return p ? p->n_groups : 0;
}

const vigil_yara_group *vigil_yara_plan_group(const vigil_yara_plan *p, size_t g)
{
    return p && g < p->n_groups ? &p->groups[g] : NULL;
}

size_t vigil_yara_plan_rule_group(const vigil_yara_plan *p, size_t rule)
{
    return p && rule < p->n_rules ? p->home[rule] : SIZE_MAX;
}

const vigil_yara_pre *vigil_yara_plan_rule_pre(const vigil_yara_plan *p, size_t rule)
{
    return p && rule < p->n_rules ? &p->eff[rule] : NULL;
}

vigil_status vigil_yara_plan_select(const vigil_yara_plan *p, const uint8_t *head, size_t head_len,
                                    uint64_t filesize, const vigil_yara_externals *ext,
                                    uint64_t *mask)
{
    if (p == NULL || mask == NULL || (head == NULL && head_len > 0))
        return VIGIL_ERR_INVALID_ARG;
    uint64_t m = 0;
    for (size_t g = 0; g < p->n_groups; g++) {
        const group_sel *sel = &p->sel[g];
        if (sel->always) {
            m |= 1ull << g;
            continue;
        }
        if (sel->n_alts == 0 ||
            !vigil_yara_pre_may_match(&sel->common, head, head_len, filesize, ext))
            continue;
        for (size_t i = 0; i < sel->n_alts; i++)
            if (vigil_yara_pre_may_match(sel->alts[i], head, head_len, filesize, ext)) {
                m |= 1ull << g;
                break;
            }
    }
    *mask = m;
    return VIGIL_OK;
}

int vigil_yara_plan_is_reported(const vigil_yara_plan *p, size_t g, const char *ns,
                                const char *rule)
{
    if (p == NULL || ns == NULL || rule == NULL || g >= p->n_groups)
        return 0;
    const vigil_yara_split *s = p->s;
    size_t i = vigil_yara_split_ns_find(s, ns);
    if (i == SIZE_MAX)
        return 0;
    if (vigil_yara_split_ns_opaque(s, i))
        return g == p->any_group;
    size_t r = vigil_yara_split_find(s, ns, rule);
    if (r == SIZE_MAX)
        return 0;
    const vigil_yara_rule *rr = vigil_yara_split_rule(s, r);
    return p->home[r] == g && !(rr->flags & VIGIL_YARA_RULE_PRIVATE);
}

vigil_status vigil_yara_plan_emit(vigil_yara_plan *p, uint64_t mask, vigil_yara_group *out)
{
    if (p == NULL || out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (p->n_groups < VIGIL_YARA_MAX_GROUPS)
        mask &= (1ull << p->n_groups) - 1;
    unsigned char *mark = calloc(p->n_rules ? p->n_rules : 1, 1);
    if (mark == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_status st = emit_mask(p, mask, mark, out, 0);
    free(mark);
    if (st != VIGIL_OK)
        return st;
    out->name = "union";
    out->cls = VIGIL_YARA_CLASS_ANY;
    for (size_t g = 0; g < p->n_groups; g++)
        if (in_mask(mask, g) && p->groups[g].cls < out->cls)
            out->cls = p->groups[g].cls;
    return VIGIL_OK;
}

size_t vigil_yara_plan_any_group(const vigil_yara_plan *p)
{
    return p ? p->any_group : SIZE_MAX;
}

size_t vigil_yara_plan_home(const vigil_yara_plan *p, const char *ns, const char *rule)
{
    if (p == NULL || ns == NULL || rule == NULL)
        return SIZE_MAX;
    const vigil_yara_split *s = p->s;
    size_t i = vigil_yara_split_ns_find(s, ns);
    if (i == SIZE_MAX)
        return SIZE_MAX;
    if (vigil_yara_split_ns_opaque(s, i))
        return p->any_group;
    size_t r = vigil_yara_split_find(s, ns, rule);
    return r == SIZE_MAX ? SIZE_MAX : p->home[r];
}

const char *vigil_yara_plan_nopre_reason(const vigil_yara_plan *p, size_t rule)
{
    if (p == NULL || rule >= p->n_rules)
        return NULL;
    const vigil_yara_rule *r = vigil_yara_split_rule(p->s, rule);
    if (vigil_yara_split_ns_opaque(p->s, r->ns_index))
        return "its file could not be analysed";
    if (classify(&p->eff[rule]) != VIGIL_YARA_CLASS_ANY)
        return NULL;
    if (r->cond == NULL)
        return "no condition";
    if (r->cond->kind == VY_N_OR)
        return "condition is an 'or' at the top";
    if (r->cond->kind == VY_N_TRUE)
        return "condition is 'true'";
    return "no magic, filesize or external-variable test in the top-level 'and' chain";
}
