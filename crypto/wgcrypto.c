// SPDX-License-Identifier: GPL-2.0
/*
 * Crypto library start-up: pick implementations from the CPU's features,
 * prove them (and the portable fallbacks) on known answers, then, unless
 * told not to, keep whichever proven pair is clearly fastest here
 * (calibrate.c). A module whose crypto gives wrong answers must not load.
 */

#include <linux/kernel.h>
#include <linux/errno.h>

#include "wgcrypto.h"
#include "chacha20.h"
#include "poly1305.h"
#include "selftest.h"
#include "calibrate.h"

int wgc_crypto_init(bool calibrate)
{
	bool ok = true;

	wgc_chacha20_select_impl();
	wgc_poly1305_select_impl();

	/* All of them, not stopping at the first, so every failure is logged. */
	if (!wgc_chacha20poly1305_selftest())
		ok = false;
	if (!wgc_blake2s_selftest())
		ok = false;
	if (!wgc_curve25519_selftest())
		ok = false;
	if (!ok) {
		pr_err("wireguard: crypto self-tests failed\n");
		return -ENOTRECOVERABLE;
	}
	if (calibrate)
		wgc_calibrate();
	pr_debug("wireguard: chacha20 %s, poly1305 %s\n",
		 wgc_chacha20_impl_name(), wgc_poly1305_impl_name());
	return 0;
}

const char *wgc_chacha20_impl_name(void)
{
	return wgc_chacha20_impl_str(wgc_chacha20_get_impl());
}

const char *wgc_poly1305_impl_name(void)
{
	return wgc_poly1305_impl_str(wgc_poly1305_get_impl());
}
