/* commands.h - the subcommands of the vigil command, one file each.
 *
 * main.c dispatches argv[1] to one of these; each gets the arguments after
 * the subcommand name (argv[0] is the subcommand) and returns the exit
 * code: 0 clean, 1 findings, 2 error. */
#ifndef VIGIL_CLI_COMMANDS_H
#define VIGIL_CLI_COMMANDS_H

int cmd_scan(int argc, char **argv);        /* cmd_scan.c */
int cmd_rules(int argc, char **argv);       /* cmd_rules.c */
int cmd_evtx(int argc, char **argv);        /* cmd_evtx.c */
int cmd_logs(int argc, char **argv);        /* cmd_logs.c */
int cmd_connections(int argc, char **argv); /* cmd_logs.c */
int cmd_iocs(int argc, char **argv);        /* cmd_iocs.c */
int cmd_quarantine(int argc, char **argv);  /* cmd_quarantine.c */
int cmd_report(int argc, char **argv);      /* cmd_report.c */

#endif
