#!/usr/bin/env bash
# trust_escape.sh - nothing forged: names, rule text, event fields and log
# lines holding newlines, CR, ESC/OSC/CSI sequences, C1 controls (raw and
# UTF-8), NUL and invalid UTF-8 come out of `vigil scan`, `vigil logs`,
# `vigil rules list`, `vigil evtx count` and every diagnostic escaped
# (\n, \r, \x1b, \x9b, \u009b, \\): exactly the expected lines, no raw
# control byte. `logs -f jsonl` keeps a line's text after a NUL and the
# summary counts lines longer than a read chunk once.
set -u
. "$(dirname "$0")/lib.bash"

# Bytes of FILE that are neither printable ASCII nor a newline.
raw_bytes() { tr -d '\n\040-\176' < "$1" | wc -c; }

R=$TMP/rules; D=$TMP/data
mkdir -p "$R" "$D"
cat > "$R/mark.yar" <<'YAR'
rule Esc_Marker
{
    meta:
        description = "marker\x1b]0;meta-title\x07 seen\nALERT   forged"
        score = 75
    strings:
        $a = "VIGIL-ESC-MARK"
    condition:
        $a
}
YAR
forged=$'x\nALERT   score 100  fake-evil.exe.txt'
osc=$'o\e]0;pwned\a.txt'
printf 'VIGIL-ESC-MARK\n' > "$D/$forged"
printf 'VIGIL-ESC-MARK\n' > "$D/$osc"
printf 'VIGIL-ESC-MARK\n' > "$D/"$'c1\x9b2J-raw.txt'
printf 'VIGIL-ESC-MARK\n' > "$D/"$'c1\xc2\x9b2J-utf8.txt'
printf 'VIGIL-ESC-MARK\n' > "$D/"$'back\\slash\rcr.txt'
printf 'VIGIL-ESC-MARK\n' > "$D/"$'bidi_\xe2\x80\xaefdp.exe'
"$TOOLS/mkarchive" zip "$D/arc.zip" $'member\n\e[2Jforged.txt'="$D/$osc" >/dev/null

# --- 1. scan: result lines -----------------------------------------------
"$VIGIL" scan -q -r "$R" "$D" > "$TMP/scan.out" 2> "$TMP/scan.err"
expect_eq "scan exit 1" "$?" "1"
expect_eq "scan: no raw control byte on stdout" "$(raw_bytes "$TMP/scan.out")" "0"
expect_eq "scan: nothing on stderr" "$(cat "$TMP/scan.err")" ""
got=$(grep '^WARNING' "$TMP/scan.out" | sed "s|$D/||" | sort)
want=$(printf '%s\n' \
    'WARNING score  75  arc.zip!member\n\x1b[2Jforged.txt' \
    'WARNING score  75  back\\slash\rcr.txt' \
    'WARNING score  75  bidi_\u202efdp.exe' \
    'WARNING score  75  c1\u009b2J-utf8.txt' \
    'WARNING score  75  c1\x9b2J-raw.txt' \
    'WARNING score  75  o\x1b]0;pwned\x07.txt' \
    'WARNING score  75  x\nALERT   score 100  fake-evil.exe.txt' | sort)
expect_eq "scan: exactly one escaped result line per file" "$got" "$want"
expect_eq "scan: no forged ALERT line" "$(grep -c '^ALERT' "$TMP/scan.out")" "0"
expect_eq "scan: rule text escaped" \
    "$(grep -c '^                 marker\\x1b]0;meta-title\\x07 seen\\nALERT   forged$' "$TMP/scan.out")" "7"
expect_eq "scan: line count (7 results of 6 lines, 4 summary lines, 11 of closing tables)" \
    "$(wc -l < "$TMP/scan.out")" "57"
expect_eq "scan: closing tables name the rule" \
    "$(grep -c '^  WARNING           7  Esc_Marker$' "$TMP/scan.out")" "1"
expect_eq "scan: summary counts" "$(grep '^findings:' "$TMP/scan.out")" \
    "findings: 7 in 7 files: 0 alert, 7 warning, 0 notice, 0 info"

# colour on: data still escaped, only vigil's own SGR codes are raw ESC
"$VIGIL" scan -q --color always -r "$R" "$D/$osc" > "$TMP/color.out" 2>&1
expect_eq "color: every raw ESC starts an SGR code of vigil" \
    "$(grep -o $'\e[^m]*m' "$TMP/color.out" | grep -vcE $'^\e\\[[0-9;]*m$')" "0"
expect_eq "color: the name's OSC escaped" "$(grep -c 'o\\x1b]0;pwned\\x07.txt' "$TMP/color.out")" "1"

# JSON output is unchanged: the name as JSON escapes it
"$VIGIL" scan -q -f jsonl -r "$R" "$D/$forged" > "$TMP/scan.jsonl" 2>&1
expect_eq "jsonl: path is the real name" \
    "$(jq -r 'select(.type=="finding") | .path' "$TMP/scan.jsonl" | sed "s|$D/||")" "$forged"

# --- 2. diagnostics ---------------------------------------------------------
badrule=$'bad\nvigil: error: forged\e[2J.yar'
printf 'rule broken {\n' > "$R/$badrule"
"$VIGIL" scan -q -r "$R" "$D/$osc" > "$TMP/diag.out" 2> "$TMP/diag.err"
expect_eq "diag: scan still runs (exit 1)" "$?" "1"
expect_eq "diag: no raw control byte on stderr" "$(raw_bytes "$TMP/diag.err")" "0"
expect_eq "diag: one escaped line" "$(sed "s|$R/||" "$TMP/diag.err")" \
    'vigil: error: bad\nvigil: error: forged\x1b[2J.yar: rule broken: syntax error'
rm -f "$R/$badrule"

# a rule path that does not exist: said once, escaped
"$VIGIL" scan -q -r "$TMP/"$'no\e]0;x\athing' "$D" > /dev/null 2> "$TMP/missing.err"
expect_eq "missing rules exit 2" "$?" "2"
expect_eq "missing rules: one escaped message" "$(sed "s|$TMP/||" "$TMP/missing.err")" \
    'vigil: error: no\x1b]0;x\x07thing: cannot read rules: No such file or directory'

# rules list: a Sigma title with controls
mkdir -p "$TMP/sig"
cat > "$TMP/sig/t.yml" <<'YML'
title: "Evil\e]0;t\a title\nALERT   forged"
id: 20000000-0000-0000-0000-000000000001
level: high
logsource:
    product: windows
detection:
    selection:
        EventID: 1
    condition: selection
YML
"$VIGIL" rules list -r "$TMP/sig" > "$TMP/rules.out" 2>&1
expect_eq "rules list: one escaped line" "$(sed "s|$TMP/||" "$TMP/rules.out")" \
    'sigma  alert     80  Evil\x1b]0;t\x07 title\nALERT   forged  sig/t.yml:1'

# a Sigma event whose fields hold controls: one event line, escaped
printf '{"Channel":"Sec\\u001b]0;c\\u0007","EventID":1,"EventRecordID":9,"Computer":"WS\\nALERT   forged\\u009b","TimeCreated":"2026-03-01T11:00:00Z"}\n' \
    > "$TMP/ev.jsonl"
"$VIGIL" scan -q -r "$TMP/sig" "$TMP/ev.jsonl" > "$TMP/ev.out" 2>&1
expect_eq "event: exit 1" "$?" "1"
expect_eq "event: no raw control byte" "$(raw_bytes "$TMP/ev.out")" "0"
expect_eq "event: one escaped line" "$(sed '/^$/,$d' "$TMP/ev.out" | grep -v '^vigil \|^rules:\|^events:\|^findings:\|^problems:' | sed "s|$TMP/||")" \
    'ALERT   score  80  ev.jsonl#9  2026-03-01T11:00:00Z  WS\nALERT   forged\u009b  Sec\x1b]0;c\x07/1  Evil\x1b]0;t\x07 title\nALERT   forged [high]  EventID: 1'
expect_eq "event: closing tables escape the host and rule" \
    "$(sed -n '/^Top rules/,$p' "$TMP/ev.out" | grep -c 'Evil\\x1b]0;t\\x07 title\\nALERT   forged\|WS\\nALERT   forged\\u009b')" "2"

# --- 3. vigil logs ----------------------------------------------------------
printf 'evil-c2.example\n' > "$TMP/c2.txt"
L=$TMP/logs; mkdir -p "$L"
printf 'one\nA\0B evil-c2.example \e]0;t\a\r tail\nthree\n' > "$L/"$'sys\e[2J.log'
"$VIGIL" logs --binary --c2-iocs "$TMP/c2.txt" "$L" > "$TMP/logs.out" 2>&1
expect_eq "logs exit 1" "$?" "1"
expect_eq "logs: no raw control byte" "$(raw_bytes "$TMP/logs.out")" "0"
expect_eq "logs: hit lines escaped" "$(sed -n 1,2p "$TMP/logs.out" | sed "s|$L/||")" \
    "$(printf '%s\n' 'sys\x1b[2J.log:2: alert evil-c2.example score 100  (c2.txt:1)' \
        '    A\x00B evil-c2.example \x1b]0;t\x07\r tail' | sed "s|(c2.txt|($TMP/c2.txt|")"
"$VIGIL" logs --binary -f jsonl --c2-iocs "$TMP/c2.txt" "$L" > "$TMP/logs.jsonl" 2>&1
expect_eq "logs jsonl: text kept after the NUL" \
    "$(jq -r 'select(.type=="log_hit") | .text' "$TMP/logs.jsonl" | od -An -c | tr -s ' ')" \
    "$(printf 'A\0B evil-c2.example \e]0;t\a\r tail\n' | od -An -c | tr -s ' ')"
expect_eq "logs jsonl: NUL written as \\u0000" "$(grep -c '"text":"A\\u0000B evil' "$TMP/logs.jsonl")" "1"
expect_eq "logs jsonl: lines counted" "$(jq -r 'select(.type=="summary") | .lines' "$TMP/logs.jsonl")" "3"

# an info diagnostic naming a file with controls (-v)
printf '\0binary\n' > "$L/"$'bin\nvigil: error: forged'
"$VIGIL" logs -v --c2-iocs "$TMP/c2.txt" "$L/"$'bin\nvigil: error: forged' > /dev/null 2> "$TMP/logsdiag.err"
expect_eq "logs diag: one escaped line" "$(sed "s|$L/||" "$TMP/logsdiag.err")" \
    'vigil: info: bin\nvigil: error: forged: binary; skipped'

# lines longer than a read chunk (4 MiB) are counted once
mkdir -p "$TMP/long"
{ head -c 5000000 /dev/zero | tr '\0' 'a'; printf '\nevil-c2.example\n'; } > "$TMP/long/a.log"
{ head -c 4194304 /dev/zero | tr '\0' 'b'; } > "$TMP/long/b.log"
{ head -c 9000000 /dev/zero | tr '\0' 'c'; printf '\nx\n'; } > "$TMP/long/c.log"
"$VIGIL" logs -f jsonl -j 1 --c2-iocs "$TMP/c2.txt" "$TMP/long" > "$TMP/long.jsonl" 2>&1
expect_eq "long lines: hit line number" "$(jq -r 'select(.type=="log_hit") | .line' "$TMP/long.jsonl")" "2"
expect_eq "long lines: 2 + 1 + 2 lines" "$(jq -r 'select(.type=="summary") | .lines' "$TMP/long.jsonl")" "5"

finish
