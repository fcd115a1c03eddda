#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Replayed packets: real messages captured off the wire (wg-replay) and sent
# again, verbatim and from a spoofed source address and port, over IPv4 and
# IPv6 outer, change nothing:
#   - data: the replay window drops every copy (counted in rx_dropped); no
#     datagram is delivered twice, the peer's rx bytes and the device's
#     rx_packets stay put, the endpoint does not move to the spoofed source;
#   - initiation, replayed after its handshake completed: its TAI64N
#     timestamp is not newer than the last accepted one, so no response is
#     sent, the session and latest-handshake stay, the endpoint stays;
#   - response: the initiator's handshake already became a session (the
#     index now names a keypair), so it matches nothing;
#   - cookie reply (provoked with a short wg-flood): it is bound to the mac1
#     of the message it answered and accepted once.
# The harness checks the kernel log for warnings after the run.
#
# Counters the assertions read are kept still by the traffic pattern: the
# last data before a snapshot goes one way only, towards the observed side,
# so only the observed side owes a keepalive (and the other side never
# sends one into the window).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

if ! command -v wg-replay >/dev/null; then
	fail tool "(wg-replay not in PATH: make -C selftests/tools)"
	finish
fi

tmp=$(mktemp -d)
stat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
hs() { ip netns exec "$1" wg show wg0 latest-handshakes | awk '{ print $2 }'; }
rxbytes() { ip netns exec "$1" wg show wg0 transfer | awk '{ print $2 }'; }
endpoint() { ip netns exec "$1" wg show wg0 endpoints | awk '{ print $2 }'; }

# capture NS NAME ARGS...: wg-replay in the background, output in
# $tmp/NAME.out; returns once its socket is bound. Its pid is in $cap_pid.
capture() {
	local ns=$1 name=$2 i
	shift 2
	ip netns exec "$ns" wg-replay "$@" >"$tmp/$name.out" 2>&1 &
	cap_pid=$!
	for i in $(seq 100); do
		grep -qs '^wg-replay: listening' "$tmp/$name.out" && return 0
		sleep 0.1
	done
	return 1
}
captured() { sed -n 's/^wg-replay: captured=\([0-9]*\).*/\1/p' "$tmp/$1.out"; }
sent() { echo "$1" | sed -n 's/^wg-replay: captured=[0-9]* sent=\([0-9]*\).*/\1/p'; }

# one_way FROM ADDR PORT N: N datagrams "msg-I" through the tunnel, one
# write each from one socket, to a listener that only receives (no
# replies, no ICMP back).
one_way() {
	ip netns exec "$1" bash -c 'exec 3>"/dev/udp/$1/$2" &&
		for i in $(seq "$3"); do echo "msg-$i" >&3; sleep 0.2; done' \
		- "$2" "$3" "$4"
}

# listen NS ADDR PORT FILE: a receive-only UDP listener; returns once bound,
# its pid in $l_pid.
listen() {
	local hex i
	ip netns exec "$1" ncat -u -l --recv-only "$2" "$3" >"$4" 2>/dev/null &
	l_pid=$!
	hex=$(printf ':%04X ' "$3")
	for i in $(seq 50); do
		ip netns exec "$1" grep -q "$hex" /proc/net/udp && return 0
		sleep 0.1
	done
	return 1
}

run() {
	local fam=$1 spoof1 spoof2 ep1 ep2 v s out l_pid
	local drop0 rxp0 rx0 vrx0 hs1 hs2
	if [ "$fam" = 6 ]; then
		spoof1=fd00:241::66 spoof2=fd00:241::77
		ep1="[fd00:241::1]:10001" ep2="[fd00:241::2]:10002"
	else
		spoof1=192.168.241.66 spoof2=192.168.241.77
		ep1=192.168.241.1:10001 ep2=192.168.241.2:10002
	fi
	make_wire
	make_tunnel "$fam"
	# The "attacker" addresses exist on the wire, so that anything the
	# module wrongly sent to them would really leave (no failed ARP/ND
	# hiding it from the capture).
	if [ "$fam" = 6 ]; then
		# Deprecated, so that the hosts never pick them as source
		# of their own packets.
		n1 ip addr add $spoof1/64 dev veth1 nodad preferred_lft 0
		n2 ip addr add $spoof2/64 dev veth2 nodad preferred_lft 0
	else
		n1 ip addr add $spoof1/24 dev veth1
		n2 ip addr add $spoof2/24 dev veth2
	fi

	# --- The first handshake, captured in both directions.
	capture ns1 init$fam -i veth1 -p 10002 -t 1 -n 1 -w 20000 -o "$tmp/init.bin"
	local init_pid=$cap_pid
	capture ns2 resp$fam -i veth2 -p 10001 -t 2 -n 1 -w 20000 -o "$tmp/resp.bin"
	local resp_pid=$cap_pid
	check "v$fam/ping" n1 ping -c 2 -W 3 -i 0.3 10.10.0.2
	wait "$init_pid" "$resp_pid"
	check_eq "v$fam/initiation-captured" 1 "$(captured init$fam)"
	check_eq "v$fam/response-captured" 1 "$(captured resp$fam)"

	# --- Data, ns1 -> ns2: five datagrams to a receive-only listener.
	listen ns2 10.10.0.2 5000 "$tmp/udp$fam.txt"
	capture ns1 data$fam -i veth1 -p 10002 -t 4 -m 33 -n 5 -w 20000 -o "$tmp/data.bin"
	one_way ns1 10.10.0.2 5000 5
	wait "$cap_pid"
	check_eq "v$fam/data-captured" 5 "$(captured data$fam)"
	sleep 0.5
	hs2=$(hs ns2)
	drop0=$(stat ns2 wg0 rx_dropped)
	rxp0=$(stat ns2 wg0 rx_packets)
	rx0=$(rxbytes ns2)
	vrx0=$(stat ns2 veth2 rx_packets)
	out=$(n1 wg-replay -i veth1 -f "$tmp/data.bin" -k 2 2>&1)
	check_eq "v$fam/data-replayed" 10 "$(sent "$out")"
	out=$(n1 wg-replay -i veth1 -f "$tmp/data.bin" -s $spoof1 -S 4444 2>&1)
	check_eq "v$fam/data-replayed-spoofed" 5 "$(sent "$out")"
	sleep 1
	v=$(($(stat ns2 veth2 rx_packets) - vrx0))
	if [ "$v" -ge 15 ]; then pass "v$fam/data-arrived ($v)"; else fail "v$fam/data-arrived" "(veth2 got $v of 15)"; fi
	# Every copy authenticated and was then refused by the replay window:
	# that, and only that, is counted in rx_dropped.
	check_eq "v$fam/data-replay-window-drops" 15 $(($(stat ns2 wg0 rx_dropped) - drop0))
	check_eq "v$fam/data-rx-packets-unchanged" "$rxp0" "$(stat ns2 wg0 rx_packets)"
	check_eq "v$fam/data-rx-bytes-unchanged" "$rx0" "$(rxbytes ns2)"
	check_eq "v$fam/data-endpoint-unchanged" "$ep1" "$(endpoint ns2)"
	kill "$l_pid" 2>/dev/null
	wait "$l_pid" 2>/dev/null
	check_eq "v$fam/data-delivered-once" "msg-1 msg-2 msg-3 msg-4 msg-5" \
		"$(tr '\n' ' ' <"$tmp/udp$fam.txt" | sed 's/ $//')"

	# --- The initiation, replayed long after its handshake completed.
	rx0=$(rxbytes ns2)
	hs1=$(hs ns1)
	capture ns2 resp-count$fam -i veth2 -p 0 -t 2 -n 1 -w 2500 -c
	s=$cap_pid
	out=$(n1 wg-replay -i veth1 -f "$tmp/init.bin" -k 3 2>&1)
	check_eq "v$fam/initiation-replayed" 3 "$(sent "$out")"
	out=$(n1 wg-replay -i veth1 -f "$tmp/init.bin" -s $spoof1 -S 4444 -k 3 2>&1)
	check_eq "v$fam/initiation-replayed-spoofed" 3 "$(sent "$out")"
	wait "$s"
	check_eq "v$fam/initiation-no-response" 0 "$(captured resp-count$fam)"
	check_eq "v$fam/initiation-rx-bytes-unchanged" "$rx0" "$(rxbytes ns2)"
	check_eq "v$fam/initiation-endpoint-unchanged" "$ep1" "$(endpoint ns2)"
	check "v$fam/initiation-ping-after" n1 ping -c 2 -W 3 -i 0.3 10.10.0.2
	check_eq "v$fam/initiation-session-kept-ns2" "$hs2" "$(hs ns2)"
	check_eq "v$fam/initiation-session-kept-ns1" "$hs1" "$(hs ns1)"

	# The response's handling does not depend on the outer family: once
	# (IPv4) is enough for the time this costs.
	[ "$fam" = 6 ] && return
	# --- The response, replayed to the initiator. Last data towards ns1,
	# so ns1 owes the keepalive and its rx counter stays still.
	listen ns1 10.10.0.1 5001 /dev/null
	one_way ns2 10.10.0.1 5001 1
	sleep 0.5
	rx0=$(rxbytes ns1)
	vrx0=$(stat ns1 veth1 rx_packets)
	out=$(n2 wg-replay -i veth2 -f "$tmp/resp.bin" -k 3 2>&1)
	check_eq "v$fam/response-replayed" 3 "$(sent "$out")"
	out=$(n2 wg-replay -i veth2 -f "$tmp/resp.bin" -s $spoof2 -S 4445 -k 3 2>&1)
	check_eq "v$fam/response-replayed-spoofed" 3 "$(sent "$out")"
	sleep 1
	v=$(($(stat ns1 veth1 rx_packets) - vrx0))
	if [ "$v" -ge 6 ]; then pass "v$fam/response-arrived ($v)"; else fail "v$fam/response-arrived" "(veth1 got $v of 6)"; fi
	check_eq "v$fam/response-rx-bytes-unchanged" "$rx0" "$(rxbytes ns1)"
	check_eq "v$fam/response-endpoint-unchanged" "$ep2" "$(endpoint ns1)"
	check_eq "v$fam/response-session-kept" "$hs1" "$(hs ns1)"
	kill "$l_pid" 2>/dev/null
	wait "$l_pid" 2>/dev/null
	check "v$fam/response-ping-after" n1 ping -c 2 -W 3 -i 0.3 10.10.0.2
	check_eq "v$fam/response-no-new-handshake" "$hs1" "$(hs ns1)"
}

# A cookie reply needs ns2 under load: a short flood of initiations with a
# valid mac1 from ns3 (as in flood.sh), during which ns1 starts handshakes.
# The flood is paced: enough to keep the handshake queue past the "under
# load" mark, not so much that the queue is full and ns1's initiation is
# dropped before it could be answered (that is the flood defence working,
# but gives no cookie to capture).
cookie() {
	local pub2 flood hs1 out vrx0
	make_flood_source
	pub2=$(n2 wg show wg0 public-key)

	capture ns2 cookie -i veth2 -p 10001 -t 3 -n 1 -w 60000 -o "$tmp/cookie.bin"
	local cookie_pid=$cap_pid i rate
	# How fast the device takes initiations depends on the machine: the
	# flood starts slow and speeds up until a cookie comes back.
	for rate in 2000 4000 8000; do
		n3 timeout 30 wg-flood -k "$pub2" -d 192.168.242.2 -p 10002 \
			-s 10.77.0.1 -n 1024 -t 6 -r $rate >"$tmp/flood.out" 2>&1 &
		flood=$!
		# Fresh handshakes from ns1 (down/up forgets the session, the
		# ping starts one) until ns2, under load, answers one with a
		# cookie; the retry with mac2 then completes the handshake.
		for i in $(seq 12); do
			sleep 0.5
			kill -0 "$cookie_pid" 2>/dev/null || break
			kill -0 "$flood" 2>/dev/null || break
			n1 ip link set wg0 down
			n1 ip link set wg0 up
			n1 ping -c 1 -W 1 10.10.0.2 >/dev/null 2>&1
		done
		if ! kill -0 "$cookie_pid" 2>/dev/null; then
			kill "$flood" 2>/dev/null
			wait "$flood"
			break
		fi
		# No cookie yet: say how the flood went, in case none comes.
		wait "$flood"
		echo "    $(cat "$tmp/flood.out"), $i handshakes started by ns1"
	done
	kill "$cookie_pid" 2>/dev/null
	wait "$cookie_pid"
	check_eq cookie-captured 1 "$(captured cookie)"
	check cookie-handshake-after-flood n1 ping -c 1 -w 20 10.10.0.2
	sleep 1.2
	hs1=$(hs ns1)
	vrx0=$(stat ns1 veth1 rx_packets)
	out=$(n2 wg-replay -i veth2 -f "$tmp/cookie.bin" -k 3 2>&1)
	check_eq cookie-replayed 3 "$(sent "$out")"
	out=$(n2 wg-replay -i veth2 -f "$tmp/cookie.bin" -s 192.168.241.77 -S 4446 -k 3 2>&1)
	check_eq cookie-replayed-spoofed 3 "$(sent "$out")"
	sleep 1
	out=$(($(stat ns1 veth1 rx_packets) - vrx0))
	if [ "$out" -ge 6 ]; then pass "cookie-arrived ($out)"; else fail cookie-arrived "(veth1 got $out of 6)"; fi
	check_eq cookie-endpoint-unchanged 192.168.241.2:10002 "$(endpoint ns1)"
	check cookie-ping-after n1 ping -c 2 -W 3 -i 0.3 10.10.0.2
	check_eq cookie-session-kept "$hs1" "$(hs ns1)"
}

run 4
# The cookie needs the device overloaded by a generator on the same kernel,
# which the slow debug kernel cannot arrange (see flood.sh).
if [ "${WG_DEBUG_KERNEL:-no}" = yes ]; then
	echo "SKIP: replay/cookie-* (no overload on the debug kernel)"
else
	cookie
fi
teardown_netns
run 6
teardown_netns
rm -rf "$tmp"
finish
