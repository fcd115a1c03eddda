// SPDX-License-Identifier: GPL-2.0
/*
 * Poly1305 over eight blocks at a time in AVX2 registers. Built with -mavx2
 * (crypto/crypto.mk); called only from poly1305.c inside a
 * kernel_fpu_begin()/kernel_fpu_end() section.
 *
 * Two accumulators of four lanes each, A and B, take the blocks of each
 * group of eight in turn: lane j of A blocks 8t + j, lane j of B blocks
 * 8t + 4 + j, each by Horner's rule with r^8. For n = 8k blocks m_0..m_(n-1)
 * the wanted h * r^n + sum m_i * r^(n - i) then equals
 *   sum over j of A_j * r^(8 - j) + B_j * r^(4 - j)
 * (h joins lane 0 of A), so the last step multiplies A's lanes by r^8..r^5
 * and B's by r^4..r^1 and adds everything up. Two independent chains keep
 * the multiplier busy while the other one's carries propagate.
 *
 * Numbers are five 26-bit limbs in 64-bit lanes, so that vpmuludq's
 * 32x32->64-bit products of a limb by a limb (or by 5 times one, for the
 * terms that wrap past 2^130, as 2^130 = 5 mod p) add up without overflow;
 * carries are propagated lazily, once per multiplication.
 *
 * Constant time: the same instructions whatever the data.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "poly1305.h"

typedef u64 wgc_v4u64 __attribute__((vector_size(32)));
typedef int wgc_v8s32 __attribute__((vector_size(32)));
typedef u64 wgc_v4u64_u __attribute__((vector_size(32), aligned(1),
				       __may_alias__));

/* vpmuludq: the low 32 bits of each 64-bit lane, multiplied to 64 bits. */
#define WGC_MULQ(a, b) ((wgc_v4u64)__builtin_ia32_pmuludq256(		\
	(wgc_v8s32)(a), (wgc_v8s32)(b)))

#define WGC_M26 0x3ffffffULL

/* Four consecutive 16-byte blocks, one per lane, with the 2^128 bit. */
static __always_inline void wgc_p_load(const u8 *in, wgc_v4u64 m[5])
{
	const wgc_v4u64 mask = (wgc_v4u64){} + WGC_M26;
	wgc_v4u64 a = *(const wgc_v4u64_u *)in;
	wgc_v4u64 b = *(const wgc_v4u64_u *)(in + 32);
	wgc_v4u64 lo = __builtin_shufflevector(a, b, 0, 2, 4, 6);
	wgc_v4u64 hi = __builtin_shufflevector(a, b, 1, 3, 5, 7);

	m[0] = lo & mask;
	m[1] = (lo >> 26) & mask;
	m[2] = ((lo >> 52) | (hi << 12)) & mask;
	m[3] = (hi >> 14) & mask;
	m[4] = (hi >> 40) | (1ULL << 24);
}

/*
 * a = a * r (mod p, lazily carried), s = 5 * r. On entry a's limbs are
 * below 2^27.6 and r's below 2^26.01, so each sum of five products stays
 * below 2^58.3; on return the limbs are below 2^26 but for a[1] < 2^26 + 2^9
 * and a[4] < 2^26 + 2^7. The carries run as two interleaved chains (from
 * limb 0 and from limb 3), four steps deep instead of six.
 */
static __always_inline void wgc_p_mul(wgc_v4u64 a[5], const wgc_v4u64 r[5],
				      const wgc_v4u64 s[5])
{
	const wgc_v4u64 mask = (wgc_v4u64){} + WGC_M26;
	wgc_v4u64 d0, d1, d2, d3, d4, c, e;

	d0 = WGC_MULQ(a[0], r[0]) + WGC_MULQ(a[1], s[4]) +
	     WGC_MULQ(a[2], s[3]) + WGC_MULQ(a[3], s[2]) +
	     WGC_MULQ(a[4], s[1]);
	d1 = WGC_MULQ(a[0], r[1]) + WGC_MULQ(a[1], r[0]) +
	     WGC_MULQ(a[2], s[4]) + WGC_MULQ(a[3], s[3]) +
	     WGC_MULQ(a[4], s[2]);
	d2 = WGC_MULQ(a[0], r[2]) + WGC_MULQ(a[1], r[1]) +
	     WGC_MULQ(a[2], r[0]) + WGC_MULQ(a[3], s[4]) +
	     WGC_MULQ(a[4], s[3]);
	d3 = WGC_MULQ(a[0], r[3]) + WGC_MULQ(a[1], r[2]) +
	     WGC_MULQ(a[2], r[1]) + WGC_MULQ(a[3], r[0]) +
	     WGC_MULQ(a[4], s[4]);
	d4 = WGC_MULQ(a[0], r[4]) + WGC_MULQ(a[1], r[3]) +
	     WGC_MULQ(a[2], r[2]) + WGC_MULQ(a[3], r[1]) +
	     WGC_MULQ(a[4], r[0]);

	c = d0 >> 26; d0 &= mask; d1 += c;
	e = d3 >> 26; d3 &= mask; d4 += e;
	c = d1 >> 26; d1 &= mask; d2 += c;
	e = d4 >> 26; d4 &= mask; d0 += e + (e << 2);
	c = d2 >> 26; d2 &= mask; d3 += c;
	e = d0 >> 26; d0 &= mask; d1 += e;
	c = d3 >> 26; d3 &= mask; d4 += c;

	a[0] = d0;
	a[1] = d1;
	a[2] = d2;
	a[3] = d3;
	a[4] = d4;
}

/* s = 5 * r, limb by limb. */
static __always_inline void wgc_p_times5(const wgc_v4u64 r[5], wgc_v4u64 s[5])
{
	int i;

	_Pragma("GCC unroll 5")
	for (i = 0; i < 5; i++)
		s[i] = r[i] + (r[i] << 2);
}

void wgc_poly1305_avx2_blocks(u64 acc[5], const u32 r26[4][5], const u8 *in,
			      size_t nblocks)
{
	wgc_v4u64 a[5], b[5], m[5], r[5], s[5], lo[5], slo[5], hi[5], t[5];
	int i;

	/* lo = [r^1, r^2, r^3, r^4] by lane, hi = lo * r^4 = [r^5..r^8]. */
	_Pragma("GCC unroll 5")
	for (i = 0; i < 5; i++) {
		lo[i] = (wgc_v4u64){ r26[0][i], r26[1][i], r26[2][i],
				     r26[3][i] };
		hi[i] = lo[i];
		r[i] = (wgc_v4u64){} + r26[3][i];
	}
	wgc_p_times5(r, s);
	wgc_p_mul(hi, r, s);
	/* r = r^8 in every lane. */
	_Pragma("GCC unroll 5")
	for (i = 0; i < 5; i++)
		r[i] = __builtin_shufflevector(hi[i], hi[i], 3, 3, 3, 3);
	wgc_p_times5(r, s);

	wgc_p_load(in, a);
	wgc_p_load(in + 64, b);
	a[0] += (wgc_v4u64){ acc[0], 0, 0, 0 };
	a[1] += (wgc_v4u64){ acc[1], 0, 0, 0 };
	a[2] += (wgc_v4u64){ acc[2], 0, 0, 0 };
	a[3] += (wgc_v4u64){ acc[3], 0, 0, 0 };
	a[4] += (wgc_v4u64){ acc[4], 0, 0, 0 };
	for (nblocks -= 8, in += 128; nblocks; nblocks -= 8, in += 128) {
		wgc_p_mul(a, r, s);
		wgc_p_mul(b, r, s);
		wgc_p_load(in, m);
		wgc_p_load(in + 64, t);
		_Pragma("GCC unroll 5")
		for (i = 0; i < 5; i++) {
			a[i] += m[i];
			b[i] += t[i];
		}
	}

	/* A's lanes times r^8, r^7, r^6, r^5; B's times r^4 .. r^1. */
	_Pragma("GCC unroll 5")
	for (i = 0; i < 5; i++) {
		r[i] = __builtin_shufflevector(hi[i], hi[i], 3, 2, 1, 0);
		lo[i] = __builtin_shufflevector(lo[i], lo[i], 3, 2, 1, 0);
	}
	wgc_p_times5(r, s);
	wgc_p_times5(lo, slo);
	wgc_p_mul(a, r, s);
	wgc_p_mul(b, lo, slo);
	_Pragma("GCC unroll 5")
	for (i = 0; i < 5; i++) {
		a[i] += b[i];
		acc[i] = a[i][0] + a[i][1] + a[i][2] + a[i][3];
	}
}
