/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An independent reference implementation of the WireGuard handshake,
 * written straight from the protocol description on top of OpenSSL
 * (BLAKE2s, HMAC) and libsodium (X25519, ChaCha20-Poly1305 and
 * XChaCha20-Poly1305), to check our code against. It shares no code with
 * src/ or crypto/, and is compiled without the kernel shim, so this header
 * uses plain C types only.
 */
#ifndef WG_UNIT_PROTOCOL_REF_H
#define WG_UNIT_PROTOCOL_REF_H

#include <stddef.h>
#include <stdint.h>

struct ref_handshake {
	uint8_t s_priv[32], s_pub[32];		/* ours */
	uint8_t e_priv[32], e_pub[32];		/* ours */
	uint8_t remote_s[32], remote_e[32];
	uint8_t ck[32], h[32];
	uint8_t psk[32];
	uint32_t local_index, remote_index;
	uint8_t last_mac1[16];			/* of the last message sent */
	/* Attack mode: claim s_pub while using an all-zero static-static DH. */
	int zero_static_static;
};

int ref_init(void);
void ref_public_key(uint8_t pub[32], const uint8_t priv[32]);

/* The initiator. @cookie (16 bytes) makes a mac2, NULL leaves it zero. */
int ref_create_initiation(struct ref_handshake *hs, uint8_t msg[148],
			  const uint8_t timestamp[12], const uint8_t *cookie);
/* 0 on success; fills the transport keys. */
int ref_consume_response(struct ref_handshake *hs, const uint8_t msg[92],
			 uint8_t send_key[32], uint8_t recv_key[32]);

/* The responder: hs->s_priv/s_pub set. Checks mac1. */
int ref_consume_initiation(struct ref_handshake *hs, const uint8_t msg[148],
			   uint8_t timestamp[12]);
int ref_create_response(struct ref_handshake *hs, uint8_t msg[92],
			uint8_t send_key[32], uint8_t recv_key[32]);

/* Transport data: ChaCha20-Poly1305, 64-bit little-endian counter nonce. */
void ref_data_encrypt(uint8_t *out, const uint8_t *in, size_t len,
		      uint64_t counter, const uint8_t key[32]);
int ref_data_decrypt(uint8_t *out, const uint8_t *in, size_t len_with_tag,
		     uint64_t counter, const uint8_t key[32]);

/* MAC(key, in): keyed BLAKE2s-128. */
void ref_mac(uint8_t out[16], const uint8_t *key, size_t keylen,
	     const uint8_t *in, size_t len);
/* Decrypts a cookie reply sent by @responder_pub for a message with @mac1. */
int ref_cookie_decrypt(uint8_t cookie[16], const uint8_t reply[64],
		       const uint8_t responder_pub[32], const uint8_t mac1[16]);

#endif /* WG_UNIT_PROTOCOL_REF_H */
