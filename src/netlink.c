// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink interface of <linux/wireguard.h>: WG_CMD_GET_DEVICE
 * (a dump) and WG_CMD_SET_DEVICE, exactly as the stock wg(8) and wg-quick(8)
 * speak it.
 *
 * Input is validated by the attribute policies below before any handler
 * runs (types, lengths, flag masks, nested arrays), and the set handler
 * checks the remaining semantic rules before it changes anything, so a
 * rejected request leaves the device as it was.
 */
#include "netlink.h"
#include "device.h"
#include "socket.h"
#include "../crypto/curve25519.h"

#include <linux/wireguard.h>
#include <linux/if.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <crypto/algapi.h>

static struct genl_family wg_genl_family;

static const struct nla_policy wg_device_policy[WGDEVICE_A_MAX + 1] = {
	[WGDEVICE_A_IFINDEX] = { .type = NLA_U32 },
	[WGDEVICE_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[WGDEVICE_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(WG_KEY_LEN),
	[WGDEVICE_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(WG_KEY_LEN),
	[WGDEVICE_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __WGDEVICE_F_ALL),
	[WGDEVICE_A_LISTEN_PORT] = { .type = NLA_U16 },
	[WGDEVICE_A_FWMARK] = { .type = NLA_U32 },
	[WGDEVICE_A_PEERS] = { .type = NLA_NESTED },
};

/* Looks the device up by index or name; holds a reference on success. */
static struct wg_device *wg_lookup_device(struct net *net,
					  struct nlattr **attrs,
					  struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;

	if (attrs[WGDEVICE_A_IFINDEX] && attrs[WGDEVICE_A_IFNAME]) {
		NL_SET_ERR_MSG(extack, "give the interface by index or by name, not both");
		return ERR_PTR(-EBADR);
	}
	if (attrs[WGDEVICE_A_IFINDEX])
		dev = dev_get_by_index(net, nla_get_u32(attrs[WGDEVICE_A_IFINDEX]));
	else if (attrs[WGDEVICE_A_IFNAME])
		dev = dev_get_by_name(net, nla_data(attrs[WGDEVICE_A_IFNAME]));
	else {
		NL_SET_ERR_MSG(extack, "an interface index or name is required");
		return ERR_PTR(-EBADR);
	}
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such interface");
		return ERR_PTR(-ENODEV);
	}
	if (!wg_device_is_ours(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG(extack, "not a wireguard interface");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

/* Dump state kept in cb->args between calls. */
struct wg_dump_ctx {
	struct wg_device *wg;
	bool device_done;
};

static struct wg_dump_ctx *wg_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct wg_dump_ctx) > sizeof(cb->args));
	return (struct wg_dump_ctx *)cb->args;
}

static int wg_get_device_start(struct netlink_callback *cb)
{
	struct wg_dump_ctx *ctx = wg_dump_ctx(cb);
	struct wg_device *wg;

	wg = wg_lookup_device(sock_net(cb->skb->sk), wg_compat_dump_attrs(cb),
			      cb->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);
	memset(ctx, 0, sizeof(*ctx));
	ctx->wg = wg;
	return 0;
}

static int wg_put_device_attrs(struct sk_buff *skb, struct wg_device *wg)
{
	if (nla_put_u16(skb, WGDEVICE_A_LISTEN_PORT, wg->incoming_port) ||
	    nla_put_u32(skb, WGDEVICE_A_FWMARK, wg->fwmark) ||
	    nla_put_u32(skb, WGDEVICE_A_IFINDEX, wg->dev->ifindex) ||
	    nla_put_string(skb, WGDEVICE_A_IFNAME, wg->dev->name))
		return -EMSGSIZE;
	if (wg->has_identity &&
	    (nla_put(skb, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, wg->private_key) ||
	     nla_put(skb, WGDEVICE_A_PUBLIC_KEY, WG_KEY_LEN, wg->public_key)))
		return -EMSGSIZE;
	return 0;
}

static int wg_get_device_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct wg_dump_ctx *ctx = wg_dump_ctx(cb);
	struct wg_device *wg = ctx->wg;
	void *hdr;
	int ret;

	if (ctx->device_done)
		return 0;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &wg_genl_family, NLM_F_MULTI, WG_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	mutex_lock(&wg->device_update_lock);
	ret = wg_put_device_attrs(skb, wg);
	mutex_unlock(&wg->device_update_lock);
	if (ret) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	ctx->device_done = true;
	return skb->len;
}

static int wg_get_device_done(struct netlink_callback *cb)
{
	struct wg_dump_ctx *ctx = wg_dump_ctx(cb);

	if (ctx->wg)
		dev_put(ctx->wg->dev);
	return 0;
}

static int wg_set_listen_port(struct wg_device *wg, u16 port,
			      struct netlink_ext_ack *extack)
{
	int ret;

	if (port == wg->incoming_port)
		return 0;
	if (!netif_running(wg->dev)) {
		wg->incoming_port = port;
		return 0;
	}
	/* Up: bind the new port first; the old sockets stay on failure. */
	ret = wg_socket_init(wg, port);
	if (ret)
		NL_SET_ERR_MSG(extack, "could not bind the listen port");
	return ret;
}

static void wg_set_private_key(struct wg_device *wg, const u8 *key)
{
	u8 public_key[WG_KEY_LEN];

	if (wg->has_identity && !crypto_memneq(wg->private_key, key, WG_KEY_LEN))
		return;
	if (!memchr_inv(key, 0, WG_KEY_LEN)) {
		/* All zeros: wg's way of removing the key. */
		memzero_explicit(wg->private_key, WG_KEY_LEN);
		memset(wg->public_key, 0, WG_KEY_LEN);
		wg->has_identity = false;
		return;
	}
	memcpy(wg->private_key, key, WG_KEY_LEN);
	wgc_curve25519_clamp_secret(wg->private_key);
	wg->has_identity = wgc_curve25519_generate_public(public_key,
							   wg->private_key);
	memcpy(wg->public_key, public_key, WG_KEY_LEN);
}

static int wg_set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct wg_device *wg;
	int ret = 0;

	wg = wg_lookup_device(genl_info_net(info), attrs, info->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);

	if (attrs[WGDEVICE_A_PEERS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[WGDEVICE_A_PEERS],
				    "peers are not supported yet");
		ret = -EOPNOTSUPP;
		goto out_put;
	}

	/* RTNL keeps the device's up/down state still while we work. */
	rtnl_lock();
	mutex_lock(&wg->device_update_lock);

	/* First the one step that can fail, so failure changes nothing. */
	if (attrs[WGDEVICE_A_LISTEN_PORT]) {
		ret = wg_set_listen_port(wg,
				nla_get_u16(attrs[WGDEVICE_A_LISTEN_PORT]),
				info->extack);
		if (ret)
			goto out_unlock;
	}
	if (attrs[WGDEVICE_A_FWMARK])
		wg->fwmark = nla_get_u32(attrs[WGDEVICE_A_FWMARK]);
	if (attrs[WGDEVICE_A_PRIVATE_KEY])
		wg_set_private_key(wg, nla_data(attrs[WGDEVICE_A_PRIVATE_KEY]));

out_unlock:
	mutex_unlock(&wg->device_update_lock);
	rtnl_unlock();
out_put:
	dev_put(wg->dev);
	return ret;
}

static const struct genl_ops wg_genl_ops[] = {
	{
		.cmd = WG_CMD_GET_DEVICE,
		.start = wg_get_device_start,
		.dumpit = wg_get_device_dump,
		.done = wg_get_device_done,
		/* Private keys are in the reply: admins only. */
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WG_CMD_SET_DEVICE,
		.doit = wg_set_device,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family wg_genl_family __ro_after_init = {
	.ops = wg_genl_ops,
	.n_ops = ARRAY_SIZE(wg_genl_ops),
	.resv_start_op = WG_CMD_SET_DEVICE + 1,
	.name = WG_GENL_NAME,
	.version = WG_GENL_VERSION,
	.maxattr = WGDEVICE_A_MAX,
	.module = THIS_MODULE,
	.policy = wg_device_policy,
	.netnsok = true,
};

int __init wg_genetlink_init(void)
{
	return genl_register_family(&wg_genl_family);
}

void wg_genetlink_uninit(void)
{
	genl_unregister_family(&wg_genl_family);
}
