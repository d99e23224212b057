#!/usr/bin/env bash
# scan_basic.sh - end-to-end tests of `vigil scan`: YARA, hash and filename
# IOCs, exit codes, JSON Lines fields, broken rules, excludes, max-size.
# Every fixture is generated here; findings are asserted exactly.
set -u
. "$(dirname "$0")/lib.bash"

R=$TMP/rules; D=$TMP/data
mkdir -p "$R" "$D/sub" "$D/evil_dir"
cat > "$R/test.yar" <<'YAR'
rule Test_Marker : apt10 test
{
    meta:
        description = "test marker string"
        author = "vigil tests"
        reference = "https://example.invalid/ref"
        score = 85
    strings:
        $a = "VIGIL-TEST-MARKER-1"
        $b = "second-marker"
    condition:
        any of them
}
rule Test_Ext_Vars
{
    meta:
        description = "external variables"
    condition:
        filename == "ext_target.bin" and extension == ".bin" and filetype == "EXE"
        and filepath contains "/sub/"
}
YAR
printf 'clean file\n' > "$D/clean.txt"
printf 'xx VIGIL-TEST-MARKER-1 yy second-marker zz\n' > "$D/sub/marked.txt"
printf 'MZ this has the external vars\n' > "$D/sub/ext_target.bin"
printf 'hash ioc target contents\n' > "$D/hashme.dat"
printf 'tool\n' > "$D/evil_dir/tool.exe"
md5=$(md5sum "$D/hashme.dat" | cut -d' ' -f1)
sha256_clean=$(sha256sum "$D/clean.txt" | cut -d' ' -f1)
printf '# test hash iocs\n%s;90;Test hash IOC; with semicolon\n' "$md5" > "$R/test-hash-iocs.txt"
printf '# test filename iocs\n\\\\evil_dir\\\\tool\\.exe$;70\n' > "$R/test-filename-iocs.txt"

# 1. clean tree: exit 0
mkdir -p "$TMP/cleantree"; printf 'nothing\n' > "$TMP/cleantree/a.txt"
"$VIGIL" scan -q -r "$R" "$TMP/cleantree" > "$TMP/out1" 2> "$TMP/err1"
expect_eq "clean tree exits 0" "$?" "0"
expect_eq "clean tree: no error output" "$(cat "$TMP/err1")" ""

# 2. the whole data tree, JSON Lines
"$VIGIL" scan -q -f jsonl -r "$R" "$D" > "$TMP/out2" 2> "$TMP/err2"
expect_eq "findings exit 1" "$?" "1"
got=$(jq -r 'select(.type=="finding") | "\(.kind) \(.rule) \(.path | sub(".*/data/"; ""))"' "$TMP/out2" | sort)
want=$(printf '%s\n' \
  "filename \\\\evil_dir\\\\tool\\.exe$ evil_dir/tool.exe" \
  "hash $md5 hashme.dat" \
  "yara Test_Ext_Vars sub/ext_target.bin" \
  "yara Test_Marker sub/marked.txt" | sort)
expect_eq "exact finding set" "$got" "$want"
m=$(jq -c 'select(.rule=="Test_Marker") | [.score, .file_score, .level, .description, .author, .reference, .namespace, (.tags|join(",")), .strings_total, ([.strings[] | "\(.id)@\(.offset):\(.length)"]|join(",")), .rule_line]' "$TMP/out2")
expect_eq "yara finding fields" "$m" '[85,85,"alert","test marker string","vigil tests","https://example.invalid/ref","test.yar","apt10,test",2,"$a@3:19,$b@26:13",1]'
h=$(jq -c 'select(.kind=="hash") | [.score, .description, .matched, .md5, (.rule_source|sub(".*/";"")), .rule_line]' "$TMP/out2")
expect_eq "hash finding fields" "$h" "[90,\"Test hash IOC; with semicolon\",\"$md5\",\"$md5\",\"test-hash-iocs.txt\",2]"
f=$(jq -c 'select(.kind=="filename") | [.score, .level, (.rule_source|sub(".*/";"")), .rule_line]' "$TMP/out2")
expect_eq "filename finding fields" "$f" '[70,"warning","test-filename-iocs.txt",2]'
y2=$(jq -c 'select(.rule=="Test_Ext_Vars") | [.score, .level, .filetype, .sha256 != null, .sha1 != null]' "$TMP/out2")
expect_eq "default yara score 75, all hashes" "$y2" '[75,"warning","EXE",true,true]'
s=$(jq -c 'select(.type=="summary") | [.files, .targets_with_findings, .findings, .targets_by_level.alert, .targets_by_level.warning, .targets_by_level.notice, .rules.yara, .rules.hash_iocs, .rules.filename_iocs, .errors]' "$TMP/out2")
expect_eq "summary object" "$s" '[5,4,4,2,2,0,2,1,1,0]'

# 3. text output: a block per file and a closing summary, no colour when piped
"$VIGIL" scan -q -r "$R" "$D/sub/marked.txt" > "$TMP/out3" 2>&1
expect_eq "text exit 1" "$?" "1"
expect_eq "text header line" "$(grep -c '^ALERT   score  85  .*sub/marked.txt$' "$TMP/out3")" "1"
expect_eq "text summary" "$(grep -c '^findings: 1 in 1 files: 1 alert, 0 warning, 0 notice, 0 info$' "$TMP/out3")" "1"
expect_eq "no escape codes when piped" "$(grep -c $'\033' "$TMP/out3")" "0"
NO_COLOR= "$VIGIL" scan -q --color always -r "$R" "$D/sub/marked.txt" > "$TMP/out3c" 2>&1
expect_eq "colour when asked" "$(grep -c $'\033\\[1;31m' "$TMP/out3c")" "1"

# 4. --min-level hides lower targets, exit code follows what is shown
"$VIGIL" scan -q -f jsonl --min-level alert -r "$R" "$D" > "$TMP/out4"
expect_eq "min-level exit" "$?" "1"
expect_eq "min-level alert targets" "$(jq -r 'select(.type=="finding") | .path | sub(".*/data/";"")' "$TMP/out4" | sort | tr '\n' ' ')" "hashme.dat sub/marked.txt "

# 5. excludes: by base name glob and by directory
"$VIGIL" scan -q -f jsonl -e '*.txt' -e "$D/evil_dir" -r "$R" "$D" > "$TMP/out5"
expect_eq "excludes" "$(jq -r 'select(.type=="finding") | .rule' "$TMP/out5" | sort | tr '\n' ' ')" "Test_Ext_Vars $md5 "

# 6. max-size: larger files get hash and name checks, not YARA
"$VIGIL" scan -q -f jsonl --max-size 10 -r "$R" "$D" > "$TMP/out6"
expect_eq "max-size keeps hash+name, drops yara" "$(jq -r 'select(.type=="finding") | .kind' "$TMP/out6" | sort | tr '\n' ' ')" "filename hash "
expect_eq "max-size counted" "$(jq -r 'select(.type=="summary") | .oversized' "$TMP/out6")" "4"

# 7. a broken rule file: reported with file and line, others still load
mkdir -p "$TMP/rules2"; cp "$R/test.yar" "$TMP/rules2/"
printf 'rule ok_rule { condition: true }\nrule broken {\n  condition:\n    undefined_thing\n}\n' > "$TMP/rules2/broken.yar"
"$VIGIL" scan -q -f jsonl -r "$TMP/rules2" "$D/sub/marked.txt" > "$TMP/out7" 2> "$TMP/err7"
expect_eq "broken rule file skipped, scan goes on" "$?" "1"
expect_eq "broken rule diagnostic names file:line" "$(grep -c "error: $TMP/rules2/broken.yar:4: " "$TMP/err7")" "1"
expect_eq "good file still used" "$(jq -r 'select(.type=="finding") | .rule' "$TMP/out7")" "Test_Marker"
"$VIGIL" scan -q --strict -r "$TMP/rules2" "$D/sub/marked.txt" > /dev/null 2>&1
expect_eq "--strict makes it fatal" "$?" "2"

# 8. usage errors and no rules: exit 2
"$VIGIL" scan -q -f jsonl "$TMP/cleantree" > "$TMP/out8" 2> /dev/null
expect_eq "no --rules: the bundled pack is used" "$?:$(jq -r 'select(.type=="summary") | .rules.yara > 0' "$TMP/out8")" "0:true"
mkdir -p "$TMP/lonely/bin"; cp "$VIGIL" "$TMP/lonely/bin/vigil"
"$TMP/lonely/bin/vigil" scan "$D" > /dev/null 2> "$TMP/err8"
expect_eq "no --rules and no bundled pack: exit 2" "$?" "2"
expect_eq "...and says why" "$(grep -c 'bundled pack' "$TMP/err8")" "1"
"$VIGIL" scan --bogus -r "$R" "$D" > /dev/null 2>&1; expect_eq "bad option exit 2" "$?" "2"
"$VIGIL" scan -r "$TMP/does-not-exist" "$D" > /dev/null 2>&1; expect_eq "missing rules exit 2" "$?" "2"
printf 'rule x { condition: nonsense }\n' > "$TMP/only-broken.yar"
"$VIGIL" scan -r "$TMP/only-broken.yar" "$D" > /dev/null 2>&1; expect_eq "nothing loadable exit 2" "$?" "2"
"$VIGIL" bogus > /dev/null 2>&1; expect_eq "unknown command exit 2" "$?" "2"

# 9. explicit IOC kind for a file whose name says nothing
cp "$R/test-hash-iocs.txt" "$TMP/mylist.txt"
"$VIGIL" scan -q -f jsonl --hash-iocs "$TMP/mylist.txt" "$D" > "$TMP/out9"
expect_eq "--hash-iocs" "$(jq -r 'select(.type=="finding") | .kind' "$TMP/out9")" "hash"

# 10. -o writes to a file; threads 1 and 4 give the same findings
"$VIGIL" scan -q -f jsonl -j 1 -o "$TMP/out10a" -r "$R" "$D"; rc=$?
"$VIGIL" scan -q -f jsonl -j 4 -o "$TMP/out10b" -r "$R" "$D"
expect_eq "-o exit code" "$rc" "1"
a=$(jq -c 'select(.type=="finding") | [.path,.rule]' "$TMP/out10a" | sort)
b=$(jq -c 'select(.type=="finding") | [.path,.rule]' "$TMP/out10b" | sort)
expect_eq "-j 1 == -j 4" "$a" "$b"
expect_eq "-j 4 used" "$(jq -r 'select(.type=="summary") | .threads' "$TMP/out10b")" "4"
# 11. compiled Hyperscan databases (filename IOCs; the YARA literal gate of the
#     non-PE files) are cached between runs: same findings from the cache,
#     from damaged cache files, and with --no-cache (nothing written)
rm -rf "$XDG_CACHE_HOME"
"$VIGIL" scan -q -f jsonl -r "$R" "$D" > "$TMP/out11a" 2>&1
expect_eq "cache written" "$(ls "$XDG_CACHE_HOME/vigil" | grep -c '^hs-.*\.db$')" "2"
"$VIGIL" scan -q -f jsonl -r "$R" "$D" > "$TMP/out11b" 2>&1
expect_eq "cached run: same findings" "$(jq -c 'select(.type=="finding") | [.path,.rule]' "$TMP/out11b" | sort)" "$a"
for f in "$XDG_CACHE_HOME"/vigil/hs-*.db; do printf 'garbage' | dd of="$f" bs=1 seek=60 conv=notrunc 2> /dev/null; done
"$VIGIL" scan -q -f jsonl -r "$R" "$D" > "$TMP/out11c" 2> "$TMP/err11c"
expect_eq "damaged cache: same findings" "$(jq -c 'select(.type=="finding") | [.path,.rule]' "$TMP/out11c" | sort)" "$a"
expect_eq "damaged cache: no diagnostics" "$(cat "$TMP/err11c")" ""
rm -rf "$XDG_CACHE_HOME"
"$VIGIL" scan -q -f jsonl --no-cache -r "$R" "$D" > "$TMP/out11d" 2>&1
expect_eq "--no-cache: same findings" "$(jq -c 'select(.type=="finding") | [.path,.rule]' "$TMP/out11d" | sort)" "$a"
expect_eq "--no-cache: nothing written" "$(ls "$XDG_CACHE_HOME" 2> /dev/null | wc -l)" "0"
finish
