#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the module with DKMS exactly as a user does (add, build, install;
# no --force) for each kernel release, into a scratch module tree that holds
# that kernel's real in-tree wireguard.ko, so DKMS's "will not replace"
# version check runs for real. Then checks that modprobe's view (modinfo)
# picks ours. Nothing on the host's /lib/modules is touched.
#
#   dkms-test.sh CACHE RELEASE...
set -uo pipefail

cache=$(cd "${1:?}" && pwd)
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The source as a user's clone has it, without build products.
mkdir -p "$work/src/wireguard-$version"
cp -a "$top"/{Kbuild,Makefile,dkms.conf,src,crypto,compat} "$work/src/wireguard-$version/"
find "$work/src" \( -name '*.o' -o -name '*.cmd' -o -name '*.ko' \) -delete

mkdir -p "$work/dkms"
dkms_opts=(--dkmstree "$work/dkms" --sourcetree "$work/src" --installtree "$work/root/lib/modules")
status=0
for rel in "$@"; do
	tree=$work/root/lib/modules/$rel
	mkdir -p "$tree"
	ln -s "/usr/src/linux-headers-$rel" "$tree/build"
	intree=$(cd "$cache/kernels/$rel/root/lib/modules/$rel" && find kernel -name 'wireguard.ko*' | head -n 1)
	if [ -z "$intree" ]; then
		echo "FAIL: dkms-install-$rel (no in-tree wireguard.ko to replace)"
		status=1
		continue
	fi
	install -D "$cache/kernels/$rel/root/lib/modules/$rel/$intree" "$tree/$intree"
	cp "$cache/kernels/$rel/root/lib/modules/$rel"/modules.{order,builtin,builtin.modinfo} "$tree/" 2>/dev/null
	log=$work/dkms-$rel.log
	if dkms add "${dkms_opts[@]}" -m wireguard -v "$version" >"$log" 2>&1 || grep -q 'already added' "$log"; then :; fi
	if dkms build "${dkms_opts[@]}" -m wireguard -v "$version" -k "$rel" \
		--kernelsourcedir "/usr/src/linux-headers-$rel" >>"$log" 2>&1 &&
	   dkms install "${dkms_opts[@]}" -m wireguard -v "$version" -k "$rel" \
		--kernelsourcedir "/usr/src/linux-headers-$rel" >>"$log" 2>&1; then
		echo "PASS: dkms-install-$rel"
	else
		echo "FAIL: dkms-install-$rel"
		tail -n 20 "$log"
		status=1
		continue
	fi
	# DKMS must have compared against the in-tree module and kept ours.
	if grep -q 'will not replace' "$log"; then
		echo "FAIL: dkms-version-check-$rel"; status=1
	else
		echo "PASS: dkms-version-check-$rel"
	fi
	depmod -b "$work/root" "$rel"
	path=$(modinfo -b "$work/root" -k "$rel" -n wireguard 2>&1)
	case "$path" in
	*/updates/dkms/wireguard.ko*) echo "PASS: dkms-shadows-in-tree-$rel" ;;
	*) echo "FAIL: dkms-shadows-in-tree-$rel (modinfo says $path)"; status=1 ;;
	esac
	v=$(modinfo -b "$work/root" -k "$rel" -F version wireguard 2>&1)
	if [ "$v" = "$version" ]; then echo "PASS: dkms-version-$rel"; else echo "FAIL: dkms-version-$rel ($v)"; status=1; fi
done
exit $status
