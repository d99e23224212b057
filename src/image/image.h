/* image.h - disk and VM images (raw/dd, E01, VMDK, VHD/VHDX) walked like archives.
 *
 * The scanner hands a file that looks like a disk image to
 * vigil_image_walk_file (or _memory), which opens it with The Sleuth Kit
 * (libtsk, which reads E01, VMDK and VHD through libewf, libvmdk and
 * libvhdi), finds the partitions (MBR, GPT), the
 * file systems in them (NTFS, FAT, ext, ...) and calls back once per
 * allocated regular file and NTFS alternate data stream with its bytes,
 * named "p2/Windows/System32/drivers/x.sys" (partition 2, counting the
 * allocated partitions of the table from 1) or "p2/x.exe:Zone.Identifier";
 * an image holding a bare file system has no "pN/" part. Each Volume Shadow
 * Copy of an NTFS volume is walked too, as "vss3!p2/..." (vss1 the oldest,
 * as vshadowmount numbers them), delivering only the files whose content
 * differs from what was delivered under the same path (live volume first),
 * so an implant deleted from the live volume but kept by a snapshot is
 * found, and an unchanged file is not reported twice. The callbacks are
 * those of archive members, so the caller scans both the same way. */
#ifndef VIGIL_IMAGE_H
#define VIGIL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/diagsink.h"
#include "vigil/status.h"

typedef enum vigil_image_kind {
    VIGIL_IMAGE_NONE = 0,
    VIGIL_IMAGE_RAW, /* a partition table or a file system at offset 0 */
    VIGIL_IMAGE_E01,
    VIGIL_IMAGE_VMDK,
    VIGIL_IMAGE_VHD,
    VIGIL_IMAGE_VHDX
} vigil_image_kind;

/* The kind of image whose first bytes are head (4 KiB are enough) and last
 * bytes tail (the final 512; may be NULL): by content, never by name.
 * raw: MBR (0x55AA at 510 and a plausible partition table), GPT ("EFI PART"
 * at 512), NTFS ("NTFS    " at 3), FAT (FAT12/16/32 type at 54 or 82 and
 * 0x55AA), ext (0xEF53 at 1080 with a plausible block size); E01
 * ("EVF\t\r\n\xff\0", first segment only); VMDK ("KDMV", or a
 * "# Disk DescriptorFile" text); VHD ("conectix" footer); VHDX ("vhdxfile"). */
vigil_image_kind vigil_image_sniff(const uint8_t *head, size_t headlen, const uint8_t *tail,
                                   size_t taillen);

/* The name of a VM disk format vigil does not open ("QEMU qcow": "QFI\xfb"
 * at 0; "VirtualBox VDI": 0xbeda107f at 0x40; "Parallels HDD"), or NULL.
 * Such a file is scanned as plain bytes; the caller says so, since the
 * files inside it are not swept (a compressed or encrypted one hides all). */
const char *vigil_image_sniff_unread(const uint8_t *head, size_t headlen);

/* "raw", "E01", "VMDK", "VHD", "VHDX". */
const char *vigil_image_kind_name(vigil_image_kind kind);

/* One file or stream, whole (len <= max_file_size); data valid during the
 * call. Return VIGIL_OK to go on, VIGIL_ERR_ABORTED to stop. */
typedef vigil_status (*vigil_image_file_fn)(void *user, const char *name, const uint8_t *data,
                                            size_t len);

/* A file past max_file_size: begin, its bytes in order (up to
 * max_hash_size; none past it), end with complete = 1 when every byte was
 * passed. A status other than VIGIL_OK ends the walk and is returned. */
typedef struct vigil_image_big_fns {
    vigil_status (*begin)(void *user, const char *name);
    vigil_status (*data)(void *user, const uint8_t *data, size_t len);
    vigil_status (*end)(void *user, int complete);
} vigil_image_big_fns;

#define VIGIL_IMAGE_DEFAULT_MAX_FILES 10000000ull
#define VIGIL_IMAGE_MAX_DIR_DEPTH 256u

typedef struct vigil_image_limits {
    uint64_t max_file_size; /* bigger files go to big; 0 = 256 MiB */
    uint64_t max_hash_size; /* bigger files: begin/end only; 0 = 1 GiB */
    uint64_t max_files;     /* files and streams delivered per image; 0 = default */
    volatile int *cancel;   /* polled between reads; may be NULL */
    int64_t *mtime;         /* when set, the modification time (Unix seconds) of the file
                               being delivered is stored here before its callbacks */
} vigil_image_limits;

typedef struct vigil_image_walk_stats {
    uint64_t volumes;            /* file systems opened */
    uint64_t volumes_failed;     /* partitions whose file system could not be read */
    uint64_t files;              /* files and streams delivered (big ones too) */
    uint64_t streams;            /* of those, NTFS alternate data streams */
    uint64_t read_errors;        /* files or directories cut short by a read error */
    int too_many;                /* max_files stopped the walk */
    uint64_t snapshots;          /* volume shadow copies walked */
    uint64_t snapshot_unchanged; /* their files equal to the live (or an earlier
                                    snapshot's) file of the same path: not delivered */
} vigil_image_walk_stats;

/* Walks the image in the file at path (E01: its first segment; the others
 * are found beside it). display names the image in diagnostics. Returns
 * VIGIL_OK for images that cannot be read (VIGIL_ERR_UNSUPPORTED when
 * nothing in it could be opened at all, so that the caller scans it as a
 * plain file), VIGIL_ERR_ABORTED if a callback or cancel asked to stop,
 * VIGIL_ERR_NOMEM.
 *
 * Diagnostics, each naming the image (or "image!pN", "image!pN/path"):
 *   VIGIL_ERR_CORRUPT warning  "cannot read the file system at offset N: ..."
 *                              "cannot read directory ... : ..." (its subtree is skipped)
 *                              "read error at offset N of the file: ..." (the bytes
 *                              before it are still scanned)
 *   VIGIL_ERR_UNSUPPORTED info "no known file system at offset N" (swap, MSR ...)
 *   VIGIL_ERR_CORRUPT warning  "cannot read the volume shadow copies of the volume at
 *                              offset N: ..." (the live volume is still swept)
 *   VIGIL_ERR_LIMIT warning    "too many files: ..."
 * kind is what vigil_image_sniff said: TSK opens that format only (its own
 * detection tries every format, and libvmdk/libvhdi leak on the ones that
 * fail); VIGIL_IMAGE_NONE lets TSK detect. */
vigil_status vigil_image_walk_file(const char *path, const char *display, vigil_image_kind kind,
                                   const vigil_image_limits *limits, const vigil_diag_sink *diag,
                                   vigil_image_file_fn cb, const vigil_image_big_fns *big,
                                   void *user, vigil_image_walk_stats *stats);

/* The same over a raw image in memory (one inside an archive, or a fuzzer's
 * input); E01/VMDK/VHD need their files and are not read from memory. */
vigil_status vigil_image_walk_memory(const uint8_t *data, size_t len, const char *display,
                                     const vigil_image_limits *limits, const vigil_diag_sink *diag,
                                     vigil_image_file_fn cb, const vigil_image_big_fns *big,
                                     void *user, vigil_image_walk_stats *stats);

#endif
