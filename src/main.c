// SPDX-License-Identifier: GPL-2.0
/*
 * Module init and exit. Init runs the crypto known-answer tests and the
 * selftests of the pure parts first and refuses to load on any failure;
 * teardown is the exact reverse of init.
 */
#include "device.h"
#include "netlink.h"
#include "noise.h"
#include "peer.h"
#include "receive.h"
#include "allowedips.h"
#include "replay.h"
#include "ratelimiter.h"
#include "timeconst.h"
#include "../crypto/wgcrypto.h"

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/wireguard.h>

/*
 * Test-only: divides every protocol time (timeconst.h) so that rekeys,
 * rejections and key wipes can be watched within a short test. Read-only
 * once loaded: the times are resolved at init, and sessions already running
 * would otherwise mix two time scales.
 */
static unsigned int timer_divisor = 1;

static int timer_divisor_set(const char *val, const struct kernel_param *kp)
{
	/* Refuse the load outright rather than run with surprising timers. */
	return param_set_uint_minmax(val, kp, 1, WG_TIMER_DIVISOR_MAX);
}

static const struct kernel_param_ops timer_divisor_ops = {
	.set = timer_divisor_set,
	.get = param_get_uint,
};

module_param_cb(timer_divisor, &timer_divisor_ops, &timer_divisor, 0444);
__MODULE_PARM_TYPE(timer_divisor, "uint");
MODULE_PARM_DESC(timer_divisor,
		 "For testing only: divide all protocol timers (rekey, reject, keepalive, key wipe) by this, 1-"
		 __stringify(WG_TIMER_DIVISOR_MAX)
		 " (default 1: the protocol's values; anything else breaks the protocol's timing guarantees)");

/*
 * Whether init times the crypto implementations and keeps the fastest
 * (crypto/calibrate.c). Off: the widest vectors the CPU has, as chosen by
 * feature flags alone, e.g. to compare the code paths in a benchmark.
 */
static bool crypto_calibrate = true;
module_param(crypto_calibrate, bool, 0444);
MODULE_PARM_DESC(crypto_calibrate,
		 "Time the ChaCha20-Poly1305 implementations at load and use the fastest (default on; off: the widest vector unit)");

static int __init wg_run_selftests(void)
{
	if (!wg_allowedips_selftest() || !wg_replay_selftest() ||
	    !wg_ratelimiter_selftest()) {
		pr_err("selftests failed: refusing to load\n");
		return -ENOTRECOVERABLE;
	}
	return 0;
}

static int __init wg_mod_init(void)
{
	int ret;

	/* First: nothing that reads the times may run before. */
	wg_times_init(timer_divisor);
	if (timer_divisor != 1)
		pr_warn("wireguard: timer_divisor=%u: protocol timers shortened, for testing only\n",
			timer_divisor);

	ret = wgc_crypto_init(crypto_calibrate);
	if (ret)
		return ret;

	ret = wg_allowedips_slab_init();
	if (ret)
		return ret;

	ret = wg_peer_slab_init();
	if (ret)
		goto err_allowedips;

	ret = wg_run_selftests();
	if (ret)
		goto err_peer;

	wg_noise_init();

	ret = wg_receive_init();
	if (ret)
		goto err_peer;

	ret = wg_device_init();
	if (ret)
		goto err_receive;

	ret = wg_genetlink_init();
	if (ret)
		goto err_device;

	pr_info("WireGuard %s loaded, selftests passed (chacha20: %s, poly1305: %s)\n",
		WG_MODULE_VERSION, wgc_chacha20_impl_name(),
		wgc_poly1305_impl_name());
	return 0;

err_device:
	wg_device_uninit();
err_receive:
	wg_receive_uninit();
err_peer:
	wg_peer_slab_uninit();
err_allowedips:
	wg_allowedips_slab_uninit();
	return ret;
}

static void __exit wg_mod_exit(void)
{
	wg_genetlink_uninit();
	wg_device_uninit();
	wg_receive_uninit();
	wg_peer_slab_uninit();
	wg_allowedips_slab_uninit();
}

module_init(wg_mod_init);
module_exit(wg_mod_exit);
MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("WireGuard secure network tunnel (independent implementation)");
MODULE_VERSION(WG_MODULE_VERSION);
MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
MODULE_ALIAS_GENL_FAMILY(WG_GENL_NAME);
