/* winart_lnk.c - shell links (MS-SHLLINK) through liblnk: the program a
 * link starts, its arguments and the target's times. A link in Recent or
 * on a desktop is evidence the target existed and was opened; one in a
 * Startup folder is an autostart entry (winart_startup.c). */
#include <liblnk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winart/winart.h"

typedef int (*lnk_size_fn)(liblnk_file_t *, size_t *, liblnk_error_t **);
typedef int (*lnk_get_fn)(liblnk_file_t *, uint8_t *, size_t, liblnk_error_t **);

/* One of liblnk's optional UTF-8 strings, malloc'd, or NULL if absent. */
static char *lnk_string(liblnk_file_t *f, lnk_size_fn size_fn, lnk_get_fn get_fn)
{
    size_t n = 0;
    liblnk_error_t *err = NULL;
    char *s;

    if (size_fn(f, &n, &err) != 1 || n == 0 || n > (1u << 20)) {
        liblnk_error_free(&err);
        return NULL;
    }
    s = malloc(n);
    if (s == NULL)
        return NULL;
    if (get_fn(f, (uint8_t *)s, n, &err) != 1) {
        liblnk_error_free(&err);
        free(s);
        return NULL;
    }
    s[n - 1] = '\0';
    return s;
}

static void lnk_time(liblnk_file_t *f, int (*fn)(liblnk_file_t *, uint64_t *, liblnk_error_t **),
                     char *buf, size_t cap)
{
    uint64_t ft = 0;
    liblnk_error_t *err = NULL;
    if (fn(f, &ft, &err) != 1)
        ft = 0;
    liblnk_error_free(&err);
    vigil_winart_filetime(ft, buf, cap);
}

/* The entry of an opened link: target = local path, else network path,
 * else relative path. */
static int lnk_entry(liblnk_file_t *f, const char *path, vigil_finding_kind kind,
                     vigil_winart_list *list)
{
    char *local =
        lnk_string(f, liblnk_file_get_utf8_local_path_size, liblnk_file_get_utf8_local_path);
    char *net =
        lnk_string(f, liblnk_file_get_utf8_network_path_size, liblnk_file_get_utf8_network_path);
    char *rel =
        lnk_string(f, liblnk_file_get_utf8_relative_path_size, liblnk_file_get_utf8_relative_path);
    char *args = lnk_string(f, liblnk_file_get_utf8_command_line_arguments_size,
                            liblnk_file_get_utf8_command_line_arguments);
    char *wd = lnk_string(f, liblnk_file_get_utf8_working_directory_size,
                          liblnk_file_get_utf8_working_directory);
    char *desc =
        lnk_string(f, liblnk_file_get_utf8_description_size, liblnk_file_get_utf8_description);
    char *machine = lnk_string(f, liblnk_file_get_utf8_machine_identifier_size,
                               liblnk_file_get_utf8_machine_identifier);
    const char *target = local ? local : net ? net : rel;
    const char *base = strrchr(path, '/');
    char created[40], modified[40], accessed[40], size[24];
    uint32_t fsize = 0;
    liblnk_error_t *err = NULL;
    int rc = 0;

    base = base ? base + 1 : path;
    lnk_time(f, liblnk_file_get_file_creation_time, created, sizeof created);
    lnk_time(f, liblnk_file_get_file_modification_time, modified, sizeof modified);
    lnk_time(f, liblnk_file_get_file_access_time, accessed, sizeof accessed);
    size[0] = '\0';
    if (liblnk_file_get_file_size(f, &fsize, &err) == 1 && fsize)
        snprintf(size, sizeof size, "%u", (unsigned)fsize);
    liblnk_error_free(&err);

    vigil_winart_entry *e = vigil_winart_add(list, kind, base, target);
    if (e == NULL)
        rc = -1;
    if (rc == 0) {
        rc |= vigil_winart_meta(e, "source",
                                kind == VIGIL_FINDING_PERSISTENCE ? "startup_folder" : "lnk");
        rc |= vigil_winart_meta(e, "target", target);
        rc |= vigil_winart_meta(e, "arguments", args);
        rc |= vigil_winart_meta(e, "working_directory", wd);
        rc |= vigil_winart_meta(e, "description", desc);
        rc |= vigil_winart_meta(e, "machine", machine);
        rc |= vigil_winart_meta(e, "target_size", size);
        rc |= vigil_winart_meta(e, "target_created", created);
        rc |= vigil_winart_meta(e, "target_modified", modified);
        rc |= vigil_winart_meta(e, "target_accessed", accessed);
    }
    free(local);
    free(net);
    free(rel);
    free(args);
    free(wd);
    free(desc);
    free(machine);
    if (rc != 0)
        snprintf(list->error, sizeof list->error, "out of memory");
    return rc;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Whether every size field of the link fits in its bytes. liblnk allocates
 * what a LinkInfo or extra data block claims before reading it (found by
 * fuzz_lnk: a 100-byte link made it ask for 2.7 GB), so a hostile link is
 * refused here as damaged. */
static int lnk_sizes_fit(const uint8_t *d, size_t len)
{
    size_t at = 76;
    uint32_t flags;

    if (len < 76)
        return 0;
    flags = rd32(d + 20);
    if (flags & 0x01) { /* HasLinkTargetIDList: a 16-bit size */
        if (at + 2 > len)
            return 0;
        at += 2 + (size_t)(d[at] | d[at + 1] << 8);
    }
    if (flags & 0x02) { /* HasLinkInfo */
        if (at + 4 > len)
            return 0;
        uint32_t n = rd32(d + at);
        if (n < 4 || n > len - at)
            return 0;
        at += n;
    }
    for (uint32_t bit = 0x04; bit <= 0x40; bit <<= 1) { /* the StringData */
        if (!(flags & bit))
            continue;
        if (at + 2 > len)
            return 0;
        at += 2 + (size_t)(d[at] | d[at + 1] << 8) * ((flags & 0x80) ? 2 : 1);
    }
    while (at + 4 <= len) { /* ExtraData blocks up to the terminal block */
        uint32_t n = rd32(d + at);
        if (n < 4)
            break;
        if (n > len - at)
            return 0;
        at += n;
    }
    return at <= len;
}

int vigil_winart_lnk_parse(const char *path, const uint8_t *data, size_t len,
                           vigil_finding_kind kind, vigil_winart_list *list)
{
    if (!lnk_sizes_fit(data, len)) {
        snprintf(list->error, sizeof list->error,
                 "not a readable shell link (LNK): a size field runs past its end");
        return -1;
    }
    liblnk_file_t *f = NULL;
    liblnk_error_t *err = NULL;
    char fdpath[64];
    int fd, rc = -1;

    fd = vigil_winart_memfd(data, len, fdpath, sizeof fdpath);
    if (fd < 0) {
        snprintf(list->error, sizeof list->error, "cannot make an in-memory file");
        return -1;
    }
    if (liblnk_file_initialize(&f, &err) == 1 &&
        liblnk_file_open(f, fdpath, LIBLNK_OPEN_READ, &err) == 1) {
        rc = lnk_entry(f, path, kind, list);
        liblnk_file_close(f, NULL);
    } else {
        snprintf(list->error, sizeof list->error, "not a readable shell link (LNK)");
    }
    liblnk_file_free(&f, NULL);
    liblnk_error_free(&err);
    close(fd);
    return rc;
}
