#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (make bench): the same workloads through our module
# and through the kernel's own in-tree wireguard.ko, alternating modules
# over several rounds in this one boot, and prints medians and ratios.
# Output lines "BENCH <workload> <module> <round> <value> <unit>" and a
# summary table; the host turns them into JSON.
. /selftests/lib/common.sh
. /selftests/lib/netns.sh

rounds=${WG_BENCH_ROUNDS:-3}
secs=${WG_BENCH_SECONDS:-5}
ours=/lib/modules/$(uname -r)/updates/wireguard.ko
intree=/intree/wireguard.ko

load() {
	rmmod wireguard 2>/dev/null
	modprobe -q udp_tunnel; modprobe -q ip6_udp_tunnel
	case "$1" in
	ours) insmod "$ours" ;;
	intree)
		# Its dependencies (the kernel's crypto library) by name.
		for m in $(modinfo -F depends "$intree" | tr ',' ' '); do modprobe -q "$m"; done
		insmod "$intree" ;;
	esac
}

iperf_tcp() { # streams reverse
	n2 iperf3 -s -D -1 -B 10.10.0.2 >/dev/null 2>&1
	sleep 0.3
	n1 iperf3 -c 10.10.0.2 -t "$secs" -P "$1" $2 -f m 2>/dev/null |
		awk '/SUM.*receiver|^\[ *[0-9]+\].*receiver/ {v=$(NF-2)} END {print v+0}'
}

run_round() {
	local mod=$1 round=$2
	teardown_netns
	load "$mod" || { echo "BENCH load $mod $round failed"; return; }
	make_wire
	make_tunnel 4
	n1 ping -c 1 -W 3 10.10.0.2 >/dev/null
	echo "BENCH tcp-1 $mod $round $(iperf_tcp 1) Mbit/s"
	echo "BENCH tcp-4 $mod $round $(iperf_tcp 4) Mbit/s"
	echo "BENCH tcp-1-reverse $mod $round $(iperf_tcp 1 -R) Mbit/s"
	teardown_netns
}

echo "bench: kernel $(uname -r), $(nproc) CPUs, guest CPU flags: $(grep -o -w -E 'avx2|avx512f|avx512vl' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for r in $(seq 1 "$rounds"); do
	run_round ours "$r"
	run_round intree "$r"
done
load ours
dmesg | grep -E 'WireGuard .* loaded' | tail -n 1 | sed 's/^/bench: /'
