/* mkhive.c - writes an empty registry hive (regf) for the tests.
 *
 * Why a generator: the registry tests build their hives with
 * `hivexregedit --merge` from .reg files, and hivex edits hives but cannot
 * create one; the corpus' minimal hive may not be there for `make check`
 * (and is never copied into the repository). This writes the smallest hive
 * hivex accepts, from the documented format: a 4 KiB base block (magic,
 * sequence numbers, version 1.5, root offset, checksum) and one 4 KiB hbin
 * holding the root key (nk), its security cell (sk, a self-relative
 * descriptor with no DACL) and one free cell.
 *
 *   mkhive OUT [HEADER-NAME]   HEADER-NAME: the path recorded in the header */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BASE 4096
#define HBIN 4096
#define ROOT_OFF 0x20 /* cell offsets are relative to the first hbin */
#define SK_OFF 0x80

static uint8_t hive[BASE + HBIN];

static void u16(size_t at, uint32_t v)
{
    hive[at] = (uint8_t)v;
    hive[at + 1] = (uint8_t)(v >> 8);
}

static void u32(size_t at, uint32_t v)
{
    u16(at, v & 0xffff);
    u16(at + 2, v >> 16);
}

static void u64(size_t at, uint64_t v)
{
    u32(at, (uint32_t)v);
    u32(at + 4, (uint32_t)(v >> 32));
}

int main(int argc, char **argv)
{
    const uint64_t when = 132539328000000000ull; /* 2021-01-01T00:00:00Z as FILETIME */
    const char *name = argc > 2 ? argv[2] : "\\??\\C:\\vigil\\test.hive";
    const char *root = "ROOT";
    uint32_t sum = 0;
    size_t at;
    FILE *f;

    if (argc < 2) {
        fprintf(stderr, "usage: mkhive OUT [HEADER-NAME]\n");
        return 2;
    }
    /* base block */
    memcpy(hive, "regf", 4);
    u32(0x04, 1); /* primary and secondary sequence numbers equal: clean */
    u32(0x08, 1);
    u64(0x0c, when);
    u32(0x14, 1); /* version 1.5 */
    u32(0x18, 5);
    u32(0x1c, 0);        /* primary file */
    u32(0x20, 1);        /* direct memory load format */
    u32(0x24, ROOT_OFF); /* root key */
    u32(0x28, HBIN);     /* size of the hive bins */
    u32(0x2c, 1);        /* clustering factor */
    for (size_t i = 0; name[i] != '\0' && i < 31; i++)
        u16(0x30 + 2 * i, (uint8_t)name[i]);
    for (size_t i = 0; i < 0x1fc; i += 4)
        sum ^= (uint32_t)hive[i] | (uint32_t)hive[i + 1] << 8 | (uint32_t)hive[i + 2] << 16 |
               (uint32_t)hive[i + 3] << 24;
    u32(0x1fc, sum);

    /* the hive bin */
    at = BASE;
    memcpy(hive + at, "hbin", 4);
    u32(at + 4, 0);    /* its offset */
    u32(at + 8, HBIN); /* its size */
    u64(at + 0x14, when);

    /* root key: a used cell (negative size) up to the security cell */
    at = BASE + ROOT_OFF;
    u32(at, (uint32_t)-(SK_OFF - ROOT_OFF));
    memcpy(hive + at + 4, "nk", 2);
    u16(at + 6, 0x2c); /* hive entry, no delete, compressed (ASCII) name */
    u64(at + 8, when);
    u32(at + 0x14, 0);          /* parent: none */
    u32(at + 0x18, 0);          /* subkeys */
    u32(at + 0x1c, 0);          /* volatile subkeys */
    u32(at + 0x20, 0xffffffff); /* subkey list */
    u32(at + 0x24, 0xffffffff); /* volatile subkey list */
    u32(at + 0x28, 0);          /* values */
    u32(at + 0x2c, 0xffffffff); /* value list */
    u32(at + 0x30, SK_OFF);     /* security */
    u32(at + 0x34, 0xffffffff); /* class name */
    u16(at + 0x4c, (uint32_t)strlen(root));
    u16(at + 0x4e, 0);
    memcpy(hive + at + 0x50, root, strlen(root));

    /* security cell: one descriptor shared by every key, linked to itself */
    at = BASE + SK_OFF;
    u32(at, (uint32_t)-0x30);
    memcpy(hive + at + 4, "sk", 2);
    u32(at + 8, SK_OFF);  /* flink */
    u32(at + 0xc, SK_OFF); /* blink */
    u32(at + 0x10, 1);     /* reference count */
    u32(at + 0x14, 20);    /* descriptor size */
    hive[at + 0x18] = 1;   /* revision */
    u16(at + 0x1a, 0x8000); /* self-relative; no owner, group, SACL or DACL */

    /* the rest of the bin is one free cell (positive size) */
    at = BASE + SK_OFF + 0x30;
    u32(at, (uint32_t)(BASE + HBIN - at));

    f = fopen(argv[1], "wb");
    if (f == NULL || fwrite(hive, 1, sizeof hive, f) != sizeof hive || fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
