#!/usr/bin/env python3
"""mkvss.py - gives an NTFS volume one Volume Shadow Copy, for the tests.

Usage: mkvss.py BEFORE AFTER OUT
BEFORE and AFTER are the same NTFS volume (same size) before and after some
changes; OUT becomes AFTER (the live volume) plus a VSS store whose snapshot
reads as BEFORE: every 16 KiB block that differs is copied into the store
and named by a block descriptor. The store lives in a tail appended to the
volume (past the end of the NTFS file system, so the live file system is
untouched), the VSS volume header at 0x1e00 points to the catalog.

Why our own writer: Windows makes shadow copies, Linux has nothing that
writes them. The layout follows the documented format (libvshadow's
"Volume Shadow Snapshot (VSS) format": volume header, catalog block with
entries of type 2 and 3, store header with the store information, store
block list of 32-byte descriptors, block range list, bitmap); the tests
check the result with libvshadow's own vshadowinfo before using it.
"""
import struct
import sys

VSS_ID = bytes.fromhex('6b87083876c1484eb7ae04046e6cc752')
BLOCK = 0x4000
FILETIME_2019 = 132000000000000000  # 2019-04-11, the snapshot's creation time


def block_header(record_type, relative, current, nxt, info_size=0):
    h = VSS_ID + struct.pack('<IIQQQQ', 1, record_type, relative, current, nxt, info_size)
    return h + bytes(128 - len(h))


def guid(n):
    return bytes([n]) * 4 + bytes.fromhex('00004000800000000000') + bytes([n, n])


def main():
    before_path, after_path, out_path = sys.argv[1:4]
    before = open(before_path, 'rb').read()
    after = bytearray(open(after_path, 'rb').read())
    if len(before) != len(after) or len(after) % BLOCK:
        sys.exit('mkvss: BEFORE and AFTER must be the same size, a multiple of 16 KiB')
    changed = [o for o in range(0, len(after), BLOCK) if before[o:o + BLOCK] != after[o:o + BLOCK]]
    if len(changed) > (BLOCK - 128) // 32:
        sys.exit('mkvss: too many changed blocks for one block list block')

    base = len(after)  # the tail: catalog, store header, lists, bitmap, data
    catalog, header, blist, brange, bitmap = (base + i * BLOCK for i in range(5))
    data = base + 5 * BLOCK
    volume_size = data + len(changed) * BLOCK
    tail = bytearray(volume_size - base)

    def put(off, b):
        tail[off - base:off - base + len(b)] = b

    # catalog: one block, a type 2 entry (the snapshot) and its type 3 (its store)
    put(catalog, block_header(2, 0, catalog, 0))
    e2 = struct.pack('<QQ', 2, volume_size) + guid(0x11) + struct.pack('<QQQ', 1, 0x40, FILETIME_2019)
    put(catalog + 128, e2 + bytes(128 - len(e2)))
    e3 = struct.pack('<QQ', 3, blist) + guid(0x11) + struct.pack(
        '<QQQQQQ', header, brange, bitmap, 0, 5 * BLOCK + len(changed) * BLOCK, 0)
    put(catalog + 256, e3 + bytes(128 - len(e3)))
    # store header and information (identifiers, type, provider, attributes, no machine names)
    info = guid(0x22) + guid(0x33) + guid(0x44) + struct.pack('<IIII', 0x0d, 0, 0x0042000d, 0)
    info += struct.pack('<H', 0) + struct.pack('<H', 0)
    put(header, block_header(4, 0, header, 0, len(info)) + info)
    # block list: where each changed block's old content is kept
    put(blist, block_header(3, BLOCK, blist, 0))
    for i, off in enumerate(changed):
        kept = data + i * BLOCK
        put(blist + 128 + i * 32, struct.pack('<QQQII', off, kept - base, kept, 0, 0))
        put(kept, before[off:off + BLOCK])
    # the store's own ranges, and a bitmap where every block is in use
    put(brange, block_header(5, 3 * BLOCK, brange, 0))
    put(brange + 128, struct.pack('<QQQ', base, 0, volume_size - base))
    put(bitmap, block_header(6, 4 * BLOCK, bitmap, 0))

    vh = VSS_ID + struct.pack('<IIQQQQQ', 1, 1, 0x1e00, 0x1e00, 0, catalog, 0)
    vh += guid(0x55) + guid(0x55) + struct.pack('<I', 0)
    after[0x1e00:0x1e00 + 512] = vh + bytes(512 - len(vh))
    with open(out_path, 'wb') as f:
        f.write(after)
        f.write(tail)
    print(len(changed))


main()
