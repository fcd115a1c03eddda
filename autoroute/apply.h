/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_APPLY_H
#define WGAR_APPLY_H

#include "nl.h"
#include "plan.h"
#include "state.h"
#include "wgdev.h"

struct wgar_ctx {
	struct wgar_nl *rtnl;
	struct wgar_genl *genl;	/* NULL when the device is gone */
	const char *ifname;
	int ifindex;
	bool quiet;		/* do not echo the changes made */
};

int __must_check wgar_apply(struct wgar_ctx *ctx, const struct wgar_plan *plan,
			    struct wgar_state *st, bool strict);

#endif /* WGAR_APPLY_H */
