/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-source token buckets for handshake messages under load.
 *
 * Once a handshake message has shown (through its cookie) that its sender
 * really receives at its source address, that address gets
 * WG_RATELIMITER_PACKETS_PER_SECOND handshakes a second, with bursts of up
 * to WG_RATELIMITER_PACKETS_BURSTABLE. IPv4 sources count per address, IPv6
 * sources per /64, since one host can easily own a whole /64.
 */
#ifndef WG_RATELIMITER_H
#define WG_RATELIMITER_H

#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

enum wg_ratelimiter_values {
	WG_RATELIMITER_PACKETS_PER_SECOND = 20,
	WG_RATELIMITER_PACKETS_BURSTABLE = 5,
	/* Idle entries older than this are garbage collected. */
	WG_RATELIMITER_ENTRY_MAX_IDLE_MS = 1000,
};

struct wg_ratelimiter {
	struct hlist_head *table;
	/* Buckets, a power of two. */
	unsigned int table_size;
	/*
	 * Bound on entries. When it is reached, new sources are refused (not
	 * allowed) until garbage collection frees room, while sources already
	 * in the table keep their buckets: under a flood from many addresses
	 * this fails closed rather than growing without bound.
	 */
	unsigned int max_entries;
	/* Writers hold table_lock; readers use RCU. */
	unsigned int total_entries;
	spinlock_t table_lock;
	siphash_key_t key;
	struct delayed_work gc_work;
	bool gc_scheduled;
};

/*
 * Sizes the table from the amount of RAM and starts the once-a-second
 * garbage collection. Per instance: a device embeds one (or several devices
 * share one, with their network namespace as netns_key). 0 or -ENOMEM.
 */
int __must_check wg_ratelimiter_init(struct wg_ratelimiter *rl);

/* As wg_ratelimiter_init(), with the sizes given (tests, small systems). */
int __must_check wg_ratelimiter_init_sized(struct wg_ratelimiter *rl,
					   unsigned int table_size,
					   unsigned int max_entries);

/* Stops garbage collection and frees everything; no allow() may be running. */
void wg_ratelimiter_uninit(struct wg_ratelimiter *rl);

/**
 * wg_ratelimiter_allow() - charge one handshake message to its source
 * @rl: the rate limiter
 * @family: AF_INET or AF_INET6
 * @addr: the source address: 4 bytes for AF_INET, 16 for AF_INET6
 * @netns_key: the network namespace (only compared, never dereferenced)
 *
 * Returns true if the source still has a token. Unknown families are
 * refused.
 */
bool wg_ratelimiter_allow(struct wg_ratelimiter *rl, int family,
			  const void *addr, const void *netns_key);

/* Drops entries idle for over a second (all of them with @all). */
void wg_ratelimiter_gc(struct wg_ratelimiter *rl, bool all);

/* Deterministic walk through the bucket rules; true on success. */
bool wg_ratelimiter_selftest(void);

#endif /* WG_RATELIMITER_H */
