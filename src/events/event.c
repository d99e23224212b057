/* event.c - field lookup and field-name hashing in a flat event (see
 * vigil/event.h). */
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

uint32_t vigil_field_name_hash(const char *name, size_t len)
{
    /* rotate-xor per byte (one cycle, no multiply chain: every field name
     * of every event may go through here), one multiply to mix at the end */
    uint32_t h = 0;
    for (size_t i = 0; i < len && name[i]; i++) {
        unsigned c = (unsigned char)name[i];
        if (c == ' ')
            continue;
        c |= (unsigned)(c - 'A' < 26u) << 5; /* ASCII case fold */
        h = ((h << 5) | (h >> 27)) ^ c;
    }
    h *= 0x9e3779b1u;
    h ^= h >> 16;
    return h ? h : 1;
}
