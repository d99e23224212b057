#!/usr/bin/env bash
# check_evtx_dump.sh - the EVTX reader gives the same events however it runs.
#
# Over every corpus EVTX file (evtx-attack-samples, sigma regression data,
# chainsaw), `vigil evtx dump` must print exactly the same JSON Lines with
# --threads 1 and --threads 2 (chunk-parallel decoding, delivered in file
# order), and with --no-crc (CRC checks change diagnostics, never events).
# The same on one big synthetic file (the file header of one corpus file
# followed by every corpus chunk, twice), which is where threads share work;
# its record count must be twice the corpus's. No stored output: the runs
# are compared with each other, and with the inventory check
# (check_evtx_inventory.sh) pinning the counts. One pass/fail per check.
set -uo pipefail
: "${VIGIL_BUILD:?}" "${VIGIL_CORPUS:?}"
VIGIL="$VIGIL_BUILD/vigil"
pass=0 fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-evtx-dump.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

find "$VIGIL_CORPUS/evtx-attack-samples" "$VIGIL_CORPUS/sigma/regression_data" \
    "$VIGIL_CORPUS/chainsaw" -name '*.evtx' -print0 2>/dev/null | sort -z > "$tmp/list"
nfiles=$(tr -cd '\0' < "$tmp/list" | wc -c)
if [ "$nfiles" -lt 100 ]; then
    echo "FAIL: only $nfiles EVTX files under $VIGIL_CORPUS"
    echo "0 passed, 1 failed"
    exit 1
fi

# same MODE_A_OUT MODE_B_OUT WHAT
same() {
    if [ -s "$1" ] && cmp -s "$1" "$2"; then
        echo "ok $3 ($(wc -l < "$1") records)"; pass=$((pass + 1))
    else
        echo "FAIL $3: outputs differ or are empty"
        diff <(head -c 200000 "$1") <(head -c 200000 "$2") | head -5
        fail=$((fail + 1))
    fi
}

xargs -0 "$VIGIL" evtx dump --threads 1 < "$tmp/list" > "$tmp/t1" 2> "$tmp/t1.err"
xargs -0 "$VIGIL" evtx dump --threads 2 < "$tmp/list" > "$tmp/t2" 2> "$tmp/t2.err"
xargs -0 "$VIGIL" evtx dump --no-crc < "$tmp/list" > "$tmp/nc" 2> /dev/null
same "$tmp/t1" "$tmp/t2" "corpus dump --threads 1 = --threads 2"
same "$tmp/t1" "$tmp/nc" "corpus dump = --no-crc"
if cmp -s <(sort "$tmp/t1.err") <(sort "$tmp/t2.err"); then
    echo "ok corpus diagnostics --threads 1 = --threads 2"; pass=$((pass + 1))
else
    echo "FAIL corpus diagnostics differ between --threads 1 and 2"; fail=$((fail + 1))
fi

# big file: header of the first file, then every chunk of every file, twice
big="$tmp/big.evtx"
nchunks=$(python3 - "$tmp/list" "$big" <<'PY'
import sys
files = [f for f in open(sys.argv[1], 'rb').read().split(b'\0') if f]
n = 0
with open(sys.argv[2], 'wb') as out:
    out.write(open(files[0], 'rb').read(4096))
    for _ in range(2):
        for f in files:
            d = open(f, 'rb').read()
            for off in range(4096, len(d) - 65535, 65536):
                if d[off:off + 8] == b'ElfChnk\0':
                    out.write(d[off:off + 65536])
                    n += 1
print(n)
PY
)
"$VIGIL" evtx dump --threads 1 "$big" > "$tmp/b1" 2> /dev/null
"$VIGIL" evtx dump --threads 2 "$big" > "$tmp/b2" 2> /dev/null
same "$tmp/b1" "$tmp/b2" "big file ($nchunks chunks) dump --threads 1 = --threads 2"
# each copy holds the same events, all of them events of the corpus
n=$(grep -c '' "$tmp/b1")
half=$((n / 2))
if [ "$n" -gt 0 ] && [ $((half * 2)) -eq "$n" ] &&
    cmp -s <(head -n "$half" "$tmp/b1") <(tail -n "$half" "$tmp/b1") &&
    [ -z "$(comm -23 <(sort -u "$tmp/b1") <(sort -u "$tmp/t1"))" ]; then
    echo "ok big file: $n records = 2 x $half, all corpus events"; pass=$((pass + 1))
else
    echo "FAIL big file: $n records are not two copies of corpus events"; fail=$((fail + 1))
fi
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
