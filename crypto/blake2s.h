/* SPDX-License-Identifier: GPL-2.0 */
/* BLAKE2s (RFC 7693), keyed mode, and the HMAC construction over it. */
#ifndef WGC_BLAKE2S_H
#define WGC_BLAKE2S_H

#include <linux/types.h>

enum wgc_blake2s_lengths {
	WGC_BLAKE2S_BLOCK_SIZE = 64,
	WGC_BLAKE2S_HASH_SIZE = 32,
	WGC_BLAKE2S_KEY_SIZE = 32,
};

struct wgc_blake2s_state {
	u32 h[8];
	u32 t[2];
	u32 f[2];
	u8 buf[WGC_BLAKE2S_BLOCK_SIZE];
	unsigned int buflen;
	unsigned int outlen;
};

void wgc_blake2s_init(struct wgc_blake2s_state *state, const size_t outlen);
void wgc_blake2s_init_key(struct wgc_blake2s_state *state, const size_t outlen,
			  const void *key, const size_t keylen);
void wgc_blake2s_update(struct wgc_blake2s_state *state, const u8 *in,
			size_t inlen);
/* Writes state->outlen bytes and wipes the state. */
void wgc_blake2s_final(struct wgc_blake2s_state *state, u8 *out);

/* One shot; key may be NULL when keylen is 0. */
void wgc_blake2s(u8 *out, const u8 *in, const u8 *key, const size_t outlen,
		 const size_t inlen, const size_t keylen);

/* HMAC-BLAKE2s-256 (RFC 2104 with a 64-byte block), out is 32 bytes. */
void wgc_blake2s_hmac(u8 *out, const u8 *in, const u8 *key,
		      const size_t inlen, const size_t keylen);

/*
 * Known-answer tests (crypto/blake2s-selftest.c); true when all pass. Also
 * declared in crypto/selftest.h, identically.
 */
bool __must_check wgc_blake2s_selftest(void);

#endif /* WGC_BLAKE2S_H */
