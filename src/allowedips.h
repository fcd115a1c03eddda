/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cryptokey routing table: longest-prefix match from an IPv4 or IPv6 address
 * to the owner (peer) of the prefix. See allowedips.c for the data structure.
 *
 * Concurrency contract:
 *  - Writers (insert, remove, remove_by_peer, free, peer_next) run with the
 *    device's config mutex held, passed in as @lock; they may sleep.
 *  - Lookups are lockless: call them inside rcu_read_lock_bh() (or from
 *    softirq context) and take a reference on the returned owner, e.g. with
 *    kref_get_unless_zero() on the containing peer, before leaving the
 *    read-side section.
 *  - Memory is released through RCU: the owner's memory must stay valid for
 *    a grace period after wg_allowedips_remove_by_peer() returns.
 */
#ifndef WG_ALLOWEDIPS_H
#define WG_ALLOWEDIPS_H

#include <linux/types.h>
#include <linux/string.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/in.h>
#include <linux/in6.h>

struct wg_ap_leaf;
struct wg_ap_grave;

/*
 * struct wg_allowedips_peer - bookkeeping embedded in every owner (peer)
 *
 * Only allowedips.c touches the fields; they are protected by the table's
 * writer lock, except that @count may be read racily for statistics.
 */
struct wg_allowedips_peer {
	/* The owner's prefixes, [0] IPv4 and [1] IPv6, oldest first. */
	struct list_head list[2];
	/* Bumped on every change of @list; lets a cursor trust its pointer. */
	u64 gen;
	/* @gen when the list's sequence numbers were last renumbered. */
	u64 renumber_gen;
	/* Last sequence number handed out in each list. */
	u32 next_seq[2];
	u32 count[2];
};

/*
 * struct wg_allowedips_cursor - resumable position in one owner's prefixes
 *
 * Zero it (or call wg_allowedips_cursor_init()) before the first call to
 * wg_allowedips_peer_next(); keep it between netlink dump calls. It holds no
 * reference: @pos is only followed while the owner's generation is
 * unchanged, which proves the entry is still in the owner's list. Otherwise
 * the walk resumes after the sequence number of the last emitted prefix.
 * All fields are private.
 */
struct wg_allowedips_cursor {
	const struct wg_ap_leaf *pos;
	u64 gen;
	u32 seq;
	u8 phase;
};

/* struct wg_allowedips - the table, embedded in the device */
struct wg_allowedips {
	void __rcu *root4;
	void __rcu *root6;
	struct wg_ap_grave *grave;	/* replaced nodes awaiting RCU */
	u64 seq;	/* bumped on every change (a dump generation) */
};

/*
 * Module-wide slab caches: wg_allowedips_slab_init() once at module load,
 * before any table is used; wg_allowedips_slab_uninit() at unload, after
 * every table was freed (it waits for the RCU callbacks, then destroys).
 */
int __must_check wg_allowedips_slab_init(void);
void wg_allowedips_slab_uninit(void);

void wg_allowedips_init(struct wg_allowedips *table);
/* Remove everything (owners' lists are emptied too); the table stays usable. */
void wg_allowedips_free(struct wg_allowedips *table, struct mutex *lock);

void wg_allowedips_peer_init(struct wg_allowedips_peer *owner);

/*
 * Insert @ip/@cidr for @owner. Host bits beyond @cidr are ignored. If the
 * prefix already exists, it moves to @owner. Returns 0, -EINVAL (cidr too
 * long) or -ENOMEM (table unchanged).
 */
int __must_check wg_allowedips_insert_v4(struct wg_allowedips *table,
					 const struct in_addr *ip, u8 cidr,
					 struct wg_allowedips_peer *owner,
					 struct mutex *lock);
int __must_check wg_allowedips_insert_v6(struct wg_allowedips *table,
					 const struct in6_addr *ip, u8 cidr,
					 struct wg_allowedips_peer *owner,
					 struct mutex *lock);

/*
 * Remove @ip/@cidr (host bits ignored) if exactly that prefix exists and
 * belongs to @owner; otherwise do nothing and still return 0. This is the
 * semantics of upstream's WGALLOWEDIP_F_REMOVE_ME (Linux 6.16). Returns
 * -EINVAL only for a cidr that is too long. Never fails for lack of memory.
 */
int wg_allowedips_remove_v4(struct wg_allowedips *table,
			    const struct in_addr *ip, u8 cidr,
			    struct wg_allowedips_peer *owner,
			    struct mutex *lock);
int wg_allowedips_remove_v6(struct wg_allowedips *table,
			    const struct in6_addr *ip, u8 cidr,
			    struct wg_allowedips_peer *owner,
			    struct mutex *lock);

/* Remove every prefix of @owner. Never fails. */
void wg_allowedips_remove_by_peer(struct wg_allowedips *table,
				  struct wg_allowedips_peer *owner,
				  struct mutex *lock);

/*
 * Longest-prefix match of @addr (struct in_addr or in6_addr, by @family
 * AF_INET or AF_INET6; anything else finds nothing). _dst picks the peer to
 * send to, _src checks the inner source of a received packet: the same
 * lookup, two names for the intent. Call inside rcu_read_lock_bh() (or
 * rcu_read_lock()); lockless, never allocates, never sleeps.
 */
struct wg_allowedips_peer *wg_allowedips_lookup_dst(struct wg_allowedips *table,
						    int family,
						    const void *addr);
struct wg_allowedips_peer *wg_allowedips_lookup_src(struct wg_allowedips *table,
						    int family,
						    const void *addr);

static inline void wg_allowedips_cursor_init(struct wg_allowedips_cursor *c)
{
	memset(c, 0, sizeof(*c));
}

/*
 * Next prefix of @owner after @cursor: IPv4 ones first, then IPv6, oldest
 * first. Fills @ip (4 or 16 bytes, network order, host bits zero), @cidr
 * and @family and returns true, or returns false at the end. Call with the
 * table's writer lock held; the lock may be dropped between calls. A prefix
 * that stays with @owner for the whole walk is returned exactly once, even
 * if other prefixes are added, removed or moved between calls (except that
 * the walk starts over if the owner's sequence numbers were renumbered
 * meanwhile, which happens once per 16M prefixes joining one of its lists).
 */
bool __must_check
wg_allowedips_peer_next(const struct wg_allowedips_peer *owner,
			struct wg_allowedips_cursor *cursor, u8 ip[16],
			u8 *cidr, int *family);

/* Number of prefixes of @owner (both families). */
size_t wg_allowedips_peer_count(const struct wg_allowedips_peer *owner);

/*
 * Debugging aid for the self-tests: checks every structural invariant of
 * the trie, pr_err()s the first violation and returns false. On success
 * stores the number of prefixes in *@count (if not NULL). Writer lock held.
 */
bool __must_check wg_allowedips_verify(struct wg_allowedips *table,
				       size_t *count, struct mutex *lock);

/* In-module self-test (allowedips-selftest.c); true if everything passed. */
bool __must_check wg_allowedips_selftest(void);

#endif /* WG_ALLOWEDIPS_H */
