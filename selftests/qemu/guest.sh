#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest. Installs the module under test where modprobe finds
# it (it shadows nothing: the image's own wireguard.ko is not in the module
# tree, see mkinitramfs.sh), then:
#   check: every selftests/*.sh, then unloads the module and checks the
#          kernel log; prints PASS:/FAIL: lines for the host to count
#   run:   the demo (selftests/qemu/demo.sh), then a shell if interactive
#   bench: selftests/qemu/bench.sh
#   shell: just a shell
mode=${1:-check}
rel=$(uname -r)
mkdir -p "/lib/modules/$rel/updates"
cp /wg/wireguard.ko "/lib/modules/$rel/updates/"
depmod -a
dmesg -n 1
# /dev/net/tun only appears once tun is loaded (wireguard-go needs it).
modprobe -q tun

kernel_log_check() {
	# Any of these in the kernel log is a failure of the whole run.
	local bad
	bad=$(dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace|KASAN|UBSAN|possible circular locking|possible recursive locking|suspicious RCU usage|lockdep|kmemleak|general protection|Kernel panic|refcount_t:|list_add corruption|list_del corruption')
	# The debug kernel's own status lines are not findings (and the
	# kmemleak-clean check below reports leaks itself).
	bad=$(echo "$bad" | grep -vE 'kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread|[0-9]+ new suspected memory leaks)|RCU lockdep checking is enabled')
	if [ -n "$bad" ]; then
		echo "FAIL: kernel-log-clean"
		echo "--- kernel log ---"
		dmesg
		echo "--- end kernel log ---"
	else
		echo "PASS: kernel-log-clean"
	fi
}

cleanup_between_tests() {
	ip -all netns delete 2>/dev/null
	for l in $(ip -o link show type wireguard 2>/dev/null | awk -F': ' '{print $2}'); do
		ip link del "${l%@*}" 2>/dev/null
	done
	# busybox: no pkill in the guest.
	killall -q -9 wireguard-go iperf3 ncat wg-autoroute 2>/dev/null
	true
}

case "$mode" in
check)
	echo "wg-guest: kernel $rel, $(nproc) CPUs, flags: $(grep -o -w -E 'avx2|avx512f|avx512vl|bmi2|adx' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	# Debug kernel only (make check-debug; kmemleak exists only there):
	# forget what was leaked before our module came, see kmemleak-clean.
	kmemleak=/sys/kernel/debug/kmemleak
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	debug_kernel=no
	if [ -e $kmemleak ]; then
		debug_kernel=yes
		# Tests with a part whose premise is speed skip that part.
		export WG_DEBUG_KERNEL=yes
		echo scan >$kmemleak
		echo clear >$kmemleak
	fi
	# init pinned the receive path's static keys (wg-pin-keys.c says
	# why); without that, a run can die of a TCG quirk, not of a bug.
	if pidof wg-pin-keys >/dev/null && nft list table inet wg_pin_hooks >/dev/null 2>&1; then
		echo "PASS: static-keys-pinned"
	else
		echo "FAIL: static-keys-pinned"
	fi
	# Known-answer selftests run at load; a failure refuses the load.
	if modprobe wireguard; then
		echo "PASS: module-load-selftests"
		dmesg | grep -i wireguard | sed 's/^/    /'
	else
		echo "FAIL: module-load-selftests"
		dmesg | tail -30
	fi
	for t in /selftests/*.sh; do
		name=$(basename "$t" .sh)
		# WG_TESTS=a,b (from make check's environment) runs only those.
		case ",${WG_TESTS:-all}," in *",all,"*|*",$name,"*) ;; *) continue ;; esac
		# "# wg-optin" tests run only when named in WG_TESTS.
		if grep -q '^# wg-optin' "$t"; then
			case ",${WG_TESTS:-all}," in *",$name,"*) ;; *)
				echo "=== $name: opt-in (WG_TESTS=$name), not run"
				continue ;;
			esac
		fi
		# "# wg-kernels: 6.1" in a test limits it to those kernel series
		# (the long fault tests run on one kernel to keep make check short).
		only=$(sed -n 's/^# wg-kernels: //p' "$t")
		if [ -n "$only" ]; then
			match=no
			for k in $only; do
				case "$rel" in "$k".*) match=yes ;; esac
			done
			if [ "$match" = no ]; then
				echo "=== $name: skipped on $rel (runs on: $only)"
				continue
			fi
		fi
		# "# wg-debug: skip REASON": a test whose premise is speed (a
		# flood that must outrun the device, a peer in userspace that
		# must keep up) means nothing on the debug kernel, which runs
		# everything several times slower.
		why=$(sed -n 's/^# wg-debug: skip //p' "$t")
		if [ -n "$why" ] && [ $debug_kernel = yes ]; then
			echo "=== $name: skipped on the debug kernel ($why)"
			continue
		fi
		echo "=== $name"
		timeout "${WG_TEST_TIMEOUT:-600}" bash "$t"
		rc=$?
		[ $rc -eq 0 ] || echo "FAIL: $name exited with status $rc"
		cleanup_between_tests
	done
	if lsmod | grep -q '^wireguard '; then
		if rmmod wireguard; then echo "PASS: module-unload"; else echo "FAIL: module-unload"; fi
	fi
	# Debug kernel only: nothing leaked once the module is gone. kmemleak
	# reports objects unreferenced for 5 s and over two scans.
	if [ $debug_kernel = yes ]; then
		sleep 6; echo scan >$kmemleak; sleep 2; echo scan >$kmemleak
		leaks=$(cat $kmemleak)
		if [ -z "$leaks" ]; then echo "PASS: kmemleak-clean"; else echo "FAIL: kmemleak-clean"; echo "$leaks" | head -n 300; fi
	fi
	kernel_log_check
	;;
run)
	bash /selftests/qemu/demo.sh
	# Only when the host side has a terminal (make run by a person).
	if [ "${WG_INTERACTIVE:-0}" = 1 ]; then
		echo "wg-guest: dropping to a shell; 'poweroff -f' to leave"
		setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	fi
	;;
bench)
	bash /selftests/qemu/bench.sh
	;;
shell)
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	;;
esac
