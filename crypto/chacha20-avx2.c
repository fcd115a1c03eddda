// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20, eight (or, for short inputs, two) blocks at a time in AVX2
 * registers. Built with -mavx2 (crypto/crypto.mk); called only from
 * chacha20.c inside a kernel_fpu_begin()/kernel_fpu_end() section.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "chacha20-vec.h"

/* Lane rotations of the rows, within each 128-bit half. */
#define WGC_ROWS_ROT1(x) __builtin_shufflevector(x, x, 1, 2, 3, 0, 5, 6, 7, 4)
#define WGC_ROWS_ROT2(x) __builtin_shufflevector(x, x, 2, 3, 0, 1, 6, 7, 4, 5)
#define WGC_ROWS_ROT3(x) __builtin_shufflevector(x, x, 3, 0, 1, 2, 7, 4, 5, 6)

/* One whole block: @src xor keystream rows 0-1 (@k[0]) and 2-3 (@k[1]). */
static __always_inline void wgc_x2_xor_block(u8 *dst, const u8 *src,
					     const wgc_v8u32 k[2])
{
	*(wgc_v8u32_u *)dst = *(const wgc_v8u32_u *)src ^ k[0];
	*(wgc_v8u32_u *)(dst + 32) = *(const wgc_v8u32_u *)(src + 32) ^ k[1];
}

/*
 * Two blocks in the "horizontal" layout, for 0 < len <= 128: the short
 * packets (a 64-byte datagram is 96 bytes of plaintext in the tunnel) for
 * which eight blocks would be mostly wasted work. Vector r holds row r
 * (words 4r..4r+3) of the first block in its low half and of the second
 * in its high half; a column round is then one quarter round on the four
 * rows, and a diagonal round the same after rotating rows 1-3 by 1-3
 * words (and back).
 */
static __always_inline void wgc_chacha20_x2(const u32 *state, u8 *dst,
					    const u8 *src, size_t len,
					    u8 ks[WGC_CHACHA20_BLOCK_SIZE])
{
	const wgc_v8u32 a0 = { state[0], state[1], state[2], state[3],
			       state[0], state[1], state[2], state[3] };
	const wgc_v8u32 b0 = { state[4], state[5], state[6], state[7],
			       state[4], state[5], state[6], state[7] };
	const wgc_v8u32 c0 = { state[8], state[9], state[10], state[11],
			       state[8], state[9], state[10], state[11] };
	const wgc_v8u32 d0 = { state[12], state[13], state[14], state[15],
			       state[12] + 1, state[13], state[14], state[15] };
	wgc_v8u32 a = a0, b = b0, c = c0, d = d0, ks0[2], ks1[2];
	int i;

	for (i = 0; i < 10; i++) {
		WGC_VEC_QR(a, b, c, d, WGC_V8_ROTL16, WGC_V8_ROTL8);
		b = WGC_ROWS_ROT1(b);
		c = WGC_ROWS_ROT2(c);
		d = WGC_ROWS_ROT3(d);
		WGC_VEC_QR(a, b, c, d, WGC_V8_ROTL16, WGC_V8_ROTL8);
		b = WGC_ROWS_ROT3(b);
		c = WGC_ROWS_ROT2(c);
		d = WGC_ROWS_ROT1(d);
	}
	a += a0;
	b += b0;
	c += c0;
	d += d0;
	/* Each block's keystream: rows 0 and 1, then rows 2 and 3. */
	ks0[0] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11);
	ks0[1] = __builtin_shufflevector(c, d, 0, 1, 2, 3, 8, 9, 10, 11);
	ks1[0] = __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
	ks1[1] = __builtin_shufflevector(c, d, 4, 5, 6, 7, 12, 13, 14, 15);

	if (len >= WGC_CHACHA20_BLOCK_SIZE) {
		wgc_x2_xor_block(dst, src, ks0);
		len -= WGC_CHACHA20_BLOCK_SIZE;
		src += WGC_CHACHA20_BLOCK_SIZE;
		dst += WGC_CHACHA20_BLOCK_SIZE;
		ks0[0] = ks1[0];
		ks0[1] = ks1[1];
	}
	if (len == WGC_CHACHA20_BLOCK_SIZE) {
		wgc_x2_xor_block(dst, src, ks0);
	} else if (len) {
		*(wgc_v8u32_u *)ks = ks0[0];
		*(wgc_v8u32_u *)(ks + 32) = ks0[1];
		wgc_vec_xor_tail(dst, src, ks, len);
	}
}

void wgc_chacha20_avx2(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
		       const u8 *src, size_t len,
		       u8 ks[WGC_CHACHA20_BLOCK_SIZE])
{
	while (len >= 8 * WGC_CHACHA20_BLOCK_SIZE) {
		wgc_chacha20_x8_full(state, dst, src);
		state[12] += 8;
		len -= 8 * WGC_CHACHA20_BLOCK_SIZE;
		src += 8 * WGC_CHACHA20_BLOCK_SIZE;
		dst += 8 * WGC_CHACHA20_BLOCK_SIZE;
	}
	if (len > 2 * WGC_CHACHA20_BLOCK_SIZE)
		wgc_chacha20_x8_part(state, dst, src, len, ks);
	else if (len)
		wgc_chacha20_x2(state, dst, src, len, ks);
	state[12] += DIV_ROUND_UP(len, WGC_CHACHA20_BLOCK_SIZE);
}
