/* util.h - small path, file and character helpers used across subsystems.
 *
 * Collected here so that every subsystem names files and extensions the
 * same way (Loki's conventions: extension lower-case with its dot). */
#ifndef VIGIL_CORE_UTIL_H
#define VIGIL_CORE_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "vigil/status.h"

/* The part after the last '/' (or the whole string). */
const char *vigil_path_basename(const char *path);
/* The extension of the base name including the dot (".exe"), or "" when
 * the name has none or starts with its only dot. Not lower-cased. */
const char *vigil_path_extension(const char *path);
/* What a file of this st_mode is, for messages: "a FIFO", "a socket", "a
 * character device", "a block device", "a directory", "a symbolic link",
 * "a regular file", or "a file of unknown type". */
const char *vigil_file_kind_name(mode_t mode);
/* dir + "/" + name, malloc'd; NULL on out of memory. */
char *vigil_path_join(const char *dir, const char *name);
/* "outer!inner", vigil's name for a member of an archive or a file of an
 * image, written into the reusable malloc'd *buf (grown, *cap updated).
 * NULL when memory is short or the sizes overflow: the caller then names
 * outer alone (a diagnostic must not fail). */
const char *vigil_path_nested(char **buf, size_t *cap, const char *outer, const char *inner);
/* Reads a whole regular file (at most max bytes, else VIGIL_ERR_LIMIT),
 * NUL-terminated, malloc'd. VIGIL_ERR_NOT_FOUND / _ACCESS / _IO. */
vigil_status vigil_read_file(const char *path, size_t max, char **out, size_t *len);
/* The read-whole-file loop itself, for callers that open the file their
 * own way (FIFOs allowed, their own messages): reads fd to its end, at most
 * max bytes (else VIGIL_ERR_LIMIT), NUL-terminated, malloc'd; the errno map
 * for read errors. Does not close fd. */
vigil_status vigil_read_fd(int fd, size_t max, char **out, size_t *len);

/* The one errno -> status map: ENOENT/ENOTDIR not found, EACCES/EPERM/EROFS
 * access, EEXIST exists, ENOMEM out of memory, anything else I/O. */
vigil_status vigil_status_from_errno(int err);

/* Replaces the malloc'd string in *slot with a copy of value (NULL: none).
 * VIGIL_ERR_NOMEM leaves *slot NULL. */
vigil_status vigil_string_set(char **slot, const char *value);

/* Value of a hexadecimal digit (either case), -1 for anything else. */
static inline int vigil_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static inline int vigil_is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

#endif
