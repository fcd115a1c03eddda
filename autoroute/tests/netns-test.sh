#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wg-autoroute's real code paths (rtnetlink, rules, nft, state, rollback,
# the follower's link handling) against veth devices in throwaway network
# namespaces, on a host without WireGuard: the test build swaps the
# generic netlink part for tests/fake_wgdev.c, which reads a device's
# allowed-ips and fwmark from $WGAR_FAKE_DIR/IFNAME.
#
#   netns-test.sh ./wg-autoroute-fake       (root; netns, veth, nft)
#
# The QEMU guest test (selftests/autoroute.sh) covers the same ground with
# real WireGuard devices, wg-quick and peer change notifications.
set -u
bin=$(readlink -f "${1:?usage: netns-test.sh WG_AUTOROUTE_BINARY}")
tmp=$(mktemp -d)
cl=wgar-$$-cl
gw=wgar-$$-gw
failures=0
export WG_AUTOROUTE_STATE_DIR=$tmp/run WGAR_FAKE_DIR=$tmp/dev
mkdir -p "$WGAR_FAKE_DIR"

pass() { echo "PASS: autoroute-netns/$1"; }
fail() { echo "FAIL: autoroute-netns/$1 ${2:-}"; failures=$((failures + 1)); }
check_eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "(expected '$2', got '$3')"; fi; }
check_match() { if echo "$3" | grep -qE "$2"; then pass "$1"; else fail "$1" "(no '$2' in: $(echo "$3" | head -n 6 | tr '\n' '|'))"; fi; }
check_nomatch() { if echo "$3" | grep -qE "$2"; then fail "$1" "('$2' found in: $(echo "$3" | head -n 6 | tr '\n' '|'))"; else pass "$1"; fi; }

in_cl() { ip netns exec "$cl" "$@"; }
ar() { in_cl "$bin" "$@"; }

cleanup() {
	ip netns del "$cl" 2>/dev/null
	ip netns del "$gw" 2>/dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT

# Client namespace: eth0 to a gateway (default route), "wg0" a veth
# standing in for the tunnel, with the tunnel address.
setup() {
	cleanup
	rm -rf "$WG_AUTOROUTE_STATE_DIR"
	ip netns add "$cl" && ip netns add "$gw" || exit 1
	# No IPv6 link-local addresses, no DAD: nothing appears late to make
	# before/after snapshots differ.
	for n in "$cl" "$gw"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.addr_gen_mode=1
	done
	ip -n "$cl" link set lo up
	ip link add eth0 netns "$cl" type veth peer name eth0 netns "$gw"
	ip link add wg0 netns "$cl" type veth peer name wg0 netns "$gw"
	ip -n "$cl" addr add 10.50.0.2/24 dev eth0
	ip -n "$gw" addr add 10.50.0.1/24 dev eth0
	ip -n "$cl" addr add 10.77.0.2/24 dev wg0
	for l in eth0 wg0; do
		ip -n "$cl" link set "$l" up
		ip -n "$gw" link set "$l" up
	done
	ip -n "$cl" route add default via 10.50.0.1 dev eth0
	in_cl sysctl -qw net.ipv4.conf.all.src_valid_mark=0
	printf '%s\n' "$@" > "$WGAR_FAKE_DIR/wg0"
}

# Everything up/down may touch, in a comparable form.
snap() {
	in_cl sh -c 'ip -4 rule; ip -6 rule; ip -4 route show table all;
		ip -6 route show table all; nft list ruleset;
		cat /proc/sys/net/ipv4/conf/all/src_valid_mark'
	grep '^fwmark' "$WGAR_FAKE_DIR/wg0" || echo "fwmark 0"
}

state_file() { ls "$WG_AUTOROUTE_STATE_DIR"/wg0*.state 2>/dev/null; }

# --- auto, with a /0 ---------------------------------------------------
setup 0.0.0.0/0 10.9.0.0/16 10.77.0.1/32
before=$(snap)
before6=$(in_cl ip -6 rule)
out=$(ar up wg0 2>&1)
check_eq auto-up-status 0 $?
check_match auto-route-get-tunnel 'dev wg0 table 51820' "$(in_cl ip route get 1.1.1.1)"
check_match auto-route-get-mark-eth0 'dev eth0' "$(in_cl ip route get 1.1.1.1 mark 51820)"
rules=$(in_cl ip -4 rule)
check_match auto-rule-fwmark '^32765:[[:space:]]+not from all fwmark 0xca6c lookup 51820' "$rules"
check_match auto-rule-suppress '^32764:[[:space:]]+from all lookup main suppress_prefixlength 0' "$rules"
check_eq auto-no-ipv6-rules "$before6" "$(in_cl ip -6 rule)"
check_match auto-main-route '^10.9.0.0/16 dev wg0' "$(in_cl ip route show table main)"
# 10.77.0.1/32 is inside wg0's own connected /24: skipped, as wg-quick does.
check_nomatch auto-covered-skipped '^10.77.0.1 ' "$(in_cl ip route show table main)"
check_eq auto-fwmark-set "fwmark 51820" "$(grep ^fwmark "$WGAR_FAKE_DIR/wg0")"
check_eq auto-src-valid-mark 1 "$(in_cl cat /proc/sys/net/ipv4/conf/all/src_valid_mark)"
check_match auto-nft-table 'table ip wg-quick-wg0' "$(in_cl nft list tables)"
check_match auto-nft-antispoof 'iifname != "wg0" ip daddr 10.77.0.2 fib saddr type != local drop' "$(in_cl nft list ruleset)"
check_match auto-state-file 'rule inet fwmark 51820 pref 32765' "$(cat "$(state_file)")"
check_match auto-logs-commands 'ip -4 rule add not fwmark 51820 table 51820' "$out"

mid=$(snap)
ar up wg0 >/dev/null 2>&1
check_eq up-again-idempotent "$mid" "$(snap)"

ar down wg0 >/dev/null 2>&1
check_eq auto-down-status 0 $?
after=$(snap)
# src_valid_mark stays 1 after down, exactly like wg-quick.
check_eq auto-down-restores "$(echo "$before" | sed '$d;' | sed '$d')" "$(echo "$after" | sed '$d' | sed '$d')"
check_eq auto-down-fwmark-cleared "fwmark 0" "$(echo "$after" | tail -n 1)"
check_eq auto-down-state-removed "" "$(state_file)"

# --- a table with other routes: the next free number -------------------
setup 0.0.0.0/0
in_cl ip route add 192.0.2.0/24 dev eth0 table 51820
ar up wg0 -q
check_match next-free-table 'dev wg0 table 51821' "$(in_cl ip route get 1.1.1.1)"
ar down wg0 -q

# --- a preset fwmark names the table and stays ---------------------------
setup 0.0.0.0/0 "fwmark 0x1234"
ar up wg0 -q
check_match preset-fwmark-table 'dev wg0 table 4660' "$(in_cl ip route get 1.1.1.1)"
ar down wg0 -q
check_eq preset-fwmark-kept "fwmark 0x1234" "$(grep ^fwmark "$WGAR_FAKE_DIR/wg0")"

# --- explicit tables ---------------------------------------------------------
for t in off main 1234; do
	if [ $t = main ]; then setup 10.9.0.0/16; else setup 0.0.0.0/0 10.9.0.0/16; fi
	before=$(snap)
	ar up wg0 --table $t -q
	check_eq "table-$t-status" 0 $?
	check_match "table-$t-route-get" 'dev eth0' "$(in_cl ip route get 1.1.1.1)"
	check_eq "table-$t-no-rules" "$(echo "$before" | grep -E '^[0-9]+:')" "$(in_cl sh -c 'ip -4 rule; ip -6 rule')"
	case $t in
	off) check_eq table-off-no-routes "" "$(in_cl ip route show table all dev wg0 proto boot)" ;;
	main) check_match table-main-routes '^10.9.0.0/16' "$(in_cl ip route show table main dev wg0)" ;;
	1234) check_eq table-1234-routes "$(printf 'default dev wg0 scope link \n10.9.0.0/16 dev wg0 scope link ')" "$(in_cl ip route show table 1234)"
	      check_nomatch table-1234-not-main '10.9.0.0' "$(in_cl ip route show table main)" ;;
	esac
	ar down wg0 -q
	check_eq "table-$t-down-restores" "$before" "$(snap)"
done

# --- routes that are not ours are left alone ---------------------------------
setup 10.9.0.0/16 10.10.0.0/16
in_cl ip route add 10.10.0.0/16 dev eth0 table 1234
in_cl ip route add 10.9.0.0/16 dev wg0 metric 5
before=$(snap)
out=$(ar up wg0 --table 1234 2>&1)
check_eq foreign-route-status 0 $?
check_match foreign-route-warned 'already exists' "$out"
check_match foreign-route-kept '10.10.0.0/16 dev eth0' "$(in_cl ip route show table 1234)"
ar down wg0 -q
check_eq foreign-route-survives-down "$before" "$(snap)"

# --- a failure midway is rolled back -----------------------------------------
setup 0.0.0.0/0 10.9.0.0/16
mkdir -p "$tmp/badnft"
printf '#!/bin/sh\nexit 1\n' > "$tmp/badnft/nft"
chmod +x "$tmp/badnft/nft"
before=$(snap)
out=$(PATH=$tmp/badnft:$PATH ar up wg0 2>&1)
rc=$?
if [ $rc -ne 0 ]; then pass rollback-status; else fail rollback-status "(exit 0)"; fi
check_match rollback-announced 'undoing' "$out"
check_eq rollback-restores-everything "$before" "$(snap)"
check_eq rollback-no-state "" "$(state_file)"

setup 0.0.0.0/0 10.9.0.0/16
before=$(snap)
WGAR_FAKE_FWMARK_FAILS=1 ar up wg0 >/dev/null 2>&1
if [ $? -ne 0 ]; then pass fwmark-failure-status; else fail fwmark-failure-status; fi
check_eq fwmark-failure-nothing-applied "$before" "$(snap)"

# --- bad input changes nothing ----------------------------------------------
setup 10.9.0.0/16
ip -n "$cl" link add br0 type bridge
before=$(snap)
for args in "up nosuch0" "up wg0 --table nosuchtable" "up br0" "up wg0 --table 0" "up ../x"; do
	name=bad-$(echo "$args" | tr ' ./' '_-_')
	out=$(ar $args 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [ -n "$out" ]; then pass "$name"; else fail "$name" "(exit $rc: $out)"; fi
done
check_match bad-kind-message 'not a WireGuard interface' "$(ar up br0 2>&1)"
check_match bad-table-message "unknown table name 'nosuchtable'" "$(ar up wg0 --table nosuchtable 2>&1)"
check_match bad-iface-message 'nosuch0: no such interface' "$(ar up nosuch0 2>&1)"
check_eq bad-input-nothing-changed "$before" "$(snap)"
WGAR_FAKE_NO_GROUP=1 ar up wg0 --follow >/dev/null 2>&1
if [ $? -ne 0 ]; then pass follow-without-group-refused; else fail follow-without-group-refused; fi
check_match follow-without-group-message 'multicast group' "$(WGAR_FAKE_NO_GROUP=1 ar up wg0 --follow 2>&1)"
check_eq follow-without-group-nothing-changed "$before" "$(snap)"

# --- the follower: signals, link down/up, device deletion ------------------
wait_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
wait_match() {
	local i
	for ((i = 0; i < 50; i++)); do
		in_cl ip route show table all 2>/dev/null | grep -qE "$1" && return 0
		sleep 0.1
	done
	return 1
}

wait_state() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -qx "$1" "$WG_AUTOROUTE_STATE_DIR"/wg0*.state 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

setup 0.0.0.0/0 10.9.0.0/16
before=$(snap)
ip netns exec "$cl" "$bin" up wg0 --follow -q &
pid=$!
if wait_match '^default dev wg0 table 51820'; then pass follow-initial-sync; else fail follow-initial-sync; fi
# The routes appear before the state is written: wait for both.
if wait_state "pid $pid"; then pass follow-state-pid; else fail follow-state-pid; fi
kill -TERM $pid
wait $pid
check_eq follow-sigterm-exit-0 0 $?
check_match follow-sigterm-keeps-routes '10.9.0.0/16 dev wg0' "$(in_cl ip route show)"
check_match follow-sigterm-clears-pid 'pid 0' "$(cat "$(state_file)")"
ar down wg0 -q
check_eq follow-then-down-restores "$(echo "$before" | sed '$d' | sed '$d')" "$(snap | sed '$d' | sed '$d')"

ip netns exec "$cl" "$bin" up wg0 --follow -q &
pid=$!
wait_match '^10.9.0.0/16 dev wg0'
ar down wg0 -q
if wait_gone $pid; then pass down-stops-follower; else fail down-stops-follower; kill $pid; fi
check_eq down-with-follower-restores "$(echo "$before" | sed '$d' | sed '$d')" "$(snap | sed '$d' | sed '$d')"

# Link down flushes IPv4 routes; coming back up, the follower restores them.
ip netns exec "$cl" "$bin" up wg0 --follow -q &
pid=$!
wait_match '^10.9.0.0/16 dev wg0'
in_cl ip link set wg0 down
in_cl ip link set wg0 up
if wait_match '^10.9.0.0/16 dev wg0' && wait_match '^default dev wg0 table 51820'; then
	pass follow-link-up-restores-routes
else
	fail follow-link-up-restores-routes "($(in_cl ip route show table all | grep wg0 | tr '\n' '|'))"
fi

# A second follower takes over from the first.
ip netns exec "$cl" "$bin" up wg0 --follow -q &
pid2=$!
if wait_gone $pid; then pass second-follower-replaces-first; else fail second-follower-replaces-first; kill $pid; fi
wait $pid 2>/dev/null

in_cl ip link del wg0
if wait_gone $pid2; then pass follow-exits-on-dellink; else fail follow-exits-on-dellink; kill $pid2; fi
wait $pid2
check_eq follow-dellink-exit-0 0 $?
check_eq follow-dellink-no-rules "$(echo "$before" | grep -E '^[0-9]+:')" "$(in_cl sh -c 'ip -4 rule; ip -6 rule')"
check_eq follow-dellink-no-nft "" "$(in_cl nft list ruleset)"
check_eq follow-dellink-no-state "" "$(state_file)"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
