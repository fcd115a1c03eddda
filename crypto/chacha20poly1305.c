// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20-Poly1305 (RFC 8439 section 2.8) and XChaCha20-Poly1305
 * (draft-irtf-cfrg-xchacha), over flat buffers and in place over
 * scatter-gather lists.
 *
 * The Poly1305 key is the first 32 bytes of ChaCha20 block 0; the payload
 * is encrypted from block 1 on. The MAC covers
 *   AD || pad16 || ciphertext || pad16 || le64(|AD|) || le64(|ciphertext|).
 *
 * Decryption never writes unauthenticated plaintext: the MAC is computed
 * over the ciphertext and checked (crypto_memneq, constant time) before
 * anything is decrypted. For the in-place scatter-gather form this costs a
 * second walk over the list, but the data is cache-hot (a packet), and a
 * forged packet leaves the buffer exactly as it came, which no
 * decrypt-then-wipe scheme can promise for a list it cannot re-read cheaply.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/scatterlist.h>
#include <crypto/algapi.h>

#include "chacha20poly1305.h"
#include "chacha20.h"
#include "poly1305.h"
#include "simd.h"

/*
 * One block or less is portable C's (chacha20.c): then the FPU section
 * would buy nothing. From two blocks up (a 64-byte datagram is 96 bytes of
 * plaintext) the vector code runs.
 */
enum { WGC_AEAD_SIMD_MIN = WGC_CHACHA20_BLOCK_SIZE + 1 };

static bool aead_simd_wanted(size_t len)
{
	return len >= WGC_AEAD_SIMD_MIN &&
	       (wgc_chacha20_get_impl() != WGC_CHACHA20_GENERIC ||
		wgc_poly1305_get_impl() != WGC_POLY1305_GENERIC);
}

/* Keys Poly1305 with the first 32 bytes of key and MACs the AD and pad. */
static void aead_mac_init(struct wgc_poly1305_ctx *poly, const u8 *key,
			  const u8 *ad, size_t ad_len)
{
	wgc_poly1305_init(poly, key);
	wgc_poly1305_update(poly, ad, ad_len, false);
	wgc_poly1305_pad16(poly);
}

/* Derives the Poly1305 key from block 0 and MACs the AD with its pad. */
static void aead_begin(struct wgc_chacha20_ctx *chacha,
		       struct wgc_poly1305_ctx *poly, const u8 *ad,
		       size_t ad_len)
{
	u8 block0[WGC_CHACHA20_BLOCK_SIZE];

	/* All of block 0, so that the payload starts at block 1. */
	wgc_chacha20_keystream(chacha, block0, sizeof(block0), false);
	aead_mac_init(poly, block0, ad, ad_len);
	memzero_explicit(block0, sizeof(block0));
}

/*
 * With vector ChaCha20, block 0 alone would cost a whole batch (or a
 * portable block, about as slow as a batch of eight): instead it rides in
 * the first batch, with the first payload bytes, through a stack buffer.
 * first[0..64) is then block 0's keystream and first[64..64 + n) the
 * en/decrypted first n bytes of src (returned).
 */
enum { WGC_AEAD_FIRST = 8 * WGC_CHACHA20_BLOCK_SIZE };

static size_t aead_first_batch(struct wgc_chacha20_ctx *chacha,
			       u8 first[WGC_AEAD_FIRST], const u8 *src,
			       size_t len)
{
	size_t n = min_t(size_t, len, WGC_AEAD_FIRST - WGC_CHACHA20_BLOCK_SIZE);

	memset(first, 0, WGC_CHACHA20_BLOCK_SIZE);
	memcpy(first + WGC_CHACHA20_BLOCK_SIZE, src, n);
	wgc_chacha20_xor(chacha, first, first, WGC_CHACHA20_BLOCK_SIZE + n,
			 true);
	return n;
}

/* MACs the ciphertext's pad and the two lengths; writes the tag. */
static void aead_finish(struct wgc_poly1305_ctx *poly, size_t ad_len,
			size_t len, u8 tag[WGC_CHACHA20POLY1305_AUTHTAG_SIZE])
{
	u8 lengths[16];

	wgc_poly1305_pad16(poly);
	put_unaligned_le64(ad_len, lengths);
	put_unaligned_le64(len, lengths + 8);
	wgc_poly1305_update(poly, lengths, sizeof(lengths), false);
	wgc_poly1305_final(poly, tag);
}

static void aead_encrypt(u8 *dst, const u8 *src, size_t src_len,
			 const u8 *ad, size_t ad_len,
			 struct wgc_chacha20_ctx *chacha)
{
	u8 first[WGC_AEAD_FIRST];
	struct wgc_poly1305_ctx poly;
	struct wgc_simd simd;
	size_t done = 0, maced = 0, n;

	wgc_simd_begin(&simd, aead_simd_wanted(src_len));
	if (simd.on && wgc_chacha20_get_impl() != WGC_CHACHA20_GENERIC) {
		done = aead_first_batch(chacha, first, src, src_len);
		aead_mac_init(&poly, first, ad, ad_len);
		memcpy(dst, first + WGC_CHACHA20_BLOCK_SIZE, done);
		memzero_explicit(first, WGC_CHACHA20_BLOCK_SIZE + done);
	} else {
		aead_begin(chacha, &poly, ad, ad_len);
	}
	/*
	 * The first batch's ciphertext is MACed with the next chunk: one
	 * long Poly1305 update runs the vector code better than two.
	 */
	while (maced < src_len) {
		n = min_t(size_t, src_len - done, WGC_SIMD_CHUNK);
		wgc_chacha20_xor(chacha, dst + done, src + done, n, simd.on);
		done += n;
		wgc_poly1305_update(&poly, dst + maced, done - maced, simd.on);
		wgc_simd_account(&simd, done - maced);
		maced = done;
	}
	wgc_simd_end(&simd);
	aead_finish(&poly, ad_len, src_len, dst + src_len);
}

static bool aead_decrypt(u8 *dst, const u8 *src, size_t src_len,
			 const u8 *ad, size_t ad_len,
			 struct wgc_chacha20_ctx *chacha)
{
	u8 tag[WGC_CHACHA20POLY1305_AUTHTAG_SIZE];
	u8 first[WGC_AEAD_FIRST];
	struct wgc_poly1305_ctx poly;
	struct wgc_simd simd;
	size_t len, n, off, head = 0;
	bool ok;

	if (src_len < WGC_CHACHA20POLY1305_AUTHTAG_SIZE)
		return false;
	len = src_len - WGC_CHACHA20POLY1305_AUTHTAG_SIZE;

	wgc_simd_begin(&simd, aead_simd_wanted(len));
	if (simd.on && wgc_chacha20_get_impl() != WGC_CHACHA20_GENERIC) {
		/*
		 * The first bytes' plaintext waits in first[] (on the stack,
		 * wiped below) until the tag has been checked.
		 */
		head = aead_first_batch(chacha, first, src, len);
		aead_mac_init(&poly, first, ad, ad_len);
	} else {
		aead_begin(chacha, &poly, ad, ad_len);
	}
	/* First the MAC over the ciphertext... */
	for (off = 0; off < len; off += n) {
		n = min_t(size_t, len - off, WGC_SIMD_CHUNK);
		wgc_poly1305_update(&poly, src + off, n, simd.on);
		wgc_simd_account(&simd, n);
	}
	aead_finish(&poly, ad_len, len, tag);
	ok = !crypto_memneq(tag, src + len, sizeof(tag));
	memzero_explicit(tag, sizeof(tag));

	/* ...and only if it holds, the plaintext. */
	if (ok && head)
		memcpy(dst, first + WGC_CHACHA20_BLOCK_SIZE, head);
	for (off = head; ok && off < len; off += n) {
		n = min_t(size_t, len - off, WGC_SIMD_CHUNK);
		wgc_chacha20_xor(chacha, dst + off, src + off, n, simd.on);
		wgc_simd_account(&simd, n);
	}
	wgc_simd_end(&simd);
	if (head)
		memzero_explicit(first, WGC_CHACHA20_BLOCK_SIZE + head);
	/* On a forgery dst is untouched: the in-place callers rely on it. */
	return ok;
}

/*
 * For the flat API: dst never saw plaintext of a forgery; clearing it
 * anyway keeps a careless caller from using stale contents as if
 * decrypted.
 */
static bool aead_decrypt_flat(u8 *dst, const u8 *src, size_t src_len,
			      const u8 *ad, size_t ad_len,
			      struct wgc_chacha20_ctx *chacha)
{
	bool ok = aead_decrypt(dst, src, src_len, ad, ad_len, chacha);

	if (!ok && src_len > WGC_CHACHA20POLY1305_AUTHTAG_SIZE)
		memset(dst, 0, src_len - WGC_CHACHA20POLY1305_AUTHTAG_SIZE);
	return ok;
}

void wgc_chacha20poly1305_encrypt(u8 *dst, const u8 *src, const size_t src_len,
				  const u8 *ad, const size_t ad_len,
				  const u64 nonce,
				  const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	struct wgc_chacha20_ctx chacha;

	wgc_chacha20_init64(&chacha, key, nonce, 0);
	aead_encrypt(dst, src, src_len, ad, ad_len, &chacha);
	wgc_chacha20_wipe(&chacha);
}

bool wgc_chacha20poly1305_decrypt(u8 *dst, const u8 *src, const size_t src_len,
				  const u8 *ad, const size_t ad_len,
				  const u64 nonce,
				  const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	struct wgc_chacha20_ctx chacha;
	bool ok;

	wgc_chacha20_init64(&chacha, key, nonce, 0);
	ok = aead_decrypt_flat(dst, src, src_len, ad, ad_len, &chacha);
	wgc_chacha20_wipe(&chacha);
	return ok;
}

void wgc_chacha20poly1305_ietf_encrypt(u8 *dst, const u8 *src,
				       const size_t src_len, const u8 *ad,
				       const size_t ad_len,
				       const u8 nonce[WGC_CHACHA20POLY1305_IETF_NONCE_SIZE],
				       const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	struct wgc_chacha20_ctx chacha;

	wgc_chacha20_init(&chacha, key, nonce, 0);
	aead_encrypt(dst, src, src_len, ad, ad_len, &chacha);
	wgc_chacha20_wipe(&chacha);
}

bool wgc_chacha20poly1305_ietf_decrypt(u8 *dst, const u8 *src,
				       const size_t src_len, const u8 *ad,
				       const size_t ad_len,
				       const u8 nonce[WGC_CHACHA20POLY1305_IETF_NONCE_SIZE],
				       const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	struct wgc_chacha20_ctx chacha;
	bool ok;

	wgc_chacha20_init(&chacha, key, nonce, 0);
	ok = aead_decrypt_flat(dst, src, src_len, ad, ad_len, &chacha);
	wgc_chacha20_wipe(&chacha);
	return ok;
}

/*
 * XChaCha20: HChaCha20 turns the key and the first 16 nonce bytes into a
 * subkey; the last 8 nonce bytes are the (little-endian) 64-bit nonce of
 * the ChaCha20-Poly1305 under that subkey.
 */
static void xchacha_init(struct wgc_chacha20_ctx *chacha,
			 const u8 nonce[WGC_XCHACHA20POLY1305_NONCE_SIZE],
			 const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	u8 subkey[WGC_HCHACHA20_OUT_SIZE];

	wgc_hchacha20(subkey, nonce, key);
	wgc_chacha20_init64(chacha, subkey,
			    get_unaligned_le64(nonce + WGC_HCHACHA20_NONCE_SIZE),
			    0);
	memzero_explicit(subkey, sizeof(subkey));
}

void wgc_xchacha20poly1305_encrypt(u8 *dst, const u8 *src, const size_t src_len,
				   const u8 *ad, const size_t ad_len,
				   const u8 nonce[WGC_XCHACHA20POLY1305_NONCE_SIZE],
				   const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	struct wgc_chacha20_ctx chacha;

	xchacha_init(&chacha, nonce, key);
	aead_encrypt(dst, src, src_len, ad, ad_len, &chacha);
	wgc_chacha20_wipe(&chacha);
}

bool wgc_xchacha20poly1305_decrypt(u8 *dst, const u8 *src, const size_t src_len,
				   const u8 *ad, const size_t ad_len,
				   const u8 nonce[WGC_XCHACHA20POLY1305_NONCE_SIZE],
				   const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	struct wgc_chacha20_ctx chacha;
	bool ok;

	xchacha_init(&chacha, nonce, key);
	ok = aead_decrypt_flat(dst, src, src_len, ad, ad_len, &chacha);
	wgc_chacha20_wipe(&chacha);
	return ok;
}

#define WGC_SG_FLAGS (SG_MITER_TO_SG | SG_MITER_FROM_SG | SG_MITER_ATOMIC)

/*
 * Copies len bytes between buf and the list, continuing where miter
 * stands (it may be in the middle of a mapping: the caller set
 * miter->consumed). Returns false when the list ends first.
 */
static bool sg_copy_tag(struct sg_mapping_iter *miter, u8 *buf, size_t len,
			bool to_sg)
{
	while (len) {
		size_t n;

		if (!sg_miter_next(miter))
			return false;
		n = min_t(size_t, miter->length, len);
		if (to_sg)
			memcpy(miter->addr, buf, n);
		else
			memcpy(buf, miter->addr, n);
		miter->consumed = n;
		buf += n;
		len -= n;
	}
	return true;
}

/*
 * The first segment's memory if it alone holds len bytes: the common
 * linear packet. The flat code then runs on it in one pass, with no
 * mapping iterator (and decryption MACs and decrypts in one batch loop
 * rather than walking the list twice). Highmem pages would need a
 * mapping; such kernels take the general path.
 */
static u8 *sg_single_buffer(struct scatterlist *sg, size_t len)
{
	if (IS_ENABLED(CONFIG_HIGHMEM) || sg->length < len)
		return NULL;
	return sg_virt(sg);
}

bool wgc_chacha20poly1305_encrypt_sg_inplace(struct scatterlist *src,
					     size_t src_len,
					     const u8 *ad, const size_t ad_len,
					     const u64 nonce,
					     const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	u8 tag[WGC_CHACHA20POLY1305_AUTHTAG_SIZE];
	struct wgc_chacha20_ctx chacha;
	struct wgc_poly1305_ctx poly;
	struct sg_mapping_iter miter;
	struct wgc_simd simd;
	size_t left = src_len;
	bool ok;
	u8 *p;

	wgc_chacha20_init64(&chacha, key, nonce, 0);
	p = sg_single_buffer(src, src_len + sizeof(tag));
	if (p) {
		aead_encrypt(p, p, src_len, ad, ad_len, &chacha);
		wgc_chacha20_wipe(&chacha);
		return true;
	}
	aead_begin(&chacha, &poly, ad, ad_len);

	/*
	 * One FPU section for the whole list (renewed every few KiB), not
	 * one per segment: an skb often has many small fragments.
	 */
	wgc_simd_begin(&simd, aead_simd_wanted(src_len));
	sg_miter_start(&miter, src, sg_nents(src), WGC_SG_FLAGS);
	while (left && sg_miter_next(&miter)) {
		/*
		 * Segments of any length: the ChaCha20 and Poly1305 contexts
		 * carry partial blocks over to the next segment.
		 */
		size_t n = min_t(size_t, miter.length, left);
		u8 *p = miter.addr;

		wgc_chacha20_xor(&chacha, p, p, n, simd.on);
		wgc_poly1305_update(&poly, p, n, simd.on);
		wgc_simd_account(&simd, n);
		miter.consumed = n;
		left -= n;
	}
	ok = !left;
	if (ok) {
		aead_finish(&poly, ad_len, src_len, tag);
		ok = sg_copy_tag(&miter, tag, sizeof(tag), true);
	} else {
		memzero_explicit(&poly, sizeof(poly));
	}
	sg_miter_stop(&miter);
	wgc_simd_end(&simd);

	wgc_chacha20_wipe(&chacha);
	memzero_explicit(tag, sizeof(tag));
	return ok;
}

bool wgc_chacha20poly1305_decrypt_sg_inplace(struct scatterlist *src,
					     size_t src_len,
					     const u8 *ad, const size_t ad_len,
					     const u64 nonce,
					     const u8 key[WGC_CHACHA20POLY1305_KEY_SIZE])
{
	u8 tag[WGC_CHACHA20POLY1305_AUTHTAG_SIZE];
	u8 computed[WGC_CHACHA20POLY1305_AUTHTAG_SIZE];
	struct wgc_chacha20_ctx chacha;
	struct wgc_poly1305_ctx poly;
	struct sg_mapping_iter miter;
	struct wgc_simd simd;
	size_t len, left;
	bool ok;
	u8 *p;

	if (src_len < WGC_CHACHA20POLY1305_AUTHTAG_SIZE)
		return false;
	len = src_len - WGC_CHACHA20POLY1305_AUTHTAG_SIZE;

	wgc_chacha20_init64(&chacha, key, nonce, 0);
	p = sg_single_buffer(src, src_len);
	if (p) {
		ok = aead_decrypt(p, p, src_len, ad, ad_len, &chacha);
		wgc_chacha20_wipe(&chacha);
		return ok;
	}
	aead_begin(&chacha, &poly, ad, ad_len);
	wgc_simd_begin(&simd, aead_simd_wanted(len));

	/* Pass 1: MAC the ciphertext, read the tag that follows it. */
	left = len;
	sg_miter_start(&miter, src, sg_nents(src), WGC_SG_FLAGS);
	while (left && sg_miter_next(&miter)) {
		size_t n = min_t(size_t, miter.length, left);

		wgc_poly1305_update(&poly, miter.addr, n, simd.on);
		wgc_simd_account(&simd, n);
		miter.consumed = n;
		left -= n;
	}
	ok = !left && sg_copy_tag(&miter, tag, sizeof(tag), false);
	sg_miter_stop(&miter);
	aead_finish(&poly, ad_len, len, computed);
	ok = ok && !crypto_memneq(tag, computed, sizeof(tag));

	/* Pass 2, only for an authentic packet: decrypt in place. */
	left = ok ? len : 0;
	if (left) {
		sg_miter_start(&miter, src, sg_nents(src), WGC_SG_FLAGS);
		while (left && sg_miter_next(&miter)) {
			size_t n = min_t(size_t, miter.length, left);
			u8 *p = miter.addr;

			wgc_chacha20_xor(&chacha, p, p, n, simd.on);
			wgc_simd_account(&simd, n);
			miter.consumed = n;
			left -= n;
		}
		sg_miter_stop(&miter);
	}
	wgc_simd_end(&simd);

	wgc_chacha20_wipe(&chacha);
	memzero_explicit(computed, sizeof(computed));
	return ok && !left;
}
