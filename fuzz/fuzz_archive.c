/* fuzz_archive.c - libFuzzer harness: hostile bytes through vigil_archive_walk.
 *
 * Why small limits: the fuzzer should spend its time in parsing, not in
 * expanding legitimate bombs; the limits themselves are part of what is
 * checked (a member is never longer than max_member_size, expansion never
 * passes the budget by more than one 64 KiB step). Nested archives are
 * walked too, as the scanner does, and oversized members are streamed to
 * big-member callbacks that check the calls come in order. */
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

/* Oversized members: begin, data..., end, never interleaved. */
static int big_open;

static vigil_status big_begin(void *user, const char *name)
{
    (void)user;
    if (name == NULL || big_open)
        abort();
    big_open = 1;
    return VIGIL_OK;
}

static vigil_status big_data(void *user, const uint8_t *data, size_t len)
{
    volatile uint8_t sum = 0;
    (void)user;
    if (!big_open)
        abort();
    for (size_t i = 0; i < len; i++)
        sum ^= data[i];
    return VIGIL_OK;
}

static vigil_status big_end(void *user, int complete)
{
    (void)user;
    (void)complete;
    if (!big_open)
        abort();
    big_open = 0;
    return VIGIL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const vigil_archive_big_fns big = {big_begin, big_data, big_end};
    static const vigil_diag_sink sink = {on_diag, NULL};
    vigil_archive_limits lim = {2, 1u << 20, 4u << 20, 50, 64};
    fuzz_ctx c = {&lim, lim.max_total, 0};
    vigil_archive_walk_stats st;

    (void)vigil_archive_sniff(data, size);
    vigil_archive_walk_big(data, size, "fuzz.bin", &lim, &c.budget, &sink, on_member, &big, &c,
                           &st);
    if (big_open)
        abort();
    if (st.expanded > lim.max_total + 65536)
        abort();
    return 0;
}
