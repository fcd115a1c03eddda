// SPDX-License-Identifier: GPL-2.0
/*
 * wg-autoroute: wg-quick's Table= routing for a WireGuard interface,
 * optionally kept in step with its peers' allowed-ips.
 *
 *   up IFACE [--table T] [--follow]   add routes (and rules, if a /0)
 *   down IFACE                        remove exactly what up added
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "apply.h"
#include "plan.h"
#include "rtnl.h"
#include "state.h"
#include "table.h"
#include "wgdev.h"

/* Only the netns test build (tests/fake_wgdev.c) drives other kinds. */
#ifndef WGAR_LINK_KIND
#define WGAR_LINK_KIND "wireguard"
#endif

struct env {
	struct wgar_nl rtnl;
	struct wgar_genl genl;
	bool have_genl;
	const char *ifname;
	int ifindex;
	bool quiet;
};

static void usage(FILE *f)
{
	fputs("Usage: wg-autoroute up IFACE [--table TABLE] [--follow] [--quiet]\n"
	      "       wg-autoroute down IFACE [--quiet]\n"
	      "\n"
	      "Adds the routes wg-quick(8) would add for the allowed-ips of the\n"
	      "WireGuard interface IFACE, following its Table= semantics:\n"
	      "  auto (default)  routes in main; if an allowed-ip is a /0, a\n"
	      "                  default route in table 51820 (or the next free\n"
	      "                  one, or the device's fwmark) with fwmark policy\n"
	      "                  rules and wg-quick's nftables table\n"
	      "  off             no routes\n"
	      "  main, NUM, NAME every route into that table (names from\n"
	      "                  rt_tables), no rules\n"
	      "--follow keeps the routes in step with allowed-ips changes (needs\n"
	      "the change notifications of the out-of-tree wireguard module).\n"
	      "`down` removes exactly what `up` added, as recorded in\n"
	      WGAR_STATE_DIR "/IFACE.state.\n"
	      "For wg-quick: Table = off, PostUp = wg-autoroute up %i,\n"
	      "PreDown = wg-autoroute down %i.\n", f);
}

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int err(const char *fmt, ...)
{
	va_list ap;

	fputs("wg-autoroute: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] <= ' ' ||
		    s[i] == 0x7f)
			return false;
	return true;
}

static void read_comm(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
}

/*
 * Is @pid a running follower, the one the state names? It must run the
 * same program as we do, so that a recycled pid is never signalled.
 */
static bool follower_alive(int pid)
{
	char path[64], comm[32], self[32];

	if (pid <= 0 || pid == getpid())
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	read_comm(path, comm, sizeof(comm));
	read_comm("/proc/self/comm", self, sizeof(self));
	return *comm && !strcmp(comm, self);
}

/*
 * Bring the system in line with @mode for the device, from what @st says
 * we did before. @present false means the device is gone: then only the
 * things that outlive it (rules, nft tables) are removed.
 */
static int resync(struct env *e, struct wgar_state *st,
		  const struct wgar_table_arg *mode, bool present, bool strict)
{
	struct wgar_ctx ctx = {
		.rtnl = &e->rtnl, .ifname = e->ifname, .ifindex = e->ifindex,
		.quiet = e->quiet,
	};
	struct wgar_device dev = { 0 };
	struct wgar_snapshot snap;
	struct wgar_plan plan;
	struct wgar_plan_input in = {
		.table = *mode, .ifindex = e->ifindex, .snap = &snap,
	};
	int ret;

	if (present && e->have_genl) {
		ret = wgar_wg_get(&e->genl, e->ifindex, &dev);
		if (ret == -ENODEV) {
			present = false;
		} else if (ret) {
			err("cannot read the peers of %s: %s", e->ifname,
			    strerror(-ret));
			return ret;
		}
	} else {
		present = false;
	}
	ctx.genl = present ? &e->genl : NULL;
	in.dev = present ? &dev : NULL;
	ret = wgar_snapshot_read(&e->rtnl, &snap);
	if (ret) {
		wgar_device_free(&dev);
		err("cannot read routes and rules: %s", strerror(-ret));
		return ret;
	}
	wgar_state_reconcile(st, e->ifindex, in.dev, &snap);
	ret = wgar_plan_compute(&in, st, &plan);
	if (!ret) {
		ret = wgar_apply(&ctx, &plan, st, strict);
		wgar_plan_free(&plan);
	}
	wgar_snapshot_free(&snap);
	wgar_device_free(&dev);
	return ret;
}

/* Write @st back, or drop the file once there is nothing left to undo. */
static int store(const struct wgar_state *st)
{
	int ret;

	if (wgar_state_empty(st) && !st->pid)
		ret = wgar_state_remove(st->ifname);
	else
		ret = wgar_state_save(st);
	if (ret)
		err("cannot write the state of %s in %s: %s", st->ifname,
		    wgar_state_dir(), strerror(-ret));
	return ret;
}

static int load_locked(const char *ifname, struct wgar_state *st, int *lock)
{
	int ret;

	*lock = wgar_state_lock(ifname);
	if (*lock < 0) {
		err("cannot lock %s/%s.lock: %s", wgar_state_dir(), ifname,
		    strerror(-*lock));
		return *lock;
	}
	ret = wgar_state_load(ifname, st);
	if (ret && ret != -ENOENT) {
		err("cannot read %s/%s.state: %s; remove it after checking what it lists",
		    wgar_state_dir(), ifname, strerror(-ret));
		close(*lock);
		*lock = -1;
	}
	return ret;
}

static int open_env(struct env *e, const char *ifname, bool quiet)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->ifname = ifname;
	e->quiet = quiet;
	e->genl.nl.fd = -1;
	ret = wgar_nl_open(&e->rtnl, NETLINK_ROUTE);
	if (ret)
		err("cannot open rtnetlink: %s", strerror(-ret));
	return ret;
}

static void close_env(struct env *e)
{
	wgar_nl_close(&e->rtnl);
	if (e->have_genl)
		wgar_genl_close(&e->genl);
}

/* Device gone (or moved away): drop what outlives it, then stop. */
static int follower_device_gone(struct env *e)
{
	struct wgar_state st;
	int lock, ret;

	ret = load_locked(e->ifname, &st, &lock);
	if (ret == -ENOENT || (!ret && st.pid != getpid())) {
		close(lock);
		wgar_state_free(&st);
		return 0;
	}
	if (ret)
		return 1;
	if (!e->quiet)
		fprintf(stderr, "wg-autoroute: %s is gone, removing its rules\n",
			e->ifname);
	ret = resync(e, &st, &st.table, false, false);
	st.pid = 0;
	if (store(&st))
		ret = -EIO;
	close(lock);
	wgar_state_free(&st);
	return ret ? 1 : 0;
}

/* Returns 1 to go on, 0 to stop with success, negative on failure. */
static int follower_resync(struct env *e)
{
	struct wgar_state st;
	int lock, ret;

	ret = load_locked(e->ifname, &st, &lock);
	if (ret == -ENOENT || (!ret && st.pid != getpid())) {
		/* `down`, or a newer follower, took over. */
		if (!e->quiet)
			fprintf(stderr,
				"wg-autoroute: %s is no longer ours to follow\n",
				e->ifname);
		close(lock);
		wgar_state_free(&st);
		return 0;
	}
	if (ret)
		return ret;
	ret = resync(e, &st, &st.table, true, false);
	if (ret)
		err("%s: some changes failed; will retry on the next event",
		    e->ifname);
	ret = store(&st) ? -EIO : 1;
	close(lock);
	wgar_state_free(&st);
	return ret;
}

static int follower_stop(struct env *e)
{
	struct wgar_state st;
	int lock, ret;

	ret = load_locked(e->ifname, &st, &lock);
	if (!ret && st.pid == getpid()) {
		/* Routes stay: `down` (ExecStop) is what removes them. */
		st.pid = 0;
		ret = store(&st);
	}
	if (lock >= 0)
		close(lock);
	wgar_state_free(&st);
	return ret && ret != -ENOENT ? 1 : 0;
}

/*
 * Read what is queued on @nl without blocking. Returns 1 when something
 * relevant to @e happened, 2 when the device is gone, 0 otherwise.
 */
static int drain(struct env *e, struct wgar_nl *nl, bool genl, bool *was_up)
{
	static uint8_t buf[65536] __attribute__((aligned(8)));
	const struct ifinfomsg *ifi;
	const struct nlmsghdr *h;
	int result = 0, idx;
	ssize_t n;

	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return result;
		if (n < 0 && errno == ENOBUFS) {
			/* We missed events: assume the worst, re-read all. */
			struct wgar_link l;

			if (!genl && wgar_link_get(&e->rtnl, NULL, e->ifindex,
						   &l) == -ENODEV)
				return 2;
			result = 1;
			continue;
		}
		if (n < 0)
			return -errno;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (genl) {
				idx = wgar_wg_event_ifindex(h, e->genl.family);
				if (idx == 0 || idx == e->ifindex)
					result = 1;
				continue;
			}
			if (h->nlmsg_type != RTM_NEWLINK &&
			    h->nlmsg_type != RTM_DELLINK)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
				continue;
			ifi = NLMSG_DATA(h);
			if (ifi->ifi_index != e->ifindex)
				continue;
			if (h->nlmsg_type == RTM_DELLINK)
				return 2;
			/* Coming up again: IPv4 routes were flushed on down. */
			if ((ifi->ifi_flags & IFF_UP) && !*was_up)
				result = 1;
			*was_up = ifi->ifi_flags & IFF_UP;
		}
	}
}

static int follow(struct env *e, struct wgar_nl *gev, struct wgar_nl *rev,
		  bool was_up)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[3];
	sigset_t set;
	int sfd, ret, a, b;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return err("signalfd: %s", strerror(errno));
	if (!e->quiet)
		fprintf(stderr, "wg-autoroute: following %s\n", e->ifname);
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = gev->fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = rev->fd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err("poll: %s", strerror(errno));
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) < 0)
				si.ssi_signo = SIGTERM;
			if (!e->quiet)
				fprintf(stderr, "wg-autoroute: %s, leaving the routes of %s in place\n",
					strsignal((int)si.ssi_signo), e->ifname);
			return follower_stop(e);
		}
		/* Link events first: no point re-reading a deleted device. */
		b = drain(e, rev, false, &was_up);
		a = drain(e, gev, true, &was_up);
		if (a < 0 || b < 0)
			return err("netlink: %s", strerror(-(a < 0 ? a : b)));
		if (b == 2)
			return follower_device_gone(e);
		if (a || b) {
			ret = follower_resync(e);
			if (ret <= 0)
				return ret ? 1 : 0;
		}
	}
}

static int cmd_up(const char *ifname, const char *table, bool want_follow,
		  bool quiet)
{
	struct wgar_table_arg mode;
	struct wgar_nl gev = { .fd = -1 }, rev = { .fd = -1 };
	struct wgar_device dev;
	struct wgar_state st;
	struct wgar_link link;
	struct env e;
	int ret, lock, status = 1;

	/* Everything is checked before anything is changed. */
	ret = wgar_table_parse(table, &wgar_rt_tables_default, &mode);
	if (ret == -ENOENT)
		return err("unknown table name '%s' (not in any rt_tables file)",
			   table);
	if (ret)
		return err("invalid table '%s'", table);
	if (open_env(&e, ifname, quiet))
		return 1;
	ret = wgar_link_get(&e.rtnl, ifname, 0, &link);
	if (ret == -ENODEV) {
		err("%s: no such interface", ifname);
		goto out;
	} else if (ret) {
		err("cannot look up %s: %s", ifname, strerror(-ret));
		goto out;
	}
	if (strcmp(link.kind, WGAR_LINK_KIND)) {
		err("%s is not a WireGuard interface (its kind is '%s')", ifname,
		    *link.kind ? link.kind : "none");
		goto out;
	}
	e.ifindex = link.ifindex;
	ret = wgar_genl_open(&e.genl);
	if (ret) {
		err("the generic netlink family \"wireguard\" is not available: %s",
		    ret == -ENOENT ? "is the module loaded?" : strerror(-ret));
		goto out;
	}
	e.have_genl = true;
	if (want_follow && !e.genl.peers_group) {
		err("--follow needs change notifications, but the loaded wireguard module has no \"%s\" multicast group (the in-tree module does not send them)",
		    "peers");
		goto out;
	}
	if (want_follow) {
		/* Listen before the first read, so that no change slips by. */
		ret = wgar_nl_open(&gev, NETLINK_GENERIC);
		if (!ret)
			ret = wgar_nl_join(&gev, e.genl.peers_group);
		if (!ret)
			ret = wgar_nl_open(&rev, NETLINK_ROUTE);
		if (!ret)
			ret = wgar_nl_join(&rev, RTNLGRP_LINK);
		if (ret) {
			err("cannot listen for changes: %s", strerror(-ret));
			goto out;
		}
	}
	ret = wgar_wg_get(&e.genl, e.ifindex, &dev);
	if (ret) {
		err("cannot read %s through generic netlink: %s", ifname,
		    ret == -EOPNOTSUPP ? "not a WireGuard device" :
		    strerror(-ret));
		goto out;
	}
	wgar_device_free(&dev);

	ret = load_locked(ifname, &st, &lock);
	if (ret && ret != -ENOENT)
		goto out;
	snprintf(st.ifname, sizeof(st.ifname), "%s", ifname);
	if (want_follow) {
		/* One follower per interface: a previous one steps down. */
		if (follower_alive(st.pid) && !kill(st.pid, SIGTERM) && !quiet)
			fprintf(stderr, "wg-autoroute: stopped the previous follower (pid %d)\n",
				st.pid);
		st.pid = getpid();
	} else if (!follower_alive(st.pid)) {
		st.pid = 0;
	}
	st.table = mode;
	ret = resync(&e, &st, &mode, true, true);
	if (ret && want_follow)
		st.pid = 0;
	if (store(&st))
		ret = ret ? ret : -EIO;
	close(lock);
	wgar_state_free(&st);
	if (ret)
		goto out;
	status = want_follow ? follow(&e, &gev, &rev, link.flags & IFF_UP) : 0;
out:
	wgar_nl_close(&gev);
	wgar_nl_close(&rev);
	close_env(&e);
	return status;
}

static int cmd_down(const char *ifname, bool quiet)
{
	struct wgar_table_arg off = { .mode = WGAR_MODE_OFF };
	struct wgar_state st;
	struct wgar_link link;
	struct env e;
	bool present = false;
	char path[4096];
	int ret, lock;

	/*
	 * Without a state directory nothing was ever recorded: do not create
	 * it. Otherwise only the lock tells, as an `up` may be writing.
	 */
	snprintf(path, sizeof(path), "%s", wgar_state_dir());
	if (access(path, F_OK) && errno == ENOENT) {
		if (!quiet)
			fprintf(stderr, "wg-autoroute: nothing recorded for %s\n",
				ifname);
		return 0;
	}
	ret = load_locked(ifname, &st, &lock);
	if (ret == -ENOENT) {
		if (!quiet)
			fprintf(stderr, "wg-autoroute: nothing recorded for %s\n",
				ifname);
		close(lock);
		return 0;
	}
	if (ret)
		return 1;
	if (follower_alive(st.pid) && !kill(st.pid, SIGTERM) && !quiet)
		fprintf(stderr, "wg-autoroute: stopped the follower (pid %d)\n",
			st.pid);
	st.pid = 0;
	if (open_env(&e, ifname, quiet)) {
		close(lock);
		wgar_state_free(&st);
		return 1;
	}
	/* The same device still? Else only what outlives it is left. */
	e.ifindex = st.ifindex;
	if (!wgar_link_get(&e.rtnl, ifname, 0, &link) &&
	    link.ifindex == st.ifindex && !wgar_genl_open(&e.genl)) {
		e.have_genl = true;
		present = true;
	}
	ret = resync(&e, &st, &off, present, false);
	if (store(&st))
		ret = ret ? ret : -EIO;
	close(lock);
	wgar_state_free(&st);
	close_env(&e);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "table", required_argument, NULL, 't' },
		{ "follow", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *table = NULL;
	bool follow_opt = false, quiet = false;
	sigset_t set;
	int c;

	while ((c = getopt_long(argc, argv, "t:fqh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			table = optarg;
			break;
		case 'f':
			follow_opt = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && !strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || (strcmp(argv[0], "up") && strcmp(argv[0], "down"))) {
		usage(stderr);
		return 2;
	}
	if (!valid_ifname(argv[1]))
		return err("invalid interface name '%s'", argv[1]);
	if (!strcmp(argv[0], "down") && (table || follow_opt)) {
		usage(stderr);
		return 2;
	}
	/*
	 * No signal may cut a change sequence short: they wait until the
	 * state is written (and a follower reads them from a signalfd).
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!strcmp(argv[0], "up"))
		return cmd_up(argv[1], table, follow_opt, quiet);
	return cmd_down(argv[1], quiet);
}
