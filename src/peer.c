// SPDX-License-Identifier: GPL-2.0
/* Peer lifetime: creation, reference counting and removal. */
#include "peer.h"
#include "device.h"
#include "queueing.h"
#include "send.h"
#include "receive.h"
#include "timers.h"
#include "peerlookup.h"

#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

static atomic64_t wg_peer_counter = ATOMIC64_INIT(0);

/*
 * A cache of our own: a peer is about 1.5 KiB, which kmalloc would round
 * up to 2 KiB, and configurations create peers by the thousand.
 */
static struct kmem_cache *wg_peer_cache __ro_after_init;

int __init wg_peer_slab_init(void)
{
	wg_peer_cache = KMEM_CACHE(wg_peer, 0);
	return wg_peer_cache ? 0 : -ENOMEM;
}

void wg_peer_slab_uninit(void)
{
	/* Peers are freed by call_rcu() callbacks of ours. */
	rcu_barrier();
	kmem_cache_destroy(wg_peer_cache);
}

static void wg_peer_free(struct wg_peer *peer)
{
	/* Keys and handshake secrets live in it: wipe before reuse. */
	memzero_explicit(peer, sizeof(*peer));
	kmem_cache_free(wg_peer_cache, peer);
}

struct wg_peer *wg_peer_create(struct wg_device *wg,
			       const u8 public_key[WG_NOISE_PUBLIC_KEY_LEN],
			       const u8 preshared_key[WG_NOISE_SYMMETRIC_KEY_LEN])
{
	struct wg_peer *peer;

	lockdep_assert_held(&wg->device_update_lock);

	if (wg->num_peers >= WG_MAX_PEERS_PER_DEVICE)
		return ERR_PTR(-ENOSPC);

	peer = kmem_cache_zalloc(wg_peer_cache, GFP_KERNEL);
	if (unlikely(!peer))
		return ERR_PTR(-ENOMEM);
	if (dst_cache_init(&peer->endpoint_cache, GFP_KERNEL)) {
		kmem_cache_free(wg_peer_cache, peer);
		return ERR_PTR(-ENOMEM);
	}

	peer->device = wg;
	wg_noise_handshake_init(&peer->handshake, &wg->static_identity,
				public_key, preshared_key, peer,
				wg->index_hashtable);
	wg_noise_keypairs_init(&peer->keypairs);
	wg_cookie_init(&peer->latest_cookie);
	wg_cookie_precompute_peer_keys(&peer->latest_cookie, public_key);
	wg_allowedips_peer_init(&peer->allowedips);
	rwlock_init(&peer->endpoint_lock);
	skb_queue_head_init(&peer->staged_packet_queue);
	wg_serial_queue_init(&peer->tx_queue);
	wg_serial_queue_init(&peer->rx_queue);
	INIT_WORK(&peer->transmit_packet_work, wg_packet_tx_worker);
	INIT_WORK(&peer->transmit_handshake_work,
		  wg_packet_handshake_send_worker);
	wg_timers_init(peer);
	atomic64_set(&peer->last_sent_handshake,
		     ktime_get_coarse_boottime_ns() -
		     (u64)(WG_REKEY_TIMEOUT + 1) * NSEC_PER_SEC);
	kref_init(&peer->refcount);
	peer->internal_id = atomic64_inc_return(&wg_peer_counter);
	netif_napi_add(wg->dev, &peer->napi, wg_packet_rx_poll);
	napi_enable(&peer->napi);

	/* Publish: from here on lookups and packets can find the peer. */
	list_add_tail(&peer->peer_list, &wg->peer_list);
	wg_pubkey_hashtable_add(wg->peer_hashtable, &peer->handshake);
	++wg->num_peers;
	++wg->device_update_gen;
	return peer;
}

struct wg_peer *wg_peer_get_maybe_zero(struct wg_peer *peer)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_bh_held(),
			 "taking a peer reference without RCU");
	if (unlikely(!peer || !kref_get_unless_zero(&peer->refcount)))
		return NULL;
	return peer;
}

static void wg_peer_free_rcu(struct rcu_head *rcu)
{
	struct wg_peer *peer = container_of(rcu, struct wg_peer, rcu);

	dst_cache_destroy(&peer->endpoint_cache);
	wg_peer_free(peer);
}

static void wg_peer_release(struct kref *refcount)
{
	struct wg_peer *peer = container_of(refcount, struct wg_peer, refcount);

	/* Lockless readers may still look at it: free after a grace period. */
	call_rcu(&peer->rcu, wg_peer_free_rcu);
}

void wg_peer_put(struct wg_peer *peer)
{
	if (unlikely(!peer))
		return;
	kref_put(&peer->refcount, wg_peer_release);
}

static struct wg_peer *wg_peer_refop_get(struct wg_peer *peer)
{
	return wg_peer_get_maybe_zero(peer);
}

const struct wg_peer_refops wg_peer_refops = {
	.get_maybe_zero = wg_peer_refop_get,
	.put = wg_peer_put,
};

/* Step 1: nobody can find the peer any more; packets stop being queued. */
static void wg_peer_unpublish(struct wg_peer *peer)
{
	struct wg_device *wg = peer->device;

	wg_allowedips_remove_by_peer(&wg->peer_allowedips, &peer->allowedips,
				     &wg->device_update_lock);
	wg_pubkey_hashtable_remove(wg->peer_hashtable, &peer->handshake);
	list_del_init(&peer->peer_list);
	WRITE_ONCE(peer->is_dead, true);
	--wg->num_peers;
	++wg->device_update_gen;
}

/* Drops queued data packets (or send batches) with their references. */
static void wg_packet_purge_serial(struct wg_serial_queue *queue)
{
	struct sk_buff *first, *skb, *next;

	while ((first = skb_dequeue(&queue->list)) != NULL) {
		struct wg_noise_keypair *keypair = WG_PACKET_CB(first)->keypair;
		struct wg_peer *peer = keypair->peer;

		for (skb = first; skb; skb = next) {
			next = WG_PACKET_CB(skb)->batch_next;
			dev_kfree_skb(skb);
		}
		wg_noise_keypair_put(keypair);
		wg_peer_put(peer);
	}
}

/*
 * Step 2, after a grace period: stop everything that still runs for the
 * peers on @dead (linked by peer_list), then drop the device list's
 * references. Each step is done for all of them before the next, so that
 * removing many peers (device deletion, REPLACE_PEERS) waits for the
 * workqueues once, not once a peer.
 */
static void wg_peers_quiesce(struct wg_device *wg, struct list_head *dead)
{
	struct wg_peer *peer, *tmp;

	/* Handshake and data indices stop resolving; no timer fires again. */
	list_for_each_entry(peer, dead, peer_list) {
		wg_noise_handshake_clear(&peer->handshake);
		wg_noise_keypairs_clear(&peer->keypairs);
		wg_timers_stop(peer);
	}

	/* Their packets still in the device-wide crypt queues. */
	flush_workqueue(wg->packet_crypt_wq);
	flush_workqueue(wg->handshake_send_wq);

	list_for_each_entry_safe(peer, tmp, dead, peer_list) {
		list_del_init(&peer->peer_list);
		napi_disable(&peer->napi);
		cancel_work_sync(&peer->transmit_packet_work);
		cancel_work_sync(&peer->transmit_handshake_work);
		/*
		 * Not netif_napi_del(): its synchronize_net() is a grace
		 * period per peer, tens of milliseconds each under rtnl. The
		 * napi lives in the peer, which is freed after a grace period
		 * of its own (wg_peer_release()), as the kernel asks.
		 */
		__netif_napi_del(&peer->napi);

		wg_packet_purge_staged(peer);
		wg_packet_purge_serial(&peer->tx_queue);
		wg_packet_purge_serial(&peer->rx_queue);

		/* Whatever a last worker or timer managed to install. */
		wg_noise_handshake_clear(&peer->handshake);
		wg_noise_keypairs_clear(&peer->keypairs);
		/* The device list's reference. */
		wg_peer_put(peer);
	}
}

void wg_peer_remove(struct wg_peer *peer)
{
	LIST_HEAD(dead);

	lockdep_assert_held(&peer->device->device_update_lock);
	if (unlikely(READ_ONCE(peer->is_dead)))
		return;
	wg_peer_unpublish(peer);
	list_add_tail(&peer->peer_list, &dead);
	synchronize_net();
	wg_peers_quiesce(peer->device, &dead);
}

void wg_peer_remove_all(struct wg_device *wg)
{
	struct wg_peer *peer, *tmp;
	LIST_HEAD(dead);

	lockdep_assert_held(&wg->device_update_lock);
	/* One grace period for all of them, not one per peer. */
	list_for_each_entry_safe(peer, tmp, &wg->peer_list, peer_list) {
		wg_peer_unpublish(peer);
		list_add_tail(&peer->peer_list, &dead);
	}
	synchronize_net();
	wg_peers_quiesce(wg, &dead);
}
