#!/usr/bin/env bash
# lint.sh - static checks: cppcheck, clang-tidy and clang-format on the
# library, the command and the tests. Exits non-zero on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
SRC=$(ls src/*/*.c cli/*.c)
HDR=$(ls include/vigil/*.h src/*/*.h cli/*.h)
INC=(-Iinclude -Isrc -I/usr/include/hs)

echo "== layers"
bash scripts/check_layers.sh || rc=1

echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
    --inline-suppr --suppress=missingIncludeSystem "${INC[@]}" $SRC || rc=1

echo "== clang-tidy"
# Left out, with reasons: sizeof-expression flags `n * sizeof *p` for arrays
# of pointers (our allocation idiom); not-null-terminated-result flags
# memcpy of counted, deliberately unterminated bytes.
CHECKS='-*,bugprone-*,clang-analyzer-*,cert-err34-c,-bugprone-sizeof-expression,-bugprone-not-null-terminated-result,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-bugprone-implicit-widening-of-multiplication-result,-clang-analyzer-optin.performance.Padding'
for f in $SRC; do
    out=$(clang-tidy --quiet --checks="$CHECKS" --warnings-as-errors='*' "$f" -- \
        -std=c11 -D_GNU_SOURCE "${INC[@]}" $(pkg-config --cflags libxml-2.0 2>/dev/null) 2>&1 | grep -v '^[0-9]* warnings\? generated')
    if [ -n "$out" ]; then echo "$out"; rc=1; fi
done

echo "== clang-format"
for f in $SRC $HDR; do
    if ! clang-format --dry-run --Werror "$f" > /dev/null 2>&1; then
        echo "needs clang-format: $f"; rc=1
    fi
done
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
