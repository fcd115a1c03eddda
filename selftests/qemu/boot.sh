#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots one Debian kernel under QEMU (TCG: no KVM here) with the cached base
# initramfs plus an overlay holding the module under test, the selftests and
# our userspace tools, and runs the guest harness in MODE.
#
#   boot.sh CACHE RELEASE MODULE.ko MODE [LOG]
# The guest's console goes to stdout (and LOG), with \r stripped.
# WG_GUEST_APPEND adds words to the kernel command line: test knobs such as
# wg.race_rounds=50, which a test reads from /proc/cmdline.
set -euo pipefail

cache=$(cd "${1:?}" && pwd) rel=${2:?} ko=${3:?} mode=${4:?} log=${5:-/dev/null}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kdir=$cache/kernels/$rel

# The base image is rebuilt only when its recipe changes.
key=$(sha256sum "$here/mkinitramfs.sh" | cut -c1-12)
base=$cache/initramfs/base-$rel-$key.cpio
if [ ! -f "$base" ]; then
	mkdir -p "$cache/initramfs"
	rm -f "$cache/initramfs/base-$rel-"*.cpio
	"$here/mkinitramfs.sh" "$kdir" "$rel" "$base.tmp"
	mv "$base.tmp" "$base"
fi

overlay=$(mktemp -d)
initrd=$(mktemp)
trap 'rm -rf "$overlay" "$initrd"' EXIT
install -D -m 755 "$here/init" "$overlay/init"
mkdir -p "$overlay/selftests/qemu" "$overlay/wg" "$overlay/usr/local/bin"
cp "$top"/selftests/*.sh "$overlay/selftests/" 2>/dev/null || true
cp -r "$top/selftests/lib" "$overlay/selftests/"
cp "$here"/*.sh "$overlay/selftests/qemu/"
cp "$ko" "$overlay/wg/wireguard.ko"
[ -x "$top/autoroute/wg-autoroute" ] && cp "$top/autoroute/wg-autoroute" "$overlay/usr/local/bin/"
[ -d "$top/build/guest-bin" ] && cp "$top"/build/guest-bin/* "$overlay/usr/local/bin/" 2>/dev/null
# The host's perf with its libraries, on request only (30 MB): make bench's
# profiles (WG_BENCH_PERF).
if [ -n "${WG_GUEST_PERF:-}" ] && [ -x /usr/bin/perf ]; then
	for f in /usr/bin/perf $(ldd /usr/bin/perf | grep -o '/[^ ]*'); do
		install -D -m 755 "$(readlink -f "$f")" "$overlay$f"
	done
fi
(cd "$overlay" && find . | cpio -o -H newc --quiet) > "$initrd.overlay"
cat "$base" "$initrd.overlay" > "$initrd"
rm -f "$initrd.overlay"

interactive=0
[ -t 0 ] && [ "$mode" != check ] && interactive=1
qemu=(qemu-system-x86_64 -machine pc -cpu max -smp "${WG_GUEST_CPUS:-2}"
      -m "${WG_GUEST_MEM:-1536}" -accel tcg,thread=multi -no-reboot
      -kernel "$kdir/vmlinuz" -initrd "$initrd"
      -append "console=ttyS0 panic=-1 quiet loglevel=3 wg.mode=$mode wg.tests=${WG_TESTS:-all} wg.interactive=$interactive${WG_GUEST_APPEND:+ $WG_GUEST_APPEND}")
if [ "$interactive" = 1 ]; then
	"${qemu[@]}" -nographic
else
	timeout "${WG_GUEST_TIMEOUT:-1500}" "${qemu[@]}" -display none \
		-serial stdio -monitor none </dev/null | tr -d '\r' | tee "$log"
fi
