/* long_path.c - open() for paths longer than PATH_MAX (see long_path.h).
 *
 * Why steps of directory prefixes rather than chdir(): the sweep runs on
 * many threads, and the working directory is shared by all of them. */
#include "core/long_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void close_keep_errno(int fd)
{
    int e = errno;
    if (fd != AT_FDCWD)
        close(fd);
    errno = e;
}

static int open_in_steps(const char *path, int flags)
{
    char part[PATH_MAX];
    int dir = AT_FDCWD, fd;
    const char *p = path;

    if (*p == '/') {
        dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
            return -1;
        while (*p == '/')
            p++;
    }
    while (strnlen(p, PATH_MAX) >= PATH_MAX) {
        size_t cut = 0;
        for (size_t i = 0; i < PATH_MAX - 1; i++)
            if (p[i] == '/')
                cut = i;
        if (cut == 0) { /* one name longer than PATH_MAX: not a real path */
            close_keep_errno(dir);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(part, p, cut);
        part[cut] = '\0';
        fd = openat(dir, part, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
        close_keep_errno(dir);
        if (fd < 0)
            return -1;
        dir = fd;
        p += cut;
        while (*p == '/')
            p++;
    }
    fd = openat(dir, p, flags);
    close_keep_errno(dir);
    return fd;
}

int vigil_open_long_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd >= 0 || errno != ENAMETOOLONG)
        return fd;
    return open_in_steps(path, flags);
}

int vigil_open_long_parent(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        *base = path;
        return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    *base = slash + 1;
    if (slash == path)
        return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int fd = vigil_open_long_path(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    free(dir);
    errno = e;
    return fd;
}

int vigil_lstat_long_path(const char *path, struct stat *st)
{
    const char *base;
    if (lstat(path, st) == 0)
        return 0;
    if (errno != ENAMETOOLONG)
        return -1;
    int dir = vigil_open_long_parent(path, &base);
    if (dir < 0)
        return -1;
    int r = fstatat(dir, base, st, AT_SYMLINK_NOFOLLOW);
    close_keep_errno(dir);
    return r;
}
