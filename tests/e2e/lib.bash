# lib.sh - shared helpers for the end-to-end scripts (sourced, not run).
# Each script makes its fixtures in a fresh temporary directory, runs the
# built vigil and checks exact findings and exit codes with these helpers.
export LC_ALL=C
VIGIL="${VIGIL_BUILD:?}/vigil"
TOOLS="${VIGIL_BUILD}/tests/tools"
T_PASS=0
T_FAIL=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-e2e.XXXXXX")
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
# compiled pattern databases go to the test's own cache, not the user's
export XDG_CACHE_HOME="$TMP/xdg-cache"
ok() { T_PASS=$((T_PASS + 1)); echo "ok $1"; }
bad() { T_FAIL=$((T_FAIL + 1)); echo "not ok $1: $2" >&2; }
# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else bad "$1" "got [$2] want [$3]"; fi
}
finish() { echo "${T_PASS} passed, ${T_FAIL} failed"; [ "$T_FAIL" -eq 0 ]; }

# The report tests' fixture: Sysmon process creations of powershell.exe as
# JSON event lines, and a Sigma rule reporting those with " -enc " in the
# command line.
# sigma_encoded_ps_rule FILE: writes the rule; its header (title, id,
# level, tags...) comes on standard input, logsource and detection follow.
sigma_encoded_ps_rule() {
    {
        cat
        cat <<'YML'
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\powershell.exe'
        CommandLine|contains: ' -enc '
    condition: selection
YML
    } > "$1"
}
# sysmon_ps_event COMPUTER RECORD TIME COMMANDLINE [PROVIDER]: one event
# line (EventID 1, Image C:\Windows\powershell.exe); COMMANDLINE goes in as
# it is (JSON-escape it); PROVIDER, when given, is the System/Provider name.
sysmon_ps_event() {
    local provider=""
    [ -n "${5:-}" ] && provider="\"Provider\":{\"#attributes\":{\"Name\":\"$5\"}},"
    printf '{"Event":{"System":{%s"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"%s","EventRecordID":%s,"TimeCreated":{"#attributes":{"SystemTime":"%s"}}},"EventData":{"Image":"C:\\\\Windows\\\\powershell.exe","CommandLine":"%s"}}}\n' "$provider" "$1" "$2" "$3" "$4"
}
