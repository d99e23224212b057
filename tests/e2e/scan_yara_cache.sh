#!/usr/bin/env bash
# scan_yara_cache.sh - compiled YARA rule sets and trial-compile records
# kept in $XDG_CACHE_HOME/vigil (issue 23: the load is the serial start of
# every sweep) never change what vigil scan reports: exact findings with a
# cold cache, a warm one, damaged, truncated or foreign cache files, a cache
# directory that cannot be made, and --no-cache; a changed rule text gives
# the new result; a rule file's warning or error is printed on every run.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules D=$TMP/data
mkdir -p "$R" "$D"
cat > "$R/alpha.yar" <<'YAR'
rule Cache_Alpha : apt10 { meta: score = 80 description = "alpha marker"
  strings: $a = "CACHE_MARKER_ALPHA" condition: $a }
rule Cache_Alpha_PE { strings: $a = "CACHE_MARKER_ALPHA"
  condition: uint16(0) == 0x5a4d and $a }
YAR
cat > "$R/beta.yar" <<'YAR'
rule Cache_Beta { strings: $h = { 42 45 [2-4] 54 41 } condition: $h }
YAR
printf 'text CACHE_MARKER_ALPHA end\n' > "$D/alpha.txt"
printf 'MZ\x90\x00 CACHE_MARKER_ALPHA\n' > "$D/alpha.exe"
printf 'BExyzTA\n' > "$D/beta.bin"
printf 'CACHE_MARKER_GAMMA\n' > "$D/gamma.txt"
printf 'nothing to see\n' > "$D/clean.txt"

pairs() { jq -r 'select(.type=="finding") | "\(.path | sub(".*/"; ""))\t\(.rule)\t\(.score)"' "$1" | sort; }
want=$(printf '%s\n' "alpha.exe	Cache_Alpha	80" "alpha.exe	Cache_Alpha_PE	75" \
    "alpha.txt	Cache_Alpha	80" "beta.bin	Cache_Beta	75")
run() { # NAME [vigil scan options...]: findings in $TMP/NAME.out, stderr in $TMP/NAME.err
    local name=$1; shift
    "$VIGIL" scan -q -f jsonl "$@" -r "$R" "$D" > "$TMP/$name.out" 2> "$TMP/$name.err"
    echo $? > "$TMP/$name.rc"
}
C=$XDG_CACHE_HOME/vigil

# 1. cold: compiled, stored (0600 files in a 0700 directory)
rm -rf "$XDG_CACHE_HOME"
run cold
expect_eq "cold: findings" "$(pairs "$TMP/cold.out")" "$want"
expect_eq "cold: exit 1 (found)" "$(cat "$TMP/cold.rc")" "1"
expect_eq "cold: no diagnostics" "$(cat "$TMP/cold.err")" ""
expect_eq "cold: a compiled rule set stored" "$(ls "$C" | grep -c '^yara-[0-9a-f]*\.rules$')" "1"
expect_eq "cold: a trial record stored" "$(ls "$C" | grep -c '^yara-trial-[0-9a-f]*\.idx$')" "1"
expect_eq "cold: cache files 0600" "$(stat -c %a "$C"/yara-* | sort -u)" "600"
expect_eq "cold: cache directory 0700" "$(stat -c %a "$C")" "700"
expect_eq "cold: no temporary file left" "$(ls "$C" | grep -c tmp)" "0"

# 2. warm: the same, nothing rewritten
before=$(stat -c '%i %Y' "$C"/yara-*.rules)
run warm
expect_eq "warm: findings" "$(pairs "$TMP/warm.out")" "$want"
expect_eq "warm: no diagnostics" "$(cat "$TMP/warm.err")" ""
expect_eq "warm: the rule set is read, not rewritten" "$(stat -c '%i %Y' "$C"/yara-*.rules)" "$before"

# 3. damaged cache files (bytes changed, cut short, another file's bytes)
for f in "$C"/yara-* "$C"/hs-*; do printf 'garbage' | dd of="$f" bs=1 seek=90 conv=notrunc 2> /dev/null; done
run damaged
expect_eq "damaged: findings" "$(pairs "$TMP/damaged.out")" "$want"
expect_eq "damaged: no diagnostics" "$(cat "$TMP/damaged.err")" ""
for f in "$C"/yara-*; do head -c 100 "$f" > "$f.cut" && mv "$f.cut" "$f"; done
run truncated
expect_eq "truncated: findings" "$(pairs "$TMP/truncated.out")" "$want"
expect_eq "truncated: no diagnostics" "$(cat "$TMP/truncated.err")" ""
rules_file=$(ls "$C"/yara-*.rules)
trial_file=$(ls "$C"/yara-trial-*.idx)
cp "$trial_file" "$rules_file" # a file under another key's name
run foreign
expect_eq "foreign file: findings" "$(pairs "$TMP/foreign.out")" "$want"
expect_eq "foreign file: no diagnostics" "$(cat "$TMP/foreign.err")" ""
run rewritten
expect_eq "rewritten: findings" "$(pairs "$TMP/rewritten.out")" "$want"

# 4. a changed rule text: compiled anew, the new result
sed -i 's/CACHE_MARKER_ALPHA/CACHE_MARKER_GAMMA/' "$R/alpha.yar"
run changed
expect_eq "changed rule: new findings" "$(pairs "$TMP/changed.out")" \
    "$(printf '%s\n' "beta.bin	Cache_Beta	75" "gamma.txt	Cache_Alpha	80")"
run changed_warm
expect_eq "changed rule, warm: findings" "$(pairs "$TMP/changed_warm.out")" "$(pairs "$TMP/changed.out")"
sed -i 's/CACHE_MARKER_GAMMA/CACHE_MARKER_ALPHA/' "$R/alpha.yar"
run back
expect_eq "rule changed back: findings" "$(pairs "$TMP/back.out")" "$want"

# 5. a cache directory that cannot be made, and --no-cache
printf 'x' > "$TMP/blocker"
XDG_CACHE_HOME=$TMP/blocker/sub run unwritable
expect_eq "unwritable cache: findings" "$(pairs "$TMP/unwritable.out")" "$want"
expect_eq "unwritable cache: no diagnostics" "$(cat "$TMP/unwritable.err")" ""
rm -rf "$XDG_CACHE_HOME"
run nocache --no-cache
expect_eq "--no-cache: findings" "$(pairs "$TMP/nocache.out")" "$want"
expect_eq "--no-cache: nothing written" "$(ls "$XDG_CACHE_HOME" 2> /dev/null | wc -l)" "0"

# 6. a warning and a broken file: said on every run, the same way
cat > "$R/warn.yar" <<'YAR'
rule Cache_Warn { strings: $w = { 00 01 } condition: $w }
YAR
cat > "$R/broken.yar" <<'YAR'
rule Cache_Broken { condition: no_such_identifier }
YAR
run diag1
run diag2
run diag3
expect_eq "broken file: error said" "$(grep -c 'broken.yar.*no_such_identifier' "$TMP/diag1.err")" "1"
expect_eq "warning said" "$(grep -c 'warn.yar.*slow down scanning' "$TMP/diag1.err")" "1"
expect_eq "second run: same messages" "$(cat "$TMP/diag2.err")" "$(cat "$TMP/diag1.err")"
expect_eq "third run: same messages" "$(cat "$TMP/diag3.err")" "$(cat "$TMP/diag1.err")"
expect_eq "with a broken file: same findings" "$(pairs "$TMP/diag3.out")" "$want"
expect_eq "with a broken file: same exit status" "$(cat "$TMP/diag3.rc")" "$(cat "$TMP/diag1.rc")"
finish
