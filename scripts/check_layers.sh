#!/bin/bash
# check_layers.sh - fails when an include goes up or sideways in the stack of
# src/ folders, or a private header is used outside its folder.
#
# Why a check and not a convention: the layering (docs/architecture.md) is
# what lets a newcomer read one folder knowing only those below it; a single
# "quick" include of an upper folder undoes that silently. Rules:
#   - src/F/*.c|h may include "G/x.h" only when G is F or G sits in a lower
#     layer than F (LAYERS below, bottom first); "vigil/x.h" (the public
#     API) is allowed everywhere;
#   - a header named *_internal.h is private: only files of its own folder
#     may include it;
#   - includes name their folder ("core/arena.h", not "arena.h"), and no
#     other private-header spelling (_int.h, _priv.h) exists;
#   - cli/ (the command) uses the public API only: "vigil/x.h" and its own
#     headers;
#   - every src/ folder is in LAYERS, so a new folder has to be placed.
# tests/, fuzz/ and bench/ are white-box and may include anything.
# Usage: scripts/check_layers.sh [ROOT]   (exit 0 clean, 1 violations)
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2

# Bottom first; folders on one line form one layer and may not include each
# other. A folder may include any folder of a lower line.
LAYERS=(
    "core"
    "archive image registry winart events quarantine intel yara ioc"
    "sigma netioc"
    "engine"
    "sweep"
    "logs net"
)

declare -A rank
for i in "${!LAYERS[@]}"; do
    for f in ${LAYERS[$i]}; do rank[$f]=$i; done
done

bad=0
checked=0
fail() { echo "check_layers: $*" >&2; bad=$((bad + 1)); }

for d in src/*/; do
    d=${d%/}; d=${d#src/}
    [ -n "${rank[$d]+x}" ] || fail "src/$d/ is in no layer: add it to LAYERS in scripts/check_layers.sh and docs/architecture.md"
done

for f in src/*/*.c src/*/*.h; do
    [ -e "$f" ] || continue
    case "$f" in *_int.h|*_priv.h) fail "$f: private headers are named *_internal.h" ;; esac
    d=${f#src/}; d=${d%%/*}
    me=${rank[$d]:-}
    [ -n "$me" ] || continue
    while IFS=: read -r line inc; do
        checked=$((checked + 1))
        case "$inc" in
        vigil/*) continue ;;
        */*) ;;
        *) fail "$f:$line: include \"$inc\" without its folder (write \"$d/$inc\")"; continue ;;
        esac
        g=${inc%%/*}
        if [ ! -e "src/$inc" ]; then
            fail "$f:$line: \"$inc\" is not a header under src/"
            continue
        fi
        case "$inc" in
        *_internal.h) [ "$g" = "$d" ] || fail "$f:$line: \"$inc\" is private to src/$g/" ;;
        esac
        [ "$g" = "$d" ] && continue
        them=${rank[$g]:-}
        if [ -z "$them" ]; then
            fail "$f:$line: \"$inc\": src/$g/ is in no layer"
        elif [ "$them" -ge "$me" ]; then
            if [ "$them" -eq "$me" ]; then
                fail "$f:$line: \"$inc\" goes sideways ($d and $g are one layer)"
            else
                fail "$f:$line: \"$inc\" goes up (src/$g/ is above src/$d/)"
            fi
        fi
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
        sed -E 's/^([0-9]+):[^"]*"([^"]*)".*/\1:\2/')
done

for f in cli/*.c cli/*.h; do
    [ -e "$f" ] || continue
    while IFS=: read -r line inc; do
        checked=$((checked + 1))
        case "$inc" in
        vigil/*) ;;
        */*) fail "$f:$line: \"$inc\": the command uses the public API (vigil/*.h) only" ;;
        *) [ -e "cli/$inc" ] || fail "$f:$line: \"$inc\" is not a header of cli/" ;;
        esac
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
        sed -E 's/^([0-9]+):[^"]*"([^"]*)".*/\1:\2/')
done

if [ "$bad" -ne 0 ]; then
    echo "check_layers: $bad violation(s) in $checked includes (see docs/architecture.md)" >&2
    exit 1
fi
echo "check_layers: $checked includes follow the layers"
