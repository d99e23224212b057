/* outopts.h - the output options `scan`, `logs` and `connections` share.
 *
 * -f/--format, -o/--output, --min-level, --color, -q and -v mean the same
 * in every command that reports findings, so one parser reads them and one
 * function applies them to the writer (NO_COLOR and a terminal decide
 * "auto" colour). */
#ifndef VIGIL_CLI_OUTOPTS_H
#define VIGIL_CLI_OUTOPTS_H

#include <getopt.h>
#include <stdio.h>

#include "output.h"
#include "vigil/vigil.h"

typedef struct out_args {
    out_format format;
    const char *output; /* NULL: standard output */
    vigil_level min_level;
    int color; /* -1 auto, 0 never, 1 always */
    int quiet;
    int verbose;
} out_args;

/* getopt_long entries; values from OUT_OPT_BASE on (and 'f', 'o', 'q', 'v'). */
#define OUT_OPT_BASE 2000
// clang-format off
#define OUT_LONG_OPTS                                                                              \
    {"format", required_argument, NULL, 'f'},                                                      \
        {"output", required_argument, NULL, 'o'},                                                  \
        {"min-level", required_argument, NULL, OUT_OPT_BASE},                                      \
        {"color", required_argument, NULL, OUT_OPT_BASE + 1},                                      \
        {"colour", required_argument, NULL, OUT_OPT_BASE + 1},                                     \
        {"quiet", no_argument, NULL, 'q'},                                                         \
        {"verbose", no_argument, NULL, 'v'}
// clang-format on

void out_args_init(out_args *o);
/* Handles option c if it is an output option: 1 handled, 0 not ours, -1 a
 * bad value (said on stderr as "vigil CMD: invalid value ..."). */
int out_args_option(out_args *o, const char *cmd, int c, const char *arg);
/* Standard output, or o->output opened for writing; NULL (said on stderr)
 * when it cannot be. */
FILE *out_args_open(const out_args *o, const char *cmd);
/* Sets the writer's verbosity, level filter and colour from o (w->fp must
 * be the output already). */
void out_args_apply(const out_args *o, out_writer *w);

#endif
