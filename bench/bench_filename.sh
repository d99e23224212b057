#!/usr/bin/env bash
# bench_filename.sh - filename IOC matching: vigil's one hyperscan database
# against Loki's algorithm (Python re.search of every pattern on every path,
# with the same '/' -> '\' rule and false-positive regexes), on the same
# generated paths and the signature-base list. Prints ns/path of both, the
# ratio, and both findings counts (they should agree).
set -euo pipefail
build=${VIGIL_BUILD:?}
iocs="${VIGIL_CORPUS:?}/signature-base/iocs/filename-iocs.txt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
peer_paths=${BENCH_PEER_PATHS:-1000}

"$build/bench/bench_filename" "$iocs" "$peer_paths" "$tmp/paths" > "$tmp/vigil.txt"
cat "$tmp/vigil.txt"
vigil_ns=$(awk '/^ns_per_path/ {print $2}' "$tmp/vigil.txt")
vigil_hits=$(awk '/^paths/ {print $4}' "$tmp/vigil.txt")

python3 - "$iocs" "$tmp/paths" > "$tmp/peer.txt" <<'PY'
import re, sys, time
pats = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    row = line.split(";")
    fp = re.compile(row[2]) if len(row) > 2 and row[2] else None
    try:
        pats.append((re.compile(row[0]), fp))
    except re.error:
        pass
paths = [p.rstrip("\n") for p in open(sys.argv[2], encoding="utf-8")]
t = time.perf_counter()
hits = 0
for p in paths:
    alt = p.replace("/", "\\") if "/" in p else None
    for rx, fp in pats:
        if rx.search(p) or (alt is not None and rx.search(alt)):
            if fp and (fp.search(p) or (alt is not None and fp.search(alt))):
                continue
            hits += 1
t = time.perf_counter() - t
print("peer_findings", hits)
print("peer_ns_per_path %.0f" % (t * 1e9 / len(paths)))
PY
cat "$tmp/peer.txt"
peer_ns=$(awk '/^peer_ns_per_path/ {print $2}' "$tmp/peer.txt")
peer_hits=$(awk '/^peer_findings/ {print $2}' "$tmp/peer.txt")
awk -v v="$vigil_ns" -v p="$peer_ns" 'BEGIN { printf "filename IOCs: vigil %d ns/path, Loki-style re loop %d ns/path, ratio %.0fx faster\n", v, p, p / v }'
if [ "$vigil_hits" != "$peer_hits" ]; then
    echo "filename IOCs: findings differ: vigil $vigil_hits, peer $peer_hits"
    exit 1
fi
echo "filename IOCs: findings agree ($vigil_hits)"
