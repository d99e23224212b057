#!/usr/bin/env bash
# bench_yara_load.sh - rule-set load time, the serial start of every sweep
# (issue 23): `vigil scan -j N --no-archives` and `yara -r -p N` over an
# empty directory with the 3,000 Elastic rules, the corpus signature-base
# rules and both together, in the same run. vigil is measured with its
# cache directory warm (compiled rule sets, trial-compile records and
# Hyperscan databases kept from the run before, the usual case), cold (a
# new cache directory: compiles and stores) and with --no-cache (compiles,
# stores nothing). Prints per set and round the wall and CPU seconds of
# each and the ratios yara/vigil (above 1 = vigil faster), and the load
# average, since on a shared machine the wall times follow it.
# env: BENCH_THREADS (default 2), BENCH_ROUNDS (default 3), BENCH_SETS
#      (default "elastic sigbase both").
set -u
build=${VIGIL_BUILD:?}; corpus=${VIGIL_CORPUS:-/work/shared/corpus}
VIGIL=$build/vigil
N=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
SETS=${BENCH_SETS:-elastic sigbase both}
# shellcheck source=bench/yara_sets.bash
. "$(dirname "$0")/yara_sets.bash"
yara_sets_check bench_yara_load
TIME=/usr/bin/time
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/empty"

# "wall cpu" of a command (its output thrown away)
timed() {
    $TIME -f '%e %U %S' -o "$TMP/t" "$@" > /dev/null 2>&1
    awk '{ printf "%.2f %.2f", $1, $2 + $3 }' "$TMP/t"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "threads $N, $ROUNDS rounds, load average $(load)"
for set in $SETS; do
    set_args "$set" # every file, EXT_FILES too (EXT defines their externals)
    vargs=(scan -q -j "$N" --no-archives -f jsonl "${vrules[@]}")
    cache=$TMP/cache-$set
    echo "== $set (${#files[@]} files)"
    # page cache warm for both
    yara -w -N -r -p "$N" "${EXT[@]}" "${yargs[@]}" "$TMP/empty" > /dev/null 2>&1
    read -r cw cc < <(XDG_CACHE_HOME=$cache timed "$VIGIL" "${vargs[@]}" "$TMP/empty")
    echo "vigil cold cache (compiles and stores): ${cw} s wall, ${cc} s CPU"
    for r in $(seq "$ROUNDS"); do
        read -r yw yc < <(timed yara -w -N -r -p "$N" "${EXT[@]}" "${yargs[@]}" "$TMP/empty")
        read -r vw vc < <(XDG_CACHE_HOME=$cache timed "$VIGIL" "${vargs[@]}" "$TMP/empty")
        read -r nw nc < <(XDG_CACHE_HOME=$cache timed "$VIGIL" "${vargs[@]}" --no-cache "$TMP/empty")
        awk -v r="$r" -v yw="$yw" -v yc="$yc" -v vw="$vw" -v vc="$vc" -v nw="$nw" -v nc="$nc" \
            -v load="$(load)" 'BEGIN {
            printf "round %d: yara %.2f s (cpu %.2f)  vigil warm %.2f s (cpu %.2f) wall %.2fx cpu %.2fx  vigil --no-cache %.2f s (cpu %.2f) wall %.2fx  load %s\n",
                r, yw, yc, vw, vc, (vw > 0 ? yw / vw : 0), (vc > 0 ? yc / vc : 0),
                nw, nc, (nw > 0 ? yw / nw : 0), load }'
    done
done
echo "ratios: yara/vigil (above 1 = vigil loads faster); load average now $(load)"
