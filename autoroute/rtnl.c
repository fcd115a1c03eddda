// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink: links, routes, policy rules and addresses. Requests are built
 * the way ip(8) builds them for the equivalent wg-quick command lines, so
 * the results look the same in `ip route` and `ip rule` output.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "prefix.h"
#include "rtnl.h"

static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	struct wgar_link *link = arg;
	size_t n;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	link->ifindex = ifi->ifi_index;
	link->flags = ifi->ifi_flags;
	wgar_attr_parse_msg(tb, IFLA_MAX, nlh, sizeof(*ifi));
	if (!tb[IFLA_LINKINFO])
		return 0;
	wgar_attr_parse(li, IFLA_INFO_MAX, wgar_attr_data(tb[IFLA_LINKINFO]),
			wgar_attr_len(tb[IFLA_LINKINFO]));
	if (!li[IFLA_INFO_KIND])
		return 0;
	n = strnlen(wgar_attr_data(li[IFLA_INFO_KIND]),
		    wgar_attr_len(li[IFLA_INFO_KIND]));
	if (n >= sizeof(link->kind))
		n = sizeof(link->kind) - 1;
	memcpy(link->kind, wgar_attr_data(li[IFLA_INFO_KIND]), n);
	link->kind[n] = '\0';
	return 0;
}

/**
 * wgar_link_get() - look a link up by @name, or by @ifindex if @name is NULL.
 * Returns 0, or -ENODEV when there is no such link.
 */
int wgar_link_get(struct wgar_nl *nl, const char *name, int ifindex,
		  struct wgar_link *link)
{
	struct wgar_msg m;
	struct ifinfomsg *ifi;
	int ret;

	memset(link, 0, sizeof(*link));
	wgar_msg_init(&m, RTM_GETLINK, 0);
	ifi = wgar_msg_put_hdr(&m, sizeof(*ifi));
	if (name)
		wgar_attr_put_str(&m, IFLA_IFNAME, name);
	else if (ifi)
		ifi->ifi_index = ifindex;
	ret = wgar_nl_talk(nl, &m, link_cb, link);
	if (!ret && !link->ifindex)
		ret = -ENODEV;
	return ret;
}

static int route_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct rtmsg *rtm = NLMSG_DATA(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	struct wgar_snapshot *s = arg;
	struct wgar_kroute r = { 0 };
	static const uint8_t zero[16];

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return 0;
	/* IPv6 dumps can include cached clones; ip(8) hides them too. */
	if (rtm->rtm_flags & RTM_F_CLONED)
		return 0;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	wgar_attr_parse_msg(tb, RTA_MAX, nlh, sizeof(*rtm));
	if (wgar_prefix_from_bytes(&r.dst, rtm->rtm_family,
				   tb[RTA_DST] ? wgar_attr_data(tb[RTA_DST]) :
						 zero,
				   tb[RTA_DST] ? wgar_attr_len(tb[RTA_DST]) :
						 sizeof(zero),
				   rtm->rtm_dst_len))
		return 0;
	r.table = tb[RTA_TABLE] ? wgar_attr_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	r.oif = tb[RTA_OIF] ? (int)wgar_attr_u32(tb[RTA_OIF]) : 0;
	r.protocol = rtm->rtm_protocol;
	if (wgar_grow((void **)&s->routes, &s->routes_cap, s->nroutes,
		      sizeof(r)))
		return -ENOMEM;
	s->routes[s->nroutes++] = r;
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct fib_rule_hdr *frh = NLMSG_DATA(nlh);
	const struct nlattr *tb[FRA_MAX + 1];
	struct wgar_snapshot *s = arg;
	struct wgar_krule r = { 0 };
	static const int selectors[] = {
		FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_OIFNAME, FRA_GOTO,
		FRA_FLOW, FRA_TUN_ID, FRA_SUPPRESS_IFGROUP, FRA_L3MDEV,
		FRA_UID_RANGE, FRA_IP_PROTO, FRA_SPORT_RANGE,
		FRA_DPORT_RANGE,
	};
	size_t i;

	if (nlh->nlmsg_type != RTM_NEWRULE ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
		return 0;
	wgar_attr_parse_msg(tb, FRA_MAX, nlh, sizeof(*frh));
	r.family = frh->family;
	r.action = frh->action;
	r.flags = frh->flags;
	r.table = tb[FRA_TABLE] ? wgar_attr_u32(tb[FRA_TABLE]) : frh->table;
	r.pref = tb[FRA_PRIORITY] ? wgar_attr_u32(tb[FRA_PRIORITY]) : 0;
	r.has_fwmark = tb[FRA_FWMARK] != NULL;
	r.fwmark = tb[FRA_FWMARK] ? wgar_attr_u32(tb[FRA_FWMARK]) : 0;
	r.fwmask = tb[FRA_FWMASK] ? wgar_attr_u32(tb[FRA_FWMASK]) :
				    (r.has_fwmark ? 0xffffffff : 0);
	r.suppress_prefixlen = tb[FRA_SUPPRESS_PREFIXLEN] ?
		(int32_t)wgar_attr_u32(tb[FRA_SUPPRESS_PREFIXLEN]) : -1;
	r.plain = !frh->dst_len && !frh->src_len && !frh->tos;
	for (i = 0; i < ARRAY_SIZE(selectors); i++)
		if (tb[selectors[i]])
			r.plain = false;
	if (wgar_grow((void **)&s->rules, &s->rules_cap, s->nrules,
		      sizeof(r)))
		return -ENOMEM;
	s->rules[s->nrules++] = r;
	return 0;
}

static int dump(struct wgar_nl *nl, uint16_t type, int family, size_t hdrlen,
		wgar_nl_cb cb, void *arg)
{
	struct wgar_msg m;
	uint8_t *hdr;

	wgar_msg_init(&m, type, NLM_F_DUMP);
	hdr = wgar_msg_put_hdr(&m, hdrlen);
	if (hdr)
		hdr[0] = (uint8_t)family;	/* every *msg starts so */
	return wgar_nl_talk(nl, &m, cb, arg);
}

/**
 * wgar_snapshot_read() - all routes and policy rules, both families.
 * @s must be zeroed or freed; on error it is freed.
 */
int wgar_snapshot_read(struct wgar_nl *nl, struct wgar_snapshot *s)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t i;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(families) && !ret; i++) {
		ret = dump(nl, RTM_GETROUTE, families[i], sizeof(struct rtmsg),
			   route_cb, s);
		if (!ret)
			ret = dump(nl, RTM_GETRULE, families[i],
				   sizeof(struct fib_rule_hdr), rule_cb, s);
	}
	if (ret)
		wgar_snapshot_free(s);
	return ret;
}

static void route_msg(struct wgar_msg *m, uint16_t type, uint16_t flags,
		      int ifindex, const struct wgar_route *r)
{
	struct rtmsg *rtm;
	size_t alen = r->dst.family == AF_INET ? 4 : 16;

	wgar_msg_init(m, type, flags);
	rtm = wgar_msg_put_hdr(m, sizeof(*rtm));
	if (!rtm)
		return;
	rtm->rtm_family = r->dst.family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	/* "proto boot" is what `ip route add` uses: ours look the same. */
	rtm->rtm_protocol = RTPROT_BOOT;
	if (type == RTM_NEWROUTE) {
		rtm->rtm_type = RTN_UNICAST;
		rtm->rtm_scope = r->dst.family == AF_INET ? RT_SCOPE_LINK :
							    RT_SCOPE_UNIVERSE;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;	/* any scope */
	}
	if (r->dst.len)
		wgar_attr_put(m, RTA_DST, r->dst.addr, alen);
	wgar_attr_put_u32(m, RTA_OIF, (uint32_t)ifindex);
	wgar_attr_put_u32(m, RTA_TABLE, r->table);
}

/* Returns 0, -EEXIST if that prefix already has a route in the table. */
int wgar_route_add(struct wgar_nl *nl, int ifindex, const struct wgar_route *r)
{
	struct wgar_msg m;

	route_msg(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, ifindex, r);
	return wgar_nl_talk(nl, &m, NULL, NULL);
}

/*
 * Deleting names the device and protocol too, so that only the route we
 * added can match, never someone else's route to the same prefix.
 * Returns 0, or -ESRCH/-ENOENT/-ENODEV when it is already gone.
 */
int wgar_route_del(struct wgar_nl *nl, int ifindex, const struct wgar_route *r)
{
	struct wgar_msg m;

	route_msg(&m, RTM_DELROUTE, 0, ifindex, r);
	return wgar_nl_talk(nl, &m, NULL, NULL);
}

static void rule_msg(struct wgar_msg *m, uint16_t type, uint16_t flags,
		     const struct wgar_rule *r, bool with_pref)
{
	struct fib_rule_hdr *frh;

	wgar_msg_init(m, type, flags);
	frh = wgar_msg_put_hdr(m, sizeof(*frh));
	if (!frh)
		return;
	frh->family = r->family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	wgar_attr_put_u32(m, FRA_TABLE, r->table);
	if (r->kind == WGAR_RULE_FWMARK) {
		frh->flags = FIB_RULE_INVERT;
		wgar_attr_put_u32(m, FRA_FWMARK, r->table);
	} else {
		wgar_attr_put_u32(m, FRA_SUPPRESS_PREFIXLEN, 0);
	}
	if (with_pref)
		wgar_attr_put_u32(m, FRA_PRIORITY, r->pref);
}

static int rule_echo_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct wgar_snapshot s = { 0 };
	struct wgar_rule *r = arg;
	int ret;

	ret = rule_cb(nlh, &s);
	if (!ret && s.nrules == 1)
		r->pref = s.rules[0].pref;
	wgar_snapshot_free(&s);
	return ret;
}

/**
 * wgar_rule_add() - add rule @r with a kernel-chosen priority, like ip(8).
 *
 * Leaving the priority to the kernel gives the same numbers wg-quick gets
 * (just below the first non-zero rule: 32765, 32764 ...). NLM_F_ECHO makes
 * the kernel send the new rule back, which is how we learn r->pref, the
 * key that lets `down` delete this exact rule later.
 */
int wgar_rule_add(struct wgar_nl *nl, struct wgar_rule *r)
{
	struct wgar_msg m;
	int ret;

	r->pref = 0;
	rule_msg(&m, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, r,
		 false);
	ret = wgar_nl_talk(nl, &m, rule_echo_cb, r);
	if (!ret && !r->pref)
		ret = -EPROTO;	/* added, but we cannot tell which: odd */
	return ret;
}

/* Returns 0, or -ENOENT when no such rule exists (any more). */
int wgar_rule_del(struct wgar_nl *nl, const struct wgar_rule *r)
{
	struct wgar_msg m;

	rule_msg(&m, RTM_DELRULE, 0, r, true);
	return wgar_nl_talk(nl, &m, NULL, NULL);
}

struct addr_ctx {
	int ifindex;
	struct wgar_prefix *list;
	size_t n, cap;
};

static int addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	const struct nlattr *tb[IFA_MAX + 1], *a;
	struct addr_ctx *c = arg;
	struct wgar_prefix p;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (int)ifa->ifa_index != c->ifindex)
		return 0;
	wgar_attr_parse_msg(tb, IFA_MAX, nlh, sizeof(*ifa));
	/* IFA_LOCAL is our end on point-to-point setups; else IFA_ADDRESS. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || wgar_prefix_from_bytes(&p, ifa->ifa_family, wgar_attr_data(a),
					 wgar_attr_len(a),
					 wgar_family_bits(ifa->ifa_family)))
		return 0;
	if (wgar_grow((void **)&c->list, &c->cap, c->n, sizeof(p)))
		return -ENOMEM;
	c->list[c->n++] = p;
	return 0;
}

/* Addresses of @ifindex in @family, as host prefixes; free *out. */
int wgar_addr_list(struct wgar_nl *nl, int ifindex, int family,
		   struct wgar_prefix **out, size_t *n)
{
	struct addr_ctx c = { .ifindex = ifindex };
	int ret;

	ret = dump(nl, RTM_GETADDR, family, sizeof(struct ifaddrmsg), addr_cb,
		   &c);
	if (ret) {
		free(c.list);
		c.list = NULL;
		c.n = 0;
	}
	*out = c.list;
	*n = c.n;
	return ret;
}
