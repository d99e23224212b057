/* image_sniff.c - tells a disk or VM image by its content, never its name.
 *
 * Why strict checks: every file of a sweep passes here, and a file taken
 * for an image is handed to a file system parser instead of being scanned
 * whole. So a raw image needs more than one magic number: a boot signature
 * and a plausible partition table, or a file system's signature with sane
 * geometry. A false "no" costs little (the file is still scanned as bytes). */
#include "image/image.h"

#include <string.h>

static int at(const uint8_t *d, size_t len, size_t off, const char *magic, size_t n)
{
    return d != NULL && len >= off + n && memcmp(d + off, magic, n) == 0;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int boot_signature(const uint8_t *d, size_t len)
{
    return len >= 512 && d[510] == 0x55 && d[511] == 0xaa;
}

/* Four entries at 446: status 0x00 or 0x80, and each used one starts past
 * sector 0 and has sectors; at least one used. */
static int mbr_table(const uint8_t *d, size_t len)
{
    int used = 0;

    if (!boot_signature(d, len))
        return 0;
    for (int i = 0; i < 4; i++) {
        const uint8_t *e = d + 446 + 16 * i;
        if (e[0] != 0x00 && e[0] != 0x80)
            return 0;
        if (e[4] == 0)
            continue;
        if (le32(e + 8) == 0 || le32(e + 12) == 0)
            return 0;
        used++;
    }
    return used > 0;
}

static int sector_size_ok(unsigned s)
{
    return s == 512 || s == 1024 || s == 2048 || s == 4096;
}

static int fat_boot(const uint8_t *d, size_t len)
{
    if (!boot_signature(d, len) || !sector_size_ok(le16(d + 11)) || d[13] == 0)
        return 0;
    return at(d, len, 54, "FAT12   ", 8) || at(d, len, 54, "FAT16   ", 8) ||
           at(d, len, 54, "FAT     ", 8) || at(d, len, 82, "FAT32   ", 8);
}

static int ext_super(const uint8_t *d, size_t len)
{
    const uint8_t *sb = d + 1024;

    if (len < 1024 + 0x3a || le16(sb + 0x38) != 0xef53)
        return 0;
    return le32(sb) != 0 && le32(sb + 0x18) <= 6 && le32(sb + 0x20) != 0; /* inodes, log block
                                                                              size, blocks/group */
}

vigil_image_kind vigil_image_sniff(const uint8_t *head, size_t headlen, const uint8_t *tail,
                                   size_t taillen)
{
    if (head == NULL)
        return VIGIL_IMAGE_NONE;
    if (at(head, headlen, 0, "EVF\x09\x0d\x0a\xff\x00", 8))
        return headlen >= 11 && head[8] == 1 && le16(head + 9) == 1 ? VIGIL_IMAGE_E01
                                                                    : VIGIL_IMAGE_NONE;
    if (at(head, headlen, 0, "KDMV", 4) || at(head, headlen, 0, "# Disk DescriptorFile", 21))
        return VIGIL_IMAGE_VMDK;
    if (at(head, headlen, 0, "vhdxfile", 8))
        return VIGIL_IMAGE_VHDX;
    if (at(head, headlen, 0, "conectix", 8) ||
        at(tail, taillen, taillen >= 512 ? taillen - 512 : 0, "conectix", 8))
        return VIGIL_IMAGE_VHD;
    if (at(head, headlen, 512, "EFI PART", 8) ||
        (at(head, headlen, 3, "NTFS    ", 8) && boot_signature(head, headlen)) ||
        fat_boot(head, headlen) || mbr_table(head, headlen) || ext_super(head, headlen))
        return VIGIL_IMAGE_RAW;
    return VIGIL_IMAGE_NONE;
}

const char *vigil_image_sniff_unread(const uint8_t *head, size_t headlen)
{
    if (at(head, headlen, 0, "QFI\xfb", 4))
        return "QEMU qcow";
    if (headlen >= 0x44 && le32(head + 0x40) == 0xbeda107fu)
        return "VirtualBox VDI";
    if (at(head, headlen, 0, "WithoutFreeSpace", 16) ||
        at(head, headlen, 0, "WithouFreSpacExt", 16))
        return "Parallels HDD";
    return NULL;
}

const char *vigil_image_kind_name(vigil_image_kind kind)
{
    switch (kind) {
    case VIGIL_IMAGE_RAW:
        return "raw";
    case VIGIL_IMAGE_E01:
        return "E01";
    case VIGIL_IMAGE_VMDK:
        return "VMDK";
    case VIGIL_IMAGE_VHD:
        return "VHD";
    case VIGIL_IMAGE_VHDX:
        return "VHDX";
    case VIGIL_IMAGE_NONE:
        break;
    }
    return "none";
}
