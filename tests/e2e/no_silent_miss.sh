#!/usr/bin/env bash
# no_silent_miss.sh - end-to-end tests that whatever vigil does not look
# into is said (a diagnostic naming the file and the limit, at default
# verbosity) and counted in the summary, and that what can still be
# checked is: archives nested past --archive-depth, archive members over
# the member size limit (name and hash checked), a gz whose data starts with
# zero bytes, a gz bomb of zeros, directories hundreds of levels deep, a
# syslog that starts with NUL bytes (crash leftovers) in `vigil logs`, and
# special files (FIFO, socket) in a tree and on the command line.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data; S=$TMP/src
mkdir -p "$R" "$D" "$S"
cat > "$R/m.yar" <<'YAR'
rule Miss_Marker { meta: score = 80 strings: $a = "NO-SILENT-MISS-MARKER" condition: $a }
YAR
printf '# filename iocs\ndropper_xq\\.exe$;70\n' > "$R/test-filename-iocs.txt"

# -- archives nested past the depth limit: said, counted, the archive itself checked
printf 'compressible NO-SILENT-MISS-MARKER\n' > "$S/in.txt"
(cd "$S" && zip -q l1.zip in.txt && for i in 2 3 4 5 6 7; do zip -q "l$i.zip" "l$((i - 1)).zip"; done)
cp "$S/l7.zip" "$D/l7.zip"
"$VIGIL" scan -f jsonl -r "$R" "$D/l7.zip" > "$TMP/o1" 2> "$TMP/e1"
expect_eq "depth: diagnostic at default verbosity" \
    "$(sed 's|.*/data/||' "$TMP/e1")" \
    "l7.zip!l6.zip!l5.zip!l4.zip!l3.zip!l2.zip: archive not opened: nested deeper than the depth limit 5 (name and hash checked)"
expect_eq "depth: counted (JSONL)" "$(jq -r 'select(.type=="summary") | .archives_too_deep' "$TMP/o1")" "1"
expect_eq "depth: the unopened archive still scanned" \
    "$(jq -r 'select(.type=="finding") | .path | sub(".*/data/"; "")' "$TMP/o1" | tail -1)" \
    "l7.zip!l6.zip!l5.zip!l4.zip!l3.zip!l2.zip"
"$VIGIL" scan --archive-depth 2 -r "$R" "$D/l7.zip" > "$TMP/o1t" 2> /dev/null
expect_eq "depth: counted (text)" "$(grep '^not opened' "$TMP/o1t")" \
    "not opened: 1 archive nested past the depth limit 2 (name and hash checked)"

# -- a member over the member size limit (64 MiB): its name is still checked
head -c 65M /dev/zero > "$S/dropper_xq.exe"
(cd "$S" && zip -q "$D/big.zip" dropper_xq.exe)
rm -f "$S/dropper_xq.exe"
"$VIGIL" scan -f jsonl -r "$R" "$D/big.zip" > "$TMP/o2" 2> "$TMP/e2"
expect_eq "oversized member: name checked" \
    "$(jq -r 'select(.type=="finding") | .path + " " + .kind' "$TMP/o2" | sed 's|.*/data/||')" \
    "big.zip!dropper_xq.exe filename"
expect_eq "oversized member: said" \
    "$(grep -c 'big.zip!dropper_xq.exe: member too large: more than 67108864 bytes, not scanned (name and hash checked)' "$TMP/e2")" "1"
expect_eq "oversized member: counted" \
    "$(jq -r 'select(.type=="summary") | .members_oversized' "$TMP/o2")" "1"

# -- a gz whose data starts with 512+ zero bytes: its member is scanned
{ head -c 512 /dev/zero; printf 'NO-SILENT-MISS-MARKER\n'; head -c 3M /dev/zero; } | gzip -c > "$D/zeros-marker.bin.gz"
"$VIGIL" scan -f jsonl -r "$R" "$D/zeros-marker.bin.gz" > "$TMP/o3" 2> "$TMP/e3"
expect_eq "gz with leading zeros: member scanned" \
    "$(jq -r 'select(.type=="finding") | .path + " " + .rule' "$TMP/o3" | sed 's|.*/data/||')" \
    "zeros-marker.bin.gz!zeros-marker.bin Miss_Marker"
# (3 MiB of zeros is past the ratio limit: said, and what was expanded is scanned)
expect_eq "gz with leading zeros: bomb limit said" \
    "$(grep -c 'zeros-marker.bin.gz: archive bomb: .*the rest not read' "$TMP/e3")" "1"

# -- an all-zero gz (a small stand-in for a 2 GB one): not dropped unseen
head -c 8M /dev/zero | gzip -c > "$D/allzero.gz"
"$VIGIL" scan -f jsonl -r "$R" "$D/allzero.gz" > "$TMP/o4" 2> "$TMP/e4"
expect_eq "all-zero gz: exit 0" "$?" "0"
expect_eq "all-zero gz: said" "$(grep -c 'allzero.gz: archive bomb' "$TMP/e4")" "1"
expect_eq "all-zero gz: member read and counted" \
    "$(jq -r 'select(.type=="summary") | "\(.archive_members) \(.archives_cut)"' "$TMP/o4")" "1 1"

# -- 300 directory levels: walked to the bottom, and every shallower
# directory read to its end after coming back up (those are closed and
# reopened on the way: a bounded number of descriptors is held)
mkdir -p "$TMP/deep"
(cd "$TMP/deep" && for i in $(seq 300); do
    mkdir d && cd d || exit 1
    case $i in 1 | 70 | 150) mkdir side && printf 'NO-SILENT-MISS-MARKER\n' > side/s.txt ;; esac
done && printf 'NO-SILENT-MISS-MARKER\n' > bottom.txt)
"$VIGIL" scan -f jsonl -r "$R" "$TMP/deep" > "$TMP/o5" 2> "$TMP/e5"
expect_eq "deep tree: bottom file found" \
    "$(jq -r 'select(.type=="finding") | .path | sub(".*/deep/"; "") | split("/") | "\(length) \(.[-1])"' "$TMP/o5" | sort -n)" \
    "$(printf '%s\n' "3 s.txt" "72 s.txt" "152 s.txt" "301 bottom.txt")"
expect_eq "deep tree: every directory entered" \
    "$(jq -r 'select(.type=="summary") | .directories' "$TMP/o5")" "304"
expect_eq "deep tree: no diagnostics" "$(cat "$TMP/e5")" ""

# -- vigil logs: a syslog starting with NUL bytes is text
printf 'evil-c2.example\n' > "$TMP/c2-iocs.txt"
{ head -c 6000 /dev/zero; printf 'Dec  5 10:00:00 host sshd[1]: connection to evil-c2.example\n'; } > "$TMP/syslog"
"$VIGIL" logs -f jsonl -r "$TMP/c2-iocs.txt" "$TMP/syslog" > "$TMP/o6" 2> /dev/null
expect_eq "logs: NUL-prefixed syslog read" \
    "$(jq -r 'select(.type=="log_hit") | "\(.line) \(.indicator)"' "$TMP/o6")" "1 evil-c2.example"
expect_eq "logs: NUL-prefixed syslog not binary" \
    "$(jq -r 'select(.type=="summary") | .binary_skipped' "$TMP/o6")" "0"
cp "$(command -v ls)" "$TMP/ls.bin"
"$VIGIL" logs -f jsonl -r "$TMP/c2-iocs.txt" "$TMP/ls.bin" > "$TMP/o7" 2> /dev/null
expect_eq "logs: a real binary still skipped" \
    "$(jq -r 'select(.type=="summary") | .binary_skipped' "$TMP/o7")" "1"

# -- special files: a FIFO and a socket met by the walk are no content:
# counted in skipped, named with -v only (a /run holds many); a FIFO named
# on the command line is said at default verbosity (before: skipped
# silently). A file swapped for a FIFO after the walk listed it is a
# warning of the scanner (tests/unit/test_scan_special.c).
mkdir -p "$TMP/sp"
printf 'NO-SILENT-MISS-MARKER\n' > "$TMP/sp/hit.txt"
mkfifo "$TMP/sp/pipe"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sp/sock"
timeout 60 "$VIGIL" scan -f jsonl -r "$R" "$TMP/sp" > "$TMP/o8" 2> "$TMP/e8"
expect_eq "special files in a tree: exit 1, found, 2 skipped, nothing said" \
    "$? $(jq -r 'select(.type=="finding") | .path | sub(".*/"; "")' "$TMP/o8") $(jq -r 'select(.type=="summary") | .skipped' "$TMP/o8") $(wc -c < "$TMP/e8")" \
    "1 hit.txt 2 0"
timeout 60 "$VIGIL" scan -v -f jsonl -r "$R" "$TMP/sp" 2>&1 > /dev/null | grep 'not a regular file' | sed "s|$TMP/||" | sort > "$TMP/e9"
expect_eq "special files in a tree: named with -v" "$(cat "$TMP/e9")" \
    "vigil: info: sp/pipe: a FIFO, not a regular file: skipped
vigil: info: sp/sock: a socket, not a regular file: skipped"
timeout 60 "$VIGIL" scan -r "$R" "$TMP/sp/pipe" > "$TMP/o10" 2> "$TMP/e10"
expect_eq "a FIFO named on the command line: exit 0, said, counted" \
    "$? $(sed "s|$TMP/||" "$TMP/e10") $(grep -o '[0-9]* warnings ([0-9]* unreadable, [0-9]* skipped' "$TMP/o10")" \
    "0 vigil: warning: sp/pipe: not scanned: a FIFO, not a regular file or directory 1 warnings (0 unreadable, 1 skipped"
finish
