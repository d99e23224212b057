#!/usr/bin/env bash
# sigma_scan.sh - end-to-end tests of Sigma in `vigil scan`: event logs
# exported as JSON Lines (written here) are matched event by event, each
# matching event is reported on its own (JSONL fields, one text line),
# correlations group events across files, logs inside archives are read,
# placeholders and the logsource mapping options work, exit codes follow.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/logs
mkdir -p "$R" "$D/sub" "$TMP/ph"
cat > "$R/logon.yml" <<'YML'
title: Service Account Logon
id: 10000000-0000-0000-0000-000000000001
description: a service account logged on
author: vigil tests
level: high
tags:
    - attack.t1078
references:
    - https://example.invalid/one
    - https://example.invalid/two
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
        TargetUserName|startswith: 'svc_'
    condition: selection
---
title: Admin Network Logon
id: 10000000-0000-0000-0000-000000000002
name: admin_net_logon
level: informational
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
        LogonType: 3
        TargetUserName|expand: '%Admins%'
    condition: selection
---
title: Admin On Many Hosts
id: 10000000-0000-0000-0000-000000000003
level: critical
correlation:
    type: value_count
    rules:
        - admin_net_logon
    group-by:
        - TargetUserName
    timespan: 30m
    condition:
        field: Computer
        gte: 3
YML
cat > "$R/sysmon.yml" <<'YML'
title: Encoded PowerShell
id: 10000000-0000-0000-0000-000000000004
level: medium
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\powershell.exe'
        CommandLine|contains: ' -enc '
    condition: selection
YML
printf 'opsadmin\n' > "$TMP/ph/Admins.txt"

logon() { # RECORD USER HOST TYPE TIME
    printf '{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4624,"Channel":"Security","Computer":"%s","EventRecordID":%s,"TimeCreated":{"#attributes":{"SystemTime":"%s"}}},"EventData":{"TargetUserName":"%s","LogonType":%s}}}\n' \
        "$3" "$1" "$5" "$2" "$4"
}
{
    logon 101 svc_backup FS01 3 2026-03-01T10:00:00.000Z
    logon 102 opsadmin FS01 3 2026-03-01T10:01:00.000Z
    logon 103 opsadmin FS02 3 2026-03-01T10:05:00.000Z
    logon 104 alice FS02 3 2026-03-01T10:06:00.000Z
} > "$D/security-a.jsonl"
{
    logon 201 opsadmin FS03 3 2026-03-01T10:20:00.000Z
    logon 202 opsadmin FS04 3 2026-03-01T15:00:00.000Z
} > "$D/sub/security-b.json"
printf '{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"EventRecordID":7,"Computer":"WS01","Image":"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe","CommandLine":"powershell.exe -nop -enc SQBFAFgA","TimeCreated":"2026-03-01T11:00:00Z"}\n' > "$D/sysmon.jsonl"
# a JSON file that is not an event log, and a clean log
printf '{"name": "package", "version": "1.0"}\n' > "$D/package.json"
logon 301 bob WS02 2 2026-03-01T09:00:00.000Z > "$TMP/clean.jsonl"

# 1. events, JSON Lines: one finding per matching event, exact fields
"$VIGIL" scan -q -f jsonl --placeholders "$TMP/ph" -r "$R" "$D" > "$TMP/out1" 2> "$TMP/err1"
expect_eq "findings exit 1" "$?" "1"
expect_eq "no diagnostics" "$(cat "$TMP/err1")" ""
got=$(jq -r 'select(.type=="finding") | "\(.kind) \(.rule_id[-1:]) \(.record_id // "-") \(.path | sub(".*/logs/"; ""))"' "$TMP/out1" | sort)
want=$(printf '%s\n' \
    "correlation 3 - security-a.jsonl" \
    "sigma 1 101 security-a.jsonl" \
    "sigma 4 7 sysmon.jsonl" | sort)
# the correlation's base rule (no `generate: true`) feeds the correlation only
expect_eq "exact finding set" "$got" "$want"
f=$(jq -c 'select(.type=="finding" and .record_id==101) | [.rule, .rule_level, .score, .level, .event_time, .computer, .channel, .event_id, .fields, .references, .tags, .description, .author, (.rule_source | sub(".*/"; "")), .rule_line]' "$TMP/out1")
expect_eq "sigma finding fields" "$f" '["Service Account Logon","high",80,"alert","2026-03-01T10:00:00.000Z","FS01","Security",4624,{"EventID":"4624","TargetUserName":"svc_backup"},["https://example.invalid/one","https://example.invalid/two"],["attack.t1078"],"a service account logged on","vigil tests","logon.yml",1]'
f=$(jq -c 'select(.type=="finding" and .record_id==7) | [.score, .level, .channel, .event_id, (.fields | keys)]' "$TMP/out1")
expect_eq "process_creation rule on a Sysmon 1 event" "$f" '[60,"warning","Microsoft-Windows-Sysmon/Operational",1,["CommandLine","Image"]]'
c=$(jq -c 'select(.kind=="correlation") | [.rule, .rule_level, .score, .count, .group, ([.events[] | "\(.path | sub(".*/logs/"; ""))#\(.record_id)"]), .event_time]' "$TMP/out1")
expect_eq "correlation groups three hosts in 30 minutes" "$c" '["Admin On Many Hosts","critical",100,3,{"TargetUserName":"opsadmin"},["security-a.jsonl#102","security-a.jsonl#103","sub/security-b.json#201"],"2026-03-01T10:01:00.000Z"]'
s=$(jq -c 'select(.type=="summary") | [.event_logs, .events, .event_matches, .rules.sigma, .rules.sigma_correlations, .errors]' "$TMP/out1")
expect_eq "summary counts events" "$s" '[3,7,2,4,1,0]'

# 2. text: one line per matching event, a block for the correlation
"$VIGIL" scan -q --placeholders "$TMP/ph" -r "$R" "$D/security-a.jsonl" "$D/sub" > "$TMP/out2" 2>&1
expect_eq "text exit 1" "$?" "1"
expect_eq "text event line" "$(grep -c '^ALERT   score  80  .*/security-a.jsonl#101  2026-03-01T10:00:00.000Z  FS01  Security/4624  Service Account Logon \[high\]  EventID: 4624 ¦ TargetUserName: svc_backup  \[attack.t1078\]$' "$TMP/out2")" "1"
expect_eq "text correlation line" "$(grep -c '^ALERT   score 100  correlation Admin On Many Hosts \[critical\]  count 3  TargetUserName=opsadmin$' "$TMP/out2")" "1"
expect_eq "text correlation events" "$(grep -c '^        .*#\(102\|103\|201\)  2026-03-01T10:..:00.000Z  Admin Network Logon$' "$TMP/out2")" "3"
expect_eq "text summary events" "$(grep -c '^events: 6 in 2 event logs, 1 matched$' "$TMP/out2")" "1"

# 3. without placeholders: %Admins% matches nothing (said with -v), no correlation
"$VIGIL" scan -q -f jsonl -r "$R" "$D" > "$TMP/out3" 2> "$TMP/err3"
expect_eq "no placeholders: exit 1" "$?" "1"
expect_eq "no placeholders: per-rule notes only with -v" "$(grep -c "placeholder %Admins% has no values" "$TMP/err3")" "0"
expect_eq "no placeholders: one warning naming the inactive rules" "$(grep -c "^vigil: warning: 2 Sigma rules are inactive (can never report): placeholders they use have no values (%Admins%; give them with --placeholders DIR, .*): 'Admin Network Logon', 'Admin On Many Hosts'$" "$TMP/err3")" "1"
expect_eq "no placeholders: the warning is counted" "$(jq -r 'select(.type=="summary") | .warnings' "$TMP/out3")" "1"
"$VIGIL" scan -q -v -f jsonl -r "$R" "$D" > /dev/null 2> "$TMP/err3v"
expect_eq "no placeholders: -v names the placeholder" "$(grep -c "info: .*logon.yml:.*placeholder %Admins% has no values" "$TMP/err3v")" "1"
# placeholders given, one name missing from them: a warning
mkdir -p "$TMP/ph-other" && echo x > "$TMP/ph-other/Other.txt"
"$VIGIL" scan -q -f jsonl --placeholders "$TMP/ph-other" -r "$R" "$D" > /dev/null 2> "$TMP/err3w"
expect_eq "missing placeholder name: warning" "$(grep -c "warning: .*logon.yml:.*placeholder %Admins% has no values" "$TMP/err3w")" "1"
expect_eq "no placeholders: findings" "$(jq -r 'select(.type=="finding") | .record_id' "$TMP/out3" | sort -n | tr '\n' ' ')" "7 101 "

# 4. a clean log: exit 0; --min-level hides informational events
"$VIGIL" scan -q -r "$R" "$TMP/clean.jsonl" > /dev/null 2>&1
expect_eq "clean log exit 0" "$?" "0"
"$VIGIL" scan -q -f jsonl --min-level warning --placeholders "$TMP/ph" -r "$R" "$D" > "$TMP/out4" 2> /dev/null
expect_eq "min-level hides lower events" "$(jq -r 'select(.type=="finding") | .rule_id[-1:]' "$TMP/out4" | sort | tr '\n' ' ')" "1 3 4 "
"$VIGIL" scan -q -f jsonl --min-level alert --placeholders "$TMP/ph" -r "$R" "$D/sysmon.jsonl" > /dev/null 2>&1
expect_eq "min-level alert: medium event hidden, exit 0" "$?" "0"

# 5. logs inside archives are read the same way
"$TOOLS/mkarchive" zip "$TMP/logs.zip" "triage/Security.jsonl=$D/security-a.jsonl" > /dev/null
"$VIGIL" scan -q -f jsonl -r "$R" "$TMP/logs.zip" > "$TMP/out5" 2> /dev/null
expect_eq "archive member: exit 1" "$?" "1"
expect_eq "archive member event" "$(jq -r 'select(.type=="finding") | "\(.path | sub(".*/logs.zip"; "logs.zip")) \(.record_id)"' "$TMP/out5")" "logs.zip!triage/Security.jsonl 101"

# 6. logsource scoping: a Security rule does not see a Sysmon event; with
#    --sigma-mapping none every rule sees every event
printf '{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":4624,"EventRecordID":9,"TargetUserName":"svc_x"}\n' > "$TMP/odd.jsonl"
"$VIGIL" scan -q -f jsonl -r "$R/logon.yml" "$TMP/odd.jsonl" > /dev/null 2>&1
expect_eq "scoped: Security rule ignores a Sysmon event" "$?" "0"
"$VIGIL" scan -q -f jsonl --sigma-mapping none -r "$R/logon.yml" "$TMP/odd.jsonl" > "$TMP/out6" 2> /dev/null
expect_eq "unscoped: it matches" "$(jq -r 'select(.type=="finding") | .record_id' "$TMP/out6")" "9"
"$VIGIL" scan -q --sigma-mapping "$TMP/missing.yml" -r "$R/logon.yml" "$TMP/odd.jsonl" > /dev/null 2>&1
expect_eq "missing mapping file: exit 2" "$?" "2"

# 7. rules listing and a broken Sigma rule
printf 'title: broken\nlogsource: {product: windows}\ndetection:\n  sel:\n    A: 1\n  condition: sel and nope\n' > "$TMP/broken.yml"
"$VIGIL" scan -q -f jsonl -r "$R/logon.yml" -r "$TMP/broken.yml" "$D/security-a.jsonl" > "$TMP/out7" 2> "$TMP/err7"
expect_eq "broken Sigma rule skipped, scan goes on" "$?" "1"
expect_eq "broken rule named with file:line" "$(grep -c "error: $TMP/broken.yml:6: refused 'broken': condition names an unknown search identifier 'nope'" "$TMP/err7")" "1"
expect_eq "refused counted" "$(jq -r 'select(.type=="summary") | .rules.sigma_refused' "$TMP/out7")" "1"
"$VIGIL" rules list -r "$R" > "$TMP/list" 2>&1
expect_eq "rules list shows Sigma rules" "$(grep -c '^sigma ' "$TMP/list")" "4"
# 8. a Sigma meta filter (per-site allow-listing): the backup service account
#    on FS01 is expected there; the rule still fires for it elsewhere
mkdir -p "$TMP/site"
cat > "$TMP/site/allow-backup.yml" <<'YML'
title: Backup service logs on to the file server
description: the site's backup job
logsource:
    product: windows
    service: security
filter:
    rules:
        - 10000000-0000-0000-0000-000000000001
    selection:
        TargetUserName: svc_backup
        Computer: FS01
    condition: not selection
YML
{ cat "$D/security-a.jsonl"; logon 105 svc_backup FS02 3 2026-03-01T10:07:00.000Z; } > "$TMP/filtered.jsonl"
"$VIGIL" scan -q -f jsonl -r "$R/logon.yml" -r "$TMP/site" "$TMP/filtered.jsonl" > "$TMP/out8" 2> "$TMP/err8"
expect_eq "filter: exit 1" "$?" "1"
expect_eq "filter: no diagnostics but the inactive rules" "$(grep -v 'Sigma rules are inactive' "$TMP/err8")" ""
expect_eq "filter: FS01 allow-listed, FS02 still reported" "$(jq -r 'select(.type=="finding") | "\(.record_id) \(.computer)"' "$TMP/out8")" "105 FS02"
expect_eq "filter: counted" "$(jq -r 'select(.type=="summary") | .rules.sigma_filters // "none"' "$TMP/out8")" "1"
finish
