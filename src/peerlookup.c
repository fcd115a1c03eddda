// SPDX-License-Identifier: GPL-2.0
/*
 * Receiver-index and public-key lookup tables.
 *
 * Both tables are fixed arrays of hlist buckets. Writers serialize on the
 * table's lock and publish with the _rcu list primitives; readers walk a
 * bucket under rcu_read_lock_bh() and never block writers. An entry leaving
 * a table may still be visited by a reader that was already on its chain,
 * which is why every owner frees its entry only after a grace period.
 */
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "peerlookup.h"
#include "noise.h"

struct wg_index_hashtable *
wg_index_hashtable_alloc(const struct wg_peer_refops *ops)
{
	struct wg_index_hashtable *table;

	table = kvmalloc(sizeof(*table), GFP_KERNEL);
	if (!table)
		return NULL;
	hash_init(table->buckets);
	spin_lock_init(&table->lock);
	table->ops = ops;
	return table;
}

void wg_index_hashtable_free(struct wg_index_hashtable *table)
{
	kvfree(table);
}

/* Whether @index is taken in @table; the caller holds the table lock. */
static bool index_in_use(struct wg_index_hashtable *table, __le32 index)
{
	struct wg_index_entry *iter;

	hash_for_each_possible(table->buckets, iter, node,
			       (__force u32)index)
		if (iter->index == index)
			return true;
	return false;
}

__le32 wg_index_hashtable_insert(struct wg_index_hashtable *table,
				 struct wg_index_entry *entry)
{
	__le32 index;

	/*
	 * The index is what the peer puts in every message to us, so it is
	 * random (it reveals nothing and cannot be predicted) and unique in
	 * the device. With at most a few million entries in 2^32 values a
	 * collision is rare, and redrawing settles it. The whole search runs
	 * under the lock so that two CPUs cannot pick the same free index.
	 */
	spin_lock_bh(&table->lock);
	hlist_del_init_rcu(&entry->node);
	do {
		index = (__force __le32)get_random_u32();
	} while (index_in_use(table, index));
	entry->index = index;
	hash_add_rcu(table->buckets, &entry->node, (__force u32)index);
	spin_unlock_bh(&table->lock);
	return index;
}

bool wg_index_hashtable_replace(struct wg_index_hashtable *table,
				struct wg_index_entry *old,
				struct wg_index_entry *new)
{
	bool replaced = false;

	spin_lock_bh(&table->lock);
	if (hlist_unhashed(&old->node))
		goto out;
	new->index = old->index;
	hlist_replace_rcu(&old->node, &new->node);
	/*
	 * Mark @old unhashed so that removing or reinserting it later is safe,
	 * but leave its next pointer alone: a reader standing on @old right
	 * now still needs it to walk on to the rest of the chain.
	 */
	old->node.pprev = NULL;
	replaced = true;
out:
	spin_unlock_bh(&table->lock);
	return replaced;
}

void wg_index_hashtable_remove(struct wg_index_hashtable *table,
			       struct wg_index_entry *entry)
{
	spin_lock_bh(&table->lock);
	hlist_del_init_rcu(&entry->node);
	spin_unlock_bh(&table->lock);
}

struct wg_index_entry *
wg_index_hashtable_lookup(struct wg_index_hashtable *table,
			  unsigned int type_mask, __le32 index,
			  struct wg_peer **peer)
{
	struct wg_index_entry *iter, *found = NULL;

	rcu_read_lock_bh();
	hash_for_each_possible_rcu(table->buckets, iter, node,
				   (__force u32)index) {
		if (iter->index == index && (iter->type & type_mask)) {
			found = iter;
			break;
		}
	}
	if (found && peer) {
		*peer = table->ops->get_maybe_zero(READ_ONCE(found->peer));
		if (!*peer)
			found = NULL;
	}
	rcu_read_unlock_bh();
	return found;
}

struct wg_pubkey_hashtable *
wg_pubkey_hashtable_alloc(const struct wg_peer_refops *ops)
{
	struct wg_pubkey_hashtable *table;

	table = kvmalloc(sizeof(*table), GFP_KERNEL);
	if (!table)
		return NULL;
	get_random_bytes(&table->key, sizeof(table->key));
	hash_init(table->buckets);
	mutex_init(&table->lock);
	table->ops = ops;
	return table;
}

void wg_pubkey_hashtable_free(struct wg_pubkey_hashtable *table)
{
	kvfree(table);
}

static struct hlist_head *
pubkey_bucket(struct wg_pubkey_hashtable *table,
	      const u8 pubkey[WG_NOISE_PUBLIC_KEY_LEN])
{
	/*
	 * Public keys are chosen by remote parties: a keyed hash stops anyone
	 * from crowding one bucket to slow down every initiation we consume.
	 */
	u64 hash = siphash(pubkey, WG_NOISE_PUBLIC_KEY_LEN, &table->key);

	return &table->buckets[hash & (HASH_SIZE(table->buckets) - 1)];
}

void wg_pubkey_hashtable_add(struct wg_pubkey_hashtable *table,
			     struct wg_noise_handshake *handshake)
{
	mutex_lock(&table->lock);
	hlist_add_head_rcu(&handshake->pubkey_node,
			   pubkey_bucket(table, handshake->remote_static));
	mutex_unlock(&table->lock);
}

void wg_pubkey_hashtable_remove(struct wg_pubkey_hashtable *table,
				struct wg_noise_handshake *handshake)
{
	mutex_lock(&table->lock);
	hlist_del_init_rcu(&handshake->pubkey_node);
	mutex_unlock(&table->lock);
}

struct wg_noise_handshake *
wg_pubkey_hashtable_lookup(struct wg_pubkey_hashtable *table,
			   const u8 pubkey[WG_NOISE_PUBLIC_KEY_LEN],
			   struct wg_peer **peer)
{
	struct wg_noise_handshake *iter, *found = NULL;

	rcu_read_lock_bh();
	hlist_for_each_entry_rcu(iter, pubkey_bucket(table, pubkey),
				 pubkey_node) {
		/* Public keys are not secret: a plain compare will do. */
		if (!memcmp(iter->remote_static, pubkey,
			    WG_NOISE_PUBLIC_KEY_LEN)) {
			found = iter;
			break;
		}
	}
	if (found && peer) {
		*peer = table->ops->get_maybe_zero(found->peer);
		if (!*peer)
			found = NULL;
	}
	rcu_read_unlock_bh();
	return found;
}
