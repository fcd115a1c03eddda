// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing the ChaCha20-Poly1305 implementations by timing them.
 *
 * The CPU's feature flags say which implementations can run here, not
 * which is fastest. On x86 hardware the vector code wins by 2-3x on a
 * full-sized packet. Under an emulator that translates instructions
 * (QEMU's TCG: CI machines, cross-architecture hosts, nested setups
 * without hardware virtualization), most vector instructions become calls
 * into helper code, and the same AVX2 code runs about three times slower
 * than portable C there. So, as the kernel's RAID6 and XOR code does, we
 * time every supported pair at init on the work that dominates a tunnel:
 * the AEAD of one full-sized packet.
 *
 * The feature-based choice (the widest vectors) is the default, and stays
 * unless another pair is faster by a clear margin: between close
 * candidates the choice would otherwise flip with noise from one load to
 * the next. Timing only picks among implementations that the known-answer
 * tests proved; it cannot change any result, only how fast it comes.
 */

#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "calibrate.h"
#include "chacha20.h"
#include "poly1305.h"
#include "chacha20poly1305.h"

enum {
	/* The payload of a full packet at the tunnel's default MTU. */
	WGC_CAL_LEN = 1420,
	/*
	 * Best of several trials: an interrupt or a preemption only ever
	 * adds time, so the minimum is the cleanest estimate.
	 */
	WGC_CAL_TRIALS = 7,
	WGC_CAL_REPS = 4,
};

size_t wgc_calibrate_pick(const u64 *ns, size_t n, size_t def)
{
	size_t i, best = def;

	for (i = 0; i < n; i++) {
		if (ns[i] < ns[best])
			best = i;
	}
	/* Another pair must take at most 4/5 of the default's time. */
	if (ns[best] * 5 <= ns[def] * 4)
		return best;
	return def;
}

/* Best time of WGC_CAL_TRIALS runs of WGC_CAL_REPS encryptions, in ns. */
static u64 wgc_calibrate_time(u8 *buf)
{
	static const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE];
	u64 best = U64_MAX, start, ns;
	int trial, rep;

	for (trial = 0; trial < WGC_CAL_TRIALS; trial++) {
		start = ktime_get_ns();
		for (rep = 0; rep < WGC_CAL_REPS; rep++)
			wgc_chacha20poly1305_encrypt(buf + WGC_CAL_LEN, buf,
						     WGC_CAL_LEN, NULL, 0, rep,
						     key);
		ns = ktime_get_ns() - start;
		best = min(best, ns);
	}
	/* A clock too coarse to see the work still orders as "no faster". */
	return max_t(u64, best, 1);
}

void wgc_calibrate(void)
{
	const enum wgc_chacha20_impl def_c = wgc_chacha20_get_impl();
	const enum wgc_poly1305_impl def_p = wgc_poly1305_get_impl();
	enum wgc_chacha20_impl c[WGC_CAL_MAX_PAIRS];
	enum wgc_poly1305_impl p[WGC_CAL_MAX_PAIRS];
	u64 ns[WGC_CAL_MAX_PAIRS];
	enum wgc_chacha20_impl ci;
	enum wgc_poly1305_impl pi;
	size_t n = 0, def = 0, pick, i;
	char line[160];
	int len = 0;
	u8 *buf;

	BUILD_BUG_ON(WGC_CHACHA20_NR_IMPLS * WGC_POLY1305_NR_IMPLS >
		     WGC_CAL_MAX_PAIRS);
	buf = kzalloc(2 * WGC_CAL_LEN + WGC_CHACHA20POLY1305_AUTHTAG_SIZE,
		      GFP_KERNEL);
	if (!buf)
		return;	/* Keep the feature-based choice. */
	for (ci = 0; ci < WGC_CHACHA20_NR_IMPLS; ci++) {
		if (!wgc_chacha20_set_impl(ci))
			continue;
		for (pi = 0; pi < WGC_POLY1305_NR_IMPLS; pi++) {
			if (!wgc_poly1305_set_impl(pi))
				continue;
			if (ci == def_c && pi == def_p)
				def = n;
			c[n] = ci;
			p[n] = pi;
			ns[n] = wgc_calibrate_time(buf);
			n++;
		}
	}
	kfree(buf);

	/* n >= 1: portable C is always supported. */
	pick = wgc_calibrate_pick(ns, n, def);
	/* Both were set once above, so neither can fail now. */
	WARN_ON(!wgc_chacha20_set_impl(c[pick]) ||
		!wgc_poly1305_set_impl(p[pick]));
	for (i = 0; i < n && len < (int)sizeof(line); i++)
		len += scnprintf(line + len, sizeof(line) - len, " %s/%s %llu",
				 wgc_chacha20_impl_str(c[i]),
				 wgc_poly1305_impl_str(p[i]),
				 (unsigned long long)ns[i] / WGC_CAL_REPS);
	pr_info("wireguard: AEAD of %d bytes, ns:%s; using %s/%s\n",
		WGC_CAL_LEN, line, wgc_chacha20_impl_str(c[pick]),
		wgc_poly1305_impl_str(p[pick]));
}
