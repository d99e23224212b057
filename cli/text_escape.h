/* text_escape.h - the one escaping of hostile strings for text output and
 * diagnostics.
 *
 * File and member names, rule text, IOC lines and event fields come from
 * the data being swept. Written raw to a terminal or a text report they can
 * forge result lines (a newline in a file name), retitle or reprogram the
 * terminal (ESC, OSC, CSI as 0x9b) or hide what they are (bidi overrides).
 * Every text writer of the command passes them through here; JSON output
 * has its own (jansson's) escaping.
 *
 * The form, unambiguous and readable (documented in docs/output.md):
 *   backslash               \\
 *   TAB, LF, CR             \t \n \r
 *   other C0 bytes, DEL     \xHH            (ESC is \x1b, NUL \x00)
 *   a byte that is not part of valid UTF-8 (a raw 0x80-0xff of a Latin-1
 *   name, overlong forms, surrogates, beyond U+10FFFF)
 *                           \xHH, one per byte
 *   C1 controls U+0080..U+009F written as UTF-8, and the code points that
 *   move or hide text: U+2028, U+2029 (line and paragraph separators),
 *   U+202A..U+202E and U+2066..U+2069 (bidi embeddings, overrides and
 *   isolates), U+200E, U+200F (direction marks)
 *                           \uHHHH
 * Everything else, printable ASCII and valid UTF-8, passes unchanged.
 * So \xHH always stands for one raw byte of the name and \uHHHH for one
 * character: the raw byte 0x9b is \x9b, the UTF-8 U+009B is \u009b.
 *
 * The CSV form (output_csv.c) is the same but for TAB, LF, CR and the
 * backslash, which pass unchanged: a quoted cell holds line breaks (RFC
 * 4180) and Windows paths stay as an analyst reads them. A \xHH or \uHHHH
 * in a CSV cell is then either an escape or those characters of the name;
 * the JSONL output has every value exactly. */
#ifndef VIGIL_CLI_TEXT_ESCAPE_H
#define VIGIL_CLI_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Escapes s[0..n) into dst (cap bytes, always NUL-terminated when cap > 0;
 * an escape is never cut in half). Returns the length the whole escaped
 * text needs, without the NUL: a result >= cap means dst was too small. */
size_t text_escape(char *dst, size_t cap, const char *s, size_t n);

/* Writes s[0..n) escaped to fp. */
void text_escape_put(FILE *fp, const char *s, size_t n);
/* The same for a C string; NULL writes nothing. */
void text_escape_puts(FILE *fp, const char *s);
/* The same for a C string; NULL or "" writes fallback as it is. */
void text_escape_puts_or(FILE *fp, const char *s, const char *fallback);

/* The CSV form, for output_csv.c's cell writer: the length of the prefix
 * of s[0..n) that passes unchanged, and the escape (into out, NUL-
 * terminated) for what stops it; returns the bytes of s the escape
 * stands for. */
size_t text_escape_csv_span(const char *s, size_t n);
size_t text_escape_csv_one(const char *s, size_t n, char out[8]);

/* A message about one hostile string (a path, a name): before as it is, s
 * escaped (NULL writes nothing), then the printf of fmt. For the lines
 * "vigil iocs: cannot read PATH: REASON" the command says itself. */
void text_escape_say(FILE *fp, const char *before, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
