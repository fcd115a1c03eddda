#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Three hosts: ns1 has two peers (ns2 and ns3). Allowed-ips decide which
# peer a packet goes to; moving a prefix between peers moves the traffic,
# removing it makes the destination unreachable.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

make_wire
ip netns add ns3
ip link add veth13 netns ns1 type veth peer name veth31 netns ns3
n1 ip addr add 192.168.242.1/24 dev veth13
n3 ip addr add 192.168.242.3/24 dev veth31
n1 ip link set veth13 up
n3 ip link set veth31 up
n3 ip link set lo up

k1=$(wg genkey); k2=$(wg genkey); k3=$(wg genkey)
p1=$(echo "$k1" | wg pubkey); p2=$(echo "$k2" | wg pubkey); p3=$(echo "$k3" | wg pubkey)
for ns in ns1 ns2 ns3; do ip -n $ns link add wg0 type wireguard; done
n1 wg set wg0 private-key <(echo "$k1") listen-port 1 \
	peer "$p2" allowed-ips 10.10.0.2/32,10.99.0.0/24 endpoint 192.168.241.2:2 \
	peer "$p3" allowed-ips 10.10.0.3/32 endpoint 192.168.242.3:3
n2 wg set wg0 private-key <(echo "$k2") listen-port 2 peer "$p1" allowed-ips 10.10.0.0/24
n3 wg set wg0 private-key <(echo "$k3") listen-port 3 peer "$p1" allowed-ips 10.10.0.0/24
n1 ip addr add 10.10.0.1/24 dev wg0
n2 ip addr add 10.10.0.2/24 dev wg0
n3 ip addr add 10.10.0.3/24 dev wg0
# The same service address behind both ns2 and ns3.
n2 ip addr add 10.99.0.1/32 dev wg0
n3 ip addr add 10.99.0.1/32 dev wg0
for ns in ns1 ns2 ns3; do ip -n $ns link set wg0 up; done
n1 ip route add 10.99.0.0/24 dev wg0

# Echo requests ns$1 received (its wg0 is the only way in for 10.99.0.1).
# Not the peer's rx bytes: a passive keepalive (ns1 owes one 10 s after a
# peer's last reply) would count there, and on a slow kernel the checks
# below can outlast it.
rx_of() {
	ip netns exec "ns$1" awk '$1 == "Icmp:" {
		if (!n++) { for (i = 2; i <= NF; i++) col[$i] = i }
		else print $col["InEchos"] }' /proc/net/snmp
}

check ping-ns2 n1 ping -c 1 -W 2 10.10.0.2
check ping-ns3 n1 ping -c 1 -W 2 10.10.0.3
a=$(rx_of 2); b=$(rx_of 3)
check to-ns2-by-allowed-ips n1 ping -c 3 -W 2 -i 0.3 10.99.0.1
a2=$(rx_of 2); b2=$(rx_of 3)
if [ "$a2" -gt "$a" ] && [ "$b2" -eq "$b" ]; then pass went-to-ns2; else fail went-to-ns2 "(ns2 $a->$a2, ns3 $b->$b2)"; fi

# Move the prefix to ns3's peer: a prefix belongs to one peer at a time.
n1 wg set wg0 peer "$p3" allowed-ips 10.10.0.3/32,10.99.0.0/24
check_match moved-off-ns2 '^10.10.0.2/32$' "$(n1 wg show wg0 allowed-ips | grep "$p2" | cut -f2)"
check to-ns3-after-move n1 ping -c 3 -W 2 -i 0.3 10.99.0.1
a3=$(rx_of 2); b3=$(rx_of 3)
if [ "$b3" -gt "$b2" ] && [ "$a3" -eq "$a2" ]; then pass went-to-ns3; else fail went-to-ns3 "(ns2 $a2->$a3, ns3 $b2->$b3)"; fi

# Remove it: no peer, no route inside the device.
n1 wg set wg0 peer "$p3" allowed-ips 10.10.0.3/32
check_not unreachable-after-removal n1 ping -c 1 -W 1 10.99.0.1
a4=$(rx_of 2); b4=$(rx_of 3)
check_eq nothing-delivered-after-removal "$a3 $b3" "$a4 $b4"
# A routing loop: ns2's endpoint routed into wg0 itself (and allowed for
# its peer). Sending must fail cleanly, not spin through the crypt queues;
# removing the route heals the tunnel.
n1 wg set wg0 peer "$p2" allowed-ips 10.10.0.2/32,192.168.241.2/32
n1 ip route add 192.168.241.2/32 dev wg0
errs=$(n1 cat /sys/class/net/wg0/statistics/tx_errors)
check_not loop-fails-cleanly n1 ping -c 3 -W 1 -i 0.2 192.168.241.2
errs2=$(n1 cat /sys/class/net/wg0/statistics/tx_errors)
if [ "$errs2" -gt "$errs" ]; then pass "loop-refused-and-counted ($((errs2 - errs)))"; else fail loop-refused-and-counted "($errs -> $errs2)"; fi
n1 ip route del 192.168.241.2/32 dev wg0
check tunnel-after-loop n1 ping -c 2 -W 2 -i 0.3 10.10.0.2
teardown_netns
finish
