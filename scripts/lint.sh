#!/usr/bin/env bash
# lint.sh - static checks: cppcheck, clang-tidy and clang-format on the
# library and the command. Exits non-zero on any finding.
#
# Why it runs in parallel: CI (.ci/run) runs it first, to fail fast, within
# a budget mostly spent on the build and the tests, and clang-tidy one file
# after another took most of ten minutes on two cores. Each file gets one
# clang-tidy, LINT_JOBS (default: every online core) at a time, biggest
# first so that no big file starts last; cppcheck, one whole-program run as
# before (its cross-file checks need it), runs beside them. Output comes in
# file order whatever finishes first. Compiler flags come from the Makefile
# (make lint sets LINT_CFLAGS), so clang-tidy sees what the compiler sees.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
JOBS=${LINT_JOBS:-$(nproc)}
SRC=$(ls src/*/*.c cli/*.c)
HDR=$(ls include/vigil/*.h src/*/*.h cli/*.h)
INC=(-Iinclude -Isrc -I/usr/include/hs)
# shellcheck disable=SC2206 # flags: split on spaces, as make would
CFLAGS=(${LINT_CFLAGS:--std=c11 -D_GNU_SOURCE -Iinclude -Isrc -I/usr/include/hs $(pkg-config --cflags libxml-2.0 2>/dev/null)})
OUT=$(mktemp -d "${TMPDIR:-/tmp}/vigil-lint.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

echo "== layers"
bash scripts/check_layers.sh || rc=1

# Left out, with reasons: sizeof-expression flags `n * sizeof *p` for arrays
# of pointers (our allocation idiom); not-null-terminated-result flags
# memcpy of counted, deliberately unterminated bytes.
CHECKS='-*,bugprone-*,clang-analyzer-*,cert-err34-c,-bugprone-sizeof-expression,-bugprone-not-null-terminated-result,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-bugprone-implicit-widening-of-multiplication-result,-clang-analyzer-optin.performance.Padding'

# cppcheck in the background, the clang-tidy pool beside it
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
    --inline-suppr --suppress=missingIncludeSystem "${INC[@]}" $SRC > "$OUT/cppcheck" 2>&1 &
cppcheck_pid=$!

# One clang-tidy: its findings (without the "N warnings generated" noise)
# into OUT/tidy/<file with / as %>; the file stays empty when clean.
tidy_one() {
    local f=$1 out
    out=$(clang-tidy --quiet --checks="$CHECKS" --warnings-as-errors='*' "$f" -- "${CFLAGS[@]}" 2>&1 |
        grep -v '^[0-9]* warnings\? generated')
    printf '%s' "$out" > "$OUT/tidy/${f//\//%}"
}
export -f tidy_one
export CHECKS OUT
export LINT_CFLAGS_ARRAY="${CFLAGS[*]}"
mkdir "$OUT/tidy"
# biggest first: ls -S sorts by size, descending
# shellcheck disable=SC2016 # expanded by the inner bash
ls -S $SRC | xargs -P "$JOBS" -n 1 bash -c 'CFLAGS=($LINT_CFLAGS_ARRAY); tidy_one "$1"' tidy

wait "$cppcheck_pid" || rc=1
echo "== cppcheck"
cat "$OUT/cppcheck"
echo "== clang-tidy"
for f in $SRC; do
    r="$OUT/tidy/${f//\//%}"
    if [ ! -f "$r" ]; then
        echo "clang-tidy did not run on $f"; rc=1
    elif [ -s "$r" ]; then
        cat "$r"; echo; rc=1
    fi
done

echo "== clang-format"
# shellcheck disable=SC2086 # one file name per word
if ! clang-format --dry-run --Werror $SRC $HDR > "$OUT/format" 2>&1; then
    grep -o '^[^:]*\.[ch]:' "$OUT/format" | sort -u | sed 's/:$//; s/^/needs clang-format: /'
    rc=1
fi
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
