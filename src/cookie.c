// SPDX-License-Identifier: GPL-2.0
/*
 * MAC1/MAC2 and cookie replies.
 *
 * MAC(key, data) is keyed BLAKE2s with a 16-byte output. mac1 covers the
 * message up to mac1, mac2 the message up to mac2 (mac1 included).
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <crypto/algapi.h>

#include "cookie.h"

static const u8 mac1_label[] = "mac1----";
static const u8 cookie_label[] = "cookie--";

/* key = HASH(label || public key) */
static void derive_key(u8 key[WG_NOISE_SYMMETRIC_KEY_LEN],
		       const u8 public[WG_NOISE_PUBLIC_KEY_LEN],
		       const u8 *label, size_t label_len)
{
	struct wgc_blake2s_state state;

	wgc_blake2s_init(&state, WG_NOISE_SYMMETRIC_KEY_LEN);
	wgc_blake2s_update(&state, label, label_len);
	wgc_blake2s_update(&state, public, WG_NOISE_PUBLIC_KEY_LEN);
	wgc_blake2s_final(&state, key);
}

/* The MACs trail every handshake message. */
static const struct message_macs *macs_of(const void *message, size_t len)
{
	return (const struct message_macs *)((const u8 *)message + len -
					      sizeof(struct message_macs));
}

static bool long_enough(size_t len)
{
	return len >= sizeof(struct message_header) +
		      sizeof(struct message_macs);
}

static void compute_mac1(u8 mac1[WG_COOKIE_LEN], const void *message,
			 size_t len, const u8 key[WG_NOISE_SYMMETRIC_KEY_LEN])
{
	wgc_blake2s(mac1, message, key, WG_COOKIE_LEN,
		    len - sizeof(struct message_macs),
		    WG_NOISE_SYMMETRIC_KEY_LEN);
}

static void compute_mac2(u8 mac2[WG_COOKIE_LEN], const void *message,
			 size_t len, const u8 cookie[WG_COOKIE_LEN])
{
	wgc_blake2s(mac2, message, cookie, WG_COOKIE_LEN,
		    len - sizeof(struct message_macs) +
			    offsetof(struct message_macs, mac2),
		    WG_COOKIE_LEN);
}

static bool has_expired(u64 birthdate, u64 max_age_seconds)
{
	return ktime_get_coarse_boottime_ns() - birthdate >=
	       max_age_seconds * NSEC_PER_SEC;
}

void wg_cookie_checker_init(struct wg_cookie_checker *checker)
{
	memset(checker, 0, sizeof(*checker));
	spin_lock_init(&checker->lock);
}

void wg_cookie_checker_precompute_device_keys(struct wg_cookie_checker *checker,
					      const u8 *our_public)
{
	spin_lock_bh(&checker->lock);
	if (our_public) {
		derive_key(checker->message_mac1_key, our_public, mac1_label,
			   sizeof(mac1_label) - 1);
		derive_key(checker->message_cookie_key, our_public,
			   cookie_label, sizeof(cookie_label) - 1);
	} else {
		memzero_explicit(checker->message_mac1_key,
				 WG_NOISE_SYMMETRIC_KEY_LEN);
		memzero_explicit(checker->message_cookie_key,
				 WG_NOISE_SYMMETRIC_KEY_LEN);
	}
	spin_unlock_bh(&checker->lock);
}

void wg_cookie_init(struct wg_cookie *cookie)
{
	memset(cookie, 0, sizeof(*cookie));
	spin_lock_init(&cookie->lock);
}

void wg_cookie_precompute_peer_keys(struct wg_cookie *cookie,
				    const u8 remote_public[WG_NOISE_PUBLIC_KEY_LEN])
{
	spin_lock_bh(&cookie->lock);
	derive_key(cookie->message_mac1_key, remote_public, mac1_label,
		   sizeof(mac1_label) - 1);
	derive_key(cookie->cookie_decryption_key, remote_public, cookie_label,
		   sizeof(cookie_label) - 1);
	spin_unlock_bh(&cookie->lock);
}

/*
 * cookie = MAC(secret, address || port). The secret is replaced when it is
 * WG_COOKIE_SECRET_MAX_AGE old, which retires every cookie handed out under
 * it. The caller holds checker->lock.
 */
static void make_cookie(struct wg_cookie_checker *checker,
			u8 cookie[WG_COOKIE_LEN], const u8 *src_addr,
			size_t src_addr_len, __be16 src_port)
{
	struct wgc_blake2s_state state;

	if (!checker->has_secret ||
	    has_expired(checker->secret_birthdate, WG_COOKIE_SECRET_MAX_AGE)) {
		get_random_bytes(checker->secret, sizeof(checker->secret));
		checker->secret_birthdate = ktime_get_coarse_boottime_ns();
		checker->has_secret = true;
	}
	wgc_blake2s_init_key(&state, WG_COOKIE_LEN, checker->secret,
			     sizeof(checker->secret));
	wgc_blake2s_update(&state, src_addr, src_addr_len);
	wgc_blake2s_update(&state, (const u8 *)&src_port, sizeof(src_port));
	wgc_blake2s_final(&state, cookie);
}

void wg_cookie_add_mac_to_packet(void *message, size_t len,
				 struct wg_cookie *cookie)
{
	struct message_macs *macs;

	if (WARN_ON(!long_enough(len)))
		return;
	macs = (struct message_macs *)macs_of(message, len);

	spin_lock_bh(&cookie->lock);
	compute_mac1(macs->mac1, message, len, cookie->message_mac1_key);
	memcpy(cookie->last_mac1_sent, macs->mac1, WG_COOKIE_LEN);
	cookie->have_sent_mac1 = true;

	/*
	 * The responder's secret lives WG_COOKIE_SECRET_MAX_AGE seconds from
	 * when it drew it, which was before it made our cookie; stop a little
	 * early so the message still arrives before the secret changes.
	 */
	if (cookie->is_valid &&
	    !has_expired(cookie->birthdate, WG_COOKIE_SECRET_MAX_AGE -
					    WG_COOKIE_SECRET_LATENCY))
		compute_mac2(macs->mac2, message, len, cookie->cookie);
	else
		memset(macs->mac2, 0, WG_COOKIE_LEN);
	spin_unlock_bh(&cookie->lock);
}

enum wg_cookie_mac_state
wg_cookie_validate_packet(struct wg_cookie_checker *checker,
			  const void *message, size_t len, const u8 *src_addr,
			  size_t src_addr_len, __be16 src_port,
			  bool check_cookie)
{
	enum wg_cookie_mac_state state = WG_COOKIE_INVALID_MAC;
	const struct message_macs *macs;
	u8 computed[WG_COOKIE_LEN];
	u8 cookie[WG_COOKIE_LEN];

	if (unlikely(!long_enough(len) || src_addr_len > 16))
		return WG_COOKIE_INVALID_MAC;
	macs = macs_of(message, len);

	spin_lock_bh(&checker->lock);
	/*
	 * mac1 first: it is cheap, needs no per-source state, and weeds out
	 * everyone who does not know our public key. Constant-time compares
	 * keep the MACs from being guessed byte by byte.
	 */
	compute_mac1(computed, message, len, checker->message_mac1_key);
	if (crypto_memneq(computed, macs->mac1, WG_COOKIE_LEN))
		goto out;
	state = WG_COOKIE_VALID_MAC_BUT_NO_COOKIE;
	if (!check_cookie)
		goto out;

	make_cookie(checker, cookie, src_addr, src_addr_len, src_port);
	compute_mac2(computed, message, len, cookie);
	if (crypto_memneq(computed, macs->mac2, WG_COOKIE_LEN))
		goto out;
	state = WG_COOKIE_VALID_MAC_WITH_COOKIE;
out:
	spin_unlock_bh(&checker->lock);
	memzero_explicit(cookie, sizeof(cookie));
	memzero_explicit(computed, sizeof(computed));
	return state;
}

bool wg_cookie_message_create(struct message_handshake_cookie *dst,
			      const void *triggering_message,
			      size_t triggering_len, __le32 index,
			      struct wg_cookie_checker *checker,
			      const u8 *src_addr, size_t src_addr_len,
			      __be16 src_port)
{
	const struct message_macs *macs;
	u8 cookie[WG_COOKIE_LEN];

	if (unlikely(!long_enough(triggering_len) || src_addr_len > 16))
		return false;
	macs = macs_of(triggering_message, triggering_len);

	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE);
	dst->receiver_index = index;
	get_random_bytes(dst->nonce, WG_COOKIE_NONCE_LEN);

	spin_lock_bh(&checker->lock);
	make_cookie(checker, cookie, src_addr, src_addr_len, src_port);
	wgc_xchacha20poly1305_encrypt(dst->encrypted_cookie, cookie,
				      WG_COOKIE_LEN, macs->mac1, WG_COOKIE_LEN,
				      dst->nonce, checker->message_cookie_key);
	spin_unlock_bh(&checker->lock);
	memzero_explicit(cookie, sizeof(cookie));
	return true;
}

bool wg_cookie_message_consume(const struct message_handshake_cookie *src,
			       struct wg_cookie *cookie)
{
	u8 value[WG_COOKIE_LEN];
	bool ok = false;

	if (unlikely(le32_to_cpu(src->header.type) != MESSAGE_HANDSHAKE_COOKIE))
		return false;

	spin_lock_bh(&cookie->lock);
	if (!cookie->have_sent_mac1)
		goto out;
	if (!wgc_xchacha20poly1305_decrypt(value, src->encrypted_cookie,
					   sizeof(src->encrypted_cookie),
					   cookie->last_mac1_sent,
					   WG_COOKIE_LEN, src->nonce,
					   cookie->cookie_decryption_key))
		goto out;
	memcpy(cookie->cookie, value, WG_COOKIE_LEN);
	cookie->birthdate = ktime_get_coarse_boottime_ns();
	cookie->is_valid = true;
	/* One reply per message: a replayed reply finds nothing to answer. */
	cookie->have_sent_mac1 = false;
	ok = true;
out:
	spin_unlock_bh(&cookie->lock);
	memzero_explicit(value, sizeof(value));
	return ok;
}
