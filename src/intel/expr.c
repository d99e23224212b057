/* expr.c - AND/OR structure of STIX patterns and OpenIOC indicators.
 *
 * vigil's IOC sets match single values; a pattern like "[hash = A] OR
 * [domain = B]" is simply two indicators, but "[name = x AND size = 5]"
 * only decides a match as a whole. Expanding to an OR of ANDs tells which
 * values stand alone and which must be kept together as a group, and which
 * comparisons vigil cannot express at all - those are counted and reported
 * rather than silently dropped. */
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "intel/intel_internal.h"

#define MAX_CONJ 256
#define MAX_CONJ_LEN 64

vigil_intel_expr *vigil_intel_expr_leaf(vigil_intel_type type, const char *value, size_t len)
{
    vigil_intel_expr *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    x->kind = VIGIL_IX_LEAF;
    x->type = type;
    x->value = malloc(len + 1);
    if (x->value == NULL) {
        free(x);
        return NULL;
    }
    memcpy(x->value, value, len);
    x->value[len] = '\0';
    return x;
}

vigil_intel_expr *vigil_intel_expr_unsupported(const char *why, const char *text, size_t len)
{
    vigil_intel_expr *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    if (len > 200)
        len = 200;
    x->kind = VIGIL_IX_LEAF;
    x->why = why != NULL ? why : "not supported";
    x->text = malloc(len + 1);
    if (x->text == NULL) {
        free(x);
        return NULL;
    }
    memcpy(x->text, text, len);
    x->text[len] = '\0';
    return x;
}

vigil_intel_expr *vigil_intel_expr_node(vigil_intel_expr_kind kind)
{
    vigil_intel_expr *x = calloc(1, sizeof *x);
    if (x != NULL)
        x->kind = kind;
    return x;
}

vigil_status vigil_intel_expr_add(vigil_intel_expr *node, vigil_intel_expr *kid)
{
    if (kid == NULL)
        return VIGIL_ERR_NOMEM;
    if (VIGIL_ARRAY_RESERVE(node->kids, node->capkids, node->nkids + 1) != VIGIL_OK) {
        vigil_intel_expr_free(kid);
        return VIGIL_ERR_NOMEM;
    }
    node->kids[node->nkids++] = kid;
    return VIGIL_OK;
}

void vigil_intel_expr_free(vigil_intel_expr *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->nkids; i++)
        vigil_intel_expr_free(x->kids[i]);
    free(x->kids);
    free(x->value);
    free(x->text);
    free(x);
}

/* A set of conjunctions; each conjunction is a list of leaves. */
typedef struct conj {
    const vigil_intel_expr *leaf[MAX_CONJ_LEN];
    size_t n;
} conj;

typedef struct dnf {
    conj *c;
    size_t n;
} dnf;

static void dnf_free(dnf *d)
{
    free(d->c);
    d->c = NULL;
    d->n = 0;
}

/* 0 ok, 1 too large, -1 no memory */
static int expand(const vigil_intel_expr *x, dnf *out, int depth)
{
    out->c = NULL;
    out->n = 0;
    if (depth > 64)
        return 1;
    if (x->kind == VIGIL_IX_LEAF) {
        out->c = calloc(1, sizeof *out->c);
        if (out->c == NULL)
            return -1;
        out->c[0].leaf[0] = x;
        out->c[0].n = 1;
        out->n = 1;
        return 0;
    }
    if (x->nkids == 0)
        return 0;
    if (x->kind == VIGIL_IX_OR) {
        for (size_t i = 0; i < x->nkids; i++) {
            dnf k;
            int r = expand(x->kids[i], &k, depth + 1);
            if (r != 0 || out->n + k.n > MAX_CONJ) {
                dnf_free(&k);
                dnf_free(out);
                return r != 0 ? r : 1;
            }
            if (k.n > 0) {
                conj *c = realloc(out->c, (out->n + k.n) * sizeof *c);
                if (c == NULL) {
                    dnf_free(&k);
                    dnf_free(out);
                    return -1;
                }
                memcpy(c + out->n, k.c, k.n * sizeof *c);
                out->c = c;
                out->n += k.n;
            }
            dnf_free(&k);
        }
        return 0;
    }
    /* AND: cross product, starting from one empty conjunction */
    out->c = calloc(1, sizeof *out->c);
    if (out->c == NULL)
        return -1;
    out->n = 1;
    for (size_t i = 0; i < x->nkids; i++) {
        dnf k;
        int r = expand(x->kids[i], &k, depth + 1);
        if (r != 0 || (k.n > 0 && out->n > MAX_CONJ / k.n)) {
            dnf_free(&k);
            dnf_free(out);
            return r != 0 ? r : 1;
        }
        if (k.n == 0) { /* an empty OR contributes nothing */
            dnf_free(&k);
            continue;
        }
        conj *c = calloc(out->n * k.n, sizeof *c);
        if (c == NULL) {
            dnf_free(&k);
            dnf_free(out);
            return -1;
        }
        size_t m = 0;
        for (size_t a = 0; a < out->n; a++) {
            for (size_t b = 0; b < k.n; b++) {
                if (out->c[a].n + k.c[b].n > MAX_CONJ_LEN) {
                    free(c);
                    dnf_free(&k);
                    dnf_free(out);
                    return 1;
                }
                c[m] = out->c[a];
                memcpy(c[m].leaf + c[m].n, k.c[b].leaf, k.c[b].n * sizeof *c[m].leaf);
                c[m].n += k.c[b].n;
                m++;
            }
        }
        free(out->c);
        out->c = c;
        out->n = m;
        dnf_free(&k);
    }
    return 0;
}

vigil_status vigil_intel_expr_emit(vigil_intel_ctx *ctx, const vigil_intel_expr *x,
                                   const vigil_intel_common *c, const char *what)
{
    dnf d;
    int r = expand(x, &d, 0);
    if (r < 0)
        return VIGIL_ERR_NOMEM;
    if (r > 0) {
        ctx->stats.unsupported++;
        vigil_intel_warn(ctx, c->line, "%s%s%s: too many AND/OR combinations, not loaded",
                         c->where ? c->where : "", c->where ? ": " : "", what);
        return VIGIL_OK;
    }
    vigil_status st = VIGIL_OK;
    for (size_t i = 0; i < d.n && st == VIGIL_OK; i++) {
        const conj *cj = &d.c[i];
        size_t ok = 0, bad = 0;
        const vigil_intel_expr *first_bad = NULL;
        for (size_t j = 0; j < cj->n; j++) {
            if (cj->leaf[j]->why == NULL) {
                ok++;
            } else {
                bad++;
                if (first_bad == NULL)
                    first_bad = cj->leaf[j];
            }
        }
        if (bad > 0) {
            ctx->stats.unsupported += bad;
            if (ok > 0)
                ctx->stats.partial++;
            vigil_intel_warn(ctx, c->line, "%s%s%s: '%s' cannot be expressed (%s)%s%s",
                             c->where ? c->where : "", c->where ? ": " : "", what,
                             first_bad->text ? first_bad->text : "?", first_bad->why,
                             bad > 1 ? " with other comparisons" : "",
                             ok > 0 ? "; rest of the AND group loaded" : "; not loaded");
        }
        uint32_t group = 0;
        if (ok > 1)
            group = ctx->next_group++;
        for (size_t j = 0; j < cj->n && st == VIGIL_OK; j++) {
            const vigil_intel_expr *l = cj->leaf[j];
            if (l->why != NULL)
                continue;
            st = vigil_intel_emit(ctx, l->type, l->value, strlen(l->value), c, group, (uint32_t)ok);
        }
    }
    dnf_free(&d);
    return st;
}
