#!/usr/bin/env bash
# report_merge.sh - `vigil report merge`: the results of three hosts (and a
# second run of one, and one file given twice) merge into their union,
# each finding once and labelled with its host, sorted by time, with one
# host_summary per host; the CSV and HTML outputs of the merge; a JSONL
# without run record lends its file name as host; bad lines are said and
# skipped; errors exit 2.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules
mkdir -p "$R"
sigma_encoded_ps_rule "$R/ps.yml" <<'YML'
title: Encoded PowerShell
id: 30000000-0000-0000-0000-000000000001
level: high
YML
ev() { sysmon_ps_event "$1" "$2" "$3" "powershell -enc $2"; } # COMPUTER RECORD TIME
# host a: records 1, 2; host b: 3; host c: 4, 5 (times interleave)
mkdir -p "$TMP/a" "$TMP/b" "$TMP/c"
{ ev A 1 2026-03-01T10:00:00.000Z; ev A 2 2026-03-01T12:00:00.000Z; } > "$TMP/a/s.jsonl"
{ ev B 3 2026-03-01T11:00:00.000Z; } > "$TMP/b/s.jsonl"
{ ev C 4 2026-03-01T09:00:00.000Z; ev C 5 2026-03-01T13:00:00.000Z; } > "$TMP/c/s.jsonl"
# every file is swept from its host's directory, so paths are equal ("s.jsonl")
for h in a b c; do
    (cd "$TMP/$h" && "$VIGIL" scan -q -r "$R" -f jsonl s.jsonl) |
        jq -c "if .type == \"run\" or .type == \"summary\" then .host = \"host-$h\" else . end" > "$TMP/$h.jsonl"
done
# the run record as the scan wrote it
(cd "$TMP/a" && "$VIGIL" scan -q -r "$R" -f jsonl s.jsonl) > "$TMP/raw.jsonl"
expect_eq "run record first, with this host" "$(head -1 "$TMP/raw.jsonl" | jq -r '"\(.type) \(.command) \(.host)"')" "run scan $(hostname)"
expect_eq "run record: command line" "$(head -1 "$TMP/raw.jsonl" | jq -c '.command_line')" \
    "[\"vigil\",\"scan\",\"-q\",\"-r\",\"$R\",\"-f\",\"jsonl\",\"s.jsonl\"]"
expect_eq "run record: machine id" "$(head -1 "$TMP/raw.jsonl" | jq -r '.machine_id')" "$(cat /etc/machine-id 2>/dev/null || cat /var/lib/dbus/machine-id 2>/dev/null)"
want_digest=$(cd "$R" && python3 -c '
import hashlib, os
h = hashlib.sha256()
names = sorted(os.path.relpath(os.path.join(d, f), ".") for d, _, fs in os.walk(".") for f in fs)
for n in names:
    h.update(n.encode() + b"\0" + hashlib.sha256(open(n, "rb").read()).hexdigest().encode() + b"\n")
print(h.hexdigest())')
expect_eq "run record: rule set digest" "$(head -1 "$TMP/raw.jsonl" | jq -r '.rule_sets[0] | "\(.path) \(.kind) \(.files) \(.sha256)"')" "$R auto 1 $want_digest"
expect_eq "summary: same scan id, start and end" \
    "$(jq -r 'select(.type == "summary") | "\(.scan_id == ($run.scan_id)) \(.start_time == ($run.start_time)) \(.end_time >= .start_time)"' --argjson run "$(head -1 "$TMP/raw.jsonl")" "$TMP/raw.jsonl")" \
    "true true true"
# a second run of host a (another scan id, the same findings)
(cd "$TMP/a" && "$VIGIL" scan -q -r "$R" -f jsonl s.jsonl) |
    jq -c 'if .type == "run" or .type == "summary" then .host = "host-a" else . end' > "$TMP/a2.jsonl"
expect_eq "second run has another scan id" \
    "$([ "$(head -1 "$TMP/a.jsonl" | jq -r .scan_id)" != "$(head -1 "$TMP/a2.jsonl" | jq -r .scan_id)" ] && echo yes)" yes

"$VIGIL" report merge -q "$TMP/a.jsonl" "$TMP/b.jsonl" "$TMP/c.jsonl" "$TMP/a2.jsonl" "$TMP/a.jsonl" \
    -o "$TMP/merged.jsonl"
expect_eq "merge exits 0" "$?" 0
expect_eq "each finding once, by time, with its host" \
    "$(jq -r 'select(.type == "finding") | "\(.host) \(.record_id)"' "$TMP/merged.jsonl" | tr '\n' ' ')" \
    "host-c 4 host-a 1 host-b 3 host-a 2 host-c 5 "
expect_eq "runs kept once each" "$(jq -r 'select(.type == "run") | .host' "$TMP/merged.jsonl" | sort | tr '\n' ' ')" \
    "host-a host-a host-b host-c "
expect_eq "findings carry the scan id of their run" \
    "$(jq -r 'select(.type == "finding" and .host == "host-b") | .scan_id' "$TMP/merged.jsonl")" \
    "$(head -1 "$TMP/b.jsonl" | jq -r .scan_id)"
expect_eq "host summaries" \
    "$(jq -r 'select(.type == "host_summary") | "\(.host) \(.findings) \(.findings_by_level.alert) \(.first_time) \(.last_time) \(.scan_ids | length) \(.files) \(.events)"' "$TMP/merged.jsonl" | tr '\n' '|')" \
    "host-a 2 2 2026-03-01T10:00:00.000Z 2026-03-01T12:00:00.000Z 2 2 4|host-b 1 1 2026-03-01T11:00:00.000Z 2026-03-01T11:00:00.000Z 1 1 1|host-c 2 2 2026-03-01T09:00:00.000Z 2026-03-01T13:00:00.000Z 1 1 2|"
msg=$("$VIGIL" report merge "$TMP/a.jsonl" "$TMP/a.jsonl" 2>&1 >/dev/null)
expect_eq "closing count" "$msg" "vigil report: 2 findings of 1 runs from 2 files, 2 duplicates dropped, 0 lines not JSON"
"$VIGIL" report merge -q --keep-duplicates "$TMP/a.jsonl" "$TMP/a.jsonl" > "$TMP/keep.jsonl"
expect_eq "--keep-duplicates" "$(grep -c '"type":"finding"' "$TMP/keep.jsonl")" 4

# a merged file merges again to itself
"$VIGIL" report merge -q "$TMP/merged.jsonl" "$TMP/b.jsonl" -o "$TMP/again.jsonl"
expect_eq "merge of a merge: same findings" \
    "$(jq -c 'select(.type == "finding")' "$TMP/again.jsonl" | md5sum)" \
    "$(jq -c 'select(.type == "finding")' "$TMP/merged.jsonl" | md5sum)"

# CSV of the merge: one row per finding, the Host column
"$VIGIL" report merge -q -f csv "$TMP/a.jsonl" "$TMP/b.jsonl" "$TMP/c.jsonl" -o "$TMP/merged.csv"
expect_eq "merge -f csv" "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(" ".join(r[18] + ":" + r[8] for r in rows[1:]))' "$TMP/merged.csv")" \
    "host-c:4 host-a:1 host-b:3 host-a:2 host-c:5"

# a file without run record (vigil before it) lends its name as host
grep -v '"type":"run"' "$TMP/b.jsonl" > "$TMP/old-host.jsonl"
"$VIGIL" report merge -q "$TMP/old-host.jsonl" > "$TMP/old.jsonl"
expect_eq "host from the file name" "$(jq -r 'select(.type == "finding") | .host' "$TMP/old.jsonl")" "old-host"

# bad lines are said and skipped; the rest is merged
{ echo 'not json'; echo '[1,2]'; cat "$TMP/b.jsonl"; } > "$TMP/bad.jsonl"
"$VIGIL" report merge "$TMP/bad.jsonl" > "$TMP/bad-out.jsonl" 2> "$TMP/err"
expect_eq "bad lines: exit 0" "$?" 0
expect_eq "bad lines said with file and line" "$(grep -c 'bad.jsonl:[12]: not a JSON object' "$TMP/err")" 2
expect_eq "bad lines: the finding kept" "$(grep -c '"type":"finding"' "$TMP/bad-out.jsonl")" 1

# errors
"$VIGIL" report merge "$TMP/missing.jsonl" > /dev/null 2>&1
expect_eq "missing input exits 2" "$?" 2
"$VIGIL" report merge -f xml "$TMP/a.jsonl" > /dev/null 2>&1
expect_eq "bad format exits 2" "$?" 2
"$VIGIL" report > /dev/null 2>&1
expect_eq "no subcommand exits 2" "$?" 2
"$VIGIL" report merge "$TMP/a.jsonl" -o /nonexistent/dir/x > /dev/null 2>&1
expect_eq "unwritable output exits 2" "$?" 2
"$VIGIL" report --help > /dev/null
expect_eq "report --help exits 0" "$?" 0
# hostile names and line bytes in its own messages are escaped (before: raw)
(cd "$TMP" && "$VIGIL" report merge -q $'gone\x1b]0;x\x07.jsonl' > /dev/null 2> "$TMP/esc1")
expect_eq "unreadable file with controls: exit 2, escaped" "$? $(cat "$TMP/esc1")" \
    '2 vigil report: cannot read gone\x1b]0;x\x07.jsonl: No such file or directory'
printf '\x1b[2J{bad\n' > "$TMP/"$'ctl\xc2\x9b.jsonl'
(cd "$TMP" && "$VIGIL" report merge -q $'ctl\xc2\x9b.jsonl' > /dev/null 2> "$TMP/esc2")
expect_eq "bad line with controls: name and jansson's quote of the line escaped" "$(cat "$TMP/esc2")" \
    "vigil report: ctl\\u009b.jsonl:1: not a JSON object ('[' or '{' expected near '\\x1b'): skipped"
# standard input
expect_eq "'-' reads standard input" "$("$VIGIL" report merge -q - < "$TMP/c.jsonl" | grep -c '"type":"finding"')" 2
finish
