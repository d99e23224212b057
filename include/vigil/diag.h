/* vigil/diag.h - diagnostics: how the library tells its caller about bad input.
 *
 * The library never prints. Every warning or error about an input (a broken
 * rule file, an unreadable directory, a corrupt archive) is delivered to a
 * callback as a structured record naming the file and, where known, the line
 * or byte offset. The sweep goes on after a diagnostic; only the return
 * status of a call says whether the call itself failed. */
#ifndef VIGIL_DIAG_H
#define VIGIL_DIAG_H

#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { VIGIL_DIAG_INFO = 0, VIGIL_DIAG_WARNING = 1, VIGIL_DIAG_ERROR = 2 } vigil_diag_level;

typedef struct vigil_diag {
    vigil_diag_level level;
    vigil_status code;  /* what kind of problem */
    const char *source; /* file, directory or archive member; may be NULL */
    uint64_t line;      /* 1-based line, 0 when not applicable */
    uint64_t offset;    /* byte offset, valid when has_offset */
    int has_offset;
    const char *message; /* one line, no trailing newline */
} vigil_diag;

/* Called from any thread; the library serialises calls made by one sweep. */
typedef void (*vigil_diag_fn)(const vigil_diag *diag, void *user);

#ifdef __cplusplus
}
#endif
#endif
