#!/usr/bin/env bash
# trust_usage.sh - usage errors of every command: exact exit codes and
# first lines. A wrong command line gets what is wrong, the short usage
# and a --help hint (never the whole help, never a message twice); an
# invalid value lists the valid ones; `vigil help CMD`, `-V` and every
# --help exit 0 with the help on standard output.
set -u
. "$(dirname "$0")/lib.bash"

# run NAME WANT_RC WANT_STDERR [ARGS...]: exit code and the whole stderr.
run() {
    local name=$1 rc=$2 want=$3; shift 3
    "$VIGIL" "$@" > "$TMP/out" 2> "$TMP/err"
    expect_eq "$name: exit" "$?" "$rc"
    expect_eq "$name: stderr" "$(cat "$TMP/err")" "$want"
}
hint() { printf '%s\n%s\n%s' "$1" "$2" "Try 'vigil $3 --help' for more information."; }

run "unknown option" 2 "$(hint "vigil scan: unknown option '--bogus'" \
    'usage: vigil scan [options] [PATH...]' scan)" scan --bogus
run "unknown short option" 2 "$(hint "vigil scan: unknown option '-Z'" \
    'usage: vigil scan [options] [PATH...]' scan)" scan -Z
run "missing value" 2 "$(hint "vigil scan: option '--threads' needs a value" \
    'usage: vigil scan [options] [PATH...]' scan)" scan --threads
run "missing short value" 2 "$(hint "vigil scan: option '-j' needs a value" \
    'usage: vigil scan [options] [PATH...]' scan)" scan -j
run "bad format" 2 "vigil scan: invalid value for --format: 'xml' (valid: text, jsonl)" \
    scan -f xml
run "bad level" 2 "vigil scan: invalid value for --min-level: 'high' (valid: info, notice, warning, alert)" \
    scan --min-level high
run "bad color" 2 "vigil scan: invalid value for --color: 'yes' (valid: auto, always, never)" \
    scan --color=yes
run "bad threads" 2 "vigil scan: invalid value for --threads: 'x' (valid: 0 to 1024, 0 for every core)" \
    scan -j x
run "bad value escaped" 2 "vigil scan: invalid value for --format: 'a\\x1b]0;t\\x07' (valid: text, jsonl)" \
    scan -f $'a\e]0;t\a'
run "logs unknown option" 2 "$(hint "vigil logs: unknown option '--bogus'" \
    'usage: vigil logs [options] PATH...' logs)" logs --bogus
run "logs no path" 2 "$(hint 'vigil logs: no PATH given' 'usage: vigil logs [options] PATH...' logs)" logs
run "logs --proc" 2 "$(hint "vigil logs: option '--proc' is for vigil connections only" \
    'usage: vigil logs [options] PATH...' logs)" logs --proc /x /y
run "connections -j" 2 "$(hint "vigil connections: option '--threads' is for vigil logs only" \
    'usage: vigil connections [options]' connections)" connections -j 2
run "connections PATH" 2 "$(hint "vigil connections: unexpected argument 'x' (it takes no PATH)" \
    'usage: vigil connections [options]' connections)" connections x
run "rules no subcommand" 2 "$(hint 'vigil rules: no subcommand given (list or stats)' \
    'usage: vigil rules list|stats [options] [PATH...]' rules)" rules
run "rules bad subcommand" 2 "$(hint "vigil rules: unknown subcommand 'lst' (valid: list, stats)" \
    'usage: vigil rules list|stats [options] [PATH...]' rules)" rules lst
run "rules bad format" 2 "vigil rules: invalid value for --format: 'x' (valid: text, jsonl)" \
    rules list -f x
run "iocs bad subcommand" 2 "$(printf '%s\n%s\n%s\n%s' \
    "vigil iocs: unknown subcommand 'stat' (valid: stats, convert)" \
    'usage: vigil iocs stats [options] FILE...' \
    '       vigil iocs convert --to loki|stix|csv [-o OUT] [options] FILE...' \
    "Try 'vigil iocs --help' for more information.")" iocs stat
run "evtx no subcommand" 2 "$(hint 'vigil evtx: no subcommand given' \
    'usage: vigil evtx dump|count [--threads N] [--no-crc] FILE...' evtx)" evtx
run "evtx bad threads" 2 "$(hint "vigil evtx: invalid value for --threads (0 to 1024): 'x'" \
    'usage: vigil evtx dump|count [--threads N] [--no-crc] FILE...' evtx)" evtx dump --threads x f
run "unknown command" 2 "$(printf '%s\n%s\n%s' "vigil: unknown command 'sacn'" \
    'usage: vigil COMMAND [options] [ARGS]' "Try 'vigil --help' for the commands.")" sacn
run "no command" 2 "$(printf '%s\n%s\n%s' "vigil: no command given" \
    'usage: vigil COMMAND [options] [ARGS]' "Try 'vigil --help' for the commands.")"

# a missing rule path: the library's error only, not a second line
run "missing rules said once" 2 \
    "vigil: error: $TMP/none: cannot read rules: No such file or directory" \
    scan -q -r "$TMP/none" "$TMP"
run "missing evtx said once" 2 "vigil: error: $TMP/none.evtx: cannot open: No such file or directory" \
    evtx count "$TMP/none.evtx"

printf '{"type":"bundle", broken' > "$TMP/bad.json"
"$VIGIL" iocs stats "$TMP/bad.json" > /dev/null 2> "$TMP/err"
expect_eq "broken intel: exit 2" "$?" "2"
expect_eq "broken intel said once" "$(grep -c 'bad.json' "$TMP/err")" "1"

# help: exit 0, standard output, nothing on stderr
for args in "scan --help" "help scan" "logs -h" "help logs" "help connections" "rules --help" \
    "help rules" "iocs --help" "help iocs" "evtx --help" "evtx dump --help" "help evtx" "help" "--help"; do
    # shellcheck disable=SC2086
    run "$args" 0 "" $args
    first=$(head -1 "$TMP/out")
    case $first in usage:\ vigil*) ok "$args: usage on stdout" ;; *) bad "$args: usage on stdout" "$first" ;; esac
done
# the short usage of an error is the help's first lines
for c in scan logs connections rules evtx; do
    "$VIGIL" $c --bogus-option 2> "$TMP/err"
    expect_eq "$c: short usage is the help's first line" "$(sed -n 2p "$TMP/err")" \
        "$("$VIGIL" $c --help | head -1)"
done
"$VIGIL" iocs --bogus 2> "$TMP/err"
expect_eq "iocs: short usage is the help's first lines" "$(sed -n 2,3p "$TMP/err")" \
    "$("$VIGIL" iocs --help | head -2)"
expect_eq "help scan is scan --help" "$("$VIGIL" help scan)" "$("$VIGIL" scan --help)"
run "help unknown" 2 "$(printf '%s\n%s\n%s' "vigil: unknown command 'x'" \
    'usage: vigil COMMAND [options] [ARGS]' "Try 'vigil --help' for the commands.")" help x

# the version
for v in -V --version version; do
    run "$v" 0 "" "$v"
    expect_eq "$v prints the version" "$(grep -cE '^vigil [0-9]+\.[0-9]+\.[0-9]+' "$TMP/out")" "1"
done

finish
