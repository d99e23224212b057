/* load.c - picks the loader for an intel document and reads files.
 *
 * Users point vigil at whatever their sharing partner sent; telling a STIX
 * bundle from a MISP event or a CSV from a Loki list by content means
 * they do not have to name the format, and a mistaken extension does not
 * silently load nothing. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/util.h"
#include "intel/intel_internal.h"

#define MAX_FILE (1ull << 30)

const char *vigil_intel_format_name(vigil_intel_format fmt)
{
    switch (fmt) {
    case VIGIL_INTEL_FMT_AUTO:
        return "auto";
    case VIGIL_INTEL_FMT_STIX:
        return "stix";
    case VIGIL_INTEL_FMT_OPENIOC:
        return "openioc";
    case VIGIL_INTEL_FMT_MISP_JSON:
        return "misp";
    case VIGIL_INTEL_FMT_MISP_CSV:
        return "misp-csv";
    case VIGIL_INTEL_FMT_CSV:
        return "csv";
    case VIGIL_INTEL_FMT_LIST:
        return "list";
    }
    return "unknown";
}

static int has(const char *data, size_t len, const char *needle)
{
    return memmem(data, len, needle, strlen(needle)) != NULL;
}

static int header_field(const char *f, size_t n, const char *name)
{
    while (n > 0 && (isspace((unsigned char)*f) || *f == '"'))
        f++, n--;
    while (n > 0 && (isspace((unsigned char)f[n - 1]) || f[n - 1] == '"'))
        n--;
    return strlen(name) == n && strncasecmp(f, name, n) == 0;
}

vigil_intel_format vigil_intel_detect(const char *name, const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && isspace((unsigned char)data[i]))
        i++;
    size_t head = len - i > 65536 ? 65536 : len - i;
    const char *h = data + i;
    if (i < len && (data[i] == '{' || data[i] == '[')) {
        if (has(h, head, "\"Event\"") || has(h, head, "\"Attribute\"") ||
            has(h, head, "\"response\""))
            return VIGIL_INTEL_FMT_MISP_JSON;
        return VIGIL_INTEL_FMT_STIX;
    }
    if (i < len && data[i] == '<')
        return VIGIL_INTEL_FMT_OPENIOC;
    if (name != NULL) {
        const char *dot = strrchr(name, '.');
        if (dot != NULL && (strcasecmp(dot, ".ioc") == 0 || strcasecmp(dot, ".xml") == 0))
            return VIGIL_INTEL_FMT_OPENIOC;
    }
    /* the first line that is not a comment: a CSV header? */
    const char *p = h, *end = h + head;
    while (p < end && *p == '#') {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    int value_col = 0, type_col = 0, to_ids = 0;
    const char *f = p;
    for (const char *q = p;; q++) {
        if (q == le || *q == ',' || *q == ';' || *q == '\t') {
            size_t n = (size_t)(q - f);
            value_col |= header_field(f, n, "value") || header_field(f, n, "indicator") ||
                         header_field(f, n, "ioc") || header_field(f, n, "observable");
            type_col |= header_field(f, n, "type");
            to_ids |= header_field(f, n, "to_ids");
            f = q + 1;
            if (q == le)
                break;
        }
    }
    if (value_col && type_col && to_ids)
        return VIGIL_INTEL_FMT_MISP_CSV;
    if (value_col)
        return VIGIL_INTEL_FMT_CSV;
    return VIGIL_INTEL_FMT_LIST;
}

vigil_status vigil_intel_load(vigil_intel_format fmt, const char *name, const char *data,
                              size_t len, const vigil_intel_opts *opts)
{
    if (data == NULL && len > 0)
        return VIGIL_ERR_INVALID_ARG;
    if (data == NULL)
        data = "";
    if (fmt == VIGIL_INTEL_FMT_AUTO)
        fmt = vigil_intel_detect(name, data, len);
    switch (fmt) {
    case VIGIL_INTEL_FMT_STIX:
        return vigil_intel_load_stix(name, data, len, opts);
    case VIGIL_INTEL_FMT_OPENIOC:
        return vigil_intel_load_openioc(name, data, len, opts);
    case VIGIL_INTEL_FMT_MISP_JSON:
        return vigil_intel_load_misp_json(name, data, len, opts);
    case VIGIL_INTEL_FMT_MISP_CSV:
        return vigil_intel_load_misp_csv(name, data, len, opts);
    case VIGIL_INTEL_FMT_CSV:
        return vigil_intel_load_csv(name, data, len, opts);
    case VIGIL_INTEL_FMT_LIST:
        return vigil_intel_load_list(name, data, len, opts);
    default:
        return VIGIL_ERR_INVALID_ARG;
    }
}

vigil_status vigil_intel_load_file(vigil_intel_format fmt, const char *path,
                                   const vigil_intel_opts *opts)
{
    if (path == NULL || opts == NULL)
        return VIGIL_ERR_INVALID_ARG;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        vigil_diagf(&opts->diag, VIGIL_DIAG_ERROR, VIGIL_ERR_IO, path, 0, "cannot open: %s",
                    strerror(errno));
        return VIGIL_ERR_IO;
    }
    char *buf = NULL;
    size_t n = 0;
    vigil_status st = vigil_read_fd(fd, MAX_FILE, &buf, &n);
    close(fd);
    if (st == VIGIL_ERR_LIMIT)
        vigil_diagf(&opts->diag, VIGIL_DIAG_ERROR, st, path, 0, "larger than 1 GiB");
    else if (st != VIGIL_OK && st != VIGIL_ERR_NOMEM)
        vigil_diagf(&opts->diag, VIGIL_DIAG_ERROR, st, path, 0, "read error");
    if (st == VIGIL_OK)
        st = vigil_intel_load(fmt, path, buf, n, opts);
    free(buf);
    return st;
}
