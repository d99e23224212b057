#!/usr/bin/env bash
# bench_report.sh - the HTML report of 100,000 findings (issue 20's target:
# under 20 MB and under 2 s to a drawn page). Generates the JSONL of a
# synthetic fleet sweep (40 hosts, 300 Sigma rules, events with the fields
# Sigma findings carry, some YARA file findings), renders it with `vigil
# report render`, opens it in headless Chromium (bench/report_paint.py,
# DevTools protocol over a pipe) and reads the page's Paint Timing and its
# own marks: the first screen (drawn from the small "head" element before
# the browser has parsed the rest) and the whole report. Prints the sizes
# against the JSONL and the times next to an empty page's in the same
# browser; the peer is the JSONL itself (what jq or a SIEM would load).
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
echo '<!DOCTYPE html><p>empty</p>' > "$tmp/empty.html"
# Paint Timing and the report's own marks through the DevTools protocol
# (bench/report_paint.py); an empty page first, measured in the same
# browser, is the floor of this machine at this moment.
echo "load: $(uptime | sed 's/.*load average: //')"
timeout 600 python3 "$(dirname "$0")/report_paint.py" /usr/bin/chromium \
    "file://$tmp/empty.html" "file://$tmp/fleet.html" > "$tmp/paint.jsonl"
python3 - "$tmp/paint.jsonl" <<'PY'
import json, sys
empty, rep = [json.loads(l) for l in open(sys.argv[1])]
def ms(d, k):
    v = d.get(k)
    return '?' if v is None else '%d ms' % v
print('chromium, empty page: first paint %s' % ms(empty, 'first-contentful-paint'))
print('chromium, report: first screen drawn %s, first contentful paint %s (target < 2000 ms); '
      'whole report drawn %s, load event %s'
      % (ms(rep, 'mark:first-screen'), ms(rep, 'first-contentful-paint'), ms(rep, 'ready'), ms(rep, 'load')))
print('  where the whole report\'s time goes: document parsed %s, data parsed %s, tallied %s'
      % (ms(rep, 'mark:data-start'), ms(rep, 'mark:data-parsed'), ms(rep, 'mark:tallied')))
print('  findings shown %s, rows on the first page %s' % (rep.get('total'), rep.get('rows')))
PY
echo "load: $(uptime | sed 's/.*load average: //')"
