/* filetype.h - a short file type from magic bytes, as Loki/THOR rules test it.
 *
 * Rules use the external `filetype` ("EXE", "ELF", "ZIP" ...); the names
 * follow Loki's file-type signatures so public rule sets work unchanged. */
#ifndef VIGIL_CORE_FILETYPE_H
#define VIGIL_CORE_FILETYPE_H

#include <stddef.h>
#include <stdint.h>

/* A static upper-case name, or "" when the type is not known. */
const char *vigil_filetype_detect(const uint8_t *data, size_t len);

#endif
