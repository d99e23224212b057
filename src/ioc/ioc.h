/* ioc.h - indicator sets: hashes, filename/path patterns and C2 values.
 *
 * Loaded from the signature-base/Loki text formats (and, later, STIX, MISP,
 * OpenIOC, CSV through the same add functions). Frozen into a database that
 * answers per file in constant or logarithmic time: hashes by binary search
 * in sorted arrays, paths by one hyperscan multi-regex database (PCRE2 for
 * the patterns hyperscan refuses), never a loop over thousands of regexes. */
#ifndef VIGIL_IOC_H
#define VIGIL_IOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "core/findings.h"
#include "vigil/engine.h"
#include "vigil/status.h"

typedef struct vigil_ioc_builder vigil_ioc_builder;
typedef struct vigil_ioc_db vigil_ioc_db;
typedef struct vigil_ioc_scratch vigil_ioc_scratch;

#define VIGIL_IOC_DEFAULT_HASH_SCORE 100
#define VIGIL_IOC_DEFAULT_C2_SCORE 100

vigil_status vigil_ioc_builder_create(const vigil_diag_sink *diag, vigil_ioc_builder **out);
void vigil_ioc_builder_destroy(vigil_ioc_builder *b); /* NULL safe */
/* Keeps compiled pattern databases in dir between runs (NULL: none). */
vigil_status vigil_ioc_builder_set_cache(vigil_ioc_builder *b, const char *dir);

/* Tells the role of an IOC file from its base name: names containing
 * "hash" -> HASH, "filename" or "path" -> FILENAME, "c2" -> C2; otherwise
 * VIGIL_RULES_AUTO (unknown). */
vigil_rule_kind vigil_ioc_kind_from_name(const char *path);

/* Whether an IOC file is a hash allow-list by its name: Loki's convention,
 * a base name containing "falsepositive" (any case). */
int vigil_ioc_name_is_allow_list(const char *path);

/* Parses a text file of that kind (HASH, FILENAME or C2). Bad lines are
 * diagnostics with file and line and are skipped; VIGIL_ERR_IO when the file
 * cannot be read. A HASH file whose name says it is an allow-list (above)
 * is read as one. */
vigil_status vigil_ioc_builder_add_file(vigil_ioc_builder *b, const char *path,
                                        vigil_rule_kind kind);
vigil_status vigil_ioc_builder_add_text(vigil_ioc_builder *b, const char *name, const char *text,
                                        size_t len, vigil_rule_kind kind);
/* A hash allow-list (Loki's false-positive hash files: HASH[;SCORE];DESC
 * lines, the score ignored): a file with one of these digests is not
 * reported at all. */
vigil_status vigil_ioc_builder_add_allow_file(vigil_ioc_builder *b, const char *path);
vigil_status vigil_ioc_builder_add_allow_hash(vigil_ioc_builder *b, const char *hex,
                                              const char *description, const char *source,
                                              uint64_t line);

/* Single entries; source/line name where they came from. A refused entry is
 * a diagnostic and returns VIGIL_ERR_PARSE (malformed) or VIGIL_ERR_RULE
 * (well-formed but unusable, e.g. the empty file's hash); scores outside
 * 0..100 are clamped with a warning. Regexes are checked in finish. */
vigil_status vigil_ioc_builder_add_hash(vigil_ioc_builder *b, const char *hex, int score,
                                        const char *description, const char *source, uint64_t line);
vigil_status vigil_ioc_builder_add_filename(vigil_ioc_builder *b, const char *regex, int score,
                                            const char *fp_regex, const char *source,
                                            uint64_t line);
/* The same with a description (the text parser passes the last '#' comment
 * line above the entry, as Loki does). */
vigil_status vigil_ioc_builder_add_filename_desc(vigil_ioc_builder *b, const char *regex, int score,
                                                 const char *fp_regex, const char *description,
                                                 const char *source, uint64_t line);
vigil_status vigil_ioc_builder_add_c2(vigil_ioc_builder *b, const char *value, int score,
                                      const char *description, const char *source, uint64_t line);

/* Compiles the patterns. Patterns neither hyperscan nor PCRE2 accept, and
 * patterns that match the empty string (so every path), are diagnostics
 * naming their file and line, dropped and counted (filename_refused). The
 * builder may be destroyed afterwards. */
vigil_status vigil_ioc_builder_finish(vigil_ioc_builder *b, vigil_ioc_db **out);

void vigil_ioc_db_destroy(vigil_ioc_db *db); /* NULL safe */

typedef struct vigil_ioc_counts {
    uint64_t md5, sha1, sha256; /* distinct hash entries by kind */
    uint64_t hash_added;        /* hash entries accepted, duplicates included */
    uint64_t filename;
    uint64_t filename_prefilter; /* of which hyperscan prefilters, PCRE2 confirms */
    uint64_t filename_pcre;      /* of which PCRE2 runs on every path */
    uint64_t c2;
    uint64_t filename_refused; /* patterns refused at finish (each a diagnostic) */
    uint64_t allow_hashes;     /* allow-list entries accepted, duplicates included */
} vigil_ioc_counts;
void vigil_ioc_db_counts(const vigil_ioc_db *db, vigil_ioc_counts *out);

/* VIGIL_HASH_* bits for the hash kinds that have at least one entry (IOC or
 * allow-list). */
unsigned vigil_ioc_db_hash_kinds(const vigil_ioc_db *db);

/* Whether one of the digests (NULL ones skipped) is on a hash allow-list. */
int vigil_ioc_db_allowed(const vigil_ioc_db *db, const uint8_t *md5, const uint8_t *sha1,
                         const uint8_t *sha256);

/* Per-thread state (hyperscan scratch, PCRE2 match data). */
vigil_status vigil_ioc_scratch_create(const vigil_ioc_db *db, vigil_ioc_scratch **out);
void vigil_ioc_scratch_destroy(vigil_ioc_scratch *s); /* NULL safe */

/* Appends a VIGIL_FINDING_HASH for each digest found (NULL digests are
 * skipped; sizes 16, 20, 32 bytes). matched = the lower-case hex. */
vigil_status vigil_ioc_match_hashes(const vigil_ioc_db *db, const uint8_t *md5, const uint8_t *sha1,
                                    const uint8_t *sha256, vigil_findings *out);

/* Appends a VIGIL_FINDING_FILENAME for each pattern matching the path whose
 * false-positive regex does not, in load order. Loki's semantics: Python's
 * re.search on the path (characters, not bytes, even for non-ASCII or
 * invalid UTF-8 paths), tried as given and with '/' turned into '\'.
 * matched = the path as given, rule = the regex as written. */
vigil_status vigil_ioc_match_path(const vigil_ioc_db *db, vigil_ioc_scratch *s, const char *path,
                                  size_t len, vigil_findings *out);

/* C2 entries, for the log and network hunting that comes later. */
typedef struct vigil_ioc_c2 {
    const char *value; /* lower-case domain, IP or CIDR */
    int score;
    const char *description;
    const char *source;
    uint64_t line;
} vigil_ioc_c2;
size_t vigil_ioc_db_c2_count(const vigil_ioc_db *db);
const vigil_ioc_c2 *vigil_ioc_db_c2_at(const vigil_ioc_db *db, size_t i);
/* The first entry (in load order) whose value equals value[0..len) after
 * the same normalisation (lower case, no trailing dot), or NULL. */
const vigil_ioc_c2 *vigil_ioc_db_c2_find(const vigil_ioc_db *db, const char *value, size_t len);

#endif
