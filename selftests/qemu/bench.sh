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
only=${WG_BENCH_ONLY:-}
perf=
ours_args=
# The host's settings arrive as wg.tests=rounds:N,seconds:S,only:A+B (boot.sh
# passes nothing else to the guest, and bench mode has no tests to pick).
for opt in $(echo "${WG_TESTS:-}" | tr ',' ' '); do
	case "$opt" in
	rounds:*) rounds=${opt#rounds:} ;;
	seconds:*) secs=${opt#seconds:} ;;
	only:*) only=${opt#only:} ;;
	perf:*) perf=${opt#perf:} ;;
	uncalibrated:1) ours_args=crypto_calibrate=0 ;;
	esac
done
ours=/lib/modules/$(uname -r)/updates/wireguard.ko
intree=/intree/wireguard.ko

load() {
	rmmod wireguard 2>/dev/null
	modprobe -q udp_tunnel; modprobe -q ip6_udp_tunnel
	case "$1" in
	ours) insmod "$ours" $ours_args ;;
	intree)
		# Its dependencies (the kernel's crypto library) by name.
		for m in $(modinfo -F depends "$intree" | tr ',' ' '); do modprobe -q "$m"; done
		insmod "$intree" ;;
	esac
}

iperf_tcp() { # streams reverse
	n2 iperf3 -s -D -1 -B 10.10.0.2 >/dev/null 2>&1
	sleep 0.3
	prof "tcp-$1${2:+-reverse}" n1 iperf3 -c 10.10.0.2 -t "$secs" -P "$1" $2 -f m 2>/dev/null |
		awk '/SUM.*receiver|^\[ *[0-9]+\].*receiver/ {v=$(NF-2)} END {print v+0}'
}

# Datagrams per second through the tunnel with LEN-byte payloads, twice:
# what the receiving iperf3 read, then what the receiver's wg0 delivered
# (its rx_packets over the run). With -b 0 the sender outruns the receiving
# application in these guests, which then drops datagrams at its socket
# buffer (UDP RcvbufErrors): the first figure is bound by the CPU left to
# that application, the second by the tunnel.
iperf_udp_pps() {
	local rx0 rx1 app
	n2 iperf3 -s -D -1 -B 10.10.0.2 >/dev/null 2>&1
	sleep 0.3
	rx0=$(n2 cat /sys/class/net/wg0/statistics/rx_packets)
	app=$(prof "udp-$1" n1 iperf3 -c 10.10.0.2 -u -b 0 -l "$1" -t "$secs" 2>/dev/null |
		awk -v t="$secs" '/receiver/ { split($(NF-2), a, "/"); print int((a[2] - a[1]) / t) }')
	rx1=$(n2 cat /sys/class/net/wg0/statistics/rx_packets)
	echo "${app:-0} $(((rx1 - rx0) / secs))"
}

# udp_pps LEN: both figures of iperf_udp_pps as BENCH lines.
udp_pps() {
	local app tunnel
	read -r app tunnel < <(iperf_udp_pps "$1")
	echo "BENCH udp-$1 $mod $round $app pkt/s"
	echo "BENCH udp-$1-tunnel $mod $round $tunnel pkt/s"
}

# Seconds for "wg setconf" of PEERS peers x IPS allowed-ips on a fresh device.
setconf_time() {
	local peers=$1 ips=$2 conf=/tmp/bench-$1x$2.conf start end i
	if [ ! -f "$conf" ]; then
		# Any 32 bytes make a valid peer key for configuration purposes:
		# 42 base64 digits, then one whose low two bits are clear (the
		# 256th bit is the last one encoded), and the padding. Distinct
		# by construction (the peer's number in the first digits); a
		# "wg genkey" each costs almost a second per peer under TCG.
		awk -v n="$ips" -v peers="$peers" 'BEGIN {
			b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
			srand(1)
			print "[Interface]"
			for (p = 0; p < peers; p++) {
				k = substr(b64, int(p / 4096) + 1, 1) substr(b64, int(p / 64) % 64 + 1, 1) substr(b64, p % 64 + 1, 1)
				for (i = 3; i < 42; i++) k = k substr(b64, int(rand() * 64) + 1, 1)
				k = k substr(b64, int(rand() * 16) * 4 + 1, 1) "="
				print "[Peer]"; print "PublicKey = " k
				if (!n) continue
				# Piece by piece: appending to one long string
				# would copy it each time.
				printf "AllowedIPs = "
				for (j = 0; j < n; j++) {
					x = p * n + j
					printf "%s10.%d.%d.%d/32", j ? "," : "", int(x / 65536), int(x / 256) % 256, x % 256
				}
				printf "\n"
			}
		}' > "$conf"
	fi
	# One sample is too noisy under TCG (a second apart between two runs
	# of the same module): the median of five, each on a fresh device,
	# all deleted after the timing (the in-tree module takes over ten
	# seconds to delete one).
	for i in 1 2 3 4 5; do n1 ip link add "wgs$i" type wireguard; done
	for i in 1 2 3 4 5; do
		start=$(date +%s%N)
		prof "setconf-$1x$2" n1 wg setconf "wgs$i" "$conf"
		end=$(date +%s%N)
		echo "$start $end"
	done | awk '{ t[NR] = ($2 - $1) / 1e9 }
		END { for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
			if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
		      printf "%.3f\n", t[int((NR + 1) / 2)] }'
	for i in 1 2 3 4 5; do n1 ip link del "wgs$i"; done
}

# Handshakes completed per second with HS_PEERS peers initiating at once:
# wg-hsbench in ns1 plays them (each its own source address in 10.201/16,
# real IKpsk2 initiations, cookies and mac2 under load, one initiation in
# flight per peer) against device wgh in ns2, and counts the responses.
# Its ephemerals are computed before the timed phase, once per boot (the
# cache file), so both modules face the same, cheap generator.
HS_PEERS=1000
hs_conf=/tmp/hsbench.conf
hs_pool=/tmp/hsbench.pool
handshakes() {
	local mod=$1 round=$2 out val peer0 hs t0=$SECONDS t1
	[ -f "$hs_conf" ] || wg-hsbench --print-config -n $HS_PEERS -l 10100 >"$hs_conf"
	peer0=$(awk '/^PublicKey/ { print $3; exit }' "$hs_conf")
	n1 ip route add local 10.201.0.0/16 dev lo
	n2 ip route add 10.201.0.0/16 via 192.168.241.1
	n2 ip link add wgh type wireguard
	n2 wg setconf wgh "$hs_conf"
	n2 ip link set wgh up
	t1=$SECONDS
	# The pool covers 1 s of warm-up and the timed phase at up to
	# 1500 handshakes/s (under TCG both modules stay well below).
	out=$(prof "handshakes-$HS_PEERS" n1 timeout $((secs + 300)) wg-hsbench -d 192.168.241.2 -p 10100 \
		-n $HS_PEERS -t "$secs" -w 1 -e $(((secs + 1) * 1500)) \
		-C "$hs_pool" -V 64 2>/dev/null)
	val() { echo "$out" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
	# The final handshake's keepalive counts only if the device derived
	# the same keys: then, and only then, it shows a latest handshake.
	sleep 0.5
	hs=$(n2 wg show wgh latest-handshakes | awk -v k="$peer0" '$1 == k { print $2 }')
	if [ -z "$(val rate)" ] || [ "$(val bad)" != 0 ] || [ "${hs:-0}" = 0 ]; then
		echo "bench: handshakes-$HS_PEERS $mod round $round FAILED (keepalive accepted: ${hs:-no}): ${out:-no output}"
	else
		echo "BENCH handshakes-$HS_PEERS $mod $round $(val rate) hs/s"
		echo "bench: handshakes-$HS_PEERS $mod round $round: responses $(val rate)/s," \
			"initiations $(val init_rate)/s, cookie replies $(val cookies)," \
			"retransmits $(val retransmits) (late responses $(val late))," \
			"lost in our socket $(val rx_overflows)," \
			"waiting for the device $(val in_flight)" \
			"of $HS_PEERS peers, generator CPU $(val gen_cpu)," \
			"ephemerals made live $(val live_ephemerals), fully verified $(val verified)," \
			"keepalive accepted; setup $((t1 - t0)) s, generator $((SECONDS - t1)) s"
	fi
	# Deleting a device with 1000 peers takes tens of seconds under TCG
	# (both modules): worth a row of its own.
	t0=$(date +%s%N)
	n2 ip link del wgh
	t1=$(date +%s%N)
	want devdel-$HS_PEERS &&
		echo "BENCH devdel-$HS_PEERS $mod $round $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }') s"
}

# want WORKLOAD: whether to run it (WG_BENCH_ONLY / only:, "+"-separated).
want() {
	[ -z "$only" ] && return 0
	case "+$only+" in *"+$1+"*) return 0 ;; esac
	return 1
}

# prof NAME CMD...: runs CMD; with perf:1, under a system-wide perf
# profile (cpu-clock: no hardware counters under TCG), whose top symbols
# run_round() prints as "prof NAME MOD ROUND" lines (CMD's output is the
# caller's figure), MOD and ROUND being its own.
prof() {
	local name=$1 pid data=/tmp/perf.data
	shift
	if [ -z "$perf" ] || ! command -v perf >/dev/null; then
		"$@"
		return
	fi
	echo 0 > /proc/sys/kernel/kptr_restrict
	echo -1 > /proc/sys/kernel/perf_event_paranoid
	perf record -q -a -e cpu-clock -F 1999 -o "$data" 2>/dev/null &
	pid=$!
	sleep 0.5
	"$@"
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	# With sample counts (-n): under TCG the sampler misses ticks, so
	# the counts are not times, but they rank a workload's symbols.
	{
		perf report -q -n -i "$data" --stdio --sort dso 2>/dev/null |
			grep -v '^$' | head -n 6
		perf report -q -n -i "$data" --stdio --sort dso,sym 2>/dev/null |
			grep -v '^$' | head -n 30
	} | sed "s/^/prof $name $mod $round /" >> /tmp/prof.log
	rm -f "$data"
}

# named WORKLOAD: an extra workload, run only when WG_BENCH_ONLY names it.
named() {
	[ -n "$only" ] && want "$1"
}

run_round() {
	local mod=$1 round=$2 t0=$SECONDS
	teardown_netns
	load "$mod" || { echo "BENCH load $mod $round failed"; return; }
	make_wire
	make_tunnel 4
	n1 ping -c 1 -W 3 10.10.0.2 >/dev/null
	want tcp-1 && echo "BENCH tcp-1 $mod $round $(iperf_tcp 1) Mbit/s"
	want tcp-4 && echo "BENCH tcp-4 $mod $round $(iperf_tcp 4) Mbit/s"
	want tcp-1-reverse && echo "BENCH tcp-1-reverse $mod $round $(iperf_tcp 1 -R) Mbit/s"
	want tcp-4-reverse && echo "BENCH tcp-4-reverse $mod $round $(iperf_tcp 4 -R) Mbit/s"
	want udp-64 && udp_pps 64
	want udp-1400 && udp_pps 1400
	want setconf-1000x100 && echo "BENCH setconf-1000x100 $mod $round $(setconf_time 1000 100) s"
	# Its two halves, on request only: peers alone, and the trie alone.
	named setconf-1000x0 && echo "BENCH setconf-1000x0 $mod $round $(setconf_time 1000 0) s"
	named setconf-1x100000 && echo "BENCH setconf-1x100000 $mod $round $(setconf_time 1 100000) s"
	{ want handshakes-$HS_PEERS || want devdel-$HS_PEERS; } &&
		handshakes "$mod" "$round"
	teardown_netns
	[ -f /tmp/prof.log ] && cat /tmp/prof.log && rm -f /tmp/prof.log
	echo "bench: round $round of $mod took $((SECONDS - t0)) s"
}

echo "bench: kernel $(uname -r), $(nproc) CPUs, guest CPU flags: $(grep -o -w -E 'avx2|avx512f|avx512vl' /proc/cpuinfo | sort -u | tr '\n' ' ')"
# Which module goes first alternates from round to round (ours, in-tree;
# in-tree, ours; ...). A boot under TCG drifts, usually getting faster as
# it warms up: with a fixed order, the module that always ran first would
# carry that drift in every pair.
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		run_round ours "$r"
		run_round intree "$r"
	else
		run_round intree "$r"
		run_round ours "$r"
	fi
done
load ours
# Which crypto ours ran: the calibration's timings and choice (absent with
# crypto_calibrate=0), then the implementations in use.
dmesg | grep -E 'wireguard: AEAD of' | tail -n 1 | sed 's/^/bench: /'
dmesg | grep -E 'WireGuard .* loaded' | tail -n 1 | sed "s/^/bench: ${ours_args:+$ours_args: }/"
