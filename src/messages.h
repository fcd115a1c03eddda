/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WireGuard wire formats and protocol constants.
 *
 * Every multi-byte field on the wire is little-endian, and every message
 * starts with a 4-byte header: one type byte followed by three reserved
 * bytes that must be zero. Read as a __le32 the header is therefore exactly
 * the message type, and any nonzero reserved byte makes it an unknown type.
 *
 * The two handshake messages end with the same 32-byte struct message_macs,
 * so the cookie code finds mac1/mac2 from a message's length alone.
 */
#ifndef WG_MESSAGES_H
#define WG_MESSAGES_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <linux/limits.h>

#include "../crypto/blake2s.h"
#include "../crypto/chacha20poly1305.h"
#include "../crypto/curve25519.h"

/* Sizes of the Noise primitives as they appear in messages. */
enum wg_noise_lengths {
	WG_NOISE_PUBLIC_KEY_LEN = WGC_CURVE25519_KEY_SIZE,
	WG_NOISE_SYMMETRIC_KEY_LEN = WGC_CHACHA20POLY1305_KEY_SIZE,
	/* TAI64N: 8-byte big-endian seconds label + 4-byte nanoseconds. */
	WG_NOISE_TIMESTAMP_LEN = sizeof(u64) + sizeof(u32),
	WG_NOISE_AUTHTAG_LEN = WGC_CHACHA20POLY1305_AUTHTAG_SIZE,
	WG_NOISE_HASH_LEN = WGC_BLAKE2S_HASH_SIZE,
};

/* Length of an AEAD ciphertext carrying @plain_len bytes. */
#define wg_noise_encrypted_len(plain_len) ((plain_len) + WG_NOISE_AUTHTAG_LEN)

enum wg_cookie_values {
	/* The responder's cookie secret changes every two minutes... */
	WG_COOKIE_SECRET_MAX_AGE = 2 * 60,
	/*
	 * ...so an initiator stops using a cookie a little before that, to
	 * allow for the time its message spends in flight.
	 */
	WG_COOKIE_SECRET_LATENCY = 5,
	WG_COOKIE_NONCE_LEN = WGC_XCHACHA20POLY1305_NONCE_SIZE,
	WG_COOKIE_LEN = 16,
};

/*
 * Replay window: a bitmap of WG_COUNTER_BITS_TOTAL bits in machine words.
 * One word more than the window is kept so that advancing into a fresh word
 * (which is cleared first) never forgets a counter still inside the window.
 */
enum wg_counter_values {
	WG_COUNTER_WINDOW_SIZE = 8192,
	WG_COUNTER_REDUNDANT_BITS = BITS_PER_LONG,
	WG_COUNTER_BITS_TOTAL = WG_COUNTER_WINDOW_SIZE +
				WG_COUNTER_REDUNDANT_BITS,
};

/*
 * Per-keypair message limits. These need 64 bits, so they live in their own
 * enum: mixing them with small constants would give those an unsigned 64-bit
 * type too.
 */
enum wg_message_limits {
	WG_REKEY_AFTER_MESSAGES = 1ULL << 60,
	/*
	 * Leave room so that a receiver's window arithmetic near the top of
	 * the counter space cannot overflow.
	 */
	WG_REJECT_AFTER_MESSAGES = U64_MAX - WG_COUNTER_WINDOW_SIZE - 1,
};

/*
 * Timers (seconds unless the name says otherwise) and queue bounds. These
 * are the protocol's values; the code reads the timers through wg_times
 * (timeconst.h), which the test-only timer_divisor parameter may shorten.
 */
enum wg_limits {
	WG_REKEY_TIMEOUT = 5,
	WG_REKEY_TIMEOUT_JITTER_MAX_JIFFIES = HZ / 3,
	WG_REKEY_AFTER_TIME = 120,
	WG_REJECT_AFTER_TIME = 180,
	WG_INITIATIONS_PER_SECOND = 50,
	WG_MAX_PEERS_PER_DEVICE = 1U << 20,
	WG_KEEPALIVE_TIMEOUT = 10,
	WG_MAX_TIMER_HANDSHAKES = 90 / WG_REKEY_TIMEOUT,
	WG_MAX_QUEUED_INCOMING_HANDSHAKES = 4096,
	WG_MAX_STAGED_PACKETS = 128,
	WG_MAX_QUEUED_PACKETS = 1024,
};

enum message_type {
	MESSAGE_INVALID = 0,
	MESSAGE_HANDSHAKE_INITIATION = 1,
	MESSAGE_HANDSHAKE_RESPONSE = 2,
	MESSAGE_HANDSHAKE_COOKIE = 3,
	MESSAGE_DATA = 4,
};

struct message_header {
	/* Type byte plus three zero bytes, read as one little-endian word. */
	__le32 type;
} __packed;

struct message_macs {
	u8 mac1[WG_COOKIE_LEN];
	u8 mac2[WG_COOKIE_LEN];
} __packed;

/* Type 1, 148 bytes: first message of the Noise IK pattern. */
struct message_handshake_initiation {
	struct message_header header;
	__le32 sender_index;
	u8 unencrypted_ephemeral[WG_NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_static[wg_noise_encrypted_len(WG_NOISE_PUBLIC_KEY_LEN)];
	u8 encrypted_timestamp[wg_noise_encrypted_len(WG_NOISE_TIMESTAMP_LEN)];
	struct message_macs macs;
} __packed;

/* Type 2, 92 bytes: the responder's half of the handshake. */
struct message_handshake_response {
	struct message_header header;
	__le32 sender_index;
	__le32 receiver_index;
	u8 unencrypted_ephemeral[WG_NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_nothing[wg_noise_encrypted_len(0)];
	struct message_macs macs;
} __packed;

/* Type 3, 64 bytes: the encrypted cookie sent instead of a response. */
struct message_handshake_cookie {
	struct message_header header;
	__le32 receiver_index;
	u8 nonce[WG_COOKIE_NONCE_LEN];
	u8 encrypted_cookie[wg_noise_encrypted_len(WG_COOKIE_LEN)];
} __packed;

/* Type 4, 16-byte header followed by the ciphertext and its tag. */
struct message_data {
	struct message_header header;
	__le32 receiver_index;
	__le64 counter;
	u8 encrypted_data[];
} __packed;

#define message_data_len(plain_len) \
	(wg_noise_encrypted_len(plain_len) + sizeof(struct message_data))

enum message_alignments {
	WG_MESSAGE_PADDING_MULTIPLE = 16,
	/* A keepalive: header plus the tag of an empty plaintext. */
	WG_MESSAGE_MINIMUM_LENGTH = message_data_len(0),
};

/* The sizes are part of the protocol: catch any padding at build time. */
#define WG_MESSAGE_SIZE_IS(type, n) \
	_Static_assert(sizeof(struct type) == (n), #type " size")
WG_MESSAGE_SIZE_IS(message_header, 4);
WG_MESSAGE_SIZE_IS(message_macs, 32);
WG_MESSAGE_SIZE_IS(message_handshake_initiation, 148);
WG_MESSAGE_SIZE_IS(message_handshake_response, 92);
WG_MESSAGE_SIZE_IS(message_handshake_cookie, 64);
WG_MESSAGE_SIZE_IS(message_data, 16);
#undef WG_MESSAGE_SIZE_IS

/**
 * wg_message_type_of() - classify a received UDP payload
 * @data: payload
 * @len: payload length
 *
 * Returns the message type if the header is well formed and the length is
 * exactly right for a handshake message (at least a keepalive's for data),
 * otherwise MESSAGE_INVALID. The header is read unaligned because UDP
 * payloads carry no alignment guarantee.
 */
static inline enum message_type wg_message_type_of(const void *data,
						    size_t len)
{
	u32 type;

	if (len < sizeof(struct message_header))
		return MESSAGE_INVALID;
	type = get_unaligned_le32(data);
	switch (type) {
	case MESSAGE_HANDSHAKE_INITIATION:
		if (len == sizeof(struct message_handshake_initiation))
			return MESSAGE_HANDSHAKE_INITIATION;
		break;
	case MESSAGE_HANDSHAKE_RESPONSE:
		if (len == sizeof(struct message_handshake_response))
			return MESSAGE_HANDSHAKE_RESPONSE;
		break;
	case MESSAGE_HANDSHAKE_COOKIE:
		if (len == sizeof(struct message_handshake_cookie))
			return MESSAGE_HANDSHAKE_COOKIE;
		break;
	case MESSAGE_DATA:
		if (len >= WG_MESSAGE_MINIMUM_LENGTH)
			return MESSAGE_DATA;
		break;
	}
	return MESSAGE_INVALID;
}

#endif /* WG_MESSAGES_H */
