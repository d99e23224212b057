/* usage.c - the usage errors of every subcommand (see usage.h). */
#include "usage.h"

#include <getopt.h>
#include <string.h>

#include "text_escape.h"

static void hint(const char *cmd, const char *usage_line)
{
    fputs(usage_line, stderr);
    fprintf(stderr, "Try 'vigil %s --help' for more information.\n", cmd);
}

int usage_error(const char *cmd, const char *usage_line, const char *message)
{
    fprintf(stderr, "vigil %s: %s\n", cmd, message);
    hint(cmd, usage_line);
    return 2;
}

int usage_getopt_error(const char *cmd, const char *usage_line, int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : NULL;

    fprintf(stderr, "vigil %s: ", cmd);
    fputs(c == ':' ? "option '" : "unknown option '", stderr);
    if (arg != NULL && strncmp(arg, "--", 2) == 0) {
        const char *eq = strchr(arg, '=');
        text_escape_put(stderr, arg, eq ? (size_t)(eq - arg) : strlen(arg));
    } else if (optopt > 0 && optopt < 0x7f && optopt > ' ') {
        fprintf(stderr, "-%c", optopt);
    } else {
        text_escape_puts(stderr, arg);
    }
    fputs(c == ':' ? "' needs a value\n" : "'\n", stderr);
    hint(cmd, usage_line);
    return 2;
}

int usage_bad_value(const char *cmd, const char *opt, const char *val, const char *valid)
{
    fprintf(stderr, "vigil %s: invalid value for %s: '", cmd, opt);
    text_escape_puts(stderr, val);
    fprintf(stderr, "' (valid: %s)\n", valid);
    return 2;
}

int usage_bad_subcommand(const char *cmd, const char *usage_line, const char *sub,
                         const char *valid)
{
    fprintf(stderr, "vigil %s: unknown subcommand '", cmd);
    text_escape_puts(stderr, sub);
    fprintf(stderr, "' (valid: %s)\n", valid);
    hint(cmd, usage_line);
    return 2;
}
