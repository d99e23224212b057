#!/usr/bin/env bash
# run.sh - checks the Debian packages `make deb` built: lintian finds no
# error, they install with apt like any Debian package, the installed
# command has its man pages, finds its bundled pack and sweeps /usr/bin, and
# a program builds against libvigil-dev with pkg-config. The packages are
# purged again at the end, so the machine is left as it was.
# Usage: tests/package/run.sh BUILD_DIR   (make check-package)
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
export VIGIL_BUILD="$build" VIGIL_ROOT="$root"
. "$root/tests/e2e/lib.bash"
debs=("$build"/deb/vigil_*.deb "$build"/deb/libvigil0_*.deb "$build"/deb/libvigil-dev_*.deb)
for d in "${debs[@]}"; do
    expect_eq "built $(basename "$d")" "$([ -f "$d" ] && echo yes)" "yes"
done
lintian --fail-on error --suppress-tags initial-upload-closes-no-bugs "$build"/deb/*.changes > "$TMP/lintian" 2>&1
rc=$?
cat "$TMP/lintian"
expect_eq "lintian: no errors" "$rc" "0"

if dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q 'install ok installed'; then
    echo "note: a vigil package was installed before; it is replaced and purged at the end"
fi
trap 'apt-get purge -y -qq vigil libvigil-dev libvigil0 > /dev/null 2>&1; chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${debs[@]}" > "$TMP/apt" 2>&1
rc=$?
[ "$rc" -eq 0 ] || tail -20 "$TMP/apt"
expect_eq "apt install ./vigil_*.deb" "$rc" "0"
expect_eq "/usr/bin/vigil installed" "$(command -v vigil)" "/usr/bin/vigil"
expect_eq "vigil version" "$(/usr/bin/vigil version)" "vigil $(sed -n 's/^#define VIGIL_VERSION "\(.*\)"/\1/p' "$root/include/vigil/vigil.h")"
for page in vigil vigil-scan vigil-logs vigil-rules vigil-iocs vigil-evtx vigil-connections vigil-quarantine vigil-report; do
    expect_eq "man -w $page" "$(man -w "$page" 2>/dev/null)" "/usr/share/man/man1/$page.1.gz"
done
expect_eq "man vigil-scan renders" "$(MANPAGER=cat man vigil-scan 2>/dev/null | grep -cE -- '^ +--max-size SIZE$')" "1"
expect_eq "bash completion installed" "$([ -f /usr/share/bash-completion/completions/vigil ] && echo yes)" "yes"
expect_eq "completion offers scan options" \
    "$(bash -c '. /usr/share/bash-completion/completions/vigil; COMP_WORDS=(vigil scan --max-s); COMP_CWORD=2; _vigil; echo "${COMPREPLY[*]}"')" "--max-size --max-strings"
/usr/bin/vigil rules stats -f jsonl > "$TMP/stats" 2> "$TMP/stats.err"
expect_eq "installed vigil loads its pack from /usr/share/vigil" "$(jq -r '.yara > 0' "$TMP/stats")" "true"
XDG_CACHE_HOME="$TMP/cache" /usr/bin/vigil scan -q -f jsonl -o "$TMP/usrbin.jsonl" /usr/bin 2> "$TMP/usrbin.err"
rc=$?
expect_eq "vigil scan /usr/bin runs (exit 0 or 1)" "$([ "$rc" -le 1 ] && echo yes || echo "exit $rc")" "yes"
expect_eq "vigil scan /usr/bin wrote its summary" "$(tail -1 "$TMP/usrbin.jsonl" | jq -r '.type')" "summary"
cc -o "$TMP/example" "$root/examples/sweep_with_rule.c" $(pkg-config --cflags --libs vigil) 2> "$TMP/cc"
expect_eq "example builds against libvigil-dev" "$?" "0"
expect_eq "example uses the installed libvigil.so.0" "$(ldd "$TMP/example" | grep -cE 'libvigil.so.0 => /(usr/)?lib/')" "1"
mkdir -p "$TMP/tree"
printf 'xxPLANTEDxx' > "$TMP/tree/marker.bin"
expect_eq "example finds the marker" \
    "$("$TMP/example" 'rule planted_marker { strings: $a = "PLANTED" condition: $a }' "$TMP/tree")" \
    "$TMP/tree/marker.bin	planted_marker	75"
finish
