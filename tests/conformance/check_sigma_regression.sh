#!/usr/bin/env bash
# check_sigma_regression.sh - the 202 SigmaHQ regression tests through the
# command a user runs: `vigil scan -f jsonl -r RULE SAMPLE.evtx` must report
# the rule on as many events as the manifest says (an empty count means "at
# least once"). Why also JSON: SigmaHQ ships a JSON export of the same
# events beside each EVTX; matching it with tests/tools/sigma_match is a
# second check that the EVTX reader and the JSON reader give the Sigma
# engine the same events (both counts must agree).
set -uo pipefail
B=${VIGIL_BUILD:?}; R=${VIGIL_ROOT:?}; C=${VIGIL_CORPUS:?}
M="$C/_derived/sigma-regression.manifest.tsv"
VIGIL="$B/vigil"
TOOL="$B/tests/tools/sigma_match"
if [ ! -f "$M" ] || [ ! -x "$VIGIL" ] || [ ! -x "$TOOL" ]; then
    echo "note: manifest, vigil or sigma_match missing"; echo "0 passed, 0 failed"; exit 0
fi
# Counts disputed with the manifest, settled with the EVTX data: the manifest
# says 1, but the sample holds more distinct events (distinct EventRecordID,
# each satisfying the rule as the Sigma specification defines it: contains/
# endswith are case-insensitive, a list is an OR). These are asserted at
# the verified count instead:
#  0b9ad457 AnyDesk artefact: records 14985, 14988, 14990 (Sysmon 11) have
#    TargetFilename ...\AppData\Roaming\AnyDesk\user.conf.new / user.conf~RF..TMP
#    / user.conf.new, each containing '\AppData\Roaming\AnyDesk\user.conf' -> 3
#  8fbf3271 credential dump tools dropped: records 26359, 26366, 26373 create
#    ...\Downloads\procdump64.exe, procdump64a.exe, procdump.exe, each in the
#    endswith list -> 3
#  45e112d0 IE change domain zone: records 28344631-28344633 set
#    ...\ZoneMap\Domains\bad-domain.com\bad-subdomain\https, \http, \* (the rule
#    says \SOFTWARE\, the event Software: case-insensitive) to DWORD
#    (0x00000002), not in the filter -> 3
#  c7dcacd0 disable administrative share: records 28656599 (AutoShareServer) and
#    28656618 (AutoShareWks), both DWORD (0x00000000) -> 2
VERIFIED="0b9ad457-2554-44c1-82c2-d56a99c42377=3 8fbf3271-1ef6-4e94-8210-03c2317947f6=3
45e112d0-7759-4c2a-aa36-9f8fb79d3393=3 c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e=2"
MAP="$R/data/sigma/logsources.yml"
pass=0 fail=0 verified=0
while IFS=$'\t' read -r rule id evtx want _rest; do
    case "$rule" in '#'*|rule_path) continue ;; esac
    [ "$want" = - ] && want=""
    for v in $VERIFIED; do [ "${v%%=*}" = "$id" ] && { want=${v#*=}; verified=$((verified + 1)); }; done
    sample="$C/sigma/$evtx"
    if [ ! -f "$sample" ]; then
        echo "FAIL $id: no sample $sample"; fail=$((fail + 1)); continue
    fi
    got=$("$VIGIL" scan -q -f jsonl --sigma-mapping "$MAP" -r "$C/sigma/$rule" "$sample" 2>/dev/null |
          jq -r --arg id "$id" 'select(.type=="finding" and .kind=="sigma" and .rule_id==$id) | .record_id' |
          sort -u | wc -l)
    json="${sample%.evtx}.json"
    gotj=$got
    if [ -f "$json" ]; then
        gotj=$("$TOOL" --mapping "$MAP" --rules "$C/sigma/$rule" "$json" 2>/dev/null |
               grep -c "\"rule_id\":\"$id\"")
    fi
    if [ "$got" != "$gotj" ]; then
        echo "FAIL $id $rule: EVTX gives $got, its JSON export $gotj"; fail=$((fail + 1))
    elif { [ -z "$want" ] && [ "$got" -ge 1 ]; } || [ "$got" = "$want" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL $id $rule: got $got want ${want:->=1}"; fail=$((fail + 1))
    fi
done < <(sed -e 's/\t\t/\t-\t/g' "$M")
echo "info sigma regression via vigil scan: $pass of $((pass + fail)) match their samples" \
     "($verified at a count verified against the EVTX data instead of the manifest's)"
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
