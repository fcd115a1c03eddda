#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: two namespaces joined by veth, a tunnel between them through our
# module, shown with the stock tools.
. /selftests/lib/common.sh
. /selftests/lib/netns.sh

say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
say "kernel $(uname -r); loading our module"
modprobe wireguard && dmesg | grep -E 'WireGuard .* loaded' | tail -n 1
modinfo -F filename wireguard
make_wire
make_tunnel 4
say "ns1: wg show"
n1 wg show
say "ns1 -> ns2 through the tunnel: ping 10.10.0.2"
n1 ping -c 3 -i 0.3 10.10.0.2
say "ns2: wg show (after the handshake)"
n2 wg show
say "iperf3 through the tunnel (3 s)"
n2 iperf3 -s -D -1 -B 10.10.0.2 >/dev/null 2>&1
sleep 0.3
n1 iperf3 -c 10.10.0.2 -t 3 -f m | tail -n 4
say "done"
