#!/usr/bin/env bash
# check_ioc_counts.sh - loads signature-base/iocs through the IOC builder and
# asserts the entry counts against the lists' own non-comment lines:
# 3,224 hash lines (3,053 distinct digests: 986 MD5, 893 SHA1, 1,174 SHA256,
# since duplicates collapse into one entry), 3,828 filename patterns,
# 1,844 C2 entries, and not one diagnostic.
set -uo pipefail
build=${VIGIL_BUILD:?} corpus=${VIGIL_CORPUS:?}
iocs="$corpus/signature-base/iocs"
out=$("$build/tests/tools/ioc_stats" "$iocs"/*.txt 2>&1)
pass=0 fail=0
expect() {
    local key=$1 want=$2 got
    got=$(printf '%s\n' "$out" | awk -v k="$key" '$1 == k {print $2}')
    if [ "$got" = "$want" ]; then
        echo "ok $key $got"
        pass=$((pass + 1))
    else
        echo "FAIL $key: want $want, got ${got:-nothing}"
        fail=$((fail + 1))
    fi
}
expect hash_added 3224
expect hash 3053
expect md5 986
expect sha1 893
expect sha256 1174
expect filename 3828
expect c2 1844
expect errors 0
expect warnings 0
# The counts must also follow from the lists themselves.
lines() { grep -v '^[[:space:]]*#' "$1" | grep -cv '^[[:space:]]*$'; }
expect hash_added "$(lines "$iocs/hash-iocs.txt")"
expect filename "$(lines "$iocs/filename-iocs.txt")"
expect c2 "$(lines "$iocs/c2-iocs.txt")"
printf '%s\n' "$out" | grep '^diag ' | head -20
printf '%s\n' "$out" | grep -E '^filename_(prefilter|pcre) ' | sed 's/^/info /'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
