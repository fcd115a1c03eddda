// SPDX-License-Identifier: GPL-2.0
/*
 * wg-pin-keys: holds the kernel's receive-path static keys enabled for the
 * life of the guest, so that the kernel does not rewrite its own code while
 * packets are being received.
 *
 *   wg-pin-keys [--tstamp]
 *
 * Why: some static keys on the receive path are switched on and off by
 * ordinary activity in the tests. Every ping holds SO_TIMESTAMP
 * (netstamp_needed_key, tested first thing in __netif_receive_skb_core and
 * netif_receive_skb_list_internal), and every WireGuard socket is a UDP
 * encapsulation socket (udp_encap_needed_key, udpv6_encap_needed_key), so
 * the first ping, device or listen port after the last one is gone flips
 * the key. Each flip is a live patch of kernel text (int3, then the new
 * bytes, then IPIs). Under QEMU's TCG with several vCPUs we have twice seen
 * a vCPU execute a stale int3 after the patch had completed ("Oops: int3"
 * at exactly those sites, the jump already in place in the dumped code),
 * which kills the guest. Keeping the keys at a count of one or more means
 * the tests' own sockets only move the counter and the text is never
 * patched after boot. What the keys select is the same code a real system
 * runs whenever any such socket exists.
 *
 * The encapsulation keys are held with a UDP_ENCAP_L2TPINUDP socket that is
 * never bound: it receives nothing and carries no handler. --tstamp also
 * holds netstamp_needed_key with SO_TIMESTAMP (every received packet is
 * then time-stamped on arrival; the benchmark leaves that off).
 *
 * The program detaches into the background (the parent exits once the keys
 * are held, so a caller knows they are) and then sleeps forever.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_L2TPINUDP
#define UDP_ENCAP_L2TPINUDP 3
#endif

static int hold(int family, int level, int name, int val, const char *what)
{
	int fd = socket(family, SOCK_DGRAM, IPPROTO_UDP);

	if (fd < 0 || setsockopt(fd, level, name, &val, sizeof(val)) < 0) {
		fprintf(stderr, "wg-pin-keys: %s: %s\n", what, strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int tstamp = argc > 1 && !strcmp(argv[1], "--tstamp");
	int ok = 1;

	if (argc > 2 || (argc == 2 && !tstamp)) {
		fprintf(stderr, "usage: wg-pin-keys [--tstamp]\n");
		return 2;
	}
	/* An IPv6 socket enables both the IPv6 and the IPv4 encap key. */
	ok &= hold(AF_INET6, IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_L2TPINUDP,
		   "UDP_ENCAP") >= 0;
	if (tstamp)
		ok &= hold(AF_INET, SOL_SOCKET, SO_TIMESTAMP, 1,
			   "SO_TIMESTAMP") >= 0;
	if (!ok)
		return 1;
	if (daemon(0, 0) < 0) {
		perror("wg-pin-keys: daemon");
		return 1;
	}
	for (;;)
		pause();
}
