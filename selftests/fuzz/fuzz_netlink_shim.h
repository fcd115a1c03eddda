/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netlink attribute API that src/netlink-check.c uses, in userspace, so
 * that the fuzz_netlink target runs the module's very own validation.
 *
 * Force-included (after fuzz_shim.h) instead of the unit-test shim, which
 * it includes itself after the libc socket headers, as shim-allowedips.h
 * does. The <net/netlink.h>, <linux/if.h> and <linux/time_types.h> that the
 * source includes are empty stubs in shim/ next to this file.
 *
 * Written from the attribute format (Documentation/userspace-api/netlink/
 * intro.rst: a 4-byte header of length and type, the length counting the
 * header but not the padding to the next multiple of 4) and from the
 * contract that include/net/netlink.h documents for policies and for
 * NL_VALIDATE_STRICT, the level that nla_parse() and nla_parse_nested()
 * use and that genetlink applies to the top level of a request when the
 * family's operations do not ask for GENL_DONT_VALIDATE_STRICT (ours do
 * not):
 *
 *   - a stream is a sequence of attributes, each aligned to 4 bytes; bytes
 *     left after the last whole attribute (a stub shorter than a header, or
 *     a header whose length is below 4 or runs past the end) are rejected;
 *     the last attribute's own padding may be missing;
 *   - an attribute type of 0 or above maxtype is rejected; of several
 *     attributes of one type, each is validated and the last one is the
 *     one the parse returns;
 *   - the type is the low 14 bits; NLA_F_NESTED must be set on attributes
 *     whose policy is NLA_NESTED and clear on every other one with a
 *     policy; NLA_F_NET_BYTEORDER is not looked at;
 *   - NLA_U8/U16/U32/U64 payloads are exactly 1/2/4/8 bytes;
 *   - NLA_NUL_STRING has a NUL within its first .len + 1 bytes and, one
 *     trailing NUL aside, at most .len bytes;
 *   - NLA_NESTED is empty or at least a header long (its contents are the
 *     user's to parse: no nested policy here);
 *   - NLA_POLICY_EXACT_LEN() and NLA_POLICY_MIN_LEN() bound the payload's
 *     length, NLA_POLICY_MASK() the integer's bits;
 *   - a type without a policy entry (NLA_UNSPEC) is rejected;
 *   - a NULL policy validates nothing: the parse only indexes;
 *   - nla_parse_nested() requires NLA_F_NESTED on the nest itself.
 *
 * Every rejection sets an extack message, with the offending attribute
 * where there is one. The value getters abort() on an attribute shorter
 * than the value, which the kernel would silently read past: the code
 * under test must only read what a policy or a check has sized.
 */
#ifndef WG_FUZZ_NETLINK_SHIM_H
#define WG_FUZZ_NETLINK_SHIM_H

/* The libc headers first: see shim-allowedips.h for why. */
#include <sys/cdefs.h>
#include <limits.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/if.h>
#include <asm/errno.h>
#undef __always_inline
#undef htonl
#undef htons
#undef ntohl
#undef ntohs

#include "shim.h"

/* ---- UAPI: <linux/wireguard.h>, and what compat/compat.h adds to it ---- */

/*
 * Both are libc's (linux-libc-dev), not stubs: the UAPI of the build
 * machine's kernel series, whose version says what it lacks.
 */
#include <linux/version.h>
#include <linux/wireguard.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define WGALLOWEDIP_A_FLAGS 4
#undef WGALLOWEDIP_A_MAX
#define WGALLOWEDIP_A_MAX WGALLOWEDIP_A_FLAGS
#define WGALLOWEDIP_F_REMOVE_ME BIT(0)
#define __WGALLOWEDIP_F_ALL WGALLOWEDIP_F_REMOVE_ME
#endif

/* <linux/time_types.h>: the one type the peer policy sizes. */
struct __kernel_timespec {
	long long tv_sec;
	long long tv_nsec;
};

/* ---- The attribute format ---- */

struct nlattr {
	u16 nla_len;	/* header and payload, not the padding */
	u16 nla_type;	/* type and the two flags below */
};

#define NLA_F_NESTED BIT(15)
#define NLA_F_NET_BYTEORDER BIT(14)
#define NLA_TYPE_MASK (~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff)
#define NLA_ALIGNTO 4
#define NLA_ALIGN(len) (((len) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1))
#define NLA_HDRLEN ((int)NLA_ALIGN(sizeof(struct nlattr)))

static inline int nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

static inline void *nla_data(const struct nlattr *nla)
{
	return (char *)nla + NLA_HDRLEN;
}

static inline int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

/* Whether a whole attribute starts at @nla within @remaining bytes. */
static inline int nla_ok(const struct nlattr *nla, int remaining)
{
	if (remaining < (int)sizeof(*nla))
		return 0;
	return nla->nla_len >= sizeof(*nla) && nla->nla_len <= remaining;
}

/* Steps over @nla and its padding; @remaining may go below 0. */
static inline struct nlattr *nla_next(const struct nlattr *nla,
				      int *remaining)
{
	int step = NLA_ALIGN(nla->nla_len);

	*remaining -= step;
	return (struct nlattr *)((char *)nla + step);
}

#define nla_for_each_attr(pos, head, len, rem)			\
	for ((pos) = (struct nlattr *)(head), (rem) = (len);	\
	     nla_ok((pos), (rem));				\
	     (pos) = nla_next((pos), &(rem)))

#define nla_for_each_nested(pos, nla, rem)			\
	nla_for_each_attr(pos, nla_data(nla), nla_len(nla), rem)

static inline void wg_shim_nla_get(const struct nlattr *nla, void *v,
				   size_t size, const char *what)
{
	if (nla_len(nla) < (int)size) {
		fprintf(stderr,
			"fuzz_netlink_shim: %s on a %d-byte attribute (type %d)\n",
			what, nla_len(nla), nla_type(nla));
		abort();
	}
	memcpy(v, nla_data(nla), size);
}

/* nla_get_u8() and its siblings, each checking the length it reads. */
#define WG_SHIM_NLA_GET(type)						\
static inline type nla_get_##type(const struct nlattr *nla)		\
{									\
	type v;								\
									\
	wg_shim_nla_get(nla, &v, sizeof(v), "nla_get_" #type);		\
	return v;							\
}
WG_SHIM_NLA_GET(u8)
WG_SHIM_NLA_GET(u16)
WG_SHIM_NLA_GET(u32)
WG_SHIM_NLA_GET(u64)

/* ---- Extended ACK ---- */

struct netlink_ext_ack {
	const char *_msg;
	const struct nlattr *bad_attr;
};

/* Literal messages only, as in the kernel. */
#define NL_SET_ERR_MSG(extack, msg) do {				\
	static const char __msg[] = msg;				\
	struct netlink_ext_ack *__ack = (extack);			\
									\
	if (__ack)							\
		__ack->_msg = __msg;					\
} while (0)

#define NL_SET_ERR_MSG_ATTR(extack, attr, msg) do {			\
	static const char __msg[] = msg;				\
	struct netlink_ext_ack *__ack = (extack);			\
									\
	if (__ack) {							\
		__ack->_msg = __msg;					\
		__ack->bad_attr = (attr);				\
	}								\
} while (0)

/* ---- Policies: the kinds the module uses, nothing more ---- */

enum {
	NLA_UNSPEC,
	NLA_U8,
	NLA_U16,
	NLA_U32,
	NLA_U64,
	NLA_NESTED,
	NLA_NUL_STRING,
	NLA_BINARY,
};

enum {
	NLA_VALIDATE_NONE,
	NLA_VALIDATE_RANGE,	/* a binary payload's length in [min, max] */
	NLA_VALIDATE_MIN,	/* a binary payload's length at least min */
	NLA_VALIDATE_MASK,	/* no integer bit outside mask */
};

struct nla_policy {
	u8 type;
	u8 validation_type;
	u16 len;
	union {
		u64 mask;
		struct {
			s16 min, max;
		};
	};
};

#define NLA_POLICY_EXACT_LEN(_len) {				\
	.type = NLA_BINARY,					\
	.validation_type = NLA_VALIDATE_RANGE,			\
	.min = (_len),						\
	.max = (_len),						\
}

#define NLA_POLICY_MIN_LEN(_len) {				\
	.type = NLA_BINARY,					\
	.validation_type = NLA_VALIDATE_MIN,			\
	.min = (_len),						\
}

#define NLA_POLICY_MASK(tp, _mask) {				\
	.type = (tp),						\
	.validation_type = NLA_VALIDATE_MASK,			\
	.mask = (_mask),					\
}

/* The exact payload size of an integer kind, 0 for the others. */
static inline int wg_shim_int_size(u8 type)
{
	switch (type) {
	case NLA_U8:
		return 1;
	case NLA_U16:
		return 2;
	case NLA_U32:
		return 4;
	case NLA_U64:
		return 8;
	}
	return 0;
}

static inline int wg_shim_check_nul_string(const struct nlattr *nla,
					   const struct nla_policy *pt,
					   struct netlink_ext_ack *extack)
{
	const char *s = nla_data(nla);
	int len = nla_len(nla), window = len;

	/* The terminator must come within the longest string plus one. */
	if (pt->len && window > pt->len + 1)
		window = pt->len + 1;
	if (window < 1 || !memchr(s, '\0', window)) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "string without a NUL");
		return -EINVAL;
	}
	/* And the payload, its final NUL aside, no longer than that. */
	if (s[len - 1] == '\0')
		--len;
	if (pt->len && len > pt->len) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "string too long");
		return -ERANGE;
	}
	return 0;
}

/* One attribute against its policy entry, at NL_VALIDATE_STRICT. */
static inline int wg_shim_check_attr(const struct nlattr *nla,
				     const struct nla_policy *pt,
				     struct netlink_ext_ack *extack)
{
	bool nested_flag = nla->nla_type & NLA_F_NESTED;
	int len = nla_len(nla), size = wg_shim_int_size(pt->type);
	u64 value = 0;

	if (pt->type == NLA_UNSPEC) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "attribute without a policy");
		return -EINVAL;
	}
	if (pt->type == NLA_NESTED && !nested_flag) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "NLA_F_NESTED is missing");
		return -EINVAL;
	}
	if (pt->type != NLA_NESTED && nested_flag) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "NLA_F_NESTED not expected");
		return -EINVAL;
	}
	if (size && len != size) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "integer of the wrong size");
		return -EINVAL;
	}

	switch (pt->type) {
	case NLA_NUL_STRING: {
		int ret = wg_shim_check_nul_string(nla, pt, extack);

		if (ret)
			return ret;
		break;
	}
	case NLA_NESTED:
		if (len != 0 && len < NLA_HDRLEN) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "nest shorter than an attribute");
			return -ERANGE;
		}
		break;
	case NLA_BINARY:
		if (pt->len && len > pt->len) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "payload too long");
			return -ERANGE;
		}
		break;
	}

	switch (pt->validation_type) {
	case NLA_VALIDATE_RANGE:
	case NLA_VALIDATE_MIN:
		/* The policy macros above give these to NLA_BINARY only. */
		if (len < pt->min ||
		    (pt->validation_type == NLA_VALIDATE_RANGE &&
		     len > pt->max)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "payload length out of range");
			return -ERANGE;
		}
		break;
	case NLA_VALIDATE_MASK:
		if (!size) {
			fprintf(stderr, "fuzz_netlink_shim: mask on type %u\n",
				pt->type);
			abort();
		}
		memcpy(&value, nla_data(nla), size);	/* little-endian */
		if (value & ~pt->mask) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "reserved bit set");
			return -EINVAL;
		}
		break;
	}
	return 0;
}

/*
 * A stream of attributes into @tb[0..maxtype] (zeroed first), each checked
 * against @policy unless it is NULL.
 */
static inline int __must_check nla_parse(struct nlattr **tb, int maxtype,
					 const struct nlattr *head, int len,
					 const struct nla_policy *policy,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *nla;
	int rem, type, ret;

	memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	nla_for_each_attr(nla, head, len, rem) {
		type = nla_type(nla);
		if (type == 0 || type > maxtype) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "unknown attribute type");
			return -EINVAL;
		}
		if (policy) {
			ret = wg_shim_check_attr(nla, &policy[type], extack);
			if (ret)
				return ret;
		}
		tb[type] = nla;
	}
	/*
	 * What the loop could not take as an attribute. Below zero only when
	 * the last attribute's padding is missing, which is allowed.
	 */
	if (rem > 0) {
		NL_SET_ERR_MSG(extack, "bytes leftover after parsing attributes");
		return -EINVAL;
	}
	return 0;
}

static inline int __must_check
nla_parse_nested(struct nlattr **tb, int maxtype, const struct nlattr *nla,
		 const struct nla_policy *policy,
		 struct netlink_ext_ack *extack)
{
	if (!(nla->nla_type & NLA_F_NESTED)) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "NLA_F_NESTED is missing");
		return -EINVAL;
	}
	return nla_parse(tb, maxtype, nla_data(nla), nla_len(nla), policy,
			 extack);
}

#endif /* WG_FUZZ_NETLINK_SHIM_H */
