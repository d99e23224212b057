#!/usr/bin/env bash
# images_gpt.sh - end-to-end tests of a GPT disk (sgdisk) holding a FAT32
# partition (mkfs.vfat + mtools), an NTFS partition (mkntfs + ntfscp) and an
# ext4 partition (mke2fs -d), each with planted markers, swept with exact
# findings; a bare FAT image (no partition table) has no "pN/" part; and the
# Volume Shadow Copy path as far as Linux tools can make it: an NTFS volume
# whose VSS header has no stores is swept with no diagnostic and no
# snapshot, one whose shadow copy catalog is damaged gives a warning naming
# the image, the partition and its offset, and its live files are still swept.
set -u
. "$(dirname "$0")/lib.bash"

for tool in sgdisk mkfs.vfat mmd mcopy mkntfs ntfscp mke2fs python3 jq; do
    if ! command -v "$tool" > /dev/null; then
        bad "tools" "$tool missing (scripts/deps.sh installs gdisk, dosfstools, mtools, ntfs-3g, e2fsprogs)"
        finish
        exit
    fi
done

W=$TMP/work; D=$TMP/data
mkdir -p "$W/ext/etc/cron.d" "$D/gpt" "$D/fat" "$D/vssempty" "$D/vssbad"
cat > "$TMP/m.yar" <<'YAR'
rule Gpt_Marker { meta: score = 80 strings: $a = /GPT-MARKER-[A-Z]+/ condition: $a }
YAR

# p1: FAT32 with a long name, a subdirectory and a marker
printf 'fat GPT-MARKER-FAT\r\n' > "$W/Update Helper.bat"
printf 'nothing to see\n' > "$W/readme.txt"
mkfs.vfat -F 32 -n VIGILFAT -C "$W/fat.img" 40960 > /dev/null
mmd -i "$W/fat.img" ::/Tools
mcopy -i "$W/fat.img" "$W/Update Helper.bat" ::/Tools/
mcopy -i "$W/fat.img" "$W/readme.txt" ::/
# p2: NTFS with a marker in a subdirectory
truncate -s 16M "$W/ntfs.img"
mkntfs -F -q -Q -L VIGILNTFS "$W/ntfs.img" 2> /dev/null
printf 'ntfs GPT-MARKER-NTFS\n' > "$W/svc.dll"
ntfscp -q "$W/ntfs.img" "$W/svc.dll" svc.dll
# p3: ext4
printf '* * * * * root /tmp/x # GPT-MARKER-EXT\n' > "$W/ext/etc/cron.d/job"
mke2fs -q -F -t ext4 -d "$W/ext" "$W/ext.img" 8M > /dev/null

# the GPT disk: three partitions at 1 MiB boundaries, file systems copied in
truncate -s 80M "$W/disk.img"
sgdisk -n 1:2048:+40M -t 1:0700 -c 1:fat -n 2:0:+16M -t 2:0700 -c 2:ntfs \
    -n 3:0:+8M -t 3:8300 -c 3:ext "$W/disk.img" > /dev/null 2>&1
off() { sgdisk -i "$1" "$W/disk.img" | sed -n 's/^First sector: \([0-9]*\).*/\1/p'; }
o1=$(off 1); o2=$(off 2); o3=$(off 3)
expect_eq "sgdisk: partition starts" "$o1 $o2 $o3" "2048 83968 116736"
dd if="$W/fat.img" of="$W/disk.img" bs=512 seek="$o1" conv=notrunc status=none
dd if="$W/ntfs.img" of="$W/disk.img" bs=512 seek="$o2" conv=notrunc status=none
dd if="$W/ext.img" of="$W/disk.img" bs=512 seek="$o3" conv=notrunc status=none
cp "$W/disk.img" "$D/gpt/disk.img"
cp "$W/fat.img" "$D/fat/fat.img"

findings() { # jsonl -> "path rule" lines, the data directory cut off
    jq -r 'select(.type=="finding") | "\(.path | sub(".*/data/[a-z]+/"; "")) \(.rule)"' "$1" | sort
}

"$VIGIL" scan -q -j1 -f jsonl -r "$TMP/m.yar" "$D/gpt" > "$TMP/gpt.jsonl" 2> "$TMP/gpt.err"
expect_eq "gpt: exit 1" "$?" 1
expect_eq "gpt: findings in the FAT, NTFS and ext partitions" "$(findings "$TMP/gpt.jsonl")" \
    "$(printf '%s\n' 'disk.img!p1/Tools/Update Helper.bat Gpt_Marker' \
        'disk.img!p2/svc.dll Gpt_Marker' 'disk.img!p3/etc/cron.d/job Gpt_Marker' | sort)"
expect_eq "gpt: no diagnostics" "$(cat "$TMP/gpt.err")" ""
expect_eq "gpt: summary: 1 image, 3 + 1 files (no FAT volume label entry)" \
    "$(jq -c 'select(.type=="summary") | [.images, .image_files, .image_streams]' "$TMP/gpt.jsonl")" "[1,4,0]"
expect_eq "gpt: FAT file hash" \
    "$(jq -r 'select(.type=="finding" and (.path|endswith(".bat"))) | .md5' "$TMP/gpt.jsonl")" \
    "$(md5sum < "$W/Update Helper.bat" | cut -d' ' -f1)"

"$VIGIL" scan -q -j1 -f jsonl -r "$TMP/m.yar" "$D/fat" > "$TMP/fat.jsonl" 2> "$TMP/fat.err"
expect_eq "bare FAT: exit 1" "$?" 1
expect_eq "bare FAT: path without a partition" "$(findings "$TMP/fat.jsonl")" \
    'fat.img!Tools/Update Helper.bat Gpt_Marker'
expect_eq "bare FAT: no diagnostics" "$(cat "$TMP/fat.err")" ""
expect_eq "bare FAT: 2 files (the volume label entry is not one)" \
    "$(jq -c 'select(.type=="summary") | .image_files' "$TMP/fat.jsonl")" 2

# VSS headers (libvshadow's volume header at 0x1e00 of the NTFS volume):
# catalog offset 0 = no stores; a catalog offset into zeros = damaged.
vss_header() { # image sector catalog_offset
    python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
img, sector, catalog = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
guid = bytes.fromhex('6b87083876c1484eb7ae04046e6cc752')
h = guid + struct.pack('<IIQQQQQ', 1, 1, 0x1e00, 0, 0, catalog, 0x100000)
with open(img, 'r+b') as f:
    f.seek(sector * 512 + 0x1e00)
    f.write(h + bytes(512 - len(h)))
PY
}
cp "$W/disk.img" "$D/vssempty/disk.img"; vss_header "$D/vssempty/disk.img" "$o2" 0
cp "$W/disk.img" "$D/vssbad/disk.img"; vss_header "$D/vssbad/disk.img" "$o2" $((0x300000))
if command -v vshadowinfo > /dev/null; then
    expect_eq "vshadowinfo: the empty VSS volume has no stores" \
        "$(dd if="$D/vssempty/disk.img" bs=512 skip="$o2" count=32768 status=none > "$W/p2.img"; \
           vshadowinfo "$W/p2.img" 2>&1 | sed -n 's/^\tNumber of stores:\t*//p')" 0
fi
"$VIGIL" scan -q -j1 -f jsonl -r "$TMP/m.yar" "$D/vssempty" > "$TMP/vss0.jsonl" 2> "$TMP/vss0.err"
expect_eq "vss, no stores: exit 1" "$?" 1
expect_eq "vss, no stores: the same findings" "$(findings "$TMP/vss0.jsonl")" "$(findings "$TMP/gpt.jsonl")"
expect_eq "vss, no stores: no diagnostics" "$(cat "$TMP/vss0.err")" ""
expect_eq "vss, no stores: no snapshot paths" "$(grep -c '!vss[0-9]' "$TMP/vss0.jsonl")" 0

"$VIGIL" scan -q -j1 -f jsonl -r "$TMP/m.yar" "$D/vssbad" > "$TMP/vssbad.jsonl" 2> "$TMP/vssbad.err"
expect_eq "vss, damaged: exit 1 (findings; the damage is a warning)" "$?" 1
expect_eq "vss, damaged: live volume still swept" "$(findings "$TMP/vssbad.jsonl")" "$(findings "$TMP/gpt.jsonl")"
expect_eq "vss, damaged: warning names image, partition and offset" \
    "$(sed "s|$D/vssbad/||" "$TMP/vssbad.err")" \
    "vigil: warning: disk.img!p2@0x$(printf '%x' $((o2 * 512))): cannot read the volume shadow copies of the volume at offset $((o2 * 512)): invalid catalog header identifier; the live volume is swept, its snapshots are not"
expect_eq "vss, damaged: counted as a warning" \
    "$(jq -c 'select(.type=="summary") | .warnings' "$TMP/vssbad.jsonl")" 1

# A real shadow copy (tests/tools/mkvss.py, checked with vshadowinfo): the
# snapshot holds an implant since deleted from the live volume and an older
# config file; a file unchanged since the snapshot (and its alternate data
# stream) is reported and counted once.
mkdir -p "$W/mnt" "$D/vss"
truncate -s 16M "$W/before.img"
mkntfs -F -q -Q -L VIGILVSS "$W/before.img" 2> /dev/null
printf 'implant VSS-MARKER-GONE\n' > "$W/implant.exe"
printf 'config VSS-MARKER-OLD\n' > "$W/common.txt"
printf 'same VSS-MARKER-SAME\n' > "$W/same.txt"
for f in implant.exe common.txt same.txt; do ntfscp -q "$W/before.img" "$W/$f" "$f"; done
printf '[ZoneTransfer]\r\nZoneId=3\r\n' > "$W/zone"
ntfscp -q -N Zone.Identifier "$W/before.img" "$W/zone" same.txt
cp "$W/before.img" "$W/after.img"
if ntfs-3g "$W/after.img" "$W/mnt" 2> "$W/mount.err"; then
    rm "$W/mnt/implant.exe"
    printf 'config VSS-MARKER-NEW, longer\n' > "$W/mnt/common.txt"
    fusermount -u "$W/mnt"
    python3 "$(dirname "$0")/../tools/mkvss.py" "$W/before.img" "$W/after.img" "$W/vss.img" > /dev/null
    expect_eq "mkvss: vshadowinfo sees one store" \
        "$(vshadowinfo "$W/vss.img" 2>&1 | sed -n 's/^\tNumber of stores:\t*//p')" 1
    printf 'rule Vss_Marker { meta: score = 80 strings: $a = /VSS-MARKER-[A-Z]+/ condition: $a }\n' > "$TMP/v.yar"
    # a GPT disk, the volume as p2 (after a small FAT p1), as the issue names it
    sectors=$(( $(stat -c %s "$W/vss.img") / 512 ))
    truncate -s $(( (4096 + sectors + 2048) * 512 )) "$D/vss/disk.raw"
    sgdisk -n 1:2048:+1M -t 1:0700 -n 2:4096:+${sectors} -t 2:0700 "$D/vss/disk.raw" > /dev/null 2>&1
    dd if="$W/vss.img" of="$D/vss/disk.raw" bs=512 seek=4096 conv=notrunc status=none
    "$VIGIL" scan -q -j1 -f jsonl -r "$TMP/v.yar" "$D/vss" > "$TMP/vss.jsonl" 2> "$TMP/vss.err"
    expect_eq "vss: exit 1" "$?" 1
    expect_eq "vss: live files, then only what the snapshot holds differently" \
        "$(jq -r 'select(.type=="finding") | "\(.path | sub(".*/data/vss/"; "")) \(.strings[0].offset) \(.md5)"' "$TMP/vss.jsonl" | sort)" \
        "$(printf '%s\n' \
            "disk.raw!p2/common.txt 7 $(printf 'config VSS-MARKER-NEW, longer\n' | md5sum | cut -d' ' -f1)" \
            "disk.raw!p2/same.txt 5 $(md5sum < "$W/same.txt" | cut -d' ' -f1)" \
            "disk.raw!vss1!p2/common.txt 7 $(md5sum < "$W/common.txt" | cut -d' ' -f1)" \
            "disk.raw!vss1!p2/implant.exe 8 $(md5sum < "$W/implant.exe" | cut -d' ' -f1)" | sort)"
    expect_eq "vss: no diagnostics" "$(cat "$TMP/vss.err")" ""
    expect_eq "vss: summary counts the shadow copy and the unchanged file" \
        "$(jq -c 'select(.type=="summary") | [.images, .image_files, .image_streams, .image_snapshots, .image_snapshot_unchanged]' "$TMP/vss.jsonl")" \
        "[1,5,1,1,2]"
    "$VIGIL" scan -q -j1 --color never -r "$TMP/v.yar" "$D/vss" > "$TMP/vss.txt" 2>&1
    expect_eq "vss: text summary says it" \
        "$(grep -c '(+5 files in 1 disk image) (1 shadow copy; 2 unchanged files not scanned again)' "$TMP/vss.txt")" 1
else
    bad "vss fixture" "cannot mount NTFS with ntfs-3g: $(cat "$W/mount.err")"
fi
finish
