// SPDX-License-Identifier: GPL-2.0
/*
 * The wireguard net_device: link creation and deletion, up/down, and the
 * namespace rules (sockets stay in the creating namespace; the device dies
 * with that namespace).
 */
#include "device.h"
#include "peer.h"
#include "socket.h"
#include "send.h"
#include "receive.h"
#include "timers.h"

#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>
#include <net/addrconf.h>
#include <net/rtnetlink.h>
#include <net/ip_tunnels.h>

enum {
	WG_DEFAULT_MTU = 1420,
	/*
	 * The largest inner packet whose outer IPv4 datagram still fits in
	 * 65535 bytes: IPv4 20 + UDP 8 + data header 16 + tag 16. Padding
	 * never grows a packet past the MTU, so it adds nothing here.
	 */
	WG_MAX_MTU = 65535 - 20 - 8 - 32,
};

/* Every wireguard device of every namespace; protected by RTNL. */
static LIST_HEAD(wg_device_list);

/*
 * The addressing a layer-3 tunnel wants, set before the stack sees the
 * device come up (ndo_open runs before NETDEV_UP), as the in-tree module
 * does. No IPv6 link-local address: with no hardware address the kernel
 * would make a random one for ARPHRD_NONE, and its DAD, router
 * solicitations and MLD reports would only fail with no peer to go to. No
 * ICMP redirects: forwarding between two peers through the same device is
 * the normal case here (a hub), not a sign of a better first hop, and the
 * kernel sends them if the "all" setting says so, whatever the device's.
 */
static void wg_open_addrconf(struct net_device *dev)
{
	struct in_device *dev_v4 = __in_dev_get_rtnl(dev);
	struct inet6_dev *dev_v6 = __in6_dev_get(dev);

	if (dev_v4) {
		IN_DEV_CONF_SET(dev_v4, SEND_REDIRECTS, false);
		IPV4_DEVCONF_ALL(dev_net(dev), SEND_REDIRECTS) = false;
	}
	if (dev_v6)
		WRITE_ONCE(dev_v6->cnf.addr_gen_mode,
			   IN6_ADDR_GEN_MODE_NONE);
}

static int wg_open(struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);
	struct wg_peer *peer;
	int ret;

	wg_open_addrconf(dev);
	mutex_lock(&wg->device_update_lock);
	ret = wg_socket_init(wg, wg->incoming_port);
	if (ret < 0)
		goto out;
	/* What waited while we were down goes now; keepalives resume. */
	list_for_each_entry(peer, &wg->peer_list, peer_list) {
		wg_packet_send_staged_packets(peer);
		if (peer->persistent_keepalive_interval)
			wg_packet_send_keepalive(peer);
	}
out:
	mutex_unlock(&wg->device_update_lock);
	return ret;
}

static int wg_stop(struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);
	struct wg_peer *peer;

	mutex_lock(&wg->device_update_lock);
	/* Down means no sessions: every key is forgotten. */
	list_for_each_entry(peer, &wg->peer_list, peer_list) {
		wg_packet_purge_staged(peer);
		wg_timers_stop(peer);
		wg_noise_handshake_clear(&peer->handshake);
		wg_noise_keypairs_clear(&peer->keypairs);
		atomic64_set(&peer->last_sent_handshake,
			     ktime_get_coarse_boottime_ns() -
			     (u64)(WG_REKEY_TIMEOUT + 1) * NSEC_PER_SEC);
	}
	wg_socket_uninit(wg);
	mutex_unlock(&wg->device_update_lock);
	return 0;
}

static const struct net_device_ops wg_netdev_ops = {
	.ndo_open = wg_open,
	.ndo_stop = wg_stop,
	.ndo_start_xmit = wg_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

/* Frees the messages still waiting in one handshake lane. */
static void wg_drain_handshake_lane(struct wg_device *wg, struct ptr_ring *lane)
{
	struct sk_buff *skb;

	while ((skb = ptr_ring_consume(lane)) != NULL) {
		dev_kfree_skb(skb);
		atomic_dec(&wg->handshake_queue_len);
	}
}

/* Frees what wg_newlink() allocated; also its error path. */
static void wg_device_free(struct wg_device *wg)
{
	if (wg->handshake_receive_wq)
		destroy_workqueue(wg->handshake_receive_wq);
	if (wg->handshake_queue.worker) {
		wg_drain_handshake_lane(wg, &wg->handshake_queue.ring);
		wg_crypt_queue_free(&wg->handshake_queue, false);
	}
	/* Not there when wg_newlink() failed before it. */
	if (wg->handshake_cookie_lane.queue) {
		wg_drain_handshake_lane(wg, &wg->handshake_cookie_lane);
		ptr_ring_cleanup(&wg->handshake_cookie_lane, NULL);
	}
	if (wg->handshake_send_wq)
		destroy_workqueue(wg->handshake_send_wq);
	if (wg->packet_crypt_wq)
		destroy_workqueue(wg->packet_crypt_wq);
	if (wg->decrypt_queue.worker)
		wg_crypt_queue_free(&wg->decrypt_queue, false);
	if (wg->encrypt_queue.worker)
		wg_crypt_queue_free(&wg->encrypt_queue, false);
	/* Keypairs free their index entries through RCU callbacks. */
	rcu_barrier();
	if (wg->index_hashtable)
		wg_index_hashtable_free(wg->index_hashtable);
	if (wg->peer_hashtable)
		wg_pubkey_hashtable_free(wg->peer_hashtable);
	wg_compat_tstats_free(wg->dev);
}

static void wg_destruct(struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);

	/* The device is unregistered and down: nothing new comes in. */
	mutex_lock(&wg->device_update_lock);
	wg_peer_remove_all(wg);
	wg_allowedips_free(&wg->peer_allowedips, &wg->device_update_lock);
	wg_socket_uninit(wg);
	mutex_unlock(&wg->device_update_lock);
	wg_device_free(wg);
	memzero_explicit(&wg->static_identity, sizeof(wg->static_identity));
}

static void wg_setup(struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);
	const netdev_features_t features = NETIF_F_HW_CSUM | NETIF_F_RXCSUM |
					   NETIF_F_SG | NETIF_F_GSO |
					   NETIF_F_GSO_SOFTWARE |
					   NETIF_F_HIGHDMA;

	dev->netdev_ops = &wg_netdev_ops;
	dev->header_ops = &ip_tunnel_header_ops;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	/* Room for our header, tag and padding without reallocating. */
	dev->needed_headroom = WG_DATA_PACKET_HEAD_ROOM;
	dev->needed_tailroom = WG_NOISE_AUTHTAG_LEN +
			       WG_MESSAGE_PADDING_MULTIPLE;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	wg_compat_set_lltx(dev);
	wg_compat_tstats_setup(dev);
	dev->features |= features;
	dev->hw_features |= features;
	dev->hw_enc_features |= features;
	dev->mtu = WG_DEFAULT_MTU;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = WG_MAX_MTU;
	dev->needs_free_netdev = true;
	/* Encrypted packets leave through another device: no qdisc here. */
	dev->tx_queue_len = 0;

	memset(wg, 0, sizeof(*wg));
	wg->dev = dev;
}

static int wg_newlink(struct net *src_net, struct net_device *dev,
		      struct nlattr *tb[], struct nlattr *data[],
		      struct netlink_ext_ack *extack)
{
	struct wg_device *wg = netdev_priv(dev);
	int ret = -ENOMEM;

	rcu_assign_pointer(wg->creating_net, src_net);
	mutex_init(&wg->device_update_lock);
	INIT_LIST_HEAD(&wg->peer_list);
	atomic_set(&wg->handshake_queue_len, 0);
	wg_noise_static_identity_init(&wg->static_identity);
	wg_cookie_checker_init(&wg->cookie_checker);
	wg_allowedips_init(&wg->peer_allowedips);

	if (wg_compat_tstats_alloc(dev))
		goto err;
	wg->index_hashtable = wg_index_hashtable_alloc(&wg_peer_refops);
	wg->peer_hashtable = wg_pubkey_hashtable_alloc(&wg_peer_refops);
	if (!wg->index_hashtable || !wg->peer_hashtable)
		goto err;

	/* Crypto is CPU-bound and must progress under memory pressure. */
	wg->packet_crypt_wq = alloc_workqueue("wg-crypt-%s",
			WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0, dev->name);
	wg->handshake_send_wq = alloc_workqueue("wg-kex-%s",
			WQ_UNBOUND | WQ_FREEZABLE, 0, dev->name);
	wg->handshake_receive_wq = alloc_workqueue("wg-kex-%s",
			WQ_CPU_INTENSIVE | WQ_FREEZABLE, 0, dev->name);
	if (!wg->packet_crypt_wq || !wg->handshake_send_wq ||
	    !wg->handshake_receive_wq)
		goto err;

	ret = wg_crypt_queue_init(&wg->encrypt_queue, wg_packet_encrypt_worker,
				  &wg->encrypt_queue, WG_MAX_QUEUED_PACKETS);
	if (ret)
		goto err;
	ret = wg_crypt_queue_init(&wg->decrypt_queue, wg_packet_decrypt_worker,
				  &wg->decrypt_queue, WG_MAX_QUEUED_PACKETS);
	if (ret)
		goto err;
	ret = wg_crypt_queue_init(&wg->handshake_queue,
				  wg_packet_handshake_receive_worker,
				  &wg->handshake_queue,
				  WG_MAX_QUEUED_INCOMING_HANDSHAKES);
	if (ret)
		goto err;
	ret = ptr_ring_init(&wg->handshake_cookie_lane,
			    WG_MAX_QUEUED_INCOMING_HANDSHAKES / 8, GFP_KERNEL);
	if (ret)
		goto err;

	ret = register_netdevice(dev);
	if (ret < 0)
		goto err;
	/*
	 * Only now: register_netdevice() calls the destructor on some of its
	 * failure paths and not on others, so until it succeeded the error
	 * path below frees everything itself.
	 */
	dev->priv_destructor = wg_destruct;
	list_add(&wg->device_list, &wg_device_list);
	return 0;

err:
	/* Not registered: the destructor will not run, free here. */
	wg_device_free(wg);
	return ret ? ret : -ENOMEM;
}

static void wg_dellink(struct net_device *dev, struct list_head *head)
{
	struct wg_device *wg = netdev_priv(dev);

	list_del(&wg->device_list);
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops wg_link_ops __read_mostly = {
	.kind = KBUILD_MODNAME,
	.priv_size = sizeof(struct wg_device),
	.setup = wg_setup,
	.newlink = wg_newlink,
	.dellink = wg_dellink,
};

bool wg_device_is_ours(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &wg_link_ops;
}

/*
 * A namespace is going away: delete every device whose sockets live in it
 * (wherever the device itself now is), before the namespace's UDP state is
 * torn down.
 */
static void wg_netns_pre_exit(struct net *net)
{
	struct wg_device *wg, *tmp;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry_safe(wg, tmp, &wg_device_list, device_list) {
		if (rcu_access_pointer(wg->creating_net) != net)
			continue;
		pr_debug("%s: creating namespace exiting\n", wg->dev->name);
		wg_dellink(wg->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static struct pernet_operations wg_netns_ops = {
	.pre_exit = wg_netns_pre_exit,
};

int __init wg_device_init(void)
{
	int ret;

	ret = register_pernet_device(&wg_netns_ops);
	if (ret)
		return ret;
	ret = rtnl_link_register(&wg_link_ops);
	if (ret)
		unregister_pernet_device(&wg_netns_ops);
	return ret;
}

void wg_device_uninit(void)
{
	/* Deletes the remaining devices of our kind, in every namespace. */
	rtnl_link_unregister(&wg_link_ops);
	unregister_pernet_device(&wg_netns_ops);
	rcu_barrier();
}
