/* fuzz_lnk.c - libFuzzer harness for the shell link reader (liblnk via
 * winart_lnk.c, and the Startup folder path that hands links to it). The
 * input is read as a whole, and again behind a valid header size and
 * class id so mutations reach LinkInfo, the ID list and the strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winart/winart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t head[20] = {0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

static void run(const uint8_t *data, size_t size)
{
    vigil_winart_list list;
    memset(&list, 0, sizeof list);
    vigil_winart_lnk_parse("x/Recent/fuzz.lnk", data, size, VIGIL_FINDING_EXECUTION, &list);
    vigil_winart_list_free(&list);
    memset(&list, 0, sizeof list);
    vigil_winart_startup_parse("Users/u/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/"
                               "Startup/fuzz.lnk",
                               data, size, &list);
    vigil_winart_list_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    if (size >= sizeof head && size <= (1u << 20)) {
        uint8_t *buf = malloc(size);
        if (buf != NULL) {
            memcpy(buf, data, size);
            memcpy(buf, head, sizeof head);
            run(buf, size);
            free(buf);
        }
    }
    return 0;
}
