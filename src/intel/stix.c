/* stix.c - loads STIX 2.1 bundles: indicator objects and their patterns.
 *
 * Only "indicator" objects carry matchable values; revoked ones and those
 * past valid_until are skipped and counted, patterns in other languages
 * (YARA, Sigma, Snort) and comparisons vigil cannot match are reported.
 * A bundle that is not valid JSON still yields the indicators that are. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "intel/intel_internal.h"

static const char *str_field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Handles one object; where is its JSON pointer (or NULL), line its line
 * (or 0). Returns 1 when it was an indicator. */
static int indicator(vigil_intel_ctx *ctx, json_t *o, const char *where, uint64_t line,
                     vigil_status *st)
{
    const char *type = str_field(o, "type");
    char wbuf[128];
    *st = VIGIL_OK;
    if (type == NULL || strcmp(type, "indicator") != 0)
        return 0;
    const char *id = str_field(o, "id");
    const char *pattern = str_field(o, "pattern");
    if (json_is_true(json_object_get(o, "revoked"))) {
        ctx->stats.revoked++;
        return 1;
    }
    vigil_intel_common c = {0};
    c.line = line;
    if (where != NULL) {
        snprintf(wbuf, sizeof wbuf, "%s/pattern", where);
        c.where = wbuf;
    }
    const char *vu = str_field(o, "valid_until");
    if (vu != NULL) {
        c.valid_until = vigil_intel_parse_time(vu);
        if (c.valid_until < 0) {
            vigil_intel_warn(ctx, line, "%s: indicator %s: valid_until '%.40s' is not a timestamp",
                             where ? where : "", id ? id : "", vu);
            c.valid_until = 0;
        } else if (c.valid_until <= ctx->now) {
            ctx->stats.expired++;
            return 1;
        }
    }
    const char *ptype = str_field(o, "pattern_type");
    if (ptype != NULL && strcmp(ptype, "stix") != 0) {
        ctx->stats.unsupported++;
        vigil_intel_warn(ctx, line, "%s: indicator %s: pattern_type '%.40s' is not supported",
                         where ? where : "", id ? id : "", ptype);
        return 1;
    }
    if (pattern == NULL) {
        ctx->stats.invalid++;
        vigil_intel_error(ctx, line, "%s: indicator %s has no pattern", where ? where : "",
                          id ? id : "");
        return 1;
    }
    c.description = str_field(o, "name");
    if (c.description == NULL)
        c.description = str_field(o, "description");
    json_t *conf = json_object_get(o, "confidence");
    if (json_is_integer(conf) && json_integer_value(conf) > 0 && json_integer_value(conf) <= 100)
        c.score = (int)json_integer_value(conf);

    vigil_intel_expr *x = NULL;
    char err[160];
    vigil_status ps = vigil_stix_pattern_parse(pattern, &x, err, sizeof err);
    if (ps == VIGIL_ERR_NOMEM) {
        *st = ps;
        return 1;
    }
    if (ps != VIGIL_OK) {
        ctx->stats.invalid++;
        vigil_intel_error(ctx, line, "%s: indicator %s: pattern does not parse: %s",
                          c.where ? c.where : "", id ? id : "", err);
        return 1;
    }
    char what[128];
    snprintf(what, sizeof what, "indicator %.90s", id ? id : "(no id)");
    *st = vigil_intel_expr_emit(ctx, x, &c, what);
    vigil_intel_expr_free(x);
    return 1;
}

static int salvage_one(void *obj, uint64_t line, void *user)
{
    vigil_intel_ctx *ctx = user;
    vigil_status st;
    indicator(ctx, obj, NULL, line, &st);
    return st == VIGIL_OK ? 0 : -1;
}

vigil_status vigil_intel_load_stix(const char *name, const char *data, size_t len,
                                   const vigil_intel_opts *opts)
{
    vigil_intel_ctx ctx;
    vigil_status st = vigil_intel_ctx_init(&ctx, name, opts);
    if (st != VIGIL_OK)
        return st;
    json_t *root = vigil_intel_json_load(&ctx, data, len, "objects", salvage_one, &ctx, &st);
    if (root == NULL)
        return vigil_intel_ctx_end(&ctx, st);
    char where[64];
    if (json_is_object(root) && json_is_array(json_object_get(root, "objects"))) {
        json_t *objs = json_object_get(root, "objects");
        for (size_t i = 0; i < json_array_size(objs) && st == VIGIL_OK; i++) {
            snprintf(where, sizeof where, "/objects/%zu", i);
            indicator(&ctx, json_array_get(objs, i), where, 0, &st);
        }
    } else if (json_is_array(root)) {
        for (size_t i = 0; i < json_array_size(root) && st == VIGIL_OK; i++) {
            snprintf(where, sizeof where, "/%zu", i);
            indicator(&ctx, json_array_get(root, i), where, 0, &st);
        }
    } else if (json_is_object(root)) {
        if (!indicator(&ctx, root, "", 0, &st)) {
            ctx.stats.syntax++;
            vigil_intel_error(&ctx, 0, "not a STIX bundle or indicator");
            st = VIGIL_ERR_PARSE;
        }
    } else {
        ctx.stats.syntax++;
        vigil_intel_error(&ctx, 0, "not a STIX bundle or indicator");
        st = VIGIL_ERR_PARSE;
    }
    json_decref(root);
    return vigil_intel_ctx_end(&ctx, st);
}
