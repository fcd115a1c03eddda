// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20 and HChaCha20, portable C, and the choice among the
 * implementations (this file is built without vector instructions; the
 * vector ones live in chacha20-avx2.c and chacha20-avx512.c).
 *
 * Everything here is straight-line add/rotate/xor on the key material:
 * there are no secret-dependent branches or memory indexes.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>

#include "chacha20.h"

/* "expand 32-byte k", read as four little-endian words. */
#define WGC_CHACHA20_C0 0x61707865U
#define WGC_CHACHA20_C1 0x3320646eU
#define WGC_CHACHA20_C2 0x79622d32U
#define WGC_CHACHA20_C3 0x6b206574U

static enum wgc_chacha20_impl chacha20_impl __ro_after_init =
	WGC_CHACHA20_GENERIC;

static void chacha20_init_key(u32 state[WGC_CHACHA20_STATE_WORDS],
			      const u8 key[WGC_CHACHA20_KEY_SIZE])
{
	int i;

	state[0] = WGC_CHACHA20_C0;
	state[1] = WGC_CHACHA20_C1;
	state[2] = WGC_CHACHA20_C2;
	state[3] = WGC_CHACHA20_C3;
	for (i = 0; i < 8; i++)
		state[4 + i] = get_unaligned_le32(key + 4 * i);
}

void wgc_chacha20_init(struct wgc_chacha20_ctx *ctx,
		       const u8 key[WGC_CHACHA20_KEY_SIZE],
		       const u8 iv[WGC_CHACHA20_IV_SIZE], u32 counter)
{
	chacha20_init_key(ctx->state, key);
	ctx->state[12] = counter;
	ctx->state[13] = get_unaligned_le32(iv + 0);
	ctx->state[14] = get_unaligned_le32(iv + 4);
	ctx->state[15] = get_unaligned_le32(iv + 8);
	ctx->ks_left = 0;
}

void wgc_chacha20_init64(struct wgc_chacha20_ctx *ctx,
			 const u8 key[WGC_CHACHA20_KEY_SIZE], u64 nonce,
			 u32 counter)
{
	chacha20_init_key(ctx->state, key);
	ctx->state[12] = counter;
	ctx->state[13] = 0;
	ctx->state[14] = (u32)nonce;
	ctx->state[15] = (u32)(nonce >> 32);
	ctx->ks_left = 0;
}

void wgc_chacha20_wipe(struct wgc_chacha20_ctx *ctx)
{
	memzero_explicit(ctx, sizeof(*ctx));
}

#define QR(a, b, c, d) do {				\
	a += b; d ^= a; d = rol32(d, 16);		\
	c += d; b ^= c; b = rol32(b, 12);		\
	a += b; d ^= a; d = rol32(d, 8);		\
	c += d; b ^= c; b = rol32(b, 7);		\
} while (0)

/* The 20 rounds (10 double rounds: columns, then diagonals), in place. */
static void chacha20_permute(u32 x[WGC_CHACHA20_STATE_WORDS])
{
	u32 x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
	u32 x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7];
	u32 x8 = x[8], x9 = x[9], x10 = x[10], x11 = x[11];
	u32 x12 = x[12], x13 = x[13], x14 = x[14], x15 = x[15];
	int i;

	for (i = 0; i < 10; i++) {
		QR(x0, x4, x8, x12);
		QR(x1, x5, x9, x13);
		QR(x2, x6, x10, x14);
		QR(x3, x7, x11, x15);
		QR(x0, x5, x10, x15);
		QR(x1, x6, x11, x12);
		QR(x2, x7, x8, x13);
		QR(x3, x4, x9, x14);
	}
	x[0] = x0; x[1] = x1; x[2] = x2; x[3] = x3;
	x[4] = x4; x[5] = x5; x[6] = x6; x[7] = x7;
	x[8] = x8; x[9] = x9; x[10] = x10; x[11] = x11;
	x[12] = x12; x[13] = x13; x[14] = x14; x[15] = x15;
}

void wgc_chacha20_block_generic(u32 state[WGC_CHACHA20_STATE_WORDS],
				u8 out[WGC_CHACHA20_BLOCK_SIZE])
{
	u32 x[WGC_CHACHA20_STATE_WORDS];
	int i;

	memcpy(x, state, sizeof(x));
	chacha20_permute(x);
	for (i = 0; i < WGC_CHACHA20_STATE_WORDS; i++)
		put_unaligned_le32(x[i] + state[i], out + 4 * i);
	/* RFC 8439: a 32-bit counter; it wraps, it never carries into the nonce. */
	state[12]++;
	memzero_explicit(x, sizeof(x));
}

void wgc_chacha20_generic(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
			  const u8 *src, size_t len,
			  u8 ks[WGC_CHACHA20_BLOCK_SIZE])
{
	u8 buf[WGC_CHACHA20_BLOCK_SIZE];
	size_t i;

	while (len >= WGC_CHACHA20_BLOCK_SIZE) {
		wgc_chacha20_block_generic(state, buf);
		for (i = 0; i < WGC_CHACHA20_BLOCK_SIZE; i += 8)
			put_unaligned_le64(get_unaligned_le64(src + i) ^
					   get_unaligned_le64(buf + i), dst + i);
		src += WGC_CHACHA20_BLOCK_SIZE;
		dst += WGC_CHACHA20_BLOCK_SIZE;
		len -= WGC_CHACHA20_BLOCK_SIZE;
	}
	if (len) {
		wgc_chacha20_block_generic(state, ks);
		for (i = 0; i < len; i++)
			dst[i] = src[i] ^ ks[i];
	}
	memzero_explicit(buf, sizeof(buf));
}

void wgc_hchacha20(u8 out[WGC_HCHACHA20_OUT_SIZE],
		   const u8 nonce[WGC_HCHACHA20_NONCE_SIZE],
		   const u8 key[WGC_CHACHA20_KEY_SIZE])
{
	u32 x[WGC_CHACHA20_STATE_WORDS];
	int i;

	chacha20_init_key(x, key);
	for (i = 0; i < 4; i++)
		x[12 + i] = get_unaligned_le32(nonce + 4 * i);
	chacha20_permute(x);
	/* No feed-forward: the first and last rows are the subkey. */
	for (i = 0; i < 4; i++) {
		put_unaligned_le32(x[i], out + 4 * i);
		put_unaligned_le32(x[12 + i], out + 16 + 4 * i);
	}
	memzero_explicit(x, sizeof(x));
}

/* Runs the chosen implementation over whole or final-partial blocks. */
static void chacha20_blocks(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
			    const u8 *src, size_t len,
			    u8 ks[WGC_CHACHA20_BLOCK_SIZE], bool simd)
{
	/*
	 * One block is portable C's: a vector batch computes 16 blocks
	 * (AVX-512VL) or two (AVX2's short path) whether they are used or
	 * not.
	 */
	if (simd && len > WGC_CHACHA20_BLOCK_SIZE) {
		switch (chacha20_impl) {
		case WGC_CHACHA20_AVX512:
			wgc_chacha20_avx512(state, dst, src, len, ks);
			return;
		case WGC_CHACHA20_AVX2:
			wgc_chacha20_avx2(state, dst, src, len, ks);
			return;
		default:
			break;
		}
	}
	wgc_chacha20_generic(state, dst, src, len, ks);
}

void wgc_chacha20_xor(struct wgc_chacha20_ctx *ctx, u8 *dst, const u8 *src,
		      size_t len, bool simd)
{
	if (ctx->ks_left) {
		const u8 *ks = ctx->ks + WGC_CHACHA20_BLOCK_SIZE - ctx->ks_left;
		unsigned int n = min_t(size_t, len, ctx->ks_left);
		unsigned int i;

		for (i = 0; i < n; i++)
			dst[i] = src[i] ^ ks[i];
		ctx->ks_left -= n;
		dst += n;
		src += n;
		len -= n;
	}
	if (!len)
		return;
	chacha20_blocks(ctx->state, dst, src, len, ctx->ks, simd);
	ctx->ks_left = (WGC_CHACHA20_BLOCK_SIZE - len % WGC_CHACHA20_BLOCK_SIZE) %
		       WGC_CHACHA20_BLOCK_SIZE;
}

void wgc_chacha20_keystream(struct wgc_chacha20_ctx *ctx, u8 *out, size_t len,
			    bool simd)
{
	memset(out, 0, len);
	wgc_chacha20_xor(ctx, out, out, len, simd);
}

bool wgc_chacha20_impl_supported(enum wgc_chacha20_impl impl)
{
	switch (impl) {
	case WGC_CHACHA20_GENERIC:
		return true;
	case WGC_CHACHA20_AVX2:
		return boot_cpu_has(X86_FEATURE_AVX2) &&
		       cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM,
					 NULL);
	case WGC_CHACHA20_AVX512:
		return boot_cpu_has(X86_FEATURE_AVX512F) &&
		       boot_cpu_has(X86_FEATURE_AVX512VL) &&
		       cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM |
					 XFEATURE_MASK_AVX512, NULL);
	default:
		return false;
	}
}

void wgc_chacha20_select_impl(void)
{
	if (wgc_chacha20_impl_supported(WGC_CHACHA20_AVX512))
		chacha20_impl = WGC_CHACHA20_AVX512;
	else if (wgc_chacha20_impl_supported(WGC_CHACHA20_AVX2))
		chacha20_impl = WGC_CHACHA20_AVX2;
	else
		chacha20_impl = WGC_CHACHA20_GENERIC;
}

bool wgc_chacha20_set_impl(enum wgc_chacha20_impl impl)
{
	if (!wgc_chacha20_impl_supported(impl))
		return false;
	chacha20_impl = impl;
	return true;
}

enum wgc_chacha20_impl wgc_chacha20_get_impl(void)
{
	return chacha20_impl;
}

const char *wgc_chacha20_impl_str(enum wgc_chacha20_impl impl)
{
	switch (impl) {
	case WGC_CHACHA20_GENERIC:
		return "generic";
	case WGC_CHACHA20_AVX2:
		return "avx2";
	case WGC_CHACHA20_AVX512:
		return "avx512";
	default:
		return "unknown";
	}
}
