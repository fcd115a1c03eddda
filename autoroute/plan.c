// SPDX-License-Identifier: GPL-2.0
/*
 * The planner: from the device's allowed-ips, the Table= mode, what the
 * kernel holds now and what we added before, work out the list of changes
 * that makes the system look as if wg-quick had just brought the device up.
 * Pure (no system calls), so `up`, `down` (mode off), and every follower
 * resync share one tested code path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fib_rules.h>

#include "plan.h"
#include "prefix.h"

void wgar_snapshot_free(struct wgar_snapshot *s)
{
	free(s->routes);
	free(s->rules);
	memset(s, 0, sizeof(*s));
}

/* Is rule @r, as we add it, present with its recorded priority? */
bool wgar_snapshot_has_rule(const struct wgar_snapshot *s,
			    const struct wgar_rule *r)
{
	const struct wgar_krule *k;
	size_t i;

	for (i = 0; i < s->nrules; i++) {
		k = &s->rules[i];
		if (k->family != r->family || k->pref != r->pref ||
		    k->table != r->table || k->action != FR_ACT_TO_TBL ||
		    !k->plain)
			continue;
		if (r->kind == WGAR_RULE_FWMARK &&
		    (k->flags & FIB_RULE_INVERT) && k->has_fwmark &&
		    k->fwmark == r->table && k->fwmask == 0xffffffff &&
		    k->suppress_prefixlen == -1)
			return true;
		if (r->kind == WGAR_RULE_SUPPRESS &&
		    !(k->flags & FIB_RULE_INVERT) && !k->has_fwmark &&
		    k->suppress_prefixlen == 0)
			return true;
	}
	return false;
}

bool wgar_snapshot_has_route(const struct wgar_snapshot *s,
			     const struct wgar_route *r, int oif)
{
	size_t i;

	for (i = 0; i < s->nroutes; i++)
		if (s->routes[i].table == r->table &&
		    s->routes[i].oif == oif &&
		    wgar_prefix_eq(&s->routes[i].dst, &r->dst))
			return true;
	return false;
}

/**
 * wgar_state_reconcile() - forget what vanished without us.
 *
 * Taking down a link flushes its IPv4 routes, deleting it flushes all of
 * them, and an admin may remove a rule by hand. Dropping such entries
 * from @st makes the next plan add them again where they are still wanted,
 * and keeps `down` from deleting anything it no longer owns. Ownership of
 * the fwmark lapses if someone else changed it since we set it. @ifindex
 * is the device's current index; a state recorded for an earlier device
 * of the same name keeps nothing device-bound.
 */
void wgar_state_reconcile(struct wgar_state *st, int ifindex,
			  const struct wgar_device *dev,
			  const struct wgar_snapshot *snap)
{
	size_t i;

	for (i = st->nroutes; i-- > 0;)
		if (!wgar_snapshot_has_route(snap, &st->routes[i],
					     st->ifindex))
			wgar_state_del_route(st, i);
	for (i = st->nrules; i-- > 0;)
		if (!wgar_snapshot_has_rule(snap, &st->rules[i]))
			wgar_state_del_rule(st, i);
	if (st->ifindex != ifindex || !dev || dev->fwmark != st->fwmark_set)
		st->fwmark_set = 0;
	st->ifindex = ifindex;
}

static int push(struct wgar_plan *p, const struct wgar_op *op)
{
	if (wgar_grow((void **)&p->ops, &p->cap, p->n, sizeof(*op)))
		return -ENOMEM;
	p->ops[p->n++] = *op;
	return 0;
}

void wgar_plan_free(struct wgar_plan *plan)
{
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

static bool table_used(const struct wgar_snapshot *s, uint32_t table)
{
	size_t i;

	for (i = 0; i < s->nroutes; i++)
		if (s->routes[i].table == table)
			return true;
	return false;
}

/*
 * wg-quick's `ip route show dev IFACE match PREFIX` test: does the main
 * table already route @p through the device with an equal or broader
 * prefix (typically the connected route of an Address=)? Routes we added
 * ourselves do not count, so that the answer does not depend on the order
 * in which allowed-ips came and went.
 */
static bool covered_by_foreign(const struct wgar_plan_input *in,
			       const struct wgar_state *applied,
			       const struct wgar_prefix *p)
{
	const struct wgar_kroute *k;
	struct wgar_route own;
	size_t i;

	for (i = 0; i < in->snap->nroutes; i++) {
		k = &in->snap->routes[i];
		if (k->table != WGAR_TABLE_MAIN || k->oif != in->ifindex ||
		    !wgar_prefix_contains(&k->dst, p))
			continue;
		own.dst = k->dst;
		own.table = WGAR_TABLE_MAIN;
		if (wgar_state_find_route(applied, &own) < 0)
			return true;
	}
	return false;
}

struct desired {
	struct wgar_route *routes;
	size_t n, cap;
	bool dflt[2];		/* [0] IPv4 /0 present, [1] IPv6 */
	uint32_t fwtable;
};

static int fam_idx(int family)
{
	return family == AF_INET6;
}

static int want_route(struct desired *d, const struct wgar_prefix *p,
		      uint32_t table)
{
	if (wgar_grow((void **)&d->routes, &d->cap, d->n, sizeof(*d->routes)))
		return -ENOMEM;
	d->routes[d->n].dst = *p;
	d->routes[d->n].table = table;
	d->n++;
	return 0;
}

static bool desired_has_route(const struct desired *d,
			      const struct wgar_route *r)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->routes[i].table == r->table &&
		    wgar_prefix_eq(&d->routes[i].dst, &r->dst))
			return true;
	return false;
}

static int compute_desired(const struct wgar_plan_input *in,
			   const struct wgar_state *applied,
			   struct wgar_plan *plan, struct desired *d)
{
	struct wgar_prefix *ips;
	struct wgar_route own;
	size_t i, n;
	int ret = 0;

	if (!in->dev || in->table.mode == WGAR_MODE_OFF)
		return 0;
	n = in->dev->nips;
	ips = malloc((n ? n : 1) * sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	if (n)
		memcpy(ips, in->dev->ips, n * sizeof(*ips));
	wgar_prefix_sort(ips, n);

	if (in->table.mode == WGAR_MODE_AUTO) {
		for (i = 0; i < n; i++)
			if (!ips[i].len)
				d->dflt[fam_idx(ips[i].family)] = true;
		if (d->dflt[0] || d->dflt[1]) {
			d->fwtable = in->dev->fwmark;
			if (!d->fwtable) {
				struct wgar_op op = {
					.type = WGAR_OP_SET_FWMARK,
					.prev = 0,
				};

				/* First table number nobody uses, like wg-quick. */
				d->fwtable = WGAR_FWMARK_FIRST_TABLE;
				while (table_used(in->snap, d->fwtable))
					d->fwtable++;
				op.value = d->fwtable;
				ret = push(plan, &op);
			}
		}
	}
	for (i = 0; i < n && !ret; i++) {
		if (in->table.mode == WGAR_MODE_TABLE) {
			ret = want_route(d, &ips[i], in->table.table);
		} else if (!ips[i].len) {
			ret = want_route(d, &ips[i], d->fwtable);
		} else {
			own.dst = ips[i];
			own.table = WGAR_TABLE_MAIN;
			if (wgar_state_find_route(applied, &own) >= 0 ||
			    !covered_by_foreign(in, applied, &ips[i]))
				ret = want_route(d, &ips[i], WGAR_TABLE_MAIN);
		}
	}
	free(ips);
	return ret;
}

/* Are exactly the two default-route rules of @family in place for @table? */
static bool rules_intact(const struct wgar_state *st, int family,
			 uint32_t table)
{
	size_t i, count = 0;

	for (i = 0; i < st->nrules; i++)
		if (st->rules[i].family == family)
			count++;
	return count == 2 &&
	       wgar_state_find_rule(st, family, WGAR_RULE_FWMARK, table) >= 0 &&
	       wgar_state_find_rule(st, family, WGAR_RULE_SUPPRESS,
				    WGAR_TABLE_MAIN) >= 0;
}

/**
 * wgar_plan_compute() - changes taking @applied to what @in asks for.
 *
 * The order is chosen so that traffic never loses its way mid-change:
 * the fwmark first (before any rule could send the tunnel's own packets
 * into the tunnel), then new routes, then the rules that steer into them,
 * the sysctl and firewall, and only then removals, the fwmark last.
 * Both rules of a family go together: the suppress rule must sit above
 * the fwmark rule, which only adding them in that order guarantees, so a
 * half-missing pair is replaced whole.
 */
int wgar_plan_compute(const struct wgar_plan_input *in,
		      const struct wgar_state *applied, struct wgar_plan *plan)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct desired d = { 0 };
	struct wgar_op op;
	bool keep_rules[2] = { false, false };
	size_t i, f;
	int ret;

	memset(plan, 0, sizeof(*plan));
	ret = compute_desired(in, applied, plan, &d);

	for (i = 0; i < d.n && !ret; i++) {
		if (wgar_state_find_route(applied, &d.routes[i]) >= 0)
			continue;
		memset(&op, 0, sizeof(op));
		op.type = WGAR_OP_ROUTE_ADD;
		op.route = d.routes[i];
		ret = push(plan, &op);
	}
	for (f = 0; f < ARRAY_SIZE(families) && !ret; f++) {
		if (!d.dflt[f])
			continue;
		if (rules_intact(applied, families[f], d.fwtable)) {
			keep_rules[f] = true;
			continue;
		}
		memset(&op, 0, sizeof(op));
		op.type = WGAR_OP_RULE_ADD;
		op.rule.family = (uint8_t)families[f];
		op.rule.kind = WGAR_RULE_FWMARK;
		op.rule.table = d.fwtable;
		ret = push(plan, &op);
		op.rule.kind = WGAR_RULE_SUPPRESS;
		op.rule.table = WGAR_TABLE_MAIN;
		if (!ret)
			ret = push(plan, &op);
		if (!ret && families[f] == AF_INET) {
			memset(&op, 0, sizeof(op));
			op.type = WGAR_OP_SRC_VALID_MARK;
			op.value = 1;
			ret = push(plan, &op);
		}
	}
	for (f = 0; f < ARRAY_SIZE(families) && !ret; f++) {
		unsigned int bit = f ? WGAR_NFT_IP6 : WGAR_NFT_IP;

		/* Firewall rules come with new policy rules only. */
		if (!d.dflt[f] || keep_rules[f])
			continue;
		memset(&op, 0, sizeof(op));
		op.family = (uint8_t)families[f];
		/* Its rules match on the fwmark: renew it with the rules. */
		if (applied->nft & bit) {
			op.type = WGAR_OP_NFT_DEL;
			ret = push(plan, &op);
			if (ret)
				break;
		}
		op.type = WGAR_OP_NFT_ADD;
		op.family = (uint8_t)families[f];
		op.value = d.fwtable;
		ret = push(plan, &op);
	}
	for (i = 0; i < applied->nrules && !ret; i++) {
		if (keep_rules[fam_idx(applied->rules[i].family)])
			continue;
		memset(&op, 0, sizeof(op));
		op.type = WGAR_OP_RULE_DEL;
		op.rule = applied->rules[i];
		ret = push(plan, &op);
	}
	for (i = 0; i < applied->nroutes && !ret; i++) {
		if (desired_has_route(&d, &applied->routes[i]))
			continue;
		memset(&op, 0, sizeof(op));
		op.type = WGAR_OP_ROUTE_DEL;
		op.route = applied->routes[i];
		ret = push(plan, &op);
	}
	for (f = 0; f < ARRAY_SIZE(families) && !ret; f++) {
		unsigned int bit = f ? WGAR_NFT_IP6 : WGAR_NFT_IP;

		if (d.dflt[f] || !(applied->nft & bit))
			continue;
		memset(&op, 0, sizeof(op));
		op.type = WGAR_OP_NFT_DEL;
		op.family = (uint8_t)families[f];
		ret = push(plan, &op);
	}
	if (!ret && in->dev && applied->fwmark_set && !d.dflt[0] &&
	    !d.dflt[1]) {
		memset(&op, 0, sizeof(op));
		op.type = WGAR_OP_SET_FWMARK;
		op.value = 0;
		op.prev = applied->fwmark_set;
		ret = push(plan, &op);
	}
	free(d.routes);
	if (ret)
		wgar_plan_free(plan);
	return ret;
}
