#!/usr/bin/env bash
# check_yara_split.sh - the YARA precondition split over the corpus rules:
# every rule of signature-base/yara is parsed (505), no namespace falls back
# to unanalysed text, every group compiles with libyara, and on generated
# PE/ELF/script/text inputs at every filesize boundary (and near-miss magic)
# the per-file group selection reports exactly the (file, rule) set of the
# original rules. Prints per-group counts and the rules without precondition.
set -uo pipefail
build=${VIGIL_BUILD:?}
corpus=${VIGIL_CORPUS:?}
tool="$build/tests/tools/yara_split_stats"
rules="$corpus/signature-base/yara"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
if [ ! -x "$tool" ] || [ ! -d "$rules" ]; then
    echo "missing $tool or $rules"
    echo "0 passed, 1 failed"
    exit 1
fi
out=$("$tool" --nopre --equiv "$rules" 2>&1); rc=$?
printf '%s\n' "$out" | grep -E '^(group|no-precondition|equiv|nopre|mismatch|compile error|diag)' \
    | sed 's/^/info /'
n=$(printf '%s\n' "$out" | sed -n 's/^rules \([0-9]*\)$/\1/p')
[ "$n" = "505" ] && ok "all 505 rules parsed" || bad "rules parsed: ${n:-none}, want 505"
o=$(printf '%s\n' "$out" | sed -n 's/^opaque \([0-9]*\)$/\1/p')
[ "$o" = "0" ] && ok "no namespace left unanalysed" || bad "opaque namespaces: ${o:-?}"
groups=$(printf '%s\n' "$out" | grep -c '^group ')
failed=$(printf '%s\n' "$out" | grep '^group ' | grep -vc 'compile=ok$')
[ "$groups" -gt 1 ] && [ "$failed" -eq 0 ] && ok "$groups groups compile" \
    || bad "groups: $groups, failing to compile: $failed"
eq=$(printf '%s\n' "$out" | grep '^equiv ')
if [[ "$eq" =~ mismatches=0 ]] && [ "$rc" -eq 0 ]; then
    ok "group selection reports the same matches as the original rules ($eq)"
else
    bad "equivalence: ${eq:-no result} (exit $rc)"
fi
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
