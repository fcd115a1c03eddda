# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the guest selftests (sourced; bash).
#
# Each check prints "PASS: <test>/<what>" or "FAIL: <test>/<what> <why>"; the
# host runner counts those lines. A test script exits non-zero when any of
# its checks failed.

T=${T:-$(basename "${BASH_SOURCE[1]:-test}" .sh)}
failures=0

pass() { echo "PASS: $T/$1"; }
fail() { echo "FAIL: $T/$1 ${2:-}"; failures=$((failures + 1)); }

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "($* -> $(echo "$out" | tail -n 3 | tr '\n' ' '))"; fi
}

# check_not NAME COMMAND...: passes when the command fails.
check_not() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$name" "($* unexpectedly succeeded)"; else pass "$name"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "(expected '$2', got '$3')"; fi
}

# check_match NAME REGEX TEXT
check_match() {
	if echo "$3" | grep -qE "$2"; then pass "$1"; else fail "$1" "(no match for '$2' in: $(echo "$3" | head -n 5 | tr '\n' ' '))"; fi
}

# UDP ports bound in the current namespace (decimal), from /proc.
udp_ports() {
	local hex
	for hex in $(cat /proc/net/udp /proc/net/udp6 2>/dev/null |
		     awk '$2 ~ /:/ { n = split($2, a, ":"); print a[n] }'); do
		echo $((16#$hex))
	done | sort -un
}

finish() {
	[ "$failures" -eq 0 ]
	exit $?
}
