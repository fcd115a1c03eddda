#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds (once) the debugging guest kernel: Debian's linux-source-6.1,
# "allnoconfig" plus debug.config (KASAN, lockdep, kmemleak, UBSAN, debug
# objects, ...). The result is cached under
#   CACHE/debug/<key>/            key = package version + sha256 of debug.config
#     linux/                      the configured and built tree (for M= builds)
#     kernels/<release>/vmlinuz   laid out like prepare.sh's stock kernels, so
#     kernels/<release>/root/lib/modules/<release>   boot.sh boots it unchanged
# and a repeated run with the same key does nothing. Prints the key's
# directory on the last line of stdout.
#
#   build-kernel.sh CACHE
#   build-kernel.sh --cached CACHE   only prints the directory if the kernel
#                                    is already built; exits 1 otherwise,
#                                    installing and building nothing
set -euo pipefail

cached_only=0
if [ "${1:-}" = --cached ]; then
	cached_only=1
	shift
fi
cache=${1:?usage: build-kernel.sh [--cached] CACHE}
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz

if [ $cached_only = 1 ]; then
	pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || exit 1
	dir=$cache/debug/$pkgver-$(sha256sum "$frag" | cut -c1-12)
	[ -f "$dir/.done" ] || exit 1
	echo "$dir"
	exit 0
fi

if ! dpkg-query -W -f='${Status}\n' linux-source-6.1 2>/dev/null | grep -q 'ok installed'; then
	echo "debug-kernel: installing linux-source-6.1 and the kernel build deps" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends linux-source-6.1 bc flex \
		bison libelf-dev libssl-dev >/dev/null
fi
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$pkgver-$(sha256sum "$frag" | cut -c1-12)
dir=$cache/debug/$key

# One build at a time per cache (two runs would share the tree).
mkdir -p "$cache/debug"
exec 9>"$cache/debug/.lock"
flock 9

if [ -f "$dir/.done" ]; then
	echo "debug-kernel: reusing $dir" >&2
	echo "$dir"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
start=$(date +%s)
echo "debug-kernel: unpacking linux-source-6.1 $pkgver" >&2
tar -C "$dir" -xf "$tarball"
mv "$dir/linux-source-6.1" "$dir/linux"
tree=$dir/linux

# ARCH=x86_64 on every make: with ARCH=x86, allnoconfig silently gives a
# 32-bit kernel (64BIT is one of the symbols it turns off).
mk() { make -C "$tree" ARCH=x86_64 "$@"; }
mk -s allnoconfig
(cd "$tree" && ARCH=x86_64 ./scripts/kconfig/merge_config.sh -m .config "$frag") >/dev/null
mk -s olddefconfig
# merge_config only warns about a symbol that did not stick (a missing
# dependency); here that is an error, or the debug kernel is quietly less so.
bad=0
while IFS='=' read -r k v; do
	got=$(sed -n "s/^$k=//p" "$tree/.config")
	if [ "$got" != "$v" ]; then
		echo "debug-kernel: $k=$v did not stick (got '${got:-unset}')" >&2
		bad=1
	fi
done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$frag")
[ $bad -eq 0 ] || exit 1

echo "debug-kernel: building bzImage and modules (make -j${WG_JOBS:-2})" >&2
mk -s -j"${WG_JOBS:-2}" bzImage modules >"$dir/build.log" 2>&1 ||
	{ tail -n 40 "$dir/build.log" >&2; exit 1; }
rel=$(mk -s kernelrelease)
kdir=$dir/kernels/$rel
mkdir -p "$kdir/root"
mk -s modules_install INSTALL_MOD_PATH="$kdir/root" >>"$dir/build.log" 2>&1
# Older trees leave absolute build/source links into the tree; the image
# builder only needs modules.* and the (absent) .ko files.
rm -f "$kdir/root/lib/modules/$rel/build" "$kdir/root/lib/modules/$rel/source"
depmod -b "$kdir/root" "$rel"
cp "$tree/arch/x86/boot/bzImage" "$kdir/vmlinuz"
echo "$rel" >"$dir/release"
echo "$(( $(date +%s) - start ))" >"$dir/build-seconds"
touch "$dir/.done" "$kdir/.done"
echo "debug-kernel: built $rel in $(cat "$dir/build-seconds")s" >&2
echo "$dir"
