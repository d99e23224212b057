/* file_read.h - a whole input file (an intel file, a list of indicators)
 * in memory, for the commands that hand bytes to a library parser.
 *
 * Why the command has its own: libvigil's reader is not part of the public
 * API the command is limited to, and `vigil iocs` needs the same loop for
 * intel files and blocklist inputs; one copy keeps their limits and their
 * errno the same. */
#ifndef VIGIL_CLI_FILE_READ_H
#define VIGIL_CLI_FILE_READ_H

#include <stddef.h>

/* Reads path to its end into a malloc'd, NUL-terminated buffer (*len bytes
 * before the NUL). A file that needs a buffer past max bytes is refused
 * with ENOMEM, like memory running out. Returns the buffer, or NULL with
 * errno set (fopen's, ENOMEM, or EIO for a read error). */
char *file_read_all(const char *path, size_t max, size_t *len);

#endif
