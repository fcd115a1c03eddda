#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wg-kernels: 6.1
# Teardown and reconfiguration racing live traffic. While TCP (iperf3) and
# ping floods run through the tunnel in both directions, each scenario
# repeats one disruptive action:
#   del-device   delete ns2's wg0, re-create it
#   del-netns    delete ns2 itself (veth, wg0 and all), re-create it
#   private-key  change ns2's private key (and back)
#   setconf      REPLACE_PEERS with a different peer set (and back)
#   move-netns   move ns2's wg0 to ns3 and back (its socket stays in ns2)
#   rmmod        unload the module under traffic (it takes the devices
#                with it), load it again
# After each scenario the tunnel must carry traffic again in both
# directions. Every command is bounded by a timeout: a hang is a failure,
# not a stuck run. Afterwards: the module unloads, no device or namespace
# is left over, and the kernel log has no splat (the harness checks the
# log once more after all tests).
#
# Rounds: each scenario runs until it has done RACE_ROUNDS rounds or has
# used RACE_SECONDS, but at least 3 rounds. make check uses the defaults,
# 50 rounds or 15 s per scenario: under TCG a round takes 1-10 s (every
# process costs about a second while the traffic runs, more when the host
# is busy), so that is 3-15 rounds each and about 3 minutes in all on an
# idle host. The long run does all 50 rounds of one or more scenarios (the
# guest gives a test 600 s), e.g.
#   WG_TESTS=races WG_KERNELS=6.1 \
#   WG_GUEST_APPEND="wg.race_seconds=0 wg.race_only=setconf" make check
# Knobs, from the kernel command line (wg.race_rounds=, wg.race_seconds=,
# wg.race_only=a,b, wg.race_rate=2M, wg.race_debug=1: time every command,
# module debug messages) or, run by hand in the guest, the environment
# (WG_RACE_ROUNDS, ...). RACE_SECONDS=0 means no time limit.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

# knob NAME DEFAULT: wg.race_NAME= on the kernel command line, else
# WG_RACE_NAME from the environment, else DEFAULT.
knob() {
	local arg v=""
	for arg in $(cat /proc/cmdline 2>/dev/null); do
		case "$arg" in "wg.race_$1="*) v=${arg#*=} ;; esac
	done
	[ -z "$v" ] && eval "v=\${WG_RACE_${1^^}:-}"
	echo "${v:-$2}"
}
rounds=$(knob rounds 50)
seconds=$(knob seconds 15)
only=$(knob only all)
debug=$(knob debug "")
min_rounds=$(( rounds < 3 ? rounds : 3 ))
# Seconds a single command may take before it counts as hung: generous,
# the guest is emulated and may run a debug kernel.
tmo=$(knob timeout 60)
hung=""

# t CMD...: runs CMD bounded; a timeout is recorded as a hang.
t() {
	local rc start=$EPOCHREALTIME
	timeout "$tmo" "$@"
	rc=$?
	[ $rc -eq 124 ] && hung="$hung [$*]"
	[ -n "$debug" ] && echo "    [$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 )) ms rc=$rc] $*"
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
# netns_settled [TARGET]: the count once namespace teardown has caught up.
# The kernel (6.1 cleanup_net) frees the namespaces of one cleanup round
# only in the next round, so the last ones deleted stay allocated until
# another namespace goes: delete a throwaway one until the count reaches
# TARGET (bounded), and measure the baseline the same way.
netns_settled() {
	local n now
	for n in $(seq 1 30); do
		ip netns add wg-settle 2>/dev/null && ip netns del wg-settle
		sleep 1
		now=$(netns_objects)
		[ "$now" -le "${1:-1}" ] && break
	done
	echo "$now"
}

# Under TCG every process costs about a second while the traffic runs:
# the rounds use as few as they can (ip -batch where it can).
# wg_dev NS KEY PORT PEERPUB PEERIP ENDPOINT ADDR: creates NS's wg0.
wg_dev() {
	local ns=$1
	t ip -n "$ns" link add wg0 type wireguard || return 1
	t ip netns exec "$ns" wg set wg0 private-key <(echo "$2") listen-port "$3" \
		peer "$4" preshared-key <(echo "$psk") allowed-ips "$5" \
		endpoint "$6" || return 1
	wg_addrs "$ns" "$7"
}
wg_addrs() {
	printf 'addr add %s/24 dev wg0\nlink set wg0 up\n' "$2" |
		t ip -n "$1" -batch -
}
wg1() { wg_dev ns1 "$key1" 10001 "$pub2" 10.10.0.2/32 192.168.241.2:10002 10.10.0.1; }
wg2() { wg_dev ns2 "$key2" 10002 "$pub1" 10.10.0.1/32 192.168.241.1:10001 10.10.0.2; }

# TCP connections of a namespace, open or orphaned: not listeners, and not
# the time-wait minisockets (timer 3; some show their FIN_WAIT2 substate),
# which the namespace reclaims itself when it goes.
tcp_busy() {
	ip netns exec "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk '$4 ~ /^[0-9A-F][0-9A-F]$/ && $4 != "0A" && $6 !~ /^03:/ { n++ } END { print n + 0 }'
}

# ns_quiet NS: kills every process in NS and waits (bounded) until its TCP
# connections are gone. Both matter before NS is deleted: "ip netns del"
# only drops the name, and the namespace (with its veth and wg0) lives on
# for as long as a process is in it or a killed process's connection is
# still orphaned, retransmitting its unsent data. A loop may fork between
# listing and killing: repeat until nothing is left. The connections
# close at once while the tunnel works (the other end answers or resets).
ns_quiet() {
	local p n
	# A traffic loop just started may not have entered NS yet: "ip netns
	# pids" cannot see it, and it would enter (and pin) the deleted one.
	[ -n "${traffic_pids[$1]}" ] && kill -9 ${traffic_pids[$1]} 2>/dev/null
	traffic_pids[$1]=""
	for n in $(seq 1 50); do
		p=$(ip netns pids "$1" 2>/dev/null)
		[ -z "$p" ] && break
		kill -9 $p 2>/dev/null
		sleep 0.1
	done
	[ -n "$p" ] && { echo "    processes left in $1: $p"; return 1; }
	for n in $(seq 1 100); do
		[ "$(tcp_busy "$1")" -eq 0 ] && return 0
		sleep 0.1
	done
	echo "    TCP connections left in $1: $(tcp_busy "$1")"
	return 1
}

# A connection orphaned while the tunnel is down (a device deleted under
# it) would otherwise retransmit for minutes and keep its namespace alive
# after deletion: give up on those after one retry, in every namespace.
ns_setup() {
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_orphan_retries=1
}

# ns2 from nothing: namespace, its end of the wire, wg0.
make_ns2() {
	local n
	t ip netns add ns2 || return 1
	ns_setup ns2
	# A deleted namespace is torn down asynchronously (cleanup_net), the
	# old veth pair with it: wait for its end in ns1 to go.
	for n in $(seq 1 $((tmo * 5))); do
		ip -n ns1 link show veth1 >/dev/null 2>&1 || break
		sleep 0.2
	done
	printf '%s\n' 'link add veth1 type veth peer name veth2 netns ns2' \
		'addr add 192.168.241.1/24 dev veth1' 'link set veth1 up' |
		t ip -n ns1 -batch - || return 1
	printf '%s\n' 'addr add 192.168.241.2/24 dev veth2' \
		'link set veth2 up' 'link set lo up' |
		t ip -n ns2 -batch - || return 1
	wg2
}

# Traffic: an iperf3 server in each namespace and, from each side, TCP and
# fast pings towards the other, restarted whenever they die (a device or a
# namespace going away ends them). Each loop runs inside its namespace.
# Rates are capped so that the emulated CPUs keep time for the control
# commands under test; a few thousand packets a second in flight are what
# the races need, not throughput.
traffic_ns() {
	local ns=$1 peer=$2 myport=$3 peerport=$4
	ip netns exec "$ns" bash -c "
		while :; do timeout 45 iperf3 -s -1 -p $myport --idle-timeout 20 >/dev/null 2>&1; sleep 0.2; done &
		while :; do timeout 40 iperf3 -c $peer -p $peerport -t 30 -b $(knob rate 2M) --connect-timeout 2000 >/dev/null 2>&1; sleep 0.5; done &
		while :; do timeout 40 ping -q -i 0.02 -w 30 $peer >/dev/null 2>&1; sleep 0.5; done &
		wait" >/dev/null 2>&1 &
	traffic_pids[$ns]+=" $!"
	disown
}
declare -A traffic_pids
traffic_start() {
	traffic_ns ns1 10.10.0.2 5202 5201
	traffic_ns ns2 10.10.0.1 5201 5202
}
traffic_stop() {
	ns_quiet ns1
	ns_quiet ns2
	ns_quiet ns3
}

# works: the tunnel carries traffic both ways. ns2 speaks first: after a
# re-creation it has no session and starts a handshake at once, whereas
# ns1 may still hold a session ns2 has forgotten (until ns2's handshake
# replaces it). The wait is for that handshake, bounded: under TCG with
# traffic in the background one takes well under a second.
works() {
	t2 ping -c 1 -w 15 -q 10.10.0.1 >/dev/null 2>&1 &&
	t1 ping -c 1 -w 15 -q 10.10.0.2 >/dev/null 2>&1
}

# diag: what the two ends think of each other, for a failure report.
diag() {
	local ns
	for ns in ns1 ns2 ns3; do
		echo "    --- $ns: $(ip -n $ns -br link 2>&1 | tr '\n' ' ')"
		ip netns exec $ns wg show all dump 2>&1 | cut -c1-200 | sed 's/^/    /'
	done
	[ -n "$debug" ] && dmesg | tail -n 40
}

# ns2 and both devices in the reference state, whatever an action left.
restore() {
	if ! ip -n ns2 link show veth2 >/dev/null 2>&1; then
		ns_quiet ns2
		ip netns del ns2 2>/dev/null
		make_ns2
	fi
	ip -n ns1 link show wg0 >/dev/null 2>&1 || wg1
	ip -n ns2 link show wg0 >/dev/null 2>&1 || wg2
	ip -n ns2 link set wg0 up 2>/dev/null
	t2 wg setconf wg0 "$conf_dir/a.conf" >/dev/null 2>&1
}

# scenario NAME ACTION: ACTION runs up to $rounds times (and $seconds)
# under traffic; then the tunnel is brought back to the reference state
# and must work again.
scenario() {
	local name=$1 action=$2 i start ok=0 why="" limit
	case ",$only," in *",all,"*|*",$name,"*) ;; *) return ;; esac
	start=$(date +%s)
	limit=$(( seconds > 0 ? start + seconds : 0 ))
	hung=""
	for ((i = 1; i <= rounds; i++)); do
		if ! $action "$i"; then
			why="round $i failed"
			diag
			break
		fi
		[ -n "$hung" ] && { why="hang:$hung"; break; }
		ok=$i
		[ "$limit" -gt 0 ] && [ "$(date +%s)" -ge "$limit" ] &&
			[ "$ok" -ge "$min_rounds" ] && break
	done
	# Also after a failure, so that the next scenario starts from a tunnel.
	restore
	if [ -z "$why" ] && ! works; then
		why="tunnel dead after $ok rounds"
		diag
	fi
	[ -n "$hung" ] && why="hang:$hung"
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
	# Processes and their connections pin a namespace: end ns2's traffic
	# first, then delete it while ns1 is still sending to it.
	ns_quiet ns2 || return 1
	t ip netns del ns2 || return 1
	make_ns2 || return 1
	# Traffic from ns2 again, every few rounds (it takes time to ramp).
	if [ $(($1 % 5)) -eq 0 ]; then
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
	printf 'link set wg0 up\nlink set wg0 netns ns2\n' |
		t ip -n ns3 -batch - || return 1
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
	dbg_on
	wg1 && wg2
}

dbg_on() {
	[ -n "$debug" ] && echo 'module wireguard +p' >/sys/kernel/debug/dynamic_debug/control 2>/dev/null
	true
}

echo "    rounds=$rounds seconds=$seconds only=$only"
dbg_on
netns_before=$(netns_settled)
test_start=$(date +%s)
make_wire
ip netns add ns3
for ns in ns1 ns2 ns3; do ns_setup $ns; done
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
if works; then pass tunnel-up; else fail tunnel-up; fi
traffic_start
# Until traffic flows: the first scenario must race real packets.
for _ in $(seq 1 50); do
	[ "$(ip -n ns2 -s link show wg0 | awk 'f { print $2; exit } /RX:/ { f = 1 }')" -gt 1000 ] 2>/dev/null && break
	sleep 0.2
done

scenario del-device act_del_device
scenario del-netns act_del_netns
scenario private-key act_private_key
scenario setconf act_setconf
scenario move-netns act_move_netns
scenario rmmod act_rmmod

# Ends the traffic while the tunnel still works, so that every connection
# closes and the namespaces can go as soon as they are deleted.
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
	now=$(netns_settled "$netns_before")
	if [ "$now" -le "$netns_before" ]; then
		pass "no-leaked-netns ($now)"
	else
		fail no-leaked-netns "($netns_before -> $now; $(grep '^TCP' /proc/net/sockstat))"
	fi
fi
# A device reference never dropped shows up here within ~10 s.
check_not no-stuck-unregister grep -q 'unregister_netdevice: waiting' <(dmesg)
timeout "$tmo" modprobe wireguard
echo "    races took $(( $(date +%s) - test_start ))s"
finish
