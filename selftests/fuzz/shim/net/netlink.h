/* SPDX-License-Identifier: GPL-2.0 */
/* Empty: see fuzz_netlink_shim.h, force-included by the fuzz_netlink build. */
