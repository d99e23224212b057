/* write.c - writing a merged indicator set back out: Loki text lists, a
 * STIX 2.1 bundle, a CSV table.
 *
 * Analysts receive intel in one format and must feed tools that read
 * another (Loki and signature-base read text lists, TIPs read STIX). Every
 * writer here produces what the loaders in this directory read back to the
 * same set (type, value, score, description), which the conformance test
 * check_intel_roundtrip.sh verifies on the corpus lists. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "intel/intel_loaders.h"

static int is_hash(vigil_intel_type t)
{
    return t == VIGIL_INTEL_MD5 || t == VIGIL_INTEL_SHA1 || t == VIGIL_INTEL_SHA256;
}

static int is_net(vigil_intel_type t)
{
    return t == VIGIL_INTEL_DOMAIN || t == VIGIL_INTEL_IP || t == VIGIL_INTEL_CIDR ||
           t == VIGIL_INTEL_URL;
}

/* A description on one line: newlines and carriage returns become blanks. */
static void one_line(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; in != NULL && *in && o + 1 < cap; in++)
        out[o++] = (*in == '\n' || *in == '\r') ? ' ' : *in;
    out[o] = '\0';
}

/* ---- Loki text lists ------------------------------------------------------ */

/* The regex a Loki filename IOC needs to match exactly this name or path. */
static void put_name_regex(FILE *fp, const vigil_intel_entry *e)
{
    const char *v = e->value;
    if (e->type == VIGIL_INTEL_PATH && ((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z') &&
        v[1] == ':')
        v += 2;
    while (e->type == VIGIL_INTEL_PATH && (*v == '\\' || *v == '/'))
        v++;
    fputs("(?i)(?:^|[\\\\/])", fp);
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == ' '))
            fputc('\\', fp);
        fputc(c, fp);
    }
    fputc('$', fp);
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t cap,
                     const vigil_diag_sink *diag)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    if (fp == NULL)
        vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot write: %s",
                    strerror(errno));
    return fp;
}

vigil_status vigil_intel_write_loki(const vigil_intel_set *set, const char *dir,
                                    vigil_diag_fn on_diag, void *diag_user)
{
    const vigil_diag_sink sink = {on_diag, diag_user};
    const vigil_diag_sink *diag = &sink;
    static const char *const names[3] = {"hash-iocs.txt", "filename-iocs.txt", "c2-iocs.txt"};
    char paths[3][4096];
    FILE *fp[3] = {NULL, NULL, NULL};
    char desc[1024];
    vigil_status st = VIGIL_OK;

    if (set == NULL || dir == NULL)
        return VIGIL_ERR_INVALID_ARG;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, dir, 0, "cannot create: %s",
                    strerror(errno));
        return VIGIL_ERR_IO;
    }
    for (int i = 0; i < 3; i++) {
        fp[i] = open_in(dir, names[i], paths[i], sizeof paths[i], diag);
        if (fp[i] == NULL)
            st = VIGIL_ERR_IO;
    }
    if (st == VIGIL_OK) {
        fputs("# hash IOCs written by vigil iocs convert\n# HASH;SCORE;DESCRIPTION\n", fp[0]);
        fputs("# filename IOCs written by vigil iocs convert\n# REGEX;SCORE\n", fp[1]);
        fputs("# C2 IOCs written by vigil iocs convert\n# VALUE;SCORE;DESCRIPTION\n", fp[2]);
        for (size_t i = 0; i < vigil_intel_set_count(set); i++) {
            const vigil_intel_entry *e = vigil_intel_set_at(set, i);
            one_line(e->description, desc, sizeof desc);
            if (is_hash(e->type)) {
                fprintf(fp[0], "%s;%d%s%s\n", e->value, e->score, desc[0] ? ";" : "", desc);
            } else if (e->type == VIGIL_INTEL_FILENAME || e->type == VIGIL_INTEL_PATH) {
                if (desc[0])
                    fprintf(fp[1], "# %s\n", desc);
                put_name_regex(fp[1], e);
                fprintf(fp[1], ";%d\n", e->score);
            } else if (is_net(e->type)) {
                fprintf(fp[2], "%s;%d%s%s\n", e->value, e->score, desc[0] ? ";" : "", desc);
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        if (fp[i] != NULL && (ferror(fp[i]) | fclose(fp[i])) != 0) {
            vigil_diagf(diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, paths[i], 0, "write error");
            st = VIGIL_ERR_IO;
        }
    }
    return st;
}

/* ---- STIX 2.1 ------------------------------------------------------------- */

static const char *stix_path(const vigil_intel_entry *e)
{
    switch (e->type) {
    case VIGIL_INTEL_MD5:
        return "file:hashes.MD5";
    case VIGIL_INTEL_SHA1:
        return "file:hashes.'SHA-1'";
    case VIGIL_INTEL_SHA256:
        return "file:hashes.'SHA-256'";
    case VIGIL_INTEL_FILENAME:
        return "file:name";
    case VIGIL_INTEL_DOMAIN:
        return "domain-name:value";
    case VIGIL_INTEL_IP:
    case VIGIL_INTEL_CIDR:
        return strchr(e->value, ':') != NULL ? "ipv6-addr:value" : "ipv4-addr:value";
    case VIGIL_INTEL_URL:
        return "url:value";
    default:
        return NULL; /* a full path has no single STIX comparison vigil reads back */
    }
}

/* "[path = 'value']" with ' and \ escaped; malloc'd. */
static char *stix_pattern(const char *path, const char *value)
{
    size_t n = strlen(value), pl = strlen(path);
    if (n > (SIZE_MAX - pl - 16) / 2)
        return NULL;
    size_t cap = pl + 2 * n + 16;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    int w = snprintf(out, cap, "[%s = '", path);
    if (w < 0) {
        free(out);
        return NULL;
    }
    size_t o = (size_t)w; /* pl + 5 < cap: fits */
    for (const char *v = value; *v; v++) {
        if (*v == '\'' || *v == '\\')
            out[o++] = '\\';
        out[o++] = *v;
    }
    memcpy(out + o, "']", 3);
    return out;
}

/* A stable id from the type and value, shaped as a version 5 UUID, so that
 * converting the same intel twice gives the same bundle ids. */
static void stable_id(const char *prefix, const vigil_intel_entry *e, char *out, size_t cap)
{
    uint64_t h1 = 1469598103934665603ull, h2 = 0x9E3779B97F4A7C15ull;
    const char *t = vigil_intel_type_name(e->type);
    for (int pass = 0; pass < 2; pass++) {
        for (const char *p = pass == 0 ? t : e->value; *p; p++) {
            h1 = (h1 ^ (unsigned char)*p) * 1099511628211ull;
            h2 = (h2 ^ (unsigned char)*p) * 0x100000001B3ull + (h2 >> 31);
        }
        h1 = (h1 ^ ':') * 1099511628211ull;
    }
    h2 ^= h1 >> 17;
    snprintf(out, cap, "%s--%08x-%04x-5%03x-%04x-%012llx", prefix, (unsigned)(h1 >> 32),
             (unsigned)(h1 >> 16) & 0xffff, (unsigned)h1 & 0xfff,
             (unsigned)((h2 >> 48) & 0x3fff) | 0x8000,
             (unsigned long long)(h2 & 0xffffffffffffull));
}

static void iso(int64_t t, char *buf, size_t cap)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (gmtime_r(&tt, &tm) == NULL)
        tt = 0, gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

vigil_status vigil_intel_write_stix(const vigil_intel_set *set, FILE *fp, int64_t now,
                                    size_t *skipped)
{
    char ts[40], vu[40], id[96];
    json_t *root = json_object(), *objs = json_array();
    vigil_status st = VIGIL_OK;
    size_t skip = 0;

    if (skipped != NULL)
        *skipped = 0;
    if (root == NULL || objs == NULL || set == NULL || fp == NULL) {
        json_decref(root);
        json_decref(objs);
        return set == NULL || fp == NULL ? VIGIL_ERR_INVALID_ARG : VIGIL_ERR_NOMEM;
    }
    if (now == 0)
        now = (int64_t)time(NULL);
    iso(now, ts, sizeof ts);
    for (size_t i = 0; i < vigil_intel_set_count(set) && st == VIGIL_OK; i++) {
        const vigil_intel_entry *e = vigil_intel_set_at(set, i);
        const char *path = stix_path(e);
        if (path == NULL) {
            skip++;
            continue;
        }
        char *pat = stix_pattern(path, e->value);
        json_t *o = json_object();
        if (pat == NULL || o == NULL) {
            free(pat);
            json_decref(o);
            st = VIGIL_ERR_NOMEM;
            break;
        }
        stable_id("indicator", e, id, sizeof id);
        json_object_set_new(o, "type", json_string("indicator"));
        json_object_set_new(o, "spec_version", json_string("2.1"));
        json_object_set_new(o, "id", json_string(id));
        json_object_set_new(o, "created", json_string(ts));
        json_object_set_new(o, "modified", json_string(ts));
        if (e->description != NULL && e->description[0]) { /* readers show the name */
            json_object_set_new(o, "name", json_string(e->description));
            json_object_set_new(o, "description", json_string(e->description));
        }
        json_object_set_new(o, "indicator_types", json_pack("[s]", "malicious-activity"));
        json_object_set_new(o, "pattern", json_string(pat));
        json_object_set_new(o, "pattern_type", json_string("stix"));
        json_object_set_new(o, "valid_from", json_string(ts));
        if (e->valid_until > 0) {
            iso(e->valid_until, vu, sizeof vu);
            json_object_set_new(o, "valid_until", json_string(vu));
        }
        json_object_set_new(o, "confidence", json_integer(e->score));
        free(pat);
        if (json_array_append_new(objs, o) != 0)
            st = VIGIL_ERR_NOMEM;
    }
    if (st == VIGIL_OK) {
        char bid[96];
        vigil_intel_entry b;
        memset(&b, 0, sizeof b);
        b.value = ts;
        stable_id("bundle", &b, bid, sizeof bid);
        json_object_set_new(root, "type", json_string("bundle"));
        json_object_set_new(root, "id", json_string(bid));
        json_object_set_new(root, "objects", objs);
        objs = NULL;
        if (json_dumpf(root, fp, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0 || fputc('\n', fp) < 0)
            st = VIGIL_ERR_IO;
    }
    json_decref(objs);
    json_decref(root);
    if (skipped != NULL)
        *skipped = skip;
    return st;
}

/* ---- CSV -------------------------------------------------------------------- */

static void csv_field(FILE *fp, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n;\t") == NULL) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

vigil_status vigil_intel_write_csv(const vigil_intel_set *set, FILE *fp)
{
    char desc[1024];
    if (set == NULL || fp == NULL)
        return VIGIL_ERR_INVALID_ARG;
    fputs("type,value,score,description\n", fp);
    for (size_t i = 0; i < vigil_intel_set_count(set); i++) {
        const vigil_intel_entry *e = vigil_intel_set_at(set, i);
        one_line(e->description, desc, sizeof desc);
        fprintf(fp, "%s,", vigil_intel_type_name(e->type));
        csv_field(fp, e->value);
        fprintf(fp, ",%d,", e->score);
        csv_field(fp, desc);
        fputc('\n', fp);
    }
    return ferror(fp) ? VIGIL_ERR_IO : VIGIL_OK;
}
