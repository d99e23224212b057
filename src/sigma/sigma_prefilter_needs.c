/* sigma_prefilter_needs.c - the literals a Sigma rule needs, as a conjunction of sets.
 *
 * Why: most rules can only match if some fixed strings (the literal parts
 * of their contains/startswith/endswith/equals values) occur in the fields
 * they test. The condition is walked to find them: a value list gives a
 * set of which one must occur (a clause); AND keeps the clauses of both
 * sides (up to VIGIL_SG_PF_MAX_CLAUSES, the most selective), OR distributes
 * while that fits, else joins the best clause of each side; NOT and values
 * without a literal (regex, numbers, null) give up. Requiring every clause
 * matters: one set per rule let `Image|endswith: \\x.exe` and
 * `CommandLine|contains: -y` through whenever the more common half
 * occurred. The result is conservative: it never rules out an event the
 * rule would match. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "sigma/sigma_prefilter_needs.h"

/* One-byte literals ("e", "8" in hex lists) occur in every event and make
 * the scan slow; a value whose best literal is shorter leaves its rule to
 * evaluation. */
#define MIN_LIT 2

typedef struct lit {
    const char *s;
    size_t len;
    const char *field; /* the field it must occur in, as the rule names it;
                          NULL: from a keyword item, any field */
} lit;

typedef struct litset {
    lit *v;
    size_t n, cap;
    int known;
} litset;

static const litset UNKNOWN = {NULL, 0, 0, 0};

static int ls_push(litset *s, const char *p, size_t len)
{
    if (VIGIL_ARRAY_RESERVE(s->v, s->cap, s->n + 1) != VIGIL_OK)
        return -1;
    s->v[s->n].s = p;
    s->v[s->n].len = len;
    s->v[s->n].field = NULL;
    s->n++;
    return 0;
}

static void ls_free(litset *s)
{
    free(s->v);
    *s = UNKNOWN;
}

/* Merges b into a (OR); both known or the result is unknown. */
static litset ls_union(litset a, litset b)
{
    if (!a.known || !b.known) {
        ls_free(&a);
        ls_free(&b);
        return UNKNOWN;
    }
    for (size_t i = 0; i < b.n; i++) {
        if (ls_push(&a, b.v[i].s, b.v[i].len) != 0) {
            ls_free(&a);
            ls_free(&b);
            return UNKNOWN;
        }
        a.v[a.n - 1].field = b.v[i].field;
    }
    ls_free(&b);
    return a;
}

/* The shortest literal: the weakest link of a set. */
static size_t ls_score(const litset *s)
{
    if (!s->known)
        return 0;
    size_t m = (size_t)-1;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].len < m)
            m = s->v[i].len;
    return s->n == 0 ? 0 : m;
}

static int clause_weak(const litset *c);

/* AND: keep the more selective side; one that nearly every event meets
 * (clause_weak) only if both are such (`CommandLine|contains|all:
 * [regsvr32.exe, C:\ProgramData, .tmp]` keeps regsvr32.exe, though the
 * path is longer). */
static litset ls_pick(litset a, litset b)
{
    size_t sa = ls_score(&a), sb = ls_score(&b);
    if (sa == 0 && sb == 0) {
        ls_free(&a);
        ls_free(&b);
        return UNKNOWN;
    }
    int wa = sa > 0 && clause_weak(&a), wb = sb > 0 && clause_weak(&b);
    if (sa > 0 && sb > 0 && wa != wb) {
        if (wa) {
            ls_free(&a);
            return b;
        }
        ls_free(&b);
        return a;
    }
    if (sb > sa || (sb == sa && b.n < a.n)) {
        ls_free(&a);
        return b;
    }
    ls_free(&b);
    return a;
}

static litset need_alts(const vigil_sigma_alts *g)
{
    litset s = {NULL, 0, 0, 1};
    for (size_t i = 0; i < g->n; i++) {
        const vigil_sigma_value *v = &g->v[i];
        const char *best = NULL;
        size_t blen = 0;
        if (v->kind == VIGIL_VK_PATTERN) {
            for (size_t t = 0; t < v->pat.ntoks; t++)
                if (v->pat.toks[t].kind == VIGIL_SG_LIT && v->pat.toks[t].len > blen) {
                    best = v->pat.toks[t].s;
                    blen = v->pat.toks[t].len;
                }
        } else if (v->kind == VIGIL_VK_RE) {
            best = v->re_lit;
            blen = v->re_litlen;
        }
        if (best == NULL || blen < MIN_LIT || ls_push(&s, best, blen) != 0) {
            ls_free(&s);
            return UNKNOWN;
        }
    }
    return s;
}

/* `EventID: 4624`: the index (sigma_index.c) already keeps such rules
 * from other events, and short digit strings occur in nearly every event
 * (times, ids), so as literals they only cost scan time. */
static int is_eventid_item(const vigil_sigma_item *it)
{
    if (it->field == NULL || strcmp(it->field, "EventID") != 0)
        return 0;
    for (size_t g = 0; g < it->ngroups; g++)
        for (size_t k = 0; k < it->groups[g].n; k++) {
            const vigil_sigma_value *v = &it->groups[g].v[k];
            if (v->kind != VIGIL_VK_PATTERN || v->pat.shape != VIGIL_SHAPE_EXACT)
                return 0;
            for (size_t i = 0; i < v->pat.litlen; i++)
                if (v->pat.lit[i] < '0' || v->pat.lit[i] > '9')
                    return 0;
        }
    return 1;
}

static litset need_item(const vigil_sigma_item *it)
{
    if (it->neq || it->ngroups == 0 || is_eventid_item(it))
        return UNKNOWN;
    litset s = {NULL, 0, 0, 1};
    if (!it->all) {
        for (size_t g = 0; g < it->ngroups; g++)
            s = ls_union(s, need_alts(&it->groups[g]));
    } else {
        s = UNKNOWN;
        for (size_t g = 0; g < it->ngroups; g++)
            s = ls_pick(s, need_alts(&it->groups[g]));
    }
    /* the field the values test; NULL (a keyword): any field */
    for (size_t i = 0; i < s.n; i++)
        s.v[i].field = it->field;
    return s;
}

/* ---- conjunctions of clauses ---- */

/* What a condition needs: every clause (a literal set, one of which must
 * occur) at once. n == 0: no need found. */
typedef struct cnf {
    litset c[VIGIL_SG_PF_MAX_CLAUSES];
    size_t n;
} cnf;

static const cnf NO_NEED = {{{NULL, 0, 0, 0}}, 0};

static void cnf_free(cnf *a)
{
    for (size_t i = 0; i < a->n; i++)
        ls_free(&a->c[i]);
    a->n = 0;
}

/* Text nearly every Windows event holds in the fields rules test (paths
 * of system binaries, the vendor and product of signed images, integrity
 * levels, hash labels). A clause one of whose literals occurs in it is met
 * by almost every event: it filters nothing, and frequent literals are
 * what makes the hyperscan scan slow (each hit is confirmed and
 * reported). Like YARA's atom quality, this is a cost model, not a rule:
 * dropping a clause only lets more events through to evaluation. */
static const char *const COMMON_TEXT[] = {
    "c:\\windows\\system32\\",
    "c:\\windows\\syswow64\\",
    "c:\\program files (x86)\\",
    "c:\\programdata\\",
    "c:\\users\\",
    "microsoft corporation",
    "microsoft\xc2\xae windows\xc2\xae operating system",
    "nt authority\\system",
    "nt authority\\network service",
    "nt authority\\local service",
    ".exe\" ",
    ".dll",
    "sha1=,md5=,sha256=,imphash=",
    "high",
    "medium",
    "0x",
};

/* Punctuation Windows command lines and event text seldom hold: two of
 * them ('^^' of cmd.exe obfuscation, ';;', '``') are as rare as a longer
 * literal. */
static int rare_punct(char c)
{
    return c == '^' || c == '`' || c == ';' || c == '~' || c == '|';
}

/* 1 if s[0..n) (lower case unless it has upper-case letters, compared
 * caselessly) occurs in COMMON_TEXT or is shorter than 3 ASCII bytes not
 * all rare punctuation. */
static int lit_common(const char *s, size_t n)
{
    /* two ASCII bytes (-s, /c, :\) are everywhere; one non-ASCII
     * character (the Cyrillic look-alikes homoglyph rules list) is not */
    int ascii = 1, rare = 1;
    for (size_t i = 0; i < n; i++) {
        ascii &= (unsigned char)s[i] < 0x80;
        rare &= rare_punct(s[i]);
    }
    if (n < 3 && ascii && !rare)
        return 1;
    /* one non-ASCII character ('®' is in every Microsoft product name):
     * rules look for such symbols in command lines, where they are rare */
    unsigned cp;
    if (!ascii && vigil_sigma_utf8_cp((const unsigned char *)s, n, &cp) == n)
        return 0;
    for (size_t i = 0; i < sizeof COMMON_TEXT / sizeof COMMON_TEXT[0]; i++) {
        const char *t = COMMON_TEXT[i];
        size_t tl = strlen(t);
        for (size_t o = 0; o + n <= tl; o++) {
            size_t k = 0;
            while (k < n && tolower((unsigned char)s[k]) == (unsigned char)t[o + k])
                k++;
            if (k == n)
                return 1;
        }
    }
    return 0;
}

/* 1 if the clause is met by almost every event (see COMMON_TEXT). */
static int clause_weak(const litset *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (lit_common(c->v[i].s, c->v[i].len))
            return 1;
    return 0;
}

/* A clause of its own; none if unknown, or met by almost every event
 * (clause_weak). */
static cnf cnf_one(litset s)
{
    cnf r = NO_NEED;
    if (s.known && s.n > 0 && !clause_weak(&s))
        r.c[r.n++] = s;
    else
        ls_free(&s);
    return r;
}

/* 1 if clause a rules out more events than b: its shortest literal is
 * longer, or as long with fewer literals. */
static int clause_better(const litset *a, const litset *b)
{
    size_t sa = ls_score(a), sb = ls_score(b);
    return sa > sb || (sa == sb && a->n < b->n);
}

/* AND: the clauses of both; beyond the maximum the weakest are dropped
 * (dropping a clause only lets more events through). */
static cnf cnf_and(cnf a, cnf b)
{
    for (size_t i = 0; i < b.n; i++) {
        if (a.n < VIGIL_SG_PF_MAX_CLAUSES) {
            a.c[a.n++] = b.c[i];
            continue;
        }
        size_t worst = 0;
        for (size_t k = 1; k < a.n; k++)
            if (clause_better(&a.c[worst], &a.c[k]))
                worst = k;
        if (clause_better(&b.c[i], &a.c[worst])) {
            ls_free(&a.c[worst]);
            a.c[worst] = b.c[i];
        } else {
            ls_free(&b.c[i]);
        }
    }
    return a;
}

static litset ls_copy(const litset *s)
{
    litset r = {NULL, 0, 0, 1};
    for (size_t i = 0; i < s->n; i++) {
        if (ls_push(&r, s->v[i].s, s->v[i].len) != 0) {
            ls_free(&r);
            return UNKNOWN;
        }
        r.v[i].field = s->v[i].field;
    }
    return r;
}

/* The best clause of a; the others are freed. */
static litset cnf_best(cnf *a)
{
    size_t best = 0;
    for (size_t k = 1; k < a->n; k++)
        if (clause_better(&a->c[k], &a->c[best]))
            best = k;
    litset r = a->c[best];
    a->c[best] = UNKNOWN;
    cnf_free(a);
    return r;
}

/* OR: (a1 & a2) | (b1 & b2) = (a1|b1) & (a1|b2) & (a2|b1) & (a2|b2) while
 * that fits, else the best clause of each side, joined. An unknown side
 * (or a failed allocation: a clause turns unknown) makes the whole OR
 * unknown. */
static cnf cnf_or(cnf a, cnf b)
{
    if (a.n == 0 || b.n == 0) {
        cnf_free(&a);
        cnf_free(&b);
        return NO_NEED;
    }
    if (a.n * b.n > VIGIL_SG_PF_MAX_CLAUSES) {
        litset x = cnf_best(&a), y = cnf_best(&b);
        return cnf_one(ls_union(x, y));
    }
    cnf r = NO_NEED;
    int failed = 0;
    for (size_t i = 0; i < a.n; i++)
        for (size_t j = 0; j < b.n; j++) {
            litset u = ls_union(ls_copy(&a.c[i]), ls_copy(&b.c[j]));
            failed |= !u.known;
            r = cnf_and(r, cnf_one(u));
        }
    cnf_free(&a);
    cnf_free(&b);
    if (failed)
        cnf_free(&r);
    return r;
}

static cnf need_search(const vigil_sigma_search *s)
{
    cnf acc = NO_NEED;
    for (size_t o = 0; o < s->n; o++) {
        cnf g = NO_NEED;
        for (size_t i = 0; i < s->ors[o].n; i++)
            g = cnf_and(g, cnf_one(need_item(&s->ors[o].items[i])));
        if (g.n == 0) {
            cnf_free(&acc);
            return NO_NEED;
        }
        acc = o == 0 ? g : cnf_or(acc, g);
    }
    return acc;
}

static cnf need_cond(const vigil_sigma_detection *d, const vigil_sigma_cond *c, int depth)
{
    if (c == NULL || depth > 64)
        return NO_NEED;
    switch (c->op) {
    case VIGIL_CN_ID:
        return need_search(&d->searches[c->id]);
    case VIGIL_CN_AND:
        return cnf_and(need_cond(d, c->a, depth + 1), need_cond(d, c->b, depth + 1));
    case VIGIL_CN_OR:
        return cnf_or(need_cond(d, c->a, depth + 1), need_cond(d, c->b, depth + 1));
    case VIGIL_CN_ANY: {
        cnf s = NO_NEED;
        for (size_t i = 0; i < c->nids; i++) {
            cnf x = need_search(&d->searches[c->ids[i]]);
            if (x.n == 0) {
                cnf_free(&s);
                return NO_NEED;
            }
            s = i == 0 ? x : cnf_or(s, x);
        }
        return s;
    }
    case VIGIL_CN_ALL: {
        cnf s = NO_NEED;
        for (size_t i = 0; i < c->nids; i++)
            s = cnf_and(s, need_search(&d->searches[c->ids[i]]));
        return s;
    }
    default:
        return NO_NEED;
    }
}

/* ---- a field the rule needs ---- */

/* 1 if the item is false on an event without its field. */
static int item_needs_field(const vigil_sigma_item *it)
{
    if (it->field == NULL || it->neq || it->ngroups == 0)
        return 0;
    for (size_t g = 0; g < it->ngroups; g++) {
        if (it->groups[g].n == 0)
            return 0;
        for (size_t k = 0; k < it->groups[g].n; k++) {
            const vigil_sigma_value *v = &it->groups[g].v[k];
            if (v->kind == VIGIL_VK_NULL || (v->kind == VIGIL_VK_EXISTS && !v->exists))
                return 0;
        }
    }
    return 1;
}

/* 1 if the AND group holds an item on field f that needs it. */
static int and_needs(const vigil_sigma_and *g, const char *f)
{
    for (size_t i = 0; i < g->n; i++)
        if (item_needs_field(&g->items[i]) && strcmp(g->items[i].field, f) == 0)
            return 1;
    return 0;
}

/* A field every OR branch of the search needs, or NULL. */
static const char *search_needs(const vigil_sigma_search *s)
{
    if (s->n == 0)
        return NULL;
    for (size_t i = 0; i < s->ors[0].n; i++) {
        const vigil_sigma_item *it = &s->ors[0].items[i];
        if (!item_needs_field(it))
            continue;
        size_t o = 1;
        while (o < s->n && and_needs(&s->ors[o], it->field))
            o++;
        if (o == s->n)
            return it->field;
    }
    return NULL;
}

static int same_field(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static const char *cond_needs(const vigil_sigma_detection *d, const vigil_sigma_cond *c, int depth)
{
    if (c == NULL || depth > 64)
        return NULL;
    switch (c->op) {
    case VIGIL_CN_ID:
        return search_needs(&d->searches[c->id]);
    case VIGIL_CN_AND: {
        const char *a = cond_needs(d, c->a, depth + 1);
        return a != NULL ? a : cond_needs(d, c->b, depth + 1);
    }
    case VIGIL_CN_OR: {
        const char *a = cond_needs(d, c->a, depth + 1);
        return same_field(a, cond_needs(d, c->b, depth + 1)) ? a : NULL;
    }
    case VIGIL_CN_ANY: {
        const char *a = c->nids > 0 ? search_needs(&d->searches[c->ids[0]]) : NULL;
        for (size_t i = 1; i < c->nids && a != NULL; i++)
            if (!same_field(a, search_needs(&d->searches[c->ids[i]])))
                a = NULL;
        return a;
    }
    case VIGIL_CN_ALL:
        for (size_t i = 0; i < c->nids; i++) {
            const char *a = search_needs(&d->searches[c->ids[i]]);
            if (a != NULL)
                return a;
        }
        return NULL;
    default:
        return NULL; /* NOT: its side needs nothing */
    }
}

const char *vigil_sigma_required_field(const vigil_sigma_rule *r)
{
    if (r->kind != VIGIL_SR_DETECTION || r->det.cond == NULL)
        return NULL;
    return cond_needs(&r->det, r->det.cond, 0);
}

vigil_status vigil_sigma_prefilter_need(const vigil_sigma_rule *r,
                                        vigil_sigma_prefilter_literal **lits, size_t *nlits,
                                        size_t *nclauses)
{
    *lits = NULL;
    *nlits = 0;
    *nclauses = 0;
    if (r->kind != VIGIL_SR_DETECTION || r->det.cond == NULL)
        return VIGIL_OK;
    cnf need = need_cond(&r->det, r->det.cond, 0);
    size_t n = 0;
    for (size_t c = 0; c < need.n; c++)
        n += need.c[c].n;
    if (n == 0) {
        cnf_free(&need);
        return VIGIL_OK;
    }
    vigil_sigma_prefilter_literal *v = calloc(n, sizeof *v);
    if (v == NULL) {
        cnf_free(&need);
        return VIGIL_ERR_NOMEM;
    }
    size_t k = 0;
    for (size_t c = 0; c < need.n; c++)
        for (size_t i = 0; i < need.c[c].n; i++) {
            v[k].s = need.c[c].v[i].s;
            v[k].len = need.c[c].v[i].len;
            v[k].clause = (unsigned)c;
            v[k].field = need.c[c].v[i].field;
            k++;
        }
    *lits = v;
    *nlits = n;
    *nclauses = need.n;
    cnf_free(&need);
    return VIGIL_OK;
}
