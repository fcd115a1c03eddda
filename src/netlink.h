/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink UAPI of <linux/wireguard.h>, family "wireguard" v1,
 * plus our change notifications (multicast group "peers", see uapi.h).
 */
#ifndef WG_NETLINK_H
#define WG_NETLINK_H

struct wg_peer;

int __must_check wg_genetlink_init(void);
void wg_genetlink_uninit(void);

/**
 * wg_netlink_notify_endpoint() - tell listeners a peer's endpoint changed
 * @peer: the peer; the caller holds a reference (or the device update lock)
 *
 * For the receive path when a peer roams: call it only when the address
 * actually changed (wg_socket_set_peer_endpoint*() returned true), and not
 * with @peer->endpoint_lock held. Any context, softirq included: it
 * allocates atomically and does nothing when nobody listens. Configuration
 * changes made through WG_CMD_SET_DEVICE are notified by netlink.c itself.
 */
void wg_netlink_notify_endpoint(struct wg_peer *peer);

#endif /* WG_NETLINK_H */
