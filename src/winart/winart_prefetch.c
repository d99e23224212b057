/* winart_prefetch.c - Prefetch files (SCCA, versions 17 to 30, and the
 * MAM-compressed ones of Windows 10 where libscca can open them) through
 * libscca: the program that ran, its full path among the files it loaded,
 * how often and when it last ran. */
#include <libscca.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "winart/winart.h"

#define MAX_SCANNED_NAMES 4096       /* filenames searched for the executable's path */
#define MAX_UNCOMPRESSED (16u << 20) /* bytes a MAM file may declare */

static char *pf_filename(libscca_file_t *f, int i)
{
    size_t n = 0;
    libscca_error_t *err = NULL;
    char *s;
    if (libscca_file_get_utf8_filename_size(f, i, &n, &err) != 1 || n == 0 || n > 65536) {
        libscca_error_free(&err);
        return NULL;
    }
    s = malloc(n);
    if (s != NULL && libscca_file_get_utf8_filename(f, i, (uint8_t *)s, n, &err) != 1) {
        free(s);
        s = NULL;
    }
    libscca_error_free(&err);
    if (s != NULL)
        s[n - 1] = '\0';
    return s;
}

/* The loaded file whose last component is the executable's name: the path
 * the program ran from ("\VOLUME{...}\PROGRAMDATA\MCAFEE\MCUTIL.EXE"). */
static char *pf_exe_path(libscca_file_t *f, const char *exe)
{
    int count = 0;
    libscca_error_t *err = NULL;
    size_t elen = strlen(exe);

    if (elen == 0 || libscca_file_get_number_of_filenames(f, &count, &err) != 1) {
        libscca_error_free(&err);
        return NULL;
    }
    for (int i = 0; i < count && i < MAX_SCANNED_NAMES; i++) {
        char *s = pf_filename(f, i);
        if (s == NULL)
            continue;
        size_t n = strlen(s);
        if (n > elen && s[n - elen - 1] == '\\' && strcasecmp(s + n - elen, exe) == 0)
            return s;
        free(s);
    }
    return NULL;
}

static int pf_entry(libscca_file_t *f, vigil_winart_list *list)
{
    libscca_error_t *err = NULL;
    uint8_t exe[128];
    uint32_t version = 0, runs = 0, hash = 0;
    char text[40], last[40], times[8 * 41], tmp[40];
    char *full;
    size_t used = 0;
    int rc = 0;

    if (libscca_file_get_utf8_executable_filename(f, exe, sizeof exe, &err) != 1) {
        libscca_error_free(&err);
        snprintf(list->error, sizeof list->error, "Prefetch file without an executable name");
        return -1;
    }
    exe[sizeof exe - 1] = '\0';
    libscca_file_get_format_version(f, &version, NULL);
    libscca_file_get_run_count(f, &runs, NULL);
    libscca_file_get_prefetch_hash(f, &hash, NULL);
    last[0] = times[0] = '\0';
    for (int i = 0; i < 8; i++) {
        uint64_t ft = 0;
        if (libscca_file_get_last_run_time(f, i, &ft, &err) != 1) {
            libscca_error_free(&err);
            break;
        }
        vigil_winart_filetime(ft, tmp, sizeof tmp);
        if (tmp[0] == '\0')
            continue;
        if (last[0] == '\0')
            snprintf(last, sizeof last, "%s", tmp);
        int w = snprintf(times + used, sizeof times - used, "%s%s", used ? "," : "", tmp);
        if (w < 0 || (size_t)w >= sizeof times - used)
            break; /* cannot happen: 8 times of < 40 bytes fit */
        used += (size_t)w;
    }
    full = pf_exe_path(f, (const char *)exe);
    vigil_winart_entry *e = vigil_winart_add(list, VIGIL_FINDING_EXECUTION, (const char *)exe,
                                             full ? full : (const char *)exe);
    if (e == NULL) {
        rc = -1;
    } else {
        rc |= vigil_winart_meta(e, "source", "prefetch");
        rc |= vigil_winart_meta(e, "executable", (const char *)exe);
        rc |= vigil_winart_meta(e, "target", full);
        snprintf(text, sizeof text, "%u", (unsigned)runs);
        rc |= vigil_winart_meta(e, "run_count", text);
        rc |= vigil_winart_meta(e, "last_run", last);
        if (strchr(times, ',') != NULL)
            rc |= vigil_winart_meta(e, "run_times", times);
        snprintf(text, sizeof text, "%08X", (unsigned)hash);
        rc |= vigil_winart_meta(e, "prefetch_hash", text);
        snprintf(text, sizeof text, "%u", (unsigned)version);
        rc |= vigil_winart_meta(e, "format_version", text);
    }
    free(full);
    if (rc != 0)
        snprintf(list->error, sizeof list->error, "out of memory");
    return rc;
}

int vigil_winart_prefetch_parse(const char *path, const uint8_t *data, size_t len,
                                vigil_winart_list *list)
{
    libscca_file_t *f = NULL;
    libscca_error_t *err = NULL;
    char fdpath[64];
    int fd, rc = -1;
    int compressed = len >= 4 && memcmp(data, "MAM\x04", 4) == 0;

    (void)path;
    /* libscca allocates the uncompressed size a MAM header declares: bound
     * it (real Prefetch files are well under 1 MiB uncompressed) */
    if (compressed && len >= 8) {
        uint32_t declared = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
                            (uint32_t)data[7] << 24;
        if (declared > MAX_UNCOMPRESSED) {
            snprintf(list->error, sizeof list->error,
                     "compressed (MAM) Prefetch file declares %u bytes uncompressed, over the "
                     "%u limit",
                     (unsigned)declared, (unsigned)MAX_UNCOMPRESSED);
            return -1;
        }
    }
    fd = vigil_winart_memfd(data, len, fdpath, sizeof fdpath);
    if (fd < 0) {
        snprintf(list->error, sizeof list->error, "cannot make an in-memory file");
        return -1;
    }
    if (libscca_file_initialize(&f, &err) == 1 &&
        libscca_file_open(f, fdpath, LIBSCCA_OPEN_READ, &err) == 1) {
        rc = pf_entry(f, list);
        libscca_file_close(f, NULL);
    } else if (compressed) {
        snprintf(list->error, sizeof list->error,
                 "compressed (MAM) Prefetch file libscca cannot decompress");
        rc = -2;
    } else {
        snprintf(list->error, sizeof list->error, "not a readable Prefetch (SCCA) file");
    }
    libscca_file_free(&f, NULL);
    libscca_error_free(&err);
    close(fd);
    return rc;
}
