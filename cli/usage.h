/* usage.h - how every subcommand says its command line is wrong.
 *
 * One shape for all, as git and coreutils do it: what is wrong, the short
 * usage line, and where the whole help is - never the whole help, which
 * hides the message above a screenful. Values given are quoted escaped
 * (text_escape.h). Each returns the exit code of a usage error, 2. */
#ifndef VIGIL_CLI_USAGE_H
#define VIGIL_CLI_USAGE_H

#include <stdio.h>

/* "vigil CMD: MESSAGE", then usage_line (one or more lines, each ending in
 * a newline) and "Try 'vigil CMD --help' for more information." */
int usage_error(const char *cmd, const char *usage_line, const char *message);
/* The same for getopt_long's '?' or ':' (opterr = 0, optstring starting
 * with ':'): "unknown option '--x'" or "option '--x' needs a value". */
int usage_getopt_error(const char *cmd, const char *usage_line, int c, char **argv);
/* "vigil CMD: invalid value for OPT: 'VAL' (valid: VALID)". */
int usage_bad_value(const char *cmd, const char *opt, const char *val, const char *valid);
/* "vigil CMD: unknown subcommand 'SUB' (valid: VALID)", the usage and hint. */
int usage_bad_subcommand(const char *cmd, const char *usage_line, const char *sub,
                         const char *valid);

#endif
