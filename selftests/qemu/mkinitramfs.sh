#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the guest's base initramfs for one kernel release: busybox for the
# basics, the real tools under test (wg, wg-quick, ip, nft, iptables, iperf3,
# ping, ncat, wireguard-go, kmod) with their shared libraries, and the
# kernel's own modules the tests need. The module under test and the tests
# themselves are appended later as a second cpio archive (the kernel unpacks
# concatenated archives in order), so this base is cached.
#
#   mkinitramfs.sh KERNEL_DIR RELEASE OUT.cpio
set -euo pipefail

kdir=$(cd "${1:?}" && pwd) rel=${2:?} out=${3:?}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,run,tmp,root,var,mnt}
ln -s ../run "$stage/var/run"

copy_with_libs() {
	local f
	for f in "$@"; do
		mkdir -p "$stage$(dirname "$f")"
		cp -L "$f" "$stage$f"
		ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
			[ -e "$stage$lib" ] && continue
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done || true
	done
}

# busybox first; the real tools below overwrite the applets they replace.
cp /bin/busybox "$stage/bin/busybox"
for applet in $("$stage/bin/busybox" --list-full); do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done

tools=(/usr/bin/bash /usr/bin/wg /usr/bin/wg-quick /usr/sbin/ip /usr/bin/iperf3
       /usr/sbin/nft /usr/sbin/xtables-nft-multi /usr/bin/ping /usr/bin/ncat
       /usr/bin/wireguard-go /usr/bin/kmod /usr/bin/timeout /usr/bin/sort
       /usr/bin/stat /usr/bin/date)
for t in "${tools[@]}"; do rm -f "$stage$t"; done
copy_with_libs "${tools[@]}"
ln -sf /usr/bin/bash "$stage/bin/bash"
for x in iptables ip6tables iptables-restore ip6tables-restore iptables-save ip6tables-save; do
	ln -sf /usr/sbin/xtables-nft-multi "$stage/usr/sbin/$x"
done
for k in modprobe insmod rmmod lsmod depmod modinfo; do
	rm -f "$stage/sbin/$k" "$stage/bin/$k" "$stage/usr/sbin/$k"
	ln -s /usr/bin/kmod "$stage/sbin/$k"
done
mkdir -p "$stage/usr/lib/x86_64-linux-gnu"
cp -a /usr/lib/x86_64-linux-gnu/xtables "$stage/usr/lib/x86_64-linux-gnu/"
for so in "$stage"/usr/lib/x86_64-linux-gnu/xtables/*.so; do
	ldd "$so" | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$stage$lib" ] || { mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"; }
	done || true
done
cp -a /etc/iproute2 "$stage/etc/"
[ -d /usr/share/iproute2 ] && { mkdir -p "$stage/usr/share"; cp -a /usr/share/iproute2 "$stage/usr/share/"; }
echo 'root:x:0:0:root:/root:/bin/bash' > "$stage/etc/passwd"
echo 'root:x:0:' > "$stage/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$stage/etc/hosts"
printf 'hosts: files\n' > "$stage/etc/nsswitch.conf"

# The kernel's modules the tests use, with their dependencies.
mods=(veth dummy tun udp_tunnel ip6_udp_tunnel nf_tables nft_ct nft_fib_inet
      nft_fib_ipv4 nft_fib_ipv6 nft_compat nf_conntrack xt_mark xt_conntrack
      xt_addrtype xt_comment nft_chain_nat nf_nat xt_MASQUERADE xt_connmark)
root=$kdir/root
# The in-tree wireguard's dependencies too (its crypto library), for the
# side-by-side benchmark, but not the module itself.
for m in "${mods[@]}" wireguard; do
	# A kernel without a module (the debug kernel has no in-tree
	# wireguard) is not an error here.
	modprobe -d "$root" -S "$rel" --show-depends "$m" 2>/dev/null |
		sed -n 's/^insmod \([^ ]*\).*/\1/p' || true
done | sort -u | sed '/\/wireguard\.ko$/d' | while read -r ko; do
	dst=$stage${ko#"$root"}
	mkdir -p "$(dirname "$dst")"
	cp "$ko" "$dst"
done
# Debian's own wireguard.ko, kept out of modprobe's way for side-by-side
# comparisons (make bench) only.
intree=$(find "$root/lib/modules/$rel" -name 'wireguard.ko' | head -n 1)
[ -n "$intree" ] && { mkdir -p "$stage/intree"; cp "$intree" "$stage/intree/"; }
mkdir -p "$stage/lib/modules/$rel"
cp "$root/lib/modules/$rel"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$rel/" 2>/dev/null || true
depmod -b "$stage" "$rel"

(cd "$stage" && find . | cpio -o -H newc --quiet) > "$out"
