#!/usr/bin/env bash
# mkarchive.sh - checks the mkarchive test tool against the system's own
# archivers, so that the end-to-end tests built on it start from archives
# known to be right (names, bytes, password, bomb size).
source "$(dirname "$0")/lib.bash"
MK="$TOOLS/mkarchive"
cd "$TMP" || exit 1
printf 'alpha\n' > a.txt
head -c 70000 /dev/zero | tr '\0' 'z' > b.bin

for fmt in tar.gz tar.bz2 tar.xz; do
    "$MK" "$fmt" "t.$fmt" a.txt=a.txt dir/b.bin=b.bin
    expect_eq "$fmt exit" "$?" 0
    expect_eq "$fmt names" "$(tar -tf "t.$fmt" | tr '\n' ' ')" "a.txt dir/b.bin "
    expect_eq "$fmt bytes" "$(tar -xOf "t.$fmt" dir/b.bin | cmp - b.bin && echo same)" same
done

if command -v unzip >/dev/null; then
    "$MK" zip t.zip a.txt=a.txt dir/b.bin=b.bin
    expect_eq "zip names" "$(unzip -Z1 t.zip | tr '\n' ' ')" "a.txt dir/b.bin "
    expect_eq "zip bytes" "$(unzip -p t.zip a.txt)" alpha
    "$MK" zip p.zip --password infected s.txt=a.txt
    expect_eq "zip password" "$(unzip -P infected -p p.zip s.txt)" alpha
    unzip -P wrong -p p.zip s.txt >/dev/null 2>&1
    expect_eq "zip wrong password fails" "$?" 82
    "$MK" bomb bomb.zip 3
    expect_eq "bomb expanded size" "$(unzip -Zt bomb.zip | awk '{print $3}')" 3145728
    expect_eq "bomb is small" "$([ "$(stat -c %s bomb.zip)" -lt 10000 ] && echo yes)" yes
else
    echo "note: unzip not installed; zip checks skipped"
fi

if command -v 7z >/dev/null; then
    "$MK" 7z t.7z a.txt=a.txt dir/b.bin=b.bin
    expect_eq "7z names" "$(7z l -slt t.7z | sed -n 's/^Path = //p' | tail -n +2 | tr '\n' ' ')" \
        "a.txt dir/b.bin "
    expect_eq "7z bytes" "$(7z x -so t.7z a.txt 2>/dev/null)" alpha
else
    echo "note: 7z not installed; 7z checks skipped"
fi

"$MK" gz a.txt.gz x=a.txt
expect_eq "gz bytes" "$(gzip -dc a.txt.gz)" alpha

"$MK" gz two.gz x=a.txt y=a.txt 2>/dev/null
expect_eq "gz takes one member" "$?" 2
"$MK" rar t.rar x=a.txt 2>/dev/null
expect_eq "unknown format" "$?" 2
"$MK" tar.gz t2.tar.gz x=missing-file 2>/dev/null
expect_eq "missing input" "$?" 1
finish
