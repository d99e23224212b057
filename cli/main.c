/* main.c - the vigil command: dispatch to a subcommand (see commands.h).
 *
 * Kept tiny on purpose: each subcommand parses its own options, and all
 * real work is in libvigil so that other programs can embed it. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "outstream.h"
#include "text_escape.h"
#include "vigil/vigil.h"

static void usage(FILE *fp)
{
    fprintf(fp, "usage: vigil COMMAND [options] [ARGS]\n"
                "\n"
                "commands:\n"
                "  scan PATH...        sweep files, directories and archives with YARA rules\n"
                "                      and IOC lists (vigil scan --help)\n"
                "  rules list|stats    show the loaded rules (vigil rules --help)\n"
                "  evtx dump|count FILE...  Windows event logs as JSON Lines / record counts\n"
                "  logs PATH...        C2 domains, IPs and URLs in text logs (vigil logs --help)\n"
                "  connections         C2 IPs in this host's live sockets\n"
                "  iocs stats|convert FILE...  threat intel: counts, conversion to Loki/STIX/CSV\n"
                "  quarantine list|show|restore|export|purge  the quarantine store\n"
                "                      (vigil quarantine --help)\n"
                "  report merge|render FILE.jsonl...  many hosts' results in one JSONL, CSV or\n"
                "                      HTML report (vigil report --help)\n"
                "  version             print the version\n"
                "  help [COMMAND]      this text, or COMMAND's (-V: the version)\n"
                "\n"
                "exit codes: 0 nothing found, 1 findings, 2 error\n");
}

/* A wrong or missing command: what is wrong, the short usage, the hint. */
static int usage_error(const char *what, const char *cmd)
{
    fprintf(stderr, "vigil: %s", what);
    if (cmd != NULL) {
        fputs(" '", stderr);
        text_escape_puts(stderr, cmd);
        fputc('\'', stderr);
    }
    fputs("\nusage: vigil COMMAND [options] [ARGS]\n"
          "Try 'vigil --help' for the commands.\n",
          stderr);
    return 2;
}

static int dispatch(int argc, char **argv)
{
    char *help_argv[4];

    if (argc < 2)
        return usage_error("no command given", NULL);
    if (argc >= 3 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "-h") == 0)) {
        /* `vigil help scan` is `vigil scan --help` */
        help_argv[0] = argv[0];
        help_argv[1] = argv[2];
        help_argv[2] = (char *)"--help";
        help_argv[3] = NULL;
        argc = 3;
        argv = help_argv;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("vigil %s\n", vigil_version());
        return 0;
    }
    if (strcmp(cmd, "evtx") == 0)
        return cmd_evtx(argc - 1, argv + 1);
    if (strcmp(cmd, "logs") == 0)
        return cmd_logs(argc - 1, argv + 1);
    if (strcmp(cmd, "connections") == 0)
        return cmd_connections(argc - 1, argv + 1);
    if (strcmp(cmd, "iocs") == 0)
        return cmd_iocs(argc - 1, argv + 1);
    if (strcmp(cmd, "quarantine") == 0)
        return cmd_quarantine(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    return usage_error("unknown command", cmd);
}

/* Whatever the subcommand, results that did not reach standard output
 * (a full disk, EIO, EPIPE with SIGPIPE ignored) make the exit code 2. */
int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    if (out_stream_close(stdout, argc >= 2 ? argv[1] : "") != 0)
        rc = 2;
    return rc;
}
