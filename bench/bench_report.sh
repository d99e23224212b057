#!/usr/bin/env bash
# bench_report.sh - the HTML report of 100,000 findings (issue 20's target:
# under 20 MB and under 2 s to a drawn page). Generates the JSONL of a
# synthetic fleet sweep (40 hosts, 300 Sigma rules, events with the fields
# Sigma findings carry, some YARA file findings), renders it with `vigil
# report render`, opens it in headless Chromium and reads the page's own
# time from navigation start to the drawn page (performance.now() at the end
# of its script). Prints the sizes against the JSONL and the times; the
# peer is the JSONL itself (what jq or a SIEM would load).
set -euo pipefail
build=${VIGIL_BUILD:?}
n=${BENCH_FINDINGS:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$n" "$tmp/fleet.jsonl" <<'PY'
import json, sys, random
n = int(sys.argv[1]); random.seed(20)
levels = [('alert', 'critical', 100), ('alert', 'high', 80), ('warning', 'medium', 60), ('notice', 'low', 40), ('info', 'informational', 20)]
with open(sys.argv[2], 'w') as f:
    for h in range(40):
        f.write(json.dumps({'type': 'run', 'command': 'scan', 'version': '0.1.0', 'scan_id': 'scan-%d' % h,
                            'host': 'WS%03d' % h, 'machine_id': '%032x' % h, 'os': 'Windows 10',
                            'start_time': '2026-03-01T00:00:00.000Z', 'command_line': ['vigil', 'scan'], 'rule_sets': []}) + '\n')
    for i in range(n):
        h = i % 40
        lv, rl, sc = levels[i % 5]
        t = '2026-03-%02dT%02d:%02d:%02d.%03dZ' % (1 + i * 7 // n, i % 24, i % 60, (i * 7) % 60, i % 1000)
        if i % 50 == 0:
            o = {'type': 'finding', 'path': 'C:\\Users\\u%d\\AppData\\Local\\Temp\\drop%d.exe' % (i % 97, i), 'size': 40960 + i,
                 'filetype': 'EXE', 'mtime': t[:19] + 'Z', 'md5': '%032x' % i, 'sha1': '%040x' % i, 'sha256': '%064x' % i,
                 'file_score': 85, 'level': 'alert', 'kind': 'yara', 'rule': 'APT10_PlugX_Loader_%d' % (i % 20),
                 'namespace': 'apt10.yar', 'rule_source': 'rules/apt10.yar', 'rule_line': 10 + i % 20, 'score': 85,
                 'description': 'PlugX loader', 'strings': [{'id': '$s1', 'offset': 1024, 'length': 12}], 'strings_total': 1,
                 'host': 'WS%03d' % h, 'scan_id': 'scan-%d' % h}
        else:
            o = {'type': 'finding', 'path': 'C:\\Windows\\System32\\winevt\\Logs\\Security.evtx', 'size': 20971520,
                 'filetype': 'EVTX', 'md5': None, 'sha1': None, 'sha256': None, 'file_score': sc, 'level': lv,
                 'kind': 'sigma', 'rule': 'Suspicious Process Creation Pattern %d' % (i % 300),
                 'rule_source': 'rules/sigma/r%d.yml' % (i % 300), 'rule_line': 1, 'score': sc,
                 'tags': ['attack.execution', 'attack.t1059.001'], 'rule_id': '00000000-0000-0000-0000-%012d' % (i % 300),
                 'rule_level': rl, 'references': ['https://attack.mitre.org/techniques/T1059/001/'],
                 'event_time': t, 'computer': 'WS%03d.corp.example' % h, 'channel': 'Security', 'event_id': 4688,
                 'record_id': 100000 + i,
                 'fields': {'NewProcessName': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
                            'CommandLine': 'powershell.exe -nop -w hidden -enc %x' % (i * 2654435761 % 2**32)},
                 'host': 'WS%03d' % h, 'scan_id': 'scan-%d' % h}
        f.write(json.dumps(o, separators=(',', ':')) + '\n')
PY
/usr/bin/time -f "%e %M" -o "$tmp/render.time" "$build/vigil" report render -q "$tmp/fleet.jsonl" -o "$tmp/fleet.html"
read -r rs rkb < "$tmp/render.time"
jsonl=$(stat -c %s "$tmp/fleet.jsonl")
html=$(stat -c %s "$tmp/fleet.html")
echo "findings: $n"
printf 'JSONL: %.1f MB   HTML: %.1f MB (%.2fx the JSONL; target < 20 MB)\n' \
    "$(echo "$jsonl / 1000000" | bc -l)" "$(echo "$html / 1000000" | bc -l)" "$(echo "$html / $jsonl" | bc -l)"
echo "vigil report render: ${rs} s, peak RSS $((rkb / 1024)) MB"
if [ ! -x /usr/bin/chromium ]; then
    echo "chromium not installed: no page timing (scripts/deps.sh installs it)"
    exit 0
fi
open_page() { # URL -> wall seconds in $tmp/wall, DOM in $tmp/dom.html
    local profile
    profile=$(mktemp -d "$tmp/profile.XXXXXX")
    local t0 t1
    t0=$(date +%s.%N)
    timeout 300 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --disable-dev-shm-usage --user-data-dir="$profile" \
        --dump-dom "$1" > "$tmp/dom.html" 2>/dev/null
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l > "$tmp/wall"
}
echo '<!DOCTYPE html><p>empty</p>' > "$tmp/empty.html"
open_page "file://$tmp/empty.html"
base=$(cat "$tmp/wall")
open_page "file://$tmp/fleet.html"
wall=$(cat "$tmp/wall")
ready=$(grep -o 'data-ready-ms="[0-9]*"' "$tmp/dom.html" | grep -o '[0-9]*' || echo "?")
rows=$(grep -o '<tr class="finding">' "$tmp/dom.html" | wc -l)
total=$(grep -o 'id="total-findings">[^<]*' "$tmp/dom.html" | sed 's/.*>//')
echo "chromium: page drawn ${ready} ms after navigation start (target < 2000 ms); findings shown ${total}, rows on the first page ${rows}"
printf 'chromium wall: %.2f s for the report, %.2f s for an empty page (start-up on this machine)\n' "$wall" "$base"
