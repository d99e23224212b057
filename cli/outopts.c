/* outopts.c - parses and applies the output options commands share.
 *
 * Why one place: see outopts.h; before it, `scan` and `logs` each had a
 * copy of the same switch and drifted (one accepted -q, one ignored it). */
#include "outopts.h"
#include "outstream.h"
#include "usage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void out_args_init(out_args *o)
{
    memset(o, 0, sizeof *o);
    o->format = OUT_TEXT;
    o->color = -1;
}

static int bad_value(const char *cmd, const char *opt, const char *val, const char *valid)
{
    usage_bad_value(cmd, opt, val, valid);
    return -1;
}

int out_args_option(out_args *o, const char *cmd, int c, const char *arg)
{
    switch (c) {
    case 'f':
        if (strcmp(arg, "text") == 0)
            o->format = OUT_TEXT;
        else if (strcmp(arg, "jsonl") == 0 || strcmp(arg, "json") == 0)
            o->format = OUT_JSONL;
        else if (strcmp(arg, "csv") == 0 && strcmp(cmd, "scan") == 0)
            o->format = OUT_CSV;
        else if (strcmp(arg, "html") == 0 && strcmp(cmd, "scan") == 0)
            o->format = OUT_HTML;
        else
            return bad_value(cmd, "--format", arg, "text, jsonl");
        return 1;
    case 'o':
        o->output = arg;
        return 1;
    case OUT_OPT_BASE:
        for (int l = 0; l < VIGIL_LEVEL_COUNT; l++) {
            if (strcmp(arg, vigil_level_name((vigil_level)l)) == 0) {
                o->min_level = (vigil_level)l;
                return 1;
            }
        }
        return bad_value(cmd, "--min-level", arg, "info, notice, warning, alert");
    case OUT_OPT_BASE + 1:
        if (strcmp(arg, "auto") == 0)
            o->color = -1;
        else if (strcmp(arg, "always") == 0)
            o->color = 1;
        else if (strcmp(arg, "never") == 0)
            o->color = 0;
        else
            return bad_value(cmd, "--color", arg, "auto, always, never");
        return 1;
    case 'q':
        o->quiet = 1;
        return 1;
    case 'v':
        o->verbose = 1;
        return 1;
    default:
        return 0;
    }
}

FILE *out_args_open(const out_args *o, const char *cmd)
{
    if (o->output == NULL)
        return stdout;
    FILE *fp = fopen(o->output, "w");
    if (fp == NULL)
        fprintf(stderr, "vigil %s: cannot write %s: %s\n", cmd, o->output, strerror(errno));
    else
        out_stream_name(fp, o->output);
    return fp;
}

void out_args_apply(const out_args *o, out_writer *w)
{
    w->verbose = o->verbose;
    w->min_level = o->min_level;
    w->color = 0;
    if (o->format == OUT_TEXT) {
        const char *nc = getenv("NO_COLOR");
        w->color =
            o->color == 1 || (o->color == -1 && isatty(fileno(w->fp)) && (nc == NULL || !*nc));
    }
}
