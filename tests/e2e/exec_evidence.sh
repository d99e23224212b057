#!/usr/bin/env bash
# exec_evidence.sh - persistence and execution evidence from a Windows image
# tree: a scheduled task (UTF-16 XML), both Startup folders (a LNK and a
# batch file), a LNK in Recent and two Prefetch files. The LNK and Prefetch
# fixtures come from tests/tools/mkwinart and are checked with Debian's
# lnkinfo and sccainfo first; results, IOC hits and outputs asserted exactly.
set -u
. "$(dirname "$0")/lib.bash"

I=$TMP/img
TASKS="$I/Windows/System32/Tasks/Microsoft/Windows/McAfee"
ALLSTART="$I/ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp"
BOBSTART="$I/Users/bob/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup"
RECENT="$I/Users/bob/AppData/Roaming/Microsoft/Windows/Recent"
mkdir -p "$TASKS" "$ALLSTART" "$BOBSTART" "$RECENT" "$I/Windows/Prefetch"
VOL='\VOLUME{01d4de1c2a3b4c5d-1234abcd}'
LASTRUN=131976036000000000 # 2019-03-21T01:00:00Z

iconv -f UTF-8 -t UTF-16 > "$TASKS/McUpdate" <<'XML'
<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Date>2019-03-19T23:33:51</Date>
    <Author>CORP\admin</Author>
    <URI>\Microsoft\Windows\McAfee\McUpdate</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger><Enabled>true</Enabled></LogonTrigger>
    <CalendarTrigger><StartBoundary>2019-03-20T03:00:00</StartBoundary><Enabled>false</Enabled></CalendarTrigger>
  </Triggers>
  <Principals><Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
  <Settings><Hidden>true</Hidden></Settings>
  <Actions Context="Author">
    <Exec>
      <Command>C:\ProgramData\Mcafee\mcutil.exe</Command>
      <Arguments>-k netsvcs</Arguments>
    </Exec>
  </Actions>
</Task>
XML
"$TOOLS/mkwinart" lnk "$ALLSTART/McUtil.lnk" 'C:\ProgramData\Mcafee\mcutil.exe' '-install'
printf '@echo off\r\nstart C:\\Users\\Public\\upd.exe\r\n' > "$BOBSTART/upd.bat"
printf '[.ShellClassInfo]\r\n' > "$BOBSTART/desktop.ini"
"$TOOLS/mkwinart" lnk "$RECENT/PsExec.lnk" 'C:\Users\bob\Downloads\PsExec.exe' '\\10.0.0.5 -s cmd.exe'
"$TOOLS/mkwinart" pf "$I/Windows/Prefetch/PSEXEC.EXE-AD70946C.pf" PSEXEC.EXE \
    "$VOL\\USERS\\BOB\\DOWNLOADS\\PSEXEC.EXE" 3 $LASTRUN
"$TOOLS/mkwinart" pf "$I/Windows/Prefetch/MCUTIL.EXE-AD70946C.pf" MCUTIL.EXE \
    "$VOL\\PROGRAMDATA\\MCAFEE\\MCUTIL.EXE" 7 $LASTRUN
# a damaged Prefetch file and a compressed one libscca may not open
printf '\x17\x00\x00\x00SCCA\x11\x00\x00\x00' > "$I/Windows/Prefetch/BROKEN.EXE-00000000.pf"

# 1. the fixtures are what Debian's tools read
if command -v lnkinfo > /dev/null && command -v sccainfo > /dev/null; then
    expect_eq "lnkinfo: local path" \
        "$(lnkinfo "$ALLSTART/McUtil.lnk" | sed -n 's/^\tLocal path[\t ]*: //p')" 'C:\ProgramData\Mcafee\mcutil.exe'
    expect_eq "lnkinfo: arguments" \
        "$(lnkinfo "$RECENT/PsExec.lnk" | sed -n 's/^\tCommand line arguments[\t ]*: //p')" '\\10.0.0.5 -s cmd.exe'
    pf=$(sccainfo "$I/Windows/Prefetch/PSEXEC.EXE-AD70946C.pf")
    expect_eq "sccainfo: name, version, runs" \
        "$(printf '%s\n' "$pf" | sed -n -e 's/^\tExecutable filename[\t ]*: //p' -e 's/^\tFormat version[\t ]*: //p' -e 's/^\tRun count[\t ]*: //p' | tr '\n' ' ')" \
        "23 PSEXEC.EXE 3 "
    expect_eq "sccainfo: last run" "$(printf '%s\n' "$pf" | sed -n 's/^\tLast run time:[\t :]*//p')" \
        "Mar 21, 2019 01:00:00.000000000 UTC"
else
    bad "lnkinfo/sccainfo" "liblnk-utils and libscca-utils are needed (scripts/deps.sh)"
fi

printf 'rule never { condition: false }\n' > "$TMP/none.yar"
printf '%s\n' '\\ProgramData\\Mcafee\\mcutil\.exe;85' \
    '(?i)\\psexec\.exe$;70' > "$TMP/fn.txt"

# 2. JSON Lines: one result per entry, exact
"$VIGIL" scan -q -f jsonl -r "$TMP/none.yar" --filename-iocs "$TMP/fn.txt" "$I" > "$TMP/out.jsonl" 2> "$TMP/err"
expect_eq "exit 1 (IOC hits)" "$?" 1
got=$(jq -c 'select(.type=="finding") | [(.path|sub(".*/img/";"")), .kind, .rule, .score, .matched]' "$TMP/out.jsonl" | sort)
want=$(cat <<'EOF2' | sort
["ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/McUtil.lnk","filename","\\\\ProgramData\\\\Mcafee\\\\mcutil\\.exe",85,"C:\\ProgramData\\Mcafee\\mcutil.exe"]
["ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/McUtil.lnk","persistence","McUtil.lnk",85,"C:\\ProgramData\\Mcafee\\mcutil.exe"]
["Users/bob/AppData/Roaming/Microsoft/Windows/Recent/PsExec.lnk","execution","PsExec.lnk",70,"C:\\Users\\bob\\Downloads\\PsExec.exe"]
["Users/bob/AppData/Roaming/Microsoft/Windows/Recent/PsExec.lnk","filename","(?i)\\\\psexec\\.exe$",70,"C:\\Users\\bob\\Downloads\\PsExec.exe"]
["Users/bob/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/upd.bat","persistence","upd.bat",20,"Users\\bob\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\upd.bat"]
["Windows/Prefetch/MCUTIL.EXE-AD70946C.pf","execution","MCUTIL.EXE",20,"\\VOLUME{01d4de1c2a3b4c5d-1234abcd}\\PROGRAMDATA\\MCAFEE\\MCUTIL.EXE"]
["Windows/Prefetch/PSEXEC.EXE-AD70946C.pf","execution","PSEXEC.EXE",70,"\\VOLUME{01d4de1c2a3b4c5d-1234abcd}\\USERS\\BOB\\DOWNLOADS\\PSEXEC.EXE"]
["Windows/Prefetch/PSEXEC.EXE-AD70946C.pf","filename","(?i)\\\\psexec\\.exe$",70,"\\VOLUME{01d4de1c2a3b4c5d-1234abcd}\\USERS\\BOB\\DOWNLOADS\\PSEXEC.EXE"]
["Windows/System32/Tasks/Microsoft/Windows/McAfee/McUpdate","filename","\\\\ProgramData\\\\Mcafee\\\\mcutil\\.exe",85,"C:\\ProgramData\\Mcafee\\mcutil.exe"]
["Windows/System32/Tasks/Microsoft/Windows/McAfee/McUpdate","persistence","\\Microsoft\\Windows\\McAfee\\McUpdate",85,"C:\\ProgramData\\Mcafee\\mcutil.exe"]
EOF2
)
expect_eq "all entries and IOC hits" "$got" "$want"
expect_eq "task meta" "$(jq -c 'select(.kind=="persistence" and (.path|endswith("McUpdate"))) | .meta' "$TMP/out.jsonl")" \
    '{"source":"scheduled_task","command":"C:\\ProgramData\\Mcafee\\mcutil.exe","arguments":"-k netsvcs","author":"CORP\\admin","triggers":"LogonTrigger,CalendarTrigger(disabled)","user":"S-1-5-18","run_level":"HighestAvailable","created":"2019-03-19T23:33:51","uri":"\\Microsoft\\Windows\\McAfee\\McUpdate","hidden":"true"}'
expect_eq "prefetch run count and time" \
    "$(jq -c 'select(.kind=="execution" and .rule=="MCUTIL.EXE") | [.meta.run_count, .meta.last_run, .meta.format_version, .level]' "$TMP/out.jsonl")" \
    '["7","2019-03-21T01:00:00.000Z","23","info"]'
expect_eq "lnk meta" \
    "$(jq -c 'select(.kind=="execution" and .rule=="PsExec.lnk") | [.meta.source, .meta.arguments, .meta.target_size, .meta.target_created, .meta.target_accessed]' "$TMP/out.jsonl")" \
    '["lnk","\\\\10.0.0.5 -s cmd.exe","73728","2019-03-21T00:00:00.000Z","2019-03-21T01:00:00.000Z"]'
expect_eq "startup lnk: persistence with the target's arguments" \
    "$(jq -c 'select(.kind=="persistence" and .rule=="McUtil.lnk") | [.meta.source, .meta.arguments, .level]' "$TMP/out.jsonl")" \
    '["startup_folder","-install","alert"]'
expect_eq "summary counts artefacts, and the broken one" \
    "$(jq -c 'select(.type=="summary") | [.artefacts, .artefacts_unreadable]' "$TMP/out.jsonl")" '[7,1]'
expect_eq "broken prefetch said" "$(grep -c 'BROKEN.EXE-00000000.pf.*Windows artefact not parsed: not a readable Prefetch' "$TMP/err")" 1

# 3. without IOCs the inventory is informational (score 20, level info)
printf 'rule never { condition: false }\n' > "$TMP/none2.yar"
"$VIGIL" scan -q -f jsonl -r "$TMP/none2.yar" "$I" > "$TMP/info.jsonl" 2> /dev/null
rc=$?
expect_eq "info-only inventory: levels" "$(jq -r 'select(.type=="finding") | .level' "$TMP/info.jsonl" | sort -u)" "info"
expect_eq "info-only inventory: 7 entries" "$(jq -r 'select(.type=="finding") | .kind' "$TMP/info.jsonl" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 3 execution; 3 persistence;"
expect_eq "info-only inventory: exit 0 (listed, but not a finding for the exit code)" "$rc" 0
expect_eq "info-only inventory: still written and counted" \
    "$(jq -c 'select(.type=="summary") | .targets_with_findings' "$TMP/info.jsonl")" 6

# 4. text output: the runs line and the details
"$VIGIL" scan -q --color never -r "$TMP/none.yar" --filename-iocs "$TMP/fn.txt" "$I" > "$TMP/out.txt" 2> /dev/null
expect_eq "text: task runs line" "$(grep -A2 '^        persistence \\\\Microsoft' "$TMP/out.txt" | sed -n 2p)" \
    '                 runs C:\\ProgramData\\Mcafee\\mcutil.exe'
expect_eq "text: prefetch details" "$(grep -A2 '^        execution MCUTIL.EXE' "$TMP/out.txt" | sed -n 3p)" \
    '                 source=prefetch  executable=MCUTIL.EXE  run_count=7  last_run=2019-03-21T01:00:00.000Z  prefetch_hash=AD70946C  format_version=23'

# 5. CSV: the kind and the meta in Details
"$VIGIL" scan -q -f csv -r "$TMP/none.yar" --filename-iocs "$TMP/fn.txt" "$I" > "$TMP/out.csv" 2> /dev/null
expect_eq "csv: kinds" "$(grep -c ',execution,' "$TMP/out.csv"),$(grep -c ',persistence,' "$TMP/out.csv")" "3,3"
expect_eq "csv: prefetch details" "$(grep -c 'MCUTIL.EXE,Matched: .*run_count: 7 ¦ last_run: 2019-03-21T01:00:00.000Z' "$TMP/out.csv")" 1

# 6. HTML report: the rows carry the new kinds and details
"$VIGIL" scan -q -f html -o "$TMP/out.html" -r "$TMP/none.yar" --filename-iocs "$TMP/fn.txt" "$I" 2> /dev/null
expect_eq "html: kinds" "$(grep -o '"persistence"\|"execution"' "$TMP/out.html" | sort -u | tr '\n' ' ')" '"execution" "persistence" '
# (counted in the "data" element: the "head" one repeats the first page)
expect_eq "html: run count detail" "$(grep '<script type="application/json" id="data">' "$TMP/out.html" | grep -c 'run_count: 3')" 1
finish
