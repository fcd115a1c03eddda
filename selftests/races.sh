#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wg-kernels: 6.1
# wg-optin
# (Opt-in, not in make check: in the last full run, after 10-50 rounds of
# private-key/setconf/move-netns/rmmod under traffic the re-created tunnel
# did not pass traffic again within 15 s, and del-netns failed in round 1;
# the kernel log stayed clean. Run with WG_TESTS=races.)
# Teardown and reconfiguration racing live traffic. While TCP (iperf3) and
# ping floods run through the tunnel in both directions, each scenario
# repeats one disruptive action WG_RACE_ROUNDS times (default 50):
#   del-device   delete ns2's wg0, re-create it
#   del-netns    delete ns2 itself (veth, wg0 and all), re-create it
#   private-key  change ns2's private key (and back)
#   setconf      REPLACE_PEERS with a different peer set (and back)
#   move-netns   move ns2's wg0 to ns3 and back (its socket stays in ns2)
#   rmmod        unload the module under traffic (it takes the devices
#                with it), load it again
# Every command is bounded by a timeout: a hang is a failure, not a stuck
# run. Afterwards: the module unloads, no device or namespace is left over,
# and the kernel log has no splat (the harness checks the log once more
# after all tests).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

rounds=${WG_RACE_ROUNDS:-50}
# Each scenario also stops after WG_RACE_SCENARIO_SECONDS (the guest runs a
# test for at most 600 s) but must have done at least this many rounds.
# Under TCG on a busy 2-core host a round takes 4-10 s, so the PASS line
# reports the rounds actually done.
min_rounds=$(( rounds < 3 ? rounds : 3 ))
# Seconds a single command may take before it counts as hung: generous,
# the guest is emulated and may run a debug kernel.
tmo=${WG_RACE_TIMEOUT:-60}
hung=""

# t CMD...: runs CMD bounded; a timeout is recorded as a hang.
t() {
	timeout "$tmo" "$@"
	local rc=$?
	[ $rc -eq 124 ] && hung="$hung [$*]"
	return $rc
}
t1() { t ip netns exec ns1 "$@"; }
t2() { t ip netns exec ns2 "$@"; }

# Net namespaces still allocated, as their slab cache counts them (-1 when
# the cache is merged with another and cannot be seen). SLUB counts the
# objects of per-CPU slabs as in use: shrinking first flushes those.
netns_objects() {
	echo 1 >/sys/kernel/slab/net_namespace/shrink 2>/dev/null
	awk '$1 == "net_namespace" { print $2; found = 1 } END { if (!found) print -1 }' /proc/slabinfo 2>/dev/null
}

# wg_dev NS KEY PORT PEERPUB PEERIP ENDPOINT ADDR: (re)creates NS's wg0.
wg_dev() {
	local ns=$1
	t ip -n "$ns" link del wg0 2>/dev/null
	t ip -n "$ns" link add wg0 type wireguard || return 1
	t ip netns exec "$ns" wg set wg0 private-key <(echo "$2") listen-port "$3" \
		peer "$4" preshared-key <(echo "$psk") allowed-ips "$5" \
		endpoint "$6" || return 1
	wg_addrs "$ns" "$7"
}
wg_addrs() {
	t ip -n "$1" addr add "$2/24" dev wg0 &&
	t ip -n "$1" link set wg0 up
}
wg1() { wg_dev ns1 "$key1" 10001 "$pub2" 10.10.0.2/32 192.168.241.2:10002 10.10.0.1; }
wg2() { wg_dev ns2 "$key2" 10002 "$pub1" 10.10.0.1/32 192.168.241.1:10001 10.10.0.2; }

# ns2 from nothing: namespace, its end of the wire, wg0.
make_ns2() {
	local n
	t ip netns add ns2 || return 1
	# A deleted namespace is torn down asynchronously (cleanup_net), the
	# old veth pair with it: wait for its end in ns1 to go.
	for n in $(seq 1 100); do
		ip -n ns1 link show veth1 >/dev/null 2>&1 || break
		sleep 0.2
	done
	t ip -n ns1 link add veth1 type veth peer name veth2 netns ns2 || return 1
	t ip -n ns1 addr add 192.168.241.1/24 dev veth1
	t ip -n ns2 addr add 192.168.241.2/24 dev veth2
	t ip -n ns1 link set veth1 up
	t ip -n ns2 link set veth2 up
	t ip -n ns2 link set lo up
	wg2
}

# Traffic: an iperf3 server in each namespace and, from each side, TCP and
# fast pings towards the other, restarted whenever they die (a device or a
# namespace going away ends them). Each loop runs inside its namespace.
# Rates are capped so that the emulated CPUs keep time for the control
# commands under test (uncapped, a round takes many seconds).
traffic_ns() {
	local ns=$1 peer=$2 myport=$3 peerport=$4
	ip netns exec "$ns" bash -c "
		while :; do timeout 45 iperf3 -s -1 -p $myport --idle-timeout 20 >/dev/null 2>&1; sleep 0.2; done &
		while :; do timeout 40 iperf3 -c $peer -p $peerport -t 30 -b ${WG_RACE_RATE:-40M} --connect-timeout 2000 >/dev/null 2>&1; sleep 0.5; done &
		while :; do timeout 40 ping -q -i 0.005 -w 30 $peer >/dev/null 2>&1; sleep 0.5; done &
		wait" &
}
traffic_start() {
	traffic_ns ns1 10.10.0.2 5202 5201
	traffic_ns ns2 10.10.0.1 5201 5202
}
# Kills every process in a namespace (our traffic loops only).
ns_kill() {
	local p
	p=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$p" ] && kill -9 $p 2>/dev/null
	true
}
traffic_stop() {
	ns_kill ns1
	ns_kill ns2
	ns_kill ns3
	# The "ip netns exec" wrappers of namespaces deleted meanwhile.
	kill -9 $(jobs -p) 2>/dev/null
	wait 2>/dev/null
}

# works: the tunnel still carries traffic. ns2 speaks first: after a
# re-creation it has no session and starts a handshake at once, whereas
# ns1 may still hold a session ns2 has forgotten.
works() {
	t2 ping -c 1 -w 15 -q 10.10.0.1 >/dev/null 2>&1 &&
	t1 ping -c 1 -w 15 -q 10.10.0.2 >/dev/null 2>&1
}

# scenario NAME ACTION: ACTION runs $rounds times under traffic; then the
# tunnel is brought back to the reference state and must work again.
scenario() {
	local name=$1 action=$2 i start ok=0 why="" limit
	# A scenario stops early rather than overrun its share of the time.
	limit=$(( $(date +%s) + ${WG_RACE_SCENARIO_SECONDS:-35} ))
	hung=""
	start=$(date +%s)
	for ((i = 1; i <= rounds; i++)); do
		if ! $action "$i"; then
			why="round $i failed"
			break
		fi
		[ -n "$hung" ] && { why="hang:$hung"; break; }
		ok=$i
		[ "$(date +%s)" -ge "$limit" ] && break
	done
	# Back to the reference configuration, whatever the action left (also
	# after a failure, so that the next scenario starts from a tunnel).
	[ -e /run/netns/ns2 ] || make_ns2
	ip -n ns1 link show wg0 >/dev/null 2>&1 || wg1
	ip -n ns2 link show wg0 >/dev/null 2>&1 || wg2
	ip -n ns2 link set wg0 up 2>/dev/null
	t2 wg setconf wg0 "$conf_dir/a.conf" >/dev/null 2>&1
	if [ -z "$why" ] && ! works; then
		why="tunnel dead after $ok rounds"
	fi
	[ -n "$hung" ] && why="hang:$hung"
	if [ -z "$why" ] && [ "$ok" -lt "$min_rounds" ]; then
		why="too slow: only $ok rounds in the time allowed"
	fi
	if [ -z "$why" ]; then
		pass "$name ($ok rounds, $(( $(date +%s) - start ))s)"
	else
		fail "$name" "($why; $ok rounds survived)"
	fi
}

act_del_device() {
	t ip -n ns2 link del wg0 && wg2
}

act_del_netns() {
	# Processes pin a namespace: end ns2's traffic first, then delete it
	# while ns1 is still sending to it.
	ns_kill ns2
	t ip netns del ns2 || return 1
	make_ns2 || return 1
	# Traffic from ns2 again, every few rounds (it takes time to ramp).
	if [ $(($1 % 5)) -eq 0 ] || [ "$1" -eq "$rounds" ]; then
		traffic_ns ns2 10.10.0.1 5201 5202
	fi
	true
}

act_private_key() {
	t2 wg set wg0 private-key <(echo "$key2b") &&
	t2 wg set wg0 private-key <(echo "$key2")
}

act_setconf() {
	t2 wg setconf wg0 "$conf_dir/b.conf" &&
	t2 wg setconf wg0 "$conf_dir/a.conf"
}

act_move_netns() {
	t ip -n ns2 link set wg0 netns ns3 || return 1
	t ip -n ns3 link set wg0 up
	t ip -n ns3 link set wg0 netns ns2 || return 1
	# A move drops addresses and takes the device down.
	wg_addrs ns2 10.10.0.2
}

act_rmmod() {
	local n
	# The module may be briefly held (a netlink dump in flight): retry.
	for n in 1 2 3 4 5; do
		t rmmod wireguard 2>/dev/null && break
		[ -n "$hung" ] && return 1
		sleep 0.2
	done
	lsmod | grep -q '^wireguard ' && return 1
	t modprobe wireguard || return 1
	wg1 && wg2
}

netns_before=$(netns_objects)
make_wire
ip netns add ns3
make_tunnel 4
conf_dir=$(mktemp -d)
# make_tunnel chose key1, key2, pub1, pub2 and psk; key2b is the other key
# of the private-key scenario.
key2b=$(wg genkey)
# ns2's configuration with the real peer plus filler, and one without it.
{
	printf '[Interface]\nPrivateKey = %s\nListenPort = 10002\n' "$key2"
	printf '[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 10.10.0.1/32, fd10::1/128\nEndpoint = 192.168.241.1:10001\n' "$pub1" "$psk"
	for i in 1 2 3; do
		printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.20.%d.0/24\n' "$(wg genkey | wg pubkey)" "$i"
	done
} >"$conf_dir/a.conf"
{
	printf '[Interface]\nPrivateKey = %s\nListenPort = 10002\n' "$key2"
	for i in 4 5; do
		printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.20.%d.0/24, 10.10.0.1/32\nEndpoint = 192.168.241.1:10001\n' "$(wg genkey | wg pubkey)" "$i"
	done
} >"$conf_dir/b.conf"

t2 wg setconf wg0 "$conf_dir/a.conf"
t2 ip addr add fd10::2/64 dev wg0 nodad 2>/dev/null
if works; then pass tunnel-up; else fail tunnel-up; fi
traffic_start
sleep 3

scenario del-device act_del_device
scenario del-netns act_del_netns
scenario private-key act_private_key
scenario setconf act_setconf
scenario move-netns act_move_netns
scenario rmmod act_rmmod

traffic_stop
teardown_netns
rm -rf "$conf_dir"

# Nothing left behind: devices, namespaces, and the module itself.
left=$(ip -o link show type wireguard 2>/dev/null)
check_eq no-leaked-devices "" "$left"
check_eq no-leaked-netns-names "" "$(ip netns list)"
if timeout "$tmo" rmmod wireguard; then pass module-unload; else fail module-unload; fi
check_not module-gone grep -q '^wireguard ' /proc/modules
# Namespace teardown is asynchronous (cleanup_net): give it a moment.
if [ "$netns_before" -ge 0 ]; then
	for _ in $(seq 1 30); do
		[ "$(netns_objects)" -le "$netns_before" ] && break
		sleep 1
	done
	now=$(netns_objects)
	if [ "$now" -le "$netns_before" ]; then pass "no-leaked-netns ($now)"; else fail no-leaked-netns "($netns_before -> $now)"; fi
fi
# A device reference never dropped shows up here within ~10 s.
check_not no-stuck-unregister grep -q 'unregister_netdevice: waiting' <(dmesg)
timeout "$tmo" modprobe wireguard
finish
