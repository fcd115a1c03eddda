#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wg-debug: skip the generator cannot put the device under load on the same slow kernel
# The handshake benchmark's generator (wg-hsbench, make bench's
# "handshakes/s, 1000 peers") against our device, short: proves that what
# the benchmark counts are real handshakes.
#
#   ns1: wg-hsbench, 1000 peers on 10.201.0.1.. (local to ns1 via lo)
#        veth1 192.168.241.1 ---- veth2 192.168.241.2  ns2: wgh, port 10100
#
# Expected: responses that verify (receiver index, mac1, and a sample of
# them completely: both DHs and the AEAD), sent back to each peer's own
# address; the 1000-initiation burst puts the device under load, so cookie
# replies come and the retries with mac2 are answered; after the run, peer 0
# completes a handshake and sends a keepalive with the derived key, which
# the device accepts: a latest handshake for peer 0 and no other peer (a
# responder records a handshake only when the first data arrives).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

peers=1000
t0=$SECONDS

if ! command -v wg-hsbench >/dev/null; then
	fail tool "(wg-hsbench not in PATH: make -C selftests/tools)"
	finish
fi

make_wire
n1 ip route add local 10.201.0.0/16 dev lo
n2 ip route add 10.201.0.0/16 via 192.168.241.1
n2 ip link add wgh type wireguard
wg-hsbench --print-config -n $peers -l 10100 >/tmp/hsbench.conf
check setconf n2 wg setconf wgh /tmp/hsbench.conf
n2 ip link set wgh up
peer0=$(awk '/^PublicKey/ { print $3; exit }' /tmp/hsbench.conf)

out=$(n1 timeout 120 wg-hsbench -d 192.168.241.2 -p 10100 -n $peers \
	-t 2 -w 1 -e 2000 -V 8 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
val() { echo "$out" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
check_eq tool-exit-status 0 "$rc"
check_eq tool-peer0 "$peer0" "$(val peer0)"
if [ "$(val responses)" -gt 0 ] 2>/dev/null; then
	pass "responses ($(val rate)/s)"
else
	fail responses "($(val responses))"
fi
if [ "$(val verified)" -gt 0 ] 2>/dev/null && [ "$(val bad)" = 0 ] &&
   [ "$(val bad_mac1)" = 0 ] && [ "$(val misaddressed)" = 0 ] &&
   [ "$(val other)" = 0 ]; then
	pass "responses-verified ($(val verified) fully)"
else
	fail responses-verified "(verified=$(val verified) bad=$(val bad) bad_mac1=$(val bad_mac1) misaddressed=$(val misaddressed) other=$(val other))"
fi
if [ "$(val cookies_all)" -gt 0 ] 2>/dev/null && [ "$(val mac2_responses)" -gt 0 ]; then
	pass "under-load-cookies-then-mac2 ($(val cookies_all) cookies, $(val mac2_responses) answered with mac2)"
else
	fail under-load-cookies-then-mac2 "(cookies=$(val cookies_all) mac2 responses=$(val mac2_responses))"
fi
check_eq final-keepalive-sent sent "$(val final)"

# The device's view: every peer it answered has its own endpoint.
eps=$(n2 wg show wgh endpoints | awk '$2 != "(none)" { print $2 }')
neps=$(echo "$eps" | grep -c .)
ndistinct=$(echo "$eps" | sort -u | grep -c .)
if [ "$neps" -gt 0 ] && [ "$neps" = "$ndistinct" ] &&
   ! echo "$eps" | grep -qv '^10\.201\.[0-9]*\.[0-9]*:40100$'; then
	pass "endpoints-per-peer ($neps peers, all distinct)"
else
	fail endpoints-per-peer "($neps endpoints, $ndistinct distinct)"
fi
# A responder confirms a handshake (and shows it as the latest) only when
# the first data message decrypts with the keys it derived.
sleep 0.5
hs=$(n2 wg show wgh latest-handshakes | awk '$2 > 0 { print $1 }')
check_eq keepalive-accepted-peer0-only "$peer0" "$hs"

echo "    $((SECONDS - t0)) s"
# No "ip link del wgh": removing 1000 peers takes 20-30 s under TCG (a
# synchronize_net() per peer's NAPI, in-tree module alike); deleting the
# namespace leaves that to the kernel's cleanup work in the background.
teardown_netns
rm -f /tmp/hsbench.conf
finish
