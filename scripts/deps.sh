#!/usr/bin/env bash
# deps.sh - installs vigil's build and test dependencies from Debian packages.
# Runs apt-get only for what is missing, so a prepared machine needs no root.
set -euo pipefail
PKGS=(build-essential pkg-config
      libyara-dev libhyperscan-dev libpcre2-dev libssl-dev libarchive-dev libjansson-dev libyaml-dev zlib1g-dev
      libxml2-dev libidn2-dev ripgrep
      libscca-dev liblnk-dev libscca-utils liblnk-utils
      libhivex-dev libhivex-bin libwin-hivex-perl
      yara clang libclang-rt-14-dev cppcheck clang-tidy clang-format hyperfine
      zip unzip p7zip-full jq util-linux xz-utils bzip2 gzip tar time libevtx-utils
      scdoc debhelper dpkg-dev fakeroot lintian man-db binutils
      ansible openssh-server openssh-client python3
      unbound bind9-utils bind9-dnsutils nftables squid dnsmasq-base publicsuffix
      xxd chromium
      libtsk-dev sleuthkit libewf-dev libbfio-dev ewf-tools ntfs-3g qemu-utils e2fsprogs fuse3)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#PKGS[@]} packages present"
    exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# another apt (a parallel job, unattended upgrades) may hold the lock: wait
$SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=900 "${missing[@]}" >/dev/null
echo "deps: done"
