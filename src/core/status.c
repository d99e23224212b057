/* status.c - messages and names for the status table in vigil/status.h.
 *
 * Generated from the same X-macro as the enum so the two cannot disagree. */
#include <errno.h>

#include "core/util.h"
#include "vigil/status.h"
#include "vigil/vigil.h"

static const char *const messages[] = {
#define VIGIL_STATUS_MSG_(name, msg) msg,
    VIGIL_STATUS_TABLE(VIGIL_STATUS_MSG_)
#undef VIGIL_STATUS_MSG_
};

static const char *const names[] = {
#define VIGIL_STATUS_NAME_(name, msg) #name,
    VIGIL_STATUS_TABLE(VIGIL_STATUS_NAME_)
#undef VIGIL_STATUS_NAME_
};

const char *vigil_status_str(vigil_status status)
{
    if ((unsigned)status >= (unsigned)VIGIL_STATUS_COUNT_)
        return "unknown status";
    return messages[status];
}

const char *vigil_status_name(vigil_status status)
{
    if ((unsigned)status >= (unsigned)VIGIL_STATUS_COUNT_)
        return "VIGIL_ERR_UNKNOWN";
    return names[status];
}

const char *vigil_version(void)
{
    return VIGIL_VERSION;
}

vigil_status vigil_status_from_errno(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return VIGIL_ERR_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS:
        return VIGIL_ERR_ACCESS;
    case EEXIST:
        return VIGIL_ERR_EXISTS;
    case ENOMEM:
        return VIGIL_ERR_NOMEM;
    default:
        return VIGIL_ERR_IO;
    }
}
