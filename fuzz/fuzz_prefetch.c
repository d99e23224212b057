/* fuzz_prefetch.c - libFuzzer harness for the Prefetch reader (libscca via
 * winart_prefetch.c). The input is read as a whole file, and again behind
 * a version-23 "SCCA" signature so mutations reach the file information,
 * metrics, filename and volume decoders instead of the signature check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winart/winart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size)
{
    vigil_winart_list list;
    memset(&list, 0, sizeof list);
    vigil_winart_prefetch_parse("fuzz.pf", data, size, &list);
    for (size_t i = 0; i < list.n; i++)
        for (size_t k = 0; k < list.items[i].nmeta; k++)
            (void)strlen(list.items[i].values[k]);
    vigil_winart_list_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    if (size >= 8 && size <= (1u << 20)) {
        uint8_t *buf = malloc(size);
        if (buf != NULL) {
            memcpy(buf, data, size);
            memcpy(buf, "\x17\x00\x00\x00SCCA", 8);
            run(buf, size);
            free(buf);
        }
    }
    return 0;
}
