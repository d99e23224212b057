#!/usr/bin/env bash
# logs_progress.sh - `vigil logs` draws a progress line (percentage of the
# pre-counted bytes, files, bytes read, rate) on a terminal, and never in a
# file or a pipe or with -q; the hits are exactly the same either way.
# script(1) from util-linux gives vigil a pseudo-terminal: everything vigil
# writes to it lands in the typescript file.
set -u
. "$(dirname "$0")/lib.bash"

if ! command -v script > /dev/null; then
    echo "skip: script(1) (util-linux) is not installed"
    finish
    exit
fi
I=$TMP/intel; L=$TMP/logs
mkdir -p "$I" "$L/sub"
printf 'evil-c2.example\n198.51.100.23\n' > "$I/c2.txt"
{
    for i in $(seq 1 2000); do echo "Jun  1 10:00:00 host app[$i]: fetched www.example.org/$i"; done
    echo "Jun  1 10:00:01 host app[1]: connecting to a.evil-c2.example:443"
} > "$L/syslog"
printf 'x\nDROP SRC=198.51.100.23 DST=10.0.0.1\nDROP SRC=198.51.100.230\n' > "$L/sub/fw.log"
gzip -c "$L/syslog" > "$L/sub/old.log.gz"
want=$(printf '%s\n' "syslog:2001 evil-c2.example" "sub/fw.log:2 198.51.100.23" \
    "sub/old.log.gz:2001 evil-c2.example" | sort)
hits() { jq -r 'select(.type=="log_hit") | "\(.path | sub(".*/logs/"; "")):\(.line) \(.indicator)"' "$1" | sort; }
q() { printf '%q ' "$@"; }

# on a terminal: stderr (and stdout) are the pty, the hits go to a file
script -qefc "$(q "$VIGIL" logs -f jsonl -o "$TMP/tty.jsonl" -r "$I/c2.txt" "$L")" "$TMP/tty.typescript" > /dev/null 2>&1
expect_eq "tty: hits exit 1" "$?" "1"
expect_eq "tty: exactly the planted lines" "$(hits "$TMP/tty.jsonl")" "$want"
# the line: "NN%  N files  SIZE  RATE/s  PATH", drawn after a carriage return
# and erased (ESC [ K) before the summary
if grep -aqE $'\r\e\\[K[0-9]{1,2}%  [0-9]+ files  [0-9.]+ [KMG]?i?B' "$TMP/tty.typescript"; then
    ok "tty: progress line with a percentage"
else
    bad "tty: progress line with a percentage" "$(cat -v "$TMP/tty.typescript" | head -5)"
fi
# what the terminal shows in the end: each line from its last "\r ESC [ K"
visible() { sed -e 's/\r$//' -e 's/.*\r\x1b\[K//' "$1"; }
expect_eq "tty: the line is erased at the end" "$(visible "$TMP/tty.typescript" | grep -c 'B/s  ')" "0"

# -q on a terminal: no line
script -qefc "$(q "$VIGIL" logs -q -f jsonl -o "$TMP/quiet.jsonl" -r "$I/c2.txt" "$L")" "$TMP/quiet.typescript" > /dev/null 2>&1
expect_eq "tty -q: exit 1" "$?" "1"
expect_eq "tty -q: no progress line" "$(grep -ac $'\e\\[K' "$TMP/quiet.typescript")" "0"
expect_eq "tty -q: the same hits" "$(hits "$TMP/quiet.jsonl")" "$want"

# piped and into files: never a progress line, the same hits
"$VIGIL" logs -f jsonl -r "$I/c2.txt" "$L" 2>&1 | cat > "$TMP/pipe.out"
expect_eq "pipe: no progress line" "$(grep -ac $'\r\\|\e\\[K\\|files  ' "$TMP/pipe.out")" "0"
expect_eq "pipe: the same hits" "$(hits "$TMP/pipe.out")" "$want"
"$VIGIL" logs -f jsonl -o "$TMP/file.jsonl" -r "$I/c2.txt" "$L" 2> "$TMP/file.err"
expect_eq "file: exit 1" "$?" "1"
expect_eq "file: no progress line" "$(grep -ac $'\r\\|\e\\[K' "$TMP/file.err")" "0"
expect_eq "file: the same hits" "$(hits "$TMP/file.jsonl")" "$want"

# text hits on the terminal itself: every hit line starts on its own line,
# never after a progress line
script -qefc "$(q "$VIGIL" logs --color never -r "$I/c2.txt" "$L")" "$TMP/text.typescript" > /dev/null 2>&1
expect_eq "tty text: exit 1" "$?" "1"
expect_eq "tty text: the progress line is erased" "$(visible "$TMP/text.typescript" | grep -c 'B/s  ')" "0"
expect_eq "tty text: each hit on a line of its own" \
    "$(visible "$TMP/text.typescript" | grep -E '^/[^ ]*/logs/[^ ]+:[0-9]+: alert ' | sed 's/.*\/logs\///; s/: alert \([^ ]*\) .*/ \1/' | sort)" \
    "$want"
finish
