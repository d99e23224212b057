/* main.c - the vigil command: argument dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "vigil/vigil.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("vigil %s\n", vigil_version());
        return 0;
    }
    fprintf(stderr, "usage: vigil scan [options] PATH...\n");
    return 2;
}
