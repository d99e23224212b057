#!/usr/bin/env bash
# report_csv.sh - `vigil scan -f csv` and `vigil report merge -f csv`: the
# timeline round-trips through Python's csv module with the exact cells
# (file names and event fields with commas, quotes, newlines and formula
# starts), cells that start with = + - @ are neutralised with a leading ',
# --sort time orders rows by time, the header is Hayabusa's columns first.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data
mkdir -p "$R" "$D"
cat > "$R/t.yar" <<'YAR'
rule Csv_Marker { meta: score = 85 description = "csv marker" strings: $a = "VIGIL-CSV-MARKER" condition: $a }
YAR
sigma_encoded_ps_rule "$R/ps.yml" <<'YML'
title: Encoded PowerShell
id: 20000000-0000-0000-0000-000000000001
level: high
tags:
    - attack.t1059.001
YML
{
    sysmon_ps_event WS01 12 2026-03-01T10:00:00.000Z 'powershell -enc AAAA' Microsoft-Windows-Sysmon
    sysmon_ps_event '=WS02' 13 2026-03-01T08:30:00.000Z '=cmd|calc -enc \"quoted\", comma' Microsoft-Windows-Sysmon
    sysmon_ps_event WS01 14 2026-03-01T09:15:00.000Z 'line one -enc \r\nline two' Microsoft-Windows-Sysmon
} > "$D/sysmon.jsonl"
for n in '=HYPERLINK("x","y").txt' 'a,b "q".txt' $'new\nline.txt' '-minus.txt' '@at.txt' '+plus.txt' 'plain.txt'; do
    printf 'VIGIL-CSV-MARKER\n' > "$D/$n"
done
touch -d '2020-01-02 03:04:05 UTC' "$D/plain.txt"

"$VIGIL" scan -q -r "$R" -f csv -o "$TMP/out.csv" "$D"
expect_eq "scan -f csv exits 1 on findings" "$?" 1
"$VIGIL" scan -q -r "$R" -f jsonl -o "$TMP/out.jsonl" "$D"
"$VIGIL" scan -q -r "$R" -f csv --sort time -o "$TMP/sorted.csv" "$D"
expect_eq "scan -f csv --sort time exits 1" "$?" 1

# The reference cells are computed from the JSONL of the same sweep.
cat > "$TMP/check.py" <<'PY'
import csv, json, sys
csvfile, jsonl, mode = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.reader(open(csvfile, newline='', encoding='utf-8')))
head = rows[0]
want_head = ['Timestamp', 'Computer', 'Channel', 'EventID', 'Level', 'Rule', 'Details', 'Path',
             'RecordID', 'Kind', 'RuleLevel', 'Score', 'Tags', 'FileType', 'Size', 'MD5', 'SHA1',
             'SHA256', 'Host']
assert head == want_head, head
def neut(s):
    s = '' if s is None else str(s)
    return "'" + s if s[:1] in ('=', '+', '-', '@', '\t', '\r') else s
host = None
want = []
for line in open(jsonl, encoding='utf-8'):
    o = json.loads(line)
    if o['type'] == 'run':
        host = o['host']
        continue
    if o['type'] != 'finding':
        continue
    if o['kind'] == 'sigma':
        det = ' \u00a6 '.join('%s: %s' % kv for kv in o['fields'].items())
    else:
        det = 'Strings: ' + ' '.join('%s@0x%x' % (s['id'], s['offset']) for s in o['strings'])
        det += ' \u00a6 Description: ' + o['description']
    t = o.get('event_time') or o.get('mtime') or ''
    want.append([neut(t), neut(o.get('computer') or host), neut(o.get('channel', '')),
                 neut(o.get('event_id', '')), neut(o['level']), neut(o['rule']), neut(det),
                 neut(o['path']), str(o.get('record_id', '')), neut(o['kind']),
                 neut(o.get('rule_level', '')), str(o['score']), neut(','.join(o.get('tags', []))),
                 neut(o['filetype']), str(o['size']), neut(o['md5']), neut(o['sha1']),
                 neut(o['sha256']), neut(host)])
got = rows[1:]
if mode == 'sorted':
    times = [r[0] for r in got]
    known = [t for t in times if t]
    assert known == sorted(known, key=lambda t: t.replace('T', ' ')), times
    got = sorted(got)
    want = sorted(want)
else:
    got = sorted(got)
    want = sorted(want)
for g, w in zip(got, want):
    if g != w:
        print('row differs:\n got  %r\n want %r' % (g, w))
        sys.exit(1)
assert len(got) == len(want), (len(got), len(want))
print('rows', len(got))
PY
out=$(python3 "$TMP/check.py" "$TMP/out.csv" "$TMP/out.jsonl" plain 2>&1)
expect_eq "csv cells equal the JSONL's, neutralised" "$out" "rows 10"
out=$(python3 "$TMP/check.py" "$TMP/sorted.csv" "$TMP/out.jsonl" sorted 2>&1)
expect_eq "sorted csv: same cells, time order" "$out" "rows 10"

# literal cells, as a spreadsheet would see them
out=$(python3 - "$TMP/out.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))[1:]
paths = sorted(r[7].rsplit('/', 1)[-1] for r in rows if r[9] == 'yara')
print(repr('|'.join(paths)))
ev = [r for r in rows if r[8] == '13'][0]
print(ev[1], ev[6], sep='|')
ev = [r for r in rows if r[8] == '14'][0]
print(repr(ev[6]))
PY
)
expect_eq "file names as cells" "$(sed -n 1p <<<"$out")" "'+plus.txt|-minus.txt|=HYPERLINK(\"x\",\"y\").txt|@at.txt|a,b \"q\".txt|new\\nline.txt|plain.txt'"
expect_eq "computer and details with a formula start" "$(sed -n 2p <<<"$out")" "'=WS02|Image: C:\\Windows\\powershell.exe ¦ CommandLine: =cmd|calc -enc \"quoted\", comma"
expect_eq "CR LF inside a cell" "$(sed -n 3p <<<"$out")" "'Image: C:\\\\Windows\\\\powershell.exe ¦ CommandLine: line one -enc \\r\\nline two'"
# the path cells start with the directory, so the neutralised names are
# the bare ones; check one cell that starts with the name itself
out=$(cd "$D" && "$VIGIL" scan -q -r "$R" -f csv -- '=HYPERLINK("x","y").txt' | python3 -c '
import csv, sys
r = list(csv.reader(sys.stdin))[1]
print(r[7])')
expect_eq "a path cell that starts with = is neutralised" "$out" "'=HYPERLINK(\"x\",\"y\").txt"

# time order: the three events by their time, the file with the 2020 mtime first
first=$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))[1:]
print(" ".join(r[8] or r[7].rsplit("/",1)[-1] for r in rows[:4]))' "$TMP/sorted.csv")
expect_eq "--sort time order" "$first" "plain.txt 13 14 12"

# control characters in names and event fields are escaped as in the text
# output, never written raw: ESC, C1 as UTF-8 (U+009B, U+0085), a bidi
# override; a raw C1 byte (not UTF-8) is U+FFFD as in the JSONL; a
# backslash stays. Before: ESC, the C1 and the override were raw.
C=$TMP/ctl; mkdir -p "$C"
for n in $'esc\x1b]0;title\x07.txt' $'csi\xc2\x9b31m.txt' $'nel\xc2\x85.txt' $'raw\x9b.txt' \
         $'rlo\xe2\x80\xaetxt.exe' 'back\slash.txt'; do
    printf 'VIGIL-CSV-MARKER\n' > "$C/$n"
done
sysmon_ps_event 'WS\u009b01' 21 2026-03-01T11:00:00.000Z 'ps -enc \u001b[2J\u0085x' Microsoft-Windows-Sysmon > "$C/ev.jsonl"
"$VIGIL" scan -q -r "$R" -f csv -o "$TMP/ctl.csv" "$C"
expect_eq "controls: scan -f csv exits 1" "$?" 1
expect_eq "controls: no control byte in the file (C0 but TAB/LF/CR, DEL, C1 as UTF-8)" \
    "$(LC_ALL=C grep -c $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]\|\xc2[\x80-\x9f]' "$TMP/ctl.csv")" "0"
expect_eq "controls: the file is valid UTF-8" "$(iconv -f UTF-8 -t UTF-8 "$TMP/ctl.csv" > /dev/null 2>&1; echo $?)" "0"
expect_eq "controls: file name cells" \
    "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))[1:]
print("\n".join(sorted(r[7].rsplit("/", 1)[-1] for r in rows if r[9] == "yara")))' "$TMP/ctl.csv")" \
    'back\slash.txt
csi\u009b31m.txt
esc\x1b]0;title\x07.txt
nel\u0085.txt
raw'$'\xef\xbf\xbd''.txt
rlo\u202etxt.exe'
expect_eq "controls: event Computer and Details cells" \
    "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))[1:]
print("\n".join(r[1] + "|" + r[6] for r in rows if r[9] == "sigma"))' "$TMP/ctl.csv")" \
    'WS\u009b01|Image: C:\Windows\powershell.exe ¦ CommandLine: ps -enc \x1b[2J\u0085x'

# logs and connections have no CSV
"$VIGIL" logs -f csv "$D" >/dev/null 2>"$TMP/err"
expect_eq "logs -f csv refused" "$?" 2
finish
