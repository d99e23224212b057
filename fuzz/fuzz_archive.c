/* fuzz_archive.c - libFuzzer harness: hostile bytes through vigil_archive_walk.
 *
 * Why small limits: the fuzzer should spend its time in parsing, not in
 * expanding legitimate bombs; the limits themselves are part of what is
 * checked (a member is never longer than max_member_size, expansion never
 * passes the budget by more than one 64 KiB step). Nested archives are
 * walked too, as the scanner does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_ctx {
    const vigil_archive_limits *lim;
    uint64_t budget;
    unsigned depth;
} fuzz_ctx;

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->message == NULL || d->source == NULL)
        abort();
}

static vigil_status on_member(void *user, const char *name, const uint8_t *data, size_t len)
{
    fuzz_ctx *c = user;
    static const vigil_diag_sink sink = {on_diag, NULL};
    volatile uint8_t sum = 0;
    vigil_archive_walk_stats st;
    vigil_status s = VIGIL_OK;

    if (name == NULL || len > c->lim->max_member_size)
        abort();
    for (size_t i = 0; i < len; i++) /* touch every byte: ASan checks the bounds */
        sum ^= data[i];
    if (c->depth < 2 && vigil_archive_sniff(data, len)) {
        c->depth++;
        s = vigil_archive_walk(data, len, name, c->lim, &c->budget, &sink, on_member, c, &st);
        c->depth--;
    }
    return s == VIGIL_ERR_NOMEM ? VIGIL_OK : s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const vigil_diag_sink sink = {on_diag, NULL};
    vigil_archive_limits lim = {2, 1u << 20, 4u << 20, 50, 64};
    fuzz_ctx c = {&lim, lim.max_total, 0};
    vigil_archive_walk_stats st;

    (void)vigil_archive_sniff(data, size);
    vigil_archive_walk(data, size, "fuzz.bin", &lim, &c.budget, &sink, on_member, &c, &st);
    if (st.expanded > lim.max_total + 65536)
        abort();
    return 0;
}
