#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: every guest selftest on a debugging kernel (KASAN,
# lockdep, PROVE_RCU, debug objects, kmemleak, UBSAN, SLUB debug; see
# selftests/debug/debug.config).
#  1. builds the debug kernel from Debian's linux-source-6.1, or reuses the
#     cached one (selftests/debug/build-kernel.sh);
#  2. builds the module against that tree (W=1, warnings are failures);
#  3. boots it in mode "check": the guest harness fails the run on any
#     BUG/WARNING/KASAN/lockdep line and, on this kernel, requires an empty
#     kmemleak report after "rmmod wireguard";
# then prints "N passed, N failed" and exits non-zero on any failure.
#
# WG_TESTS=a,b limits the guest tests as for make check. The debug guest is
# slow: WG_GUEST_TIMEOUT defaults to 3 hours here. WG_DEBUG_LOGS moves the
# logs (make check, which runs a part of this when the kernel is cached,
# puts them under its own).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${WG_CACHE:-/var/cache/wireguard-selftests}
logs=${WG_DEBUG_LOGS:-$top/build/logs-debug}
mkdir -p "$logs"
rm -f "$logs"/*.log

passed=0
failed=0
record() {
	if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi | tee -a "$logs/runner.log"
}
summary() {
	local f
	for f in "$logs"/runner.log "$logs"/guest.log; do
		[ -f "$f" ] || continue
		passed=$((passed + $(grep -c '^PASS: ' "$f")))
		failed=$((failed + $(grep -c '^FAIL: ' "$f")))
	done
	echo
	echo "logs: $logs"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit $?
}

"$top/selftests/qemu/prepare.sh" "$cache" >"$logs/prepare.log" 2>&1 ||
	{ record prepare 1; summary; }

echo "== debug kernel (cold build: about an hour on 2 cores)"
t0=$(date +%s)
dir=$("$top/selftests/debug/build-kernel.sh" "$cache" 2>"$logs/kernel-build.log" | tail -n 1)
rc=$?
cat "$logs/kernel-build.log"
record debug-kernel-build $rc
[ $rc -eq 0 ] && [ -f "$dir/.done" ] || summary
rel=$(cat "$dir/release")
echo "   $rel ($(($(date +%s) - t0))s here; cold build took $(cat "$dir/build-seconds")s)"

echo "== building the module for $rel"
b=$top/build/kbuild-debug
rm -rf "$b"
mkdir -p "$b"
cp -a "$top"/{Kbuild,src,crypto,compat} "$b/"
find "$b" \( -name '*.o' -o -name '*.cmd' -o -name '*.ko' \) -delete
wgver=$(sed -n 's/^WG_VERSION ?= //p' "$top/Kbuild")
make -C "$dir/linux" M="$b" W=1 WG_VERSION="$wgver" modules >"$logs/build.log" 2>&1
rc=$?
grep -E 'warning|error' "$logs/build.log"
[ $rc -eq 0 ] && [ -f "$b/wireguard.ko" ] && ! grep -qE 'warning:|error:' "$logs/build.log"
record "build-W=1-debug-kernel" $?
[ -f "$b/wireguard.ko" ] || summary

if [ -f "$top/selftests/tools/Makefile" ]; then
	make -s -C "$top/selftests/tools" >"$logs/tools-build.log" 2>&1
	record build-selftest-tools $?
fi
[ -f "$top/autoroute/Makefile" ] && make -s -C "$top/autoroute" >"$logs/autoroute-build.log" 2>&1

echo "== guest: $rel"
t0=$(date +%s)
# Each test gets 50 minutes instead of 10: everything is slower here.
WG_GUEST_APPEND="wg.test_timeout=3000${WG_GUEST_APPEND:+ $WG_GUEST_APPEND}" \
WG_GUEST_TIMEOUT=${WG_GUEST_TIMEOUT:-10800} WG_GUEST_MEM=${WG_GUEST_MEM:-2048} \
	"$top/selftests/qemu/boot.sh" "$dir" "$rel" "$b/wireguard.ko" check \
	"$logs/guest.log" >/dev/null
log=$logs/guest.log
grep -E '^(FAIL|===)|loaded \(' "$log" || true
echo "   $(grep -c '^PASS: ' "$log") passed in $(($(date +%s) - t0))s"
if ! grep -q '^wg-guest: done' "$log"; then
	echo "FAIL: guest-$rel did not finish (crash or timeout)" >>"$log"
	tail -n 60 "$log"
fi
if grep -qE 'Kernel panic|BUG: |Oops' "$log"; then
	echo "FAIL: guest-$rel kernel crashed" >>"$log"
fi
# The kmemleak check must have run: this kernel always has kmemleak.
grep -qE '^(PASS|FAIL): kmemleak-clean' "$log" ||
	echo "FAIL: kmemleak-clean (no kmemleak result from the guest)" >>"$log"
summary
