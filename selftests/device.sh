#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The device: creation through module autoload, MTU limits, up/down with
# real sockets, rename, namespace moves (sockets stay behind), deletion with
# the creating namespace, and module unload with devices present.
. "$(dirname "$0")/lib/common.sh"

# Autoload: "ip link add ... type wireguard" must find our module by alias.
rmmod wireguard 2>/dev/null
check autoload ip link add wg0 type wireguard
check_eq module-is-ours "$(cat /sys/module/wireguard/version 2>/dev/null)" "$(modinfo -F version /wg/wireguard.ko)"
check_match kind wireguard "$(ip -d link show wg0)"
check_eq default-mtu 1420 "$(cat /sys/class/net/wg0/mtu)"
check mtu-1280 ip link set wg0 mtu 1280
check_eq mtu-set 1280 "$(cat /sys/class/net/wg0/mtu)"
check_not mtu-below-min ip link set wg0 mtu 67
check mtu-max ip link set wg0 mtu 65475
check_not mtu-above-max ip link set wg0 mtu 65476
check_eq flags-pointopoint-noarp "POINTOPOINT,NOARP" "$(ip -o link show wg0 | grep -o 'POINTOPOINT,NOARP')"
ip link set wg0 mtu 1420

# Down: no socket. Up with port 0: a random port, bound for real.
check_eq port-zero-while-down 0 "$(wg show wg0 listen-port)"
check up ip link set wg0 up
port=$(wg show wg0 listen-port)
if [ "$port" -gt 0 ] 2>/dev/null; then pass random-port; else fail random-port "($port)"; fi
check_match random-port-bound "^$port\$" "$(udp_ports)"

# Up as a layer-3 tunnel, as the in-tree module comes up: no IPv6
# link-local address (a random one would send DAD, router solicitations
# and MLD reports to no peer) and no ICMP redirects (a hub forwards back
# out of the device it received on by design).
check_eq no-link-local "" "$(ip -6 -o addr show dev wg0 scope link)"
check_eq no-redirects "0 0" "$(echo $(sysctl -n net.ipv4.conf.wg0.send_redirects net.ipv4.conf.all.send_redirects))"

check set-listen-port wg set wg0 listen-port 51820
check_eq listen-port 51820 "$(wg show wg0 listen-port)"
check_match listen-port-bound '^51820$' "$(udp_ports)"
if udp_ports | grep -qx "$port"; then fail old-port-released "($port still bound)"; else pass old-port-released; fi

# A port held by someone else: refused, and the device keeps its port.
ip link add wgx type wireguard
ip link set wgx up
check_not port-in-use wg set wgx listen-port 51820
check_match port-in-use-kept '^[0-9]+$' "$(wg show wgx listen-port)"
ip link del wgx

check set-fwmark wg set wg0 fwmark 0x1234
check_eq fwmark 0x1234 "$(wg show wg0 fwmark)"
check clear-fwmark wg set wg0 fwmark 0
check_eq fwmark-off off "$(wg show wg0 fwmark)"

key=$(wg genkey)
echo "$key" > /tmp/key
check set-private-key wg set wg0 private-key /tmp/key
check_eq private-key "$key" "$(wg show wg0 private-key)"
check_eq public-key "$(echo "$key" | wg pubkey)" "$(wg show wg0 public-key)"
check_eq showconf-key "PrivateKey = $key" "$(wg showconf wg0 | grep PrivateKey)"

check down ip link set wg0 down
if udp_ports | grep -qx 51820; then fail down-releases-socket; else pass down-releases-socket; fi
check_eq port-kept-while-down 51820 "$(wg show wg0 listen-port)"
check up-again ip link set wg0 up
check_match up-rebinds '^51820$' "$(udp_ports)"

ip link set wg0 down
check rename ip link set wg0 name wg9
check_eq renamed "$key" "$(wg show wg9 private-key)"
ip link set wg9 name wg0
ip link set wg0 up

# Moving to another namespace: the device goes, its socket stays here.
ip netns add inner
check netns-move ip link set wg0 netns inner
check_match netns-present wg0 "$(ip -n inner link show)"
check_eq netns-wg-show "$key" "$(ip netns exec inner wg show wg0 private-key)"
ip -n inner link set wg0 up
check_match socket-stays-in-creating-ns '^51820$' "$(udp_ports)"
if ip netns exec inner bash -c ". /selftests/lib/common.sh; udp_ports" | grep -qx 51820; then
	fail socket-not-in-new-ns
else
	pass socket-not-in-new-ns
fi
check netns-set-port ip netns exec inner wg set wg0 listen-port 51821
check_match netns-set-port-binds-in-creating-ns '^51821$' "$(udp_ports)"

# The creating namespace dies: its devices die with it, wherever they are.
ip netns add birth
ip netns add home
ip -n birth link add wgb type wireguard
ip -n birth link set wgb netns home
check_match moved-device wgb "$(ip -n home link show)"
ip netns del birth
for _ in 1 2 3 4 5 6 7 8 9 10; do
	ip -n home link show wgb >/dev/null 2>&1 || break
	sleep 0.3
done
check_not dies-with-creating-ns ip -n home link show wgb

# Not a wireguard device: wg says so.
ip link add dum0 type dummy
check_not wg-show-non-wg wg show dum0
check_not wg-set-non-wg wg set dum0 listen-port 1
ip link del dum0
check_not wg-show-missing wg show nonexistent0

# Unload with devices in several namespaces, up and down.
ip link add wg1 type wireguard
ip link set wg1 up
ip -n home link add wg2 type wireguard
check rmmod-with-devices rmmod wireguard
check_not devices-gone ip -n inner link show wg0
check_not devices-gone-home ip -n home link show wg2
ip netns del inner
ip netns del home
modprobe wireguard
finish
