#!/usr/bin/env bash
# logs_hunt.sh - end-to-end tests of `vigil logs` and `vigil connections`:
# generated logs of many formats (syslog, Zeek conn/dns/http, Suricata
# eve.json, squid and nginx access, Windows DNS debug, a gzip'd log) with
# indicators planted at known lines next to look-alikes that must not match
# (notevil-c2.example, evil-c2.example.org, 198.51.100.230, gate.php5), and
# indicators from a Loki C2 list, a STIX bundle, a MISP event and a CSV
# table, some defanged. The hits must be exactly the planted lines.
set -u
. "$(dirname "$0")/lib.bash"

I=$TMP/intel; L=$TMP/logs
mkdir -p "$I" "$L/zeek" "$L/sub"
printf '# Test C2 servers\nevil-c2.example\n198.51.100.23;80\n' > "$I/test-c2-iocs.txt"
cat > "$I/bundle.json" <<'EOF'
{"type":"bundle","id":"bundle--11111111-1111-4111-8111-111111111111","objects":[
 {"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111112",
  "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","valid_from":"2024-01-01T00:00:00Z",
  "pattern_type":"stix","confidence":90,"description":"gate URL",
  "pattern":"[url:value = 'hxxp://bad[.]example/gate.php'] OR [domain-name:value = 'stage2.example']"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111113",
  "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","valid_from":"2024-01-01T00:00:00Z",
  "pattern_type":"stix","confidence":70,"pattern":"[ipv4-addr:value = '203.0.113.0/24']"}
]}
EOF
cat > "$I/event.json" <<'EOF'
{"Event":{"info":"test event","Attribute":[
 {"type":"ip-dst","value":"192.0.2.200","to_ids":true,"comment":"misp c2"},
 {"type":"domain","value":"ignored.example","to_ids":false}
]}}
EOF
printf 'type,value,comment\nhostname,dns-tunnel[.]example,csv entry\n' > "$I/table.csv"

# --- the logs; PLANT marks the lines that must be found (the marker is not
# part of any indicator, it is only there to keep this script readable) ---
cat > "$L/syslog" <<'EOF'
Jun  1 10:00:00 host sshd[1]: Accepted publickey for root from 10.0.0.5
Jun  1 10:00:01 host app[2]: connecting to a.evil-c2.example:443
Jun  1 10:00:02 host app[2]: connecting to notevil-c2.example:443
Jun  1 10:00:03 host app[2]: connecting to evil-c2.example.org
Jun  1 10:00:04 host kernel: DROP SRC=198.51.100.230 DST=10.0.0.1
Jun  1 10:00:05 host kernel: DROP SRC=198.51.100.23 DST=10.0.0.1
EOF
printf '#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n1717236000.1\tC1\t10.0.0.5\t50000\t93.184.216.34\t443\ttcp\n1717236000.2\tC2\t10.0.0.5\t50001\t192.0.2.200\t8080\ttcp\n1717236000.3\tC3\t10.0.0.5\t50002\t192.0.2.20\t8080\ttcp\n' > "$L/zeek/conn.log"
printf '#fields\tts\tuid\tquery\tqtype_name\trcode_name\n1717236000.1\tC1\twww.example.org\tA\tNOERROR\n1717236000.2\tC2\tx1.dns-tunnel.example\tTXT\tNOERROR\n1717236000.3\tC3\tdns-tunnel.example.net\tA\tNXDOMAIN\n' > "$L/zeek/dns.log"
printf '#fields\tts\tuid\thost\turi\n1717236000.1\tC1\tstage2.example\t/index.html\n1717236000.2\tC2\tstage2.example.cdn.net\t/\n' > "$L/zeek/http.log"
cat > "$L/eve.json" <<'EOF'
{"timestamp":"2024-06-01T10:00:00.000000+0000","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"10.0.0.53","dns":{"type":"query","rrname":"www.example.org"}}
{"timestamp":"2024-06-01T10:00:01.000000+0000","event_type":"flow","src_ip":"10.0.0.5","dest_ip":"203.0.113.77","dest_port":443}
{"timestamp":"2024-06-01T10:00:02.000000+0000","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"10.0.0.53","dns":{"type":"query","rrname":"EVIL-C2.EXAMPLE."}}
{"timestamp":"2024-06-01T10:00:03.000000+0000","event_type":"flow","src_ip":"10.0.0.5","dest_ip":"203.0.114.77","dest_port":443}
EOF
cat > "$L/sub/access.log" <<'EOF'
1717236000.100    120 10.0.0.5 TCP_MISS/200 512 GET http://bad.example/gate.php?id=7 - HIER_DIRECT/198.18.0.1 text/html
1717236000.200    120 10.0.0.5 TCP_MISS/200 512 GET http://bad.example/gate.php5 - HIER_DIRECT/198.18.0.1 text/html
1717236000.300    120 10.0.0.5 TCP_MISS/200 512 GET http://bad.example/index.html - HIER_DIRECT/198.18.0.1 text/html
EOF
cat > "$L/sub/nginx_access.log" <<'EOF'
203.0.113.9 - - [01/Jun/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0"
10.0.0.9 - - [01/Jun/2024:10:00:01 +0000] "GET /?next=203.0.113 HTTP/1.1" 200 612 "-" "curl/8.0"
EOF
cat > "$L/dns_debug.log" <<'EOF'
6/1/2024 10:00:00 AM 0E2C PACKET  000001C2B1C3A0D0 UDP Rcv 10.0.0.5      1a2b   Q [0001   D   NOERROR] A      (3)www(7)example(3)org(0)
6/1/2024 10:00:01 AM 0E2C PACKET  000001C2B1C3A0D0 UDP Rcv 10.0.0.5      1a2c   Q [0001   D   NOERROR] A      (3)cdn(7)evil-c2(7)example(0)
6/1/2024 10:00:02 AM 0E2C PACKET  000001C2B1C3A0D0 UDP Rcv 10.0.0.5      1a2d   Q [0001   D   NOERROR] A      (10)notevil-c2(7)example(0)
EOF
{ for i in $(seq 1 99); do printf 'Jun  1 09:%02d:00 host cron[%d]: job done\n' $((i % 60)) "$i"; done
  printf 'Jun  1 09:59:59 host curl[7]: GET https://stage2.example/x\n'
  for i in $(seq 101 150); do printf 'Jun  1 10:%02d:00 host cron[%d]: job done\n' $((i % 60)) "$i"; done; } > "$TMP/old.log"
gzip -c "$TMP/old.log" > "$L/old.log.1.gz"
head -c 3000 /dev/urandom > "$L/binary.dat"; printf '\0evil-c2.example\0' >> "$L/binary.dat"

want=$(printf '%s\n' \
  "syslog:2 evil-c2.example test-c2-iocs.txt 100" \
  "syslog:6 198.51.100.23 test-c2-iocs.txt 80" \
  "zeek/conn.log:4 192.0.2.200 event.json 100" \
  "zeek/dns.log:3 dns-tunnel.example table.csv 100" \
  "zeek/http.log:2 stage2.example bundle.json 90" \
  "eve.json:2 203.0.113.0/24 bundle.json 70" \
  "eve.json:3 evil-c2.example test-c2-iocs.txt 100" \
  "sub/access.log:1 http://bad.example/gate.php bundle.json 90" \
  "sub/nginx_access.log:1 203.0.113.0/24 bundle.json 70" \
  "dns_debug.log:2 evil-c2.example test-c2-iocs.txt 100" \
  "old.log.1.gz:100 stage2.example bundle.json 90" | sort)

"$VIGIL" logs -f jsonl -r "$I" "$L" > "$TMP/out" 2> "$TMP/err"
expect_eq "hits exit 1" "$?" "1"
got=$(jq -r 'select(.type=="log_hit") | "\(.path | sub(".*/logs/"; "")):\(.line) \(.indicator) \(.rule_source | sub(".*/"; "")) \(.score)"' "$TMP/out" | sort)
expect_eq "exactly the planted lines" "$got" "$want"
expect_eq "no warnings or errors" "$(grep -cE 'warning|error' "$TMP/err")" "0"
s=$(jq -c 'select(.type=="summary") | [.files, .members, .lines, .hits, .binary_skipped, .indicators]' "$TMP/out")
expect_eq "summary counts" "$s" "[9,1,$((30 + 150)),11,1,7]"
h=$(jq -c 'select(.type=="log_hit" and (.path|endswith("dns_debug.log"))) | [.matched, .offset, .indicator_type, .text_truncated]' "$TMP/out")
off=$(grep -bo '(7)evil-c2(7)example(0)' "$L/dns_debug.log" | cut -d: -f1)
expect_eq "DNS debug form matched as written" "$h" "[\"(7)evil-c2(7)example(0)\",$off,\"domain\",false]"
h=$(jq -r 'select(.type=="log_hit" and (.path|endswith("/access.log")) and .line==1) | .text' "$TMP/out")
expect_eq "line text" "$h" "$(sed -n 1p "$L/sub/access.log")"

# the same with one thread, and with the gzip opened or not
"$VIGIL" logs -j 1 -f jsonl -r "$I" "$L" > "$TMP/out1" 2>/dev/null
got1=$(jq -r 'select(.type=="log_hit") | "\(.path | sub(".*/logs/"; "")):\(.line) \(.indicator) \(.rule_source | sub(".*/"; "")) \(.score)"' "$TMP/out1" | sort)
expect_eq "one thread: same hits" "$got1" "$want"
"$VIGIL" logs --no-decompress -f jsonl -r "$I" "$L/old.log.1.gz" > "$TMP/out2" 2>/dev/null
expect_eq "--no-decompress: gzip bytes do not match" "$?" "0"
"$VIGIL" logs --binary -f jsonl --c2-iocs "$I/test-c2-iocs.txt" "$L/binary.dat" > "$TMP/out3" 2>/dev/null
expect_eq "--binary scans binary files" "$(jq -r 'select(.type=="log_hit") | .indicator' "$TMP/out3")" "evil-c2.example"

# text output: path:line, level, indicator, source; control bytes neutralised
printf 'x \033[31m evil-c2.example\033[0m y\n' > "$TMP/esc.log"
"$VIGIL" logs --c2-iocs "$I/test-c2-iocs.txt" "$TMP/esc.log" > "$TMP/text" 2>&1
expect_eq "text exit 1" "$?" "1"
expect_eq "text hit line" "$(sed -n 1p "$TMP/text" | sed "s|$TMP/||g")" "esc.log:1: alert evil-c2.example score 100  (intel/test-c2-iocs.txt:2)  Test C2 servers"
expect_eq "text line shown without escape codes" "$(sed -n 2p "$TMP/text")" '    x \x1b[31m evil-c2.example\x1b[0m y'

# a long line is shown as a bounded window around the match
{ head -c 5000 /dev/zero | tr '\0' 'a'; printf ' 198.51.100.23 '; head -c 5000 /dev/zero | tr '\0' 'b'; printf '\n'; } > "$TMP/long.log"
"$VIGIL" logs -f jsonl --max-line 64 --c2-iocs "$I/test-c2-iocs.txt" "$TMP/long.log" > "$TMP/outl"
t=$(jq -r 'select(.type=="log_hit") | "\(.text_truncated) \(.text | length) \(.text | contains("198.51.100.23"))"' "$TMP/outl")
expect_eq "long line window" "$t" "true 64 true"

# clean logs exit 0; errors exit 2
printf 'nothing to see\n' > "$TMP/clean.log"
"$VIGIL" logs -r "$I" "$TMP/clean.log" > /dev/null 2>&1
expect_eq "clean exit 0" "$?" "0"
"$VIGIL" logs "$TMP/clean.log" > /dev/null 2>&1
expect_eq "no rule option: the bundled pack, clean: exit 0" "$?" "0"
printf 'rule x { condition: true }\n' > "$TMP/only.yar"
"$VIGIL" logs -r "$TMP/only.yar" "$TMP/clean.log" > /dev/null 2>&1
expect_eq "rules without network indicators: exit 2" "$?" "2"

# --- vigil connections on a fake /proc ---
P=$TMP/proc
mkdir -p "$P/net" "$P/4242/fd" "$P/77/fd"
hdr='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
{ echo "$hdr"
  # 10.0.0.5:50000 -> 198.51.100.23:443 ESTABLISHED, inode 12345
  echo '   0: 0500000A:C350 176433C6:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 20 4 30 10 -1'
  # 10.0.0.5:50001 -> 198.51.100.230:443, a look-alike
  echo '   1: 0500000A:C351 E66433C6:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1'
  # listening on 0.0.0.0:22
  echo '   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0'
} > "$P/net/tcp"
{ echo "$hdr"
  # 10.0.0.5:5353 -> 192.0.2.200:53, inode 555 (no owner found)
  echo '   0: 0500000A:14E9 C80200C0:0035 01 00000000:00000000 00:00000000 00000000     0        0 555 2 0000000000000000 0'
} > "$P/net/udp"
ln -s 'socket:[12345]' "$P/4242/fd/3"; ln -s /opt/evil/implant "$P/4242/exe"
ln -s 'socket:[999]' "$P/77/fd/3"; ln -s /usr/sbin/sshd "$P/77/exe"
"$VIGIL" connections -f jsonl --proc "$P" -r "$I" > "$TMP/c" 2> "$TMP/cerr"
expect_eq "connections exit 1" "$?" "1"
got=$(jq -r 'select(.type=="connection") | "\(.proto) \(.remote):\(.remote_port) \(.state) \(.pid) \(.exe) \(.indicator) \(.matched_end)"' "$TMP/c" | sort)
want=$(printf '%s\n' "tcp 198.51.100.23:443 ESTABLISHED 4242 /opt/evil/implant 198.51.100.23 remote" \
  "udp 192.0.2.200:53  0  192.0.2.200 remote" | sort)
expect_eq "connections: exact matches" "$got" "$want"
expect_eq "connections: no diagnostics" "$(cat "$TMP/cerr")" ""
"$VIGIL" connections --proc "$P" --intel "$I/table.csv" > "$TMP/c2" 2>&1
expect_eq "connections: no IP indicator matches, exit 0" "$?" "0"
"$VIGIL" connections --proc "$P" -r "$I" > "$TMP/c3" 2>&1
expect_eq "connections text" "$(grep -c '^alert tcp 10.0.0.5:50000 -> 198.51.100.23:443 ESTABLISHED  pid 4242 /opt/evil/implant  198.51.100.23 score 80' "$TMP/c3")" "1"

finish
