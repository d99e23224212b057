/* netioc.c - the network indicator database: domains and URL hosts in a
 * hash table, IPv4/IPv6 addresses and CIDRs in sorted tables by prefix.
 *
 * Why not a literal automaton (hyperscan, grep -F) over the indicators:
 * measured with 70,000 domains, hyperscan needs 10-40 s to compile them and
 * the Windows DNS debug spellings, which all end in "(3)com(0)", drop its
 * scan to 7 MB/s; grep -F/rg -F spend seconds building their automaton and
 * know nothing of label boundaries. A log line is instead cut into
 * host-shaped tokens (scan.c) and each label-boundary suffix of a token is
 * one hash lookup, so the cost per line does not depend on how many
 * indicators are loaded and the label rules hold by construction. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netioc/netioc_internal.h"

struct vigil_netioc_builder {
    vigil_diag_sink diag;
    vigil_intel_set *set;
};

vigil_status vigil_netioc_builder_create(const vigil_diag_sink *diag, vigil_netioc_builder **out)
{
    vigil_netioc_builder *b = calloc(1, sizeof *b);
    *out = NULL;
    if (b == NULL)
        return VIGIL_ERR_NOMEM;
    if (diag != NULL)
        b->diag = *diag;
    vigil_status st = vigil_intel_set_create(&b->set);
    if (st != VIGIL_OK) {
        free(b);
        return st;
    }
    *out = b;
    return VIGIL_OK;
}

void vigil_netioc_builder_destroy(vigil_netioc_builder *b)
{
    if (b == NULL)
        return;
    vigil_intel_set_destroy(b->set);
    free(b);
}

static int is_net_type(vigil_intel_type t)
{
    return t == VIGIL_INTEL_DOMAIN || t == VIGIL_INTEL_IP || t == VIGIL_INTEL_CIDR ||
           t == VIGIL_INTEL_URL;
}

vigil_status vigil_netioc_builder_add(vigil_netioc_builder *b, vigil_intel_type type,
                                      const char *value, int score, const char *description,
                                      const char *source, uint64_t line)
{
    char buf[4096];
    const char *why = NULL;
    if (b == NULL || value == NULL || !is_net_type(type))
        return VIGIL_ERR_INVALID_ARG;
    vigil_status st = vigil_intel_normalise(&type, value, strlen(value), buf, sizeof buf, &why);
    if (st != VIGIL_OK) {
        vigil_diagf(&b->diag, VIGIL_DIAG_WARNING, VIGIL_ERR_PARSE, source, line,
                    "'%.80s' is not a valid %s (%s), skipped", value, vigil_intel_type_name(type),
                    why ? why : "too long");
        return VIGIL_ERR_PARSE;
    }
    vigil_intel_item it = {0};
    it.type = type;
    it.value = buf;
    it.score = score;
    it.description = description;
    it.source = source;
    it.line = line;
    return vigil_intel_set_add(b->set, &it);
}

int vigil_netioc_add_item_cb(const vigil_intel_item *item, void *user)
{
    vigil_netioc_builder *b = user;
    if (!is_net_type(item->type))
        return 0;
    /* items from the loaders are normalised already */
    return vigil_intel_set_add(b->set, item) == VIGIL_ERR_NOMEM;
}

static int cmp_v4(const void *a, const void *b)
{
    const vigil_netioc_v4 *x = a, *y = b;
    if (x->plen != y->plen)
        return x->plen < y->plen ? -1 : 1;
    return x->net < y->net ? -1 : x->net > y->net;
}

static int cmp_v6(const void *a, const void *b)
{
    const vigil_netioc_v6 *x = a, *y = b;
    if (x->plen != y->plen)
        return x->plen < y->plen ? -1 : 1;
    return memcmp(x->net, y->net, 16);
}

static void mask_bits(uint8_t *a, int bits, int plen)
{
    for (int i = plen; i < bits; i++)
        a[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

static vigil_status add_address(vigil_netioc_db *db, const vigil_intel_entry *e, uint32_t ind)
{
    char addr[64];
    int plen = -1;
    const char *slash = strchr(e->value, '/');
    size_t alen = slash ? (size_t)(slash - e->value) : strlen(e->value);
    if (alen >= sizeof addr)
        return VIGIL_ERR_PARSE;
    memcpy(addr, e->value, alen);
    addr[alen] = '\0';
    if (slash != NULL) {
        char *pend;
        long v = strtol(slash + 1, &pend, 10);
        plen = *pend == '\0' && v >= 0 && v <= 128 ? (int)v : -1; /* -1: full length below */
    }
    uint8_t bin[16];
    if (inet_pton(AF_INET, addr, bin) == 1) {
        vigil_netioc_v4 *v = realloc(db->v4, (db->nv4 + 1) * sizeof *v);
        if (v == NULL)
            return VIGIL_ERR_NOMEM;
        db->v4 = v;
        if (plen < 0 || plen > 32)
            plen = 32;
        mask_bits(bin, 32, plen);
        v[db->nv4].net =
            (uint32_t)bin[0] << 24 | (uint32_t)bin[1] << 16 | (uint32_t)bin[2] << 8 | bin[3];
        v[db->nv4].plen = (uint8_t)plen;
        v[db->nv4].ind = ind;
        db->nv4++;
        return VIGIL_OK;
    }
    if (inet_pton(AF_INET6, addr, bin) == 1) {
        vigil_netioc_v6 *v = realloc(db->v6, (db->nv6 + 1) * sizeof *v);
        if (v == NULL)
            return VIGIL_ERR_NOMEM;
        db->v6 = v;
        if (plen < 0 || plen > 128)
            plen = 128;
        mask_bits(bin, 128, plen);
        memcpy(v[db->nv6].net, bin, 16);
        v[db->nv6].plen = (uint8_t)plen;
        v[db->nv6].ind = ind;
        db->nv6++;
        return VIGIL_OK;
    }
    return VIGIL_ERR_PARSE;
}

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = VIGIL_NETIOC_HASH_SEED;
    while (n > 0)
        h = vigil_netioc_hash_step(h, (unsigned char)s[--n]);
    return h;
}

const vigil_netioc_host *vigil_netioc_host_find(const vigil_netioc_db *db, uint64_t hash,
                                                const char *s, size_t n)
{
    if (db->nslots == 0)
        return NULL;
    uint64_t bit = hash >> (64 - VIGIL_NETIOC_FILTER_BITS);
    if (!(db->filter[bit >> 6] >> (bit & 63) & 1))
        return NULL; /* most tokens stop here without touching the table */
    size_t k = (size_t)hash & (db->nslots - 1);
    for (;;) {
        const vigil_netioc_host *h = &db->hosts[k];
        if (h->key == NULL)
            return NULL;
        if (h->hash == hash && h->klen == n && memcmp(h->key, s, n) == 0)
            return h;
        k = (k + 1) & (db->nslots - 1);
    }
}

/* The entry for a host, created if missing. */
static vigil_netioc_host *host_slot(vigil_netioc_db *db, const char *key, size_t n)
{
    uint64_t hash = hash_str(key, n);
    uint64_t bit = hash >> (64 - VIGIL_NETIOC_FILTER_BITS);
    db->filter[bit >> 6] |= 1ull << (bit & 63);
    size_t k = (size_t)hash & (db->nslots - 1);
    for (;;) {
        vigil_netioc_host *h = &db->hosts[k];
        if (h->key == NULL) {
            h->hash = hash;
            h->key = key;
            h->klen = (uint32_t)n;
            h->domain = -1;
            h->url_head = -1;
            db->nhosts++;
            return h;
        }
        if (h->hash == hash && h->klen == n && memcmp(h->key, key, n) == 0)
            return h;
        k = (k + 1) & (db->nslots - 1);
    }
}

static vigil_status build(vigil_netioc_db *db, const vigil_diag_sink *diag)
{
    vigil_status st = VIGIL_OK;
    (void)diag;
    size_t slots = 16;
    while (slots < db->nind * 2 + 2)
        slots *= 2;
    db->hosts = calloc(slots, sizeof *db->hosts);
    db->filter = calloc((1u << VIGIL_NETIOC_FILTER_BITS) / 64, sizeof *db->filter);
    db->url_next = malloc((db->nind ? db->nind : 1) * sizeof *db->url_next);
    db->url_rest = calloc(db->nind ? db->nind : 1, sizeof *db->url_rest);
    if (db->hosts == NULL || db->filter == NULL || db->url_next == NULL || db->url_rest == NULL)
        return VIGIL_ERR_NOMEM;
    db->nslots = slots;
    for (size_t i = 0; i < db->nind && st == VIGIL_OK; i++) {
        const vigil_netioc_indicator *in = &db->ind[i];
        db->url_next[i] = -1;
        if (in->type == VIGIL_INTEL_DOMAIN) {
            vigil_netioc_host *h = host_slot(db, in->value, strlen(in->value));
            h->domain = (int32_t)i;
            db->ndomains++;
        } else if (in->type == VIGIL_INTEL_URL) {
            const char *rest = strstr(in->value, "://");
            rest = rest ? rest + 3 : in->value;
            const char *at = strchr(rest, '@');
            size_t hl = strcspn(rest, "/?#");
            if (at != NULL && (size_t)(at - rest) < hl) /* user info: match from the host */
                rest = at + 1, hl = strcspn(rest, "/?#");
            size_t hostlen = strcspn(rest, ":/?#");
            if (rest[0] == '[') /* [v6]:port: the scanner sees no such token */
                continue;
            (void)hl;
            vigil_netioc_host *h = host_slot(db, rest, hostlen);
            db->url_rest[i] = rest;
            db->url_next[i] = h->url_head;
            h->url_head = (int32_t)i;
            db->nurls++;
        } else {
            st = add_address(db, (const vigil_intel_entry *)vigil_intel_set_at(db->set, i),
                             (uint32_t)i);
            if (st == VIGIL_ERR_PARSE)
                st = VIGIL_OK; /* cannot happen for normalised values */
        }
    }
    if (st != VIGIL_OK)
        return st;
    if (db->nv4 > 0)
        qsort(db->v4, db->nv4, sizeof *db->v4, cmp_v4);
    if (db->nv6 > 0)
        qsort(db->v6, db->nv6, sizeof *db->v6, cmp_v6);
    for (size_t i = 0; i < db->nv4; i++) {
        if (db->v4[i].plen < 16)
            db->v4_short = 1;
        else
            db->v4_top16[db->v4[i].net >> 22] |= 1ull << (db->v4[i].net >> 16 & 63);
    }
    /* distinct prefix lengths, longest first */
    for (int l = 32; l >= 0; l--)
        for (size_t i = 0; i < db->nv4; i++)
            if (db->v4[i].plen == l) {
                db->v4_plens[db->nv4_plens++] = (uint8_t)l;
                break;
            }
    for (int l = 128; l >= 0; l--)
        for (size_t i = 0; i < db->nv6; i++)
            if (db->v6[i].plen == l) {
                db->v6_plens[db->nv6_plens++] = (uint8_t)l;
                break;
            }
    return VIGIL_OK;
}

vigil_status vigil_netioc_builder_finish(vigil_netioc_builder *b, vigil_netioc_db **out)
{
    *out = NULL;
    if (b == NULL)
        return VIGIL_ERR_INVALID_ARG;
    vigil_netioc_db *db = calloc(1, sizeof *db);
    if (db == NULL)
        return VIGIL_ERR_NOMEM;
    db->set = b->set;
    db->nind = vigil_intel_set_count(db->set);
    db->ind = calloc(db->nind ? db->nind : 1, sizeof *db->ind);
    if (db->ind == NULL) {
        free(db);
        return VIGIL_ERR_NOMEM;
    }
    b->set = NULL;
    for (size_t i = 0; i < db->nind; i++) {
        const vigil_intel_entry *e = vigil_intel_set_at(db->set, i);
        db->ind[i].type = e->type;
        db->ind[i].value = e->value;
        db->ind[i].score = e->score > 0 ? e->score : 100;
        db->ind[i].description = e->description;
        db->ind[i].source = e->origins[0].source;
        db->ind[i].line = e->origins[0].line;
    }
    vigil_status st = build(db, &b->diag);
    if (st == VIGIL_OK)
        st = vigil_intel_set_create(&b->set); /* the builder stays usable */
    if (st != VIGIL_OK) {
        vigil_netioc_db_destroy(db);
        return st;
    }
    *out = db;
    return VIGIL_OK;
}

void vigil_netioc_db_destroy(vigil_netioc_db *db)
{
    if (db == NULL)
        return;
    free(db->hosts);
    free(db->filter);
    free(db->url_next);
    free(db->url_rest);
    vigil_intel_set_destroy(db->set);
    free(db->ind);
    free(db->v4);
    free(db->v6);
    free(db);
}

size_t vigil_netioc_db_count(const vigil_netioc_db *db)
{
    return db != NULL ? db->nind : 0;
}

const vigil_netioc_indicator *vigil_netioc_db_at(const vigil_netioc_db *db, size_t i)
{
    if (db == NULL || i >= db->nind)
        return NULL;
    return &db->ind[i];
}

vigil_status vigil_netioc_scratch_create(const vigil_netioc_db *db, vigil_netioc_scratch **out)
{
    *out = NULL;
    if (db == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? VIGIL_OK : VIGIL_ERR_NOMEM;
}

void vigil_netioc_scratch_destroy(vigil_netioc_scratch *s)
{
    free(s);
}

size_t vigil_netioc_match_addr(const vigil_netioc_db *db, int family, const uint8_t *addr,
                               int (*fn)(size_t indicator, void *user), void *user)
{
    size_t hits = 0;
    if (db == NULL || addr == NULL)
        return 0;
    if (family == AF_INET) {
        uint32_t ip =
            (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
        if (!db->v4_short && !(db->v4_top16[ip >> 22] >> (ip >> 16 & 63) & 1))
            return 0; /* no indicator in this /16: most addresses stop here */
        for (size_t k = 0; k < db->nv4_plens; k++) {
            vigil_netioc_v4 key = {0};
            key.plen = db->v4_plens[k];
            key.net = key.plen == 0 ? 0 : ip & (0xffffffffu << (32 - key.plen));
            const vigil_netioc_v4 *e = bsearch(&key, db->v4, db->nv4, sizeof key, cmp_v4);
            if (e != NULL) {
                hits++;
                if (fn != NULL && fn(e->ind, user))
                    return hits;
            }
        }
    } else if (family == AF_INET6) {
        for (size_t k = 0; k < db->nv6_plens; k++) {
            vigil_netioc_v6 key = {0};
            key.plen = db->v6_plens[k];
            memcpy(key.net, addr, 16);
            mask_bits(key.net, 128, key.plen);
            const vigil_netioc_v6 *e = bsearch(&key, db->v6, db->nv6, sizeof key, cmp_v6);
            if (e != NULL) {
                hits++;
                if (fn != NULL && fn(e->ind, user))
                    return hits;
            }
        }
    }
    return hits;
}
