// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets. Incoming datagrams reach us through the UDP encapsulation
 * hook (encap_rcv), in softirq context, without a trip through the socket
 * receive queue.
 */
#include "socket.h"
#include "device.h"
#include "peer.h"
#include "receive.h"
#include "queueing.h"

#include <linux/net.h>
#include <linux/if_ether.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/security.h>
#include <net/udp_tunnel.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/addrconf.h>
#include <net/route.h>
#include <net/ip6_route.h>
#include <net/dst_cache.h>
#include <net/sock.h>

static int wg_send4(struct wg_device *wg, struct sk_buff *skb,
		    const struct wg_endpoint *endpoint, u8 ds,
		    struct dst_cache *cache)
{
	struct flowi4 fl = {
		.saddr = endpoint->src4.s_addr,
		.daddr = endpoint->addr4.sin_addr.s_addr,
		.fl4_dport = endpoint->addr4.sin_port,
		.flowi4_mark = wg->fwmark,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt = NULL;
	struct sock *sock;
	int ret = 0;

	skb_mark_not_on_list(skb);
	skb->dev = wg->dev;
	skb->mark = wg->fwmark;

	rcu_read_lock_bh();
	sock = rcu_dereference_bh(wg->sock4);
	if (unlikely(!sock)) {
		ret = -ENONET;
		goto err;
	}
	fl.fl4_sport = inet_sk(sock)->inet_sport;

	if (cache)
		rt = dst_cache_get_ip4(cache, &fl.saddr);
	if (!rt) {
		security_sk_classify_flow(sock, flowi4_to_flowi_common(&fl));
		/*
		 * The source we used last (or the peer last reached us at) may
		 * be gone from this host: then let routing choose.
		 */
		if (fl.saddr && !inet_confirm_addr(sock_net(sock), NULL, 0,
						   fl.saddr, RT_SCOPE_HOST))
			fl.saddr = 0;
		rt = ip_route_output_flow(sock_net(sock), &fl, sock);
		if (IS_ERR(rt) && fl.saddr) {
			fl.saddr = 0;
			rt = ip_route_output_flow(sock_net(sock), &fl, sock);
		}
		if (IS_ERR(rt)) {
			ret = PTR_ERR(rt);
			rt = NULL;
			net_dbg_ratelimited("%s: no route to %pISpfsc: %d\n",
					    wg->dev->name, &endpoint->addr, ret);
			goto err;
		}
		/*
		 * The endpoint routed through this very device (wg over
		 * itself) would loop through the crypt queues forever,
		 * growing and fragmenting: refuse it.
		 */
		if (unlikely(rt->dst.dev == wg->dev)) {
			ip_rt_put(rt);
			ret = -ELOOP;
			net_dbg_ratelimited("%s: routing loop to %pISpfsc\n",
					    wg->dev->name, &endpoint->addr);
			goto err;
		}
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl.saddr);
	}
	skb->ignore_df = 1;
	udp_tunnel_xmit_skb(rt, sock, skb, fl.saddr, fl.daddr, ds,
			    ip4_dst_hoplimit(&rt->dst), 0, fl.fl4_sport,
			    fl.fl4_dport, false, false);
	goto out;

err:
	kfree_skb(skb);
out:
	rcu_read_unlock_bh();
	return ret;
}

static int wg_send6(struct wg_device *wg, struct sk_buff *skb,
		    const struct wg_endpoint *endpoint, u8 ds,
		    struct dst_cache *cache)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl = {
		.saddr = endpoint->src6,
		.daddr = endpoint->addr6.sin6_addr,
		.fl6_dport = endpoint->addr6.sin6_port,
		.flowi6_mark = wg->fwmark,
		.flowi6_oif = endpoint->addr6.sin6_scope_id,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst = NULL;
	struct sock *sock;
	int ret = 0;

	skb_mark_not_on_list(skb);
	skb->dev = wg->dev;
	skb->mark = wg->fwmark;

	rcu_read_lock_bh();
	sock = rcu_dereference_bh(wg->sock6);
	if (unlikely(!sock)) {
		ret = -ENONET;
		goto err;
	}
	fl.fl6_sport = inet_sk(sock)->inet_sport;

	if (cache)
		dst = dst_cache_get_ip6(cache, &fl.saddr);
	if (!dst) {
		security_sk_classify_flow(sock, flowi6_to_flowi_common(&fl));
		if (!ipv6_addr_any(&fl.saddr) &&
		    !ipv6_chk_addr(sock_net(sock), &fl.saddr, NULL, 0))
			fl.saddr = in6addr_any;
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sock), sock, &fl,
						      NULL);
		if (IS_ERR(dst)) {
			ret = PTR_ERR(dst);
			dst = NULL;
			net_dbg_ratelimited("%s: no route to %pISpfsc: %d\n",
					    wg->dev->name, &endpoint->addr, ret);
			goto err;
		}
		if (unlikely(dst->dev == wg->dev)) {
			dst_release(dst);
			ret = -ELOOP;
			net_dbg_ratelimited("%s: routing loop to %pISpfsc\n",
					    wg->dev->name, &endpoint->addr);
			goto err;
		}
		if (cache)
			dst_cache_set_ip6(cache, dst, &fl.saddr);
	}
	skb->ignore_df = 1;
	wg_compat_udp_tunnel6_xmit_skb(dst, sock, skb, skb->dev, &fl.saddr,
				       &fl.daddr, ds, ip6_dst_hoplimit(dst), 0,
				       fl.fl6_sport, fl.fl6_dport, false);
	goto out;

err:
	kfree_skb(skb);
out:
	rcu_read_unlock_bh();
	return ret;
#else
	kfree_skb(skb);
	return -EAFNOSUPPORT;
#endif
}

int wg_socket_send_skb_to_peer(struct wg_peer *peer, struct sk_buff *skb,
			       u8 ds)
{
	size_t len = skb->len;
	int ret = -EAFNOSUPPORT;

	read_lock_bh(&peer->endpoint_lock);
	if (peer->endpoint.addr.sa_family == AF_INET)
		ret = wg_send4(peer->device, skb, &peer->endpoint, ds,
			       &peer->endpoint_cache);
	else if (peer->endpoint.addr.sa_family == AF_INET6)
		ret = wg_send6(peer->device, skb, &peer->endpoint, ds,
			       &peer->endpoint_cache);
	else
		dev_kfree_skb(skb);
	if (likely(!ret))
		atomic64_add(len, &peer->tx_bytes);
	read_unlock_bh(&peer->endpoint_lock);
	return ret;
}

/* A handshake message in a fresh skb, with room for the outer headers. */
static struct sk_buff *wg_skb_from_buffer(const void *buffer, size_t len)
{
	struct sk_buff *skb = alloc_skb(len + WG_SKB_HEADER_LEN, GFP_ATOMIC);

	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, WG_SKB_HEADER_LEN);
	skb_set_inner_network_header(skb, 0);
	skb_put_data(skb, buffer, len);
	return skb;
}

int wg_socket_send_buffer_to_peer(struct wg_peer *peer, void *buffer,
				  size_t len, u8 ds)
{
	struct sk_buff *skb = wg_skb_from_buffer(buffer, len);

	if (unlikely(!skb))
		return -ENOMEM;
	return wg_socket_send_skb_to_peer(peer, skb, ds);
}

int wg_socket_send_buffer_as_reply_to_skb(struct wg_device *wg,
					  struct sk_buff *in_skb, void *buffer,
					  size_t len)
{
	struct wg_endpoint endpoint;
	struct sk_buff *skb;
	int ret;

	ret = wg_socket_endpoint_from_skb(&endpoint, in_skb);
	if (unlikely(ret < 0))
		return ret;
	skb = wg_skb_from_buffer(buffer, len);
	if (unlikely(!skb))
		return -ENOMEM;
	/* No cache: this goes to an address we know nothing about. */
	if (endpoint.addr.sa_family == AF_INET)
		return wg_send4(wg, skb, &endpoint, 0, NULL);
	return wg_send6(wg, skb, &endpoint, 0, NULL);
}

int wg_socket_endpoint_from_skb(struct wg_endpoint *endpoint,
				const struct sk_buff *skb)
{
	memset(endpoint, 0, sizeof(*endpoint));
	if (skb->protocol == htons(ETH_P_IP)) {
		endpoint->addr4.sin_family = AF_INET;
		endpoint->addr4.sin_port = udp_hdr(skb)->source;
		endpoint->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		endpoint->src4.s_addr = ip_hdr(skb)->daddr;
		endpoint->src_if4 = skb->skb_iif;
	} else if (IS_ENABLED(CONFIG_IPV6) &&
		   skb->protocol == htons(ETH_P_IPV6)) {
		endpoint->addr6.sin6_family = AF_INET6;
		endpoint->addr6.sin6_port = udp_hdr(skb)->source;
		endpoint->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		endpoint->addr6.sin6_scope_id =
			ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr,
					    skb->skb_iif);
		endpoint->src6 = ipv6_hdr(skb)->daddr;
	} else {
		return -EINVAL;
	}
	return 0;
}

static bool wg_endpoint_addr_eq(const struct wg_endpoint *a,
				const struct wg_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       ipv6_addr_equal(&a->addr6.sin6_addr,
				       &b->addr6.sin6_addr) &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id;
	return true;
}

static bool wg_endpoint_src_eq(const struct wg_endpoint *a,
			       const struct wg_endpoint *b)
{
	if (a->addr.sa_family == AF_INET)
		return a->src4.s_addr == b->src4.s_addr &&
		       a->src_if4 == b->src_if4;
	return ipv6_addr_equal(&a->src6, &b->src6);
}

bool wg_socket_set_peer_endpoint(struct wg_peer *peer,
				 const struct wg_endpoint *endpoint)
{
	bool addr_changed;

	/* Nearly always unchanged: check without the write lock first. */
	read_lock_bh(&peer->endpoint_lock);
	addr_changed = !wg_endpoint_addr_eq(endpoint, &peer->endpoint);
	if (!addr_changed && wg_endpoint_src_eq(endpoint, &peer->endpoint)) {
		read_unlock_bh(&peer->endpoint_lock);
		return false;
	}
	read_unlock_bh(&peer->endpoint_lock);

	write_lock_bh(&peer->endpoint_lock);
	if (endpoint->addr.sa_family == AF_INET) {
		peer->endpoint.addr4 = endpoint->addr4;
		peer->endpoint.src4 = endpoint->src4;
		peer->endpoint.src_if4 = endpoint->src_if4;
	} else if (endpoint->addr.sa_family == AF_INET6) {
		peer->endpoint.addr6 = endpoint->addr6;
		peer->endpoint.src6 = endpoint->src6;
	}
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
	return addr_changed;
}

bool wg_socket_set_peer_endpoint_from_skb(struct wg_peer *peer,
					  const struct sk_buff *skb)
{
	struct wg_endpoint endpoint;

	if (wg_socket_endpoint_from_skb(&endpoint, skb))
		return false;
	return wg_socket_set_peer_endpoint(peer, &endpoint);
}

void wg_socket_clear_peer_endpoint_src(struct wg_peer *peer)
{
	write_lock_bh(&peer->endpoint_lock);
	memset(&peer->endpoint.src6, 0, sizeof(peer->endpoint.src6));
	dst_cache_reset_now(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

static int wg_socket_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct wg_device *wg = rcu_dereference_sk_user_data(sk);

	if (unlikely(!wg)) {
		kfree_skb(skb);
		return 0;
	}
	/* The encap hook leaves skb->data at the UDP header. */
	skb_mark_not_on_list(skb);
	wg_receive(wg, skb);
	return 0;
}

static void wg_socket_setup(struct sock *sk, struct wg_device *wg)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = wg,
		.encap_type = 1,
		.encap_rcv = wg_socket_encap_rcv,
	};

	setup_udp_tunnel_sock(sock_net(sk), sk->sk_socket, &cfg);
}

static int wg_socket_create(struct net *net, int family, u16 port,
			    struct socket **sockp)
{
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
	};

	if (family == AF_INET6) {
		cfg.local_ip6 = in6addr_any;
		/* Separate sockets per family, as the in-tree module does. */
		cfg.ipv6_v6only = true;
		cfg.use_udp6_tx_checksums = true;
		cfg.use_udp6_rx_checksums = true;
	} else {
		cfg.local_ip.s_addr = htonl(INADDR_ANY);
	}
	return udp_sock_create(net, &cfg, sockp);
}

static void wg_socket_set(struct wg_device *wg, struct sock *sk4,
			  struct sock *sk6)
{
	struct sock *old4, *old6;

	old4 = rcu_dereference_protected(wg->sock4,
				lockdep_is_held(&wg->device_update_lock));
	old6 = rcu_dereference_protected(wg->sock6,
				lockdep_is_held(&wg->device_update_lock));
	rcu_assign_pointer(wg->sock4, sk4);
	rcu_assign_pointer(wg->sock6, sk6);
	/* Readers on the send path may still hold the old sockets. */
	synchronize_net();
	if (old4)
		udp_tunnel_sock_release(old4->sk_socket);
	if (old6)
		udp_tunnel_sock_release(old6->sk_socket);
}

int wg_socket_init(struct wg_device *wg, u16 port)
{
	struct socket *sock4 = NULL, *sock6 = NULL;
	unsigned int tries = 0;
	const u16 requested = port;
	struct net *net;
	int ret;

	rcu_read_lock();
	net = rcu_dereference(wg->creating_net);
	net = net ? maybe_get_net(net) : NULL;
	rcu_read_unlock();
	if (unlikely(!net))
		return -ENONET;

retry:
	ret = wg_socket_create(net, AF_INET, port, &sock4);
	if (ret < 0) {
		pr_err("%s: could not create IPv4 socket: %d\n",
		       wg->dev->name, ret);
		goto out;
	}
	wg_socket_setup(sock4->sk, wg);
	/* With port 0, use whatever port IPv4 got for IPv6 too. */
	port = ntohs(inet_sk(sock4->sk)->inet_sport);

#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6_mod_enabled()) {
		ret = wg_socket_create(net, AF_INET6, port, &sock6);
		if (ret < 0) {
			udp_tunnel_sock_release(sock4);
			sock4 = NULL;
			/* A random port taken for IPv6: try another one. */
			if (ret == -EADDRINUSE && !requested &&
			    ++tries < 100) {
				port = 0;
				goto retry;
			}
			pr_err("%s: could not create IPv6 socket: %d\n",
			       wg->dev->name, ret);
			goto out;
		}
		wg_socket_setup(sock6->sk, wg);
	}
#endif

	wg_socket_set(wg, sock4->sk, sock6 ? sock6->sk : NULL);
	wg->incoming_port = port;
	ret = 0;
out:
	put_net(net);
	return ret;
}

void wg_socket_uninit(struct wg_device *wg)
{
	wg_socket_set(wg, NULL, NULL);
}
