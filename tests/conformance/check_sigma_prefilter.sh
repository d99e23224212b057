#!/usr/bin/env bash
# check_sigma_prefilter.sh - the prefilter never changes a result. Why: it
# skips rules whose needed literals are absent from an event; a wrong
# literal, clause or field set would silently drop detections. Every corpus
# EVTX event (dumped to JSON Lines) is matched against every corpus Sigma
# rule with and without the prefilter; the outputs must be identical, and
# the prefilter must have skipped most evaluations.
set -uo pipefail
B=${VIGIL_BUILD:?}; R=${VIGIL_ROOT:?}; C=${VIGIL_CORPUS:?}
TOOL="$B/tests/tools/sigma_match"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
args=(--all --stats --mapping "$R/data/sigma/logsources.yml")
for d in "$C"/sigma/rules*; do [ -d "$d" ] && args+=(--rules "$d"); done
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$C" -name '*.evtx' -print0 | sort -z)
"$B/vigil" evtx dump "${files[@]}" > "$TMP/ev.jsonl" 2> /dev/null
"$TOOL" "${args[@]}" "$TMP/ev.jsonl" > "$TMP/on" 2> "$TMP/on.err"
"$TOOL" "${args[@]}" --no-prefilter "$TMP/ev.jsonl" > "$TMP/off" 2> "$TMP/off.err"
on=$(grep '^events ' "$TMP/on.err"); off=$(grep '^events ' "$TMP/off.err")
echo "info ${#files[@]} files, $(wc -l < "$TMP/ev.jsonl") events, $(wc -l < "$TMP/on") matches"
echo "info prefilter: $on"
echo "info no prefilter: $off"
if [ -s "$TMP/on" ] && cmp -s "$TMP/on" "$TMP/off"; then pass=$((pass + 1)); else
    diff "$TMP/on" "$TMP/off" | head -20; echo "FAIL: results differ with the prefilter"
    fail=$((fail + 1))
fi
# "events E candidates N evaluated V matches M": V is word 6; at most a tenth of the evaluations without it
ev_on=$(awk '{print $6}' <<< "$on"); ev_off=$(awk '{print $6}' <<< "$off")
if [ -n "$ev_on" ] && [ -n "$ev_off" ] && [ $((ev_on * 10)) -le "$ev_off" ]; then
    pass=$((pass + 1))
else
    echo "FAIL: the prefilter skipped too little ($ev_on of $ev_off evaluated)"; fail=$((fail + 1))
fi
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
