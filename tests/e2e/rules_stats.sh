#!/usr/bin/env bash
# rules_stats.sh - end-to-end test of `vigil rules stats` on a small
# generated YARA rule set: the rules the literal gate cannot rule out, each
# with why (short text, regular expression without a required literal,
# module condition, rule reference, loop, a condition true without
# strings), and with PATHs, how many files each rule left to libyara:
# every file for the rules no literal rules out, the files holding the
# literal for the others. Exact text and JSON output.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/r.yar
cat > "$R" <<'YAR'
rule lit_any { strings: $a = "hello world" $b = "another one" condition: any of them }
rule lit_two { strings: $a = "hello world" $b = "second one" condition: 2 of them }
rule short_only { strings: $a = "ab" condition: $a }
rule regex_open { strings: $r = /x[0-9]y/ condition: $r }
rule ref_rule { condition: lit_any }
rule loop_rule { strings: $a = "qqqqrrrr" condition: for any i in (1..#a): (@a[i] > 0) }
rule not_str { strings: $a = "zzzzqqqq" condition: not $a }
rule mixed { strings: $a = "needle!!" $b = "ab" condition: $a or $b }
YAR
D=$TMP/files
mkdir -p "$D"
printf 'hello world\n' > "$D/a.txt"
printf 'hello world and second one\n' > "$D/b.txt"
printf 'nothing here\n' > "$D/c.txt"

"$VIGIL" rules stats -r "$R" "$D" > "$TMP/out" 2> "$TMP/err"
expect_eq "stats with paths: exit 0" "$?" "0"
got=$(sed -n '/rules no literal rules out/,$p' "$TMP/out" | sed "s|$TMP/||g")
want="  rules no literal rules out (a libyara pass over every file their magic, size
  and name tests, if any, let through): 6
    r.yar:short_only  r.yar:3  \$a: text string shorter than 4 bytes
    r.yar:regex_open  r.yar:4  \$r: regular expression without a required literal of 4 bytes
    r.yar:ref_rule  r.yar:5  rule reference
    r.yar:loop_rule  r.yar:6  loop (for ... of/in)
    r.yar:not_str  r.yar:7  condition can hold with no string (not, filesize, magic tests)
    r.yar:mixed  r.yar:8  \$b: text string shorter than 4 bytes
YARA rule costs over 3 files and archive members (how many each rule
left to libyara; why no literal rules it out, if so): 8 rules
         3  r.yar:short_only  r.yar:3  \$a: text string shorter than 4 bytes
         3  r.yar:regex_open  r.yar:4  \$r: regular expression without a required literal of 4 bytes
         3  r.yar:ref_rule  r.yar:5  rule reference
         3  r.yar:loop_rule  r.yar:6  loop (for ... of/in)
         3  r.yar:not_str  r.yar:7  condition can hold with no string (not, filesize, magic tests)
         3  r.yar:mixed  r.yar:8  \$b: text string shorter than 4 bytes
         2  r.yar:lit_any  r.yar:1
         1  r.yar:lit_two  r.yar:2"
expect_eq "stats with paths: exact reasons and costs" "$got" "$want"

# the same in JSON
"$VIGIL" rules stats -f jsonl -r "$R" "$D" > "$TMP/out.json" 2> /dev/null
got=$(jq -r '.yara_costs.files, (.yara_costs.rules[] | "\(.rule) \(.files) \(.reason)")' "$TMP/out.json")
want="3
short_only 3 \$a: text string shorter than 4 bytes
regex_open 3 \$r: regular expression without a required literal of 4 bytes
ref_rule 3 rule reference
loop_rule 3 loop (for ... of/in)
not_str 3 condition can hold with no string (not, filesize, magic tests)
mixed 3 \$b: text string shorter than 4 bytes
lit_any 2 null
lit_two 1 null"
expect_eq "stats jsonl: exact costs" "$got" "$want"
got=$(jq -r '.yara_grouping.gate.every_file[] | "\(.rule) \(.reason)"' "$TMP/out.json" | head -2)
expect_eq "stats jsonl: reasons of the ungated rules" "$got" "short_only \$a: text string shorter than 4 bytes
regex_open \$r: regular expression without a required literal of 4 bytes"

# without paths: no sweep, no cost list
"$VIGIL" rules stats -r "$R" > "$TMP/out2" 2> /dev/null
expect_eq "stats without paths: exit 0" "$?" "0"
expect_eq "stats without paths: no cost list" "$(grep -c 'YARA rule costs' "$TMP/out2")" "0"
# list takes no path
"$VIGIL" rules list -r "$R" "$D" > /dev/null 2> "$TMP/err3"
expect_eq "list with a path: exit 2" "$?" "2"
finish
