/* run_info.c - the run record: host, scan id, times, command line and the
 * digests of the rule sets (see run_info.h for why).
 *
 * Digests are SHA-256 (OpenSSL): of a rule file's bytes; of a directory,
 * over "relative/name\0<sha256 hex>\n" of each regular file below it, in
 * byte order of the names, so the same tree gives the same digest on every
 * host whatever order the file system lists it in. */
#include "run_info.h"
#include "output_net.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int64_t run_info_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void run_info_time(int64_t ms, char *buf, size_t cap)
{
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    char base[32];
    if (gmtime_r(&t, &tm) == NULL || strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    snprintf(buf, cap, "%s.%03dZ", base, (int)(ms % 1000));
}

/* The first line of path without its newline, or "". */
static void read_line(const char *path, char *buf, size_t cap)
{
    FILE *fp = fopen(path, "r");
    buf[0] = '\0';
    if (fp == NULL)
        return;
    if (fgets(buf, (int)cap, fp) == NULL)
        buf[0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    fclose(fp);
}

/* PRETTY_NAME of os-release ("Debian GNU/Linux 12 (bookworm)"), else "". */
static void os_pretty_name(char *buf, size_t cap)
{
    char line[512];
    FILE *fp = fopen("/etc/os-release", "r");
    buf[0] = '\0';
    if (fp == NULL)
        fp = fopen("/usr/lib/os-release", "r");
    if (fp == NULL)
        return;
    while (fgets(line, sizeof line, fp) != NULL) {
        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        char *v = line + 12;
        v[strcspn(v, "\r\n")] = '\0';
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
            v[n - 1] = '\0';
            v++;
        }
        n = strlen(v);
        n = n < cap ? n : cap - 1; /* cut, as a utsname field may be */
        memcpy(buf, v, n);
        buf[n] = '\0';
        break;
    }
    fclose(fp);
}

static void new_uuid(char *buf, size_t cap)
{
    unsigned char b[16] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof b) {
        /* no randomness device: time and pid still tell runs apart */
        int64_t t = run_info_now_ms();
        pid_t pid = getpid();
        memcpy(b, &t, sizeof t);
        memcpy(b + 8, &pid, sizeof pid);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(buf, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

void run_info_init(run_info *ri, int argc, char **argv)
{
    struct utsname u;

    memset(ri, 0, sizeof *ri);
    if (gethostname(ri->host, sizeof ri->host) != 0)
        ri->host[0] = '\0';
    ri->host[sizeof ri->host - 1] = '\0';
    read_line("/etc/machine-id", ri->machine_id, sizeof ri->machine_id);
    if (!ri->machine_id[0])
        read_line("/var/lib/dbus/machine-id", ri->machine_id, sizeof ri->machine_id);
    os_pretty_name(ri->os, sizeof ri->os);
    if (uname(&u) == 0) {
        size_t n = strlen(ri->os);
        snprintf(ri->os + n, sizeof ri->os - n, "%s%s %s %s", n ? " " : "", u.sysname, u.release,
                 u.machine);
    }
    new_uuid(ri->scan_id, sizeof ri->scan_id);
    ri->start_ms = run_info_now_ms();
    ri->command_line = json_array();
    json_array_append_new(ri->command_line, json_string("vigil"));
    for (int i = 0; i < argc; i++)
        json_array_append_new(ri->command_line, out_jstr(argv[i]));
    ri->rule_sets = json_array();
}

void run_info_free(run_info *ri)
{
    if (ri == NULL)
        return;
    json_decref(ri->command_line);
    json_decref(ri->rule_sets);
    ri->command_line = ri->rule_sets = NULL;
}

static void hex(const unsigned char *d, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* SHA-256 of a file's bytes as hex into out[65]; -1 when unreadable. */
static int file_sha256(const char *path, char *out)
{
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    for (ssize_t n; ok && (n = read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ok = 0;
            break;
        }
        ok = EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
    EVP_MD_CTX_free(ctx);
    close(fd);
    if (!ok)
        return -1;
    hex(md, mdlen, out);
    return 0;
}

static int by_name(const FTSENT **a, const FTSENT **b)
{
    return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* The digest of a directory tree (see the top of the file); the number of
 * files in *files. -1 when it cannot be walked. */
static int tree_sha256(const char *path, char *out, unsigned long long *files)
{
    char *roots[] = {(char *)path, NULL};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    char fh[65];
    FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, by_name);
    if (fts == NULL)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    size_t root_len = strlen(path);
    *files = 0;
    for (FTSENT *e; ok && (e = fts_read(fts)) != NULL;) {
        if (e->fts_info != FTS_F)
            continue;
        const char *rel = e->fts_path + (e->fts_pathlen > root_len ? root_len : 0);
        while (*rel == '/')
            rel++;
        if (file_sha256(e->fts_accpath, fh) != 0)
            snprintf(fh, sizeof fh, "%s", "unreadable");
        ok = EVP_DigestUpdate(ctx, rel, strlen(rel) + 1) == 1 &&
             EVP_DigestUpdate(ctx, fh, strlen(fh)) == 1 && EVP_DigestUpdate(ctx, "\n", 1) == 1;
        (*files)++;
    }
    fts_close(fts);
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    hex(md, mdlen, out);
    return 0;
}

void run_info_add_rules(run_info *ri, const rule_args *ra)
{
    for (size_t i = 0; i < ra->n; i++) {
        const char *path = ra->items[i].path;
        struct stat st;
        char digest[65] = "";
        unsigned long long files = 0;
        json_t *o = json_object();
        json_object_set_new(o, "path", out_jstr(path));
        json_object_set_new(o, "kind", json_string(vigil_rule_kind_name(ra->items[i].kind)));
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (tree_sha256(path, digest, &files) != 0)
                digest[0] = '\0';
        } else if (file_sha256(path, digest) == 0) {
            files = 1;
        }
        json_object_set_new(o, "files", json_integer((json_int_t)files));
        json_object_set_new(o, "sha256", digest[0] ? json_string(digest) : json_null());
        json_array_append_new(ri->rule_sets, o);
    }
}

static void *digest_main(void *arg)
{
    run_info_digests *d = arg;
    run_info_add_rules(d->ri, d->ra);
    return NULL;
}

void run_info_add_rules_start(run_info_digests *d, run_info *ri, const rule_args *ra)
{
    d->ri = ri;
    d->ra = ra;
    d->started = pthread_create(&d->thread, NULL, digest_main, d) == 0;
}

void run_info_add_rules_wait(run_info_digests *d)
{
    if (d->started)
        pthread_join(d->thread, NULL);
    else
        run_info_add_rules(d->ri, d->ra);
    d->started = 0;
}

json_t *run_info_json(const run_info *ri, const char *command)
{
    char t[40];
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("run"));
    json_object_set_new(o, "command", json_string(command));
    json_object_set_new(o, "version", json_string(vigil_version()));
    json_object_set_new(o, "scan_id", json_string(ri->scan_id));
    json_object_set_new(o, "host", out_jstr(ri->host));
    json_object_set_new(o, "machine_id", out_jstr(ri->machine_id));
    json_object_set_new(o, "os", out_jstr(ri->os));
    run_info_time(ri->start_ms, t, sizeof t);
    json_object_set_new(o, "start_time", json_string(t));
    json_object_set_new(o, "command_line", json_incref(ri->command_line));
    json_object_set_new(o, "rule_sets", json_incref(ri->rule_sets));
    return o;
}
