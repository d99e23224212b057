/* main.c - the vigil command: dispatch to a subcommand (see commands.h).
 *
 * Kept tiny on purpose: each subcommand parses its own options, and all
 * real work is in libvigil so that other programs can embed it. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
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
                "  report merge|render FILE.jsonl...  many hosts' results in one JSONL, CSV or\n"
                "                      HTML report (vigil report --help)\n"
                "  version             print the version\n"
                "\n"
                "exit codes: 0 nothing found, 1 findings, 2 error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
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
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "vigil: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
