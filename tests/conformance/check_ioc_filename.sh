#!/usr/bin/env bash
# check_ioc_filename.sh - every filename IOC finding of vigil equals Loki's
# (Python re.search per pattern, see ioc_filename_peer.py) on paths derived
# from the 3,828 signature-base patterns: ASCII, non-ASCII and invalid UTF-8
# variants, Windows and '/' forms. One check per path sample and a total.
set -uo pipefail
build=${VIGIL_BUILD:?} corpus=${VIGIL_CORPUS:?} root=${VIGIL_ROOT:?}
iocs="$corpus/signature-base/iocs/filename-iocs.txt"
peer="$root/tests/conformance/ioc_filename_peer.py"
step=${IOC_FILENAME_STEP:-4} # every Nth generated path, to bound Python's time
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$peer" gen "$iocs" | awk -v s="$step" 'NR % s == 1' > "$tmp/paths"
"$build/tests/tools/ioc_match" "$iocs" < "$tmp/paths" | sort > "$tmp/vigil"
python3 "$peer" match "$iocs" "$tmp/paths" | sort > "$tmp/peer"
npaths=$(wc -l < "$tmp/paths")
nonascii=$(LC_ALL=C grep -c $'[\x80-\xff]' "$tmp/paths")
differ=$(diff "$tmp/vigil" "$tmp/peer" | grep -c '^[<>]')
echo "info $npaths paths ($nonascii non-ASCII), vigil $(wc -l < "$tmp/vigil") findings, peer $(wc -l < "$tmp/peer")"
if [ "$differ" -eq 0 ] && [ -s "$tmp/vigil" ]; then
    echo "ok findings identical"
    echo "1 passed, 0 failed"
else
    diff "$tmp/vigil" "$tmp/peer" | head -20
    echo "FAIL $differ findings differ (< vigil only, > peer only; PATH_LINE IOC_LINE)"
    echo "0 passed, 1 failed"
    exit 1
fi
