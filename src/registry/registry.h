/* registry.h - Windows registry hives (regf files) read as keys and values.
 *
 * Why a subsystem of its own: a hive found in a tree, an image or an archive
 * is evidence of three kinds at once - every value is a registry event for
 * the Sigma registry rules (as Sysmon would have logged its setting), some
 * values name files that IOCs may know (Run keys, services, Amcache), and
 * some are autostart entries a responder wants listed. This layer only reads
 * the hive (with hivex) and names keys the way Sysmon does; the sweep (core/
 * registry_scan.c) decides what to match and report. */
#ifndef VIGIL_REGISTRY_H
#define VIGIL_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "vigil/event.h"
#include "vigil/status.h"

/* Registry value types (winnt.h). */
enum {
    VIGIL_REG_NONE = 0,
    VIGIL_REG_SZ = 1,
    VIGIL_REG_EXPAND_SZ = 2,
    VIGIL_REG_BINARY = 3,
    VIGIL_REG_DWORD = 4,
    VIGIL_REG_DWORD_BE = 5,
    VIGIL_REG_LINK = 6,
    VIGIL_REG_MULTI_SZ = 7,
    VIGIL_REG_QWORD = 11
};

typedef struct vigil_reg_walk vigil_reg_walk;

/* One key (name == NULL) or one value of a hive, as the walk meets it.
 * Every pointer is valid during the callback only. */
typedef struct vigil_reg_item {
    const char *key;     /* as Sysmon names it: HKLM\SOFTWARE\Microsoft\...\Run */
    const char *raw_key; /* the path inside the hive below its root ("" = root) */
    const char *name;    /* value name, "" for the default value; NULL for a key */
    uint32_t type;       /* VIGIL_REG_* of a value */
    const char *details; /* the value as Sysmon's Details shows it */
    const char *text;    /* string data (SZ, EXPAND_SZ, LINK, MULTI_SZ joined by
                            spaces), NULL for other types */
    const uint8_t *data; /* the raw value bytes */
    size_t data_len;
    int64_t time_ms;      /* the key's last write, ms since the epoch, 0 if unknown */
    uint64_t offset;      /* the key's or value's cell offset in the hive */
    const char *computer; /* ComputerName from a SYSTEM hive, NULL if unknown */
    vigil_reg_walk *walk; /* for vigil_registry_sibling_text() */
} vigil_reg_item;

/* Return 0 to go on, non-zero to stop the walk. */
typedef int (*vigil_reg_item_fn)(const vigil_reg_item *item, void *user);

/* Does data start like a hive ("regf" magic)? */
int vigil_registry_is_hive(const void *data, size_t len);

/* The root Sysmon gives the keys of the hive named path (its base name, or
 * failing that the file name recorded in the hive's header): "HKLM\SOFTWARE",
 * "HKLM\System", "HKU\alice", "HKU\alice_Classes", "\REGISTRY\A\Amcache"...
 * Written into buf (always NUL-terminated). */
void vigil_registry_root(const char *path, const void *data, size_t len, char *buf, size_t cap);

/* Walks every key and value of the hive in data (named path for messages
 * and its root), depth first, keys before their values. A damaged or cyclic
 * hive is a warning diagnostic naming the file and what was cut; the walk
 * keeps what it could read. Counters (may be NULL) get the keys and values
 * seen. VIGIL_ERR_CORRUPT when the hive cannot be opened at all. */
vigil_status vigil_registry_walk(const char *path, const void *data, size_t len,
                                 const vigil_diag_sink *diag, vigil_reg_item_fn fn, void *user,
                                 uint64_t *keys, uint64_t *values);

/* The text of another value of the item's key (a TaskCache task's Path next
 * to its Actions), copied into buf; 0 when the key has no such string value. */
int vigil_registry_sibling_text(const vigil_reg_item *item, const char *name, char *buf,
                                size_t cap);

/* ---- registry events (regevent.c) ---- */

/* The registry event of an item, as Sysmon would log it: EventID 13
 * (SetValue) for a value, 12 (CreateKey) for a key, Channel
 * Microsoft-Windows-Sysmon/Operational, TargetObject, Details, EventType,
 * TimeCreated (the key's last write), Image "vigil:registry". */
typedef struct vigil_reg_event {
    vigil_field fields[14];
    vigil_event event;
    char time[40], utc[40], id[8];
} vigil_reg_event;

/* TargetObject of a value: key\name, key\(Default) for the default value,
 * into a growing malloc'd *buf; NULL when out of memory. */
const char *vigil_registry_value_target(char **buf, size_t *cap, const vigil_reg_item *item);

/* item->key must already be the TargetObject (a value's, see above). */
void vigil_reg_event_build(vigil_reg_event *re, const vigil_reg_item *item, const char *source,
                           uint64_t record_id);

/* Every key and value of a hive as registry events, to fn (the shape of
 * vigil_sigma_json_events, for tools and the fuzzer). */
vigil_status vigil_registry_events(const char *path, const void *data, size_t len,
                                   const vigil_diag_sink *diag, vigil_event_fn fn, void *user,
                                   uint64_t *events);

/* ---- autostart entries and file-naming values (autoruns.c) ---- */

#define VIGIL_REG_MAX_FILES 4

/* What a value means to a responder: an autostart entry (category non-NULL:
 * "Run", "RunOnce", "Service", "ServiceDll", "Winlogon", "IFEO Debugger",
 * "AppInit_DLLs", "Scheduled task") and/or the files it names (the program an
 * entry starts, an Amcache entry's path) and an Amcache SHA-1. */
typedef struct vigil_reg_entry {
    const char *category;                  /* NULL: not an autostart entry */
    char command[2048];                    /* the command line or DLL list as stored */
    char files[VIGIL_REG_MAX_FILES][1024]; /* the files it names, environment
                                              variables expanded to C:\ defaults */
    size_t nfiles;
    uint8_t sha1[20]; /* Amcache FileId */
    int have_sha1;
} vigil_reg_entry;

/* 1 when the item is an autostart entry or names a file or hash. */
int vigil_registry_entry(const vigil_reg_item *item, vigil_reg_entry *out);

/* The file a command starts: the quoted or first path-like word, "\??\"
 * and %SystemRoot%-style variables resolved; rundll32's DLL instead of
 * rundll32. Empty when none. */
void vigil_registry_command_file(const char *command, char *buf, size_t cap);

#endif
