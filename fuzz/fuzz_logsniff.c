/* fuzz_logsniff.c - libFuzzer harness: hostile bytes through the text-log
 * sniffer of the sweep (vigil_netioc_is_text_log) and, when it says "log",
 * through the C2 matcher as the scanner runs it.
 *
 * Why: every text file of a swept host reaches the sniffer, which reads
 * timestamps at offsets near line ends; ASan checks it never reads past the
 * buffer. The first input byte picks the name it is given (a *.log name
 * skips the content test, so both paths are reached). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netioc/netioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vigil_netioc_db *db;
static vigil_netioc_scratch *scratch;

static int on_hit(const vigil_netioc_hit *h, void *user)
{
    size_t len = *(const size_t *)user;
    if (h->offset > len || h->length > len - h->offset)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"host/var/log/syslog", "a.tgz!var/log/auth.log.7",
                                        "x.log", NULL};
    if (db == NULL) {
        vigil_netioc_builder *b = NULL;
        if (vigil_netioc_builder_create(NULL, &b) != VIGIL_OK)
            abort();
        vigil_netioc_builder_add(b, VIGIL_INTEL_DOMAIN, "evil-c2.example", 90, NULL, "f", 1);
        vigil_netioc_builder_add(b, VIGIL_INTEL_IP, "198.51.100.23", 80, NULL, "f", 2);
        if (vigil_netioc_builder_finish(b, &db) != VIGIL_OK ||
            vigil_netioc_scratch_create(db, &scratch) != VIGIL_OK)
            abort();
        vigil_netioc_builder_destroy(b);
    }
    if (size == 0)
        return 0;
    const char *name = names[data[0] % 4];
    data++;
    size--;
    /* a copy of exactly size bytes, so any overread is caught */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    if (vigil_netioc_is_text_log(name, copy, size))
        (void)vigil_netioc_scan(db, scratch, (const char *)copy, size, 1, 0, on_hit, &size);
    free(copy);
    return 0;
}
