/* fuzz_registry.c - libFuzzer harness for the registry hive reader.
 *
 * Input starting with "regf" is read as a whole hive; any other input
 * becomes the hive bins behind a valid base block (magic, sequence numbers,
 * root at the first cell, checksum), so mutations reach hivex's cell
 * checks, our walk (loops, depth, names) and the value renderers instead of
 * dying at the header. Every value also goes through the autostart and
 * file-naming decoders (TaskCache Actions blobs, command lines). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_item(const vigil_reg_item *it, void *user)
{
    size_t *n = user;
    vigil_reg_entry e;
    vigil_reg_event re;
    *n += strlen(it->key) + strlen(it->raw_key);
    vigil_reg_event_build(&re, it, "fuzz", 1);
    if (it->name != NULL && vigil_registry_entry(it, &e))
        *n += e.nfiles + strlen(e.command);
    if (it->text != NULL) {
        char f[256];
        vigil_registry_command_file(it->text, f, sizeof f);
        *n += strlen(f);
    }
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_diag_sink sink = {NULL, NULL};
    size_t n = 0;

    if (size >= 4 && memcmp(data, "regf", 4) == 0) {
        vigil_registry_walk("fuzz/SOFTWARE", data, size, &sink, on_item, &n, NULL, NULL);
        return 0;
    }
    if (size > (4u << 20))
        return 0;
    size_t bins = (size + 4095) / 4096 * 4096;
    if (bins == 0)
        bins = 4096;
    uint8_t *buf = calloc(1, 4096 + bins);
    if (buf == NULL)
        return 0;
    memcpy(buf, "regf", 4);
    put32(buf + 4, 1);
    put32(buf + 8, 1);
    put32(buf + 0x14, 1);
    put32(buf + 0x18, 5);
    put32(buf + 0x20, 1);
    put32(buf + 0x24, 0x20);
    put32(buf + 0x28, (uint32_t)bins);
    put32(buf + 0x2c, 1);
    uint32_t sum = 0;
    for (size_t i = 0; i < 0x1fc; i += 4)
        sum ^= (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 | (uint32_t)buf[i + 2] << 16 |
               (uint32_t)buf[i + 3] << 24;
    put32(buf + 0x1fc, sum);
    memcpy(buf + 4096, data, size);
    vigil_registry_walk("fuzz/Users/u/NTUSER.DAT", buf, 4096 + bins, &sink, on_item, &n, NULL,
                        NULL);
    vigil_registry_walk("fuzz/SYSTEM", buf, 4096 + bins, &sink, on_item, &n, NULL, NULL);
    free(buf);
    return 0;
}
