/* sigma_inactive.c - which rules an unset |expand placeholder switched off.
 *
 * Why: a placeholder with no values stands for no value, so a selection on
 * it never fires. Rule packs written for a site to fill in (the bundled
 * pack's %MSPAccounts%, %JumpServers%, %SanctionedRMM%) then load without
 * error but some rules can never report, and a sweep that finds nothing
 * looks clean. After a build this works out, per rule, whether its
 * condition can still be true (three-valued: a search whose every AND
 * group holds a test that never matches is false, any other search is
 * unknown), counts a correlation whose rules are all inactive as inactive
 * too, and says so once, naming the rules, at default verbosity; rules
 * that only lose a filter are listed on request (info). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/sigma_internal.h"

enum { T_FALSE, T_TRUE, T_UNKNOWN };

/* 1 if the test can never be true: its values expanded to nothing. */
static int item_never(const vigil_sigma_item *it)
{
    if (it->neq || it->ngroups == 0)
        return 0;
    size_t empty = 0;
    for (size_t g = 0; g < it->ngroups; g++)
        if (it->groups[g].n == 0 && it->groups[g].ix == NULL)
            empty++;
    return it->all ? empty > 0 : empty == it->ngroups;
}

static int search_value(const vigil_sigma_search *s)
{
    for (size_t o = 0; o < s->n; o++) {
        size_t i = 0;
        while (i < s->ors[o].n && !item_never(&s->ors[o].items[i]))
            i++;
        if (i == s->ors[o].n)
            return T_UNKNOWN; /* this AND group may hold */
    }
    return T_FALSE;
}

static int cond_value(const vigil_sigma_detection *d, const vigil_sigma_cond *c, int depth)
{
    if (c == NULL || depth > 256)
        return T_UNKNOWN;
    int a, b;
    switch (c->op) {
    case VIGIL_CN_ID:
        return c->id < d->nsearches ? search_value(&d->searches[c->id]) : T_UNKNOWN;
    case VIGIL_CN_NOT:
        a = cond_value(d, c->a, depth + 1);
        return a == T_UNKNOWN ? T_UNKNOWN : a == T_FALSE ? T_TRUE : T_FALSE;
    case VIGIL_CN_AND:
        a = cond_value(d, c->a, depth + 1);
        b = cond_value(d, c->b, depth + 1);
        if (a == T_FALSE || b == T_FALSE)
            return T_FALSE;
        return a == T_TRUE && b == T_TRUE ? T_TRUE : T_UNKNOWN;
    case VIGIL_CN_OR:
        a = cond_value(d, c->a, depth + 1);
        b = cond_value(d, c->b, depth + 1);
        if (a == T_TRUE || b == T_TRUE)
            return T_TRUE;
        return a == T_FALSE && b == T_FALSE ? T_FALSE : T_UNKNOWN;
    case VIGIL_CN_ANY:
    case VIGIL_CN_ALL: {
        int any_unknown = 0;
        for (size_t i = 0; i < c->nids; i++) {
            int v = c->ids[i] < d->nsearches ? search_value(&d->searches[c->ids[i]]) : T_UNKNOWN;
            if (c->op == VIGIL_CN_ALL && v == T_FALSE)
                return T_FALSE;
            any_unknown |= v == T_UNKNOWN;
        }
        if (c->op == VIGIL_CN_ANY)
            return any_unknown ? T_UNKNOWN : T_FALSE;
        return T_UNKNOWN;
    }
    default:
        return T_UNKNOWN;
    }
}

int vigil_sigma_rule_inactive(const vigil_sigma_rule *r, int depth)
{
    if (r == NULL || depth > 16)
        return 0;
    if (r->kind == VIGIL_SR_CORRELATION) {
        if (r->nrefs == 0 || r->ref_rules == NULL)
            return 0;
        for (size_t k = 0; k < r->nrefs; k++)
            if (!vigil_sigma_rule_inactive(r->ref_rules[k], depth + 1))
                return 0;
        return 1;
    }
    return r->ph_unset != NULL && cond_value(&r->det, r->det.cond, 0) == T_FALSE;
}

/* Appends the %names% of list (", "-separated) not yet in out. */
static void add_names(char *out, size_t cap, const char *list)
{
    const char *p = list;
    while (p != NULL && *p) {
        const char *end = strstr(p, ", ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char name[80];
        snprintf(name, sizeof name, "%.*s", (int)(n < 70 ? n : 70), p);
        if (strstr(out, name) == NULL) {
            size_t ol = strlen(out);
            snprintf(out + ol, cap - ol, "%s%s", ol ? ", " : "", name);
        }
        p = end ? end + 2 : NULL;
    }
}

#define MAX_NAMED 12

/* One diagnostic at level listing rules[i] for which pick(i) holds. */
static void say(const vigil_diag_sink *sink, vigil_diag_level level, vigil_sigma_rule **rules,
                const unsigned char *pick, size_t n, const char *what)
{
    char names[1400] = "", ph[256] = "";
    size_t count = 0, w = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pick[i])
            continue;
        const vigil_sigma_rule *r = rules[i];
        if (r->ph_unset != NULL)
            add_names(ph, sizeof ph, r->ph_unset);
        if (count++ < MAX_NAMED && w < sizeof names)
            w += (size_t)snprintf(names + w, sizeof names - w, "%s'%.120s'", count > 1 ? ", " : "",
                                  r->info.title ? r->info.title : "?");
    }
    if (count == 0)
        return;
    if (count > MAX_NAMED && w < sizeof names)
        snprintf(names + w, sizeof names - w, " and %zu more", count - MAX_NAMED);
    vigil_diagf(sink, level, VIGIL_ERR_RULE, NULL, 0,
                "%zu Sigma rule%s %s %s: placeholders they use have no values (%s; give them "
                "with --placeholders DIR, one NAME.txt per placeholder, see "
                "docs/cloudhopper.md): %s",
                count, count > 1 ? "s" : "", count > 1 ? "are" : "is", what, ph, names);
}

void vigil_sigma_report_inactive(const vigil_diag_sink *sink, vigil_sigma_rule **rules, size_t n)
{
    unsigned char stack[256];
    unsigned char *off = n <= sizeof stack / 2 ? stack : calloc(2 * n, 1);
    if (off == NULL)
        return;
    unsigned char *unfiltered = off + n;
    size_t any = 0;
    for (size_t i = 0; i < n; i++) {
        off[i] = (unsigned char)vigil_sigma_rule_inactive(rules[i], 0);
        unfiltered[i] = !off[i] && rules[i]->ph_unset != NULL;
        any += off[i] | unfiltered[i];
    }
    if (any) {
        say(sink, VIGIL_DIAG_WARNING, rules, off, n, "inactive (can never report)");
        say(sink, VIGIL_DIAG_INFO, rules, unfiltered, n, "missing a filter (reports more)");
    }
    if (off != stack)
        free(off);
}
