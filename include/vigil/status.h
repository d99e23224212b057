/* vigil/status.h - the one table of status codes every fallible call returns.
 *
 * Why an X-macro: the enum and its message strings come from the same list,
 * so they can never drift apart. The table is append-only: codes are part of
 * the ABI and of the JSON output, so never renumber or remove an entry. */
#ifndef VIGIL_STATUS_H
#define VIGIL_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_STATUS_TABLE(X)                                                                      \
    X(VIGIL_OK, "success")                                                                         \
    X(VIGIL_ERR_NOMEM, "out of memory")                                                            \
    X(VIGIL_ERR_INVALID_ARG, "invalid argument")                                                   \
    X(VIGIL_ERR_IO, "input/output error")                                                          \
    X(VIGIL_ERR_NOT_FOUND, "not found")                                                            \
    X(VIGIL_ERR_PARSE, "parse error")                                                              \
    X(VIGIL_ERR_RULE, "rule error")                                                                \
    X(VIGIL_ERR_NO_RULES, "no rules loaded")                                                       \
    X(VIGIL_ERR_FROZEN, "engine is frozen")                                                        \
    X(VIGIL_ERR_NOT_FROZEN, "engine is not frozen")                                                \
    X(VIGIL_ERR_LIMIT, "limit exceeded")                                                           \
    X(VIGIL_ERR_UNSUPPORTED, "unsupported")                                                        \
    X(VIGIL_ERR_CORRUPT, "corrupt input")                                                          \
    X(VIGIL_ERR_INTERNAL, "internal error")                                                        \
    X(VIGIL_ERR_ABORTED, "aborted")                                                                \
    X(VIGIL_ERR_OVERFLOW, "size overflow")                                                         \
    X(VIGIL_ERR_ACCESS, "permission denied")                                                       \
    X(VIGIL_ERR_THREAD, "thread error")                                                            \
    X(VIGIL_ERR_CHANGED, "changed since it was scanned")                                           \
    X(VIGIL_ERR_EXISTS, "already exists")

typedef enum {
#define VIGIL_STATUS_ENUM_(name, msg) name,
    VIGIL_STATUS_TABLE(VIGIL_STATUS_ENUM_)
#undef VIGIL_STATUS_ENUM_
        VIGIL_STATUS_COUNT_
} vigil_status;

/* A static, human-readable message; never NULL. */
const char *vigil_status_str(vigil_status status);

/* The symbolic name ("VIGIL_ERR_IO"); never NULL. */
const char *vigil_status_name(vigil_status status);

#ifdef __cplusplus
}
#endif
#endif
