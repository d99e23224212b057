/* yara_lib.c - libyara's global initialisation, shared safely by threads.
 *
 * yr_initialize/yr_finalize set up process-wide tables and are not safe to
 * call concurrently; every builder and rules object holds one reference so
 * libyara lives exactly as long as something of ours uses it. */
#include "yara/yara_internal.h"

#include <pthread.h>

const char *const vigil_yara_external_names[VIGIL_YARA_NEXTERNALS] = {
    "filename", "filepath", "extension", "filetype", "owner", "md5"};

static pthread_mutex_t lib_mutex = PTHREAD_MUTEX_INITIALIZER;
static unsigned long lib_refs;

vigil_status vigil_yara_lib_acquire(void)
{
    vigil_status st = VIGIL_OK;

    if (pthread_mutex_lock(&lib_mutex) != 0)
        return VIGIL_ERR_THREAD;
    if (lib_refs == 0) {
        int err = yr_initialize();
        if (err != ERROR_SUCCESS)
            st = err == ERROR_INSUFFICIENT_MEMORY ? VIGIL_ERR_NOMEM : VIGIL_ERR_INTERNAL;
    }
    if (st == VIGIL_OK)
        lib_refs++;
    pthread_mutex_unlock(&lib_mutex);
    return st;
}

void vigil_yara_lib_release(void)
{
    if (pthread_mutex_lock(&lib_mutex) != 0)
        return;
    if (lib_refs > 0 && --lib_refs == 0)
        yr_finalize();
    pthread_mutex_unlock(&lib_mutex);
}

const char *vigil_yara_error_str(int err)
{
    switch (err) {
    case ERROR_SUCCESS:
        return "success";
    case ERROR_INSUFFICIENT_MEMORY:
        return "out of memory";
    case ERROR_COULD_NOT_OPEN_FILE:
        return "could not open file";
    case ERROR_COULD_NOT_MAP_FILE:
        return "could not map file";
    case ERROR_CORRUPT_FILE:
        return "corrupt file";
    case ERROR_SYNTAX_ERROR:
        return "syntax error";
    case ERROR_EXEC_STACK_OVERFLOW:
        return "condition stack overflow";
    case ERROR_SCAN_TIMEOUT:
        return "scan timed out";
    case ERROR_TOO_MANY_SCAN_THREADS:
        return "too many scan threads";
    case ERROR_CALLBACK_ERROR:
        return "callback error";
    case ERROR_INVALID_ARGUMENT:
        return "invalid argument";
    case ERROR_TOO_MANY_MATCHES:
        return "too many matches";
    case ERROR_INTERNAL_FATAL_ERROR:
        return "internal fatal error";
    case ERROR_TOO_MANY_RE_FIBERS:
        return "too many regular expression fibers";
    case ERROR_COULD_NOT_READ_PROCESS_MEMORY:
        return "could not read memory";
    case ERROR_INVALID_MODULE_DATA:
        return "invalid module data";
    case ERROR_BLOCK_NOT_READY:
        return "block not ready";
    case ERROR_COULD_NOT_READ_FILE:
        return "could not read file";
    case ERROR_INTEGER_OVERFLOW:
        return "integer overflow";
    default:
        return "libyara error";
    }
}
