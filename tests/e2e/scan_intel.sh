#!/usr/bin/env bash
# scan_intel.sh - end-to-end tests of threat intel as rule sources of
# `vigil scan` (STIX 2.1, OpenIOC, MISP JSON, MISP CSV, CSV, a plain list
# through --intel) and of `vigil iocs stats|convert`. Fixtures are written
# here; the findings are asserted exactly, including what must not match:
# revoked and expired STIX indicators, MISP to_ids=false, an AND group
# without a hash.
set -u
. "$(dirname "$0")/lib.bash"

I=$TMP/intel; D=$TMP/data
mkdir -p "$I" "$D/Windows/Temp" "$D/other"
for n in 1 2 3 4 5 6 7 8 9 10; do printf 'sample file %s\n' "$n" > "$D/f$n.bin"; done
printf 'x\n' > "$D/dropper.exe"
printf 'x\n' > "$D/other/DROPPER.EXE"
printf 'x\n' > "$D/notdropper.exe"
printf 'y\n' > "$D/Windows/Temp/svc.dll"
printf 'y\n' > "$D/svc.dll"
printf 'z\n' > "$D/payload.ps1"
md5() { md5sum "$1" | cut -d' ' -f1; }
sha1() { sha1sum "$1" | cut -d' ' -f1; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }
M1=$(md5 "$D/f1.bin"); M2=$(md5 "$D/f2.bin"); M3=$(md5 "$D/f3.bin"); S4=$(sha256 "$D/f4.bin")
M5=$(md5 "$D/f5.bin"); H6=$(sha1 "$D/f6.bin"); M7=$(md5 "$D/f7.bin"); H8=$(sha1 "$D/f8.bin")
S9=$(sha256 "$D/f9.bin"); M10=$(md5 "$D/f10.bin")
ind() { # id pattern [extra json]
    printf '{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","valid_from":"2024-01-01T00:00:00Z","pattern_type":"stix","pattern":"%s"%s}' "$1" "$2" "${3:-}"
}
{ printf '{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[\n'
  ind 1 "[file:hashes.MD5 = '$M1']" ',"confidence":90,"description":"stix md5"'; printf ',\n'
  ind 2 "[file:hashes.MD5 = '$M2']" ',"revoked":true'; printf ',\n'
  ind 3 "[file:hashes.MD5 = '$M3']" ',"valid_until":"2020-01-01T00:00:00Z"'; printf ',\n'
  ind 4 "[file:hashes.'SHA-256' = '$S4' AND file:name = 'f4.bin']" ',"confidence":85'; printf ',\n'
  ind 5 "[file:name = 'dropper.exe']" ',"confidence":65'; printf ',\n'
  ind 6 "[file:name = 'f1.bin' AND domain-name:value = 'x.example']"; printf '\n]}\n'; } > "$I/bundle.json"
cat > "$I/report.ioc" <<EOF
<?xml version="1.0" encoding="us-ascii"?>
<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="6d2a1b03-b216-4cd8-9a9e-8827af6ebf93">
  <short_description>test</short_description>
  <definition>
    <Indicator operator="OR" id="i1">
      <IndicatorItem id="a" condition="is">
        <Context document="FileItem" search="FileItem/FullPath" type="mir"/>
        <Content type="string">C:\\Windows\\Temp\\svc.dll</Content>
      </IndicatorItem>
      <Indicator operator="AND" id="i2">
        <IndicatorItem id="b" condition="is">
          <Context document="FileItem" search="FileItem/Md5sum" type="mir"/>
          <Content type="md5">$M5</Content>
        </IndicatorItem>
        <IndicatorItem id="c" condition="is">
          <Context document="FileItem" search="FileItem/FileName" type="mir"/>
          <Content type="string">f5.bin</Content>
        </IndicatorItem>
      </Indicator>
    </Indicator>
  </definition>
</ioc>
EOF
cat > "$I/event.json" <<EOF
{"Event":{"info":"test event","Attribute":[
 {"type":"sha1","value":"$H6","to_ids":true,"comment":"misp sha1"},
 {"type":"md5","value":"$M7","to_ids":false},
 {"type":"filename|sha1","value":"f8.bin|$H8","to_ids":true}
]}}
EOF
printf 'uuid,event_id,category,type,value,comment,to_ids,date\n5f0c0000-0000-4000-8000-000000000001,1,Payload delivery,sha256,%s,misp csv,1,1717200000\n' "$S9" > "$I/export.csv"
printf 'indicator,type,description\n%s,md5,csv md5\n' "$M10" > "$I/table.csv"
printf '# a plain list\npayload.ps1\n' > "$I/plain-list.txt"

"$VIGIL" scan -q -f jsonl -r "$I/bundle.json" -r "$I/report.ioc" -r "$I/event.json" \
    -r "$I/export.csv" -r "$I/table.csv" --intel "$I/plain-list.txt" "$D" > "$TMP/out" 2> "$TMP/err"
expect_eq "intel findings exit 1" "$?" "1"
got=$(jq -r 'select(.type=="finding") | "\(.kind) \(.path | sub(".*/data/"; "")) \(.rule_source | sub(".*/"; "")) \(.score)"' "$TMP/out" | sort)
want=$(printf '%s\n' \
  "hash f1.bin bundle.json 90" \
  "hash f4.bin bundle.json 85" \
  "filename dropper.exe bundle.json 65" \
  "filename other/DROPPER.EXE bundle.json 65" \
  "filename Windows/Temp/svc.dll report.ioc 100" \
  "hash f5.bin report.ioc 100" \
  "hash f6.bin event.json 100" \
  "hash f8.bin event.json 100" \
  "hash f9.bin export.csv 100" \
  "hash f10.bin table.csv 100" \
  "filename payload.ps1 plain-list.txt 100" | sort)
expect_eq "exact findings from every intel format" "$got" "$want"
d=$(jq -r 'select(.type=="finding" and (.path|endswith("/f1.bin"))) | .description' "$TMP/out")
expect_eq "STIX description carried" "$d" "stix md5"
expect_eq "AND without a hash reported" \
    "$(grep -c "bundle.json.*an AND of 2 values without a hash ('f1.bin' and more)" "$TMP/err")" "1"
expect_eq "revoked and expired are not errors" "$(grep -c 'error' "$TMP/err")" "0"
r=$(jq -c 'select(.type=="summary") | [.rules.hash_iocs, .rules.filename_iocs, .rules.c2_iocs]' "$TMP/out")
expect_eq "rule counts" "$r" "[7,3,0]"

# the intel files found by walking a rule directory (JSON, IOC, CSV by content)
"$VIGIL" scan -q -f jsonl -r "$I" "$D" > "$TMP/out2" 2> /dev/null
got2=$(jq -r 'select(.type=="finding") | "\(.kind) \(.path | sub(".*/data/"; "")) \(.rule_source | sub(".*/"; "")) \(.score)"' "$TMP/out2" | sort)
want2=$(printf '%s\n' "$want" | grep -v plain-list.txt)
expect_eq "a rule directory of intel files" "$got2" "$want2"
printf '{"name": "not intel", "version": "1.0"}\n' > "$I/package.json"
"$VIGIL" scan -q -f jsonl -r "$I" "$D" > "$TMP/out3" 2> "$TMP/err3"
expect_eq "other JSON in a rule directory is ignored" "$(grep -c package.json "$TMP/err3")" "0"
rm "$I/package.json"

# broken intel: reported with file and position, the rest still loads
printf '{"type":"bundle","objects":[{"type":"indicator","id":"indicator--1","pattern":"[file:hashes.MD5 = ",' > "$TMP/broken.json"
printf '"pattern_type":"stix"}, {"type":"indicator","id":"indicator--2","pattern":"[file:hashes.MD5 = '"'"'%s'"'"']","pattern_type":"stix"}]}\n' "$M1" >> "$TMP/broken.json"
"$VIGIL" scan -q -f jsonl --intel "$TMP/broken.json" "$D/f1.bin" > "$TMP/out4" 2> "$TMP/err4"
expect_eq "broken pattern: the rest loads" "$?" "1"
expect_eq "broken pattern reported with file and line" \
    "$(grep -c "broken.json: /objects/0/pattern: indicator indicator--1: pattern does not parse: expected a value at column 20" "$TMP/err4")" "1"

# --- vigil iocs stats / convert ---
"$VIGIL" iocs stats -f jsonl "$I/bundle.json" "$I/event.json" "$I/table.csv" > "$TMP/st" 2>/dev/null
expect_eq "iocs stats exit 0" "$?" "0"
s=$(jq -c '[.total, .by_type.md5, .by_type.sha1, .by_type.sha256, .by_type.filename, .by_type.domain, (.sources | map("\(.source | sub(".*/"; "")):\(.format):\(.distinct):\(.revoked):\(.expired):\(.not_ids)") | join(" "))]' "$TMP/st")
expect_eq "iocs stats per type and source" "$s" \
    "[9,2,2,1,3,1,\"bundle.json:stix:6:1:1:0 event.json:misp:2:0:0:1 table.csv:csv:1:0:0:0\"]"
"$VIGIL" iocs stats "$I/bundle.json" > "$TMP/st2" 2>/dev/null
expect_eq "iocs stats text" "$(head -1 "$TMP/st2")" "6 distinct values: md5 1, sha256 1, filename 3, domain 1"

# convert to each format and back: the same set
"$VIGIL" iocs convert --to csv "$I/bundle.json" "$I/report.ioc" "$I/event.json" "$I/table.csv" "$I/export.csv" > "$TMP/all.csv" 2>/dev/null
base=$("$VIGIL" iocs stats -f jsonl "$TMP/all.csv" 2>/dev/null | jq -c '.by_type')
for to in stix loki; do
    rm -rf "$TMP/conv"
    if [ "$to" = loki ]; then
        "$VIGIL" iocs convert --to loki -o "$TMP/conv" "$TMP/all.csv" 2>/dev/null
        files=("$TMP/conv/hash-iocs.txt" "$TMP/conv/c2-iocs.txt")
    else
        mkdir -p "$TMP/conv"
        "$VIGIL" iocs convert --to stix -o "$TMP/conv/b.json" "$TMP/all.csv" 2>/dev/null
        files=("$TMP/conv/b.json")
    fi
    expect_eq "convert to $to exit 0" "$?" "0"
    back=$("$VIGIL" iocs stats -f jsonl "${files[@]}" 2>/dev/null | jq -c '.by_type')
    if [ "$to" = loki ]; then # names and paths become regexes in filename-iocs.txt
        base_l=$(echo "$base" | jq -c '.filename = 0 | .path = 0')
        expect_eq "loki round trip (hashes, network)" "$back" "$base_l"
        expect_eq "loki filename regexes" "$(grep -vc '^#' "$TMP/conv/filename-iocs.txt")" \
            "$(echo "$base" | jq '.filename + .path')"
    else
        base_s=$(echo "$base" | jq -c '.path = 0')
        expect_eq "stix round trip" "$back" "$base_s"
    fi
done
# the Loki filename list still matches what the intel matched
"$VIGIL" scan -q -f jsonl --hash-iocs "$TMP/conv/hash-iocs.txt" \
    --filename-iocs "$TMP/conv/filename-iocs.txt" "$D" > "$TMP/out5" 2>/dev/null
got5=$(jq -r 'select(.type=="finding") | "\(.kind) \(.path | sub(".*/data/"; ""))"' "$TMP/out5" | sort)
# the AND groups' hashes (f4, f5) were loaded alone; converted, their file
# names stand alone too and now also match (MISP's filename|sha1 loads the
# hash only)
want5=$(printf '%s\n' "hash f1.bin" "hash f4.bin" "hash f5.bin" "hash f6.bin" "hash f8.bin" \
  "hash f9.bin" "hash f10.bin" "filename dropper.exe" "filename other/DROPPER.EXE" \
  "filename Windows/Temp/svc.dll" "filename f1.bin" "filename f4.bin" "filename f5.bin" | sort)
expect_eq "converted Loki lists scan the same files" "$got5" "$want5"
"$VIGIL" iocs convert --to stix "$TMP/missing.json" > /dev/null 2>&1
expect_eq "unreadable input exits 2" "$?" "2"

finish
