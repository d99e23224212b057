/* misp.c - loads MISP events (JSON): attributes and object attributes.
 *
 * MISP is what most sharing communities export; an event carries typed
 * attributes, some flagged to_ids (meant for detection) and some only
 * context. We load the to_ids ones of the types vigil matches, skip
 * deleted ones, and count the rest so that a user can see what an event
 * held beyond what vigil can use. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "intel/intel_internal.h"

typedef struct misp_state {
    vigil_intel_ctx *ctx;
    uint64_t other_types;
    char other_example[64];
} misp_state;

static const char *str_field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* to_ids comes as true/false, "1"/"0", 1/0 depending on the MISP version. */
static int to_ids(json_t *a)
{
    json_t *v = json_object_get(a, "to_ids");
    if (v == NULL)
        return 1;
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_string(v))
        return strcmp(json_string_value(v), "1") == 0 || strcmp(json_string_value(v), "true") == 0;
    return 1;
}

int vigil_intel_misp_type(const char *type, vigil_intel_type *first, vigil_intel_type *second)
{
    static const struct {
        const char *name;
        int parts;
        vigil_intel_type a, b;
    } map[] = {
        {"md5", 1, VIGIL_INTEL_MD5, VIGIL_INTEL_TYPE_COUNT},
        {"sha1", 1, VIGIL_INTEL_SHA1, VIGIL_INTEL_TYPE_COUNT},
        {"sha256", 1, VIGIL_INTEL_SHA256, VIGIL_INTEL_TYPE_COUNT},
        {"filename", 1, VIGIL_INTEL_FILENAME, VIGIL_INTEL_TYPE_COUNT},
        {"domain", 1, VIGIL_INTEL_DOMAIN, VIGIL_INTEL_TYPE_COUNT},
        {"hostname", 1, VIGIL_INTEL_DOMAIN, VIGIL_INTEL_TYPE_COUNT},
        {"ip-src", 1, VIGIL_INTEL_IP, VIGIL_INTEL_TYPE_COUNT},
        {"ip-dst", 1, VIGIL_INTEL_IP, VIGIL_INTEL_TYPE_COUNT},
        {"url", 1, VIGIL_INTEL_URL, VIGIL_INTEL_TYPE_COUNT},
        /* the hash identifies the file; the name alone would over-match */
        {"filename|md5", 2, VIGIL_INTEL_TYPE_COUNT, VIGIL_INTEL_MD5},
        {"filename|sha1", 2, VIGIL_INTEL_TYPE_COUNT, VIGIL_INTEL_SHA1},
        {"filename|sha256", 2, VIGIL_INTEL_TYPE_COUNT, VIGIL_INTEL_SHA256},
        {"domain|ip", 2, VIGIL_INTEL_DOMAIN, VIGIL_INTEL_IP},
        {"ip-src|port", 2, VIGIL_INTEL_IP, VIGIL_INTEL_TYPE_COUNT},
        {"ip-dst|port", 2, VIGIL_INTEL_IP, VIGIL_INTEL_TYPE_COUNT},
        {"hostname|port", 2, VIGIL_INTEL_DOMAIN, VIGIL_INTEL_TYPE_COUNT},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (type != NULL && strcmp(type, map[i].name) == 0) {
            *first = map[i].a;
            *second = map[i].b;
            return map[i].parts;
        }
    }
    return 0;
}

static vigil_status attribute(misp_state *ms, json_t *a, const char *info, const char *where,
                              uint64_t line)
{
    vigil_intel_ctx *ctx = ms->ctx;
    const char *type = str_field(a, "type");
    const char *value = str_field(a, "value");
    vigil_intel_type t1, t2;

    if (type == NULL || value == NULL) {
        ctx->stats.invalid++;
        vigil_intel_error(ctx, line, "%s: attribute without a type and value", where);
        return VIGIL_OK;
    }
    json_t *del = json_object_get(a, "deleted");
    if (json_is_true(del) || (json_is_string(del) && strcmp(json_string_value(del), "1") == 0)) {
        ctx->stats.revoked++;
        return VIGIL_OK;
    }
    int parts = vigil_intel_misp_type(type, &t1, &t2);
    if (parts == 0) {
        if (ms->other_types++ == 0)
            snprintf(ms->other_example, sizeof ms->other_example, "%s", type);
        return VIGIL_OK;
    }
    if (!to_ids(a) && !ctx->opts->include_not_ids) {
        ctx->stats.not_ids++;
        return VIGIL_OK;
    }
    vigil_intel_common c = {0};
    const char *comment = str_field(a, "comment");
    c.description = comment != NULL && comment[0] ? comment : info;
    c.line = line;
    c.where = where;
    if (parts == 1)
        return vigil_intel_emit(ctx, t1, value, strlen(value), &c, 0, 0);
    const char *bar = strchr(value, '|');
    if (bar == NULL) {
        ctx->stats.invalid++;
        vigil_intel_warn(ctx, line, "%s: %s value '%.60s' has no '|'", where, type, value);
        return VIGIL_OK;
    }
    vigil_status st = VIGIL_OK;
    if (t1 != VIGIL_INTEL_TYPE_COUNT)
        st = vigil_intel_emit(ctx, t1, value, (size_t)(bar - value), &c, 0, 0);
    if (st == VIGIL_OK && t2 != VIGIL_INTEL_TYPE_COUNT)
        st = vigil_intel_emit(ctx, t2, bar + 1, strlen(bar + 1), &c, 0, 0);
    return st;
}

static vigil_status attributes(misp_state *ms, json_t *arr, const char *info, const char *prefix)
{
    char where[160];
    vigil_status st = VIGIL_OK;
    if (!json_is_array(arr))
        return VIGIL_OK;
    for (size_t i = 0; i < json_array_size(arr) && st == VIGIL_OK; i++) {
        snprintf(where, sizeof where, "%s/Attribute/%zu", prefix, i);
        st = attribute(ms, json_array_get(arr, i), info, where, 0);
    }
    return st;
}

static vigil_status event(misp_state *ms, json_t *ev, const char *prefix)
{
    char where[128];
    const char *info = str_field(ev, "info");
    vigil_status st = attributes(ms, json_object_get(ev, "Attribute"), info, prefix);
    json_t *objs = json_object_get(ev, "Object");
    for (size_t i = 0; json_is_array(objs) && i < json_array_size(objs) && st == VIGIL_OK; i++) {
        json_t *o = json_array_get(objs, i);
        if (json_is_true(json_object_get(o, "deleted")))
            continue;
        snprintf(where, sizeof where, "%s/Object/%zu", prefix, i);
        st = attributes(ms, json_object_get(o, "Attribute"), info, where);
    }
    return st;
}

/* {"Event":{...}}, a bare event, {"response":[...]}, or an array of those;
 * also {"Attribute":[...]} as restSearch returns. 0 = not recognised. */
static int walk(misp_state *ms, json_t *j, const char *prefix, int depth, vigil_status *st)
{
    char where[128];
    if (depth > 4)
        return 0;
    if (json_is_array(j)) {
        int any = 0;
        for (size_t i = 0; i < json_array_size(j) && *st == VIGIL_OK; i++) {
            snprintf(where, sizeof where, "%s/%zu", prefix, i);
            any |= walk(ms, json_array_get(j, i), where, depth + 1, st);
        }
        return any;
    }
    if (!json_is_object(j))
        return 0;
    json_t *ev = json_object_get(j, "Event");
    if (json_is_object(ev)) {
        snprintf(where, sizeof where, "%s/Event", prefix);
        *st = event(ms, ev, where);
        return 1;
    }
    json_t *resp = json_object_get(j, "response");
    if (resp != NULL) {
        snprintf(where, sizeof where, "%s/response", prefix);
        return walk(ms, resp, where, depth + 1, st);
    }
    if (json_object_get(j, "Attribute") != NULL || json_object_get(j, "Object") != NULL) {
        *st = event(ms, j, prefix);
        return 1;
    }
    return 0;
}

static int salvage_one(void *obj, uint64_t line, void *user)
{
    misp_state *ms = user;
    json_t *o = obj;
    if (str_field(o, "type") == NULL || str_field(o, "value") == NULL ||
        json_object_get(o, "Attribute") != NULL)
        return 0;
    return attribute(ms, o, NULL, "(salvaged)", line) == VIGIL_OK ? 0 : -1;
}

vigil_status vigil_intel_load_misp_json(const char *name, const char *data, size_t len,
                                        const vigil_intel_opts *opts)
{
    vigil_intel_ctx ctx;
    misp_state ms = {&ctx, 0, ""};
    vigil_status st = vigil_intel_ctx_init(&ctx, name, opts);
    if (st != VIGIL_OK)
        return st;
    json_t *root = vigil_intel_json_load(&ctx, data, len, "attributes", salvage_one, &ms, &st);
    if (root != NULL) {
        if (!walk(&ms, root, "", 0, &st) && st == VIGIL_OK) {
            ctx.stats.syntax++;
            vigil_intel_error(&ctx, 0, "not a MISP event (no Event, response or Attribute)");
            st = VIGIL_ERR_PARSE;
        }
        json_decref(root);
    }
    if (ms.other_types > 0) {
        ctx.stats.unsupported += ms.other_types;
        vigil_diagf(&opts->diag, VIGIL_DIAG_INFO, VIGIL_ERR_UNSUPPORTED, ctx.name, 0,
                    "%llu attribute(s) of types vigil does not match (e.g. %s) not loaded",
                    (unsigned long long)ms.other_types, ms.other_example);
    }
    return vigil_intel_ctx_end(&ctx, st);
}
