#!/usr/bin/env bash
# bench_finding_json.sh - the JSON line of a Sigma finding: cli/finding_line.c
# against jansson (the format's reference), 200,000 findings each way in the
# same process; CPU time per finding and the ratio (bench_finding_json.c).
set -uo pipefail
: "${VIGIL_BUILD:?}"
echo "load: $(uptime | sed 's/.*load average/load average/')"
"$VIGIL_BUILD/bench/bench_finding_json" 200000
