/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305 AEADs.
 *
 * The WireGuard data path uses the 64-bit-nonce form with the counter in the
 * last 8 bytes of the 96-bit IETF nonce (first 4 bytes zero). Ciphertexts
 * carry the 16-byte tag after the payload.
 */
#ifndef WGC_CHACHA20POLY1305_H
#define WGC_CHACHA20POLY1305_H

#include <linux/types.h>

struct scatterlist;

enum wgc_chacha20poly1305_lengths {
	WGC_CHACHA20POLY1305_KEY_SIZE = 32,
	WGC_CHACHA20POLY1305_AUTHTAG_SIZE = 16,
	WGC_XCHACHA20POLY1305_NONCE_SIZE = 24,
};

/* dst receives src_len bytes of ciphertext followed by the tag. */
void wgc_chacha20poly1305_encrypt(u8 *dst, const u8 *src, const size_t src_len,
				  const u8 *ad, const size_t ad_len,
				  const u64 nonce,
				  const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

/*
 * src_len includes the tag; dst receives src_len - 16 bytes. Returns false
 * (and leaves dst's contents unspecified but not plaintext of a forgery:
 * it is wiped) when the tag does not verify or src_len < 16.
 */
bool __must_check
wgc_chacha20poly1305_decrypt(u8 *dst, const u8 *src, const size_t src_len,
			     const u8 *ad, const size_t ad_len, const u64 nonce,
			     const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

void wgc_xchacha20poly1305_encrypt(u8 *dst, const u8 *src, const size_t src_len,
				   const u8 *ad, const size_t ad_len,
				   const u8 nonce[WGC_XCHACHA20POLY1305_NONCE_SIZE],
				   const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

bool __must_check
wgc_xchacha20poly1305_decrypt(u8 *dst, const u8 *src, const size_t src_len,
			      const u8 *ad, const size_t ad_len,
			      const u8 nonce[WGC_XCHACHA20POLY1305_NONCE_SIZE],
			      const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

/*
 * In place over a scatter-gather list (an skb's head and fragments as
 * mapped by skb_to_sgvec()): the first src_len bytes are the plaintext; the
 * tag is written right after them (the caller leaves 16 bytes of room).
 * Returns false only on a malformed list.
 */
bool __must_check
wgc_chacha20poly1305_encrypt_sg_inplace(struct scatterlist *src, size_t src_len,
					const u8 *ad, const size_t ad_len,
					const u64 nonce,
					const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

/* src_len includes the trailing tag. False when the tag does not verify. */
bool __must_check
wgc_chacha20poly1305_decrypt_sg_inplace(struct scatterlist *src, size_t src_len,
					const u8 *ad, const size_t ad_len,
					const u64 nonce,
					const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

/*
 * The RFC 8439 form with a full 96-bit nonce, for known-answer tests
 * against published vectors (whose nonces need not start with 4 zero
 * bytes). WireGuard itself uses the u64-nonce functions above.
 */
enum { WGC_CHACHA20POLY1305_IETF_NONCE_SIZE = 12 };

void wgc_chacha20poly1305_ietf_encrypt(u8 *dst, const u8 *src,
				       const size_t src_len, const u8 *ad,
				       const size_t ad_len,
				       const u8 nonce[WGC_CHACHA20POLY1305_IETF_NONCE_SIZE],
				       const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

bool __must_check
wgc_chacha20poly1305_ietf_decrypt(u8 *dst, const u8 *src, const size_t src_len,
				  const u8 *ad, const size_t ad_len,
				  const u8 nonce[WGC_CHACHA20POLY1305_IETF_NONCE_SIZE],
				  const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE]);

#endif /* WGC_CHACHA20POLY1305_H */
