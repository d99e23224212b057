/* test_image.c - unit tests of disk image detection and the memory walk:
 * each signature is told by content (and a near miss is not), an E01
 * segment other than the first is not an image of its own, a VHD is found
 * by its footer, and a buffer with no file system is refused (so the
 * scanner scans it as plain bytes) without diagnostics of damage. */
#include <stdint.h>
#include <string.h>

#include "image/image.h"
#include "test.h"

static uint8_t head[4096];

static void clear(void)
{
    memset(head, 0, sizeof head);
}

static vigil_image_kind sniff(void)
{
    return vigil_image_sniff(head, sizeof head, NULL, 0);
}

static void test_raw_signatures(void)
{
    clear();
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_NONE);
    /* MBR: a used entry starting past sector 0 */
    head[510] = 0x55, head[511] = 0xaa;
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_NONE); /* boot signature, empty table */
    head[446 + 4] = 0x07, head[446 + 8] = 0x00, head[446 + 9] = 0x08, head[446 + 12] = 0x10;
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_RAW);
    head[446] = 0x17; /* not a status byte */
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_NONE);
    clear();
    memcpy(head + 512, "EFI PART", 8);
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_RAW);
    clear();
    memcpy(head + 3, "NTFS    ", 8);
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_NONE); /* no boot signature */
    head[510] = 0x55, head[511] = 0xaa;
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_RAW);
    clear();
    memcpy(head + 82, "FAT32   ", 8);
    head[510] = 0x55, head[511] = 0xaa, head[11] = 0x00, head[12] = 0x02, head[13] = 8;
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_RAW);
    head[12] = 0x03; /* 768-byte sectors */
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_NONE);
    clear();
    head[1024 + 0x38] = 0x53, head[1024 + 0x39] = 0xef; /* ext magic alone */
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_NONE);
    head[1024] = 1, head[1024 + 0x18] = 2, head[1024 + 0x20] = 0x20;
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_RAW);
}

static void test_containers(void)
{
    uint8_t tail[512];

    clear();
    memcpy(head, "EVF\x09\x0d\x0a\xff\x00\x01\x01\x00", 11);
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_E01);
    head[9] = 2; /* disk.E02: read through disk.E01 */
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_NONE);
    clear();
    memcpy(head, "KDMV", 4);
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_VMDK);
    clear();
    memcpy(head, "# Disk DescriptorFile\n", 22);
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_VMDK);
    clear();
    memcpy(head, "vhdxfile", 8);
    CHECK_EQ_INT(sniff(), VIGIL_IMAGE_VHDX);
    clear();
    memset(tail, 0, sizeof tail);
    memcpy(tail, "conectix", 8);
    CHECK_EQ_INT(vigil_image_sniff(head, sizeof head, tail, sizeof tail), VIGIL_IMAGE_VHD);
    CHECK_EQ_INT(vigil_image_sniff(head, 100, NULL, 0), VIGIL_IMAGE_NONE);
    CHECK_EQ_INT(vigil_image_sniff(NULL, 0, NULL, 0), VIGIL_IMAGE_NONE);
    CHECK_EQ_STR(vigil_image_kind_name(VIGIL_IMAGE_E01), "E01");
}

static int diags;

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->level != VIGIL_DIAG_INFO) /* "no known file system" is information */
        diags++;
}

static vigil_status on_file(void *user, const char *name, const uint8_t *data, size_t len)
{
    (void)user, (void)name, (void)data, (void)len;
    return VIGIL_OK;
}

static void test_walk_nothing(void)
{
    static const vigil_diag_sink sink = {on_diag, NULL};
    vigil_image_walk_stats st;

    clear();
    diags = 0;
    CHECK_EQ_INT(
        vigil_image_walk_memory(head, sizeof head, "x.img", NULL, &sink, on_file, NULL, NULL, &st),
        VIGIL_ERR_UNSUPPORTED);
    CHECK_EQ_INT(st.volumes, 0);
    CHECK_EQ_INT(st.files, 0);
    CHECK_EQ_INT(vigil_image_walk_memory(NULL, 0, "x.img", NULL, &sink, NULL, NULL, NULL, &st),
                 VIGIL_ERR_INVALID_ARG);
    CHECK_EQ_INT(diags, 0); /* (no walk of a missing file: TSK detection leaks in libvmdk/libvhdi) */
}

int main(void)
{
    TEST_RUN(test_raw_signatures);
    TEST_RUN(test_containers);
    TEST_RUN(test_walk_nothing);
    return TEST_END();
}
