/* paths.c - locating bundled data relative to the running program. */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cli_find_data(const char *rel)
{
    char exe[PATH_MAX];
    static const char *const prefixes[] = {"/..", "/../share/vigil"};
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        char path[PATH_MAX];
        struct stat sb;
        int w = snprintf(path, sizeof path, "%s%s/%s", exe, prefixes[i], rel);
        if (w < 0 || (size_t)w >= sizeof path || stat(path, &sb) != 0)
            continue;
        return realpath(path, NULL);
    }
    return NULL;
}
