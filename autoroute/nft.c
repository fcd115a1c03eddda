// SPDX-License-Identifier: GPL-2.0
/*
 * The nftables part of wg-quick's default-route setup. Like wg-quick we
 * hand a generated batch to `nft -f -`, which applies it atomically: the
 * table "wg-quick-IFACE" drops packets for the tunnel's own addresses that
 * arrive on another interface (they could otherwise be spoofed in, since
 * src_valid_mark loosens reverse-path filtering), and copies the fwmark of
 * the tunnel's UDP packets to conntrack and back, so replies of the outer
 * flow are routed like the flow itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nft.h"
#include "prefix.h"

static const char *pf(int family)
{
	return family == AF_INET6 ? "ip6" : "ip";
}

/**
 * wgar_nft_ruleset() - the batch wg-quick's add_default() feeds to nft.
 *
 * Same commands, same order, same text (down to the trailing blanks), so
 * `nft list ruleset` cannot tell which of the two tools set it up.
 * Returns the length written, or -ENOSPC.
 */
int wgar_nft_ruleset(char *buf, size_t size, int family, const char *ifname,
		     uint32_t fwtable, const struct wgar_prefix *addrs,
		     size_t n)
{
	const char *p = pf(family);
	size_t len = 0, i;
	char a[WGAR_PREFIX_STRLEN], *slash;
	int w;

#define OUT(...)							\
	do {								\
		w = snprintf(buf + len, size - len, __VA_ARGS__);	\
		if (w < 0 || (size_t)w >= size - len)			\
			return -ENOSPC;					\
		len += (size_t)w;					\
	} while (0)

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	OUT("add table %s wg-quick-%s\n", p, ifname);
	OUT("add chain %s wg-quick-%s preraw { type filter hook prerouting priority -300; }\n",
	    p, ifname);
	OUT("add chain %s wg-quick-%s premangle { type filter hook prerouting priority -150; }\n",
	    p, ifname);
	OUT("add chain %s wg-quick-%s postmangle { type filter hook postrouting priority -150; }\n",
	    p, ifname);
	for (i = 0; i < n; i++) {
		if (addrs[i].family != family)
			continue;
		wgar_prefix_str(&addrs[i], a, sizeof(a));
		slash = strchr(a, '/');
		if (slash)
			*slash = '\0';
		OUT("add rule %s wg-quick-%s preraw iifname != \"%s\" %s daddr %s fib saddr type != local drop\n",
		    p, ifname, ifname, p, a);
	}
	OUT("add rule %s wg-quick-%s postmangle meta l4proto udp mark %u ct mark set mark \n",
	    p, ifname, fwtable);
	OUT("add rule %s wg-quick-%s premangle meta l4proto udp meta mark set ct mark \n",
	    p, ifname);
#undef OUT
	return (int)len;
}

/**
 * wgar_run() - run a command, optionally feeding @input on its stdin.
 *
 * @quiet sends its stdout and stderr to /dev/null. Returns the exit status,
 * -ENOENT if the program does not exist, or another -errno.
 */
int wgar_run(const char *const argv[], const char *input, bool quiet)
{
	int in[2] = { -1, -1 }, status, fd;
	size_t off = 0, len = input ? strlen(input) : 0;
	pid_t pid;
	ssize_t w;

	if (pipe2(in, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		status = -errno;
		close(in[0]);
		close(in[1]);
		return status;
	}
	if (!pid) {
		sigset_t all;

		/* Our blocked signals would be inherited: unblock. */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		dup2(in[0], STDIN_FILENO);
		if (quiet) {
			fd = open("/dev/null", O_WRONLY);
			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execvp(argv[0], (char *const *)argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(in[0]);
	/* A child that exits early must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		w = write(in[1], input + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 127 ? -ENOENT :
						    WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* 1 if table wg-quick-@ifname exists, 0 if not, -ENOENT without nft. */
int wgar_nft_table_exists(int family, const char *ifname)
{
	char name[64];
	const char *argv[] = { "nft", "list", "table", pf(family), name,
			       NULL };
	int ret;

	snprintf(name, sizeof(name), "wg-quick-%s", ifname);
	ret = wgar_run(argv, NULL, true);
	return ret < 0 ? ret : ret == 0;
}

int wgar_nft_load(const char *ruleset)
{
	const char *argv[] = { "nft", "-f", "-", NULL };

	return wgar_run(argv, ruleset, false);
}

int wgar_nft_delete(int family, const char *ifname)
{
	char name[64];
	const char *argv[] = { "nft", "delete", "table", pf(family), name,
			       NULL };

	snprintf(name, sizeof(name), "wg-quick-%s", ifname);
	return wgar_run(argv, NULL, true);
}
