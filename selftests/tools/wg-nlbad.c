// SPDX-License-Identifier: GPL-2.0
/*
 * wg-nlbad: speaks the "wireguard" generic netlink family the way wg(8)
 * never does, for the guest selftests (selftests/netlink.sh).
 *
 *   wg-nlbad bad IFACE            malformed WG_CMD_SET_DEVICE (and a few
 *                                 GET) requests, one line each:
 *                                 "<case> errno=<n> expect=<n|any> msg=<extack>"
 *   wg-nlbad fuzz N SEED IFACE    N random/mutated SET requests; prints a
 *                                 summary; fails only if the kernel stops
 *                                 answering or a dump breaks
 *   wg-nlbad update-only IFACE PUBKEY CIDR
 *                                 a peer with WGPEER_F_UPDATE_ONLY and one
 *                                 allowed-ip
 *   wg-nlbad remove-ips IFACE PUBKEY CIDR...
 *                                 allowed-ips with WGALLOWEDIP_F_REMOVE_ME
 *   wg-nlbad listen IFACE|all     joins the "peers" group; prints
 *                                 "listening", then one line per event:
 *                                 added|removed|allowedips <key>,
 *                                 endpoint <key> <addr>
 *   wg-nlbad genconf NPEERS NIPS [V6]
 *                                 a wg(8) config with NPEERS peers of NIPS
 *                                 IPv4 (and V6 IPv6) /32 allowed-ips each,
 *                                 with deterministic public keys
 *   wg-nlbad dumpstat IFACE       "messages=<n> peer_entries=<n> peers=<n>
 *                                 allowedips=<n> intr=<0|1>" of one dump
 *   wg-nlbad dump-intr IFACE      dumps (a genconf device), and between two
 *                                 messages removes the peer the dump is at
 *                                 and the next one; prints dumpstat's line
 *                                 plus "adjacent=<0|1>"
 *
 * Exit status: 0 on success, 1 on usage or communication errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#include "../../src/uapi.h"

/* Newer than bookworm's UAPI headers; the values are ABI. */
#ifndef WGALLOWEDIP_A_FLAGS
#define WGALLOWEDIP_A_FLAGS 4
#define WGALLOWEDIP_F_REMOVE_ME 1U
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUFSZ (64 * 1024)
#define KEYLEN WG_KEY_LEN

struct nl {
	struct mnl_socket *sk;
	uint16_t family;
	uint32_t group;		/* "peers" multicast group id, 0 if none */
	uint32_t seq;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- base64 (wg's key format) ---- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void key_to_b64(char out[45], const uint8_t key[KEYLEN])
{
	unsigned int i, o = 0, v;

	for (i = 0; i < KEYLEN; i += 3) {
		v = key[i] << 16;
		if (i + 1 < KEYLEN)
			v |= key[i + 1] << 8;
		if (i + 2 < KEYLEN)
			v |= key[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < KEYLEN ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < KEYLEN ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

static bool key_from_b64(uint8_t key[KEYLEN], const char *s)
{
	unsigned int i, o = 0, v = 0, bits = 0;
	const char *p;

	if (strlen(s) != 44 || s[43] != '=')
		return false;
	for (i = 0; i < 43; ++i) {
		p = strchr(b64, s[i]);
		if (!p || !s[i])
			return false;
		v = (v << 6) | (unsigned int)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < KEYLEN)
				key[o++] = (v >> bits) & 0xff;
		}
	}
	return o == KEYLEN;
}

/* The genconf keys: index in the first bytes, a fixed tag after. */
static void genconf_key(uint8_t key[KEYLEN], uint32_t i)
{
	memset(key, 0x5a, KEYLEN);
	key[0] = 0x77;
	key[1] = i >> 24;
	key[2] = i >> 16;
	key[3] = i >> 8;
	key[4] = i;
}

static bool genconf_index(const uint8_t key[KEYLEN], uint32_t *i)
{
	uint8_t want[KEYLEN];

	*i = (uint32_t)key[1] << 24 | key[2] << 16 | key[3] << 8 | key[4];
	genconf_key(want, *i);
	return !memcmp(want, key, KEYLEN);
}

/* ---- netlink plumbing ---- */

static struct nlmsghdr *msg_start(char *buf, uint16_t type, uint16_t flags,
				  uint8_t cmd, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = WG_GENL_VERSION;
	return nlh;
}

struct ack {
	int error;		/* 0 or a negative errno */
	bool got;
	char msg[256];
};

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct ack *a = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) {
		snprintf(a->msg, sizeof(a->msg), "%.*s",
			 (int)mnl_attr_get_payload_len(attr),
			 (const char *)mnl_attr_get_payload(attr));
		/* Drop the terminating NUL the kernel includes, if any. */
		a->msg[strcspn(a->msg, "\n")] = '\0';
	}
	return MNL_CB_OK;
}

/* Parses an NLMSG_ERROR (an ack, or an error with extack TLVs). */
static void parse_ack(const struct nlmsghdr *nlh, struct ack *a)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	a->got = true;
	a->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, off, ack_attr_cb, a);
}

static void nl_open(struct nl *n)
{
	int one = 1;

	memset(n, 0, sizeof(*n));
	n->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!n->sk)
		die("mnl_socket_open");
	if (mnl_socket_bind(n->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		die("mnl_socket_bind");
	mnl_socket_setsockopt(n->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(n->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	n->seq = (uint32_t)time(NULL);
}

/*
 * Sends one request and reads until its ack/error (or, for dumps, until
 * NLMSG_DONE). Data messages go to @cb. Returns 0 or a negative errno;
 * @a gets the extack message. -ETIMEDOUT if the kernel never answers.
 */
static int nl_talk(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data, struct ack *a)
{
	static char buf[BUFSZ];
	struct ack local;
	struct timeval tv = { .tv_sec = 20 };
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t len;

	if (!a)
		a = &local;
	memset(a, 0, sizeof(*a));
	setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (mnl_socket_sendto(n->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *h;
		int rem;

		len = mnl_socket_recvfrom(n->sk, buf, sizeof(buf));
		if (len < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		rem = (int)len;
		for (h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, rem);
		     h = mnl_nlmsg_next(h, &rem)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_ack(h, a);
				return a->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				const int *err = mnl_nlmsg_get_payload(h);

				a->got = true;
				a->error = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
					   *err : 0;
				if (h->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(h, sizeof(int),
						       ack_attr_cb, a);
				return a->error;
			}
			if (cb && cb(h, data) < 0)
				return -EPROTO;
		}
	}
}

static int family_grp_cb(const struct nlattr *attr, void *data)
{
	struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};
	const struct nlattr *a;
	struct nl *n = data;

	mnl_attr_for_each_nested(a, attr)
		if (mnl_attr_get_type(a) <= CTRL_ATTR_MCAST_GRP_MAX)
			tb[mnl_attr_get_type(a)] = (struct nlattr *)a;
	if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
		    WG_MULTICAST_GROUP_PEERS))
		n->group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *n = data;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			n->family = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			mnl_attr_for_each_nested(g, a)
				family_grp_cb(g, n);
	}
	return MNL_CB_OK;
}

static void nl_resolve(struct nl *n)
{
	char buf[256];
	struct nlmsghdr *nlh;
	int ret;

	nlh = msg_start(buf, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY,
			++n->seq);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	ret = nl_talk(n, nlh, family_cb, n, NULL);
	if (ret || !n->family) {
		fprintf(stderr, "wireguard family not found: %s\n",
			strerror(-ret));
		exit(1);
	}
}

/* ---- SET message building ---- */

static struct nlmsghdr *set_start(struct nl *n, char *buf, uint32_t ifindex)
{
	struct nlmsghdr *nlh = msg_start(buf, n->family, NLM_F_ACK,
					 WG_CMD_SET_DEVICE, ++n->seq);

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, ifindex);
	return nlh;
}

static bool parse_cidr(const char *s, uint16_t *family, uint8_t ip[16],
		       uint8_t *cidr)
{
	char tmp[64], *slash;
	long c;

	snprintf(tmp, sizeof(tmp), "%s", s);
	slash = strchr(tmp, '/');
	if (!slash)
		return false;
	*slash++ = '\0';
	c = strtol(slash, NULL, 10);
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, tmp, ip) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, ip) == 1)
		*family = AF_INET6;
	else
		return false;
	*cidr = (uint8_t)c;
	return true;
}

static void put_allowedip(struct nlmsghdr *nlh, uint16_t family,
			  const uint8_t *ip, int iplen, uint8_t cidr,
			  uint32_t flags, bool with_flags)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, iplen, ip);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	if (with_flags)
		mnl_attr_put_u32(nlh, WGALLOWEDIP_A_FLAGS, flags);
	mnl_attr_nest_end(nlh, nest);
}

static uint32_t ifindex_of(const char *iface)
{
	uint32_t i = if_nametoindex(iface);

	if (!i) {
		fprintf(stderr, "%s: no such interface\n", iface);
		exit(1);
	}
	return i;
}

/* ---- bad: malformed requests ---- */

struct bad_case {
	const char *name;
	int expect;	/* errno expected, 0 = any error */
	/* Fills the request after the ifindex (unless it builds its own). */
	void (*build)(struct nl *n, char *buf, struct nlmsghdr **nlh,
		      uint32_t ifindex);
};

static const uint8_t key_a[KEYLEN] = { 0x21, 0x21, 0x21, 0x21, 1 };
static const uint8_t key_b[KEYLEN] = { 0x22, 0x22, 0x22, 0x22, 2 };

static struct nlattr *peer_begin(struct nlmsghdr *nlh, const uint8_t *key)
{
	struct nlattr *p = mnl_attr_nest_start(nlh, 0);

	if (key)
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, KEYLEN, key);
	return p;
}

#define BAD(fn) static void fn(struct nl *n, char *buf, \
			       struct nlmsghdr **nlhp, uint32_t ifindex)
#define SET_BEGIN struct nlmsghdr *nlh = *nlhp = set_start(n, buf, ifindex)
#define PEERS_BEGIN SET_BEGIN; \
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS)
#define PEERS_END mnl_attr_nest_end(nlh, peers)

static void one_ip(struct nlmsghdr *nlh, uint16_t family, int iplen,
		   uint8_t cidr)
{
	static const uint8_t ip[16] = { 10, 0, 0, 0 };
	struct nlattr *ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);

	put_allowedip(nlh, family, ip, iplen, cidr, 0, false);
	mnl_attr_nest_end(nlh, ips);
}

BAD(bad_ip_family)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	one_ip(nlh, AF_PACKET, 4, 8);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_cidr_v4)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	one_ip(nlh, AF_INET, 4, 33);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_cidr_v6)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	one_ip(nlh, AF_INET6, 16, 129);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_v4_addr_inet6)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	one_ip(nlh, AF_INET6, 4, 8);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_v6_addr_inet)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	one_ip(nlh, AF_INET, 16, 8);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_ip_missing_cidr)
{
	static const uint8_t ip[4] = { 10 };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a), *ips, *one;

	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	one = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, 4, ip);
	mnl_attr_nest_end(nlh, one);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_ip_flags)
{
	static const uint8_t ip[4] = { 10 };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a), *ips;

	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowedip(nlh, AF_INET, ip, 4, 8, 0x80, true);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_no_pubkey)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, NULL);

	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 5);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_pubkey_short)
{
	PEERS_BEGIN;
	struct nlattr *p = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, KEYLEN - 1, key_a);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_psk_long)
{
	static const uint8_t psk[KEYLEN + 1];
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, sizeof(psk), psk);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_endpoint_family)
{
	struct sockaddr_in sin = { .sin_family = AF_INET6,
				   .sin_port = htons(1) };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_endpoint_v4_len)
{
	uint8_t raw[20] = {};
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(1) };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	memcpy(raw, &sin, sizeof(sin));
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(raw), raw);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_endpoint_short)
{
	uint8_t raw[8] = { AF_INET };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(raw), raw);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_endpoint_unix)
{
	uint8_t raw[110] = { AF_UNIX };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(raw), raw);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_protocol_version)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 2);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_peer_flags)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, 1U << 7);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_keepalive_u8)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_put_u8(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 5);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_peer_not_nested)
{
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a);

	mnl_attr_nest_end(nlh, p);
	p->nla_type &= ~NLA_F_NESTED;
	PEERS_END;
}

BAD(bad_ips_trailing)
{
	static const uint8_t ip[4] = { 10 };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_a), *ips;

	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowedip(nlh, AF_INET, ip, 4, 8, 0, false);
	/* Two stray bytes after the entry, too short for an attribute. */
	memset(mnl_nlmsg_get_payload_tail(nlh), 0xff, 4);
	nlh->nlmsg_len += 4;
	ips->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) -
				  (char *)ips - 2);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

BAD(bad_peers_garbage)
{
	SET_BEGIN;

	mnl_attr_put_u16(nlh, WGDEVICE_A_PEERS, 0x4141);
}

BAD(bad_private_key_short)
{
	static const uint8_t k[KEYLEN - 1] = { 1 };
	SET_BEGIN;

	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, sizeof(k), k);
}

BAD(bad_device_flags)
{
	SET_BEGIN;

	mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS, 1U << 5);
}

BAD(bad_listen_port_short)
{
	SET_BEGIN;

	mnl_attr_put_u8(nlh, WGDEVICE_A_LISTEN_PORT, 1);
}

BAD(bad_ifname_long)
{
	*nlhp = msg_start(buf, n->family, NLM_F_ACK, WG_CMD_SET_DEVICE,
			  ++n->seq);
	(void)ifindex;
	mnl_attr_put_strz(*nlhp, WGDEVICE_A_IFNAME, "wgwgwgwgwgwgwgwgwgwg0");
}

BAD(bad_both_ifindex_ifname)
{
	char name[IF_NAMESIZE];
	SET_BEGIN;

	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME,
			  if_indextoname(ifindex, name) ?: "wg0");
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 7);
}

BAD(bad_no_device)
{
	*nlhp = msg_start(buf, n->family, NLM_F_ACK, WG_CMD_SET_DEVICE,
			  ++n->seq);
	(void)ifindex;
	mnl_attr_put_u32(*nlhp, WGDEVICE_A_FWMARK, 7);
}

BAD(bad_not_wireguard)
{
	(void)ifindex;
	*nlhp = set_start(n, buf, if_nametoindex("lo"));
	mnl_attr_put_u32(*nlhp, WGDEVICE_A_FWMARK, 7);
}

BAD(bad_no_such_ifindex)
{
	(void)ifindex;
	*nlhp = set_start(n, buf, 0x7ffffff0);
	mnl_attr_put_u32(*nlhp, WGDEVICE_A_FWMARK, 7);
}

/* A good peer, then a bad one: the good one must not be applied. */
BAD(bad_second_peer)
{
	static const uint8_t ip[4] = { 10, 77 };
	PEERS_BEGIN;
	struct nlattr *p = peer_begin(nlh, key_b), *ips;

	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowedip(nlh, AF_INET, ip, 4, 16, 0, false);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	p = peer_begin(nlh, key_a);
	one_ip(nlh, AF_INET, 4, 40);
	mnl_attr_nest_end(nlh, p);
	PEERS_END;
}

/* Device changes and REPLACE_PEERS with a bad peer: nothing applied. */
BAD(bad_device_and_peer)
{
	static const uint8_t priv[KEYLEN] = { 0x48, 1, 2, 3 };
	SET_BEGIN;
	struct nlattr *peers, *p;

	mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, KEYLEN, priv);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 4242);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x4242);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	p = peer_begin(nlh, key_a);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 2);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);
}

BAD(bad_get_both)
{
	char name[IF_NAMESIZE];

	*nlhp = msg_start(buf, n->family, NLM_F_ACK | NLM_F_DUMP,
			  WG_CMD_GET_DEVICE, ++n->seq);
	mnl_attr_put_u32(*nlhp, WGDEVICE_A_IFINDEX, ifindex);
	mnl_attr_put_strz(*nlhp, WGDEVICE_A_IFNAME,
			  if_indextoname(ifindex, name) ?: "wg0");
}

BAD(bad_get_not_wireguard)
{
	(void)ifindex;
	*nlhp = msg_start(buf, n->family, NLM_F_ACK | NLM_F_DUMP,
			  WG_CMD_GET_DEVICE, ++n->seq);
	mnl_attr_put_u32(*nlhp, WGDEVICE_A_IFINDEX, if_nametoindex("lo"));
}

static const struct bad_case bad_cases[] = {
	{ "allowedip-unknown-family", EINVAL, bad_ip_family },
	{ "allowedip-cidr-33", EINVAL, bad_cidr_v4 },
	{ "allowedip-cidr-129", EINVAL, bad_cidr_v6 },
	{ "allowedip-v4-addr-inet6", EINVAL, bad_v4_addr_inet6 },
	{ "allowedip-v6-addr-inet", EINVAL, bad_v6_addr_inet },
	{ "allowedip-missing-cidr", EINVAL, bad_ip_missing_cidr },
	{ "allowedip-unknown-flag", 0, bad_ip_flags },
	{ "allowedips-trailing-bytes", EINVAL, bad_ips_trailing },
	{ "peer-missing-pubkey", EINVAL, bad_no_pubkey },
	{ "peer-pubkey-31", 0, bad_pubkey_short },
	{ "peer-psk-33", 0, bad_psk_long },
	{ "endpoint-v6-family-v4-size", EINVAL, bad_endpoint_family },
	{ "endpoint-v4-wrong-size", EINVAL, bad_endpoint_v4_len },
	{ "endpoint-too-short", 0, bad_endpoint_short },
	{ "endpoint-af-unix", EINVAL, bad_endpoint_unix },
	{ "protocol-version-2", EPROTONOSUPPORT, bad_protocol_version },
	{ "peer-unknown-flag", 0, bad_peer_flags },
	{ "keepalive-u8", 0, bad_keepalive_u8 },
	{ "peer-not-nested", EINVAL, bad_peer_not_nested },
	{ "peers-garbage", 0, bad_peers_garbage },
	{ "private-key-31", 0, bad_private_key_short },
	{ "device-unknown-flag", 0, bad_device_flags },
	{ "listen-port-u8", 0, bad_listen_port_short },
	{ "ifname-too-long", 0, bad_ifname_long },
	{ "both-ifindex-ifname", EBADR, bad_both_ifindex_ifname },
	{ "no-device", EBADR, bad_no_device },
	{ "not-wireguard", EOPNOTSUPP, bad_not_wireguard },
	{ "no-such-ifindex", ENODEV, bad_no_such_ifindex },
	{ "good-then-bad-peer", EINVAL, bad_second_peer },
	{ "device-changes-then-bad-peer", EPROTONOSUPPORT, bad_device_and_peer },
	{ "get-both-ifindex-ifname", EBADR, bad_get_both },
	{ "get-not-wireguard", EOPNOTSUPP, bad_get_not_wireguard },
};

static int ignore_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int cmd_bad(const char *iface)
{
	static char buf[BUFSZ];
	uint32_t ifindex = ifindex_of(iface);
	struct nlmsghdr *nlh;
	struct nl n;
	struct ack a;
	size_t i;
	int ret;

	nl_open(&n);
	nl_resolve(&n);
	for (i = 0; i < ARRAY_SIZE(bad_cases); ++i) {
		memset(buf, 0, sizeof(buf));
		bad_cases[i].build(&n, buf, &nlh, ifindex);
		ret = nl_talk(&n, nlh, ignore_cb, NULL, &a);
		if (bad_cases[i].expect)
			printf("%s errno=%d expect=%d msg=%s\n",
			       bad_cases[i].name, -ret, bad_cases[i].expect,
			       a.msg);
		else
			printf("%s errno=%d expect=any msg=%s\n",
			       bad_cases[i].name, -ret, a.msg);
	}
	mnl_socket_close(n.sk);
	return 0;
}

/* ---- dumps ---- */

struct dumpstat {
	unsigned int messages, peer_entries, peers, allowedips;
	bool intr, adjacent;
	uint8_t last_key[KEYLEN];
	bool have_last;
	/* Every distinct key seen, to catch a peer coming back later. */
	uint8_t (*keys)[KEYLEN];
	unsigned int nkeys, cap;
};

static bool seen_key(struct dumpstat *d, const uint8_t *key)
{
	unsigned int i;

	for (i = 0; i < d->nkeys; ++i)
		if (!memcmp(d->keys[i], key, KEYLEN))
			return true;
	return false;
}

static void dump_peer(struct dumpstat *d, const struct nlattr *peer)
{
	const struct nlattr *a, *ip;
	const uint8_t *key = NULL;

	++d->peer_entries;
	mnl_attr_for_each_nested(a, peer) {
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY &&
		    mnl_attr_get_payload_len(a) == KEYLEN)
			key = mnl_attr_get_payload(a);
		if (mnl_attr_get_type(a) == WGPEER_A_ALLOWEDIPS)
			mnl_attr_for_each_nested(ip, a)
				++d->allowedips;
	}
	if (!key)
		return;
	if (d->have_last && !memcmp(d->last_key, key, KEYLEN))
		return;		/* a continuation: coalesced */
	if (seen_key(d, key))
		d->adjacent = false;	/* split but not adjacent */
	if (d->nkeys == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->keys = realloc(d->keys, d->cap * sizeof(*d->keys));
		if (!d->keys)
			die("realloc");
	}
	memcpy(d->keys[d->nkeys++], key, KEYLEN);
	memcpy(d->last_key, key, KEYLEN);
	d->have_last = true;
	++d->peers;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dumpstat *d = data;
	const struct nlattr *a, *p;

	++d->messages;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		d->intr = true;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == WGDEVICE_A_PEERS)
			mnl_attr_for_each_nested(p, a)
				dump_peer(d, p);
	return MNL_CB_OK;
}

static struct nlmsghdr *get_msg(struct nl *n, char *buf, uint32_t ifindex)
{
	struct nlmsghdr *nlh = msg_start(buf, n->family, NLM_F_DUMP,
					 WG_CMD_GET_DEVICE, ++n->seq);

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, ifindex);
	return nlh;
}

static void print_stat(const struct dumpstat *d)
{
	printf("messages=%u peer_entries=%u peers=%u allowedips=%u intr=%d",
	       d->messages, d->peer_entries, d->peers, d->allowedips, d->intr);
}

static int cmd_dumpstat(const char *iface)
{
	struct dumpstat d = { .adjacent = true };
	char buf[256];
	struct nl n;
	struct ack a;
	int ret;

	nl_open(&n);
	nl_resolve(&n);
	ret = nl_talk(&n, get_msg(&n, buf, ifindex_of(iface)), dump_cb, &d,
		      &a);
	if (ret) {
		fprintf(stderr, "dump: %s %s\n", strerror(-ret), a.msg);
		return 1;
	}
	print_stat(&d);
	printf(" adjacent=%d\n", d.adjacent);
	free(d.keys);
	return 0;
}

/* The last peer key in one received (peeked) batch of dump messages. */
static bool last_key_in(const char *buf, int len, uint8_t key[KEYLEN])
{
	const struct nlmsghdr *h;
	const struct nlattr *a, *p, *k;
	bool found = false;

	for (h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		if (h->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		mnl_attr_for_each(a, h, sizeof(struct genlmsghdr)) {
			if (mnl_attr_get_type(a) != WGDEVICE_A_PEERS)
				continue;
			mnl_attr_for_each_nested(p, a)
				mnl_attr_for_each_nested(k, p)
					if (mnl_attr_get_type(k) ==
					    WGPEER_A_PUBLIC_KEY) {
						memcpy(key,
						       mnl_attr_get_payload(k),
						       KEYLEN);
						found = true;
					}
		}
	}
	return found;
}

static int remove_peers(struct nl *n, uint32_t ifindex,
			const uint8_t (*keys)[KEYLEN], int nkeys)
{
	static char buf[BUFSZ];
	struct nlmsghdr *nlh = set_start(n, buf, ifindex);
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS), *p;
	struct ack a;
	int i, ret;

	for (i = 0; i < nkeys; ++i) {
		p = peer_begin(nlh, keys[i]);
		mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_nest_end(nlh, peers);
	ret = nl_talk(n, nlh, NULL, NULL, &a);
	if (ret)
		fprintf(stderr, "remove: %s %s\n", strerror(-ret), a.msg);
	return ret;
}

/*
 * The kernel produces a dump message when the previous one is read (and
 * the receive buffer has room), so with a tiny receive buffer exactly one
 * message waits ahead of the reader. Peeking at it shows where the
 * kernel's dump stopped: at its last peer or the one after. Removing both
 * makes the next message resume from a removed peer.
 */
static int cmd_dump_intr(const char *iface)
{
	static char rbuf[BUFSZ];
	struct dumpstat d = { .adjacent = true };
	uint32_t ifindex = ifindex_of(iface), idx;
	uint8_t keys[2][KEYLEN];
	int rcvbuf = 1, fd, len, done = 0, err = 0, removed = 0;
	char buf[256];
	struct nlmsghdr *nlh;
	struct nl n, ctl;

	nl_open(&n);
	nl_resolve(&n);
	nl_open(&ctl);
	ctl.family = n.family;
	fd = mnl_socket_get_fd(n.sk);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nlh = get_msg(&n, buf, ifindex);
	if (mnl_socket_sendto(n.sk, nlh, nlh->nlmsg_len) < 0)
		die("send");
	while (!done) {
		const struct nlmsghdr *h;

		if (d.messages == 2 && !removed) {
			len = (int)recv(fd, rbuf, sizeof(rbuf), MSG_PEEK);
			if (len > 0 && last_key_in(rbuf, len, keys[0]) &&
			    genconf_index(keys[0], &idx)) {
				genconf_key(keys[1], idx + 1);
				if (remove_peers(&ctl, ifindex,
						 (const uint8_t (*)[KEYLEN])keys,
						 2))
					return 1;
				removed = 1;
			}
		}
		len = (int)mnl_socket_recvfrom(n.sk, rbuf, sizeof(rbuf));
		if (len < 0)
			die("recv");
		for (h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				err = *(const int *)mnl_nlmsg_get_payload(h);
				done = 1;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((const struct nlmsgerr *)
				       mnl_nlmsg_get_payload(h))->error;
				done = 1;
			} else {
				dump_cb(h, &d);
			}
		}
	}
	print_stat(&d);
	printf(" adjacent=%d removed=%d done=%d\n", d.adjacent, removed, err);
	free(d.keys);
	return 0;
}

/* ---- update-only, remove-ips ---- */

static int cmd_update_only(const char *iface, const char *b64key,
			   const char *cidr_s)
{
	static char buf[BUFSZ];
	uint8_t key[KEYLEN], ip[16], cidr;
	struct nlattr *peers, *p, *ips;
	struct nlmsghdr *nlh;
	uint16_t family;
	struct nl n;
	struct ack a;
	int ret;

	if (!key_from_b64(key, b64key) ||
	    !parse_cidr(cidr_s, &family, ip, &cidr)) {
		fprintf(stderr, "bad key or prefix\n");
		return 1;
	}
	nl_open(&n);
	nl_resolve(&n);
	nlh = set_start(&n, buf, ifindex_of(iface));
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	p = peer_begin(nlh, key);
	mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowedip(nlh, family, ip, family == AF_INET ? 4 : 16, cidr, 0,
		      false);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);
	ret = nl_talk(&n, nlh, NULL, NULL, &a);
	if (ret)
		fprintf(stderr, "set: %s %s\n", strerror(-ret), a.msg);
	return ret ? 1 : 0;
}

static int cmd_remove_ips(const char *iface, const char *b64key, int nips,
			  char **cidrs)
{
	static char buf[BUFSZ];
	uint8_t key[KEYLEN], ip[16], cidr;
	struct nlattr *peers, *p, *ips;
	struct nlmsghdr *nlh;
	uint16_t family;
	struct nl n;
	struct ack a;
	int i, ret;

	if (!key_from_b64(key, b64key)) {
		fprintf(stderr, "bad key\n");
		return 1;
	}
	nl_open(&n);
	nl_resolve(&n);
	nlh = set_start(&n, buf, ifindex_of(iface));
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	p = peer_begin(nlh, key);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	for (i = 0; i < nips; ++i) {
		if (!parse_cidr(cidrs[i], &family, ip, &cidr)) {
			fprintf(stderr, "bad prefix %s\n", cidrs[i]);
			return 1;
		}
		put_allowedip(nlh, family, ip, family == AF_INET ? 4 : 16,
			      cidr, WGALLOWEDIP_F_REMOVE_ME, true);
	}
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);
	ret = nl_talk(&n, nlh, NULL, NULL, &a);
	if (ret)
		fprintf(stderr, "set: %s %s\n", strerror(-ret), a.msg);
	return ret ? 1 : 0;
}

/* ---- listen ---- */

static void format_endpoint(char *out, size_t len, const void *sa,
			    size_t salen)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in6 *s6 = sa;
	const struct sockaddr_in *s4 = sa;

	if (salen == sizeof(*s4) && s4->sin_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(s4->sin_port));
	} else if (salen == sizeof(*s6) && s6->sin6_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		snprintf(out, len, "invalid");
	}
}

struct listen_ctx {
	uint16_t family;
	uint32_t ifindex;	/* 0: all */
};

static int listen_cb(const struct nlmsghdr *nlh, void *data)
{
	static const char *const names[] = {
		[WG_PEER_EVENT_ADDED] = "added",
		[WG_PEER_EVENT_REMOVED] = "removed",
		[WG_PEER_EVENT_ALLOWEDIPS_CHANGED] = "allowedips",
		[WG_PEER_EVENT_ENDPOINT_CHANGED] = "endpoint",
	};
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[WGEVENT_A_MAX + 1] = {}, *a;
	struct listen_ctx *l = data;
	char key[45] = "-", ep[80] = "";
	uint32_t type = 0, ifindex = 0;

	if (nlh->nlmsg_type != l->family || g->cmd != WG_CMD_PEER_EVENT) {
		printf("unexpected type=%u cmd=%u\n", nlh->nlmsg_type, g->cmd);
		return MNL_CB_OK;
	}
	mnl_attr_for_each(a, nlh, sizeof(*g))
		if (mnl_attr_get_type(a) <= WGEVENT_A_MAX)
			tb[mnl_attr_get_type(a)] = a;
	if (tb[WGEVENT_A_TYPE])
		type = mnl_attr_get_u32(tb[WGEVENT_A_TYPE]);
	if (tb[WGEVENT_A_IFINDEX])
		ifindex = mnl_attr_get_u32(tb[WGEVENT_A_IFINDEX]);
	if (l->ifindex && ifindex != l->ifindex)
		return MNL_CB_OK;
	if (tb[WGEVENT_A_PUBLIC_KEY] &&
	    mnl_attr_get_payload_len(tb[WGEVENT_A_PUBLIC_KEY]) == KEYLEN)
		key_to_b64(key, mnl_attr_get_payload(tb[WGEVENT_A_PUBLIC_KEY]));
	if (tb[WGEVENT_A_ENDPOINT]) {
		ep[0] = ' ';
		format_endpoint(ep + 1, sizeof(ep) - 1,
				mnl_attr_get_payload(tb[WGEVENT_A_ENDPOINT]),
				mnl_attr_get_payload_len(tb[WGEVENT_A_ENDPOINT]));
	}
	if (type < ARRAY_SIZE(names) && names[type])
		printf("%s %s%s", names[type], key, ep);
	else
		printf("unknown-%u %s%s", type, key, ep);
	if (!tb[WGEVENT_A_IFNAME] || !tb[WGEVENT_A_IFINDEX])
		printf(" (no ifname/ifindex)");
	printf("\n");
	fflush(stdout);
	return MNL_CB_OK;
}

static int cmd_listen(const char *iface)
{
	static char buf[BUFSZ];
	struct listen_ctx l = { 0 };
	struct nl n;
	ssize_t len;
	int ret;

	nl_open(&n);
	nl_resolve(&n);
	if (!n.group) {
		fprintf(stderr, "no \"%s\" multicast group\n",
			WG_MULTICAST_GROUP_PEERS);
		return 1;
	}
	l.family = n.family;
	if (strcmp(iface, "all"))
		l.ifindex = ifindex_of(iface);
	if (mnl_socket_setsockopt(n.sk, NETLINK_ADD_MEMBERSHIP, &n.group,
				  sizeof(n.group)) < 0)
		die("join group");
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		len = mnl_socket_recvfrom(n.sk, buf, sizeof(buf));
		if (len < 0) {
			if (errno == ENOBUFS) {
				printf("overrun\n");
				fflush(stdout);
				continue;
			}
			die("recv");
		}
		ret = mnl_cb_run(buf, len, 0, 0, listen_cb, &l);
		if (ret < 0)
			die("mnl_cb_run");
	}
}

/* ---- genconf ---- */

static int cmd_genconf(unsigned int npeers, unsigned int nips,
		       unsigned int nips6)
{
	unsigned int p, i, ip = 0;
	uint8_t key[KEYLEN];
	char b[45];

	printf("[Interface]\nListenPort = 0\n");
	for (p = 0; p < npeers; ++p) {
		genconf_key(key, p);
		key_to_b64(b, key);
		printf("\n[Peer]\nPublicKey = %s\nAllowedIPs = ", b);
		/* Distinct /32s from 10.0.0.0/8 upward, in order. */
		for (i = 0; i < nips; ++i, ++ip)
			printf("%s%u.%u.%u.%u/32", i ? ", " : "",
			       10 + (ip >> 24), (ip >> 16) & 255,
			       (ip >> 8) & 255, ip & 255);
		for (i = 0; i < nips6; ++i, ++ip) {
			struct in6_addr a6 = { .s6_addr = { 0xfd } };
			char s6[INET6_ADDRSTRLEN];

			/* Canonical text, exactly as wg(8) will print it. */
			a6.s6_addr[12] = ip >> 24;
			a6.s6_addr[13] = ip >> 16;
			a6.s6_addr[14] = ip >> 8;
			a6.s6_addr[15] = ip;
			inet_ntop(AF_INET6, &a6, s6, sizeof(s6));
			printf("%s%s/128", i || nips ? ", " : "", s6);
		}
		printf("\n");
	}
	return 0;
}

/* ---- fuzz ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the seed, good enough here. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return rnd_below(100) < percent;
}

static void rnd_bytes(void *p, size_t len)
{
	uint8_t *b = p;

	while (len--)
		*b++ = (uint8_t)rnd();
}

/* A few keys, so that sets hit existing peers: update, remove, replace. */
static void pool_key(uint8_t key[KEYLEN])
{
	genconf_key(key, 0x10000 + rnd_below(8));
}

static void fuzz_allowedip(struct nlmsghdr *nlh)
{
	uint8_t ip[16];
	uint16_t family;
	int iplen;

	rnd_bytes(ip, sizeof(ip));
	switch (rnd_below(10)) {
	case 0:
		family = (uint16_t)rnd();
		iplen = (int)rnd_below(17);
		break;
	case 1: case 2: case 3: case 4:
		family = AF_INET;
		iplen = chance(90) ? 4 : (int)rnd_below(17);
		break;
	default:
		family = AF_INET6;
		iplen = chance(90) ? 16 : (int)rnd_below(17);
		break;
	}
	put_allowedip(nlh, family, ip, iplen,
		      (uint8_t)(chance(80) ? rnd_below(family == AF_INET ? 33 : 129)
					   : rnd()),
		      chance(80) ? WGALLOWEDIP_F_REMOVE_ME : rnd(), chance(30));
}

static void fuzz_peer(struct nlmsghdr *nlh)
{
	struct nlattr *p = mnl_attr_nest_start(nlh, 0), *ips;
	uint8_t key[KEYLEN];
	unsigned int i, n;

	if (chance(97)) {
		pool_key(key);
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, KEYLEN, key);
	}
	if (chance(40)) {
		uint32_t f = rnd_below(8);

		/* Removals wait for an RCU grace period: keep them rare. */
		if ((f & WGPEER_F_REMOVE_ME) && chance(70))
			f &= ~WGPEER_F_REMOVE_ME;
		mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, chance(95) ? f : rnd());
	}
	if (chance(30)) {
		rnd_bytes(key, KEYLEN);
		if (chance(30))
			memset(key, 0, KEYLEN);
		mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, KEYLEN, key);
	}
	if (chance(40)) {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in s4 = { .sin_family = AF_INET };
		uint8_t raw[40];

		switch (rnd_below(4)) {
		case 0:
			s4.sin_port = (uint16_t)rnd();
			s4.sin_addr.s_addr = rnd();
			mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(s4), &s4);
			break;
		case 1:
			s6.sin6_port = (uint16_t)rnd();
			rnd_bytes(&s6.sin6_addr, 16);
			mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(s6), &s6);
			break;
		default:
			rnd_bytes(raw, sizeof(raw));
			mnl_attr_put(nlh, WGPEER_A_ENDPOINT,
				     rnd_below(sizeof(raw) + 1), raw);
			break;
		}
	}
	if (chance(30))
		mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				 (uint16_t)rnd_below(3));
	if (chance(10))
		mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION,
				 chance(50) ? 1 : rnd());
	if (chance(5)) {
		uint8_t junk[24];

		rnd_bytes(junk, sizeof(junk));
		mnl_attr_put(nlh, (uint16_t)rnd_below(16),
			     rnd_below(sizeof(junk) + 1), junk);
	}
	if (chance(70)) {
		ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
		n = rnd_below(8);
		for (i = 0; i < n; ++i)
			fuzz_allowedip(nlh);
		mnl_attr_nest_end(nlh, ips);
	}
	mnl_attr_nest_end(nlh, p);
}

static struct nlmsghdr *fuzz_msg(struct nl *n, char *buf, uint32_t ifindex,
				 const char *ifname)
{
	struct nlmsghdr *nlh = msg_start(buf, n->family, NLM_F_ACK,
					 WG_CMD_SET_DEVICE, ++n->seq);
	unsigned int i, npeers, start, len, nflips;
	struct nlattr *peers;
	uint8_t key[KEYLEN];

	if (chance(90))
		mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, ifindex);
	else
		mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	start = nlh->nlmsg_len;

	if (chance(5))
		mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS,
				 chance(90) ? WGDEVICE_F_REPLACE_PEERS : rnd());
	if (chance(5)) {
		rnd_bytes(key, KEYLEN);
		if (chance(30))
			memset(key, 0, KEYLEN);
		mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, KEYLEN, key);
	}
	if (chance(5))
		mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT,
				 (uint16_t)(chance(50) ? 0 : 40000 + rnd_below(16)));
	if (chance(10))
		mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, rnd_below(4));
	if (chance(85)) {
		peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
		npeers = rnd_below(5);
		for (i = 0; i < npeers; ++i)
			fuzz_peer(nlh);
		mnl_attr_nest_end(nlh, peers);
	}

	/* Then corrupt some of them, anywhere after the device's name. */
	len = nlh->nlmsg_len;
	if (len <= start || chance(40))
		return nlh;
	switch (rnd_below(5)) {
	case 0:	/* flip bytes */
		nflips = 1 + rnd_below(4);
		for (i = 0; i < nflips; ++i)
			((uint8_t *)nlh)[start + rnd_below(len - start)] ^=
				(uint8_t)(1 + rnd_below(255));
		break;
	case 1: { /* a length field gone wrong (or any 16 bits, aligned) */
		unsigned int off = start + (rnd_below(len - start) & ~3U);
		uint16_t v = (uint16_t)(chance(50) ? rnd_below(64) : rnd());

		if (off + 2 <= len)
			memcpy((uint8_t *)nlh + off, &v, sizeof(v));
		break;
	}
	case 2:	/* truncated */
		nlh->nlmsg_len = start + rnd_below(len - start);
		break;
	case 3: { /* random trailing bytes */
		unsigned int extra = 1 + rnd_below(64);

		rnd_bytes((uint8_t *)nlh + len, extra);
		nlh->nlmsg_len = len + extra;
		break;
	}
	default: /* a random type byte of some attribute header */
		((uint8_t *)nlh)[start + 2 + (rnd_below(len - start) & ~3U)] =
			(uint8_t)rnd();
		if (nlh->nlmsg_len > len)
			nlh->nlmsg_len = len;
		break;
	}
	return nlh;
}

/*
 * A digest of everything a set request can change, from one full dump: the
 * device's attributes and every peer attribute except the traffic counters
 * and the handshake time (persistent keepalives may move those meanwhile).
 * The dump's layout is a pure function of the configuration, so equal
 * configurations give equal digests.
 */
static void fnv(uint64_t *h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		*h = (*h ^ *b++) * 0x100000001b3ULL;
}

static int digest_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *p, *pa;
	uint64_t *h = data;
	uint16_t type;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != WGDEVICE_A_PEERS) {
			fnv(h, a, a->nla_len);
			continue;
		}
		mnl_attr_for_each_nested(p, a) {
			fnv(h, "peer", 4);
			mnl_attr_for_each_nested(pa, p) {
				type = mnl_attr_get_type(pa);
				if (type == WGPEER_A_RX_BYTES ||
				    type == WGPEER_A_TX_BYTES ||
				    type == WGPEER_A_LAST_HANDSHAKE_TIME)
					continue;
				fnv(h, pa, pa->nla_len);
			}
		}
	}
	return MNL_CB_OK;
}

static int config_digest(struct nl *n, uint32_t ifindex, uint64_t *h)
{
	char gbuf[256];
	struct ack a;

	*h = 0xcbf29ce484222325ULL;
	return nl_talk(n, get_msg(n, gbuf, ifindex), digest_cb, h, &a);
}

/*
 * COUNT random and corrupted set requests. Every answer must come; every
 * rejected request must leave the configuration exactly as it was (the
 * module validates a whole request before it changes anything), which a
 * dump after each rejection checks. Every 100th message a full dump with
 * the resumption checks of dump_cb.
 */
static int cmd_fuzz(unsigned long count, unsigned long seed,
		    const char *iface)
{
	static char buf[BUFSZ];
	uint32_t ifindex = ifindex_of(iface);
	unsigned long i, ok = 0, rejected = 0, dumps = 0;
	unsigned long errs[135] = { 0 }, checked = 0, changed = 0;
	uint64_t before, after;
	char line[1024] = "";
	struct nl n;
	struct ack a;
	int ret, e;

	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	nl_open(&n);
	nl_resolve(&n);
	if (config_digest(&n, ifindex, &before)) {
		fprintf(stderr, "fuzz: cannot dump %s\n", iface);
		return 1;
	}
	for (i = 0; i < count; ++i) {
		memset(buf, 0, 4096);
		ret = nl_talk(&n, fuzz_msg(&n, buf, ifindex, iface), NULL,
			      NULL, &a);
		if (ret == -ETIMEDOUT || !a.got) {
			fprintf(stderr, "fuzz: no answer to message %lu: %s\n",
				i, strerror(-ret));
			return 1;
		}
		if (!ret) {
			++ok;
			/* The new configuration is the baseline from here. */
			if (config_digest(&n, ifindex, &after)) {
				fprintf(stderr, "fuzz: dump failed after %lu\n",
					i);
				return 1;
			}
			/* Proof that the digest sees changes at all. */
			changed += after != before;
			before = after;
		} else {
			++rejected;
			e = -ret;
			++errs[e > 0 && e < 134 ? e : 134];
			ret = config_digest(&n, ifindex, &after);
			if (ret || after != before) {
				fprintf(stderr,
					"fuzz: message %lu rejected (%s, \"%s\") but the configuration changed\n",
					i, strerror(e), a.msg);
				return 1;
			}
			++checked;
		}
		/* The device must stay dumpable throughout. */
		if (i % 100 == 99) {
			struct dumpstat d = { .adjacent = true };
			char gbuf[256];

			ret = nl_talk(&n, get_msg(&n, gbuf, ifindex), dump_cb,
				      &d, &a);
			free(d.keys);
			if (ret || !d.messages) {
				fprintf(stderr, "fuzz: dump failed after %lu: %s %s\n",
					i + 1, strerror(-ret), a.msg);
				return 1;
			}
			++dumps;
		}
	}
	for (e = 1; e < 135; ++e)
		if (errs[e])
			snprintf(line + strlen(line),
				 sizeof(line) - strlen(line), " errno%d=%lu", e,
				 errs[e]);
	printf("fuzz: sent=%lu accepted=%lu (changed the configuration: %lu) rejected=%lu (unchanged after each: %lu) dumps=%lu%s\n",
	       count, ok, changed, rejected, checked, dumps, line);
	mnl_socket_close(n.sk);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: wg-nlbad bad IFACE\n"
		"       wg-nlbad fuzz N SEED IFACE\n"
		"       wg-nlbad update-only IFACE PUBKEY CIDR\n"
		"       wg-nlbad remove-ips IFACE PUBKEY CIDR...\n"
		"       wg-nlbad listen IFACE|all\n"
		"       wg-nlbad genconf NPEERS NIPS [NIPS6]\n"
		"       wg-nlbad dumpstat IFACE\n"
		"       wg-nlbad dump-intr IFACE\n");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "bad") && argc == 3)
		return cmd_bad(argv[2]);
	if (!strcmp(argv[1], "fuzz") && argc == 5)
		return cmd_fuzz(strtoul(argv[2], NULL, 0),
				strtoul(argv[3], NULL, 0), argv[4]);
	if (!strcmp(argv[1], "update-only") && argc == 5)
		return cmd_update_only(argv[2], argv[3], argv[4]);
	if (!strcmp(argv[1], "remove-ips") && argc >= 5)
		return cmd_remove_ips(argv[2], argv[3], argc - 4, argv + 4);
	if (!strcmp(argv[1], "listen") && argc == 3)
		return cmd_listen(argv[2]);
	if (!strcmp(argv[1], "genconf") && (argc == 4 || argc == 5))
		return cmd_genconf(strtoul(argv[2], NULL, 0),
				   strtoul(argv[3], NULL, 0),
				   argc == 5 ? strtoul(argv[4], NULL, 0) : 0);
	if (!strcmp(argv[1], "dumpstat") && argc == 3)
		return cmd_dumpstat(argv[2]);
	if (!strcmp(argv[1], "dump-intr") && argc == 3)
		return cmd_dump_intr(argv[2]);
	usage();
	return 1;
}
