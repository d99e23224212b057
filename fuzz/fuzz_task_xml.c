/* fuzz_task_xml.c - libFuzzer harness for the scheduled-task XML reader
 * (libxml2 via winart_task.c), through the sniffer as the scanner calls
 * it: the input is taken as a file under Windows/System32/Tasks. */
#include <stdint.h>
#include <string.h>

#include "winart/winart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char path[] = "img/Windows/System32/Tasks/Microsoft/fuzz";
    vigil_winart_list list;

    memset(&list, 0, sizeof list);
    (void)vigil_winart_sniff(path, data, size);
    vigil_winart_task_parse(path, data, size, &list);
    for (size_t i = 0; i < list.n; i++)
        (void)strlen(list.items[i].name);
    vigil_winart_list_free(&list);
    return 0;
}
