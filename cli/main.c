/* main.c - the vigil command: argument dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "vigil/vigil.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("vigil %s\n", vigil_version());
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "evtx") == 0)
        return cmd_evtx(argc - 1, argv + 1);
    fprintf(stderr, "usage: vigil scan [options] PATH...\n");
    return 2;
}
