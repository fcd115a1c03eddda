/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernel series we build for (Debian's
 * 6.1 and 6.12) is settled here, so that src/ and crypto/ are written
 * against one API. Force-included into every file by Kbuild.
 */
#ifndef WG_COMPAT_H
#define WG_COMPAT_H

#include <linux/version.h>

/* 6.12 moved the unaligned accessors out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif


#include <linux/netdevice.h>

/* 6.12 turned NETIF_F_LLTX into the private flag dev->lltx. */
static inline void wg_compat_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

#include <net/genetlink.h>

/* 6.2 moved a dump's parsed attributes into an embedded genl_info. */
static inline struct nlattr **wg_compat_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* WG_COMPAT_H */
