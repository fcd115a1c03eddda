/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_PLAN_H
#define WGAR_PLAN_H

#include "common.h"
#include "state.h"
#include "table.h"
#include "wgdev.h"

enum wgar_op_type {
	WGAR_OP_SET_FWMARK = 1,	/* value: new fwmark, prev: old one */
	WGAR_OP_ROUTE_ADD,
	WGAR_OP_RULE_ADD,
	WGAR_OP_SRC_VALID_MARK,	/* value: new setting, prev: old one */
	WGAR_OP_NFT_ADD,	/* family; value: fwmark table */
	WGAR_OP_RULE_DEL,
	WGAR_OP_ROUTE_DEL,
	WGAR_OP_NFT_DEL,	/* family */
};

struct wgar_op {
	enum wgar_op_type type;
	uint8_t family;
	struct wgar_route route;
	struct wgar_rule rule;
	uint32_t value;
	uint32_t prev;
};

struct wgar_plan {
	struct wgar_op *ops;
	size_t n, cap;
};

struct wgar_plan_input {
	struct wgar_table_arg table;
	int ifindex;
	const struct wgar_device *dev;	/* NULL: device gone, undo all */
	const struct wgar_snapshot *snap;
};

void wgar_state_reconcile(struct wgar_state *st, int ifindex,
			  const struct wgar_device *dev,
			  const struct wgar_snapshot *snap);
int __must_check wgar_plan_compute(const struct wgar_plan_input *in,
				   const struct wgar_state *applied,
				   struct wgar_plan *plan);
void wgar_plan_free(struct wgar_plan *plan);

#endif /* WGAR_PLAN_H */
