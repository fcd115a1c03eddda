// SPDX-License-Identifier: GPL-2.0
/*
 * wg-hsbench: plays many WireGuard peers that all initiate handshakes with
 * one device (the responder) and counts the handshake responses it gets
 * back per second: the "handshakes/s with 1 000 peers initiating" workload
 * of make bench.
 *
 * Every peer is real as far as the responder can tell: a static key pair
 * derived from a seed (so the responder can be configured with the public
 * keys, see --print-config), its own IPv4 source address (one UDP socket,
 * the address chosen per message with IP_PKTINFO; the sending namespace
 * routes the whole range to lo as local addresses), Noise IKpsk2
 * initiations with a fresh ephemeral key each, TAI64N timestamps that
 * increase per peer, a correct mac1 and, once the responder has sent that
 * peer a cookie (it does so while "under load"), a mac2 made from it.
 *
 * Each peer has at most one initiation in flight, as a real peer does: it
 * sends the next one when the response came back (and at least FLOOD_GAP_MS
 * after, since responders ignore a peer's initiations that come faster than
 * 50/s), retries at once with mac2 when a cookie reply came instead (a real
 * peer would wait for its retransmit timer; the cookie is what counts), and
 * retransmits after RETRY_MS (REKEY_TIMEOUT) when nothing came back.
 *
 * The responder's work per handshake is four X25519 operations; ours is two
 * per initiation (the ephemeral's public key and its DH with the responder's
 * static key), both independent of the peer, plus two to check a response.
 * So that the generator does not compete with the responder for the CPU,
 * the ephemerals (with their DH and what follows from it) are computed
 * before the timed phase into a pool, each used once (optionally kept in a
 * cache file for the next run: a responder cannot tell, and every run then
 * costs the same); during the run the generator does only symmetric crypto.
 * Every response's receiver index, mac1 and destination address are
 * checked; every VERIFY_EVERY-th one is processed completely (both DHs, the
 * AEAD of the empty payload), and after the timed phase peer 0 completes a
 * handshake, derives the transport keys and sends a keepalive data packet,
 * which the responder only accepts (and only then records a "latest
 * handshake" for peer 0) if those keys are right. Responses that come after
 * their peer has retransmitted still count (the responder did the work) and
 * are reported as late.
 *
 *   wg-hsbench --print-config [-S SEED] [-n PEERS] [-l LISTEN_PORT]
 *   wg-hsbench -d ADDR -p PORT [-S SEED] [-n PEERS] [-s FIRST_SOURCE]
 *              [-P SOURCE_PORT] [-t SECONDS] [-w WARMUP_SECONDS]
 *              [-e POOL] [-C CACHE_FILE] [-V VERIFY_EVERY] [-R RETRY_MS]
 *
 * Prints "wg-hsbench: key=value ..." (see the end of main()); exits 0 when
 * no response failed verification and the final handshake with its data
 * packet was completed, 1 otherwise.
 *
 * The crypto is the module's own crypto/ library, compiled for userspace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What crypto/'s headers expect from the kernel's <linux/types.h>. */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#define __must_check __attribute__((warn_unused_result))
#define __aligned(x) __attribute__((aligned(x)))
/* Control message buffers are walked as struct cmsghdr. */
#define CMSG_ALIGNMENT __alignof__(struct cmsghdr)
#include "blake2s.h"
#include "chacha20poly1305.h"
#include "curve25519.h"
#include "wgcrypto.h"

enum {
	KEY_LEN = 32,
	HASH_LEN = 32,
	TAG_LEN = 16,
	MAC_LEN = 16,
	TS_LEN = 12,
	COOKIE_LEN = 16,
	COOKIE_NONCE_LEN = 24,

	MSG_INITIATION = 1,
	MSG_RESPONSE = 2,
	MSG_COOKIE = 3,
	MSG_DATA = 4,

	/* type, sender, ephemeral, static + tag, timestamp + tag, macs */
	INIT_LEN = 4 + 4 + 32 + 48 + 28 + 16 + 16,
	INIT_MAC1 = INIT_LEN - 32,
	INIT_MAC2 = INIT_LEN - 16,
	/* type, sender, receiver, ephemeral, empty + tag, macs */
	RESP_LEN = 4 + 4 + 4 + 32 + 16 + 16 + 16,
	RESP_MAC1 = RESP_LEN - 32,
	/* type, receiver, nonce, cookie + tag */
	COOKIE_MSG_LEN = 4 + 4 + 24 + 32,
	/* type, receiver, counter, empty payload + tag */
	KEEPALIVE_LEN = 4 + 4 + 8 + 16,

	BATCH = 64,
	FLOOD_GAP_MS = 30,
	MAX_PEERS = 65536,
};

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

/* ---- Noise helpers over crypto/ ---- */

static void hash2(u8 out[HASH_LEN], const u8 *a, size_t alen, const u8 *b,
		  size_t blen)
{
	struct wgc_blake2s_state s;

	wgc_blake2s_init(&s, HASH_LEN);
	wgc_blake2s_update(&s, a, alen);
	wgc_blake2s_update(&s, b, blen);
	wgc_blake2s_final(&s, out);
}

/* H = HASH(H || data) */
static void mix_hash(u8 h[HASH_LEN], const u8 *data, size_t len)
{
	hash2(h, h, HASH_LEN, data, len);
}

/*
 * KDF_n(C, input): t0 = HMAC(C, input), t1 = HMAC(t0, 0x1),
 * ti = HMAC(t0, t(i-1) || i); out1..out3 may be NULL from the end.
 */
static void kdf(u8 *out1, u8 *out2, u8 *out3, const u8 c[HASH_LEN],
		const u8 *in, size_t inlen)
{
	u8 t0[HASH_LEN], t[HASH_LEN + 1];

	wgc_blake2s_hmac(t0, in, c, inlen, HASH_LEN);
	t[0] = 1;
	wgc_blake2s_hmac(t, t, t0, 1, HASH_LEN);
	memcpy(out1, t, HASH_LEN);
	if (out2) {
		t[HASH_LEN] = 2;
		wgc_blake2s_hmac(t, t, t0, HASH_LEN + 1, HASH_LEN);
		memcpy(out2, t, HASH_LEN);
	}
	if (out3) {
		t[HASH_LEN] = 3;
		wgc_blake2s_hmac(t, t, t0, HASH_LEN + 1, HASH_LEN);
		memcpy(out3, t, HASH_LEN);
	}
}

/* Keyed BLAKE2s-128, mac1 and mac2. */
static void mac(u8 out[MAC_LEN], const u8 *key, size_t keylen, const u8 *msg,
		size_t len)
{
	wgc_blake2s(out, msg, key, MAC_LEN, len, keylen);
}

static bool dh(u8 out[KEY_LEN], const u8 priv[KEY_LEN], const u8 pub[KEY_LEN])
{
	return wgc_curve25519(out, priv, pub);
}

static void put_le32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static u32 get_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static void base64_key(char out[45], const u8 key[KEY_LEN])
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	u32 acc = 0;
	int bits = 0, n = 0;

	for (int i = 0; i < KEY_LEN; i++) {
		acc = acc << 8 | key[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = tab[(acc >> bits) & 63];
		}
	}
	out[n++] = tab[(acc << (6 - bits)) & 63];
	out[n++] = '=';
	out[n] = 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- keys from the seed ---- */

static void derive_key(u8 out[KEY_LEN], const char *what, const char *seed,
		       u32 i)
{
	struct wgc_blake2s_state s;
	u8 le[4];

	put_le32(le, i);
	wgc_blake2s_init(&s, KEY_LEN);
	wgc_blake2s_update(&s, (const u8 *)what, strlen(what) + 1);
	wgc_blake2s_update(&s, (const u8 *)seed, strlen(seed) + 1);
	wgc_blake2s_update(&s, le, 4);
	wgc_blake2s_final(&s, out);
	wgc_curve25519_clamp_secret(out);
}

/* ---- the pool of precomputed ephemerals ---- */

/*
 * Everything of an initiation up to the encryption of the initiator's
 * static key depends only on the ephemeral and the responder:
 * C1 = KDF1(C0, E_pub), H1 = HASH(H0 || S_r || E_pub),
 * (C2, k) = KDF2(C1, DH(E_priv, S_r)).
 */
struct eph {
	u8 priv[KEY_LEN], pub[KEY_LEN];
	u8 h1[HASH_LEN], c2[HASH_LEN], k[KEY_LEN];
};

static u8 c0[HASH_LEN], h0[HASH_LEN];	/* H0 includes S_r */
static u8 resp_pub[KEY_LEN];

static bool make_eph(struct eph *e)
{
	u8 c1[HASH_LEN], shared[KEY_LEN];

	wgc_curve25519_generate_secret(e->priv);
	if (!wgc_curve25519_generate_public(e->pub, e->priv))
		return false;
	kdf(c1, NULL, NULL, c0, e->pub, KEY_LEN);
	hash2(e->h1, h0, HASH_LEN, e->pub, KEY_LEN);
	if (!dh(shared, e->priv, resp_pub))
		return false;
	kdf(e->c2, e->k, NULL, c1, shared, KEY_LEN);
	return true;
}

struct fill_job {
	struct eph *pool;
	size_t from, to;
	bool ok;
};

static void *fill(void *arg)
{
	struct fill_job *job = arg;

	job->ok = true;
	for (size_t i = job->from; i < job->to; i++)
		if (!make_eph(&job->pool[i]))
			job->ok = false;
	return NULL;
}

/* Fills pool[from..n) with one thread per CPU. */
static bool fill_pool(struct eph *pool, size_t from, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct fill_job jobs[16];
	pthread_t tids[16];
	bool started[16];
	bool ok = true;
	int t;

	if (cpus < 1)
		cpus = 1;
	if (cpus > 16)
		cpus = 16;
	for (t = 0; t < cpus; t++) {
		jobs[t].pool = pool;
		jobs[t].from = from + (n - from) * t / cpus;
		jobs[t].to = from + (n - from) * (t + 1) / cpus;
		started[t] = !pthread_create(&tids[t], NULL, fill, &jobs[t]);
		/* No thread: this one does that share itself. */
		if (!started[t])
			fill(&jobs[t]);
	}
	for (t = 0; t < cpus; t++) {
		if (started[t])
			pthread_join(tids[t], NULL);
		ok &= jobs[t].ok;
	}
	return ok;
}

#define CACHE_MAGIC "wg-hsbench pool v1"

/* Reads up to n entries made for this responder; returns how many. */
static size_t load_pool(const char *path, struct eph *pool, size_t n)
{
	char magic[sizeof(CACHE_MAGIC)];
	u8 pub[KEY_LEN];
	size_t got;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return 0;
	if (fread(magic, sizeof(magic), 1, f) != 1 ||
	    memcmp(magic, CACHE_MAGIC, sizeof(magic)) ||
	    fread(pub, KEY_LEN, 1, f) != 1 || memcmp(pub, resp_pub, KEY_LEN)) {
		fclose(f);
		return 0;
	}
	got = fread(pool, sizeof(*pool), n, f);
	fclose(f);
	return got;
}

static void save_pool(const char *path, const struct eph *pool, size_t n)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f)
		return;
	if (fwrite(CACHE_MAGIC, sizeof(CACHE_MAGIC), 1, f) != 1 ||
	    fwrite(resp_pub, KEY_LEN, 1, f) != 1 ||
	    fwrite(pool, sizeof(*pool), n, f) != n) {
		fclose(f);
		unlink(tmp);
		return;
	}
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

/* ---- peers ---- */

enum peer_state { IDLE, WAITING };

struct peer {
	u8 priv[KEY_LEN], pub[KEY_LEN];
	u8 ss[KEY_LEN];			/* DH(S_i, S_r), static */
	u8 mac1_key[HASH_LEN];		/* HASH("mac1----" || S_i) */
	struct in_addr addr;
	enum peer_state state;
	u32 index;			/* sender index in flight */
	u16 generation;
	double sent_at;
	u64 ts_sec;			/* last TAI64N sent */
	u32 ts_nsec;
	u8 last_mac1[MAC_LEN];		/* AD of a cookie reply */
	u8 cookie[COOKIE_LEN];
	bool has_cookie;
	bool sent_mac2;		/* the initiation in flight has one */
	/* Handshake state after our initiation, for a full check. */
	u8 c[HASH_LEN], h[HASH_LEN];
	u8 eph_priv[KEY_LEN];
};

static struct peer *peers;
static unsigned int npeers = 1000;
static u8 resp_mac1_key[HASH_LEN], cookie_key[KEY_LEN];

/* Builds peer p's next initiation into msg with ephemeral e. */
static void make_initiation(struct peer *p, const struct eph *e, u8 *msg)
{
	u8 h[HASH_LEN], c[HASH_LEN], k[KEY_LEN], ts[TS_LEN];
	struct timespec now;
	u64 sec;
	u32 nsec;

	p->generation++;
	p->index = (u32)p->generation << 16 | (u32)(p - peers);
	put_le32(msg, MSG_INITIATION);
	put_le32(msg + 4, p->index);
	memcpy(msg + 8, e->pub, KEY_LEN);

	/* msg.static = AEAD(k, 0, S_i, H1); H2 = HASH(H1 || msg.static) */
	wgc_chacha20poly1305_encrypt(msg + 40, p->pub, KEY_LEN, e->h1,
				     HASH_LEN, 0, e->k);
	hash2(h, e->h1, HASH_LEN, msg + 40, KEY_LEN + TAG_LEN);

	/* (C3, k) = KDF2(C2, DH(S_i, S_r)) */
	kdf(c, k, NULL, e->c2, p->ss, KEY_LEN);

	/*
	 * TAI64N of the wall clock, but strictly above the last one this peer
	 * sent: the responder drops an initiation whose timestamp is not newer.
	 */
	clock_gettime(CLOCK_REALTIME, &now);
	sec = (1ULL << 62) + 10 + (u64)now.tv_sec;
	nsec = now.tv_nsec;
	if (sec < p->ts_sec || (sec == p->ts_sec && nsec <= p->ts_nsec)) {
		sec = p->ts_sec;
		nsec = p->ts_nsec + 1;
		if (nsec >= 1000000000) {
			sec++;
			nsec = 0;
		}
	}
	p->ts_sec = sec;
	p->ts_nsec = nsec;
	for (int i = 0; i < 8; i++)
		ts[i] = sec >> (56 - 8 * i);
	for (int i = 0; i < 4; i++)
		ts[8 + i] = nsec >> (24 - 8 * i);
	wgc_chacha20poly1305_encrypt(msg + 88, ts, TS_LEN, h, HASH_LEN, 0, k);
	mix_hash(h, msg + 88, TS_LEN + TAG_LEN);

	memcpy(p->c, c, HASH_LEN);
	memcpy(p->h, h, HASH_LEN);
	memcpy(p->eph_priv, e->priv, KEY_LEN);

	mac(msg + INIT_MAC1, resp_mac1_key, HASH_LEN, msg, INIT_MAC1);
	memcpy(p->last_mac1, msg + INIT_MAC1, MAC_LEN);
	p->sent_mac2 = p->has_cookie;
	if (p->has_cookie)
		mac(msg + INIT_MAC2, p->cookie, COOKIE_LEN, msg, INIT_MAC2);
	else
		memset(msg + INIT_MAC2, 0, MAC_LEN);
}

/*
 * The initiator's side of the response, completely: on success, the
 * transport keys and the responder's index for data messages.
 */
static bool consume_response(const struct peer *p, const u8 *msg,
			     u8 send_key[KEY_LEN], u8 recv_key[KEY_LEN])
{
	u8 c[HASH_LEN], h[HASH_LEN], shared[KEY_LEN], tau[HASH_LEN];
	u8 k[KEY_LEN], empty[1];
	static const u8 psk[KEY_LEN];
	const u8 *e_r = msg + 12;

	memcpy(c, p->c, HASH_LEN);
	memcpy(h, p->h, HASH_LEN);
	kdf(c, NULL, NULL, c, e_r, KEY_LEN);
	mix_hash(h, e_r, KEY_LEN);
	if (!dh(shared, p->eph_priv, e_r))
		return false;
	kdf(c, NULL, NULL, c, shared, KEY_LEN);
	if (!dh(shared, p->priv, e_r))
		return false;
	kdf(c, NULL, NULL, c, shared, KEY_LEN);
	kdf(c, tau, k, c, psk, KEY_LEN);
	mix_hash(h, tau, HASH_LEN);
	if (!wgc_chacha20poly1305_decrypt(empty, msg + 44, TAG_LEN, h,
					  HASH_LEN, 0, k))
		return false;
	kdf(send_key, recv_key, NULL, c, NULL, 0);
	return true;
}

/* ---- the event loop ---- */

/* FIFO of peer numbers; a peer is in at most one queue at a time. */
struct fifo {
	u32 *id;
	double *at;
	unsigned int head, len;
};

static void fifo_init(struct fifo *q)
{
	q->id = calloc(npeers, sizeof(*q->id));
	q->at = calloc(npeers, sizeof(*q->at));
	if (!q->id || !q->at) {
		fprintf(stderr, "wg-hsbench: out of memory\n");
		exit(1);
	}
	q->head = 0;
	q->len = 0;
}

static void fifo_push(struct fifo *q, u32 id, double at)
{
	unsigned int i = (q->head + q->len++) % npeers;

	q->id[i] = id;
	q->at[i] = at;
}

static void fifo_push_front(struct fifo *q, u32 id, double at)
{
	q->head = (q->head + npeers - 1) % npeers;
	q->len++;
	q->id[q->head] = id;
	q->at[q->head] = at;
}

static bool fifo_ready(const struct fifo *q, double now)
{
	return q->len && q->at[q->head] <= now;
}

static u32 fifo_pop(struct fifo *q)
{
	u32 id = q->id[q->head];

	q->head = (q->head + 1) % npeers;
	q->len--;
	return id;
}

struct counters {
	unsigned long sent, responses, cookies, retries, verified, bad;
	unsigned long rx_overflows;	/* dropped by our socket, full */
	unsigned long late, misaddressed, bad_mac1, other, live_eph;
	unsigned long seen;	/* responses, counted or not */
	unsigned long cookies_all, mac2_responses;	/* warm-up too */
};

static int sock;
static struct sockaddr_in target;
static struct eph *pool;
static size_t pool_len, pool_next;
static struct fifo now_q, later_q;
static unsigned int verify_every = 32;
static double retry_s = 5.0;

static const struct eph *next_eph(struct counters *cnt)
{
	static struct eph live;

	if (pool_next < pool_len)
		return &pool[pool_next++];
	/* Pool exhausted: the generator now competes for the CPU. */
	cnt->live_eph++;
	if (!make_eph(&live)) {
		fprintf(stderr, "wg-hsbench: ephemeral failed\n");
		exit(1);
	}
	return &live;
}

/* Sends up to BATCH initiations of ready peers; returns how many. */
static int send_ready(double now, struct counters *cnt, bool counting)
{
	static u8 msgs[BATCH][INIT_LEN];
	static u8 cbuf[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))]
		__aligned(CMSG_ALIGNMENT);
	static struct mmsghdr mm[BATCH];
	static struct iovec iov[BATCH];
	u32 ids[BATCH];
	int n = 0, sent;

	while (n < BATCH) {
		struct in_pktinfo *pi;
		struct cmsghdr *cm;
		struct peer *p;

		if (fifo_ready(&now_q, now))
			ids[n] = fifo_pop(&now_q);
		else if (fifo_ready(&later_q, now))
			ids[n] = fifo_pop(&later_q);
		else
			break;
		p = &peers[ids[n]];
		make_initiation(p, next_eph(cnt), msgs[n]);
		iov[n].iov_base = msgs[n];
		iov[n].iov_len = INIT_LEN;
		memset(&mm[n], 0, sizeof(mm[n]));
		mm[n].msg_hdr.msg_name = &target;
		mm[n].msg_hdr.msg_namelen = sizeof(target);
		mm[n].msg_hdr.msg_iov = &iov[n];
		mm[n].msg_hdr.msg_iovlen = 1;
		/* The peer's own source address. */
		mm[n].msg_hdr.msg_control = cbuf[n];
		mm[n].msg_hdr.msg_controllen = sizeof(cbuf[n]);
		cm = CMSG_FIRSTHDR(&mm[n].msg_hdr);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(*pi));
		pi = (struct in_pktinfo *)CMSG_DATA(cm);
		memset(pi, 0, sizeof(*pi));
		pi->ipi_spec_dst = p->addr;
		p->state = WAITING;
		p->sent_at = now;
		n++;
	}
	if (!n)
		return 0;
	sent = sendmmsg(sock, mm, n, 0);
	if (sent < 0) {
		if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
			perror("wg-hsbench: sendmmsg");
			exit(1);
		}
		sent = 0;
	}
	/* Not sent: first in line again (their ephemerals are spent). */
	for (int i = n - 1; i >= sent; i--) {
		peers[ids[i]].state = IDLE;
		fifo_push_front(&now_q, ids[i], now);
	}
	if (counting)
		cnt->sent += sent;
	return sent;
}

/* A received message; returns the peer whose response it was, or NULL. */
static struct peer *handle(const u8 *buf, ssize_t len, struct in_addr dst,
			   double now, struct counters *cnt, bool counting)
{
	u8 m[MAC_LEN], cookie[COOKIE_LEN];
	struct peer *p;
	u32 idx;

	if (len == RESP_LEN && get_le32(buf) == MSG_RESPONSE) {
		idx = get_le32(buf + 8);
	} else if (len == COOKIE_MSG_LEN && get_le32(buf) == MSG_COOKIE) {
		idx = get_le32(buf + 4);
	} else {
		cnt->other++;
		return NULL;
	}
	if ((idx & 0xffff) >= npeers) {
		cnt->other++;
		return NULL;
	}
	p = &peers[idx & 0xffff];
	/* The responder answers the endpoint the initiation came from. */
	if (dst.s_addr != p->addr.s_addr) {
		cnt->misaddressed++;
		return NULL;
	}
	if (p->state != WAITING || p->index != idx) {
		/*
		 * An answer to an initiation this peer has given up on
		 * (retransmitted after RETRY_MS, as real peers do when the
		 * responder is slow): still a handshake the responder
		 * completed, so it counts, but it completes nothing here.
		 */
		if (get_le32(buf) == MSG_RESPONSE) {
			mac(m, p->mac1_key, HASH_LEN, buf, RESP_MAC1);
			if (memcmp(m, buf + RESP_MAC1, MAC_LEN)) {
				cnt->bad_mac1++;
				return NULL;
			}
			if (counting)
				cnt->responses++;
		}
		cnt->late++;
		return NULL;
	}
	if (get_le32(buf) == MSG_COOKIE) {
		/* cookie = XAEAD(HASH("cookie--" || S_r), nonce, ., mac1) */
		if (!wgc_xchacha20poly1305_decrypt(cookie, buf + 32,
						   COOKIE_LEN + TAG_LEN,
						   p->last_mac1, MAC_LEN,
						   buf + 8, cookie_key)) {
			cnt->bad++;
			return NULL;
		}
		memcpy(p->cookie, cookie, COOKIE_LEN);
		p->has_cookie = true;
		p->state = IDLE;
		fifo_push(&now_q, (u32)(p - peers), now);
		cnt->cookies_all++;
		if (counting)
			cnt->cookies++;
		return NULL;
	}
	mac(m, p->mac1_key, HASH_LEN, buf, RESP_MAC1);
	if (memcmp(m, buf + RESP_MAC1, MAC_LEN)) {
		cnt->bad_mac1++;
		return NULL;
	}
	if (verify_every && cnt->seen++ % verify_every == 0) {
		u8 ks[KEY_LEN], kr[KEY_LEN];

		if (consume_response(p, buf, ks, kr))
			cnt->verified++;
		else
			cnt->bad++;
	}
	if (counting)
		cnt->responses++;
	if (p->sent_mac2)
		cnt->mac2_responses++;
	p->state = IDLE;
	/* Responders ignore a peer's initiations that come within 20 ms. */
	fifo_push(&later_q, (u32)(p - peers), now + FLOOD_GAP_MS / 1000.0);
	return p;
}

/* Receives what is there (without waiting); returns how many. */
static int receive_some(double now, struct counters *cnt, bool counting,
			struct peer **last, u8 *last_msg)
{
	static u8 bufs[BATCH][256];
	static u8 cbuf[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo)) +
			      CMSG_SPACE(sizeof(u32))] __aligned(CMSG_ALIGNMENT);
	static struct mmsghdr mm[BATCH];
	static struct iovec iov[BATCH];
	int n;

	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = cbuf[i];
		mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
	}
	n = recvmmsg(sock, mm, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		struct in_addr dst = { 0 };
		struct cmsghdr *cm;
		struct peer *p;

		for (cm = CMSG_FIRSTHDR(&mm[i].msg_hdr); cm;
		     cm = CMSG_NXTHDR(&mm[i].msg_hdr, cm))
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO)
				dst = ((struct in_pktinfo *)CMSG_DATA(cm))->ipi_addr;
			else if (cm->cmsg_level == SOL_SOCKET &&
				 cm->cmsg_type == SO_RXQ_OVFL)
				cnt->rx_overflows = *(u32 *)CMSG_DATA(cm);
		p = handle(bufs[i], mm[i].msg_len, dst, now, cnt, counting);
		if (p && last) {
			*last = p;
			memcpy(last_msg, bufs[i], RESP_LEN);
		}
	}
	return n;
}

/* Initiations that got no answer within the retransmit timeout. */
static void retransmit_lost(double now, struct counters *cnt)
{
	for (unsigned int i = 0; i < npeers; i++) {
		if (peers[i].state == WAITING &&
		    now - peers[i].sent_at > retry_s) {
			peers[i].state = IDLE;
			fifo_push(&now_q, i, now);
			cnt->retries++;
		}
	}
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void wait_readable(int ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };

	poll(&pfd, 1, ms);
}

/*
 * After the timed phase: peer 0 (alone, everybody else quiet) completes a
 * handshake and sends a keepalive with the derived key. Returns true once
 * the keepalive is sent; the responder's counters for peer 0 show whether
 * it was accepted.
 */
static bool final_handshake(struct counters *cnt)
{
	struct peer *p = &peers[0];
	u8 msg[INIT_LEN], resp[RESP_LEN], ks[KEY_LEN], kr[KEY_LEN];
	u8 data[KEEPALIVE_LEN];
	struct counters scratch = { 0 };
	double start = now_s(), now, quiet = start;

	/*
	 * Let the other peers' last initiations be answered and forgotten:
	 * the responder's queue may still hold many (seconds of work under
	 * TCG), and ours would wait behind them.
	 */
	while ((now = now_s()) - quiet < 0.5 && now - start < 20) {
		if (receive_some(now, &scratch, false, NULL, NULL))
			quiet = now;
		wait_readable(50);
	}
	for (unsigned int i = 0; i < npeers; i++)
		peers[i].state = IDLE;
	now_q.len = 0;
	later_q.len = 0;

	for (int attempt = 0; attempt < 5; attempt++) {
		struct peer *got = NULL;
		u8 cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))]
			__aligned(CMSG_ALIGNMENT);
		struct iovec iov = { .iov_base = msg, .iov_len = INIT_LEN };
		struct msghdr mh = {
			.msg_name = &target, .msg_namelen = sizeof(target),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		struct in_pktinfo pi = { .ipi_spec_dst = p->addr };

		usleep(FLOOD_GAP_MS * 1000);
		make_initiation(p, next_eph(&scratch), msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		if (sendmsg(sock, &mh, 0) != INIT_LEN)
			continue;
		p->state = WAITING;
		p->sent_at = now_s();
		while (!got && p->state == WAITING &&
		       now_s() - p->sent_at < 3.0) {
			wait_readable(50);
			receive_some(now_s(), &scratch, false, &got, resp);
		}
		if (got != p)
			continue;	/* a cookie, or nothing: again */
		if (!consume_response(p, resp, ks, kr)) {
			cnt->bad++;
			return false;
		}
		/* Keepalive: counter 0, empty payload, to the responder's index. */
		put_le32(data, MSG_DATA);
		memcpy(data + 4, resp + 4, 4);
		memset(data + 8, 0, 8);
		wgc_chacha20poly1305_encrypt(data + 16, NULL, 0, NULL, 0, 0, ks);
		iov.iov_base = data;
		iov.iov_len = sizeof(data);
		mh.msg_controllen = sizeof(cbuf);
		return sendmsg(sock, &mh, 0) == sizeof(data);
	}
	return false;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: wg-hsbench --print-config [-S SEED] [-n PEERS] [-l LISTEN_PORT]\n"
		"       wg-hsbench -d ADDR -p PORT [-S SEED] [-n PEERS] [-s FIRST_SOURCE]\n"
		"                  [-P SOURCE_PORT] [-t SECONDS] [-w WARMUP_SECONDS]\n"
		"                  [-e POOL] [-C CACHE_FILE] [-V VERIFY_EVERY] [-R RETRY_MS]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *seed = "wg-hsbench", *dst = NULL, *first = "10.201.0.1";
	const char *cache = NULL;
	unsigned int dport = 0, sport = 40100, listen_port = 0;
	double seconds = 5, warmup = 1, t0, tstart, tend, now, last_scan;
	double cpu0 = 0, cpu1, inflight_sum = 0;
	unsigned long inflight_samples = 0;
	size_t want_pool = 20000;
	struct counters cnt = { 0 };
	struct sockaddr_in local = { .sin_family = AF_INET };
	u8 resp_priv[KEY_LEN];
	bool print_config = false, final_ok;
	u32 src0;
	int opt, one = 1, rcvbuf = 32 << 20;
	char b64[45];

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--print-config")) {
			print_config = true;
			argv[i] = "-x";
		}
	while ((opt = getopt(argc, argv, "xS:n:l:d:p:s:P:t:w:e:C:V:R:")) != -1) {
		switch (opt) {
		case 'x':
			break;
		case 'S':
			seed = optarg;
			break;
		case 'n':
			npeers = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			listen_port = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dst = optarg;
			break;
		case 'p':
			dport = strtoul(optarg, NULL, 0);
			break;
		case 's':
			first = optarg;
			break;
		case 'P':
			sport = strtoul(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'w':
			warmup = strtod(optarg, NULL);
			break;
		case 'e':
			want_pool = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			cache = optarg;
			break;
		case 'V':
			verify_every = strtoul(optarg, NULL, 0);
			break;
		case 'R':
			retry_s = strtoul(optarg, NULL, 0) / 1000.0;
			break;
		default:
			usage();
		}
	}
	if (!npeers || npeers > MAX_PEERS || listen_port > 65535 ||
	    (!print_config && (!dst || !dport || dport > 65535 || !sport ||
			       sport > 65535 || seconds <= 0 || warmup < 0)))
		usage();
	/*
	 * Uncalibrated: handshake messages are too short for the vector code
	 * anyway, and the calibration's log line would land in stdout, which
	 * --print-config writes the configuration to.
	 */
	if (wgc_crypto_init(false)) {
		fprintf(stderr, "wg-hsbench: crypto self-tests failed\n");
		return 1;
	}

	derive_key(resp_priv, "responder", seed, 0);
	if (!wgc_curve25519_generate_public(resp_pub, resp_priv))
		return 1;
	peers = calloc(npeers, sizeof(*peers));
	if (!peers)
		return 1;
	for (unsigned int i = 0; i < npeers; i++) {
		derive_key(peers[i].priv, "peer", seed, i);
		if (!wgc_curve25519_generate_public(peers[i].pub, peers[i].priv))
			return 1;
	}
	if (print_config) {
		base64_key(b64, resp_priv);
		printf("[Interface]\nPrivateKey = %s\n", b64);
		if (listen_port)
			printf("ListenPort = %u\n", listen_port);
		for (unsigned int i = 0; i < npeers; i++) {
			base64_key(b64, peers[i].pub);
			printf("\n[Peer]\nPublicKey = %s\n", b64);
		}
		return 0;
	}

	if (inet_pton(AF_INET, dst, &target.sin_addr) != 1 ||
	    inet_pton(AF_INET, first, &src0) != 1) {
		fprintf(stderr, "wg-hsbench: bad IPv4 address\n");
		return 1;
	}
	target.sin_family = AF_INET;
	target.sin_port = htons(dport);
	src0 = ntohl(src0);

	t0 = now_s();
	/* C0 = HASH(construction), H0 = HASH(HASH(C0 || identifier) || S_r) */
	wgc_blake2s(c0, (const u8 *)construction, NULL, HASH_LEN,
		    strlen(construction), 0);
	hash2(h0, c0, HASH_LEN, (const u8 *)identifier, strlen(identifier));
	mix_hash(h0, resp_pub, KEY_LEN);
	hash2(resp_mac1_key, (const u8 *)"mac1----", 8, resp_pub, KEY_LEN);
	hash2(cookie_key, (const u8 *)"cookie--", 8, resp_pub, KEY_LEN);
	for (unsigned int i = 0; i < npeers; i++) {
		struct peer *p = &peers[i];

		if (!dh(p->ss, p->priv, resp_pub))
			return 1;
		hash2(p->mac1_key, (const u8 *)"mac1----", 8, p->pub, KEY_LEN);
		p->addr.s_addr = htonl(src0 + i);
	}

	pool = calloc(want_pool + 1, sizeof(*pool));
	if (!pool)
		return 1;
	pool_len = cache ? load_pool(cache, pool, want_pool) : 0;
	if (pool_len < want_pool) {
		if (!fill_pool(pool, pool_len, want_pool)) {
			fprintf(stderr, "wg-hsbench: ephemeral failed\n");
			return 1;
		}
		pool_len = want_pool;
		if (cache)
			save_pool(cache, pool, pool_len);
	}

	sock = socket(AF_INET, SOCK_DGRAM, 0);
	local.sin_port = htons(sport);
	if (sock < 0 ||
	    setsockopt(sock, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(sock, (struct sockaddr *)&local, sizeof(local))) {
		perror("wg-hsbench: socket");
		return 1;
	}
	/*
	 * Responses come in bursts while we may be off the CPU: with the
	 * default receive buffer (a few hundred datagrams) they would be lost
	 * here and look like a responder that drops. Count what still is.
	 */
	if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(sock, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	fifo_init(&now_q);
	fifo_init(&later_q);
	tstart = now_s();
	for (unsigned int i = 0; i < npeers; i++)
		fifo_push(&now_q, i, tstart);
	fprintf(stderr, "wg-hsbench: %u peers, %zu ephemerals ready after %.1f s\n",
		npeers, pool_len, tstart - t0);

	/* Warm-up (not counted: the first burst and its cookies), then timed. */
	last_scan = tstart;
	tend = tstart + warmup + seconds;
	while ((now = now_s()) < tend) {
		bool counting = now >= tstart + warmup;
		int did;

		if (counting && !cpu0)
			cpu0 = cpu_s();
		did = send_ready(now, &cnt, counting);
		did += receive_some(now, &cnt, counting, NULL, NULL);
		if (now - last_scan > 0.1) {
			retransmit_lost(now, &cnt);
			last_scan = now;
			/*
			 * Peers waiting for the responder: near all of them
			 * when it is the bottleneck, few when we are.
			 */
			if (counting) {
				for (unsigned int i = 0; i < npeers; i++)
					inflight_sum += peers[i].state == WAITING;
				inflight_samples++;
			}
		}
		if (!did) {
			double next = tend;
			int ms;

			if (later_q.len && later_q.at[later_q.head] < next)
				next = later_q.at[later_q.head];
			if (now_q.len)
				next = now;
			ms = (int)((next - now) * 1000) + 1;
			wait_readable(ms > 10 ? 10 : ms);
		}
	}

	cpu1 = cpu_s();
	final_ok = final_handshake(&cnt);
	base64_key(b64, peers[0].pub);
	printf("wg-hsbench: peers=%u seconds=%.1f", npeers, seconds);
	printf(" initiations=%lu init_rate=%.0f", cnt.sent, cnt.sent / seconds);
	printf(" responses=%lu rate=%.0f", cnt.responses,
	       cnt.responses / seconds);
	printf(" cookies=%lu retransmits=%lu", cnt.cookies, cnt.retries);
	printf(" verified=%lu bad=%lu bad_mac1=%lu", cnt.verified, cnt.bad,
	       cnt.bad_mac1);
	printf(" rx_overflows=%lu", cnt.rx_overflows);
	printf(" late=%lu misaddressed=%lu other=%lu", cnt.late,
	       cnt.misaddressed, cnt.other);
	printf(" live_ephemerals=%lu", cnt.live_eph);
	printf(" cookies_all=%lu mac2_responses=%lu", cnt.cookies_all,
	       cnt.mac2_responses);
	printf(" gen_cpu=%.0f%%", cpu0 ? (cpu1 - cpu0) * 100 / seconds : 0);
	printf(" in_flight=%.0f",
	       inflight_samples ? inflight_sum / inflight_samples : 0);
	printf(" final=%s peer0=%s\n", final_ok ? "sent" : "failed", b64);
	return !final_ok || cnt.bad || cnt.bad_mac1 || cnt.misaddressed;
}
