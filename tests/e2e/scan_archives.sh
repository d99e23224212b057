#!/usr/bin/env bash
# scan_archives.sh - end-to-end tests of archive scanning: members named
# outer!inner, nesting, every supported format, a zip bomb reported and not
# obeyed, a corrupt archive reported while the sweep goes on.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data; S=$TMP/src
mkdir -p "$R" "$D" "$S/dir"
cat > "$R/a.yar" <<'YAR'
rule Archive_Marker { meta: score = 80 strings: $a = "ARCHIVE-MARKER-XYZ" condition: $a }
YAR
# compressible, so that the marker never appears as plain bytes in an archive
{ printf 'hello ARCHIVE-MARKER-XYZ\n'; for i in $(seq 200); do printf 'padding line to compress\n'; done; } > "$S/dir/inner.txt"
printf 'nothing here\n' > "$S/plain.txt"
(cd "$S" && zip -q -r "$D/one.zip" dir plain.txt)
(cd "$S" && zip -q "$TMP/inner.zip" dir/inner.txt && cp "$TMP/inner.zip" "$S/inner.zip" && zip -q "$D/nested.zip" inner.zip)
(cd "$S" && 7z a -bd -bso0 -bsp0 "$D/seven.7z" dir > /dev/null)
(cd "$S" && tar czf "$D/t.tar.gz" dir)
(cd "$S" && tar cjf "$D/t.tar.bz2" dir)
(cd "$S" && tar cJf "$D/t.tar.xz" dir)
cp "$S/dir/inner.txt" "$TMP/single.txt" && gzip -c "$TMP/single.txt" > "$D/single.txt.gz"

"$VIGIL" scan -q -f jsonl -r "$R" "$D" > "$TMP/out" 2> "$TMP/err"
expect_eq "archive findings exit 1" "$?" "1"
got=$(jq -r 'select(.type=="finding") | .path | sub(".*/data/"; "")' "$TMP/out" | sort)
want=$(printf '%s\n' "one.zip!dir/inner.txt" "nested.zip!inner.zip!dir/inner.txt" \
    "seven.7z!dir/inner.txt" "t.tar.gz!dir/inner.txt" "t.tar.bz2!dir/inner.txt" \
    "t.tar.xz!dir/inner.txt" "single.txt.gz!single.txt" | sort)
expect_eq "members found in every format" "$got" "$want"
expect_eq "no diagnostics" "$(cat "$TMP/err")" ""
expect_eq "member size is the member's" "$(jq -r 'select(.type=="finding" and (.path|endswith("one.zip!dir/inner.txt"))) | .size' "$TMP/out")" "5025"

# nesting limit: depth 1 opens nested.zip but not inner.zip
"$VIGIL" scan -q -f jsonl --archive-depth 1 -r "$R" "$D/nested.zip" > "$TMP/out2"
expect_eq "depth limit" "$?" "0"
"$VIGIL" scan -q -f jsonl --no-archives -r "$R" "$D/one.zip" > "$TMP/out3"
expect_eq "--no-archives" "$?" "0"

# a zip bomb: reported, not obeyed
head -c 400M /dev/zero | zip -q -9 "$TMP/bomb.zip" - 
"$VIGIL" scan -q -f jsonl -r "$R" "$TMP/bomb.zip" > "$TMP/out4" 2> "$TMP/err4"
expect_eq "bomb: exit 0 (nothing found)" "$?" "0"
expect_eq "bomb reported" "$(grep -ci 'bomb\|ratio\|limit' "$TMP/err4" | awk '{print ($1>0)}')" "1"

# corrupt archive: a diagnostic, and the sweep continues to the next file
mkdir -p "$TMP/corrupt"; { printf 'PK\003\004\024\000\000\000\010\000'; head -c 200 /dev/zero | tr '\0' '\377'; } > "$TMP/corrupt/bad.zip"
cp "$S/dir/inner.txt" "$TMP/corrupt/z_after.txt"
"$VIGIL" scan -q -f jsonl -j 1 -r "$R" "$TMP/corrupt" > "$TMP/out5" 2> "$TMP/err5"
expect_eq "corrupt archive: sweep goes on" "$(jq -r 'select(.type=="finding") | .path | sub(".*/";"")' "$TMP/out5")" "z_after.txt"
expect_eq "corrupt archive reported by name" "$(grep -c 'bad.zip' "$TMP/err5" | awk '{print ($1>0)}')" "1"
finish
