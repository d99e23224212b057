/* qmanifest.c - the manifest of a quarantined item (items/ID.json): what
 * the file was (path, size, mode, owner, times, hashes), why it was taken
 * (the findings and their scores) and where and when (host, time, vigil
 * version).
 *
 * The path is kept twice: "path" readable (invalid UTF-8 replaced), and
 * "path_hex" exact, since a path is any bytes but NUL and JSON strings are
 * UTF-8; restore uses the exact one. */
#include <stdlib.h>
#include <string.h>

#include "quarantine/quarantine_internal.h"

/* s as a JSON string; invalid UTF-8 bytes become U+FFFD. */
static json_t *lossy_string(const char *s)
{
    if (s == NULL)
        s = "";
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    size_t n = strlen(s);
    char *fixed = malloc(n * 3 + 1);
    if (fixed == NULL)
        return json_string("");
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            fixed[o++] = (char)c;
        } else {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
        }
    }
    j = json_stringn(fixed, o);
    free(fixed);
    return j != NULL ? j : json_string("");
}

static json_t *hex_string(const uint8_t *bytes, size_t n)
{
    char buf[65];
    vigil_hex(bytes, n, buf);
    return json_string(buf);
}

static json_t *time_object(const struct timespec *ts)
{
    json_t *o = json_object();
    json_object_set_new(o, "sec", json_integer((json_int_t)ts->tv_sec));
    json_object_set_new(o, "nsec", json_integer((json_int_t)ts->tv_nsec));
    return o;
}

json_t *q_manifest_build(vigil_quarantine *q, const char *id, const char *path,
                         const struct stat *st, const vigil_hashes *h,
                         const vigil_quarantine_reason *why)
{
    char now[32];
    char *hex = q_hex_encode(path, strlen(path));
    json_t *m = json_object();
    json_t *findings = json_array();

    if (hex == NULL || m == NULL || findings == NULL) {
        free(hex);
        json_decref(m);
        json_decref(findings);
        return NULL;
    }
    q_iso_now(now, sizeof now);
    json_object_set_new(m, "format", json_string("vigil-quarantine-1"));
    json_object_set_new(m, "id", json_string(id));
    json_object_set_new(m, "path", lossy_string(path));
    json_object_set_new(m, "path_hex", json_string(hex));
    json_object_set_new(m, "size", json_integer((json_int_t)st->st_size));
    json_object_set_new(m, "mode", json_integer((json_int_t)st->st_mode));
    json_object_set_new(m, "uid", json_integer((json_int_t)st->st_uid));
    json_object_set_new(m, "gid", json_integer((json_int_t)st->st_gid));
    json_object_set_new(m, "nlink", json_integer((json_int_t)st->st_nlink));
    json_object_set_new(m, "dev", json_integer((json_int_t)st->st_dev));
    json_object_set_new(m, "ino", json_integer((json_int_t)st->st_ino));
    json_object_set_new(m, "atime", time_object(&st->st_atim));
    json_object_set_new(m, "mtime", time_object(&st->st_mtim));
    json_object_set_new(m, "ctime", time_object(&st->st_ctim));
    json_object_set_new(m, "md5", hex_string(h->md5, 16));
    json_object_set_new(m, "sha1", hex_string(h->sha1, 20));
    json_object_set_new(m, "sha256", hex_string(h->sha256, 32));
    json_object_set_new(m, "encoding", json_string("aes-256-ctr"));
    json_object_set_new(m, "quarantined_at", json_string(now));
    json_object_set_new(m, "host", lossy_string(q->host));
    json_object_set_new(m, "vigil_version", lossy_string(q->version));
    json_object_set_new(m, "score", json_integer(why != NULL ? why->score : 0));
    json_object_set_new(m, "level", lossy_string(why != NULL && why->level ? why->level : ""));
    for (size_t i = 0; why != NULL && i < why->nfindings; i++) {
        const vigil_quarantine_finding *f = &why->findings[i];
        json_t *o = json_object();
        json_object_set_new(o, "target", lossy_string(f->target ? f->target : path));
        json_object_set_new(o, "kind", lossy_string(f->kind));
        json_object_set_new(o, "rule", lossy_string(f->rule));
        json_object_set_new(o, "score", json_integer(f->score));
        json_array_append_new(findings, o);
    }
    json_object_set_new(m, "findings", findings);
    free(hex);
    return m;
}

static const char *get_str(json_t *m, const char *key)
{
    return json_string_value(json_object_get(m, key));
}

vigil_status q_manifest_item(json_t *m, vigil_quarantine_item *item, char **path_owned)
{
    memset(item, 0, sizeof *item);
    *path_owned = NULL;
    const char *hex = get_str(m, "path_hex");
    item->id = get_str(m, "id");
    item->sha256 = get_str(m, "sha256");
    if (hex == NULL || item->id == NULL || item->sha256 == NULL || strlen(item->sha256) != 64)
        return VIGIL_ERR_CORRUPT;
    size_t n;
    *path_owned = q_hex_decode(hex, &n);
    if (*path_owned == NULL || n == 0 || strlen(*path_owned) != n) {
        free(*path_owned);
        *path_owned = NULL;
        return VIGIL_ERR_CORRUPT;
    }
    item->path = *path_owned;
    item->size = (uint64_t)json_integer_value(json_object_get(m, "size"));
    item->mode = (unsigned)json_integer_value(json_object_get(m, "mode"));
    item->uid = (unsigned)json_integer_value(json_object_get(m, "uid"));
    item->gid = (unsigned)json_integer_value(json_object_get(m, "gid"));
    item->mtime = (int64_t)json_integer_value(json_object_get(json_object_get(m, "mtime"), "sec"));
    item->md5 = get_str(m, "md5");
    item->sha1 = get_str(m, "sha1");
    item->quarantined_at = get_str(m, "quarantined_at");
    item->host = get_str(m, "host");
    item->level = get_str(m, "level");
    item->score = (int)json_integer_value(json_object_get(m, "score"));
    item->nfindings = json_array_size(json_object_get(m, "findings"));
    return VIGIL_OK;
}

vigil_status q_manifest_load(vigil_quarantine *q, const char *id, json_t **out)
{
    char name[VIGIL_QUARANTINE_ID_MAX + 16];
    q_name(name, sizeof name, id, ".json");
    return q_read_json(q->itemsfd, name, out);
}
