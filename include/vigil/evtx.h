/* vigil/evtx.h - reading Windows XML event logs (.evtx) as flat events.
 *
 * Why vigil has its own reader: the Debian libevtx is slow, drops EventData
 * names and whole chunks on one unknown token. This reader decodes the file
 * header, the 64 KiB chunks, the records and their binary XML (templates
 * with substitutions) straight into vigil_event fields named as Sigma
 * expects, without building XML text. A bad record is skipped and reported
 * with file, chunk number and offset; the rest of the file is still read.
 *
 * Field names: System children by tag (EventID, Level, Channel, Computer,
 * EventRecordID, ...), their attributes joined with '_' (Provider_Name,
 * Execution_ProcessID, Security_UserID, TimeCreated_SystemTime, and
 * TimeCreated as ISO-8601 "2019-03-19T23:33:51.123456Z"), EventData by each
 * Data element's Name, unnamed Data values joined into one field "Data",
 * UserData flattened to its leaf element names. */
#ifndef VIGIL_EVTX_H
#define VIGIL_EVTX_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "event.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Separator placed between unnamed <Data> values in the "Data" field. */
#define VIGIL_EVTX_DATA_SEP ","

typedef struct vigil_evtx_parser vigil_evtx_parser;

typedef struct vigil_evtx_options {
    vigil_event_fn on_event; /* called once per good record; may be NULL (count only) */
    void *event_user;
    vigil_diag_fn on_diag; /* bad records, bad chunks, CRC mismatches; may be NULL */
    void *diag_user;
    /* 0 or 1: parse in the calling thread. More: chunks are decoded by this
     * many threads; events are still delivered in file order, one call at a
     * time, and the fields of a chunk's events are kept until delivered. */
    unsigned threads;
    int no_crc; /* skip the CRC32 checks of the file header and chunks */
} vigil_evtx_options;

typedef struct vigil_evtx_stats {
    uint64_t files;          /* files (or buffers) parsed */
    uint64_t chunks;         /* chunks with a valid signature */
    uint64_t records;        /* records delivered as events */
    uint64_t bad_records;    /* records skipped with a diagnostic */
    uint64_t bad_chunks;     /* chunks skipped whole (bad signature or header) */
    uint64_t crc_mismatches; /* header or chunk CRC32 that did not match (warnings) */
} vigil_evtx_stats;

/* A parser owns reusable per-chunk buffers; use one per thread. */
vigil_status vigil_evtx_parser_create(const vigil_evtx_options *opts, vigil_evtx_parser **out);
void vigil_evtx_parser_destroy(vigil_evtx_parser *parser); /* NULL is safe */

/* Parses one file. VIGIL_ERR_IO if it cannot be read, VIGIL_ERR_CORRUPT if
 * it is not an EVTX file at all (no file header and no chunk), and
 * VIGIL_ERR_ABORTED if on_event returned non-zero. Bad chunks and records
 * are diagnostics, and the call still returns VIGIL_OK. */
vigil_status vigil_evtx_parse_file(vigil_evtx_parser *parser, const char *path);

/* The same on a buffer; name is used as the event source and in diagnostics. */
vigil_status vigil_evtx_parse_buffer(vigil_evtx_parser *parser, const char *name, const void *data,
                                     size_t len);

/* Counters summed over every parse of this parser. */
void vigil_evtx_get_stats(const vigil_evtx_parser *parser, vigil_evtx_stats *out);

/* Non-zero if the buffer starts with the EVTX file signature "ElfFile\0". */
int vigil_evtx_is_evtx(const void *data, size_t len);

/* Non-zero if the buffer has no file signature but holds an EVTX chunk
 * ("ElfChnk\0") where one belongs (4 KiB + n * 64 KiB): an event log whose
 * header was damaged or wiped, whose chunks are still read (with a warning). */
int vigil_evtx_is_headless(const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
