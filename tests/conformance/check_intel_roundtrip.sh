#!/usr/bin/env bash
# check_intel_roundtrip.sh - the corpus's Loki lists (signature-base
# c2-iocs.txt and hash-iocs.txt) through every intel writer and back:
# list -> STIX 2.1 bundle -> load, list -> Loki text lists -> load,
# list -> CSV -> load must each give the identical set (type, value, score,
# description of every entry), dumped canonically as CSV and compared
# sorted. Also checks the set's size against the lists (1,773 distinct C2
# values: 1,655 domains and 118 IPs; 3,053 distinct hashes) and that the
# STIX bundle, loaded as engine rules, gives the same C2 hunting set.
set -uo pipefail
build=${VIGIL_BUILD:?} corpus=${VIGIL_CORPUS:?}
iocs="$corpus/signature-base/iocs"
vigil="$build/vigil"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-roundtrip.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name got want
    if [ "$2" == "$3" ]; then
        echo "ok $1"
        pass=$((pass + 1))
    else
        echo "FAIL $1: got [$(printf '%s' "$2" | head -c 300)] want [$(printf '%s' "$3" | head -c 300)]"
        fail=$((fail + 1))
    fi
}
dump() { "$vigil" iocs convert --to csv "$@" 2>"$tmp/dump.err" | tail -n +2 | LC_ALL=C sort; }

for list in c2-iocs.txt hash-iocs.txt both; do
    if [ "$list" = both ]; then src=("$iocs/c2-iocs.txt" "$iocs/hash-iocs.txt"); else src=("$iocs/$list"); fi
    orig=$(dump "${src[@]}")
    check "$list: loads without diagnostics" "$(cat "$tmp/dump.err")" ""
    n=$(printf '%s\n' "$orig" | wc -l)
    case $list in
    c2-iocs.txt) check "$list: 1773 distinct values" "$n" 1773 ;;
    hash-iocs.txt) check "$list: 3053 distinct hashes" "$n" 3053 ;;
    both) check "$list: 4826 distinct values" "$n" 4826 ;;
    esac
    # STIX
    "$vigil" iocs convert --to stix -o "$tmp/b.json" "${src[@]}" 2>/dev/null
    check "$list -> stix: exit 0" "$?" 0
    check "$list -> stix -> load: identical set" "$(dump "$tmp/b.json")" "$orig"
    check "$list -> stix: valid JSON bundle of indicators" \
        "$(jq -r '[.type, (.objects | length), (.objects | map(.type) | unique | join(","))] | join(" ")' "$tmp/b.json")" \
        "bundle $n indicator"
    # Loki text lists
    rm -rf "$tmp/loki"
    "$vigil" iocs convert --to loki -o "$tmp/loki" "${src[@]}" 2>/dev/null
    check "$list -> loki: exit 0" "$?" 0
    check "$list -> loki -> load: identical set" \
        "$(dump "$tmp/loki/hash-iocs.txt" "$tmp/loki/c2-iocs.txt")" "$orig"
    # CSV
    "$vigil" iocs convert --to csv -o "$tmp/t.csv" "${src[@]}" 2>/dev/null
    check "$list -> csv -> load: identical set" "$(dump "$tmp/t.csv")" "$orig"
    # STIX -> Loki -> STIX -> load: still the same
    rm -rf "$tmp/loki2"
    "$vigil" iocs convert --to loki -o "$tmp/loki2" "$tmp/b.json" 2>/dev/null
    "$vigil" iocs convert --to stix -o "$tmp/b2.json" "$tmp/loki2/hash-iocs.txt" "$tmp/loki2/c2-iocs.txt" 2>/dev/null
    check "$list -> stix -> loki -> stix -> load: identical set" "$(dump "$tmp/b2.json")" "$orig"
    check "$list: stable STIX ids" "$(jq -c '[.objects[].id] | sort' "$tmp/b2.json")" "$(jq -c '[.objects[].id] | sort' "$tmp/b.json")"
done

# the engine: the STIX bundle hunts the same network set as the Loki list
printf 'nothing\n' > "$tmp/x.log"
a=$("$vigil" logs -f jsonl --c2-iocs "$iocs/c2-iocs.txt" "$tmp/x.log" 2>/dev/null | jq -r 'select(.type=="summary") | .indicators')
"$vigil" iocs convert --to stix -o "$tmp/c2.json" "$iocs/c2-iocs.txt" 2>/dev/null
b=$("$vigil" logs -f jsonl --intel "$tmp/c2.json" "$tmp/x.log" 2>/dev/null | jq -r 'select(.type=="summary") | .indicators')
check "engine: Loki C2 list and its STIX bundle hunt 1773 indicators each" "$a $b" "1773 1773"

echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
