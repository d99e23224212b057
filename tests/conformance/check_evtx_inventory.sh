#!/usr/bin/env bash
# check_evtx_inventory.sh - vigil's EVTX reader against the corpus inventories.
#
# For every EVTX file listed in _derived/{evtx-attack-samples,sigma-regression,
# chainsaw}.inventory.tsv, `vigil evtx count` must give the same record count,
# channel histogram and EventID histogram as python-evtx and libevtx did, with
# no error diagnostic (CRC warnings would be shown but are allowed). Plus the
# chainsaw golden case: EventID 4624 in security_sample.evtx is exactly
# records 31794 and 31799. One pass/fail per file and per check.
set -uo pipefail
: "${VIGIL_BUILD:?}" "${VIGIL_CORPUS:?}"
VIGIL="$VIGIL_BUILD/vigil"
D="$VIGIL_CORPUS/_derived"
pass=0 fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-evtx-conf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# check_inventory INVENTORY BASE_DIR
check_inventory() {
    local inv=$1 base=$2 name
    name=$(basename "$inv" .inventory.tsv)
    if [ ! -f "$inv" ] || [ ! -d "$base" ]; then
        echo "FAIL $name: missing $inv or $base"; fail=$((fail + 1)); return
    fi
    awk -F'\t' '!/^#/ && $1 != "path" && NF >= 7 { print $1 }' "$inv" > "$tmp/$name.files"
    (cd "$base" && tr '\n' '\0' < "$tmp/$name.files" |
        xargs -0 "$VIGIL" evtx count > "$tmp/$name.got" 2> "$tmp/$name.err")
    if grep -q 'error' "$tmp/$name.err"; then
        echo "FAIL $name: error diagnostics:"; grep 'error' "$tmp/$name.err" | head -5
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
    grep -v 'error' "$tmp/$name.err" | head -5
    local out p f
    out=$(awk -F'\t' -v name="$name" '
        FNR == NR { if ($0 !~ /^#/ && $1 != "path" && NF >= 7) { want[$1] = $3 "\t" $6 "\t" $7; n++ } next }
        { got[$1] = $2 "\t" $3 "\t" $4; recs += $2 }
        END {
            p = 0; f = 0
            for (k in want) {
                if (got[k] == want[k]) p++
                else { f++; if (f <= 5) printf "mismatch %s: want [%s] got [%s]\n", k, want[k], got[k] }
            }
            printf "info %s: %d files, %d records\n", name, n, recs
            printf "RESULT %d %d\n", p, f
        }' "$inv" "$tmp/$name.got")
    printf '%s\n' "$out" | grep -v '^RESULT'
    p=$(printf '%s\n' "$out" | awk '/^RESULT/ { print $2 }')
    f=$(printf '%s\n' "$out" | awk '/^RESULT/ { print $3 }')
    pass=$((pass + p)); fail=$((fail + f))
}

check_inventory "$D/evtx-attack-samples.inventory.tsv" "$VIGIL_CORPUS/evtx-attack-samples"
check_inventory "$D/sigma-regression.inventory.tsv" "$VIGIL_CORPUS/sigma/regression_data"
check_inventory "$D/chainsaw.inventory.tsv" "$VIGIL_CORPUS/chainsaw"

# golden case: EventID 4624 -> records 31794 and 31799
got=$("$VIGIL" evtx dump "$VIGIL_CORPUS/chainsaw/tests/evtx/security_sample.evtx" 2>/dev/null |
    grep '"EventID":"4624"' | grep -o '"EventRecordID":"[0-9]*"' | tr -dc '0-9\n' | tr '\n' ' ')
if [ "$got" == "31794 31799 " ]; then
    echo "ok chainsaw golden 4624 = 31794 31799"; pass=$((pass + 1))
else
    echo "FAIL chainsaw golden 4624: got [$got]"; fail=$((fail + 1))
fi
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
