#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The crypto implementations in the kernel. At load the module times every
# supported ChaCha20-Poly1305 pair and keeps the fastest, unless the
# feature-based default (the widest vectors) is within 5/4 of it
# (crypto/calibrate.c): its log line must show a choice that follows that
# rule and matches what is in use. Under TCG the portable code wins, so a
# calibrated module never runs its vector code on traffic here: loaded with
# crypto_calibrate=0 it must take the widest vectors the CPU advertises, and
# carry traffic of every length through them (the one-block, two-block,
# partial and whole eight-block paths, in softirq and worker context).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/netns.sh"

flags=$(grep -o -w -E 'avx2|avx512f|avx512vl' /proc/cpuinfo | sort -u | tr '\n' ' ')

# reload ARGS: the module again, with ARGS. The log is not cleared (the
# runner checks all of it at the end): newlog shows what came after the
# last reload (check runs it in a subshell, hence the file).
reload() {
	rmmod wireguard 2>/dev/null
	dmesg | wc -l >/tmp/crypto-mark
	modprobe wireguard "$@"
}
newlog() { dmesg | tail -n +$(($(cat /tmp/crypto-mark) + 1)); }

# The "loaded" line's "chacha20: X, poly1305: Y" as "X/Y".
in_use() {
	newlog | sed -n 's/.*WireGuard .* loaded.*(chacha20: \([a-z0-9]*\), poly1305: \([a-z0-9]*\)).*/\1\/\2/p' | tail -n 1
}

# --- calibrated (the default) ---
check load-calibrated reload
line=$(newlog | grep 'wireguard: AEAD of' | tail -n 1)
check_match calibration-logged 'AEAD of [0-9]+ bytes, ns:( [a-z0-9]+/[a-z0-9]+ [0-9]+)+; using [a-z0-9]+/[a-z0-9]+$' "$line"
using=${line##*using }
# The chosen pair's time is within 5/4 of the fastest: either it is the
# fastest, or it is the default, kept because nothing beat it by 4/5.
verdict=$(echo "$line" | sed 's/.*ns://; s/;.*//' | awk -v use="$using" '
	{ for (i = 1; i < NF; i += 2) { t[$i] = $(i + 1); if (min == "" || $(i + 1) < min) min = $(i + 1) } }
	END {
		if (!(use in t)) { print "chosen pair " use " was not timed"; exit }
		if (t[use] * 4 > min * 5) { print "chosen " use " " t[use] " ns, fastest " min " ns"; exit }
		print "ok"
	}')
check_eq calibration-choice-within-margin ok "$verdict"
check_eq calibration-choice-in-use "$using" "$(in_use)"
echo "    $line"

# --- by CPU features alone ---
check load-uncalibrated reload crypto_calibrate=0
check_eq uncalibrated-no-timing "" "$(newlog | grep 'wireguard: AEAD of')"
case " $flags " in
*" avx512f "*" avx512vl "*) want=avx512/avx2 ;;
*" avx2 "*) want=avx2/avx2 ;;
*) want=generic/generic ;;
esac
check_eq uncalibrated-widest-vectors "$want" "$(in_use)"

make_wire
make_tunnel 4
check handshake n1 ping -c 1 -W 5 10.10.0.2
# ICMP payloads whose tunnel plaintexts (payload + 28, padded to 16), in
# both directions (request and reply), cross every boundary of the
# ChaCha20 paths: one block, two, a partial batch of eight, a whole batch,
# whole batches and a partial one.
bad=
for s in 0 4 36 37 52 68 100 101 228 483 484 500 996 1020 1392; do
	n1 ping -c 1 -W 3 -s "$s" 10.10.0.2 >/dev/null 2>&1 || bad="$bad $s"
done
check_eq vector-paths-every-length "" "$bad"
check vector-paths-ipv6 n1 ping -c 3 -W 3 -i 0.2 -s 1300 fd10::2
check vector-paths-fragmented n1 ping -c 1 -W 3 -s 4000 10.10.0.2

# TCP: GSO batches through the crypt workers, GRO on the way in.
check_tcp vector-paths-tcp 2 1
check_eq still-uncalibrated "$want" "$(in_use)"
teardown_netns

# Leave the module as the other tests expect it: calibrated.
check reload-default reload
finish
