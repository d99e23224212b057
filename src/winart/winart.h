/* winart.h - Windows artefacts that say what starts or ran on a host.
 *
 * A responder sweeping an image wants an autoruns-like inventory (scheduled
 * tasks, startup folders) and execution evidence (Prefetch, LNK) next to the
 * YARA and IOC hits. These parsers turn one artefact file's bytes into
 * entries (what runs, with what arguments, when); the scanner turns the
 * entries into findings and checks their targets against the filename IOCs.
 * Prefetch and LNK are parsed by libscca and liblnk, task XML by libxml2. */
#ifndef VIGIL_WINART_H
#define VIGIL_WINART_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/finding.h"

typedef enum {
    VIGIL_WINART_NONE = 0,
    VIGIL_WINART_TASK,     /* Windows/System32/Tasks/... XML */
    VIGIL_WINART_STARTUP,  /* a file in a Start Menu Startup folder */
    VIGIL_WINART_LNK,      /* a shell link anywhere else */
    VIGIL_WINART_PREFETCH, /* SCCA, uncompressed or MAM-compressed */
} vigil_winart_type;

#define VIGIL_WINART_MAX_META 12

typedef struct vigil_winart_entry {
    vigil_finding_kind kind; /* PERSISTENCE or EXECUTION */
    char *name;              /* task path, program name, link name */
    char *target;            /* the program started or run, may be NULL */
    const char *keys[VIGIL_WINART_MAX_META];
    char *values[VIGIL_WINART_MAX_META];
    size_t nmeta;
} vigil_winart_entry;

typedef struct vigil_winart_list {
    vigil_winart_entry *items;
    size_t n;
    size_t cap;
    char error[160]; /* why the artefact could not be read, "" if it could */
} vigil_winart_list;

/* What the artefact at this display path with these bytes is. */
vigil_winart_type vigil_winart_sniff(const char *path, const uint8_t *data, size_t len);

/* Parsers: append entries to list. 0 on success; -1 with list->error set
 * when the bytes are not a readable artefact of the type (or on memory
 * exhaustion); -2 for a compressed Prefetch file libscca cannot open. */
int vigil_winart_task_parse(const char *path, const uint8_t *data, size_t len,
                            vigil_winart_list *list);
int vigil_winart_lnk_parse(const char *path, const uint8_t *data, size_t len,
                           vigil_finding_kind kind, vigil_winart_list *list);
int vigil_winart_prefetch_parse(const char *path, const uint8_t *data, size_t len,
                                vigil_winart_list *list);
/* Any file in a Startup folder: the file itself, or the LNK's target. */
int vigil_winart_startup_parse(const char *path, const uint8_t *data, size_t len,
                               vigil_winart_list *list);

void vigil_winart_list_free(vigil_winart_list *list);

/* Internal helpers shared by the parsers. */
vigil_winart_entry *vigil_winart_add(vigil_winart_list *list, vigil_finding_kind kind,
                                     const char *name, const char *target);
int vigil_winart_meta(vigil_winart_entry *e, const char *key, const char *value);
/* The bytes as a memfd, openable by libraries taking a path as
 * "/proc/self/fd/N" (written into path); the fd, or -1. */
int vigil_winart_memfd(const uint8_t *data, size_t len, char *path, size_t cap);
/* A FILETIME (100 ns since 1601) as ISO-8601 UTC; "" for 0. */
void vigil_winart_filetime(uint64_t ft, char *buf, size_t cap);
/* Case-insensitive search of an ASCII needle, '/' and '\' equal. */
const char *vigil_winart_path_find(const char *path, const char *needle);

#endif
