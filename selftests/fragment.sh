#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fragmentation of the outer packet. wg0 keeps its MTU of 1420 while the
# underlay is smaller (1280), so a full-size inner packet becomes an outer
# UDP packet of 1480 (IPv4) or 1500 (IPv6) bytes that only gets through in
# fragments, reassembled by the receiving host before the module sees it:
#   - underlay MTU on the sender's own link: the sender fragments (IPv4
#     and IPv6 outer);
#   - smaller MTU one hop further, behind a router: IPv4 outer leaves
#     without DF, so the router fragments; for IPv6 outer the router sends
#     Packet Too Big, the sender learns the path MTU (its cached route is
#     invalidated) and fragments from then on.
# Every case checks that the data arrives (ping with DF inside at wg0's MTU,
# iperf3 TCP) and that reassembly really happened (ReasmOKs).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

# ip4 NS FIELD / ip6 NS FIELD: a counter of /proc/net/snmp's Ip line or of
# /proc/net/snmp6.
ip4() {
	ip netns exec "$1" awk -v k="$2" '$1 == "Ip:" {
		if (!h) { for (i = 2; i <= NF; i++) f[$i] = i; h = 1 }
		else print $f[k] }' /proc/net/snmp
}
ip6() { ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/snmp6; }
# reasm FAM NS / frags FAM NS: reassembled datagrams, datagrams fragmented.
reasm() { if [ "$1" = 6 ]; then ip6 "$2" Ip6ReasmOKs; else ip4 "$2" ReasmOKs; fi; }
frags() { if [ "$1" = 6 ]; then ip6 "$2" Ip6FragOKs; else ip4 "$2" FragOKs; fi; }

# at_least NAME MIN VALUE
at_least() {
	if [ "$3" -ge "$2" ]; then pass "$1 ($3)"; else fail "$1" "($3 < $2)"; fi
}

# traffic NAME FAM FRAGMENTER [noiperf]: full-size pings with DF inside,
# then iperf3 TCP; FRAGMENTER is the namespace expected to fragment ns1's
# packets.
traffic() {
	local name=$1 fam=$2 fragger=$3 r1 r2 f0 out rate got
	# The handshake first, with small packets, so that what follows is
	# all full-size data.
	check "$name/handshake" n1 ping -c 1 -W 3 10.10.0.2
	r1=$(reasm "$fam" ns1) r2=$(reasm "$fam" ns2) f0=$(frags "$fam" "$fragger")
	# Inner 1420 bytes with DF: exactly wg0's MTU, as large as it gets.
	# A router in the path costs the first one (Packet Too Big), so
	# only three of four replies are required.
	out=$(n1 ping -c 4 -i 0.3 -W 3 -s 1392 -M do 10.10.0.2 2>&1)
	got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	at_least "$name/ping-full-size" 3 "${got:-0}"
	at_least "$name/ping-fragmented" 3 $(($(frags "$fam" "$fragger") - f0))
	at_least "$name/ping-reassembled" 3 $(($(reasm "$fam" ns2) - r2))
	at_least "$name/ping-reply-reassembled" 3 $(($(reasm "$fam" ns1) - r1))

	[ "${4:-}" = noiperf ] && return
	r2=$(reasm "$fam" ns2)
	check_tcp "$name/iperf3-tcp" 2 0.5
	at_least "$name/iperf3-reassembled" 100 $(($(reasm "$fam" ns2) - r2))
}

# Sender's own link: both ends of the wire at 1280.
for fam in 4 6; do
	make_wire
	make_tunnel "$fam"
	n1 ip link set veth1 mtu 1280
	n2 ip link set veth2 mtu 1280
	check_eq "local-v$fam/wg0-mtu" 1420 "$(n1 cat /sys/class/net/wg0/mtu)"
	traffic "local-v$fam" "$fam" ns1
	teardown_netns
done

# A router between the two, with the small MTU on its far link:
#   ns1 veth1 192.168.241.1 fd00:241::1 -- veth31 ns3 (router) veth32 --
#   veth2 192.168.242.2 fd00:242::2 ns2         (1280 on veth32 and veth2)
routed() {
	ip netns add ns1
	ip netns add ns2
	ip netns add ns3
	ip link add veth1 netns ns1 type veth peer name veth31 netns ns3
	ip link add veth2 netns ns2 type veth peer name veth32 netns ns3
	n1 ip addr add 192.168.241.1/24 dev veth1
	n1 ip addr add fd00:241::1/64 dev veth1 nodad
	n3 ip addr add 192.168.241.3/24 dev veth31
	n3 ip addr add fd00:241::3/64 dev veth31 nodad
	n3 ip addr add 192.168.242.3/24 dev veth32
	n3 ip addr add fd00:242::3/64 dev veth32 nodad
	n2 ip addr add 192.168.242.2/24 dev veth2
	n2 ip addr add fd00:242::2/64 dev veth2 nodad
	n3 ip link set veth32 mtu 1280
	n2 ip link set veth2 mtu 1280
	for ns in ns1 ns2 ns3; do
		ip -n $ns link set lo up
	done
	n1 ip link set veth1 up
	n2 ip link set veth2 up
	n3 ip link set veth31 up
	n3 ip link set veth32 up
	n3 sysctl -qw net.ipv4.ip_forward=1
	n3 sysctl -qw net.ipv6.conf.all.forwarding=1
	n1 ip route add default via 192.168.241.3
	n1 ip -6 route add default via fd00:241::3
	n2 ip route add default via 192.168.242.3
	n2 ip -6 route add default via fd00:242::3
}

routed
make_tunnel 4
n1 wg set wg0 peer "$pub2" endpoint 192.168.242.2:10002
traffic routed-v4 4 ns3 noiperf
teardown_netns

routed
make_tunnel 6
n1 wg set wg0 peer "$pub2" endpoint "[fd00:242::2]:10002"
n2 wg set wg0 peer "$pub1" endpoint "[fd00:241::1]:10001"
traffic routed-v6 6 ns1
check_match routed-v6/pmtu-learned 'mtu 1280' "$(n1 ip -6 route get fd00:242::2)"
teardown_netns
finish
