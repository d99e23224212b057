/* winart_startup.c - files in the Start Menu Startup folders (all users'
 * under ProgramData, each user's under AppData/Roaming): Explorer starts
 * each of them at logon, a link by its target, any other file itself. */
#include <stdio.h>
#include <string.h>

#include "winart/winart.h"

static const uint8_t lnk_magic[8] = {0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00};

int vigil_winart_startup_parse(const char *path, const uint8_t *data, size_t len,
                               vigil_winart_list *list)
{
    const char *base = strrchr(path, '/');
    const char *folder = vigil_winart_path_find(path, "/start menu/programs/startup/");
    char winpath[1024];
    int rc = 0;

    base = base ? base + 1 : path;
    if (len >= 76 && memcmp(data, lnk_magic, sizeof lnk_magic) == 0)
        return vigil_winart_lnk_parse(path, data, len, VIGIL_FINDING_PERSISTENCE, list);
    /* the file itself, as Windows names it: the path from the volume's root */
    const char *root = folder;
    if (vigil_winart_path_find(path, "programdata/microsoft/") != NULL)
        root = vigil_winart_path_find(path, "programdata/microsoft/");
    else if (vigil_winart_path_find(path, "users/") != NULL)
        root = vigil_winart_path_find(path, "users/");
    snprintf(winpath, sizeof winpath, "%s", root ? root : path);
    for (char *q = winpath; *q; q++)
        if (*q == '/')
            *q = '\\';
    vigil_winart_entry *e = vigil_winart_add(list, VIGIL_FINDING_PERSISTENCE, base, winpath);
    if (e == NULL)
        rc = -1;
    else
        rc = vigil_winart_meta(e, "source", "startup_folder") |
             vigil_winart_meta(e, "target", winpath);
    if (rc != 0)
        snprintf(list->error, sizeof list->error, "out of memory");
    return rc;
}
