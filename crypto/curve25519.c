// SPDX-License-Identifier: GPL-2.0
/*
 * X25519 (RFC 7748): Diffie-Hellman on the Montgomery form of Curve25519.
 *
 * Field elements mod p = 2^255 - 19 are five 64-bit limbs of 51 bits each
 * (radix 2^51), multiplied with 64x64->128-bit products. Reduction uses
 * 2^255 = 19 (mod p): whatever carries out of the top limb re-enters the
 * bottom one multiplied by 19.
 *
 * Constant time: the scalar only ever reaches the arithmetic through the
 * masks of wgc_fe_cswap() (and, for the fixed base, of the table lookup);
 * there is no branch and no memory index that depends on the secret, nor
 * on the peer's point. Limbs are kept "loosely reduced" between operations
 * (bounds noted below) and fully reduced only on output.
 *
 * wgc_curve25519_generate_public() does not run the ladder: its point is
 * fixed, so it computes s * B on the equivalent twisted Edwards curve with
 * a precomputed table of multiples of B (see below), with about a third
 * of the ladder's field multiplications, and maps the result back to u.
 */

#include <linux/types.h>
#include <linux/string.h>
#include <linux/random.h>
#include <linux/kernel.h>

#include "curve25519.h"
#include "curve25519-base.h"

/* For the 64x64->128-bit products; not every kernel we support has u128. */
typedef unsigned __int128 wgc_u128;

#define WGC_FE_MASK51 ((u64)((1ULL << 51) - 1))

/* A field element: value = v[0] + v[1]*2^51 + ... + v[4]*2^204. */
struct wgc_fe {
	u64 v[5];
};

/*
 * Hide a value from the optimizer so that it cannot turn mask arithmetic
 * on secret bits back into a branch.
 */
#define WGC_FE_HIDE(x) __asm__("" : "+r"(x))

static __always_inline void wgc_fe_0(struct wgc_fe *h)
{
	h->v[0] = 0;
	h->v[1] = 0;
	h->v[2] = 0;
	h->v[3] = 0;
	h->v[4] = 0;
}

static __always_inline void wgc_fe_1(struct wgc_fe *h)
{
	wgc_fe_0(h);
	h->v[0] = 1;
}

/*
 * Decodes 32 little-endian bytes. Bit 255 is dropped (RFC 7748 §5: the
 * u-coordinate's top bit is masked). Values in [p, 2^255) are kept as they
 * are: they are valid loosely-reduced representations of u - p, which is
 * exactly the reduction RFC 7748 asks for. Output limbs < 2^51.
 */
static void wgc_fe_frombytes(struct wgc_fe *h, const u8 s[32])
{
	const u64 w0 = get_unaligned_le64(s);
	const u64 w1 = get_unaligned_le64(s + 8);
	const u64 w2 = get_unaligned_le64(s + 16);
	const u64 w3 = get_unaligned_le64(s + 24);

	h->v[0] = w0 & WGC_FE_MASK51;
	h->v[1] = ((w0 >> 51) | (w1 << 13)) & WGC_FE_MASK51;
	h->v[2] = ((w1 >> 38) | (w2 << 26)) & WGC_FE_MASK51;
	h->v[3] = ((w2 >> 25) | (w3 << 39)) & WGC_FE_MASK51;
	h->v[4] = (w3 >> 12) & WGC_FE_MASK51;
}

/* One carry pass over all limbs, the top carry folded back times 19. */
static __always_inline void wgc_fe_carry(u64 *h)
{
	u64 c;

	c = h[0] >> 51;
	h[0] &= WGC_FE_MASK51;
	h[1] += c;
	c = h[1] >> 51;
	h[1] &= WGC_FE_MASK51;
	h[2] += c;
	c = h[2] >> 51;
	h[2] &= WGC_FE_MASK51;
	h[3] += c;
	c = h[3] >> 51;
	h[3] &= WGC_FE_MASK51;
	h[4] += c;
	c = h[4] >> 51;
	h[4] &= WGC_FE_MASK51;
	h[0] += c * 19;
}

/*
 * Encodes the unique representative in [0, p), little-endian. Accepts any
 * limbs below 2^58.
 */
static void wgc_fe_tobytes(u8 s[32], const struct wgc_fe *f)
{
	u64 h[5] = { f->v[0], f->v[1], f->v[2], f->v[3], f->v[4] };
	u64 q;

	/*
	 * One carry pass leaves h[1..4] < 2^51 and h[0] < 2^51 + 19 * 2^8,
	 * so the value v is below 2^255 + 2^13 < 2p.
	 */
	wgc_fe_carry(h);

	/*
	 * Now subtract p once if v >= p, without branching: v >= p exactly
	 * when v + 19 reaches 2^255, and q (0 or 1) is that carry out of bit
	 * 255. Adding 19 * q and dropping bit 255 subtracts q * p; as v < 2p,
	 * the result is in [0, p).
	 */
	q = (h[0] + 19) >> 51;
	q = (h[1] + q) >> 51;
	q = (h[2] + q) >> 51;
	q = (h[3] + q) >> 51;
	q = (h[4] + q) >> 51;

	h[0] += 19 * q;
	h[1] += h[0] >> 51;
	h[0] &= WGC_FE_MASK51;
	h[2] += h[1] >> 51;
	h[1] &= WGC_FE_MASK51;
	h[3] += h[2] >> 51;
	h[2] &= WGC_FE_MASK51;
	h[4] += h[3] >> 51;
	h[3] &= WGC_FE_MASK51;
	h[4] &= WGC_FE_MASK51;

	put_unaligned_le64(h[0] | (h[1] << 51), s);
	put_unaligned_le64((h[1] >> 13) | (h[2] << 38), s + 8);
	put_unaligned_le64((h[2] >> 26) | (h[3] << 25), s + 16);
	put_unaligned_le64((h[3] >> 39) | (h[4] << 12), s + 24);

	memzero_explicit(h, sizeof(h));
}

/* h = f + g. No carry: inputs < 2^52 give outputs < 2^53. */
static __always_inline void wgc_fe_add(struct wgc_fe *h, const struct wgc_fe *f,
				       const struct wgc_fe *g)
{
	h->v[0] = f->v[0] + g->v[0];
	h->v[1] = f->v[1] + g->v[1];
	h->v[2] = f->v[2] + g->v[2];
	h->v[3] = f->v[3] + g->v[3];
	h->v[4] = f->v[4] + g->v[4];
}

/*
 * h = f - g, computed as f + 2p - g so that no limb goes negative. Needs
 * g's limbs <= 2^52 - 38, true for every output of mul/sq/mul_a24 (which
 * are < 2^51 + 2^13). In the ladder f is such an output too, so h's limbs
 * are < 2^53; any f below 2^53 still keeps them under wgc_fe_mul()'s 2^54.
 */
static __always_inline void wgc_fe_sub(struct wgc_fe *h, const struct wgc_fe *f,
				       const struct wgc_fe *g)
{
	/* 2p in radix 2^51: 2^52 - 38, then four times 2^52 - 2. */
	h->v[0] = (f->v[0] + 0xfffffffffffdaULL) - g->v[0];
	h->v[1] = (f->v[1] + 0xffffffffffffeULL) - g->v[1];
	h->v[2] = (f->v[2] + 0xffffffffffffeULL) - g->v[2];
	h->v[3] = (f->v[3] + 0xffffffffffffeULL) - g->v[3];
	h->v[4] = (f->v[4] + 0xffffffffffffeULL) - g->v[4];
}

/*
 * Carries five 128-bit column sums into h. Needs r4 (plus the carry into
 * it) below 2^110.7, so that the carry out of the top, times 19, plus a
 * 51-bit limb still fits in 64 bits. Outputs: limbs < 2^51 except
 * h[1] < 2^51 + 2^13 (the last, partial carry).
 */
static __always_inline void wgc_fe_reduce128(struct wgc_fe *h, wgc_u128 r0,
					     wgc_u128 r1, wgc_u128 r2,
					     wgc_u128 r3, wgc_u128 r4)
{
	u64 h0, h1, h2, h3, h4, c;

	r1 += (u64)(r0 >> 51);
	h0 = (u64)r0 & WGC_FE_MASK51;
	r2 += (u64)(r1 >> 51);
	h1 = (u64)r1 & WGC_FE_MASK51;
	r3 += (u64)(r2 >> 51);
	h2 = (u64)r2 & WGC_FE_MASK51;
	r4 += (u64)(r3 >> 51);
	h3 = (u64)r3 & WGC_FE_MASK51;
	c = (u64)(r4 >> 51);
	h4 = (u64)r4 & WGC_FE_MASK51;
	h0 += c * 19;
	h1 += h0 >> 51;
	h0 &= WGC_FE_MASK51;

	h->v[0] = h0;
	h->v[1] = h1;
	h->v[2] = h2;
	h->v[3] = h3;
	h->v[4] = h4;
}

/*
 * h = f * g. Inputs' limbs < 2^54: the top column is then below
 * 5 * 2^108 (about 2^110.4, and the carry into it is far smaller), and the
 * bottom one, which gathers the wrapped-around terms times 19, below
 * 77 * 2^108 < 2^115. In the ladder every input is below 2^53.
 */
static void wgc_fe_mul(struct wgc_fe *h, const struct wgc_fe *f,
		       const struct wgc_fe *g)
{
	const u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3],
		  f4 = f->v[4];
	const u64 g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3],
		  g4 = g->v[4];
	const u64 g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19,
		  g4_19 = g4 * 19;
	wgc_u128 r0, r1, r2, r3, r4;

	r0 = (wgc_u128)f0 * g0 + (wgc_u128)f1 * g4_19 +
	     (wgc_u128)f2 * g3_19 + (wgc_u128)f3 * g2_19 +
	     (wgc_u128)f4 * g1_19;
	r1 = (wgc_u128)f0 * g1 + (wgc_u128)f1 * g0 +
	     (wgc_u128)f2 * g4_19 + (wgc_u128)f3 * g3_19 +
	     (wgc_u128)f4 * g2_19;
	r2 = (wgc_u128)f0 * g2 + (wgc_u128)f1 * g1 +
	     (wgc_u128)f2 * g0 + (wgc_u128)f3 * g4_19 +
	     (wgc_u128)f4 * g3_19;
	r3 = (wgc_u128)f0 * g3 + (wgc_u128)f1 * g2 +
	     (wgc_u128)f2 * g1 + (wgc_u128)f3 * g0 +
	     (wgc_u128)f4 * g4_19;
	r4 = (wgc_u128)f0 * g4 + (wgc_u128)f1 * g3 +
	     (wgc_u128)f2 * g2 + (wgc_u128)f3 * g1 +
	     (wgc_u128)f4 * g0;

	wgc_fe_reduce128(h, r0, r1, r2, r3, r4);
}

/* h = f^2, same bounds as wgc_fe_mul(); the cross terms are doubled once. */
static void wgc_fe_sq(struct wgc_fe *h, const struct wgc_fe *f)
{
	const u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3],
		  f4 = f->v[4];
	const u64 d0 = 2 * f0, d1 = 2 * f1, d2 = 2 * f2, d3 = 2 * f3;
	const u64 f3_19 = 19 * f3, f4_19 = 19 * f4;
	wgc_u128 r0, r1, r2, r3, r4;

	r0 = (wgc_u128)f0 * f0 + (wgc_u128)d1 * f4_19 +
	     (wgc_u128)d2 * f3_19;
	r1 = (wgc_u128)d0 * f1 + (wgc_u128)d2 * f4_19 +
	     (wgc_u128)f3 * f3_19;
	r2 = (wgc_u128)d0 * f2 + (wgc_u128)f1 * f1 +
	     (wgc_u128)d3 * f4_19;
	r3 = (wgc_u128)d0 * f3 + (wgc_u128)d1 * f2 +
	     (wgc_u128)f4 * f4_19;
	r4 = (wgc_u128)d0 * f4 + (wgc_u128)d1 * f3 +
	     (wgc_u128)f2 * f2;

	wgc_fe_reduce128(h, r0, r1, r2, r3, r4);
}

/* h = f^(2^n), n >= 1. */
static void wgc_fe_sq_n(struct wgc_fe *h, const struct wgc_fe *f, int n)
{
	wgc_fe_sq(h, f);
	while (--n > 0)
		wgc_fe_sq(h, h);
}

/*
 * h = f * 121665, the curve constant a24 = (486662 - 2) / 4 of RFC 7748's
 * ladder. f's limbs < 2^54, so each product is < 2^71: hence 128 bits.
 */
static void wgc_fe_mul_a24(struct wgc_fe *h, const struct wgc_fe *f)
{
	const u64 a24 = 121665;

	wgc_fe_reduce128(h, (wgc_u128)f->v[0] * a24, (wgc_u128)f->v[1] * a24,
			 (wgc_u128)f->v[2] * a24, (wgc_u128)f->v[3] * a24,
			 (wgc_u128)f->v[4] * a24);
}

/*
 * Swaps f and g when b is 1, leaves them when b is 0, in constant time:
 * the same loads, stores and arithmetic happen either way.
 */
static __always_inline void wgc_fe_cswap(struct wgc_fe *f, struct wgc_fe *g,
					 u64 b)
{
	u64 mask = 0 - b, x;
	int i;

	WGC_FE_HIDE(mask);
	for (i = 0; i < 5; ++i) {
		x = (f->v[i] ^ g->v[i]) & mask;
		f->v[i] ^= x;
		g->v[i] ^= x;
	}
}

/*
 * h = z^-1 = z^(p - 2) (Fermat), by a fixed chain of 254 squarings and 11
 * multiplications: the exponent p - 2 = 2^255 - 21 is public, so this is
 * constant time. z = 0 yields 0, which the caller relies on.
 */
static void wgc_fe_invert(struct wgc_fe *h, const struct wgc_fe *z)
{
	struct wgc_fe z2, z9, z11, a, b, c;

	wgc_fe_sq(&z2, z);			/* z^2 */
	wgc_fe_sq_n(&a, &z2, 2);		/* z^8 */
	wgc_fe_mul(&z9, &a, z);			/* z^9 */
	wgc_fe_mul(&z11, &z9, &z2);		/* z^11 */
	wgc_fe_sq(&a, &z11);			/* z^22 */
	wgc_fe_mul(&b, &a, &z9);		/* z^(2^5 - 1) */
	wgc_fe_sq_n(&a, &b, 5);
	wgc_fe_mul(&b, &a, &b);			/* z^(2^10 - 1) */
	wgc_fe_sq_n(&a, &b, 10);
	wgc_fe_mul(&c, &a, &b);			/* z^(2^20 - 1) */
	wgc_fe_sq_n(&a, &c, 20);
	wgc_fe_mul(&a, &a, &c);			/* z^(2^40 - 1) */
	wgc_fe_sq_n(&a, &a, 10);
	wgc_fe_mul(&b, &a, &b);			/* z^(2^50 - 1) */
	wgc_fe_sq_n(&a, &b, 50);
	wgc_fe_mul(&c, &a, &b);			/* z^(2^100 - 1) */
	wgc_fe_sq_n(&a, &c, 100);
	wgc_fe_mul(&a, &a, &c);			/* z^(2^200 - 1) */
	wgc_fe_sq_n(&a, &a, 50);
	wgc_fe_mul(&a, &a, &b);			/* z^(2^250 - 1) */
	wgc_fe_sq_n(&a, &a, 5);			/* z^(2^255 - 32) */
	wgc_fe_mul(h, &a, &z11);		/* z^(2^255 - 21) */

	memzero_explicit(&z2, sizeof(z2));
	memzero_explicit(&z9, sizeof(z9));
	memzero_explicit(&z11, sizeof(z11));
	memzero_explicit(&a, sizeof(a));
	memzero_explicit(&b, sizeof(b));
	memzero_explicit(&c, sizeof(c));
}

void wgc_curve25519_clamp_secret(u8 secret[WGC_CURVE25519_KEY_SIZE])
{
	secret[0] &= 248;
	secret[31] &= 127;
	secret[31] |= 64;
}

/* Working state of the ladder, kept together so it is wiped in one go. */
struct wgc_x25519_ladder {
	u8 e[WGC_CURVE25519_KEY_SIZE];
	struct wgc_fe x1, x2, z2, x3, z3;
	struct wgc_fe a, b, c, d, aa, bb, da, cb, t;
};

/*
 * The Montgomery ladder of RFC 7748 §5, x-only with projective (X : Z)
 * coordinates. The conditional swaps are merged: rather than swapping in
 * and back out around every step, the masked swap (which runs every step)
 * exchanges the pairs when the current bit differs from the previous one.
 */
static void wgc_x25519_ladder(struct wgc_x25519_ladder *l, u8 out[32],
			      const u8 secret[32], const u8 u[32])
{
	u64 swap = 0, bit;
	int pos;

	memcpy(l->e, secret, sizeof(l->e));
	wgc_curve25519_clamp_secret(l->e);
	wgc_fe_frombytes(&l->x1, u);
	wgc_fe_1(&l->x2);
	wgc_fe_0(&l->z2);
	l->x3 = l->x1;
	wgc_fe_1(&l->z3);

	/* Bit 255 is clear after clamping. */
	for (pos = 254; pos >= 0; --pos) {
		/* The byte index depends on pos only, which is public. */
		bit = (l->e[pos >> 3] >> (pos & 7)) & 1;
		swap ^= bit;
		wgc_fe_cswap(&l->x2, &l->x3, swap);
		wgc_fe_cswap(&l->z2, &l->z3, swap);
		swap = bit;

		wgc_fe_add(&l->a, &l->x2, &l->z2);	/* A = x2 + z2 */
		wgc_fe_sub(&l->b, &l->x2, &l->z2);	/* B = x2 - z2 */
		wgc_fe_add(&l->c, &l->x3, &l->z3);	/* C = x3 + z3 */
		wgc_fe_sub(&l->d, &l->x3, &l->z3);	/* D = x3 - z3 */
		wgc_fe_sq(&l->aa, &l->a);		/* AA = A^2 */
		wgc_fe_sq(&l->bb, &l->b);		/* BB = B^2 */
		wgc_fe_mul(&l->da, &l->d, &l->a);	/* DA = D * A */
		wgc_fe_mul(&l->cb, &l->c, &l->b);	/* CB = C * B */

		/* x3 = (DA + CB)^2, z3 = x1 * (DA - CB)^2 */
		wgc_fe_add(&l->t, &l->da, &l->cb);
		wgc_fe_sq(&l->x3, &l->t);
		wgc_fe_sub(&l->t, &l->da, &l->cb);
		wgc_fe_sq(&l->t, &l->t);
		wgc_fe_mul(&l->z3, &l->x1, &l->t);

		/* x2 = AA * BB, z2 = E * (AA + a24 * E) with E = AA - BB */
		wgc_fe_mul(&l->x2, &l->aa, &l->bb);
		wgc_fe_sub(&l->t, &l->aa, &l->bb);	/* E */
		wgc_fe_mul_a24(&l->z2, &l->t);
		wgc_fe_add(&l->z2, &l->z2, &l->aa);
		wgc_fe_mul(&l->z2, &l->z2, &l->t);
	}
	wgc_fe_cswap(&l->x2, &l->x3, swap);
	wgc_fe_cswap(&l->z2, &l->z3, swap);

	/*
	 * Affine x = X / Z. When the point at infinity is reached (Z = 0, a
	 * low-order input), the inverse is 0 and so is the output, as RFC
	 * 7748 specifies.
	 */
	wgc_fe_invert(&l->z2, &l->z2);
	wgc_fe_mul(&l->x2, &l->x2, &l->z2);
	wgc_fe_tobytes(out, &l->x2);
}

/*
 * Fixed-base multiplication, for the public key pub = X25519(s, 9).
 *
 * The Montgomery curve v^2 = u^3 + 486662 u^2 + u is birationally
 * equivalent to the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2,
 * d = -121665/121666, through u = (1 + y) / (1 - y). The base point u = 9
 * is B with y = 4/5. X25519 reads u only, which does not see the sign of
 * x: s * B and s * (-B) give the same u, so which root x is B's does not
 * matter (the table uses the even one).
 *
 * On the Edwards curve, addition has a complete formula (a = -1 is a
 * square mod p and d is not: no exceptional inputs, the neutral element
 * and doubling included), so s * B can be computed as a sum of table entries, with
 * no data-dependent special cases. Write the clamped scalar in signed
 * radix 16,
 *
 *   s = sum e[i] * 16^i,  i = 0..63,  e[i] in [-8, 8),  e[63] in [4, 8],
 *
 * and split the digits by parity:
 *
 *   s * B = 16 * sum_{i odd} e[i] * 256^((i-1)/2) * B
 *             + sum_{i even} e[i] * 256^(i/2) * B.
 *
 * Each term is +-j * 256^k * B with j <= 8, k <= 31: one entry of
 * wgc_curve25519_base_table (generated, crypto/curve25519-base.c), or its
 * negation, or the neutral element. That is 64 mixed additions and 4
 * doublings (against the ladder's 255 steps), then one inversion.
 */

/* Extended coordinates: x = X/Z, y = Y/Z and x * y = T/Z. */
struct wgc_ge {
	struct wgc_fe x, y, z, t;
};

/* An affine point as (y + x, y - x, 2 d x y), ready to be added. */
struct wgc_ge_niels {
	struct wgc_fe ypx, ymx, xy2d;
};

/* Working state of the fixed-base multiplication, wiped in one go. */
struct wgc_x25519_fixed {
	struct wgc_ge p;
	struct wgc_ge_niels n;
	struct wgc_fe a, b, c, d, e, f, g, h;
	u8 k[WGC_CURVE25519_KEY_SIZE];
	s8 digit[64];
};

/* f |= g & mask: with f = 0 and mask all ones or 0, copies g or keeps 0. */
static __always_inline void wgc_fe_or_masked(struct wgc_fe *f, const u64 *g,
					     u64 mask)
{
	int i;

	for (i = 0; i < 5; ++i)
		f->v[i] |= g[i] & mask;
}

/*
 * n = b * table[row] for b in [-8, 8], in constant time. The row is
 * public (it depends on the digit's position only); within it, all eight
 * entries are read every time and ORed in under a mask that is all ones
 * for entry |b| alone, so neither the addresses touched nor the branches
 * taken depend on b. b = 0 selects none and is then turned into the
 * neutral element (y + x, y - x, 2dxy) = (1, 1, 0) by ORing in its own
 * flag. Negation, -(x, y) = (-x, y), swaps y + x with y - x and negates
 * 2dxy, also under masks. Outputs: limbs < 2^51, but 2dxy's below 2^52
 * when negated.
 */
static void wgc_ge_select(struct wgc_x25519_fixed *s, int row, s8 b)
{
	const u64 (*entry)[3][5] = wgc_curve25519_base_table[row];
	struct wgc_ge_niels *n = &s->n;
	/* neg = 1 if b < 0; babs = |b|, by two's complement: (b ^ -1) + 1. */
	u64 neg = (u64)(u8)b >> 7;
	u64 babs = ((u64)(s64)b ^ (0 - neg)) + neg;
	u64 mask, zero;
	int j;

	WGC_FE_HIDE(neg);
	wgc_fe_0(&n->ypx);
	wgc_fe_0(&n->ymx);
	wgc_fe_0(&n->xy2d);
	for (j = 0; j < 8; ++j) {
		/*
		 * babs ^ (j + 1) is in [0, 15] and 0 exactly on a match,
		 * so subtracting 1 sets the top bit only then.
		 */
		mask = 0 - (((babs ^ (u64)(j + 1)) - 1) >> 63);
		WGC_FE_HIDE(mask);
		wgc_fe_or_masked(&n->ypx, entry[j][0], mask);
		wgc_fe_or_masked(&n->ymx, entry[j][1], mask);
		wgc_fe_or_masked(&n->xy2d, entry[j][2], mask);
	}
	/* babs is in [0, 8]: babs - 1 has its top bit set for 0 alone. */
	zero = (babs - 1) >> 63;
	n->ypx.v[0] |= zero;
	n->ymx.v[0] |= zero;

	wgc_fe_cswap(&n->ypx, &n->ymx, neg);
	wgc_fe_0(&s->a);
	wgc_fe_sub(&s->a, &s->a, &n->xy2d);		/* 2p - 2dxy */
	mask = 0 - neg;
	for (j = 0; j < 5; ++j)
		n->xy2d.v[j] ^= (n->xy2d.v[j] ^ s->a.v[j]) & mask;
}

/*
 * p += n, the a = -1 unified addition in extended coordinates with the
 * second point affine (Z2 = 1), by Hisil, Wong, Carter and Dawson:
 *
 *   A = (Y1 - X1)(y2 - x2)  B = (Y1 + X1)(y2 + x2)  C = T1 * 2d x2 y2
 *   D = 2 Z1  E = B - A  F = D - C  G = D + C  H = B + A
 *   X3 = E F  Y3 = G H  T3 = E H  Z3 = F G
 *
 * (7 multiplications). Bounds, with p's limbs below 2^51 + 2^13 (outputs
 * of mul) and n's below 2^52: Y1 - X1 < 2^52.6, Y1 + X1 and D below
 * 2^52.01, E and G below 2^52.6, F < 2^53.01, H < 2^52.01; every
 * multiplication input stays below wgc_fe_mul()'s 2^54, and every
 * subtrahend is a mul output, as wgc_fe_sub() requires.
 */
static void wgc_ge_madd(struct wgc_x25519_fixed *s)
{
	struct wgc_ge *p = &s->p;
	const struct wgc_ge_niels *n = &s->n;

	wgc_fe_sub(&s->a, &p->y, &p->x);
	wgc_fe_mul(&s->a, &s->a, &n->ymx);		/* A */
	wgc_fe_add(&s->b, &p->y, &p->x);
	wgc_fe_mul(&s->b, &s->b, &n->ypx);		/* B */
	wgc_fe_mul(&s->c, &p->t, &n->xy2d);		/* C */
	wgc_fe_add(&s->d, &p->z, &p->z);		/* D */
	wgc_fe_sub(&s->e, &s->b, &s->a);		/* E */
	wgc_fe_sub(&s->f, &s->d, &s->c);		/* F */
	wgc_fe_add(&s->g, &s->d, &s->c);		/* G */
	wgc_fe_add(&s->h, &s->b, &s->a);		/* H */
	wgc_fe_mul(&p->x, &s->e, &s->f);
	wgc_fe_mul(&p->y, &s->g, &s->h);
	wgc_fe_mul(&p->t, &s->e, &s->h);
	wgc_fe_mul(&p->z, &s->f, &s->g);
}

/*
 * p = 2p, the a = -1 doubling of the same authors (T1 is not read), with
 * the signs of E, F, G, H all flipped, which the products do not see:
 *
 *   A = X1^2  B = Y1^2  C = 2 Z1^2  H = A + B  E = H - (X1 + Y1)^2
 *   G = A - B  F = C + G
 *   X3 = E F  Y3 = G H  T3 = E H  Z3 = F G
 *
 * Bounds: X1 + Y1, C and H below 2^52.01, G < 2^52.6, E < 2^53.01 and
 * F < 2^53.4, all below wgc_fe_mul()'s 2^54.
 */
static void wgc_ge_double(struct wgc_x25519_fixed *s)
{
	struct wgc_ge *p = &s->p;

	wgc_fe_sq(&s->a, &p->x);			/* A */
	wgc_fe_sq(&s->b, &p->y);			/* B */
	wgc_fe_sq(&s->c, &p->z);
	wgc_fe_add(&s->c, &s->c, &s->c);		/* C */
	wgc_fe_add(&s->h, &s->a, &s->b);		/* H */
	wgc_fe_add(&s->e, &p->x, &p->y);
	wgc_fe_sq(&s->e, &s->e);
	wgc_fe_sub(&s->e, &s->h, &s->e);		/* E */
	wgc_fe_sub(&s->g, &s->a, &s->b);		/* G */
	wgc_fe_add(&s->f, &s->c, &s->g);		/* F */
	wgc_fe_mul(&p->x, &s->e, &s->f);
	wgc_fe_mul(&p->y, &s->g, &s->h);
	wgc_fe_mul(&p->t, &s->e, &s->h);
	wgc_fe_mul(&p->z, &s->f, &s->g);
}

static void wgc_x25519_fixed_base(struct wgc_x25519_fixed *s, u8 out[32],
				  const u8 secret[32])
{
	int i, carry;

	/* X25519 clamps the scalar itself: callers may pass any 32 bytes. */
	memcpy(s->k, secret, sizeof(s->k));
	wgc_curve25519_clamp_secret(s->k);

	/*
	 * Signed radix 16: digits taken as nibbles in [0, 15], then each one
	 * above 7 becomes d - 16 and carries 1 into the next. With the
	 * incoming carry a digit is in [0, 16] and (d + 8) >> 4 is exactly
	 * that carry: arithmetic, no branch. The top digit keeps its carry
	 * instead of passing it on: clamping leaves it in [4, 7] (bit 254
	 * set, 255 clear), so with the carry it is at most 8, which the
	 * table covers (j = 8), and s < 2^255 needs no 65th digit.
	 */
	for (i = 0; i < 32; ++i) {
		s->digit[2 * i] = s->k[i] & 15;
		s->digit[2 * i + 1] = s->k[i] >> 4;
	}
	carry = 0;
	for (i = 0; i < 63; ++i) {
		s->digit[i] += carry;
		carry = (s->digit[i] + 8) >> 4;
		s->digit[i] -= carry << 4;
	}
	s->digit[63] += carry;

	/* The neutral element (0, 1): X = T = 0, Y = Z = 1. */
	wgc_fe_0(&s->p.x);
	wgc_fe_1(&s->p.y);
	wgc_fe_1(&s->p.z);
	wgc_fe_0(&s->p.t);

	/* Odd digits, then times 16, then even digits: see above. */
	for (i = 1; i < 64; i += 2) {
		wgc_ge_select(s, i / 2, s->digit[i]);
		wgc_ge_madd(s);
	}
	for (i = 0; i < 4; ++i)
		wgc_ge_double(s);
	for (i = 0; i < 64; i += 2) {
		wgc_ge_select(s, i / 2, s->digit[i]);
		wgc_ge_madd(s);
	}

	/*
	 * u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y). The denominator is never
	 * 0: y = 1 only at the neutral element, and s * B is not that, as
	 * s is a multiple of 8 below 2^255 < 8 * ord(B). (Were it 0, the
	 * inverse and u would be 0, as the ladder's point at infinity.)
	 */
	wgc_fe_add(&s->a, &s->p.z, &s->p.y);
	wgc_fe_sub(&s->b, &s->p.z, &s->p.y);
	wgc_fe_invert(&s->b, &s->b);
	wgc_fe_mul(&s->a, &s->a, &s->b);
	wgc_fe_tobytes(out, &s->a);
}

/* 1 when all 32 bytes are zero, else 0, reading every byte regardless. */
static u32 wgc_curve25519_is_zero(const u8 s[WGC_CURVE25519_KEY_SIZE])
{
	u32 acc = 0;
	int i;

	for (i = 0; i < WGC_CURVE25519_KEY_SIZE; ++i)
		acc |= s[i];
	/* acc is 0..255: acc - 1 wraps to set bit 31 only for acc == 0. */
	return (acc - 1) >> 31;
}

bool wgc_curve25519(u8 out[WGC_CURVE25519_KEY_SIZE],
		    const u8 secret[WGC_CURVE25519_KEY_SIZE],
		    const u8 basepoint[WGC_CURVE25519_KEY_SIZE])
{
	struct wgc_x25519_ladder l;

	wgc_x25519_ladder(&l, out, secret, basepoint);
	memzero_explicit(&l, sizeof(l));
	/*
	 * An all-zero result means the peer sent a point of small order (or
	 * its non-canonical encoding): the "shared" secret would be known to
	 * anyone, so the caller must reject it.
	 */
	return !wgc_curve25519_is_zero(out);
}

bool wgc_curve25519_generate_public(u8 pub[WGC_CURVE25519_KEY_SIZE],
				    const u8 secret[WGC_CURVE25519_KEY_SIZE])
{
	struct wgc_x25519_fixed f;
	const u32 null_secret = wgc_curve25519_is_zero(secret);
	u8 keep;
	bool ret;
	int i;

	/*
	 * With the base point (of prime order) the result itself is never
	 * zero: clamping rules out multiples of the group order. But WireGuard
	 * uses the all-zero private key to mean "no key", so that one fails
	 * (with a zeroed pub). The multiplication runs regardless and pub is
	 * masked, so control flow does not depend on the secret even then.
	 */
	wgc_x25519_fixed_base(&f, pub, secret);
	memzero_explicit(&f, sizeof(f));
	ret = !wgc_curve25519_is_zero(pub);
	keep = (u8)(null_secret - 1);
	for (i = 0; i < WGC_CURVE25519_KEY_SIZE; ++i)
		pub[i] &= keep;
	return ret & !null_secret;
}

void wgc_curve25519_generate_secret(u8 secret[WGC_CURVE25519_KEY_SIZE])
{
	get_random_bytes(secret, WGC_CURVE25519_KEY_SIZE);
	wgc_curve25519_clamp_secret(secret);
}
