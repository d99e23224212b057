#!/usr/bin/env bash
# scan_fs.sh - end-to-end tests of the walker through the command: symlinks
# (not followed by default; loops survived with -L), FIFOs and sockets
# skipped, unreadable files and directories reported while the sweep goes
# on, pseudo file systems never entered, a file whose path is longer than
# PATH_MAX found.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data
mkdir -p "$R" "$D/a/b" "$TMP/outside"
printf 'rule FS_Marker { strings: $a = "FS-MARKER-QQ" condition: $a }\n' > "$R/fs.yar"
printf 'FS-MARKER-QQ\n' > "$D/a/b/hit.txt"
printf 'FS-MARKER-QQ\n' > "$TMP/outside/linked_target.txt"
ln -s "$TMP/outside" "$D/a/link_out"
ln -s "$D/a" "$D/a/b/loop"
mkfifo "$D/a/fifo"

timeout 60 "$VIGIL" scan -q -f jsonl -r "$R" "$D" > "$TMP/out1" 2> "$TMP/err1"
expect_eq "no follow: exit 1" "$?" "1"
expect_eq "no follow: only the real file" "$(jq -r 'select(.type=="finding") | .path | sub(".*/data/";"")' "$TMP/out1")" "a/b/hit.txt"
expect_eq "fifo skipped, not hung" "$(jq -r 'select(.type=="summary") | .skipped >= 1' "$TMP/out1")" "true"

timeout 60 "$VIGIL" scan -q -f jsonl -L -r "$R" "$D" > "$TMP/out2" 2> "$TMP/err2"
expect_eq "follow: exit 1" "$?" "1"
expect_eq "follow: loop survived, link followed once" "$(jq -r 'select(.type=="finding") | .path | sub(".*/data/";"")' "$TMP/out2" | sort | tr '\n' ' ')" "a/b/hit.txt a/link_out/linked_target.txt "

# unreadable file and directory: run as an unprivileged user when root
mkdir -p "$TMP/perm/locked"
printf 'FS-MARKER-QQ\n' > "$TMP/perm/secret.txt"
printf 'FS-MARKER-QQ\n' > "$TMP/perm/visible.txt"
printf 'x\n' > "$TMP/perm/locked/inside.txt"
chmod 000 "$TMP/perm/secret.txt" "$TMP/perm/locked"
chmod 755 "$TMP" "$TMP/perm" "$R"; chmod 644 "$R/fs.yar" "$TMP/perm/visible.txt"
run=("$VIGIL")
if [ "$(id -u)" -eq 0 ]; then run=(setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL"); fi
"${run[@]}" scan -q -f jsonl -j 1 -r "$R/fs.yar" "$TMP/perm" > "$TMP/out3" 2> "$TMP/err3"
expect_eq "unreadable: sweep goes on" "$(jq -r 'select(.type=="finding") | .path | sub(".*/";"")' "$TMP/out3")" "visible.txt"
expect_eq "unreadable file reported" "$(grep -c 'secret.txt' "$TMP/err3")" "1"
expect_eq "unreadable dir reported" "$(grep -c 'locked' "$TMP/err3")" "1"
expect_eq "unreadable counted" "$(jq -r 'select(.type=="summary") | .unreadable' "$TMP/out3")" "2"
chmod 755 "$TMP/perm/locked"; chmod 644 "$TMP/perm/secret.txt"

# /proc is never entered, even when asked for directly
timeout 60 "$VIGIL" scan -q -f jsonl -r "$R" /proc > "$TMP/out4" 2> "$TMP/err4"
expect_eq "/proc not swept" "$(jq -r 'select(.type=="summary") | .files' "$TMP/out4")" "0"
# A file 2,100 directories deep (its path about 4,300 bytes, past PATH_MAX):
# found like any other, not reported as unreadable (before: "cannot open:
# File name too long", the implant missed).
mkdir "$TMP/deep"
chunk=$(printf 'd/%.0s' $(seq 700))
(cd "$TMP/deep" && for _ in 1 2 3; do mkdir -p "$chunk" && cd "$chunk" || exit 1; done
 printf 'FS-MARKER-QQ\n' > deep.txt) 2> /dev/null
timeout 60 "$VIGIL" scan -q -f jsonl -r "$R" "$TMP/deep" > "$TMP/out5" 2> "$TMP/err5"
expect_eq "path past PATH_MAX: exit 1" "$?" "1"
expect_eq "path past PATH_MAX: found" \
    "$(jq -r 'select(.type=="finding") | (.path | length > 4096), (.path | sub(".*/";""))' "$TMP/out5" | tr '\n' ' ')" "true deep.txt "
expect_eq "path past PATH_MAX: nothing unreadable, no diagnostic" \
    "$(jq -r 'select(.type=="summary") | .unreadable' "$TMP/out5") $(wc -c < "$TMP/err5")" "0 0"
finish
