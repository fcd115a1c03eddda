// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of crypto/chacha20*.c, crypto/poly1305.c,
 * crypto/chacha20poly1305*.c and crypto/wgcrypto.c, built from the module's
 * own sources against selftests/unit/shim.
 *
 * Every implementation the CPU supports (generic, avx2, avx512) runs every
 * test: the published vectors (RFC 8439, draft-irtf-cfrg-xchacha), edge
 * cases, and differential tests against OpenSSL (ChaCha20, Poly1305,
 * ChaCha20-Poly1305) and libsodium (XChaCha20-Poly1305) over random
 * inputs, lengths, alignments and scatter-gather layouts.
 *
 * WGC_TEST_SEED=n reproduces a run (the seed is printed).
 */
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <sodium.h>
#include <time.h>

#include "chacha20poly1305.h"
#include "chacha20.h"
#include "poly1305.h"
#include "simd.h"
#include "selftest.h"
#include "wgcrypto.h"
#include "calibrate.h"
#include <linux/scatterlist.h>

#include "chacha20poly1305-vectors.h"
#include "test.h"

int tests_passed, tests_failed;
u64 test_rng_state;

#define TAG WGC_CHACHA20POLY1305_AUTHTAG_SIZE
#define MAX_LEN 4096
#define GUARD 64
#define GUARD_BYTE 0xa5

/* "chacha20-impl/poly1305-impl" of the combination under test. */
static const char *impl_name;
static char impl_name_buf[64];

/* ---------------------------------------------------------------- oracles */

static void ref_aead_iv(u8 *dst, const u8 *src, size_t len, const u8 *ad,
			size_t ad_len, const u8 iv[12], const u8 key[32])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l;

	if (!c || !EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, key, iv) ||
	    (ad_len && !EVP_EncryptUpdate(c, NULL, &l, ad, (int)ad_len)) ||
	    !EVP_EncryptUpdate(c, dst, &l, src, (int)len) ||
	    !EVP_EncryptFinal_ex(c, dst + l, &l) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG, dst + len))
		abort();
	EVP_CIPHER_CTX_free(c);
}

/* WireGuard's nonce: 4 zero bytes, then the 64-bit counter little-endian. */
static void ref_aead(u8 *dst, const u8 *src, size_t len, const u8 *ad,
		     size_t ad_len, u64 nonce, const u8 key[32])
{
	u8 iv[12] = { 0 };

	put_unaligned_le64(nonce, iv + 4);
	ref_aead_iv(dst, src, len, ad, ad_len, iv, key);
}

static void ref_chacha20(u8 *dst, const u8 *src, size_t len,
			 const u8 key[32], const u8 nonce[12], u32 counter)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	u8 iv[16];
	int l;

	put_unaligned_le32(counter, iv);
	memcpy(iv + 4, nonce, 12);
	if (!c || !EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, key, iv) ||
	    !EVP_EncryptUpdate(c, dst, &l, src, (int)len))
		abort();
	EVP_CIPHER_CTX_free(c);
}

static void ref_poly1305(u8 mac[16], const u8 *msg, size_t len,
			 const u8 key[32])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;
	size_t outl;

	if (!c || !EVP_MAC_init(c, key, 32, NULL) ||
	    !EVP_MAC_update(c, msg, len) || !EVP_MAC_final(c, mac, &outl, 16))
		abort();
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
}

/* ------------------------------------------------------------- utilities */

static bool all_bytes(const u8 *p, size_t len, u8 v)
{
	while (len--)
		if (*p++ != v)
			return false;
	return true;
}

/* First differing offset, or -1. */
static long diff_at(const u8 *a, const u8 *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

/* A buffer with GUARD bytes of GUARD_BYTE on each side of len bytes. */
static u8 *guarded(u8 *area, size_t align, size_t len)
{
	memset(area, GUARD_BYTE, align + len + 2 * GUARD);
	return area + GUARD + align;
}

static bool guards_ok(const u8 *p, size_t len)
{
	return all_bytes(p - GUARD, GUARD, GUARD_BYTE) &&
	       all_bytes(p + len, GUARD, GUARD_BYTE);
}

/* ------------------------------------------------ known answers, per impl */

/* The portable block function and HChaCha20 (they have no vector forms). */
static void test_kat_block(void)
{
	struct test_case t;
	struct wgc_chacha20_ctx ctx;
	u8 out[64];
	u32 state[16];

	test_begin(&t, "kat-chacha20-block-rfc8439-2.3.2");
	wgc_chacha20_init(&ctx, wgc_cv_key_seq, wgc_cv_block_nonce, 1);
	memcpy(state, ctx.state, sizeof(state));
	wgc_chacha20_block_generic(state, out);
	test_check(&t, !memcmp(out, wgc_cv_block_out, 64), "wrong block");
	test_check(&t, state[12] == 2, "counter not advanced");
	test_end(&t);

	test_begin(&t, "kat-hchacha20-xchacha-2.2.1");
	wgc_hchacha20(out, wgc_cv_hchacha_nonce, wgc_cv_key_seq);
	test_check(&t, !memcmp(out, wgc_cv_hchacha_out, 32), "wrong subkey");
	test_end(&t);
}

static void test_kat_chacha20(void)
{
	struct test_case t;
	struct wgc_chacha20_ctx ctx;
	u8 out[1024];

	for (size_t i = 0; i < ARRAY_SIZE(wgc_cv_chacha); i++) {
		const struct wgc_cv_chacha *v = &wgc_cv_chacha[i];

		test_begin(&t, "kat-chacha20-%s [%s]",
			   i ? (i == 1 ? "rfc8439-A.2#1" : i == 2 ?
				"rfc8439-A.2#2" : "rfc8439-A.2#3") :
			   "rfc8439-2.4.2", impl_name);
		/* One call, then every split point into two calls. */
		wgc_chacha20_init(&ctx, v->key, v->nonce, v->counter);
		wgc_chacha20_xor(&ctx, out, v->in, v->len, true);
		test_check(&t, !memcmp(out, v->out, v->len), "one call");
		for (size_t cut = 0; cut <= v->len; cut++) {
			memset(out, 0, sizeof(out));
			wgc_chacha20_init(&ctx, v->key, v->nonce, v->counter);
			wgc_chacha20_xor(&ctx, out, v->in, cut, true);
			wgc_chacha20_xor(&ctx, out + cut, v->in + cut,
					 v->len - cut, true);
			test_check(&t, !memcmp(out, v->out, v->len),
				   "split at %zu", cut);
		}
		test_end(&t);
	}
}

/* One shot through the streaming API, so the vector code may run. */
static void poly1305_simd(u8 mac[16], const u8 *msg, size_t len,
			  const u8 key[32])
{
	struct wgc_poly1305_ctx ctx;

	wgc_poly1305_init(&ctx, key);
	wgc_poly1305_update(&ctx, msg, len, true);
	wgc_poly1305_final(&ctx, mac);
}

static void test_kat_poly1305(void)
{
	struct test_case t;

	for (size_t i = 0; i < ARRAY_SIZE(wgc_cv_poly); i++) {
		const struct wgc_cv_poly *v = &wgc_cv_poly[i];
		struct wgc_poly1305_ctx ctx;
		u8 mac[16];

		if (i)
			test_begin(&t, "kat-poly1305-rfc8439-A.3#%zu [%s]", i,
				   wgc_poly1305_impl_str(wgc_poly1305_get_impl()));
		else
			test_begin(&t, "kat-poly1305-rfc8439-2.5.2 [%s]",
				   wgc_poly1305_impl_str(wgc_poly1305_get_impl()));
		wgc_poly1305(mac, v->msg, v->len, v->key);
		test_check(&t, !memcmp(mac, v->tag, 16), "one shot");
		poly1305_simd(mac, v->msg, v->len, v->key);
		test_check(&t, !memcmp(mac, v->tag, 16), "one update");
		for (size_t cut = 0; cut <= v->len; cut++) {
			wgc_poly1305_init(&ctx, v->key);
			wgc_poly1305_update(&ctx, v->msg, cut, true);
			wgc_poly1305_update(&ctx, v->msg + cut, v->len - cut,
					    true);
			wgc_poly1305_final(&ctx, mac);
			test_check(&t, !memcmp(mac, v->tag, 16),
				   "split at %zu", cut);
		}
		test_end(&t);
	}
}

static void test_kat_aead(void)
{
	const size_t len = sizeof(wgc_cv_sunscreen);
	u8 out[512], back[512];
	struct test_case t;

	test_begin(&t, "kat-aead-rfc8439-2.8.2 [%s]", impl_name);
	wgc_chacha20poly1305_ietf_encrypt(out, wgc_cv_sunscreen, len,
					  wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
					  wgc_cv_aead_nonce, wgc_cv_aead_key);
	test_check(&t, !memcmp(out, wgc_cv_aead_out, len + TAG), "encrypt");
	test_check(&t, wgc_chacha20poly1305_ietf_decrypt(back, out, len + TAG,
				wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
				wgc_cv_aead_nonce, wgc_cv_aead_key) &&
		   !memcmp(back, wgc_cv_sunscreen, len), "decrypt");
	test_end(&t);

	test_begin(&t, "kat-aead-rfc8439-A.5-decrypt [%s]", impl_name);
	test_check(&t, wgc_chacha20poly1305_decrypt(back, wgc_cv_a5_in,
				sizeof(wgc_cv_a5_in), wgc_cv_a5_ad,
				sizeof(wgc_cv_a5_ad), WGC_CV_A5_NONCE,
				wgc_cv_a5_key) &&
		   !memcmp(back, wgc_cv_a5_out, sizeof(wgc_cv_a5_out)),
		   "decrypt");
	wgc_chacha20poly1305_encrypt(out, wgc_cv_a5_out, sizeof(wgc_cv_a5_out),
				     wgc_cv_a5_ad, sizeof(wgc_cv_a5_ad),
				     WGC_CV_A5_NONCE, wgc_cv_a5_key);
	test_check(&t, !memcmp(out, wgc_cv_a5_in, sizeof(wgc_cv_a5_in)),
		   "re-encrypt");
	test_end(&t);

	test_begin(&t, "kat-xchacha20poly1305-draft-A.3.1 [%s]", impl_name);
	wgc_xchacha20poly1305_encrypt(out, wgc_cv_sunscreen, len,
				      wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
				      wgc_cv_xaead_nonce, wgc_cv_aead_key);
	test_check(&t, !memcmp(out, wgc_cv_xaead_out, len + TAG), "encrypt");
	test_check(&t, wgc_xchacha20poly1305_decrypt(back, out, len + TAG,
				wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
				wgc_cv_xaead_nonce, wgc_cv_aead_key) &&
		   !memcmp(back, wgc_cv_sunscreen, len), "decrypt");
	test_end(&t);
}

/* -------------------------------------------------------------- edge cases */

static void test_edge_cases(void)
{
	static u8 key[32], ad[2048], pt[600], ct[600 + TAG], ref[600 + TAG];
	static u8 area[700 + 2 * GUARD], tampered[600 + TAG];
	const size_t len = 100;
	const u64 nonce = 0x1122334455667788ULL;
	struct test_case t;
	u8 *dst;

	test_rand_bytes(key, sizeof(key));
	test_rand_bytes(ad, sizeof(ad));
	test_rand_bytes(pt, sizeof(pt));
	ref_aead(ref, pt, len, ad, 20, nonce, key);

	test_begin(&t, "edge-flipped-bytes-rejected [%s]", impl_name);
	/*
	 * Every bit of the ciphertext and tag, and of the AD, for a short
	 * packet (portable first block) and a long one (vector first batch).
	 */
	for (size_t l = 100; l <= 500; l += 400) {
		ref_aead(ref, pt, l, ad, 20, nonce, key);
		for (size_t i = 0; i < (l + TAG) * 8; i++) {
			memcpy(tampered, ref, l + TAG);
			tampered[i / 8] ^= 1 << (i % 8);
			dst = guarded(area, 0, l);
			test_check(&t, !wgc_chacha20poly1305_decrypt(dst,
						tampered, l + TAG, ad, 20,
						nonce, key),
				   "len %zu: accepted bit %zu flipped", l, i);
			/* Nothing of the forgery's plaintext may show. */
			test_check(&t, all_bytes(dst, l, 0) &&
				   guards_ok(dst, l),
				   "len %zu: dst not wiped after bit %zu", l, i);
		}
		for (size_t i = 0; i < 20 * 8; i++) {
			ad[i / 8] ^= 1 << (i % 8);
			test_check(&t, !wgc_chacha20poly1305_decrypt(ct, ref,
						l + TAG, ad, 20, nonce, key),
				   "len %zu: accepted AD bit %zu flipped", l,
				   i);
			ad[i / 8] ^= 1 << (i % 8);
		}
		test_check(&t, !wgc_chacha20poly1305_decrypt(ct, ref, l + TAG,
					ad, 20, nonce + 1, key),
			   "len %zu: accepted wrong nonce", l);
		test_check(&t, !wgc_chacha20poly1305_decrypt(ct, ref, l + TAG,
					ad, 19, nonce, key),
			   "len %zu: accepted shorter AD", l);
		test_check(&t, wgc_chacha20poly1305_decrypt(ct, ref, l + TAG,
					ad, 20, nonce, key) &&
			   !memcmp(ct, pt, l), "len %zu: genuine refused", l);
	}
	ref_aead(ref, pt, len, ad, 20, nonce, key);
	test_end(&t);

	test_begin(&t, "edge-truncated-tag-rejected [%s]", impl_name);
	for (size_t cut = 1; cut <= len + TAG; cut++) {
		test_check(&t, !wgc_chacha20poly1305_decrypt(ct, ref,
					len + TAG - cut, ad, 20, nonce, key),
			   "accepted %zu bytes cut", cut);
		test_check(&t, !wgc_xchacha20poly1305_decrypt(ct, ref,
					len + TAG - cut, ad, 20, key, key),
			   "xchacha accepted %zu bytes cut", cut);
	}
	test_end(&t);

	test_begin(&t, "edge-src-shorter-than-tag [%s]", impl_name);
	for (size_t l = 0; l < TAG; l++) {
		dst = guarded(area, 0, 0);
		test_check(&t, !wgc_chacha20poly1305_decrypt(dst, ref, l, ad, 0,
					nonce, key) && guards_ok(dst, 0),
			   "src_len %zu", l);
		test_check(&t, !wgc_xchacha20poly1305_decrypt(dst, ref, l, ad,
					0, key, key) && guards_ok(dst, 0),
			   "xchacha src_len %zu", l);
	}
	test_end(&t);

	test_begin(&t, "edge-empty-plaintext [%s]", impl_name);
	for (size_t ad_len = 0; ad_len < 70; ad_len++) {
		ref_aead(ref, pt, 0, ad, ad_len, nonce, key);
		dst = guarded(area, 0, TAG);
		wgc_chacha20poly1305_encrypt(dst, pt, 0, ad, ad_len, nonce, key);
		test_check(&t, !memcmp(dst, ref, TAG) && guards_ok(dst, TAG),
			   "ad_len %zu tag", ad_len);
		test_check(&t, wgc_chacha20poly1305_decrypt(ct, ref, TAG, ad,
					ad_len, nonce, key),
			   "ad_len %zu decrypt", ad_len);
		ref[0] ^= 1;
		test_check(&t, !wgc_chacha20poly1305_decrypt(ct, ref, TAG, ad,
					ad_len, nonce, key),
			   "ad_len %zu forged tag accepted", ad_len);
	}
	test_end(&t);

	test_begin(&t, "edge-empty-and-long-ad [%s]", impl_name);
	for (size_t ad_len = 0; ad_len <= sizeof(ad);
	     ad_len += ad_len < 80 ? 1 : 61) {
		size_t l = (ad_len * 7) % 300;

		ref_aead(ref, pt, l, ad, ad_len, ~nonce, key);
		wgc_chacha20poly1305_encrypt(ct, pt, l, ad_len ? ad : NULL,
					     ad_len, ~nonce, key);
		test_check(&t, !memcmp(ct, ref, l + TAG),
			   "ad_len %zu len %zu", ad_len, l);
		test_check(&t, wgc_chacha20poly1305_decrypt(tampered, ref,
					l + TAG, ad, ad_len, ~nonce, key) &&
			   !memcmp(tampered, pt, l),
			   "decrypt ad_len %zu len %zu", ad_len, l);
	}
	test_end(&t);

	test_begin(&t, "edge-nonce-extremes [%s]", impl_name);
	{
		static const u64 nonces[] = { 0, 1, 0xffffffffULL,
					      0x100000000ULL, ~0ULL };

		for (size_t i = 0; i < ARRAY_SIZE(nonces); i++) {
			ref_aead(ref, pt, 300, ad, 3, nonces[i], key);
			wgc_chacha20poly1305_encrypt(ct, pt, 300, ad, 3,
						     nonces[i], key);
			test_check(&t, !memcmp(ct, ref, 300 + TAG),
				   "nonce %#llx",
				   (unsigned long long)nonces[i]);
		}
	}
	test_end(&t);
}

/* ------------------------------------------------ differential: flat AEAD */

static u8 dbuf_src[MAX_LEN + TAG + 64 + 2 * GUARD];
static u8 dbuf_dst[MAX_LEN + TAG + 64 + 2 * GUARD];
static u8 dbuf_pt[MAX_LEN + TAG], dbuf_ref[MAX_LEN + TAG];

/* One encryption and one decryption of len bytes at the given alignments. */
static void flat_case(struct test_case *t, size_t len, size_t sa, size_t da,
		      bool in_place)
{
	u8 key[32], ad[64];
	size_t ad_len = test_rand_below(3) ? test_rand_below(65) : 0;
	u64 nonce = test_rand();
	u8 *src, *dst;

	test_rand_bytes(key, sizeof(key));
	test_rand_bytes(ad, ad_len);
	test_rand_bytes(dbuf_pt, len);
	ref_aead(dbuf_ref, dbuf_pt, len, ad, ad_len, nonce, key);

	src = guarded(dbuf_src, sa, len + TAG);
	dst = in_place ? src : guarded(dbuf_dst, da, len + TAG);
	memcpy(src, dbuf_pt, len);
	wgc_chacha20poly1305_encrypt(dst, src, len, ad, ad_len, nonce, key);
	if (!test_check(t, !memcmp(dst, dbuf_ref, len + TAG),
			"encrypt len %zu src+%zu dst+%zu%s: differs at %ld",
			len, sa, da, in_place ? " in place" : "",
			diff_at(dst, dbuf_ref, len + TAG)))
		return;
	test_check(t, guards_ok(dst, len + TAG) && guards_ok(src, len + TAG),
		   "encrypt len %zu wrote out of bounds", len);

	src = guarded(dbuf_src, sa, len + TAG);
	dst = in_place ? src : guarded(dbuf_dst, da, len);
	memcpy(src, dbuf_ref, len + TAG);
	test_check(t, wgc_chacha20poly1305_decrypt(dst, src, len + TAG, ad,
						   ad_len, nonce, key),
		   "decrypt len %zu src+%zu dst+%zu refused", len, sa, da);
	test_check(t, !memcmp(dst, dbuf_pt, len),
		   "decrypt len %zu src+%zu dst+%zu%s: differs at %ld", len, sa,
		   da, in_place ? " in place" : "", diff_at(dst, dbuf_pt, len));
	test_check(t, guards_ok(dst, in_place ? len + TAG : len),
		   "decrypt len %zu wrote out of bounds", len);
}

static void test_diff_flat(void)
{
	struct test_case t;

	test_begin(&t, "diff-openssl-aead-every-length-0..4096 [%s]",
		   impl_name);
	for (size_t len = 0; len <= MAX_LEN; len++)
		flat_case(&t, len, len % 64, (len * 37 + 11) % 64,
			  len % 7 == 0);
	test_end(&t);

	/*
	 * Densely where the code changes paths: short packets, and around
	 * every multiple of the block size and of the 4-, 8- and 16-block
	 * batches of the vector code; every source alignment 0..63.
	 */
	test_begin(&t, "diff-openssl-aead-all-alignments [%s]", impl_name);
	for (size_t len = 0; len <= MAX_LEN; len++) {
		size_t m = len % 64;

		if (len > 130 && m > 2 && m < 62)
			continue;
		if (len > 1100 && len % 256 > 2 && len % 256 < 254)
			continue;
		for (size_t a = 0; a < 64; a++) {
			flat_case(&t, len, a, (a * 13 + len) % 64, false);
			if (a % 8 == len % 8)
				flat_case(&t, len, a, a, true);
		}
	}
	test_end(&t);
}

/* ------------------------------------------ differential: scatter-gather */

#define SG_MAX_SEGS 48
#define SLOT (2 * 4096 + 2 * 4096)

static u8 *sg_arena;
static struct scatterlist sgl[SG_MAX_SEGS];
static u8 *seg_ptr[SG_MAX_SEGS];
static size_t seg_len[SG_MAX_SEGS];
static unsigned int nsegs;

/*
 * Lays total bytes out as the segments of sizes[] (summing to total),
 * each in its own slot of the arena at a random alignment, some of them
 * straddling a 4 KiB boundary (where the kernel, and our emulation, split
 * a mapping), with guard bytes around each.
 */
static void sg_layout(const size_t *sizes, unsigned int n)
{
	sg_init_table(sgl, n);
	for (unsigned int i = 0; i < n; i++) {
		size_t off = test_rand_below(4) ? test_rand_below(4096) :
			     4096 - test_rand_below(min(sizes[i], 4096) + 1);
		u8 *p = sg_arena + (size_t)i * SLOT + 4096 + off - GUARD;

		seg_ptr[i] = guarded(p, 0, sizes[i]);
		seg_len[i] = sizes[i];
		sg_set_buf(&sgl[i], seg_ptr[i], sizes[i]);
	}
	nsegs = n;
}

static void sg_scatter(const u8 *data)
{
	for (unsigned int i = 0; i < nsegs; data += seg_len[i++])
		memcpy(seg_ptr[i], data, seg_len[i]);
}

static void sg_gather(u8 *data)
{
	for (unsigned int i = 0; i < nsegs; data += seg_len[i++])
		memcpy(data, seg_ptr[i], seg_len[i]);
}

static bool sg_guards_ok(void)
{
	for (unsigned int i = 0; i < nsegs; i++)
		if (!guards_ok(seg_ptr[i], seg_len[i]))
			return false;
	return true;
}

static void sg_describe(char *s, size_t n)
{
	size_t w = 0;

	for (unsigned int i = 0; i < nsegs && w + 16 < n; i++)
		w += snprintf(s + w, n - w, "%s%zu@%lu", i ? "," : "",
			      seg_len[i],
			      (unsigned long)((uintptr_t)seg_ptr[i] % 4096));
}

/* Encrypt, decrypt and a forgery over the current layout of len + TAG. */
static void sg_case(struct test_case *t, size_t len)
{
	static u8 got[MAX_LEN + TAG], forged[MAX_LEN + TAG];
	u8 key[32], ad[40];
	size_t ad_len = test_rand_below(41), flip;
	u64 nonce = test_rand();
	char layout[512];

	test_rand_bytes(key, sizeof(key));
	test_rand_bytes(ad, ad_len);
	test_rand_bytes(dbuf_pt, len);
	ref_aead(dbuf_ref, dbuf_pt, len, ad, ad_len, nonce, key);
	sg_describe(layout, sizeof(layout));

	sg_scatter(dbuf_pt);
	test_check(t, wgc_chacha20poly1305_encrypt_sg_inplace(sgl, len, ad,
							      ad_len, nonce,
							      key),
		   "encrypt len %zu refused [%s]", len, layout);
	sg_gather(got);
	if (!test_check(t, !memcmp(got, dbuf_ref, len + TAG) && sg_guards_ok(),
			"encrypt len %zu [%s]: differs at %ld", len, layout,
			diff_at(got, dbuf_ref, len + TAG)))
		return;

	sg_scatter(dbuf_ref);
	test_check(t, wgc_chacha20poly1305_decrypt_sg_inplace(sgl, len + TAG,
							      ad, ad_len,
							      nonce, key),
		   "decrypt len %zu refused [%s]", len, layout);
	sg_gather(got);
	test_check(t, !memcmp(got, dbuf_pt, len) &&
		   !memcmp(got + len, dbuf_ref + len, TAG) && sg_guards_ok(),
		   "decrypt len %zu [%s]: differs at %ld", len, layout,
		   diff_at(got, dbuf_pt, len));

	/* A forgery is refused and leaves the buffer exactly as it was. */
	memcpy(forged, dbuf_ref, len + TAG);
	flip = test_rand_below(len + TAG);
	forged[flip] ^= 1 << test_rand_below(8);
	sg_scatter(forged);
	test_check(t, !wgc_chacha20poly1305_decrypt_sg_inplace(sgl, len + TAG,
							       ad, ad_len,
							       nonce, key),
		   "forgery at %zu accepted, len %zu [%s]", flip, len, layout);
	sg_gather(got);
	test_check(t, !memcmp(got, forged, len + TAG),
		   "forgery at %zu, len %zu: buffer changed [%s]", flip, len,
		   layout);
}

/* Random sizes summing to total: many tiny (0, 1 byte) ones among them. */
static unsigned int random_split(size_t *sizes, size_t total)
{
	unsigned int n = 1 + test_rand_below(SG_MAX_SEGS);
	size_t left = total;

	for (unsigned int i = 0; i < n - 1; i++) {
		switch (test_rand_below(4)) {
		case 0:
			sizes[i] = test_rand_below(2);
			break;
		case 1:
			sizes[i] = test_rand_below(17);
			break;
		default:
			sizes[i] = test_rand_below(left + 1);
		}
		if (sizes[i] > left)
			sizes[i] = left;
		left -= sizes[i];
	}
	sizes[n - 1] = left;
	return n;
}

static void test_diff_sg(void)
{
	size_t sizes[SG_MAX_SEGS];
	struct test_case t;

	/* Every way to cut the buffer in two and in three, short packets. */
	test_begin(&t, "diff-openssl-sg-all-2-and-3-way-splits [%s]",
		   impl_name);
	for (size_t len = 0; len <= 80; len += len < 20 ? 1 : 15) {
		size_t total = len + TAG;

		for (size_t a = 0; a <= total; a++) {
			sizes[0] = a;
			sizes[1] = total - a;
			sg_layout(sizes, 2);
			sg_case(&t, len);
			for (size_t b = a; b <= total; b += len < 40 ? 1 : 3) {
				sizes[1] = b - a;
				sizes[2] = total - b;
				sg_layout(sizes, 3);
				sg_case(&t, len);
			}
		}
	}
	test_end(&t);

	test_begin(&t, "diff-openssl-sg-random-splits [%s]", impl_name);
	for (size_t len = 0; len <= MAX_LEN; len++) {
		unsigned int reps;

		if (len <= 300 || len % 64 <= 1 || len % 64 == 63)
			reps = 3;
		else
			reps = len % 5 == 0;
		for (unsigned int r = 0; r < reps; r++) {
			sg_layout(sizes, random_split(sizes, len + TAG));
			sg_case(&t, len);
		}
	}
	test_end(&t);

	test_begin(&t, "sg-malformed-lists-refused [%s]", impl_name);
	{
		u8 key[32] = { 1 };

		for (size_t len = 0; len < 200; len += 7) {
			/* One byte short of the tag's room, then of the data. */
			sizes[0] = len / 2;
			sizes[1] = len + TAG - 1 - len / 2;
			sg_layout(sizes, 2);
			test_check(&t, !wgc_chacha20poly1305_encrypt_sg_inplace(
					   sgl, len, NULL, 0, 1, key),
				   "encrypt with no room for the tag, len %zu",
				   len);
			test_check(&t, !wgc_chacha20poly1305_decrypt_sg_inplace(
					   sgl, len + TAG, NULL, 0, 1, key),
				   "decrypt of a short list, len %zu", len);
			test_check(&t, !wgc_chacha20poly1305_decrypt_sg_inplace(
					   sgl, len % TAG, NULL, 0, 1, key),
				   "decrypt of %zu < 16 bytes", len % TAG);
		}
	}
	test_end(&t);
}

/* ---------------------------------- differential: ChaCha20 and Poly1305 */

static void test_diff_chacha20(void)
{
	static u8 in[MAX_LEN], out[MAX_LEN], ref[MAX_LEN];
	struct wgc_chacha20_ctx ctx;
	struct test_case t;

	test_begin(&t, "diff-openssl-chacha20-stream-random-pieces [%s]",
		   impl_name);
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = test_rand_below(MAX_LEN + 1), off, n;
		u8 key[32], nonce[12];
		u32 counter = (u32)test_rand_below(1u << 31);

		test_rand_bytes(key, sizeof(key));
		test_rand_bytes(nonce, sizeof(nonce));
		test_rand_bytes(in, len);
		ref_chacha20(ref, in, len, key, nonce, counter);
		wgc_chacha20_init(&ctx, key, nonce, counter);
		for (off = 0; off < len; off += n) {
			n = test_rand_below(4) ? test_rand_below(130) :
			    test_rand_below(len - off + 1);
			n = min(n, len - off);
			wgc_chacha20_xor(&ctx, out + off, in + off, n, true);
		}
		test_check(&t, !memcmp(out, ref, len),
			   "len %zu counter %u: differs at %ld", len, counter,
			   diff_at(out, ref, len));
	}
	test_end(&t);

	/*
	 * RFC 8439's counter is 32 bits and wraps (it never carries into the
	 * nonce); all implementations must agree, across vector batches.
	 */
	test_begin(&t, "chacha20-counter-wraps-at-2^32 [%s]", impl_name);
	{
		u8 key[32], nonce[12], zero[64] = { 0 }, first[64];
		const size_t len = 40 * 64;

		test_rand_bytes(key, sizeof(key));
		test_rand_bytes(nonce, sizeof(nonce));
		memset(in, 0, len);
		wgc_chacha20_init(&ctx, key, nonce, 0);
		wgc_chacha20_xor(&ctx, first, zero, 64, false);
		for (u32 back = 1; back <= 33; back += 4) {
			struct wgc_chacha20_ctx gen;

			wgc_chacha20_init(&ctx, key, nonce, 0u - back);
			wgc_chacha20_xor(&ctx, out, in, len, true);
			wgc_chacha20_init(&gen, key, nonce, 0u - back);
			wgc_chacha20_generic(gen.state, ref, in, len, gen.ks);
			test_check(&t, !memcmp(out, ref, len),
				   "start -%u: differs from generic at %ld",
				   back, diff_at(out, ref, len));
			test_check(&t, !memcmp(out + 64 * back, first, 64),
				   "start -%u: block after 2^32-1 is not block 0",
				   back);
			test_check(&t, ctx.state[12] == 40 - back &&
				   gen.state[12] == 40 - back,
				   "start -%u: counter %u", back, ctx.state[12]);
		}
	}
	test_end(&t);
}

static void test_diff_poly1305(void)
{
	static u8 msg[MAX_LEN];
	struct wgc_poly1305_ctx ctx;
	struct test_case t;
	u8 key[32], mac[16], ref[16];

	test_begin(&t, "diff-openssl-poly1305-random [%s]",
		   wgc_poly1305_impl_str(wgc_poly1305_get_impl()));
	for (int iter = 0; iter < 4000; iter++) {
		size_t len = iter < 600 ? (size_t)iter :
			     test_rand_below(MAX_LEN + 1), off, n;

		test_rand_bytes(key, sizeof(key));
		test_rand_bytes(msg, len);
		/* Extreme values stress the carries and the final reduction. */
		switch (iter % 5) {
		case 0:
			memset(key, 0xff, 32);
			memset(msg, 0xff, len);
			break;
		case 1:
			memset(key + 16, 0xff, 16);
			break;
		case 2:
			memset(msg, 0, len);
			break;
		}
		ref_poly1305(ref, msg, len, key);
		poly1305_simd(mac, msg, len, key);
		test_check(&t, !memcmp(mac, ref, 16), "one shot, len %zu", len);
		wgc_poly1305_init(&ctx, key);
		for (off = 0; off < len; off += n) {
			/* Mostly long pieces: the vector code takes >= 16 blocks. */
			n = test_rand_below(2) ? test_rand_below(100) :
			    test_rand_below(1200);
			n = min(n, len - off);
			wgc_poly1305_update(&ctx, msg + off, n, true);
		}
		wgc_poly1305_final(&ctx, mac);
		test_check(&t, !memcmp(mac, ref, 16), "pieces, len %zu", len);
	}
	test_end(&t);
}

static void test_diff_xchacha(void)
{
	static u8 pt[2100], ct[2100 + TAG], ref[2100 + TAG], back[2100];
	struct test_case t;

	test_begin(&t, "diff-libsodium-xchacha20poly1305-random [%s]",
		   impl_name);
	for (int iter = 0; iter < 1500; iter++) {
		size_t len = iter < 200 ? (size_t)iter : test_rand_below(2049);
		size_t ad_len = test_rand_below(3) ? test_rand_below(100) : 0;
		u8 key[32], nonce[24], ad[100];
		unsigned long long clen;

		test_rand_bytes(key, sizeof(key));
		test_rand_bytes(nonce, sizeof(nonce));
		test_rand_bytes(ad, ad_len);
		test_rand_bytes(pt, len);
		crypto_aead_xchacha20poly1305_ietf_encrypt(ref, &clen, pt, len,
							   ad, ad_len, NULL,
							   nonce, key);
		wgc_xchacha20poly1305_encrypt(ct, pt, len, ad, ad_len, nonce,
					      key);
		test_check(&t, clen == len + TAG && !memcmp(ct, ref, len + TAG),
			   "encrypt len %zu ad %zu: differs at %ld", len,
			   ad_len, diff_at(ct, ref, len + TAG));
		test_check(&t, wgc_xchacha20poly1305_decrypt(back, ref,
					len + TAG, ad, ad_len, nonce, key) &&
			   !memcmp(back, pt, len),
			   "decrypt len %zu ad %zu", len, ad_len);
		ref[test_rand_below(len + TAG)] ^= 0x10;
		test_check(&t, !wgc_xchacha20poly1305_decrypt(back, ref,
					len + TAG, ad, ad_len, nonce, key),
			   "forgery accepted, len %zu", len);
	}
	test_end(&t);
}

/* ----------------------------------------------------------- init, names */

static void test_init(void)
{
	struct test_case t;
	const char *want;

	test_begin(&t, "wgc_crypto_init-selects-and-selftests");
	/* Without calibration: the widest vectors, by feature flags alone. */
	test_check(&t, wgc_crypto_init(false) == 0, "wgc_crypto_init failed");
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vl"))
		want = "avx512";
	else if (__builtin_cpu_supports("avx2"))
		want = "avx2";
	else
		want = "generic";
	test_check(&t, !strcmp(wgc_chacha20_impl_name(), want),
		   "chacha20 impl %s, CPU wants %s", wgc_chacha20_impl_name(),
		   want);
	test_check(&t, !strcmp(wgc_poly1305_impl_name(),
			       __builtin_cpu_supports("avx2") ? "avx2" :
			       "generic"),
		   "poly1305 impl %s", wgc_poly1305_impl_name());
	test_end(&t);

	test_begin(&t, "selftest-functions-pass");
	test_check(&t, wgc_chacha20poly1305_selftest(),
		   "wgc_chacha20poly1305_selftest");
	test_check(&t, wgc_blake2s_selftest(), "wgc_blake2s_selftest");
	test_check(&t, wgc_curve25519_selftest(), "wgc_curve25519_selftest");
	test_check(&t, !strcmp(wgc_chacha20_impl_name(), want),
		   "selftest did not restore the chosen impl");
	test_end(&t);

	/*
	 * With calibration, natively: vector ChaCha20 is about twice as fast
	 * as portable C on a full packet, even in this sanitized build, far
	 * beyond the 4/5 margin; a calibration that picked portable C here
	 * would be measuring something else. (Poly1305 is not asserted: the
	 * sanitizers slow its vector code more than its portable code. Under
	 * an emulator, portable C may rightly win both.)
	 */
	test_begin(&t, "calibrated-init-keeps-vector-chacha20-natively");
	test_check(&t, wgc_crypto_init(true) == 0, "wgc_crypto_init failed");
	if (__builtin_cpu_supports("avx2"))
		test_check(&t, strcmp(wgc_chacha20_impl_name(), "generic"),
			   "calibration chose %s/%s on a CPU with AVX2",
			   wgc_chacha20_impl_name(), wgc_poly1305_impl_name());
	test_check(&t, wgc_chacha20poly1305_selftest(),
		   "selftest after calibration");
	test_end(&t);

	test_begin(&t, "calibrate-pick");
	{
		static const struct {
			u64 ns[3];
			size_t n, def, want;
			const char *what;
		} cases[] = {
			/* Within the margin the default stays, even if slower. */
			{ { 100, 85, 81 }, 3, 0, 0, "81% of the default's time" },
			/* At 4/5 of the default's time or less, the fastest. */
			{ { 100, 80, 90 }, 3, 0, 1, "80% of the default's time" },
			{ { 300, 100, 120 }, 3, 1, 1, "the default fastest" },
			{ { 300, 100, 120 }, 3, 0, 1, "the default 3x slower" },
			{ { 50, 50, 50 }, 3, 2, 2, "a tie" },
			{ { 50 }, 1, 0, 0, "a single pair" },
		};
		size_t i, got;

		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			got = wgc_calibrate_pick(cases[i].ns, cases[i].n,
						 cases[i].def);
			test_check(&t, got == cases[i].want,
				   "%s: picked %zu, want %zu", cases[i].what,
				   got, cases[i].want);
		}
	}
	test_end(&t);

	/* The rest of the tests expect the feature-based choice. */
	test_begin(&t, "reinit-uncalibrated");
	test_check(&t, wgc_crypto_init(false) == 0, "wgc_crypto_init failed");
	test_check(&t, !strcmp(wgc_chacha20_impl_name(), want),
		   "chacha20 impl %s after reinit", wgc_chacha20_impl_name());
	test_end(&t);

	test_begin(&t, "impl-choice-api");
	test_check(&t, wgc_chacha20_impl_supported(WGC_CHACHA20_GENERIC),
		   "generic unsupported");
	test_check(&t, !wgc_chacha20_set_impl(WGC_CHACHA20_NR_IMPLS),
		   "bogus impl accepted");
	test_check(&t, wgc_chacha20_impl_supported(WGC_CHACHA20_AVX2) ==
		   !!__builtin_cpu_supports("avx2"), "avx2 support");
	test_check(&t, wgc_chacha20_impl_supported(WGC_CHACHA20_AVX512) ==
		   (__builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx512vl")), "avx512 support");
	test_check(&t, !strcmp(wgc_chacha20_impl_str(WGC_CHACHA20_AVX2),
			       "avx2"), "avx2 name");
	test_end(&t);
}

int main(void)
{
	const char *seed = getenv("WGC_TEST_SEED");

	test_rng_state = seed ? strtoull(seed, NULL, 0) : (u64)time(NULL);
	printf("# seed %llu (WGC_TEST_SEED to repeat)\n",
	       (unsigned long long)test_rng_state);
	if (sodium_init() < 0)
		return 1;
	sg_arena = aligned_alloc(4096, (size_t)SG_MAX_SEGS * SLOT);
	if (!sg_arena)
		return 1;

	test_init();
	test_kat_block();
	for (int impl = 0; impl < WGC_POLY1305_NR_IMPLS; impl++) {
		if (!wgc_poly1305_set_impl(impl))
			continue;
		test_kat_poly1305();
		test_diff_poly1305();
	}
	wgc_poly1305_select_impl();
	/* Every pair of implementations: the AEAD mixes the two. */
	for (int impl = 0; impl < WGC_CHACHA20_NR_IMPLS; impl++) {
		if (!wgc_chacha20_set_impl(impl)) {
			printf("# chacha20 %s: not supported by this CPU, skipped\n",
			       wgc_chacha20_impl_str(impl));
			continue;
		}
		for (int pimpl = 0; pimpl < WGC_POLY1305_NR_IMPLS; pimpl++) {
			if (!wgc_poly1305_set_impl(pimpl))
				continue;
			snprintf(impl_name_buf, sizeof(impl_name_buf), "%s/%s",
				 wgc_chacha20_impl_str(impl),
				 wgc_poly1305_impl_str(pimpl));
			impl_name = impl_name_buf;
			if (pimpl == 0) {
				test_kat_chacha20();
				test_diff_chacha20();
			}
			test_kat_aead();
			test_edge_cases();
			test_diff_xchacha();
			test_diff_flat();
			test_diff_sg();
		}
	}
	wgc_chacha20_select_impl();
	wgc_poly1305_select_impl();
	free(sg_arena);
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed != 0;
}
