#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the fuzz targets built in build/ (see the Makefile).
#
#   run.sh check SECONDS TARGET...   replay regressions/TARGET/*, then fuzz
#                                    each target for SECONDS from its seeds;
#                                    prints PASS:/FAIL: lines
#   run.sh run SECONDS TARGET        one long run, corpus kept across runs
#                                    in $FUZZ_TMP/wg-fuzz/TARGET
#
# Committed corpora (corpus/TARGET) are only read; what a run finds goes to
# a scratch directory under $FUZZ_TMP (default /tmp). A crash is copied to
# regressions/TARGET/ so that every later check replays it: commit it with
# the fix.

set -u
cd "$(dirname "$0")"

mode=$1
secs=$2
shift 2
tmp=${FUZZ_TMP:-/tmp}
failed=0

# -max_len per target: the handshake messages are at most 148 bytes.
max_len() {
	case $1 in
	fuzz_messages) echo 256 ;;
	fuzz_replay) echo 2048 ;;
	fuzz_allowedips) echo 1536 ;;
	*) echo 4096 ;;
	esac
}

# The number of inputs libFuzzer ran, from -print_final_stats.
execs() {
	sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1
}

# Replays every committed regression input of target $1; 0 if all pass.
replay_regressions() {
	t=$1
	dir=regressions/$t
	[ -d "$dir" ] || return 0
	files=$(find "$dir" -type f ! -name '.*' ! -name '*.md' | sort)
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086
	if ! ./build/"$t" $files >"$2" 2>&1; then
		echo "FAIL: fuzz-${t#fuzz_} regression input fails: see $2"
		grep -E 'Running: |FUZZ INVARIANT|ERROR: |runtime error|SUMMARY' \
			"$2" | head -n 10
		return 1
	fi
	return 0
}

# One bounded run of target $1 for $2 s into corpus dir $3; log in $4.
fuzz_once() {
	t=$1
	s=$2
	corpus=$3
	log=$4
	work=$(dirname "$log")
	mkdir -p "$corpus" "$work/seeds" "$work/artifacts"
	# Fresh seeds from the binary itself, besides the committed ones, so
	# that a stale corpus/ cannot hide the deep paths from the fuzzer.
	# A seed mode may also check its seeds' known answers: show why.
	WG_FUZZ_GEN_SEEDS="$work/seeds" ./build/"$t" >"$work/seeds.log" 2>&1 || {
		echo "FAIL: fuzz-${t#fuzz_} cannot write its seeds; log $work/seeds.log"
		grep -E 'FUZZ INVARIANT|seed|ERROR: |runtime error' \
			"$work/seeds.log" | head -n 10
		return 1
	}
	set -- "$corpus" "$work/seeds"
	[ -d corpus/"$t" ] && set -- "$@" corpus/"$t"
	WG_FUZZ_REQUIRE_DEEP=1 ./build/"$t" -max_total_time="$s" \
		-max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$@" >"$log" 2>&1
	rc=$?
	n=$(execs "$log")
	if [ $rc -eq 0 ] && [ -n "$n" ]; then
		echo "PASS: fuzz-${t#fuzz_} ($n execs)"
		return 0
	fi
	crash=$(find "$work/artifacts" -type f | head -n 1)
	if [ -n "$crash" ]; then
		mkdir -p regressions/"$t"
		cp "$crash" regressions/"$t"/
		echo "FAIL: fuzz-${t#fuzz_} crash after ${n:-?} execs, input saved as regressions/$t/$(basename "$crash"); log $log"
	else
		echo "FAIL: fuzz-${t#fuzz_} exit status $rc after ${n:-?} execs; log $log"
	fi
	grep -E 'FUZZ INVARIANT|ERROR: |runtime error|SUMMARY|deep paths' "$log" | head -n 10
	return 1
}

case $mode in
check)
	for t in "$@"; do
		if [ ! -x build/"$t" ]; then
			echo "FAIL: fuzz-${t#fuzz_} not built"
			failed=1
			continue
		fi
		work=$(mktemp -d "$tmp/wg-fuzz-$t.XXXXXX")
		if ! replay_regressions "$t" "$work/regressions.log"; then
			failed=1
			continue
		fi
		if fuzz_once "$t" "$secs" "$work/corpus" "$work/fuzz.log"; then
			rm -rf "$work"
		else
			failed=1
		fi
	done
	;;
run)
	t=$1
	work=$tmp/wg-fuzz/$t
	mkdir -p "$work"
	replay_regressions "$t" "$work/regressions.log" || failed=1
	fuzz_once "$t" "$secs" "$work/corpus" "$work/fuzz.log" || failed=1
	echo "corpus: $work/corpus ($(ls "$work/corpus" | wc -l) inputs)"
	;;
*)
	echo "usage: $0 check|run SECONDS TARGET..." >&2
	exit 2
	;;
esac
exit $failed
