// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of crypto/blake2s.c: RFC 7693's vector, the module's own
 * known-answer self-test and its tables (cross-checked against OpenSSL),
 * streaming against one-shot at every split point, and a differential
 * test against OpenSSL's BLAKE2s-256, BLAKE2SMAC and HMAC(BLAKE2S-256) on
 * random inputs.
 */
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "blake2s.h"
/* The self-test's vector tables are static: take them in directly. */
#include "blake2s-selftest.c"

#include "test.h"

static EVP_MAC *mac_blake2s, *mac_hmac;

/* OpenSSL keyed BLAKE2s ("BLAKE2SMAC"), keylen 1..32, outlen 1..32. */
static int ossl_blake2s_keyed(u8 *out, size_t outlen, const u8 *in,
			      size_t inlen, const u8 *key, size_t keylen)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac_blake2s);
	size_t outl = 0;
	int ok;

	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outlen);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_MAC_init(ctx, key, keylen, params) &&
	     EVP_MAC_update(ctx, in, inlen) &&
	     EVP_MAC_final(ctx, out, &outl, outlen) && outl == outlen;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

static int ossl_hmac_blake2s(u8 out[32], const u8 *in, size_t inlen,
			     const u8 *key, size_t keylen)
{
	static char digest[] = "BLAKE2S-256";
	static const u8 dummy;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac_hmac);
	size_t outl = 0;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_MAC_init(ctx, keylen ? key : &dummy, keylen, params) &&
	     EVP_MAC_update(ctx, in, inlen) &&
	     EVP_MAC_final(ctx, out, &outl, 32) && outl == 32;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

static int ossl_blake2s256(u8 out[32], const u8 *in, size_t inlen)
{
	unsigned int outl = 0;

	return EVP_Digest(in, inlen, out, &outl, EVP_blake2s256(), NULL) &&
	       outl == 32;
}

static void test_rfc7693_abc(void)
{
	u8 expect[32], out[32];

	test_unhex(expect, "508c5e8c327c14e2e1a72ba34eeb452f"
			   "37458b209ed63a294d999b4c86675982", 32);
	wgc_blake2s(out, (const u8 *)"abc", NULL, 32, 3, 0);
	TEST_RESULT("blake2s_rfc7693_abc", !memcmp(out, expect, 32),
		    "digest mismatch");
}

static void test_selftest(void)
{
	TEST_RESULT("blake2s_selftest", wgc_blake2s_selftest(),
		    "wgc_blake2s_selftest() returned false");
}

/*
 * The self-test's expected values must be right in their own right, not
 * just agree with our code: recompute them with OpenSSL.
 */
static void test_selftest_tables_vs_openssl(void)
{
	u8 in[256], key[100], out[32];
	char hex[65];
	size_t i;
	int bad = 0;

	wgc_blake2s_selftest_pattern(in, sizeof(in), 0);
	wgc_blake2s_selftest_pattern(key, 32, 0);
	for (i = 0; i < ARRAY_SIZE(wgc_blake2s_keyed_vectors); i++) {
		const struct wgc_blake2s_keyed_vector *v =
			&wgc_blake2s_keyed_vectors[i];

		if (!ossl_blake2s_keyed(out, v->outlen, in, v->inlen, key, 32) ||
		    memcmp(out, v->digest, v->outlen)) {
			test_hex(hex, out, v->outlen);
			test_fail("blake2s_keyed_table_vs_openssl",
				  "entry %zu (len %u, outlen %u): openssl %s",
				  i, v->inlen, v->outlen, hex);
			bad = 1;
		}
	}
	if (!bad)
		test_pass("blake2s_keyed_table_vs_openssl");

	/* The reference KAT values for these lengths, independently typed. */
	{
		static const struct { size_t len; const char *hex; } kat[] = {
			{ 0, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49" },
			{ 1, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1" },
			{ 3, "1d220dbe2ee134661fdf6d9e74b41704710556f2f6e5a091b227697445dbea6b" },
			{ 128, "0c311f38c35a4fb90d651c289d486856cd1413df9b0677f53ece2cd9e477c60a" },
			{ 255, "3fb735061abc519dfe979e54c1ee5bfad0a9d858b3315bad34bde999efd724dd" },
		};
		u8 expect[32];

		bad = 0;
		for (i = 0; i < ARRAY_SIZE(kat); i++) {
			test_unhex(expect, kat[i].hex, 32);
			wgc_blake2s(out, in, key, 32, kat[i].len, 32);
			if (memcmp(out, expect, 32)) {
				test_fail("blake2s_reference_kat",
					  "length %zu", kat[i].len);
				bad = 1;
			}
		}
		if (!bad)
			test_pass("blake2s_reference_kat");
	}

	bad = 0;
	wgc_blake2s_selftest_pattern(key, sizeof(key), 0x40);
	for (i = 0; i < ARRAY_SIZE(wgc_blake2s_hmac_vectors); i++) {
		const struct wgc_blake2s_hmac_vector *v =
			&wgc_blake2s_hmac_vectors[i];

		if (!ossl_hmac_blake2s(out, in, v->inlen, key, v->keylen) ||
		    memcmp(out, v->mac, 32)) {
			test_hex(hex, out, 32);
			test_fail("blake2s_hmac_table_vs_openssl",
				  "entry %zu (keylen %u, len %u): openssl %s",
				  i, v->keylen, v->inlen, hex);
			bad = 1;
		}
	}
	if (!bad)
		test_pass("blake2s_hmac_table_vs_openssl");
}

/*
 * Streaming must equal one-shot however the message is cut: every split
 * point of every length up to 256 (two updates), for outlen 16 and 32,
 * keyed (32-byte key, the MAC1/MAC2 shape) and unkeyed; then three-way
 * splits, which exercise a full buffered block followed by more data.
 */
static void test_streaming(void)
{
	static const size_t outlens[] = { 16, 32 };
	static const size_t keylens[] = { 0, 32, 7 };
	u8 in[256], key[32], ref[32], out[32];
	struct wgc_blake2s_state st;
	size_t len, s, t, o, k;
	unsigned long checked = 0;
	int bad = 0;

	test_rand_bytes(in, sizeof(in));
	test_rand_bytes(key, sizeof(key));
	for (o = 0; o < ARRAY_SIZE(outlens); o++) {
		for (k = 0; k < ARRAY_SIZE(keylens); k++) {
			for (len = 0; len <= 256 && !bad; len++) {
				wgc_blake2s(ref, in, key, outlens[o], len,
					    keylens[k]);
				for (s = 0; s <= len; s++) {
					wgc_blake2s_init_key(&st, outlens[o], key,
							     keylens[k]);
					wgc_blake2s_update(&st, in, s);
					wgc_blake2s_update(&st, in + s, len - s);
					memset(out, 0, sizeof(out));
					wgc_blake2s_final(&st, out);
					checked++;
					if (memcmp(out, ref, outlens[o])) {
						test_fail("blake2s_streaming_split",
							  "outlen %zu keylen %zu len %zu split %zu",
							  outlens[o], keylens[k], len, s);
						bad = 1;
						break;
					}
				}
			}
		}
	}
	if (!bad) {
		printf("# %lu two-piece splits checked\n", checked);
		test_pass("blake2s_streaming_split");
	}

	bad = 0;
	for (len = 120; len <= 200 && !bad; len += 8) {
		wgc_blake2s(ref, in, key, 32, len, 32);
		for (s = 0; s <= len && !bad; s++) {
			for (t = s; t <= len; t++) {
				wgc_blake2s_init_key(&st, 32, key, 32);
				wgc_blake2s_update(&st, in, s);
				wgc_blake2s_update(&st, in + s, t - s);
				wgc_blake2s_update(&st, in + t, len - t);
				wgc_blake2s_final(&st, out);
				if (memcmp(out, ref, 32)) {
					test_fail("blake2s_streaming_three_pieces",
						  "len %zu cuts %zu %zu", len, s, t);
					bad = 1;
					break;
				}
			}
		}
	}
	if (!bad)
		test_pass("blake2s_streaming_three_pieces");
}

/* Random inputs of every length 0..1000 against OpenSSL. */
static void test_differential(void)
{
	static u8 in[1001];
	u8 key[200], out[32], ref[32];
	size_t len, outlen, keylen;
	int bad_plain = 0, bad_keyed = 0, bad_hmac = 0, bad_ossl = 0;

	for (len = 0; len <= 1000; len++) {
		test_rand_bytes(in, len);

		/* Unkeyed BLAKE2s-256. */
		if (!ossl_blake2s256(ref, in, len)) {
			bad_ossl = 1;
			break;
		}
		wgc_blake2s(out, in, NULL, 32, len, 0);
		if (!bad_plain && memcmp(out, ref, 32)) {
			test_fail("blake2s_vs_openssl_unkeyed", "len %zu", len);
			bad_plain = 1;
		}

		/*
		 * Keyed: sizes 16 and 32 with a 32-byte key every time, plus
		 * a random key length and output length.
		 */
		test_rand_bytes(key, 32);
		for (outlen = 16; outlen <= 32; outlen += 16) {
			if (!ossl_blake2s_keyed(ref, outlen, in, len, key, 32)) {
				bad_ossl = 1;
				break;
			}
			wgc_blake2s(out, in, key, outlen, len, 32);
			if (!bad_keyed && memcmp(out, ref, outlen)) {
				test_fail("blake2s_vs_openssl_keyed",
					  "len %zu outlen %zu keylen 32",
					  len, outlen);
				bad_keyed = 1;
			}
		}
		keylen = 1 + test_rand64() % 32;
		outlen = 1 + test_rand64() % 32;
		if (!ossl_blake2s_keyed(ref, outlen, in, len, key, keylen)) {
			bad_ossl = 1;
			break;
		}
		wgc_blake2s(out, in, key, outlen, len, keylen);
		if (!bad_keyed && memcmp(out, ref, outlen)) {
			test_fail("blake2s_vs_openssl_keyed",
				  "len %zu outlen %zu keylen %zu",
				  len, outlen, keylen);
			bad_keyed = 1;
		}

		/* HMAC, key lengths 0..199 (longer than a block: hashed). */
		keylen = len % 200;
		test_rand_bytes(key, keylen);
		if (!ossl_hmac_blake2s(ref, in, len, key, keylen)) {
			bad_ossl = 1;
			break;
		}
		wgc_blake2s_hmac(out, in, key, len, keylen);
		if (!bad_hmac && memcmp(out, ref, 32)) {
			test_fail("blake2s_vs_openssl_hmac", "len %zu keylen %zu",
				  len, keylen);
			bad_hmac = 1;
		}
	}
	if (bad_ossl)
		test_fail("blake2s_vs_openssl", "OpenSSL call failed");
	if (!bad_plain && !bad_ossl)
		test_pass("blake2s_vs_openssl_unkeyed");
	if (!bad_keyed && !bad_ossl)
		test_pass("blake2s_vs_openssl_keyed");
	if (!bad_hmac && !bad_ossl)
		test_pass("blake2s_vs_openssl_hmac");
}

/* HMAC's output may overwrite its own input or key (the KDF does so). */
static void test_hmac_aliasing(void)
{
	u8 key[32], msg[80], ref[32], buf[80];

	test_rand_bytes(key, sizeof(key));
	test_rand_bytes(msg, sizeof(msg));
	wgc_blake2s_hmac(ref, msg, key, sizeof(msg), sizeof(key));

	memcpy(buf, msg, sizeof(msg));
	wgc_blake2s_hmac(buf, buf, key, sizeof(msg), sizeof(key));
	TEST_RESULT("blake2s_hmac_out_aliases_in", !memcmp(buf, ref, 32),
		    "mismatch");

	memcpy(buf, key, sizeof(key));
	wgc_blake2s_hmac(buf, msg, buf, sizeof(msg), sizeof(key));
	TEST_RESULT("blake2s_hmac_out_aliases_key", !memcmp(buf, ref, 32),
		    "mismatch");
}

/* final() must leave no key or chaining value behind in the state. */
static void test_final_wipes_state(void)
{
	struct wgc_blake2s_state st;
	static const struct wgc_blake2s_state zero;
	u8 key[32], msg[100], out[32];

	test_rand_bytes(key, sizeof(key));
	test_rand_bytes(msg, sizeof(msg));
	wgc_blake2s_init_key(&st, 32, key, sizeof(key));
	wgc_blake2s_update(&st, msg, sizeof(msg));
	wgc_blake2s_final(&st, out);
	TEST_RESULT("blake2s_final_wipes_state", !memcmp(&st, &zero, sizeof(st)),
		    "state not zero after final");
}

/* Output is exactly outlen bytes: nothing beyond is touched. */
static void test_outlen_respected(void)
{
	u8 out[40];
	size_t outlen;
	int bad = 0;

	for (outlen = 1; outlen <= 32; outlen++) {
		memset(out, 0xcc, sizeof(out));
		wgc_blake2s(out, (const u8 *)"abc", NULL, outlen, 3, 0);
		if (out[outlen] != 0xcc || out[39] != 0xcc) {
			test_fail("blake2s_outlen_respected", "outlen %zu", outlen);
			bad = 1;
		}
	}
	if (!bad)
		test_pass("blake2s_outlen_respected");
}

int main(void)
{
	test_seed();
	mac_blake2s = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac_blake2s || !mac_hmac) {
		test_fail("blake2s_openssl_available", "EVP_MAC_fetch failed");
		return test_exit("blake2s");
	}

	test_rfc7693_abc();
	test_selftest();
	test_selftest_tables_vs_openssl();
	test_streaming();
	test_differential();
	test_hmac_aliasing();
	test_final_wipes_state();
	test_outlen_respected();

	EVP_MAC_free(mac_blake2s);
	EVP_MAC_free(mac_hmac);
	return test_exit("blake2s");
}
