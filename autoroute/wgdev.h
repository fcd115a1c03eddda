/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_WGDEV_H
#define WGAR_WGDEV_H

#include "common.h"
#include "nl.h"

/* The generic netlink family "wireguard", resolved. */
struct wgar_genl {
	struct wgar_nl nl;
	uint16_t family;
	uint32_t peers_group;	/* multicast group id, 0 if absent */
};

/* What routing needs to know about a device. */
struct wgar_device {
	uint32_t fwmark;
	struct wgar_prefix *ips;	/* allowed-ips of all peers */
	size_t nips, ips_cap;
};

int __must_check wgar_genl_open(struct wgar_genl *g);
void wgar_genl_close(struct wgar_genl *g);
int __must_check wgar_wg_get(struct wgar_genl *g, int ifindex,
			     struct wgar_device *dev);
void wgar_device_free(struct wgar_device *dev);
int __must_check wgar_wg_set_fwmark(struct wgar_genl *g, int ifindex,
				    uint32_t fwmark);
int wgar_wg_event_ifindex(const struct nlmsghdr *nlh, uint16_t family);

/* Reply parsers, wgar_nl_cb callbacks (public for the unit tests). */
int wgar_genl_parse_family(const struct nlmsghdr *nlh, void *genl);
int wgar_wg_parse_device(const struct nlmsghdr *nlh, void *device);

#endif /* WGAR_WGDEV_H */
