// SPDX-License-Identifier: GPL-2.0
/*
 * BLAKE2s (RFC 7693) with optional key, and HMAC (RFC 2104) over it.
 *
 * WireGuard uses all three shapes: unkeyed BLAKE2s-256 for the Noise HASH,
 * keyed BLAKE2s-128 for the MAC1/MAC2 cookies, and HMAC-BLAKE2s-256 inside
 * its HKDF. Everything here is plain 32-bit integer code: there is no
 * data-dependent branch or table index, so timing does not depend on the
 * key or the message contents (only on their lengths, which are public).
 */

#include <linux/types.h>
#include <linux/string.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/kernel.h>

#include "blake2s.h"

/* RFC 7693 §2.6: the same constants as SHA-256's initial value. */
static const u32 wgc_blake2s_iv[8] = {
	0x6a09e667U, 0xbb67ae85U, 0x3c6ef372U, 0xa54ff53aU,
	0x510e527fU, 0x9b05688cU, 0x1f83d9abU, 0x5be0cd19U,
};

/*
 * RFC 7693 §2.7: message word permutation per round. Only ever indexed by
 * compile-time constants (the rounds are unrolled below), so the compiler
 * folds it away and no load from it depends on data.
 */
static const u8 wgc_blake2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

/* RFC 7693 §3.1, the mixing function G with R1..R4 = 16, 12, 8, 7. */
#define WGC_B2S_G(r, i, a, b, c, d) do {				\
	a += b + m[wgc_blake2s_sigma[r][2 * (i)]];			\
	d = ror32(d ^ a, 16);						\
	c += d;								\
	b = ror32(b ^ c, 12);						\
	a += b + m[wgc_blake2s_sigma[r][2 * (i) + 1]];			\
	d = ror32(d ^ a, 8);						\
	c += d;								\
	b = ror32(b ^ c, 7);						\
} while (0)

/* One round: four column steps, then four diagonal steps. */
#define WGC_B2S_ROUND(r) do {						\
	WGC_B2S_G(r, 0, v[0], v[4], v[8], v[12]);			\
	WGC_B2S_G(r, 1, v[1], v[5], v[9], v[13]);			\
	WGC_B2S_G(r, 2, v[2], v[6], v[10], v[14]);			\
	WGC_B2S_G(r, 3, v[3], v[7], v[11], v[15]);			\
	WGC_B2S_G(r, 4, v[0], v[5], v[10], v[15]);			\
	WGC_B2S_G(r, 5, v[1], v[6], v[11], v[12]);			\
	WGC_B2S_G(r, 6, v[2], v[7], v[8], v[13]);			\
	WGC_B2S_G(r, 7, v[3], v[4], v[9], v[14]);			\
} while (0)

/*
 * Compresses nblocks consecutive 64-byte blocks, adding inc to the byte
 * counter before each (inc is 64, except for a short final block where it
 * is the number of real bytes in it). The final flag is taken from
 * state->f, so the caller sets it before compressing the last block.
 */
static void wgc_blake2s_compress(struct wgc_blake2s_state *state,
				 const u8 *block, size_t nblocks, const u32 inc)
{
	u32 m[16], v[16];
	int i;

	while (nblocks--) {
		/* The 64-bit counter t is kept as two 32-bit halves. */
		state->t[0] += inc;
		state->t[1] += (state->t[0] < inc);

		for (i = 0; i < 16; ++i)
			m[i] = get_unaligned_le32(block + i * sizeof(u32));
		for (i = 0; i < 8; ++i)
			v[i] = state->h[i];
		v[8] = wgc_blake2s_iv[0];
		v[9] = wgc_blake2s_iv[1];
		v[10] = wgc_blake2s_iv[2];
		v[11] = wgc_blake2s_iv[3];
		v[12] = wgc_blake2s_iv[4] ^ state->t[0];
		v[13] = wgc_blake2s_iv[5] ^ state->t[1];
		v[14] = wgc_blake2s_iv[6] ^ state->f[0];
		v[15] = wgc_blake2s_iv[7] ^ state->f[1];

		WGC_B2S_ROUND(0);
		WGC_B2S_ROUND(1);
		WGC_B2S_ROUND(2);
		WGC_B2S_ROUND(3);
		WGC_B2S_ROUND(4);
		WGC_B2S_ROUND(5);
		WGC_B2S_ROUND(6);
		WGC_B2S_ROUND(7);
		WGC_B2S_ROUND(8);
		WGC_B2S_ROUND(9);

		for (i = 0; i < 8; ++i)
			state->h[i] ^= v[i] ^ v[i + 8];

		block += WGC_BLAKE2S_BLOCK_SIZE;
	}
	/* m and v hold message and keyed-state material. */
	memzero_explicit(m, sizeof(m));
	memzero_explicit(v, sizeof(v));
}

#undef WGC_B2S_ROUND
#undef WGC_B2S_G

/*
 * The parameter block of RFC 7693 §2.5 reduces, for sequential hashing
 * without salt or personalization, to its first word: digest length,
 * key length, fanout 1 and depth 1.
 */
static void wgc_blake2s_init_param(struct wgc_blake2s_state *state,
				   const size_t outlen, const size_t keylen)
{
	int i;

	for (i = 0; i < 8; ++i)
		state->h[i] = wgc_blake2s_iv[i];
	state->h[0] ^= 0x01010000U ^ ((u32)keylen << 8) ^ (u32)outlen;
	state->t[0] = 0;
	state->t[1] = 0;
	state->f[0] = 0;
	state->f[1] = 0;
	state->buflen = 0;
	state->outlen = outlen;
}

void wgc_blake2s_init(struct wgc_blake2s_state *state, const size_t outlen)
{
	wgc_blake2s_init_key(state, outlen, NULL, 0);
}

void wgc_blake2s_init_key(struct wgc_blake2s_state *state, const size_t outlen,
			  const void *key, const size_t keylen)
{
	size_t olen = outlen, klen = keylen;

	/*
	 * A bad length is a programming error; fall back to values that keep
	 * the state well-defined (and never read past the key) rather than
	 * produce an out-of-bounds access.
	 */
	if (WARN_ON(!olen || olen > WGC_BLAKE2S_HASH_SIZE))
		olen = WGC_BLAKE2S_HASH_SIZE;
	if (WARN_ON(klen > WGC_BLAKE2S_KEY_SIZE || (klen && !key)))
		klen = 0;

	wgc_blake2s_init_param(state, olen, klen);
	memset(state->buf, 0, sizeof(state->buf));
	if (klen) {
		/*
		 * RFC 7693 §3.3: the key, zero-padded to a full block, is the
		 * first data block. It stays buffered like any other block so
		 * that an empty message still compresses it with the final
		 * flag set.
		 */
		memcpy(state->buf, key, klen);
		state->buflen = WGC_BLAKE2S_BLOCK_SIZE;
	}
}

void wgc_blake2s_update(struct wgc_blake2s_state *state, const u8 *in,
			size_t inlen)
{
	const size_t fill = WGC_BLAKE2S_BLOCK_SIZE - state->buflen;

	if (unlikely(!inlen))
		return;

	/*
	 * The last block of the message must be compressed with the final
	 * flag, and we cannot know which block is last until final(). So a
	 * block is only compressed once at least one more byte follows it:
	 * the buffer may hold a complete block, never flushed eagerly.
	 */
	if (inlen > fill) {
		memcpy(state->buf + state->buflen, in, fill);
		wgc_blake2s_compress(state, state->buf, 1,
				     WGC_BLAKE2S_BLOCK_SIZE);
		state->buflen = 0;
		in += fill;
		inlen -= fill;
	}
	if (inlen > WGC_BLAKE2S_BLOCK_SIZE) {
		/* All whole blocks except the one that may be the last. */
		const size_t nblocks = DIV_ROUND_UP(inlen,
						    WGC_BLAKE2S_BLOCK_SIZE) - 1;

		wgc_blake2s_compress(state, in, nblocks,
				     WGC_BLAKE2S_BLOCK_SIZE);
		in += nblocks * WGC_BLAKE2S_BLOCK_SIZE;
		inlen -= nblocks * WGC_BLAKE2S_BLOCK_SIZE;
	}
	memcpy(state->buf + state->buflen, in, inlen);
	state->buflen += inlen;
}

void wgc_blake2s_final(struct wgc_blake2s_state *state, u8 *out)
{
	u8 digest[WGC_BLAKE2S_HASH_SIZE];
	int i;

	/* Last block: pad with zeros, count only the real bytes. */
	state->f[0] = (u32)-1;
	memset(state->buf + state->buflen, 0,
	       WGC_BLAKE2S_BLOCK_SIZE - state->buflen);
	wgc_blake2s_compress(state, state->buf, 1, state->buflen);

	for (i = 0; i < 8; ++i)
		put_unaligned_le32(state->h[i], digest + i * sizeof(u32));
	memcpy(out, digest, state->outlen);

	memzero_explicit(digest, sizeof(digest));
	memzero_explicit(state, sizeof(*state));
}

void wgc_blake2s(u8 *out, const u8 *in, const u8 *key, const size_t outlen,
		 const size_t inlen, const size_t keylen)
{
	struct wgc_blake2s_state state;

	wgc_blake2s_init_key(&state, outlen, key, keylen);
	wgc_blake2s_update(&state, in, inlen);
	wgc_blake2s_final(&state, out);
}

void wgc_blake2s_hmac(u8 *out, const u8 *in, const u8 *key,
		      const size_t inlen, const size_t keylen)
{
	struct wgc_blake2s_state state;
	u8 k[WGC_BLAKE2S_BLOCK_SIZE];
	u8 ihash[WGC_BLAKE2S_HASH_SIZE];
	int i;

	/*
	 * RFC 2104: a key longer than the block is replaced by its hash; any
	 * key is then zero-padded to the block size.
	 */
	memset(k, 0, sizeof(k));
	if (keylen > WGC_BLAKE2S_BLOCK_SIZE) {
		wgc_blake2s_init(&state, WGC_BLAKE2S_HASH_SIZE);
		wgc_blake2s_update(&state, key, keylen);
		wgc_blake2s_final(&state, k);
	} else if (keylen) {
		memcpy(k, key, keylen);
	}

	/* Inner hash: H((K ^ ipad) || text). */
	for (i = 0; i < WGC_BLAKE2S_BLOCK_SIZE; ++i)
		k[i] ^= 0x36;
	wgc_blake2s_init(&state, WGC_BLAKE2S_HASH_SIZE);
	wgc_blake2s_update(&state, k, WGC_BLAKE2S_BLOCK_SIZE);
	wgc_blake2s_update(&state, in, inlen);
	wgc_blake2s_final(&state, ihash);

	/* Outer hash: H((K ^ opad) || inner); turn ipad into opad. */
	for (i = 0; i < WGC_BLAKE2S_BLOCK_SIZE; ++i)
		k[i] ^= 0x36 ^ 0x5c;
	wgc_blake2s_init(&state, WGC_BLAKE2S_HASH_SIZE);
	wgc_blake2s_update(&state, k, WGC_BLAKE2S_BLOCK_SIZE);
	wgc_blake2s_update(&state, ihash, WGC_BLAKE2S_HASH_SIZE);
	/*
	 * Written last, so out may alias in or key: both are fully consumed
	 * by now.
	 */
	wgc_blake2s_final(&state, ihash);
	memcpy(out, ihash, WGC_BLAKE2S_HASH_SIZE);

	memzero_explicit(k, sizeof(k));
	memzero_explicit(ihash, sizeof(ihash));
}
