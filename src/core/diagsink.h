/* diagsink.h - internal helper to format and deliver diagnostics.
 *
 * Every subsystem reports bad input through one of these, so that messages
 * have the same shape everywhere (source, line or offset, text) and the
 * library itself never prints. */
#ifndef VIGIL_CORE_DIAGSINK_H
#define VIGIL_CORE_DIAGSINK_H

#include <stdint.h>

#include "vigil/diag.h"

typedef struct vigil_diag_sink {
    vigil_diag_fn fn; /* may be NULL */
    void *user;
} vigil_diag_sink;

/* line 0 = none. Message is printf-style, one line. */
void vigil_diagf(const vigil_diag_sink *sink, vigil_diag_level level, vigil_status code,
                 const char *source, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Same with a byte offset instead of a line. */
void vigil_diagf_at(const vigil_diag_sink *sink, vigil_diag_level level, vigil_status code,
                    const char *source, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
