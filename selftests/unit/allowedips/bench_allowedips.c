// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of src/allowedips.c (native, -O2) against the classic design:
 * a path-compressed binary trie, one bit per level, written below as the
 * baseline (not RCU-safe: only its speed and size matter here).
 *
 * Prefixes: random addresses; IPv4 cidr /32 (50%), /24 (25%) or uniform in
 * 8..31 (25%); IPv6 /128 (50%), /64 (25%) or uniform in 16..127 (25%);
 * duplicates dropped; owners drawn from 1000. Lookups: "hit" addresses are
 * random hosts inside random stored prefixes, "any" addresses are uniformly
 * random. Lookup times are per address, from batches of 64 lookups timed
 * with clock_gettime() (each batch the fastest of 3 passes, see PASSES);
 * median and 99th percentile over the batches. Inserts are timed in CPU
 * time of this process, as the machine may be shared.
 * Memory is counted per allocation as the kernel's slab would charge it
 * (kmalloc size classes; the leaf caches at their object size), and for
 * the baseline at its node size (48 bytes, as from its own slab cache).
 *
 * Seed: WG_AP_SEED (default 1).
 */
#include "allowedips.h"

#include <time.h>

#define NOWNERS 1000
#define BATCH 64
#define NLOOKUPS (1 << 20)

static u64 rng_state;

static u64 rnd(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* This process's CPU time: what inserts cost, even on a busy machine. */
static double cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static void mask(u8 *k, unsigned int cidr)
{
	unsigned int i;

	for (i = cidr; i < 128; ++i)
		k[i / 8] &= ~(0x80 >> (i % 8));
}

/* ---- Baseline: path-compressed binary trie, one bit per level ---- */

struct bt_node {
	struct bt_node *child[2];
	void *owner;		/* NULL: a branching node, no prefix */
	u8 key[16];
	u8 cidr;
};

static size_t bt_nodes;

static inline unsigned int bt_bit(const u8 *k, unsigned int i)
{
	return (k[i / 8] >> (7 - i % 8)) & 1;
}

static inline bool bt_match(const struct bt_node *n, const u8 *a,
			    unsigned int bits)
{
	unsigned int c = n->cidr;
	u64 hi, lo;

	if (bits == 32) {
		u32 x = get_unaligned_be32(n->key) ^ get_unaligned_be32(a);

		return !c || !(x >> (32 - c));
	}
	hi = get_unaligned_be64(n->key) ^ get_unaligned_be64(a);
	if (c <= 64)
		return !c || !(hi >> (64 - c));
	lo = get_unaligned_be64(n->key + 8) ^ get_unaligned_be64(a + 8);
	return !hi && !(lo >> (128 - c));
}

static unsigned int bt_common(const u8 *a, const u8 *b, unsigned int bits)
{
	u64 x;

	if (bits == 32)
		return 32 - fls(get_unaligned_be32(a) ^ get_unaligned_be32(b));
	x = get_unaligned_be64(a) ^ get_unaligned_be64(b);
	if (x)
		return 64 - fls64(x);
	return 128 - fls64(get_unaligned_be64(a + 8) ^
			   get_unaligned_be64(b + 8));
}

static struct bt_node *bt_new(const u8 *key, unsigned int cidr, void *owner)
{
	struct bt_node *n = calloc(1, sizeof(*n));

	if (!n)
		abort();

	memcpy(n->key, key, 16);
	mask(n->key, cidr);
	n->cidr = cidr;
	n->owner = owner;
	++bt_nodes;
	return n;
}

static void bt_insert(struct bt_node **root, const u8 *key, unsigned int cidr,
		      void *owner, unsigned int bits)
{
	struct bt_node **link = root, *n, *m;
	unsigned int c;

	while ((n = *link)) {
		c = min(bt_common(n->key, key, bits), min(n->cidr, cidr));
		if (c < n->cidr) {
			/* n is not above the new prefix. */
			if (c == cidr) {
				m = bt_new(key, cidr, owner);
				m->child[bt_bit(n->key, c)] = n;
			} else {
				m = bt_new(key, c, NULL);
				m->child[bt_bit(n->key, c)] = n;
				m->child[bt_bit(key, c)] = bt_new(key, cidr,
								  owner);
			}
			*link = m;
			return;
		}
		if (n->cidr == cidr) {
			n->owner = owner;
			return;
		}
		link = &n->child[bt_bit(key, n->cidr)];
	}
	*link = bt_new(key, cidr, owner);
}

static noinline void *bt_lookup(const struct bt_node *n, const u8 *a,
				unsigned int bits)
{
	void *best = NULL;

	while (n && bt_match(n, a, bits)) {
		if (n->owner)
			best = n->owner;
		if (n->cidr == bits)
			break;
		n = n->child[bt_bit(a, n->cidr)];
	}
	return best;
}

static void bt_free(struct bt_node *n)
{
	struct bt_node *l;

	/* Iterative: rotate left children up until there are none. */
	while (n) {
		l = n->child[0];
		if (l) {
			n->child[0] = l->child[1];
			l->child[1] = n;
			n = l;
		} else {
			l = n->child[1];
			free(n);
			--bt_nodes;
			n = l;
		}
	}
}

/* ---- Data ---- */

struct prefix {
	u8 key[16];
	u8 cidr;
	u16 owner;
};

static void gen_prefix(struct prefix *p, unsigned int bits)
{
	unsigned int r = rnd() % 4, i;

	for (i = 0; i < 16; ++i)
		p->key[i] = rnd();
	if (r < 2)
		p->cidr = bits;
	else if (r == 2)
		p->cidr = bits == 32 ? 24 : 64;
	else
		p->cidr = bits == 32 ? 8 + rnd() % 24 : 16 + rnd() % 112;
	mask(p->key, p->cidr);
	p->owner = rnd() % NOWNERS;
}

/* Set of prefixes already drawn (open addressing on a 64-bit hash). */
static u64 *seen;
static size_t seen_size;

static bool seen_add(const struct prefix *p)
{
	u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < 16; ++i)
		h = (h ^ p->key[i]) * 0x100000001b3ULL;
	h = ((h ^ p->cidr) * 0x100000001b3ULL) | 1;
	for (i = h & (seen_size - 1); seen[i]; i = (i + 1) & (seen_size - 1))
		if (seen[i] == h)
			return false;
	seen[i] = h;
	return true;
}

static struct prefix *gen_prefixes(size_t n, unsigned int bits)
{
	struct prefix *p = malloc(n * sizeof(*p));
	size_t i = 0;

	for (seen_size = 1; seen_size < 4 * n; seen_size *= 2)
		;
	seen = calloc(seen_size, sizeof(*seen));
	while (i < n) {
		gen_prefix(&p[i], bits);
		if (seen_add(&p[i]))
			++i;
	}
	free(seen);
	return p;
}

/* ---- Measurements ---- */

static struct wg_allowedips table;
static struct mutex lock;
static struct wg_allowedips_peer owners[NOWNERS];
static double samples[NLOOKUPS / BATCH];

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct lat {
	double median, p99, mean;
};

static struct lat summarize(size_t n)
{
	struct lat l;
	double sum = 0;
	size_t i;

	for (i = 0; i < n; ++i)
		sum += samples[i];
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	l.median = samples[n / 2];
	l.p99 = samples[n * 99 / 100];
	l.mean = sum / n;
	return l;
}

static uintptr_t sink;

/*
 * Each batch is timed in PASSES full passes over all addresses and its
 * fastest time kept: that drops the batches that other jobs on a shared
 * machine preempted, while every pass sees the same (cold) cache state.
 */
#define PASSES 3

static void keep_fastest(size_t b, double t, unsigned int pass)
{
	if (!pass || t < samples[b])
		samples[b] = t;
}

static struct lat time_ours(const u8 (*addr)[16], int family)
{
	unsigned int pass;
	size_t b, i;
	double t0;

	for (pass = 0; pass < PASSES; ++pass) {
		for (b = 0; b < NLOOKUPS / BATCH; ++b) {
			t0 = now_ns();
			for (i = b * BATCH; i < (b + 1) * BATCH; ++i)
				sink ^= (uintptr_t)wg_allowedips_lookup_dst(
					&table, family, addr[i]);
			keep_fastest(b, (now_ns() - t0) / BATCH, pass);
		}
	}
	return summarize(NLOOKUPS / BATCH);
}

static struct lat time_base(const struct bt_node *root, const u8 (*addr)[16],
			    unsigned int bits)
{
	unsigned int pass;
	size_t b, i;
	double t0;

	for (pass = 0; pass < PASSES; ++pass) {
		for (b = 0; b < NLOOKUPS / BATCH; ++b) {
			t0 = now_ns();
			for (i = b * BATCH; i < (b + 1) * BATCH; ++i)
				sink ^= (uintptr_t)bt_lookup(root, addr[i],
							     bits);
			keep_fastest(b, (now_ns() - t0) / BATCH, pass);
		}
	}
	return summarize(NLOOKUPS / BATCH);
}

static int insert_one(const struct prefix *p, int family)
{
	if (family == AF_INET6)
		return wg_allowedips_insert_v6(&table, (const void *)p->key,
					       p->cidr, &owners[p->owner],
					       &lock);
	return wg_allowedips_insert_v4(&table, (const void *)p->key, p->cidr,
				       &owners[p->owner], &lock);
}

static void run_family(int family, const size_t *stages, int nstages)
{
	const unsigned int bits = family == AF_INET6 ? 128 : 32;
	const size_t total = stages[nstages - 1];
	struct prefix *pfx = gen_prefixes(total, bits);
	u8 (*hit)[16] = malloc(NLOOKUPS * sizeof(*hit));
	u8 (*any)[16] = malloc(NLOOKUPS * sizeof(*any));
	struct bt_node *root = NULL;
	size_t done = 0, i, j, stored, mismatches;
	int s;

	printf("\n%s: %zu random prefixes over %d owners\n",
	       family == AF_INET6 ? "IPv6" : "IPv4", total, NOWNERS);
	printf("%9s %-9s %10s %9s %9s %9s %9s %9s\n", "prefixes", "trie",
	       "insert", "hit med", "hit p99", "any med", "any p99",
	       "bytes/pfx");
	printf("%9s %-9s %10s %9s %9s %9s %9s %9s\n", "", "", "ns/pfx CPU",
	       "ns", "ns", "ns", "ns", "");
	for (s = 0; s < nstages; ++s) {
		const size_t upto = stages[s];
		double t_ours, t_base;
		struct lat oh, oa, bh, ba;

		t_ours = cpu_ns();
		mutex_lock(&lock);
		for (i = done; i < upto; ++i)
			if (insert_one(&pfx[i], family))
				abort();
		mutex_unlock(&lock);
		t_ours = (cpu_ns() - t_ours) / (upto - done);
		t_base = cpu_ns();
		for (i = done; i < upto; ++i)
			bt_insert(&root, pfx[i].key, pfx[i].cidr,
				  &owners[pfx[i].owner], bits);
		t_base = (cpu_ns() - t_base) / (upto - done);
		done = upto;

		for (i = 0; i < NLOOKUPS; ++i) {
			const struct prefix *p = &pfx[rnd() % upto];

			for (j = 0; j < 16; ++j) {
				any[i][j] = rnd();
				hit[i][j] = any[i][j];
			}
			/* Keep the prefix's bits, random host bits. */
			for (j = 0; j < p->cidr; ++j)
				hit[i][j / 8] = (hit[i][j / 8] &
						 ~(0x80 >> (j % 8))) |
						(p->key[j / 8] & (0x80 >> (j % 8)));
		}
		/* Both designs must agree on every address. */
		for (i = 0, mismatches = 0; i < NLOOKUPS; ++i) {
			mismatches += wg_allowedips_lookup_dst(&table, family,
							       hit[i]) !=
				      bt_lookup(root, hit[i], bits);
			mismatches += wg_allowedips_lookup_dst(&table, family,
							       any[i]) !=
				      bt_lookup(root, any[i], bits);
		}
		for (i = 0, stored = 0; i < NOWNERS; ++i)
			stored += wg_allowedips_peer_count(&owners[i]);
		oh = time_ours((const void *)hit, family);
		oa = time_ours((const void *)any, family);
		bh = time_base(root, (const void *)hit, bits);
		ba = time_base(root, (const void *)any, bits);
		printf("%9zu %-9s %10.0f %9.1f %9.1f %9.1f %9.1f %9.1f\n",
		       stored, "multibit", t_ours, oh.median, oh.p99, oa.median,
		       oa.p99, (double)wg_ut_alloc.live_slab_bytes / stored);
		printf("%9s %-9s %10.0f %9.1f %9.1f %9.1f %9.1f %9.1f\n", "",
		       "binary", t_base, bh.median, bh.p99, ba.median, ba.p99,
		       (double)bt_nodes * sizeof(struct bt_node) / stored);
		printf("%9s %-9s %10s %8.2fx %8.2fx %8.2fx %8.2fx   "
		       "(mismatches: %zu)\n", "", "speedup", "",
		       bh.median / oh.median, bh.p99 / oh.p99,
		       ba.median / oa.median, ba.p99 / oa.p99, mismatches);
		if (mismatches) {
			printf("FAIL: lookups disagree with the baseline\n");
			exit(1);
		}
	}
	mutex_lock(&lock);
	wg_allowedips_free(&table, &lock);
	mutex_unlock(&lock);
	bt_free(root);
	free(pfx);
	free(hit);
	free(any);
}

static void run_config_time(void)
{
	struct prefix *p = malloc(NOWNERS * 1000 * sizeof(*p));
	double t0, c0, t_ins, c_ins, t_rm, c_rm;
	size_t i, j, stored = 0;

	for (i = 0; i < NOWNERS; ++i)
		wg_allowedips_peer_init(&owners[i]);
	for (i = 0; i < NOWNERS * 1000; ++i)
		gen_prefix(&p[i], 32);
	t0 = now_ns();
	c0 = cpu_ns();
	mutex_lock(&lock);
	for (i = 0; i < NOWNERS; ++i) {
		for (j = 0; j < 1000; ++j) {
			const struct prefix *q = &p[i * 1000 + j];

			if (wg_allowedips_insert_v4(&table, (const void *)q->key,
						    q->cidr, &owners[i], &lock))
				abort();
		}
	}
	mutex_unlock(&lock);
	t_ins = now_ns() - t0;
	c_ins = cpu_ns() - c0;
	for (i = 0; i < NOWNERS; ++i)
		stored += wg_allowedips_peer_count(&owners[i]);
	t0 = now_ns();
	c0 = cpu_ns();
	mutex_lock(&lock);
	for (i = 0; i < NOWNERS; ++i)
		wg_allowedips_remove_by_peer(&table, &owners[i], &lock);
	mutex_unlock(&lock);
	t_rm = now_ns() - t0;
	c_rm = cpu_ns() - c0;
	printf("\n1000 owners x 1000 IPv4 prefixes (%zu stored): insert %.3f s "
	       "CPU (%.3f s wall), remove_by_peer of all %.3f s CPU "
	       "(%.3f s wall)\n", stored, c_ins / 1e9, t_ins / 1e9,
	       c_rm / 1e9, t_rm / 1e9);
	free(p);
	mutex_lock(&lock);
	wg_allowedips_free(&table, &lock);
	mutex_unlock(&lock);
}

/* The key of prefix number @x of that pattern: 10.x/32. */
static void setconf_key(u8 key[16], unsigned int x)
{
	key[0] = 10;
	key[1] = x >> 16;
	key[2] = x >> 8;
	key[3] = x;
}

/*
 * make bench's "wg setconf" workload: 1000 owners x 100 consecutive /32s
 * in 10/8, against the one-bit trie (one allocation per node, as in-tree).
 */
static void run_setconf_pattern(void)
{
	struct bt_node *root = NULL;
	double c0, c_ours, c_bt, bytes;
	u8 key[16] = { 0 };
	unsigned int x;
	int rep;

	for (rep = 0; rep < 3; ++rep) {
		c0 = cpu_ns();
		mutex_lock(&lock);
		for (x = 0; x < NOWNERS * 100; ++x) {
			setconf_key(key, x);
			if (wg_allowedips_insert_v4(&table, (const void *)key,
						    32, &owners[x / 100],
						    &lock))
				abort();
		}
		mutex_unlock(&lock);
		c_ours = cpu_ns() - c0;
		bytes = (double)wg_ut_alloc.live_slab_bytes / (NOWNERS * 100);
		c0 = cpu_ns();
		for (x = 0; x < NOWNERS * 100; ++x) {
			setconf_key(key, x);
			bt_insert(&root, key, 32, &owners[x / 100], 32);
		}
		c_bt = cpu_ns() - c0;
		printf("\n1000 owners x 100 consecutive /32 (make bench's setconf):"
		       " insert %.1f ns per prefix (one-bit trie %.1f ns),"
		       " %.1f bytes per prefix\n",
		       c_ours / 1e5, c_bt / 1e5, bytes);
		mutex_lock(&lock);
		for (x = 0; x < NOWNERS; ++x)
			wg_allowedips_remove_by_peer(&table, &owners[x],
						     &lock);
		wg_allowedips_free(&table, &lock);
		mutex_unlock(&lock);
		bt_free(root);
		root = NULL;
	}
}

int main(void)
{
	static const size_t v4[] = { 10000, 100000, 1000000 };
	static const size_t v6[] = { 10000, 100000, 200000 };
	const char *s = getenv("WG_AP_SEED");
	size_t i;

	rng_state = s ? strtoull(s, NULL, 0) : 1;
	printf("allowedips benchmark (seed %llu): multibit = src/allowedips.c,"
	       " binary = one-bit path-compressed trie\n",
	       (unsigned long long)rng_state);
	if (wg_allowedips_slab_init())
		return 1;
	mutex_init(&lock);
	wg_allowedips_init(&table);
	for (i = 0; i < NOWNERS; ++i)
		wg_allowedips_peer_init(&owners[i]);
	run_family(AF_INET, v4, ARRAY_SIZE(v4));
	run_family(AF_INET6, v6, ARRAY_SIZE(v6));
	run_config_time();
	run_setconf_pattern();
	wg_allowedips_slab_uninit();
	return sink == 42;
}
