#!/usr/bin/env bash
# scan_registry.sh - end-to-end tests of registry hives in `vigil scan`:
# hives written by hivexregedit --merge (libwin-hivex-perl) from .reg files
# onto an empty hive (tests/tools/mkhive) hold Run keys, a service whose DLL
# is in C:\ProgramData, an IFEO debugger, AppInit_DLLs, Winlogon, a
# TaskCache task and an Amcache entry. Every value is a Sysmon-style
# registry event for the Sigma registry rules (our own here; SigmaHQ's from
# the corpus when it is there), the files the values name are checked
# against filename and hash IOCs, and the autostart entries are listed as
# persistence findings. Exact findings are asserted.
set -u
. "$(dirname "$0")/lib.bash"

if ! command -v hivexregedit >/dev/null; then
    echo "skip: hivexregedit (libwin-hivex-perl) not installed"
    finish
    exit $?
fi
H=$TMP/host; R=$TMP/rules
mkdir -p "$H/Windows/System32/config" "$H/Users/alice" "$H/Windows/AppCompat/Programs" "$R"

# .reg sections need their parents for hivexregedit --merge: add those below
# the prefix (of $1 components).
with_parents() {
    awk -v pre="$1" '/^\[/ { key = substr($0, 2, length($0) - 2); n = split(key, p, "\\")
                 path = p[1]
                 for (i = 2; i <= pre; i++) path = path "\\" p[i]
                 for (i = pre + 1; i < n; i++) { path = path "\\" p[i]
                     if (!(path in seen)) { seen[path] = 1; print "[" path "]"; print "" } }
                 seen[key] = 1 }
         { print }'
}
# make_hive FILE PREFIX < .reg text
make_hive() {
    "$TOOLS/mkhive" "$1" || return 1
    local parts
    parts=$(printf '%s' "$2" | awk -F'\\' '{ print NF }')
    with_parents "$parts" > "$TMP/merge.reg"
    hivexregedit --merge --prefix "$2" "$1" "$TMP/merge.reg"
}
# a REG_BINARY hex list of a TaskCache Actions blob: version 3, author,
# one exec action (id, command, arguments, working directory, flags)
actions_hex() {
    python3 - "$1" "$2" <<'PY'
import struct, sys
def s(t):
    b = t.encode('utf-16-le')
    return struct.pack('<I', len(b)) + b
blob = struct.pack('<H', 3) + s('Author') + struct.pack('<H', 0x6666) + s('') + s(sys.argv[1]) \
    + s(sys.argv[2]) + s('') + struct.pack('<H', 0)
print(','.join('%02x' % c for c in blob))
PY
}

make_hive "$H/Windows/System32/config/SOFTWARE" 'HKEY_LOCAL_MACHINE\SOFTWARE' <<EOF2 || bad hive "SOFTWARE not written"
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run]
"Updater"="C:\\\\Users\\\\Public\\\\updater.exe -silent"
"SecurityHealth"=hex(2):25,00,77,00,69,00,6e,00,64,00,69,00,72,00,25,00,5c,00,73,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,53,00,65,00,63,00,75,00,72,00,69,00,74,00,79,00,48,00,65,00,61,00,6c,00,74,00,68,00,53,00,79,00,73,00,74,00,72,00,61,00,79,00,2e,00,65,00,78,00,65,00,00,00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe]
"Debugger"="C:\\\\Windows\\\\System32\\\\cmd.exe"

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Windows]
"AppInit_DLLs"="C:\\\\ProgramData\\\\hook.dll"
"LoadAppInit_DLLs"=dword:00000001

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon]
"Shell"="explorer.exe"
"Userinit"="C:\\\\Windows\\\\system32\\\\userinit.exe,"

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Schedule\TaskCache\Tasks\{0A1B2C3D-0000-4000-8000-000000000001}]
"Path"="\\\\Microsoft\\\\Windows\\\\Updater"
"Actions"=hex:$(actions_hex 'C:\ProgramData\upd\task.exe' '/run')
EOF2
make_hive "$H/Windows/System32/config/SYSTEM" 'HKEY_LOCAL_MACHINE\SYSTEM' <<'EOF2' || bad hive "SYSTEM not written"
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\Select]
"Current"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ComputerName\ComputerName]
"ComputerName"="WKS-07"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\EvilSvc]
"ImagePath"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,25,00,5c,00,53,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,73,00,76,00,63,00,68,00,6f,00,73,00,74,00,2e,00,65,00,78,00,65,00,20,00,2d,00,6b,00,20,00,6e,00,65,00,74,00,73,00,76,00,63,00,73,00,00,00
"Start"=dword:00000002

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\EvilSvc\Parameters]
"ServiceDll"="C:\\ProgramData\\evilsvc.dll"
EOF2
make_hive "$H/Users/alice/NTUSER.DAT" 'HKEY_CURRENT_USER' <<'EOF2' || bad hive "NTUSER.DAT not written"
Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\RunOnce]
"tmp"="rundll32.exe \"C:\\Users\\alice\\AppData\\Roaming\\x.dll\",Start"
EOF2
make_hive "$H/Windows/AppCompat/Programs/Amcache.hve" 'HKEY_LOCAL_MACHINE\A' <<'EOF2' || bad hive "Amcache.hve not written"
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\A\Root\InventoryApplicationFile\tool.exe|1234]
"LowerCaseLongPath"="c:\\temp\\tool.exe"
"FileId"="0000aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
EOF2

cat > "$R/registry.yml" <<'YML'
title: Run Key To Public Folder
id: 20000000-0000-0000-0000-000000000001
level: high
logsource:
    product: windows
    category: registry_set
detection:
    selection:
        TargetObject|contains: '\Software\Microsoft\Windows\CurrentVersion\Run'
        Details|contains:
            - ':\Users\Public\'
            - '\AppData\Roaming\'
    condition: selection
---
title: ServiceDll In ProgramData
id: 20000000-0000-0000-0000-000000000002
level: high
logsource:
    product: windows
    category: registry_set
detection:
    selection:
        TargetObject|startswith: 'HKLM\System\CurrentControlSet\Services\'
        TargetObject|endswith: '\Parameters\ServiceDll'
        Details|startswith: 'C:\ProgramData\'
    condition: selection
---
title: IFEO Debugger
id: 20000000-0000-0000-0000-000000000003
level: critical
logsource:
    product: windows
    category: registry_event
detection:
    selection:
        EventType: SetValue
        TargetObject|contains: '\Image File Execution Options\'
        TargetObject|endswith: '\Debugger'
    condition: selection
---
title: Service Key Created
id: 20000000-0000-0000-0000-000000000004
level: low
logsource:
    product: windows
    category: registry_add
detection:
    selection:
        EventType: CreateKey
        TargetObject: 'HKLM\System\CurrentControlSet\Services\EvilSvc'
    condition: selection
---
title: User RunOnce
id: 20000000-0000-0000-0000-000000000005
level: medium
logsource:
    product: windows
    category: registry_set
detection:
    selection:
        TargetObject|startswith: 'HKU\alice\Software\Microsoft\Windows\CurrentVersion\RunOnce\'
    condition: selection
YML
printf '%s\n' '\\ProgramData\\evilsvc\.dll;85' > "$TMP/reg-filename-iocs.txt"
printf '%s\n' 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d;known tool' > "$TMP/reg-hash-iocs.txt"

"$VIGIL" scan -q -j1 -f jsonl -r "$R" --filename-iocs "$TMP/reg-filename-iocs.txt" \
    --hash-iocs "$TMP/reg-hash-iocs.txt" "$H" > "$TMP/out.jsonl" 2> "$TMP/err"
expect_eq "registry: exit 1 on findings" "$?" 1
expect_eq "registry: nothing on stderr" "$(cat "$TMP/err")" ""
got=$(jq -r 'select(.type=="finding") | [(.path | sub(".*/host/"; "")), .kind, .rule,
        (.target_object // .fields.TargetObject // ""), (.fields.File // .matched // "")] | join("\t")' \
        "$TMP/out.jsonl" | sort)
want=$(cat <<'TSV'
Users/alice/NTUSER.DAT	persistence	RunOnce	HKU\alice\Software\Microsoft\Windows\CurrentVersion\RunOnce\tmp	C:\Users\alice\AppData\Roaming\x.dll
Users/alice/NTUSER.DAT	sigma	Run Key To Public Folder	HKU\alice\Software\Microsoft\Windows\CurrentVersion\RunOnce\tmp	
Users/alice/NTUSER.DAT	sigma	User RunOnce	HKU\alice\Software\Microsoft\Windows\CurrentVersion\RunOnce\tmp	
Windows/AppCompat/Programs/Amcache.hve	hash	aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d	\REGISTRY\A\Amcache\Root\InventoryApplicationFile\tool.exe|1234\FileId	aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d
Windows/System32/config/SOFTWARE	persistence	AppInit_DLLs	HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Windows\AppInit_DLLs	C:\ProgramData\hook.dll
Windows/System32/config/SOFTWARE	persistence	IFEO Debugger	HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe\Debugger	C:\Windows\System32\cmd.exe
Windows/System32/config/SOFTWARE	persistence	Run	HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealth	C:\Windows\system32\SecurityHealthSystray.exe
Windows/System32/config/SOFTWARE	persistence	Run	HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater	C:\Users\Public\updater.exe
Windows/System32/config/SOFTWARE	persistence	Scheduled task	HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Schedule\TaskCache\Tasks\{0A1B2C3D-0000-4000-8000-000000000001}\Actions	C:\ProgramData\upd\task.exe
Windows/System32/config/SOFTWARE	persistence	Winlogon	HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\Shell	explorer.exe
Windows/System32/config/SOFTWARE	persistence	Winlogon	HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\Userinit	C:\Windows\system32\userinit.exe
Windows/System32/config/SOFTWARE	sigma	IFEO Debugger	HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe\Debugger	
Windows/System32/config/SOFTWARE	sigma	Run Key To Public Folder	HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater	
Windows/System32/config/SYSTEM	filename	\\ProgramData\\evilsvc\.dll	HKLM\System\CurrentControlSet\Services\EvilSvc\Parameters\ServiceDll	C:\ProgramData\evilsvc.dll
Windows/System32/config/SYSTEM	persistence	Service	HKLM\System\CurrentControlSet\Services\EvilSvc\ImagePath	C:\Windows\System32\svchost.exe
Windows/System32/config/SYSTEM	persistence	ServiceDll	HKLM\System\CurrentControlSet\Services\EvilSvc\Parameters\ServiceDll	C:\ProgramData\evilsvc.dll
Windows/System32/config/SYSTEM	sigma	Service Key Created	HKLM\System\CurrentControlSet\Services\EvilSvc	
Windows/System32/config/SYSTEM	sigma	ServiceDll In ProgramData	HKLM\System\CurrentControlSet\Services\EvilSvc\Parameters\ServiceDll	
TSV
)
expect_eq "registry: findings" "$got" "$want"
# the event fields of a registry Sigma finding
got=$(jq -r 'select(.kind=="sigma" and .rule=="ServiceDll In ProgramData") |
        [.channel, .event_id, .computer, .event_time, .fields.Details] | join("\t")' "$TMP/out.jsonl")
expect_eq "registry: Sysmon event 13 with the SYSTEM hive's computer name" "$got" \
    "Microsoft-Windows-Sysmon/Operational	13	WKS-07	2021-01-01T00:00:00.000Z	C:\\ProgramData\\evilsvc.dll"
got=$(jq -r 'select(.type=="summary") | [.registry_hives, .registry_values, .autostart_entries] | join("\t")' \
        "$TMP/out.jsonl")
expect_eq "registry: summary counters" "$got" "4	17	10"

# Text: one line per value, TargetObject and the autostart's file shown.
"$VIGIL" scan -q -j1 -r "$R" --min-level warning "$H/Windows/System32/config/SYSTEM" \
    > "$TMP/out.txt" 2>&1
got=$(grep -c 'HKLM\\\\System\\\\CurrentControlSet\\\\Services\\\\EvilSvc\\\\Parameters\\\\ServiceDll  ServiceDll In ProgramData \[high\]; ServiceDll \[persistence: C:\\\\ProgramData\\\\evilsvc.dll\]' "$TMP/out.txt")
expect_eq "registry: text line of the ServiceDll" "$got" 1

# Exit code: the autostart inventory alone (no Sigma rule, no IOC) is listed
# but is no finding (exit 0); an IOC hit on an entry's file is (exit 1).
printf 'rule never { condition: false }\n' > "$TMP/never.yar"
"$VIGIL" scan -q -j1 -f jsonl -r "$TMP/never.yar" "$H/Windows/System32/config/SYSTEM" \
    > "$TMP/inv.jsonl" 2> /dev/null
expect_eq "registry: inventory only: exit 0" "$?" 0
expect_eq "registry: inventory only: entries still listed" \
    "$(jq -r 'select(.type=="finding") | [.kind, .rule, .level] | join(" ")' "$TMP/inv.jsonl" | sort | tr '\n' ';')" \
    "persistence Service info;persistence ServiceDll info;"
"$VIGIL" scan -q -j1 -f jsonl -r "$TMP/never.yar" --filename-iocs "$TMP/reg-filename-iocs.txt" \
    "$H/Windows/System32/config/SYSTEM" > "$TMP/inv.jsonl" 2> /dev/null
expect_eq "registry: inventory entry whose file is an IOC: exit 1" "$?" 1

# A hive inside an archive is read from memory like any member.
(cd "$H/Windows/System32/config" && zip -q "$TMP/hives.zip" SYSTEM)
got=$("$VIGIL" scan -q -j1 -f jsonl -r "$R" "$TMP/hives.zip" |
      jq -r 'select(.kind=="sigma") | [.path, .rule] | join("\t")' | sed "s|$TMP/||" | sort)
expect_eq "registry: hive in a zip" "$got" "hives.zip!SYSTEM	Service Key Created
hives.zip!SYSTEM	ServiceDll In ProgramData"

# A damaged hive is said, the sweep goes on, and it is no error.
mkdir -p "$TMP/bad"
{ printf 'regf'; head -c 8188 /dev/zero; } > "$TMP/bad/SOFTWARE"
"$VIGIL" scan -q -j1 -r "$R" "$TMP/bad" > "$TMP/bad.out" 2>&1
expect_eq "registry: damaged hive exit 0" "$?" 0
got=$(grep -c 'SOFTWARE: registry hive not read' "$TMP/bad.out")
expect_eq "registry: damaged hive said" "$got" 1

# SigmaHQ's own registry rules, when the corpus is there.
SIGMA=${CORPUS:-$(dirname "$0")/../../../shared/corpus}/sigma/rules/windows/registry
if [ -d "$SIGMA" ]; then
    mkdir -p "$TMP/hq"
    for f in registry_set/registry_set_servicedll_hijack.yml \
             registry_event/registry_event_stickykey_like_backdoor.yml \
             registry_set/registry_set_susp_run_key_img_folder.yml \
             registry_event/registry_event_new_dll_added_to_appinit_dlls_registry_key.yml; do
        cp "$SIGMA/$f" "$TMP/hq/"
    done
    got=$("$VIGIL" scan -q -j1 -f jsonl -r "$TMP/hq" "$H" |
          jq -r 'select(.kind=="sigma") | [(.path | sub(".*/host/"; "")), .rule] | join("\t")' | sort)
    expect_eq "registry: SigmaHQ rules" "$got" "Users/alice/NTUSER.DAT	New RUN Key Pointing to Suspicious Folder
Windows/System32/config/SOFTWARE	New DLL Added to AppInit_DLLs Registry Key
Windows/System32/config/SOFTWARE	New RUN Key Pointing to Suspicious Folder
Windows/System32/config/SOFTWARE	Sticky Key Like Backdoor Usage - Registry
Windows/System32/config/SYSTEM	ServiceDll Hijack"
else
    echo "skip: SigmaHQ registry rules (no corpus at $SIGMA)"
fi
finish
