#!/usr/bin/env bash
# pack_positive.sh - positive controls for the bundled cloudhopper pack: for
# every YARA rule of rules/cloudhopper a file carrying what the rule
# describes is generated here (strings are assembled from pieces so that
# this script never matches the pack itself), plus files whose names match
# the filename IOCs, and negative twins (the genuine tool name, an archive
# in an ordinary place). One sweep of the tree must give exactly the
# expected (kind, rule, file) set. Where `vigil scan` is not built yet the
# YARA half is checked with Debian's yara CLI and the same externals.
set -u
. "$(dirname "$0")/lib.bash"

PACK="${VIGIL_ROOT:?}/rules/cloudhopper"
D=$TMP/data
mkdir -p "$D"

wide() { printf '%s' "$1" | iconv -f ASCII -t UTF-16LE; }
xor1() { printf '%s' "$1" | perl -pe 's/(.)/chr(ord($1) ^ 1)/ges'; }
# mk RELPATH: the file's content comes from stdin
mk() { mkdir -p "$(dirname "$D/$1")"; cat > "$D/$1"; }
MZ() { printf 'MZ\x90\x00\x03\x00\x00\x00'; head -c 56 /dev/zero; }
LNK() { printf 'L\x00\x00\x00\x01\x14\x02\x00'; head -c 68 /dev/zero; }

expected=()
want() { expected+=("$1 $2 $3"); } # KIND RULE RELPATH

# --- REDLEAVES -------------------------------------------------------------
{ MZ; wide "RedLeaves""CMDSimulatorMutex"; } | mk rl/implant.bin
want yara CH_RedLeaves_Core_Strings rl/implant.bin
{ head -c 32 /dev/zero; xor1 "red_autumnal_""leaves_dllmain.dll"; } | mk rl/payload.dat
want yara CH_RedLeaves_Obfuscated_Payload rl/payload.dat
{ printf '__msg''id=7&__ser''ial=42&'; wide "Online""Time=3"; } | mk rl/dump.mem
want yara CH_RedLeaves_Config_Artefacts rl/dump.mem
{ MZ; printf 'x''handker''chief.dat''\0''persua''sion.lnk''\0'; } | mk rl/loader.bin
want yara CH_RedLeaves_StarBurn_Loader rl/loader.bin
{ printf 'hima''wariA\0hima''wariB\0Hima''wariDemo\0'; } | mk rl/himawari.bin
want yara CH_RedLeaves_Himawari_Variant rl/himawari.bin

# --- PlugX -----------------------------------------------------------------
{ MZ; printf 'C:\\Users\\user\\Desktop\\my_OK''_2014\\bit9\\runsna\\Release\\runsna''.pdb\0'; } | mk px/runsna.bin
want yara CH_PlugX_Build_Paths px/runsna.bin
{ MZ; printf 'POST /up''date?id=%%8.8''x HTTP/1.1\0'; } | mk px/http.bin
want yara CH_PlugX_C2_Path_Format px/http.bin

# --- ChChes ----------------------------------------------------------------
{ LNK; wide 'C:\Users\suzuki\Documents\my\card''.rtf'; } | mk ch/card.lnk
want yara CH_ChChes_Shortcut_Downloader ch/card.lnk
{ printf 'function invoke-ExE''Doc {}\nInvoke-Shell''code -Force\n'; } | mk ch/drop.ps1
want yara CH_ChChes_PowerSploit_Dropper ch/drop.ps1
{ MZ; printf 'http://\0/%%r.ht''ml\0atan2\0_hypot\0_nextafter\0\x68\x04\xe1\x00\x00'; } | mk ch/implant.bin
want yara CH_ChChes_Implant ch/implant.bin
{ MZ; printf 'HT S''rl\0Milan\0Italy\0Digital ID Class 3 - Microsoft Software Validation v2\0'; } | mk ch/signed.bin
want yara CH_ChChes_HackingTeam_Certificate ch/signed.bin

# --- UPPERCUT / ANEL ------------------------------------------------------
{ MZ; printf 'dll_size %%Iu bytes, compress_size %%Iu bytes, dllhash 0x%%08x\0'
  printf 'The file does not exist on this ser''ver!\0WARNING: loading PE file without .reloc sec''tion!\0'; } | mk uc/anel.bin
want yara CH_UPPERCUT_ANEL_Backdoor_Strings uc/anel.bin
{ MZ; printf 'hprOBnaelo''heSredDyrctbuo\0'; printf '\x3c\x3e\x44\x3e\x4c\x3e\x54\x3e\x5c\x3e\x64\x3e\x6c\x3e\x74\x3e'; } | mk uc/loader.bin
want yara CH_UPPERCUT_ANEL_Loader uc/loader.bin
{ LNK; printf "\$(\$env:APP""DATA)+'\\\\Microsoft\\\\Templates\\\\';x.Length - 1)]);exp""and \$c;"
  printf 'Invoke-Item -Path $docPath;Remove-Item -Path $cab''Path -Force'; } | mk uc/doc.lnk
want yara CH_UPPERCUT_ANEL_Shortcut_Downloader uc/doc.lnk
{ printf 'certutil -decode C:\\ProgramData\\pad''re1.txt x & esentutl /y C:\\ProgramData\\G''UP.txt\n'; } | mk uc/macro.vba
want yara CH_UPPERCUT_Macro_Dropper_Names uc/macro.vba
{ printf 'server=eservake.''jetos.com\n'; } | mk uc/config.txt
want yara CH_APT10_Published_C2_Strings uc/config.txt

# --- QuasarRAT -------------------------------------------------------------
{ MZ; printf 'mscoree.dll\0Quasar.''Client.Config\0RECONNECTDELAY\0ENCRYPTION''KEY\0STARTUPKEY\0'; } | mk qs/client.bin
want yara CH_QuasarRAT_Client_Build qs/client.bin

# --- side-loading pairs (YARA with externals, and the filename IOCs) ------
{ MZ; printf 'curl'; } | mk ProgramData/libcurl.dll
want yara CH_SideLoad_libcurl_ProgramData ProgramData/libcurl.dll
want filename '\\ProgramData\\libcurl\.dll$' ProgramData/libcurl.dll
{ MZ; printf 'StarBurn_Get''Version\0'; } | mk app/StarBurn.dll
want yara CH_SideLoad_StarBurn_Small app/StarBurn.dll
want filename '\\StarBurn\.dll$' app/StarBurn.dll
{ MZ; printf 'cef_string_utf16''_set\0'; } | mk app/libcef.dll
want yara CH_SideLoad_libcef_Small app/libcef.dll
{ MZ; printf 'jli'; } | mk Users/Public/info/jli.dll
want yara CH_SideLoad_jli_Outside_Java Users/Public/info/jli.dll
want filename '\\jli\.dll$' Users/Public/info/jli.dll
{ MZ; printf 'mcutil'; } | mk ProgramData/McUtil.dll
want yara CH_SideLoad_McUtil_Outside_McAfee ProgramData/McUtil.dll
want filename '\\McUtil\.dll$' ProgramData/McUtil.dll
# negative twins: the genuine products' folders
{ MZ; printf 'jli'; } | mk 'Program Files/Java/jre1.8.0_171/bin/jli.dll'
{ MZ; printf 'mcutil'; } | mk 'Program Files/McAfee/Common/McUtil.dll'

# --- renamed admin and credential tools -----------------------------------
psexec() { MZ; wide "PSEXE""SVC"; wide "Sysinternals"; wide "Ps""Exec"; }
psexec | mk Windows/Temp/svch.exe
want yara CH_Renamed_PsExec Windows/Temp/svch.exe
psexec | mk tools/PsExec.exe # genuine name: nothing
procdump() { MZ; wide "Sysinternals"; wide "Proc""Dump"; printf -- '-ma\0'; }
procdump | mk Windows/Temp/pd.exe
want yara CH_Renamed_ProcDump Windows/Temp/pd.exe
procdump | mk tools/procdump64.exe
{ MZ; printf 'sekurlsa::logon''passwords\0genti''lkiwi\0'; } | mk Windows/Temp/m.exe
want yara CH_Mimikatz_Any_Name Windows/Temp/m.exe

# --- staging: password-protected RAR archives ------------------------------
rar4_hp() { printf 'Rar!\x1a\x07\x00' ; printf '\x00\x00\x73\x80\x00\x0d\x00'; head -c 6 /dev/zero; head -c 64 /dev/urandom; }
rar4_p() { printf 'Rar!\x1a\x07\x00' ; printf '\x00\x00\x73\x00\x00\x0d\x00'; head -c 6 /dev/zero
           printf '\x00\x00\x74\x04\x80\x20\x00'; head -c 64 /dev/zero; }
rar5_hp() { printf 'Rar!\x1a\x07\x01\x00'; printf '\x11\x22\x33\x44\x0c\x04\x00\x00'; head -c 32 /dev/zero; }
rar4_hp | mk PerfLogs/data.rar
want yara CH_Staging_Encrypted_RAR_Unusual_Place PerfLogs/data.rar
rar5_hp | mk Windows/Temp/b.rar
want yara CH_Staging_Encrypted_RAR_Unusual_Place Windows/Temp/b.rar
rar4_p | mk home/docs/report.dat
want yara CH_Staging_Encrypted_RAR_Disguised home/docs/report.dat
rar4_p | mk home/docs/holiday.rar # an ordinary archive in an ordinary place

# --- filename IOCs on their own --------------------------------------------
printf 'LS0tLS1CRUdJTiBDRVJU\n' | mk ProgramData/padre1.txt
want filename '\\ProgramData\\padre[1-3]\.txt$' ProgramData/padre1.txt
printf 'x\n' | mk Users/x/AppData/handkerchief.dat
want filename '\\handkerchief\.dat$' Users/x/AppData/handkerchief.dat

want_sorted=$(printf '%s\n' "${expected[@]}" | sort)
want_yara=$(printf '%s\n' "${expected[@]}" | grep '^yara ' | sort)

# every YARA rule of the pack (private ones aside) has a positive control
rules_in_pack=$(grep -h -E '^rule [A-Za-z0-9_]+' "$PACK"/yara/*.yar | awk '{print $2}' | sort)
rules_tested=$(printf '%s\n' "$want_yara" | awk '{print $2}' | sort -u)
expect_eq "every YARA rule has a positive control" "$rules_tested" "$rules_in_pack"

# the fixtures do what they say according to Debian's yara, with the
# externals vigil defines (filepath = the path, as Loki passes it)
got_yara=$(cd "$D" && find . -type f | sed 's|^\./||' | sort | while IFS= read -r f; do
    b=$(basename "$f"); e=""
    case "$b" in *.*) e=".${b##*.}" ;; esac
    yara -d filename="$b" -d filepath="$D/$f" -d extension="${e,,}" -d filetype= -d owner= -d md5= \
        "$PACK"/yara/*.yar "$D/$f" 2>&1 | awk -v f="$f" '{print "yara", $1, f}'
done | sort)
expect_eq "yara CLI: fixtures give $(printf "%s\n" "$want_yara" | wc -l) matches" "$(printf "%s\n" "$got_yara" | grep -c .)" "$(printf "%s\n" "$want_yara" | wc -l)"
expect_eq "yara CLI: exact rule per fixture" "$got_yara" "$want_yara"

# vigil, once it has the scan command (the lead's merge): one sweep, exact set
probe_rules=$TMP/probe; mkdir -p "$probe_rules"
printf 'rule probe { condition: true }\n' > "$probe_rules/p.yar"
"$VIGIL" scan -q -f jsonl -r "$probe_rules" "$probe_rules/p.yar" > /dev/null 2>&1
if [ $? -eq 1 ]; then
    "$VIGIL" scan -q -f jsonl -r "$PACK" "$D" > "$TMP/out" 2> "$TMP/err"
    expect_eq "vigil: findings exit 1" "$?" "1"
    got=$(jq -r --arg d "$D/" 'select(.type=="finding") | "\(.kind) \(.rule) \(.path | ltrimstr($d))"' "$TMP/out" | sort)
    expect_eq "vigil: exact finding set over the fixtures" "$got" "$want_sorted"
    nh=$(grep -c -v -E '^(#|$)' "$PACK/iocs/cloudhopper-hash-iocs.txt")
    nf=$(grep -c -v -E '^(#|$)' "$PACK/iocs/cloudhopper-filename-iocs.txt")
    ny=$(grep -c -E '^(private )?rule ' "$PACK"/yara/*.yar | awk -F: '{s+=$2} END {print s}')
    s=$(jq -c 'select(.type=="summary") | [.rules.yara, .rules.hash_iocs, .rules.filename_iocs, .errors]' "$TMP/out")
    expect_eq "vigil: every pack rule and IOC loaded" "$s" "[$ny,$nh,$nf,0]"
    expect_eq "vigil: no rule errors" "$(grep -c "^vigil: error" "$TMP/err")" "0"
else
    echo "note: $VIGIL has no working scan command in this build; checked with yara only"
fi
finish
