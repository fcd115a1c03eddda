/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MAC1/MAC2 and cookie replies: WireGuard's defence against handshake floods.
 *
 * Every handshake message carries mac1, keyed with a hash of the receiver's
 * public key, so that a device only spends a Diffie-Hellman on messages from
 * someone who knows whom they are talking to. Under load, a responder also
 * asks for mac2, keyed with a cookie that proves the sender can receive at
 * its source address: it answers a message without a valid mac2 with a
 * cookie reply instead of a handshake response, and the sender retries with
 * the cookie.
 *
 * Rate limiting is left to the caller: after VALID_MAC_WITH_COOKIE, it asks
 * wg_ratelimiter_allow() about the (now proven) source address.
 */
#ifndef WG_COOKIE_H
#define WG_COOKIE_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "messages.h"

/* The responder side: one per device. */
struct wg_cookie_checker {
	/* Random; cookies are MAC(secret, source address || port). */
	u8 secret[WG_NOISE_HASH_LEN];
	/* Boot-time ns when @secret was drawn. */
	u64 secret_birthdate;
	bool has_secret;
	/* HASH("mac1----" || our public key) */
	u8 message_mac1_key[WG_NOISE_SYMMETRIC_KEY_LEN];
	/* HASH("cookie--" || our public key) */
	u8 message_cookie_key[WG_NOISE_SYMMETRIC_KEY_LEN];
	spinlock_t lock;
};

/* The initiator side: one per peer, keyed for that peer's public key. */
struct wg_cookie {
	/* The last cookie the peer sent us, and when (boot-time ns). */
	u8 cookie[WG_COOKIE_LEN];
	u64 birthdate;
	bool is_valid;
	/*
	 * A cookie reply is encrypted with the mac1 of the message it answers
	 * as associated data; only one reply per message sent is accepted.
	 */
	u8 last_mac1_sent[WG_COOKIE_LEN];
	bool have_sent_mac1;
	/* HASH("mac1----" || their public key) */
	u8 message_mac1_key[WG_NOISE_SYMMETRIC_KEY_LEN];
	/* HASH("cookie--" || their public key) */
	u8 cookie_decryption_key[WG_NOISE_SYMMETRIC_KEY_LEN];
	spinlock_t lock;
};

enum wg_cookie_mac_state {
	WG_COOKIE_INVALID_MAC,
	WG_COOKIE_VALID_MAC_BUT_NO_COOKIE,
	WG_COOKIE_VALID_MAC_WITH_COOKIE,
};

void wg_cookie_checker_init(struct wg_cookie_checker *checker);

/*
 * (Re)derives the device keys from our static public key; NULL when the
 * device has no private key. Call whenever the key changes.
 */
void wg_cookie_checker_precompute_device_keys(struct wg_cookie_checker *checker,
					      const u8 *our_public);

void wg_cookie_init(struct wg_cookie *cookie);

/* Derives the per-peer keys; call once the peer's public key is known. */
void wg_cookie_precompute_peer_keys(struct wg_cookie *cookie,
				    const u8 remote_public[WG_NOISE_PUBLIC_KEY_LEN]);

/*
 * Fills in the trailing struct message_macs of a handshake message of @len
 * bytes about to be sent: mac1 always; mac2 if we hold a cookie from the
 * peer that is young enough for the peer to still accept, zeros otherwise.
 */
void wg_cookie_add_mac_to_packet(void *message, size_t len,
				 struct wg_cookie *cookie);

/**
 * wg_cookie_validate_packet() - check a received handshake message's MACs
 * @checker: the device's checker
 * @message: the whole message, ending with struct message_macs
 * @len: its length
 * @src_addr: source IP address bytes (4 for IPv4, 16 for IPv6)
 * @src_addr_len: 4 or 16
 * @src_port: source UDP port, network byte order
 * @check_cookie: whether mac2 matters (the device is under load)
 *
 * mac1 is checked first, in constant time; mac2 only with @check_cookie.
 */
enum wg_cookie_mac_state
wg_cookie_validate_packet(struct wg_cookie_checker *checker,
			  const void *message, size_t len, const u8 *src_addr,
			  size_t src_addr_len, __be16 src_port,
			  bool check_cookie);

/**
 * wg_cookie_message_create() - answer a message with a cookie reply
 * @dst: the reply to fill in
 * @triggering_message: the handshake message that lacked a valid mac2
 * @triggering_len: its length
 * @index: its sender index (the reply's receiver index)
 * @checker: the device's checker
 * @src_addr: source IP address bytes of @triggering_message
 * @src_addr_len: 4 or 16
 * @src_port: its source UDP port, network byte order
 *
 * The cookie is bound to the source address and port, and encrypted with
 * XChaCha20-Poly1305 under a random nonce with the triggering message's
 * mac1 as associated data. False on malformed arguments.
 */
bool __must_check
wg_cookie_message_create(struct message_handshake_cookie *dst,
			 const void *triggering_message, size_t triggering_len,
			 __le32 index, struct wg_cookie_checker *checker,
			 const u8 *src_addr, size_t src_addr_len,
			 __be16 src_port);

/*
 * Decrypts and stores the cookie from a reply to our last handshake message
 * to this peer (the caller found @cookie through the reply's receiver
 * index). False if it does not authenticate or answers nothing we sent.
 */
bool __must_check
wg_cookie_message_consume(const struct message_handshake_cookie *src,
			  struct wg_cookie *cookie);

#endif /* WG_COOKIE_H */
