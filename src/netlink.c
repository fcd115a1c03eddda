// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink interface of <linux/wireguard.h>: WG_CMD_GET_DEVICE
 * (a dump) and WG_CMD_SET_DEVICE, exactly as the stock wg(8) and wg-quick(8)
 * speak it, and our change notifications (uapi.h).
 *
 * Input is validated before anything changes: first without any lock, by
 * the attribute policies (types, lengths, flag masks) and wg_set_check()
 * for the semantic rules (a public key per peer, address families and
 * prefix lengths, endpoint formats, protocol version), all in
 * netlink-check.c; then, under the device's lock, for room for new peers.
 * A rejected request leaves the device exactly as it was; once changes
 * have begun, only a failed allocation can stop a request halfway.
 *
 * Locking: RTNL, then the device's device_update_lock, then (briefly) the
 * static identity's rwsem. Dumps take only device_update_lock, per message,
 * so a large dump never holds up the data path or RTNL.
 */
#include "netlink.h"
#include "netlink-check.h"
#include "device.h"
#include "peer.h"
#include "socket.h"
#include "send.h"
#include "uapi.h"

#include <linux/wireguard.h>
#include <linux/if.h>
#include <linux/slab.h>
#include <linux/time_types.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/ipv6.h>
#include <crypto/algapi.h>

static struct genl_family wg_genl_family;

/* Offsets into wg_mcgrps[]. */
enum { WG_MCGRP_PEERS };

/*
 * Events carry endpoints, which wg(8) only shows to admins: the same
 * capability is needed to listen.
 */
static const struct genl_multicast_group wg_mcgrps[] = {
	[WG_MCGRP_PEERS] = {
		.name = WG_MULTICAST_GROUP_PEERS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* Looks the device up by index or name; holds a reference on success. */
static struct wg_device *wg_lookup_device(struct net *net,
					  struct nlattr **attrs,
					  struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;

	if (!attrs) {
		NL_SET_ERR_MSG(extack, "an interface index or name is required");
		return ERR_PTR(-EBADR);
	}
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

/* ---- Change notifications ---- */

static size_t wg_event_size(void)
{
	return nla_total_size(sizeof(u32)) +		/* TYPE */
	       nla_total_size(sizeof(u32)) +		/* IFINDEX */
	       nla_total_size(IFNAMSIZ) +		/* IFNAME */
	       nla_total_size(WG_KEY_LEN) +		/* PUBLIC_KEY */
	       nla_total_size(sizeof(struct sockaddr_in6)); /* ENDPOINT */
}

/*
 * Puts @addr as a struct sockaddr_in or sockaddr_in6 attribute; nothing for
 * an unset endpoint (family AF_UNSPEC).
 */
static int wg_put_sockaddr(struct sk_buff *skb, int type,
			   const struct wg_endpoint *ep)
{
	if (ep->addr.sa_family == AF_INET)
		return nla_put(skb, type, sizeof(ep->addr4), &ep->addr4);
	if (ep->addr.sa_family == AF_INET6)
		return nla_put(skb, type, sizeof(ep->addr6), &ep->addr6);
	return 0;
}

/**
 * wg_notify() - multicast one WG_CMD_PEER_EVENT to the "peers" group
 * @wg: the device, in the namespace it is in now
 * @type: what happened
 * @pubkey: the peer's public key (never anything secret)
 * @ep: the new endpoint for WG_PEER_EVENT_ENDPOINT_CHANGED, else NULL
 * @gfp: GFP_KERNEL from netlink, GFP_ATOMIC from the receive path
 *
 * Best effort: a listener that misses an event (no memory, full socket)
 * sees its socket overrun and re-reads the device, as uapi.h tells it to.
 */
static void wg_notify(struct wg_device *wg, enum wg_peer_event type,
		      const u8 pubkey[WG_KEY_LEN],
		      const struct wg_endpoint *ep, gfp_t gfp)
{
	struct net *net = dev_net(wg->dev);
	char ifname[IFNAMSIZ];
	struct sk_buff *skb;
	void *hdr;

	/* Cheap enough for every packet that roams: a bitmap test. */
	if (!genl_has_listeners(&wg_genl_family, net, WG_MCGRP_PEERS))
		return;

	skb = genlmsg_new(wg_event_size(), gfp);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &wg_genl_family, 0, WG_CMD_PEER_EVENT);
	if (!hdr)
		goto err;
	/*
	 * Renames happen under RTNL, which the receive path cannot take: a
	 * racing rename may give a stale name, never an unterminated one.
	 */
	strscpy(ifname, wg->dev->name, sizeof(ifname));
	if (nla_put_u32(skb, WGEVENT_A_TYPE, type) ||
	    nla_put_u32(skb, WGEVENT_A_IFINDEX, wg->dev->ifindex) ||
	    nla_put_string(skb, WGEVENT_A_IFNAME, ifname) ||
	    nla_put(skb, WGEVENT_A_PUBLIC_KEY, WG_KEY_LEN, pubkey) ||
	    (ep && wg_put_sockaddr(skb, WGEVENT_A_ENDPOINT, ep)))
		goto err;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&wg_genl_family, net, skb, 0, WG_MCGRP_PEERS,
				gfp);
	return;
err:
	nlmsg_free(skb);
}

static void wg_notify_peer(struct wg_peer *peer, enum wg_peer_event type,
			   gfp_t gfp)
{
	struct wg_endpoint ep;

	if (type != WG_PEER_EVENT_ENDPOINT_CHANGED) {
		/* The public key of a peer never changes: no lock needed. */
		wg_notify(peer->device, type, peer->handshake.remote_static,
			  NULL, gfp);
		return;
	}
	read_lock_bh(&peer->endpoint_lock);
	ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
	wg_notify(peer->device, type, peer->handshake.remote_static, &ep, gfp);
}

void wg_netlink_notify_endpoint(struct wg_peer *peer)
{
	wg_notify_peer(peer, WG_PEER_EVENT_ENDPOINT_CHANGED, GFP_ATOMIC);
}

/* ---- WG_CMD_GET_DEVICE ---- */

/*
 * Dump state, kept between the calls of one dump. The dump may be split
 * anywhere: between peers, and between the allowed-ips of one peer. Where
 * it stopped is @next_peer (a counted reference, so its memory stays even
 * if it is removed meanwhile) and, inside that peer, @cursor.
 */
struct wg_dump_ctx {
	struct wg_device *wg;
	struct wg_peer *next_peer;	/* NULL: start at the first peer */
	struct wg_allowedips_cursor cursor;
	bool device_done;	/* the device's own attributes were sent */
	bool in_peer;		/* next_peer's fixed attributes were sent */
	bool all_done;
};

static struct wg_dump_ctx *wg_dump_ctx(struct netlink_callback *cb)
{
	return (struct wg_dump_ctx *)cb->args[0];
}

static int wg_get_device_start(struct netlink_callback *cb)
{
	struct wg_dump_ctx *ctx;
	struct wg_device *wg;

	wg = wg_lookup_device(sock_net(cb->skb->sk), wg_compat_dump_attrs(cb),
			      cb->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx) {
		dev_put(wg->dev);
		return -ENOMEM;
	}
	ctx->wg = wg;
	cb->args[0] = (long)ctx;
	return 0;
}

static int wg_get_device_done(struct netlink_callback *cb)
{
	struct wg_dump_ctx *ctx = wg_dump_ctx(cb);

	if (!ctx)
		return 0;
	wg_peer_put(ctx->next_peer);
	dev_put(ctx->wg->dev);
	kfree(ctx);
	cb->args[0] = 0;
	return 0;
}

static int wg_put_device_attrs(struct sk_buff *skb, struct wg_device *wg)
{
	struct wg_noise_static_identity *id = &wg->static_identity;
	int ret = 0;

	if (nla_put_u16(skb, WGDEVICE_A_LISTEN_PORT, wg->incoming_port) ||
	    nla_put_u32(skb, WGDEVICE_A_FWMARK, wg->fwmark))
		return -EMSGSIZE;
	down_read(&id->lock);
	if (id->has_identity &&
	    (nla_put(skb, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN,
		     id->static_private) ||
	     nla_put(skb, WGDEVICE_A_PUBLIC_KEY, WG_KEY_LEN,
		     id->static_public)))
		ret = -EMSGSIZE;
	up_read(&id->lock);
	return ret;
}

/* Everything about a peer but its allowed-ips. */
static int wg_put_peer_attrs(struct sk_buff *skb, struct wg_peer *peer)
{
	struct __kernel_timespec last = {
		.tv_sec = peer->walltime_last_handshake.tv_sec,
		.tv_nsec = peer->walltime_last_handshake.tv_nsec,
	};
	struct wg_endpoint ep;
	int ret;

	/* Always present, zeros meaning none, as wg(8) expects. */
	down_read(&peer->handshake.lock);
	ret = nla_put(skb, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN,
		      peer->handshake.preshared_key);
	up_read(&peer->handshake.lock);
	if (ret)
		return ret;

	read_lock_bh(&peer->endpoint_lock);
	ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);

	if (nla_put(skb, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(last), &last) ||
	    nla_put_u16(skb, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
			peer->persistent_keepalive_interval) ||
	    nla_put_u64_64bit(skb, WGPEER_A_TX_BYTES,
			      atomic64_read(&peer->tx_bytes), WGPEER_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, WGPEER_A_RX_BYTES,
			      atomic64_read(&peer->rx_bytes), WGPEER_A_UNSPEC) ||
	    nla_put_u32(skb, WGPEER_A_PROTOCOL_VERSION, 1) ||
	    wg_put_sockaddr(skb, WGPEER_A_ENDPOINT, &ep))
		return -EMSGSIZE;
	return 0;
}

static int wg_put_allowedip(struct sk_buff *skb, const u8 *ip, u8 cidr,
			    int family)
{
	struct nlattr *nest = nla_nest_start(skb, 0);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, WGALLOWEDIP_A_FAMILY, family) ||
	    nla_put(skb, WGALLOWEDIP_A_IPADDR,
		    family == AF_INET6 ? sizeof(struct in6_addr) :
					 sizeof(struct in_addr), ip) ||
	    nla_put_u8(skb, WGALLOWEDIP_A_CIDR_MASK, cidr)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * wg_put_peer() - put (the rest of) one peer into a dump message
 * @skb: the message being filled
 * @peer: the peer
 * @ctx: the dump's state: where inside @peer to start, updated
 * @progress: set when anything of @peer went into @skb
 *
 * Returns 0 when the peer is complete, or -EMSGSIZE when the message is
 * full. Then *@progress says whether anything of the peer went in, and
 * ctx->in_peer/ctx->cursor say where the next message continues: a
 * continuation carries only the public key and more allowed-ips, which
 * wg(8) merges into the previous entry with the same key.
 */
static int wg_put_peer(struct sk_buff *skb, struct wg_peer *peer,
		       struct wg_dump_ctx *ctx, bool *progress)
{
	struct nlattr *peer_nest, *ips_nest;
	struct wg_allowedips_cursor saved;
	unsigned int n = 0;
	bool full = false;
	int family;
	u8 ip[16], cidr;

	*progress = false;
	peer_nest = nla_nest_start(skb, 0);
	if (!peer_nest)
		return -EMSGSIZE;
	if (nla_put(skb, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN,
		    peer->handshake.remote_static))
		goto cancel_full;
	if (!ctx->in_peer) {
		if (wg_put_peer_attrs(skb, peer))
			goto cancel_full;
		ctx->in_peer = true;
		wg_allowedips_cursor_init(&ctx->cursor);
		*progress = true;
	}

	ips_nest = nla_nest_start(skb, WGPEER_A_ALLOWEDIPS);
	if (!ips_nest) {
		full = true;
	} else {
		for (;;) {
			saved = ctx->cursor;
			if (!wg_allowedips_peer_next(&peer->allowedips,
						     &ctx->cursor, ip, &cidr,
						     &family))
				break;
			if (wg_put_allowedip(skb, ip, cidr, family)) {
				/* Give this one back: it leads the next. */
				ctx->cursor = saved;
				full = true;
				break;
			}
			++n;
		}
		if (n)
			nla_nest_end(skb, ips_nest);
		else
			nla_nest_cancel(skb, ips_nest);
	}
	if (n)
		*progress = true;
	if (!*progress) {
		/* A bare public key says nothing: leave it out. */
		nla_nest_cancel(skb, peer_nest);
		if (full)
			return -EMSGSIZE;
		/* A continued peer had nothing left: it is complete. */
		ctx->in_peer = false;
		return 0;
	}
	nla_nest_end(skb, peer_nest);
	if (full)
		return -EMSGSIZE;
	ctx->in_peer = false;
	return 0;

cancel_full:
	nla_nest_cancel(skb, peer_nest);
	return -EMSGSIZE;
}

/*
 * The peer to continue with, or NULL when all were dumped. Called with
 * device_update_lock held, which keeps the peer list still.
 */
static struct wg_peer *wg_dump_resume(struct wg_device *wg,
				      struct wg_dump_ctx *ctx)
{
	struct wg_peer *peer = ctx->next_peer, *iter;
	u64 id;

	if (!peer)
		return list_first_entry_or_null(&wg->peer_list, struct wg_peer,
						peer_list);
	ctx->next_peer = NULL;
	/*
	 * Alive means still on the list (removal sets is_dead under the lock
	 * we hold): the list's reference now keeps it, ours can go.
	 */
	if (!READ_ONCE(peer->is_dead)) {
		wg_peer_put(peer);
		return peer;
	}
	/*
	 * Removed since the last message. Peers are appended as they are
	 * created and internal_id only grows, so the list is in id order:
	 * the first peer with a larger id is where we were. The removal also
	 * bumped device_update_gen, so this message is flagged
	 * NLM_F_DUMP_INTR and wg(8) starts over anyway.
	 */
	id = peer->internal_id;
	wg_peer_put(peer);
	ctx->in_peer = false;
	list_for_each_entry(iter, &wg->peer_list, peer_list)
		if (iter->internal_id > id)
			return iter;
	return NULL;
}

static int wg_get_device_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct wg_dump_ctx *ctx = wg_dump_ctx(cb);
	struct wg_device *wg = ctx->wg;
	struct nlattr *peers_nest;
	struct wg_peer *peer;
	bool progress = false, peer_progress;
	unsigned int npeers = 0;
	void *hdr;
	int ret = -EMSGSIZE;

	if (ctx->all_done)
		return 0;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &wg_genl_family, NLM_F_MULTI, WG_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;

	mutex_lock(&wg->device_update_lock);
	/*
	 * Every set and every peer list change bumps the generation; a dump
	 * that spans one is flagged NLM_F_DUMP_INTR, and wg(8) retries. Odd
	 * values only: 0 means "no previous value" to the check.
	 */
	cb->seq = wg->device_update_gen * 2 + 1;
	genl_dump_check_consistent(cb, hdr);

	/* Every message names the device, as the UAPI documents. */
	if (nla_put_u32(skb, WGDEVICE_A_IFINDEX, wg->dev->ifindex) ||
	    nla_put_string(skb, WGDEVICE_A_IFNAME, wg->dev->name))
		goto cancel;
	if (!ctx->device_done) {
		if (wg_put_device_attrs(skb, wg))
			goto cancel;
		ctx->device_done = true;
		progress = true;
	}

	peer = wg_dump_resume(wg, ctx);
	if (!peer) {
		ctx->all_done = true;
		goto end;
	}
	peers_nest = nla_nest_start(skb, WGDEVICE_A_PEERS);
	if (!peers_nest)
		goto stop;
	list_for_each_entry_from(peer, &wg->peer_list, peer_list) {
		ret = wg_put_peer(skb, peer, ctx, &peer_progress);
		if (peer_progress) {
			++npeers;
			progress = true;
		}
		if (ret)
			break;
	}
	if (npeers)
		nla_nest_end(skb, peers_nest);
	else
		nla_nest_cancel(skb, peers_nest);
	if (list_entry_is_head(peer, &wg->peer_list, peer_list)) {
		ctx->all_done = true;
		goto end;
	}
stop:
	/* Full: hold on to where we are for the next call. */
	ctx->next_peer = wg_peer_get(peer);
	if (!progress) {
		/* Not even one allowed-ip fits: give up rather than spin. */
		ret = -EMSGSIZE;
		goto cancel;
	}
end:
	mutex_unlock(&wg->device_update_lock);
	genlmsg_end(skb, hdr);
	return skb->len;

cancel:
	mutex_unlock(&wg->device_update_lock);
	genlmsg_cancel(skb, hdr);
	return ret;
}

/* ---- WG_CMD_SET_DEVICE: the peer limit (the rest: netlink-check.c) ---- */

/*
 * Whether a checked peer may be created by the request (@wg's lock held):
 * only its own attributes are read, not its allowed-ips again.
 */
static bool wg_peer_may_be_new(struct wg_device *wg, const struct nlattr *attr,
			       bool replace_peers)
{
	struct nlattr *tb[WGPEER_A_MAX + 1];
	u32 flags;

	/*
	 * wg_set_check() parsed and checked this peer: only index it, and
	 * this cannot fail now.
	 */
	if (nla_parse_nested(tb, WGPEER_A_MAX, attr, NULL, NULL))
		return true;
	flags = tb[WGPEER_A_FLAGS] ? nla_get_u32(tb[WGPEER_A_FLAGS]) : 0;
	if (flags & (WGPEER_F_REMOVE_ME | WGPEER_F_UPDATE_ONLY))
		return false;
	return replace_peers ||
	       !wg_pubkey_hashtable_lookup(wg->peer_hashtable,
					   nla_data(tb[WGPEER_A_PUBLIC_KEY]),
					   NULL);
}

/*
 * The peer limit, the one rule that needs the device (@wg's lock held), on
 * a request that passed wg_set_check(). It counts conservatively: peers the
 * request removes are not subtracted, and a key given twice counts twice.
 * A request that could pass WG_MAX_PEERS_PER_DEVICE is refused with ENOSPC
 * before it changes anything.
 */
static int wg_set_check_peer_limit(struct wg_device *wg, struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	bool replace = attrs[WGDEVICE_A_FLAGS] &&
		       (nla_get_u32(attrs[WGDEVICE_A_FLAGS]) &
			WGDEVICE_F_REPLACE_PEERS);
	u64 old_peers = replace ? 0 : wg->num_peers;
	unsigned int new_peers = 0;
	struct nlattr *peer;
	int rem;

	if (!attrs[WGDEVICE_A_PEERS])
		return 0;
	/*
	 * Counting the entries is enough almost always: only a request that
	 * could reach the limit if every entry were new needs the lookups.
	 */
	nla_for_each_nested(peer, attrs[WGDEVICE_A_PEERS], rem)
		++new_peers;
	if (old_peers + new_peers <= WG_MAX_PEERS_PER_DEVICE)
		return 0;
	new_peers = 0;
	nla_for_each_nested(peer, attrs[WGDEVICE_A_PEERS], rem)
		new_peers += wg_peer_may_be_new(wg, peer, replace);
	if (old_peers + new_peers > WG_MAX_PEERS_PER_DEVICE) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[WGDEVICE_A_PEERS],
				    "too many peers for one device");
		return -ENOSPC;
	}
	return 0;
}

/* ---- WG_CMD_SET_DEVICE: applying ---- */

static void wg_clear_endpoint_srcs(struct wg_device *wg)
{
	struct wg_peer *peer;

	list_for_each_entry(peer, &wg->peer_list, peer_list)
		wg_socket_clear_peer_endpoint_src(peer);
}

static int wg_set_listen_port(struct wg_device *wg, u16 port,
			      struct netlink_ext_ack *extack)
{
	int ret;

	if (port == wg->incoming_port)
		return 0;
	if (netif_running(wg->dev)) {
		/* Up: bind the new port first; the old sockets stay on failure. */
		ret = wg_socket_init(wg, port);
		if (ret) {
			NL_SET_ERR_MSG(extack, "could not bind the listen port");
			return ret;
		}
	} else {
		wg->incoming_port = port;
	}
	/* Replies must now leave from the new port. */
	wg_clear_endpoint_srcs(wg);
	return 0;
}

static void wg_remove_peer(struct wg_peer *peer)
{
	wg_notify_peer(peer, WG_PEER_EVENT_REMOVED, GFP_KERNEL);
	wg_peer_remove(peer);
}

static void wg_set_private_key(struct wg_device *wg, const u8 *key)
{
	struct wg_noise_static_identity *id = &wg->static_identity;
	u8 private_key[WG_KEY_LEN], public_key[WG_KEY_LEN];
	struct wg_peer *peer;
	bool send_staged;

	memcpy(private_key, key, WG_KEY_LEN);
	/* All zeros is wg's way of removing the key: don't clamp that. */
	if (memchr_inv(private_key, 0, WG_KEY_LEN))
		wgc_curve25519_clamp_secret(private_key);
	/* Unchanged: keep the sessions. Constant time, it is a secret. */
	if (!crypto_memneq(id->static_private, private_key, WG_KEY_LEN))
		goto out;

	/*
	 * A peer with our own new public key would be ourselves: remove it
	 * first, so that no handshake can ever pair us with ourselves.
	 */
	if (memchr_inv(private_key, 0, WG_KEY_LEN) &&
	    wgc_curve25519_generate_public(public_key, private_key) &&
	    wg_pubkey_hashtable_lookup(wg->peer_hashtable, public_key, &peer)) {
		wg_remove_peer(peer);
		wg_peer_put(peer);
	}

	down_write(&id->lock);
	send_staged = !id->has_identity && netif_running(wg->dev);
	wg_noise_set_static_identity_private_key(id, private_key);
	send_staged = send_staged && id->has_identity;
	wg_cookie_checker_precompute_device_keys(&wg->cookie_checker,
			id->has_identity ? id->static_public : NULL);
	list_for_each_entry(peer, &wg->peer_list, peer_list) {
		wg_noise_precompute_static_static(&peer->handshake);
		/*
		 * A handshake in flight belongs to the old identity: an
		 * initiation we consumed was addressed to the old key, and
		 * answering it would still complete a session with it; the
		 * response to our own initiation can no longer be consumed.
		 */
		wg_noise_handshake_clear(&peer->handshake);
		/* Sessions under the old key must not carry new traffic. */
		wg_noise_expire_current_peer_keypairs(&peer->keypairs);
		/*
		 * And the next packet starts a handshake with the new key at
		 * once, not REKEY_TIMEOUT after the abandoned one.
		 */
		atomic64_set(&peer->last_sent_handshake,
			     ktime_get_coarse_boottime_ns() -
			     (u64)(WG_REKEY_TIMEOUT + 1) * NSEC_PER_SEC);
	}
	up_write(&id->lock);

	/* Packets that waited for us to have a key can go now. */
	if (send_staged)
		list_for_each_entry(peer, &wg->peer_list, peer_list)
			wg_packet_send_staged_packets(peer);
out:
	memzero_explicit(private_key, sizeof(private_key));
}

static void wg_replace_peers(struct wg_device *wg)
{
	struct wg_peer *peer;

	list_for_each_entry(peer, &wg->peer_list, peer_list)
		wg_notify_peer(peer, WG_PEER_EVENT_REMOVED, GFP_KERNEL);
	wg_peer_remove_all(wg);
}

/* Validated by wg_check_allowedip(): only allocation can fail. */
static int wg_set_allowedip(struct wg_device *wg, struct wg_peer *peer,
			    const struct nlattr *attr)
{
	struct wg_allowedips *t = &wg->peer_allowedips;
	struct mutex *lock = &wg->device_update_lock;
	struct wg_nl_allowedip ip;
	struct in6_addr ip6;
	struct in_addr ip4;

	wg_read_allowedip(attr, &ip);
	if (WARN_ON_ONCE(!ip.addr))
		return -EINVAL;
	if (ip.family == AF_INET) {
		memcpy(&ip4, ip.addr, sizeof(ip4));
		if (ip.remove)
			return wg_allowedips_remove_v4(t, &ip4, ip.cidr,
						       &peer->allowedips, lock);
		return wg_allowedips_insert_v4(t, &ip4, ip.cidr,
					       &peer->allowedips, lock);
	}
	memcpy(&ip6, ip.addr, sizeof(ip6));
	if (ip.remove)
		return wg_allowedips_remove_v6(t, &ip6, ip.cidr,
					       &peer->allowedips, lock);
	return wg_allowedips_insert_v6(t, &ip6, ip.cidr, &peer->allowedips,
				       lock);
}

/* One peer of a validated request. */
static int wg_set_peer(struct wg_device *wg, const struct nlattr *attr)
{
	struct wg_noise_static_identity *id = &wg->static_identity;
	struct nlattr *tb[WGPEER_A_MAX + 1], *ip;
	bool created = false, ips_changed = false;
	struct wg_peer *peer = NULL;
	const u8 *pubkey, *psk = NULL;
	int ret, rem;
	u32 flags;

	/* wg_set_check() validated it against the policy: only index it. */
	ret = nla_parse_nested(tb, WGPEER_A_MAX, attr, NULL, NULL);
	if (ret)
		return ret;
	pubkey = nla_data(tb[WGPEER_A_PUBLIC_KEY]);
	flags = tb[WGPEER_A_FLAGS] ? nla_get_u32(tb[WGPEER_A_FLAGS]) : 0;
	if (tb[WGPEER_A_PRESHARED_KEY] &&
	    memchr_inv(nla_data(tb[WGPEER_A_PRESHARED_KEY]), 0, WG_KEY_LEN))
		psk = nla_data(tb[WGPEER_A_PRESHARED_KEY]);

	if (!wg_pubkey_hashtable_lookup(wg->peer_hashtable, pubkey, &peer))
		peer = NULL;
	if (!peer) {
		if (flags & (WGPEER_F_REMOVE_ME | WGPEER_F_UPDATE_ONLY))
			return 0;
		down_read(&id->lock);
		/* Ourselves as a peer: silently ignored, as in-tree. */
		if (id->has_identity &&
		    !memcmp(pubkey, id->static_public, WG_KEY_LEN)) {
			up_read(&id->lock);
			return 0;
		}
		peer = wg_peer_create(wg, pubkey, psk);
		up_read(&id->lock);
		if (IS_ERR(peer))
			return PTR_ERR(peer);
		wg_peer_get(peer);
		created = true;
		wg_notify_peer(peer, WG_PEER_EVENT_ADDED, GFP_KERNEL);
	}

	if (flags & WGPEER_F_REMOVE_ME) {
		wg_remove_peer(peer);
		goto out;
	}

	if (tb[WGPEER_A_PRESHARED_KEY] && !created)
		wg_noise_handshake_set_preshared_key(&peer->handshake, psk);

	if (tb[WGPEER_A_ENDPOINT]) {
		struct wg_endpoint ep = {};

		/* Length and family were checked by wg_check_endpoint(). */
		if (nla_len(tb[WGPEER_A_ENDPOINT]) == sizeof(ep.addr4))
			memcpy(&ep.addr4, nla_data(tb[WGPEER_A_ENDPOINT]),
			       sizeof(ep.addr4));
		else
			memcpy(&ep.addr6, nla_data(tb[WGPEER_A_ENDPOINT]),
			       sizeof(ep.addr6));
		if (wg_socket_set_peer_endpoint(peer, &ep) && !created)
			wg_notify_peer(peer, WG_PEER_EVENT_ENDPOINT_CHANGED,
				       GFP_KERNEL);
	}

	if (flags & WGPEER_F_REPLACE_ALLOWEDIPS) {
		wg_allowedips_remove_by_peer(&wg->peer_allowedips,
					     &peer->allowedips,
					     &wg->device_update_lock);
		ips_changed = true;
	}
	if (tb[WGPEER_A_ALLOWEDIPS]) {
		nla_for_each_nested(ip, tb[WGPEER_A_ALLOWEDIPS], rem) {
			ret = wg_set_allowedip(wg, peer, ip);
			if (ret)
				goto notify;
			ips_changed = true;
		}
	}

	if (tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]) {
		u16 interval = nla_get_u16(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
		bool send = interval && !peer->persistent_keepalive_interval &&
			    netif_running(wg->dev);

		peer->persistent_keepalive_interval = interval;
		/* Open the NAT mapping now, not one interval from now. */
		if (send)
			wg_packet_send_keepalive(peer);
	}

	if (netif_running(wg->dev))
		wg_packet_send_staged_packets(peer);

notify:
	/* A new peer's "added" already tells listeners to read it all. */
	if (ips_changed && !created)
		wg_notify_peer(peer, WG_PEER_EVENT_ALLOWEDIPS_CHANGED,
			       GFP_KERNEL);
out:
	wg_peer_put(peer);
	return ret;
}

static int wg_set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct wg_device *wg;
	struct nlattr *peer;
	int ret, rem;

	wg = wg_lookup_device(genl_info_net(info), attrs, info->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);

	/* The rules that need no device state, before taking any lock. */
	ret = wg_set_check(attrs, info->extack);
	if (ret)
		goto out_put;

	/* RTNL keeps the device's up/down state still while we work. */
	rtnl_lock();
	mutex_lock(&wg->device_update_lock);

	ret = wg_set_check_peer_limit(wg, attrs, info->extack);
	if (ret)
		goto out_unlock;

	/* Any dump running across this request starts over. */
	++wg->device_update_gen;

	/* First the one step that can fail, so failure changes nothing. */
	if (attrs[WGDEVICE_A_LISTEN_PORT]) {
		ret = wg_set_listen_port(wg,
				nla_get_u16(attrs[WGDEVICE_A_LISTEN_PORT]),
				info->extack);
		if (ret)
			goto out_unlock;
	}
	if (attrs[WGDEVICE_A_FWMARK]) {
		u32 fwmark = nla_get_u32(attrs[WGDEVICE_A_FWMARK]);

		if (fwmark != wg->fwmark) {
			wg->fwmark = fwmark;
			/* Cached routes were looked up with the old mark. */
			wg_clear_endpoint_srcs(wg);
		}
	}
	if (attrs[WGDEVICE_A_PRIVATE_KEY])
		wg_set_private_key(wg, nla_data(attrs[WGDEVICE_A_PRIVATE_KEY]));
	if (attrs[WGDEVICE_A_FLAGS] &&
	    (nla_get_u32(attrs[WGDEVICE_A_FLAGS]) & WGDEVICE_F_REPLACE_PEERS))
		wg_replace_peers(wg);
	if (attrs[WGDEVICE_A_PEERS]) {
		nla_for_each_nested(peer, attrs[WGDEVICE_A_PEERS], rem) {
			ret = wg_set_peer(wg, peer);
			if (ret) {
				NL_SET_ERR_MSG_ATTR(info->extack, peer,
						    "could not apply this peer (out of memory?)");
				break;
			}
		}
	}

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
	.mcgrps = wg_mcgrps,
	.n_mcgrps = ARRAY_SIZE(wg_mcgrps),
	.name = WG_GENL_NAME,
	.version = WG_GENL_VERSION,
	.maxattr = WGDEVICE_A_MAX,
	.module = THIS_MODULE,
	.policy = wg_nl_device_policy,
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
