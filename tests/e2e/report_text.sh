#!/usr/bin/env bash
# report_text.sh - the text output's event lines show the matched values
# (Details) and ATT&CK tags, event data escaped as all text output is; the
# closing tables count detections by level, the top rules, the hosts and
# the first/last event time; the summary counts events and files apart.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data
mkdir -p "$R" "$D"
cat > "$R/t.yar" <<'YAR'
rule Text_Marker { meta: score = 65 strings: $a = "VIGIL-TEXT-MARKER" condition: $a }
YAR
sigma_encoded_ps_rule "$R/ps.yml" <<'YML'
title: Encoded PowerShell
id: 50000000-0000-0000-0000-000000000001
level: high
tags:
    - attack.execution
    - attack.t1059.001
    - car.2016-03-001
YML
{
    sysmon_ps_event WS01 1 2026-03-01T10:00:00.000Z 'powershell -enc AAAA'
    sysmon_ps_event WS02 2 2026-03-01T08:00:00.000Z 'x -enc \u001b[31mred\u0007'
    sysmon_ps_event WS01 3 2026-03-02T10:00:00.000Z 'y -enc BBBB'
} > "$D/sysmon.jsonl"
printf 'VIGIL-TEXT-MARKER\n' > "$D/a.bin"
"$VIGIL" scan -q --color never -r "$R" "$D" > "$TMP/out" 2>&1
expect_eq "exit 1" "$?" 1
expect_eq "event line: details and tags" \
    "$(grep -c '#1  2026-03-01T10:00:00.000Z  WS01  Microsoft-Windows-Sysmon/Operational/1  Encoded PowerShell \[high\]  Image: C:\\\\Windows\\\\powershell.exe ¦ CommandLine: powershell -enc AAAA  \[attack.execution,attack.t1059.001\]$' "$TMP/out")" 1
expect_eq "control bytes of event data escaped" "$(grep -c 'CommandLine: x -enc \\x1b\[31mred\\x07  \[' "$TMP/out")" 1
expect_eq "no raw escape byte in the output" "$(grep -c $'\x1b' "$TMP/out")" 0
expect_eq "detections by level" "$(sed -n '/^Detections by level/,/^Top rules/p' "$TMP/out" | tr -s ' ' | tr '\n' '|')" \
    "Detections by level (findings)| ALERT 3| WARNING 1| NOTICE 0| INFO 0|Top rules|"
expect_eq "top rules" "$(sed -n '/^Top rules/,/^Hosts/p' "$TMP/out" | tr -s ' ' | tr '\n' '|')" \
    "Top rules| ALERT 3 Encoded PowerShell| WARNING 1 Text_Marker|Hosts (targets with findings)|"
expect_eq "hosts" "$(sed -n '/^Hosts/,/^First/p' "$TMP/out" | sed '1d;$d' | tr -s ' ' | tr '\n' '|')" \
    " 2 WS01|$(printf ' 1 %s\n' WS02 "$(hostname)" | LC_ALL=C sort | tr '\n' '|')"
expect_eq "first and last event" "$(grep '^First event' "$TMP/out")" \
    "First event: 2026-03-01T08:00:00.000Z  Last event: 2026-03-02T10:00:00.000Z"
expect_eq "events and files apart" "$(grep '^findings:' "$TMP/out")" \
    "findings: 4 in 3 events and 1 files: 3 alert, 1 warning, 0 notice, 0 info"
expect_eq "events in logs" "$(grep '^events:' "$TMP/out")" "events: 3 in 1 event logs, 3 matched"
# no findings: no tables
mkdir -p "$TMP/empty"; "$VIGIL" scan -q --color never -r "$R" "$TMP/empty" > "$TMP/clean" 2>&1
expect_eq "clean sweep: no tables" "$(grep -c '^Detections by level' "$TMP/clean")" 0
finish
