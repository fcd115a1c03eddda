#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A tunnel between two namespaces: handshake, IPv4/IPv6 inside and outside,
# TCP throughput, counters, cryptokey routing on receive, down clearing
# keys, and roaming.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

make_wire
make_tunnel 4

check ping4 n1 ping -c 2 -W 2 -i 0.3 10.10.0.2
check ping6 n1 ping -c 2 -W 2 -i 0.3 fd10::2
check ping-reverse n2 ping -c 1 -W 2 10.10.0.1
hs=$(n1 wg show wg0 latest-handshakes | awk '{print $2}')
if [ "${hs:-0}" -gt 0 ]; then pass latest-handshake; else fail latest-handshake "($hs)"; fi
rx=$(n1 wg show wg0 transfer | awk '{print $2}')
tx=$(n1 wg show wg0 transfer | awk '{print $3}')
if [ "${rx:-0}" -gt 0 ] && [ "${tx:-0}" -gt 0 ]; then pass transfer-counters; else fail transfer-counters "(rx=$rx tx=$tx)"; fi
check_eq endpoint-learned "192.168.241.1:10001" "$(n2 wg show wg0 endpoints | awk '{print $2}')"

# Large packets: fragmentation of the inner packet and padding limits.
check ping-large n1 ping -c 1 -W 3 -s 1392 -M do 10.10.0.2
check_not ping-too-large-df n1 ping -c 1 -W 2 -s 1393 -M do 10.10.0.2
check ping-fragmented n1 ping -c 1 -W 3 -s 4000 10.10.0.2

# TCP through the tunnel (GSO segments on send, GRO on receive).
check_tcp iperf3-tcp 3 1

# Cryptokey routing on receive: a source outside the peer's allowed-ips is
# dropped even though it decrypts fine.
n2 ip addr add 10.10.0.99/24 dev wg0
before=$(n1 cat /sys/class/net/wg0/statistics/rx_errors)
n2 ping -c 1 -W 1 -I 10.10.0.99 10.10.0.1 >/dev/null 2>&1
check_not disallowed-source-dropped n2 ping -c 1 -W 1 -I 10.10.0.99 10.10.0.1
after=$(n1 cat /sys/class/net/wg0/statistics/rx_errors)
if [ "$after" -gt "$before" ]; then pass disallowed-source-counted; else fail disallowed-source-counted "($before -> $after)"; fi
n2 ip addr del 10.10.0.99/24 dev wg0

# No peer for a destination: ICMP unreachable, counted as an error.
check_not no-peer-unreachable n1 ping -c 1 -W 1 10.10.0.77

# Down forgets sessions: after up, traffic needs a fresh handshake (a kept
# session would be reused for 120 s without one).
hs1=$(n1 wg show wg0 latest-handshakes | awk '{print $2}')
sleep 1.2
n1 ip link set wg0 down
n1 ip link set wg0 up
check ping-after-down-up n1 ping -c 2 -W 2 -i 0.3 10.10.0.2
hs2=$(n1 wg show wg0 latest-handshakes | awk '{print $2}')
if [ "${hs2:-0}" -gt "${hs1:-0}" ]; then pass down-clears-keys; else fail down-clears-keys "($hs1 -> $hs2)"; fi

# Roaming: ns1 moves to a new address; ns2 learns it from authenticated data.
n1 ip addr add 192.168.241.11/24 dev veth1
n1 wg set wg0 listen-port 10011
check ping-after-port-change n1 ping -c 2 -W 2 -i 0.3 10.10.0.2
check_eq roamed-endpoint "192.168.241.1:10011" "$(n2 wg show wg0 endpoints | awk '{print $2}')"

# UDP through the tunnel.
n2 iperf3 -s -D -1 -B 10.10.0.2 >/dev/null 2>&1
sleep 0.5
out=$(n1 iperf3 -c 10.10.0.2 -u -b 5M -t 2 2>&1)
got=$(echo "$out" | awk '/receiver/ { split($(NF-2), a, "/"); print a[2] - a[1] }')
if [ "${got:-0}" -gt 100 ]; then pass "iperf3-udp ($got datagrams)"; else fail iperf3-udp "($(echo "$out" | tail -n 3 | tr '\n' ' '))"; fi

# Persistent keepalive: packets on the wire with no traffic inside.
peer2=$(n1 wg show wg0 peers)
n1 wg set wg0 peer "$peer2" persistent-keepalive 1
check_eq persistent-keepalive-shown 1 "$(n1 wg show wg0 persistent-keepalive | awk '{print $2}')"
tx1=$(n1 wg show wg0 transfer | awk '{print $3}')
sleep 3.5
tx2=$(n1 wg show wg0 transfer | awk '{print $3}')
if [ $((tx2 - tx1)) -ge 64 ]; then pass "persistent-keepalive-on-wire ($((tx2 - tx1)) bytes)"; else fail persistent-keepalive-on-wire "($tx1 -> $tx2)"; fi
n1 wg set wg0 peer "$peer2" persistent-keepalive 0

# The device's fwmark is on the outgoing UDP: a rule sending that mark to
# an unreachable route breaks the tunnel, removing it restores it.
n1 wg set wg0 fwmark 0x77
n1 ip route add unreachable 192.168.241.0/24 table 77
n1 ip rule add fwmark 0x77 table 77 priority 100
n1 ip link set wg0 down; n1 ip link set wg0 up
check_not fwmark-routes-udp n1 ping -c 1 -W 2 10.10.0.2
n1 ip rule del fwmark 0x77 table 77 priority 100
check fwmark-rule-removed n1 ping -c 2 -W 3 -i 0.5 10.10.0.2
n1 wg set wg0 fwmark 0

teardown_netns
make_wire
make_tunnel 6
check ping-over-ipv6-outer n1 ping -c 2 -W 2 -i 0.3 10.10.0.2
check ping6-over-ipv6-outer n2 ping -c 2 -W 2 -i 0.3 fd10::1
teardown_netns
finish
