#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Routing for WireGuard devices: the "allowed-ips 0.0.0.0/0 changed my
# `ip route get`" story. First wg-quick's own Table= semantics, then
# wg-autoroute reproducing them (by hand, and as wg-quick PostUp/PreDown
# hooks with Table = off), kept live with --follow, and refusing bad input
# without changing anything.
#
# Two namespaces joined by a veth: "cl" has a default route via eth0 to
# "gw", which is also the WireGuard peer (tunnel 10.77.0.0/24).
. "$(dirname "$0")/lib/common.sh"

if ! command -v wg-autoroute >/dev/null; then
	fail present "(wg-autoroute is not on PATH)"
	finish
fi

d=$(mktemp -d)
cl=arcl
gw=argw
rt_tables=/etc/iproute2/rt_tables
cp "$rt_tables" "$d/rt_tables.orig"
trap 'teardown; cp "$d/rt_tables.orig" "$rt_tables"; rm -rf "$d"' EXIT

CL_KEY=$(wg genkey)
CL_PUB=$(echo "$CL_KEY" | wg pubkey)
GW_KEY=$(wg genkey)
GW_PUB=$(echo "$GW_KEY" | wg pubkey)
P2_PUB=$(wg genkey | wg pubkey)

in_cl() { ip netns exec "$cl" "$@"; }

# check_nomatch NAME REGEX TEXT
check_nomatch() {
	if echo "$3" | grep -qE "$2"; then fail "$1" "('$2' found in: $(echo "$3" | head -n 5 | tr '\n' ' '))"; else pass "$1"; fi
}

teardown() {
	ip netns pids "$cl" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$cl" 2>/dev/null
	ip netns del "$gw" 2>/dev/null
	rm -rf /run/wg-autoroute
}

setup() {
	teardown
	ip netns add "$cl"
	ip netns add "$gw"
	for n in "$cl" "$gw"; do
		# No IPv6 link-local addresses or DAD: nothing shows up late
		# in the before/after snapshots.
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0
		ip netns exec "$n" sysctl -qw net.ipv6.conf.default.accept_dad=0
		ip netns exec "$n" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1
		ip -n "$n" link set lo up
	done
	ip link add eth0 netns "$cl" type veth peer name eth0 netns "$gw"
	ip -n "$cl" addr add 10.50.0.2/24 dev eth0
	ip -n "$gw" addr add 10.50.0.1/24 dev eth0
	ip -n "$cl" link set eth0 up
	ip -n "$gw" link set eth0 up
	ip -n "$cl" route add default via 10.50.0.1 dev eth0
	echo "$GW_KEY" > "$d/gw.key"
	ip -n "$gw" link add wg0 type wireguard
	ip netns exec "$gw" wg set wg0 private-key "$d/gw.key" listen-port 51820 \
		peer "$CL_PUB" allowed-ips 10.77.0.2/32
	ip -n "$gw" addr add 10.77.0.1/24 dev wg0
	ip -n "$gw" link set wg0 up
}

# conf TABLE ALLOWED-IPS [EXTRA-INTERFACE-LINE...]: the client's wg0.conf.
conf() {
	local table=$1 allowed=$2 line
	shift 2
	{
		echo "[Interface]"
		echo "PrivateKey = $CL_KEY"
		echo "Address = 10.77.0.2/24"
		[ -n "$table" ] && echo "Table = $table"
		for line in "$@"; do echo "$line"; done
		echo
		echo "[Peer]"
		echo "PublicKey = $GW_PUB"
		echo "Endpoint = 10.50.0.1:51820"
		echo "AllowedIPs = $allowed"
	} > "$d/wg0.conf"
	chmod 600 "$d/wg0.conf"
}

# wq up|down: wg-quick in the client namespace, its chatter kept in a log.
wq() {
	echo "## wg-quick $1" >> "$d/wg-quick.log"
	ip netns exec "$cl" wg-quick "$1" "$d/wg0.conf" >> "$d/wg-quick.log" 2>&1
}

# Everything routing-related in the client namespace.
snap() {
	in_cl bash -c 'ip -4 rule; ip -6 rule; ip -4 route show table all;
		ip -6 route show table all; nft list ruleset'
}
rules() { in_cl bash -c 'ip -4 rule; ip -6 rule'; }
# The state the tests compare between wg-quick and wg-autoroute.
view() {
	in_cl bash -c 'ip -4 rule; ip -6 rule; ip route show table main;
		ip route show table 51820; ip -6 route show table 51820;
		nft list ruleset; wg show wg0 fwmark' 2>/dev/null
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
routes_match() { in_cl ip route show table all | grep -qE "$1"; }
routes_nomatch() { ! routes_match "$1"; }
rules_match() { rules | grep -qE "$1"; }
rules_nomatch() { ! rules_match "$1"; }
ping_tunnel() {
	local i
	# The first ping waits for the handshake; QEMU without KVM is slow.
	for i in 1 2 3; do
		in_cl ping -c 1 -W 5 10.77.0.1 >/dev/null 2>&1 && return 0
	done
	return 1
}

RULE_FWMARK='not from all fwmark 0xca6c lookup 51820'
RULE_SUPPRESS='from all lookup main suppress_prefixlength 0'

# expect_default_setup PREFIX [noping]: ip route get goes into the tunnel.
expect_default_setup() {
	check_match "$1-route-get-tunnel" 'dev wg0 table 51820' "$(in_cl ip route get 1.1.1.1)"
	check_match "$1-route-get-marked-eth0" 'dev eth0' "$(in_cl ip route get 1.1.1.1 mark 51820)"
	check_match "$1-rule-fwmark" "$RULE_FWMARK" "$(rules)"
	check_match "$1-rule-suppress" "$RULE_SUPPRESS" "$(rules)"
	check_eq "$1-fwmark" 0xca6c "$(in_cl wg show wg0 fwmark)"
	check_match "$1-nft-table" 'table ip wg-quick-wg0' "$(in_cl nft list tables)"
	check_eq "$1-src-valid-mark" 1 "$(in_cl cat /proc/sys/net/ipv4/conf/all/src_valid_mark)"
	# Slow under TCG: once per tool is enough ("noping" skips it).
	[ "${2:-}" = noping ] && return
	if ping_tunnel; then pass "$1-ping-through-tunnel"; else fail "$1-ping-through-tunnel"; fi
}

# expect_no_rules PREFIX BEFORE-SNAPSHOT: route get stays on eth0.
expect_no_rules() {
	check_match "$1-route-get-eth0" 'dev eth0' "$(in_cl ip route get 1.1.1.1)"
	check_eq "$1-no-new-rules" "$(echo "$2" | grep -E '^[0-9]+:')" "$(rules)"
	check_eq "$1-no-table-51820" "" "$(in_cl ip route show table 51820 2>/dev/null)"
}

# expect_table PREFIX TABLE: 10.9.0.0/16 (and the default) in TABLE only.
expect_table() {
	local want="10.9.0.0/16 dev wg0"
	check_match "$1-route-in-table" "^$want" "$(in_cl ip route show table "$2")"
	check_match "$1-default-in-table" '^default dev wg0' "$(in_cl ip route show table "$2")"
	check_nomatch "$1-not-in-main" "^$want" "$(in_cl ip route show table main)"
}

# ---------------------------------------------------------------------------
# wg-quick itself: the behaviour to reproduce.

# One pair of namespaces for everything: each scenario must leave it as
# it found it anyway, which is what the *-leaves-nothing checks verify.
setup
before=$(snap)
conf "" 0.0.0.0/0
check wq-auto-up wq up
expect_default_setup wq-auto
wq_auto_view=$(view)
check wq-auto-down wq down
check_eq wq-auto-down-leaves-nothing "$before" "$(snap)"

before=$(snap)
conf off 0.0.0.0/0
check wq-off-up wq up
expect_no_rules wq-off "$before"
check_eq wq-off-no-wg0-routes "" "$(in_cl ip route show table all dev wg0 | grep -v 'proto kernel')"
wq_off_snap=$(snap)
check wq-off-down wq down
check_eq wq-off-down-leaves-nothing "$before" "$(snap)"

before=$(snap)
conf main 10.9.0.0/16
check wq-main-up wq up
expect_no_rules wq-main "$before"
check_match wq-main-route '^10.9.0.0/16 dev wg0' "$(in_cl ip route show table main)"
wq_main_snap=$(snap)
check wq-main-down wq down

for t in 1234 artest; do
	[ $t = artest ] && printf '4321\tartest\n' >> "$rt_tables"
	num=$t
	[ $t = artest ] && num=4321
	before=$(snap)
	conf $t "0.0.0.0/0, 10.9.0.0/16"
	check wq-table-$t-up wq up
	expect_no_rules wq-table-$t "$before"
	expect_table wq-table-$t $num
	eval "wq_table_${t}_snap=\$(snap)"
	check wq-table-$t-down wq down
	check_eq wq-table-$t-down-leaves-nothing "$before" "$(snap)"
done

# ---------------------------------------------------------------------------
# wg-autoroute as wg-quick hooks (Table = off): the same results.

hooks() {
	echo "PostUp = wg-autoroute up %i --table $1"
	echo "PreDown = wg-autoroute down %i"
}

before=$(snap)
conf off 0.0.0.0/0 "$(hooks auto)"
check ar-auto-up wq up
expect_default_setup ar-auto
check_eq ar-auto-same-as-wg-quick "$wq_auto_view" "$(view)"
check ar-auto-down wq down
check_eq ar-auto-down-leaves-nothing "$before" "$(snap)"

conf off 0.0.0.0/0 "$(hooks off)"
check ar-off-up wq up
check_eq ar-off-same-as-wg-quick "$wq_off_snap" "$(snap)"
check ar-off-down wq down

conf off 10.9.0.0/16 "$(hooks main)"
check ar-main-up wq up
check_eq ar-main-same-as-wg-quick "$wq_main_snap" "$(snap)"
check ar-main-down wq down

for t in 1234 artest; do
	before=$(snap)
	conf off "0.0.0.0/0, 10.9.0.0/16" "$(hooks $t)"
	check ar-table-$t-up wq up
	eval "want=\$wq_table_${t}_snap"
	check_eq ar-table-$t-same-as-wg-quick "$want" "$(snap)"
	check ar-table-$t-down wq down
	check_eq ar-table-$t-down-leaves-nothing "$before" "$(snap)"
done

# ---------------------------------------------------------------------------
# By hand on a running device: down restores exactly what was there,
# including routes that are not ours and a fwmark set by someone else.

conf off "0.0.0.0/0, 10.9.0.0/16, 10.77.0.1/32"
wq up
in_cl ip route add 10.10.0.0/16 dev wg0	# not ours, must survive
in_cl wg set wg0 peer "$GW_PUB" allowed-ips 0.0.0.0/0,10.9.0.0/16,10.10.0.0/16,10.77.0.1/32
before=$(snap)
check manual-up in_cl wg-autoroute up wg0
check_match manual-route-main '^10.9.0.0/16 dev wg0' "$(in_cl ip route show table main)"
# Inside wg0's own connected /24: skipped like wg-quick does.
check_nomatch manual-covered-skipped '^10.77.0.1 ' "$(in_cl ip route show table main)"
expect_default_setup manual noping
state=$(cat /run/wg-autoroute/wg0*.state 2>/dev/null)
check_match manual-state-rule "rule inet fwmark 51820 pref [0-9]+" "$state"
mid=$(snap)
check manual-up-again in_cl wg-autoroute up wg0
check_eq manual-up-again-changes-nothing "$mid" "$(snap)"
check manual-down in_cl wg-autoroute down wg0
check_eq manual-down-restores "$before" "$(snap)"
check_eq manual-down-fwmark-off off "$(in_cl wg show wg0 fwmark)"
check_match manual-foreign-route-kept '^10.10.0.0/16 dev wg0' "$(in_cl ip route show table main)"
check_eq manual-state-removed "" "$(ls /run/wg-autoroute/wg0*.state 2>/dev/null)"
check manual-down-again in_cl wg-autoroute down wg0

in_cl wg set wg0 fwmark 1234
check preset-fwmark-up in_cl wg-autoroute up wg0
check_match preset-fwmark-table 'dev wg0 table 1234' "$(in_cl ip route get 1.1.1.1)"
check preset-fwmark-down in_cl wg-autoroute down wg0
check_eq preset-fwmark-kept 0x4d2 "$(in_cl wg show wg0 fwmark)"
in_cl wg set wg0 fwmark 0

# A step failing midway (nft here) undoes the ones before it.
mkdir -p "$d/badnft"
printf '#!/bin/sh\nexit 1\n' > "$d/badnft/nft"
chmod +x "$d/badnft/nft"
in_cl sysctl -qw net.ipv4.conf.all.src_valid_mark=0
before=$(snap)
check_not rollback-fails ip netns exec "$cl" env PATH="$d/badnft:$PATH" wg-autoroute up wg0
check_eq rollback-restores "$before" "$(snap)"
check_eq rollback-fwmark off "$(in_cl wg show wg0 fwmark)"
check_eq rollback-src-valid-mark 0 "$(in_cl cat /proc/sys/net/ipv4/conf/all/src_valid_mark)"

# ---------------------------------------------------------------------------
# Bad input: clear message, non-zero exit, nothing changed.

ip -n "$cl" link add dummy0 type dummy
ip -n "$cl" link set dummy0 up
before="$(snap)$(in_cl wg show wg0 fwmark)"
bad() {
	local name=$1 msg=$2 out rc
	shift 2
	out=$(in_cl wg-autoroute "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -q "$msg"; then
		pass "$name"
	else
		fail "$name" "(exit $rc: $out)"
	fi
}
bad bad-unknown-interface 'nosuch0: no such interface' up nosuch0
bad bad-unknown-table "unknown table name 'nosuchtable'" up wg0 --table nosuchtable
bad bad-not-wireguard 'dummy0 is not a WireGuard interface' up dummy0
bad bad-table-zero "invalid table '0'" up wg0 --table 0
bad bad-interface-name 'invalid interface name' up ../wg0
check_eq bad-input-changes-nothing "$before" "$(snap)$(in_cl wg show wg0 fwmark)"
wq down

# ---------------------------------------------------------------------------
# --follow: routes track allowed-ips changes through the module's peer
# change notifications.

conf off 10.9.0.0/16
wq up
before=$(snap)
follower_settled() {
	! kill -0 $fpid 2>/dev/null || grep -qx "pid $fpid" /run/wg-autoroute/wg0*.state
}
ip netns exec "$cl" wg-autoroute up wg0 --follow > "$d/follow.log" 2>&1 &
fpid=$!
wait_for 10 follower_settled
if ! kill -0 $fpid 2>/dev/null; then
	wait $fpid
	rc=$?
	if grep -q 'multicast group' "$d/follow.log" &&
	   [ "$(cat /sys/module/wireguard/version 2>/dev/null)" = 1.0.0 ]; then
		# Debian's module: no notifications, and we say so clearly.
		pass follow-refused-without-notifications
		check_eq follow-refused-changes-nothing "$before" "$(snap)"
	else
		fail follow-start "(exit $rc: $(tr '\n' ' ' < "$d/follow.log"))"
	fi
	finish
fi
if wait_for 10 routes_match '^10.9.0.0/16 dev wg0'; then pass follow-initial; else fail follow-initial; fi

in_cl wg set wg0 peer "$GW_PUB" allowed-ips 10.9.0.0/16,10.10.0.0/16
if wait_for 10 routes_match '^10.10.0.0/16 dev wg0'; then pass follow-allowedips-added; else fail follow-allowedips-added; fi
in_cl wg set wg0 peer "$GW_PUB" allowed-ips 10.10.0.0/16
if wait_for 10 routes_nomatch '^10.9.0.0/16'; then pass follow-allowedips-removed; else fail follow-allowedips-removed; fi
check_match follow-others-kept '^10.10.0.0/16 dev wg0' "$(in_cl ip route show table main)"

in_cl wg set wg0 peer "$P2_PUB" allowed-ips 10.11.0.0/16
if wait_for 10 routes_match '^10.11.0.0/16 dev wg0'; then pass follow-peer-added; else fail follow-peer-added; fi
in_cl wg set wg0 peer "$P2_PUB" remove
if wait_for 10 routes_nomatch '^10.11.0.0/16'; then pass follow-peer-removed; else fail follow-peer-removed; fi

in_cl wg set wg0 peer "$GW_PUB" allowed-ips 0.0.0.0/0,10.10.0.0/16
if wait_for 10 rules_match "$RULE_SUPPRESS"; then pass follow-default-appears; else fail follow-default-appears; fi
expect_default_setup follow
in_cl wg set wg0 peer "$GW_PUB" allowed-ips 10.10.0.0/16
if wait_for 10 rules_nomatch "$RULE_FWMARK"; then pass follow-default-goes; else fail follow-default-goes; fi
wait_for 10 rules_nomatch "$RULE_SUPPRESS"
check_eq follow-default-goes-rules "$(echo "$before" | grep -E '^[0-9]+:')" "$(rules)"
check_eq follow-default-goes-fwmark off "$(in_cl wg show wg0 fwmark)"
check_eq follow-default-goes-nft "" "$(in_cl nft list ruleset)"
check_match follow-default-goes-route-get 'dev eth0' "$(in_cl ip route get 1.1.1.1)"

in_cl wg set wg0 peer "$GW_PUB" allowed-ips ::/0,0.0.0.0/0
if wait_for 10 rules_match "$RULE_FWMARK"; then pass follow-default-again; else fail follow-default-again; fi
check_match follow-default-ipv6-rule "$RULE_FWMARK" "$(in_cl ip -6 rule)"

# SIGTERM: the follower leaves, the routes stay (down removes them).
kill -TERM $fpid
wait $fpid
check_eq follow-sigterm-exit-0 0 $?
check_match follow-sigterm-keeps-rules "$RULE_FWMARK" "$(rules)"
check follow-sigterm-then-down in_cl wg-autoroute down wg0
check_eq follow-sigterm-then-down-rules "$(echo "$before" | grep -E '^[0-9]+:')" "$(rules)"

# down stops a running follower.
ip netns exec "$cl" wg-autoroute up wg0 --follow >> "$d/follow.log" 2>&1 &
fpid=$!
wait_for 10 rules_match "$RULE_FWMARK"
wait_for 10 grep -q "^pid $fpid\$" /run/wg-autoroute/wg0*.state
check follow-down in_cl wg-autoroute down wg0
if wait_for 10 bash -c "! kill -0 $fpid"; then pass follow-down-stops-follower; else fail follow-down-stops-follower; fi

# The device goes away: the follower removes the rules and exits 0.
ip netns exec "$cl" wg-autoroute up wg0 --follow >> "$d/follow.log" 2>&1 &
fpid=$!
wait_for 10 rules_match "$RULE_FWMARK"
in_cl ip link del wg0
if wait_for 10 bash -c "! kill -0 $fpid"; then pass follow-exits-on-link-del; else fail follow-exits-on-link-del; kill $fpid; fi
wait $fpid
check_eq follow-link-del-exit-0 0 $?
check_eq follow-link-del-no-rules "$(echo "$before" | grep -E '^[0-9]+:')" "$(rules)"
check_eq follow-link-del-no-nft "" "$(in_cl nft list ruleset)"
check_eq follow-link-del-no-state "" "$(ls /run/wg-autoroute/wg0*.state 2>/dev/null)"
[ "$failures" -eq 0 ] || sed 's/^/    follow: /' "$d/follow.log"

finish
