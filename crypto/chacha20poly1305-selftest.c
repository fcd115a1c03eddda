// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer selftest of ChaCha20, HChaCha20, Poly1305 and the two
 * AEADs, flat and scatter-gather, run at init for every implementation
 * the CPU supports. The vectors are in chacha20poly1305-vectors.h.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/scatterlist.h>

#include "chacha20poly1305.h"
#include "chacha20.h"
#include "poly1305.h"
#include "selftest.h"
#include "simd.h"
#include "chacha20poly1305-vectors.h"

/* Longest generated vector, and room for the tag. */
enum { WGC_CP_MAX = 5000 + WGC_CHACHA20POLY1305_AUTHTAG_SIZE };
/* Scatter-gather is tried on generated vectors up to this length. */
enum { WGC_CP_SG_MAX = 1536, WGC_CP_SG_ENTS = 64 };

struct wgc_cp_bufs {
	u8 in[WGC_CP_MAX], out[WGC_CP_MAX], chk[WGC_CP_MAX];
	struct scatterlist sg[WGC_CP_SG_ENTS];
};

/* Must match fill() in selftests/unit/crypto/gen-vectors.c. */
static void wgc_cp_fill(u8 *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)((i * 181 + seed) ^ (i >> 5));
}

static bool wgc_cp_report(bool ok, const char *what, size_t idx,
			  const char *impl)
{
	if (!ok)
		pr_err("wireguard: %s self-test %zu failed (%s)\n", what, idx,
		       impl);
	return ok;
}

/* ChaCha20 over a vector in one call and in uneven pieces. */
static bool wgc_cp_test_chacha20(struct wgc_cp_bufs *b, const char *impl)
{
	static const unsigned int pieces[] = { 1, 63, 5, 64, 130, 17, 512 };
	struct wgc_chacha20_ctx ctx;
	struct wgc_simd simd;
	bool ok = true;
	size_t i, off, n, p;
	u32 state[WGC_CHACHA20_STATE_WORDS];

	/* 2.3.2: the block function itself. */
	wgc_chacha20_init(&ctx, wgc_cv_key_seq, wgc_cv_block_nonce, 1);
	memcpy(state, ctx.state, sizeof(state));
	wgc_chacha20_block_generic(state, b->out);
	ok &= wgc_cp_report(!memcmp(b->out, wgc_cv_block_out, 64) &&
			    state[12] == 2, "chacha20 block", 0, impl);

	wgc_simd_begin(&simd, true);
	for (i = 0; i < ARRAY_SIZE(wgc_cv_chacha); i++) {
		const struct wgc_cv_chacha *v = &wgc_cv_chacha[i];

		wgc_chacha20_init(&ctx, v->key, v->nonce, v->counter);
		wgc_chacha20_xor(&ctx, b->out, v->in, v->len, simd.on);
		ok &= wgc_cp_report(!memcmp(b->out, v->out, v->len),
				    "chacha20", i, impl);

		/* In place, in pieces that straddle block boundaries. */
		memcpy(b->out, v->in, v->len);
		wgc_chacha20_init(&ctx, v->key, v->nonce, v->counter);
		for (off = 0, p = 0; off < v->len; off += n, p++) {
			n = min_t(size_t, v->len - off,
				  pieces[p % ARRAY_SIZE(pieces)]);
			wgc_chacha20_xor(&ctx, b->out + off, b->out + off, n,
					 simd.on);
		}
		ok &= wgc_cp_report(!memcmp(b->out, v->out, v->len),
				    "chacha20 stream", i, impl);
	}
	wgc_simd_end(&simd);
	wgc_chacha20_wipe(&ctx);

	wgc_hchacha20(b->out, wgc_cv_hchacha_nonce, wgc_cv_key_seq);
	ok &= wgc_cp_report(!memcmp(b->out, wgc_cv_hchacha_out,
				    sizeof(wgc_cv_hchacha_out)),
			    "hchacha20", 0, impl);
	return ok;
}

static bool wgc_cp_test_poly1305(const char *impl)
{
	struct wgc_poly1305_ctx ctx;
	u8 mac[WGC_POLY1305_MAC_SIZE];
	struct wgc_simd simd;
	bool ok = true;
	size_t i, off, n;

	for (i = 0; i < ARRAY_SIZE(wgc_cv_poly); i++) {
		const struct wgc_cv_poly *v = &wgc_cv_poly[i];

		wgc_poly1305(mac, v->msg, v->len, v->key);
		ok &= wgc_cp_report(!memcmp(mac, v->tag, sizeof(mac)),
				    "poly1305", i, impl);

		/* One update, with the vector code if there is one. */
		wgc_poly1305_init(&ctx, v->key);
		wgc_simd_begin(&simd, true);
		wgc_poly1305_update(&ctx, v->msg, v->len, simd.on);
		wgc_simd_end(&simd);
		wgc_poly1305_final(&ctx, mac);
		ok &= wgc_cp_report(!memcmp(mac, v->tag, sizeof(mac)),
				    "poly1305 update", i, impl);

		/* Fed 1, 2, 3... bytes at a time: the partial-block buffer. */
		wgc_poly1305_init(&ctx, v->key);
		for (off = 0, n = 1; off < v->len; off += n, n++) {
			n = min_t(size_t, n, v->len - off);
			wgc_poly1305_update(&ctx, v->msg + off, n, false);
		}
		wgc_poly1305_final(&ctx, mac);
		ok &= wgc_cp_report(!memcmp(mac, v->tag, sizeof(mac)),
				    "poly1305 stream", i, impl);
	}
	return ok;
}

/* The published AEAD vectors, and rejection of a corrupted one. */
static bool wgc_cp_test_aead_rfc(struct wgc_cp_bufs *b, const char *impl)
{
	const size_t len = sizeof(wgc_cv_sunscreen);
	bool ok = true;

	wgc_chacha20poly1305_ietf_encrypt(b->out, wgc_cv_sunscreen, len,
					  wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
					  wgc_cv_aead_nonce, wgc_cv_aead_key);
	ok &= wgc_cp_report(!memcmp(b->out, wgc_cv_aead_out,
				    sizeof(wgc_cv_aead_out)),
			    "aead encrypt", 0, impl);
	ok &= wgc_cp_report(wgc_chacha20poly1305_ietf_decrypt(b->chk,
				wgc_cv_aead_out, sizeof(wgc_cv_aead_out),
				wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
				wgc_cv_aead_nonce, wgc_cv_aead_key) &&
			    !memcmp(b->chk, wgc_cv_sunscreen, len),
			    "aead decrypt", 0, impl);

	ok &= wgc_cp_report(wgc_chacha20poly1305_decrypt(b->out, wgc_cv_a5_in,
				sizeof(wgc_cv_a5_in), wgc_cv_a5_ad,
				sizeof(wgc_cv_a5_ad), WGC_CV_A5_NONCE,
				wgc_cv_a5_key) &&
			    !memcmp(b->out, wgc_cv_a5_out,
				    sizeof(wgc_cv_a5_out)),
			    "aead decrypt", 1, impl);
	memcpy(b->in, wgc_cv_a5_in, sizeof(wgc_cv_a5_in));
	b->in[sizeof(wgc_cv_a5_in) - 1] ^= 0x80;
	ok &= wgc_cp_report(!wgc_chacha20poly1305_decrypt(b->out, b->in,
				sizeof(wgc_cv_a5_in), wgc_cv_a5_ad,
				sizeof(wgc_cv_a5_ad), WGC_CV_A5_NONCE,
				wgc_cv_a5_key),
			    "aead reject", 1, impl);

	wgc_xchacha20poly1305_encrypt(b->out, wgc_cv_sunscreen, len,
				      wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
				      wgc_cv_xaead_nonce, wgc_cv_aead_key);
	ok &= wgc_cp_report(!memcmp(b->out, wgc_cv_xaead_out,
				    sizeof(wgc_cv_xaead_out)),
			    "xaead encrypt", 0, impl);
	ok &= wgc_cp_report(wgc_xchacha20poly1305_decrypt(b->chk,
				wgc_cv_xaead_out, sizeof(wgc_cv_xaead_out),
				wgc_cv_aead_ad, sizeof(wgc_cv_aead_ad),
				wgc_cv_xaead_nonce, wgc_cv_aead_key) &&
			    !memcmp(b->chk, wgc_cv_sunscreen, len),
			    "xaead decrypt", 0, impl);
	return ok;
}

/*
 * Lays len bytes of buf out over b->sg in segments of awkward sizes
 * (including empty ones); returns false if they do not fit.
 */
static bool wgc_cp_make_sg(struct wgc_cp_bufs *b, u8 *buf, size_t len)
{
	static const unsigned int segs[] = { 1, 0, 15, 64, 3, 129, 16, 31,
					     250, 7, 66 };
	size_t off, n;
	unsigned int i;

	sg_init_table(b->sg, WGC_CP_SG_ENTS);
	for (i = 0, off = 0; i < WGC_CP_SG_ENTS; i++, off += n) {
		n = min_t(size_t, len - off, segs[i % ARRAY_SIZE(segs)]);
		if (i == WGC_CP_SG_ENTS - 1 || off + n == len) {
			sg_set_buf(&b->sg[i], buf + off, len - off);
			sg_mark_end(&b->sg[i]);
			return true;
		}
		sg_set_buf(&b->sg[i], buf + off, n);
	}
	return false;
}

/* The generated vectors: tag, round trip, scatter-gather, forgery. */
static bool wgc_cp_test_aead_gen(struct wgc_cp_bufs *b, const char *impl)
{
	const size_t tag_size = WGC_CHACHA20POLY1305_AUTHTAG_SIZE;
	u8 key[WGC_CHACHA20POLY1305_KEY_SIZE], ad[41];
	u8 xnonce[WGC_XCHACHA20POLY1305_NONCE_SIZE];
	bool ok = true, r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(wgc_cv_gen); i++) {
		const struct wgc_cv_gen *v = &wgc_cv_gen[i];
		const size_t len = v->len, ad_len = (len * 7) % 41;
		const u64 nonce = 0x0706050403020100ULL + len;

		wgc_cp_fill(key, sizeof(key), len * 3 + 1);
		wgc_cp_fill(ad, ad_len, 0x55);
		wgc_cp_fill(b->in, len, 0x17);
		wgc_cp_fill(xnonce, sizeof(xnonce), len + 9);

		if (v->xchacha) {
			wgc_xchacha20poly1305_encrypt(b->out, b->in, len, ad,
						      ad_len, xnonce, key);
			r = wgc_xchacha20poly1305_decrypt(b->chk, b->out,
							  len + tag_size, ad,
							  ad_len, xnonce, key);
		} else {
			wgc_chacha20poly1305_encrypt(b->out, b->in, len, ad,
						     ad_len, nonce, key);
			r = wgc_chacha20poly1305_decrypt(b->chk, b->out,
							 len + tag_size, ad,
							 ad_len, nonce, key);
		}
		ok &= wgc_cp_report(!memcmp(b->out + len, v->tag, tag_size),
				    "aead generated", i, impl);
		ok &= wgc_cp_report(r && !memcmp(b->chk, b->in, len),
				    "aead round trip", i, impl);
		if (v->xchacha)
			continue;

		/* The last ciphertext bit flipped must be refused. */
		b->out[len + tag_size - 1] ^= 1;
		ok &= wgc_cp_report(!wgc_chacha20poly1305_decrypt(b->chk,
					b->out, len + tag_size, ad, ad_len,
					nonce, key),
				    "aead forgery", i, impl);
		b->out[len + tag_size - 1] ^= 1;

		if (len > WGC_CP_SG_MAX)
			continue;
		/* In place over a scatterlist: same bytes as flat. */
		memcpy(b->chk, b->in, len);
		r = wgc_cp_make_sg(b, b->chk, len + tag_size) &&
		    wgc_chacha20poly1305_encrypt_sg_inplace(b->sg, len, ad,
							    ad_len, nonce, key);
		ok &= wgc_cp_report(r && !memcmp(b->chk, b->out,
						 len + tag_size),
				    "aead sg encrypt", i, impl);
		r = wgc_cp_make_sg(b, b->chk, len + tag_size) &&
		    wgc_chacha20poly1305_decrypt_sg_inplace(b->sg,
							    len + tag_size, ad,
							    ad_len, nonce, key);
		ok &= wgc_cp_report(r && !memcmp(b->chk, b->in, len),
				    "aead sg decrypt", i, impl);
	}
	memzero_explicit(key, sizeof(key));
	return ok;
}

bool wgc_chacha20poly1305_selftest(void)
{
	const enum wgc_chacha20_impl chosen = wgc_chacha20_get_impl();
	const enum wgc_poly1305_impl pchosen = wgc_poly1305_get_impl();
	struct wgc_cp_bufs *b = kmalloc(sizeof(*b), GFP_KERNEL);
	enum wgc_chacha20_impl impl;
	enum wgc_poly1305_impl pimpl;
	bool ok = true;

	if (!b) {
		pr_err("wireguard: chacha20poly1305 self-test: out of memory\n");
		return false;
	}
	/*
	 * Every supported implementation (and pair of them in the AEAD), so
	 * that a fallback taken when the FPU is unavailable is as proven as
	 * the chosen one.
	 */
	for (pimpl = 0; pimpl < WGC_POLY1305_NR_IMPLS; pimpl++) {
		if (wgc_poly1305_set_impl(pimpl))
			ok &= wgc_cp_test_poly1305(wgc_poly1305_impl_str(pimpl));
	}
	for (impl = 0; impl < WGC_CHACHA20_NR_IMPLS; impl++) {
		if (!wgc_chacha20_set_impl(impl))
			continue;
		ok &= wgc_cp_test_chacha20(b, wgc_chacha20_impl_str(impl));
		for (pimpl = 0; pimpl < WGC_POLY1305_NR_IMPLS; pimpl++) {
			char name[32];

			if (!wgc_poly1305_set_impl(pimpl))
				continue;
			snprintf(name, sizeof(name), "%s/%s",
				 wgc_chacha20_impl_str(impl),
				 wgc_poly1305_impl_str(pimpl));
			ok &= wgc_cp_test_aead_rfc(b, name);
			ok &= wgc_cp_test_aead_gen(b, name);
		}
	}
	if (!wgc_chacha20_set_impl(chosen) || !wgc_poly1305_set_impl(pchosen))
		ok = false;
	kfree(b);
	return ok;
}
