// SPDX-License-Identifier: GPL-2.0
/*
 * The stateless half of WG_CMD_SET_DEVICE's validation, in two steps: the
 * attribute policies (types, lengths, flag masks), which genetlink applies
 * to the request's top level before our handler runs and nla_parse_nested()
 * to the nests below, then wg_set_check() for the semantic rules (a public
 * key per peer, address families and prefix lengths, endpoint formats,
 * protocol version, no trailing bytes). The one rule that needs the device,
 * room for new peers, is netlink.c's, under the device's lock.
 *
 * Nothing here but netlink attributes and the UAPI, so that this very file
 * also builds in userspace against a netlink shim: selftests/fuzz's
 * fuzz_netlink target.
 */
#include "netlink-check.h"

#include <linux/errno.h>
#include <linux/if.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/time_types.h>

const struct nla_policy wg_nl_device_policy[WGDEVICE_A_MAX + 1] = {
	[WGDEVICE_A_IFINDEX] = { .type = NLA_U32 },
	[WGDEVICE_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[WGDEVICE_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(WG_KEY_LEN),
	[WGDEVICE_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(WG_KEY_LEN),
	[WGDEVICE_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __WGDEVICE_F_ALL),
	[WGDEVICE_A_LISTEN_PORT] = { .type = NLA_U16 },
	[WGDEVICE_A_FWMARK] = { .type = NLA_U32 },
	[WGDEVICE_A_PEERS] = { .type = NLA_NESTED },
};

/*
 * Read-only attributes of a dump (handshake time, counters) are accepted in
 * a set and ignored, as the in-tree module does: tools that echo a dump back
 * must keep working.
 */
const struct nla_policy wg_nl_peer_policy[WGPEER_A_MAX + 1] = {
	[WGPEER_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(WG_KEY_LEN),
	[WGPEER_A_PRESHARED_KEY] = NLA_POLICY_EXACT_LEN(WG_KEY_LEN),
	[WGPEER_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __WGPEER_F_ALL),
	[WGPEER_A_ENDPOINT] = NLA_POLICY_MIN_LEN(sizeof(struct sockaddr)),
	[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = { .type = NLA_U16 },
	[WGPEER_A_LAST_HANDSHAKE_TIME] =
		NLA_POLICY_EXACT_LEN(sizeof(struct __kernel_timespec)),
	[WGPEER_A_RX_BYTES] = { .type = NLA_U64 },
	[WGPEER_A_TX_BYTES] = { .type = NLA_U64 },
	[WGPEER_A_ALLOWEDIPS] = { .type = NLA_NESTED },
	[WGPEER_A_PROTOCOL_VERSION] = { .type = NLA_U32 },
};

const struct nla_policy wg_nl_allowedip_policy[WGALLOWEDIP_A_MAX + 1] = {
	[WGALLOWEDIP_A_FAMILY] = { .type = NLA_U16 },
	[WGALLOWEDIP_A_IPADDR] = NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[WGALLOWEDIP_A_CIDR_MASK] = { .type = NLA_U8 },
	[WGALLOWEDIP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __WGALLOWEDIP_F_ALL),
};

static int wg_check_endpoint(const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	const struct sockaddr *addr = nla_data(attr);
	const int len = nla_len(attr);

	if ((len == sizeof(struct sockaddr_in) && addr->sa_family == AF_INET) ||
	    (len == sizeof(struct sockaddr_in6) && addr->sa_family == AF_INET6))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "endpoint must be a sockaddr_in or sockaddr_in6");
	return -EINVAL;
}

static int wg_check_allowedip(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
	unsigned int max_cidr;
	int ret, len;
	u16 family;

	ret = nla_parse_nested(tb, WGALLOWEDIP_A_MAX, attr,
			       wg_nl_allowedip_policy, extack);
	if (ret)
		return ret;
	if (!tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] ||
	    !tb[WGALLOWEDIP_A_CIDR_MASK]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "allowed-ip needs a family, an address and a prefix length");
		return -EINVAL;
	}
	family = nla_get_u16(tb[WGALLOWEDIP_A_FAMILY]);
	len = nla_len(tb[WGALLOWEDIP_A_IPADDR]);
	if (family == AF_INET) {
		max_cidr = 32;
		if (len != sizeof(struct in_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[WGALLOWEDIP_A_IPADDR],
					    "an AF_INET address is 4 bytes");
			return -EINVAL;
		}
	} else if (family == AF_INET6) {
		max_cidr = 128;
		if (len != sizeof(struct in6_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[WGALLOWEDIP_A_IPADDR],
					    "an AF_INET6 address is 16 bytes");
			return -EINVAL;
		}
	} else {
		NL_SET_ERR_MSG_ATTR(extack, tb[WGALLOWEDIP_A_FAMILY],
				    "allowed-ip family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	if (nla_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]) > max_cidr) {
		NL_SET_ERR_MSG_ATTR(extack, tb[WGALLOWEDIP_A_CIDR_MASK],
				    "prefix length too long for the family");
		return -EINVAL;
	}
	return 0;
}

void wg_read_allowedip(const struct nlattr *attr, struct wg_nl_allowedip *ip)
{
	const struct nlattr *a;
	u32 flags = 0;
	int rem;

	*ip = (struct wg_nl_allowedip){};
	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case WGALLOWEDIP_A_FAMILY:
			ip->family = nla_get_u16(a);
			break;
		case WGALLOWEDIP_A_IPADDR:
			ip->addr = nla_data(a);
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			ip->cidr = nla_get_u8(a);
			break;
		case WGALLOWEDIP_A_FLAGS:
			flags = nla_get_u32(a);
			break;
		}
	}
	ip->remove = flags & WGALLOWEDIP_F_REMOVE_ME;
}

/*
 * Checks every element of a nested list with @check, then rejects trailing
 * bytes that are no attribute: the sender is confused.
 */
static int wg_check_each(const struct nlattr *nest,
			 int (*check)(const struct nlattr *attr,
				      struct netlink_ext_ack *extack),
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	int ret, rem;

	nla_for_each_nested(attr, nest, rem) {
		ret = check(attr, extack);
		if (ret)
			return ret;
	}
	if (!rem)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, nest, "trailing bytes in a nested list");
	return -EINVAL;
}

/* Checks one peer and its allowed-ips: the rules that need no device state. */
static int wg_check_peer(const struct nlattr *attr,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[WGPEER_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, WGPEER_A_MAX, attr, wg_nl_peer_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[WGPEER_A_PUBLIC_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer without a public key");
		return -EINVAL;
	}
	if (tb[WGPEER_A_PROTOCOL_VERSION] &&
	    nla_get_u32(tb[WGPEER_A_PROTOCOL_VERSION]) != 1) {
		NL_SET_ERR_MSG_ATTR(extack, tb[WGPEER_A_PROTOCOL_VERSION],
				    "only protocol version 1 is supported");
		return -EPROTONOSUPPORT;
	}
	if (tb[WGPEER_A_ENDPOINT]) {
		ret = wg_check_endpoint(tb[WGPEER_A_ENDPOINT], extack);
		if (ret)
			return ret;
	}
	if (!tb[WGPEER_A_ALLOWEDIPS])
		return 0;
	return wg_check_each(tb[WGPEER_A_ALLOWEDIPS], wg_check_allowedip, extack);
}

/* Before any lock is taken: see netlink-check.h. */
int wg_set_check(struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	if (!attrs[WGDEVICE_A_PEERS])
		return 0;
	return wg_check_each(attrs[WGDEVICE_A_PEERS], wg_check_peer, extack);
}
