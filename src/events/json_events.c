/* json_events.c - Windows events exported as JSON, flattened into vigil_events.
 *
 * Why: events exported by other tools (evtx_dump, Chainsaw, the SigmaHQ
 * regression data) come as JSON Lines or as concatenated pretty-printed
 * objects in the {"Event":{"System":...,"EventData":...}} shape. Sigma
 * rules name flat fields, so the tree is flattened the way the EVTX parser
 * names fields: System children by tag, their attributes joined by '_'
 * (Provider_Name), {"#text":..} as the value itself, EventData and UserData
 * leaves by their own names, TimeCreated from TimeCreated_SystemTime. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buffer.h"
#include "core/diagsink.h"
#include "core/util.h"
#include "vigil/sigma.h"

#define MAX_JSON_FILE (1ull << 31)
#define MAX_DEPTH 32
#define MAX_FIELDS 4096

typedef struct flat {
    vigil_arena arena;
    vigil_field *f;
    size_t n, cap;
    int oom;
} flat;

static void add_field(flat *fl, const char *name, const char *value, size_t vlen, int is_null)
{
    if (fl->oom || fl->n >= MAX_FIELDS)
        return;
    if (VIGIL_ARRAY_RESERVE(fl->f, fl->cap, fl->n + 1) != VIGIL_OK) {
        fl->oom = 1;
        return;
    }
    char *n = vigil_arena_strdup(&fl->arena, name);
    char *v = vigil_arena_strndup(&fl->arena, value, vlen);
    if (n == NULL || v == NULL) {
        fl->oom = 1;
        return;
    }
    vigil_field *f = &fl->f[fl->n++];
    f->name = n;
    f->name_len = strlen(n);
    f->value = v;
    f->value_len = vlen;
    f->is_null = is_null;
}

/* Text of a scalar; arrays are joined with ", " (unnamed Data). */
static void scalar_text(const json_t *v, char *buf, size_t cap, const char **s, size_t *len)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        *s = json_string_value(v);
        *len = json_string_length(v);
        return;
    case JSON_INTEGER:
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        snprintf(buf, cap, "%.17g", json_real_value(v));
        break;
    case JSON_TRUE:
        snprintf(buf, cap, "true");
        break;
    case JSON_FALSE:
        snprintf(buf, cap, "false");
        break;
    default:
        buf[0] = 0;
        break;
    }
    *s = buf;
    *len = strlen(buf);
}

static void add_value(flat *fl, const char *name, const json_t *v);

static void add_array(flat *fl, const char *name, const json_t *arr)
{
    /* joined text of scalar items; objects inside are flattened on their own */
    size_t total = 0, i;
    const json_t *it;
    char buf[64];
    json_array_foreach(arr, i, it)
    {
        const char *s;
        size_t l;
        if (json_is_object(it) || json_is_array(it))
            continue;
        scalar_text(it, buf, sizeof buf, &s, &l);
        total += l + 2;
    }
    char *j = vigil_arena_alloc(&fl->arena, total + 1);
    if (j == NULL) {
        fl->oom = 1;
        return;
    }
    size_t o = 0;
    json_array_foreach(arr, i, it)
    {
        const char *s;
        size_t l;
        if (json_is_object(it) || json_is_array(it)) {
            add_value(fl, name, it);
            continue;
        }
        scalar_text(it, buf, sizeof buf, &s, &l);
        if (o > 0) {
            j[o++] = ',';
            j[o++] = ' ';
        }
        memcpy(j + o, s, l);
        o += l;
    }
    j[o] = 0;
    add_field(fl, name, j, o, 0);
}

static void flatten_obj(flat *fl, const char *prefix, const json_t *obj, int leaf_names, int depth);

static void add_value(flat *fl, const char *name, const json_t *v)
{
    char buf[64];
    const char *s;
    size_t l;
    if (json_is_null(v)) {
        add_field(fl, name, "", 0, 1);
    } else if (json_is_array(v)) {
        add_array(fl, name, v);
    } else if (json_is_object(v)) {
        flatten_obj(fl, name, v, 0, 1);
    } else {
        scalar_text(v, buf, sizeof buf, &s, &l);
        add_field(fl, name, s, l, 0);
    }
}

static char *join(flat *fl, const char *a, const char *b)
{
    if (a == NULL || a[0] == 0)
        return vigil_arena_strdup(&fl->arena, b);
    size_t la = strlen(a), lb = strlen(b);
    char *r = vigil_arena_alloc(&fl->arena, la + lb + 2);
    if (r == NULL)
        return NULL;
    memcpy(r, a, la);
    r[la] = '_';
    memcpy(r + la + 1, b, lb + 1);
    return r;
}

/* Children of obj named prefix_key (or key alone with leaf_names);
 * "#attributes" members become prefix_attr, "#text" the prefix itself. */
static void flatten_obj(flat *fl, const char *prefix, const json_t *obj, int leaf_names, int depth)
{
    const char *key;
    const json_t *v;
    if (depth > MAX_DEPTH || fl->oom)
        return;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (strcmp(key, "#attributes") == 0 && json_is_object(v)) {
            const char *ak;
            const json_t *av;
            json_object_foreach((json_t *)v, ak, av)
            {
                if (strcmp(ak, "xmlns") == 0)
                    continue;
                char *nm = join(fl, prefix, ak);
                if (nm == NULL) {
                    fl->oom = 1;
                    return;
                }
                add_value(fl, nm, av);
            }
            continue;
        }
        if (strcmp(key, "#text") == 0) {
            add_value(fl, prefix && prefix[0] ? prefix : "Data", v);
            continue;
        }
        char *nm = leaf_names ? vigil_arena_strdup(&fl->arena, key) : join(fl, prefix, key);
        if (nm == NULL) {
            fl->oom = 1;
            return;
        }
        if (json_is_object(v))
            flatten_obj(fl, leaf_names ? key : nm, v, leaf_names, depth + 1);
        else
            add_value(fl, nm, v);
    }
}

static void flatten_event(flat *fl, const json_t *root)
{
    const json_t *ev = json_object_get(root, "Event");
    if (!json_is_object(ev)) {
        flatten_obj(fl, "", root, 0, 0);
        return;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)ev, key, v)
    {
        if (strcmp(key, "#attributes") == 0)
            continue;
        if (!json_is_object(v)) {
            add_value(fl, key, v);
            continue;
        }
        if (strcmp(key, "System") == 0) {
            flatten_obj(fl, "", v, 0, 0);
        } else if (strcmp(key, "EventData") == 0 || strcmp(key, "UserData") == 0) {
            const json_t *data = json_object_get(v, "Data");
            if (json_object_size(v) == 1 && data != NULL && !json_is_object(data))
                add_value(fl, "Data", data);
            else
                flatten_obj(fl, "", v, 1, 0);
        } else {
            flatten_obj(fl, "", v, 1, 0);
        }
    }
    /* TimeCreated as Sigma tools name it */
    for (size_t i = 0; i < fl->n; i++)
        if (strcmp(fl->f[i].name, "TimeCreated_SystemTime") == 0) {
            char *t = (char *)fl->f[i].value;
            add_field(fl, "TimeCreated", t, fl->f[i].value_len, 0);
            break;
        }
}

static int deliver(flat *fl, const char *name, const json_t *obj, uint64_t ordinal,
                   vigil_event_fn fn, void *user)
{
    vigil_arena_reset(&fl->arena);
    fl->n = 0;
    fl->oom = 0;
    flatten_event(fl, obj);
    if (fl->oom)
        return -2;
    vigil_event ev = {.fields = fl->f, .nfields = fl->n, .source = name, .record_id = ordinal};
    for (size_t i = 0; i < fl->n; i++)
        if (strcmp(fl->f[i].name, "EventRecordID") == 0) {
            char *end;
            unsigned long long r = strtoull(fl->f[i].value, &end, 10);
            if (end != fl->f[i].value)
                ev.record_id = r;
            break;
        }
    return fn(&ev, user) != 0 ? -1 : 0;
}

vigil_status vigil_sigma_json_events(const char *name, const char *text, size_t len,
                                     vigil_event_fn fn, void *user, vigil_diag_fn on_diag,
                                     void *diag_user)
{
    vigil_diag_sink sink = {on_diag, diag_user};
    if ((text == NULL && len > 0) || fn == NULL)
        return VIGIL_ERR_INVALID_ARG;
    flat fl = {0};
    vigil_arena_init(&fl.arena);
    size_t pos = 0;
    uint64_t ordinal = 0, line = 1;
    vigil_status st = VIGIL_OK;
    while (pos < len) {
        while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' ||
                             text[pos] == '\n' || text[pos] == ',')) {
            if (text[pos] == '\n')
                line++;
            pos++;
        }
        if (pos >= len)
            break;
        json_error_t err;
        json_t *root = json_loadb(text + pos, len - pos, JSON_DISABLE_EOF_CHECK, &err);
        if (root == NULL) {
            vigil_diagf(&sink, VIGIL_DIAG_ERROR, VIGIL_ERR_PARSE, name,
                        line + (uint64_t)err.line - 1, "bad JSON: %s", err.text);
            st = VIGIL_ERR_PARSE;
            break;
        }
        size_t used = (size_t)err.position;
        for (size_t i = 0; i < used && pos + i < len; i++)
            line += text[pos + i] == '\n';
        pos += used ? used : 1;
        int rc = 0;
        if (json_is_array(root)) {
            size_t i;
            json_t *it;
            json_array_foreach(root, i, it)
            {
                if (!json_is_object(it))
                    continue;
                rc = deliver(&fl, name, it, ++ordinal, fn, user);
                if (rc != 0)
                    break;
            }
        } else if (json_is_object(root)) {
            rc = deliver(&fl, name, root, ++ordinal, fn, user);
        }
        json_decref(root);
        if (rc == -2) {
            st = VIGIL_ERR_NOMEM;
            break;
        }
        if (rc == -1) {
            st = VIGIL_ERR_ABORTED;
            break;
        }
    }
    vigil_arena_free(&fl.arena);
    free(fl.f);
    return st;
}

vigil_status vigil_sigma_json_file(const char *path, vigil_event_fn fn, void *user,
                                   vigil_diag_fn on_diag, void *diag_user)
{
    vigil_diag_sink sink = {on_diag, diag_user};
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        vigil_diagf(&sink, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot open");
        return VIGIL_ERR_IO;
    }
    char *buf = NULL;
    size_t n = 0;
    vigil_status st = vigil_read_fd(fileno(fp), MAX_JSON_FILE, &buf, &n);
    fclose(fp);
    if (st == VIGIL_OK)
        st = vigil_sigma_json_events(path, buf, n, fn, user, on_diag, diag_user);
    else
        vigil_diagf(&sink, VIGIL_DIAG_ERROR, st, path, 0, "cannot read: %s", vigil_status_str(st));
    free(buf);
    return st;
}
