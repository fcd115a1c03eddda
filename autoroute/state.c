// SPDX-License-Identifier: GPL-2.0
/*
 * The state file, one per interface: a line-based text record of what we
 * added, rewritten atomically (temporary file + rename) after every change
 * so that a crash at any point leaves either the old or the new record.
 *
 * A lock file beside it serialises `up`, `down` and a follower touching
 * the same interface: each holds it from reading the state to writing it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prefix.h"
#include "state.h"

#define STATE_VERSION 1

void wgar_state_init(struct wgar_state *st)
{
	memset(st, 0, sizeof(*st));
	st->src_valid_mark_prev = -1;
	st->table.mode = WGAR_MODE_AUTO;
}

void wgar_state_free(struct wgar_state *st)
{
	free(st->routes);
	free(st->rules);
	wgar_state_init(st);
}

/* True when nothing recorded needs undoing. */
bool wgar_state_empty(const struct wgar_state *st)
{
	return !st->nroutes && !st->nrules && !st->nft && !st->fwmark_set;
}

int wgar_state_add_route(struct wgar_state *st, const struct wgar_route *r)
{
	if (wgar_grow((void **)&st->routes, &st->routes_cap, st->nroutes,
		      sizeof(*r)))
		return -ENOMEM;
	st->routes[st->nroutes++] = *r;
	return 0;
}

ssize_t wgar_state_find_route(const struct wgar_state *st,
			      const struct wgar_route *r)
{
	size_t i;

	for (i = 0; i < st->nroutes; i++)
		if (st->routes[i].table == r->table &&
		    wgar_prefix_eq(&st->routes[i].dst, &r->dst))
			return (ssize_t)i;
	return -1;
}

void wgar_state_del_route(struct wgar_state *st, size_t i)
{
	memmove(&st->routes[i], &st->routes[i + 1],
		(st->nroutes - i - 1) * sizeof(*st->routes));
	st->nroutes--;
}

int wgar_state_add_rule(struct wgar_state *st, const struct wgar_rule *r)
{
	if (wgar_grow((void **)&st->rules, &st->rules_cap, st->nrules,
		      sizeof(*r)))
		return -ENOMEM;
	st->rules[st->nrules++] = *r;
	return 0;
}

ssize_t wgar_state_find_rule(const struct wgar_state *st, int family,
			     int kind, uint32_t table)
{
	size_t i;

	for (i = 0; i < st->nrules; i++)
		if (st->rules[i].family == family &&
		    st->rules[i].kind == kind && st->rules[i].table == table)
			return (ssize_t)i;
	return -1;
}

void wgar_state_del_rule(struct wgar_state *st, size_t i)
{
	memmove(&st->rules[i], &st->rules[i + 1],
		(st->nrules - i - 1) * sizeof(*st->rules));
	st->nrules--;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

static const char *kind_name(int kind)
{
	return kind == WGAR_RULE_SUPPRESS ? "suppress" : "fwmark";
}

int wgar_state_write(const struct wgar_state *st, FILE *f)
{
	char buf[WGAR_PREFIX_STRLEN];
	size_t i;

	fprintf(f, "# wg-autoroute state: what `down` will remove\n");
	fprintf(f, "version %d\n", STATE_VERSION);
	fprintf(f, "ifname %s\n", st->ifname);
	fprintf(f, "ifindex %d\n", st->ifindex);
	fprintf(f, "mode %s\n", wgar_mode_name(st->table.mode));
	fprintf(f, "table %u\n", st->table.table);
	fprintf(f, "pid %d\n", st->pid);
	fprintf(f, "fwmark-set %u\n", st->fwmark_set);
	fprintf(f, "src-valid-mark-prev %d\n", st->src_valid_mark_prev);
	if (st->nft & WGAR_NFT_IP)
		fprintf(f, "nft ip\n");
	if (st->nft & WGAR_NFT_IP6)
		fprintf(f, "nft ip6\n");
	for (i = 0; i < st->nroutes; i++)
		fprintf(f, "route %s table %u\n",
			wgar_prefix_str(&st->routes[i].dst, buf, sizeof(buf)),
			st->routes[i].table);
	for (i = 0; i < st->nrules; i++)
		fprintf(f, "rule %s %s %u pref %u\n",
			family_name(st->rules[i].family),
			kind_name(st->rules[i].kind), st->rules[i].table,
			st->rules[i].pref);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_line(struct wgar_state *st, char *line, int *version)
{
	char *w[6], *save = NULL, *tok;
	unsigned long v, v2;
	int n = 0;

	line += strspn(line, " \t");
	if (*line == '#')
		return 0;
	for (tok = strtok_r(line, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (n == (int)ARRAY_SIZE(w))
			return -EINVAL;
		w[n++] = tok;
	}
	if (!n)
		return 0;
	if (n == 2 && !strcmp(w[0], "version")) {
		if (parse_uint(w[1], 1000, &v) || v != STATE_VERSION)
			return -EINVAL;
		*version = (int)v;
		return 0;
	}
	if (*version != STATE_VERSION)
		return -EINVAL;
	if (n == 2 && !strcmp(w[0], "ifname")) {
		if (strlen(w[1]) >= sizeof(st->ifname))
			return -EINVAL;
		strcpy(st->ifname, w[1]);
	} else if (n == 2 && !strcmp(w[0], "ifindex")) {
		if (parse_uint(w[1], 0x7fffffff, &v))
			return -EINVAL;
		st->ifindex = (int)v;
	} else if (n == 2 && !strcmp(w[0], "mode")) {
		if (!strcmp(w[1], "auto"))
			st->table.mode = WGAR_MODE_AUTO;
		else if (!strcmp(w[1], "off"))
			st->table.mode = WGAR_MODE_OFF;
		else if (!strcmp(w[1], "table"))
			st->table.mode = WGAR_MODE_TABLE;
		else
			return -EINVAL;
	} else if (n == 2 && !strcmp(w[0], "table")) {
		if (parse_uint(w[1], 0xffffffff, &v))
			return -EINVAL;
		st->table.table = (uint32_t)v;
	} else if (n == 2 && !strcmp(w[0], "pid")) {
		if (parse_uint(w[1], 0x7fffffff, &v))
			return -EINVAL;
		st->pid = (int)v;
	} else if (n == 2 && !strcmp(w[0], "fwmark-set")) {
		if (parse_uint(w[1], 0xffffffff, &v))
			return -EINVAL;
		st->fwmark_set = (uint32_t)v;
	} else if (n == 2 && !strcmp(w[0], "src-valid-mark-prev")) {
		if (!strcmp(w[1], "-1"))
			st->src_valid_mark_prev = -1;
		else if (!parse_uint(w[1], 0x7fffffff, &v))
			st->src_valid_mark_prev = (int)v;
		else
			return -EINVAL;
	} else if (n == 2 && !strcmp(w[0], "nft")) {
		if (!strcmp(w[1], "ip"))
			st->nft |= WGAR_NFT_IP;
		else if (!strcmp(w[1], "ip6"))
			st->nft |= WGAR_NFT_IP6;
		else
			return -EINVAL;
	} else if (n == 4 && !strcmp(w[0], "route") &&
		   !strcmp(w[2], "table")) {
		struct wgar_route r;

		if (wgar_prefix_parse(w[1], &r.dst) ||
		    parse_uint(w[3], 0xffffffff, &v))
			return -EINVAL;
		r.table = (uint32_t)v;
		return wgar_state_add_route(st, &r);
	} else if (n == 6 && !strcmp(w[0], "rule") &&
		   !strcmp(w[4], "pref")) {
		struct wgar_rule r = { 0 };

		if (!strcmp(w[1], "inet"))
			r.family = AF_INET;
		else if (!strcmp(w[1], "inet6"))
			r.family = AF_INET6;
		else
			return -EINVAL;
		if (!strcmp(w[2], "fwmark"))
			r.kind = WGAR_RULE_FWMARK;
		else if (!strcmp(w[2], "suppress"))
			r.kind = WGAR_RULE_SUPPRESS;
		else
			return -EINVAL;
		if (parse_uint(w[3], 0xffffffff, &v) ||
		    parse_uint(w[5], 0xffffffff, &v2))
			return -EINVAL;
		r.table = (uint32_t)v;
		r.pref = (uint32_t)v2;
		return wgar_state_add_rule(st, &r);
	} else {
		return -EINVAL;
	}
	return 0;
}

/**
 * wgar_state_read() - parse a state file written by wgar_state_write().
 * Returns 0, or -EINVAL for anything malformed (st is then emptied).
 */
int wgar_state_read(struct wgar_state *st, FILE *f)
{
	char line[512];
	int version = 0, ret = 0;

	wgar_state_init(st);
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			ret = -EINVAL;
			break;
		}
		ret = parse_line(st, line, &version);
		if (ret)
			break;
	}
	if (!ret && (version != STATE_VERSION || !st->ifname[0]))
		ret = -EINVAL;
	if (ret)
		wgar_state_free(st);
	return ret;
}

/* $WG_AUTOROUTE_STATE_DIR lets tests and unusual systems move it. */
const char *wgar_state_dir(void)
{
	const char *d = getenv("WG_AUTOROUTE_STATE_DIR");

	return d && *d ? d : WGAR_STATE_DIR;
}

/*
 * Interface names are only unique within a network namespace, and /run is
 * shared by all of them: outside the initial namespace the file name gets
 * the namespace's inode number, "wg0@net4026532281.state".
 */
static const char *netns_tag(void)
{
	static char tag[32];
	static bool done;
	struct stat self, init;

	if (done)
		return tag;
	done = true;
	if (stat("/proc/self/ns/net", &self))
		return tag;
	if (!stat("/proc/1/ns/net", &init) && init.st_ino == self.st_ino &&
	    init.st_dev == self.st_dev)
		return tag;
	snprintf(tag, sizeof(tag), "@net%llu",
		 (unsigned long long)self.st_ino);
	return tag;
}

int wgar_state_path(char *buf, size_t size, const char *ifname,
		    const char *suffix)
{
	int n = snprintf(buf, size, "%s/%s%s%s", wgar_state_dir(), ifname,
			 netns_tag(), suffix);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/**
 * wgar_state_load() - read the state of @ifname.
 * Returns 0; -ENOENT when there is none; another -errno on failure.
 */
int wgar_state_load(const char *ifname, struct wgar_state *st)
{
	char path[4096];
	FILE *f;
	int ret;

	wgar_state_init(st);
	ret = wgar_state_path(path, sizeof(path), ifname, ".state");
	if (ret)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = wgar_state_read(st, f);
	fclose(f);
	if (!ret && strcmp(st->ifname, ifname))
		ret = -EINVAL;
	return ret;
}

int wgar_state_save(const struct wgar_state *st)
{
	char path[4096], tmp[4200];
	int fd, ret;
	FILE *f;

	ret = wgar_state_path(path, sizeof(path), st->ifname, ".state");
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	ret = wgar_state_write(st, f);
	if (!ret && fsync(fileno(f)))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int wgar_state_remove(const char *ifname)
{
	char path[4096];

	if (wgar_state_path(path, sizeof(path), ifname, ".state"))
		return -ENAMETOOLONG;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

/**
 * wgar_state_lock() - take the per-interface lock, creating the directory.
 *
 * Returns the lock's file descriptor (closing it releases the lock) or
 * -errno. The lock file itself is never removed: removing it would let two
 * processes hold "the" lock on two different inodes.
 */
int wgar_state_lock(const char *ifname)
{
	char path[4096];
	int fd, ret;

	if (mkdir(wgar_state_dir(), 0700) && errno != EEXIST)
		return -errno;
	ret = wgar_state_path(path, sizeof(path), ifname, ".lock");
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	return fd;
}
