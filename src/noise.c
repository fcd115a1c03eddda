// SPDX-License-Identifier: GPL-2.0
/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it.
 *
 * Notation follows the protocol description: HASH is BLAKE2s-256, HMAC is
 * HMAC-BLAKE2s, KDFn is HKDF over that HMAC giving n 32-byte outputs, DH is
 * X25519, AEAD is ChaCha20-Poly1305 with a zero nonce (every handshake key is
 * used once). C is the chaining key and H the transcript hash.
 *
 * Every message is processed into local copies of C and H, and the
 * handshake is only updated once the whole message has checked out, so that
 * a forged or damaged message cannot disturb a handshake in progress. All
 * secrets on the stack are wiped before returning.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <crypto/algapi.h>

#include "noise.h"
#include "timeconst.h"

static const u8 handshake_name[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const u8 identifier_name[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

/* C0 = HASH(name) and H0 = HASH(C0 || identifier): the same for everyone. */
static u8 initial_chaining_key[WG_NOISE_HASH_LEN] __ro_after_init;
static u8 initial_hash[WG_NOISE_HASH_LEN] __ro_after_init;

/*
 * The protocol's times (timeconst.h) live here rather than in main.c
 * because the unit tests build this file without the module's init: the
 * static initializer gives them the protocol's own values.
 */
struct wg_times wg_times __ro_after_init = WG_TIMES_INIT(1);

void __init wg_times_init(unsigned int divisor)
{
	/* See WG_TIMER_DIVISOR_MAX: retransmissions must not look like a flood. */
	BUILD_BUG_ON(WG_TIMES_NS(WG_REKEY_TIMEOUT, WG_TIMER_DIVISOR_MAX) <
		     4 * NSEC_PER_SEC / WG_INITIATIONS_PER_SECOND);
	/* The parameter's setter already refuses anything else. */
	divisor = clamp(divisor, 1U, (unsigned int)WG_TIMER_DIVISOR_MAX);
	wg_times = (struct wg_times)WG_TIMES_INIT(divisor);
}

void __init wg_noise_init(void)
{
	struct wgc_blake2s_state state;

	wgc_blake2s(initial_chaining_key, handshake_name, NULL,
		    WG_NOISE_HASH_LEN, sizeof(handshake_name) - 1, 0);
	wgc_blake2s_init(&state, WG_NOISE_HASH_LEN);
	wgc_blake2s_update(&state, initial_chaining_key, WG_NOISE_HASH_LEN);
	wgc_blake2s_update(&state, identifier_name,
			   sizeof(identifier_name) - 1);
	wgc_blake2s_final(&state, initial_hash);
}

/* H = HASH(H || data) */
static void mix_hash(u8 hash[WG_NOISE_HASH_LEN], const u8 *data, size_t len)
{
	struct wgc_blake2s_state state;

	wgc_blake2s_init(&state, WG_NOISE_HASH_LEN);
	wgc_blake2s_update(&state, hash, WG_NOISE_HASH_LEN);
	wgc_blake2s_update(&state, data, len);
	wgc_blake2s_final(&state, hash);
}

/*
 * (first, second, third) = KDF3(key, data); later outputs may be NULL when
 * not needed. The outputs may alias @key: it is fully consumed first.
 */
static void kdf(u8 *first, u8 *second, u8 *third, const u8 *data,
		size_t data_len, const u8 key[WG_NOISE_HASH_LEN])
{
	u8 *outputs[] = { first, second, third };
	/* T(i) = HMAC(prk, T(i-1) || i), with T(0) empty. */
	u8 block[WG_NOISE_HASH_LEN + 1];
	u8 prk[WG_NOISE_HASH_LEN];
	u8 t[WG_NOISE_HASH_LEN];
	size_t block_len = 0;
	unsigned int i;

	wgc_blake2s_hmac(prk, data, key, data_len, WG_NOISE_HASH_LEN);
	for (i = 0; i < ARRAY_SIZE(outputs) && outputs[i]; ++i) {
		block[block_len] = i + 1;
		wgc_blake2s_hmac(t, block, prk, block_len + 1,
				 WG_NOISE_HASH_LEN);
		memcpy(outputs[i], t, WG_NOISE_HASH_LEN);
		memcpy(block, t, WG_NOISE_HASH_LEN);
		block_len = WG_NOISE_HASH_LEN;
	}
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(block, sizeof(block));
	memzero_explicit(t, sizeof(t));
}

static bool is_zero_key(const u8 key[WG_NOISE_PUBLIC_KEY_LEN])
{
	static const u8 zero[WG_NOISE_PUBLIC_KEY_LEN];

	/* Constant time: the key may be a secret. */
	return !crypto_memneq(key, zero, WG_NOISE_PUBLIC_KEY_LEN);
}

/*
 * (C, key) = KDF2(C, DH(private, public)), or C = KDF1(...) when @key is
 * NULL. Fails, leaving C untouched, if the DH result is zero: the other
 * side sent a low-order point, which would make the secret predictable.
 */
static bool __must_check mix_dh(u8 chaining_key[WG_NOISE_HASH_LEN], u8 *key,
				const u8 private[WG_NOISE_PUBLIC_KEY_LEN],
				const u8 public[WG_NOISE_PUBLIC_KEY_LEN])
{
	u8 dh[WG_NOISE_PUBLIC_KEY_LEN];

	if (unlikely(!wgc_curve25519(dh, private, public))) {
		memzero_explicit(dh, sizeof(dh));
		return false;
	}
	kdf(chaining_key, key, NULL, dh, sizeof(dh), chaining_key);
	memzero_explicit(dh, sizeof(dh));
	return true;
}

/* As mix_dh(), with the static-static DH computed beforehand. */
static bool __must_check
mix_precomputed_dh(u8 chaining_key[WG_NOISE_HASH_LEN], u8 *key,
		   const u8 precomputed[WG_NOISE_PUBLIC_KEY_LEN])
{
	if (unlikely(is_zero_key(precomputed)))
		return false;
	kdf(chaining_key, key, NULL, precomputed, WG_NOISE_PUBLIC_KEY_LEN,
	    chaining_key);
	return true;
}

/* (C, tau, key) = KDF3(C, psk); H = HASH(H || tau) */
static void mix_psk(u8 chaining_key[WG_NOISE_HASH_LEN],
		    u8 hash[WG_NOISE_HASH_LEN], u8 key[WG_NOISE_SYMMETRIC_KEY_LEN],
		    const u8 psk[WG_NOISE_SYMMETRIC_KEY_LEN])
{
	u8 tau[WG_NOISE_HASH_LEN];

	kdf(chaining_key, tau, key, psk, WG_NOISE_SYMMETRIC_KEY_LEN,
	    chaining_key);
	mix_hash(hash, tau, sizeof(tau));
	memzero_explicit(tau, sizeof(tau));
}

/* Sends or receives an ephemeral public key: C = KDF1(C, e); H = HASH(H || e) */
static void mix_ephemeral(u8 chaining_key[WG_NOISE_HASH_LEN],
			  u8 hash[WG_NOISE_HASH_LEN],
			  const u8 ephemeral[WG_NOISE_PUBLIC_KEY_LEN])
{
	kdf(chaining_key, NULL, NULL, ephemeral, WG_NOISE_PUBLIC_KEY_LEN,
	    chaining_key);
	mix_hash(hash, ephemeral, WG_NOISE_PUBLIC_KEY_LEN);
}

/* dst = AEAD(key, 0, src, H); H = HASH(H || dst) */
static void encrypt_and_hash(u8 *dst, const u8 *src, size_t src_len,
			     const u8 key[WG_NOISE_SYMMETRIC_KEY_LEN],
			     u8 hash[WG_NOISE_HASH_LEN])
{
	wgc_chacha20poly1305_encrypt(dst, src, src_len, hash, WG_NOISE_HASH_LEN,
				     0, key);
	mix_hash(hash, dst, wg_noise_encrypted_len(src_len));
}

/* The inverse of encrypt_and_hash(); @src_len includes the tag. */
static bool __must_check decrypt_and_hash(u8 *dst, const u8 *src,
					  size_t src_len,
					  const u8 key[WG_NOISE_SYMMETRIC_KEY_LEN],
					  u8 hash[WG_NOISE_HASH_LEN])
{
	if (!wgc_chacha20poly1305_decrypt(dst, src, src_len, hash,
					  WG_NOISE_HASH_LEN, 0, key))
		return false;
	mix_hash(hash, src, src_len);
	return true;
}

/* C = C0; H = HASH(H0 || responder's static public key) */
static void handshake_start(u8 chaining_key[WG_NOISE_HASH_LEN],
			    u8 hash[WG_NOISE_HASH_LEN],
			    const u8 responder_static[WG_NOISE_PUBLIC_KEY_LEN])
{
	memcpy(chaining_key, initial_chaining_key, WG_NOISE_HASH_LEN);
	memcpy(hash, initial_hash, WG_NOISE_HASH_LEN);
	mix_hash(hash, responder_static, WG_NOISE_PUBLIC_KEY_LEN);
}

/*
 * TAI64N of now: big-endian 2^62 + 10 + Unix seconds (the TAI label, with
 * the 10 s TAI-UTC offset of 1972 as other implementations use), then
 * big-endian nanoseconds. The nanoseconds are rounded down to a multiple of
 * 2^24 ns (the largest power of two below 1/WG_INITIATIONS_PER_SECOND s) so
 * that the timestamp, which a passive observer of a later key compromise
 * could read, says little about our clock or scheduling. Responders only
 * need it to increase between our initiations, which are further apart.
 */
static void tai64n_now(u8 out[WG_NOISE_TIMESTAMP_LEN])
{
	struct timespec64 now;

	ktime_get_real_ts64(&now);
	now.tv_nsec &= ~((1L << 24) - 1);
	put_unaligned_be64((1ULL << 62) + 10 + (u64)now.tv_sec, out);
	put_unaligned_be32((u32)now.tv_nsec, out + sizeof(u64));
}

void wg_noise_static_identity_init(struct wg_noise_static_identity *identity)
{
	memset(identity, 0, sizeof(*identity));
	init_rwsem(&identity->lock);
}

void wg_noise_set_static_identity_private_key(
	struct wg_noise_static_identity *identity,
	const u8 private_key[WG_NOISE_PUBLIC_KEY_LEN])
{
	lockdep_assert_held_write(&identity->lock);
	if (is_zero_key(private_key)) {
		memzero_explicit(identity->static_private,
				 WG_NOISE_PUBLIC_KEY_LEN);
		memset(identity->static_public, 0, WG_NOISE_PUBLIC_KEY_LEN);
		identity->has_identity = false;
		return;
	}
	memcpy(identity->static_private, private_key, WG_NOISE_PUBLIC_KEY_LEN);
	wgc_curve25519_clamp_secret(identity->static_private);
	identity->has_identity =
		wgc_curve25519_generate_public(identity->static_public,
					       identity->static_private);
}

void wg_noise_precompute_static_static(struct wg_noise_handshake *handshake)
{
	struct wg_noise_static_identity *identity = handshake->static_identity;

	lockdep_assert_held(&identity->lock);
	down_write(&handshake->lock);
	if (!identity->has_identity ||
	    !wgc_curve25519(handshake->precomputed_static_static,
			    identity->static_private, handshake->remote_static))
		memzero_explicit(handshake->precomputed_static_static,
				 WG_NOISE_PUBLIC_KEY_LEN);
	up_write(&handshake->lock);
}

void wg_noise_handshake_init(struct wg_noise_handshake *handshake,
			     struct wg_noise_static_identity *identity,
			     const u8 peer_public_key[WG_NOISE_PUBLIC_KEY_LEN],
			     const u8 *preshared_key, struct wg_peer *peer,
			     struct wg_index_hashtable *index_table)
{
	memset(handshake, 0, sizeof(*handshake));
	init_rwsem(&handshake->lock);
	handshake->entry.type = WG_INDEX_HANDSHAKE;
	handshake->entry.peer = peer;
	handshake->peer = peer;
	handshake->static_identity = identity;
	handshake->index_table = index_table;
	memcpy(handshake->remote_static, peer_public_key,
	       WG_NOISE_PUBLIC_KEY_LEN);
	if (preshared_key)
		memcpy(handshake->preshared_key, preshared_key,
		       WG_NOISE_SYMMETRIC_KEY_LEN);
	wg_noise_precompute_static_static(handshake);
}

void wg_noise_handshake_set_preshared_key(struct wg_noise_handshake *handshake,
					  const u8 *preshared_key)
{
	down_write(&handshake->lock);
	if (preshared_key)
		memcpy(handshake->preshared_key, preshared_key,
		       WG_NOISE_SYMMETRIC_KEY_LEN);
	else
		memzero_explicit(handshake->preshared_key,
				 WG_NOISE_SYMMETRIC_KEY_LEN);
	up_write(&handshake->lock);
}

/* Forgets the handshake in flight; the caller holds the write lock. */
static void handshake_zero(struct wg_noise_handshake *handshake)
{
	memzero_explicit(handshake->ephemeral_private, WG_NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(handshake->remote_ephemeral, WG_NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(handshake->hash, WG_NOISE_HASH_LEN);
	memzero_explicit(handshake->chaining_key, WG_NOISE_HASH_LEN);
	handshake->remote_index = 0;
	handshake->state = WG_HANDSHAKE_ZEROED;
}

void wg_noise_handshake_clear(struct wg_noise_handshake *handshake)
{
	down_write(&handshake->lock);
	wg_index_hashtable_remove(handshake->index_table, &handshake->entry);
	handshake_zero(handshake);
	up_write(&handshake->lock);
}

/*
 * Our message is built: keep what the reply must be checked against and
 * publish our new index. Returns the index for the message's sender field.
 * The caller holds the write lock.
 */
static __le32 wg_handshake_created(struct wg_noise_handshake *handshake,
				   enum wg_noise_handshake_state state,
				   const u8 ephemeral_private[WG_NOISE_PUBLIC_KEY_LEN],
				   const u8 chaining_key[WG_NOISE_HASH_LEN],
				   const u8 hash[WG_NOISE_HASH_LEN])
{
	memcpy(handshake->ephemeral_private, ephemeral_private,
	       WG_NOISE_PUBLIC_KEY_LEN);
	memcpy(handshake->chaining_key, chaining_key, WG_NOISE_HASH_LEN);
	memcpy(handshake->hash, hash, WG_NOISE_HASH_LEN);
	handshake->state = state;
	return wg_index_hashtable_insert(handshake->index_table,
					 &handshake->entry);
}

bool wg_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
					  struct wg_noise_handshake *handshake)
{
	struct wg_noise_static_identity *identity = handshake->static_identity;
	u8 ephemeral_private[WG_NOISE_PUBLIC_KEY_LEN];
	u8 timestamp[WG_NOISE_TIMESTAMP_LEN];
	u8 key[WG_NOISE_SYMMETRIC_KEY_LEN];
	u8 chaining_key[WG_NOISE_HASH_LEN];
	u8 hash[WG_NOISE_HASH_LEN];
	bool ret = false;

	down_read(&identity->lock);
	down_write(&handshake->lock);
	if (unlikely(!identity->has_identity))
		goto out;

	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION);
	handshake_start(chaining_key, hash, handshake->remote_static);

	/* e */
	wgc_curve25519_generate_secret(ephemeral_private);
	if (!wgc_curve25519_generate_public(dst->unencrypted_ephemeral,
					    ephemeral_private))
		goto out;
	mix_ephemeral(chaining_key, hash, dst->unencrypted_ephemeral);

	/* es */
	if (!mix_dh(chaining_key, key, ephemeral_private,
		    handshake->remote_static))
		goto out;

	/* s */
	encrypt_and_hash(dst->encrypted_static, identity->static_public,
			 WG_NOISE_PUBLIC_KEY_LEN, key, hash);

	/* ss */
	if (!mix_precomputed_dh(chaining_key, key,
				handshake->precomputed_static_static))
		goto out;

	/* {t} */
	tai64n_now(timestamp);
	encrypt_and_hash(dst->encrypted_timestamp, timestamp,
			 WG_NOISE_TIMESTAMP_LEN, key, hash);

	dst->sender_index = wg_handshake_created(handshake,
						 WG_HANDSHAKE_CREATED_INITIATION,
						 ephemeral_private,
						 chaining_key, hash);
	ret = true;
out:
	up_write(&handshake->lock);
	up_read(&identity->lock);
	memzero_explicit(ephemeral_private, sizeof(ephemeral_private));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(chaining_key, sizeof(chaining_key));
	memzero_explicit(hash, sizeof(hash));
	return ret;
}

struct wg_noise_handshake *
wg_noise_handshake_consume_initiation(const struct message_handshake_initiation *src,
				      struct wg_noise_static_identity *identity,
				      struct wg_pubkey_hashtable *pubkeys)
{
	struct wg_noise_handshake *handshake = NULL, *ret = NULL;
	u8 remote_static[WG_NOISE_PUBLIC_KEY_LEN];
	u8 ephemeral[WG_NOISE_PUBLIC_KEY_LEN];
	u8 timestamp[WG_NOISE_TIMESTAMP_LEN];
	u8 key[WG_NOISE_SYMMETRIC_KEY_LEN];
	u8 chaining_key[WG_NOISE_HASH_LEN];
	u8 hash[WG_NOISE_HASH_LEN];
	struct wg_peer *peer = NULL;
	bool replay, flood;
	u64 now;

	if (unlikely(le32_to_cpu(src->header.type) !=
		     MESSAGE_HANDSHAKE_INITIATION))
		return NULL;

	down_read(&identity->lock);
	if (unlikely(!identity->has_identity))
		goto out;

	handshake_start(chaining_key, hash, identity->static_public);

	/* e */
	memcpy(ephemeral, src->unencrypted_ephemeral, sizeof(ephemeral));
	mix_ephemeral(chaining_key, hash, ephemeral);

	/* es */
	if (!mix_dh(chaining_key, key, identity->static_private, ephemeral))
		goto out;

	/* s */
	if (!decrypt_and_hash(remote_static, src->encrypted_static,
			      sizeof(src->encrypted_static), key, hash))
		goto out;

	/* Only now do we know who claims to be talking. */
	handshake = wg_pubkey_hashtable_lookup(pubkeys, remote_static, &peer);
	if (!handshake)
		goto out;

	down_write(&handshake->lock);

	/* ss */
	if (!mix_precomputed_dh(chaining_key, key,
				handshake->precomputed_static_static))
		goto out_unlock;

	/* {t} */
	if (!decrypt_and_hash(timestamp, src->encrypted_timestamp,
			      sizeof(src->encrypted_timestamp), key, hash))
		goto out_unlock;

	/*
	 * The message is genuine, but it may be an old one played back (its
	 * timestamp is not newer than the last we accepted) or one of a burst
	 * meant to make us burn CPU on responses. Timestamps are big-endian,
	 * so memcmp() orders them.
	 */
	replay = memcmp(timestamp, handshake->latest_timestamp,
			WG_NOISE_TIMESTAMP_LEN) <= 0;
	now = ktime_get_coarse_boottime_ns();
	flood = handshake->last_initiation_consumption &&
		now - handshake->last_initiation_consumption <
			NSEC_PER_SEC / WG_INITIATIONS_PER_SECOND;
	if (replay || flood)
		goto out_unlock;

	memcpy(handshake->remote_ephemeral, ephemeral, WG_NOISE_PUBLIC_KEY_LEN);
	memcpy(handshake->latest_timestamp, timestamp, WG_NOISE_TIMESTAMP_LEN);
	handshake->last_initiation_consumption = now;
	memcpy(handshake->chaining_key, chaining_key, WG_NOISE_HASH_LEN);
	memcpy(handshake->hash, hash, WG_NOISE_HASH_LEN);
	handshake->remote_index = src->sender_index;
	handshake->state = WG_HANDSHAKE_CONSUMED_INITIATION;
	ret = handshake;

out_unlock:
	up_write(&handshake->lock);
out:
	up_read(&identity->lock);
	if (!ret && peer)
		pubkeys->ops->put(peer);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(chaining_key, sizeof(chaining_key));
	memzero_explicit(hash, sizeof(hash));
	memzero_explicit(ephemeral, sizeof(ephemeral));
	memzero_explicit(remote_static, sizeof(remote_static));
	memzero_explicit(timestamp, sizeof(timestamp));
	return ret;
}

bool wg_noise_handshake_create_response(struct message_handshake_response *dst,
					struct wg_noise_handshake *handshake)
{
	struct wg_noise_static_identity *identity = handshake->static_identity;
	u8 ephemeral_private[WG_NOISE_PUBLIC_KEY_LEN];
	u8 key[WG_NOISE_SYMMETRIC_KEY_LEN];
	u8 chaining_key[WG_NOISE_HASH_LEN];
	u8 hash[WG_NOISE_HASH_LEN];
	bool ret = false;

	down_read(&identity->lock);
	down_write(&handshake->lock);
	if (handshake->state != WG_HANDSHAKE_CONSUMED_INITIATION)
		goto out;

	memcpy(chaining_key, handshake->chaining_key, WG_NOISE_HASH_LEN);
	memcpy(hash, handshake->hash, WG_NOISE_HASH_LEN);
	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_RESPONSE);
	dst->receiver_index = handshake->remote_index;

	/* e */
	wgc_curve25519_generate_secret(ephemeral_private);
	if (!wgc_curve25519_generate_public(dst->unencrypted_ephemeral,
					    ephemeral_private))
		goto out;
	mix_ephemeral(chaining_key, hash, dst->unencrypted_ephemeral);

	/* ee */
	if (!mix_dh(chaining_key, NULL, ephemeral_private,
		    handshake->remote_ephemeral))
		goto out;

	/* se */
	if (!mix_dh(chaining_key, NULL, ephemeral_private,
		    handshake->remote_static))
		goto out;

	/* psk */
	mix_psk(chaining_key, hash, key, handshake->preshared_key);

	/* {} */
	encrypt_and_hash(dst->encrypted_nothing, dst->encrypted_nothing, 0,
			 key, hash);

	dst->sender_index = wg_handshake_created(handshake,
						 WG_HANDSHAKE_CREATED_RESPONSE,
						 ephemeral_private,
						 chaining_key, hash);
	ret = true;
out:
	up_write(&handshake->lock);
	up_read(&identity->lock);
	memzero_explicit(ephemeral_private, sizeof(ephemeral_private));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(chaining_key, sizeof(chaining_key));
	memzero_explicit(hash, sizeof(hash));
	return ret;
}

struct wg_noise_handshake *
wg_noise_handshake_consume_response(const struct message_handshake_response *src,
				    struct wg_noise_static_identity *identity,
				    struct wg_index_hashtable *indices)
{
	struct wg_noise_handshake *handshake, *ret = NULL;
	u8 ephemeral[WG_NOISE_PUBLIC_KEY_LEN];
	u8 key[WG_NOISE_SYMMETRIC_KEY_LEN];
	u8 chaining_key[WG_NOISE_HASH_LEN];
	u8 hash[WG_NOISE_HASH_LEN];
	struct wg_index_entry *entry;
	struct wg_peer *peer = NULL;
	u8 nothing[1];

	if (unlikely(le32_to_cpu(src->header.type) !=
		     MESSAGE_HANDSHAKE_RESPONSE))
		return NULL;

	down_read(&identity->lock);
	if (unlikely(!identity->has_identity))
		goto out;

	entry = wg_index_hashtable_lookup(indices, WG_INDEX_HANDSHAKE,
					  src->receiver_index, &peer);
	if (!entry)
		goto out;
	/* Our peer reference keeps the handshake (part of the peer) alive. */
	handshake = wg_noise_index_handshake(entry);

	down_write(&handshake->lock);
	/*
	 * Between the lookup and the lock we may have started over with a
	 * new initiation. A response to the old one could not authenticate
	 * against the new transcript anyway; this just skips the DH work.
	 */
	if (handshake->state != WG_HANDSHAKE_CREATED_INITIATION ||
	    handshake->entry.index != src->receiver_index)
		goto out_unlock;

	memcpy(chaining_key, handshake->chaining_key, WG_NOISE_HASH_LEN);
	memcpy(hash, handshake->hash, WG_NOISE_HASH_LEN);

	/* e */
	memcpy(ephemeral, src->unencrypted_ephemeral, sizeof(ephemeral));
	mix_ephemeral(chaining_key, hash, ephemeral);

	/* ee */
	if (!mix_dh(chaining_key, NULL, handshake->ephemeral_private,
		    ephemeral))
		goto out_unlock;

	/* se */
	if (!mix_dh(chaining_key, NULL, identity->static_private, ephemeral))
		goto out_unlock;

	/* psk */
	mix_psk(chaining_key, hash, key, handshake->preshared_key);

	/* {} */
	if (!decrypt_and_hash(nothing, src->encrypted_nothing,
			      sizeof(src->encrypted_nothing), key, hash))
		goto out_unlock;

	memcpy(handshake->remote_ephemeral, ephemeral, WG_NOISE_PUBLIC_KEY_LEN);
	memcpy(handshake->chaining_key, chaining_key, WG_NOISE_HASH_LEN);
	memcpy(handshake->hash, hash, WG_NOISE_HASH_LEN);
	handshake->remote_index = src->sender_index;
	handshake->state = WG_HANDSHAKE_CONSUMED_RESPONSE;
	ret = handshake;

out_unlock:
	up_write(&handshake->lock);
out:
	up_read(&identity->lock);
	if (!ret && peer)
		indices->ops->put(peer);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(chaining_key, sizeof(chaining_key));
	memzero_explicit(hash, sizeof(hash));
	memzero_explicit(ephemeral, sizeof(ephemeral));
	return ret;
}

static void keypair_free_rcu(struct rcu_head *rcu)
{
	/* kfree_sensitive() wipes the keys with the rest of the object. */
	kfree_sensitive(container_of(rcu, struct wg_noise_keypair, rcu));
}

static void keypair_release(struct kref *kref)
{
	struct wg_noise_keypair *keypair =
		container_of(kref, struct wg_noise_keypair, refcount);

	/*
	 * No new lookup may find it from now on; readers already holding the
	 * pointer under RCU are waited for before the memory goes.
	 */
	wg_index_hashtable_remove(keypair->index_table, &keypair->entry);
	call_rcu(&keypair->rcu, keypair_free_rcu);
}

struct wg_noise_keypair *wg_noise_keypair_get(struct wg_noise_keypair *keypair)
{
	/* The count may already be zero for a keypair found under RCU. */
	if (!keypair || !kref_get_unless_zero(&keypair->refcount))
		return NULL;
	return keypair;
}

void wg_noise_keypair_put(struct wg_noise_keypair *keypair)
{
	if (keypair)
		kref_put(&keypair->refcount, keypair_release);
}

/*
 * A keypair leaving the peer's set: unpublish its index at once, so the
 * peer's messages under it are dropped even while packets in flight still
 * hold references, then drop the set's reference.
 */
static void keypair_retire(struct wg_noise_keypair *keypair)
{
	if (!keypair)
		return;
	wg_index_hashtable_remove(keypair->index_table, &keypair->entry);
	wg_noise_keypair_put(keypair);
}

void wg_noise_keypairs_init(struct wg_noise_keypairs *keypairs)
{
	RCU_INIT_POINTER(keypairs->current_keypair, NULL);
	RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	spin_lock_init(&keypairs->keypair_update_lock);
}

#define keypairs_deref(keypairs, which) \
	rcu_dereference_protected((keypairs)->which, \
		lockdep_is_held(&(keypairs)->keypair_update_lock))

void wg_noise_keypairs_clear(struct wg_noise_keypairs *keypairs)
{
	struct wg_noise_keypair *old;

	spin_lock_bh(&keypairs->keypair_update_lock);
	old = keypairs_deref(keypairs, next_keypair);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	keypair_retire(old);
	old = keypairs_deref(keypairs, previous_keypair);
	RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
	keypair_retire(old);
	old = keypairs_deref(keypairs, current_keypair);
	RCU_INIT_POINTER(keypairs->current_keypair, NULL);
	keypair_retire(old);
	spin_unlock_bh(&keypairs->keypair_update_lock);
}

static void add_new_keypair(struct wg_noise_keypairs *keypairs,
			    struct wg_noise_keypair *new_keypair)
{
	struct wg_noise_keypair *previous, *current_kp, *next;

	spin_lock_bh(&keypairs->keypair_update_lock);
	previous = keypairs_deref(keypairs, previous_keypair);
	next = keypairs_deref(keypairs, next_keypair);
	current_kp = keypairs_deref(keypairs, current_keypair);

	if (new_keypair->i_am_the_initiator) {
		/*
		 * The responder already holds this keypair (as its next), so
		 * we may send with it right away: it becomes current.
		 */
		if (next) {
			/*
			 * We had also answered a handshake the peer started;
			 * the peer sends with that one until our first message
			 * under the new keypair reaches it, so that one is what
			 * we must still be able to receive with. The old
			 * current was already superseded on the peer's side.
			 */
			RCU_INIT_POINTER(keypairs->next_keypair, NULL);
			rcu_assign_pointer(keypairs->previous_keypair, next);
			keypair_retire(current_kp);
		} else {
			rcu_assign_pointer(keypairs->previous_keypair,
					   current_kp);
		}
		keypair_retire(previous);
		rcu_assign_pointer(keypairs->current_keypair, new_keypair);
	} else {
		/*
		 * The initiator may not have our response yet: sending with
		 * the keypair now could produce messages it cannot decrypt.
		 * Park it until its first message under it arrives.
		 */
		rcu_assign_pointer(keypairs->next_keypair, new_keypair);
		keypair_retire(next);
	}
	spin_unlock_bh(&keypairs->keypair_update_lock);
}

bool wg_noise_handshake_begin_session(struct wg_noise_handshake *handshake,
				      struct wg_noise_keypairs *keypairs)
{
	struct wg_noise_keypair *keypair;
	struct wg_noise_symmetric_key *first, *second;
	bool ret = false;
	u64 now;

	down_write(&handshake->lock);
	if (handshake->state != WG_HANDSHAKE_CREATED_RESPONSE &&
	    handshake->state != WG_HANDSHAKE_CONSUMED_RESPONSE)
		goto out;

	keypair = kzalloc(sizeof(*keypair), GFP_KERNEL);
	if (unlikely(!keypair))
		goto out;
	kref_init(&keypair->refcount);
	keypair->entry.type = WG_INDEX_KEYPAIR;
	keypair->entry.peer = handshake->peer;
	keypair->peer = handshake->peer;
	keypair->index_table = handshake->index_table;
	keypair->remote_index = handshake->remote_index;
	keypair->i_am_the_initiator =
		handshake->state == WG_HANDSHAKE_CONSUMED_RESPONSE;
	atomic64_set(&keypair->sending_counter, 0);
	wg_replay_counter_init(&keypair->receiving_counter);

	/*
	 * (T_i->r, T_r->i) = KDF2(C, empty): the initiator sends with the
	 * first key, the responder with the second.
	 */
	if (keypair->i_am_the_initiator) {
		first = &keypair->sending;
		second = &keypair->receiving;
	} else {
		first = &keypair->receiving;
		second = &keypair->sending;
	}
	kdf(first->key, second->key, NULL, handshake->chaining_key, 0,
	    handshake->chaining_key);
	now = ktime_get_coarse_boottime_ns();
	first->birthdate = second->birthdate = now;
	first->is_valid = second->is_valid = true;

	/*
	 * The peer addresses its messages for this session to the index it
	 * learned during the handshake, so the keypair takes it over.
	 */
	if (unlikely(!wg_index_hashtable_replace(handshake->index_table,
						 &handshake->entry,
						 &keypair->entry))) {
		kfree_sensitive(keypair);
		goto out;
	}
	handshake_zero(handshake);
	add_new_keypair(keypairs, keypair);
	ret = true;
out:
	up_write(&handshake->lock);
	return ret;
}

bool wg_noise_received_with_keypair(struct wg_noise_keypairs *keypairs,
				    struct wg_noise_keypair *received)
{
	struct wg_noise_keypair *old;
	bool promoted = false;

	/* Only the first message under a new next keypair takes the lock. */
	if (likely(rcu_access_pointer(keypairs->next_keypair) != received))
		return false;

	spin_lock_bh(&keypairs->keypair_update_lock);
	if (keypairs_deref(keypairs, next_keypair) != received)
		goto out;
	old = keypairs_deref(keypairs, previous_keypair);
	rcu_assign_pointer(keypairs->previous_keypair,
			   keypairs_deref(keypairs, current_keypair));
	keypair_retire(old);
	rcu_assign_pointer(keypairs->current_keypair, received);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	promoted = true;
out:
	spin_unlock_bh(&keypairs->keypair_update_lock);
	return promoted;
}

void wg_noise_expire_current_peer_keypairs(struct wg_noise_keypairs *keypairs)
{
	struct wg_noise_keypair *keypair;

	spin_lock_bh(&keypairs->keypair_update_lock);
	keypair = keypairs_deref(keypairs, next_keypair);
	if (keypair)
		WRITE_ONCE(keypair->sending.is_valid, false);
	keypair = keypairs_deref(keypairs, current_keypair);
	if (keypair)
		WRITE_ONCE(keypair->sending.is_valid, false);
	spin_unlock_bh(&keypairs->keypair_update_lock);
}

struct wg_noise_keypair *wg_noise_keypairs_current(struct wg_noise_keypairs *keypairs)
{
	struct wg_noise_keypair *keypair;

	rcu_read_lock_bh();
	keypair = wg_noise_keypair_get(rcu_dereference_bh(keypairs->current_keypair));
	rcu_read_unlock_bh();
	return keypair;
}

struct wg_noise_keypair *wg_noise_keypair_lookup(struct wg_index_hashtable *indices,
						 __le32 index,
						 struct wg_peer **peer)
{
	struct wg_noise_keypair *keypair = NULL;
	struct wg_index_entry *entry;

	/* The entry lives inside the keypair: RCU keeps it there until get. */
	rcu_read_lock_bh();
	entry = wg_index_hashtable_lookup(indices, WG_INDEX_KEYPAIR, index,
					  peer);
	if (entry) {
		keypair = wg_noise_keypair_get(wg_noise_index_keypair(entry));
		if (!keypair && peer)
			indices->ops->put(*peer);
	}
	if (!keypair && peer)
		*peer = NULL;
	rcu_read_unlock_bh();
	return keypair;
}

static bool key_is_fresh(const struct wg_noise_symmetric_key *key)
{
	return READ_ONCE(key->is_valid) &&
	       ktime_get_coarse_boottime_ns() - key->birthdate <
		       wg_times.reject_after_time_ns;
}

bool wg_noise_keypair_next_nonce(struct wg_noise_keypair *keypair, u64 *nonce)
{
	if (unlikely(!key_is_fresh(&keypair->sending)))
		return false;
	/* Never reuse a nonce: reserving it is one atomic increment. */
	*nonce = atomic64_inc_return(&keypair->sending_counter) - 1;
	return *nonce < WG_REJECT_AFTER_MESSAGES;
}

bool wg_noise_keypair_receiving_is_valid(const struct wg_noise_keypair *keypair)
{
	return key_is_fresh(&keypair->receiving);
}
