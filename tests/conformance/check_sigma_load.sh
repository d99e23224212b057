#!/usr/bin/env bash
# check_sigma_load.sh - every Sigma rule of the corpus loads. Why: a rule the
# engine silently drops is a detection the user believes they have. The two
# corpus rules using |expand need placeholder values: they are loaded with a
# generated placeholder file. Without it vigil still handles the placeholder
# (the spec only requires refusal from tools that cannot): an unset one is an
# empty value list, so a selection on it never fires and a filter on it
# excludes nothing; exactly those two rules must say so.
set -uo pipefail
B=${VIGIL_BUILD:?}; R=${VIGIL_ROOT:?}; C=${VIGIL_CORPUS:?}
TOOL="$B/tests/tools/sigma_match"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
args=(--mapping "$R/data/sigma/logsources.yml")
for d in "$C"/sigma/rules*; do [ -d "$d" ] && args+=(--rules "$d"); done
nfiles=$(find "$C"/sigma/rules* -name '*.yml' | wc -l)
printf 'known_cdcs:\n  - dc01.example.org\n' > "$TMP/ph.yml"
"$TOOL" --load-only "${args[@]}" --placeholders "$TMP/ph.yml" 2>"$TMP/err"
line=$(grep '^loaded ' "$TMP/err")
echo "info $line"
if [[ $line == *"from $nfiles files; refused 0" ]]; then pass=$((pass + 1)); else
    grep refused "$TMP/err" | head -20; echo "FAIL: not every rule loaded"; fail=$((fail + 1)); fi
"$TOOL" --load-only "${args[@]}" 2>"$TMP/err2"
nph=$(grep -c 'placeholder %[A-Za-z_]*% has no values' "$TMP/err2")
nexp=$(grep -c 'placeholder %known_cdcs% has no values' "$TMP/err2")
line2=$(grep '^loaded ' "$TMP/err2")
if [ "$nph" = 2 ] && [ "$nexp" = 2 ] && [[ $line2 == *"from $nfiles files; refused 0" ]]; then
    pass=$((pass + 1))
else
    grep 'placeholder\|^loaded' "$TMP/err2" | head; echo "FAIL: unset placeholders"; fail=$((fail + 1))
fi
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
