#!/usr/bin/env bash
# install.sh - `make install` puts the command, the library (static and
# shared), the headers, vigil.pc, the bundled rules, man pages and shell
# completions where an installed vigil and a program built with pkg-config
# find them; the shared library exports exactly the functions of the public
# headers; every option a subcommand's --help lists is in its man page; and
# `make uninstall` takes it all away again.
set -u
. "$(dirname "$0")/lib.bash"
root="$TMP/root"
prefix=/usr/local
# A make of its own: under `make check` MAKEFLAGS names the parent's
# jobserver descriptors, which are closed or reused in this process.
make_own() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"; }
make_own -s -C "$VIGIL_ROOT" install BUILD="$VIGIL_BUILD" DESTDIR="$root" PREFIX=$prefix > "$TMP/log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/make install: /' "$TMP/log" | tail -20 >&2
expect_eq "make install exit 0" "$rc" "0"
for f in bin/vigil lib/libvigil.a lib/libvigil.so lib/libvigil.so.0 lib/pkgconfig/vigil.pc \
    include/vigil/vigil.h share/vigil/rules/cloudhopper share/vigil/data/sigma/logsources.yml \
    share/bash-completion/completions/vigil share/zsh/vendor-completions/_vigil; do
    expect_eq "installed $f" "$([ -e "$root$prefix/$f" ] && echo yes)" "yes"
done
if command -v scdoc > /dev/null; then
    expect_eq "installed man page vigil-scan.1" "$([ -s "$root$prefix/share/man/man1/vigil-scan.1" ] && echo yes)" "yes"
else
    echo "skip: scdoc not installed, man pages not built (scripts/deps.sh installs it)"
fi
"$root$prefix/bin/vigil" rules stats -f jsonl > "$TMP/stats" 2> /dev/null
expect_eq "installed vigil finds the pack" "$(jq -r '.yara > 0' "$TMP/stats")" "true"

# The shared library: its SONAME, and exactly the public API exported.
so="$root$prefix/lib/libvigil.so.0"
expect_eq "SONAME" "$(objdump -p "$so" | awk '$1 == "SONAME" {print $2}')" "libvigil.so.0"
nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' | sed 's/@.*//' |
    sort -u > "$TMP/exported"
bash "$VIGIL_ROOT/scripts/public_symbols.sh" > "$TMP/public"
expect_eq "exported symbols = public header functions" "$(diff "$TMP/public" "$TMP/exported" && echo same)" "same"
expect_eq "public API is not empty" "$([ "$(wc -l < "$TMP/public")" -gt 50 ] && echo yes)" "yes"
expect_eq "an internal function is not exported" "$(grep -c '^vigil_sigma_prefilter_' "$TMP/exported")" "0"

# A program built with pkg-config against the installed library.
export PKG_CONFIG_PATH="$root$prefix/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs vigil)
expect_eq "pkg-config knows vigil" "$?" "0"
# a sanitizer build's library needs its runtime loaded first: build the
# example with the same sanitizers then
san=""
objdump -p "$so" | grep -q 'NEEDED.*libasan' && san="-fsanitize=address,undefined"
cc $san -o "$TMP/example" "$VIGIL_ROOT/examples/sweep_with_rule.c" $flags 2> "$TMP/cc.log"
expect_eq "example builds with pkg-config" "$?" "0"
expect_eq "example links the shared library" \
    "$(LD_LIBRARY_PATH="$root$prefix/lib" ldd "$TMP/example" | grep -c "libvigil.so.0 => $root")" "1"
mkdir -p "$TMP/tree/sub"
printf 'xxPLANTEDxx' > "$TMP/tree/sub/marker.bin"
printf 'nothing here' > "$TMP/tree/clean.txt"
out=$(LD_LIBRARY_PATH="$root$prefix/lib" "$TMP/example" 'rule planted_marker { strings: $a = "PLANTED" condition: $a }' "$TMP/tree")
rc=$?
expect_eq "example finds the marker" "$out" "$TMP/tree/sub/marker.bin	planted_marker	75"
expect_eq "example exit 1 on findings" "$rc" "1"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# Every option a subcommand's --help lists is in its man page source.
for cmd in scan rules evtx logs connections iocs quarantine report; do
    src="$VIGIL_ROOT/docs/man/vigil-$cmd.1.scd"
    help=$("$VIGIL" "$cmd" --help 2>&1)
    if [ ! -f "$src" ]; then
        # a subcommand the program has must have a page
        if printf '%s' "$help" | grep -q "^usage: vigil $cmd"; then bad "man page vigil-$cmd" "missing"; fi
        continue
    fi
    page=$(awk -v d="$VIGIL_ROOT/docs/man/" '/^%include /{ while ((getline l < (d $2)) > 0) print l; next } { print }' "$src")
    missing=""
    for opt in $(printf '%s\n' "$help" | grep -oE -- '(^|[ ,[])--[a-z0-9][a-z0-9-]*' | tr -d ' ,[' | sort -u); do
        printf '%s' "$page" | grep -qF -- "$opt" || missing="$missing $opt"
    done
    expect_eq "vigil-$cmd(1) has every --help option" "$missing" ""
done
expect_eq "vigil(1) names every command" \
    "$(for c in scan rules evtx logs connections iocs quarantine report; do grep -q "^\*$c\*" "$VIGIL_ROOT/docs/man/vigil.1.scd" || echo "$c"; done)" ""

make_own -s -C "$VIGIL_ROOT" uninstall BUILD="$VIGIL_BUILD" DESTDIR="$root" PREFIX=$prefix > "$TMP/log" 2>&1
expect_eq "make uninstall exit 0" "$?" "0"
expect_eq "uninstall leaves no files" "$(find "$root" -type f -o -type l | sed "s|$root||")" ""
finish
