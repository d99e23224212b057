/* winart.c - recognising Windows artefacts by path and content, and the
 * entry list the parsers fill (see winart.h). */
#include "winart/winart.h"
#include "core/buffer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const uint8_t lnk_magic[8] = {0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00};

static int fold(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 'a';
    if (c == '\\')
        return '/';
    return c;
}

const char *vigil_winart_path_find(const char *path, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = path; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && fold((unsigned char)p[i]) == fold((unsigned char)needle[i]))
            i++;
        if (i == n)
            return p;
    }
    return NULL;
}

/* Whether the XML (UTF-8 or UTF-16 with or without BOM) has a <Task root
 * near its start: the task files Windows writes have only a declaration
 * before it. */
static int looks_like_task(const uint8_t *data, size_t len)
{
    static const char want[] = "<Task";
    size_t lim = len < 4096 ? len : 4096;
    for (int step = 1; step <= 2; step++) {
        for (size_t off = 0; off < 2; off++) {
            for (size_t i = off; i + 5 * (size_t)step <= lim; i += (size_t)step) {
                size_t k = 0;
                while (k < 5 && data[i + k * (size_t)step] == (uint8_t)want[k])
                    k++;
                if (k == 5)
                    return 1;
            }
            if (step == 1)
                break;
        }
    }
    return 0;
}

vigil_winart_type vigil_winart_sniff(const char *path, const uint8_t *data, size_t len)
{
    if (len >= 8 && (memcmp(data + 4, "SCCA", 4) == 0 || memcmp(data, "MAM\x04", 4) == 0))
        return VIGIL_WINART_PREFETCH;
    if (vigil_winart_path_find(path, "/start menu/programs/startup/") != NULL) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (strcasecmp(base, "desktop.ini") != 0)
            return VIGIL_WINART_STARTUP;
    }
    if (len >= 76 && memcmp(data, lnk_magic, sizeof lnk_magic) == 0)
        return VIGIL_WINART_LNK;
    if (vigil_winart_path_find(path, "system32/tasks/") != NULL && looks_like_task(data, len))
        return VIGIL_WINART_TASK;
    return VIGIL_WINART_NONE;
}

vigil_winart_entry *vigil_winart_add(vigil_winart_list *list, vigil_finding_kind kind,
                                     const char *name, const char *target)
{
    /* a task with thousands of actions is not worth listing */
    if (vigil_array_grow(&list->items, &list->cap, list->n + 1, sizeof *list->items, 4096) !=
        VIGIL_OK)
        return NULL;
    vigil_winart_entry *e = &list->items[list->n];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->name = strdup(name ? name : "");
    e->target = target ? strdup(target) : NULL;
    if (e->name == NULL || (target && e->target == NULL)) {
        free(e->name);
        free(e->target);
        return NULL;
    }
    list->n++;
    return e;
}

int vigil_winart_meta(vigil_winart_entry *e, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0' || e->nmeta >= VIGIL_WINART_MAX_META)
        return 0;
    char *v = strdup(value);
    if (v == NULL)
        return -1;
    e->keys[e->nmeta] = key;
    e->values[e->nmeta++] = v;
    return 0;
}

void vigil_winart_list_free(vigil_winart_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].name);
        free(list->items[i].target);
        for (size_t k = 0; k < list->items[i].nmeta; k++)
            free(list->items[i].values[k]);
    }
    free(list->items);
    list->items = NULL;
    list->n = list->cap = 0;
}

int vigil_winart_memfd(const uint8_t *data, size_t len, char *path, size_t cap)
{
    int fd = memfd_create("vigil-artefact", MFD_CLOEXEC);
    size_t done = 0;
    if (fd < 0)
        return -1;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

void vigil_winart_filetime(uint64_t ft, char *buf, size_t cap)
{
    const uint64_t epoch_diff_ms = 11644473600000ull;
    uint64_t ms = ft / 10000;
    if (ft == 0 || ms < epoch_diff_ms) {
        if (cap)
            buf[0] = '\0';
        return;
    }
    vigil_time_ms_format((int64_t)(ms - epoch_diff_ms), buf, cap);
}
