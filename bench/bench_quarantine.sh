#!/usr/bin/env bash
# bench_quarantine.sh - quarantine throughput: 10,000 small files and one
# 1 GB file moved into the store (journal, fsync, defang, hashes, manifest)
# and restored, against plain mv and cp (+ sync) of the same files on the
# same disk, measured in the same run. Prints files/s and MB/s and ratios.
# BENCH_Q_FILES and BENCH_Q_MB shrink it; BENCH_Q_DIR picks the disk
# (default: the build directory's).
set -euo pipefail
build=${VIGIL_BUILD:?}
nfiles=${BENCH_Q_FILES:-10000}
mb=${BENCH_Q_MB:-1024}
work=$(mktemp -d "${BENCH_Q_DIR:-$build}/bench-q.XXXXXX")
trap 'rm -rf "$work"' EXIT
df -T "$work" | awk 'NR == 2 {print "disk: " $2 " " $7}'

mkdir -p "$work/small" "$work/big"
# 10,000 files of 1-8 KiB from one random stream
head -c $((nfiles * 4608)) /dev/urandom > "$work/stream"
python3 - "$work/stream" "$work/small" "$nfiles" <<'PY'
import os, sys
data = open(sys.argv[1], "rb").read()
off = 0
for i in range(int(sys.argv[3])):
    n = 1024 + (i * 7919) % 7168
    with open(os.path.join(sys.argv[2], "f%05d.bin" % i), "wb") as f:
        f.write(data[off:off + n])
    off = (off + n) % (len(data) - 8192)
PY
rm -f "$work/stream"
head -c $((mb * 1048576)) /dev/urandom > "$work/big/big.bin"
sync

secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
rate() { printf '%.0f files/s  %.1f MB/s' "$(echo "$1 / $3" | bc -l)" "$(echo "$2 / 1000000 / $3" | bc -l)"; }

for set in small big; do
    src=$work/$set
    n=$(find "$src" -type f | wc -l)
    bytes=$(du -sb "$src" | cut -f1)
    echo "== $set: $n files, $bytes bytes"
    # cp: a copy made durable (what the store does, minus the journal)
    t_cp=$(secs bash -c "cp -a '$src' '$work/cp-$set' && sync -f '$work/cp-$set'")
    rm -rf "$work/cp-$set"
    # mv within the file system: renames only
    mkdir -p "$work/mv-$set"
    t_mv=$(secs bash -c "find '$src' -maxdepth 1 -type f -exec mv -t '$work/mv-$set' {} + && sync -f '$work/mv-$set'")
    find "$work/mv-$set" -maxdepth 1 -type f -exec mv -t "$src" {} +
    out=$("$build/bench/bench_quarantine" "$work/store-$set" "$src")
    echo "$out"
    t_q=$(awk '/^quarantine/ {print $6}' <<< "$out")
    t_r=$(awk '/^restore/ {print $6}' <<< "$out")
    echo "cp -a + sync:   $(printf '%.3f' "$t_cp") s  $(rate "$n" "$bytes" "$t_cp")"
    echo "mv (rename):    $(printf '%.3f' "$t_mv") s  $(rate "$n" "$bytes" "$t_mv")"
    echo "vigil quarantine / cp: $(printf '%.2f' "$(echo "$t_q / $t_cp" | bc -l)")x the time;" \
        "/ mv: $(printf '%.2f' "$(echo "$t_q / $t_mv" | bc -l)")x;" \
        "restore / cp: $(printf '%.2f' "$(echo "$t_r / $t_cp" | bc -l)")x"
done
