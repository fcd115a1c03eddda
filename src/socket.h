/* SPDX-License-Identifier: GPL-2.0 */
/* The device's UDP sockets: binding them, and handing datagrams to receive. */
#ifndef WG_SOCKET_H
#define WG_SOCKET_H

#include <linux/types.h>

struct wg_device;
struct wg_peer;
struct wg_endpoint;
struct sk_buff;

/*
 * Binds an IPv4 and (when the namespace has IPv6) an IPv6 socket to port in
 * the device's creating namespace and publishes them, replacing any bound
 * ones. Port 0 picks a free port that both families can share. On success
 * wg->incoming_port holds the port bound. Caller holds device_update_lock.
 */
int __must_check wg_socket_init(struct wg_device *wg, u16 port);

/* Unpublishes and closes the sockets (waits for readers). */
void wg_socket_uninit(struct wg_device *wg);

/*
 * Sends skb (a finished WireGuard message, data at the message) to the
 * peer's endpoint over UDP, from the device's socket, with the device's
 * fwmark and the given DS field. Consumes skb.
 */
int wg_socket_send_skb_to_peer(struct wg_peer *peer, struct sk_buff *skb,
			       u8 ds);

/* Copies buffer into a fresh skb and sends it to the peer. */
int wg_socket_send_buffer_to_peer(struct wg_peer *peer, void *buffer,
				  size_t len, u8 ds);

/* Answers in_skb's sender (a cookie reply): to its source, from its dest. */
int wg_socket_send_buffer_as_reply_to_skb(struct wg_device *wg,
					  struct sk_buff *in_skb, void *buffer,
					  size_t len);

/* The outer source and destination of a received packet, as an endpoint. */
int wg_socket_endpoint_from_skb(struct wg_endpoint *endpoint,
				const struct sk_buff *skb);

/*
 * Sets the peer's endpoint (roaming, or configuration). Returns true when
 * the address changed (not only its local source).
 */
bool wg_socket_set_peer_endpoint(struct wg_peer *peer,
				 const struct wg_endpoint *endpoint);
bool wg_socket_set_peer_endpoint_from_skb(struct wg_peer *peer,
					  const struct sk_buff *skb);

/* Forgets the cached route and source address (route changed, fwmark). */
void wg_socket_clear_peer_endpoint_src(struct wg_peer *peer);

#endif /* WG_SOCKET_H */
