#!/usr/bin/env bash
# check_yara_parity_elastic.sh - check_yara_parity.sh with the 3,000 Elastic
# rules (corpus elastic-yara): their regular expressions, base64 strings and
# short hex runs are what the literal gate derives literals from
# (src/yara/yara_gate_atom.c), so findings must stay exactly yara's on the
# generated files (each rule's strings, filesize bounds with right and
# almost-right magic) and the Debian directories. Skips cleanly without the
# corpus.
set -u
corpus=${VIGIL_CORPUS:?}; root=${VIGIL_ROOT:?}
rules=$corpus/elastic-yara/yara/rules
if [ ! -d "$rules" ]; then
    echo "info $rules missing: Elastic parity skipped"
    echo "0 passed, 0 failed"
    exit 0
fi
# the Elastic rules test few filesize bounds: the bound files need not be many
VIGIL_PARITY_RULES=$rules VIGIL_PARITY_MIN_BOUNDS=-1 exec bash "$root/tests/conformance/check_yara_parity.sh"
