/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A peer: its keys and handshake state, endpoint, timers, queues and
 * counters. Lifetime: a kref; the device's peer list holds one reference,
 * packets in flight and lookups hold others. Removal unpublishes the peer
 * (lookups stop finding it), flushes its work and timers, then drops the
 * list's reference; memory goes after an RCU grace period.
 */
#ifndef WG_PEER_H
#define WG_PEER_H

#include "device.h"
#include "noise.h"
#include "cookie.h"
#include "allowedips.h"
#include "queueing.h"

#include <linux/types.h>
#include <linux/netfilter.h>
#include <linux/spinlock.h>
#include <linux/kref.h>
#include <linux/timer.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/dst_cache.h>

struct wg_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
	/* The local address we last used or saw for it: replies keep it. */
	union {
		struct {
			struct in_addr src4;
			int src_if4;
		};
		struct in6_addr src6;
	};
};

struct wg_peer {
	struct wg_device *device;
	struct wg_noise_handshake handshake;
	struct wg_noise_keypairs keypairs;
	struct wg_cookie latest_cookie;
	struct wg_allowedips_peer allowedips;

	/* Where to send; updated by roaming from authenticated packets. */
	struct wg_endpoint endpoint;
	rwlock_t endpoint_lock;
	struct dst_cache endpoint_cache;

	/* Packets waiting for a keypair (a handshake), bounded. */
	struct sk_buff_head staged_packet_queue;
	/* Per-peer order of packets in the device-wide crypt queues. */
	struct wg_serial_queue tx_queue, rx_queue;
	struct work_struct transmit_packet_work;	/* drains tx_queue */
	/* Bit 0: some CPU is sending from tx_queue's head (send.c). */
	unsigned long tx_sending;
	struct napi_struct napi;			/* drains rx_queue */
	struct work_struct transmit_handshake_work;
	struct work_struct clear_peer_work;

	struct timer_list timer_retransmit_handshake, timer_send_keepalive,
			  timer_new_handshake, timer_zero_key_material,
			  timer_persistent_keepalive;
	unsigned int timer_handshake_attempts;
	u16 persistent_keepalive_interval;	/* seconds; 0 = off */
	bool timer_need_another_keepalive;
	bool sent_lastminute_handshake;
	/* Boot-time ns of the last initiation we sent. */
	atomic64_t last_sent_handshake;
	struct timespec64 walltime_last_handshake;

	/* Bytes of WireGuard messages sent and received, for wg show. */
	atomic64_t tx_bytes, rx_bytes;

	struct kref refcount;
	struct rcu_head rcu;
	struct list_head peer_list;	/* in wg->peer_list */
	u64 internal_id;
	bool is_dead;
};

/* The peers' slab cache, for the module's lifetime. */
int wg_peer_slab_init(void);
void wg_peer_slab_uninit(void);

/*
 * Creates a peer with the given static public key (and optional preshared
 * key), adds it to the device's tables and list. Caller holds
 * device_update_lock and the static identity lock for reading. Returns the
 * peer (owned by the device's list: no extra reference) or an ERR_PTR.
 */
struct wg_peer *wg_peer_create(struct wg_device *wg,
			       const u8 public_key[WG_NOISE_PUBLIC_KEY_LEN],
			       const u8 preshared_key[WG_NOISE_SYMMETRIC_KEY_LEN]);

/* A new reference, or NULL if the peer is already on its way out. */
struct wg_peer *__must_check wg_peer_get_maybe_zero(struct wg_peer *peer);
static inline struct wg_peer *wg_peer_get(struct wg_peer *peer)
{
	kref_get(&peer->refcount);
	return peer;
}
void wg_peer_put(struct wg_peer *peer);

/* Both under device_update_lock. */
void wg_peer_remove(struct wg_peer *peer);
void wg_peer_remove_all(struct wg_device *wg);

/* The reference operations the lookup tables use (see peerlookup.h). */
extern const struct wg_peer_refops wg_peer_refops;

#endif /* WG_PEER_H */
