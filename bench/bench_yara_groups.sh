#!/usr/bin/env bash
# bench_yara_groups.sh - YARA-only sweeps: vigil (rules grouped by
# precondition, default "auto"; also "per-group" and "off") against
# `yara -r -p N` with the same rules and thread count, in one run, plus the
# rule loading cost of grouping. Prints wall and CPU seconds and the ratios
# yara/vigil (above 1 = vigil faster).
# Targets (issue 4): Debian trees >= 2x (aim 3x); a tree of PE files (the
# Windows DLLs of Debian's libwine, unpacked, not installed) >= 1x; loading
# with grouping < 2x loading without.
# env: BENCH_RULES (rule dir, default the corpus signature-base/yara),
#      BENCH_DIRS (default /usr/lib/x86_64-linux-gnu /usr/share),
#      BENCH_WINE_DIR (unpacked libwine; default: downloaded with
#      `apt-get download libwine` and `dpkg-deb -x` into a temp dir),
#      BENCH_THREADS (default nproc), BENCH_RUNS (default 1, best of),
#      BENCH_MODES (default "auto per-group off"),
#      BENCH_REPLICATE=K: use K copies of every rule file (each its own
#      namespace) to see how load and scan scale with a rule set K times
#      bigger when no bigger public set is at hand.
set -u
build=${VIGIL_BUILD:?}; corpus=${VIGIL_CORPUS:-/work/shared/corpus}
VIGIL=$build/vigil
RULES=${BENCH_RULES:-$corpus/signature-base/yara}
DIRS=${BENCH_DIRS:-/usr/lib/x86_64-linux-gnu /usr/share}
N=${BENCH_THREADS:-$(nproc)}
RUNS=${BENCH_RUNS:-1}
EXT=(-d filename= -d filepath= -d extension= -d filetype= -d owner= -d md5=)
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench_yara_groups: /usr/bin/time missing (Debian package time)"; exit 1; }
command -v yara > /dev/null || { echo "bench_yara_groups: yara missing"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
if [ "${BENCH_REPLICATE:-1}" -gt 1 ]; then
    mkdir -p "$TMP/rules"
    for k in $(seq "$BENCH_REPLICATE"); do
        for f in "$RULES"/*.yar "$RULES"/*.yara; do
            [ -f "$f" ] && cp "$f" "$TMP/rules/c${k}_$(basename "$f")"
        done
    done
    RULES=$TMP/rules
fi
mapfile -t YFILES < <(find "$RULES" -name '*.yar' -o -name '*.yara' | sort)
# yara gets each file in a namespace of its own, as vigil loads them (the
# replicated copies repeat rule names)
YARGS=()
for f in "${YFILES[@]}"; do YARGS+=("$(basename "$f" | tr -c 'A-Za-z0-9_.\n' _):$f"); done

wine=${BENCH_WINE_DIR:-}
if [ -z "$wine" ]; then
    if (cd "$TMP" && apt-get download libwine > /dev/null 2>&1) && dpkg-deb -x "$TMP"/libwine_*.deb "$TMP/wine"; then
        wine=$(find "$TMP/wine" -type d -name 'x86_64-windows' | head -1)
    else
        echo "note: libwine could not be downloaded; PE tree skipped"
    fi
fi

# runs CMD... RUNS times; prints "best_wall cpu_of_that_run"
measure() {
    local best="" line
    for _ in $(seq "$RUNS"); do
        $TIME -f '%e %U %S' -o "$TMP/t" "$@" > "$TMP/out" 2> /dev/null
        # last line: time(1) puts "Command exited with non-zero status 1"
        # (vigil: findings) before the figures
        line=$(tail -1 "$TMP/t" | awk '{printf "%s %.2f", $1, $2 + $3}')
        if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a < b)}'; then
            best=$line
        fi
    done
    echo "$best"
}

echo "rules: $RULES (${#YFILES[@]} files, $("$VIGIL" rules stats -r "$RULES" 2> /dev/null | sed -n 's/^YARA rules *//p') rules), threads $N, best of $RUNS"
"$VIGIL" rules stats -r "$RULES" 2> /dev/null | sed -n '/^YARA grouping/,/rules without/p'

# loading: vigil rules stats with and without grouping; grouped both with
# the literal gate's databases compiled afresh (--no-cache, a first run) and
# taken from the cache (every later run with the same rules)
lo=$(measure "$VIGIL" rules stats --yara-grouping off --no-cache -r "$RULES")
la=$(measure "$VIGIL" rules stats --yara-grouping auto --no-cache -r "$RULES")
"$VIGIL" rules stats -r "$RULES" > /dev/null 2>&1 # fill the cache
lw=$(measure "$VIGIL" rules stats --yara-grouping auto -r "$RULES")
awk -v o="${lo%% *}" -v a="${la%% *}" -v w="${lw%% *}" 'BEGIN {
    printf "load: plain %.2f s, grouped %.2f s, ratio grouped/plain %.2fx (target < 2x)\n", o, a, a / o
    printf "load: grouped with the gate databases cached %.2f s, ratio %.2fx\n", w, w / o }'

for dir in $DIRS ${wine:+"$wine"}; do
    [ -d "$dir" ] || continue
    label=$dir; [ "$dir" = "$wine" ] && label="libwine PE DLLs ($dir)"
    # warms the page cache; a yara that fails would give meaningless ratios
    # -N: yara follows symbolic links by default, vigil does not; both see
    # each file once (Debian's /usr/lib holds 621 symlinks to libraries)
    if ! yara -w -N -r -p "$N" "${EXT[@]}" "${YARGS[@]}" "$dir" > /dev/null 2> "$TMP/yerr"; then
        echo "tree: $dir: yara failed: $(head -2 "$TMP/yerr")"
        continue
    fi
    y=$(measure yara -w -N -r -p "$N" "${EXT[@]}" "${YARGS[@]}" "$dir")
    ym=$(wc -l < "$TMP/out")
    echo "tree: $label (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores)"
    echo "  yara -N -r -p $N:        wall ${y%% *} s, cpu ${y##* } s, $ym matches"
    echo "  (vigil also reports the rules that read filename/filepath/extension, which this"
    echo "   yara run sees as \"\"; check_yara_parity.sh compares those per file)"
    for mode in ${BENCH_MODES:-auto per-group off}; do
        v=$(measure "$VIGIL" scan -q -j "$N" --no-archives -f jsonl --yara-grouping "$mode" -r "$RULES" "$dir")
        vm=$(jq -r 'select(.type=="summary") | .findings' "$TMP/out")
        awk -v m="$mode" -v vw="${v%% *}" -v vc="${v##* }" -v yw="${y%% *}" -v yc="${y##* }" -v f="$vm" 'BEGIN {
            printf "  vigil --yara-grouping %-9s wall %s s, cpu %s s, %s findings; yara/vigil: wall %.2fx, cpu %.2fx\n",
                m ":", vw, vc, f, yw / vw, yc / vc }'
    done
done
