/* sigma_logsource.c - the logsource mapping table and each rule's scope.
 *
 * Why data-driven: which Channel/EventID a Sigma category or service means
 * is site knowledge (the taxonomy appendix, plus field renames such as
 * Security 4688 for process_creation), so it is read from a YAML table
 * (data/sigma/logsources.yml) and resolved once per rule at build time; the
 * matcher then only sees branches (channel, event ids, renames). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "sigma/sigma_internal.h"

static int map_err(const vigil_diag_sink *sink, const char *path, uint64_t line, const char *msg)
{
    vigil_diagf(sink, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, path, line, "logsource mapping: %s", msg);
    return -1;
}

static const char *scalar_or_null(const vigil_ynode *n)
{
    return n != NULL && n->type == VIGIL_YN_SCALAR ? n->str : NULL;
}

static int load_branch(vigil_arena *a, const vigil_ynode *src, vigil_sigma_branch *b,
                       const vigil_diag_sink *sink, const char *path)
{
    if (src->type != VIGIL_YN_MAP)
        return map_err(sink, path, src->line, "a source is not a map");
    b->channel = scalar_or_null(vigil_ynode_get(src, "channel"));
    const vigil_ynode *ids = vigil_ynode_get(src, "eventid");
    if (ids != NULL) {
        size_t n = ids->type == VIGIL_YN_SEQ ? ids->n : 1;
        b->eventids = vigil_arena_alloc(a, (n + 1) * sizeof *b->eventids);
        if (b->eventids == NULL)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const vigil_ynode *e = ids->type == VIGIL_YN_SEQ ? ids->items[i] : ids;
            char *end;
            if (e->type != VIGIL_YN_SCALAR)
                return map_err(sink, path, e->line, "eventid is not a number");
            long long v = strtoll(e->str, &end, 10);
            if (*end || end == e->str || v < 0)
                return map_err(sink, path, e->line, "eventid is not a number");
            b->eventids[b->neventids++] = v;
        }
    }
    const vigil_ynode *f = vigil_ynode_get(src, "fields");
    if (f != NULL) {
        if (f->type != VIGIL_YN_MAP)
            return map_err(sink, path, f->line, "fields is not a map");
        vigil_sigma_rename *r = vigil_arena_alloc(a, (f->n + 1) * sizeof *r);
        if (r == NULL)
            return -1;
        for (size_t i = 0; i < f->n; i++) {
            r[i].from = f->items[2 * i]->str;
            r[i].to = scalar_or_null(f->items[2 * i + 1]);
            if (r[i].to == NULL)
                return map_err(sink, path, f->items[2 * i + 1]->line, "field rename not a name");
        }
        b->renames = r;
        b->nrenames = f->n;
    }
    return 0;
}

vigil_status vigil_sigma_mapping_load(vigil_arena *arena, const char *path,
                                      const vigil_diag_sink *sink, vigil_sigma_mapping *out)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        vigil_diagf(sink, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot open mapping");
        return VIGIL_ERR_IO;
    }
    vigil_status rst = vigil_read_fd(fd, 64u << 20, &text, &len);
    close(fd);
    if (rst == VIGIL_ERR_LIMIT)
        vigil_diagf(sink, VIGIL_DIAG_ERROR, VIGIL_ERR_LIMIT, path, 0, "mapping too big");
    else if (rst != VIGIL_OK)
        vigil_diagf(sink, VIGIL_DIAG_ERROR, rst, path, 0, "cannot read mapping: %s",
                    vigil_status_str(rst));
    if (rst != VIGIL_OK)
        return rst == VIGIL_ERR_LIMIT || rst == VIGIL_ERR_NOMEM ? rst : VIGIL_ERR_IO;
    vigil_ydoc *docs;
    size_t ndocs;
    uint64_t eline;
    const char *err;
    vigil_status st = vigil_yaml_parse(arena, text ? text : "", len, &docs, &ndocs, &eline, &err);
    free(text);
    if (st != VIGIL_OK) {
        map_err(sink, path, eline, err ? err : "bad YAML");
        return st == VIGIL_ERR_NOMEM ? st : VIGIL_ERR_PARSE;
    }
    if (ndocs == 0 || docs[0].root->type != VIGIL_YN_MAP) {
        map_err(sink, path, 1, "not a map");
        return VIGIL_ERR_PARSE;
    }
    const vigil_ynode *root = docs[0].root;
    const vigil_ynode *prods = vigil_ynode_get(root, "products");
    if (prods != NULL && prods->type == VIGIL_YN_SEQ) {
        out->products = vigil_arena_alloc(arena, (prods->n + 1) * sizeof *out->products);
        if (out->products == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t i = 0; i < prods->n; i++)
            if (prods->items[i]->type == VIGIL_YN_SCALAR)
                out->products[out->nproducts++] = prods->items[i]->str;
    }
    const char *um = scalar_or_null(vigil_ynode_get(root, "unmapped"));
    out->unmapped_all = um == NULL || strcmp(um, "none") != 0;
    const vigil_ynode *ls = vigil_ynode_get(root, "logsources");
    if (ls == NULL || ls->type != VIGIL_YN_SEQ) {
        map_err(sink, path, root->line, "no logsources list");
        return VIGIL_ERR_PARSE;
    }
    out->entries = vigil_arena_alloc(arena, (ls->n + 1) * sizeof *out->entries);
    if (out->entries == NULL)
        return VIGIL_ERR_NOMEM;
    for (size_t i = 0; i < ls->n; i++) {
        const vigil_ynode *e = ls->items[i];
        vigil_sigma_mapentry *me = &out->entries[out->n];
        if (e->type != VIGIL_YN_MAP) {
            map_err(sink, path, e->line, "entry is not a map");
            return VIGIL_ERR_PARSE;
        }
        me->product = scalar_or_null(vigil_ynode_get(e, "product"));
        me->category = scalar_or_null(vigil_ynode_get(e, "category"));
        me->service = scalar_or_null(vigil_ynode_get(e, "service"));
        const vigil_ynode *srcs = vigil_ynode_get(e, "sources");
        if (srcs == NULL || srcs->type != VIGIL_YN_SEQ) {
            map_err(sink, path, e->line, "entry has no sources list");
            return VIGIL_ERR_PARSE;
        }
        me->branches = vigil_arena_alloc(arena, (srcs->n + 1) * sizeof *me->branches);
        if (me->branches == NULL)
            return VIGIL_ERR_NOMEM;
        for (size_t j = 0; j < srcs->n; j++) {
            if (load_branch(arena, srcs->items[j], &me->branches[j], sink, path) != 0)
                return VIGIL_ERR_PARSE;
        }
        me->nbranches = srcs->n;
        out->n++;
    }
    out->loaded = 1;
    return VIGIL_OK;
}

static int str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

vigil_status vigil_sigma_scope_resolve(vigil_arena *arena, const vigil_sigma_mapping *m,
                                       vigil_sigma_rule *r)
{
    r->scope = VIGIL_SCOPE_ALL;
    r->branches = NULL;
    r->nbranches = 0;
    if (m == NULL || !m->loaded)
        return VIGIL_OK;
    const char *prod = r->info.product, *cat = r->info.category, *svc = r->info.service;
    size_t nb = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < m->n; i++) {
            const vigil_sigma_mapentry *e = &m->entries[i];
            if (e->product != NULL && !str_eq(e->product, prod))
                continue;
            if (e->category == NULL && e->service == NULL) {
                if (cat != NULL || svc != NULL)
                    continue;
            }
            if (e->category != NULL && !str_eq(e->category, cat))
                continue;
            if (e->service != NULL && !str_eq(e->service, svc))
                continue;
            /* a rule with both category and service: the category decides */
            if (e->category == NULL && e->service != NULL && cat != NULL) {
                int cat_known = 0;
                for (size_t k = 0; k < m->n; k++)
                    if (str_eq(m->entries[k].category, cat))
                        cat_known = 1;
                if (cat_known)
                    continue;
            }
            for (size_t b = 0; b < e->nbranches; b++) {
                if (pass == 1)
                    r->branches[nb] = &e->branches[b];
                nb++;
            }
        }
        if (pass == 0) {
            if (nb == 0)
                break;
            r->branches = vigil_arena_alloc(arena, nb * sizeof *r->branches);
            if (r->branches == NULL)
                return VIGIL_ERR_NOMEM;
            nb = 0;
        }
    }
    if (nb > 0) {
        r->scope = VIGIL_SCOPE_BRANCHES;
        r->nbranches = nb;
        return VIGIL_OK;
    }
    int known = 0;
    for (size_t i = 0; i < m->nproducts; i++)
        if (str_eq(m->products[i], prod))
            known = 1;
    if (known)
        r->scope = m->unmapped_all ? VIGIL_SCOPE_ALL : VIGIL_SCOPE_NOCHANNEL;
    else
        r->scope = VIGIL_SCOPE_NOCHANNEL;
    return VIGIL_OK;
}
