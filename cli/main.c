/* main.c - the vigil command: dispatch to a subcommand (see commands.h).
 *
 * Kept tiny on purpose: each subcommand parses its own options, and all
 * real work is in libvigil so that other programs can embed it. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "text_escape.h"
#include "vigil/vigil.h"

#define MAIN_USAGE "usage: vigil COMMAND [options] [ARGS]\n"

static void usage(FILE *fp)
{
    fprintf(fp, MAIN_USAGE "\n"
                "commands:\n"
                "  scan PATH...        sweep files, directories and archives with YARA rules\n"
                "                      and IOC lists (vigil scan --help)\n"
                "  rules list|stats    show the loaded rules (vigil rules --help)\n"
                "  evtx dump|count FILE...  Windows event logs as JSON Lines / record counts\n"
                "  logs PATH...        C2 domains, IPs and URLs in text logs (vigil logs --help)\n"
                "  connections         C2 IPs in this host's live sockets\n"
                "  iocs stats|convert FILE...  threat intel: counts, conversion to Loki/STIX/CSV\n"
                "  version             print the version (also -V, --version)\n"
                "  help [COMMAND]      this text, or the help of COMMAND\n"
                "\n"
                "exit codes: 0 nothing found, 1 findings, 2 error\n");
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"scan", cmd_scan},   {"rules", cmd_rules},
    {"evtx", cmd_evtx},   {"logs", cmd_logs},
    {"iocs", cmd_iocs},   {"connections", cmd_connections},
};

static int (*find_command(const char *name))(int, char **)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run;
    return NULL;
}

/* An unknown command or none: what is wrong, the short usage, the hint. */
static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "vigil: %s", what);
    if (arg != NULL) {
        fputs(" '", stderr);
        text_escape_puts(stderr, arg);
        fputc('\'', stderr);
    }
    fputs("\n" MAIN_USAGE "Try 'vigil --help' for the commands.\n", stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("no command given", NULL);
    const char *cmd = argv[1];
    int (*run)(int, char **) = find_command(cmd);
    if (run != NULL)
        return run(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("vigil %s\n", vigil_version());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        /* `vigil help scan` is `vigil scan --help` */
        run = find_command(argv[2]);
        if (run == NULL)
            return usage_error("no help for unknown command", argv[2]);
        char *help_argv[] = {argv[2], (char *)"--help", NULL};
        return run(2, help_argv);
    }
    return usage_error("unknown command", cmd);
}
