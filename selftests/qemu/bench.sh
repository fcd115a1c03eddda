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

# Datagrams per second received through the tunnel with LEN-byte payloads.
iperf_udp_pps() {
	n2 iperf3 -s -D -1 -B 10.10.0.2 >/dev/null 2>&1
	sleep 0.3
	n1 iperf3 -c 10.10.0.2 -u -b 0 -l "$1" -t "$secs" 2>/dev/null |
		awk -v t="$secs" '/receiver/ { split($(NF-2), a, "/"); print int((a[2] - a[1]) / t) }'
}

# Seconds for "wg setconf" of PEERS peers x IPS allowed-ips on a fresh device.
setconf_time() {
	local peers=$1 ips=$2 conf=/tmp/bench.conf start end
	if [ ! -f "$conf" ]; then
		# Any 32 bytes make a valid peer key for configuration purposes.
		for _ in $(seq 1 "$peers"); do wg genkey; done > /tmp/bench.keys
		awk -v n="$ips" 'BEGIN { print "[Interface]" }
			{ print "[Peer]"; print "PublicKey = " $0; line = "AllowedIPs = "
			  for (j = 0; j < n; j++) {
				  x = (NR - 1) * n + j
				  line = line (j ? "," : "") sprintf("10.%d.%d.%d/32", int(x / 65536), int(x / 256) % 256, x % 256)
			  }
			  print line }' /tmp/bench.keys > "$conf"
	fi
	n1 ip link add wgs type wireguard
	start=$(date +%s%N)
	n1 wg setconf wgs "$conf"
	end=$(date +%s%N)
	n1 ip link del wgs
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
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
	echo "BENCH tcp-4-reverse $mod $round $(iperf_tcp 4 -R) Mbit/s"
	echo "BENCH udp-64 $mod $round $(iperf_udp_pps 64) pkt/s"
	echo "BENCH udp-1400 $mod $round $(iperf_udp_pps 1400) pkt/s"
	echo "BENCH setconf-1000x100 $mod $round $(setconf_time 1000 100) s"
	teardown_netns
}

echo "bench: kernel $(uname -r), $(nproc) CPUs, guest CPU flags: $(grep -o -w -E 'avx2|avx512f|avx512vl' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for r in $(seq 1 "$rounds"); do
	run_round ours "$r"
	run_round intree "$r"
done
load ours
dmesg | grep -E 'WireGuard .* loaded' | tail -n 1 | sed 's/^/bench: /'
