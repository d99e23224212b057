#!/usr/bin/env bash
# run.sh - the fleet sweep for real: five SSH targets on this machine (each
# an sshd in its own mount and UTS namespace, its own host name and planted
# files over one sweep path, see targets.bash) and a sixth inventory entry
# that nobody answers. Debian's Ansible runs deploy/ansible/sweep.yml with
# the .deb from `make deb`; the merged report must hold exactly each host's
# planted findings under that host's name, and the unreachable, failed
# (vigil exit 2) and timed-out hosts as such. Everything started is stopped.
# Usage: tests/fleet/run.sh BUILD_DIR   (make check-fleet)
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
export VIGIL_BUILD="$build" VIGIL_ROOT="$root"
. "$root/tests/e2e/lib.bash"
. "$root/tests/fleet/targets.bash"
for tool in ansible-playbook unshare /usr/sbin/sshd ssh-keygen; do
    command -v "$tool" > /dev/null || { echo "fleet: $tool missing (scripts/deps.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
done
deb=$(ls "$build"/deb/vigil_*.deb 2> /dev/null | head -1)
[ -n "$deb" ] || { echo "fleet: no .deb in $build/deb (make deb)"; echo "0 passed, 1 failed"; exit 1; }
trap 'fleet_stop; apt-get purge -y -qq vigil > /dev/null 2>&1; chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT

fleet_setup "$TMP/fleet"
mkdir -p "$TMP/rules"
cat > "$TMP/rules/fleet.yar" <<'YAR'
rule fleet_planted
{
    meta:
        description = "a marker the fleet test plants"
        score = 90
    strings:
        $a = "VIGIL-FLEET-PLANTED-MARKER"
    condition:
        $a
}
YAR
plant() { mkdir -p "$(dirname "$1")"; printf 'MZ..VIGIL-FLEET-PLANTED-MARKER..%s' "$1" > "$1"; }
for h in alpha bravo charlie echo foxtrot; do mkdir -p "$TMP/trees/$h"; printf 'clean file\n' > "$TMP/trees/$h/readme.txt"; done
plant "$TMP/trees/alpha/ProgramData/alpha-implant.dll"
plant "$TMP/trees/bravo/Users/admin/AppData/Local/Temp/b1.exe"
plant "$TMP/trees/bravo/Windows/Temp/b2.dll"
plant "$TMP/trees/charlie/inetpub/wwwroot/c.aspx"
plant "$TMP/trees/echo/e.dll"
declare -A port
for h in alpha bravo charlie echo foxtrot; do
    fleet_start "$h" "$TMP/trees/$h" || { echo "0 passed, 1 failed"; exit 1; }
    port[$h]=$FLEET_PORT
done
dead=$(fleet_free_port)
sweep="$TMP/fleet/sweep"
fleet_inventory "$TMP/inventory" \
    "alpha:${port[alpha]}" "bravo:${port[bravo]}" "charlie:${port[charlie]}" \
    "echo:${port[echo]}:vigil_max_runtime=0.05" \
    "foxtrot:${port[foxtrot]}:vigil_paths='[\"$sweep\",\"$sweep/no-such-dir\"]'" \
    "delta:$dead"
cat >> "$TMP/inventory" <<INV
vigil_deb=$deb
vigil_rules=["$TMP/rules"]
vigil_paths=["$sweep"]
vigil_threads=1
vigil_results_dir=$TMP/results
vigil_controller_bin=$build/vigil
INV
LC_ALL=C.UTF-8 ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False \
    ANSIBLE_LOCAL_TEMP="$TMP/ansible-local" ANSIBLE_REMOTE_TEMP=/tmp/.vigil-fleet-ansible \
    ansible-playbook -i "$TMP/inventory" "$root/deploy/ansible/sweep.yml" > "$TMP/playbook.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || tail -40 "$TMP/playbook.log"
expect_eq "ansible-playbook exit 0 (host failures are results)" "$rc" "0"
report="$TMP/results/report.jsonl"
for f in report.jsonl report.csv report.html; do
    expect_eq "merged $f written" "$([ -s "$TMP/results/$f" ] && echo yes)" "yes"
done
findings() { jq -r --arg h "$1" 'select(.type == "finding" and .host == $h) | "\(.rule) \(.path)"' "$report" | sort; }
expect_eq "alpha: its planted finding" "$(findings alpha)" "fleet_planted $sweep/ProgramData/alpha-implant.dll"
expect_eq "bravo: its two planted findings" "$(findings bravo)" \
"fleet_planted $sweep/Users/admin/AppData/Local/Temp/b1.exe
fleet_planted $sweep/Windows/Temp/b2.dll"
expect_eq "charlie: its planted finding" "$(findings charlie)" "fleet_planted $sweep/inetpub/wwwroot/c.aspx"
expect_eq "no finding under another host name" \
    "$(jq -r 'select(.type == "finding") | .host' "$report" | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" \
    "alpha:1 bravo:2 charlie:1 "
status() { jq -r --arg h "$1" 'select(.type == "host_status" and .host == $h) | .status' "$report"; }
expect_eq "alpha ok" "$(status alpha)" "ok"
expect_eq "delta unreachable" "$(status delta)" "unreachable"
expect_eq "echo timed out" "$(status echo)" "timeout"
expect_eq "foxtrot failed (vigil exit 2)" "$(status foxtrot)" "error"
expect_eq "foxtrot's exit code kept" \
    "$(jq -r 'select(.type == "host_status" and .host == "foxtrot") | .exit_code' "$report")" "2"
expect_eq "html names every host" \
    "$(for h in alpha bravo charlie delta echo foxtrot; do grep -q "$h" "$TMP/results/report.html" || echo "$h"; done)" ""
finish
