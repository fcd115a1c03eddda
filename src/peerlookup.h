/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two ways a received handshake message finds its peer:
 *
 *  - the index table maps the 32-bit receiver index in a response, cookie
 *    reply or data message to the handshake or keypair that chose it;
 *  - the public-key table maps the static key an initiator reveals to the
 *    handshake state kept for that peer.
 *
 * Both are per device. Lookups run under RCU and take a reference on the
 * peer through the wg_peer_refops the table was created with, because this
 * code (like noise.c) treats struct wg_peer as opaque.
 */
#ifndef WG_PEERLOOKUP_H
#define WG_PEERLOOKUP_H

#include <linux/types.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "messages.h"

struct wg_peer;
struct wg_noise_handshake;

/*
 * How lookups take and drop references on the peers they return. Both are
 * called in any context up to softirq, inside RCU read-side sections: they
 * must not sleep.
 */
struct wg_peer_refops {
	/* @peer with a new reference, or NULL if it is already dying. */
	struct wg_peer *(*get_maybe_zero)(struct wg_peer *peer);
	void (*put)(struct wg_peer *peer);
};

/* Flags, so that one lookup can accept several kinds of entry. */
enum wg_index_type {
	WG_INDEX_HANDSHAKE = 1U << 0,
	WG_INDEX_KEYPAIR = 1U << 1,
};

/*
 * Embedded in struct wg_noise_handshake (type WG_INDEX_HANDSHAKE) and in
 * struct wg_noise_keypair (WG_INDEX_KEYPAIR): container_of() on the entry a
 * lookup returns gets back to its owner, see wg_noise_index_handshake() and
 * wg_noise_index_keypair().
 */
struct wg_index_entry {
	struct hlist_node node;
	struct wg_peer *peer;
	__le32 index;
	enum wg_index_type type;
};

#define WG_INDEX_HASH_BITS 13

struct wg_index_hashtable {
	DECLARE_HASHTABLE(buckets, WG_INDEX_HASH_BITS);
	/* Writers only; readers use RCU. */
	spinlock_t lock;
	const struct wg_peer_refops *ops;
};

struct wg_index_hashtable *
wg_index_hashtable_alloc(const struct wg_peer_refops *ops);
/* The table must be empty and no RCU reader may still be inside it. */
void wg_index_hashtable_free(struct wg_index_hashtable *table);

/*
 * Gives @entry a fresh random index, unique in @table, and publishes it.
 * An entry already in the table is first taken out (it gets a new index).
 * @entry->peer and @entry->type must be set. Returns the new index.
 */
__le32 wg_index_hashtable_insert(struct wg_index_hashtable *table,
				 struct wg_index_entry *entry);

/*
 * Atomically puts @new in @old's place under @old's index (a handshake
 * becoming a keypair keeps the index the peer already knows). @new->peer
 * and @new->type must be set. False if @old is not in the table.
 */
bool __must_check wg_index_hashtable_replace(struct wg_index_hashtable *table,
					     struct wg_index_entry *old,
					     struct wg_index_entry *new);

/*
 * Unpublishes @entry; harmless if it is not in the table. Readers may see
 * it until a grace period has passed, so its memory must be freed via RCU.
 */
void wg_index_hashtable_remove(struct wg_index_hashtable *table,
			       struct wg_index_entry *entry);

/**
 * wg_index_hashtable_lookup() - find the entry that owns a receiver index
 * @table: the device's index table
 * @type_mask: which kinds of entry are acceptable (WG_INDEX_* ORed)
 * @index: index from the wire
 * @peer: if not NULL, receives a new reference to the entry's peer
 *
 * With @peer the entry is only returned if its peer is still alive; that
 * reference keeps a handshake entry valid. A keypair entry is only valid
 * while the caller stays in an RCU read-side section (rcu_read_lock_bh())
 * or holds a keypair reference (see wg_noise_keypair_lookup()).
 */
struct wg_index_entry *
wg_index_hashtable_lookup(struct wg_index_hashtable *table,
			  unsigned int type_mask, __le32 index,
			  struct wg_peer **peer);

#define WG_PUBKEY_HASH_BITS 11

struct wg_pubkey_hashtable {
	DECLARE_HASHTABLE(buckets, WG_PUBKEY_HASH_BITS);
	/* Random per table: remote parties cannot aim at one bucket. */
	siphash_key_t key;
	/* Writers only; readers use RCU. */
	struct mutex lock;
	const struct wg_peer_refops *ops;
};

struct wg_pubkey_hashtable *
wg_pubkey_hashtable_alloc(const struct wg_peer_refops *ops);
/* The table must be empty and no RCU reader may still be inside it. */
void wg_pubkey_hashtable_free(struct wg_pubkey_hashtable *table);

/*
 * Adds a handshake under its remote static key (set by
 * wg_noise_handshake_init()). The caller makes sure the key is not already
 * present: a device has at most one peer per public key.
 */
void wg_pubkey_hashtable_add(struct wg_pubkey_hashtable *table,
			     struct wg_noise_handshake *handshake);
/* Harmless if absent; the handshake must outlive an RCU grace period. */
void wg_pubkey_hashtable_remove(struct wg_pubkey_hashtable *table,
				struct wg_noise_handshake *handshake);

/*
 * The handshake of the peer whose static public key is @pubkey, or NULL.
 * With @peer, only returns a handshake whose peer is alive, and hands over
 * a new reference to it, which keeps the handshake valid; without, the
 * result is only valid inside the caller's RCU read-side section.
 */
struct wg_noise_handshake *
wg_pubkey_hashtable_lookup(struct wg_pubkey_hashtable *table,
			   const u8 pubkey[WG_NOISE_PUBLIC_KEY_LEN],
			   struct wg_peer **peer);

#endif /* WG_PEERLOOKUP_H */
