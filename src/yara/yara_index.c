/* yara_index.c - the per-rule table behind findings and `vigil rules list`.
 *
 * libyara keeps neither a rule's source file nor its line, and its meta
 * are typed values. Once, at load time, this file finds each rule's
 * definition line in its source text, renders all meta as text and picks
 * out description/author/reference/score, so a match only has to copy
 * ready-made strings. */
#include "yara/yara_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- finding `rule NAME` in source text ---- */

static int is_ident_start(int c)
{
    return isalpha(c) || c == '_';
}

static int is_ident(int c)
{
    return isalnum(c) || c == '_';
}

/* Walks the text; when pos is NULL only counts. Returns the count, or
 * SIZE_MAX when an allocation fails. */
static size_t scan_rules(const char *t, size_t len, vigil_arena *a, vigil_yara_rule_pos *pos)
{
    size_t i = 0, n = 0;
    uint64_t line = 1;
    unsigned long depth = 0;
    int prev = 0;         /* last significant character outside comments */
    int prev_matches = 0; /* last word was `matches` */

    while (i < len) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\n') {
            line++;
            i++;
            continue;
        }
        if (isspace(c)) {
            i++;
            continue;
        }
        if (c == '/' && i + 1 < len && t[i + 1] == '/') {
            while (i < len && t[i] != '\n')
                i++;
            continue;
        }
        if (c == '/' && i + 1 < len && t[i + 1] == '*') {
            i += 2;
            while (i < len && !(t[i] == '*' && i + 1 < len && t[i + 1] == '/')) {
                if (t[i] == '\n')
                    line++;
                i++;
            }
            i = i < len ? i + 2 : len;
            continue;
        }
        if (c == '"') {
            /* Text strings cannot span lines; stop at one to resync. */
            for (i++; i < len && t[i] != '"' && t[i] != '\n'; i++)
                if (t[i] == '\\' && i + 1 < len && t[i + 1] != '\n')
                    i++;
            if (i < len && t[i] == '"')
                i++;
            prev = '"';
            prev_matches = 0;
            continue;
        }
        if (c == '/' && depth > 0 && (prev == '=' || prev_matches)) {
            int in_class = 0;
            for (i++; i < len && t[i] != '\n'; i++) {
                if (t[i] == '\\' && i + 1 < len && t[i + 1] != '\n')
                    i++;
                else if (t[i] == '[')
                    in_class = 1;
                else if (t[i] == ']')
                    in_class = 0;
                else if (t[i] == '/' && !in_class)
                    break;
            }
            if (i < len && t[i] == '/')
                i++;
            prev = '/';
            prev_matches = 0;
            continue;
        }
        if (is_ident_start(c)) {
            size_t s = i;
            while (i < len && is_ident((unsigned char)t[i]))
                i++;
            size_t wl = i - s;
            prev_matches = wl == 7 && memcmp(t + s, "matches", 7) == 0;
            prev = 'a';
            if (depth == 0 && wl == 4 && memcmp(t + s, "rule", 4) == 0) {
                uint64_t rule_line = line;
                while (i < len && isspace((unsigned char)t[i])) {
                    if (t[i] == '\n')
                        line++;
                    i++;
                }
                size_t ns = i;
                while (i < len && is_ident((unsigned char)t[i]))
                    i++;
                if (i > ns) {
                    if (pos != NULL) {
                        pos[n].name = vigil_arena_strndup(a, t + ns, i - ns);
                        if (pos[n].name == NULL)
                            return SIZE_MAX;
                        pos[n].line = rule_line;
                    }
                    n++;
                }
            }
            continue;
        }
        if (c == '{')
            depth++;
        else if (c == '}' && depth > 0)
            depth--;
        prev = c;
        prev_matches = 0;
        i++;
    }
    return n;
}

vigil_status vigil_yara_find_rule_lines(const char *text, size_t len, vigil_arena *a,
                                        vigil_yara_rule_pos **out, size_t *n)
{
    size_t count;

    if (out == NULL || n == NULL || a == NULL || (text == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    *n = 0;
    count = scan_rules(text, len, NULL, NULL);
    if (count == 0)
        return VIGIL_OK;
    if (count > SIZE_MAX / sizeof **out)
        return VIGIL_ERR_OVERFLOW;
    *out = vigil_arena_alloc(a, count * sizeof **out);
    if (*out == NULL)
        return VIGIL_ERR_NOMEM;
    if (scan_rules(text, len, a, *out) != count)
        return VIGIL_ERR_NOMEM;
    *n = count;
    return VIGIL_OK;
}

/* ---- the rule table ---- */

typedef struct pos_key {
    const char *ns;
    const char *name;
    const char *source;
    uint64_t line;
} pos_key;

static int cmp_pos_key(const void *pa, const void *pb)
{
    const pos_key *a = pa, *b = pb;
    int c = strcmp(a->ns, b->ns);
    if (c == 0)
        c = strcmp(a->name, b->name);
    if (c == 0)
        c = a->line < b->line ? -1 : a->line > b->line;
    return c;
}

static int cmp_pos_name(const void *pa, const void *pb)
{
    const pos_key *a = pa, *b = pb;
    int c = strcmp(a->ns, b->ns);
    return c != 0 ? c : strcmp(a->name, b->name);
}

/* Meta "score" as int or numeric string, clamped; -1 when not usable. */
static int parse_score(const YR_META *m)
{
    double d;
    char *end;

    if (m->type == META_TYPE_INTEGER)
        return m->integer < 0 ? 0 : m->integer > 100 ? 100 : (int)m->integer;
    if (m->type != META_TYPE_STRING || m->string == NULL)
        return -1;
    d = strtod(m->string, &end);
    if (end == m->string || !isfinite(d))
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0')
        return -1;
    return d < 0 ? 0 : d > 100 ? 100 : (int)lround(d);
}

static vigil_status index_rule(vigil_yara_rules *r, const YR_RULE *rule, vigil_yara_rule_info *info)
{
    const char *tag;
    const YR_META *m;
    size_t ntags = 0, nmeta = 0;

    info->name = rule->identifier;
    info->ns = rule->ns != NULL ? rule->ns->name : NULL;
    info->is_private = RULE_IS_PRIVATE(rule) != 0;
    info->is_global = RULE_IS_GLOBAL(rule) != 0;
    info->score = VIGIL_YARA_DEFAULT_SCORE;

    yr_rule_tags_foreach(rule, tag) ntags++;
    if (ntags > 0) {
        const char **tags = vigil_arena_alloc(&r->arena, ntags * sizeof *tags);
        size_t k = 0;
        if (tags == NULL)
            return VIGIL_ERR_NOMEM;
        yr_rule_tags_foreach(rule, tag) tags[k++] = tag;
        info->tags = tags;
        info->ntags = ntags;
    }

    yr_rule_metas_foreach(rule, m) nmeta++;
    if (nmeta > 0) {
        vigil_meta *meta = vigil_arena_alloc(&r->arena, nmeta * sizeof *meta);
        size_t k = 0;
        int have_score = 0;
        if (meta == NULL)
            return VIGIL_ERR_NOMEM;
        yr_rule_metas_foreach(rule, m)
        {
            const char *key = m->identifier;
            const char *val;
            char num[32];
            if (m->type == META_TYPE_INTEGER) {
                snprintf(num, sizeof num, "%" PRId64, m->integer);
                val = vigil_arena_strdup(&r->arena, num);
                if (val == NULL)
                    return VIGIL_ERR_NOMEM;
            } else if (m->type == META_TYPE_BOOLEAN) {
                val = m->integer ? "true" : "false";
            } else {
                val = m->string != NULL ? m->string : "";
            }
            meta[k].key = key;
            meta[k].value = val;
            k++;
            if (key == NULL || m->type == META_TYPE_BOOLEAN)
                continue;
            if (info->description == NULL &&
                (strcasecmp(key, "description") == 0 || strcasecmp(key, "desc") == 0))
                info->description = val;
            else if (info->author == NULL && strcasecmp(key, "author") == 0)
                info->author = val;
            else if (info->reference == NULL && strcasecmp(key, "reference") == 0)
                info->reference = val;
            else if (!have_score && strcasecmp(key, "score") == 0) {
                int s = parse_score(m);
                if (s >= 0) {
                    info->score = s;
                    have_score = 1;
                }
            }
        }
        info->meta = meta;
        info->nmeta = nmeta;
    }
    return VIGIL_OK;
}

struct vigil_yara_line_table {
    pos_key *keys; /* every definition of every source, sorted by (namespace, name) */
    size_t nkeys;
    const vigil_yara_source_lines *src;
    size_t nsrc;
};

void vigil_yara_line_table_destroy(vigil_yara_line_table *t)
{
    if (t == NULL)
        return;
    free(t->keys);
    free(t);
}

vigil_status vigil_yara_line_table_build(vigil_yara_rules *r, const vigil_yara_source_lines *src,
                                         size_t nsrc, vigil_yara_line_table **out)
{
    vigil_yara_line_table *t = calloc(1, sizeof *t);
    vigil_yara_rule_pos **pos = calloc(nsrc ? nsrc : 1, sizeof *pos);
    size_t *npos = calloc(nsrc ? nsrc : 1, sizeof *npos);
    size_t nkeys = 0;
    vigil_status st = VIGIL_OK;

    *out = NULL;
    if (t == NULL || pos == NULL || npos == NULL) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    t->src = src;
    t->nsrc = nsrc;
    for (size_t i = 0; i < nsrc; i++) {
        st = vigil_yara_find_rule_lines(src[i].text, src[i].len, &r->arena, &pos[i], &npos[i]);
        if (st != VIGIL_OK)
            goto out;
        if (npos[i] > SIZE_MAX / 2 / sizeof *t->keys - nkeys) {
            st = VIGIL_ERR_OVERFLOW;
            goto out;
        }
        nkeys += npos[i];
    }
    if (nkeys > 0) {
        t->keys = calloc(nkeys, sizeof *t->keys);
        if (t->keys == NULL) {
            st = VIGIL_ERR_NOMEM;
            goto out;
        }
        size_t j = 0;
        for (size_t i = 0; i < nsrc; i++) {
            const char *source = vigil_arena_strdup(&r->arena, src[i].source);
            if (source == NULL) {
                st = VIGIL_ERR_NOMEM;
                goto out;
            }
            for (size_t p = 0; p < npos[i]; p++) {
                t->keys[j].ns = src[i].ns;
                t->keys[j].name = pos[i][p].name;
                t->keys[j].source = source;
                t->keys[j].line = pos[i][p].line;
                j++;
            }
        }
        qsort(t->keys, nkeys, sizeof *t->keys, cmp_pos_key);
        t->nkeys = nkeys;
    }
out:
    free(pos);
    free(npos);
    if (st != VIGIL_OK) {
        vigil_yara_line_table_destroy(t);
        return st;
    }
    *out = t;
    return VIGIL_OK;
}

vigil_status vigil_yara_rule_info_fill(vigil_yara_rules *r, const vigil_yara_line_table *t,
                                       const YR_RULE *rule, vigil_yara_rule_info *info)
{
    vigil_status st;

    memset(info, 0, sizeof *info);
    st = index_rule(r, rule, info);
    if (st != VIGIL_OK)
        return st;
    if (t->nkeys > 0 && info->ns != NULL && info->name != NULL) {
        pos_key want = {info->ns, info->name, NULL, 0};
        const pos_key *hit = bsearch(&want, t->keys, t->nkeys, sizeof *t->keys, cmp_pos_name);
        /* bsearch may land on any duplicate; the first definition wins. */
        while (hit != NULL && hit > t->keys && cmp_pos_name(hit - 1, &want) == 0)
            hit--;
        if (hit != NULL) {
            info->source = hit->source;
            info->line = hit->line;
        }
    }
    if (info->source == NULL) {
        /* Defined in an included file: name at least the namespace's source. */
        for (size_t i = 0; i < t->nsrc; i++)
            if (info->ns != NULL && strcmp(t->src[i].ns, info->ns) == 0) {
                info->source = vigil_arena_strdup(&r->arena, t->src[i].source);
                if (info->source == NULL)
                    return VIGIL_ERR_NOMEM;
                break;
            }
    }
    return VIGIL_OK;
}

vigil_status vigil_yara_rules_index(vigil_yara_rules *r, const vigil_yara_source_lines *src,
                                    size_t nsrc)
{
    size_t nrules = r->yr->num_rules, k = 0;
    vigil_yara_line_table *t = NULL;
    const YR_RULE *rule;
    vigil_status st;

    r->ninfo = 0;
    r->info = NULL;
    if (nrules == 0)
        return VIGIL_OK;
    if (nrules > SIZE_MAX / sizeof *r->info)
        return VIGIL_ERR_OVERFLOW;
    r->info = vigil_arena_alloc(&r->arena, nrules * sizeof *r->info);
    if (r->info == NULL)
        return VIGIL_ERR_NOMEM;
    st = vigil_yara_line_table_build(r, src, nsrc, &t);
    if (st != VIGIL_OK)
        return st;
    yr_rules_foreach(r->yr, rule)
    {
        if (k == nrules)
            break;
        st = vigil_yara_rule_info_fill(r, t, rule, &r->info[k++]);
        if (st != VIGIL_OK)
            break;
    }
    vigil_yara_line_table_destroy(t);
    if (st == VIGIL_OK)
        r->ninfo = k;
    return st;
}

void vigil_yara_rules_destroy(vigil_yara_rules *r)
{
    if (r == NULL)
        return;
    if (r->yr != NULL)
        yr_rules_destroy(r->yr);
    vigil_yara_group_free(r);
    vigil_arena_free(&r->arena);
    free(r);
    vigil_yara_lib_release();
}

uint64_t vigil_yara_rules_count(const vigil_yara_rules *r)
{
    return r != NULL ? (uint64_t)r->ninfo : 0;
}

vigil_status vigil_yara_rules_foreach(const vigil_yara_rules *r, vigil_yara_rule_fn fn, void *user)
{
    if (r == NULL || fn == NULL)
        return VIGIL_ERR_INVALID_ARG;
    for (size_t i = 0; i < r->ninfo; i++)
        if (fn(&r->info[i], user) != 0)
            return VIGIL_ERR_ABORTED;
    return VIGIL_OK;
}
