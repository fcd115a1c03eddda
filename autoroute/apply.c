// SPDX-License-Identifier: GPL-2.0
/*
 * Carrying out a plan. Each step updates the state record as soon as it
 * succeeds, so the record never claims something we did not do nor misses
 * something we did. In strict mode (`up`) the first failure undoes every
 * step taken so far, newest first: a failed `up` changes nothing. Each
 * change is echoed to stderr as the equivalent ip/wg/nft command line,
 * the way wg-quick logs its own commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "nft.h"
#include "prefix.h"
#include "rtnl.h"

#define SRC_VALID_MARK "/proc/sys/net/ipv4/conf/all/src_valid_mark"

static const char *v(int family)
{
	return family == AF_INET6 ? "-6" : "-4";
}

static void say(const struct wgar_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct wgar_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	fputs("[#] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void fail(const struct wgar_ctx *ctx, int err, const char *what)
{
	const char *ext = ctx->rtnl->ext_err;

	fprintf(stderr, "wg-autoroute: %s: %s%s%s\n", what, strerror(-err),
		*ext ? ": " : "", ext);
}

static void route_text(const struct wgar_ctx *ctx, const struct wgar_route *r,
		       char *buf, size_t size)
{
	char p[WGAR_PREFIX_STRLEN];

	wgar_prefix_str(&r->dst, p, sizeof(p));
	if (r->table == WGAR_TABLE_MAIN)
		snprintf(buf, size, "%s dev %s", p, ctx->ifname);
	else
		snprintf(buf, size, "%s dev %s table %u", p, ctx->ifname,
			 r->table);
}

static void rule_text(const struct wgar_rule *r, bool pref, char *buf,
		      size_t size)
{
	char pr[32] = "";

	if (pref)
		snprintf(pr, sizeof(pr), "pref %u ", r->pref);
	if (r->kind == WGAR_RULE_FWMARK)
		snprintf(buf, size, "%snot fwmark %u table %u", pr, r->table,
			 r->table);
	else
		snprintf(buf, size, "%stable main suppress_prefixlength 0", pr);
}

static int read_sysctl(const char *path, uint32_t *val)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = (uint32_t)strtoul(buf, NULL, 10);
	return 0;
}

static int write_sysctl(const char *path, uint32_t val)
{
	char buf[32];
	int fd, n, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%u\n", val);
	if (write(fd, buf, (size_t)n) != n)
		ret = -errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static int nft_add(struct wgar_ctx *ctx, const struct wgar_op *op,
		   struct wgar_state *st)
{
	unsigned int bit = op->family == AF_INET6 ? WGAR_NFT_IP6 : WGAR_NFT_IP;
	const char *pf = op->family == AF_INET6 ? "ip6" : "ip";
	struct wgar_prefix *addrs = NULL;
	char *buf = NULL;
	size_t n = 0, size;
	int ret;

	ret = wgar_nft_table_exists(op->family, ctx->ifname);
	if (ret == -ENOENT) {
		fprintf(stderr,
			"wg-autoroute: warning: nft not found, not adding the firewall rules of table %s wg-quick-%s\n",
			pf, ctx->ifname);
		return 0;
	}
	if (ret == 1) {
		/* Not ours, so not ours to fill or to delete later either. */
		fprintf(stderr,
			"wg-autoroute: warning: nft table %s wg-quick-%s already exists, leaving it alone\n",
			pf, ctx->ifname);
		return 0;
	}
	ret = wgar_addr_list(ctx->rtnl, ctx->ifindex, op->family, &addrs, &n);
	if (ret) {
		fail(ctx, ret, "cannot list the interface's addresses");
		return ret;
	}
	size = 1024 + n * 256;
	buf = malloc(size);
	if (!buf) {
		free(addrs);
		return -ENOMEM;
	}
	ret = wgar_nft_ruleset(buf, size, op->family, ctx->ifname, op->value,
			       addrs, n);
	free(addrs);
	if (ret >= 0) {
		say(ctx, "nft -f (table %s wg-quick-%s)", pf, ctx->ifname);
		ret = wgar_nft_load(buf);
		if (ret > 0) {
			fprintf(stderr,
				"wg-autoroute: nft -f failed (exit %d) on:\n%s",
				ret, buf);
			ret = -EIO;
		}
	}
	free(buf);
	if (ret < 0)
		return ret;
	st->nft |= bit;
	return 0;
}

static int nft_del(struct wgar_ctx *ctx, const struct wgar_op *op,
		   struct wgar_state *st)
{
	unsigned int bit = op->family == AF_INET6 ? WGAR_NFT_IP6 : WGAR_NFT_IP;
	const char *pf = op->family == AF_INET6 ? "ip6" : "ip";
	int ret;

	say(ctx, "nft delete table %s wg-quick-%s", pf, ctx->ifname);
	ret = wgar_nft_delete(op->family, ctx->ifname);
	/* A table someone else already removed is fine. */
	if (ret && wgar_nft_table_exists(op->family, ctx->ifname) == 1) {
		fprintf(stderr,
			"wg-autoroute: cannot delete nft table %s wg-quick-%s\n",
			pf, ctx->ifname);
		return -EIO;
	}
	st->nft &= ~bit;
	return 0;
}

/*
 * Carry out one step. On success *inv is the step undoing it (type 0 if
 * there is nothing to undo). Returns 0 or -errno.
 */
static int exec_op(struct wgar_ctx *ctx, const struct wgar_op *op,
		   struct wgar_state *st, struct wgar_op *inv)
{
	char text[160], what[200];
	struct wgar_rule rule;
	uint32_t cur = 0;
	ssize_t i;
	int ret = 0;

	memset(inv, 0, sizeof(*inv));
	switch (op->type) {
	case WGAR_OP_SET_FWMARK:
		if (!ctx->genl)
			return 0;
		if (op->value)
			say(ctx, "wg set %s fwmark %u", ctx->ifname, op->value);
		else
			say(ctx, "wg set %s fwmark off", ctx->ifname);
		ret = wgar_wg_set_fwmark(ctx->genl, ctx->ifindex, op->value);
		if (ret) {
			fail(ctx, ret, "cannot set the device's fwmark");
			return ret;
		}
		st->fwmark_set = op->value;
		*inv = *op;
		inv->value = op->prev;
		inv->prev = op->value;
		return 0;

	case WGAR_OP_ROUTE_ADD:
		route_text(ctx, &op->route, text, sizeof(text));
		say(ctx, "ip %s route add %s", v(op->route.dst.family), text);
		ret = wgar_route_add(ctx->rtnl, ctx->ifindex, &op->route);
		if (ret == -EEXIST) {
			/* Someone else's route: keep it, do not claim it. */
			fprintf(stderr,
				"wg-autoroute: warning: a route to %s already exists in that table, leaving it alone\n",
				text);
			return 0;
		}
		if (ret) {
			snprintf(what, sizeof(what), "cannot add route %s%s",
				 text, ret == -ENETDOWN ?
				 " (is the interface up?)" : "");
			fail(ctx, ret, what);
			return ret;
		}
		ret = wgar_state_add_route(st, &op->route);
		if (ret) {
			/* Unrecorded means undeletable: take it back now. */
			if (wgar_route_del(ctx->rtnl, ctx->ifindex, &op->route))
				fprintf(stderr,
					"wg-autoroute: route %s left behind\n",
					text);
			return ret;
		}
		*inv = *op;
		inv->type = WGAR_OP_ROUTE_DEL;
		return 0;

	case WGAR_OP_ROUTE_DEL:
		route_text(ctx, &op->route, text, sizeof(text));
		say(ctx, "ip %s route del %s", v(op->route.dst.family), text);
		ret = wgar_route_del(ctx->rtnl, ctx->ifindex, &op->route);
		if (ret && ret != -ESRCH && ret != -ENOENT && ret != -ENODEV) {
			snprintf(what, sizeof(what), "cannot delete route %s",
				 text);
			fail(ctx, ret, what);
			return ret;
		}
		i = wgar_state_find_route(st, &op->route);
		if (i >= 0)
			wgar_state_del_route(st, (size_t)i);
		if (!ret) {
			*inv = *op;
			inv->type = WGAR_OP_ROUTE_ADD;
		}
		return 0;

	case WGAR_OP_RULE_ADD:
		rule = op->rule;
		rule_text(&rule, false, text, sizeof(text));
		say(ctx, "ip %s rule add %s", v(rule.family), text);
		ret = wgar_rule_add(ctx->rtnl, &rule);
		if (ret) {
			snprintf(what, sizeof(what), "cannot add rule %s",
				 text);
			fail(ctx, ret, what);
			return ret;
		}
		ret = wgar_state_add_rule(st, &rule);
		if (ret) {
			if (wgar_rule_del(ctx->rtnl, &rule))
				fprintf(stderr,
					"wg-autoroute: rule %s left behind\n",
					text);
			return ret;
		}
		*inv = *op;
		inv->type = WGAR_OP_RULE_DEL;
		inv->rule = rule;
		return 0;

	case WGAR_OP_RULE_DEL:
		rule_text(&op->rule, true, text, sizeof(text));
		say(ctx, "ip %s rule del %s", v(op->rule.family), text);
		ret = wgar_rule_del(ctx->rtnl, &op->rule);
		if (ret && ret != -ENOENT) {
			snprintf(what, sizeof(what), "cannot delete rule %s",
				 text);
			fail(ctx, ret, what);
			return ret;
		}
		/* By priority too: a replacement may already be recorded. */
		for (i = 0; i < (ssize_t)st->nrules; i++) {
			const struct wgar_rule *r = &st->rules[i];

			if (r->family == op->rule.family &&
			    r->kind == op->rule.kind &&
			    r->table == op->rule.table &&
			    r->pref == op->rule.pref) {
				wgar_state_del_rule(st, (size_t)i);
				break;
			}
		}
		if (!ret) {
			*inv = *op;
			inv->type = WGAR_OP_RULE_ADD;
		}
		return 0;

	case WGAR_OP_SRC_VALID_MARK:
		ret = read_sysctl(SRC_VALID_MARK, &cur);
		if (!ret && cur == op->value)
			return 0;
		say(ctx, "sysctl -q net.ipv4.conf.all.src_valid_mark=%u",
		    op->value);
		if (!ret)
			ret = write_sysctl(SRC_VALID_MARK, op->value);
		if (ret) {
			fail(ctx, ret, "cannot set " SRC_VALID_MARK);
			return ret;
		}
		/*
		 * Recorded for the curious but, as with wg-quick, never put
		 * back by `down`: other tunnels may rely on it by then.
		 */
		if (st->src_valid_mark_prev < 0)
			st->src_valid_mark_prev = (int)cur;
		*inv = *op;
		inv->value = cur;
		inv->prev = op->value;
		return 0;

	case WGAR_OP_NFT_ADD:
		ret = nft_add(ctx, op, st);
		if (!ret && (st->nft & (op->family == AF_INET6 ? WGAR_NFT_IP6 :
							      WGAR_NFT_IP))) {
			*inv = *op;
			inv->type = WGAR_OP_NFT_DEL;
		}
		return ret;

	case WGAR_OP_NFT_DEL:
		/* Not undoable; only removals that follow can fail after it. */
		return nft_del(ctx, op, st);
	}
	return -EINVAL;
}

/**
 * wgar_apply() - carry out @plan, keeping @st up to date.
 *
 * Strict: stop at the first failure and undo everything done, newest
 * first. Otherwise (a follower keeping up, or `down`): go on with the
 * remaining steps, the state recording what really got done.
 * Returns 0 or the first step's error.
 */
int wgar_apply(struct wgar_ctx *ctx, const struct wgar_plan *plan,
	       struct wgar_state *st, bool strict)
{
	struct wgar_op *undo, dummy;
	size_t i, nundo = 0;
	int ret, first = 0;

	undo = calloc(plan->n ? plan->n : 1, sizeof(*undo));
	if (!undo)
		return -ENOMEM;
	for (i = 0; i < plan->n; i++) {
		ret = exec_op(ctx, &plan->ops[i], st, &undo[nundo]);
		if (!ret) {
			if (undo[nundo].type)
				nundo++;
			continue;
		}
		if (!first)
			first = ret;
		if (strict)
			break;
	}
	if (first && strict) {
		if (nundo)
			fprintf(stderr, "wg-autoroute: undoing the %zu change%s made\n",
				nundo, nundo == 1 ? "" : "s");
		while (nundo--)
			(void)exec_op(ctx, &undo[nundo], st, &dummy);
	}
	free(undo);
	return first;
}
