/* fuzz_image.c - libFuzzer harness: hostile bytes as a raw disk image.
 *
 * The input is sniffed (vigil_image_sniff, head and tail) and walked as a
 * raw image from memory (vigil_image_walk_memory): partition tables and
 * every file system The Sleuth Kit detects, then our own directory walk,
 * stream reads and diagnostics. Checks: every callback gets a name, no file
 * is longer than the limit, big files come as begin/data/end in order, the
 * file count limit holds. Seeds worth adding by hand: the images that
 * tests/e2e/images.sh builds (a 4 MiB mkntfs volume fuzzes well). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILE 4096u
#define MAX_FILES 64u

typedef struct fuzz_ctx {
    int in_big;
    uint64_t files;
} fuzz_ctx;

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->message == NULL || d->source == NULL)
        abort();
}

static vigil_status on_file(void *user, const char *name, const uint8_t *data, size_t len)
{
    fuzz_ctx *c = user;
    volatile uint8_t sum = 0;

    if (name == NULL || len > MAX_FILE || c->in_big || ++c->files > MAX_FILES)
        abort();
    for (size_t i = 0; i < len; i++) /* touch every byte: ASan checks the bounds */
        sum = (uint8_t)(sum + data[i]);
    (void)sum;
    return VIGIL_OK;
}

static vigil_status big_begin(void *user, const char *name)
{
    fuzz_ctx *c = user;
    if (name == NULL || c->in_big || ++c->files > MAX_FILES)
        abort();
    c->in_big = 1;
    return VIGIL_OK;
}

static vigil_status big_data(void *user, const uint8_t *data, size_t len)
{
    fuzz_ctx *c = user;
    volatile uint8_t sum = 0;
    if (!c->in_big)
        abort();
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + data[i]);
    (void)sum;
    return VIGIL_OK;
}

static vigil_status big_end(void *user, int complete)
{
    fuzz_ctx *c = user;
    (void)complete;
    if (!c->in_big)
        abort();
    c->in_big = 0;
    return VIGIL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const vigil_diag_sink sink = {on_diag, NULL};
    static const vigil_image_big_fns big = {big_begin, big_data, big_end};
    vigil_image_limits lim;
    vigil_image_walk_stats st;
    fuzz_ctx c;

    (void)vigil_image_sniff(data, size, size >= 512 ? data + size - 512 : NULL,
                            size >= 512 ? 512 : 0);
    memset(&lim, 0, sizeof lim);
    lim.max_file_size = MAX_FILE;
    lim.max_hash_size = 4 * MAX_FILE;
    lim.max_files = MAX_FILES;
    memset(&c, 0, sizeof c);
    (void)vigil_image_walk_memory(data, size, "fuzz.img", &lim, &sink, on_file, &big, &c, &st);
    if (c.in_big || st.files > MAX_FILES)
        abort();
    return 0;
}
