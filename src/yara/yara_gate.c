/* yara_gate.c - literal gate: build the databases, decide per file.
 *
 * Why: see yara_gate.h. At load, every reported rule of a gated group gets
 * its strings' literals (yara_gate_lit.c); they are deduplicated and
 * compiled into Hyperscan literal databases. Per file, each rule is first
 * evaluated with every string possibly present (false: magic, size or
 * name rule it out) and with every gated string absent (not false: it
 * needs no literal, so libyara must scan); the rest wait on one Hyperscan
 * pass that stops as soon as a found literal makes one of them possible. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "core/hyperscan_cache.h"
#include "yara/yara_gate_internal.h"
#include "yara/yara_lex.h"

static int lit_cmp(const void *x, const void *y)
{
    const gate_lit *a = x, *b = y;
    if (a->nocase != b->nocase)
        return a->nocase - b->nocase;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    int c = memcmp(a->bytes, b->bytes, a->len);
    if (c != 0)
        return c;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static int same_lit(const gate_lit *a, const gate_lit *b)
{
    return a->nocase == b->nocase && a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* Patterns PCRE2 reads exactly as libyara does as far as "no match" goes:
 * literals, classes, groups, the usual quantifiers. `{,n}` (a quantifier
 * to libyara, text to PCRE2), what only PCRE2 knows (`*+`, `(?`, `[:`),
 * escapes other than punctuation and \d \w \s, and bytes outside
 * printable ASCII are refused: the condition then stays unknown. */
static int regex_safe(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') {
            if (++i >= n)
                return 0;
            c = (unsigned char)p[i];
            if (strchr(".\\-{}()[]|*+?^$/ dwsDWS", c) == NULL || c == '\0')
                return 0;
            continue;
        }
        if ((c == '{' && i + 1 < n && p[i + 1] == ',') || c < 0x20 || c >= 0x7f)
            return 0;
        /* possessive quantifiers, (?...) groups, POSIX classes: PCRE2 only */
        if (i + 1 < n && ((strchr("*+?}", c) != NULL && p[i + 1] == '+') ||
                          (c == '(' && p[i + 1] == '?') || (c == '[' && p[i + 1] == ':')))
            return 0;
    }
    return 1;
}

/* Compiles `external matches /re/flags` for the evaluator. */
static vigil_status add_regex(vigil_yara_gate *g, const vigil_yara_node *n, size_t *cap)
{
    const char *t = n->str;
    size_t len = n->str_len, end;
    uint32_t opts = 0;
    if (len < 2 || t[0] != '/')
        return VIGIL_OK;
    for (end = len - 1; end > 0 && t[end] != '/'; end--)
        ;
    if (end == 0)
        return VIGIL_OK;
    for (size_t i = end + 1; i < len; i++) {
        if (t[i] == 'i')
            opts |= PCRE2_CASELESS;
        else if (t[i] == 's')
            opts |= PCRE2_DOTALL;
        else
            return VIGIL_OK;
    }
    if (!regex_safe(t + 1, end - 1))
        return VIGIL_OK;
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(t + 1), end - 1, opts, &err, &off, NULL);
    if (code == NULL)
        return VIGIL_OK;
    if (VIGIL_ARRAY_RESERVE(g->regex, *cap, g->nregex + 1) != VIGIL_OK) {
        pcre2_code_free(code);
        return VIGIL_ERR_NOMEM;
    }
    g->regex[g->nregex++] = (gate_regex){n, code};
    return VIGIL_OK;
}

static vigil_status find_regexes(vigil_yara_gate *g, const vigil_yara_rule *r,
                                 const vigil_yara_node *n, size_t *cap, int depth)
{
    if (n == NULL || depth > GATE_EVAL_MAX_DEPTH)
        return VIGIL_OK;
    if (n->kind == VY_N_MATCHES && n->b != NULL && n->b->kind == VY_N_REGEX &&
        vigil_yara_is_external(g->split, r->ns_index, n->a))
        return add_regex(g, n->b, cap);
    const vigil_yara_node *kids[3] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; i++) {
        vigil_status st = find_regexes(g, r, kids[i], cap, depth + 1);
        if (st != VIGIL_OK)
            return st;
    }
    for (size_t i = 0; i < n->n_items; i++) {
        vigil_status st = find_regexes(g, r, n->items[i], cap, depth + 1);
        if (st != VIGIL_OK)
            return st;
    }
    return VIGIL_OK;
}

/* Why string sp got no literal (vigil_yara_gate_string_forms said so). */
static const char *string_why(const gate_str_parse *sp)
{
    if (sp->kind == VY_T_HEX)
        return "hex string without a fixed run of 4 bytes";
    if (sp->kind == VY_T_REGEX)
        return sp->xor_set ? "regular expression with xor"
                           : "regular expression without a required literal of 4 bytes";
    if (sp->kind != VY_T_STRING)
        return "string of an unknown kind";
    if (sp->base64 || sp->base64wide)
        return "base64 string (nocase, xor, or too short for a stable middle)";
    if (sp->text_len < GATE_MIN_LEN)
        return "text string shorter than 4 bytes";
    if (sp->xor_set)
        return "xor string (with wide or nocase, or too many keys)";
    return "string without a literal";
}

static vigil_status build_rules(vigil_yara_gate *g, const vigil_yara_plan *p, gate_lit_vec *lv)
{
    const vigil_yara_split *s = g->split;
    size_t nr = vigil_yara_split_rule_count(s), any = vigil_yara_plan_any_group(p);
    int opaque_any = 0;
    vigil_status st = VIGIL_OK;

    for (size_t i = 0; i < vigil_yara_split_ns_count(s); i++)
        if (vigil_yara_split_ns_opaque(s, i))
            opaque_any = 1;
    g->ngroups = vigil_yara_plan_group_count(p);
    if (g->ngroups > VIGIL_YARA_MAX_GROUPS)
        return VIGIL_ERR_LIMIT;
    for (size_t k = 0; k < g->ngroups; k++) {
        const vigil_yara_group *grp = vigil_yara_plan_group(p, k);
        if (opaque_any && k == any)
            continue;
        g->groups |= 1ull << k;
        if (grp->cls == VIGIL_YARA_CLASS_MZ)
            g->mz_groups |= 1ull << k;
    }
    /* a rule the parser could not read keeps its whole group ungated */
    for (size_t i = 0; i < nr; i++) {
        const vigil_yara_rule *r = vigil_yara_split_rule(s, i);
        size_t k = vigil_yara_plan_rule_group(p, i);
        if (k < g->ngroups && (r->cond == NULL || vigil_yara_split_ns_opaque(s, r->ns_index)))
            g->groups &= ~(1ull << k);
    }
    if (g->groups == 0)
        return VIGIL_OK;

    g->group_first = calloc(g->ngroups ? g->ngroups : 1, sizeof *g->group_first);
    g->group_n = calloc(g->ngroups ? g->ngroups : 1, sizeof *g->group_n);
    g->rules = calloc(nr ? nr : 1, sizeof *g->rules);
    gate_str_parse *sp = malloc(GATE_MAX_STRINGS * sizeof *sp);
    if (g->group_first == NULL || g->group_n == NULL || g->rules == NULL || sp == NULL) {
        free(sp);
        return VIGIL_ERR_NOMEM;
    }
    size_t regex_cap = 0;
    for (size_t k = 0; k < g->ngroups && st == VIGIL_OK; k++) {
        g->group_first[k] = g->nrules;
        if (!(g->groups >> k & 1u))
            continue;
        for (size_t i = 0; i < nr && st == VIGIL_OK; i++) {
            const vigil_yara_rule *r = vigil_yara_split_rule(s, i);
            if (vigil_yara_plan_rule_group(p, i) != k || (r->flags & VIGIL_YARA_RULE_PRIVATE))
                continue;
            gate_rule *gr = &g->rules[g->nrules++];
            gr->r = r;
            gr->group = k;
            size_t ns = vigil_yara_gate_read_strings(r, &g->arena, sp, GATE_MAX_STRINGS);
            if (ns == SIZE_MAX) {
                ns = 0; /* strings unknown: every test of them is "unknown" */
                gr->strings_unread = 1;
            }
            if (ns > 0) {
                gr->strs = vigil_arena_alloc(&g->arena, ns * sizeof *gr->strs);
                if (gr->strs == NULL) {
                    st = VIGIL_ERR_NOMEM;
                    break;
                }
                if (g->nslots + ns > UINT32_MAX) {
                    st = VIGIL_ERR_LIMIT;
                    break;
                }
            }
            gr->nstr = ns;
            for (size_t j = 0; j < ns && st == VIGIL_OK; j++) {
                gate_str *gs = &gr->strs[j];
                gs->id = sp[j].id;
                gs->id_len = sp[j].id_len;
                gs->slot = (uint32_t)g->nslots++;
                st = vigil_yara_gate_string_forms(&g->arena, &sp[j], gs->slot, lv, &gs->gated);
                if (gs->gated)
                    g->info.strings++;
                else
                    g->info.strings_open++;
                if (!gs->gated)
                    gs->why = string_why(&sp[j]);
            }
            if (st == VIGIL_OK)
                st = find_regexes(g, r, r->cond, &regex_cap, 0);
        }
        g->group_n[k] = g->nrules - g->group_first[k];
    }
    free(sp);
    if (st != VIGIL_OK)
        return st;
    if (g->nregex > 1)
        qsort(g->regex, g->nregex, sizeof *g->regex, vigil_yara_gate_regex_cmp);
    g->slot_rule = malloc((g->nslots ? g->nslots : 1) * sizeof *g->slot_rule);
    if (g->slot_rule == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < g->nrules; i++)
        for (size_t j = 0; j < g->rules[i].nstr; j++)
            g->slot_rule[g->rules[i].strs[j].slot] = (uint32_t)i;
    g->info.groups = g->groups;
    g->info.rules = g->nrules;
    return VIGIL_OK;
}

/* Why rule ri, not refutable, may match a file without its literals: a
 * string without a literal that its condition needs, or what in the
 * condition holds without any string. */
static const char *rule_why(vigil_yara_gate *g, size_t ri)
{
    gate_rule *r = &g->rules[ri];
    if (r->strings_unread)
        return "strings section not understood";
    if (vigil_yara_gate_eval_no_strings(g, ri) == GATE_F) {
        for (size_t j = 0; j < r->nstr; j++) {
            const gate_str *s = &r->strs[j];
            if (s->gated)
                continue;
            const char *w = s->why != NULL ? s->why : "string without a literal";
            size_t n = s->id_len + strlen(w) + 4;
            char *t = vigil_arena_alloc(&g->arena, n);
            if (t == NULL)
                return w;
            snprintf(t, n, "$%.*s: %s", (int)s->id_len, s->id, w);
            return t;
        }
        return "string without a literal";
    }
    const char *w = vigil_yara_gate_cond_why(g, r, r->r->cond, 0);
    return w != NULL ? w : "condition can hold with no string (not, filesize, magic tests)";
}

/* Once the databases stand: which rules no file without their literals
 * can match, whatever its magic, size and name. */
static void find_refutable(vigil_yara_gate *g)
{
    for (size_t i = 0; i < g->nrules; i++) {
        g->rules[i].refutable = vigil_yara_gate_eval(g, NULL, i, 0) == GATE_F;
        g->info.refutable += (size_t)g->rules[i].refutable;
        if (!g->rules[i].refutable)
            g->rules[i].why = rule_why(g, i);
    }
}

/* Compiles the expressions of lv (hex strings without a long enough fixed
 * run) into rx (kept in cache_dir like build_db's); when Hyperscan
 * refuses them, their strings go back to "maybe present". skip (may be
 * NULL): the slots left out. */
static int rx_entry(const gate_lit *l, const uint8_t *skip)
{
    return l->regex && !l->verify && (skip == NULL || !skip[l->slot]);
}

static vigil_status build_rx(vigil_yara_gate *g, const gate_lit_vec *lv, const uint8_t *skip,
                             const char *cache_dir, gate_db *rx)
{
    size_t n = 0;
    for (size_t i = 0; i < lv->n; i++)
        n += (size_t)rx_entry(&lv->v[i], skip);
    if (n == 0)
        return VIGIL_OK;
    if (n > UINT_MAX / 2)
        return VIGIL_ERR_LIMIT;
    const char **exprs = calloc(n, sizeof *exprs);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    rx->first = calloc(n + 1, sizeof *rx->first);
    rx->slots = calloc(n, sizeof *rx->slots);
    vigil_status st = VIGIL_ERR_NOMEM;
    if (exprs != NULL && flags != NULL && ids != NULL && rx->first != NULL && rx->slots != NULL) {
        size_t k = 0;
        for (size_t i = 0; i < lv->n; i++) {
            if (!rx_entry(&lv->v[i], skip))
                continue;
            exprs[k] = (const char *)lv->v[i].bytes;
            flags[k] = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
            ids[k] = (unsigned)k;
            rx->first[k] = (uint32_t)k;
            rx->slots[k] = lv->v[i].slot;
            k++;
        }
        rx->first[n] = (uint32_t)n;
        hs_compile_error_t *err = NULL;
        unsigned char key[32];
        int keyed = cache_dir != NULL && vigil_hyperscan_cache_key(exprs, flags, ids, (unsigned)n,
                                                                   HS_MODE_BLOCK, key) == 0;
        if (keyed && (rx->db = vigil_hyperscan_cache_load(cache_dir, key)) != NULL) {
            rx->n = n;
        } else if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &rx->db,
                                    &err) == HS_SUCCESS) {
            rx->n = n;
            if (keyed) /* a cache, not a must */
                (void)vigil_hyperscan_cache_store(cache_dir, key, rx->db);
        } else {
            rx->db = NULL;
            for (size_t i = 0; i < lv->n; i++) {
                if (!rx_entry(&lv->v[i], skip))
                    continue;
                gate_rule *r = &g->rules[g->slot_rule[lv->v[i].slot]];
                for (size_t j = 0; j < r->nstr; j++)
                    if (r->strs[j].slot == lv->v[i].slot && r->strs[j].gated) {
                        r->strs[j].gated = 0;
                        r->strs[j].why = "hex string whose expression Hyperscan refuses";
                        g->info.strings--;
                        g->info.strings_open++;
                    }
            }
        }
        hs_free_compile_error(err);
        st = VIGIL_OK;
    }
    free(exprs);
    free(flags);
    free(ids);
    return st;
}

/* Literal l without its trailing NUL bytes (down to GATE_MIN_LEN). Why:
 * Hyperscan's literal matcher checks its candidates by their last bytes,
 * and NUL is the commonest byte of compiled code; the 1,730 of Elastic's
 * 6,622 first-pass literals with a NUL in their last two bytes (wide
 * strings: "d\0l\0l\0") cost as much as the other 4,892 together. Without
 * trailing NULs, the pass over 1,294 Debian libraries went from 742-816
 * MB/s to 1,294-1,596 MB/s on one core. A string's match holds the
 * shorter run too, so a file without it still has no match; a file with
 * it has the string possibly, which is all a found literal ever says
 * (yara_gate_eval.c). */
static gate_lit without_trailing_nul(gate_lit l)
{
    while (l.len > GATE_MIN_LEN && l.bytes[l.len - 1] == 0)
        l.len--;
    return l;
}

/* Compiles the literals of lv whose rule's home group is in `groups` into
 * d (sorted and deduplicated: one id per distinct literal, marking every
 * slot that has it). */
static vigil_status build_db(vigil_yara_gate *g, const gate_lit_vec *lv, uint64_t groups,
                             const uint8_t *skip, const char *cache_dir, gate_db *d)
{
    gate_lit *v = malloc((lv->n ? lv->n : 1) * sizeof *v);
    size_t n = 0, nl = 0;
    if (v == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < lv->n; i++)
        if (!lv->v[i].regex && groups >> g->rules[g->slot_rule[lv->v[i].slot]].group & 1u &&
            (skip == NULL || !skip[lv->v[i].slot]))
            v[n++] = without_trailing_nul(lv->v[i]);
    if (n == 0) {
        free(v);
        return VIGIL_OK;
    }
    qsort(v, n, sizeof *v, lit_cmp);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !same_lit(&v[i - 1], &v[i]))
            nl++;
    if (nl > UINT_MAX || n > UINT32_MAX) {
        free(v);
        return VIGIL_ERR_LIMIT;
    }
    const char **exprs = calloc(nl, sizeof *exprs);
    size_t *lens = calloc(nl, sizeof *lens);
    unsigned *flags = calloc(nl, sizeof *flags), *ids = calloc(nl, sizeof *ids);
    d->first = calloc(nl + 1, sizeof *d->first);
    d->slots = calloc(n, sizeof *d->slots);
    vigil_status st = VIGIL_ERR_NOMEM;
    if (exprs != NULL && lens != NULL && flags != NULL && ids != NULL && d->first != NULL &&
        d->slots != NULL) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || !same_lit(&v[i - 1], &v[i])) {
                exprs[k] = (const char *)v[i].bytes;
                lens[k] = v[i].len;
                flags[k] = HS_FLAG_SINGLEMATCH | (v[i].nocase ? HS_FLAG_CASELESS : 0);
                ids[k] = (unsigned)k;
                d->first[k] = (uint32_t)i;
                k++;
            }
            d->slots[i] = v[i].slot;
        }
        d->first[nl] = (uint32_t)n;
        hs_compile_error_t *err = NULL;
        unsigned char key[32];
        int keyed = cache_dir != NULL &&
                    vigil_hyperscan_cache_key_lit(exprs, lens, flags, ids, (unsigned)nl,
                                                  HS_MODE_BLOCK, key) == 0;
        if (keyed && (d->db = vigil_hyperscan_cache_load(cache_dir, key)) != NULL) {
            d->n = nl;
            st = VIGIL_OK;
        } else if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)nl, HS_MODE_BLOCK, NULL,
                                        &d->db, &err) == HS_SUCCESS) {
            d->n = nl;
            st = VIGIL_OK;
            if (keyed)
                (void)vigil_hyperscan_cache_store(cache_dir, key, d->db); /* a cache, not a must */
        } else {
            d->db = NULL;
            st = VIGIL_ERR_RULE;
        }
        hs_free_compile_error(err);
    }
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    free(v);
    return st;
}

/* A tier's databases: the non-PE one (the non-MZ groups' literals), the
 * PE one (every gated literal), the expressions; skip (may be NULL): the
 * slots left out. */
static vigil_status build_tier(vigil_yara_gate *g, const gate_lit_vec *lv, const uint8_t *skip,
                               const char *cache_dir, gate_tier *t)
{
    vigil_status st = build_db(g, lv, g->groups & ~g->mz_groups, skip, cache_dir, &t->dbs[0]);
    if (st == VIGIL_OK && (g->groups & g->mz_groups) != 0)
        st = build_db(g, lv, g->groups, skip, cache_dir, &t->dbs[1]);
    if (st == VIGIL_OK)
        st = build_rx(g, lv, skip, cache_dir, &t->rx);
    return st;
}

static void free_db(gate_db *d)
{
    hs_free_database(d->db);
    free(d->first);
    free(d->slots);
}

static void free_tier(gate_tier *t)
{
    free_db(&t->dbs[0]);
    free_db(&t->dbs[1]);
    free_db(&t->rx);
}

vigil_status vigil_yara_gate_build(const vigil_yara_split *s, const vigil_yara_plan *p,
                                   const char *cache_dir, vigil_yara_gate **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (s == NULL || p == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_yara_gate *g = calloc(1, sizeof *g);
    if (g == NULL)
        return VIGIL_ERR_NOMEM;
    vigil_arena_init(&g->arena);
    g->split = s;
    gate_lit_vec lv = {0};
    uint8_t *pruned = NULL;
    vigil_status st = build_rules(g, p, &lv);
    if (st == VIGIL_OK && g->groups != 0)
        st = build_tier(g, &lv, NULL, cache_dir, &g->full);
    if (st == VIGIL_OK && g->groups != 0)
        st = vigil_yara_gate_prune(g, &lv, &pruned);
    if (st == VIGIL_OK && g->npruned > 0)
        st = build_tier(g, &lv, pruned, cache_dir, &g->quick);
    if (st == VIGIL_OK && g->groups != 0)
        st = vigil_yara_gate_build_verify(g, &lv, cache_dir);
    if (st == VIGIL_OK && g->groups != 0)
        find_refutable(g);
    if (st == VIGIL_OK) {
        const gate_tier *t = g->npruned > 0 ? &g->quick : &g->full;
        g->info.literals = t->dbs[1].db != NULL ? t->dbs[1].n : t->dbs[0].n;
        g->info.literals_all = g->full.dbs[1].db != NULL ? g->full.dbs[1].n : g->full.dbs[0].n;
    }
    free(pruned);
    free(lv.v);
    if (st != VIGIL_OK || g->groups == 0) {
        vigil_yara_gate_destroy(g);
        /* no gate is a valid outcome: the sets are then always scanned */
        return st == VIGIL_ERR_NOMEM ? st : VIGIL_OK;
    }
    *out = g;
    return VIGIL_OK;
}

void vigil_yara_gate_destroy(vigil_yara_gate *g)
{
    if (g == NULL)
        return;
    free_tier(&g->full);
    free_tier(&g->quick);
    vigil_yara_gate_verify_free(g);
    for (size_t i = 0; i < g->nregex; i++)
        pcre2_code_free(g->regex[i].code);
    free(g->regex);
    free(g->slot_rule);
    free(g->rules);
    free(g->group_first);
    free(g->group_n);
    free(g->costs);
    vigil_arena_free(&g->arena);
    free(g);
}

void vigil_yara_gate_get_info(const vigil_yara_gate *g, vigil_yara_gate_info *out)
{
    if (out == NULL)
        return;
    if (g == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = g->info;
}

size_t vigil_yara_gate_rule_count(const vigil_yara_gate *g)
{
    return g != NULL ? g->nrules : 0;
}

const vigil_yara_rule *vigil_yara_gate_rule(const vigil_yara_gate *g, size_t i, const char **why,
                                            uint64_t *files)
{
    if (g == NULL || i >= g->nrules)
        return NULL;
    if (why != NULL)
        *why = g->rules[i].refutable ? NULL : g->rules[i].why;
    if (files != NULL)
        *files = g->costs != NULL ? atomic_load_explicit(&g->costs[i], memory_order_relaxed) : 0;
    return g->rules[i].r;
}

vigil_status vigil_yara_gate_count_costs(vigil_yara_gate *g)
{
    if (g == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (g->costs != NULL)
        return VIGIL_OK;
    g->costs = calloc(g->nrules ? g->nrules : 1, sizeof *g->costs);
    return g->costs != NULL ? VIGIL_OK : VIGIL_ERR_NOMEM;
}

int vigil_yara_gate_refutes(const vigil_yara_gate *g, const vigil_yara_rule *r)
{
    if (g == NULL)
        return 0;
    for (size_t i = 0; i < g->nrules; i++)
        if (g->rules[i].r == r)
            return g->rules[i].refutable;
    return 0;
}

/* ---- per file ----------------------------------------------------------- */

/* Grows *hs to serve every database of t. */
static hs_error_t tier_scratch(const gate_tier *t, hs_scratch_t **hs)
{
    const gate_db *d[3] = {&t->dbs[0], &t->dbs[1], &t->rx};
    for (int i = 0; i < 3; i++)
        if (d[i]->db != NULL && hs_alloc_scratch(d[i]->db, hs) != HS_SUCCESS)
            return HS_NOMEM;
    return HS_SUCCESS;
}

vigil_status vigil_yara_gate_scratch_create(const vigil_yara_gate *g, vigil_yara_gate_scratch **out)
{
    if (out == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    if (g == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_yara_gate_scratch *sc = calloc(1, sizeof *sc);
    if (sc == NULL)
        return VIGIL_ERR_NOMEM;
    sc->g = g;
    sc->present = calloc(g->nslots ? g->nslots : 1, sizeof *sc->present);
    sc->live = calloc(g->nrules ? g->nrules : 1, sizeof *sc->live);
    sc->pending = calloc(g->nslots ? g->nslots : 1, sizeof *sc->pending);
    sc->pend_list = calloc(g->nslots ? g->nslots : 1, sizeof *sc->pend_list);
    sc->md = pcre2_match_data_create(1, NULL);
    if (sc->present == NULL || sc->live == NULL || sc->md == NULL || sc->pending == NULL ||
        sc->pend_list == NULL || tier_scratch(&g->full, &sc->hs) != HS_SUCCESS ||
        tier_scratch(&g->quick, &sc->hs) != HS_SUCCESS ||
        vigil_yara_gate_verify_scratch(g, &sc->hs) != HS_SUCCESS) {
        vigil_yara_gate_scratch_destroy(sc);
        return VIGIL_ERR_NOMEM;
    }
    *out = sc;
    return VIGIL_OK;
}

void vigil_yara_gate_scratch_destroy(vigil_yara_gate_scratch *sc)
{
    if (sc == NULL)
        return;
    hs_free_scratch(sc->hs);
    pcre2_match_data_free(sc->md);
    free(sc->present);
    free(sc->live);
    free(sc->pending);
    free(sc->pend_list);
    free(sc);
}

int vigil_yara_gate_on_match(unsigned int id, unsigned long long from, unsigned long long to,
                             unsigned int flags, void *user)
{
    vigil_yara_gate_scratch *sc = user;
    const vigil_yara_gate *g = sc->g;
    const gate_db *d = sc->db;
    (void)from;
    (void)to;
    (void)flags;
    if (id >= d->n)
        return 0;
    for (uint32_t k = d->first[id]; k < d->first[id + 1]; k++) {
        uint32_t slot = d->slots[k];
        if (sc->present[slot] == sc->gen)
            continue;
        if (g->slot_verify != NULL && g->slot_verify[slot] && !d->confirms) {
            /* the atom of a hex string with gaps: the confirming pass decides */
            if (sc->pending[slot] != sc->gen) {
                sc->pending[slot] = sc->gen;
                sc->pend_list[sc->npend++] = slot;
            }
            continue;
        }
        sc->present[slot] = sc->gen;
        if (sc->explain)
            continue; /* every rule is decided once the pass is over */
        uint32_t ri = g->slot_rule[slot];
        if (sc->live[ri] == sc->gen && vigil_yara_gate_eval(g, sc, ri, 0) != GATE_F) {
            sc->hit = 1;
            return 1; /* one rule may match: libyara must scan, stop here */
        }
    }
    return 0;
}

static void next_gen(vigil_yara_gate_scratch *sc)
{
    sc->npend = 0;
    if (++sc->gen == 0) {
        memset(sc->present, 0, (sc->g->nslots ? sc->g->nslots : 1) * sizeof *sc->present);
        memset(sc->pending, 0, (sc->g->nslots ? sc->g->nslots : 1) * sizeof *sc->pending);
        memset(sc->live, 0, (sc->g->nrules ? sc->g->nrules : 1) * sizeof *sc->live);
        sc->gen = 1;
    }
}

enum { RULE_FALSE, RULE_OPEN, RULE_WAITS };

/* Rule ri on the file of sc before any literal is searched: false whatever
 * its strings, possibly true without any literal, or waiting on its
 * literals. Kleene's logic is monotone (knowing more turns "unknown" into
 * true or false, never a known value into another), so what is false
 * knowing neither the file nor any string is false for every file: a
 * refutable rule (false with its gated strings absent) waits without being
 * evaluated (its magic, size and name tests are evaluated when one of its
 * literals is found). Two evaluations per rule and file were a third of
 * the sweep's CPU time with the 3,000 Elastic rules. */
static int before_literals(vigil_yara_gate_scratch *sc, size_t i)
{
    const vigil_yara_gate *g = sc->g;
    const gate_rule *r = &g->rules[i];
    if (r->refutable)
        return RULE_WAITS; /* its magic and size tests are evaluated with its literals */
    if (vigil_yara_gate_eval(g, sc, i, 1) == GATE_F)
        return RULE_FALSE; /* magic, size, name */
    return vigil_yara_gate_eval(g, sc, i, 0) != GATE_F ? RULE_OPEN : RULE_WAITS;
}

static void add_cost(const vigil_yara_gate *g, size_t ri)
{
    atomic_fetch_add_explicit(&g->costs[ri], 1, memory_order_relaxed);
}

/* vigil_yara_gate_may_match when costs are counted: the same answer, but
 * every rule of the groups is decided and each one left possible is
 * counted, so the literal pass runs to the end. */
static int explain(vigil_yara_gate_scratch *sc, uint64_t groups, const uint8_t *data, size_t len)
{
    const vigil_yara_gate *g = sc->g;
    size_t nlive = 0;
    int any = 0;
    for (size_t k = 0; k < g->ngroups; k++) {
        if (!(groups >> k & 1u))
            continue;
        for (size_t i = g->group_first[k]; i < g->group_first[k] + g->group_n[k]; i++) {
            int d = before_literals(sc, i);
            if (d == RULE_FALSE)
                continue;
            if (d == RULE_OPEN) {
                add_cost(g, i);
                any = 1;
                continue;
            }
            sc->live[i] = sc->gen;
            nlive++;
        }
    }
    if (nlive == 0 || len == 0)
        return any;
    sc->db = (groups & g->mz_groups) != 0 ? &g->full.dbs[1] : &g->full.dbs[0];
    int blind = (sc->db->db == NULL && g->full.rx.db == NULL) || sc->hs == NULL || len > UINT_MAX;
    sc->explain = 1;
    if (!blind && sc->db->db != NULL &&
        hs_scan(sc->db->db, (const char *)data, (unsigned)len, 0, sc->hs, vigil_yara_gate_on_match,
                sc) != HS_SUCCESS)
        blind = 1;
    sc->db = &g->full.rx;
    if (!blind && g->full.rx.db != NULL &&
        hs_scan(g->full.rx.db, (const char *)data, (unsigned)len, 0, sc->hs,
                vigil_yara_gate_on_match, sc) != HS_SUCCESS)
        blind = 1;
    sc->db = &g->verify;
    if (!blind && sc->npend > 0 &&
        hs_scan(g->verify.db, (const char *)data, (unsigned)len, 0, sc->hs,
                vigil_yara_gate_on_match, sc) != HS_SUCCESS)
        blind = 1;
    sc->explain = 0;
    for (size_t k = 0; k < g->ngroups; k++) {
        if (!(groups >> k & 1u))
            continue;
        for (size_t i = g->group_first[k]; i < g->group_first[k] + g->group_n[k]; i++) {
            if (sc->live[i] != sc->gen || (!blind && vigil_yara_gate_eval(g, sc, i, 0) == GATE_F))
                continue;
            add_cost(g, i);
            any = 1;
        }
    }
    return any;
}

enum { DECIDE_FALSE, DECIDE_FOUND, DECIDE_OPEN };

/* One pass over the file with tier t's databases: DECIDE_FALSE when every
 * rule of the groups is false for certain, DECIDE_FOUND when what was
 * found leaves one possible, DECIDE_OPEN when one is possible whatever the
 * strings (or the databases cannot tell). */
static int decide(vigil_yara_gate_scratch *sc, uint64_t groups, const gate_tier *t)
{
    const vigil_yara_gate *g = sc->g;
    const uint8_t *data = sc->data;
    size_t len = sc->len, nlive = 0;

    next_gen(sc);
    for (size_t k = 0; k < g->ngroups; k++) {
        if (!(groups >> k & 1u))
            continue;
        for (size_t i = g->group_first[k]; i < g->group_first[k] + g->group_n[k]; i++) {
            int d = before_literals(sc, i);
            if (d == RULE_FALSE)
                continue; /* false whatever the strings: magic, size, name */
            if (d == RULE_OPEN)
                return DECIDE_OPEN; /* may match without any literal */
            sc->live[i] = sc->gen;
            nlive++;
        }
    }
    if (nlive == 0 || len == 0)
        return DECIDE_FALSE;
    sc->db = (groups & g->mz_groups) != 0 ? &t->dbs[1] : &t->dbs[0];
    if ((sc->db->db == NULL && t->rx.db == NULL) || sc->hs == NULL || len > UINT_MAX)
        return DECIDE_OPEN;
    sc->hit = 0;
    if (sc->db->db != NULL && hs_scan(sc->db->db, (const char *)data, (unsigned)len, 0, sc->hs,
                                      vigil_yara_gate_on_match, sc) != HS_SUCCESS)
        return sc->hit ? DECIDE_FOUND : DECIDE_OPEN; /* terminated by a find, or do not guess */
    if (sc->hit)
        return DECIDE_FOUND;
    sc->db = &t->rx; /* the hex strings without a long fixed run */
    if (t->rx.db != NULL && hs_scan(t->rx.db, (const char *)data, (unsigned)len, 0, sc->hs,
                                    vigil_yara_gate_on_match, sc) != HS_SUCCESS)
        return sc->hit ? DECIDE_FOUND : DECIDE_OPEN;
    uint64_t parts = 0;
    if (sc->hit || sc->npend == 0 || !vigil_yara_gate_verify_needed(sc, &parts))
        return sc->hit ? DECIDE_FOUND : DECIDE_FALSE;
    /* hex strings whose atom was found: the whole strings */
    if (vigil_yara_gate_verify_scan(sc, parts) != HS_SUCCESS)
        return sc->hit ? DECIDE_FOUND : DECIDE_OPEN;
    return sc->hit ? DECIDE_FOUND : DECIDE_FALSE;
}

int vigil_yara_gate_may_match(vigil_yara_gate_scratch *sc, uint64_t groups, const uint8_t *data,
                              size_t len, const vigil_yara_externals *ext)
{
    if (sc == NULL || (groups & ~sc->g->groups) != 0 || (data == NULL && len > 0))
        return 1;
    const vigil_yara_gate *g = sc->g;

    sc->data = data;
    sc->len = len;
    sc->ext = ext;
    sc->full = 1;
    if (g->costs != NULL) {
        next_gen(sc);
        return explain(sc, groups, data, len);
    }
    if (g->npruned > 0) {
        /* without the pruned strings first: most files stop here, and a
         * rule open whatever the strings leaves nothing to search for */
        sc->full = 0;
        int first = decide(sc, groups, &g->quick);
        sc->full = 1;
        if (first != DECIDE_FOUND)
            return first != DECIDE_FALSE;
    }
    return decide(sc, groups, &g->full) != DECIDE_FALSE;
}
