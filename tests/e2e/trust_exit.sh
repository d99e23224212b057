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
"$VIGIL" logs -r "$TMP/mixed" "$TMP/clean.txt" > /dev/null 2> "$TMP/err"
expect_eq "logs, broken rule file, nothing found: exit 2" "$?" "2"
expect_eq "logs, broken rule file: last message" "$(tail -1 "$TMP/err")" \
    "vigil logs: nothing found, but 1 rule file could not be loaded"
finish
