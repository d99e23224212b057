/* diagsink.c - formats diagnostics and hands them to the caller's callback.
 *
 * Messages are formatted into a bounded stack buffer: a diagnostic must never
 * fail or allocate, because it is often reported while memory is short. */
#include "core/diagsink.h"

#include <stdarg.h>
#include <stdio.h>

static void deliver(const vigil_diag_sink *sink, vigil_diag_level level, vigil_status code,
                    const char *source, uint64_t line, uint64_t offset, int has_offset,
                    const char *fmt, va_list ap) __attribute__((format(printf, 8, 0)));

static void deliver(const vigil_diag_sink *sink, vigil_diag_level level, vigil_status code,
                    const char *source, uint64_t line, uint64_t offset, int has_offset,
                    const char *fmt, va_list ap)
{
    char msg[1024];
    vigil_diag d;

    if (sink == NULL || sink->fn == NULL)
        return;
    vsnprintf(msg, sizeof msg, fmt, ap);
    d.level = level;
    d.code = code;
    d.source = source;
    d.line = line;
    d.offset = offset;
    d.has_offset = has_offset;
    d.message = msg;
    sink->fn(&d, sink->user);
}

void vigil_diagf(const vigil_diag_sink *sink, vigil_diag_level level, vigil_status code,
                 const char *source, uint64_t line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    deliver(sink, level, code, source, line, 0, 0, fmt, ap);
    va_end(ap);
}

void vigil_diagf_at(const vigil_diag_sink *sink, vigil_diag_level level, vigil_status code,
                    const char *source, uint64_t offset, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    deliver(sink, level, code, source, 0, offset, 1, fmt, ap);
    va_end(ap);
}
