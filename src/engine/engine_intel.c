/* engine_intel.c - threat intel files as engine rule sources, and the
 * network indicator set built at freeze.
 *
 * Alerts arrive as STIX bundles, OpenIOC, MISP and CSV; the intel loaders
 * (src/intel) turn them into normalised items and this adapter feeds those
 * to the same IOC builder the Loki lists use, so a hash from a STIX bundle
 * and one from hash-iocs.txt are matched, scored and reported the same
 * way. Kept apart from engine.c so that the routing there stays small. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "engine/engine_internal.h"
#include "engine/engine_netioc.h"
#include "intel/intel_loaders.h"
#include "vigil/logs.h"

#define INTEL_MAX_FILE (1u << 30)
#define GROUP_MAX 64 /* items of one AND group kept until the group is complete */

typedef struct held_item {
    vigil_intel_type type;
    char *value;
    char *description;
    int score;
    uint64_t line;
} held_item;

typedef struct adapter {
    vigil_engine *e;
    const char *source;
    int nomem;
    /* the AND group being collected */
    uint32_t group;
    uint32_t group_size;
    held_item held[GROUP_MAX];
    size_t nheld;
    uint64_t groups_skipped;
    uint64_t group_first_line;
} adapter;

int vigil_engine_kind_is_intel(vigil_rule_kind kind)
{
    return kind == VIGIL_RULES_STIX || kind == VIGIL_RULES_OPENIOC || kind == VIGIL_RULES_MISP ||
           kind == VIGIL_RULES_CSV || kind == VIGIL_RULES_INTEL;
}

/* value as a regex matching itself: every ASCII punctuation byte escaped
 * (a backslash before a non-alphanumeric is a literal in PCRE2 and
 * hyperscan alike), other bytes kept. */
static char *escape_regex(const char *prefix, const char *value, const char *suffix)
{
    size_t n = strlen(value), pl = strlen(prefix), sl = strlen(suffix);
    if (n > (SIZE_MAX - pl - sl - 1) / 2)
        return NULL;
    char *out = malloc(pl + 2 * n + sl + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    memcpy(out, prefix, pl);
    o = pl;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x80 && !vigil_is_alnum((char)c) && c != ' ')
            out[o++] = '\\';
        out[o++] = (char)c;
    }
    memcpy(out + o, suffix, sl + 1);
    return out;
}

/* The filename regex for a FILENAME (base name) or PATH item: names compare
 * case-insensitively (Windows file systems do) and must be whole path
 * components; a path's drive letter is dropped so that it also matches the
 * same file under a mounted image ("/mnt/c/Windows/x.exe" is tried as
 * "\mnt\c\Windows\x.exe" too). */
static char *name_regex(vigil_intel_type type, const char *value)
{
    if (type == VIGIL_INTEL_PATH) {
        const char *v = value;
        if (((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')) && v[1] == ':')
            v += 2;
        while (*v == '\\' || *v == '/')
            v++;
        if (*v == '\0')
            return NULL;
        return escape_regex("(?i)(?:^|[\\\\/])", v, "$");
    }
    return escape_regex("(?i)(?:^|[\\\\/])", value, "$");
}

static void add_one(adapter *a, vigil_intel_type type, const char *value, int score,
                    const char *desc, uint64_t line)
{
    vigil_ioc_builder *b = a->e->ioc_builder;
    vigil_status st = VIGIL_OK;

    switch (type) {
    case VIGIL_INTEL_MD5:
    case VIGIL_INTEL_SHA1:
    case VIGIL_INTEL_SHA256:
        st = vigil_ioc_builder_add_hash(b, value, score, desc, a->source, line);
        break;
    case VIGIL_INTEL_FILENAME:
    case VIGIL_INTEL_PATH: {
        char *re = name_regex(type, value);
        if (re == NULL) {
            st = value[0] ? VIGIL_ERR_NOMEM : VIGIL_OK;
            break;
        }
        st = vigil_ioc_builder_add_filename_desc(b, re, score, NULL, desc, a->source, line);
        free(re);
        break;
    }
    case VIGIL_INTEL_DOMAIN:
    case VIGIL_INTEL_IP:
    case VIGIL_INTEL_CIDR:
    case VIGIL_INTEL_URL:
        st = vigil_ioc_builder_add_c2(b, value, score, desc, a->source, line);
        break;
    default:
        break;
    }
    if (st == VIGIL_ERR_NOMEM || st == VIGIL_ERR_LIMIT)
        a->nomem = 1;
}

static void free_held(adapter *a)
{
    for (size_t i = 0; i < a->nheld; i++) {
        free(a->held[i].value);
        free(a->held[i].description);
    }
    a->nheld = 0;
    a->group = 0;
}

/* An AND group is complete (or cut short): its hashes decide alone; a
 * group without one cannot be expressed by per-value IOC sets. */
static void flush_group(adapter *a)
{
    size_t hashes = 0;
    if (a->group == 0)
        return;
    for (size_t i = 0; i < a->nheld; i++) {
        vigil_intel_type t = a->held[i].type;
        if (t == VIGIL_INTEL_MD5 || t == VIGIL_INTEL_SHA1 || t == VIGIL_INTEL_SHA256) {
            hashes++;
            add_one(a, t, a->held[i].value, a->held[i].score, a->held[i].description,
                    a->held[i].line);
        }
    }
    if (hashes == 0 && a->nheld > 0) {
        a->groups_skipped++;
        vigil_diagf(&a->e->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_UNSUPPORTED, a->source,
                    a->group_first_line,
                    "an AND of %zu values without a hash ('%s' and more) cannot be matched "
                    "value by value; not loaded",
                    a->nheld, a->held[0].value);
    }
    free_held(a);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static int on_item(const vigil_intel_item *it, void *user)
{
    adapter *a = user;

    if (it->group == 0 || it->group_size <= 1) {
        flush_group(a);
        add_one(a, it->type, it->value, it->score, it->description, it->line);
        return a->nomem;
    }
    if (it->group != a->group) {
        flush_group(a);
        a->group = it->group;
        a->group_size = it->group_size;
        a->group_first_line = it->line;
    }
    if (a->nheld < GROUP_MAX) {
        held_item *h = &a->held[a->nheld];
        h->type = it->type;
        h->value = strdup(it->value);
        h->description = dup_or_null(it->description);
        h->score = it->score;
        h->line = it->line;
        if (h->value == NULL || (it->description != NULL && h->description == NULL)) {
            free(h->value);
            free(h->description);
            a->nomem = 1;
            return 1;
        }
        a->nheld++;
    }
    if (a->nheld >= a->group_size || a->nheld == GROUP_MAX)
        flush_group(a);
    return a->nomem;
}

/* The loader format for a kind, told by content where the kind allows two. */
static vigil_intel_format format_for(vigil_rule_kind kind, const char *name, const char *data,
                                     size_t len)
{
    vigil_intel_format f = vigil_intel_detect(name, data, len);
    switch (kind) {
    case VIGIL_RULES_STIX:
        return VIGIL_INTEL_FMT_STIX;
    case VIGIL_RULES_OPENIOC:
        return VIGIL_INTEL_FMT_OPENIOC;
    case VIGIL_RULES_MISP:
        return f == VIGIL_INTEL_FMT_MISP_CSV || f == VIGIL_INTEL_FMT_CSV
                   ? VIGIL_INTEL_FMT_MISP_CSV
                   : VIGIL_INTEL_FMT_MISP_JSON;
    case VIGIL_RULES_CSV:
        return f == VIGIL_INTEL_FMT_MISP_CSV ? f : VIGIL_INTEL_FMT_CSV;
    default:
        return f;
    }
}

/* For files met in a rule directory: does this look like intel at all? */
static int looks_like_intel(vigil_intel_format f, const char *data, size_t len)
{
    size_t head = len > 65536 ? 65536 : len;
    switch (f) {
    case VIGIL_INTEL_FMT_STIX:
        return memmem(data, head, "\"indicator", 10) != NULL ||
               memmem(data, head, "\"bundle\"", 8) != NULL;
    case VIGIL_INTEL_FMT_OPENIOC:
        for (size_t i = 0; i + 3 <= head; i++)
            if (strncasecmp(data + i, "ioc", 3) == 0)
                return 1;
        return 0;
    case VIGIL_INTEL_FMT_MISP_JSON:
    case VIGIL_INTEL_FMT_MISP_CSV:
    case VIGIL_INTEL_FMT_CSV:
        return 1;
    default:
        return 0; /* a plain list only when named as intel explicitly */
    }
}

vigil_status vigil_engine_add_intel(vigil_engine *e, vigil_rule_kind kind, const char *name,
                                    const char *data, size_t len, int sniff, int *ignored)
{
    adapter a;
    vigil_intel_opts o;
    vigil_intel_stats stats;
    vigil_status st;

    if (ignored != NULL)
        *ignored = 0;
    if (e == NULL || name == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (data == NULL)
        data = "";
    vigil_intel_format f = format_for(kind, name, data, len);
    if (sniff && !looks_like_intel(f, data, len)) {
        if (ignored != NULL)
            *ignored = 1;
        return VIGIL_OK;
    }
    memset(&a, 0, sizeof a);
    memset(&o, 0, sizeof o);
    memset(&stats, 0, sizeof stats);
    a.e = e;
    a.source = name;
    o.diag = e->diag;
    o.fn = on_item;
    o.user = &a;
    o.stats = &stats;
    st = vigil_intel_load(f, name, data, len, &o);
    flush_group(&a);
    free_held(&a);
    if (a.nomem)
        return VIGIL_ERR_NOMEM;
    if (st == VIGIL_ERR_ABORTED)
        st = VIGIL_ERR_NOMEM;
    if (st == VIGIL_OK) {
        vigil_diagf(&e->diag, VIGIL_DIAG_INFO, VIGIL_OK, name, 0,
                    "%s: %llu values loaded; %llu not expressible, %llu invalid, %llu expired, "
                    "%llu revoked, %llu not for detection, %llu AND groups skipped",
                    vigil_intel_format_name(f), (unsigned long long)stats.items,
                    (unsigned long long)stats.unsupported, (unsigned long long)stats.invalid,
                    (unsigned long long)stats.expired, (unsigned long long)stats.revoked,
                    (unsigned long long)stats.not_ids, (unsigned long long)a.groups_skipped);
        e->ioc_files++;
    }
    return st;
}

vigil_status vigil_engine_add_intel_file(vigil_engine *e, vigil_rule_kind kind, const char *path,
                                         int sniff, int *ignored)
{
    char *text = NULL;
    size_t len = 0;
    vigil_status st;

    if (ignored != NULL)
        *ignored = 0;
    st = vigil_read_file(path, INTEL_MAX_FILE, &text, &len);
    if (st != VIGIL_OK) {
        vigil_diagf(&e->diag, VIGIL_DIAG_ERROR, st, path, 0, "cannot read intel file: %s",
                    vigil_status_str(st));
        return st;
    }
    st = vigil_engine_add_intel(e, kind, path, text, len, sniff, ignored);
    free(text);
    return st;
}

/* Network indicators that do not parse are already diagnosed by the C2
 * loader or would repeat its messages; here they are only counted. */
static void quiet_diag(const vigil_diag *d, void *user)
{
    (void)d;
    (*(uint64_t *)user)++;
}

vigil_status vigil_engine_build_net(vigil_engine *e)
{
    vigil_netioc_builder *b = NULL;
    uint64_t refused = 0;
    vigil_diag_sink quiet = {quiet_diag, &refused};
    vigil_status st;
    size_t n = vigil_ioc_db_c2_count(e->ioc);

    st = vigil_netioc_builder_create(&quiet, &b);
    for (size_t i = 0; st == VIGIL_OK && i < n; i++) {
        const vigil_ioc_c2 *c = vigil_ioc_db_c2_at(e->ioc, i);
        vigil_intel_type t;
        if (vigil_intel_infer(c->value, strlen(c->value), &t) != VIGIL_OK ||
            (t != VIGIL_INTEL_DOMAIN && t != VIGIL_INTEL_IP && t != VIGIL_INTEL_CIDR &&
             t != VIGIL_INTEL_URL)) {
            refused++;
            continue;
        }
        st = vigil_netioc_builder_add(b, t, c->value, c->score, c->description, c->source, c->line);
        if (st == VIGIL_ERR_PARSE || st == VIGIL_ERR_INVALID_ARG)
            st = VIGIL_OK;
    }
    if (st == VIGIL_OK)
        st = vigil_netioc_builder_finish(b, &e->net);
    vigil_netioc_builder_destroy(b);
    if (st == VIGIL_OK && refused > 0)
        vigil_diagf(&e->diag, VIGIL_DIAG_INFO, VIGIL_OK, NULL, 0,
                    "%llu C2 values are not domains, IPs, CIDRs or URLs; not hunted in logs",
                    (unsigned long long)refused);
    return st;
}

size_t vigil_engine_net_count(const vigil_engine *e)
{
    return e != NULL && e->net != NULL ? vigil_netioc_db_count(e->net) : 0;
}

vigil_status vigil_engine_netioc(const vigil_engine *e, const vigil_netioc_db **db)
{
    *db = NULL;
    if (e == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (!e->frozen)
        return VIGIL_ERR_NOT_FROZEN;
    if (vigil_engine_net_count(e) == 0)
        return VIGIL_ERR_NO_RULES;
    *db = e->net;
    return VIGIL_OK;
}
