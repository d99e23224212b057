/* qpath.c - which file on disk a scan result is about: the file itself,
 * or the archive around a detected member ("a.zip!x/evil.exe" is a.zip).
 *
 * Why in the library: a result's path can be longer than PATH_MAX (the walk
 * reaches any depth), and only the library can look such a path up in
 * steps (core/long_path.h); the command would otherwise say "no file on
 * disk" about a file the sweep just read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/long_path.h"
#include "quarantine/quarantine_internal.h"

/* 1 when path (not followed) is a regular file; else 0 with errno. */
static int regular_file(const char *path)
{
    struct stat st;
    if (vigil_lstat_long_path(path, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        return 1;
    errno = S_ISLNK(st.st_mode) ? ELOOP : EINVAL;
    return 0;
}

vigil_status vigil_quarantine_file_on_disk(const char *result_path, char **out, int *member)
{
    if (out == NULL || member == NULL)
        return VIGIL_ERR_INVALID_ARG;
    *out = NULL;
    *member = 0;
    if (result_path == NULL || result_path[0] == '\0')
        return VIGIL_ERR_INVALID_ARG;
    if (regular_file(result_path)) {
        *out = strdup(result_path);
        return *out != NULL ? VIGIL_OK : VIGIL_ERR_NOMEM;
    }
    int err = errno; /* what is said when no outer file is there either */
    for (const char *p = strchr(result_path, '!'); p != NULL; p = strchr(p + 1, '!')) {
        char *prefix = strndup(result_path, (size_t)(p - result_path));
        if (prefix == NULL)
            return VIGIL_ERR_NOMEM;
        if (regular_file(prefix)) {
            *out = prefix;
            *member = 1;
            return VIGIL_OK;
        }
        free(prefix);
    }
    return err == EINVAL ? VIGIL_ERR_UNSUPPORTED : q_errno_status(err);
}
