#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: everything, from a fresh machine.
#  1. installs what is missing and fetches the Debian kernels (prepare.sh);
#  2. builds the module for each kernel, W=1, warnings are failures;
#  3. runs the userspace unit tests (selftests/unit/*, autoroute/);
#  4. boots each kernel under QEMU and runs selftests/*.sh inside;
#  5. if the debug kernel is already built (make check-debug), runs part of
#     the guest suite on it too;
# then prints one summary line, "N passed, N failed", over all of it, and
# exits non-zero on any failure.
#
# WG_KERNELS="6.1" (or "6.12") limits the kernels booted; WG_TESTS=a,b
# limits the guest tests to selftests/a.sh and selftests/b.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${WG_CACHE:-/var/cache/wireguard-selftests}
logs=$top/build/logs
mkdir -p "$logs"
rm -f "$logs"/*.log

passed=0
failed=0
# tally LOG: adds LOG's PASS/FAIL lines to the totals.
tally() {
	local p f
	p=$(grep -c '^PASS: ' "$1")
	f=$(grep -c '^FAIL: ' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
}
# record NAME STATUS: a pass/fail line of the runner's own.
record() {
	if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi | tee -a "$logs/runner.log"
}

"$top/selftests/qemu/prepare.sh" "$cache" || { echo "FAIL: prepare"; echo "0 passed, 1 failed"; exit 1; }

releases=$("$top/selftests/qemu/releases.sh")
if [ -n "${WG_KERNELS:-}" ]; then
	releases=$(for k in $WG_KERNELS; do "$top/selftests/qemu/releases.sh" "$k"; done)
fi

echo "== building the module"
make -s -C "$top" modules-all BUILD="$top/build/kbuild" >"$logs/build.log" 2>&1
record "build-W=1-all-kernels" $?
cat "$logs/build.log"

echo "== DKMS install (add, build, install; no --force)"
"$top/selftests/qemu/dkms-test.sh" "$cache" $releases >"$logs/dkms.log" 2>&1
grep -v '^PASS' "$logs/dkms.log" || true
echo "   $(grep -c '^PASS: ' "$logs/dkms.log") passed"

echo "== building userspace tools"
if [ -f "$top/autoroute/Makefile" ]; then
	make -s -C "$top/autoroute" >"$logs/autoroute-build.log" 2>&1
	record "build-wg-autoroute" $?
fi
if [ -f "$top/selftests/tools/Makefile" ]; then
	make -s -C "$top/selftests/tools" >"$logs/tools-build.log" 2>&1
	record "build-selftest-tools" $?
fi

echo "== userspace unit tests"
for mk in "$top"/selftests/unit/*/Makefile "$top"/autoroute/Makefile "$top"/selftests/fuzz/Makefile; do
	[ -f "$mk" ] || continue
	d=$(dirname "$mk")
	name=$(basename "$d")
	echo "-- $name"
	make -s -C "$d" check >"$logs/unit-$name.log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL): ' "$logs/unit-$name.log" | grep -v '^PASS' || true
	echo "   $(grep -c '^PASS: ' "$logs/unit-$name.log") passed"
	[ $rc -eq 0 ] || { echo "FAIL: unit-$name exited with status $rc" >>"$logs/unit-$name.log"; tail -n 20 "$logs/unit-$name.log"; }
done

for rel in $releases; do
	echo "== guest: $rel"
	ko=$top/build/kbuild/$rel/wireguard.ko
	log=$logs/guest-$rel.log
	if [ ! -f "$ko" ]; then
		echo "FAIL: guest-$rel (no module built)" | tee "$log"
		continue
	fi
	"$top/selftests/qemu/boot.sh" "$cache" "$rel" "$ko" check "$log" >/dev/null
	grep -E '^(FAIL|===)|loaded \(' "$log" || true
	echo "   $(grep -c '^PASS: ' "$log") passed"
	if ! grep -q '^wg-guest: done' "$log"; then
		echo "FAIL: guest-$rel did not finish (crash or timeout)" >>"$log"
		tail -n 40 "$log"
	fi
	if grep -qE 'Kernel panic|BUG: |Oops' "$log"; then
		echo "FAIL: guest-$rel kernel crashed" >>"$log"
	fi
done

# 5. The debug kernel (KASAN, lockdep, kmemleak, ...) when it is already
# built and cached: its cold build, about an hour on 2 cores, would not fit
# the budget of CI on a fresh machine, so make check never builds it (make
# check-debug does, and runs the whole suite on it). Here, a part of the
# suite: WG_DEBUG_TESTS (default: device, netlink and tunnel, about 10
# minutes), or WG_TESTS if set; WG_DEBUG=0 skips it.
if [ "${WG_DEBUG:-1}" != 0 ] &&
	"$top/selftests/debug/build-kernel.sh" --cached "$cache" >/dev/null 2>&1; then
	dtests=${WG_TESTS:-${WG_DEBUG_TESTS:-device,netlink,tunnel}}
	echo "== debug kernel (cached; $dtests)"
	WG_TESTS=$dtests WG_DEBUG_LOGS=$logs/debug \
		"$top/selftests/qemu/check-debug.sh" >"$logs/debug-run.txt" 2>&1
	grep -E '^(FAIL|===)|passed in' "$logs/debug-run.txt" || true
	for f in runner guest; do
		[ -f "$logs/debug/$f.log" ] && cp "$logs/debug/$f.log" "$logs/debug-$f.log"
	done
else
	echo "== debug kernel: not built here, skipped (make check-debug builds it)"
fi

for f in "$logs"/*.log; do
	case "$f" in */build.log|*/*-build.log) continue ;; esac
	tally "$f"
done
echo
echo "logs: $logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
