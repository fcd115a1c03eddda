// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets. Incoming datagrams reach us through the UDP encapsulation
 * hook (encap_rcv), in softirq context, without a trip through the socket
 * receive queue.
 */
#include "socket.h"
#include "device.h"
#include "receive.h"

#include <linux/net.h>
#include <linux/if_ether.h>
#include <net/udp_tunnel.h>
#include <net/ipv6.h>
#include <net/sock.h>

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
