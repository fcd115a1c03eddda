/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Our extensions to the generic netlink UAPI of <linux/wireguard.h>.
 * Userspace (wg-autoroute) includes this file too, so it uses UAPI types
 * only. Stock tools never see any of it: they do not join the group.
 *
 * Change notifications: the "wireguard" family has a multicast group
 * WG_MULTICAST_GROUP_PEERS. Whenever a device's peers change, a message
 * with command WG_CMD_PEER_EVENT is sent to it, carrying:
 *
 *   WGEVENT_A_TYPE        u32, enum wg_peer_event
 *   WGEVENT_A_IFINDEX     u32
 *   WGEVENT_A_IFNAME      string
 *   WGEVENT_A_PUBLIC_KEY  binary, 32 bytes: the peer concerned
 *   WGEVENT_A_ENDPOINT    binary, struct sockaddr_in or sockaddr_in6
 *                         (WG_PEER_EVENT_ENDPOINT_CHANGED only)
 *
 * No secrets are ever included. A listener that needs the peer's current
 * allowed-ips re-reads them with WG_CMD_GET_DEVICE: events say *what*
 * changed, the dump says *how it is now*, so a listener that missed an
 * event (socket overrun) recovers by re-reading everything.
 */
#ifndef WG_UAPI_EXT_H
#define WG_UAPI_EXT_H

#define WG_MULTICAST_GROUP_PEERS "peers"

/* Far above the UAPI's commands so that upstream additions cannot clash. */
#define WG_CMD_PEER_EVENT 64

enum wg_peer_event {
	WG_PEER_EVENT_UNSPEC,
	WG_PEER_EVENT_ADDED,
	WG_PEER_EVENT_REMOVED,
	WG_PEER_EVENT_ALLOWEDIPS_CHANGED,
	WG_PEER_EVENT_ENDPOINT_CHANGED,
};

enum wgevent_attribute {
	WGEVENT_A_UNSPEC,
	WGEVENT_A_TYPE,
	WGEVENT_A_IFINDEX,
	WGEVENT_A_IFNAME,
	WGEVENT_A_PUBLIC_KEY,
	WGEVENT_A_ENDPOINT,
	__WGEVENT_A_LAST
};
#define WGEVENT_A_MAX (__WGEVENT_A_LAST - 1)

#endif /* WG_UAPI_EXT_H */
