#!/usr/bin/env bash
# quarantine_kill.sh - "nothing is ever lost": `vigil scan --quarantine` and
# `vigil quarantine restore --all` are killed with SIGKILL after every one
# of their durable steps in turn (the VIGIL_QUARANTINE_FAULT_STEP test hook,
# docs/quarantine.md), then at random instants; after each kill the next
# `vigil quarantine list` recovers the store and every file must be in place
# with its exact bytes or fully in the store (export gives its bytes), and a
# final restore must give back every file with its bytes, mode and mtime.
set -u
# On tmpfs when there is one: SIGKILL loses no written data, only a power
# cut would (what fsync is for), and fsync on a busy disk makes the hundreds
# of runs here slow.
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; P=$TMP/pristine
mkdir -p "$R" "$P"
cat > "$R/q.yar" <<'YAR'
rule Q_Kill_Marker { meta: score = 90 strings: $a = "QKILL-MARKER" condition: $a }
YAR
names=(a.bin "b c.exe" $'new\nline\xff.dll' arc.zip clean.txt)
printf 'one QKILL-MARKER\n' > "$P/a.bin"
head -c 300000 /dev/urandom > "$P/b c.exe"; printf 'QKILL-MARKER' >> "$P/b c.exe"
printf 'three QKILL-MARKER\n' > "$P/"$'new\nline\xff.dll'
(cd "$TMP" && printf 'QKILL-MARKER in a member\n' > inner.txt && zip -q "$P/arc.zip" inner.txt && rm inner.txt)
printf 'nothing here\n' > "$P/clean.txt"
chmod 640 "$P/a.bin"; chmod 755 "$P/b c.exe"
touch -d '2019-03-19 23:33:51.5' "$P/a.bin" "$P/arc.zip"

D=$TMP/data; S=$TMP/store
fresh() { rm -rf "$D" "$S"; cp -a "$P" "$D"; }
hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }

# check LABEL: each file in place with its bytes, or fully in the store
check() {
    local label=$1 out n p hex ids id inplace stored lost=0
    out=$("$VIGIL" quarantine -d "$S" list -f jsonl 2> "$TMP/recover.err")
    if [ $? -ne 0 ]; then bad "$label" "list failed: $(cat "$TMP/recover.err")"; return 1; fi
    if [ -n "$(ls -A "$S/journal")" ]; then bad "$label" "journal not empty after recovery"; return 1; fi
    for n in "${names[@]}"; do
        p="$D/$n"; hex=$(hexof "$p")
        inplace=0; stored=0
        if [ -e "$p" ] || [ -L "$p" ]; then
            if cmp -s "$p" "$P/$n"; then inplace=1
            else bad "$label" "$n: different bytes in place"; lost=1; continue; fi
        fi
        ids=$(jq -r --arg h "$hex" 'select(.path_hex == $h) | .id' <<< "$out")
        for id in $ids; do
            rm -f "$TMP/x.out"
            if "$VIGIL" quarantine -d "$S" export "$id" -o "$TMP/x.out" && cmp -s "$TMP/x.out" "$P/$n"; then
                stored=1
            else
                bad "$label" "$n: item $id does not give back its bytes"; lost=1
            fi
        done
        if [ "$inplace" = 0 ] && [ "$stored" = 0 ]; then bad "$label" "$n: LOST"; lost=1; fi
    done
    if ls -A "$D" | grep -q '^\.vigil-restore'; then bad "$label" "restore temp file left"; lost=1; fi
    return $lost
}

# finish LABEL: restore everything; every file back, bytes, mode, mtime
finish_all() {
    local label=$1 n bad_one=0
    "$VIGIL" quarantine -d "$S" restore --all > /dev/null 2> "$TMP/restore.err" ||
        { bad "$label" "restore --all failed: $(cat "$TMP/restore.err")"; return 1; }
    for n in "${names[@]}"; do
        if ! cmp -s "$D/$n" "$P/$n" ||
            [ "$(stat -c '%a %Y %u' "$D/$n")" != "$(stat -c '%a %Y %u' "$P/$n")" ]; then
            bad "$label" "$n not restored exactly"; bad_one=1
        fi
    done
    [ -z "$(ls -A "$S/items")" ] || { bad "$label" "store not empty after restore --all"; bad_one=1; }
    return $bad_one
}

scan() {
    "$VIGIL" scan -q -j 1 -r "$R" --quarantine --quarantine-dir "$S" "$D" > /dev/null 2>&1
}

# 1. a kill after every step of the sweep's quarantine
steps=0 failures=0
for n in $(seq 1 200); do
    fresh
    { VIGIL_QUARANTINE_FAULT_STEP=$n scan; rc=$?; } 2> /dev/null
    if [ "$rc" -ne 137 ]; then
        expect_eq "run without a kill once past the last step ($n) exits 1" "$rc" "1"
        break
    fi
    steps=$n
    check "add killed after step $n" && finish_all "add killed after step $n, restore" || failures=$((failures + 1))
done
[ "$steps" -ge 20 ] && ok "quarantine killed after each of its $steps steps: nothing lost" ||
    bad "step kills" "only $steps steps seen"

# 2. a kill after every step of restore --all
rsteps=0
for n in $(seq 1 200); do
    fresh
    scan
    { VIGIL_QUARANTINE_FAULT_STEP=$n "$VIGIL" quarantine -d "$S" restore --all > /dev/null 2>&1; rc=$?; } 2> /dev/null
    if [ "$rc" -ne 137 ]; then
        expect_eq "restore --all without a kill exits 0" "$rc" "0"
        break
    fi
    rsteps=$n
    check "restore killed after step $n" && finish_all "restore killed after step $n, restore" || true
done
[ "$rsteps" -ge 15 ] && ok "restore killed after each of its $rsteps steps: nothing lost" ||
    bad "restore step kills" "only $rsteps steps seen"

# 3. a kill during recovery itself (the recovery steps count too)
fresh
{ VIGIL_QUARANTINE_FAULT_STEP=9 scan; } 2> /dev/null
{ VIGIL_QUARANTINE_FAULT_STEP=1 "$VIGIL" quarantine -d "$S" list > /dev/null 2>&1; } 2> /dev/null
check "recovery killed" && finish_all "recovery killed, restore" && ok "a recovery killed half-way is redone"

# 4. random SIGKILLs: sweeps and restores killed at random instants (10 each;
# QKILL_RANDOM=N for more)
for i in $(seq 1 "${QKILL_RANDOM:-10}"); do
    fresh
    "$VIGIL" scan -q -j 1 -r "$R" --quarantine --quarantine-dir "$S" "$D" > /dev/null 2>&1 &
    pid=$!
    sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
    kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
    check "random kill $i of a sweep" || continue
    "$VIGIL" quarantine -d "$S" restore --all > /dev/null 2>&1 &
    pid=$!
    sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
    kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
    check "random kill $i of a restore" && finish_all "random kill $i, restore" || true
done
ok "random kills: every file checked after each (failures are reported above)"
finish
