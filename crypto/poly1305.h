/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Poly1305 (RFC 8439 section 2.5): a one-time authenticator. Each key
 * (r, s) must authenticate a single message; the AEAD derives it from the
 * first ChaCha20 block.
 *
 * Streaming: wgc_poly1305_update() takes any lengths and buffers a partial
 * 16-byte block, so the scatter-gather AEAD can feed segment by segment.
 */
#ifndef WGC_POLY1305_H
#define WGC_POLY1305_H

#include <linux/types.h>

enum wgc_poly1305_lengths {
	WGC_POLY1305_KEY_SIZE = 32,
	WGC_POLY1305_BLOCK_SIZE = 16,
	WGC_POLY1305_MAC_SIZE = 16,
};

struct wgc_poly1305_ctx {
	/* Accumulator, radix 2^64; h[2] holds the bits from 128 up. */
	u64 h[3];
	/* Clamped r, and s1 = r1 + r1 / 4 (i.e. 5 * r1 / 4). */
	u64 r0, r1, s1;
	/* The other key half, added at the end. */
	u64 s[2];
	/*
	 * r^1..r^4 in radix 2^26 (five 26-bit limbs each) for the vector
	 * code, computed the first time it runs for this key.
	 */
	u32 r26[4][5];
	bool r26_ready;
	u8 buf[WGC_POLY1305_BLOCK_SIZE];
	unsigned int buflen;
};

enum wgc_poly1305_impl {
	WGC_POLY1305_GENERIC,
	WGC_POLY1305_AVX2,
	WGC_POLY1305_NR_IMPLS,
};

void wgc_poly1305_init(struct wgc_poly1305_ctx *ctx,
		       const u8 key[WGC_POLY1305_KEY_SIZE]);
/* simd: the caller holds the FPU (crypto/simd.h). */
void wgc_poly1305_update(struct wgc_poly1305_ctx *ctx, const u8 *in,
			 size_t len, bool simd);
/*
 * Absorbs zero bytes up to the next multiple of 16 bytes fed so far: the
 * AEAD's pad16(). A no-op when aligned.
 */
void wgc_poly1305_pad16(struct wgc_poly1305_ctx *ctx);
/* Writes the tag and wipes ctx. */
void wgc_poly1305_final(struct wgc_poly1305_ctx *ctx,
			u8 mac[WGC_POLY1305_MAC_SIZE]);

void wgc_poly1305(u8 mac[WGC_POLY1305_MAC_SIZE], const u8 *in, size_t len,
		  const u8 key[WGC_POLY1305_KEY_SIZE]);

/* As for ChaCha20 (chacha20.h): set_impl only from module init. */
bool wgc_poly1305_impl_supported(enum wgc_poly1305_impl impl);
void wgc_poly1305_select_impl(void);
bool __must_check wgc_poly1305_set_impl(enum wgc_poly1305_impl impl);
enum wgc_poly1305_impl wgc_poly1305_get_impl(void);
const char *wgc_poly1305_impl_str(enum wgc_poly1305_impl impl);

/*
 * The vector block function (crypto/poly1305-avx2.c), needing the FPU:
 * absorbs nblocks whole 16-byte blocks (a multiple of 8, at least 8) into
 * the accumulator acc, given and returned as five radix-2^26 limbs (each
 * below 2^27 on entry; below 2^30 on return, not carried).
 */
void wgc_poly1305_avx2_blocks(u64 acc[5], const u32 r26[4][5], const u8 *in,
			      size_t nblocks);

#endif /* WGC_POLY1305_H */
