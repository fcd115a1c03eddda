/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wireguard net_device: its private state, and the rtnl link kind that
 * creates it ("ip link add wg0 type wireguard").
 */
#ifndef WG_DEVICE_H
#define WG_DEVICE_H

#include "noise.h"
#include "allowedips.h"
#include "cookie.h"
#include "queueing.h"

#include <linux/netdevice.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

struct sock;

struct wg_device {
	struct net_device *dev;

	/*
	 * Packets waiting for a CPU to encrypt or decrypt them, and handshake
	 * messages waiting for the handshake workers. Any CPU takes from
	 * these; per-peer ordering is restored by the peers' serial queues.
	 */
	struct wg_crypt_queue encrypt_queue, decrypt_queue, handshake_queue;
	/*
	 * Under a flood, handshake messages whose mac2 proves a cookie wait
	 * here, apart from the flood; the handshake workers take from this
	 * lane first (see wg_receive()).
	 */
	struct ptr_ring handshake_cookie_lane;

	/* Bound while the device is up; RCU-protected for the send path. */
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;

	/*
	 * The namespace the device was created in. Its UDP sockets live there
	 * for the device's whole life, even after "ip link set wg0 netns X",
	 * which is what lets a container own wg0 while the encrypted packets
	 * use the host's network. No reference is held: when that namespace
	 * dies, the pernet pre_exit hook deletes the device first.
	 */
	struct net __rcu *creating_net;

	struct wg_noise_static_identity static_identity;
	struct wg_cookie_checker cookie_checker;
	struct wg_pubkey_hashtable *peer_hashtable;
	struct wg_index_hashtable *index_hashtable;
	struct wg_allowedips peer_allowedips;

	struct workqueue_struct *packet_crypt_wq;
	struct workqueue_struct *handshake_receive_wq;
	struct workqueue_struct *handshake_send_wq;

	/*
	 * Serializes every configuration change (netlink set, up/down,
	 * socket rebinding); the allowed-ips writers hold it too. Taken after
	 * RTNL when both are needed.
	 */
	struct mutex device_update_lock;

	struct list_head peer_list;	/* under device_update_lock */
	unsigned int num_peers;
	/* Bumped on every peer list change, so dumps can notice. */
	unsigned int device_update_gen;
	/* Incoming handshakes queued (both lanes): "under load" above a threshold. */
	atomic_t handshake_queue_len;
	/* jiffies when last under load: cookies stay on for a second after. */
	unsigned long last_under_load;

	u16 incoming_port;	/* configured; 0 = pick a random one on up */
	u32 fwmark;

	struct list_head device_list;	/* in the global list, under RTNL */
};

/* True when dev is a wireguard device (of this module). */
bool wg_device_is_ours(const struct net_device *dev);

int wg_device_init(void);
void wg_device_uninit(void);

#endif /* WG_DEVICE_H */
