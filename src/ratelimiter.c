// SPDX-License-Identifier: GPL-2.0
/*
 * Token-bucket rate limiter for handshake messages, one bucket per source.
 *
 * Tokens are kept in nanoseconds of credit: a message costs PACKET_COST ns,
 * credit accrues one ns per ns of wall time and is capped at TOKEN_MAX,
 * which is the burst. Lookups walk a bucket chain under RCU and update one
 * entry under that entry's own lock, so sources do not contend; adding and
 * collecting entries take the table lock.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "ratelimiter.h"

#define PACKET_COST ((u64)NSEC_PER_SEC / WG_RATELIMITER_PACKETS_PER_SECOND)
#define TOKEN_MAX (PACKET_COST * WG_RATELIMITER_PACKETS_BURSTABLE)
#define MAX_IDLE_NS ((u64)WG_RATELIMITER_ENTRY_MAX_IDLE_MS * NSEC_PER_MSEC)

/* Who a bucket belongs to; also the hash input, so no padding holes. */
struct ratelimiter_key {
	/* IPv4 address, or the /64 prefix of an IPv6 one, as raw bytes. */
	u64 addr;
	u64 net;
	u64 family;
};

struct ratelimiter_entry {
	struct hlist_node hash;
	struct ratelimiter_key key;
	/* Both under @lock. */
	u64 last_time_ns;
	u64 tokens;
	spinlock_t lock;
	struct rcu_head rcu;
};

static bool make_key(struct ratelimiter_key *key, int family,
		     const void *addr, const void *netns_key)
{
	memset(key, 0, sizeof(*key));
	if (family == AF_INET)
		memcpy(&key->addr, addr, 4);
	else if (family == AF_INET6)
		memcpy(&key->addr, addr, 8);
	else
		return false;
	key->net = (u64)(uintptr_t)netns_key;
	key->family = family;
	return true;
}

static struct hlist_head *bucket_of(struct wg_ratelimiter *rl,
				    const struct ratelimiter_key *key)
{
	/* Keyed, so that no one can pick addresses that share a chain. */
	u64 hash = siphash(key, sizeof(*key), &rl->key);

	return &rl->table[hash & (rl->table_size - 1)];
}

/* Charges one message to @entry at time @now. */
static bool entry_charge(struct ratelimiter_entry *entry, u64 now)
{
	u64 tokens;
	bool allowed;

	spin_lock(&entry->lock);
	tokens = entry->tokens;
	/* The clock is monotonic, but never let a misordering mint credit. */
	if (now > entry->last_time_ns)
		tokens += now - entry->last_time_ns;
	tokens = min_t(u64, tokens, TOKEN_MAX);
	entry->last_time_ns = now;
	allowed = tokens >= PACKET_COST;
	if (allowed)
		tokens -= PACKET_COST;
	entry->tokens = tokens;
	spin_unlock(&entry->lock);
	return allowed;
}

static bool ratelimiter_allow_at(struct wg_ratelimiter *rl, int family,
				 const void *addr, const void *netns_key,
				 u64 now)
{
	struct ratelimiter_entry *entry;
	struct ratelimiter_key key;
	struct hlist_head *bucket;
	bool allowed;

	if (unlikely(!make_key(&key, family, addr, netns_key)))
		return false;
	bucket = bucket_of(rl, &key);

	rcu_read_lock_bh();
	hlist_for_each_entry_rcu(entry, bucket, hash) {
		if (!memcmp(&entry->key, &key, sizeof(key))) {
			allowed = entry_charge(entry, now);
			rcu_read_unlock_bh();
			return allowed;
		}
	}
	rcu_read_unlock_bh();

	/*
	 * A new source. Two CPUs may race to add the same one; the duplicate
	 * costs one extra burst at worst and is collected once idle.
	 */
	entry = kmalloc(sizeof(*entry), GFP_ATOMIC);
	if (unlikely(!entry))
		return false;
	entry->key = key;
	entry->last_time_ns = now;
	/* A full bucket, minus this message. */
	entry->tokens = TOKEN_MAX - PACKET_COST;
	spin_lock_init(&entry->lock);

	spin_lock_bh(&rl->table_lock);
	if (rl->total_entries >= rl->max_entries) {
		spin_unlock_bh(&rl->table_lock);
		kfree(entry);
		return false;
	}
	++rl->total_entries;
	hlist_add_head_rcu(&entry->hash, bucket);
	spin_unlock_bh(&rl->table_lock);
	return true;
}

bool wg_ratelimiter_allow(struct wg_ratelimiter *rl, int family,
			  const void *addr, const void *netns_key)
{
	return ratelimiter_allow_at(rl, family, addr, netns_key,
				    ktime_get_coarse_boottime_ns());
}

static void ratelimiter_gc_at(struct wg_ratelimiter *rl, bool all, u64 now)
{
	struct ratelimiter_entry *entry;
	struct hlist_node *tmp;
	unsigned int i;

	/*
	 * An entry idle this long has refilled its bucket completely, so
	 * forgetting it changes nothing for its source.
	 */
	spin_lock_bh(&rl->table_lock);
	for (i = 0; i < rl->table_size; ++i) {
		hlist_for_each_entry_safe(entry, tmp, &rl->table[i], hash) {
			if (all ||
			    now - READ_ONCE(entry->last_time_ns) > MAX_IDLE_NS) {
				hlist_del_rcu(&entry->hash);
				--rl->total_entries;
				kfree_rcu(entry, rcu);
			}
		}
	}
	spin_unlock_bh(&rl->table_lock);
}

void wg_ratelimiter_gc(struct wg_ratelimiter *rl, bool all)
{
	ratelimiter_gc_at(rl, all, ktime_get_coarse_boottime_ns());
}

static void gc_work_fn(struct work_struct *work)
{
	struct wg_ratelimiter *rl =
		container_of(work, struct wg_ratelimiter, gc_work.work);

	wg_ratelimiter_gc(rl, false);
	queue_delayed_work(system_power_efficient_wq, &rl->gc_work, HZ);
}

static int ratelimiter_init(struct wg_ratelimiter *rl, unsigned int table_size,
			    unsigned int max_entries, bool start_gc)
{
	memset(rl, 0, sizeof(*rl));
	rl->table_size = rounddown_pow_of_two(max(table_size, 1U));
	rl->max_entries = max_entries;
	rl->table = kvcalloc(rl->table_size, sizeof(*rl->table), GFP_KERNEL);
	if (!rl->table)
		return -ENOMEM;
	get_random_bytes(&rl->key, sizeof(rl->key));
	spin_lock_init(&rl->table_lock);
	INIT_DELAYED_WORK(&rl->gc_work, gc_work_fn);
	if (start_gc) {
		rl->gc_scheduled = true;
		queue_delayed_work(system_power_efficient_wq, &rl->gc_work, HZ);
	}
	return 0;
}

int wg_ratelimiter_init_sized(struct wg_ratelimiter *rl,
			      unsigned int table_size,
			      unsigned int max_entries)
{
	return ratelimiter_init(rl, table_size, max_entries, true);
}

int wg_ratelimiter_init(struct wg_ratelimiter *rl)
{
	/*
	 * One bucket per 128 KiB of RAM, between 16 and 8192 buckets, eight
	 * entries per bucket on average: at most 64Ki sources, a few MiB.
	 */
	unsigned long buckets = (totalram_pages() << PAGE_SHIFT) >> 17;

	buckets = clamp_t(unsigned long, buckets, 16, 8192);
	return ratelimiter_init(rl, buckets, buckets * 8, true);
}

void wg_ratelimiter_uninit(struct wg_ratelimiter *rl)
{
	if (!rl->table)
		return;
	if (rl->gc_scheduled)
		cancel_delayed_work_sync(&rl->gc_work);
	ratelimiter_gc_at(rl, true, 0);
	/* Readers may still be walking the (now empty) chains. */
	synchronize_rcu();
	kvfree(rl->table);
	rl->table = NULL;
}

bool wg_ratelimiter_selftest(void)
{
	static const u8 v4a[4] = { 192, 0, 2, 1 };
	static const u8 v4b[4] = { 192, 0, 2, 2 };
	/* 2001:db8:1:2::1 and ::2 share a /64; 2001:db8:1:3::1 does not. */
	static const u8 v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2,
				    0, 0, 0, 0, 0, 0, 0, 1 };
	static const u8 v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2,
				    0, 0, 0, 0, 0, 0, 0, 2 };
	static const u8 v6c[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 3,
				    0, 0, 0, 0, 0, 0, 0, 1 };
	const void *net1 = &v4a, *net2 = &v4b;
	struct wg_ratelimiter *rl;
	u64 t = 1000ULL * NSEC_PER_SEC;
	unsigned int i, failed = 0;

#define EXPECT(cond) do { if (!(cond)) { \
		pr_err("wireguard: ratelimiter selftest: line %d\n", __LINE__); \
		++failed; } } while (0)

	rl = kmalloc(sizeof(*rl), GFP_KERNEL);
	if (!rl || ratelimiter_init(rl, 16, 4, false)) {
		kfree(rl);
		return false;
	}

	/* A burst, then one message per PACKET_COST. */
	for (i = 0; i < WG_RATELIMITER_PACKETS_BURSTABLE; ++i)
		EXPECT(ratelimiter_allow_at(rl, AF_INET, v4a, net1, t));
	EXPECT(!ratelimiter_allow_at(rl, AF_INET, v4a, net1, t));
	EXPECT(!ratelimiter_allow_at(rl, AF_INET, v4a, net1,
				     t + PACKET_COST - 1));
	EXPECT(ratelimiter_allow_at(rl, AF_INET, v4a, net1, t + PACKET_COST));
	EXPECT(!ratelimiter_allow_at(rl, AF_INET, v4a, net1, t + PACKET_COST));
	/* Another address, or the same in another namespace, is apart. */
	EXPECT(ratelimiter_allow_at(rl, AF_INET, v4b, net1, t));
	EXPECT(ratelimiter_allow_at(rl, AF_INET, v4a, net2, t));
	/* IPv6 counts per /64. */
	for (i = 0; i < WG_RATELIMITER_PACKETS_BURSTABLE; ++i)
		EXPECT(ratelimiter_allow_at(rl, AF_INET6, v6a, net1, t));
	EXPECT(!ratelimiter_allow_at(rl, AF_INET6, v6b, net1, t));
	/* The table is full (4 sources): a new one is refused... */
	EXPECT(rl->total_entries == 4);
	EXPECT(!ratelimiter_allow_at(rl, AF_INET6, v6c, net1, t));
	/* ...until idle entries are collected. */
	ratelimiter_gc_at(rl, false, t + MAX_IDLE_NS);
	EXPECT(rl->total_entries == 4);
	ratelimiter_gc_at(rl, false, t + PACKET_COST + MAX_IDLE_NS + 1);
	EXPECT(rl->total_entries == 0);
	EXPECT(ratelimiter_allow_at(rl, AF_INET6, v6c, net1, t));
	/* A long pause refills no more than a burst. */
	t += 3600ULL * NSEC_PER_SEC;
	for (i = 0; i < WG_RATELIMITER_PACKETS_BURSTABLE; ++i)
		EXPECT(ratelimiter_allow_at(rl, AF_INET6, v6c, net1, t));
	EXPECT(!ratelimiter_allow_at(rl, AF_INET6, v6c, net1, t));
	/* Unknown families are refused. */
	EXPECT(!ratelimiter_allow_at(rl, AF_UNSPEC, v4a, net1, t));
#undef EXPECT

	wg_ratelimiter_uninit(rl);
	kfree(rl);
	if (!failed)
		pr_debug("wireguard: ratelimiter selftest: pass\n");
	return !failed;
}
