#!/usr/bin/env bash
# check_yara_load.sh - the signature-base YARA set loads completely through
# the vigil builder: all 23 files, exactly 505 rules, no errors, and every
# rule's recorded line really holds its `rule NAME` definition.
set -uo pipefail
dir="$VIGIL_CORPUS/signature-base/yara"
tool="$VIGIL_BUILD/tests/tools/yara_load"
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
expect() { # name got want
    if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: got '$2', want '$3'"; fi
}

out=$("$tool" --list "$dir"); rc=$?
field() { printf '%s\n' "$out" | sed -n "s/^$1 //p"; }
expect "exit status" "$rc" 0
expect "files" "$(field files)" 23
expect "rules" "$(field rules)" 505
expect "errors" "$(field errors)" 0
expect "rules without a line" "$(field nolines)" 0
expect "error diagnostics" "$(printf '%s\n' "$out" | grep -c '^error ')" 0

# Every listed line holds the rule's definition.
wrong=0 checked=0
while read -r _ nsname srcline _; do
    name=${nsname#*:} src=${srcline%:*} ln=${srcline##*:}
    checked=$((checked + 1))
    sed -n "${ln}p" "$src" | grep -qE "rule[[:space:]]+${name}([^A-Za-z0-9_]|$)" ||
        { wrong=$((wrong + 1)); echo "info wrong line: $name $src:$ln"; }
done < <(printf '%s\n' "$out" | grep '^rule ')
expect "rule lines checked" "$checked" 505
expect "rule lines wrong" "$wrong" 0

# The yara command sees the same public rules: on an empty file every
# public rule either matches or (with -n) does not.
if command -v yara >/dev/null; then
    tmp=$(mktemp -d)
    : >"$tmp/empty"
    ext=(-d filename= -d filepath= -d extension= -d filetype= -d owner= -d md5=)
    yes=$(yara "${ext[@]}" "$dir"/*.yar "$tmp/empty" 2>"$tmp/err" | wc -l)
    no=$(yara -n "${ext[@]}" "$dir"/*.yar "$tmp/empty" 2>>"$tmp/err" | wc -l)
    expect "yara command errors" "$(grep -c . "$tmp/err")" 0
    public=$(printf '%s\n' "$out" | grep '^rule ' | grep -vc ' private$')
    expect "public rules (yara command)" "$((yes + no))" "$public"

    # Same matches as the yara command on the corpus' own rule and IOC
    # text files (rule files hold the very strings their rules look for).
    targets=("$dir"/*.yar "$VIGIL_CORPUS"/signature-base/iocs/*)
    "$tool" "$dir" --scan "${targets[@]}" | grep '^match ' | sort >"$tmp/vigil"
    for f in "${targets[@]}"; do
        yara "${ext[@]}" "$dir"/*.yar "$f" 2>>"$tmp/err"
    done | sed 's/^/match /' | sort >"$tmp/yara"
    n=$(wc -l <"$tmp/yara")
    if [ "$n" -gt 0 ] && cmp -s "$tmp/vigil" "$tmp/yara"; then
        ok "same $n matches as the yara command on ${#targets[@]} files"
    else
        bad "matches differ from the yara command ($n from yara):"
        diff "$tmp/vigil" "$tmp/yara" | head -10
    fi
    rm -rf "$tmp"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
