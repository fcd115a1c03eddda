// SPDX-License-Identifier: GPL-2.0
/*
 * The wireguard net_device: link creation and deletion, up/down, and the
 * namespace rules (sockets stay in the creating namespace; the device dies
 * with that namespace).
 */
#include "device.h"
#include "socket.h"
#include "send.h"

#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
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

static int wg_open(struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);
	int ret;

	mutex_lock(&wg->device_update_lock);
	ret = wg_socket_init(wg, wg->incoming_port);
	mutex_unlock(&wg->device_update_lock);
	return ret;
}

static int wg_stop(struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);

	mutex_lock(&wg->device_update_lock);
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

static void wg_destruct(struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);

	memzero_explicit(wg->private_key, sizeof(wg->private_key));
	free_percpu(dev->tstats);
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
	dev->needed_headroom = 0;
	dev->needed_tailroom = 0;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	wg_compat_set_lltx(dev);
	dev->features |= features;
	dev->hw_features |= features;
	dev->hw_enc_features |= features;
	dev->mtu = WG_DEFAULT_MTU;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = WG_MAX_MTU;
	dev->needs_free_netdev = true;
	dev->priv_destructor = wg_destruct;
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
	int ret;

	rcu_assign_pointer(wg->creating_net, src_net);
	mutex_init(&wg->device_update_lock);

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;

	ret = register_netdevice(dev);
	if (ret < 0) {
		free_percpu(dev->tstats);
		dev->tstats = NULL;
		return ret;
	}
	list_add(&wg->device_list, &wg_device_list);
	return 0;
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
