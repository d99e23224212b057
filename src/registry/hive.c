/* hive.c - walking a regf hive with hivex, naming keys as Sysmon does.
 *
 * Why hivex and a memfd: hivex (libhivex-dev) is the Debian library that
 * reads hives robustly and fast (it maps the file and checks every cell it
 * follows); libregf can read from memory but is a 2020 snapshot, slower and
 * with a heavier API. hivex only opens paths, and the scanner holds the
 * hive's bytes (a file already read, or an archive/image member), so they
 * are handed over as an anonymous memory file (memfd_create) opened as
 * /proc/self/fd/N: no temporary file ever touches the disk. Cycles in a
 * hostile hive are cut with a bitmap of the keys seen, nesting at
 * MAX_DEPTH. */
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buffer.h"
#include "registry/registry.h"

#define MAX_DEPTH 512
#define FILETIME_UNIX_MS 11644473600000LL

struct vigil_reg_walk {
    hive_h *h;
    const char *path;
    const vigil_diag_sink *diag;
    vigil_reg_item_fn fn;
    void *user;
    char *key, *raw; /* the current key paths */
    size_t keylen, rawlen, keycap, rawcap;
    uint8_t *seen; /* a bit per 8-byte cell offset */
    size_t seen_bits;
    unsigned current; /* SYSTEM's Select\Current, 0 if none */
    char computer[256];
    hive_node_h node; /* the key whose values are being visited */
    char *details;
    size_t details_cap;
    uint64_t keys, values;
    int stop, cut_depth, cut_loop, bad_values;
};

int vigil_registry_is_hive(const void *data, size_t len)
{
    return data != NULL && len >= 4096 && memcmp(data, "regf", 4) == 0;
}

static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\' || *p == '!')
            b = p + 1;
    return b;
}

/* The directory component after "Users" or "Documents and Settings", or the
 * parent directory's name, into buf. */
static void user_of(const char *path, char *buf, size_t cap)
{
    const char *p = path, *parent = NULL, *parent_end = NULL, *after_users = NULL;
    const char *seg = path;
    snprintf(buf, cap, "unknown");
    for (;; p++) {
        if (*p == '/' || *p == '\\' || *p == '!' || *p == '\0') {
            size_t n = (size_t)(p - seg);
            if (*p != '\0') {
                if (after_users == (const char *)1)
                    after_users = seg;
                if ((n == 5 && strncasecmp(seg, "Users", 5) == 0) ||
                    (n == 22 && strncasecmp(seg, "Documents and Settings", 22) == 0))
                    after_users = (const char *)1;
                parent = seg;
                parent_end = p;
            }
            if (*p == '\0')
                break;
            seg = p + 1;
        }
    }
    if (after_users != NULL && after_users != (const char *)1) {
        size_t n = strcspn(after_users, "/\\!");
        snprintf(buf, cap, "%.*s", (int)n, after_users);
    } else if (parent != NULL && parent_end > parent) {
        snprintf(buf, cap, "%.*s", (int)(parent_end - parent), parent);
    }
}

static int root_by_name(const char *path, const char *name, char *buf, size_t cap)
{
    static const struct {
        const char *file, *root;
    } fixed[] = {
        {"SYSTEM", "HKLM\\System"},     {"SOFTWARE", "HKLM\\SOFTWARE"},
        {"SAM", "HKLM\\SAM"},           {"SECURITY", "HKLM\\SECURITY"},
        {"DEFAULT", "HKU\\.DEFAULT"},   {"COMPONENTS", "HKLM\\COMPONENTS"},
        {"DRIVERS", "HKLM\\DRIVERS"},   {"BCD", "HKLM\\BCD00000000"},
        {"ELAM", "HKLM\\ELAM"},         {"Amcache.hve", "\\REGISTRY\\A\\Amcache"},
        {"SYSTEM.DAT", "HKLM\\System"}, {"SOFTWARE.DAT", "HKLM\\SOFTWARE"},
    };
    char user[256];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcasecmp(name, fixed[i].file) == 0) {
            snprintf(buf, cap, "%s", fixed[i].root);
            return 1;
        }
    if (strcasecmp(name, "NTUSER.DAT") == 0 || strcasecmp(name, "UsrClass.dat") == 0) {
        user_of(path, user, sizeof user);
        snprintf(buf, cap, "HKU\\%s%s", user,
                 strcasecmp(name, "UsrClass.dat") == 0 ? "_Classes" : "");
        return 1;
    }
    return 0;
}

void vigil_registry_root(const char *path, const void *data, size_t len, char *buf, size_t cap)
{
    const char *name = base_name(path);
    char hdr[65];
    size_t n = 0;

    if (cap == 0)
        return;
    if (root_by_name(path, name, buf, cap))
        return;
    /* the header keeps the last 32 UTF-16 characters of the hive's path on
     * the host that wrote it: "\SystemRoot\System32\Config\SOFTWARE" */
    if (vigil_registry_is_hive(data, len)) {
        const uint8_t *d = (const uint8_t *)data + 0x30;
        for (size_t i = 0; i < 64; i += 2) {
            if (d[i] == 0 && d[i + 1] == 0)
                break;
            hdr[n++] = d[i + 1] == 0 && d[i] >= 0x20 && d[i] < 0x7f ? (char)d[i] : '_';
        }
    }
    hdr[n] = '\0';
    if (n > 0 && root_by_name(path, base_name(hdr), buf, cap))
        return;
    snprintf(buf, cap, "\\REGISTRY\\%s", name);
}

static int path_push(char **p, size_t *len, size_t *cap, const char *name, size_t n)
{
    size_t need = *len + 1 + n + 1;
    if (vigil_array_grow(p, cap, need, 1, 0) != VIGIL_OK)
        return -1;
    if (*len > 0)
        (*p)[(*len)++] = '\\';
    memcpy(*p + *len, name, n);
    *len += n;
    (*p)[*len] = '\0';
    return 0;
}

static char *details_reserve(vigil_reg_walk *w, size_t need)
{
    if (need > w->details_cap) {
        char *q = realloc(w->details, need);
        if (q == NULL)
            return NULL;
        w->details = q;
        w->details_cap = need;
    }
    return w->details;
}

/* Details as Sysmon renders them; text for string types. */
static int render(vigil_reg_walk *w, hive_value_h v, hive_type t, const char *raw, size_t len,
                  char **text_out)
{
    char *s = NULL;
    *text_out = NULL;
    switch (t) {
    case hive_t_REG_SZ:
    case hive_t_REG_EXPAND_SZ:
    case hive_t_REG_LINK:
        s = hivex_value_string(w->h, v);
        break;
    case hive_t_REG_MULTI_SZ: {
        char **m = hivex_value_multiple_strings(w->h, v);
        size_t total = 1;
        if (m == NULL)
            break;
        for (size_t i = 0; m[i] != NULL; i++)
            total += strlen(m[i]) + 1;
        s = malloc(total);
        if (s != NULL) {
            size_t o = 0;
            for (size_t i = 0; m[i] != NULL; i++) {
                size_t n = strlen(m[i]);
                if (n == 0)
                    continue; /* the list's terminator read as a string */
                if (o > 0)
                    s[o++] = ' ';
                memcpy(s + o, m[i], n);
                o += n;
            }
            s[o] = '\0';
        }
        for (size_t i = 0; m[i] != NULL; i++)
            free(m[i]);
        free(m);
        break;
    }
    case hive_t_REG_DWORD:
    case hive_t_REG_DWORD_BIG_ENDIAN:
        if (len >= 4) {
            const uint8_t *b = (const uint8_t *)raw;
            uint32_t d = t == hive_t_REG_DWORD ? (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                                                     (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
                                               : (uint32_t)b[3] | (uint32_t)b[2] << 8 |
                                                     (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
            if (details_reserve(w, 32) == NULL)
                return -1;
            snprintf(w->details, 32, "DWORD (0x%08x)", d);
            return 0;
        }
        break;
    case hive_t_REG_QWORD:
        if (len >= 8) {
            const uint8_t *b = (const uint8_t *)raw;
            uint32_t lo =
                (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            uint32_t hi =
                (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
            if (details_reserve(w, 48) == NULL)
                return -1;
            snprintf(w->details, 48, "QWORD (0x%08x-0x%08x)", hi, lo);
            return 0;
        }
        break;
    default:
        break;
    }
    if (s == NULL) {
        if (details_reserve(w, 16) == NULL)
            return -1;
        memcpy(w->details, "Binary Data", sizeof "Binary Data");
        return 0;
    }
    size_t n = strlen(s);
    if (details_reserve(w, n + 8) == NULL) {
        free(s);
        return -1;
    }
    if (n == 0)
        memcpy(w->details, "(Empty)", sizeof "(Empty)");
    else
        memcpy(w->details, s, n + 1);
    *text_out = s;
    return 0;
}

static int64_t time_ms(vigil_reg_walk *w, hive_node_h node)
{
    int64_t ft = hivex_node_timestamp(w->h, node);
    if (ft <= 0)
        return 0;
    return ft / 10000 - FILETIME_UNIX_MS;
}

static void visit_values(vigil_reg_walk *w, hive_node_h node, vigil_reg_item *it)
{
    hive_value_h *vals = hivex_node_values(w->h, node);
    if (vals == NULL) {
        w->bad_values++;
        return;
    }
    w->node = node;
    for (size_t i = 0; vals[i] != 0 && !w->stop; i++) {
        hive_type t;
        size_t len = 0;
        char *name = hivex_value_key(w->h, vals[i]);
        char *raw = hivex_value_value(w->h, vals[i], &t, &len);
        char *text = NULL;
        if (name == NULL || raw == NULL) {
            w->bad_values++;
            free(name);
            free(raw);
            continue;
        }
        if (render(w, vals[i], t, raw, len, &text) != 0) {
            free(name);
            free(raw);
            w->stop = -1;
            break;
        }
        w->values++;
        it->name = name;
        it->type = (uint32_t)t;
        it->details = w->details;
        it->text = text;
        it->data = (const uint8_t *)raw;
        it->data_len = len;
        it->offset = vals[i];
        if (w->fn(it, w->user) != 0)
            w->stop = 1;
        free(text);
        free(name);
        free(raw);
    }
    free(vals);
}

static void visit(vigil_reg_walk *w, hive_node_h node, unsigned depth)
{
    size_t bit = node / 8;
    vigil_reg_item it;

    if (bit >= w->seen_bits || (w->seen[bit / 8] & (1u << (bit % 8)))) {
        w->cut_loop++;
        return;
    }
    w->seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
    w->keys++;
    memset(&it, 0, sizeof it);
    it.key = w->key;
    it.raw_key = w->raw;
    it.time_ms = time_ms(w, node);
    it.offset = node;
    it.computer = w->computer[0] ? w->computer : NULL;
    it.walk = w;
    if (w->fn(&it, w->user) != 0) {
        w->stop = 1;
        return;
    }
    visit_values(w, node, &it);
    if (w->stop)
        return;
    if (depth >= MAX_DEPTH) {
        w->cut_depth++;
        return;
    }
    hive_node_h *kids = hivex_node_children(w->h, node);
    if (kids == NULL) {
        w->bad_values++;
        return;
    }
    for (size_t i = 0; kids[i] != 0 && !w->stop; i++) {
        char *name = hivex_node_name(w->h, kids[i]);
        size_t klen = w->keylen, rlen = w->rawlen;
        char cs[32];
        if (name == NULL) {
            w->bad_values++;
            continue;
        }
        const char *shown = name;
        if (depth == 0 && w->current > 0) {
            snprintf(cs, sizeof cs, "ControlSet%03u", w->current);
            if (strcasecmp(name, cs) == 0)
                shown = "CurrentControlSet";
        }
        if (path_push(&w->key, &w->keylen, &w->keycap, shown, strlen(shown)) != 0 ||
            path_push(&w->raw, &w->rawlen, &w->rawcap, name, strlen(name)) != 0) {
            free(name);
            w->stop = -1;
            break;
        }
        free(name);
        visit(w, kids[i], depth + 1);
        w->keylen = klen;
        w->key[klen] = '\0';
        w->rawlen = rlen;
        w->raw[rlen] = '\0';
    }
    free(kids);
}

static hive_value_h find_value(hive_h *h, hive_node_h node, const char *name)
{
    return node != 0 ? hivex_node_get_value(h, node, name) : 0;
}

/* SYSTEM: which ControlSet is current, and the computer's name. */
static void read_system(vigil_reg_walk *w, hive_node_h root)
{
    hive_node_h sel = hivex_node_get_child(w->h, root, "Select");
    hive_value_h cur = find_value(w->h, sel, "Current");
    char cs[32];
    if (cur == 0)
        return;
    int32_t n = hivex_value_dword(w->h, cur);
    if (n <= 0 || n > 999)
        return;
    w->current = (unsigned)n;
    snprintf(cs, sizeof cs, "ControlSet%03u", w->current);
    hive_node_h node = hivex_node_get_child(w->h, root, cs);
    static const char *const path[] = {"Control", "ComputerName", "ComputerName"};
    for (size_t i = 0; node != 0 && i < 3; i++)
        node = hivex_node_get_child(w->h, node, path[i]);
    hive_value_h v = find_value(w->h, node, "ComputerName");
    char *s = v != 0 ? hivex_value_string(w->h, v) : NULL;
    if (s != NULL) {
        size_t k = 0;
        for (size_t i = 0; s[i] && k + 1 < sizeof w->computer; i++)
            if ((unsigned char)s[i] >= 0x20)
                w->computer[k++] = s[i];
        w->computer[k] = '\0';
        free(s);
    }
}

int vigil_registry_sibling_text(const vigil_reg_item *item, const char *name, char *buf, size_t cap)
{
    vigil_reg_walk *w = item->walk;
    if (cap > 0)
        buf[0] = '\0';
    if (w == NULL || cap == 0 || w->node == 0)
        return 0;
    hive_value_h v = find_value(w->h, w->node, name);
    char *s = v != 0 ? hivex_value_string(w->h, v) : NULL;
    if (s == NULL)
        return 0;
    snprintf(buf, cap, "%s", s);
    free(s);
    return 1;
}

/* hivex opens paths only: the bytes as a memory file, never a disk file. */
static hive_h *open_memory(const void *data, size_t len, int *err)
{
    int fd = memfd_create("vigil-hive", MFD_CLOEXEC);
    char name[64];
    size_t off = 0;
    hive_h *h = NULL;

    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    while (off < len) {
        ssize_t n = write(fd, (const char *)data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : EIO;
            close(fd);
            return NULL;
        }
        off += (size_t)n;
    }
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    h = hivex_open(name, 0);
    *err = errno;
    close(fd); /* hivex holds its own descriptor and mapping */
    return h;
}

vigil_status vigil_registry_walk(const char *path, const void *data, size_t len,
                                 const vigil_diag_sink *diag, vigil_reg_item_fn fn, void *user,
                                 uint64_t *keys, uint64_t *values)
{
    vigil_reg_walk w;
    char root[512];
    int err = 0;
    vigil_status st = VIGIL_OK;

    if (path == NULL || diag == NULL || fn == NULL || (data == NULL && len > 0))
        return VIGIL_ERR_INVALID_ARG;
    if (!vigil_registry_is_hive(data, len)) {
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, path, 0,
                    "registry hive not read: no regf header");
        return VIGIL_ERR_CORRUPT;
    }
    memset(&w, 0, sizeof w);
    w.path = path;
    w.diag = diag;
    w.fn = fn;
    w.user = user;
    w.h = open_memory(data, len, &err);
    if (w.h == NULL) {
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, path, 0,
                    "registry hive not read: %s", strerror(err));
        return VIGIL_ERR_CORRUPT;
    }
    w.seen_bits = len / 8 + 1;
    w.seen = calloc(w.seen_bits / 8 + 1, 1);
    vigil_registry_root(path, data, len, root, sizeof root);
    if (w.seen == NULL || path_push(&w.key, &w.keylen, &w.keycap, root, strlen(root)) != 0 ||
        path_push(&w.raw, &w.rawlen, &w.rawcap, "", 0) != 0) {
        st = VIGIL_ERR_NOMEM;
    } else {
        hive_node_h r = hivex_root(w.h);
        if (r == 0) {
            vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, path, 0,
                        "registry hive not read: no root key");
            st = VIGIL_ERR_CORRUPT;
        } else {
            if (strcmp(root, "HKLM\\System") == 0)
                read_system(&w, r);
            visit(&w, r, 0);
            if (w.stop < 0)
                st = VIGIL_ERR_NOMEM;
        }
    }
    if (w.cut_depth || w.cut_loop || w.bad_values)
        vigil_diagf(diag, VIGIL_DIAG_WARNING, VIGIL_ERR_CORRUPT, path, 0,
                    "registry hive partly read: %d keys nested deeper than %d not opened, %d "
                    "key links seen twice (loops) cut, %d damaged keys or values skipped",
                    w.cut_depth, MAX_DEPTH, w.cut_loop, w.bad_values);
    if (keys != NULL)
        *keys += w.keys;
    if (values != NULL)
        *values += w.values;
    hivex_close(w.h);
    free(w.seen);
    free(w.key);
    free(w.raw);
    free(w.details);
    return st;
}
