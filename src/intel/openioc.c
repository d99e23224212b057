/* openioc.c - loads OpenIOC 1.0 and 1.1 documents (Mandiant/FireEye XML).
 *
 * Much APT10-era intel (FireEye, Mandiant reports) was published as
 * OpenIOC: an Indicator tree of AND/OR nodes over IndicatorItems, each a
 * Context (what is compared: FileItem/Md5sum, Network/DNS ...) and a
 * Content (the value). The AND/OR structure decides a match, so the tree
 * goes through the same expansion as STIX patterns; items vigil cannot
 * express (FileSize, registry, conditions other than "is") are reported.
 * libxml2 parses with the network and entity loading off and in recovery
 * mode, so a broken file still yields what precedes the damage. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "intel/intel_internal.h"

#define MAX_DEPTH 64

typedef struct xml_errs {
    vigil_intel_ctx *ctx;
    int count;
} xml_errs;

static void on_xml_error(void *user, xmlErrorPtr err)
{
    xmlParserCtxtPtr pctx = user;
    xml_errs *e = pctx != NULL ? pctx->_private : NULL;
    if (e == NULL || err == NULL || err->level < XML_ERR_ERROR)
        return;
    if (e->count++ >= 5) /* the first few say where it broke */
        return;
    char msg[200];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "XML error");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    e->ctx->stats.syntax++;
    vigil_intel_error(e->ctx, err->line > 0 ? (uint64_t)err->line : 0,
                      "invalid XML at line %d column %d: %s", err->line, err->int2, msg);
}

static int name_is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c != NULL; c = c->next)
        if (name_is(c, name))
            return c;
    return NULL;
}

/* Attribute value (static buffer semantics: copied into buf). */
static const char *attr(const xmlNode *n, const char *name, char *buf, size_t cap)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL)
        return NULL;
    snprintf(buf, cap, "%s", (const char *)v);
    xmlFree(v);
    return buf;
}

static const struct {
    const char *search;
    vigil_intel_type type;
    int contains_ok; /* "contains" keeps the meaning (label-bounded match) */
} search_map[] = {
    {"FileItem/Md5sum", VIGIL_INTEL_MD5, 0},
    {"FileItem/Sha1sum", VIGIL_INTEL_SHA1, 0},
    {"FileItem/Sha256sum", VIGIL_INTEL_SHA256, 0},
    {"FileItem/FileName", VIGIL_INTEL_FILENAME, 0},
    {"FileItem/FullPath", VIGIL_INTEL_PATH, 0},
    {"Network/DNS", VIGIL_INTEL_DOMAIN, 1},
    {"DnsEntryItem/RecordName", VIGIL_INTEL_DOMAIN, 1},
    {"DnsEntryItem/Host", VIGIL_INTEL_DOMAIN, 1},
    {"PortItem/remoteIP", VIGIL_INTEL_IP, 0},
    {"UrlHistoryItem/URL", VIGIL_INTEL_URL, 0},
};

static vigil_intel_expr *item(const xmlNode *n)
{
    char cond[32], search[128], neg[16], text[300];
    const xmlNode *context = child(n, "Context");
    const xmlNode *content = child(n, "Content");
    if (attr(n, "condition", cond, sizeof cond) == NULL)
        snprintf(cond, sizeof cond, "is");
    if (context == NULL || attr(context, "search", search, sizeof search) == NULL)
        snprintf(search, sizeof search, "?");
    xmlChar *val = content != NULL ? xmlNodeGetContent(content) : NULL;
    const char *v = val != NULL ? (const char *)val : "";
    snprintf(text, sizeof text, "%s %s %.200s", search, cond, v);
    const char *why = NULL;
    int type = -1, contains_ok = 0;
    for (size_t i = 0; i < sizeof search_map / sizeof search_map[0]; i++) {
        if (strcasecmp(search, search_map[i].search) == 0) {
            type = (int)search_map[i].type;
            contains_ok = search_map[i].contains_ok;
        }
    }
    if (type < 0)
        why = "context not matched by vigil";
    else if (attr(n, "negate", neg, sizeof neg) != NULL && strcasecmp(neg, "true") == 0)
        why = "negated item";
    else if (strcasecmp(cond, "is") != 0 && !(contains_ok && strcasecmp(cond, "contains") == 0))
        why = "condition other than 'is'";
    else if (content == NULL)
        why = "item without Content";
    vigil_intel_expr *x = why != NULL ? vigil_intel_expr_unsupported(why, text, strlen(text))
                                      : vigil_intel_expr_leaf((vigil_intel_type)type, v, strlen(v));
    xmlFree(val);
    return x;
}

static vigil_intel_expr *indicator(const xmlNode *n, int depth)
{
    char op[16];
    if (depth > MAX_DEPTH)
        return vigil_intel_expr_unsupported("indicator nested too deep", "Indicator", 9);
    vigil_intel_expr_kind kind = VIGIL_IX_OR;
    if (attr(n, "operator", op, sizeof op) != NULL && strcasecmp(op, "AND") == 0)
        kind = VIGIL_IX_AND;
    vigil_intel_expr *x = vigil_intel_expr_node(kind);
    if (x == NULL)
        return NULL;
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        vigil_intel_expr *k = NULL;
        if (name_is(c, "IndicatorItem"))
            k = item(c);
        else if (name_is(c, "Indicator"))
            k = indicator(c, depth + 1);
        else
            continue;
        if (vigil_intel_expr_add(x, k) != VIGIL_OK) {
            vigil_intel_expr_free(x);
            return NULL;
        }
    }
    return x;
}

static vigil_status emit_node(vigil_intel_ctx *ctx, const xmlNode *n, vigil_intel_expr *x,
                              const vigil_intel_common *base)
{
    vigil_intel_common c = *base;
    xmlChar *path = xmlGetNodePath(n);
    c.line = (uint64_t)xmlGetLineNo(n);
    c.where = path != NULL ? (const char *)path : NULL;
    vigil_status st = vigil_intel_expr_emit(ctx, x, &c, "OpenIOC indicator");
    xmlFree(path);
    return st;
}

/* Emits each branch of the top OR separately so every item carries its own
 * line; an AND at the top is one unit. */
static vigil_status criteria(vigil_intel_ctx *ctx, const xmlNode *crit,
                             const vigil_intel_common *base)
{
    vigil_status st = VIGIL_OK;
    for (const xmlNode *ind = crit->children; ind != NULL && st == VIGIL_OK; ind = ind->next) {
        if (!name_is(ind, "Indicator"))
            continue;
        char op[16];
        int is_and = attr(ind, "operator", op, sizeof op) != NULL && strcasecmp(op, "AND") == 0;
        if (is_and) {
            vigil_intel_expr *x = indicator(ind, 0);
            if (x == NULL)
                return VIGIL_ERR_NOMEM;
            st = emit_node(ctx, ind, x, base);
            vigil_intel_expr_free(x);
            continue;
        }
        for (const xmlNode *c = ind->children; c != NULL && st == VIGIL_OK; c = c->next) {
            vigil_intel_expr *x;
            if (name_is(c, "IndicatorItem"))
                x = item(c);
            else if (name_is(c, "Indicator"))
                x = indicator(c, 1);
            else
                continue;
            if (x == NULL)
                return VIGIL_ERR_NOMEM;
            st = emit_node(ctx, c, x, base);
            vigil_intel_expr_free(x);
        }
    }
    return st;
}

vigil_status vigil_intel_load_openioc(const char *name, const char *data, size_t len,
                                      const vigil_intel_opts *opts)
{
    vigil_intel_ctx ctx;
    vigil_status st = vigil_intel_ctx_init(&ctx, name, opts);
    if (st != VIGIL_OK)
        return st;
    if (len > (size_t)INT32_MAX) {
        vigil_intel_error(&ctx, 0, "XML document too large");
        return vigil_intel_ctx_end(&ctx, VIGIL_ERR_LIMIT);
    }
    xmlParserCtxtPtr pctx = xmlNewParserCtxt();
    if (pctx == NULL)
        return vigil_intel_ctx_end(&ctx, VIGIL_ERR_NOMEM);
    xml_errs errs = {&ctx, 0};
    pctx->_private = &errs;
    pctx->sax->serror = on_xml_error;
    xmlDocPtr doc = xmlCtxtReadMemory(pctx, data, (int)len, ctx.name, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_RECOVER | XML_PARSE_NOCDATA);
    const xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    if (root == NULL) {
        if (errs.count == 0) {
            ctx.stats.syntax++;
            vigil_intel_error(&ctx, 0, "not an XML document");
        }
        st = VIGIL_ERR_PARSE;
    } else if (!name_is(root, "ioc") && !name_is(root, "OpenIOC")) {
        ctx.stats.syntax++;
        vigil_intel_error(&ctx, (uint64_t)xmlGetLineNo(root),
                          "root element <%.40s> is not <ioc> or <OpenIOC>",
                          (const char *)root->name);
        st = VIGIL_ERR_PARSE;
    } else {
        /* 1.0: ioc/short_description, ioc/definition; 1.1: metadata, criteria */
        const xmlNode *meta = name_is(root, "OpenIOC") ? child(root, "metadata") : root;
        const xmlNode *sd = child(meta, "short_description");
        if (sd == NULL)
            sd = child(meta, "description");
        xmlChar *desc = sd != NULL ? xmlNodeGetContent(sd) : NULL;
        vigil_intel_common base = {0};
        base.description = desc != NULL ? (const char *)desc : NULL;
        const xmlNode *crit = child(root, "definition");
        if (crit == NULL)
            crit = child(root, "criteria");
        if (crit != NULL)
            st = criteria(&ctx, crit, &base);
        xmlFree(desc);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(pctx);
    return vigil_intel_ctx_end(&ctx, st);
}
