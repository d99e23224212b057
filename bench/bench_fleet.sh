#!/usr/bin/env bash
# bench_fleet.sh - what sweeping through Ansible costs over sweeping by hand:
# the playbook (deploy/ansible/sweep.yml) against three SSH targets on this
# machine (sshd in namespaces, tests/fleet/targets.bash), each sweeping its
# own tree, against the same three sweeps started locally at once with the
# same threads and rules. Prints both wall times and their ratio, per round.
# The package is installed before the first round, so the rounds measure the
# sweep and the report, not dpkg. Needs root and the .deb (make deb).
# The default trees (about 3,200 files, all from packages every Debian has:
# linux-libc-dev, perl, tzdata) keep a round to a minute or two on a 2-core
# machine; the earlier default (/usr/include, perl5, python3: 42,861 files)
# never finished there. Pass bigger TREES for a fleet-sized figure.
# Usage: VIGIL_BUILD=build bench/bench_fleet.sh  (ROUNDS=3, TREES="A B C")
set -euo pipefail
build=$(cd "${VIGIL_BUILD:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-3}
read -r -a trees <<< "${TREES:-/usr/include/linux /usr/share/perl5 /usr/share/zoneinfo}"
deb=$(ls "$build"/deb/vigil_*.deb 2> /dev/null | head -1)
[ -n "$deb" ] || { echo "bench_fleet: no .deb in $build/deb (make deb)"; exit 1; }
tmp=$(mktemp -d /tmp/vigil-bench-fleet.XXXXXX)
. "$root/tests/fleet/targets.bash"
trap 'fleet_stop; apt-get purge -y -qq vigil > /dev/null 2>&1; rm -rf "$tmp"' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" > /dev/null
fleet_setup "$tmp/fleet"
specs=()
for i in 0 1 2; do
    fleet_start "host$i" "${trees[$i]}"
    specs+=("host$i:$FLEET_PORT")
done
fleet_inventory "$tmp/inventory" "${specs[@]}"
cat >> "$tmp/inventory" <<INV
vigil_paths=["$tmp/fleet/sweep"]
vigil_threads=1
vigil_results_dir=$tmp/results
vigil_controller_bin=$build/vigil
vigil_report_formats=["jsonl"]
INV
export LC_ALL=C.UTF-8 ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$tmp/al"
now() { date +%s.%N; }
echo "trees: ${trees[*]} ($(find "${trees[@]}" -type f | wc -l) files)"
for r in $(seq 1 "$rounds"); do
    rm -rf "$tmp/results"
    t0=$(now)
    ansible-playbook -i "$tmp/inventory" "$root/deploy/ansible/sweep.yml" > "$tmp/playbook.log" 2>&1 ||
        { tail -20 "$tmp/playbook.log"; exit 1; }
    t1=$(now)
    sweeps=()
    for i in 0 1 2; do
        /usr/bin/vigil scan -q -j 1 -f jsonl -o "$tmp/local$i.jsonl" "${trees[$i]}" 2> /dev/null &
        sweeps+=($!)
    done
    # these three only: a bare `wait` would also wait for the sshd targets
    for p in "${sweeps[@]}"; do wait "$p" || true; done
    t2=$(now)
    awk -v r="$r" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
        printf "round %d: playbook %.2f s, three local sweeps %.2f s, fleet overhead %.2fx\n", r, b - a, c - b, (b - a) / (c - b) }'
done
