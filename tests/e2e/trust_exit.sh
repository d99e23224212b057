#!/usr/bin/env bash
# trust_exit.sh - end-to-end tests of the exit code as something to trust:
# failed writes of results (/dev/full, a full 64 KiB tmpfs, a closed pipe
# with SIGPIPE ignored) are errors for every subcommand, a PATH that does
# not exist is an error, a broken rule file makes "nothing found" an error,
# JSON Lines written to a file end on line boundaries, and SIGTERM stops a
# sweep that is hashing a huge (sparse) file. Exact codes and messages.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data; I=$TMP/intel; L=$TMP/logs
mkdir -p "$R" "$D" "$I" "$L"
printf 'rule Trust_Marker { strings: $a = "VIGIL-TRUST-MARKER" condition: $a }\n' > "$R/t.yar"
printf 'xx VIGIL-TRUST-MARKER yy\n' > "$D/marked.txt"
printf 'nothing here\n' > "$TMP/clean.txt"
printf '# Test C2 servers\nevil-c2.example\n' > "$I/test-c2-iocs.txt"
printf 'Jun  1 10:00:01 host app[2]: connecting to evil-c2.example:443\n' > "$L/syslog"
# an event log with no chunks: `evtx count` prints its line
python3 - "$TMP/empty.evtx" <<'PY'
import struct, sys, zlib
b = bytearray(4096)
b[0:8] = b"ElfFile\0"
struct.pack_into("<I", b, 32, 128)
b[36] = 1; b[38] = 3; b[41] = 0x10
struct.pack_into("<I", b, 124, zlib.crc32(bytes(b[:120])))
open(sys.argv[1], "wb").write(b)
PY
ENOSPC="No space left on device"

# --- 1. results that cannot be written: exit 2, the output and errno named ---
# expect_write_fail NAME CMD OUTPUT... : runs the command, output to /dev/full
expect_full() {
    local name=$1 cmdname=$2; shift 2
    "$VIGIL" "$@" > /dev/full 2> "$TMP/err"
    expect_eq "$name: exit 2" "$?" "2"
    expect_eq "$name: message" "$(grep -c "^vigil $cmdname: cannot write standard output: $ENOSPC\$" "$TMP/err")" "1"
}
expect_full "scan > /dev/full (finding)" scan scan -q -r "$R/t.yar" "$D"
expect_full "scan > /dev/full (clean)" scan scan -q -r "$R/t.yar" "$TMP/clean.txt"
expect_full "scan jsonl > /dev/full" scan scan -q -f jsonl -r "$R/t.yar" "$D"
expect_full "logs > /dev/full" logs logs --c2-iocs "$I/test-c2-iocs.txt" "$L"
P=$TMP/proc; mkdir -p "$P/net"
printf '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' > "$P/net/tcp"
expect_full "connections > /dev/full" connections connections --proc "$P" --c2-iocs "$I/test-c2-iocs.txt"
expect_full "evtx count > /dev/full" evtx evtx count "$TMP/empty.evtx"
"$TOOLS/mkevtx" "$TMP/three.evtx" 3 || bad "mkevtx" "cannot write $TMP/three.evtx"
expect_eq "evtx dump: one JSON line per event" \
    "$("$VIGIL" evtx dump "$TMP/three.evtx" | jq -r '.EventRecordID' | paste -sd,)" "1,2,3"
expect_full "evtx dump > /dev/full" evtx evtx dump "$TMP/three.evtx"
expect_full "iocs stats > /dev/full" iocs iocs stats "$I/test-c2-iocs.txt"
expect_full "iocs convert > /dev/full" iocs iocs convert --to csv "$I/test-c2-iocs.txt"
expect_full "rules list > /dev/full" rules rules list -r "$R/t.yar"
expect_full "rules stats > /dev/full" rules rules stats -r "$R/t.yar"
expect_full "version > /dev/full" version version

"$VIGIL" scan -q -r "$R/t.yar" -o /dev/full "$D" > "$TMP/out" 2> "$TMP/err"
expect_eq "scan -o /dev/full: exit 2" "$?" "2"
expect_eq "scan -o /dev/full: message" "$(cat "$TMP/err")" "vigil scan: cannot write /dev/full: $ENOSPC"
"$VIGIL" logs -f jsonl --c2-iocs "$I/test-c2-iocs.txt" -o /dev/full "$L" > "$TMP/out" 2> "$TMP/err"
expect_eq "logs -o /dev/full: exit 2" "$?" "2"
expect_eq "logs -o /dev/full: message" "$(cat "$TMP/err")" "vigil logs: cannot write /dev/full: $ENOSPC"
"$VIGIL" iocs convert --to stix -o /dev/full "$I/test-c2-iocs.txt" > "$TMP/out" 2> "$TMP/err"
expect_eq "iocs convert -o /dev/full: exit 2" "$?" "2"
expect_eq "iocs convert -o /dev/full: message" "$(cat "$TMP/err")" "vigil iocs: cannot write /dev/full: $ENOSPC"

# A pipe closed by the reader while SIGPIPE is ignored (a service manager,
# a Python parent): EPIPE is a failed write like any other.
epipe() {
    python3 - "$@" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE, restore_signals=False)
sys.stdout.write("%d %s" % (p.returncode, p.stderr.decode()))
PY
}
expect_eq "scan | closed pipe, SIGPIPE ignored" "$(epipe "$VIGIL" scan -q -r "$R/t.yar" "$D")" \
    "2 vigil scan: cannot write standard output: Broken pipe"
expect_eq "evtx dump | closed pipe, SIGPIPE ignored" "$(epipe "$VIGIL" evtx dump "$TMP/three.evtx")" \
    "2 vigil evtx: cannot write standard output: Broken pipe"
expect_eq "version | closed pipe, SIGPIPE ignored" "$(epipe "$VIGIL" version)" \
    "2 vigil version: cannot write standard output: Broken pipe"

# A 64 KiB tmpfs filled halfway through the results: exit 2 and the message
# (today: exit 1, no message, half a line and no summary).
many=$TMP/many; mkdir -p "$many"
for i in $(seq 1 400); do printf 'VIGIL-TRUST-MARKER %s\n' "$i" > "$many/f$i.txt"; done
if unshare -m true 2> /dev/null; then
    unshare -m bash -c '
        mkdir -p "$1/small" && mount -t tmpfs -o size=64k tmpfs "$1/small" || exit 99
        "$2" scan -q -f jsonl -r "$3" -o "$1/small/out.jsonl" "$4" > /dev/null 2> "$1/err"
        echo $? > "$1/rc"' _ "$TMP" "$VIGIL" "$R/t.yar" "$many"
    if [ "$?" -eq 99 ]; then
        echo "skip 64 KiB tmpfs: mount -t tmpfs failed (needs root and mount namespaces)"
    else
        expect_eq "full 64 KiB tmpfs: exit 2" "$(cat "$TMP/rc")" "2"
        expect_eq "full 64 KiB tmpfs: message" "$(cat "$TMP/err")" \
            "vigil scan: cannot write $TMP/small/out.jsonl: $ENOSPC"
    fi
else
    echo "skip 64 KiB tmpfs: unshare -m not permitted here"
fi

# --- 2. a PATH that does not exist: exit 2 after the rest is swept ---
"$VIGIL" scan -q -f jsonl -r "$R/t.yar" "$D" "$TMP/missing" "$TMP/clean.txt" > "$TMP/out" 2> "$TMP/err"
expect_eq "missing PATH: exit 2 (findings too)" "$?" "2"
expect_eq "missing PATH: messages" "$(sed "s|$TMP/||g" "$TMP/err")" \
"vigil: error: missing: cannot stat: No such file or directory
vigil scan: 1 of the given paths could not be read"
expect_eq "missing PATH: the rest swept" \
    "$(jq -r 'select(.type=="summary") | [.files, .unreadable, .errors, .findings] | @csv' "$TMP/out")" "2,1,1,1"
"$VIGIL" scan -q -r "$R/t.yar" "$TMP/missing" > /dev/null 2>&1
expect_eq "only a missing PATH: exit 2" "$?" "2"
"$VIGIL" logs --c2-iocs "$I/test-c2-iocs.txt" "$TMP/clean.txt" "$TMP/missing" > /dev/null 2> "$TMP/err"
expect_eq "logs, missing PATH: exit 2" "$?" "2"
expect_eq "logs, missing PATH: messages" "$(sed "s|$TMP/||g" "$TMP/err")" \
"vigil: error: missing: cannot stat: No such file or directory
vigil logs: 1 of the given paths could not be read"

# --- 3. a broken rule file (no --strict): said, and "clean" is not claimed ---
mkdir -p "$TMP/mixed"
cp "$R/t.yar" "$TMP/mixed/"
printf 'rule Broken { condition: }\n' > "$TMP/mixed/broken.yar"
"$VIGIL" scan -q -f jsonl -r "$TMP/mixed" "$TMP/clean.txt" > "$TMP/out" 2> "$TMP/err"
expect_eq "broken rule file, nothing found: exit 2" "$?" "2"
expect_eq "broken rule file: last message" "$(tail -1 "$TMP/err")" \
    "vigil scan: nothing found, but 1 rule file could not be loaded"
expect_eq "broken rule file: in the summary" \
    "$(jq -r 'select(.type=="summary") | [.rules.yara, .rules.files_refused, .errors] | @csv' "$TMP/out")" "1,1,1"
"$VIGIL" scan -q -r "$TMP/mixed" "$TMP/clean.txt" 2> /dev/null | grep -c '; 1 rule file not loaded (broken)$' > "$TMP/n"
expect_eq "broken rule file: in the text summary" "$(cat "$TMP/n")" "1"
"$VIGIL" scan -q -r "$TMP/mixed" "$D" > /dev/null 2>&1
expect_eq "broken rule file, findings: exit 1" "$?" "1"
"$VIGIL" scan -q --strict -r "$TMP/mixed" "$TMP/clean.txt" > /dev/null 2>&1
expect_eq "broken rule file, --strict: exit 2" "$?" "2"
cp "$I/test-c2-iocs.txt" "$TMP/mixed/"
"$VIGIL" logs -r "$TMP/mixed" "$TMP/clean.txt" > "$TMP/out" 2> "$TMP/err"
expect_eq "logs, broken rule file, nothing found: exit 2" "$?" "2"
expect_eq "logs, broken rule file: in the summary" "$(grep -c '^problems: .*, 1 rule file not loaded (broken))$' "$TMP/out")" "1"
"$VIGIL" logs -f jsonl -r "$TMP/mixed" "$TMP/clean.txt" 2> /dev/null > "$TMP/out"
expect_eq "logs, broken rule file: in the JSON summary" "$(jq -r 'select(.type=="summary") | .rule_files_refused' "$TMP/out")" "1"
expect_eq "logs, broken rule file: last message" "$(tail -1 "$TMP/err")" \
    "vigil logs: nothing found, but 1 rule file could not be loaded"

# --- 4. huge files: not hashed past --max-hash-size; SIGTERM stops a hash ---
# Three sparse 1 TiB files: by default past --max-size (256M) and past
# --max-hash-size (1G), so name checks only. `timeout` is a fail-safe, not
# a measurement: hashing them takes hours, skipping them a moment.
H=$TMP/huge; mkdir -p "$H"
if truncate -s 1T "$H/a.img" 2> /dev/null && truncate -s 1T "$H/b.img" && truncate -s 1T "$H/c.img"; then
    timeout -k 5 60 "$VIGIL" scan -q -f jsonl -r "$R/t.yar" "$H" > "$TMP/out" 2> "$TMP/err"
    expect_eq "three sparse 1 TiB files: exit 0" "$?" "0"
    expect_eq "three sparse 1 TiB files: counted, not hashed" \
        "$(jq -r 'select(.type=="summary") | [.files, .oversized, .unhashed, .errors, .warnings] | @csv' "$TMP/out")" "3,3,3,0,0"
    timeout -k 5 60 "$VIGIL" scan -q -r "$R/t.yar" "$H" 2> /dev/null | grep -c '3 over max size, 3 over max hash size: not hashed)$' > "$TMP/n"
    expect_eq "not hashed: said in the text summary" "$(cat "$TMP/n")" "1"
    rm -f "$H"/*.img
else
    echo "skip sparse 1 TiB files: truncate -s 1T failed on $TMP"
fi
# A filename IOC still fires on a file that is not hashed; its hashes are null.
truncate -s 2G "$H/evil_tool.exe"
printf '# test filename iocs\nevil_tool\\.exe$;70\n' > "$TMP/fn-iocs.txt"
timeout -k 5 60 "$VIGIL" scan -q -f jsonl --filename-iocs "$TMP/fn-iocs.txt" "$H" > "$TMP/out" 2> "$TMP/err"
expect_eq "unhashed file, filename IOC: exit 1" "$?" "1"
expect_eq "unhashed file, filename IOC: finding without hashes" \
    "$(jq -c 'select(.type=="finding") | [.kind, .size, .md5, .sha256]' "$TMP/out")" '["filename",2147483648,null,null]'
rm -f "$H/evil_tool.exe"

# SIGTERM while a 100 GiB sparse file is hashed (--max-hash-size above it):
# the sweep stops between two reads. Sent once the file is open; the bound
# (10 s) only separates "stops" from "keeps hashing for minutes".
truncate -s 100G "$H/huge.bin"
"$VIGIL" scan -q -f jsonl --max-hash-size 1T -r "$R/t.yar" "$H" > "$TMP/out" 2> "$TMP/err" &
pid=$!
inside=0
for _ in $(seq 1 300); do
    if ls -l "/proc/$pid/fd" 2> /dev/null | grep -q 'huge\.bin$'; then inside=1; break; fi
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
done
expect_eq "SIGTERM: the sweep is inside the huge file" "$inside" "1"
kill -TERM "$pid" 2> /dev/null
stopped=0
for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2> /dev/null; then stopped=1; break; fi
    sleep 0.1
done
[ "$stopped" -eq 1 ] || kill -KILL "$pid" 2> /dev/null
wait "$pid"; rc=$?
expect_eq "SIGTERM: stopped within 10 s" "$stopped" "1"
expect_eq "SIGTERM: exit 2" "$rc" "2"
expect_eq "SIGTERM: message" "$(cat "$TMP/err")" "vigil scan: interrupted"
expect_eq "SIGTERM: summary written" "$(jq -r 'select(.type=="summary") | .oversized' "$TMP/out")" "1"
rm -f "$H/huge.bin"

# --- 5. JSON Lines to a file: every write ends on a line boundary ---
# 20,000 findings (about 4 MB of JSON Lines, dozens of 64 KiB buffers). The
# sweep is killed (SIGKILL: nothing is flushed) as soon as the file has
# bytes; whenever that is, the file must hold whole lines only. Before,
# the first write was a full 64 KiB buffer, cut mid-line.
J=$TMP/jsonl; mkdir -p "$J"
seq 1 20000 | sed 's/^/VIGIL-TRUST-MARKER /' > "$TMP/lines"
(cd "$J" && split -l 1 -a 5 "$TMP/lines" f)
"$VIGIL" scan -q -j 1 -f jsonl -r "$R/t.yar" -o "$TMP/killed.jsonl" "$J" 2> /dev/null &
pid=$!
for _ in $(seq 1 600); do
    [ -s "$TMP/killed.jsonl" ] && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.05
done
{ kill -KILL "$pid"; wait "$pid"; } 2> /dev/null
if grep -q '"type":"summary"' "$TMP/killed.jsonl"; then
    echo "note: the sweep ended before it was killed; the check below is weaker"
fi
expect_eq "killed sweep: the file ends with a newline" "$(tail -c 1 "$TMP/killed.jsonl" | od -An -c | tr -d ' ')" '\n'
bad_lines=$(jq -R 'fromjson? // "BAD" | select(. == "BAD")' "$TMP/killed.jsonl" | wc -l)
expect_eq "killed sweep: every line is whole JSON" "$bad_lines" "0"

# --- 6. a file that grows while it is read: read up to the size it had ---
# A writer extends the file (sparse, so no disk is used) faster than it can
# be read, for as long as the sweep runs. `scan` past --max-size (hashed in
# chunks) and `logs` read up to the size fstat gave, then stop. Before,
# both read until end of file, which never came (the fail-safe timeout hit).
# grow_while STEP FILE OUT CMD...: runs CMD (output to OUT) while FILE grows
# by STEP at a time; prints CMD's exit code
grow_while() {
    local step=$1 f=$2 out=$3; shift 3
    printf 'grow evil-c2.example\n' > "$f"
    touch "$TMP/grow.on"
    (while [ -e "$TMP/grow.on" ]; do truncate -s "+$step" "$f" || break; done) &
    local writer=$!
    timeout -k 5 60 "$@" > "$out" 2> /dev/null
    echo "$?"
    rm -f "$TMP/grow.on"
    wait "$writer"
    rm -f "$f"
}
G=$TMP/grow; mkdir -p "$G"
# (hashing runs at a few hundred MB/s: 8 MiB steps outrun it)
rc=$(grow_while 8M "$G/big.log" "$TMP/out.grow" "$VIGIL" scan -q -f jsonl --max-size 1K --max-hash-size 1T -r "$R/t.yar" "$G")
expect_eq "growing file, scan: finishes (exit 0), hashed" \
    "$rc $(jq -r 'select(.type=="summary") | [.files, .oversized, .unhashed] | @csv' "$TMP/out.grow")" "0 1,1,0"
rc=$(grow_while 64M "$G/big.log" "$TMP/out.grow" "$VIGIL" logs -q -f jsonl --binary --c2-iocs "$I/test-c2-iocs.txt" "$G")
expect_eq "growing file, logs: finishes (exit 1), the hit found" \
    "$rc $(jq -r 'select(.type=="log_hit") | .line' "$TMP/out.grow")" "1 1"

finish
