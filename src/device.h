/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wireguard net_device: its private state, and the rtnl link kind that
 * creates it ("ip link add wg0 type wireguard").
 */
#ifndef WG_DEVICE_H
#define WG_DEVICE_H

#include <linux/netdevice.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <net/net_namespace.h>

struct sock;

struct wg_device {
	struct net_device *dev;

	/*
	 * The namespace the device was created in. Its UDP sockets live there
	 * for the device's whole life, even after "ip link set wg0 netns X",
	 * which is what lets a container own wg0 while the encrypted packets
	 * use the host's network. No reference is held: when that namespace
	 * dies, wg_device's pernet pre_exit deletes the device first.
	 */
	struct net __rcu *creating_net;

	/* Bound while the device is up; RCU-protected for the send path. */
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;

	/*
	 * Serializes every configuration change (netlink set, up/down,
	 * socket rebinding) and is what the allowed-ips writers hold.
	 */
	struct mutex device_update_lock;

	u8 private_key[32];
	u8 public_key[32];
	bool has_identity;

	u16 incoming_port;	/* configured; 0 = pick a random one on up */
	u32 fwmark;

	struct list_head device_list;	/* in the global wg_device list */
};

/* True when dev is a wireguard device (of this module). */
bool wg_device_is_ours(const struct net_device *dev);

int wg_device_init(void);
void wg_device_uninit(void);

#endif /* WG_DEVICE_H */
