/* util.c - path, file and character helpers (see util.h). */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buffer.h"

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

const char *vigil_file_kind_name(mode_t mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "a file of unknown type";
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

const char *vigil_path_nested(char **buf, size_t *cap, const char *outer, const char *inner)
{
    size_t a = strlen(outer), b = strlen(inner);

    if (a > SIZE_MAX - b - 2)
        return NULL;
    if (a + b + 2 > *cap) {
        char *p = realloc(*buf, a + b + 2);
        if (p == NULL)
            return NULL;
        *buf = p;
        *cap = a + b + 2;
    }
    memcpy(*buf, outer, a);
    (*buf)[a] = '!';
    memcpy(*buf + a + 1, inner, b + 1);
    return *buf;
}

vigil_status vigil_read_fd(int fd, size_t max, char **out, size_t *len)
{
    struct stat sb;
    vigil_buffer b = {0};
    size_t hint = 65536;
    vigil_status st;

    *out = NULL;
    *len = 0;
    if (max >= VIGIL_BUFFER_MAX)
        max = VIGIL_BUFFER_MAX - 1; /* so that max + 1 stays a valid bound */
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        if ((uint64_t)sb.st_size > max)
            return VIGIL_ERR_LIMIT;
        hint = (size_t)sb.st_size; /* 0 for /proc files: grows from 256 */
    }
    /* the buffer may hold max + 1 bytes: reading that many means too big */
    st = vigil_buffer_grow(&b, hint < max ? hint : max, max + 1);
    while (st == VIGIL_OK) {
        if (b.cap - 1 - b.len == 0 && (st = vigil_buffer_grow(&b, 1, max + 1)) != VIGIL_OK)
            break;
        ssize_t r = read(fd, b.data + b.len, b.cap - 1 - b.len);
        if (r < 0) {
            if (errno != EINTR)
                st = vigil_status_from_errno(errno);
            continue;
        }
        if (r == 0)
            break;
        b.len += (size_t)r;
        if (b.len > max)
            st = VIGIL_ERR_LIMIT;
    }
    if (st != VIGIL_OK) {
        vigil_buffer_free(&b);
        return st;
    }
    b.data[b.len] = '\0';
    *out = vigil_buffer_release(&b, len);
    return VIGIL_OK;
}

vigil_status vigil_read_file(const char *path, size_t max, char **out, size_t *len)
{
    struct stat sb;
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return vigil_status_from_errno(errno);
    vigil_status st = VIGIL_ERR_IO;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
        st = vigil_read_fd(fd, max, out, len);
    close(fd);
    return st;
}

vigil_status vigil_string_set(char **slot, const char *value)
{
    free(*slot);
    *slot = NULL;
    if (value != NULL && (*slot = strdup(value)) == NULL)
        return VIGIL_ERR_NOMEM;
    return VIGIL_OK;
}
