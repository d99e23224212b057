/* paths.h - finding vigil's bundled files next to the program.
 *
 * A user who types `vigil scan` must get the bundled rules without knowing
 * where they live: in a build tree they are in the repository beside the
 * build directory, after `make install` under PREFIX/share/vigil. */
#ifndef VIGIL_CLI_PATHS_H
#define VIGIL_CLI_PATHS_H

/* The first existing of <exe dir>/../REL and <exe dir>/../share/vigil/REL,
 * malloc'd; NULL when neither exists. */
char *cli_find_data(const char *rel);

#endif
