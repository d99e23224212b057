#!/usr/bin/env bash
# check_yara_parity.sh - vigil must report exactly the (file, rule) pairs
# that yara reports with the same rules: the signature-base rules from the
# corpus over (a) a generated tree of files carrying the rules' strings,
# (b) generated files of size N-1, N, N+1 for every filesize bound N the
# rules use, with the right and almost-right magic bytes (PE, MZ, MY, ZM,
# ELF, \x7fELG) and other kinds of files (script, zip, gzip, PDF, text),
# and (c) Debian directories (and libwine's PE DLLs when at hand). vigil scans each file only with the rule
# groups its magic, size and name can match (the default); (a) and (b) are
# also compared with grouping off and per group. Rules that read external
# variables are compared per file against yara given the values vigil sets
# (filename, filepath, extension, filetype, owner, md5).
set -u
build=${VIGIL_BUILD:?}; root=${VIGIL_ROOT:?}; corpus=${VIGIL_CORPUS:?}
VIGIL=$build/vigil
YDIR=${VIGIL_PARITY_RULES:-$corpus/signature-base/yara} # another set: check_yara_parity_elastic.sh
DEBIAN_DIRS=${VIGIL_PARITY_DIR:-/usr/bin /usr/lib/x86_64-linux-gnu/perl /usr/lib/x86_64-linux-gnu/gconv}
# PE files exercise the MZ group and its literal gate: the 64-bit Windows
# DLLs of Debian's libwine, when unpacked (VIGIL_WINE_DIR) or fetchable
# (VIGIL_FETCH_WINE=1, as in CI)
if [ -z "${VIGIL_PARITY_DIR:-}" ]; then
    wine=${VIGIL_WINE_DIR:-}
    if [ -z "$wine" ] && [ "${VIGIL_FETCH_WINE:-0}" = 1 ]; then
        wine=$(bash "$root/scripts/fetch_wine.sh" 2> /dev/null) || wine=""
    fi
    [ -n "$wine" ] && [ -d "$wine/x86_64-windows" ] && DEBIAN_DIRS="$DEBIAN_DIRS $wine/x86_64-windows"
fi
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "not ok $1" >&2; }
command -v yara > /dev/null || { echo "yara not installed"; echo "0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

EXT_FILES=(thor_inverse_matches.yar yara_mixed_ext_vars.yar)
plain=()
for f in "$YDIR"/*.yar; do
    case " ${EXT_FILES[*]} " in *" $(basename "$f") "*) ;; *) plain+=("$f") ;; esac
done

python3 "$root/tests/conformance/gen_yara_tree.py" "$TMP/tree" "$YDIR"/*.yar > /dev/null
"$build/tests/tools/yara_split_stats" --bounds "$YDIR" 2> /dev/null \
    | python3 "$root/tests/conformance/gen_yara_bounds.py" "$TMP/bounds" > /dev/null
nb=$(ls "$TMP/bounds" 2> /dev/null | wc -l)
[ "$nb" -gt "${VIGIL_PARITY_MIN_BOUNDS:-100}" ] && ok "generated $nb files at filesize bounds" || bad "bound files: $nb"
# names the renamed-binary rules look at
for n in cmd.exe svchost.exe rundll32.exe lsass.exe explorer.exe winlogon.exe; do
    printf 'MZ\nnot a real binary\n' > "$TMP/tree/$n"
done

compare() { # NAME VIGIL_PAIRS YARA_PAIRS
    if diff -q "$2" "$3" > /dev/null; then
        ok "$1: $(wc -l < "$2") (file, rule) pairs identical"
    else
        bad "$1: differ (< vigil, > yara)"; diff "$2" "$3" | head -20 >&2
    fi
}

# yara's --max-size default (none) and vigil's 4G, both recursive
for target in "$TMP/tree" "$TMP/bounds" $DEBIAN_DIRS; do
    [ -d "$target" ] || { echo "info $target missing, skipped"; continue; }
    case "$target" in "$TMP/tree") label=generated ;; "$TMP/bounds") label=bounds ;; *) label=$target ;; esac
    yara -w -r -p 2 "${plain[@]}" "$target" 2> "$TMP/y.err" | awk '{r=$1; $1=""; sub(/^ /,""); print $0 "\t" r}' | sort -u > "$TMP/y.pairs"
    modes=auto
    case "$label" in generated|bounds) modes="off per-group auto" ;; esac # auto last: reused below
    for mode in $modes; do
        "$VIGIL" scan -q -f jsonl --no-archives --max-size 4G -L --yara-grouping "$mode" \
            -r "$YDIR" "$target" > "$TMP/v.jsonl" 2> "$TMP/v.err"
        rc=$?
        [ $rc -le 1 ] || { bad "$label ($mode): vigil exit $rc"; cat "$TMP/v.err" >&2; continue; }
        jq -r --arg a "${EXT_FILES[0]}" --arg b "${EXT_FILES[1]}" \
            'select(.type=="finding" and .kind=="yara" and .namespace!=$a and .namespace!=$b) | "\(.path)\t\(.rule)"' \
            "$TMP/v.jsonl" | sort -u > "$TMP/v.pairs"
        compare "$label (rules without externals, grouping $mode)" "$TMP/v.pairs" "$TMP/y.pairs"
    done
    # the per-file yara runs with external variables: only for a set that
    # has the rule files reading them (the Elastic set has none)
    if [ "$target" = "$TMP/tree" ] && [ -f "$YDIR/${EXT_FILES[0]}" ] && [ -f "$YDIR/${EXT_FILES[1]}" ]; then
        jq -r --arg a "${EXT_FILES[0]}" --arg b "${EXT_FILES[1]}" \
            'select(.type=="finding" and .kind=="yara" and (.namespace==$a or .namespace==$b)) | "\(.path)\t\(.rule)"' \
            "$TMP/v.jsonl" | sort -u > "$TMP/ve.pairs"
        : > "$TMP/ye.pairs"
        for f in "$TMP/tree"/*; do
            name=$(basename "$f"); ext=""
            case "$name" in ?*.*) ext=".${name##*.}"; ext=${ext,,} ;; esac
            magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
            case "$magic" in 7f454c46*) ft=ELF ;; 4d5a*) ft=EXE ;; *) ft="" ;; esac
            yara -w -d "filename=$name" -d "filepath=$f" -d "extension=$ext" -d "filetype=$ft" \
                -d "owner=$(stat -c %U "$f")" -d "md5=$(md5sum "$f" | cut -d' ' -f1)" \
                "${EXT_FILES[@]/#/$YDIR/}" "$f" 2>/dev/null | awk -v p="$f" '{print p "\t" $1}'
        done | sort -u > "$TMP/ye.pairs"
        compare "generated (rules with externals, per file)" "$TMP/ve.pairs" "$TMP/ye.pairs"
    fi
done
echo "info vigil and yara compared on $(ls "$TMP/tree" | wc -l) generated files, $nb bound files and $DEBIAN_DIRS"
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
