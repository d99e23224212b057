#!/usr/bin/env bash
# check_sigma_scan.sh - Sigma through `vigil scan` on the corpus event logs:
# the Chainsaw golden case (a rule `EventID: 4624` over Chainsaw's
# security_sample.evtx reports exactly records 31794 and 31799, as
# `chainsaw hunt -r rule-any-logon.yml` does), and the bundled cloudhopper
# Sigma rules over evtx-attack-samples give exactly the (rule, file, events)
# set documented in docs/cloudhopper.md, with no error diagnostic.
set -uo pipefail
B=${VIGIL_BUILD:?}; R=${VIGIL_ROOT:?}; C=${VIGIL_CORPUS:?}
VIGIL="$B/vigil"
pass=0 fail=0
check() { # NAME GOT WANT
    if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok $1"
    else fail=$((fail + 1)); echo "FAIL $1: got [$2] want [$3]"; fi
}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

sample="$C/chainsaw/tests/evtx/security_sample.evtx"
if [ -f "$sample" ]; then
    cat > "$TMP/logon.yml" <<'YML'
title: Any Logon
id: 7d0c3e0e-52c1-4b43-9f4e-2f8f3c1d2a01
level: informational
logsource:
    product: windows
    service: security
detection:
    any_4624:
        EventID: 4624
    condition: any_4624
YML
    "$VIGIL" scan -q -f jsonl -r "$TMP/logon.yml" "$sample" > "$TMP/out" 2> "$TMP/err"
    check "chainsaw golden: exit 1" "$?" "1"
    check "chainsaw golden: records" \
        "$(jq -r 'select(.type=="finding") | .record_id' "$TMP/out" | sort -n | tr '\n' ' ')" "31794 31799 "
    check "chainsaw golden: event fields" \
        "$(jq -c 'select(.type=="finding") | [.event_id, .channel, .computer, .rule_level]' "$TMP/out" | sort -u)" \
        '[4624,"Security","DESKTOP-JK4Q86I","informational"]'
    check "chainsaw golden: no diagnostics" "$(cat "$TMP/err")" ""
else
    echo "note: $sample missing"
fi

A="$C/evtx-attack-samples"
if [ -d "$A" ]; then
    "$VIGIL" scan -q -f jsonl --placeholders "$R/rules/cloudhopper/sigma/placeholders.example" \
        -r "$R/rules/cloudhopper/sigma" "$A" > "$TMP/pack" 2> "$TMP/packerr"
    check "pack over evtx-attack-samples: exit 1" "$?" "1"
    got=$(jq -r 'select(.type=="finding") | "\(.rule_id) \(.record_id) \(.path | sub(".*/evtx-attack-samples/"; ""))"' \
          "$TMP/pack" | sort)
    want=$(sort <<'EOF'
85005ba3-aaf0-4207-ad84-cfe1b2e7d59a 4858 Defense Evasion/apt10_jjs_sideloading_prochollowing_persist_as_service_sysmon_1_7_8_13.evtx
85005ba3-aaf0-4207-ad84-cfe1b2e7d59a 4862 Defense Evasion/apt10_jjs_sideloading_prochollowing_persist_as_service_sysmon_1_7_8_13.evtx
EOF
)
    want_wmi=$(jq -r 'select(.type=="finding" and .rule_id=="ebdd5f1b-691e-4816-9e22-8cf0d79e2d62") | .path | sub(".*/evtx-attack-samples/"; "")' "$TMP/pack" | sort | uniq -c | awk '{c=$1; $1=""; print c $0}' | tr '\n' ';')
    check "pack: side-loading rule on the APT10 jjs sample" "$(grep '^85005ba3' <<<"$got")" "$want"
    check "pack: WMI shell rule, events per file" "$want_wmi" \
        "1 Credential Access/sysmon_10_1_memdump_comsvcs_minidump.evtx;3 Lateral Movement/LM_wmi_PoisonHandler_Mr-Un1k0d3r_sysmon_1_13.evtx;3 Lateral Movement/LM_wmiexec_impacket_sysmon_whoami.evtx;3 Lateral Movement/smbmap_upload_exec_sysmon.evtx;1 Persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx;"
    check "pack: scheduled task rule" "$(grep '^f6513084' <<<"$got" | cut -d' ' -f3-)" \
        "Privilege Escalation/PrivEsc_SeImpersonatePriv_enabled_back_for_upnp_localsvc_4698.evtx"
    check "pack: nothing else fires" "$(grep -c -v -E '^(85005ba3|ebdd5f1b|f6513084)' <<<"$got")" "0"
    check "pack: every corpus log read" \
        "$(jq -c 'select(.type=="summary") | [.event_logs, .events, .errors]' "$TMP/pack")" "[277,8255,0]"
else
    echo "note: $A missing"
fi
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
