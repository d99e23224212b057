#!/usr/bin/env bash
# sigma_json_escape.sh - the JSON Lines of matching events are written by
# vigil's own writer (cli/output.c, the sweep's hot output), not jansson's:
# it must escape exactly as json_dumps does (JSON_ENSURE_ASCII): the short
# escapes, other controls and non-ASCII as upper-case \uXXXX, surrogate
# pairs above U+FFFF, DEL and '/' as they are; and the lines must parse.
set -u
. "$(dirname "$0")/lib.bash"

cat > "$TMP/r.yml" <<'YML'
title: Escapes
id: 20000000-0000-0000-0000-000000000001
level: high
logsource:
    product: windows
detection:
    sel:
        CommandLine|contains: 'zz'
    condition: sel
YML
printf '%s\n' '{"Channel":"X","EventID":1,"Computer":"h\"1","CommandLine":"zz \"q\" \\ / \u0001\u001f\t\n\r\b\f \u007f \u00e9 \u20ac \ud83d\ude00 end","Other":"a"}' \
    > "$TMP/ev.json"
"$VIGIL" scan -q -j 1 -f jsonl -r "$TMP/r.yml" "$TMP/ev.json" > "$TMP/out" 2> "$TMP/err"
expect_eq "exit 1 on findings" "$?" "1"
line=$(grep '"type":"finding"' "$TMP/out")
expect_eq "escaped fields" "$(printf '%s' "$line" | grep -o '"fields":.*')" \
    "\"fields\":{\"CommandLine\":\"zz \\\"q\\\" \\\\ / \\u0001\\u001F\\t\\n\\r\\b\\f $(printf '\177') \\u00E9 \\u20AC \\uD83D\\uDE00 end\"}}"
expect_eq "escaped computer" "$(printf '%s' "$line" | grep -o '"computer":"[^,]*,')" '"computer":"h\"1",'
expect_eq "the line parses back" "$(printf '%s' "$line" | jq -r '.fields.CommandLine' | od -An -c | tr -s ' ' | tr -d '\n')" \
    " z z \" q \" \\ / 001 037 \t \n \r \b \f 177 303 251 342 202 254 360 237 230 200 e n d \n"
finish
