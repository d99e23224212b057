#!/usr/bin/env bash
# report_html.sh - the HTML report opened in headless Chromium (Debian's
# chromium, started here on a file:// URL, no network): the DOM holds the
# expected counts and rows, and findings whose paths, event fields, host
# names and rule text hold <script>, <img onerror>, "><svg onload>,
# javascript: links and RTL/zero-width characters add no element and no
# attribute: they are text. The page itself loads nothing and allows only
# its own script and style (CSP by hash). One Chromium start for the test
# (it costs seconds on a loaded machine).
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data
mkdir -p "$R" "$D"
cat > "$R/t.yar" <<'YAR'
rule Html_Marker { meta: score = 85 description = "<b>bold</b> \"><svg onload=alert(7)>" strings: $a = "VIGIL-HTML-MARKER" condition: $a }
YAR
sigma_encoded_ps_rule "$R/ps.yml" <<'YML'
title: '<img src=x onerror=alert(2)> "><svg onload=alert(3)>'
id: 40000000-0000-0000-0000-000000000001
level: high
tags:
    - attack.t1059.001
references:
    - javascript:alert(4)
    - https://example.invalid/ok
    - 'https://example.invalid/"><script>alert(9)</script>'
YML
{
    sysmon_ps_event '<iframe src=javascript:alert(5)>' 1 2026-03-01T10:00:00.000Z 'x -enc </script><script>alert(1)</script>'
    sysmon_ps_event 'WS01' 2 2026-03-01T11:00:00.000Z 'x -enc \u2028<!--<script>alert(6)</script>'
    sysmon_ps_event 'WS01' 3 2026-03-01T11:30:00.000Z 'x -enc javascript:alert(8) & &amp; &lt;'
} > "$D/sysmon.jsonl"
names=('<img src=x onerror=alert(10)>.txt' '"><svg onload=alert(11)>.txt' 'javascript:alert(12).txt'
       $'rtl\xe2\x80\xaetxt.exe' $'zero\xe2\x80\x8bwidth.txt' "<script>alert(13)<\\script>.txt")
for n in "${names[@]}"; do printf 'VIGIL-HTML-MARKER\n' > "$D/$n"; done

"$VIGIL" scan -q -r "$R" -f jsonl -o "$TMP/h1.jsonl" "$D"
expect_eq "scan exits 1" "$?" 1
# a second host, named by an attacker too
jq -c 'if .type == "run" or .type == "summary" then .host = "<svg onload=alert(14)>" else . end' \
    "$TMP/h1.jsonl" > "$TMP/h2.jsonl"
"$VIGIL" report render -q "$TMP/h1.jsonl" "$TMP/h2.jsonl" -o "$TMP/r.html"
expect_eq "render exits 0" "$?" 0
"$VIGIL" scan -q -r "$R" -f html -o "$TMP/scan.html" "$D"
expect_eq "scan -f html exits 1" "$?" 1

# the file as written: only meta, style and the three scripts (the first
# screen's data, the code, every finding's data) carry markup
cat > "$TMP/static.py" <<'PY'
import sys, re
from html.parser import HTMLParser
src = open(sys.argv[1], encoding='utf-8').read()
tags = []
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        tags.append((tag, attrs))
P().feed(src)
bad = [t for t in tags if t[0] not in ('html', 'head', 'meta', 'title', 'style', 'body', 'header',
                                        'h1', 'p', 'noscript', 'main', 'script')]
print('unexpected tags', bad)
refs = [(t, a) for t, attrs in tags for a, v in attrs if a in ('src', 'href', 'action', 'srcset')]
print('loads', refs)
csp = [dict(a) for t, a in tags if t == 'meta' and dict(a).get('http-equiv') == 'Content-Security-Policy']
c = csp[0]['content'] if csp else ''
print('csp', bool(re.fullmatch(r"default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}='; style-src 'sha256-[A-Za-z0-9+/]{43}='; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", c)))
print('scripts', [dict(a) for t, a in tags if t == 'script'])
data = [src.split('<script type="application/json" id="%s">' % i, 1)[1].split('</script>', 1)[0] for i in ('head', 'data')]
print('data has < > &', [any(ch in d for ch in '<>&') for d in data])
PY
expect_eq "static page" "$(python3 "$TMP/static.py" "$TMP/r.html")" "unexpected tags []
loads []
csp True
scripts [{'type': 'application/json', 'id': 'head'}, {}, {'type': 'application/json', 'id': 'data'}]
data has < > & [False, False]"
expect_eq "scan -f html: same static shape" "$(python3 "$TMP/static.py" "$TMP/scan.html")" "unexpected tags []
loads []
csp True
scripts [{'type': 'application/json', 'id': 'head'}, {}, {'type': 'application/json', 'id': 'data'}]
data has < > & [False, False]"

if [ ! -x /usr/bin/chromium ]; then
    echo "SKIP report_html.sh DOM checks: /usr/bin/chromium is not installed (scripts/deps.sh installs it)"
    finish
    exit $?
fi
profile=$(mktemp -d "$TMP/chromium.XXXXXX")
timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-extensions --disable-dev-shm-usage --user-data-dir="$profile" \
    --dump-dom "file://$TMP/r.html#details" > "$TMP/dom.html" 2> "$TMP/chromium.err"
expect_eq "chromium dumps the DOM" "$?" 0

cat > "$TMP/dom.py" <<'PY'
import sys
from html.parser import HTMLParser
src = open(sys.argv[1], encoding='utf-8').read()
ALLOWED = {'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'p', 'noscript',
           'main', 'section', 'div', 'b', 'span', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
           'svg', 'rect', 'text', 'select', 'option', 'input', 'button', 'a', 'script'}
tags, ids, texts, stack = [], {}, [], []
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        tags.append((tag, attrs))
        stack.append(tag)
        d = dict(attrs)
        if 'id' in d:
            ids[d['id']] = ''
            self.cur = d['id']
    def handle_data(self, data):
        texts.append(data)
        if getattr(self, 'cur', None):
            ids[self.cur] += data
            self.cur = None
P().feed(src)
print('body ready', any(t == 'body' and dict(a).get('data-ready') == '1' for t, a in tags))
print('unexpected tags', sorted({t for t, a in tags} - ALLOWED))
print('event handler attributes', [(t, n) for t, a in tags for n, v in a if n.startswith('on')])
print('scripts', len([1 for t, a in tags if t == 'script']))
print('svg', [dict(a).get('class') for t, a in tags if t == 'svg'])
print('links', sorted(dict(a).get('href') for t, a in tags if t == 'a'))
print('src attributes', [(t, v) for t, a in tags for n, v in a if n in ('src', 'srcset', 'action', 'formaction', 'style')])
for k in ('total-findings', 'total-hosts', 'count-alert', 'count-warning', 'page-info'):
    print(k, ids.get(k))
alltext = ''.join(texts)
for needle in ('<img src=x onerror=alert(10)>.txt', '"><svg onload=alert(11)>.txt',
               'javascript:alert(12).txt', 'rtl\u202etxt.exe', 'zero\u200bwidth.txt',
               '<iframe src=javascript:alert(5)>', '</script><script>alert(1)</script>',
               '\u2028<!--<script>alert(6)</script>', '&amp; &lt;', '<svg onload=alert(14)>',
               '<img src=x onerror=alert(2)> "><svg onload=alert(3)>', 'javascript:alert(4)',
               '"><svg onload=alert(7)>'):
    print('as text' if needle in alltext else 'MISSING', repr(needle))
PY
python3 "$TMP/dom.py" "$TMP/dom.html" > "$TMP/dom.txt"
expect_eq "the script ran" "$(sed -n 1p "$TMP/dom.txt")" "body ready True"
expect_eq "no injected element" "$(sed -n 2p "$TMP/dom.txt")" "unexpected tags []"
expect_eq "no event handler attribute" "$(sed -n 3p "$TMP/dom.txt")" "event handler attributes []"
expect_eq "only the page's three scripts" "$(sed -n 4p "$TMP/dom.txt")" "scripts 3"
expect_eq "only the chart's svg" "$(sed -n 5p "$TMP/dom.txt")" "svg ['chart']"
# every row's details are open (#details): each finding's two http(s) references
expect_eq "links only of http(s) references" "$(sed -n 6p "$TMP/dom.txt")" \
    "links ['https://example.invalid/ok', 'https://example.invalid/ok', 'https://example.invalid/ok', 'https://example.invalid/ok', 'https://example.invalid/ok', 'https://example.invalid/ok']"
expect_eq "no src, action or style attribute" "$(sed -n 7p "$TMP/dom.txt")" "src attributes []"
# 2 hosts x (3 events + 6 files) = 18 findings, all alerts
expect_eq "findings counted" "$(sed -n 8p "$TMP/dom.txt")" "total-findings 18"
expect_eq "hosts counted" "$(sed -n 9p "$TMP/dom.txt")" "total-hosts 2"
expect_eq "alerts counted" "$(sed -n 10p "$TMP/dom.txt")" "count-alert 18"
expect_eq "warnings counted" "$(sed -n 11p "$TMP/dom.txt")" "count-warning 0"
expect_eq "one page of rows" "$(sed -n 12p "$TMP/dom.txt")" "page-info findings 1–18 of 18 (page 1 of 1)"
expect_eq "hostile strings shown as text" "$(sed -n '13,$p' "$TMP/dom.txt" | grep -c '^as text')" 13
sed -n '13,$p' "$TMP/dom.txt" | grep MISSING >&2
expect_eq "rows in the table" "$(grep -o '<tr class="finding">' "$TMP/dom.html" | wc -l)" 18
expect_eq "no CSP violation reported" "$(grep -ci 'content security policy' "$TMP/chromium.err")" 0

# the first screen alone, from the "head" element: a copy of the report
# without its "data" element shows the total and the first page of rows,
# as text, and says the rest is being counted
python3 - "$TMP/r.html" "$TMP/head.html" <<'PY'
import sys, re
src = open(sys.argv[1], encoding='utf-8').read()
open(sys.argv[2], 'w', encoding='utf-8').write(
    re.sub(r'<script type="application/json" id="data">.*?</script>', '', src, flags=re.S))
PY
timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-extensions --disable-dev-shm-usage --user-data-dir="$profile" \
    --dump-dom "file://$TMP/head.html#details" > "$TMP/head-dom.html" 2> "$TMP/head-chromium.err"
expect_eq "first screen: chromium dumps the DOM" "$?" 0
python3 "$TMP/dom.py" "$TMP/head-dom.html" > "$TMP/head-dom.txt"
expect_eq "first screen: drawn, not the whole report" "$(sed -n 1p "$TMP/head-dom.txt")" "body ready False"
expect_eq "first screen: no injected element" "$(sed -n 2p "$TMP/head-dom.txt")" "unexpected tags []"
expect_eq "first screen: no event handler attribute" "$(sed -n 3p "$TMP/head-dom.txt")" "event handler attributes []"
expect_eq "first screen: total of the whole report" "$(sed -n 8p "$TMP/head-dom.txt")" "total-findings 18"
expect_eq "first screen: page info" "$(sed -n 12p "$TMP/head-dom.txt")" "page-info findings 1–18 of 18 (loading the rest…)"
expect_eq "first screen: rows" "$(grep -o '<tr class="finding">' "$TMP/head-dom.html" | wc -l)" 18
expect_eq "first screen: sections being counted" "$(grep -o 'counting 18 findings' "$TMP/head-dom.html" | wc -l)" 5
expect_eq "first screen: no CSP violation reported" "$(grep -ci 'content security policy' "$TMP/head-chromium.err")" 0
finish
