/* util.c - path, file and character helpers (see util.h). */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *vigil_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

const char *vigil_path_extension(const char *path)
{
    const char *base = vigil_path_basename(path);
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base)
        return "";
    return dot;
}

char *vigil_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    int slash = a > 0 && dir[a - 1] != '/';
    if (a > SIZE_MAX - b - 2)
        return NULL;
    char *p = malloc(a + b + 2);
    if (p == NULL)
        return NULL;
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the name's NUL follows */
    memcpy(p, dir, a);
    if (slash)
        p[a++] = '/';
    memcpy(p + a, name, b + 1);
    return p;
}

static vigil_status errno_status(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return VIGIL_ERR_NOT_FOUND;
    case EACCES:
    case EPERM:
        return VIGIL_ERR_ACCESS;
    case ENOMEM:
        return VIGIL_ERR_NOMEM;
    default:
        return VIGIL_ERR_IO;
    }
}

vigil_status vigil_read_file(const char *path, size_t max, char **out, size_t *len)
{
    struct stat sb;
    int fd;
    char *buf;
    size_t cap, n = 0;

    *out = NULL;
    *len = 0;
    if (max >= SIZE_MAX / 2)
        max = SIZE_MAX / 2 - 1; /* so that cap * 2 and max + 1 cannot wrap */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno_status(errno);
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return VIGIL_ERR_IO;
    }
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        return VIGIL_ERR_LIMIT;
    }
    cap = (size_t)sb.st_size + 1;
    buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return VIGIL_ERR_NOMEM;
    }
    for (;;) {
        ssize_t r;
        if (n + 1 == cap) { /* the file grew while we read it */
            if (cap > max) {
                free(buf);
                close(fd);
                return VIGIL_ERR_LIMIT;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *p = realloc(buf, ncap);
            if (p == NULL) {
                free(buf);
                close(fd);
                return VIGIL_ERR_NOMEM;
            }
            buf = p;
            cap = ncap;
        }
        r = read(fd, buf + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            free(buf);
            close(fd);
            return errno_status(err);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return VIGIL_OK;
}

vigil_status vigil_string_set(char **slot, const char *value)
{
    free(*slot);
    *slot = NULL;
    if (value != NULL && (*slot = strdup(value)) == NULL)
        return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}
