// SPDX-License-Identifier: GPL-2.0
/*
 * wg-flood: floods a WireGuard device with handshake initiations that carry
 * a valid mac1, from many spoofed IPv4 source addresses, to push it into its
 * "under load" state where it must answer with cookie replies instead of
 * doing Diffie-Hellman for everybody.
 *
 * Only mac1 has to be right for the device to spend work on a message: it
 * is keyed BLAKE2s-128 over the message up to mac1, with the key
 * HASH("mac1----" || responder's public key). Everything else (ephemeral,
 * encrypted static and timestamp) is random, so a device that is not under
 * load pays for one DH per message and then drops it.
 *
 * Packets are built by hand and sent through a raw socket with IP_HDRINCL,
 * so every source address of a range can be used. For the cookie replies to
 * come back, the sending namespace should treat that range as local
 * ("ip route add local RANGE dev lo") and the target should route it back;
 * they all arrive at one UDP port, where a second thread counts them.
 *
 *   wg-flood -k PUBKEY -d ADDR -p PORT [-s FIRST_SOURCE] [-n SOURCES]
 *            [-t SECONDS] [-P SOURCE_PORT] [-r PPS]
 *
 * Prints one line: "wg-flood: sent=N seconds=T rate=R/s cookies=C other=O".
 * Exits 0 when it could send, 1 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* BLAKE2s comes from the module's own crypto/ (see the Makefile). */
typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
#define __must_check __attribute__((warn_unused_result))
#include "blake2s.h"

/* ---- the message ---- */

enum {
	MSG_INITIATION = 1,
	MSG_COOKIE = 3,
	INITIATION_LEN = 148,
	MAC1_OFFSET = 116,	/* header, index, ephemeral, static, timestamp */
	NUM_MESSAGES = 64,
	BATCH = 64,
};

static int base64_key(const char *b64, uint8_t key[32])
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0, n = 0;

	/* 32 bytes are 43 characters and one '=' of padding. */
	if (strlen(b64) != 44 || b64[43] != '=')
		return -1;
	for (int i = 0; i < 43; i++) {
		const char *p = strchr(tab, b64[i]);

		if (!p || !*p)
			return -1;
		acc = acc << 6 | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < 32)
				key[n++] = acc >> bits;
		}
	}
	return n == 32 ? 0 : -1;
}

static void make_initiation(uint8_t msg[INITIATION_LEN],
			    const uint8_t mac1_key[32])
{
	if (getrandom(msg, INITIATION_LEN, 0) != INITIATION_LEN) {
		perror("getrandom");
		exit(1);
	}
	msg[0] = MSG_INITIATION;
	msg[1] = msg[2] = msg[3] = 0;
	wgc_blake2s(msg + MAC1_OFFSET, msg, mac1_key, 16, MAC1_OFFSET, 32);
	/* No cookie: mac2 is zero. */
	memset(msg + MAC1_OFFSET + 16, 0, 16);
}

static uint16_t ip_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* ---- the receiving side: counts what comes back ---- */

static atomic_ulong cookies, others;
static atomic_int stop_rx;

static void *receiver(void *arg)
{
	int fd = *(int *)arg;
	uint8_t buf[2048];

	while (!atomic_load(&stop_rx)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			if (n == 64 && buf[0] == MSG_COOKIE)
				atomic_fetch_add(&cookies, 1);
			else
				atomic_fetch_add(&others, 1);
		}
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: wg-flood -k PUBKEY -d ADDR -p PORT [-s FIRST_SOURCE] [-n SOURCES]\n"
			"                [-t SECONDS] [-P SOURCE_PORT] [-r MAX_PPS]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static uint8_t pkts[BATCH][sizeof(struct iphdr) + sizeof(struct udphdr) +
				   INITIATION_LEN];
	static uint8_t msgs[NUM_MESSAGES][INITIATION_LEN];
	const char *pubkey = NULL, *dst = NULL, *first = "10.77.0.1";
	unsigned long sources = 4096, sent = 0, max_pps = 0;
	unsigned int seconds = 10, dport = 0, sport = 40000;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in bind_addr = { .sin_family = AF_INET };
	uint8_t key[32], mac1_key[32];
	uint32_t src0, next_src = 0;
	double start, elapsed;
	pthread_t rx;
	int raw, udp, opt, one = 1;
	struct wgc_blake2s_state s;

	while ((opt = getopt(argc, argv, "k:d:p:s:n:t:P:r:")) != -1) {
		switch (opt) {
		case 'k': pubkey = optarg; break;
		case 'd': dst = optarg; break;
		case 'p': dport = strtoul(optarg, NULL, 0); break;
		case 's': first = optarg; break;
		case 'n': sources = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtoul(optarg, NULL, 0); break;
		case 'P': sport = strtoul(optarg, NULL, 0); break;
		case 'r': max_pps = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!pubkey || !dst || !dport || dport > 65535 || !sources ||
	    !sport || sport > 65535)
		usage();
	if (base64_key(pubkey, key)) {
		fprintf(stderr, "wg-flood: bad public key\n");
		return 1;
	}
	if (inet_pton(AF_INET, dst, &to.sin_addr) != 1 ||
	    inet_pton(AF_INET, first, &src0) != 1) {
		fprintf(stderr, "wg-flood: bad IPv4 address\n");
		return 1;
	}
	src0 = ntohl(src0);

	wgc_blake2s_init(&s, 32);
	wgc_blake2s_update(&s, (const u8 *)"mac1----", 8);
	wgc_blake2s_update(&s, key, 32);
	wgc_blake2s_final(&s, mac1_key);
	/* mac1 does not cover addresses: a few messages serve all sources. */
	for (int i = 0; i < NUM_MESSAGES; i++)
		make_initiation(msgs[i], mac1_key);

	raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (raw < 0 || setsockopt(raw, IPPROTO_IP, IP_HDRINCL, &one,
				  sizeof(one))) {
		perror("wg-flood: raw socket");
		return 1;
	}
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	bind_addr.sin_port = htons(sport);
	if (udp < 0 || bind(udp, (struct sockaddr *)&bind_addr,
			    sizeof(bind_addr))) {
		perror("wg-flood: reply socket");
		return 1;
	}
	if (pthread_create(&rx, NULL, receiver, &udp)) {
		fprintf(stderr, "wg-flood: cannot start the receiver\n");
		return 1;
	}

	for (int i = 0; i < BATCH; i++) {
		struct iphdr *ip = (struct iphdr *)pkts[i];
		struct udphdr *udph = (struct udphdr *)(ip + 1);

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(sizeof(pkts[i]));
		ip->daddr = to.sin_addr.s_addr;
		udph->source = htons(sport);
		udph->dest = htons(dport);
		udph->len = htons(sizeof(*udph) + INITIATION_LEN);
		/* A zero UDP checksum means "none" over IPv4. */
		udph->check = 0;
		iov[i].iov_base = pkts[i];
		iov[i].iov_len = sizeof(pkts[i]);
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &to;
		mm[i].msg_hdr.msg_namelen = sizeof(to);
	}

	start = now();
	while ((elapsed = now() - start) < seconds) {
		int n;

		if (max_pps && sent > max_pps * elapsed) {
			usleep(1000);
			continue;
		}
		for (int i = 0; i < BATCH; i++) {
			struct iphdr *ip = (struct iphdr *)pkts[i];

			ip->saddr = htonl(src0 + next_src);
			ip->id = htons(sent + i);
			ip->check = 0;
			ip->check = ip_checksum(ip, sizeof(*ip));
			memcpy(pkts[i] + sizeof(*ip) + sizeof(struct udphdr),
			       msgs[(sent + i) % NUM_MESSAGES], INITIATION_LEN);
			next_src = (next_src + 1) % sources;
		}
		n = sendmmsg(raw, mm, BATCH, 0);
		if (n < 0) {
			/* A full device queue is the point, not an error. */
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(100);
				continue;
			}
			perror("wg-flood: sendmmsg");
			break;
		}
		sent += n;
	}
	elapsed = now() - start;
	/* Replies still in flight. */
	sleep(1);
	atomic_store(&stop_rx, 1);
	pthread_join(rx, NULL);
	printf("wg-flood: sent=%lu seconds=%.1f rate=%.0f/s cookies=%lu other=%lu\n",
	       sent, elapsed, sent / (elapsed > 0 ? elapsed : 1),
	       atomic_load(&cookies), atomic_load(&others));
	return sent ? 0 : 1;
}
