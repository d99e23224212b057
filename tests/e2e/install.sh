#!/usr/bin/env bash
# install.sh - `make install` puts the command, the library, the headers and
# the bundled rules where an installed vigil finds them: `vigil rules stats`
# from the installed tree loads the pack without --rules.
set -u
. "$(dirname "$0")/lib.bash"
make -s -C "$VIGIL_ROOT" install BUILD="$VIGIL_BUILD" DESTDIR="$TMP/root" PREFIX=/usr/local > "$TMP/log" 2>&1
expect_eq "make install exit 0" "$?" "0"
for f in bin/vigil lib/libvigil.a include/vigil/vigil.h share/vigil/rules/cloudhopper share/vigil/data/sigma/logsources.yml; do
    expect_eq "installed $f" "$([ -e "$TMP/root/usr/local/$f" ] && echo yes)" "yes"
done
"$TMP/root/usr/local/bin/vigil" rules stats -f jsonl > "$TMP/stats" 2> /dev/null
expect_eq "installed vigil finds the pack" "$(jq -r '.yara > 0' "$TMP/stats")" "true"
finish
