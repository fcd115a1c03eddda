#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: one guest boot per kernel series, ours and the in-tree module
# alternating in rounds inside it (bench.sh), then the native userspace
# benches of crypto and allowed-ips. Prints a table of medians and ratios
# and writes build/bench.json.
#
#   WG_KERNELS="6.1"         only that kernel series (as make check)
#   WG_BENCH_ROUNDS=N        rounds per module (3)
#   WG_BENCH_SECONDS=S       seconds per timed workload (5)
#   WG_BENCH_ONLY=a+b        only these workloads (names as in the table)
#   WG_BENCH_BUILD=DIR       module build directory (build/kbuild)
#   WG_BENCH_PERF=1          profile each workload with perf in the guest
#                            (the host's perf, from linux-perf) and print
#                            the top symbols of each module side by side
#   WG_BENCH_UNCALIBRATED=1  load ours with crypto_calibrate=0: its crypto
#                            chosen by CPU features alone, as in-tree's is
#                            (the widest vectors), to compare the code
#                            paths rather than the choice between them
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${WG_CACHE:-/var/cache/wireguard-selftests}
out=$top/build/bench
mkdir -p "$out"
"$top/selftests/qemu/prepare.sh" "$cache"
kbuild=${WG_BENCH_BUILD:-$top/build/kbuild}
make -s -C "$top" modules-all BUILD="$kbuild" || exit 1
# The guest tools (wg-hsbench for the handshake workload).
make -s -C "$top/selftests/tools" || exit 1

releases=$("$top/selftests/qemu/releases.sh")
if [ -n "${WG_KERNELS:-}" ]; then
	releases=$(for k in $WG_KERNELS; do "$top/selftests/qemu/releases.sh" "$k"; done)
fi
# The guest gets its settings through the kernel command line's wg.tests
# (bench.sh parses "rounds:N,seconds:S,only:A+B").
opts=
[ -n "${WG_BENCH_ROUNDS:-}" ] && opts=$opts,rounds:$WG_BENCH_ROUNDS
[ -n "${WG_BENCH_SECONDS:-}" ] && opts=$opts,seconds:$WG_BENCH_SECONDS
[ -n "${WG_BENCH_ONLY:-}" ] && opts=$opts,only:$WG_BENCH_ONLY
[ -n "${WG_BENCH_UNCALIBRATED:-}" ] && opts=$opts,uncalibrated:1
if [ -n "${WG_BENCH_PERF:-}" ]; then
	command -v perf >/dev/null || apt-get install -y -q linux-perf >/dev/null
	opts=$opts,perf:1
	export WG_GUEST_PERF=1
fi
opts=${opts#,}

for rel in $releases; do
	echo "== bench in a guest: $rel"
	WG_TESTS=${opts:-all} WG_GUEST_TIMEOUT=${WG_GUEST_TIMEOUT:-3600} "$top/selftests/qemu/boot.sh" "$cache" "$rel" \
		"$kbuild/$rel/wireguard.ko" bench "$out/guest-$rel.log" >/dev/null
	grep '^bench:' "$out/guest-$rel.log"
	grep '^prof' "$out/guest-$rel.log" | sed 's/^prof //' > "$out/profile-$rel.txt"
	[ -s "$out/profile-$rel.txt" ] && echo "profiles: $out/profile-$rel.txt"
done

# Medians per (kernel, workload, module), and ours/in-tree ratios: the
# ratio of the medians, and the paired ratios (round r of ours against
# round r of in-tree, which ran right before or after it: the order
# alternates) with their median and range. Under TCG a boot drifts (the
# host's load, page cache, timer slack): pairing each round with its
# neighbour, first one way and then the other, cancels that drift, and the
# range shows how far a single pair can be trusted.
{
	for rel in $releases; do
		grep '^BENCH ' "$out/guest-$rel.log" | sed "s/^BENCH /$rel /"
	done
} | awk '
	function sortv(v, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	}
	function med(v, n) {
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function median(key,   n, i, v) {
		n = cnt[key]
		for (i = 1; i <= n; i++) v[i] = val[key, i]
		sortv(v, n)
		return med(v, n)
	}
	# Lower is better for times: invert so ratio > 1 means ours wins.
	function ratio(o, t, u) {
		return (u == "s") ? (o > 0 ? t / o : 0) : (t > 0 ? o / t : 0)
	}
	NF >= 6 && $5 ~ /^[0-9.]+$/ {
		key = $1 SUBSEP $2 SUBSEP $3
		val[key, ++cnt[key]] = $5
		byround[key, $4] = $5
		unit[$2] = $6
		if (!seen[$1 SUBSEP $2]++) order[++no] = $1 SUBSEP $2
	}
	END {
		printf "%-22s %-20s %12s %12s %8s %8s %13s  %s\n", "kernel", "workload", "ours", "in-tree", "ratio", "paired", "pair range", "unit"
		json = "["
		for (i = 1; i <= no; i++) {
			split(order[i], k, SUBSEP)
			ko = k[1] SUBSEP k[2] SUBSEP "ours"
			kt = k[1] SUBSEP k[2] SUBSEP "intree"
			o = median(ko)
			t = median(kt)
			r = ratio(o, t, unit[k[2]])
			np = 0
			delete pr
			for (x = 1; x <= cnt[ko]; x++)
				if ((ko, x) in byround && (kt, x) in byround)
					pr[++np] = ratio(byround[ko, x], byround[kt, x], unit[k[2]])
			sortv(pr, np)
			pm = np ? med(pr, np) : 0
			range = np ? sprintf("%.2f-%.2f", pr[1], pr[np]) : "-"
			printf "%-22s %-20s %12.2f %12.2f %8.2f %8.2f %13s  %s\n", k[1], k[2], o, t, r, pm, range, unit[k[2]]
			json = json sprintf("%s{\"kernel\":\"%s\",\"workload\":\"%s\",\"ours\":%g,\"intree\":%g,\"ratio\":%g,\"paired\":%g,\"pairs\":%d,\"pair_min\":%g,\"pair_max\":%g,\"unit\":\"%s\"}", i > 1 ? "," : "", k[1], k[2], o, t, r, pm, np, np ? pr[1] : 0, np ? pr[np] : 0, unit[k[2]])
		}
		print json "]" > "/dev/stderr"
	}' 2>"$out/bench.json" | tee "$out/table.txt"
echo "(ratio > 1: ours is better. ratio: of the medians over the rounds of one boot;"
echo " paired: median of round-by-round ratios, each round of ours against the in-tree one next to it)"
cp "$out/bench.json" "$top/build/bench.json"

for d in crypto allowedips; do
	if [ -f "$top/selftests/unit/$d/Makefile" ]; then
		echo "== native userspace bench: $d"
		make -s -C "$top/selftests/unit/$d" bench 2>&1 | tail -n 40
	fi
done
echo "JSON: build/bench.json"
