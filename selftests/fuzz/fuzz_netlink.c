// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_netlink: the validation of WG_CMD_SET_DEVICE (src/netlink-check.c)
 * against a plain model of a valid request.
 *
 * The input is the payload of a request after the generic netlink header:
 * a stream of WGDEVICE_A_* attributes. As genetlink does before calling
 * the handler, the harness parses it with wg_nl_device_policy at the
 * strict level (nla_parse() of fuzz_netlink_shim.h), and then runs
 * wg_set_check(), as wg_set_device() does before it takes any lock.
 *
 * Checked on every input:
 *  - a rejection is -EINVAL, -ERANGE or -EPROTONOSUPPORT, carries an
 *    extack message, and its bad attribute, when named, is a whole
 *    attribute of the input; an acceptance leaves the extack empty;
 *  - the verdict is the model's, both ways: the model below, written from
 *    <linux/wireguard.h> with its own walk over the bytes, says which
 *    requests are valid. Every peer has a 32-byte public key; an endpoint
 *    is a sockaddr_in (16 bytes, AF_INET) or a sockaddr_in6 (28 bytes,
 *    AF_INET6); an allowed-ip has a family and is AF_INET with a 4-byte
 *    address and a prefix length of at most 32 or AF_INET6 with 16 bytes
 *    and at most 128; a protocol version, if given, is 1; flags stay
 *    within the UAPI's; keys and timestamps have their exact sizes and
 *    integers their widths; the peer and allowed-ip lists are whole,
 *    padded attributes with nothing after them. Around that, what the
 *    kernel's strict parse requires of any attribute: known types,
 *    NLA_F_NESTED exactly on nests, nothing left over after a stream.
 *    Where a type repeats, each copy must be well formed and the last one
 *    is the one that counts, as for the kernel's parse and for netlink.c,
 *    which reads the parsed table;
 *  - an accepted request is one netlink.c can apply without checking
 *    again: re-parsing each peer and allowed-ip without a policy (as
 *    wg_peer_may_be_new() and wg_set_allowedip() do) or with the peer
 *    policy and no extack (wg_set_peer()) succeeds and finds what those
 *    functions read, in the sizes they copy;
 *  - the input is not written to; ASan and UBSan see every access, and
 *    the shim's getters abort on a value read from a shorter attribute.
 *
 * The seed mode (WG_FUZZ_GEN_SEEDS) writes requests like those of wg(8),
 * valid and near misses, and first runs each through the checks above
 * with its verdict known in advance: the seeds double as known answers
 * for both the code and the model.
 */
#include "netlink-check.h"

#include "fuzz_common.h"

#include <unistd.h>

/* Deep paths: what the seeds alone reach, see at_exit(). */
static struct {
	unsigned long inputs, parsed, accepted, peers, ips4, ips6;
	unsigned long check_rejects;
} deep;

/* ---- The model ---- */

/* One attribute as the model reads it off the bytes. */
struct m_attr {
	const u8 *data;	/* payload */
	size_t len;	/* payload bytes, header and padding excluded */
	unsigned int type;	/* flags removed */
	bool nested;	/* NLA_F_NESTED */
};

/* A list of attributes being read. */
struct m_walk {
	const u8 *p;
	size_t len, pos;
};

static struct m_walk m_walk_of(const struct m_attr *a)
{
	return (struct m_walk){ .p = a->data, .len = a->len };
}

/*
 * The next attribute: a 4-byte header (length including the header, then
 * type), the payload, padding to a multiple of 4. False where no whole
 * attribute starts.
 */
static bool m_next(struct m_walk *w, struct m_attr *a)
{
	u16 len, type;

	if (w->pos >= w->len || w->len - w->pos < 4)
		return false;
	memcpy(&len, w->p + w->pos, 2);
	memcpy(&type, w->p + w->pos + 2, 2);
	if (len < 4 || len > w->len - w->pos)
		return false;
	a->data = w->p + w->pos + 4;
	a->len = len - 4;
	a->type = type & 0x3fff;
	a->nested = type & 0x8000;
	w->pos += (len + 3u) & ~3u;
	return true;
}

/* After the last attribute: no bytes left, or only its missing padding. */
static bool m_end_of_stream(const struct m_walk *w)
{
	return w->pos >= w->len;
}

/* After the last element of a nested list: exactly the end. */
static bool m_end_of_list(const struct m_walk *w)
{
	return w->pos == w->len;
}

static u64 m_uint(const struct m_attr *a)
{
	u64 v = 0;

	memcpy(&v, a->data, a->len < 8 ? a->len : 8);	/* little-endian */
	return v;
}

static bool m_int(const struct m_attr *a, size_t width)
{
	return !a->nested && a->len == width;
}

static bool m_flags(const struct m_attr *a, u32 known)
{
	return m_int(a, 4) && !(m_uint(a) & ~(u64)known);
}

static bool m_bytes(const struct m_attr *a, size_t min, size_t max)
{
	return !a->nested && a->len >= min && a->len <= max;
}

static bool m_nest(const struct m_attr *a)
{
	return a->nested && (a->len == 0 || a->len >= 4);
}

/*
 * An interface name: at most IFNAMSIZ bytes holding a NUL, and when all
 * IFNAMSIZ are used, the NUL is the last one.
 */
static bool m_ifname(const struct m_attr *a)
{
	if (a->nested || !a->len || a->len > IFNAMSIZ)
		return false;
	if (a->len == IFNAMSIZ)
		return a->data[IFNAMSIZ - 1] == 0;
	return !!memchr(a->data, 0, a->len);
}

static u16 m_family(const u8 *p)
{
	u16 f;

	memcpy(&f, p, 2);
	return f;
}

struct m_count {
	unsigned long peers, ips4, ips6;
};

static bool m_allowedip(const struct m_attr *ip, struct m_count *n)
{
	struct m_attr a, family = {}, addr = {}, cidr = {};
	struct m_walk w = m_walk_of(ip);
	bool ok;

	if (!ip->nested)
		return false;
	while (m_next(&w, &a)) {
		switch (a.type) {
		case WGALLOWEDIP_A_FAMILY:
			ok = m_int(&a, 2);
			family = a;
			break;
		case WGALLOWEDIP_A_IPADDR:
			ok = m_bytes(&a, 4, SIZE_MAX);
			addr = a;
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			ok = m_int(&a, 1);
			cidr = a;
			break;
		case WGALLOWEDIP_A_FLAGS:
			ok = m_flags(&a, WGALLOWEDIP_F_REMOVE_ME);
			break;
		default:
			ok = false;
		}
		if (!ok)
			return false;
	}
	if (!m_end_of_stream(&w) || !family.data || !addr.data || !cidr.data)
		return false;
	if (m_uint(&family) == AF_INET && addr.len == 4 &&
	    m_uint(&cidr) <= 32) {
		++n->ips4;
		return true;
	}
	if (m_uint(&family) == AF_INET6 && addr.len == 16 &&
	    m_uint(&cidr) <= 128) {
		++n->ips6;
		return true;
	}
	return false;
}

static bool m_peer(const struct m_attr *peer, struct m_count *n)
{
	struct m_attr a, key = {}, endpoint = {}, version = {}, ips = {};
	struct m_walk w = m_walk_of(peer);
	bool ok;

	if (!peer->nested)
		return false;
	while (m_next(&w, &a)) {
		switch (a.type) {
		case WGPEER_A_PUBLIC_KEY:
			ok = m_bytes(&a, WG_KEY_LEN, WG_KEY_LEN);
			key = a;
			break;
		case WGPEER_A_PRESHARED_KEY:
			ok = m_bytes(&a, WG_KEY_LEN, WG_KEY_LEN);
			break;
		case WGPEER_A_FLAGS:
			ok = m_flags(&a, WGPEER_F_REMOVE_ME |
					 WGPEER_F_REPLACE_ALLOWEDIPS |
					 WGPEER_F_UPDATE_ONLY);
			break;
		case WGPEER_A_ENDPOINT:
			/* At least a struct sockaddr, whatever else it is. */
			ok = m_bytes(&a, 16, SIZE_MAX);
			endpoint = a;
			break;
		case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			ok = m_int(&a, 2);
			break;
		case WGPEER_A_LAST_HANDSHAKE_TIME:
			/* struct __kernel_timespec: two 64-bit fields. */
			ok = m_bytes(&a, 16, 16);
			break;
		case WGPEER_A_RX_BYTES:
		case WGPEER_A_TX_BYTES:
			ok = m_int(&a, 8);
			break;
		case WGPEER_A_ALLOWEDIPS:
			ok = m_nest(&a);
			ips = a;
			break;
		case WGPEER_A_PROTOCOL_VERSION:
			ok = m_int(&a, 4);
			version = a;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return false;
	}
	if (!m_end_of_stream(&w) || !key.data)
		return false;
	if (version.data && m_uint(&version) != 1)
		return false;
	if (endpoint.data &&
	    !(endpoint.len == 16 && m_family(endpoint.data) == AF_INET) &&
	    !(endpoint.len == 28 && m_family(endpoint.data) == AF_INET6))
		return false;
	if (ips.data) {
		w = m_walk_of(&ips);
		while (m_next(&w, &a))
			if (!m_allowedip(&a, n))
				return false;
		if (!m_end_of_list(&w))
			return false;
	}
	++n->peers;
	return true;
}

/* Whether the request is valid; @n counts what it holds if it is. */
static bool m_request(const u8 *p, size_t len, struct m_count *n)
{
	struct m_walk w = { .p = p, .len = len };
	struct m_attr a, peers = {};
	bool ok;

	while (m_next(&w, &a)) {
		switch (a.type) {
		case WGDEVICE_A_IFINDEX:
		case WGDEVICE_A_FWMARK:
			ok = m_int(&a, 4);
			break;
		case WGDEVICE_A_IFNAME:
			ok = m_ifname(&a);
			break;
		case WGDEVICE_A_PRIVATE_KEY:
		case WGDEVICE_A_PUBLIC_KEY:
			ok = m_bytes(&a, WG_KEY_LEN, WG_KEY_LEN);
			break;
		case WGDEVICE_A_FLAGS:
			ok = m_flags(&a, WGDEVICE_F_REPLACE_PEERS);
			break;
		case WGDEVICE_A_LISTEN_PORT:
			ok = m_int(&a, 2);
			break;
		case WGDEVICE_A_PEERS:
			ok = m_nest(&a);
			peers = a;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return false;
	}
	if (!m_end_of_stream(&w))
		return false;
	if (!peers.data)
		return true;
	w = m_walk_of(&peers);
	while (m_next(&w, &a))
		if (!m_peer(&a, n))
			return false;
	return m_end_of_list(&w);
}

/* ---- The code under test ---- */

static bool inside(const u8 *buf, size_t size, const struct nlattr *nla)
{
	const u8 *p = (const u8 *)nla;

	if (p < buf || p > buf + size || (size_t)(buf + size - p) < 4 ||
	    (p - buf) % 4)
		return false;
	return nla->nla_len >= 4 && nla->nla_len <= (size_t)(buf + size - p);
}

/* What netlink.c's apply path reads from an accepted request. */
static void check_applicable(struct nlattr **attrs)
{
	struct nlattr *peer, *ip, *tb[WGPEER_A_MAX + 1];
	struct nlattr *itb[WGALLOWEDIP_A_MAX + 1];
	struct wg_nl_allowedip rd;
	int rem, irem, len;
	bool remove;
	u16 family;

	if (!attrs[WGDEVICE_A_PEERS])
		return;
	nla_for_each_nested(peer, attrs[WGDEVICE_A_PEERS], rem) {
		FUZZ_ASSERT(!nla_parse_nested(tb, WGPEER_A_MAX, peer,
					      wg_nl_peer_policy, NULL));
		FUZZ_ASSERT(!nla_parse_nested(tb, WGPEER_A_MAX, peer, NULL,
					      NULL));
		FUZZ_ASSERT(tb[WGPEER_A_PUBLIC_KEY] &&
			    nla_len(tb[WGPEER_A_PUBLIC_KEY]) == WG_KEY_LEN);
		if (tb[WGPEER_A_ENDPOINT]) {
			len = nla_len(tb[WGPEER_A_ENDPOINT]);
			FUZZ_ASSERT(len == sizeof(struct sockaddr_in) ||
				    len == sizeof(struct sockaddr_in6),
				    "endpoint of %d bytes", len);
		}
		if (!tb[WGPEER_A_ALLOWEDIPS])
			continue;
		nla_for_each_nested(ip, tb[WGPEER_A_ALLOWEDIPS], irem) {
			/* The apply path's own reader, against nla_parse(). */
			FUZZ_ASSERT(!nla_parse_nested(itb, WGALLOWEDIP_A_MAX,
						      ip, NULL, NULL));
			FUZZ_ASSERT(itb[WGALLOWEDIP_A_FAMILY] &&
				    itb[WGALLOWEDIP_A_IPADDR] &&
				    itb[WGALLOWEDIP_A_CIDR_MASK]);
			family = nla_get_u16(itb[WGALLOWEDIP_A_FAMILY]);
			len = nla_len(itb[WGALLOWEDIP_A_IPADDR]);
			remove = itb[WGALLOWEDIP_A_FLAGS] &&
				 (nla_get_u32(itb[WGALLOWEDIP_A_FLAGS]) &
				  WGALLOWEDIP_F_REMOVE_ME);
			wg_read_allowedip(ip, &rd);
			FUZZ_ASSERT(rd.family == family);
			FUZZ_ASSERT(rd.addr ==
				    nla_data(itb[WGALLOWEDIP_A_IPADDR]));
			FUZZ_ASSERT(rd.cidr ==
				    nla_get_u8(itb[WGALLOWEDIP_A_CIDR_MASK]));
			FUZZ_ASSERT(rd.remove == remove);
			FUZZ_ASSERT((family == AF_INET && len == 4) ||
				    (family == AF_INET6 && len == 16),
				    "family %u, %d-byte address", family, len);
			FUZZ_ASSERT(rd.cidr <= (family == AF_INET ? 32 : 128));
		}
		FUZZ_ASSERT(irem == 0);
	}
	FUZZ_ASSERT(rem == 0);
}

/* One request; returns the verdict (0 or the errno). */
static int run_request(const u8 *data, size_t size)
{
	struct nlattr *attrs[WGDEVICE_A_MAX + 1];
	struct netlink_ext_ack ack = {};
	struct m_count n = {};
	bool valid;
	u8 *buf;
	int ret;

	/* Our own copy, exactly sized: ASan sees any read past it. */
	buf = malloc(size ? size : 1);
	FUZZ_ASSERT(buf);
	memcpy(buf, data, size);

	++deep.inputs;
	ret = nla_parse(attrs, WGDEVICE_A_MAX, (const struct nlattr *)buf,
			(int)size, wg_nl_device_policy, &ack);
	if (!ret) {
		++deep.parsed;
		ret = wg_set_check(attrs, &ack);
		if (ret)
			++deep.check_rejects;
	}

	valid = m_request(data, size, &n);
	FUZZ_ASSERT(valid == !ret,
		    "the code %s (%s), the model says %s",
		    ret ? "rejects" : "accepts", ret ? ack._msg : "-",
		    valid ? "valid" : "invalid");
	if (valid) {
		++deep.accepted;
		deep.peers += n.peers;
		deep.ips4 += n.ips4;
		deep.ips6 += n.ips6;
	}

	if (ret) {
		FUZZ_ASSERT(ret == -EINVAL || ret == -ERANGE ||
			    ret == -EPROTONOSUPPORT, "errno %d", -ret);
		FUZZ_ASSERT(ack._msg && *ack._msg,
			    "rejected (%d) without an extack message", ret);
		FUZZ_ASSERT(!ack.bad_attr || inside(buf, size, ack.bad_attr),
			    "bad attribute %p outside the input [%p, +%zu) (%s)",
			    (const void *)ack.bad_attr, (const void *)buf, size,
			    ack._msg);
	} else {
		FUZZ_ASSERT(!ack._msg && !ack.bad_attr,
			    "accepted with an extack message: %s", ack._msg);
		check_applicable(attrs);
	}

	FUZZ_ASSERT(!memcmp(buf, data, size), "the input was written to");
	free(buf);
	return ret;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	/* A request's payload; the API's lengths are ints. */
	if (size > 65536)
		return 0;
	run_request(data, size);
	return 0;
}

/* ---- Seeds ---- */

struct nl_builder {
	u8 buf[4096];
	size_t len;
};

static void b_room(struct nl_builder *b, size_t len)
{
	if (b->len + len > sizeof(b->buf)) {
		fprintf(stderr, "fuzz_netlink: seed too large\n");
		exit(1);
	}
}

/* An attribute; @pad false leaves out its padding (a sloppy sender). */
static void b_put_pad(struct nl_builder *b, u16 type, const void *data,
		      size_t len, bool pad)
{
	struct nlattr h = { .nla_len = (u16)(4 + len), .nla_type = type };
	size_t total = pad ? NLA_ALIGN(4 + len) : 4 + len;

	b_room(b, NLA_ALIGN(4 + len));
	memset(b->buf + b->len, 0, total);
	memcpy(b->buf + b->len, &h, 4);
	if (len)
		memcpy(b->buf + b->len + 4, data, len);
	b->len += total;
}

static void b_put(struct nl_builder *b, u16 type, const void *data,
		  size_t len)
{
	b_put_pad(b, type, data, len, true);
}

static void b_u8(struct nl_builder *b, u16 type, u8 v)
{
	b_put(b, type, &v, 1);
}

static void b_u16(struct nl_builder *b, u16 type, u16 v)
{
	b_put(b, type, &v, 2);
}

static void b_u32(struct nl_builder *b, u16 type, u32 v)
{
	b_put(b, type, &v, 4);
}

static void b_u64(struct nl_builder *b, u16 type, u64 v)
{
	b_put(b, type, &v, 8);
}

static void b_key(struct nl_builder *b, u16 type, u8 seed)
{
	u8 key[WG_KEY_LEN];
	int i;

	for (i = 0; i < WG_KEY_LEN; ++i)
		key[i] = (u8)(seed * 37 + i * 11);
	b_put(b, type, key, sizeof(key));
}

/* Opens a nest (NLA_F_NESTED unless @flag is false); see b_end(). */
static size_t b_nest_flag(struct nl_builder *b, u16 type, bool flag)
{
	size_t at = b->len;

	b_put(b, type | (flag ? NLA_F_NESTED : 0), NULL, 0);
	return at;
}

static size_t b_nest(struct nl_builder *b, u16 type)
{
	return b_nest_flag(b, type, true);
}

static void b_end(struct nl_builder *b, size_t at)
{
	u16 len = (u16)(b->len - at);

	memcpy(b->buf + at, &len, 2);
}

static void b_ip4(struct nl_builder *b, u8 a, u8 b1, u8 c, u8 d, u8 cidr)
{
	u8 addr[4] = { a, b1, c, d };
	size_t ip = b_nest(b, 0);

	b_u16(b, WGALLOWEDIP_A_FAMILY, AF_INET);
	b_put(b, WGALLOWEDIP_A_IPADDR, addr, sizeof(addr));
	b_u8(b, WGALLOWEDIP_A_CIDR_MASK, cidr);
	b_end(b, ip);
}

static void b_ip6(struct nl_builder *b, u8 first, u8 last, u8 cidr)
{
	u8 addr[16] = { first, 0x01, 0x0d, 0xb8 };
	size_t ip = b_nest(b, 0);

	addr[15] = last;
	b_u16(b, WGALLOWEDIP_A_FAMILY, AF_INET6);
	b_put(b, WGALLOWEDIP_A_IPADDR, addr, sizeof(addr));
	b_u8(b, WGALLOWEDIP_A_CIDR_MASK, cidr);
	b_end(b, ip);
}

static void b_endpoint4(struct nl_builder *b, u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(0xc0000201),
	};

	b_put(b, WGPEER_A_ENDPOINT, &sin, sizeof(sin));
}

static void b_endpoint6(struct nl_builder *b, u16 port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
	};

	sin6.sin6_addr.s6_addr[0] = 0x20;
	sin6.sin6_addr.s6_addr[1] = 0x01;
	sin6.sin6_addr.s6_addr[15] = 7;
	b_put(b, WGPEER_A_ENDPOINT, &sin6, sizeof(sin6));
}

/* The device part of a wg(8) setconf. */
static void b_device(struct nl_builder *b)
{
	b_put(b, WGDEVICE_A_IFNAME, "wg0", 4);
	b_key(b, WGDEVICE_A_PRIVATE_KEY, 1);
	b_u16(b, WGDEVICE_A_LISTEN_PORT, 51820);
	b_u32(b, WGDEVICE_A_FWMARK, 0x1234);
	b_u32(b, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
}

/* A full peer as wg(8) sends it. */
static void b_full_peer(struct nl_builder *b, u8 seed)
{
	size_t peer = b_nest(b, 0), ips;

	b_key(b, WGPEER_A_PUBLIC_KEY, seed);
	b_key(b, WGPEER_A_PRESHARED_KEY, seed + 100);
	b_u32(b, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
	if (seed & 1)
		b_endpoint6(b, 51820 + seed);
	else
		b_endpoint4(b, 51820 + seed);
	b_u16(b, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	b_u32(b, WGPEER_A_PROTOCOL_VERSION, 1);
	ips = b_nest(b, WGPEER_A_ALLOWEDIPS);
	b_ip4(b, 10, seed, 0, 0, 24);
	b_ip6(b, 0xfd, seed, 64);
	b_end(b, ips);
	b_end(b, peer);
}

/*
 * A request with one peer, whose allowed-ips hold one v4 /24; each near
 * miss changes one thing of it (@what), from the list below.
 */
enum miss {
	MISS_NONE,
	MISS_CIDR4_33,
	MISS_CIDR6_129,
	MISS_ADDR4_16,
	MISS_ADDR6_4,
	MISS_FAMILY,
	MISS_NO_CIDR,
	MISS_IP_FLAGS,
	MISS_IPS_TRAILING,
	MISS_IP_NOT_NESTED,
	MISS_ENDPOINT_LONG,
	MISS_ENDPOINT_FAMILY,
	MISS_ENDPOINT_SHORT,
	MISS_VERSION_2,
	MISS_NO_KEY,
	MISS_KEY_31,
	MISS_PEER_FLAGS,
	MISS_PEER_UNKNOWN,
	MISS_PEER_NOT_NESTED,
	MISS_PEERS_TRAILING,
	MISS_PEERS_NOT_NESTED,
	MISS_PORT_4,
	MISS_IFNAME_NO_NUL,
	MISS_DEVICE_FLAGS,
	MISS_DEVICE_UNKNOWN,
	MISS_TRAILING,
	MISS_KEEPALIVE_NESTED,
	MISS_PEER_UNPADDED,
	NMISS
};

static const char *const miss_names[NMISS] = {
	[MISS_NONE] = "peer",
	[MISS_CIDR4_33] = "cidr4-33",
	[MISS_CIDR6_129] = "cidr6-129",
	[MISS_ADDR4_16] = "addr4-16-bytes",
	[MISS_ADDR6_4] = "addr6-4-bytes",
	[MISS_FAMILY] = "family-unknown",
	[MISS_NO_CIDR] = "allowedip-no-cidr",
	[MISS_IP_FLAGS] = "allowedip-flags-reserved",
	[MISS_IPS_TRAILING] = "allowedips-trailing",
	[MISS_IP_NOT_NESTED] = "allowedip-not-nested",
	[MISS_ENDPOINT_LONG] = "endpoint-20-bytes",
	[MISS_ENDPOINT_FAMILY] = "endpoint-family",
	[MISS_ENDPOINT_SHORT] = "endpoint-8-bytes",
	[MISS_VERSION_2] = "version-2",
	[MISS_NO_KEY] = "peer-no-key",
	[MISS_KEY_31] = "peer-key-31-bytes",
	[MISS_PEER_FLAGS] = "peer-flags-reserved",
	[MISS_PEER_UNKNOWN] = "peer-unknown-attr",
	[MISS_PEER_NOT_NESTED] = "peer-not-nested",
	[MISS_PEERS_TRAILING] = "peers-trailing",
	[MISS_PEERS_NOT_NESTED] = "peers-not-nested",
	[MISS_PORT_4] = "port-4-bytes",
	[MISS_IFNAME_NO_NUL] = "ifname-no-nul",
	[MISS_DEVICE_FLAGS] = "device-flags-reserved",
	[MISS_DEVICE_UNKNOWN] = "device-unknown-attr",
	[MISS_TRAILING] = "trailing",
	[MISS_KEEPALIVE_NESTED] = "keepalive-nested-flag",
	[MISS_PEER_UNPADDED] = "peer-unpadded-in-list",
};

static void b_near_miss(struct nl_builder *b, enum miss what)
{
	static const u8 junk[3] = { 1, 2, 3 };
	u8 addr[WG_KEY_LEN] = { 10, 0, 0, 0 };
	size_t peers, peer, ips, ip;

	if (what == MISS_IFNAME_NO_NUL)
		b_put(b, WGDEVICE_A_IFNAME, "wg0", 3);
	else
		b_put(b, WGDEVICE_A_IFNAME, "wg0", 4);
	if (what == MISS_PORT_4)
		b_u32(b, WGDEVICE_A_LISTEN_PORT, 51820);
	if (what == MISS_DEVICE_FLAGS)
		b_u32(b, WGDEVICE_A_FLAGS, 1u << 5);
	if (what == MISS_DEVICE_UNKNOWN)
		b_u32(b, WGDEVICE_A_MAX + 1, 0);

	peers = b_nest_flag(b, WGDEVICE_A_PEERS, what != MISS_PEERS_NOT_NESTED);
	peer = b_nest_flag(b, 0, what != MISS_PEER_NOT_NESTED);
	if (what == MISS_KEY_31)
		b_put(b, WGPEER_A_PUBLIC_KEY, addr, 31);
	else if (what != MISS_NO_KEY)
		b_key(b, WGPEER_A_PUBLIC_KEY, 9);
	if (what == MISS_PEER_FLAGS)
		b_u32(b, WGPEER_A_FLAGS, 1u << 3);
	if (what == MISS_PEER_UNKNOWN)
		b_u32(b, WGPEER_A_MAX + 1, 0);
	if (what == MISS_VERSION_2)
		b_u32(b, WGPEER_A_PROTOCOL_VERSION, 2);
	if (what == MISS_KEEPALIVE_NESTED)
		b_u16(b, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL | NLA_F_NESTED,
		      25);
	if (what == MISS_ENDPOINT_LONG) {
		struct sockaddr_in sin[2] = { { .sin_family = AF_INET } };

		b_put(b, WGPEER_A_ENDPOINT, sin, 20);
	} else if (what == MISS_ENDPOINT_FAMILY) {
		struct sockaddr_in sin = { .sin_family = AF_INET6 };

		b_put(b, WGPEER_A_ENDPOINT, &sin, sizeof(sin));
	} else if (what == MISS_ENDPOINT_SHORT) {
		b_put(b, WGPEER_A_ENDPOINT, addr, 8);
	} else {
		b_endpoint4(b, 51820);
	}

	ips = b_nest(b, WGPEER_A_ALLOWEDIPS);
	ip = b_nest_flag(b, 0, what != MISS_IP_NOT_NESTED);
	if (what == MISS_CIDR6_129 || what == MISS_ADDR4_16 ||
	    what == MISS_ADDR6_4) {
		b_u16(b, WGALLOWEDIP_A_FAMILY,
		      what == MISS_ADDR4_16 ? AF_INET : AF_INET6);
		b_put(b, WGALLOWEDIP_A_IPADDR, addr,
		      what == MISS_ADDR6_4 ? 4 : 16);
	} else {
		b_u16(b, WGALLOWEDIP_A_FAMILY,
		      what == MISS_FAMILY ? AF_UNIX : AF_INET);
		b_put(b, WGALLOWEDIP_A_IPADDR, addr, 4);
	}
	if (what == MISS_CIDR4_33)
		b_u8(b, WGALLOWEDIP_A_CIDR_MASK, 33);
	else if (what == MISS_CIDR6_129)
		b_u8(b, WGALLOWEDIP_A_CIDR_MASK, 129);
	else if (what != MISS_NO_CIDR)
		b_u8(b, WGALLOWEDIP_A_CIDR_MASK, 24);
	if (what == MISS_IP_FLAGS)
		b_u32(b, WGALLOWEDIP_A_FLAGS, 2);
	b_end(b, ip);
	if (what == MISS_IPS_TRAILING) {
		memcpy(b->buf + b->len, junk, sizeof(junk));
		b->len += sizeof(junk);
	}
	b_end(b, ips);
	/*
	 * Its last attribute unpadded, and the peer and the list ending
	 * there: the list does not end on an attribute boundary.
	 */
	if (what == MISS_PEER_UNPADDED)
		b_put_pad(b, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, addr, 2,
			  false);
	b_end(b, peer);
	if (what == MISS_PEERS_TRAILING) {
		memcpy(b->buf + b->len, junk, sizeof(junk));
		b->len += sizeof(junk);
	}
	b_end(b, peers);
	if (what == MISS_TRAILING) {
		memcpy(b->buf + b->len, junk, sizeof(junk));
		b->len += sizeof(junk);
	}
}

/* Runs a seed through every check, requiring its known verdict. */
static void checked_seed(const char *dir, const char *name,
			 const struct nl_builder *b, bool valid)
{
	int ret = run_request(b->buf, b->len);

	if (valid != !ret) {
		fprintf(stderr, "fuzz_netlink: seed %s %s, expected %s\n",
			name, ret ? "rejected" : "accepted",
			valid ? "valid" : "invalid");
		exit(1);
	}
	fuzz_write_seed(dir, name, b->buf, b->len);
}

static void gen_seeds(const char *dir)
{
	const struct __kernel_timespec handshake = { 1700000000, 5 };
	struct nl_builder b;
	size_t peers, peer, ips;
	int i;

	/* Valid requests. */
	b = (struct nl_builder){};
	b_device(&b);
	peers = b_nest(&b, WGDEVICE_A_PEERS);
	b_full_peer(&b, 1);
	b_full_peer(&b, 2);
	b_end(&b, peers);
	checked_seed(dir, "setconf", &b, true);

	b = (struct nl_builder){};
	b_u32(&b, WGDEVICE_A_IFINDEX, 7);
	checked_seed(dir, "ifindex", &b, true);

	b = (struct nl_builder){};
	b_put(&b, WGDEVICE_A_IFNAME, "wg-fifteen-char", 16);
	b_end(&b, b_nest(&b, WGDEVICE_A_PEERS));
	checked_seed(dir, "peers-empty", &b, true);

	/* Removal, update-only, and what a dump echoes back. */
	b = (struct nl_builder){};
	b_put(&b, WGDEVICE_A_IFNAME, "wg0", 4);
	peers = b_nest(&b, WGDEVICE_A_PEERS);
	peer = b_nest(&b, 0);
	b_key(&b, WGPEER_A_PUBLIC_KEY, 3);
	b_u32(&b, WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME);
	b_end(&b, peer);
	peer = b_nest(&b, 0);
	b_key(&b, WGPEER_A_PUBLIC_KEY, 4);
	b_u32(&b, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY);
	b_end(&b, b_nest(&b, WGPEER_A_ALLOWEDIPS));
	b_end(&b, peer);
	peer = b_nest(&b, 0);
	b_key(&b, WGPEER_A_PUBLIC_KEY, 5);
	b_put(&b, WGPEER_A_LAST_HANDSHAKE_TIME, &handshake, sizeof(handshake));
	b_u64(&b, WGPEER_A_RX_BYTES, 1234567);
	b_u64(&b, WGPEER_A_TX_BYTES, 7654321);
	b_endpoint6(&b, 1);
	b_end(&b, peer);
	b_end(&b, peers);
	checked_seed(dir, "remove-update-echo", &b, true);

	/* Prefix lengths at their bounds, and an allowed-ip removal. */
	b = (struct nl_builder){};
	b_u32(&b, WGDEVICE_A_IFINDEX, 3);
	peers = b_nest(&b, WGDEVICE_A_PEERS);
	peer = b_nest(&b, 0);
	b_key(&b, WGPEER_A_PUBLIC_KEY, 6);
	ips = b_nest(&b, WGPEER_A_ALLOWEDIPS);
	b_ip4(&b, 0, 0, 0, 0, 0);
	b_ip4(&b, 192, 168, 7, 1, 32);
	b_ip6(&b, 0, 0, 0);
	b_ip6(&b, 0x20, 9, 128);
	{
		size_t ip = b_nest(&b, 0);
		u8 addr[4] = { 172, 16, 0, 0 };

		b_u16(&b, WGALLOWEDIP_A_FAMILY, AF_INET);
		b_put(&b, WGALLOWEDIP_A_IPADDR, addr, 4);
		b_u8(&b, WGALLOWEDIP_A_CIDR_MASK, 12);
		b_u32(&b, WGALLOWEDIP_A_FLAGS, WGALLOWEDIP_F_REMOVE_ME);
		b_end(&b, ip);
	}
	b_end(&b, ips);
	b_end(&b, peer);
	b_end(&b, peers);
	checked_seed(dir, "allowedip-bounds", &b, true);

	/* Many peers: the size of a real configuration's first message. */
	b = (struct nl_builder){};
	b_device(&b);
	peers = b_nest(&b, WGDEVICE_A_PEERS);
	for (i = 0; i < 20; ++i)
		b_full_peer(&b, (u8)(10 + i));
	b_end(&b, peers);
	checked_seed(dir, "many-peers", &b, true);

	/* The last top-level attribute unpadded: the parse allows that. */
	b = (struct nl_builder){};
	b_u32(&b, WGDEVICE_A_FWMARK, 1);
	b_put_pad(&b, WGDEVICE_A_LISTEN_PORT, "\x01\x02", 2, false);
	checked_seed(dir, "unpadded-tail", &b, true);

	/* Repeated attributes: the last one counts, all must be well formed. */
	b = (struct nl_builder){};
	peers = b_nest(&b, WGDEVICE_A_PEERS);
	peer = b_nest(&b, 0);
	b_end(&b, peer);	/* no key: but this list is replaced below */
	b_end(&b, peers);
	peers = b_nest(&b, WGDEVICE_A_PEERS);
	peer = b_nest(&b, 0);
	b_key(&b, WGPEER_A_PUBLIC_KEY, 7);
	b_u32(&b, WGPEER_A_PROTOCOL_VERSION, 3);
	b_u32(&b, WGPEER_A_PROTOCOL_VERSION, 1);
	b_end(&b, peer);
	b_end(&b, peers);
	checked_seed(dir, "repeated", &b, true);

	/* Near misses, and the one-peer request they start from. */
	for (i = 0; i < NMISS; ++i) {
		b = (struct nl_builder){};
		b_near_miss(&b, i);
		checked_seed(dir, miss_names[i], &b, i == MISS_NONE);
	}

	b = (struct nl_builder){};
	checked_seed(dir, "empty", &b, true);
}

static void at_exit(void)
{
	const char *require = getenv("WG_FUZZ_REQUIRE_DEEP");

	fprintf(stderr,
		"fuzz_netlink: %lu inputs, %lu parsed, %lu accepted; deep paths: %lu peers, %lu v4 and %lu v6 allowed-ips accepted, %lu rejected by wg_set_check()\n",
		deep.inputs, deep.parsed, deep.accepted, deep.peers,
		deep.ips4, deep.ips6, deep.check_rejects);
	/* The seeds alone get there: if a run did not, they went stale. */
	if (require && *require == '1' &&
	    (!deep.peers || !deep.ips4 || !deep.ips6 ||
	     !deep.check_rejects)) {
		fprintf(stderr, "fuzz_netlink: deep paths not reached\n");
		_exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("WG_FUZZ_GEN_SEEDS");

	if (dir) {
		gen_seeds(dir);
		exit(0);
	}
	atexit(at_exit);
	return 0;
}
