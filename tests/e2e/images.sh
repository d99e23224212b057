#!/usr/bin/env bash
# images.sh - end-to-end tests of disk and VM images walked like archives:
# an MBR disk with an ext4 partition and an NTFS partition (made here with
# mke2fs -d, mkntfs, ntfs-3g and ntfscp) holding planted markers, an
# alternate data stream, a sparse file, a zip, a JSON event log and a
# deleted file; the same disk as E01 (ewfacquire), VMDK, VHD (dynamic and
# fixed) and VHDX (qemu-img) must give the same findings; a raw image in a
# zip is read from memory, a VMDK in a zip is said and counted; corrupt
# structures are diagnostics naming the image and offset while the rest of
# the image is still swept.
set -u
. "$(dirname "$0")/lib.bash"

for tool in mkntfs ntfscp ntfs-3g fusermount mke2fs qemu-img ewfacquire python3 zip jq; do
    if ! command -v "$tool" > /dev/null; then
        echo "skip images.sh: $tool missing (scripts/deps.sh installs it)"
        finish
        exit
    fi
done

R=$TMP/rules; W=$TMP/work; D=$TMP/data
mkdir -p "$R" "$W/mnt" "$W/ext/etc" "$W/zipsrc" "$D"
cat > "$R/m.yar" <<'YAR'
rule Image_Marker { meta: score = 80 strings: $a = /IMAGE-MARKER-[A-Z]+/ condition: $a }
rule Driver_Name { meta: score = 60 condition: filename == "x.sys" and filepath matches /!p2\/Windows\/System32\/drivers\/x\.sys$/ }
YAR
cat > "$R/logon.yml" <<'YML'
title: Image Logon
id: 10000000-0000-0000-0000-0000000000a1
level: high
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
        TargetUserName: svc_image
    condition: selection
YML

# the NTFS file system: directories need a mount (ntfs-3g, FUSE)
truncate -s 24M "$W/ntfs.img"
mkntfs -F -q -Q -L VIGIL "$W/ntfs.img" 2> /dev/null
if ! ntfs-3g "$W/ntfs.img" "$W/mnt" 2> "$W/mount.err"; then
    echo "skip images.sh: cannot mount NTFS with ntfs-3g: $(cat "$W/mount.err")"
    finish
    exit
fi
M=$W/mnt
mkdir -p "$M/Windows/System32/drivers" "$M/Windows/System32/winevt/Logs" "$M/Users/Public"
printf 'driver IMAGE-MARKER-SYS end\n' > "$M/Windows/System32/drivers/x.sys"
printf 'MZ plain program\n' > "$M/x.exe"
printf 'deleted IMAGE-MARKER-DEL\n' > "$M/gone.txt"
dd if=/dev/zero bs=1M count=0 seek=4 of="$M/sparse.bin" 2> /dev/null
printf 'after hole IMAGE-MARKER-SPARSE\n' >> "$M/sparse.bin"
{ printf 'zipped IMAGE-MARKER-ZIP\n'; for i in $(seq 200); do printf 'padding line to compress\n'; done; } > "$W/zipsrc/inner.txt"
(cd "$W/zipsrc" && zip -q "$M/Users/Public/tools.zip" inner.txt)
printf '{"Event":{"System":{"EventID":4624,"Channel":"Security","Computer":"IMG01","EventRecordID":42,"TimeCreated":{"#attributes":{"SystemTime":"2026-03-01T10:00:00.000Z"}}},"EventData":{"TargetUserName":"svc_image","LogonType":3}}}\n' \
    > "$M/Windows/System32/winevt/Logs/security.jsonl"
sync
rm "$M/gone.txt"
fusermount -u "$M"
printf '[ZoneTransfer]\r\nZoneId=3 IMAGE-MARKER-ADS\r\n' > "$W/zone"
ntfscp -q -N Zone.Identifier "$W/ntfs.img" "$W/zone" x.exe
printf 'cron IMAGE-MARKER-EXT\n' > "$W/ext/etc/evil.sh"
mke2fs -q -F -t ext4 -d "$W/ext" "$W/ext.img" 8M > /dev/null

# the disk: MBR, p1 ext4 at sector 2048, p2 NTFS after it
python3 - "$W" <<'PY'
import struct, sys
w = sys.argv[1]
ext = open(w + '/ext.img', 'rb').read(); ntfs = open(w + '/ntfs.img', 'rb').read()
p1 = 2048; n1 = len(ext) // 512; p2 = p1 + n1; n2 = len(ntfs) // 512
mbr = bytearray(512)
def entry(t, s, n): return bytes([0, 0, 0, 0, t, 0, 0, 0]) + struct.pack('<II', s, n)
mbr[446:462] = entry(0x83, p1, n1); mbr[462:478] = entry(0x07, p2, n2); mbr[510:512] = b'\x55\xaa'
with open(w + '/disk.img', 'wb') as f:
    f.write(mbr); f.seek(p1 * 512); f.write(ext); f.seek(p2 * 512); f.write(ntfs)
    f.truncate((p2 + n2) * 512 + (1 << 20))
PY
for k in raw e01 vmdk vhd vhdfixed vhdx; do mkdir -p "$D/$k"; done
cp "$W/disk.img" "$D/raw/disk.img"
qemu-img convert -f raw -O vmdk "$W/disk.img" "$D/vmdk/disk.vmdk"
qemu-img convert -f raw -O vpc "$W/disk.img" "$D/vhd/disk.vhd"
qemu-img convert -f raw -O vpc -o subformat=fixed "$W/disk.img" "$D/vhdfixed/disk.vhd"
qemu-img convert -f raw -O vhdx "$W/disk.img" "$D/vhdx/disk.vhdx"
ewfacquire -u -q -t "$D/e01/disk" -c none "$W/disk.img" > /dev/null 2>&1

findings() { # file -> "path rule" lines, the image directory cut off
    jq -r 'select(.type=="finding") | "\(.path | sub(".*/data/[a-z0-9]+/"; "")) \(.rule)"' "$1" | sort
}
want=$(printf '%s\n' \
    "disk.img!p1/etc/evil.sh Image_Marker" \
    "disk.img!p2/Windows/System32/drivers/x.sys Image_Marker" \
    "disk.img!p2/Windows/System32/drivers/x.sys Driver_Name" \
    "disk.img!p2/x.exe:Zone.Identifier Image_Marker" \
    "disk.img!p2/sparse.bin Image_Marker" \
    "disk.img!p2/Users/Public/tools.zip!inner.txt Image_Marker" \
    "disk.img!p2/Windows/System32/winevt/Logs/security.jsonl Image Logon" | sort)
for k in raw e01 vmdk vhd vhdfixed vhdx; do
    "$VIGIL" scan -q -f jsonl -r "$R" "$D/$k" > "$TMP/out.$k" 2> "$TMP/err.$k"
    expect_eq "$k: exit 1" "$?" "1"
    name=$(ls "$D/$k" | head -1)
    expect_eq "$k: findings inside the image" "$(findings "$TMP/out.$k" | sed "s/^$name!/disk.img!/")" "$want"
    expect_eq "$k: no diagnostics" "$(cat "$TMP/err.$k")" ""
    expect_eq "$k: summary counts" "$(jq -c 'select(.type=="summary") | [.images, .image_files, .image_streams, .images_not_opened]' "$TMP/out.$k")" "[1,7,1,0]"
done
# the same content, the same hashes in every container
for k in e01 vmdk vhd vhdfixed vhdx; do
    expect_eq "$k: hashes as in raw" \
        "$(jq -r 'select(.type=="finding" and .md5 != null) | "\(.path | sub(".*!p"; "p")) \(.md5)"' "$TMP/out.$k" | sort)" \
        "$(jq -r 'select(.type=="finding" and .md5 != null) | "\(.path | sub(".*!p"; "p")) \(.md5)"' "$TMP/out.raw" | sort)"
done
expect_eq "mtime is the inner file's" "$(jq -r 'select(.type=="finding" and (.path|endswith("p1/etc/evil.sh"))) | .mtime' "$TMP/out.raw")" \
    "$(date -u -r "$W/ext/etc/evil.sh" +%Y-%m-%dT%H:%M:%SZ)"
expect_eq "sparse file read whole" "$(jq -r 'select(.type=="finding" and (.path|endswith("sparse.bin"))) | .size' "$TMP/out.raw")" "4194335"
expect_eq "ADS size and hash" "$(jq -r 'select(.type=="finding" and (.path|endswith("Zone.Identifier"))) | "\(.size) \(.md5)"' "$TMP/out.raw")" \
    "$(wc -c < "$W/zone" | tr -d ' ') $(md5sum < "$W/zone" | cut -d' ' -f1)"
expect_eq "text summary" "$("$VIGIL" scan -r "$R" "$D/raw" 2> /dev/null | grep -o '(+7 files in 1 disk image)')" "(+7 files in 1 disk image)"

# a raw image inside a zip is read from memory; a VMDK inside one is said
(cd "$W" && zip -q "$D/raw/../nested.zip" ntfs.img && cd "$D/vmdk" && zip -q "$W/vmdk.zip" disk.vmdk)
"$VIGIL" scan -q -f jsonl -r "$R" "$D/nested.zip" > "$TMP/out.nz" 2> "$TMP/err.nz"
expect_eq "raw image in a zip: walked" "$(jq -r 'select(.type=="finding") | .path | sub(".*/data/"; "")' "$TMP/out.nz" | sort)" \
    "$(printf '%s\n' 'nested.zip!ntfs.img' 'nested.zip!ntfs.img!Users/Public/tools.zip!inner.txt' \
        'nested.zip!ntfs.img!Windows/System32/drivers/x.sys' 'nested.zip!ntfs.img!Windows/System32/winevt/Logs/security.jsonl' \
        'nested.zip!ntfs.img!sparse.bin' 'nested.zip!ntfs.img!x.exe:Zone.Identifier' | sort)"
"$VIGIL" scan -q -f jsonl -r "$R" "$W/vmdk.zip" > "$TMP/out.ez" 2> "$TMP/err.ez"
expect_eq "VMDK in a zip: said" "$(sed 's/.*vmdk.zip/vmdk.zip/' "$TMP/err.ez")" \
    "vmdk.zip!disk.vmdk: disk image not opened: a VMDK image is opened only from a file on disk (name, hash and YARA checked)"
expect_eq "VMDK in a zip: counted" "$(jq -c 'select(.type=="summary") | .images_not_opened' "$TMP/out.ez")" "1"

# corrupt structures: a damaged MFT record of a directory costs that
# directory; a damaged NTFS boot sector costs that partition; each is a
# warning naming the image and offset, and the rest is swept
python3 - "$W" <<'PY'
import struct, sys
w = sys.argv[1]
d = bytearray(open(w + '/disk.img', 'rb').read())
p2 = struct.unpack_from('<I', d, 462 + 8)[0] * 512
bps = struct.unpack_from('<H', d, p2 + 11)[0]; spc = d[p2 + 13]
mft = p2 + struct.unpack_from('<Q', d, p2 + 0x30)[0] * bps * spc
rec = mft + 64 * 1024                     # the first user record: /Windows
assert d[rec:rec + 4] == b'FILE'
bad = bytearray(d); bad[rec + 0x38:rec + 0x400] = b'\xff' * (0x400 - 0x38)  # its attributes
open(w + '/baddir.img', 'wb').write(bad)
bad = bytearray(d); bad[p2 + 13] = 0      # sectors per cluster 0
bad[p2 + 0x30:p2 + 0x38] = b'\xff' * 8    # and an MFT past the end
open(w + '/badboot.img', 'wb').write(bad)
PY
mkdir -p "$TMP/c1" "$TMP/c2"; mv "$W/baddir.img" "$TMP/c1/"; mv "$W/badboot.img" "$TMP/c2/"
"$VIGIL" scan -q -f jsonl -r "$R" "$TMP/c1" > "$TMP/out.c1" 2> "$TMP/err.c1"
expect_eq "bad directory: rest swept" "$(jq -r 'select(.type=="finding") | .path | sub(".*/c1/"; "")' "$TMP/out.c1" | sort)" \
    "$(printf '%s\n' 'baddir.img!p1/etc/evil.sh' 'baddir.img!p2/Users/Public/tools.zip!inner.txt' 'baddir.img!p2/sparse.bin' 'baddir.img!p2/x.exe:Zone.Identifier' | sort)"
expect_eq "bad directory: warning names image and directory" "$(grep -c 'baddir.img!p2/Windows: cannot read the file record (inode 64)' "$TMP/err.c1")" "1"
"$VIGIL" scan -q -f jsonl -r "$R" "$TMP/c2" > "$TMP/out.c2" 2> "$TMP/err.c2"
expect_eq "bad boot sector: p1 swept" "$(jq -r 'select(.type=="finding") | .path | sub(".*/c2/"; "")' "$TMP/out.c2")" "badboot.img!p1/etc/evil.sh"
expect_eq "bad boot sector: warning with offset" "$(grep -c 'badboot.img!p2@0x900000: cannot read the file system at offset 9437184: damaged boot sector or superblock; not swept' "$TMP/err.c2")" "1"

# --no-archives leaves images closed: the image is one plain file
"$VIGIL" scan -q -f jsonl --no-archives -r "$R" "$D/raw" > "$TMP/out.na" 2> /dev/null
expect_eq "--no-archives: image not walked" "$(jq -c 'select(.type=="summary") | [.images, .image_files]' "$TMP/out.na")" "[0,0]"
# A qcow2 and a VDI image (formats The Sleuth Kit in Debian does not read):
# not silently taken for plain files, a warning names each and says its
# files are not swept; its bytes are still scanned (before: no word at all).
mkdir -p "$D/vm"
qemu-img convert -f raw -O qcow2 "$W/disk.img" "$D/vm/disk.qcow2"
qemu-img convert -f raw -O vdi "$W/disk.img" "$D/vm/disk.vdi"
"$VIGIL" scan -q -f jsonl -r "$R" "$D/vm" > "$TMP/out.vm" 2> "$TMP/err.vm"
expect_eq "qcow2, VDI: exit 1 (plain bytes still scanned)" "$?" "1"
expect_eq "qcow2, VDI: one warning each" "$(sed "s|$D/vm/||" "$TMP/err.vm" | sort)" \
    "$(printf 'vigil: warning: %s: disk image not opened: %s is not a format vigil reads, so the files in it are not swept (its bytes are scanned as a plain file; convert it with qemu-img convert -O raw)\n' disk.qcow2 'QEMU qcow' disk.vdi 'VirtualBox VDI')"
expect_eq "qcow2, VDI: counted as warnings" "$(jq -r 'select(.type=="summary") | .warnings' "$TMP/out.vm")" "2"
finish
