#!/usr/bin/env bash
# quarantine.sh - end-to-end tests of `vigil scan --quarantine` and `vigil
# quarantine list|show|restore|export|purge`: what is moved (level, archive
# around a member), the records in text and JSONL, restore fidelity (bytes,
# mode, owner, mtime), export raw and as a zip with password "infected", and
# the bad cases: read-only file system, store on another file system, full
# store (ENOSPC), immutable file, hard links, hostile names, a file already
# back, a file in the way. Every case checks that no file is lost.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data; S=$TMP/store
mkdir -p "$R" "$D/sub"
cat > "$R/q.yar" <<'YAR'
rule Q_Alert { meta: score = 90 strings: $a = "Q-ALERT-MARK" condition: $a }
rule Q_Warn { meta: score = 65 strings: $a = "Q-WARN-MARK" condition: $a }
YAR
printf 'x Q-ALERT-MARK y\n' > "$D/evil.bin"
printf 'w Q-WARN-MARK\n' > "$D/warn.txt"
printf 'clean\n' > "$D/clean.txt"
printf 'n Q-ALERT-MARK\n' > "$D/sub/"$'new\nline\xff'
(cd "$TMP" && printf 'Q-ALERT-MARK inside\n' > inner.txt && zip -q "$D/sub/arc.zip" inner.txt && rm inner.txt)
chmod 4751 "$D/evil.bin"; chown 1234:5678 "$D/evil.bin"; chmod 4751 "$D/evil.bin"
touch -d '2019-03-19 23:33:51.123456789' "$D/evil.bin"
cp -a "$D" "$TMP/orig"
stat_of() { stat -c '%a %u:%g %y %s' "$1"; }
evil_stat=$(stat_of "$D/evil.bin")
hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
id_of() { # id_of PATH: the item id for an original path
    "$VIGIL" quarantine -d "$S" list -f jsonl | jq -r --arg h "$(hexof "$1")" 'select(.path_hex == $h) | .id'
}

# 1. scan --quarantine (default level alert), JSONL records
"$VIGIL" scan -q -f jsonl -r "$R" --quarantine --quarantine-dir "$S" "$D" > "$TMP/o1" 2> "$TMP/e1"
expect_eq "scan --quarantine exits 1 (findings)" "$?" "1"
expect_eq "no diagnostics" "$(cat "$TMP/e1")" ""
expect_eq "three files quarantined (JSONL records)" \
    "$(jq -c 'select(.type == "quarantine") | [.action, (.path | sub(".*/data/"; ""))]' "$TMP/o1" | LC_ALL=C sort)" \
    '["quarantined","evil.bin"]
["quarantined","sub/arc.zip"]
["quarantined","sub/new\nline'$'\xef\xbf\xbd''"]'
expect_eq "summary record" "$(jq -c 'select(.type == "quarantine_summary") | [.quarantined, .failed, .level]' "$TMP/o1")" '[3,0,"alert"]'
expect_eq "alert files gone, warning and clean stay" "$(cd "$D" && find . -type f | LC_ALL=C sort)" "./clean.txt
./warn.txt"
expect_eq "list shows 3 items" "$("$VIGIL" quarantine -d "$S" list -f jsonl | wc -l)" "3"
id=$(id_of "$D/evil.bin")
m=$("$VIGIL" quarantine -d "$S" show -f jsonl "$id")
expect_eq "manifest: path, size, mode, owner, hashes, findings" \
    "$(jq -c '[(.path | sub(".*/"; "")), .size, .mode % 4096, .uid, .gid, .sha256, .md5, .findings[0].rule, .findings[0].score, .level, .vigil_version != null, .host != null]' <<< "$m")" \
    "[\"evil.bin\",17,2537,1234,5678,\"$(sha256sum < "$TMP/orig/evil.bin" | cut -d' ' -f1)\",\"$(md5sum < "$TMP/orig/evil.bin" | cut -d' ' -f1)\",\"Q_Alert\",90,\"alert\",true,true]"
zid=$(id_of "$D/sub/arc.zip")
expect_eq "archive: the outer zip is the item, the member is the finding" \
    "$("$VIGIL" quarantine -d "$S" show -f jsonl "$zid" | jq -r '.findings[].target | sub(".*/"; "")' | grep -c '^arc.zip!inner.txt$')" "1"
# defanged: the stored bytes are not the original, and no rule matches them
if grep -rqa 'Q-ALERT-MARK' "$S"; then bad "store is defanged" "marker found in the store"; else ok "store is defanged"; fi
"$VIGIL" scan -q -r "$R" "$S" > /dev/null 2>&1
expect_eq "scanning the store finds nothing" "$?" "0"
# the documented decoding
openssl enc -d -aes-256-ctr -K 05402f8d33285f32493959ccbc984eaf3f03b5b3ea5a26de08e7853d75386674 \
    -iv 00000000000000000000000000000000 -in "$S/items/$id.data" -out "$TMP/dec"
if cmp -s "$TMP/dec" "$TMP/orig/evil.bin"; then ok "openssl with the documented key decodes an item"; else bad "openssl decode" "differs"; fi

# 2. text list and show
"$VIGIL" quarantine -d "$S" list > "$TMP/l2"
expect_eq "text list: header + 3, hostile name escaped" "$(grep -c . "$TMP/l2") $(grep -c 'new\\nline\\xff' "$TMP/l2")" "4 1"
"$VIGIL" quarantine -d "$S" show "$id" > "$TMP/s2"
expect_eq "text show: mode and owner" "$(grep -E '^(mode|owner) ' "$TMP/s2" | tr -s ' ')" "mode 4751
owner 1234:5678"
"$VIGIL" quarantine -d "$S" show nosuchid > /dev/null 2>&1
expect_eq "show of an unknown id exits 2" "$?" "2"
"$VIGIL" quarantine -d "$S" show ../../etc > /dev/null 2>&1
expect_eq "an id with a path in it is refused" "$?" "2"

# 3. export: raw bytes and a zip with the password "infected"
"$VIGIL" quarantine -d "$S" export "$id" -o "$TMP/x.bin"
expect_eq "export raw exits 0" "$?" "0"
if cmp -s "$TMP/x.bin" "$TMP/orig/evil.bin"; then ok "export raw: original bytes"; else bad "export raw" "differs"; fi
"$VIGIL" quarantine -d "$S" export "$id" -o "$TMP/x.bin" 2> /dev/null
expect_eq "export refuses to overwrite" "$?" "2"
"$VIGIL" quarantine -d "$S" export "$id" -o "$TMP/x.zip" --zip
expect_eq "export zip exits 0" "$?" "0"
if unzip -P infected -p "$TMP/x.zip" evil.bin | cmp -s - "$TMP/orig/evil.bin"; then ok "zip opens with unzip -P infected"; else bad "zip unzip" "differs"; fi
expect_eq "zip members encrypted (7z)" "$(7z l -slt "$TMP/x.zip" | grep -c '^Encrypted = +')" "2"
if unzip -P wrong -p "$TMP/x.zip" evil.bin > /dev/null 2>&1; then bad "zip needs the password" "opened with a wrong one"; else ok "zip needs the password"; fi

# 4. restore: exact bytes, mode (setuid kept), owner, mtime
"$VIGIL" quarantine -d "$S" restore "$id" > /dev/null
expect_eq "restore exits 0" "$?" "0"
expect_eq "restored: mode, owner, mtime (ns), size" "$(stat_of "$D/evil.bin")" "$evil_stat"
if cmp -s "$D/evil.bin" "$TMP/orig/evil.bin"; then ok "restored bytes"; else bad "restored bytes" "differ"; fi
expect_eq "item gone after restore" "$(id_of "$D/evil.bin")" ""

# 5. a file in the way: refused, --to, --force; a file back in place closes
nid=$(id_of "$D/sub/"$'new\nline\xff')
printf 'someone else\n' > "$D/sub/"$'new\nline\xff'
"$VIGIL" quarantine -d "$S" restore "$nid" > /dev/null 2> "$TMP/e5"
expect_eq "restore over a different file exits 2" "$?" "2"
expect_eq "the file in the way is untouched" "$(cat "$D/sub/"$'new\nline\xff')" "someone else"
"$VIGIL" quarantine -d "$S" restore "$nid" --to "$TMP/elsewhere" > /dev/null
if cmp -s "$TMP/elsewhere" "$TMP/orig/sub/"$'new\nline\xff'; then ok "restore --to"; else bad "restore --to" "differs"; fi
"$VIGIL" scan -q -r "$R" --quarantine --quarantine-dir "$S" "$TMP/elsewhere" > /dev/null 2>&1
nid=$(id_of "$TMP/elsewhere")
"$VIGIL" quarantine -d "$S" restore "$nid" --to "$D/sub/"$'new\nline\xff' --force > /dev/null
if cmp -s "$D/sub/"$'new\nline\xff' "$TMP/orig/sub/"$'new\nline\xff'; then ok "restore --force replaces"; else bad "restore --force" "differs"; fi
cp "$D/sub/arc.zip" "$TMP/arc.copy" 2> /dev/null
cp -a "$TMP/orig/sub/arc.zip" "$D/sub/arc.zip"
"$VIGIL" quarantine -d "$S" restore "$zid" > /dev/null 2>&1
expect_eq "the same bytes already back: item just closed" "$? $("$VIGIL" quarantine -d "$S" list -f jsonl | wc -l)" "0 0"

# 6. purge; restore --all
"$VIGIL" scan -q -r "$R" --quarantine --quarantine-level warning --quarantine-dir "$S" "$D" > "$TMP/o6" 2>&1
expect_eq "level warning: 4 files" "$(grep -c '^QUARANTINED' "$TMP/o6")" "4"
grep -q '^Quarantine: 4 quarantined, 0 not (level warning and above)' "$TMP/o6" && ok "text summary line" || bad "text summary line" "$(tail -2 "$TMP/o6")"
wid=$(id_of "$D/warn.txt")
"$VIGIL" quarantine -d "$S" purge "$wid" > /dev/null
expect_eq "purge exits 0 and drops the item" "$? $("$VIGIL" quarantine -d "$S" list -f jsonl | wc -l) $(ls "$S/items" | grep -c "$wid")" "0 3 0"
"$VIGIL" quarantine -d "$S" purge "$wid" > /dev/null 2>&1
expect_eq "purge of an unknown id exits 2" "$?" "2"
"$VIGIL" quarantine -d "$S" restore --all > /dev/null
expect_eq "restore --all" "$? $(cd "$D" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" "0 ./clean.txt ./evil.bin ./sub/arc.zip ./sub/new line"$'\xff'" "

# 7. hard links: the name is moved, the other link is said and stays
ln "$D/evil.bin" "$TMP/hardlink"
"$VIGIL" scan -q -r "$R" --quarantine --quarantine-dir "$S" "$D/evil.bin" > /dev/null 2> "$TMP/e7"
grep -q 'had 2 hard links' "$TMP/e7" && ok "hard links are reported" || bad "hard links" "$(cat "$TMP/e7")"
[ ! -e "$D/evil.bin" ] && [ -f "$TMP/hardlink" ] && ok "hard link: the name moved, the other kept" || bad "hard link" "state"
"$VIGIL" quarantine -d "$S" restore --all > /dev/null
rm -f "$TMP/hardlink"

# 8. immutable file: not removable, so not quarantined, nothing lost
if chattr +i "$D/evil.bin" 2> /dev/null; then
    "$VIGIL" scan -q -f jsonl -r "$R" --quarantine --quarantine-dir "$S" "$D/evil.bin" > "$TMP/o8" 2> "$TMP/e8"
    rc=$?
    chattr -i "$D/evil.bin"
    expect_eq "immutable: exit 2, record failed, store empty" \
        "$rc $(jq -r 'select(.type == "quarantine") | .action + " " + .error' "$TMP/o8") $(ls "$S/items" | wc -l)" \
        "2 failed VIGIL_ERR_ACCESS 0"
    grep -q 'cannot remove the original' "$TMP/e8" && ok "immutable: clear message" || bad "immutable message" "$(cat "$TMP/e8")"
    cmp -s "$D/evil.bin" "$TMP/orig/evil.bin" && ok "immutable file intact" || bad "immutable" "changed"
else
    echo "skip immutable file: chattr +i not supported on $(df -T "$D" | awk 'NR==2 {print $2}')"
    ok "immutable file (skipped: chattr +i not supported here)"
fi

# 9-11 need mount namespaces (root)
if unshare -m true 2> /dev/null; then
    # 9. read-only file system: copy works, removal does not: nothing stored
    unshare -m bash -c "mount --bind '$D' '$D' && mount -o remount,ro,bind '$D' &&
        '$VIGIL' scan -q -f jsonl -r '$R' --quarantine --quarantine-dir '$S' '$D/evil.bin'" > "$TMP/o9" 2> "$TMP/e9"
    expect_eq "read-only fs: exit 2, failed, store empty, file intact" \
        "$? $(jq -r 'select(.type == "quarantine") | .action' "$TMP/o9") $(ls "$S/items" | wc -l) $(cmp -s "$D/evil.bin" "$TMP/orig/evil.bin" && echo same)" \
        "2 failed 0 same"
    # 10. store on another file system (tmpfs): copied across devices
    unshare -m bash -c "mkdir -p '$TMP/mnt' && mount -t tmpfs -o size=8m tmpfs '$TMP/mnt' &&
        '$VIGIL' scan -q -r '$R' --quarantine --quarantine-dir '$TMP/mnt/store' '$D/evil.bin' > /dev/null 2>&1;
        echo \$? \$(ls '$D' | grep -c evil.bin);
        '$VIGIL' quarantine -d '$TMP/mnt/store' restore --all > /dev/null; echo \$?" > "$TMP/o10" 2>&1
    expect_eq "cross-device store: moved (exit 1, gone) and restored" "$(tr '\n' ' ' < "$TMP/o10")" "1 0 0 "
    expect_eq "cross-device restore: exact" "$(stat_of "$D/evil.bin") $(cmp -s "$D/evil.bin" "$TMP/orig/evil.bin" && echo same)" "$evil_stat same"
    # 11. full store (ENOSPC): the original stays, nothing half stored
    head -c 2000000 /dev/urandom > "$D/big.bin"; printf 'Q-ALERT-MARK' >> "$D/big.bin"
    cp "$D/big.bin" "$TMP/big.orig"
    unshare -m bash -c "mkdir -p '$TMP/mnt' && mount -t tmpfs -o size=512k tmpfs '$TMP/mnt' &&
        '$VIGIL' scan -q -f jsonl -r '$R' --quarantine --quarantine-dir '$TMP/mnt/store' '$D/big.bin';
        echo rc=\$?; ls '$TMP/mnt/store/items' | wc -l" > "$TMP/o11" 2> "$TMP/e11"
    expect_eq "ENOSPC: exit 2, failed, store empty" \
        "$(grep rc= "$TMP/o11") $(jq -r 'select(.type == "quarantine") | .action' "$TMP/o11" 2> /dev/null | head -1) $(tail -1 "$TMP/o11")" \
        "rc=2 failed 0"
    grep -q 'store is full' "$TMP/e11" && ok "ENOSPC: clear message" || bad "ENOSPC message" "$(cat "$TMP/e11")"
    cmp -s "$D/big.bin" "$TMP/big.orig" && ok "ENOSPC: original intact" || bad "ENOSPC" "original changed"
    rm -f "$D/big.bin"
else
    echo "skip read-only, cross-device and ENOSPC cases: no mount namespace (needs root)"
    ok "mount-namespace cases (skipped)"
fi

# 13. the file's directory swapped for a symbolic link before the restore
# (a user's directory replaced by a link to /etc/profile.d, say): refused,
# nothing written through the link, the item kept; --to still restores.
# Before: restored through the link.
mkdir -p "$TMP/swap/d" "$TMP/swap/target"
printf 'x Q-ALERT-MARK swapped\n' > "$TMP/swap/d/f.bin"
cp "$TMP/swap/d/f.bin" "$TMP/swap.orig"
"$VIGIL" scan -q -r "$R" --quarantine --quarantine-dir "$S" "$TMP/swap/d" > /dev/null 2>&1
sid=$(id_of "$TMP/swap/d/f.bin")
rmdir "$TMP/swap/d" && ln -s target "$TMP/swap/d"
"$VIGIL" quarantine -d "$S" restore "$sid" > /dev/null 2> "$TMP/e13"
expect_eq "directory swapped for a link: exit 2, nothing written there, item kept" \
    "$? $(ls -A "$TMP/swap/target" | wc -l) $("$VIGIL" quarantine -d "$S" list -f jsonl | jq -r .id | grep -c "^$sid\$")" "2 0 1"
expect_eq "directory swapped for a link: message" "$(sed "s|$TMP/||g" "$TMP/e13")" \
    "vigil: error: swap/d/f.bin: restoring item $sid: its directory is now reached through a symbolic link (it leads to swap/target); not restored (--to PATH to restore it elsewhere)
vigil quarantine: cannot restore $sid: changed since it was scanned"
"$VIGIL" quarantine -d "$S" restore "$sid" --to "$TMP/swap/back.bin" > /dev/null
if cmp -s "$TMP/swap/back.bin" "$TMP/swap.orig"; then ok "directory swapped: restore --to"; else bad "restore --to" "differs"; fi

# 14. a file deeper than PATH_MAX (2,100 directories, its path ~4,300
# bytes): the sweep finds it, and it is quarantined and restored like any
# other (opened, unlinked and restored relative to its directory, opened in
# steps). Before: "no file on disk for this result; not quarantined".
mkdir "$TMP/deep"
chunk=$(printf 'd/%.0s' $(seq 700))
(cd "$TMP/deep" && for _ in 1 2 3; do mkdir -p "$chunk" && cd "$chunk" || exit 1; done
 printf 'deep Q-ALERT-MARK\n' > implant.bin) 2> /dev/null
in_deep() { # in_deep CMD...: runs CMD in the bottom directory
    (cd "$TMP/deep" && for _ in 1 2 3; do cd "$chunk" || exit 1; done; "$@")
}
timeout 120 "$VIGIL" scan -q -f jsonl -r "$R" --quarantine --quarantine-dir "$S" "$TMP/deep" > "$TMP/o14" 2> "$TMP/e14"
expect_eq "deep file: exit 1, no diagnostics" "$? $(wc -c < "$TMP/e14")" "1 0"
expect_eq "deep file: quarantined" \
    "$(jq -r 'select(.type == "quarantine") | [.action, (.path | length > 4096), (.path | sub(".*/"; ""))] | join(" ")' "$TMP/o14")" \
    "quarantined true implant.bin"
expect_eq "deep file: summary" "$(jq -c 'select(.type == "quarantine_summary") | [.quarantined, .failed]' "$TMP/o14")" "[1,0]"
expect_eq "deep file: gone from its directory" "$(in_deep ls -A | wc -l)" "0"
did=$(jq -r 'select(.type == "quarantine") | .id' "$TMP/o14")
expect_eq "deep file: the item keeps the whole path" \
    "$("$VIGIL" quarantine -d "$S" show -f jsonl "$did" | jq -r '(.path | length > 4096), (.path | sub(".*/"; ""))' | tr '\n' ' ')" \
    "true implant.bin "
"$VIGIL" quarantine -d "$S" restore "$did" > /dev/null 2> "$TMP/e14r"
expect_eq "deep file: restored to its place" "$? $(cat "$TMP/e14r") $(in_deep cat implant.bin)" "0  deep Q-ALERT-MARK"

# 12. usage errors
"$VIGIL" scan -q -r "$R" --quarantine-level bogus "$D" > /dev/null 2>&1
expect_eq "bad --quarantine-level exits 2" "$?" "2"
"$VIGIL" quarantine -d "$S" frobnicate > /dev/null 2>&1
expect_eq "unknown quarantine command exits 2" "$?" "2"
"$VIGIL" quarantine --help > /dev/null
expect_eq "quarantine --help exits 0" "$?" "0"
finish
