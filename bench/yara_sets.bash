# yara_sets.bash - the whole public YARA rule sets the yara benchmarks load
# (sourced by bench_yara_fullsets.sh and bench_yara_load.sh, not run), so
# both time exactly the same rules, loaded the same way by yara and vigil.
#
# Sets: elastic (the Elastic rules), sigbase (the corpus signature-base
# rules) and both. Needs $corpus; defines ELASTIC and SIGBASE (the rule
# directories), EXT_FILES (signature-base files whose rules read external
# variables) and EXT (yara's -d definitions of the external variables vigil
# defines, so that the rules reading them compile).
# shellcheck shell=bash disable=SC2034 # the variables are the sourcing script's

ELASTIC=${corpus:?}/elastic-yara/yara/rules
SIGBASE=$corpus/signature-base/yara
EXT_FILES=(thor_inverse_matches.yar yara_mixed_ext_vars.yar)
EXT=(-d filename= -d filepath= -d extension= -d filetype= -d owner= -d md5=)

# yara_sets_check NAME: exits with a message naming the script when the
# corpus rules, yara or /usr/bin/time are missing.
yara_sets_check() {
    [ -x /usr/bin/time ] || { echo "$1: /usr/bin/time missing (Debian package time)"; exit 1; }
    command -v yara > /dev/null || { echo "$1: yara missing"; exit 1; }
    if [ ! -d "$ELASTIC" ] || [ ! -d "$SIGBASE" ]; then
        echo "$1: corpus rules missing"
        exit 1
    fi
}

# set_files SET: the set's rule files, one a line, sorted.
set_files() {
    case $1 in
    elastic) find "$ELASTIC" -name '*.yar' | sort ;;
    sigbase) find "$SIGBASE" -maxdepth 1 -name '*.yar' | sort ;;
    both) { find "$ELASTIC" -name '*.yar'; find "$SIGBASE" -maxdepth 1 -name '*.yar'; } | sort ;;
    esac
}

# set_dirs SET: the directories vigil is given with -r for the set.
set_dirs() {
    case $1 in
    elastic) echo "$ELASTIC" ;;
    sigbase) echo "$SIGBASE" ;;
    both) echo "$ELASTIC $SIGBASE" ;;
    esac
}

# set_args SET [skip-ext]: fills the arrays `files` (set_files), `yargs`
# (yara's NAMESPACE:FILE arguments, each file its own namespace named after
# its base name, as vigil loads them) and `vrules` (vigil's -r arguments).
# With skip-ext 1, yargs leaves out EXT_FILES (for comparing findings: the
# rules that read external variables are left aside, as in
# tests/conformance/check_yara_parity.sh).
set_args() {
    local set=$1 skip_ext=${2:-0} f b d
    mapfile -t files < <(set_files "$set")
    yargs=()
    for f in "${files[@]}"; do
        b=${f##*/} # no basename/tr per file: thousands of forks on a loaded machine
        if [ "$skip_ext" = 1 ]; then
            case " ${EXT_FILES[*]} " in *" $b "*) continue ;; esac
        fi
        yargs+=("${b//[^A-Za-z0-9_.]/_}:$f")
    done
    vrules=()
    for d in $(set_dirs "$set"); do vrules+=(-r "$d"); done
}
