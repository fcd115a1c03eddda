/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stateless half of WG_CMD_SET_DEVICE's validation: the attribute
 * policies and the rules that need no device (netlink-check.c).
 */
#ifndef WG_NETLINK_CHECK_H
#define WG_NETLINK_CHECK_H

#include <net/netlink.h>
#include <linux/wireguard.h>

extern const struct nla_policy wg_nl_device_policy[WGDEVICE_A_MAX + 1];
extern const struct nla_policy wg_nl_peer_policy[WGPEER_A_MAX + 1];
extern const struct nla_policy wg_nl_allowedip_policy[WGALLOWEDIP_A_MAX + 1];

/**
 * wg_set_check() - the rules of WG_CMD_SET_DEVICE that need no device
 * @attrs: the request's top-level attributes, parsed with
 *	wg_nl_device_policy (as genetlink does before the handler runs)
 * @extack: where to report a rejection, or NULL
 *
 * Every peer has a public key and a supported protocol version, every
 * endpoint is a sockaddr_in or sockaddr_in6, every allowed-ip has a family,
 * an address of that family's size and a prefix length that fits, and no
 * nested list has trailing bytes. Reads @attrs only; takes no lock.
 *
 * Return: 0, or a negative errno with @extack set.
 */
int __must_check wg_set_check(struct nlattr **attrs,
			      struct netlink_ext_ack *extack);

/* One allowed-ip of a checked request, as the apply path reads it. */
struct wg_nl_allowedip {
	const void *addr;	/* 4 or 16 bytes, by @family */
	u16 family;
	u8 cidr;
	bool remove;		/* WGALLOWEDIP_F_REMOVE_ME */
};

/**
 * wg_read_allowedip() - read an allowed-ip that wg_set_check() accepted
 * @attr: the allowed-ip's nest
 * @ip: filled in
 *
 * One pass over the nest, no policy and no table (a request may carry a
 * hundred thousand of them); a repeated attribute's last copy wins, as in
 * nla_parse(), which the check used.
 */
void wg_read_allowedip(const struct nlattr *attr, struct wg_nl_allowedip *ip);

#endif /* WG_NETLINK_CHECK_H */
