// SPDX-License-Identifier: GPL-2.0
/*
 * The "wireguard" generic netlink family: read a device's fwmark and the
 * allowed-ips of its peers, set the fwmark, and recognise the change
 * notifications our module multicasts (see ../src/uapi.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "../src/uapi.h"
#include "prefix.h"
#include "wgdev.h"

/**
 * wgar_genl_parse_family() - CTRL_CMD_GETFAMILY reply: family id and the
 * id of our "peers" multicast group, if the module has one.
 */
int wgar_genl_parse_family(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp;
	const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct wgar_genl *g = arg;

	wgar_attr_parse_msg(tb, CTRL_ATTR_MAX, nlh, GENL_HDRLEN);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return 0;
	g->family = wgar_attr_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	wgar_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		wgar_attr_parse(gtb, CTRL_ATTR_MCAST_GRP_MAX,
				wgar_attr_data(grp), wgar_attr_len(grp));
		if (!gtb[CTRL_ATTR_MCAST_GRP_NAME] ||
		    !gtb[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (!strncmp(wgar_attr_data(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
			     WG_MULTICAST_GROUP_PEERS,
			     wgar_attr_len(gtb[CTRL_ATTR_MCAST_GRP_NAME])))
			g->peers_group =
				wgar_attr_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static struct genlmsghdr *genl_hdr(struct wgar_msg *m, uint8_t cmd,
				   uint8_t version)
{
	struct genlmsghdr *gh = wgar_msg_put_hdr(m, GENL_HDRLEN);

	if (gh) {
		gh->cmd = cmd;
		gh->version = version;
	}
	return gh;
}

/**
 * wgar_genl_open() - open a generic netlink socket and resolve "wireguard".
 * Returns 0; -ENOENT if no such family is registered (module not loaded).
 */
int wgar_genl_open(struct wgar_genl *g)
{
	struct wgar_msg m;
	int ret;

	memset(g, 0, sizeof(*g));
	ret = wgar_nl_open(&g->nl, NETLINK_GENERIC);
	if (ret)
		return ret;
	wgar_msg_init(&m, GENL_ID_CTRL, 0);
	genl_hdr(&m, CTRL_CMD_GETFAMILY, 1);
	wgar_attr_put_str(&m, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	ret = wgar_nl_talk(&g->nl, &m, wgar_genl_parse_family, g);
	if (!ret && !g->family)
		ret = -ENOENT;
	if (ret)
		wgar_nl_close(&g->nl);
	return ret;
}

void wgar_genl_close(struct wgar_genl *g)
{
	wgar_nl_close(&g->nl);
}

void wgar_device_free(struct wgar_device *dev)
{
	free(dev->ips);
	memset(dev, 0, sizeof(*dev));
}

static int add_allowedip(struct wgar_device *dev, const struct nlattr *nest)
{
	const struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
	struct wgar_prefix p;

	wgar_attr_parse(tb, WGALLOWEDIP_A_MAX, wgar_attr_data(nest),
			wgar_attr_len(nest));
	if (!tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] ||
	    !tb[WGALLOWEDIP_A_CIDR_MASK])
		return 0;
	if (wgar_prefix_from_bytes(&p, wgar_attr_u16(tb[WGALLOWEDIP_A_FAMILY]),
				   wgar_attr_data(tb[WGALLOWEDIP_A_IPADDR]),
				   wgar_attr_len(tb[WGALLOWEDIP_A_IPADDR]),
				   wgar_attr_u8(tb[WGALLOWEDIP_A_CIDR_MASK])))
		return 0;
	if (wgar_grow((void **)&dev->ips, &dev->ips_cap, dev->nips,
		      sizeof(p)))
		return -ENOMEM;
	dev->ips[dev->nips++] = p;
	return 0;
}

/*
 * wgar_wg_parse_device() - one message of the WG_CMD_GET_DEVICE dump. A peer with many allowed-ips is split over
 * several messages, each repeating the peer; we only collect prefixes, so
 * the split needs no special care.
 */
int wgar_wg_parse_device(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[WGDEVICE_A_MAX + 1], *ptb[WGPEER_A_MAX + 1];
	const struct nlattr *peer, *ip;
	struct wgar_device *dev = arg;
	int ret;

	wgar_attr_parse_msg(tb, WGDEVICE_A_MAX, nlh, GENL_HDRLEN);
	if (tb[WGDEVICE_A_FWMARK])
		dev->fwmark = wgar_attr_u32(tb[WGDEVICE_A_FWMARK]);
	if (!tb[WGDEVICE_A_PEERS])
		return 0;
	wgar_attr_for_each_nested(peer, tb[WGDEVICE_A_PEERS]) {
		wgar_attr_parse(ptb, WGPEER_A_MAX, wgar_attr_data(peer),
				wgar_attr_len(peer));
		if (!ptb[WGPEER_A_ALLOWEDIPS])
			continue;
		wgar_attr_for_each_nested(ip, ptb[WGPEER_A_ALLOWEDIPS]) {
			ret = add_allowedip(dev, ip);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * wgar_wg_get() - fwmark and allowed-ips of device @ifindex.
 * Returns 0; -ENODEV for no such device, -EOPNOTSUPP for a device that is
 * not WireGuard, or another -errno.
 */
int wgar_wg_get(struct wgar_genl *g, int ifindex, struct wgar_device *dev)
{
	struct wgar_msg m;
	int ret;

	memset(dev, 0, sizeof(*dev));
	wgar_msg_init(&m, g->family, NLM_F_DUMP);
	genl_hdr(&m, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	wgar_attr_put_u32(&m, WGDEVICE_A_IFINDEX, (uint32_t)ifindex);
	ret = wgar_nl_talk(&g->nl, &m, wgar_wg_parse_device, dev);
	if (ret)
		wgar_device_free(dev);
	return ret;
}

int wgar_wg_set_fwmark(struct wgar_genl *g, int ifindex, uint32_t fwmark)
{
	struct wgar_msg m;

	wgar_msg_init(&m, g->family, 0);
	genl_hdr(&m, WG_CMD_SET_DEVICE, WG_GENL_VERSION);
	wgar_attr_put_u32(&m, WGDEVICE_A_IFINDEX, (uint32_t)ifindex);
	wgar_attr_put_u32(&m, WGDEVICE_A_FWMARK, fwmark);
	return wgar_nl_talk(&g->nl, &m, NULL, NULL);
}

/**
 * wgar_wg_event_ifindex() - the device a change notification is about.
 *
 * Returns the ifindex; 0 for an event that names no device (treat it as
 * concerning every device); -1 for a message that is not a peer event.
 */
int wgar_wg_event_ifindex(const struct nlmsghdr *nlh, uint16_t family)
{
	const struct nlattr *tb[WGEVENT_A_MAX + 1];
	const struct genlmsghdr *gh = NLMSG_DATA(nlh);

	if (nlh->nlmsg_type != family ||
	    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    gh->cmd != WG_CMD_PEER_EVENT)
		return -1;
	wgar_attr_parse_msg(tb, WGEVENT_A_MAX, nlh, GENL_HDRLEN);
	return tb[WGEVENT_A_IFINDEX] ?
		(int)wgar_attr_u32(tb[WGEVENT_A_IFINDEX]) : 0;
}
