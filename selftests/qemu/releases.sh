#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prints the kernel releases we build and test for, one per line, resolved
# through Debian's metapackages (never a hard-coded ABI number):
#   linux-image-amd64      -> the 6.1 series
#   linux-image-6.12-amd64 -> the 6.12 series
# With an argument (e.g. "6.1"), prints only that series' release.
set -euo pipefail

resolve() {
	# "Depends: linux-image-6.1.0-56-amd64" -> "6.1.0-56-amd64"
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n 1
}

want=${1:-}
for meta in linux-image-amd64 linux-image-6.12-amd64; do
	rel=$(resolve "$meta")
	[ -n "$rel" ] || { echo "cannot resolve $meta (apt-get update?)" >&2; exit 1; }
	case "$want" in
	"") echo "$rel" ;;
	*) case "$rel" in "$want".*) echo "$rel" ;; esac ;;
	esac
done
