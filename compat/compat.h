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

/*
 * 6.7 moved the allocation of per-CPU device statistics into the core:
 * drivers name the type (and the tunnel xmit helpers insist on it), the
 * core allocates at registration and frees with the device. Before, the
 * driver allocated and freed them itself.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
static inline void wg_compat_tstats_setup(struct net_device *dev)
{
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
}

static inline int wg_compat_tstats_alloc(struct net_device *dev)
{
	return 0;
}

static inline void wg_compat_tstats_free(struct net_device *dev)
{
}
#else
static inline void wg_compat_tstats_setup(struct net_device *dev)
{
}

static inline int wg_compat_tstats_alloc(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static inline void wg_compat_tstats_free(struct net_device *dev)
{
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}
#endif

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

/* ---- begin allowedips: WGALLOWEDIP_A_FLAGS (Linux 6.16 UAPI) ---- */
/*
 * 6.16 added a per-allowed-IP flags attribute, whose only flag asks to
 * remove that prefix from the peer instead of adding it. Older UAPI headers
 * lack them; the values are fixed by the ABI. They are enum constants
 * upstream (not macros), so go by version. WGALLOWEDIP_A_MAX is a macro and
 * grows to cover the new attribute, so policies sized by it accept it.
 */
#include <linux/wireguard.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define WGALLOWEDIP_A_FLAGS 4
#undef WGALLOWEDIP_A_MAX
#define WGALLOWEDIP_A_MAX WGALLOWEDIP_A_FLAGS
#define WGALLOWEDIP_F_REMOVE_ME (1U << 0)
#define __WGALLOWEDIP_F_ALL WGALLOWEDIP_F_REMOVE_ME
#endif
/* ---- end allowedips ---- */

#include <net/udp_tunnel.h>

/* 6.1's udp_tunnel6_xmit_skb() takes non-const addresses and returns int. */
static inline void
wg_compat_udp_tunnel6_xmit_skb(struct dst_entry *dst, struct sock *sk,
			       struct sk_buff *skb, struct net_device *dev,
			       const struct in6_addr *saddr,
			       const struct in6_addr *daddr, u8 prio, u8 ttl,
			       __be32 label, __be16 src_port, __be16 dst_port,
			       bool nocheck)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl,
			     label, src_port, dst_port, nocheck);
#else
	struct in6_addr s = *saddr, d = *daddr;

	udp_tunnel6_xmit_skb(dst, sk, skb, dev, &s, &d, prio, ttl, label,
			     src_port, dst_port, nocheck);
#endif
}

#endif /* WG_COMPAT_H */
