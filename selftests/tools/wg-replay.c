// SPDX-License-Identifier: GPL-2.0
/*
 * wg-replay: captures real WireGuard messages off an interface and sends the
 * very same Ethernet frames again, as an attacker on the wire would, with
 * the outer source address and port optionally rewritten.
 *
 *   wg-replay -i IFACE -p DPORT -t TYPE [-n N] [-w MS] [-m MINLEN]
 *             [-o FILE | -f FILE | -c] [-d MS] [-k K] [-s ADDR] [-S PORT]
 *
 *   -i IFACE  capture from and send on this interface (an AF_PACKET socket)
 *   -p DPORT  only UDP datagrams to this destination port (0: any)
 *   -t TYPE   only WireGuard messages of this type (1 initiation,
 *             2 response, 3 cookie reply, 4 data)
 *   -n N      stop after N matching frames (default 1)
 *   -w MS     give up capturing after MS milliseconds (default 10000)
 *   -m MINLEN only messages of at least MINLEN bytes (-m 33: data, not
 *             keepalives)
 *   -c        count only: capture, print, send nothing
 *   -o FILE   save the captured frames to FILE instead of sending them
 *   -f FILE   send the frames saved in FILE instead of capturing
 *   -d MS     wait MS milliseconds before sending
 *   -k K      send every frame K times (default 1)
 *   -s ADDR   rewrite the outer IPv4/IPv6 source address
 *   -S PORT   rewrite the UDP source port
 *
 * When capturing it prints "wg-replay: listening on IFACE" once the socket
 * is bound (so a script can start traffic after that), a line per frame,
 * and at the end "wg-replay: captured=N sent=M". Exits 0 unless a usage or
 * socket error happens; capturing fewer than N frames is not an error, the
 * caller reads the count.
 *
 * The UDP (and IPv4 header) checksums of every frame are recomputed before
 * sending: a frame captured on its way out of a veth may still carry only
 * the partial checksum meant for offload, which the receiver would drop as
 * corrupt before WireGuard ever saw it. For an unmodified frame the result
 * is exactly the checksum the original had on the wire.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAMES 256
#define MAX_FRAME 65536

struct frame {
	size_t len;
	unsigned char *data;
};

/* Where the interesting parts of a frame are; 0 when not a UDP frame. */
struct layout {
	int family;
	size_t l3, l4, payload;
	size_t payload_len;
};

static struct frame frames[MAX_FRAMES];
static unsigned int nframes;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * Finds the UDP payload in an Ethernet frame carrying IPv4 or IPv6. IPv4
 * fragments and IPv6 extension headers are not ours: WireGuard messages
 * this tool replays fit in one packet with a plain header.
 */
static int parse(const unsigned char *f, size_t len, struct layout *l)
{
	size_t ulen;

	memset(l, 0, sizeof(*l));
	if (len < ETH_HLEN)
		return -1;
	l->l3 = ETH_HLEN;
	switch (get16(f + 12)) {
	case ETH_P_IP: {
		const struct iphdr *ip = (const void *)(f + l->l3);

		if (len < l->l3 + sizeof(*ip) || ip->version != 4 ||
		    ip->ihl < 5 || ip->protocol != IPPROTO_UDP ||
		    (ntohs(ip->frag_off) & (IP_MF | IP_OFFMASK)))
			return -1;
		l->family = AF_INET;
		l->l4 = l->l3 + ip->ihl * 4;
		if (ntohs(ip->tot_len) < ip->ihl * 4 ||
		    l->l3 + ntohs(ip->tot_len) > len)
			return -1;
		len = l->l3 + ntohs(ip->tot_len);
		break;
	}
	case ETH_P_IPV6: {
		const struct ip6_hdr *ip6 = (const void *)(f + l->l3);

		if (len < l->l3 + sizeof(*ip6) ||
		    (ip6->ip6_vfc >> 4) != 6 || ip6->ip6_nxt != IPPROTO_UDP)
			return -1;
		l->family = AF_INET6;
		l->l4 = l->l3 + sizeof(*ip6);
		if (l->l4 + ntohs(ip6->ip6_plen) > len)
			return -1;
		len = l->l4 + ntohs(ip6->ip6_plen);
		break;
	}
	default:
		return -1;
	}
	if (len < l->l4 + sizeof(struct udphdr))
		return -1;
	ulen = get16(f + l->l4 + 4);
	if (ulen < sizeof(struct udphdr) || l->l4 + ulen > len)
		return -1;
	l->payload = l->l4 + sizeof(struct udphdr);
	l->payload_len = ulen - sizeof(struct udphdr);
	return 0;
}

static uint32_t sum16(uint32_t sum, const unsigned char *p, size_t len)
{
	while (len > 1) {
		sum += get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Recomputes the IPv4 header checksum and the UDP checksum, in place. */
static void fix_checksums(unsigned char *f, const struct layout *l)
{
	size_t ulen = l->payload_len + sizeof(struct udphdr);
	unsigned char *udp = f + l->l4;
	uint32_t sum;
	uint16_t c;

	if (l->family == AF_INET) {
		unsigned char *ip = f + l->l3;

		put16(ip + 10, 0);
		put16(ip + 10, fold(sum16(0, ip, l->l4 - l->l3)));
		sum = sum16(0, ip + 12, 8);	/* source, destination */
	} else {
		sum = sum16(0, f + l->l3 + 8, 32);
	}
	sum += IPPROTO_UDP + ulen;
	put16(udp + 6, 0);
	sum = sum16(sum, udp, ulen);
	c = fold(sum);
	/* 0 means "no checksum" for UDP: the same value is sent as ~0. */
	put16(udp + 6, c ? c : 0xffff);
}

static void describe(const char *what, const unsigned char *f,
		     const struct layout *l, int pkttype)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	size_t off = l->family == AF_INET ? 12 : 8;
	size_t alen = l->family == AF_INET ? 4 : 16;

	inet_ntop(l->family, f + l->l3 + off, s, sizeof(s));
	inet_ntop(l->family, f + l->l3 + off + alen, d, sizeof(d));
	printf("wg-replay: %s type=%u len=%zu %s%s%s:%u -> %s%s%s:%u%s\n", what,
	       f[l->payload], l->payload_len,
	       l->family == AF_INET6 ? "[" : "", s,
	       l->family == AF_INET6 ? "]" : "", get16(f + l->l4),
	       l->family == AF_INET6 ? "[" : "", d,
	       l->family == AF_INET6 ? "]" : "", get16(f + l->l4 + 2),
	       pkttype < 0 ? "" : pkttype == PACKET_OUTGOING ? " (out)" :
	       " (in)");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void capture(int fd, const char *ifname, int port, int type,
		    unsigned int want, long long wait_ms, size_t minlen)
{
	static unsigned char buf[MAX_FRAME];
	long long deadline = now_ms() + wait_ms;
	struct layout l;

	printf("wg-replay: listening on %s\n", ifname);
	fflush(stdout);
	while (nframes < want) {
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		long long left = deadline - now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (!(pfd.revents & POLLIN))
			continue;
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom");
		}
		if ((size_t)n > sizeof(buf) || parse(buf, n, &l) ||
		    (port && get16(buf + l.l4 + 2) != port) ||
		    l.payload_len < 4 ||
		    l.payload_len < minlen || buf[l.payload] != type ||
		    buf[l.payload + 1] || buf[l.payload + 2] ||
		    buf[l.payload + 3])
			continue;
		frames[nframes].data = malloc(n);
		if (!frames[nframes].data)
			die("malloc");
		memcpy(frames[nframes].data, buf, n);
		frames[nframes].len = n;
		nframes++;
		describe("captured", buf, &l, from.sll_pkttype);
		fflush(stdout);
	}
}

static void save(const char *path)
{
	FILE *f = fopen(path, "wb");
	unsigned int i;

	if (!f)
		die(path);
	for (i = 0; i < nframes; i++) {
		uint32_t len = frames[i].len;

		if (fwrite(&len, sizeof(len), 1, f) != 1 ||
		    fwrite(frames[i].data, len, 1, f) != 1)
			die(path);
	}
	if (fclose(f))
		die(path);
}

static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint32_t len;

	if (!f)
		die(path);
	while (nframes < MAX_FRAMES && fread(&len, sizeof(len), 1, f) == 1) {
		if (len > MAX_FRAME) {
			fprintf(stderr, "wg-replay: %s: bad frame length\n",
				path);
			exit(1);
		}
		frames[nframes].data = malloc(len ? len : 1);
		if (!frames[nframes].data)
			die("malloc");
		if (fread(frames[nframes].data, len, 1, f) != 1)
			die(path);
		frames[nframes++].len = len;
	}
	fclose(f);
}

/* Rewrites the source as asked; returns -1 if ADDR is of another family. */
static int rewrite(unsigned char *f, const struct layout *l,
		   const char *addr, int sport)
{
	if (addr) {
		unsigned char a[16];

		if (inet_pton(l->family, addr, a) != 1)
			return -1;
		if (l->family == AF_INET)
			memcpy(f + l->l3 + 12, a, 4);
		else
			memcpy(f + l->l3 + 8, a, 16);
	}
	if (sport >= 0)
		put16(f + l->l4, sport);
	fix_checksums(f, l);
	return 0;
}

/* Sends every frame TIMES times, rewritten as asked; returns how many. */
static unsigned int send_all(int fd, unsigned int times, const char *addr,
			     int sport)
{
	unsigned int i, k, sent = 0;
	struct layout l;

	for (i = 0; i < nframes; i++) {
		unsigned char *f = frames[i].data;

		if (parse(f, frames[i].len, &l) ||
		    rewrite(f, &l, addr, sport)) {
			fprintf(stderr, "wg-replay: frame %u: not UDP, or -s of the wrong family\n",
				i);
			exit(1);
		}
	}
	for (k = 0; k < times; k++) {
		for (i = 0; i < nframes; i++) {
			if (send(fd, frames[i].data, frames[i].len, 0) < 0)
				die("send");
			sent++;
			if (!k) {
				parse(frames[i].data, frames[i].len, &l);
				describe("sent", frames[i].data, &l, -1);
			}
		}
	}
	return sent;
}

static void usage(void)
{
	fputs("usage: wg-replay -i IFACE -p DPORT -t TYPE [-n N] [-w MS]\n"
	      "                 [-m MINLEN] [-o FILE | -f FILE | -c] [-d MS]\n"
	      "                 [-k K] [-s ADDR] [-S PORT]\n", stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *out = NULL, *in = NULL, *addr = NULL;
	int port = -1, type = -1, sport = -1, count_only = 0, opt;
	long long wait_ms = 10000, delay_ms = 0;
	unsigned int want = 1, times = 1, sent = 0;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	size_t minlen = 0;
	int fd;

	while ((opt = getopt(argc, argv, "i:p:t:n:w:m:co:f:d:k:s:S:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			type = atoi(optarg);
			break;
		case 'n':
			want = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			wait_ms = atoll(optarg);
			break;
		case 'm':
			minlen = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			count_only = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			in = optarg;
			break;
		case 'd':
			delay_ms = atoll(optarg);
			break;
		case 'k':
			times = strtoul(optarg, NULL, 0);
			break;
		case 's':
			addr = optarg;
			break;
		case 'S':
			sport = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!ifname || (!in && (port < 0 || port > 65535 || type < 0 ||
				type > 255)) ||
	    sport > 65535 || !want || want > MAX_FRAMES)
		usage();

	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		die(ifname);
	/*
	 * Protocol 0 at creation: the socket sees nothing until it is bound
	 * to the one interface, so no frame from elsewhere sneaks in.
	 */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)");
	/* Only sending frames loaded from a file: receive nothing. */
	sll.sll_protocol = in ? 0 : htons(ETH_P_ALL);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind");

	if (in)
		load(in);
	else
		capture(fd, ifname, port, type, want, wait_ms, minlen);
	if (out)
		save(out);

	if (!out && !count_only && nframes) {
		if (delay_ms > 0)
			usleep(delay_ms * 1000);
		sent = send_all(fd, times, addr, sport);
	}
	printf("wg-replay: captured=%u sent=%u\n", in ? 0 : nframes, sent);
	return 0;
}
