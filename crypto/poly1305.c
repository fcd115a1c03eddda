// SPDX-License-Identifier: GPL-2.0
/*
 * Poly1305, portable C with 64-bit limbs and 64x64->128-bit products.
 *
 * The accumulator h < 2^131 lives in three words (radix 2^64, the top word
 * holding a few bits), r in two. Because clamping clears the low two bits
 * of r1, a product term h1*r1*2^128 = h1*(r1/4)*2^130 is congruent to
 * h1*(5*r1/4) modulo p = 2^130 - 5, so the multiplication needs only
 * s1 = r1 + r1/4 besides r: five 64x64 products per block.
 *
 * Constant time: no branch or index depends on h, r, s or the message;
 * the final reduction selects with a mask.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>

#include "poly1305.h"

__extension__ typedef unsigned __int128 wgc_u128;

static enum wgc_poly1305_impl poly1305_impl __ro_after_init =
	WGC_POLY1305_GENERIC;

void wgc_poly1305_init(struct wgc_poly1305_ctx *ctx,
		       const u8 key[WGC_POLY1305_KEY_SIZE])
{
	/* RFC 8439 2.5: clear the top 4 bits of r's bytes 3, 7, 11, 15
	 * and the low 2 bits of bytes 4, 8, 12.
	 */
	ctx->r0 = get_unaligned_le64(key + 0) & 0x0ffffffc0fffffffULL;
	ctx->r1 = get_unaligned_le64(key + 8) & 0x0ffffffc0ffffffcULL;
	ctx->s1 = ctx->r1 + (ctx->r1 >> 2);
	ctx->s[0] = get_unaligned_le64(key + 16);
	ctx->s[1] = get_unaligned_le64(key + 24);
	ctx->h[0] = 0;
	ctx->h[1] = 0;
	ctx->h[2] = 0;
	ctx->r26_ready = false;
	ctx->buflen = 0;
}

/*
 * h = h * r mod p, partially reduced: on return h < 2^130 + 2^66 (h2 <= 4),
 * given h2 <= 7 on entry. r0, r1 < 2^60 and s1 < 2^61 keep every sum
 * below under 2^127.
 */
static __always_inline void poly1305_mul_r(u64 *h0p, u64 *h1p, u64 *h2p,
					   u64 r0, u64 r1, u64 s1)
{
	u64 h0 = *h0p, h1 = *h1p, h2 = *h2p, d2, c;
	wgc_u128 d0, d1;

	d0 = (wgc_u128)h0 * r0 + (wgc_u128)h1 * s1;
	d1 = (wgc_u128)h0 * r1 + (wgc_u128)h1 * r0 + (wgc_u128)(h2 * s1);
	d2 = h2 * r0;

	d1 += (u64)(d0 >> 64);
	d2 += (u64)(d1 >> 64);
	h0 = (u64)d0;
	h1 = (u64)d1;

	/* Fold the bits from 2^130 up back in, times 5. */
	c = (d2 >> 2) + (d2 & ~3ULL);
	h2 = d2 & 3;
	d0 = (wgc_u128)h0 + c;
	d1 = (wgc_u128)h1 + (u64)(d0 >> 64);
	*h0p = (u64)d0;
	*h1p = (u64)d1;
	*h2p = h2 + (u64)(d1 >> 64);
}

/*
 * h = (h + m) * r mod p (partially reduced) for each 16-byte block m;
 * hibit is 1 for whole blocks (the 2^128 bit the RFC appends), 0 for the
 * final padded one.
 */
static void poly1305_blocks_generic(struct wgc_poly1305_ctx *ctx,
				    const u8 *in, size_t nblocks, u64 hibit)
{
	const u64 r0 = ctx->r0, r1 = ctx->r1, s1 = ctx->s1;
	u64 h0 = ctx->h[0], h1 = ctx->h[1], h2 = ctx->h[2];

	while (nblocks--) {
		wgc_u128 d0, d1;

		d0 = (wgc_u128)h0 + get_unaligned_le64(in);
		d1 = (wgc_u128)h1 + get_unaligned_le64(in + 8) +
		     (u64)(d0 >> 64);
		h0 = (u64)d0;
		h1 = (u64)d1;
		h2 += (u64)(d1 >> 64) + hibit;
		poly1305_mul_r(&h0, &h1, &h2, r0, r1, s1);
		in += WGC_POLY1305_BLOCK_SIZE;
	}
	ctx->h[0] = h0;
	ctx->h[1] = h1;
	ctx->h[2] = h2;
}

/*
 * Fully reduces a partially reduced h (< 2^130 + 2^66 < 2p): one
 * conditional subtraction of p, selected by a mask (h + 5 reaches 2^130
 * exactly when h >= p).
 */
static void poly1305_reduce(u64 *h0, u64 *h1, u64 *h2)
{
	u64 g0, g1, g2, mask;
	wgc_u128 t;

	t = (wgc_u128)*h0 + 5;
	g0 = (u64)t;
	t = (wgc_u128)*h1 + (u64)(t >> 64);
	g1 = (u64)t;
	g2 = *h2 + (u64)(t >> 64) - 4;
	/* g2 is now h2 + carry - 4: negative (top bit set) iff h < p. */
	mask = (g2 >> 63) - 1;
	*h0 = (*h0 & ~mask) | (g0 & mask);
	*h1 = (*h1 & ~mask) | (g1 & mask);
	*h2 = (*h2 & ~mask) | (g2 & mask);
}

/* r^1..r^4 for the vector code, in radix 2^26. */
static void poly1305_compute_powers(struct wgc_poly1305_ctx *ctx)
{
	u64 p0 = ctx->r0, p1 = ctx->r1, p2 = 0;
	int i;

	for (i = 0; i < 4; i++) {
		u64 q0, q1, q2;

		if (i)
			poly1305_mul_r(&p0, &p1, &p2, ctx->r0, ctx->r1,
				       ctx->s1);
		q0 = p0;
		q1 = p1;
		q2 = p2;
		poly1305_reduce(&q0, &q1, &q2);
		ctx->r26[i][0] = q0 & 0x3ffffff;
		ctx->r26[i][1] = (q0 >> 26) & 0x3ffffff;
		ctx->r26[i][2] = ((q0 >> 52) | (q1 << 12)) & 0x3ffffff;
		ctx->r26[i][3] = (q1 >> 14) & 0x3ffffff;
		ctx->r26[i][4] = (q1 >> 40) | (q2 << 24);
	}
	ctx->r26_ready = true;
}

/*
 * The vector code pays off from this many blocks on: below, setting up
 * the powers of r costs more than it saves (measured on Zen 4).
 */
enum { WGC_POLY1305_AVX2_MIN_BLOCKS = 24 };

static void poly1305_blocks_avx2(struct wgc_poly1305_ctx *ctx, const u8 *in,
				 size_t nblocks)
{
	u64 l[5], c, h0, h1, h2;
	wgc_u128 t;

	if (!ctx->r26_ready)
		poly1305_compute_powers(ctx);
	h0 = ctx->h[0];
	h1 = ctx->h[1];
	h2 = ctx->h[2];
	/* h (h2 <= 4) as five limbs; the top one may reach 2^27. */
	l[0] = h0 & 0x3ffffff;
	l[1] = (h0 >> 26) & 0x3ffffff;
	l[2] = ((h0 >> 52) | (h1 << 12)) & 0x3ffffff;
	l[3] = (h1 >> 14) & 0x3ffffff;
	l[4] = (h1 >> 40) | (h2 << 24);

	wgc_poly1305_avx2_blocks(l, (const u32 (*)[5])ctx->r26, in, nblocks);

	/* Carry the limbs (each < 2^30) down to 26 bits, top folded * 5. */
	l[1] += l[0] >> 26;
	l[0] &= 0x3ffffff;
	l[2] += l[1] >> 26;
	l[1] &= 0x3ffffff;
	l[3] += l[2] >> 26;
	l[2] &= 0x3ffffff;
	l[4] += l[3] >> 26;
	l[3] &= 0x3ffffff;
	c = l[4] >> 26;
	l[4] &= 0x3ffffff;
	l[0] += c * 5;
	l[1] += l[0] >> 26;
	l[0] &= 0x3ffffff;

	/* Back to radix 2^64 (l[1] may exceed 26 bits by a little: add). */
	t = (wgc_u128)l[0] + ((wgc_u128)l[1] << 26) + ((wgc_u128)l[2] << 52);
	ctx->h[0] = (u64)t;
	t = (t >> 64) + (l[3] << 14) + ((wgc_u128)l[4] << 40);
	ctx->h[1] = (u64)t;
	ctx->h[2] = (u64)(t >> 64);
	memzero_explicit(l, sizeof(l));
}

static void poly1305_blocks(struct wgc_poly1305_ctx *ctx, const u8 *in,
			    size_t nblocks, bool simd)
{
	if (simd && poly1305_impl == WGC_POLY1305_AVX2 &&
	    nblocks >= WGC_POLY1305_AVX2_MIN_BLOCKS) {
		size_t n = nblocks & ~(size_t)7;

		poly1305_blocks_avx2(ctx, in, n);
		in += n * WGC_POLY1305_BLOCK_SIZE;
		nblocks -= n;
	}
	poly1305_blocks_generic(ctx, in, nblocks, 1);
}

void wgc_poly1305_update(struct wgc_poly1305_ctx *ctx, const u8 *in,
			 size_t len, bool simd)
{
	size_t n;

	if (ctx->buflen) {
		n = min_t(size_t, len, WGC_POLY1305_BLOCK_SIZE - ctx->buflen);
		memcpy(ctx->buf + ctx->buflen, in, n);
		ctx->buflen += n;
		in += n;
		len -= n;
		if (ctx->buflen < WGC_POLY1305_BLOCK_SIZE)
			return;
		poly1305_blocks_generic(ctx, ctx->buf, 1, 1);
		ctx->buflen = 0;
	}
	n = len / WGC_POLY1305_BLOCK_SIZE;
	if (n) {
		poly1305_blocks(ctx, in, n, simd);
		in += n * WGC_POLY1305_BLOCK_SIZE;
		len -= n * WGC_POLY1305_BLOCK_SIZE;
	}
	if (len) {
		memcpy(ctx->buf, in, len);
		ctx->buflen = len;
	}
}

void wgc_poly1305_pad16(struct wgc_poly1305_ctx *ctx)
{
	if (!ctx->buflen)
		return;
	/* Zero bytes completing the block: a whole block, hibit set. */
	memset(ctx->buf + ctx->buflen, 0,
	       WGC_POLY1305_BLOCK_SIZE - ctx->buflen);
	poly1305_blocks_generic(ctx, ctx->buf, 1, 1);
	ctx->buflen = 0;
}

void wgc_poly1305_final(struct wgc_poly1305_ctx *ctx,
			u8 mac[WGC_POLY1305_MAC_SIZE])
{
	u64 h0, h1, h2;
	wgc_u128 t;

	if (ctx->buflen) {
		/* The last partial block: a 1 byte after it, no 2^128 bit. */
		ctx->buf[ctx->buflen] = 1;
		memset(ctx->buf + ctx->buflen + 1, 0,
		       WGC_POLY1305_BLOCK_SIZE - ctx->buflen - 1);
		poly1305_blocks_generic(ctx, ctx->buf, 1, 0);
	}
	h0 = ctx->h[0];
	h1 = ctx->h[1];
	h2 = ctx->h[2];
	poly1305_reduce(&h0, &h1, &h2);

	/* tag = (h + s) mod 2^128 */
	t = (wgc_u128)h0 + ctx->s[0];
	put_unaligned_le64((u64)t, mac);
	t = (wgc_u128)h1 + ctx->s[1] + (u64)(t >> 64);
	put_unaligned_le64((u64)t, mac + 8);

	memzero_explicit(ctx, sizeof(*ctx));
}

void wgc_poly1305(u8 mac[WGC_POLY1305_MAC_SIZE], const u8 *in, size_t len,
		  const u8 key[WGC_POLY1305_KEY_SIZE])
{
	struct wgc_poly1305_ctx ctx;

	wgc_poly1305_init(&ctx, key);
	wgc_poly1305_update(&ctx, in, len, false);
	wgc_poly1305_final(&ctx, mac);
}

bool wgc_poly1305_impl_supported(enum wgc_poly1305_impl impl)
{
	switch (impl) {
	case WGC_POLY1305_GENERIC:
		return true;
	case WGC_POLY1305_AVX2:
		return boot_cpu_has(X86_FEATURE_AVX2) &&
		       cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM,
					 NULL);
	default:
		return false;
	}
}

void wgc_poly1305_select_impl(void)
{
	if (wgc_poly1305_impl_supported(WGC_POLY1305_AVX2))
		poly1305_impl = WGC_POLY1305_AVX2;
	else
		poly1305_impl = WGC_POLY1305_GENERIC;
}

bool wgc_poly1305_set_impl(enum wgc_poly1305_impl impl)
{
	if (!wgc_poly1305_impl_supported(impl))
		return false;
	poly1305_impl = impl;
	return true;
}

enum wgc_poly1305_impl wgc_poly1305_get_impl(void)
{
	return poly1305_impl;
}

const char *wgc_poly1305_impl_str(enum wgc_poly1305_impl impl)
{
	switch (impl) {
	case WGC_POLY1305_GENERIC:
		return "generic";
	case WGC_POLY1305_AVX2:
		return "avx2";
	default:
		return "unknown";
	}
}
