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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- BLAKE2s (RFC 7693), just what mac1 needs ---- */

static const uint32_t b2s_iv[8] = {
	0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
	0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
};

static const uint8_t b2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

struct b2s {
	uint32_t h[8], t[2];
	uint8_t buf[64];
	size_t buflen, outlen;
};

static uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

#define G(a, b, c, d, x, y) do {				\
	v[a] += v[b] + (x); v[d] = ror32(v[d] ^ v[a], 16);	\
	v[c] += v[d];       v[b] = ror32(v[b] ^ v[c], 12);	\
	v[a] += v[b] + (y); v[d] = ror32(v[d] ^ v[a], 8);	\
	v[c] += v[d];       v[b] = ror32(v[b] ^ v[c], 7);	\
} while (0)

static void b2s_compress(struct b2s *s, const uint8_t block[64], int last)
{
	uint32_t m[16], v[16];
	int i, r;

	for (i = 0; i < 16; i++)
		m[i] = le32(block + 4 * i);
	for (i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = b2s_iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
	for (r = 0; r < 10; r++) {
		const uint8_t *z = b2s_sigma[r];

		G(0, 4, 8, 12, m[z[0]], m[z[1]]);
		G(1, 5, 9, 13, m[z[2]], m[z[3]]);
		G(2, 6, 10, 14, m[z[4]], m[z[5]]);
		G(3, 7, 11, 15, m[z[6]], m[z[7]]);
		G(0, 5, 10, 15, m[z[8]], m[z[9]]);
		G(1, 6, 11, 12, m[z[10]], m[z[11]]);
		G(2, 7, 8, 13, m[z[12]], m[z[13]]);
		G(3, 4, 9, 14, m[z[14]], m[z[15]]);
	}
	for (i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static void b2s_update(struct b2s *s, const void *data, size_t len)
{
	const uint8_t *in = data;

	while (len) {
		size_t n;

		/* The last block is kept back: it needs the final flag. */
		if (s->buflen == 64) {
			s->t[0] += 64;
			if (s->t[0] < 64)
				s->t[1]++;
			b2s_compress(s, s->buf, 0);
			s->buflen = 0;
		}
		n = 64 - s->buflen;
		if (n > len)
			n = len;
		memcpy(s->buf + s->buflen, in, n);
		s->buflen += n;
		in += n;
		len -= n;
	}
}

static void b2s_init(struct b2s *s, size_t outlen, const void *key,
		     size_t keylen)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->h, b2s_iv, sizeof(s->h));
	s->h[0] ^= 0x01010000 ^ (uint32_t)(keylen << 8) ^ (uint32_t)outlen;
	s->outlen = outlen;
	if (keylen) {
		uint8_t block[64] = { 0 };

		memcpy(block, key, keylen);
		b2s_update(s, block, 64);
	}
}

static void b2s_final(struct b2s *s, uint8_t *out)
{
	uint8_t full[32];
	int i;

	s->t[0] += s->buflen;
	if (s->t[0] < s->buflen)
		s->t[1]++;
	memset(s->buf + s->buflen, 0, 64 - s->buflen);
	b2s_compress(s, s->buf, 1);
	for (i = 0; i < 8; i++) {
		full[4 * i] = s->h[i];
		full[4 * i + 1] = s->h[i] >> 8;
		full[4 * i + 2] = s->h[i] >> 16;
		full[4 * i + 3] = s->h[i] >> 24;
	}
	memcpy(out, full, s->outlen);
}

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
	struct b2s s;

	if (getrandom(msg, INITIATION_LEN, 0) != INITIATION_LEN) {
		perror("getrandom");
		exit(1);
	}
	msg[0] = MSG_INITIATION;
	msg[1] = msg[2] = msg[3] = 0;
	b2s_init(&s, 16, mac1_key, 32);
	b2s_update(&s, msg, MAC1_OFFSET);
	b2s_final(&s, msg + MAC1_OFFSET);
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
	struct b2s s;

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

	b2s_init(&s, 32, NULL, 0);
	b2s_update(&s, "mac1----", 8);
	b2s_update(&s, key, 32);
	b2s_final(&s, mac1_key);
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
