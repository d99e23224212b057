/* live.c - the host's open sockets checked against IP indicators.
 *
 * A beacon that is connected right now is the strongest sign of all and
 * needs no log: /proc/net/{tcp,tcp6,udp,udp6} list every socket with its
 * addresses and inode, and /proc/PID/fd links ("socket:[INODE]") name the
 * process that owns it. The proc root is a parameter so that tests (and
 * offline triage of a copied /proc) can point it at a directory. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buffer.h"
#include "core/util.h"
#include "netioc/netioc.h"

/* The kernel prints each 32-bit word of the address with %08X as a
 * native-endian integer, so the bytes in memory of the parsed word are the
 * address bytes in network order. */
static int parse_addr(const char **pp, int family, uint8_t *addr, uint16_t *port)
{
    const char *p = *pp;
    int words = family == AF_INET ? 1 : 4;
    memset(addr, 0, 16);
    for (int w = 0; w < words; w++) {
        uint32_t v = 0;
        for (int i = 0; i < 8; i++) {
            int h = vigil_hex_digit(*p++);
            if (h < 0)
                return 0;
            v = v << 4 | (uint32_t)h;
        }
        memcpy(addr + 4 * w, &v, 4);
    }
    if (*p++ != ':')
        return 0;
    uint32_t pt = 0;
    for (int i = 0; i < 4; i++) {
        int h = vigil_hex_digit(*p++);
        if (h < 0)
            return 0;
        pt = pt << 4 | (uint32_t)h;
    }
    *port = (uint16_t)pt;
    *pp = p;
    return 1;
}

/* One whitespace-separated number of a /proc/net line; when sep is not NUL
 * the number is followed by sep and a second number (tx:rx), which is
 * skipped. 1 ok, 0 not a number there. */
static int proc_field(const char **q, int base, char sep, unsigned long long *out)
{
    const char *s = *q;
    char *end;
    while (*s == ' ')
        s++;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (end == s || errno != 0)
        return 0;
    if (sep != '\0') {
        if (*end != sep)
            return 0;
        s = end + 1;
        (void)strtoull(s, &end, base);
        if (end == s)
            return 0;
    }
    if (*end != ' ' && *end != '\0')
        return 0;
    *q = end;
    if (out != NULL)
        *out = v;
    return 1;
}

vigil_status vigil_live_parse(const char *name, const char *text, size_t len, int udp, int family,
                              const vigil_diag_sink *diag,
                              int (*fn)(const vigil_live_conn *conn, void *user), void *user)
{
    const char *p = text, *end = text + len;
    uint64_t line = 0;
    char tmp[512];
    if (fn == NULL || (text == NULL && len > 0) || (family != AF_INET && family != AF_INET6))
        return VIGIL_ERR_INVALID_ARG;
    if (len == 0)
        return VIGIL_OK;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        const char *next = nl ? nl + 1 : end;
        line++;
        if (n >= sizeof tmp)
            n = sizeof tmp - 1;
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        p = next;
        const char *q = tmp;
        while (*q == ' ')
            q++;
        if (line == 1 && strncmp(q, "sl", 2) == 0)
            continue; /* header */
        if (*q == '\0')
            continue;
        vigil_live_conn c;
        memset(&c, 0, sizeof c);
        c.udp = udp;
        c.family = family;
        const char *colon = strchr(q, ':');
        unsigned long long st, uid, inode;
        if (colon == NULL)
            goto bad;
        q = colon + 1;
        while (*q == ' ')
            q++;
        if (!parse_addr(&q, family, c.local, &c.lport) || *q++ != ' ' ||
            !parse_addr(&q, family, c.remote, &c.rport))
            goto bad;
        /* st tx:rx tr:when retrnsmt uid timeout inode */
        if (!proc_field(&q, 16, '\0', &st) || !proc_field(&q, 16, ':', NULL) ||
            !proc_field(&q, 16, ':', NULL) || !proc_field(&q, 16, '\0', NULL) ||
            !proc_field(&q, 10, '\0', &uid) || !proc_field(&q, 10, '\0', NULL) ||
            !proc_field(&q, 10, '\0', &inode) || st > 0xff || uid > UINT32_MAX)
            goto bad;
        c.state = (unsigned)st;
        c.uid = (uint32_t)uid;
        c.inode = inode;
        /* the callback gets the connection for the call only (see live.h) */
        if (fn(&c, user))
            return VIGIL_ERR_ABORTED;
        continue;
    bad:
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_PARSE, name, line,
                    "not a socket line of /proc/net/%s%s", udp ? "udp" : "tcp",
                    family == AF_INET6 ? "6" : "");
    }
    return VIGIL_OK;
}

typedef struct pending {
    vigil_live_conn conn;
    size_t indicator;
    int remote;
    int pid;
    char exe[256];
} pending;

typedef struct live_ctx {
    const vigil_netioc_db *db;
    pending *hits;
    size_t n, cap;
    int nomem;
    const vigil_live_conn *cur;
    int cur_remote;
} live_ctx;

static int on_addr(size_t ind, void *user)
{
    live_ctx *lc = user;
    if (VIGIL_ARRAY_RESERVE(lc->hits, lc->cap, lc->n + 1) != VIGIL_OK) {
        lc->nomem = 1;
        return 1;
    }
    pending *h = &lc->hits[lc->n++];
    memset(h, 0, sizeof *h);
    h->conn = *lc->cur;
    h->indicator = ind;
    h->remote = lc->cur_remote;
    return 0;
}

static int unspecified(const uint8_t *a, int family)
{
    static const uint8_t zero[16];
    return memcmp(a, zero, family == AF_INET ? 4 : 16) == 0;
}

static int on_conn(const vigil_live_conn *c, void *user)
{
    live_ctx *lc = user;
    lc->cur = c;
    if (!unspecified(c->remote, c->family)) {
        lc->cur_remote = 1;
        vigil_netioc_match_addr(lc->db, c->family, c->remote, on_addr, lc);
    }
    if (!unspecified(c->local, c->family)) {
        lc->cur_remote = 0;
        vigil_netioc_match_addr(lc->db, c->family, c->local, on_addr, lc);
    }
    lc->cur = NULL; /* c lives for this call only */
    return lc->nomem;
}

/* One walk over proc_root/PID/fd for all the hits' inodes. */
static void find_owners(const char *proc_root, pending *hits, size_t n)
{
    DIR *d = opendir(proc_root);
    struct dirent *de;
    char path[4096], link[128];
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        char *pend;
        long pid = strtol(de->d_name, &pend, 10);
        if (*pend != '\0' || pid <= 0 || pid > INT32_MAX)
            continue;
        snprintf(path, sizeof path, "%s/%s/fd", proc_root, de->d_name);
        DIR *fdd = opendir(path);
        if (fdd == NULL)
            continue;
        struct dirent *fe;
        while ((fe = readdir(fdd)) != NULL) {
            if (fe->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s/fd/%s", proc_root, de->d_name, fe->d_name);
            ssize_t l = readlink(path, link, sizeof link - 1);
            if (l <= 0)
                continue;
            link[l] = '\0';
            if (strncmp(link, "socket:[", 8) != 0)
                continue;
            char *iend;
            errno = 0;
            unsigned long long inode = strtoull(link + 8, &iend, 10);
            if (iend == link + 8 || *iend != ']' || errno != 0)
                continue;
            for (size_t i = 0; i < n; i++) {
                if (hits[i].pid != 0 || hits[i].conn.inode != inode)
                    continue;
                hits[i].pid = (int)pid;
                snprintf(path, sizeof path, "%s/%s/exe", proc_root, de->d_name);
                ssize_t el = readlink(path, hits[i].exe, sizeof hits[i].exe - 1);
                hits[i].exe[el > 0 ? el : 0] = '\0';
            }
        }
        closedir(fdd);
    }
    closedir(d);
}

vigil_status vigil_live_check(const vigil_netioc_db *db, const char *proc_root,
                              const vigil_diag_sink *diag,
                              int (*fn)(const vigil_live_hit *hit, void *user), void *user)
{
    static const struct {
        const char *file;
        int udp, family;
    } files[] = {
        {"tcp", 0, AF_INET}, {"tcp6", 0, AF_INET6}, {"udp", 1, AF_INET}, {"udp6", 1, AF_INET6}};
    live_ctx lc;
    char path[4096];
    vigil_status st = VIGIL_OK;
    if (db == NULL || proc_root == NULL || fn == NULL)
        return VIGIL_ERR_INVALID_ARG;
    memset(&lc, 0, sizeof lc);
    lc.db = db;
    for (size_t i = 0; i < sizeof files / sizeof files[0] && st == VIGIL_OK; i++) {
        size_t len = 0;
        snprintf(path, sizeof path, "%s/net/%s", proc_root, files[i].file);
        char *text = NULL;
        vigil_status rs = vigil_read_file(path, 64u << 20, &text, &len);
        if (rs != VIGIL_OK) {
            int err = errno;
            if (rs != VIGIL_ERR_NOT_FOUND) /* no IPv6 on the host is fine */
                vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_IO, path, 0, "cannot read: %s",
                            rs == VIGIL_ERR_LIMIT ? "larger than 64 MiB" : strerror(err));
            continue;
        }
        st = vigil_live_parse(path, text, len, files[i].udp, files[i].family, diag, on_conn, &lc);
        free(text);
        if (lc.nomem)
            st = VIGIL_ERR_NOMEM;
    }
    if (st == VIGIL_OK && lc.n > 0)
        find_owners(proc_root, lc.hits, lc.n);
    for (size_t i = 0; i < lc.n && st == VIGIL_OK; i++) {
        vigil_live_hit h;
        h.conn = &lc.hits[i].conn;
        h.indicator = lc.hits[i].indicator;
        h.remote = lc.hits[i].remote;
        h.pid = lc.hits[i].pid;
        h.exe = lc.hits[i].exe;
        if (fn(&h, user))
            st = VIGIL_ERR_ABORTED;
    }
    free(lc.hits);
    return st;
}
