#!/usr/bin/env bash
# trust_small.sh - end-to-end tests of the "results you can trust" small
# fixes: `vigil logs` and `vigil connections` default to the bundled pack as
# `vigil scan` does; a filename IOC matching the empty string is refused
# (named by file and line, counted), not run on every file; hash
# allow-lists (Loki's *falsepositive* hash files, --allow-hashes) keep files
# (and archives) out of the report and are counted; `vigil scan` hunts the
# C2 indicators in the text logs it meets (by name and content, in archives
# too) with the same hits as `vigil logs`. Fixtures are
# generated here; the indicators used are those of the bundled pack
# (rules/cloudhopper/iocs/cloudhopper-c2-iocs.txt).
set -u
. "$(dirname "$0")/lib.bash"

L=$TMP/logs
mkdir -p "$L"
printf 'Jun  1 10:00:00 host app[2]: started\nJun  1 10:00:01 host app[2]: beacon to owlmedia.mefound.com:443\nJun  1 10:00:02 host app[2]: beacon to notowlmedia.mefound.com.example\n' > "$L/app.log"

# --- logs without rule options: the bundled pack ---
"$VIGIL" logs -f jsonl "$L/app.log" > "$TMP/o1" 2> "$TMP/e1"
expect_eq "logs default pack: exit 1" "$?" "1"
got=$(jq -r 'select(.type=="log_hit") | "\(.line) \(.indicator) \(.rule_source | split("/") | last):\(.rule_line)"' "$TMP/o1")
expect_eq "logs default pack: exact hits" "$got" "2 owlmedia.mefound.com cloudhopper-c2-iocs.txt:7"
expect_eq "logs default pack: no diagnostics" "$(cat "$TMP/e1")" ""
printf 'nothing to see\n' > "$TMP/clean.log"
"$VIGIL" logs "$TMP/clean.log" > /dev/null 2>&1
expect_eq "logs default pack, clean log: exit 0" "$?" "0"

# --- connections without rule options: the bundled pack ---
P=$TMP/proc
mkdir -p "$P/net" "$P/4242/fd"
hdr='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
{ echo "$hdr"
  # 10.0.0.5:50000 -> 151.106.53.147:443 ESTABLISHED (bundled UPPERCUT C&C)
  echo '   0: 0500000A:C350 93356A97:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 20 4 30 10 -1'
  # 10.0.0.5:50001 -> 151.106.53.148:443, a neighbour
  echo '   1: 0500000A:C351 94356A97:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1'
} > "$P/net/tcp"
ln -s 'socket:[12345]' "$P/4242/fd/3"; ln -s /opt/evil/implant "$P/4242/exe"
"$VIGIL" connections -f jsonl --proc "$P" > "$TMP/c" 2> "$TMP/ce"
expect_eq "connections default pack: exit 1" "$?" "1"
got=$(jq -r 'select(.type=="connection") | "\(.remote):\(.remote_port) \(.pid) \(.indicator)"' "$TMP/c")
expect_eq "connections default pack: exact matches" "$got" "151.106.53.147:443 4242 151.106.53.147"
expect_eq "connections default pack: no diagnostics" "$(cat "$TMP/ce")" ""

# --- a filename IOC matching the empty string is refused ---
R=$TMP/rules; D=$TMP/data
mkdir -p "$R" "$D"
printf '# every path\n.*;80\n# real one\n\\\\evil\\.exe$;80\n(?i)x*;70\n' > "$R/bad-filename-iocs.txt"
printf 'a\n' > "$D/clean.txt"; printf 'b\n' > "$D/evil.exe"
"$VIGIL" scan -f jsonl -r "$R" "$D" > "$TMP/s1" 2> "$TMP/se1"
expect_eq "empty-matching IOC: exit 1 (the real IOC hits)" "$?" "1"
got=$(jq -r 'select(.type=="finding") | "\(.path | split("/") | last) \(.rule_line)"' "$TMP/s1" 2>/dev/null | sort)
expect_eq "empty-matching IOC: only the real IOC hits" "$got" "evil.exe 4"
got=$(jq -r 'select(.type=="summary") | "\(.rules.filename_iocs) \(.rules.filename_refused) \(.errors)"' "$TMP/s1")
expect_eq "empty-matching IOC: refused and counted" "$got" "1 2 2"
expect_eq "empty-matching IOC: diagnostics name file and line" \
  "$(grep -c 'bad-filename-iocs.txt:[25]:.*empty string' "$TMP/se1")" "2"

# --- hash allow-lists: Loki's *falsepositive* hash files and --allow-hashes ---
A=$TMP/allow; mkdir -p "$A/iocs" "$A/d"
printf 'evil one\n' > "$A/d/a.bin"; printf 'evil two\n' > "$A/d/b.bin"; printf 'ok\n' > "$A/d/c.bin"
{ echo "# bad ones"; md5sum "$A/d/a.bin" "$A/d/b.bin" | awk '{print $1";90;bad "NR}'; } > "$A/iocs/my-hash-iocs.txt"
sha256sum "$A/d/b.bin" | awk '{print $1";known good build"}' > "$A/iocs/falsepositive-hashes.txt"
sha1sum "$A/d/a.bin" | awk '{print $1";vendor tool"}' > "$A/allow.txt"
"$VIGIL" scan -f jsonl -r "$A/iocs" "$A/d" > "$TMP/a1" 2> "$TMP/ae1"
expect_eq "falsepositive file: exit 1" "$?" "1"
got=$(jq -r 'select(.type=="finding") | "\(.path | split("/") | last) \(.description)"' "$TMP/a1")
expect_eq "falsepositive file: only the unlisted file" "$got" "a.bin bad 1"
got=$(jq -c 'select(.type=="summary") | [.files, .allowlisted, .rules.hash_iocs, .rules.allow_hashes, .errors]' "$TMP/a1")
expect_eq "falsepositive file: counted" "$got" "[3,1,2,1,0]"
"$VIGIL" scan -f jsonl -r "$A/iocs" --allow-hashes "$A/allow.txt" "$A/d" > "$TMP/a2" 2> "$TMP/ae2"
expect_eq "--allow-hashes: exit 0" "$?" "0"
expect_eq "--allow-hashes: no finding" "$(jq -r 'select(.type=="finding") | .path' "$TMP/a2")" ""
got=$(jq -c 'select(.type=="summary") | [.files, .allowlisted, .rules.allow_hashes]' "$TMP/a2")
expect_eq "--allow-hashes: counted" "$got" "[3,2,2]"
"$VIGIL" scan -r "$A/iocs" --allow-hashes "$A/allow.txt" "$A/d" > "$TMP/a3" 2>&1
expect_eq "--allow-hashes: text summary" "$(grep -c '^2 files allow-listed by hash' "$TMP/a3")" "1"
# an allow-listed archive is not opened; a listed member is skipped alone
(cd "$A/d" && tar czf "$TMP/both.tgz" a.bin b.bin)
"$VIGIL" scan -f jsonl -r "$A/iocs" "$TMP/both.tgz" > "$TMP/a4" 2>/dev/null
got=$(jq -r 'select(.type=="finding") | .path | split("/") | last' "$TMP/a4")
expect_eq "allow-listed member skipped, the other found" "$got" "both.tgz!a.bin"
expect_eq "allow-listed member counted" "$(jq -r 'select(.type=="summary") | .allowlisted' "$TMP/a4")" "1"
sha256sum "$TMP/both.tgz" | awk '{print $1";our archive"}' > "$A/arch-allow.txt"
"$VIGIL" scan -f jsonl -r "$A/iocs" --allow-hashes "$A/arch-allow.txt" "$TMP/both.tgz" > "$TMP/a5" 2>/dev/null
expect_eq "allow-listed archive: exit 0" "$?" "0"
expect_eq "allow-listed archive: counted once" "$(jq -c 'select(.type=="summary") | [.files, .archive_members, .allowlisted]' "$TMP/a5")" "[1,0,1]"
"$VIGIL" scan -r "$A/iocs" --allow-hashes "$A/none.txt" "$A/d" > /dev/null 2>&1
expect_eq "--allow-hashes missing file: exit 2" "$?" "2"

# --- scan hunts C2 indicators in the text logs of a triage collection ---
C=$TMP/triage; R2=$TMP/c2rules
mkdir -p "$C/var/log/nginx" "$C/home/u" "$C/zeek" "$R2"
printf '# test C2\nevil-c2.example;90\n198.51.100.23;80\n' > "$R2/test-c2-iocs.txt"
printf 'Jun  1 10:00:00 host sshd[1]: Accepted\nJun  1 10:00:01 host app[2]: to a.evil-c2.example:443\nJun  1 10:00:02 host app[2]: to notevil-c2.example\n' > "$C/var/log/syslog"
printf 'plain text, no timestamps\nconnect 198.51.100.23\n' > "$C/var/log/app.log.1"
printf '203.0.113.9 - - [01/Jun/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1\n198.51.100.23 - - [01/Jun/2024:10:00:01 +0000] "GET /x HTTP/1.1" 404 1\n' > "$TMP/access.log"
gzip -c "$TMP/access.log" > "$C/var/log/nginx/access.log.gz"
printf '#separator \\x09\n#fields\tts\tquery\n1717236000.1\twww.example.org\n1717236000.2\tx1.evil-c2.example\n' > "$C/zeek/dns.txt"
printf 'my notes: the actor used evil-c2.example\n' > "$C/home/u/notes.txt"
(cd "$TMP" && mkdir -p t/var/log && printf 'Jun  2 09:00:00 h x: evil-c2.example\n' > t/var/log/auth.log && tar czf "$C/home/u/logs.tgz" -C t var)
"$VIGIL" scan -f jsonl -r "$R2" "$C" > "$TMP/t1" 2> "$TMP/te1"
expect_eq "scan C2 in logs: exit 1" "$?" "1"
got=$(jq -r 'select(.type=="finding") | "\(.path | sub(".*/triage/"; "")) \(.kind) \(.rule) \(.line) \(.rule_line)"' "$TMP/t1" | sort)
want=$(printf '%s\n' \
  "home/u/logs.tgz!var/log/auth.log c2 evil-c2.example 1 2" \
  "var/log/app.log.1 c2 198.51.100.23 2 3" \
  "var/log/nginx/access.log.gz!access.log c2 198.51.100.23 2 3" \
  "var/log/syslog c2 evil-c2.example 2 2" \
  "zeek/dns.txt c2 evil-c2.example 4 2" | sort)
expect_eq "scan C2 in logs: exact findings (notes.txt is not a log)" "$got" "$want"
expect_eq "scan C2 in logs: text_logs counted" "$(jq -r 'select(.type=="summary") | .text_logs' "$TMP/t1")" "5"
expect_eq "scan C2 in logs: no diagnostics" "$(cat "$TMP/te1")" ""
# the same hits as vigil logs on those logs
"$VIGIL" logs -f jsonl -r "$R2" "$C/var/log" "$C/zeek" "$C/home/u/logs.tgz" > "$TMP/t2" 2>/dev/null
got2=$(jq -r 'select(.type=="log_hit") | "\(.path | sub(".*/triage/"; "")) c2 \(.indicator) \(.line) \(.rule_line)"' "$TMP/t2" | sed 's|nginx/access.log.gz c2|nginx/access.log.gz!access.log c2|' | sort)
expect_eq "scan C2 in logs: same hits as vigil logs" "$got2" "$want"
"$VIGIL" scan -r "$R2" "$C/var/log/syslog" > "$TMP/t3" 2>&1
expect_eq "scan C2 in logs: text shows the line" "$(grep -c 'c2       evil-c2.example  score 90  (.*test-c2-iocs.txt:2)  line 2' "$TMP/t3")" "1"

finish
