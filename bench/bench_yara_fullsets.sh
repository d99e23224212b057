#!/usr/bin/env bash
# bench_yara_fullsets.sh - whole public rule sets, not a subset: vigil scan
# (YARA only) against `yara -r -p N` with the 3,000 Elastic rules, the
# corpus signature-base rules, and both together, on the same tree in the
# same run, several rounds. Prints per round the wall and CPU seconds and
# peak memory (/usr/bin/time) of both, the ratio yara/vigil (above 1 =
# vigil faster) and whether the (file, rule) pairs are identical (the
# rules that read external variables left aside, as in
# tests/conformance/check_yara_parity.sh).
# Target (issue 23): >= 2.5x yara's wall time on /usr/lib/x86_64-linux-gnu,
# no slower on libwine's PE DLLs and /usr/share, peak memory <= 1.3x yara's.
# env: BENCH_DIRS (default /usr/lib/x86_64-linux-gnu), BENCH_THREADS
#      (default nproc), BENCH_ROUNDS (default 3), BENCH_SETS (default
#      "elastic sigbase both").
set -u
build=${VIGIL_BUILD:?}; corpus=${VIGIL_CORPUS:-/work/shared/corpus}
VIGIL=$build/vigil
DIRS=${BENCH_DIRS:-/usr/lib/x86_64-linux-gnu}
N=${BENCH_THREADS:-$(nproc)}
ROUNDS=${BENCH_ROUNDS:-3}
SETS=${BENCH_SETS:-elastic sigbase both}
# shellcheck source=bench/yara_sets.bash
. "$(dirname "$0")/yara_sets.bash"
yara_sets_check bench_yara_fullsets
TIME=/usr/bin/time
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

pairs_yara() { awk '{r=$1; $1=""; sub(/^ /,""); print $0 "\t" r}' "$1" | sort -u; }
pairs_vigil() {
    jq -r --arg a "${EXT_FILES[0]}" --arg b "${EXT_FILES[1]}" \
        'select(.type=="finding" and .kind=="yara" and .namespace!=$a and .namespace!=$b) | "\(.path)\t\(.rule)"' \
        "$1" | sort -u
}

echo "threads $N, $ROUNDS rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for set in $SETS; do
    set_args "$set" 1
    vargs=("${vrules[@]}")
    for dir in $DIRS; do
        [ -d "$dir" ] || { echo "$dir missing, skipped"; continue; }
        # warm the page cache (and vigil's gate database cache)
        yara -w -N -r -p "$N" "${EXT[@]}" "${yargs[@]}" "$dir" > /dev/null 2>&1
        "$VIGIL" scan -q -j "$N" --no-archives -f jsonl "${vargs[@]}" "$dir" > /dev/null 2>&1
        echo "== $set (${#files[@]} files) on $dir"
        for r in $(seq "$ROUNDS"); do
            $TIME -f '%e %U %S %M' -o "$TMP/ty" yara -w -N -r -p "$N" "${EXT[@]}" "${yargs[@]}" "$dir" \
                > "$TMP/y.out" 2> /dev/null
            $TIME -f '%e %U %S %M' -o "$TMP/tv" "$VIGIL" scan -q -j "$N" --no-archives -f jsonl \
                "${vargs[@]}" "$dir" > "$TMP/v.out" 2> /dev/null
            read -r yw yu ys ym < <(tail -1 "$TMP/ty")
            read -r vw vu vs vm < <(tail -1 "$TMP/tv")
            pairs_yara "$TMP/y.out" > "$TMP/y.pairs"
            pairs_vigil "$TMP/v.out" > "$TMP/v.pairs"
            if diff -q "$TMP/y.pairs" "$TMP/v.pairs" > /dev/null; then
                same="identical ($(wc -l < "$TMP/v.pairs") pairs)"
            else
                same="DIFFER ($(wc -l < "$TMP/v.pairs") vigil, $(wc -l < "$TMP/y.pairs") yara)"
            fi
            awk -v r="$r" -v yw="$yw" -v yu="$yu" -v ys="$ys" -v ym="$ym" \
                -v vw="$vw" -v vu="$vu" -v vs="$vs" -v vm="$vm" -v same="$same" \
                -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
                yc = yu + ys; vc = vu + vs
                printf "round %d: yara %.2f s (cpu %.2f, %d KiB)  vigil %.2f s (cpu %.2f, %d KiB)  wall %.2fx  cpu %.2fx  memory %.2fx  findings %s  load %s\n",
                    r, yw, yc, ym, vw, vc, vm, yw / vw, yc / vc, vm / ym, same, load }'
        done
    done
done
echo "ratios: yara/vigil for time (target >= 2.5), vigil/yara for memory (target <= 1.3); load average now $(cut -d' ' -f1-3 /proc/loadavg)"
