/* outstream.h - no subcommand claims success over results that never
 * reached their file.
 *
 * stdio remembers that a write failed (ferror) but not why, and only until
 * someone looks. Every place that writes results notes the stream after
 * writing (out_stream_note keeps the errno of the first failure), and every
 * subcommand ends by closing its output through out_stream_close, which says
 * "vigil CMD: cannot write NAME: No space left on device" once and fails.
 * main.c closes standard output the same way after any subcommand, so a
 * subcommand that forgets cannot exit 0 over a full disk. */
#ifndef VIGIL_CLI_OUTSTREAM_H
#define VIGIL_CLI_OUTSTREAM_H

#include <stdio.h>

/* The name used in messages about fp (an -o FILE); standard output is
 * "standard output" without this. name must outlive the stream. */
void out_stream_name(FILE *fp, const char *name);
/* After writing to fp: if a write failed, remembers the first errno (EIO
 * when errno says nothing). Returns nonzero once fp has failed. */
int out_stream_note(FILE *fp);
/* A result that could not even be made for fp (out of memory) is a failed
 * write: remembers err as the first failure, unless one came before. */
void out_stream_fail(FILE *fp, int err);
/* Nonzero once a write to fp failed (noted or not). */
int out_stream_failed(FILE *fp);
/* Flushes fp, closes it (standard output too: nothing is written after),
 * and says on stderr "vigil CMD: cannot write NAME: ERROR" if any write to
 * it failed (once per stream). Returns 0, or -1 after a failure. */
int out_stream_close(FILE *fp, const char *cmd);

#endif
