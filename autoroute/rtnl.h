/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_RTNL_H
#define WGAR_RTNL_H

#include "common.h"
#include "nl.h"

struct wgar_link {
	int ifindex;
	unsigned int flags;	/* IFF_* */
	char kind[32];		/* IFLA_INFO_KIND, "" if none */
};

int __must_check wgar_link_get(struct wgar_nl *nl, const char *name,
			       int ifindex, struct wgar_link *link);
int __must_check wgar_snapshot_read(struct wgar_nl *nl,
				    struct wgar_snapshot *s);
int __must_check wgar_route_add(struct wgar_nl *nl, int ifindex,
				const struct wgar_route *r);
int __must_check wgar_route_del(struct wgar_nl *nl, int ifindex,
				const struct wgar_route *r);
int __must_check wgar_rule_add(struct wgar_nl *nl, struct wgar_rule *r);
int __must_check wgar_rule_del(struct wgar_nl *nl, const struct wgar_rule *r);
int __must_check wgar_addr_list(struct wgar_nl *nl, int ifindex, int family,
				struct wgar_prefix **out, size_t *n);

#endif /* WGAR_RTNL_H */
