#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# wg-debug: skip wireguard-go needs inotify for its control socket, and the debug kernel is built without CONFIG_INOTIFY_USER
# Interoperability with an independent implementation: Debian's
# wireguard-go (userspace, on a tun device) as the peer, both directions
# initiating, with a preshared key, IPv4 and IPv6 inside, and TCP.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

make_wire
key1=$(wg genkey); pub1=$(echo "$key1" | wg pubkey)
key2=$(wg genkey); pub2=$(echo "$key2" | wg pubkey)
psk=$(wg genpsk)

# ns1: our module.
n1 ip link add wg0 type wireguard
n1 wg set wg0 private-key <(echo "$key1") listen-port 10001 \
	peer "$pub2" preshared-key <(echo "$psk") allowed-ips 10.20.0.2/32,fd20::2/128 \
	endpoint 192.168.241.2:10002
n1 ip addr add 10.20.0.1/24 dev wg0
n1 ip addr add fd20::1/64 dev wg0 nodad
n1 ip link set wg0 up

# ns2: wireguard-go, on an interface name no kernel device uses (wg prefers
# a userspace socket of the same name over netlink).
WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 WG_PROCESS_FOREGROUND=1 \
	ip netns exec ns2 wireguard-go wggo0 >/tmp/wireguard-go.log 2>&1 &

gopid=$!
# Its control socket must be listening before wg touches it: wg takes a
# socket file that refuses connections for a stale one and deletes it, and
# between bind() and listen() it does refuse. On a slow kernel (the debug
# kernel) that window is wide, and the Go runtime takes long to get there:
# wait up to 60 s for the listening socket (flag __SO_ACCEPTCON in
# /proc/net/unix, under the path wireguard-go bound: /var/run/...), not
# just for the file.
go_listening() {
	ip netns exec ns2 awk '$4 == "00010000" && $NF ~ /\/wireguard\/wggo0\.sock$/ { f = 1 }
		END { exit !f }' /proc/net/unix
}
for _ in $(seq 1 300); do
	go_listening && break
	kill -0 "$gopid" 2>/dev/null || break
	sleep 0.2
done
check wireguard-go-started go_listening
go_listening || sed 's/^/    wireguard-go: /' /tmp/wireguard-go.log
n2 wg set wggo0 private-key <(echo "$key2") listen-port 10002 \
	peer "$pub1" preshared-key <(echo "$psk") allowed-ips 10.20.0.1/32,fd20::1/128
n2 ip addr add 10.20.0.2/24 dev wggo0
n2 ip addr add fd20::2/64 dev wggo0 nodad
n2 ip link set wggo0 up
if ! n2 ip link show wggo0 >/dev/null 2>&1; then
	echo "    wireguard-go's wggo0 is gone (process $(kill -0 "$gopid" 2>/dev/null && echo alive || echo gone)):"
	sed 's/^/    wireguard-go: /' /tmp/wireguard-go.log
fi

# We initiate.
check ours-initiates-ping4 n1 ping -c 3 -W 3 -i 0.3 10.20.0.2
check ours-initiates-ping6 n1 ping -c 2 -W 3 -i 0.3 fd20::2
check_eq go-learned-our-endpoint "192.168.241.1:10001" "$(n2 wg show wggo0 endpoints | awk '{print $2}')"

# wireguard-go initiates (fresh sessions on both sides).
n1 ip link set wg0 down; n1 ip link set wg0 up
n2 wg set wggo0 peer "$pub1" remove
n2 wg set wggo0 peer "$pub1" preshared-key <(echo "$psk") allowed-ips 10.20.0.1/32,fd20::1/128 \
	endpoint 192.168.241.1:10001
check go-initiates-ping n2 ping -c 3 -W 3 -i 0.3 10.20.0.1

# TCP both ways.
n2 iperf3 -s -D -1 -B 10.20.0.2 >/dev/null 2>&1
sleep 0.5
out=$(n1 iperf3 -c 10.20.0.2 -t 2 -f m 2>&1)
rate=$(echo "$out" | awk '/receiver/ {print $7}')
if [ -n "$rate" ] && awk "BEGIN { exit !($rate > 0.5) }"; then pass "tcp-to-wireguard-go (${rate} Mbit/s)"; else fail tcp-to-wireguard-go "($(echo "$out" | tail -n 2 | tr '\n' ' '))"; fi
n1 iperf3 -s -D -1 -B 10.20.0.1 >/dev/null 2>&1
sleep 0.5
out=$(n2 iperf3 -c 10.20.0.1 -t 2 -f m 2>&1)
rate=$(echo "$out" | awk '/receiver/ {print $7}')
if [ -n "$rate" ] && awk "BEGIN { exit !($rate > 0.5) }"; then pass "tcp-from-wireguard-go (${rate} Mbit/s)"; else fail tcp-from-wireguard-go "($(echo "$out" | tail -n 2 | tr '\n' ' '))"; fi

kill "$gopid" 2>/dev/null
wait "$gopid" 2>/dev/null
teardown_netns
finish
