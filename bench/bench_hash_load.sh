#!/usr/bin/env bash
# bench_hash_load.sh - loading a large hash IOC list (issue 6's target:
# 1,000,000 hashes in < 2 s and < 200 MB). Generates a list of MD5, SHA1
# and SHA256 lines in the signature-base formats, loads it with ioc_stats
# (parse, intern, sort, dedupe) and with Loki's algorithm (Python dicts keyed
# by int(hash, 16)), and prints wall time, peak RSS and the ratio.
set -euo pipefail
build=${VIGIL_BUILD:?}
n=${BENCH_HASHES:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
list="$tmp/big-hash-iocs.txt"
python3 - "$n" "$list" <<'PY'
import hashlib, sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for i in range(n):
        h = hashlib.sha256(str(i).encode()).hexdigest()
        h = (h[:32], h[:40], h)[i % 3]
        if i % 2:
            f.write(f"{h};{60 + i % 40};Campaign {i % 5000} - sample {i}\n")
        else:
            f.write(f"{h};Campaign {i % 5000} dropper\n")
PY
/usr/bin/time -f "%e %U %S %M" -o "$tmp/vigil.time" "$build/tests/tools/ioc_stats" -q "$list" > "$tmp/vigil.out"
read -r vs vu vsys vkb < "$tmp/vigil.time"
loaded=$(awk '$1 == "hash" {print $2}' "$tmp/vigil.out")
/usr/bin/time -f "%e %U %S %M" -o "$tmp/peer.time" python3 - "$list" <<'PY'
import sys
md5, sha1, sha256, scores = {}, {}, {}, {}
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    row = line.split(";")
    if len(row) == 3 and row[1].isdigit():
        h, score, comment = row[0].lower(), int(row[1]), row[2].rstrip(" ").rstrip("\n")
    else:
        h, score, comment = row[0].lower(), 100, row[1].rstrip(" ").rstrip("\n")
    d = {32: md5, 40: sha1, 64: sha256}.get(len(h))
    if d is not None:
        d[int(h, 16)] = comment
        scores[h] = score
PY
read -r ps pu psys pkb < "$tmp/peer.time"
echo "hash load: $n lines, $loaded distinct"
awk -v vs="$vs" -v vu="$vu" -v vsys="$vsys" -v vkb="$vkb" \
    -v ps="$ps" -v pu="$pu" -v psys="$psys" -v pkb="$pkb" 'BEGIN {
    vc = vu + vsys; pc = pu + psys
    printf "hash load: vigil %.2f s wall (%.2f s CPU) %.0f MB, Loki-style Python %.2f s wall (%.2f s CPU) %.0f MB, ratio %.1fx faster (CPU)\n",
        vs, vc, vkb / 1024, ps, pc, pkb / 1024, (vc > 0 ? pc / vc : 0) }'
