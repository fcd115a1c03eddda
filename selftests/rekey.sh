#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wg-debug: skip its paced TCP stream and 100 ms pings cannot keep pace on the slow debug kernel
# Key rotation under continuous traffic. The protocol rekeys every 120 s,
# too slow for a test, so this reloads the module with the test-only
# timer_divisor parameter, which divides every protocol time by the same
# factor, and restores the default load at the end.
#
# D=12: REKEY_AFTER_TIME 10 s, REJECT_AFTER_TIME 15 s, REKEY_TIMEOUT 417 ms,
# KEEPALIVE_TIMEOUT 833 ms. (20 was tried: its 250 ms REKEY_TIMEOUT is below
# the round trip to wireguard-go in an emulated guest on a busy host, and
# retransmissions then replace each other's handshakes for seconds, which is
# what the protocol does with a round trip above REKEY_TIMEOUT.) Scenarios:
#  1. the parameter: range checked, read-only, reported;
#  2. ours <-> ours: 22 s of ping every 100 ms, a paced UDP stream and a
#     paced TCP stream while the initiator rekeys twice: no ping and no
#     datagram lost (exact counts), and TCP never stalls for 2 s (a dropped
#     session or lost packets at rotation would stall it for longer; under
#     emulation a guest CPU alone can pause a paced sender for about half a
#     second, so shorter stalls say nothing about the tunnel);
#  3. ours (initiator) <-> wireguard-go (responder, with the protocol's own
#     timers): the same with ping only (wireguard-go on an emulated CPU
#     stalls under TCP load by itself, rekey or not);
#  4. wireguard-go initiates and ours responds; once ours's shortened session
#     runs out (REJECT_AFTER_TIME), ours initiates towards a peer that still
#     holds a session it started itself. (wireguard-go's own rekey, with
#     ours responding, would take 120 s.)
# Handshakes are counted on the wire with nftables counters (initiations
# are the only 156-byte UDP datagrams, responses the only 100-byte ones),
# and latest-handshake is polled to see when they completed.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

D=12
REKEY_AFTER=$((120 / D))
REJECT_AFTER=$((180 / D))
DURATION=22

# Devices in namespaces deleted a moment ago hold the module until the
# kernel's netns cleanup has run: retry for a while.
unload() {
	local i
	for i in $(seq 1 100); do
		lsmod | grep -q '^wireguard ' || return 0
		rmmod wireguard 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

restore_default() {
	ip -all netns delete 2>/dev/null
	killall -q -9 wireguard-go 2>/dev/null
	unload && modprobe wireguard &&
		[ "$(cat /sys/module/wireguard/parameters/timer_divisor)" = 1 ]
}

# --- 1. the parameter ---
check unload-default-module unload
for bad in 0 61 abc; do
	check_not "refuses-timer_divisor=$bad" modprobe wireguard timer_divisor=$bad
done
check_not not-loaded-after-refusals grep -q '^wireguard ' /proc/modules
# The kernel log stays whole (the harness checks it at the end): look only
# at what the load adds.
logpos=$(dmesg | wc -l)
check load-with-divisor modprobe wireguard timer_divisor=$D
param=/sys/module/wireguard/parameters/timer_divisor
check_eq param-reads-back "$D" "$(cat $param)"
check_eq param-read-only 444 "$(stat -c %a $param)"
check_not param-not-writable sh -c "echo 1 > $param"
check_eq param-unchanged "$D" "$(cat $param)"
check_match load-warns "timer_divisor=$D: protocol timers shortened, for testing only" \
	"$(dmesg | tail -n +$((logpos + 1)))"

# From here on, whatever fails, later tests must get the default module.
trap 'restore_default' EXIT

# Counters of handshake messages as seen by ns2, both directions (plain
# rule counters: named counter objects need nft_objref, which the guest
# image does not carry).
count_handshakes() {
	n2 nft -f - <<-'EOF'
	table inet rekey {
		chain in {
			type filter hook input priority 0;
			udp length 156 counter comment "init_in"
			udp length 100 counter comment "resp_in"
		}
		chain out {
			type filter hook output priority 0;
			udp length 156 counter comment "init_out"
			udp length 100 counter comment "resp_out"
		}
	}
	EOF
}
counter() {
	n2 nft list table inet rekey | awk -v c="\"$1\"" '$NF == c {
		for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# poll_handshakes NS DEV OUT: latest-handshake of the single peer, every
# 0.5 s, one line per change, into OUT; in the background until killed.
poll_handshakes() {
	local ns=$1 dev=$2 out=$3 last=0 t
	: >"$out"
	while :; do
		t=$(ip netns exec "$ns" wg show "$dev" latest-handshakes | awk '{ print $2 }')
		if [ -n "$t" ] && [ "$t" != 0 ] && [ "$t" != "$last" ]; then
			echo "$t" >>"$out"
			last=$t
		fi
		sleep 0.5
	done
}

# check_rekeys NAME FILE: the first handshake and at least two rekeys
# completed, each rekey REKEY_AFTER_TIME after the previous handshake: not
# early (the timer would not be the cause) and not as late as
# REJECT_AFTER_TIME (the session would have been dropped). Timestamps are
# whole seconds, so a gap of REKEY_AFTER_TIME reads as that or one less or
# more. One extra handshake within 2 s of a rekey is tolerated and shown:
# a retransmission racing the response it was waiting for completes a
# second handshake, as the protocol allows.
check_rekeys() {
	local name=$1 file=$2 prev='' t gap rekeys=0 extra=0 bad=''
	while read -r t; do
		if [ -n "$prev" ]; then
			gap=$((t - prev))
			if [ $gap -ge $((REKEY_AFTER - 1)) ] &&
			   [ $gap -lt $((REJECT_AFTER - 1)) ]; then
				rekeys=$((rekeys + 1))
			elif [ $gap -le 2 ]; then
				extra=$((extra + 1))
			else
				bad="$bad $gap"
			fi
		fi
		prev=$t
	done <"$file"
	if [ $rekeys -ge 2 ] && [ $extra -le 1 ] && [ -z "$bad" ]; then
		pass "$name-rekeyed-on-time ($rekeys rekeys, $extra extra handshakes)"
	else
		fail "$name-rekeyed-on-time" "($rekeys rekeys, $extra extra, bad gaps:${bad:- none}; handshakes at: $(tr '\n' ' ' <"$file"))"
	fi
}

# check_ping NAME OUTPUT: every request answered.
check_ping() {
	local sent got
	sent=$(echo "$2" | awk '/packets transmitted/ { print $1 }')
	got=$(echo "$2" | awk '/packets transmitted/ { print $4 }')
	if [ -n "$sent" ] && [ "$sent" -ge $((DURATION * 10 / 2)) ] && [ "$got" = "$sent" ]; then
		pass "$1-no-ping-lost ($got/$sent)"
	else
		# Which ones, against the handshake times, for whoever
		# has to tell a rotation from a stalled guest.
		fail "$1-no-ping-lost" "($(echo "$2" | tail -n 2 | tr '\n' ' ') missing icmp_seq: $(echo "$2" |
			awk -F'icmp_seq=' 'NF > 1 { s = $2 + 0; while (++last < s) printf "%d ", last }') handshakes at: $(tr '\n' ' ' </tmp/rekey-hs))"
	fi
}

# check_tcp NAME OUTPUT MBIT: the paced stream never stalled for 2 s (no two
# 1 s intervals in a row below a quarter of the pace) and carried at least
# 80 % of the pace overall. Losses are counted exactly by check_udp.
check_tcp() {
	local name=$1 out=$2 pace=$3 stall total retr
	# Whole intervals only: iperf3 may end with a few empty milliseconds.
	stall=$(echo "$out" | awk -v pace="$pace" 'BEGIN { low = pace / 4 }
		/sec/ && !/sender|receiver/ {
		for (i = 1; i <= NF; i++) if ($i == "sec") { split($(i - 1), t, "-"); break }
		if (t[2] - t[1] < 0.5) next
		for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") { r = $(i - 1); break }
		run = r < low ? run + 1 : 0
		if (run > max) max = run }
		END { print max + 0 }')
	total=$(echo "$out" | awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }')
	retr=$(echo "$out" | awk '/sender/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i + 1) }')
	if [ -n "$total" ] && [ "$stall" -lt 2 ] &&
	   awk "BEGIN { exit !($total >= $pace * 0.8) }"; then
		pass "$name-tcp-no-stall ($stall slow 1 s intervals in a row at most, total $total Mbit/s, $retr retransmits)"
	else
		fail "$name-tcp-no-stall" "($stall slow intervals in a row, total '$total': $(echo "$out" | grep sec | tr -s ' ' | tr '\n' ' '))"
	fi
}

# check_udp NAME OUTPUT MBIT: every datagram of the paced UDP stream
# arrived (iperf3's receiver counts them by sequence number), and the
# stream ran at 80 % of its pace at least.
check_udp() {
	local name=$1 out=$2 pace=$3 line lost all rate
	line=$(echo "$out" | grep receiver | tail -n 1)
	lost=$(echo "$line" | grep -o '[0-9]*/[0-9]* (' | cut -d/ -f1)
	all=$(echo "$line" | grep -o '[0-9]*/[0-9]* (' | cut -d/ -f2 | tr -d ' (')
	rate=$(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }')
	if [ "$lost" = 0 ] && [ "${all:-0}" -gt 0 ] &&
	   awk "BEGIN { exit !($rate >= $pace * 0.8) }"; then
		pass "$name-udp-no-datagram-lost (0 of $all, $rate Mbit/s)"
	else
		fail "$name-udp-no-datagram-lost" "($(echo "$out" | tail -n 4 | tr -s ' ' | tr '\n' ' '))"
	fi
}

# check_initiations NAME: ns1 started the session and, as its initiator,
# does every time-based rekey: one initiation for the first handshake and
# one per REKEY_AFTER_TIME, or two when a response takes longer than the
# shortened REKEY_TIMEOUT and the retransmission is answered as well. A
# storm (rekeying on every packet, both sides racing) would show as many
# more. Every initiation is answered, and ns2 never initiates.
check_initiations() {
	local init resp max=$((2 * (DURATION / REKEY_AFTER + 2)))
	init=$(counter init_in)
	if [ "${init:-0}" -ge 3 ] && [ "$init" -le $max ]; then
		pass "$1-initiations-on-wire ($init)"
	else
		fail "$1-initiations-on-wire" "($init, expected 3..$max)"
	fi
	# The last one may still be in flight when the traffic stops.
	resp=$(counter resp_out)
	if [ -n "$init" ] && [ -n "$resp" ] && [ "$resp" -le "$init" ] &&
	   [ "$resp" -ge $((init - 1)) ]; then
		pass "$1-initiations-answered ($resp of $init)"
	else
		fail "$1-initiations-answered" "($resp of $init)"
	fi
	check_eq "$1-responder-never-initiated" 0 "$(counter init_out)"
}

# traffic NAME DEST [MBIT]: ping (and a TCP stream paced at MBIT) from ns1
# to DEST (served in ns2) for DURATION seconds, while ns1's latest-handshake
# is polled.
traffic() {
	local name=$1 dest=$2 pace=${3:-} poller iperf udp pout tout uout
	if [ -n "$pace" ]; then
		n2 iperf3 -s -D -1 -B "$dest" >/dev/null 2>&1
		n2 iperf3 -s -D -1 -B "$dest" -p 5202 >/dev/null 2>&1
		sleep 0.5
	fi
	# First contact outside the measurement: the initial handshake.
	n1 ping -c 1 -W 3 "$dest" >/dev/null 2>&1
	poll_handshakes ns1 wg0 /tmp/rekey-hs &
	poller=$!
	tout=$(mktemp)
	uout=$(mktemp)
	if [ -n "$pace" ]; then
		n1 iperf3 -c "$dest" -t "$DURATION" -b "${pace}M" -i 1 -f m >"$tout" 2>&1 &
		iperf=$!
		# Half the pace in 1000-byte datagrams: about 125 a second.
		n1 iperf3 -c "$dest" -p 5202 -u -l 1000 -t "$DURATION" \
			-b "$((pace * 500))K" -f m >"$uout" 2>&1 &
		udp=$!
	fi
	pout=$(n1 ping -c $((DURATION * 10)) -i 0.1 -W 3 "$dest" 2>&1)
	[ -n "$pace" ] && wait "$iperf" "$udp"
	kill "$poller"
	wait "$poller" 2>/dev/null
	check_ping "$name" "$pout"
	if [ -n "$pace" ]; then
		check_tcp "$name" "$(cat "$tout")" "$pace"
		check_udp "$name" "$(cat "$uout")" "$(awk "BEGIN { print $pace / 2 }")"
	fi
	rm -f "$tout" "$uout"
	check_rekeys "$name" /tmp/rekey-hs
}

# --- 2. ours <-> ours ---
make_wire
make_tunnel 4
count_handshakes
traffic ours 10.10.0.2 2
check_initiations ours
check_eq ours-no-rx-errors 0 "$(n2 cat /sys/class/net/wg0/statistics/rx_errors)"
teardown_netns

# --- 3. ours (initiator) <-> wireguard-go (responder) ---
start_go() {
	# verbose: its handshakes and timers, shown if a check below fails.
	LOG_LEVEL=verbose \
	WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 WG_PROCESS_FOREGROUND=1 \
		ip netns exec ns2 wireguard-go wggo0 >/tmp/wireguard-go.log 2>&1 &
	gopid=$!
	for _ in $(seq 1 50); do [ -S /run/wireguard/wggo0.sock ] && break; sleep 0.1; done
	check "$1-wireguard-go-started" test -S /run/wireguard/wggo0.sock
}
stop_go() {
	kill "$gopid" 2>/dev/null
	wait "$gopid" 2>/dev/null
}
# go_tunnel NAME [endpoint-at-go]: ns1: ours, 10.20.0.1; ns2: wireguard-go,
# 10.20.0.2. endpoint-at-go gives wireguard-go our endpoint (it initiates)
# instead of giving ours its, and a persistent keepalive, see scenario 4.
go_tunnel() {
	local ours_ep=(endpoint 192.168.241.2:10002) go_ep=()
	if [ "${2:-}" = endpoint-at-go ]; then
		ours_ep=()
		go_ep=(endpoint 192.168.241.1:10001 persistent-keepalive 1)
	fi
	make_wire
	# Before wireguard-go gets a peer: with a keepalive it initiates at once.
	count_handshakes
	n1 ip link add wg0 type wireguard
	n1 wg set wg0 private-key <(echo "$key1") listen-port 10001 \
		peer "$pub2" preshared-key <(echo "$psk") \
		allowed-ips 10.20.0.2/32 "${ours_ep[@]}"
	n1 ip addr add 10.20.0.1/24 dev wg0
	n1 ip link set wg0 up
	start_go "$1"
	n2 wg set wggo0 private-key <(echo "$key2") listen-port 10002 \
		peer "$pub1" preshared-key <(echo "$psk") \
		allowed-ips 10.20.0.1/32 "${go_ep[@]}"
	n2 ip addr add 10.20.0.2/24 dev wggo0
	n2 ip link set wggo0 up
}

key1=$(wg genkey); pub1=$(echo "$key1" | wg pubkey)
key2=$(wg genkey); pub2=$(echo "$key2" | wg pubkey)
psk=$(wg genpsk)
go_tunnel go
traffic go 10.20.0.2
# wireguard-go's own rekey timer (120 s) does not fire within the test.
check_initiations go
stop_go
teardown_netns

# --- 4. wireguard-go initiates; ours responds, then takes over ---
# Ours's responder session ends at its (shortened) REJECT_AFTER_TIME; ours's
# next packet is staged, ours initiates towards a peer that still holds the
# session it started itself, sends the packet on the new session, and the
# reply comes on that. One reply may be lost: a request sent on the old
# session just before ours drops it can be answered on that session just
# after, when ours no longer accepts it. With the protocol's timers on both
# sides wireguard-go would have rekeyed long before; only the mixed time
# scales of this test let its session get that old. wireguard-go sends a
# persistent keepalive every second: otherwise ours, having sent data
# (its answer to wireguard-go's first ping) and heard nothing back for
# KEEPALIVE + REKEY_TIMEOUT (1.25 s here, while wireguard-go's passive
# keepalive waits 10 s), would rightly rekey before its own ping starts.
go_tunnel takeover endpoint-at-go
failures_before=$failures
poll_handshakes ns1 wg0 /tmp/rekey-hs &
poller=$!
check takeover-go-initiates n2 ping -c 1 -W 3 10.20.0.1
pout=$(n1 ping -c $((REJECT_AFTER * 10 + 20)) -i 0.1 -W 3 10.20.0.2 2>&1)
kill "$poller"
wait "$poller" 2>/dev/null
sent=$(echo "$pout" | awk '/packets transmitted/ { print $1 }')
got=$(echo "$pout" | awk '/packets transmitted/ { print $4 }')
if [ -n "$sent" ] && [ "$sent" -ge $((REJECT_AFTER * 10)) ] &&
   [ "$got" -ge $((sent - 1)) ]; then
	pass "takeover-ping-at-most-one-lost ($got/$sent)"
else
	fail takeover-ping-at-most-one-lost "($(echo "$pout" | tail -n 2 | tr '\n' ' '))"
fi
check_eq takeover-go-initiated-once 1 "$(counter init_out)"
check_eq takeover-ours-responded 1 "$(counter resp_in)"
init=$(counter init_in)
if [ "${init:-0}" -ge 1 ]; then pass "takeover-ours-initiated ($init)"; else fail takeover-ours-initiated "($init)"; fi
check_eq takeover-go-answered "$init" "$(counter resp_out)"
# The first handshake ours completed was wireguard-go's, the second ours's
# own, at the latest REJECT_AFTER_TIME later (whole seconds: one more is
# fine). On a quiet host it is exactly then; when wireguard-go stalls for
# more than KEEPALIVE + REKEY_TIMEOUT (seen on a host loaded several times
# over) ours rightly rekeys earlier, as a peer that heard nothing back.
mapfile -t hs </tmp/rekey-hs
gap=$(( ${hs[1]:-0} - ${hs[0]:-0} ))
if [ ${#hs[@]} -ge 2 ] && [ $gap -ge 1 ] && [ $gap -le $((REJECT_AFTER + 1)) ]; then
	pass "takeover-by-reject-after-time ($gap s, REJECT_AFTER_TIME $REJECT_AFTER s)"
else
	fail takeover-by-reject-after-time "(handshakes at: ${hs[*]})"
fi
stop_go
if [ "$failures" -ne "$failures_before" ]; then
	echo "  ours, handshakes completed at (s): ${hs[*]}"
	grep -iE 'handshake|keypair|retry' /tmp/wireguard-go.log |
		sed 's/^/    wireguard-go: /' | tail -n 60
fi
teardown_netns

# --- back to the protocol's timers for the tests that follow ---
trap - EXIT
logpos=$(dmesg | wc -l)
check reload-default restore_default
check_not default-load-silent sh -c "dmesg | tail -n +$((logpos + 1)) | grep -q timer_divisor"
echo "rekey: ${SECONDS} s in the guest"
finish
