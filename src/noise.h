/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The WireGuard handshake: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, and the
 * transport keypairs it produces.
 *
 * This code knows nothing about devices or peers. A peer is an opaque
 * struct wg_peer pointer that is stored and handed back, never followed;
 * everything device-wide (static identity, lookup tables) is passed in.
 *
 * Contexts: creating and consuming handshake messages and beginning a
 * session take sleeping locks and may allocate, so they run in process
 * context (the handshake workers, netlink). The keypair functions
 * (get/put/lookup/received_with/expire/current) are fine in softirq.
 */
#ifndef WG_NOISE_H
#define WG_NOISE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "messages.h"
#include "peerlookup.h"
#include "replay.h"

struct wg_peer;

struct wg_noise_static_identity {
	u8 static_public[WG_NOISE_PUBLIC_KEY_LEN];
	u8 static_private[WG_NOISE_PUBLIC_KEY_LEN];
	/*
	 * Read-held by every handshake operation, write-held while the key
	 * changes. Always taken before a handshake's own lock.
	 */
	struct rw_semaphore lock;
	bool has_identity;
};

enum wg_noise_handshake_state {
	WG_HANDSHAKE_ZEROED,
	WG_HANDSHAKE_CREATED_INITIATION,
	WG_HANDSHAKE_CONSUMED_INITIATION,
	WG_HANDSHAKE_CREATED_RESPONSE,
	WG_HANDSHAKE_CONSUMED_RESPONSE,
};

/* Per-peer handshake state; embedded in the peer. */
struct wg_noise_handshake {
	/* Our (sender) index while a handshake is in flight. */
	struct wg_index_entry entry;
	/* Membership of the device's public-key table. */
	struct hlist_node pubkey_node;

	struct wg_noise_static_identity *static_identity;
	struct wg_index_hashtable *index_table;
	struct wg_peer *peer;

	enum wg_noise_handshake_state state;

	u8 remote_static[WG_NOISE_PUBLIC_KEY_LEN];
	/* DH(our static, their static): fixed per peer, so computed once. */
	u8 precomputed_static_static[WG_NOISE_PUBLIC_KEY_LEN];
	u8 preshared_key[WG_NOISE_SYMMETRIC_KEY_LEN];

	u8 ephemeral_private[WG_NOISE_PUBLIC_KEY_LEN];
	u8 remote_ephemeral[WG_NOISE_PUBLIC_KEY_LEN];
	u8 hash[WG_NOISE_HASH_LEN];
	u8 chaining_key[WG_NOISE_HASH_LEN];

	/* Newest accepted initiation timestamp; survives clearing. */
	u8 latest_timestamp[WG_NOISE_TIMESTAMP_LEN];
	/* Boot-time ns of the last accepted initiation, 0 if none. */
	u64 last_initiation_consumption;

	__le32 remote_index;

	struct rw_semaphore lock;
};

struct wg_noise_symmetric_key {
	u8 key[WG_NOISE_SYMMETRIC_KEY_LEN];
	/* Boot-time ns when derived. */
	u64 birthdate;
	/* Cleared to stop using a key before it expires by age. */
	bool is_valid;
};

struct wg_noise_keypair {
	/* Our index: the peer's data messages to us carry it. */
	struct wg_index_entry entry;
	struct wg_noise_symmetric_key sending;
	/* Next nonce to send; see wg_noise_keypair_next_nonce(). */
	atomic64_t sending_counter;
	struct wg_noise_symmetric_key receiving;
	struct wg_replay_counter receiving_counter;
	/* Their index: goes in every data message we send. */
	__le32 remote_index;
	bool i_am_the_initiator;
	struct kref refcount;
	struct rcu_head rcu;
	/* Opaque; only valid while the caller holds a peer reference. */
	struct wg_peer *peer;
	struct wg_index_hashtable *index_table;
};

/*
 * A peer's keypairs. current is what we send with; previous is kept so that
 * messages still in flight under it decrypt; next is a keypair from a
 * handshake we answered, unused for sending until the initiator proves it has
 * it by sending a message under it. Readers use RCU; changes take the lock.
 */
struct wg_noise_keypairs {
	struct wg_noise_keypair __rcu *current_keypair;
	struct wg_noise_keypair __rcu *previous_keypair;
	struct wg_noise_keypair __rcu *next_keypair;
	spinlock_t keypair_update_lock;
};

/* Computes the constants every handshake starts from; call once at init. */
void wg_noise_init(void);

static inline struct wg_noise_handshake *
wg_noise_index_handshake(struct wg_index_entry *entry)
{
	return container_of(entry, struct wg_noise_handshake, entry);
}

static inline struct wg_noise_keypair *
wg_noise_index_keypair(struct wg_index_entry *entry)
{
	return container_of(entry, struct wg_noise_keypair, entry);
}

/* Static identity */

void wg_noise_static_identity_init(struct wg_noise_static_identity *identity);

/*
 * Sets (and clamps) the device's private key and derives the public key. An
 * all-zero key removes the identity: handshakes then fail until a key is
 * set. The caller holds identity->lock for writing, and afterwards calls
 * wg_noise_precompute_static_static() for every peer.
 */
void wg_noise_set_static_identity_private_key(
	struct wg_noise_static_identity *identity,
	const u8 private_key[WG_NOISE_PUBLIC_KEY_LEN]);

/* Handshake setup */

/**
 * wg_noise_handshake_init() - set up a peer's handshake state
 * @handshake: the state to initialize (embedded in the peer)
 * @identity: the device's static identity; the caller holds its lock
 * @peer_public_key: the peer's static public key
 * @preshared_key: 32 bytes, or NULL for none (all zero, as the protocol says)
 * @peer: opaque owner, handed back by lookups
 * @index_table: the device's index table
 *
 * Call once, before the handshake is in any table. Does not add it to the
 * public-key table: see wg_pubkey_hashtable_add().
 */
void wg_noise_handshake_init(struct wg_noise_handshake *handshake,
			     struct wg_noise_static_identity *identity,
			     const u8 peer_public_key[WG_NOISE_PUBLIC_KEY_LEN],
			     const u8 *preshared_key, struct wg_peer *peer,
			     struct wg_index_hashtable *index_table);

/* NULL clears the preshared key. */
void wg_noise_handshake_set_preshared_key(struct wg_noise_handshake *handshake,
					  const u8 *preshared_key);

/*
 * Recomputes DH(our static, their static); caller holds the static
 * identity's lock (for reading or writing). If our key is unset or theirs is
 * a low-order point, the result is zero and every handshake with this peer
 * fails.
 */
void wg_noise_precompute_static_static(struct wg_noise_handshake *handshake);

/*
 * Forgets any handshake in progress (ephemeral keys, transcript, index) but
 * keeps the peer's keys and the replay/flood state of initiations. Takes the
 * handshake's semaphore: process context only (timers defer it to a work).
 */
void wg_noise_handshake_clear(struct wg_noise_handshake *handshake);

/* Handshake messages. MACs are left to wg_cookie_add_mac_to_packet(). */

bool __must_check
wg_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
				     struct wg_noise_handshake *handshake);

/**
 * wg_noise_handshake_consume_initiation() - process a received initiation
 * @src: the message (its MACs already checked by the cookie code)
 * @identity: the device's static identity
 * @pubkeys: the device's public-key table
 *
 * Returns the handshake of the peer that sent it, holding a new reference
 * on handshake->peer that the caller drops; NULL if the message does not
 * authenticate, comes from no known peer, is a replay (timestamp not newer
 * than the last accepted one) or comes within 1/WG_INITIATIONS_PER_SECOND s
 * of the last accepted one. A rejected message changes no state.
 */
struct wg_noise_handshake *
wg_noise_handshake_consume_initiation(const struct message_handshake_initiation *src,
				      struct wg_noise_static_identity *identity,
				      struct wg_pubkey_hashtable *pubkeys);

bool __must_check
wg_noise_handshake_create_response(struct message_handshake_response *dst,
				   struct wg_noise_handshake *handshake);

/*
 * Finds the handshake by the response's receiver index and completes it.
 * Same reference rule as wg_noise_handshake_consume_initiation(); a
 * rejected message changes no state.
 */
struct wg_noise_handshake *
wg_noise_handshake_consume_response(const struct message_handshake_response *src,
				    struct wg_noise_static_identity *identity,
				    struct wg_index_hashtable *indices);

/**
 * wg_noise_handshake_begin_session() - turn a finished handshake into keys
 * @handshake: in state CREATED_RESPONSE (responder) or CONSUMED_RESPONSE
 *	(initiator)
 * @keypairs: the peer's keypairs
 *
 * Derives the transport keys, moves our handshake index over to the new
 * keypair and installs it: the initiator sends with it at once (current),
 * the responder keeps it as next until wg_noise_received_with_keypair()
 * confirms it. Wipes the handshake's ephemeral state. False if the
 * handshake is in the wrong state or memory is short.
 */
bool __must_check
wg_noise_handshake_begin_session(struct wg_noise_handshake *handshake,
				 struct wg_noise_keypairs *keypairs);

/* Keypairs */

void wg_noise_keypairs_init(struct wg_noise_keypairs *keypairs);

/* Drops all three keypairs; their indices stop resolving at once. */
void wg_noise_keypairs_clear(struct wg_noise_keypairs *keypairs);

/*
 * Call after authenticating a data message under @received. If it is the
 * next keypair, the initiator has confirmed it: next becomes current and
 * current becomes previous. Returns true when that happened (the caller
 * may then send what it had queued).
 */
bool wg_noise_received_with_keypair(struct wg_noise_keypairs *keypairs,
				    struct wg_noise_keypair *received);

/* Stops sending with the current and next keypairs (receiving continues). */
void wg_noise_expire_current_peer_keypairs(struct wg_noise_keypairs *keypairs);

/* A new reference, or NULL if @keypair is NULL or already being freed. */
struct wg_noise_keypair *__must_check
wg_noise_keypair_get(struct wg_noise_keypair *keypair);

/* Another reference, for a caller that already holds one (cannot fail). */
static inline void wg_noise_keypair_get_another(struct wg_noise_keypair *keypair)
{
	kref_get(&keypair->refcount);
}

/*
 * Drops a reference (NULL is fine). The last one unpublishes the index and
 * frees the keypair, keys wiped, after an RCU grace period: the module exit
 * path must rcu_barrier() after freeing its peers.
 */
void wg_noise_keypair_put(struct wg_noise_keypair *keypair);

/* The current keypair with a new reference, or NULL. */
struct wg_noise_keypair *__must_check
wg_noise_keypairs_current(struct wg_noise_keypairs *keypairs);

/*
 * The keypair a data message's receiver index names, with a new reference,
 * or NULL. With @peer non-NULL, also takes a peer reference (NULL is stored
 * on failure).
 */
struct wg_noise_keypair *__must_check
wg_noise_keypair_lookup(struct wg_index_hashtable *indices, __le32 index,
			struct wg_peer **peer);

/*
 * Reserves the next nonce to send under @keypair. False once the sending
 * key was expired or invalidated or WG_REJECT_AFTER_MESSAGES nonces are used
 * up: the message must not be sent with this keypair.
 */
bool __must_check wg_noise_keypair_next_nonce(struct wg_noise_keypair *keypair,
					      u64 *nonce);

/* Whether messages under @keypair may still be accepted (REJECT_AFTER_TIME). */
bool wg_noise_keypair_receiving_is_valid(const struct wg_noise_keypair *keypair);

#endif /* WG_NOISE_H */
