/* vigil/event.h - an event as a flat list of named string fields.
 *
 * Why flat strings: Sigma matches field values as text (numbers are parsed
 * only for lt/gt and similar), and every source of events (EVTX records,
 * JSON Lines exports, log lines) can be turned into name/value pairs without
 * building XML or JSON on the hot path. Names follow Sigma's conventions for
 * Windows logs: EventID, Channel, Computer, Provider_Name, EventData names. */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_field {
    const char *name;  /* NUL-terminated, UTF-8 */
    const char *value; /* NUL-terminated, UTF-8; "" for an empty value */
    size_t name_len;
    size_t value_len;
    int is_null; /* the source had the field but no value */
} vigil_field;

typedef struct vigil_event {
    const vigil_field *fields;
    size_t nfields;
    const char *source; /* file the event came from, may be NULL */
    uint64_t record_id; /* EVTX record id or line number, 0 if none */
    uint64_t offset;    /* byte offset of the record in the source */
    /* Optional: name_hash[i] == vigil_field_name_hash() of field i's name,
     * or NULL. A producer whose names repeat (EVTX templates) computes
     * them once; consumers that look fields up by hash then need not hash
     * every name of every event. */
    const uint32_t *name_hash;
    /* Optional: text[0..text_len) holds every field's value (in any order,
     * possibly with other text of the event between them, such as names
     * and NULs), or text is NULL. A consumer that searches all values at
     * once (Sigma keywords) can scan it instead of copying them together;
     * what lies between values may only add hits. */
    const char *text;
    size_t text_len;
} vigil_event;

/* Hash of a field name with ASCII case folded and spaces left out (the
 * forms Sigma takes for one name: SourceName, sourcename, "Source Name"
 * hash alike); never 0. Reads len bytes or up to a NUL. */
uint32_t vigil_field_name_hash(const char *name, size_t len);

/* Return 0 to go on, non-zero to stop the producer. */
typedef int (*vigil_event_fn)(const vigil_event *event, void *user);

/* The value of the first field with this exact name, or NULL. */
const vigil_field *vigil_event_get(const vigil_event *event, const char *name);

#ifdef __cplusplus
}
#endif
#endif
