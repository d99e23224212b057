/* event.c - field lookup in a flat event (see vigil/event.h). */
#include <string.h>

#include "vigil/event.h"

const vigil_field *vigil_event_get(const vigil_event *event, const char *name)
{
    if (event == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < event->nfields; i++) {
        if (strcmp(event->fields[i].name, name) == 0)
            return &event->fields[i];
    }
    return NULL;
}
