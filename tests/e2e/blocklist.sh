#!/usr/bin/env bash
# blocklist.sh - end-to-end tests of `vigil iocs convert --to BLOCKLIST`
# with the real programs that read each format, from Debian: Unbound loads
# the RPZ and answers NXDOMAIN for a listed domain, its subdomain and a name
# resolving to a listed address while a name it is not told about still
# resolves (upstream: a dnsmasq on loopback, so nothing leaves the machine);
# named-checkzone accepts the zone; nft -c accepts the ruleset, and loads it,
# inside a network namespace made here; squid -k parse and dnsmasq --test
# accept theirs and a dnsmasq serving its file answers NXDOMAIN; the guard's
# refusals are asserted one by one. Suricata, Zeek and PowerShell are not
# in Debian 12: their output is compared with golden files written from
# their documentation (tests/fixtures/blocklist/).
set -u
. "$(dirname "$0")/lib.bash"
FIX="$VIGIL_ROOT/tests/fixtures/blocklist"
PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; PIDS=(); }
trap 'stop_all; chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
need() { command -v "$1" >/dev/null 2>&1 || { bad "tool $1" "not installed (make deps)"; return 1; }; }
freeport() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# status PORT NAME -> "NXDOMAIN" or "NOERROR 1.2.3.4"
status() {
    local out
    out=$(dig @127.0.0.1 -p "$1" +time=2 +tries=2 +noall +comments +answer "$2" A 2>/dev/null)
    printf '%s' "$(sed -nE 's/.*status: ([A-Z]+),.*/\1/p' <<<"$out")"
    awk '$4 == "A" { printf " %s", $5 }' <<<"$out"
}
# wait_dns PORT: until the server answers (a start, not a timed assertion)
wait_dns() {
    for _ in $(seq 1 100); do
        dig @127.0.0.1 -p "$1" +time=1 +tries=1 version.bind CH TXT >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
undate() { sed -E 's/ on [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC/ on DATE/'; }

D=$TMP/in
mkdir -p "$D"
cat > "$D/alert.txt" <<'LIST'
# APT10 style alert, defanged as published
evil-c2[.]example
sub.evil-c2.example
cdn.bad.example
münchen-c2.example
10.1.2.3
127.0.0.1
169.254.10.10
239.1.1.1
8.8.8.8
203.0.113.7
198.51.100.0/25
198.51.100.128/25
198.51.100.5
2001:db8:dead::1
2001:db8:beef::/48
fe80::1
2.0.0.0/7
co.uk
github.io
mail.google.com
partner.example
192.0.2.200
d41d8cd98f00b204e9800998ecf8427e
hxxp://evil-c2[.]example/gate.php
printer.local
LIST
printf '# our partners\npartner.example\n192.0.2.192/26\n' > "$D/allow.txt"
WARN_WANT='alert.txt:6: not blocked: ip 10.1.2.3: private address range (10.0.0.0/8)
alert.txt:7: not blocked: ip 127.0.0.1: loopback address range (127.0.0.0/8)
alert.txt:8: not blocked: ip 169.254.10.10: link-local range (169.254.0.0/16)
alert.txt:9: not blocked: ip 239.1.1.1: multicast range (224.0.0.0/4)
alert.txt:10: not blocked: ip 8.8.8.8: on the allow-list
alert.txt:17: not blocked: ip fe80::1: link-local range (fe80::/10)
alert.txt:18: not blocked: cidr 2.0.0.0/7: CIDR too broad (wider than /8)
alert.txt:19: not blocked: domain co.uk: public suffix
alert.txt:20: not blocked: domain github.io: public suffix
alert.txt:21: not blocked: domain mail.google.com: on the allow-list (google.com)
alert.txt:22: not blocked: domain partner.example: on the allow-list
alert.txt:23: not blocked: ip 192.0.2.200: on the allow-list (192.0.2.192/26)
alert.txt:26: not blocked: domain printer.local: special-use name (local)'
conv() { # FORMAT OUT [options]
    local f=$1 o=$2; shift 2
    (cd "$D" && "$VIGIL" iocs convert --to "$f" --allow allow.txt -o "$o" "$@" alert.txt 2> "$o.err")
}
warnings() { sed -nE 's/^vigil: warning: (.*)/\1/p' "$1" | LC_ALL=C sort -t: -k2,2n; }

# --- RPZ: named-checkzone, then Unbound serving it ------------------------------
conv rpz "$TMP/zone.rpz"
expect_eq "rpz exit 0" "$?" "0"
expect_eq "rpz refusals, each with value, source line and reason" "$(warnings "$TMP/zone.rpz.err")" "$WARN_WANT"
expect_eq "rpz summary" "$(grep '^vigil iocs: rpz' "$TMP/zone.rpz.err")" \
    "vigil iocs: rpz: 4 domains (1 under a listed parent), 6 addresses in 4 blocks; 13 refused by the guard (private address range 1, loopback address range 1, link-local range 2, multicast range 1, CIDR too broad 1, public suffix 2, special-use name 1, on the allow-list 4); 2 values of types a rpz list cannot hold (hashes, names, ...)"
expect_eq "rpz origin and policy lines" \
    "$(grep -vE '^;|SOA|^\$TTL|NS localhost' "$TMP/zone.rpz")" \
'$ORIGIN rpz.vigil.
cdn.bad.example CNAME .
*.cdn.bad.example CNAME .
evil-c2.example CNAME .
*.evil-c2.example CNAME .
xn--mnchen-c2-q9a.example CNAME .
*.xn--mnchen-c2-q9a.example CNAME .
24.0.100.51.198.rpz-ip CNAME .
32.7.113.0.203.rpz-ip CNAME .
48.zz.beef.db8.2001.rpz-ip CNAME .
128.1.zz.dead.db8.2001.rpz-ip CNAME .'
if need named-checkzone; then
    out=$(named-checkzone rpz.vigil "$TMP/zone.rpz" 2>&1)
    expect_eq "named-checkzone accepts the zone" "$?:$(tail -1 <<<"$out")" "0:OK"
fi
conv rpz "$TMP/zone2.rpz" --zone blocked.corp.example --sinkhole sinkhole.corp.example
expect_eq "rpz --zone and a host-name sinkhole" \
    "$(grep -E '^\$ORIGIN|^evil-c2.example|^32.7' "$TMP/zone2.rpz")" \
'$ORIGIN blocked.corp.example.
evil-c2.example CNAME sinkhole.corp.example.
32.7.113.0.203.rpz-ip CNAME sinkhole.corp.example.'
if need named-checkzone; then
    named-checkzone blocked.corp.example "$TMP/zone2.rpz" >/dev/null 2>&1
    expect_eq "named-checkzone accepts the sinkhole zone" "$?" "0"
fi
conv rpz "$TMP/zone3.rpz" --sinkhole 'x;y'
expect_eq "rpz bad sinkhole exit 2" "$?" "2"
conv rpz "$TMP/zone3.rpz" --zone 'bad zone'
expect_eq "rpz bad zone exit 2" "$?" "2"

if need unbound && need dig && need dnsmasq; then
    U=$TMP/unbound; mkdir -p "$U"
    P1=$(freeport); P2=$(freeport)
    cat > "$U/unbound.conf" <<CONF
server:
    interface: 127.0.0.1
    port: $P1
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "$U"
    pidfile: "$U/unbound.pid"
    use-syslog: no
    logfile: ""
    do-ip6: no
    module-config: "respip validator iterator"
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    qname-minimisation: no
    local-zone: "lan." static
    local-data: "good.lan. 300 IN A 192.0.2.10"
rpz:
    name: "rpz.vigil."
    zonefile: "$TMP/zone.rpz"
    rpz-log: yes
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$P2
remote-control:
    control-enable: no
CONF
    # the upstream: every name Unbound forwards is answered on loopback
    dnsmasq --no-daemon --port="$P2" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
        --no-hosts --conf-file=/dev/null --pid-file= --address=/fluxy.example/203.0.113.7 \
        --address=/benign.example/192.0.2.20 --address=/evil-c2.example/192.0.2.66 \
        --address=/bad.example/192.0.2.67 > "$U/upstream.log" 2>&1 &
    PIDS+=($!)
    unbound -d -c "$U/unbound.conf" > "$U/unbound.log" 2>&1 &
    PIDS+=($!)
    if wait_dns "$P2" && wait_dns "$P1"; then
        expect_eq "unbound: listed domain NXDOMAIN" "$(status "$P1" evil-c2.example)" "NXDOMAIN"
        expect_eq "unbound: its subdomain NXDOMAIN" "$(status "$P1" www.evil-c2.example)" "NXDOMAIN"
        expect_eq "unbound: listed subdomain's child NXDOMAIN" "$(status "$P1" x.cdn.bad.example)" "NXDOMAIN"
        expect_eq "unbound: parent of a listed subdomain resolves" "$(status "$P1" bad.example)" "NOERROR 192.0.2.67"
        expect_eq "unbound: IDN domain (punycode) NXDOMAIN" "$(status "$P1" xn--mnchen-c2-q9a.example)" "NXDOMAIN"
        expect_eq "unbound: name answering a C2 address NXDOMAIN (rpz-ip)" "$(status "$P1" fluxy.example)" "NXDOMAIN"
        expect_eq "unbound: unlisted local name resolves" "$(status "$P1" good.lan)" "NOERROR 192.0.2.10"
        expect_eq "unbound: unlisted forwarded name resolves" "$(status "$P1" benign.example)" "NOERROR 192.0.2.20"
        expect_eq "unbound: the policy came from the zone" "$(grep -c 'rpz: applied' "$U/unbound.log")" "5"
    else
        bad "unbound started" "$(tail -5 "$U/unbound.log" "$U/upstream.log")"
    fi
    stop_all
fi

# --- hosts and dnsmasq --------------------------------------------------------
conv hosts "$TMP/hosts"
expect_eq "hosts lines" "$(grep -v '^#' "$TMP/hosts")" \
'0.0.0.0 cdn.bad.example
0.0.0.0 evil-c2.example
0.0.0.0 sub.evil-c2.example
0.0.0.0 xn--mnchen-c2-q9a.example'
conv hosts "$TMP/hosts2" --sinkhole sink.example
expect_eq "hosts needs an IP sinkhole" "$?:$(grep -c 'needs an IP' "$TMP/hosts2.err")" "2:1"
conv dnsmasq "$TMP/dnsmasq.conf"
expect_eq "dnsmasq lines" "$(grep -v '^#' "$TMP/dnsmasq.conf")" \
'address=/cdn.bad.example/
address=/evil-c2.example/
address=/xn--mnchen-c2-q9a.example/'
if need dnsmasq; then
    out=$(dnsmasq --test --conf-file="$TMP/dnsmasq.conf" 2>&1)
    expect_eq "dnsmasq --test" "$?:$out" "0:dnsmasq: syntax check OK."
    if need dig; then
        P3=$(freeport)
        dnsmasq --no-daemon --port="$P3" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
            --no-hosts --pid-file= --conf-file="$TMP/dnsmasq.conf" \
            --address=/benign.example/192.0.2.20 > "$TMP/dnsmasq.log" 2>&1 &
        PIDS+=($!)
        if wait_dns "$P3"; then
            expect_eq "dnsmasq: listed domain NXDOMAIN" "$(status "$P3" evil-c2.example)" "NXDOMAIN"
            expect_eq "dnsmasq: its subdomain NXDOMAIN" "$(status "$P3" a.b.evil-c2.example)" "NXDOMAIN"
            expect_eq "dnsmasq: unlisted name resolves" "$(status "$P3" benign.example)" "NOERROR 192.0.2.20"
        else
            bad "dnsmasq started" "$(tail -5 "$TMP/dnsmasq.log")"
        fi
        stop_all
    fi
fi

# --- nftables in a network namespace of our own ---------------------------------
conv nft "$TMP/fw.nft"
expect_eq "nft exit 0" "$?" "0"
if need nft && need unshare; then
    NS="unshare -n"
    $NS true 2>/dev/null || NS="unshare -rn"
    out=$($NS nft -c -f "$TMP/fw.nft" 2>&1)
    expect_eq "nft -c accepts the ruleset" "$?:$out" "0:"
    out=$($NS sh -c "nft -f '$TMP/fw.nft' && nft -f '$TMP/fw.nft' && nft list set inet vigil_blocklist c2_v4 && nft list set inet vigil_blocklist c2_v6" 2>&1)
    expect_eq "nft loads it twice (replaces the table)" "$?" "0"
    expect_eq "nft: merged IPv4 elements" "$(tr -d '\n\t ' <<<"$out" | grep -oE 'elements=\{[^}]*\}' | head -1)" \
        "elements={198.51.100.0/24,203.0.113.7}"
    expect_eq "nft: IPv6 elements" "$(tr -d '\n\t ' <<<"$out" | grep -oE 'elements=\{[^}]*\}' | tail -1)" \
        "elements={2001:db8:beef::/48,2001:db8:dead::1}"
fi
conv ipset "$TMP/ipset"
expect_eq "ipset lines" "$(grep -v '^#' "$TMP/ipset")" \
'create vigil-c2-v4 hash:net family inet hashsize 1024 maxelem 65536
flush vigil-c2-v4
add vigil-c2-v4 198.51.100.0/24
add vigil-c2-v4 203.0.113.7
create vigil-c2-v6 hash:net family inet6 hashsize 1024 maxelem 65536
flush vigil-c2-v6
add vigil-c2-v6 2001:db8:beef::/48
add vigil-c2-v6 2001:db8:dead::1'

# --- Squid ----------------------------------------------------------------------
conv squid "$TMP/squid-blocklist.conf"
expect_eq "squid acl lines" "$(grep -v '^#' "$TMP/squid-blocklist.conf")" \
'acl vigil_c2_domains dstdomain .cdn.bad.example
acl vigil_c2_domains dstdomain .evil-c2.example
acl vigil_c2_domains dstdomain .xn--mnchen-c2-q9a.example
acl vigil_c2_addresses dst 198.51.100.0/24
acl vigil_c2_addresses dst 203.0.113.7
acl vigil_c2_addresses dst 2001:db8:beef::/48
acl vigil_c2_addresses dst 2001:db8:dead::1
http_access deny vigil_c2_domains
http_access deny vigil_c2_addresses'
if need squid; then
    S=$TMP/squid; mkdir -p "$S"
    cat > "$S/squid.conf" <<CONF
http_port 127.0.0.1:$(freeport)
pid_filename $S/squid.pid
cache_log $S/cache.log
access_log none
cache deny all
include $TMP/squid-blocklist.conf
http_access deny all
CONF
    squid -k parse -f "$S/squid.conf" > "$S/parse.log" 2>&1
    expect_eq "squid -k parse accepts it" "$?" "0"
    expect_eq "squid -k parse: no warning" "$(grep -ciE 'warning|error|fatal' "$S/parse.log")" "0"
    expect_eq "squid -k parse read the ACLs" "$(grep -c 'Processing: acl vigil_c2' "$S/parse.log")" "7"
fi

# --- golden files: Suricata, Zeek, Windows Firewall -----------------------------
for f in suricata zeek windows-firewall; do
    conv "$f" "$TMP/$f.out"
    expect_eq "$f exit 0" "$?" "0"
    expect_eq "$f output as the golden file" "$(undate < "$TMP/$f.out")" "$(cat "$FIX/$f.golden")"
done
conv suricata "$TMP/drop.rules" --drop --sid-base 5000
expect_eq "suricata --drop --sid-base" \
    "$(grep -cE '^drop .*sid:50[0-9][0-9];' "$TMP/drop.rules"):$(grep -c '^alert' "$TMP/drop.rules"):$(grep -o 'sid:[0-9]*' "$TMP/drop.rules" | tail -1)" "15:0:sid:5014"
conv suricata "$TMP/x.rules" --sid-base 4294967290
expect_eq "suricata sid range overflow exit 2" "$?" "2"

# --- bad invocations --------------------------------------------------------------
(cd "$D" && "$VIGIL" iocs convert --to nft --allow missing.txt alert.txt > /dev/null 2>&1)
expect_eq "unreadable --allow exit 2" "$?" "2"
(cd "$D" && "$VIGIL" iocs convert --to firewall alert.txt > /dev/null 2>&1)
expect_eq "unknown --to exit 2" "$?" "2"

# paths in the command's own messages are escaped like every hostile string
# (before: written raw, so a name could retitle the terminal or forge a line)
(cd "$D" && "$VIGIL" iocs convert --to rpz --allow $'no\x1b]0;owned\x07\nvigil: fake.txt' alert.txt > /dev/null 2> "$TMP/esc1")
expect_eq "unreadable --allow with controls: exit 2" "$?" "2"
expect_eq "unreadable --allow with controls: escaped" "$(cat "$TMP/esc1")" \
    'vigil iocs: cannot read no\x1b]0;owned\x07\nvigil: fake.txt: No such file or directory'
(cd "$D" && "$VIGIL" iocs convert --to rpz -o $'nodir/\x1b[2Jout.rpz' alert.txt > /dev/null 2> "$TMP/esc2")
expect_eq "unwritable -o with controls: exit 2" "$?" "2"
expect_eq "unwritable -o with controls: escaped" "$(cat "$TMP/esc2")" \
    'vigil iocs: cannot write nodir/\x1b[2Jout.rpz: No such file or directory'
(cd "$D" && "$VIGIL" iocs convert --to stix -o $'nodir/\xc2\x9bx.json' alert.txt > /dev/null 2> "$TMP/esc3")
expect_eq "unwritable -o (stix) with a C1 control: escaped" "$? $(cat "$TMP/esc3")" \
    '2 vigil iocs: cannot write nodir/\u009bx.json: No such file or directory'
finish
