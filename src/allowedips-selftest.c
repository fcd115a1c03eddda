// SPDX-License-Identifier: GPL-2.0
/*
 * In-module self-test of the allowed-IPs table, meant to run at module load:
 * edge prefixes (/0, /1, /32, /128), nesting, host bits, moves between
 * owners, exact removal, removal by owner, the owner walk, family
 * separation, a small randomized comparison against a naive list and, in
 * the kernel only, lookups racing with changes made on another CPU. The
 * userspace unit tests (selftests/unit/allowedips) run it too, next to a
 * much larger randomized test.
 */

#include "allowedips.h"

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/mutex.h>
#include <linux/errno.h>

#define ST_OWNERS 8
#define ST_REF_MAX 512
#define ST_RANDOM_OPS 3000

struct st_ref {
	u8 key[16];
	u8 cidr;
	u8 fam;		/* 0: IPv4, 1: IPv6 */
	u8 owner;
};

struct st_state {
	struct wg_allowedips table;
	struct mutex lock;
	struct wg_allowedips_peer owner[ST_OWNERS];
	struct st_ref ref[ST_REF_MAX];
	unsigned int nref;
	u64 rng;
	bool ok;
};

#define ST_CHECK(st, cond, fmt, ...) do {				\
	if (!(cond)) {							\
		pr_err("wireguard: allowedips self-test: " fmt "\n",	\
		       ##__VA_ARGS__);					\
		(st)->ok = false;					\
	}								\
} while (0)

static u32 st_rand(struct st_state *st)
{
	/* xorshift64*: reproducible from the seed printed on failure. */
	st->rng ^= st->rng >> 12;
	st->rng ^= st->rng << 25;
	st->rng ^= st->rng >> 27;
	return (st->rng * 0x2545f4914f6cdd1dULL) >> 32;
}

static void st_ip4(u8 *k, u8 a, u8 b, u8 c, u8 d)
{
	memset(k, 0, 16);
	k[0] = a;
	k[1] = b;
	k[2] = c;
	k[3] = d;
}

static void st_ip6(u8 *k, u16 a, u16 b, u16 c, u16 d, u32 low)
{
	memset(k, 0, 16);
	put_unaligned_be16(a, k);
	put_unaligned_be16(b, k + 2);
	put_unaligned_be16(c, k + 4);
	put_unaligned_be16(d, k + 6);
	put_unaligned_be32(low, k + 12);
}

static int st_insert(struct st_state *st, int fam, const u8 *k, u8 cidr,
		     int owner)
{
	int ret;

	mutex_lock(&st->lock);
	if (fam)
		ret = wg_allowedips_insert_v6(&st->table,
					      (const struct in6_addr *)k, cidr,
					      &st->owner[owner], &st->lock);
	else
		ret = wg_allowedips_insert_v4(&st->table,
					      (const struct in_addr *)k, cidr,
					      &st->owner[owner], &st->lock);
	mutex_unlock(&st->lock);
	return ret;
}

static int st_remove(struct st_state *st, int fam, const u8 *k, u8 cidr,
		     int owner)
{
	int ret;

	mutex_lock(&st->lock);
	if (fam)
		ret = wg_allowedips_remove_v6(&st->table,
					      (const struct in6_addr *)k, cidr,
					      &st->owner[owner], &st->lock);
	else
		ret = wg_allowedips_remove_v4(&st->table,
					      (const struct in_addr *)k, cidr,
					      &st->owner[owner], &st->lock);
	mutex_unlock(&st->lock);
	return ret;
}

/* Owner index found for @k, or -1 for none. */
static int st_lookup(struct st_state *st, int fam, const u8 *k)
{
	struct wg_allowedips_peer *p, *q;
	int i;

	rcu_read_lock_bh();
	p = wg_allowedips_lookup_dst(&st->table, fam ? AF_INET6 : AF_INET, k);
	q = wg_allowedips_lookup_src(&st->table, fam ? AF_INET6 : AF_INET, k);
	rcu_read_unlock_bh();
	if (p != q)
		return -2;
	for (i = 0; i < ST_OWNERS; ++i)
		if (p == &st->owner[i])
			return i;
	return p ? -2 : -1;
}

static bool st_verify(struct st_state *st, size_t *count)
{
	bool ok;

	mutex_lock(&st->lock);
	ok = wg_allowedips_verify(&st->table, count, &st->lock);
	mutex_unlock(&st->lock);
	return ok;
}

#define ST_EXPECT4(st, a, b, c, d, want) do {				\
	u8 __k[16];							\
	int __got;							\
									\
	st_ip4(__k, a, b, c, d);					\
	__got = st_lookup(st, 0, __k);					\
	ST_CHECK(st, __got == (want), "%d.%d.%d.%d -> %d, want %d",	\
		 a, b, c, d, __got, want);				\
} while (0)

#define ST_EXPECT6(st, a, b, c, d, low, want) do {			\
	u8 __k[16];							\
	int __got;							\
									\
	st_ip6(__k, a, b, c, d, low);					\
	__got = st_lookup(st, 1, __k);					\
	ST_CHECK(st, __got == (want), "%x:%x:%x:%x::%x -> %d, want %d",	\
		 a, b, c, d, low, __got, want);				\
} while (0)

static void st_fixed(struct st_state *st)
{
	u8 k[16], ip[16], cidr;
	struct wg_allowedips_cursor cur;
	int fam, n;

	ST_EXPECT4(st, 1, 2, 3, 4, -1);
	ST_EXPECT6(st, 0x2001, 0xdb8, 0, 0, 1, -1);

	/* /0 matches every IPv4 address and no IPv6 one. */
	st_ip4(k, 0, 0, 0, 0);
	ST_CHECK(st, !st_insert(st, 0, k, 0, 0), "insert 0/0");
	ST_EXPECT4(st, 1, 2, 3, 4, 0);
	ST_EXPECT4(st, 255, 255, 255, 255, 0);
	ST_EXPECT6(st, 0x2001, 0xdb8, 0, 0, 1, -1);

	/* Nesting. */
	st_ip4(k, 10, 0, 0, 0);
	ST_CHECK(st, !st_insert(st, 0, k, 8, 1), "insert /8");
	st_ip4(k, 10, 1, 0, 0);
	ST_CHECK(st, !st_insert(st, 0, k, 16, 2), "insert /16");
	st_ip4(k, 10, 1, 1, 77);	/* host bits: stored as 10.1.1.0/24 */
	ST_CHECK(st, !st_insert(st, 0, k, 24, 3), "insert /24");
	st_ip4(k, 10, 1, 1, 1);
	ST_CHECK(st, !st_insert(st, 0, k, 32, 4), "insert /32");
	st_ip4(k, 128, 0, 0, 0);
	ST_CHECK(st, !st_insert(st, 0, k, 1, 5), "insert /1");
	ST_CHECK(st, st_insert(st, 0, k, 33, 5) == -EINVAL, "insert /33");
	ST_EXPECT4(st, 10, 1, 1, 1, 4);
	ST_EXPECT4(st, 10, 1, 1, 2, 3);
	ST_EXPECT4(st, 10, 1, 1, 255, 3);
	ST_EXPECT4(st, 10, 1, 2, 1, 2);
	ST_EXPECT4(st, 10, 2, 0, 0, 1);
	ST_EXPECT4(st, 11, 0, 0, 0, 0);
	ST_EXPECT4(st, 127, 255, 255, 255, 0);
	ST_EXPECT4(st, 128, 0, 0, 0, 5);
	ST_EXPECT4(st, 200, 1, 1, 1, 5);

	/* IPv6: /128, /64, /48, /1; the IPv4 /0 must not leak in. */
	st_ip6(k, 0x2001, 0xdb8, 1, 2, 5);
	ST_CHECK(st, !st_insert(st, 1, k, 128, 6), "insert /128");
	st_ip6(k, 0x2001, 0xdb8, 1, 2, 0xffff);
	ST_CHECK(st, !st_insert(st, 1, k, 64, 7), "insert /64");
	st_ip6(k, 0x2001, 0xdb8, 1, 0, 0);
	ST_CHECK(st, !st_insert(st, 1, k, 48, 1), "insert /48");
	st_ip6(k, 0x8000, 0, 0, 0, 0);
	ST_CHECK(st, !st_insert(st, 1, k, 1, 2), "insert ::/1");
	ST_CHECK(st, st_insert(st, 1, k, 129, 2) == -EINVAL, "insert /129");
	ST_EXPECT6(st, 0x2001, 0xdb8, 1, 2, 5, 6);
	ST_EXPECT6(st, 0x2001, 0xdb8, 1, 2, 6, 7);
	ST_EXPECT6(st, 0x2001, 0xdb8, 1, 3, 5, 1);
	ST_EXPECT6(st, 0x2001, 0xdb8, 2, 2, 5, -1);
	ST_EXPECT6(st, 0xfe80, 0, 0, 0, 1, 2);

	/* Host bits are masked in what the walk reports. */
	wg_allowedips_cursor_init(&cur);
	mutex_lock(&st->lock);
	n = 0;
	while (wg_allowedips_peer_next(&st->owner[3], &cur, ip, &cidr, &fam)) {
		ST_CHECK(st, fam == AF_INET && cidr == 24 && ip[0] == 10 &&
			 ip[1] == 1 && ip[2] == 1 && ip[3] == 0,
			 "walk of owner 3");
		++n;
	}
	mutex_unlock(&st->lock);
	ST_CHECK(st, n == 1, "owner 3 walked %d prefixes", n);
	ST_CHECK(st, wg_allowedips_peer_count(&st->owner[7]) == 1,
		 "owner 7 count");

	/* A move, then removal of someone else's prefix is a no-op. */
	st_ip4(k, 10, 1, 9, 9);
	ST_CHECK(st, !st_insert(st, 0, k, 16, 5), "move /16");
	ST_EXPECT4(st, 10, 1, 2, 1, 5);
	/* Owner 2 keeps its ::/1, owner 5 has 128/1 and now 10.1/16. */
	ST_CHECK(st, wg_allowedips_peer_count(&st->owner[2]) == 1 &&
		 wg_allowedips_peer_count(&st->owner[5]) == 2, "move counts");
	ST_CHECK(st, !st_remove(st, 0, k, 16, 2), "remove other's");
	ST_EXPECT4(st, 10, 1, 2, 1, 5);
	ST_CHECK(st, !st_remove(st, 0, k, 17, 5), "remove absent");
	ST_EXPECT4(st, 10, 1, 2, 1, 5);
	ST_CHECK(st, !st_remove(st, 0, k, 16, 5), "remove own");
	ST_EXPECT4(st, 10, 1, 2, 1, 1);
	ST_EXPECT4(st, 10, 1, 1, 1, 4);
	ST_CHECK(st, st_remove(st, 0, k, 40, 5) == -EINVAL, "remove /40");

	/* Removal by owner: owner 1 has 10/8 and 2001:db8:1::/48. */
	mutex_lock(&st->lock);
	wg_allowedips_remove_by_peer(&st->table, &st->owner[1], &st->lock);
	mutex_unlock(&st->lock);
	ST_CHECK(st, wg_allowedips_peer_count(&st->owner[1]) == 0,
		 "remove_by_peer count");
	ST_EXPECT4(st, 10, 2, 0, 0, 0);
	ST_EXPECT4(st, 10, 1, 1, 2, 3);
	ST_EXPECT6(st, 0x2001, 0xdb8, 1, 3, 5, -1);
	ST_EXPECT6(st, 0x2001, 0xdb8, 1, 2, 6, 7);
	ST_CHECK(st, st_verify(st, NULL), "invariants after fixed cases");

	/* Leave an empty table to the randomized part. */
	mutex_lock(&st->lock);
	for (n = 0; n < ST_OWNERS; ++n)
		wg_allowedips_remove_by_peer(&st->table, &st->owner[n],
					     &st->lock);
	mutex_unlock(&st->lock);
	ST_EXPECT4(st, 10, 1, 1, 1, -1);
	ST_EXPECT6(st, 0x2001, 0xdb8, 1, 2, 5, -1);
	ST_CHECK(st, st_verify(st, NULL), "invariants after emptying");
}

/* Random prefix near one of a few bases, so that prefixes nest a lot. */
static void st_random_prefix(struct st_state *st, int fam, u8 *k, u8 *cidr)
{
	static const u8 base4[4][4] = {
		{ 10, 0, 0, 0 }, { 10, 1, 0, 0 }, { 192, 168, 1, 0 },
		{ 0, 0, 0, 0 },
	};
	unsigned int bits = fam ? 128 : 32, r = st_rand(st), i;

	memset(k, 0, 16);
	if (fam)
		st_ip6(k, 0x2001, 0xdb8, r & 3, 0, 0);
	else
		memcpy(k, base4[r & 3], 4);
	/* Flip two bits of the lower half. */
	for (i = 0; i < 2; ++i) {
		unsigned int b = bits - 1 - st_rand(st) % (bits / 2);

		k[b / 8] ^= 0x80 >> (b % 8);
	}
	r = st_rand(st) % 8;
	/* Any length, near full length, or in the longer half. */
	if (r == 0)
		*cidr = st_rand(st) % (bits + 1);
	else if (r < 4)
		*cidr = bits - st_rand(st) % 8;
	else
		*cidr = bits / 2 + st_rand(st) % (bits / 2 + 1);
}

static bool st_ref_match(const struct st_ref *r, const u8 *k)
{
	unsigned int i;

	for (i = 0; i < r->cidr; ++i)
		if ((r->key[i / 8] ^ k[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static void st_mask(u8 *k, unsigned int cidr)
{
	unsigned int i;

	for (i = cidr; i < 128; ++i)
		k[i / 8] &= ~(0x80 >> (i % 8));
}

static int st_ref_find(struct st_state *st, int fam, const u8 *k, u8 cidr)
{
	unsigned int i;

	for (i = 0; i < st->nref; ++i)
		if (st->ref[i].fam == fam && st->ref[i].cidr == cidr &&
		    !memcmp(st->ref[i].key, k, 16))
			return i;
	return -1;
}

static void st_ref_del(struct st_state *st, unsigned int i)
{
	st->ref[i] = st->ref[--st->nref];
}

static void st_randomized(struct st_state *st)
{
	unsigned int op, i;
	u8 k[16], cidr;
	int fam, owner, j, want, best;

	for (op = 0; op < ST_RANDOM_OPS && st->ok; ++op) {
		fam = st_rand(st) & 1;
		owner = st_rand(st) % ST_OWNERS;
		st_random_prefix(st, fam, k, &cidr);
		switch (st_rand(st) % 16) {
		case 0 ... 5:
			if (st->nref == ST_REF_MAX)
				break;
			ST_CHECK(st, !st_insert(st, fam, k, cidr, owner),
				 "random insert");
			st_mask(k, cidr);
			j = st_ref_find(st, fam, k, cidr);
			if (j < 0) {
				j = st->nref++;
				memcpy(st->ref[j].key, k, 16);
				st->ref[j].cidr = cidr;
				st->ref[j].fam = fam;
			}
			st->ref[j].owner = owner;
			break;
		case 6 ... 8:
			/* Half the time, an existing prefix and its owner. */
			if (st->nref && (st_rand(st) & 1)) {
				j = st_rand(st) % st->nref;
				fam = st->ref[j].fam;
				memcpy(k, st->ref[j].key, 16);
				cidr = st->ref[j].cidr;
				if (st_rand(st) & 1)
					owner = st->ref[j].owner;
			}
			ST_CHECK(st, !st_remove(st, fam, k, cidr, owner),
				 "random remove");
			st_mask(k, cidr);
			j = st_ref_find(st, fam, k, cidr);
			if (j >= 0 && st->ref[j].owner == owner)
				st_ref_del(st, j);
			break;
		case 9:
			if (st_rand(st) % 8)
				break;
			mutex_lock(&st->lock);
			wg_allowedips_remove_by_peer(&st->table,
						     &st->owner[owner],
						     &st->lock);
			mutex_unlock(&st->lock);
			for (i = st->nref; i-- > 0;)
				if (st->ref[i].owner == owner)
					st_ref_del(st, i);
			break;
		default:
			/* Lookup of an address near the prefix. */
			k[15] ^= st_rand(st);
			if (!fam)
				k[3] ^= st_rand(st);
			want = -1;
			best = -1;
			for (i = 0; i < st->nref; ++i)
				if (st->ref[i].fam == fam &&
				    st->ref[i].cidr > best &&
				    st_ref_match(&st->ref[i], k)) {
					best = st->ref[i].cidr;
					want = st->ref[i].owner;
				}
			j = st_lookup(st, fam, k);
			ST_CHECK(st, j == want,
				 "random lookup (op %u): %d, want %d", op, j,
				 want);
		}
	}
	for (owner = 0; owner < ST_OWNERS; ++owner) {
		for (i = 0, j = 0; i < st->nref; ++i)
			j += st->ref[i].owner == owner;
		ST_CHECK(st, wg_allowedips_peer_count(&st->owner[owner]) ==
			 (size_t)j,
			 "owner %d has %zu prefixes, want %d", owner,
			 wg_allowedips_peer_count(&st->owner[owner]), j);
	}
	ST_CHECK(st, st_verify(st, NULL), "invariants after random cases");
}

#ifdef __KERNEL__
/*
 * Real concurrency, only in the kernel (the unit tests' shim is sequential):
 * a reader thread on another CPU looks up "stable" host prefixes nonstop
 * while this thread inserts and removes other prefixes around them, which
 * splits, collapses and copies the nodes on their paths. Every lookup must
 * still find the stable owner (host prefixes are the longest possible, so
 * nothing churned can legitimately hide them), and any address must resolve
 * to a real owner or to nothing. A half-published node would show up here.
 */
#include <linux/kthread.h>
#include <linux/sched.h>

#define ST_STABLE 32

struct st_conc {
	struct st_state *st;
	u8 key[2][ST_STABLE][16];
	unsigned long lookups, errors;
};

static int st_reader(void *arg)
{
	struct st_conc *c = arg;
	struct wg_allowedips_peer *p;
	unsigned int i, fam, round = 0;

	while (!kthread_should_stop()) {
		for (fam = 0; fam < 2; ++fam) {
			for (i = 0; i < ST_STABLE; ++i) {
				rcu_read_lock_bh();
				p = wg_allowedips_lookup_src(&c->st->table,
							     fam ? AF_INET6 :
							     AF_INET,
							     c->key[fam][i]);
				if (p != &c->st->owner[i % 4])
					WRITE_ONCE(c->errors, c->errors + 1);
				rcu_read_unlock_bh();
			}
		}
		WRITE_ONCE(c->lookups, c->lookups + 2 * ST_STABLE);
		if (!(++round % 64))
			cond_resched();
	}
	return 0;
}

static void st_concurrent(struct st_state *st)
{
	struct task_struct *reader;
	struct st_conc *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned int i, op, fam;
	u8 k[16], cidr;

	if (!c)
		return;
	c->st = st;
	for (fam = 0; fam < 2; ++fam) {
		for (i = 0; i < ST_STABLE; ++i) {
			st_random_prefix(st, fam, c->key[fam][i], &cidr);
			/* Distinct hosts: the index goes in the last byte. */
			c->key[fam][i][fam ? 15 : 3] = i;
			ST_CHECK(st, !st_insert(st, fam, c->key[fam][i],
						fam ? 128 : 32, i % 4),
				 "stable insert");
		}
	}
	reader = kthread_run(st_reader, c, "wg-ap-selftest");
	if (IS_ERR(reader)) {
		kfree(c);
		return;
	}
	/* Until the reader has had time to overlap with plenty of changes. */
	for (op = 0; st->ok && op < 200000 &&
	     (op < 3000 || READ_ONCE(c->lookups) < 40000); ++op) {
		fam = st_rand(st) & 1;
		st_random_prefix(st, fam, k, &cidr);
		/* Never one of the stable hosts. */
		if (cidr == (fam ? 128 : 32))
			--cidr;
		if (st_rand(st) % 3)
			st_insert(st, fam, k, cidr, 4 + st_rand(st) % 4);
		else
			st_remove(st, fam, k, cidr, 4 + st_rand(st) % 4);
		if (!(op % 1000)) {
			mutex_lock(&st->lock);
			wg_allowedips_remove_by_peer(&st->table,
						     &st->owner[4 + op % 4],
						     &st->lock);
			mutex_unlock(&st->lock);
		}
		if (!(op % 64))
			cond_resched();
	}
	kthread_stop(reader);
	ST_CHECK(st, !c->errors && c->lookups,
		 "concurrent readers: %lu wrong of %lu lookups", c->errors,
		 c->lookups);
	pr_info("wireguard: allowedips concurrent self-test: %lu lookups, %u changes\n",
		c->lookups, op);
	mutex_lock(&st->lock);
	for (i = 0; i < ST_OWNERS; ++i)
		wg_allowedips_remove_by_peer(&st->table, &st->owner[i],
					     &st->lock);
	mutex_unlock(&st->lock);
	kfree(c);
}
#else
static void st_concurrent(struct st_state *st)
{
}
#endif

bool wg_allowedips_selftest(void)
{
	struct st_state *st = kzalloc(sizeof(*st), GFP_KERNEL);
	u64 seed = get_random_u64() | 1;
	size_t left = 1;
	bool ok;
	int i;

	if (!st) {
		pr_err("wireguard: allowedips self-test: out of memory\n");
		return false;
	}
	st->ok = true;
	st->rng = seed;
	mutex_init(&st->lock);
	wg_allowedips_init(&st->table);
	for (i = 0; i < ST_OWNERS; ++i)
		wg_allowedips_peer_init(&st->owner[i]);

	st_fixed(st);
	st_randomized(st);
	st_concurrent(st);

	mutex_lock(&st->lock);
	wg_allowedips_free(&st->table, &st->lock);
	mutex_unlock(&st->lock);
	ST_CHECK(st, st_verify(st, &left) && !left, "free left %zu", left);
	for (i = 0; i < ST_OWNERS; ++i)
		ST_CHECK(st, !wg_allowedips_peer_count(&st->owner[i]),
			 "owner %d not empty after free", i);
	ok = st->ok;
	if (ok)
		pr_info("wireguard: allowedips self-tests: pass\n");
	else
		pr_err("wireguard: allowedips self-test failed (seed %llu)\n",
		       (unsigned long long)seed);
	kfree(st);
	return ok;
}
