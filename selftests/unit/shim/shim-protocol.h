/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for what the protocol core (src/noise.c, cookie.c,
 * ratelimiter.c, replay.c, peerlookup.c) uses beyond shim.h: hlists and
 * <linux/hashtable.h>, SipHash, krefs, rw-semaphores, atomics, delayed work,
 * and a fake clock that the tests drive.
 *
 * Force-include this file alone: it brings in shim.h itself, after taking
 * glibc's __always_inline out of the way (shim.h defines its own, and the
 * redefinition would warn). The test program defines the clock variables
 * (see SHIM_PROTOCOL_DEFINE_GLOBALS).
 */
#ifndef WG_UNIT_SHIM_PROTOCOL_H
#define WG_UNIT_SHIM_PROTOCOL_H

#include <sys/cdefs.h>
#undef __always_inline
#include "shim.h"

#include <sys/socket.h>
#include <assert.h>
#include <limits.h>
/*
 * glibc's <errno.h> reaches the kernel's numbers through <linux/errno.h>,
 * which is an empty stub here: take them from the UAPI headers directly.
 */
#include <asm-generic/errno.h>

/* Guarded: shim.h may grow some of these. */
#ifndef U8_MAX
#define U8_MAX ((u8)~0U)
#endif
#ifndef U16_MAX
#define U16_MAX ((u16)~0U)
#endif
#ifndef U32_MAX
#define U32_MAX ((u32)~0U)
#endif
#ifndef U64_MAX
#define U64_MAX ((u64)~0ULL)
#endif
#ifndef S64_MAX
#define S64_MAX ((s64)(U64_MAX >> 1))
#endif

#ifndef HZ
#define HZ 250
#endif
#ifndef NSEC_PER_USEC
#define NSEC_PER_USEC 1000L
#endif
#ifndef NSEC_PER_MSEC
#define NSEC_PER_MSEC 1000000L
#endif
#ifndef NSEC_PER_SEC
#define NSEC_PER_SEC 1000000000L
#endif
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#endif

#ifndef ilog2
#define ilog2(n) ((int)(63 - __builtin_clzll((unsigned long long)(n))))
#endif
static inline unsigned long rounddown_pow_of_two(unsigned long n)
{
	return 1UL << (63 - __builtin_clzl(n));
}
#ifndef clamp_t
#define clamp_t(t, v, lo, hi) min_t(t, max_t(t, v, lo), hi)
#endif
#ifndef clamp
#define clamp(v, lo, hi) min(max(v, lo), hi)
#endif
#ifndef ALIGN_DOWN
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#endif

#ifndef lockdep_is_held
#define lockdep_is_held(l) ((void)(l), 1)
#endif
#ifndef lockdep_assert_held_write
#define lockdep_assert_held_write(l) do { (void)(l); } while (0)
#endif

static inline void *kvcalloc(size_t n, size_t size, gfp_t f)
{
	(void)f;
	return calloc(n, size);
}

/* The machine the tests pretend to run on: 4 GiB. */
static inline unsigned long totalram_pages(void)
{
	return (4UL << 30) >> PAGE_SHIFT;
}

/* Clocks: both only move when a test says so. */
extern u64 shim_boottime_ns;	/* ktime_get_coarse_boottime_ns() */
extern u64 shim_realtime_ns;	/* ktime_get_real_ts64(), Unix epoch */

struct timespec64 {
	s64 tv_sec;
	long tv_nsec;
};

static inline u64 ktime_get_coarse_boottime_ns(void)
{
	return shim_boottime_ns;
}

static inline void ktime_get_real_ts64(struct timespec64 *ts)
{
	ts->tv_sec = (s64)(shim_realtime_ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(shim_realtime_ns % NSEC_PER_SEC);
}

static inline void shim_clock_advance(u64 ns)
{
	shim_boottime_ns += ns;
	shim_realtime_ns += ns;
}

/*
 * Random indices: tests may script the values get_random_u32() returns (to
 * force collisions); when the script runs out, real random numbers follow.
 */
extern const u32 *shim_random_u32_script;
extern size_t shim_random_u32_script_len;
static inline u32 shim_protocol_random_u32(void)
{
	if (shim_random_u32_script_len) {
		--shim_random_u32_script_len;
		return *shim_random_u32_script++;
	}
	return get_random_u32();
}
#define get_random_u32() shim_protocol_random_u32()

#define SHIM_PROTOCOL_DEFINE_GLOBALS \
	u64 shim_boottime_ns = 1000ULL * NSEC_PER_SEC; \
	u64 shim_realtime_ns = 1700000000ULL * NSEC_PER_SEC; \
	const u32 *shim_random_u32_script; \
	size_t shim_random_u32_script_len

/* Atomics: single-threaded, but keep the kernel's types and names. */
typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
#define atomic_read(a) ((a)->counter)
#define atomic_set(a, v) ((a)->counter = (v))
#define atomic_inc_return(a) (++(a)->counter)
#define atomic_dec_return(a) (--(a)->counter)
#define atomic64_read(a) ((a)->counter)
#define atomic64_set(a, v) ((a)->counter = (v))
#define atomic64_inc_return(a) (++(a)->counter)

/* kref, with a check that nothing is used after its release. */
struct kref {
	int refcount;
};
static inline void kref_init(struct kref *k) { k->refcount = 1; }
static inline unsigned int kref_read(const struct kref *k) { return k->refcount; }
static inline void kref_get(struct kref *k)
{
	assert(k->refcount > 0);
	++k->refcount;
}
static inline int kref_get_unless_zero(struct kref *k)
{
	if (!k->refcount)
		return 0;
	++k->refcount;
	return 1;
}
static inline int kref_put(struct kref *k, void (*release)(struct kref *))
{
	assert(k->refcount > 0);
	if (--k->refcount)
		return 0;
	release(k);
	return 1;
}

/*
 * Read-write semaphores that check their use: taking a lock that would
 * deadlock (or releasing one that is not held) aborts the test.
 */
struct rw_semaphore {
	int readers;
	bool writer;
};
static inline void init_rwsem(struct rw_semaphore *s)
{
	s->readers = 0;
	s->writer = false;
}
static inline void down_read(struct rw_semaphore *s)
{
	assert(!s->writer);
	++s->readers;
}
static inline void up_read(struct rw_semaphore *s)
{
	assert(s->readers > 0);
	--s->readers;
}
static inline void down_write(struct rw_semaphore *s)
{
	assert(!s->writer && !s->readers);
	s->writer = true;
}
static inline void up_write(struct rw_semaphore *s)
{
	assert(s->writer);
	s->writer = false;
}

/* hlists, RCU flavours included (RCU is sequential here). */
struct hlist_node {
	struct hlist_node *next, **pprev;
};
struct hlist_head {
	struct hlist_node *first;
};
#define INIT_HLIST_HEAD(h) ((h)->first = NULL)
static inline void INIT_HLIST_NODE(struct hlist_node *n)
{
	n->next = NULL;
	n->pprev = NULL;
}
static inline int hlist_unhashed(const struct hlist_node *n) { return !n->pprev; }
static inline int hlist_empty(const struct hlist_head *h) { return !h->first; }
static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}
static inline void __hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
}
static inline void hlist_del_rcu(struct hlist_node *n)
{
	__hlist_del(n);
	n->pprev = (struct hlist_node **)0x122; /* poison, as the kernel does */
}
static inline void hlist_del_init_rcu(struct hlist_node *n)
{
	if (!hlist_unhashed(n)) {
		__hlist_del(n);
		n->pprev = NULL;
	}
}
static inline void hlist_replace_rcu(struct hlist_node *old,
				     struct hlist_node *new)
{
	new->next = old->next;
	new->pprev = old->pprev;
	*new->pprev = new;
	if (new->next)
		new->next->pprev = &new->next;
	old->pprev = (struct hlist_node **)0x122;
}
#define hlist_add_head_rcu hlist_add_head
#define hlist_entry(p, t, m) container_of(p, t, m)
#define hlist_entry_safe(p, t, m) \
	({ __typeof__(p) __p = (p); __p ? hlist_entry(__p, t, m) : NULL; })
#define hlist_for_each_entry(pos, head, member) \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); \
	     pos; pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
#define hlist_for_each_entry_rcu(pos, head, member, ...) \
	hlist_for_each_entry(pos, head, member)
#define hlist_for_each_entry_safe(pos, n, head, member) \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); \
	     pos && ({ n = pos->member.next; 1; }); \
	     pos = hlist_entry_safe(n, __typeof__(*(pos)), member))

/* <linux/hashtable.h>: fixed arrays of hlist heads. */
#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]
#define HASH_SIZE(name) (ARRAY_SIZE(name))
#define HASH_BITS(name) ilog2(HASH_SIZE(name))
static inline u32 hash_32(u32 val, unsigned int bits)
{
	return (val * 0x61C88647u) >> (32 - bits);
}
static inline u32 hash_64(u64 val, unsigned int bits)
{
	return (u32)((val * 0x61C8864680B583EBull) >> (64 - bits));
}
#define hash_min(val, bits) \
	(sizeof(val) <= 4 ? hash_32((u32)(val), bits) : hash_64((u64)(val), bits))
#define hash_init(ht) memset((ht), 0, sizeof(ht))
#define hash_add(ht, node, key) \
	hlist_add_head(node, &(ht)[hash_min(key, HASH_BITS(ht))])
#define hash_add_rcu hash_add
#define hash_for_each_possible(ht, obj, member, key) \
	hlist_for_each_entry(obj, &(ht)[hash_min(key, HASH_BITS(ht))], member)
#define hash_for_each_possible_rcu(ht, obj, member, key, ...) \
	hash_for_each_possible(ht, obj, member, key)

/* SipHash-2-4 (Aumasson and Bernstein), as <linux/siphash.h> computes it. */
typedef struct {
	u64 key[2];
} siphash_key_t;

#define SHIM_SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rol64(v1, 13); v1 ^= v0; v0 = rol64(v0, 32); \
	v2 += v3; v3 = rol64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rol64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rol64(v1, 17); v1 ^= v2; v2 = rol64(v2, 32); \
} while (0)

static inline u64 siphash(const void *data, size_t len, const siphash_key_t *key)
{
	const u8 *in = data;
	u64 v0 = 0x736f6d6570736575ULL ^ key->key[0];
	u64 v1 = 0x646f72616e646f6dULL ^ key->key[1];
	u64 v2 = 0x6c7967656e657261ULL ^ key->key[0];
	u64 v3 = 0x7465646279746573ULL ^ key->key[1];
	u64 m, last = (u64)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = get_unaligned_le64(in + i);
		v3 ^= m;
		SHIM_SIPROUND(v0, v1, v2, v3);
		SHIM_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (; i < len; ++i)
		last |= (u64)in[i] << (8 * (i & 7));
	v3 ^= last;
	SHIM_SIPROUND(v0, v1, v2, v3);
	SHIM_SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	SHIM_SIPROUND(v0, v1, v2, v3);
	SHIM_SIPROUND(v0, v1, v2, v3);
	SHIM_SIPROUND(v0, v1, v2, v3);
	SHIM_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Delayed work never runs by itself here: tests call the work directly. */
struct work_struct {
	void (*func)(struct work_struct *work);
};
struct delayed_work {
	struct work_struct work;
	bool pending;
};
struct workqueue_struct {
	int unused;
};
#define system_power_efficient_wq ((struct workqueue_struct *)NULL)
#define INIT_DELAYED_WORK(dw, fn) \
	do { (dw)->work.func = (fn); (dw)->pending = false; } while (0)
static inline bool queue_delayed_work(struct workqueue_struct *wq,
				      struct delayed_work *dw,
				      unsigned long delay)
{
	bool was = dw->pending;

	(void)wq;
	(void)delay;
	dw->pending = true;
	return !was;
}
static inline bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	bool was = dw->pending;

	dw->pending = false;
	return was;
}

#endif /* WG_UNIT_SHIM_PROTOCOL_H */
