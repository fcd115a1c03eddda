/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ChaCha20 over several blocks at once with GCC vector extensions, shared
 * by chacha20-avx2.c and chacha20-avx512.c (each includes it under its own
 * -m flags, so the same source becomes AVX2 or AVX-512VL code).
 *
 * "Vertical" layout: vector i holds state word i of N consecutive blocks
 * (lane j = block counter + j), so each quarter round is N quarter rounds
 * in parallel with no shuffling. At the end a transposition turns the
 * word-major vectors into block-major keystream.
 *
 * Only for inclusion by the vector files: everything here must be inlined
 * into functions built with vector flags and run between
 * kernel_fpu_begin() and kernel_fpu_end(). No calls out of these
 * functions happen while vector registers are live (no memcpy: unaligned
 * accesses go through aligned(1) vector types).
 */
#ifndef WGC_CHACHA20_VEC_H
#define WGC_CHACHA20_VEC_H

#include "chacha20.h"

typedef u32 wgc_v8u32 __attribute__((vector_size(32)));
typedef u8 wgc_v32u8 __attribute__((vector_size(32)));
typedef u32 wgc_v8u32_u __attribute__((vector_size(32), aligned(1),
				       __may_alias__));

#define WGC_VEC_ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

#ifdef __AVX512VL__
/* vprold does any rotation in one instruction; GCC spots the idiom. */
#define WGC_V8_ROTL16(x) WGC_VEC_ROTL(x, 16)
#define WGC_V8_ROTL8(x) WGC_VEC_ROTL(x, 8)
#else
/* AVX2 has no vector rotate; rotations by whole bytes are one vpshufb. */
#define WGC_V8_ROTL16(x) ((wgc_v8u32)__builtin_shufflevector(		\
	(wgc_v32u8)(x), (wgc_v32u8)(x),					\
	2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,		\
	18, 19, 16, 17, 22, 23, 20, 21, 26, 27, 24, 25, 30, 31, 28, 29))
#define WGC_V8_ROTL8(x) ((wgc_v8u32)__builtin_shufflevector(		\
	(wgc_v32u8)(x), (wgc_v32u8)(x),					\
	3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,		\
	19, 16, 17, 18, 23, 20, 21, 22, 27, 24, 25, 26, 31, 28, 29, 30))
#endif

/* One quarter round on N blocks at once; r16/r8 are the rotate helpers. */
#define WGC_VEC_QR(a, b, c, d, r16, r8) do {			\
	a += b; d ^= a; d = r16(d);				\
	c += d; b ^= c; b = WGC_VEC_ROTL(b, 12);		\
	a += b; d ^= a; d = r8(d);				\
	c += d; b ^= c; b = WGC_VEC_ROTL(b, 7);			\
} while (0)

/* The 10 double rounds over the 16 word vectors x[0..15]. */
#define WGC_VEC_ROUNDS(x, r16, r8) do {					\
	int __i;							\
	for (__i = 0; __i < 10; __i++) {				\
		WGC_VEC_QR(x[0], x[4], x[8], x[12], r16, r8);		\
		WGC_VEC_QR(x[1], x[5], x[9], x[13], r16, r8);		\
		WGC_VEC_QR(x[2], x[6], x[10], x[14], r16, r8);		\
		WGC_VEC_QR(x[3], x[7], x[11], x[15], r16, r8);		\
		WGC_VEC_QR(x[0], x[5], x[10], x[15], r16, r8);		\
		WGC_VEC_QR(x[1], x[6], x[11], x[12], r16, r8);		\
		WGC_VEC_QR(x[2], x[7], x[8], x[13], r16, r8);		\
		WGC_VEC_QR(x[3], x[4], x[9], x[14], r16, r8);		\
	}								\
} while (0)

/* dst[0..len) = src ^ ks for len < 64: the last, partial block. */
static __always_inline void wgc_vec_xor_tail(u8 *dst, const u8 *src,
					     const u8 *ks, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = src[i] ^ ks[i];
}

/*
 * Eight blocks, counters state[12] + 0..7. On return lo[j] holds bytes
 * 0..31 and hi[j] bytes 32..63 of block j's keystream.
 */
static __always_inline void wgc_chacha20_x8_core(const u32 *state,
						 wgc_v8u32 lo[8],
						 wgc_v8u32 hi[8])
{
	const wgc_v8u32 lane = { 0, 1, 2, 3, 4, 5, 6, 7 };
	wgc_v8u32 x[16], t[16];
	int i;

	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i++)
		x[i] = (wgc_v8u32){} + state[i];
	x[12] += lane;
	WGC_VEC_ROUNDS(x, WGC_V8_ROTL16, WGC_V8_ROTL8);
	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i++)
		x[i] += (wgc_v8u32){} + state[i];
	x[12] += lane;

	/*
	 * 8x8 transposition of words 0..7 and of words 8..15: interleave
	 * 32-bit then 64-bit elements within 128-bit lanes, then swap the
	 * 128-bit halves.
	 */
	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i += 2) {
		t[i] = __builtin_shufflevector(x[i], x[i + 1],
					       0, 8, 1, 9, 4, 12, 5, 13);
		t[i + 1] = __builtin_shufflevector(x[i], x[i + 1],
						   2, 10, 3, 11, 6, 14, 7, 15);
	}
	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i += 4) {
		x[i] = __builtin_shufflevector(t[i], t[i + 2],
					       0, 1, 8, 9, 4, 5, 12, 13);
		x[i + 1] = __builtin_shufflevector(t[i], t[i + 2],
						   2, 3, 10, 11, 6, 7, 14, 15);
		x[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3],
						   0, 1, 8, 9, 4, 5, 12, 13);
		x[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3],
						   2, 3, 10, 11, 6, 7, 14, 15);
	}
	/*
	 * Now x[4g + k], for word group g (words 4g..4g+3) and k in 0..3,
	 * holds those words of block k in its low half and of block k + 4
	 * in its high half.
	 */
	_Pragma("GCC unroll 16")
	for (i = 0; i < 4; i++) {
		lo[i] = __builtin_shufflevector(x[i], x[4 + i],
						0, 1, 2, 3, 8, 9, 10, 11);
		lo[i + 4] = __builtin_shufflevector(x[i], x[4 + i],
						    4, 5, 6, 7, 12, 13, 14, 15);
		hi[i] = __builtin_shufflevector(x[8 + i], x[12 + i],
						0, 1, 2, 3, 8, 9, 10, 11);
		hi[i + 4] = __builtin_shufflevector(x[8 + i], x[12 + i],
						    4, 5, 6, 7, 12, 13, 14, 15);
	}
}

/* Eight whole blocks: 512 bytes. */
static __always_inline void wgc_chacha20_x8_full(const u32 *state, u8 *dst,
						 const u8 *src)
{
	wgc_v8u32 lo[8], hi[8];
	int j;

	wgc_chacha20_x8_core(state, lo, hi);
	_Pragma("GCC unroll 16")
	for (j = 0; j < 8; j++) {
		*(wgc_v8u32_u *)(dst + 64 * j) =
			*(const wgc_v8u32_u *)(src + 64 * j) ^ lo[j];
		*(wgc_v8u32_u *)(dst + 64 * j + 32) =
			*(const wgc_v8u32_u *)(src + 64 * j + 32) ^ hi[j];
	}
}

/* 0 < len < 512: the last batch, maybe ending in a partial block. */
static __always_inline void wgc_chacha20_x8_part(const u32 *state, u8 *dst,
						 const u8 *src, size_t len,
						 u8 ks[WGC_CHACHA20_BLOCK_SIZE])
{
	wgc_v8u32 lo[8], hi[8];
	int j;

	wgc_chacha20_x8_core(state, lo, hi);
	/*
	 * Unrolled, so every index is a constant and the keystream stays in
	 * registers: no array in memory (nothing of it lingers on the stack,
	 * and KASAN's redzones do not blow up the frame).
	 */
	_Pragma("GCC unroll 8")
	for (j = 0; j < 8; j++) {
		if (len < 64) {
			if (len) {
				*(wgc_v8u32_u *)ks = lo[j];
				*(wgc_v8u32_u *)(ks + 32) = hi[j];
				wgc_vec_xor_tail(dst, src, ks, len);
			}
			break;
		}
		*(wgc_v8u32_u *)dst = *(const wgc_v8u32_u *)src ^ lo[j];
		*(wgc_v8u32_u *)(dst + 32) =
			*(const wgc_v8u32_u *)(src + 32) ^ hi[j];
		len -= 64;
		src += 64;
		dst += 64;
	}
}

#ifdef __AVX512F__
typedef u32 wgc_v16u32 __attribute__((vector_size(64)));
typedef u32 wgc_v16u32_u __attribute__((vector_size(64), aligned(1),
					__may_alias__));

#define WGC_V16_ROTL16(x) WGC_VEC_ROTL(x, 16)
#define WGC_V16_ROTL8(x) WGC_VEC_ROTL(x, 8)

/* Sixteen blocks; on return out[j] is block j's keystream. */
static __always_inline void wgc_chacha20_x16_core(const u32 *state,
						  wgc_v16u32 out[16])
{
	const wgc_v16u32 lane = { 0, 1, 2, 3, 4, 5, 6, 7,
				  8, 9, 10, 11, 12, 13, 14, 15 };
	wgc_v16u32 x[16], t[16];
	int i;

	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i++)
		x[i] = (wgc_v16u32){} + state[i];
	x[12] += lane;
	WGC_VEC_ROUNDS(x, WGC_V16_ROTL16, WGC_V16_ROTL8);
	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i++)
		x[i] += (wgc_v16u32){} + state[i];
	x[12] += lane;

	/* 4x4 transpositions within each 128-bit lane, as for x8. */
	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i += 2) {
		t[i] = __builtin_shufflevector(x[i], x[i + 1],
			0, 16, 1, 17, 4, 20, 5, 21,
			8, 24, 9, 25, 12, 28, 13, 29);
		t[i + 1] = __builtin_shufflevector(x[i], x[i + 1],
			2, 18, 3, 19, 6, 22, 7, 23,
			10, 26, 11, 27, 14, 30, 15, 31);
	}
	_Pragma("GCC unroll 16")
	for (i = 0; i < 16; i += 4) {
		x[i] = __builtin_shufflevector(t[i], t[i + 2],
			0, 1, 16, 17, 4, 5, 20, 21,
			8, 9, 24, 25, 12, 13, 28, 29);
		x[i + 1] = __builtin_shufflevector(t[i], t[i + 2],
			2, 3, 18, 19, 6, 7, 22, 23,
			10, 11, 26, 27, 14, 15, 30, 31);
		x[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3],
			0, 1, 16, 17, 4, 5, 20, 21,
			8, 9, 24, 25, 12, 13, 28, 29);
		x[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3],
			2, 3, 18, 19, 6, 7, 22, 23,
			10, 11, 26, 27, 14, 15, 30, 31);
	}
	/*
	 * x[4g + k] now holds words 4g..4g+3 of blocks k, k + 4, k + 8 and
	 * k + 12 in its four 128-bit lanes. Gather the lanes: first pairs of
	 * word groups, then the final order.
	 */
	_Pragma("GCC unroll 16")
	for (i = 0; i < 4; i++) {
		t[i] = __builtin_shufflevector(x[i], x[4 + i],
			0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
		t[4 + i] = __builtin_shufflevector(x[i], x[4 + i],
			8, 9, 10, 11, 12, 13, 14, 15,
			24, 25, 26, 27, 28, 29, 30, 31);
		t[8 + i] = __builtin_shufflevector(x[8 + i], x[12 + i],
			0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
		t[12 + i] = __builtin_shufflevector(x[8 + i], x[12 + i],
			8, 9, 10, 11, 12, 13, 14, 15,
			24, 25, 26, 27, 28, 29, 30, 31);
	}
	/*
	 * t[i] (i < 4) = [g0 of blk i, g0 of blk i+4, g1 of blk i, g1 of
	 * blk i+4], t[4 + i] the same for blocks i+8 and i+12; t[8..15]
	 * likewise for word groups 2 and 3.
	 */
	_Pragma("GCC unroll 16")
	for (i = 0; i < 4; i++) {
		out[i] = __builtin_shufflevector(t[i], t[8 + i],
			0, 1, 2, 3, 8, 9, 10, 11,
			16, 17, 18, 19, 24, 25, 26, 27);
		out[4 + i] = __builtin_shufflevector(t[i], t[8 + i],
			4, 5, 6, 7, 12, 13, 14, 15,
			20, 21, 22, 23, 28, 29, 30, 31);
		out[8 + i] = __builtin_shufflevector(t[4 + i], t[12 + i],
			0, 1, 2, 3, 8, 9, 10, 11,
			16, 17, 18, 19, 24, 25, 26, 27);
		out[12 + i] = __builtin_shufflevector(t[4 + i], t[12 + i],
			4, 5, 6, 7, 12, 13, 14, 15,
			20, 21, 22, 23, 28, 29, 30, 31);
	}
}

static __always_inline void wgc_chacha20_x16_full(const u32 *state, u8 *dst,
						  const u8 *src)
{
	wgc_v16u32 out[16];
	int j;

	wgc_chacha20_x16_core(state, out);
	_Pragma("GCC unroll 16")
	for (j = 0; j < 16; j++)
		*(wgc_v16u32_u *)(dst + 64 * j) =
			*(const wgc_v16u32_u *)(src + 64 * j) ^ out[j];
}

/* 0 < len < 1024. */
static __always_inline void wgc_chacha20_x16_part(const u32 *state, u8 *dst,
						  const u8 *src, size_t len,
						  u8 ks[WGC_CHACHA20_BLOCK_SIZE])
{
	wgc_v16u32 out[16];
	int j;

	wgc_chacha20_x16_core(state, out);
	/* Constant indices only, as in wgc_chacha20_x8_part(). */
	_Pragma("GCC unroll 16")
	for (j = 0; j < 16; j++) {
		if (len < 64) {
			if (len) {
				*(wgc_v16u32_u *)ks = out[j];
				wgc_vec_xor_tail(dst, src, ks, len);
			}
			break;
		}
		*(wgc_v16u32_u *)dst = *(const wgc_v16u32_u *)src ^ out[j];
		len -= 64;
		src += 64;
		dst += 64;
	}
}
#endif /* __AVX512F__ */

#endif /* WGC_CHACHA20_VEC_H */
