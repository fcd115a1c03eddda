# SPDX-License-Identifier: GPL-2.0
# Two hosts joined by a veth "wire", each with a wireguard device, the usual
# topology of the tunnel tests (sourced after common.sh):
#
#   ns1: veth1 192.168.241.1/24 fd00:241::1/64   wg0 10.10.0.1/24 fd10::1/64
#   ns2: veth2 192.168.241.2/24 fd00:241::2/64   wg0 10.10.0.2/24 fd10::2/64
#
# Peers allow each other's tunnel address only, endpoints are the veth
# addresses. n1/n2 run a command in ns1/ns2.

n1() { ip netns exec ns1 "$@"; }
n2() { ip netns exec ns2 "$@"; }
n3() { ip netns exec ns3 "$@"; }

make_wire() {
	ip netns add ns1
	ip netns add ns2
	ip link add veth1 netns ns1 type veth peer name veth2 netns ns2
	n1 ip addr add 192.168.241.1/24 dev veth1
	n2 ip addr add 192.168.241.2/24 dev veth2
	n1 ip addr add fd00:241::1/64 dev veth1 nodad
	n2 ip addr add fd00:241::2/64 dev veth2 nodad
	n1 ip link set lo up
	n2 ip link set lo up
	n1 ip link set veth1 up
	n2 ip link set veth2 up
}

# make_tunnel [ENDPOINT_FAMILY]: 4 (default) or 6 for the outer packets.
make_tunnel() {
	local fam=${1:-4} e1 e2
	key1=$(wg genkey)
	key2=$(wg genkey)
	pub1=$(echo "$key1" | wg pubkey)
	pub2=$(echo "$key2" | wg pubkey)
	psk=$(wg genpsk)
	if [ "$fam" = 6 ]; then e1="[fd00:241::1]:10001"; e2="[fd00:241::2]:10002"; else e1=192.168.241.1:10001; e2=192.168.241.2:10002; fi
	n1 ip link add wg0 type wireguard
	n2 ip link add wg0 type wireguard
	n1 wg set wg0 private-key <(echo "$key1") listen-port 10001 \
		peer "$pub2" preshared-key <(echo "$psk") allowed-ips 10.10.0.2/32,fd10::2/128 endpoint "$e2"
	n2 wg set wg0 private-key <(echo "$key2") listen-port 10002 \
		peer "$pub1" preshared-key <(echo "$psk") allowed-ips 10.10.0.1/32,fd10::1/128 endpoint "$e1"
	n1 ip addr add 10.10.0.1/24 dev wg0
	n2 ip addr add 10.10.0.2/24 dev wg0
	n1 ip addr add fd10::1/64 dev wg0 nodad
	n2 ip addr add fd10::2/64 dev wg0 nodad
	n1 ip link set wg0 up
	n2 ip link set wg0 up
}

# make_flood_source: ns3, wired to ns2 (192.168.242.3 <-> .2), owning the
# whole of 10.77.0.0/16 as local addresses, so a generator in ns3 (wg-flood)
# can send from any of them and the device's replies find their way back.
make_flood_source() {
	ip netns add ns3
	ip link add veth3 netns ns3 type veth peer name veth4 netns ns2
	n3 ip link set lo up
	n3 ip addr add 192.168.242.3/24 dev veth3
	n2 ip addr add 192.168.242.2/24 dev veth4
	n3 ip link set veth3 up
	n2 ip link set veth4 up
	n3 ip route add local 10.77.0.0/16 dev lo
	n2 ip route add 10.77.0.0/16 via 192.168.242.3
	# Spoofed sources arrive on veth4, which is not their route back.
	for c in all default veth4; do n2 sysctl -qw "net.ipv4.conf.$c.rp_filter=0"; done
}

# check_tcp NAME SECONDS MIN_MBIT: TCP from ns1 to ns2 through the tunnel
# (GSO batches on send, GRO on receive) with iperf3; passes above MIN_MBIT
# and names the rate either way.
check_tcp() {
	local name=$1 secs=$2 min=$3 out rate
	n2 iperf3 -s -D -1 -B 10.10.0.2 >/dev/null 2>&1
	sleep 0.5
	out=$(n1 iperf3 -c 10.10.0.2 -t "$secs" -f m 2>&1)
	rate=$(echo "$out" | awk '/receiver/ { print $7 }')
	if [ -n "$rate" ] && awk "BEGIN { exit !($rate > $min) }"; then
		pass "$name (${rate} Mbit/s)"
	else
		fail "$name" "($(echo "$out" | tail -n 3 | tr '\n' ' '))"
	fi
}

teardown_netns() {
	ip netns del ns1 2>/dev/null
	ip netns del ns2 2>/dev/null
	ip netns del ns3 2>/dev/null
	true
}
