# sigma_corpus.sh - the corpus bench_sigma.sh and bench_sigma_ir.sh measure,
# sourced by both so that their figures count the same work.
# Sets rules (-r DIR for each corpus Sigma rule directory there is) and
# files (every EVTX under $VIGIL_CORPUS/evtx-attack-samples, sorted).
rules=()
for d in rules rules-emerging-threats rules-threat-hunting; do
    [ -d "$VIGIL_CORPUS/sigma/$d" ] && rules+=(-r "$VIGIL_CORPUS/sigma/$d")
done
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$VIGIL_CORPUS/evtx-attack-samples" \
    -name '*.evtx' -print0 | sort -z)
