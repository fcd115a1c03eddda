#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The generic netlink UAPI, through the stock tools and through wg-nlbad
# (selftests/tools): every peer field set and shown, setconf/addconf/
# syncconf, update-only, allowed-ip removal, our own key, dumps of many
# peers and of one huge peer split across messages (and a dump that spans
# a change), wg-quick, malformed requests (rejected, with a reason, and
# changing nothing), 10 000 fuzzed requests (each rejected one checked to
# have changed nothing), and the change notifications.
. "$(dirname "$0")/lib/common.sh"

tmp=$(mktemp -d)

# "pubkey prefix" lines, sorted: a device's allowed-ips, order-independent.
pairs() {
	wg show "$1" allowed-ips | awk '{ for (i = 2; i <= NF; i++) print $1, $i }' | sort
}
# The same, from a config file.
conf_pairs() {
	awk '/^PublicKey/ { k = $3 }
	     /^AllowedIPs/ { sub(/^AllowedIPs = /, ""); n = split($0, a, ", ");
			     for (i = 1; i <= n; i++) print k, a[i] }' "$1" | sort
}
newpub() { wg genkey | wg pubkey; }
# has_line NAME LINE TEXT: TEXT has LINE, literally (keys contain '+', '/').
has_line() {
	if printf '%s\n' "$3" | grep -qxF -- "$2"; then pass "$1"; else fail "$1" "(no line '$2')"; fi
}
# section NAME: progress, with the time so far (not a test result).
section() { echo "    -- $1 (${SECONDS}s)"; }

# ---- Every peer field, set and shown ----
section fields
ip link add wg0 type wireguard
wg genkey > "$tmp/k0"
pub0=$(wg pubkey < "$tmp/k0")
p1=$(newpub)
wg genpsk > "$tmp/psk"
check set-all-fields wg set wg0 listen-port 51000 fwmark 0x42 \
	private-key "$tmp/k0" peer "$p1" preshared-key "$tmp/psk" \
	endpoint 192.0.2.1:51820 persistent-keepalive 25 \
	allowed-ips 10.1.0.0/16,fd00:1::/64
check_eq peers "$p1" "$(wg show wg0 peers)"
check_eq public-key "$pub0" "$(wg show wg0 public-key)"
check_eq listen-port 51000 "$(wg show wg0 listen-port)"
check_eq fwmark 0x42 "$(wg show wg0 fwmark)"
check_eq endpoint "$p1	192.0.2.1:51820" "$(wg show wg0 endpoints)"
check_eq preshared-key "$p1	$(cat "$tmp/psk")" "$(wg show wg0 preshared-keys)"
check_eq keepalive "$p1	25" "$(wg show wg0 persistent-keepalive)"
check_eq allowed-ips "$p1	10.1.0.0/16 fd00:1::/64" "$(wg show wg0 allowed-ips)"
check_eq latest-handshake "$p1	0" "$(wg show wg0 latest-handshakes)"
check_eq transfer "$p1	0	0" "$(wg show wg0 transfer)"

check set-endpoint-v6 wg set wg0 peer "$p1" endpoint '[2001:db8::1]:51821'
check_eq endpoint-v6 "$p1	[2001:db8::1]:51821" "$(wg show wg0 endpoints)"
check set-host-bits wg set wg0 peer "$p1" allowed-ips 10.0.0.5/24,fd00::1/64,192.0.2.77/32
check_eq host-bits-masked "$p1	10.0.0.0/24 192.0.2.77/32 fd00::/64" "$(wg show wg0 allowed-ips)"

# showconf | setconf onto another device gives the same showconf.
wg showconf wg0 > "$tmp/c0"
ip link add wg1 type wireguard
check setconf-roundtrip wg setconf wg1 "$tmp/c0"
check_eq showconf-roundtrip "$(cat "$tmp/c0")" "$(wg showconf wg1)"
has_line showconf-has-psk "PresharedKey = $(cat "$tmp/psk")" "$(cat "$tmp/c0")"
check_match showconf-has-keepalive '^PersistentKeepalive = 25$' "$(cat "$tmp/c0")"
ip link del wg1

check remove-psk wg set wg0 peer "$p1" preshared-key /dev/null
check_eq psk-removed "$p1	(none)" "$(wg show wg0 preshared-keys)"
check keepalive-off wg set wg0 peer "$p1" persistent-keepalive off
check_eq keepalive-removed "$p1	off" "$(wg show wg0 persistent-keepalive)"
check empty-allowed-ips wg set wg0 peer "$p1" allowed-ips ""
check_eq allowed-ips-cleared "$p1	(none)" "$(wg show wg0 allowed-ips)"
check peer-remove wg set wg0 peer "$p1" remove
check_eq peer-removed "" "$(wg show wg0 peers)"
check remove-missing-peer wg set wg0 peer "$p1" remove

# ---- setconf (replaces peers), addconf (adds), syncconf (makes equal) ----
section setconf
q1=$(newpub) q2=$(newpub) q3=$(newpub) q4=$(newpub)
cat > "$tmp/a.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/k0")
ListenPort = 51001

[Peer]
PublicKey = $q1
AllowedIPs = 10.10.1.0/24
Endpoint = 192.0.2.11:1

[Peer]
PublicKey = $q2
AllowedIPs = 10.10.2.0/24, fd10:2::/64
PersistentKeepalive = 5

[Peer]
PublicKey = $q3
PresharedKey = $(cat "$tmp/psk")
AllowedIPs = 10.10.3.0/24
EOF
wg set wg0 peer "$p1" allowed-ips 10.9.0.0/16
check setconf wg setconf wg0 "$tmp/a.conf"
check_eq setconf-peers "$(printf '%s\n' "$q1" "$q2" "$q3" | sort)" "$(wg show wg0 peers | sort)"
check_eq setconf-ips "$(conf_pairs "$tmp/a.conf")" "$(pairs wg0)"
check_eq setconf-port 51001 "$(wg show wg0 listen-port)"
check_eq setconf-psk "$q3	$(cat "$tmp/psk")" "$(wg show wg0 preshared-keys | grep "^$q3")"
check_eq setconf-keepalive "$q2	5" "$(wg show wg0 persistent-keepalive | grep "^$q2")"

cat > "$tmp/b.conf" <<EOF
[Peer]
PublicKey = $q4
AllowedIPs = 10.10.4.0/24

[Peer]
PublicKey = $q1
AllowedIPs = 10.10.11.0/24
EOF
check addconf wg addconf wg0 "$tmp/b.conf"
check_eq addconf-peers "$(printf '%s\n' "$q1" "$q2" "$q3" "$q4" | sort)" "$(wg show wg0 peers | sort)"
# wg(8) sets REPLACE_ALLOWEDIPS for every AllowedIPs line, addconf too.
check_eq addconf-replaces-named-ips "$q1	10.10.11.0/24" "$(wg show wg0 allowed-ips | grep "^$q1")"
check_eq addconf-keeps-others "$q2	10.10.2.0/24 fd10:2::/64" "$(wg show wg0 allowed-ips | grep "^$q2")"

cat > "$tmp/c.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/k0")
ListenPort = 51001

[Peer]
PublicKey = $q1
AllowedIPs = 10.10.1.0/24

[Peer]
PublicKey = $q4
AllowedIPs = 10.10.4.0/24, 10.10.44.0/24
Endpoint = 192.0.2.44:4
EOF
check syncconf wg syncconf wg0 "$tmp/c.conf"
check_eq syncconf-peers "$(printf '%s\n' "$q1" "$q4" | sort)" "$(wg show wg0 peers | sort)"
check_eq syncconf-ips "$(conf_pairs "$tmp/c.conf")" "$(pairs wg0)"
check_eq syncconf-endpoint "$q4	192.0.2.44:4" "$(wg show wg0 endpoints | grep "^$q4")"

# ---- update-only and WGALLOWEDIP_F_REMOVE_ME (no wg(8) syntax for them) ----
section update-only
q9=$(newpub)
check update-only-missing wg-nlbad update-only wg0 "$q9" 10.20.0.0/16
check_eq update-only-creates-nothing "" "$(wg show wg0 peers | grep "$q9")"
check update-only-existing wg-nlbad update-only wg0 "$q1" 10.20.0.0/16
check_eq update-only-updates "$q1	10.10.1.0/24 10.20.0.0/16" "$(wg show wg0 allowed-ips | grep "^$q1")"
check remove-ip wg-nlbad remove-ips wg0 "$q1" 10.20.0.0/16
check_eq remove-ip-removed "$q1	10.10.1.0/24" "$(wg show wg0 allowed-ips | grep "^$q1")"
check remove-other-peers-ip wg-nlbad remove-ips wg0 "$q1" 10.10.4.0/24
check_eq other-peers-ip-kept "$q4	10.10.4.0/24 10.10.44.0/24" "$(wg show wg0 allowed-ips | grep "^$q4")"
check remove-absent-ip wg-nlbad remove-ips wg0 "$q1" 10.99.0.0/16
check remove-ip-host-bits wg-nlbad remove-ips wg0 "$q4" 10.10.44.9/24 fd99::/64
check_eq remove-ip-host-bits-done "$q4	10.10.4.0/24" "$(wg show wg0 allowed-ips | grep "^$q4")"
# Newer wg(8) (not bookworm's) speaks REMOVE_ME itself: "-prefix".
if wg set wg0 peer "$q1" allowed-ips +10.33.0.0/16 2>/dev/null; then
	check wg-minus-prefix wg set wg0 peer "$q1" allowed-ips -10.33.0.0/16
	check_eq wg-minus-prefix-removed "$q1	10.10.1.0/24" "$(wg show wg0 allowed-ips | grep "^$q1")"
fi

# ---- Our own public key ----
section own-key
check own-key-as-peer wg set wg0 peer "$pub0" allowed-ips 10.30.0.0/16
check_eq own-key-ignored "" "$(wg show wg0 peers | grep -- "$pub0")"
wg genkey > "$tmp/k2"
pub2=$(wg pubkey < "$tmp/k2")
wg set wg0 peer "$pub2" allowed-ips 10.40.0.0/16
has_line peer-with-future-key "$pub2" "$(wg show wg0 peers)"
check new-private-key wg set wg0 private-key "$tmp/k2"
check_eq new-public-key "$pub2" "$(wg show wg0 public-key)"
check_eq same-key-peer-removed "" "$(wg show wg0 peers | grep -- "$pub2")"
check_eq other-peers-stay "$(printf '%s\n' "$q1" "$q4" | sort)" "$(wg show wg0 peers | sort)"
check remove-private-key wg set wg0 private-key /dev/null
check_eq private-key-removed "(none)" "$(wg show wg0 private-key)"
wg set wg0 private-key "$tmp/k0"

# ---- Big dumps: 1000 peers x 10 allowed-ips; one peer with 5000 ----
section big-dumps
ip link add wgbig type wireguard
wg-nlbad genconf 1000 10 > "$tmp/big.conf"
check setconf-1000-peers wg setconf wgbig "$tmp/big.conf"
check_eq dump-1000-peers 1000 "$(wg show wgbig peers | wc -l)"
check_eq dump-10000-ips "$(conf_pairs "$tmp/big.conf" | md5sum)" "$(pairs wgbig | md5sum)"
check_eq showconf-1000-peers 1000 "$(wg showconf wgbig | grep -c '^\[Peer\]')"
stat=$(wg-nlbad dumpstat wgbig)
check_match dump-1000-multi-message 'messages=([2-9]|[1-9][0-9]+) .*peers=1000 allowedips=10000 intr=0 adjacent=1' "$stat"
echo "    $stat"

stat=$(wg-nlbad dump-intr wgbig)
check_match dump-spanning-change 'peers=999 .*intr=1 adjacent=1 removed=1 done=0' "$stat"
echo "    $stat"
check_eq dump-after-change 998 "$(wg show wgbig peers | wc -l)"

ip link add wgwide type wireguard
wg-nlbad genconf 1 4000 1000 > "$tmp/wide.conf"
check setconf-5000-ips wg setconf wgwide "$tmp/wide.conf"
check_eq dump-5000-ips "$(conf_pairs "$tmp/wide.conf" | md5sum)" "$(pairs wgwide | md5sum)"
stat=$(wg-nlbad dumpstat wgwide)
check_match dump-peer-split 'messages=([2-9]|[1-9][0-9]+) peer_entries=([2-9]|[1-9][0-9]+) peers=1 allowedips=5000 intr=0 adjacent=1' "$stat"
echo "    $stat"
check replace-5000-ips wg set wgwide peer "$(wg show wgwide peers)" allowed-ips 10.0.0.0/8
check_eq replaced-5000-ips 1 "$(pairs wgwide | wc -l)"
ip link del wgwide
check replace-1000-peers wg setconf wgbig "$tmp/a.conf"
check_eq replaced-1000-peers 3 "$(wg show wgbig peers | wc -l)"
ip link del wgbig

# ---- wg-quick ----
section wg-quick
mkdir -p /etc/wireguard
wg genkey > "$tmp/kq"
r1=$(newpub) r2=$(newpub)
cat > /etc/wireguard/wgq0.conf <<EOF
[Interface]
PrivateKey = $(cat "$tmp/kq")
Address = 10.200.0.1/24, fd20::1/64
ListenPort = 51820

[Peer]
PublicKey = $r1
AllowedIPs = 10.201.0.0/16, fd21::/64
Endpoint = 127.0.0.1:51999
EOF
chmod 600 /etc/wireguard/wgq0.conf
check wg-quick-up wg-quick up wgq0
check_eq wg-quick-peer "$r1" "$(wg show wgq0 peers)"
check_match wg-quick-route '10\.201\.0\.0/16' "$(ip route show dev wgq0)"
check_match wg-quick-route6 'fd21::/64' "$(ip -6 route show dev wgq0)"
check_match wg-quick-address '10\.200\.0\.1/24' "$(ip addr show dev wgq0)"
check_match wg-quick-bound '^51820$' "$(udp_ports)"
wg set wgq0 peer "$r2" allowed-ips 10.202.0.0/16
check wg-quick-save wg-quick save wgq0
has_line wg-quick-saved-peer "PublicKey = $r2" "$(cat /etc/wireguard/wgq0.conf)"
check_match wg-quick-saved-address 'Address = 10\.200\.0\.1/24' "$(cat /etc/wireguard/wgq0.conf)"
check wg-quick-down wg-quick down wgq0
check_not wg-quick-gone ip link show wgq0
# The saved file is a valid config with both peers (wg-quick up is slow
# under TCG: setconf of its stripped form proves the same here).
ip link add wgq9 type wireguard
wg-quick strip wgq0 > "$tmp/wgq0.stripped"
check wg-quick-saved-valid wg setconf wgq9 "$tmp/wgq0.stripped"
check_eq wg-quick-saved-peers "$(printf '%s\n' "$r1" "$r2" | sort)" "$(wg show wgq9 peers | sort)"
ip link del wgq9

rm -f /etc/wireguard/wgq0.conf

# ---- Malformed requests: rejected with a reason, nothing changed ----
section malformed
wg set wg0 peer "$q1" endpoint 192.0.2.11:1 persistent-keepalive 7
before=$(wg showconf wg0)
wg-nlbad bad wg0 > "$tmp/bad.out" 2>&1
check_eq bad-cases 32 "$(grep -c ' errno=' "$tmp/bad.out")"
# Before 6.2 a dump's .start cannot report an extack message (the kernel
# does not hand it one): the errno must still be right.
kver=$(uname -r)
kmajor=${kver%%.*} kminor=${kver#*.} kminor=${kminor%%.*}
old_dump_start=$(( kmajor < 6 || (kmajor == 6 && kminor < 2) ))
while read -r name errno expect msg; do
	errno=${errno#errno=} expect=${expect#expect=} msg=${msg#msg=}
	if [ "$errno" = 0 ]; then
		fail "bad-$name" "(accepted)"
	elif [ "$expect" != any ] && [ "$errno" != "$expect" ]; then
		fail "bad-$name" "(errno $errno, expected $expect; $msg)"
	elif [ -z "$msg" ] && [ "${name#get-}" != "$name" ] && [ "$old_dump_start" = 1 ]; then
		pass "bad-$name"
	elif [ -z "$msg" ]; then
		fail "bad-$name" "(errno $errno without an extack message)"
	else
		pass "bad-$name"
	fi
done < "$tmp/bad.out"
sed 's/^/    /' "$tmp/bad.out"
check_eq bad-changes-nothing "$before" "$(wg showconf wg0)"

# ---- Unprivileged: no dump, no set, no listening ----
section unprivileged
if unshare -U true 2>/dev/null; then
	check_not unpriv-get unshare -U wg show wg0
	check_not unpriv-set unshare -U wg set wg0 fwmark 9
	check_not unpriv-listen unshare -U wg-nlbad listen wg0
	check_eq unpriv-changes-nothing "$before" "$(wg showconf wg0)"
fi

# ---- Notifications ----
section notifications
# listen FILE [NETNS]: a listener in the background, ready when it says so.
listen() {
	local i
	if [ -n "${2:-}" ]; then
		ip netns exec "$2" wg-nlbad listen all > "$1" 2>&1 &
	else
		wg-nlbad listen all > "$1" 2>&1 &
	fi
	listener=$!
	for i in $(seq 50); do
		grep -q '^listening' "$1" && return 0
		sleep 0.1
	done
	return 1
}
# Events are sent before the request returns; a moment for delivery.
stop_listener() { sleep 0.3; kill "$1"; wait "$1" 2>/dev/null; }

listen "$tmp/ev" || fail listener-ready
lpid=$listener
e1=$(newpub) e2=$(newpub) e3=$(newpub) e4=$(newpub)
wg set wg0 peer "$e1" allowed-ips 10.50.0.0/16 endpoint 192.0.2.50:5
wg set wg0 peer "$e1" allowed-ips 10.51.0.0/16
wg set wg0 peer "$e1" endpoint 192.0.2.51:6
wg set wg0 peer "$e1" endpoint 192.0.2.51:6
wg set wg0 peer "$e1" endpoint '[2001:db8::5]:7'
wg set wg0 peer "$e1" persistent-keepalive 9
wg-nlbad remove-ips wg0 "$e1" 10.51.0.0/16
wg set wg0 peer "$e1" remove
wg set wg0 peer "$e2" allowed-ips 10.52.0.0/16
wg set wg0 peer "$e3"
printf '[Interface]\nListenPort = 51002\n\n[Peer]\nPublicKey = %s\n' "$e4" > "$tmp/e.conf"
wg setconf wg0 "$tmp/e.conf"
wg genkey > "$tmp/k5"
pub5=$(wg pubkey < "$tmp/k5")
wg set wg0 peer "$pub5"
wg set wg0 private-key "$tmp/k5"
wg set wg0 peer "$pub5"
wg-nlbad bad wg0 >/dev/null 2>&1
stop_listener "$lpid"
expected="added $e1
allowedips $e1
endpoint $e1 192.0.2.51:6
endpoint $e1 [2001:db8::5]:7
allowedips $e1
removed $e1
added $e2
added $e3
$(printf 'removed %s\n' $(printf '%s\n' "$q1" "$q4" "$e2" "$e3"))
added $e4
added $pub5
removed $pub5"
# REPLACE_PEERS removes in list order; that part is compared sorted.
got=$(cat "$tmp/ev")
check_eq events-order "$(echo "$expected" | head -n 8)" "$(echo "$got" | sed -n 2,9p)"
check_eq events-replace-peers "$(printf 'removed %s\n' "$q1" "$q4" "$e2" "$e3" | sort)" "$(echo "$got" | sed -n 10,13p | sort)"
check_eq events-tail "$(echo "$expected" | tail -n 3)" "$(echo "$got" | sed -n '14,$p')"
check_not events-no-secrets grep -qF -e "$(cat "$tmp/k5")" -e "$(cat "$tmp/k0")" "$tmp/ev"

# The device's current namespace gets its events; others do not.
ip netns add evns
ip link add wgev type wireguard
ip link set wgev netns evns
listen "$tmp/ev-in" evns || fail listener-netns-ready
lin=$listener
listen "$tmp/ev-out" || fail listener-ready-2
lout=$listener
e6=$(newpub)
ip netns exec evns wg set wgev peer "$e6" allowed-ips 10.60.0.0/16
stop_listener "$lin"
stop_listener "$lout"
check_eq event-in-device-netns "added $e6" "$(sed -n 2p "$tmp/ev-in")"
check_eq no-event-elsewhere "listening" "$(cat "$tmp/ev-out")"
ip netns del evns

section roaming
# Roaming, from the receive path: ns1's packets start coming from another
# port, and ns2 learns the new endpoint from an authenticated packet.
. "$(dirname "$0")/lib/netns.sh"
make_wire
make_tunnel
check roam-tunnel-up n1 ping -c 1 -W 5 10.10.0.2
listen "$tmp/ev-roam" ns2 || fail listener-roam-ready
lroam=$listener
n1 wg set wg0 listen-port 10011
check roam-after-port-change n1 ping -c 1 -W 5 10.10.0.2
stop_listener "$lroam"
has_line roam-endpoint-event "endpoint $pub1 192.168.241.1:10011" "$(cat "$tmp/ev-roam")"
check_eq roam-endpoint-shown "$pub1	192.168.241.1:10011" "$(n2 wg show wg0 endpoints)"
teardown_netns

# ---- Fuzz: 10 000 random and mutated set requests, device up ----
# After each rejected request wg-nlbad dumps the device and compares it with
# the configuration before the request: old or new, never half of each.
section fuzz
ip link set wg0 up
seed=${WG_FUZZ_SEED:-$(date +%s)}
echo "    fuzz seed $seed"
out=$(wg-nlbad fuzz 10000 "$seed" wg0 2>&1)
rc=$?
echo "    $out"
check_eq fuzz-10000 0 "$rc"
check_match fuzz-digest-sees-changes 'changed the configuration: [1-9]' "$out"
check fuzz-dump-still-works wg show wg0
wg showconf wg0 > "$tmp/fz.conf"
ip link add wgfz type wireguard
check fuzz-showconf-roundtrip wg setconf wgfz "$tmp/fz.conf"
check_eq fuzz-peers-roundtrip "$(wg show wg0 peers | sort)" "$(wg show wgfz peers | sort)"
check_eq fuzz-ips-roundtrip "$(pairs wg0)" "$(pairs wgfz)"
check fuzz-set-still-works wg set wg0 peer "$q9" allowed-ips 10.70.0.0/16
check_eq fuzz-set-applied "$q9	10.70.0.0/16" "$(wg show wg0 allowed-ips | grep "^$q9")"
ip link del wgfz
ip link del wg0

section end
rm -rf "$tmp"
finish
