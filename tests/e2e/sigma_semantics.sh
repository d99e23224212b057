#!/usr/bin/env bash
# sigma_semantics.sh - end-to-end tests of Sigma semantics through `vigil
# scan` on JSON Lines event logs written here: `null` (field absent or a
# JSON null) against '' (an empty value), and the metric correlations
# value_sum / value_avg / value_percentile with the value they tested.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/logs
mkdir -p "$R" "$D"

# 1. null vs '': SigmaHQ's firewall "rule added" filters, trimmed
cat > "$R/fw.yml" <<'YML'
title: New Firewall Rule
id: 20000000-0000-0000-0000-000000000001
level: medium
logsource:
    product: windows
detection:
    selection:
        EventID: 2004
    filter_main_null:
        ApplicationPath: null
    filter_optional_no_path:
        ModifyingApplication: 'C:\Windows\System32\svchost.exe'
        ApplicationPath: ''
    condition: selection and not 1 of filter_main_* and not 1 of filter_optional_*
YML
cat > "$D/fw.jsonl" <<'EOF2'
{"EventID":2004,"EventRecordID":1,"ModifyingApplication":"C:\\Users\\x\\evil.exe","ApplicationPath":""}
{"EventID":2004,"EventRecordID":2,"ModifyingApplication":"C:\\Users\\x\\evil.exe"}
{"EventID":2004,"EventRecordID":3,"ModifyingApplication":"C:\\Users\\x\\evil.exe","ApplicationPath":null}
{"EventID":2004,"EventRecordID":4,"ModifyingApplication":"C:\\Windows\\System32\\svchost.exe","ApplicationPath":""}
{"EventID":2004,"EventRecordID":5,"ModifyingApplication":"C:\\Users\\x\\evil.exe","ApplicationPath":"C:\\x.exe"}
EOF2
"$VIGIL" scan -q -f jsonl -r "$R/fw.yml" "$D/fw.jsonl" > "$TMP/out1" 2> "$TMP/err1"
expect_eq "null vs empty: exit 1" "$?" "1"
expect_eq "null vs empty: no diagnostics" "$(cat "$TMP/err1")" ""
expect_eq "null vs empty: an empty path from evil.exe is reported, absent/null are not" \
    "$(jq -r 'select(.type=="finding") | .record_id' "$TMP/out1" | sort -n | tr '\n' ' ')" "1 5 "

# 2. value_sum: the specification's exfiltration example
cat > "$R/exfil.yml" <<'YML'
title: Website Upload
id: 20000000-0000-0000-0000-000000000002
name: website_access
logsource:
    product: windows
detection:
    selection:
        Action: upload
    condition: selection
---
title: Possible Exfiltration to Website
id: 20000000-0000-0000-0000-000000000003
level: high
correlation:
    type: value_sum
    rules:
        - website_access
    group-by:
        - SourceIP
        - User
    timespan: 1h
    condition:
        field: bytes_sent
        gt: 1000000
YML
cat > "$D/web.jsonl" <<'EOF2'
{"EventID":1,"EventRecordID":11,"TimeCreated":"2026-03-01T10:00:00Z","Action":"upload","SourceIP":"10.0.0.1","User":"alice","bytes_sent":400000}
{"EventID":1,"EventRecordID":12,"TimeCreated":"2026-03-01T10:20:00Z","Action":"upload","SourceIP":"10.0.0.1","User":"alice","bytes_sent":"500000"}
{"EventID":1,"EventRecordID":13,"TimeCreated":"2026-03-01T10:40:00Z","Action":"upload","SourceIP":"10.0.0.1","User":"alice","bytes_sent":200000.5}
{"EventID":1,"EventRecordID":14,"TimeCreated":"2026-03-01T10:00:00Z","Action":"upload","SourceIP":"10.0.0.2","User":"bob","bytes_sent":999999}
EOF2
"$VIGIL" scan -q -f jsonl -r "$R/exfil.yml" "$D/web.jsonl" > "$TMP/out2" 2> "$TMP/err2"
expect_eq "value_sum: exit 1" "$?" "1"
expect_eq "value_sum: no diagnostics" "$(cat "$TMP/err2")" ""
expect_eq "value_sum: one group, its sum and events" \
    "$(jq -c 'select(.kind=="correlation") | [.rule, .count, .value, .group, [.events[].record_id]]' "$TMP/out2")" \
    '["Possible Exfiltration to Website",3,1100000.5,{"SourceIP":"10.0.0.1","User":"alice"},[11,12,13]]'
"$VIGIL" scan -q -r "$R/exfil.yml" "$D/web.jsonl" > "$TMP/out3" 2>&1
expect_eq "value_sum: text line shows the value" \
    "$(grep -c 'correlation Possible Exfiltration to Website \[high\]  count 3  value 1.1e+06  SourceIP=10.0.0.1  User=alice$' "$TMP/out3")" "1"
"$VIGIL" scan -q -f json -r "$R/exfil.yml" "$D/web.jsonl" > "$TMP/out4" 2> /dev/null
expect_eq "value_sum: -f json carries the value" \
    "$(jq -s -c '[.. | objects | select(.kind? == "correlation") | .value]' "$TMP/out4")" '[1100000.5]'
# 3. a regex on a value padded past PCRE2's JIT stack still matches, and
#    the rule is named in one warning at default verbosity
cat > "$R/concat.yml" <<'YML'
title: Concatenated Strings
id: 20000000-0000-0000-0000-000000000004
level: high
logsource:
    product: windows
detection:
    selection:
        CommandLine|re: '\((''(\w|-|\.)+''\+)+''(\w|-|\.)+''\)'
    condition: selection
YML
pad=$(printf 'a%.0s' $(seq 3200))
{
    printf '{"EventID":1,"EventRecordID":21,"CommandLine":"powershell (%s)"}\n' "'iex'+'x'"
    printf '{"EventID":1,"EventRecordID":22,"CommandLine":"powershell (%s)"}\n' "'$pad'+'x'"
    printf '{"EventID":1,"EventRecordID":23,"CommandLine":"powershell (%s)"}\n' "'$pad'+'y'"
} > "$D/padded.jsonl"
"$VIGIL" scan -f jsonl -r "$R/concat.yml" "$D/padded.jsonl" > "$TMP/out5" 2> "$TMP/err5"
expect_eq "padded regex: exit 1" "$?" "1"
expect_eq "padded regex: every event reported" \
    "$(jq -r 'select(.type=="finding") | .record_id' "$TMP/out5" | sort -n | tr '\n' ' ')" "21 22 23 "
expect_eq "padded regex: one warning naming the rule and the event" \
    "$(grep -c "padded.jsonl: Sigma rule 'Concatenated Strings' (20000000-0000-0000-0000-000000000004): record 22: a regex gave up on a value of 3219 bytes (JIT stack limit reached); decided another way: it matches" "$TMP/err5")" "1"
expect_eq "padded regex: counted in the summary" \
    "$(jq -r 'select(.type=="summary") | .warnings' "$TMP/out5")" "1"
finish
