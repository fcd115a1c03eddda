// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_aead: our ChaCha20, Poly1305 and (X)ChaCha20-Poly1305 (crypto/)
 * against libsodium, an independent implementation, on inputs of every
 * length, split and alignment, with each of our implementations (portable,
 * AVX2, AVX-512, as far as the CPU has them) picked by the input.
 *
 * Per input: the AEADs (u64 nonce as WireGuard uses it, RFC 8439 96-bit
 * nonce, XChaCha) must produce libsodium's ciphertext, out of place and in
 * place; our decryption must round-trip and must refuse the ciphertext with
 * one bit flipped or one byte short, and must agree with libsodium on the
 * input taken as a ciphertext (refusal, short of a forgery); streaming
 * ChaCha20 and Poly1305 fed in input-chosen pieces must equal the one-shot
 * results; HChaCha20 must equal libsodium's. Every buffer is a heap block
 * of exactly the needed size, so ASan sees any access past it.
 */
#include "../../crypto/chacha20.h"
#include "../../crypto/poly1305.h"
#include "../../crypto/chacha20poly1305.h"

#include "fuzz_common.h"

#include <sodium.h>

/* Header of an input, then the associated data and the message. */
struct aead_input {
	u8 impl;
	u8 flags;
	u8 ad_len;
	u8 tamper[2];
	u8 key[32];
	u8 nonce[8];
	u8 xnonce[24];
	u8 counter[4];
	u8 splits[8];
} __packed;

#define F_SIMD_STREAM 1

static u8 *dup_exact(const void *p, size_t n)
{
	u8 *d = malloc(n ? n : 1);

	FUZZ_ASSERT(d);
	memcpy(d, p, n);
	return d;
}

static void check_aead_u64(const struct aead_input *h, const u8 *ad,
			   size_t ad_len, const u8 *msg, size_t len)
{
	const size_t ct_len = len + WGC_CHACHA20POLY1305_AUTHTAG_SIZE;
	u8 *ours = malloc(ct_len), *ref = malloc(ct_len);
	u8 *inplace = malloc(ct_len), *pt = malloc(len ? len : 1);
	u8 npub[12] = { 0 };
	unsigned long long ref_len;
	size_t bit;
	u64 nonce;

	FUZZ_ASSERT(ours && ref && inplace && pt);
	memcpy(&nonce, h->nonce, 8);
	nonce = le64_to_cpu(nonce);
	put_unaligned_le64(nonce, npub + 4);

	wgc_chacha20poly1305_encrypt(ours, msg, len, ad, ad_len, nonce, h->key);
	crypto_aead_chacha20poly1305_ietf_encrypt(ref, &ref_len, msg, len, ad,
						  ad_len, NULL, npub, h->key);
	FUZZ_ASSERT(ref_len == ct_len && !memcmp(ours, ref, ct_len),
		    "ChaCha20-Poly1305 differs from libsodium (len %zu, ad %zu)",
		    len, ad_len);

	memcpy(inplace, msg, len);
	wgc_chacha20poly1305_encrypt(inplace, inplace, len, ad, ad_len, nonce,
				     h->key);
	FUZZ_ASSERT(!memcmp(inplace, ref, ct_len),
		    "in-place encryption differs (len %zu)", len);

	FUZZ_ASSERT(wgc_chacha20poly1305_decrypt(pt, ours, ct_len, ad, ad_len,
						 nonce, h->key) &&
		    !memcmp(pt, msg, len), "round trip fails (len %zu)", len);
	FUZZ_ASSERT(wgc_chacha20poly1305_decrypt(inplace, inplace, ct_len, ad,
						 ad_len, nonce, h->key) &&
		    !memcmp(inplace, msg, len), "in-place round trip fails");

	/* One bit anywhere in the ciphertext or tag: refused. */
	bit = get_unaligned_le16(h->tamper) % (8 * ct_len);
	ours[bit / 8] ^= 1 << (bit % 8);
	FUZZ_ASSERT(!wgc_chacha20poly1305_decrypt(pt, ours, ct_len, ad, ad_len,
						  nonce, h->key),
		    "a ciphertext with bit %zu flipped decrypts", bit);
	ours[bit / 8] ^= 1 << (bit % 8);
	/* One byte short: refused, and nothing read past the end. */
	free(inplace);
	inplace = dup_exact(ours, ct_len - 1);
	FUZZ_ASSERT(!wgc_chacha20poly1305_decrypt(pt, inplace, ct_len - 1, ad,
						  ad_len, nonce, h->key),
		    "a truncated ciphertext decrypts");

	free(ours);
	free(ref);
	free(inplace);
	free(pt);
}

/* The input itself as a ciphertext: we and libsodium agree (refuse). */
static void check_decrypt_garbage(const struct aead_input *h, const u8 *ad,
				  size_t ad_len, const u8 *msg, size_t len)
{
	u8 *pt = malloc(len ? len : 1), *ref = malloc(len ? len : 1);
	u8 npub[12] = { 0 };
	unsigned long long ref_len;
	bool ours, theirs;
	u64 nonce;

	FUZZ_ASSERT(pt && ref);
	memcpy(&nonce, h->nonce, 8);
	nonce = le64_to_cpu(nonce);
	put_unaligned_le64(nonce, npub + 4);
	ours = wgc_chacha20poly1305_decrypt(pt, msg, len, ad, ad_len, nonce,
					    h->key);
	theirs = !crypto_aead_chacha20poly1305_ietf_decrypt(ref, &ref_len, NULL,
							    msg, len, ad,
							    ad_len, npub,
							    h->key);
	FUZZ_ASSERT(ours == theirs, "decrypt of %zu bytes: ours %d, libsodium %d",
		    len, ours, theirs);
	if (ours)
		FUZZ_ASSERT(!memcmp(pt, ref, ref_len));
	ours = wgc_xchacha20poly1305_decrypt(pt, msg, len, ad, ad_len,
					     h->xnonce, h->key);
	theirs = !crypto_aead_xchacha20poly1305_ietf_decrypt(ref, &ref_len,
							     NULL, msg, len,
							     ad, ad_len,
							     h->xnonce,
							     h->key);
	FUZZ_ASSERT(ours == theirs,
		    "XChaCha decrypt of %zu bytes: ours %d, libsodium %d", len,
		    ours, theirs);
	free(pt);
	free(ref);
}

static void check_xchacha_and_ietf(const struct aead_input *h, const u8 *ad,
				   size_t ad_len, const u8 *msg, size_t len)
{
	const size_t ct_len = len + 16;
	u8 *ours = malloc(ct_len), *ref = malloc(ct_len);
	u8 *pt = malloc(len ? len : 1);
	unsigned long long ref_len;

	FUZZ_ASSERT(ours && ref && pt);
	wgc_xchacha20poly1305_encrypt(ours, msg, len, ad, ad_len, h->xnonce,
				      h->key);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ref, &ref_len, msg, len, ad,
						   ad_len, NULL, h->xnonce,
						   h->key);
	FUZZ_ASSERT(!memcmp(ours, ref, ct_len),
		    "XChaCha20-Poly1305 differs from libsodium (len %zu)", len);
	FUZZ_ASSERT(wgc_xchacha20poly1305_decrypt(pt, ours, ct_len, ad, ad_len,
						  h->xnonce, h->key) &&
		    !memcmp(pt, msg, len), "XChaCha round trip fails");

	/* RFC 8439 with the first 12 bytes of xnonce as the nonce. */
	wgc_chacha20poly1305_ietf_encrypt(ours, msg, len, ad, ad_len,
					  h->xnonce, h->key);
	crypto_aead_chacha20poly1305_ietf_encrypt(ref, &ref_len, msg, len, ad,
						  ad_len, NULL, h->xnonce,
						  h->key);
	FUZZ_ASSERT(!memcmp(ours, ref, ct_len),
		    "RFC 8439 ChaCha20-Poly1305 differs from libsodium (len %zu)",
		    len);
	FUZZ_ASSERT(wgc_chacha20poly1305_ietf_decrypt(pt, ours, ct_len, ad,
						      ad_len, h->xnonce,
						      h->key) &&
		    !memcmp(pt, msg, len), "RFC 8439 round trip fails");
	free(ours);
	free(ref);
	free(pt);
}

/* Streaming in input-chosen pieces equals one shot. */
static void check_streaming(const struct aead_input *h, const u8 *msg,
			    size_t len)
{
	const bool simd = h->flags & F_SIMD_STREAM;
	u8 *ours = malloc(len ? len : 1), *ref = malloc(len ? len : 1);
	u8 tag[16], ref_tag[16], sub[32], ref_sub[32];
	struct wgc_chacha20_ctx cc;
	struct wgc_poly1305_ctx pc;
	size_t off, piece, i;
	u32 counter;

	FUZZ_ASSERT(ours && ref);
	/* Keep the 32-bit block counter from wrapping within the message. */
	counter = get_unaligned_le32(h->counter) & 0x7fffffff;
	wgc_chacha20_init(&cc, h->key, h->xnonce, counter);
	for (off = 0, i = 0; off < len; off += piece, ++i) {
		piece = min_t(size_t, h->splits[i % 8] * (i % 3 ? 1 : 7),
			      len - off);
		if (!piece)
			piece = 1;
		wgc_chacha20_xor(&cc, ours + off, msg + off, piece, simd);
	}
	crypto_stream_chacha20_ietf_xor_ic(ref, msg, len, h->xnonce, counter,
					   h->key);
	FUZZ_ASSERT(!memcmp(ours, ref, len),
		    "ChaCha20 in pieces differs from libsodium (len %zu)", len);

	wgc_poly1305_init(&pc, h->key);
	for (off = 0, i = 0; off < len; off += piece, ++i) {
		piece = min_t(size_t, h->splits[(i + 3) % 8] * (i % 2 ? 3 : 1),
			      len - off);
		if (!piece)
			piece = 1;
		wgc_poly1305_update(&pc, msg + off, piece, simd);
	}
	wgc_poly1305_final(&pc, tag);
	crypto_onetimeauth_poly1305(ref_tag, msg, len, h->key);
	FUZZ_ASSERT(!memcmp(tag, ref_tag, 16),
		    "Poly1305 in pieces differs from libsodium (len %zu)", len);
	wgc_poly1305(tag, msg, len, h->key);
	FUZZ_ASSERT(!memcmp(tag, ref_tag, 16),
		    "one-shot Poly1305 differs from libsodium (len %zu)", len);

	wgc_hchacha20(sub, h->xnonce, h->key);
	crypto_core_hchacha20(ref_sub, h->xnonce, h->key, NULL);
	FUZZ_ASSERT(!memcmp(sub, ref_sub, 32), "HChaCha20 differs");
	free(ours);
	free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aead_input h;
	size_t ad_len, len;
	u8 *ad, *msg;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	ad_len = min_t(size_t, h.ad_len, size);
	len = size - ad_len;

	/* Unsupported choices fall back to the portable code. */
	if (!wgc_chacha20_set_impl(h.impl % WGC_CHACHA20_NR_IMPLS))
		FUZZ_ASSERT(wgc_chacha20_set_impl(WGC_CHACHA20_GENERIC));
	if (!wgc_poly1305_set_impl((h.impl / WGC_CHACHA20_NR_IMPLS) %
				   WGC_POLY1305_NR_IMPLS))
		FUZZ_ASSERT(wgc_poly1305_set_impl(WGC_POLY1305_GENERIC));

	ad = dup_exact(data, ad_len);
	msg = dup_exact(data + ad_len, len);
	check_aead_u64(&h, ad_len ? ad : NULL, ad_len, msg, len);
	check_decrypt_garbage(&h, ad_len ? ad : NULL, ad_len, msg, len);
	check_xchacha_and_ietf(&h, ad_len ? ad : NULL, ad_len, msg, len);
	check_streaming(&h, msg, len);
	free(ad);
	free(msg);
	return 0;
}

static void gen_seeds(const char *dir)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 63, 64, 65, 127, 128,
				       129, 255, 256, 257, 511, 512, 513, 1024,
				       1420, 2049 };
	struct aead_input h;
	u8 buf[sizeof(h) + 16 + 2100];
	char name[32];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(lens); ++i) {
		memset(&h, 0, sizeof(h));
		h.impl = i % 6;
		h.flags = i & 1;
		h.ad_len = i % 3 ? 16 : 0;
		h.tamper[0] = (u8)(i * 37);
		for (j = 0; j < sizeof(h.key); ++j)
			h.key[j] = (u8)(i + j * 3);
		h.nonce[0] = (u8)i;
		for (j = 0; j < sizeof(h.xnonce); ++j)
			h.xnonce[j] = (u8)(j * 5 + i);
		h.counter[0] = 1;
		for (j = 0; j < sizeof(h.splits); ++j)
			h.splits[j] = (u8)(1 + j * 13 + i);
		memcpy(buf, &h, sizeof(h));
		for (j = 0; j < h.ad_len + lens[i]; ++j)
			buf[sizeof(h) + j] = (u8)(j * 7 + i);
		snprintf(name, sizeof(name), "len-%zu", lens[i]);
		fuzz_write_seed(dir, name, buf, sizeof(h) + h.ad_len + lens[i]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("WG_FUZZ_GEN_SEEDS");

	if (dir) {
		gen_seeds(dir);
		exit(0);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		abort();
	}
	return 0;
}
