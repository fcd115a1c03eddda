// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of crypto/curve25519.c: the field arithmetic against OpenSSL's
 * BIGNUM at the limb bounds the code documents, RFC 7748 §5.2 (including
 * the iterated test) and §6.1, low-order points and non-canonical
 * encodings in the manner of Wycheproof, and a differential test against
 * OpenSSL's X25519; the fixed-base generate_public() against the ladder
 * and OpenSSL, on random and on edge-case scalars.
 */
#include <openssl/evp.h>
#include <openssl/bn.h>

/*
 * The implementation and its self-test are #included, not linked, so that
 * the static field arithmetic and the self-test tables can be tested too.
 */
#include "curve25519.c"
#include "curve25519-selftest.c"

#include "test.h"

#define KS WGC_CURVE25519_KEY_SIZE

/* p = 2^255 - 19, little-endian. */
static const u8 field_p[KS] = {
	0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
};

static bool all_zero(const u8 *s)
{
	u8 acc = 0;
	int i;

	for (i = 0; i < KS; i++)
		acc |= s[i];
	return !acc;
}

/* True when the little-endian 256-bit value is < p (canonical). */
static bool is_canonical(const u8 s[KS])
{
	int i;

	for (i = KS - 1; i >= 0; i--) {
		if (s[i] != field_p[i])
			return s[i] < field_p[i];
	}
	return false;
}

/*
 * OpenSSL's X25519: 1 with out set, 0 when it refuses (it rejects an
 * all-zero shared secret), -1 when the setup itself failed.
 */
static int ossl_x25519(u8 out[KS], const u8 sk[KS], const u8 pk[KS])
{
	EVP_PKEY *priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
						      sk, KS);
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
						     pk, KS);
	EVP_PKEY_CTX *ctx = priv ? EVP_PKEY_CTX_new(priv, NULL) : NULL;
	size_t len = KS;
	int ret = -1;

	if (ctx && peer && EVP_PKEY_derive_init(ctx) > 0) {
		if (EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
		    EVP_PKEY_derive(ctx, out, &len) > 0 && len == KS)
			ret = 1;
		else
			ret = 0;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return ret;
}

static int ossl_x25519_public(u8 pub[KS], const u8 sk[KS])
{
	EVP_PKEY *priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
						      sk, KS);
	size_t len = KS;
	int ok = priv && EVP_PKEY_get_raw_public_key(priv, pub, &len) &&
		 len == KS;

	EVP_PKEY_free(priv);
	return ok;
}

/* ---- Field arithmetic against BIGNUM ---------------------------------- */

static BN_CTX *bn_ctx;
static BIGNUM *bn_p;

/* The value a loosely reduced element stands for (limbs may exceed 2^51). */
static void fe_to_bn(BIGNUM *r, const struct wgc_fe *f)
{
	BIGNUM *t = BN_new();
	int i;

	BN_zero(r);
	for (i = 4; i >= 0; i--) {
		BN_lshift(r, r, 51);
		BN_set_word(t, f->v[i]);
		BN_add(r, r, t);
	}
	BN_free(t);
}

/* Random limbs below 2^bits, biased towards the extremes of the range. */
static void fe_rand(struct wgc_fe *f, int bits)
{
	const u64 max = (bits == 64) ? ~0ULL : (1ULL << bits) - 1;
	int i;

	for (i = 0; i < 5; i++) {
		switch (test_rand64() % 4) {
		case 0:
			f->v[i] = max;
			break;
		case 1:
			f->v[i] = max - (test_rand64() % 64);
			break;
		default:
			f->v[i] = test_rand64() & max;
			break;
		}
	}
}

/* out must equal (expect mod p), as canonical little-endian bytes. */
static bool fe_check(const struct wgc_fe *h, const BIGNUM *expect)
{
	BIGNUM *r = BN_new();
	u8 want[KS], got[KS];
	bool ok;

	BN_nnmod(r, expect, bn_p, bn_ctx);
	BN_bn2lebinpad(r, want, KS);
	wgc_fe_tobytes(got, h);
	ok = !memcmp(got, want, KS);
	BN_free(r);
	return ok;
}

/*
 * Each operation on inputs at (and near) the largest limbs it documents
 * accepting: an overflow in a 128-bit column or in the carry out of the
 * top limb would show up as a wrong residue here.
 */
static void test_field(void)
{
	struct wgc_fe f, g, h, one;
	BIGNUM *a = BN_new(), *b = BN_new(), *e = BN_new(), *t = BN_new();
	int i, bad_mul = 0, bad_sq = 0, bad_add = 0, bad_sub = 0;
	int bad_a24 = 0, bad_inv = 0, bad_bytes = 0;
	u8 s[KS], s2[KS];

	for (i = 0; i < 20000; i++) {
		fe_rand(&f, 54);
		fe_rand(&g, 54);
		fe_to_bn(a, &f);
		fe_to_bn(b, &g);
		wgc_fe_mul(&h, &f, &g);
		BN_mul(e, a, b, bn_ctx);
		bad_mul += !fe_check(&h, e);
		/* Outputs of mul feed mul again: check their stated bound. */
		bad_mul += h.v[0] >= (1ULL << 51) || h.v[1] >= (1ULL << 51) + (1ULL << 13) ||
			   h.v[2] >= (1ULL << 51) || h.v[3] >= (1ULL << 51) ||
			   h.v[4] >= (1ULL << 51);

		wgc_fe_sq(&h, &f);
		BN_sqr(e, a, bn_ctx);
		bad_sq += !fe_check(&h, e);

		fe_rand(&f, 53);
		fe_to_bn(a, &f);
		wgc_fe_mul_a24(&h, &f);
		BN_mul_word(a, 121665);
		bad_a24 += !fe_check(&h, a);

		/* add: inputs below 2^53, output goes to mul (< 2^54). */
		fe_rand(&f, 53);
		fe_rand(&g, 53);
		fe_to_bn(a, &f);
		fe_to_bn(b, &g);
		wgc_fe_add(&h, &f, &g);
		BN_add(e, a, b);
		bad_add += !fe_check(&h, e);

		/* sub: g as mul outputs are (limbs <= 2^51 + 2^13), f < 2^53. */
		fe_rand(&f, 53);
		fe_rand(&g, 51);
		g.v[1] += test_rand64() % (1ULL << 13);
		fe_to_bn(a, &f);
		fe_to_bn(b, &g);
		wgc_fe_sub(&h, &f, &g);
		BN_sub(e, a, b);
		bad_sub += !fe_check(&h, e);
		bad_sub += h.v[0] >= (1ULL << 54) || h.v[4] >= (1ULL << 54);

		/* tobytes on arbitrary limbs up to 2^58. */
		fe_rand(&f, 58);
		fe_to_bn(a, &f);
		bad_bytes += !fe_check(&f, a);

		/* frombytes drops bit 255 and keeps u >= p as is. */
		test_rand_bytes(s, KS);
		if (i % 4 == 0) {
			memcpy(s, field_p, KS);
			s[0] = (u8)(s[0] + i % 19);
			s[31] |= (u8)(i & 0x80);
		}
		wgc_fe_frombytes(&f, s);
		memcpy(s2, s, KS);
		s2[31] &= 0x7f;
		BN_lebin2bn(s2, KS, a);
		bad_bytes += !fe_check(&f, a);

		if (i % 20 == 0) {
			fe_rand(&f, 52);
			fe_to_bn(a, &f);
			wgc_fe_invert(&h, &f);
			wgc_fe_mul(&g, &h, &f);
			/* f * f^-1 = 1, and f^-1 agrees with BN_mod_inverse. */
			wgc_fe_1(&one);
			fe_to_bn(e, &one);
			bad_inv += !fe_check(&g, e);
			if (!BN_mod_inverse(t, a, bn_p, bn_ctx))
				bad_inv++;
			else
				bad_inv += !fe_check(&h, t);
		}
	}
	/* The inverse of 0 (and of p, a non-canonical 0) must be 0. */
	wgc_fe_0(&f);
	wgc_fe_invert(&h, &f);
	BN_zero(e);
	bad_inv += !fe_check(&h, e);
	wgc_fe_frombytes(&f, field_p);
	wgc_fe_invert(&h, &f);
	bad_inv += !fe_check(&h, e);

	TEST_RESULT("x25519_field_mul_vs_bignum", !bad_mul, "%d bad", bad_mul);
	TEST_RESULT("x25519_field_sq_vs_bignum", !bad_sq, "%d bad", bad_sq);
	TEST_RESULT("x25519_field_mul_a24_vs_bignum", !bad_a24, "%d bad", bad_a24);
	TEST_RESULT("x25519_field_add_vs_bignum", !bad_add, "%d bad", bad_add);
	TEST_RESULT("x25519_field_sub_vs_bignum", !bad_sub, "%d bad", bad_sub);
	TEST_RESULT("x25519_field_bytes_vs_bignum", !bad_bytes, "%d bad", bad_bytes);
	TEST_RESULT("x25519_field_invert_vs_bignum", !bad_inv, "%d bad", bad_inv);
	BN_free(a);
	BN_free(b);
	BN_free(e);
	BN_free(t);
}

/* Canonical encoding at the edges: p - 1 stays, p .. 2^255 - 1 wrap. */
static void test_field_edges(void)
{
	struct wgc_fe f;
	u8 in[KS], out[KS], want[KS];
	bool ok = true;
	int r;

	for (r = -3; r < 19; r++) {
		memcpy(in, field_p, KS);
		in[0] = (u8)(in[0] + r);
		memset(want, 0, KS);
		if (r < 0)
			memcpy(want, in, KS);
		else
			want[0] = (u8)r;
		wgc_fe_frombytes(&f, in);
		wgc_fe_tobytes(out, &f);
		if (memcmp(out, want, KS)) {
			test_fail("x25519_field_canonical_edges", "p + %d", r);
			ok = false;
		}
	}
	/*
	 * Loose limb patterns whose value sits just below a multiple of
	 * 2^255, where a reduction that trusts a single conditional
	 * subtraction would carry out of bit 255 and lose it.
	 */
	{
		static const u64 m51 = (1ULL << 51) - 1;
		static const u64 loose[][5] = {
			/* 2^256 - 20 = 2p + 18 */
			{ m51 - 19, m51, m51, m51, (1ULL << 52) - 1 },
			/* 2^255 - 1 = p + 18 */
			{ m51, m51, m51, m51, m51 },
			/* p and 2p, non-canonical zeros */
			{ m51 - 18, m51, m51, m51, m51 },
			{ (1ULL << 52) - 38, (1ULL << 52) - 2, (1ULL << 52) - 2,
			  (1ULL << 52) - 2, (1ULL << 52) - 2 },
			/* the largest limbs wgc_fe_tobytes() accepts */
			{ (1ULL << 58) - 1, (1ULL << 58) - 1, (1ULL << 58) - 1,
			  (1ULL << 58) - 1, (1ULL << 58) - 1 },
			{ 0, 0, 0, 0, (1ULL << 58) - 1 },
			{ (1ULL << 58) - 1, 0, 0, 0, m51 },
		};
		BIGNUM *v = BN_new();
		size_t j;

		for (j = 0; j < ARRAY_SIZE(loose); j++) {
			memcpy(f.v, loose[j], sizeof(f.v));
			fe_to_bn(v, &f);
			if (!fe_check(&f, v)) {
				test_fail("x25519_field_canonical_edges",
					  "loose pattern %zu", j);
				ok = false;
			}
		}
		BN_free(v);
	}

	/* 2^255 - 1 + 2^255 (all ones): bit 255 dropped, then - p = 18. */
	memset(in, 0xff, KS);
	memset(want, 0, KS);
	want[0] = 18;
	wgc_fe_frombytes(&f, in);
	wgc_fe_tobytes(out, &f);
	ok &= !memcmp(out, want, KS);
	if (ok)
		test_pass("x25519_field_canonical_edges");
}

static void test_selftest(void)
{
	TEST_RESULT("x25519_selftest", wgc_curve25519_selftest(),
		    "wgc_curve25519_selftest() returned false");
}

static void test_rfc7748_vectors(void)
{
	static const struct { const char *k, *u, *out; } v[] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	u8 k[KS], u[KS], expect[KS], out[KS];
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		bool ret;

		test_unhex(k, v[i].k, KS);
		test_unhex(u, v[i].u, KS);
		test_unhex(expect, v[i].out, KS);
		ret = wgc_curve25519(out, k, u);
		snprintf(name, sizeof(name), "x25519_rfc7748_5_2_vector_%zu", i + 1);
		TEST_RESULT(name, ret && !memcmp(out, expect, KS), "mismatch");
	}
}

/*
 * RFC 7748 §5.2 iterated test: k = u = 9, then k, u = X25519(k, u), k.
 * The 1 000 000-iteration check takes about a minute: only on request.
 */
static void test_rfc7748_iterated(void)
{
	u8 k[KS] = { 9 }, u[KS] = { 9 }, r[KS], e1[KS], e1000[KS], e1m[KS];
	unsigned long i, n = 1000;
	bool ok1 = false, ok1000 = false, ret = true;

	if (getenv("WGC_X25519_MILLION"))
		n = 1000000;
	test_unhex(e1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", KS);
	test_unhex(e1000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", KS);
	test_unhex(e1m, "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424", KS);
	for (i = 1; i <= n; i++) {
		ret &= wgc_curve25519(r, k, u);
		memcpy(u, k, KS);
		memcpy(k, r, KS);
		if (i == 1)
			ok1 = !memcmp(k, e1, KS);
		if (i == 1000)
			ok1000 = !memcmp(k, e1000, KS);
	}
	TEST_RESULT("x25519_rfc7748_iterated_1", ok1, "mismatch");
	TEST_RESULT("x25519_rfc7748_iterated_1000", ok1000 && ret, "mismatch");
	if (n == 1000000)
		TEST_RESULT("x25519_rfc7748_iterated_1000000",
			    ret && !memcmp(k, e1m, KS), "mismatch");
	else
		printf("# make million (WGC_X25519_MILLION=1) runs the 1000000-iteration test\n");
}

static void test_rfc7748_dh(void)
{
	u8 a[KS], b[KS], apub[KS], bpub[KS], k[KS], o1[KS], o2[KS];
	bool ok;

	test_unhex(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", KS);
	test_unhex(apub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", KS);
	test_unhex(b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", KS);
	test_unhex(bpub, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", KS);
	test_unhex(k, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", KS);

	ok = wgc_curve25519_generate_public(o1, a) && !memcmp(o1, apub, KS);
	TEST_RESULT("x25519_rfc7748_6_1_alice_public", ok, "mismatch");
	ok = wgc_curve25519_generate_public(o2, b) && !memcmp(o2, bpub, KS);
	TEST_RESULT("x25519_rfc7748_6_1_bob_public", ok, "mismatch");
	ok = wgc_curve25519(o1, a, bpub) && wgc_curve25519(o2, b, apub) &&
	     !memcmp(o1, k, KS) && !memcmp(o2, k, KS);
	TEST_RESULT("x25519_rfc7748_6_1_shared", ok, "mismatch");
}

/*
 * Every encoding of a point of order 1, 2, 4 or 8 that survives the top-bit
 * mask: u = 0, 1, p - 1, the two order-8 u's, the non-canonical p and
 * p + 1, and all of those with bit 255 set. Every clamped scalar sends them
 * to the neutral point, so the output is zero and the call must fail.
 */
static const char *const low_order_hex[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"0100000000000000000000000000000000000000000000000000000000000080",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

static void test_low_order(void)
{
	u8 u[KS], k[KS], out[KS], ref[KS];
	char name[64];
	size_t i;
	int j;

	for (i = 0; i < ARRAY_SIZE(low_order_hex); i++) {
		bool ok = true, ossl_agrees = true;

		test_unhex(u, low_order_hex[i], KS);
		for (j = 0; j < 8; j++) {
			test_rand_bytes(k, KS);
			memset(out, 0x5a, KS);
			if (wgc_curve25519(out, k, u) || !all_zero(out))
				ok = false;
			if (ossl_x25519(ref, k, u) != 0)
				ossl_agrees = false;
		}
		snprintf(name, sizeof(name), "x25519_low_order_%zu", i);
		TEST_RESULT(name, ok, "u=%s accepted or non-zero output",
			    low_order_hex[i]);
		snprintf(name, sizeof(name), "x25519_low_order_%zu_openssl", i);
		TEST_RESULT(name, ossl_agrees,
			    "OpenSSL did not reject u=%s: not low order?",
			    low_order_hex[i]);
	}
}

/*
 * RFC 7748 §5: u-coordinates are taken mod 2^255 (top bit masked) and then
 * as field elements, so u and u + p (when both fit in 255 bits), and u
 * with bit 255 set, must all give the same result.
 */
static void test_non_canonical(void)
{
	u8 k[KS], u[KS], v[KS], o1[KS], o2[KS];
	bool ok = true, r1, r2;
	int r, j;

	/* u = p + r for r = 0..18: all of [p, 2^255). */
	for (r = 0; r < 19; r++) {
		test_rand_bytes(k, KS);
		memset(u, 0, KS);
		u[0] = (u8)r;
		memcpy(v, field_p, KS);
		v[0] = (u8)(v[0] + r);
		r1 = wgc_curve25519(o1, k, u);
		r2 = wgc_curve25519(o2, k, v);
		if (r1 != r2 || memcmp(o1, o2, KS)) {
			test_fail("x25519_non_canonical_u_ge_p", "p + %d", r);
			ok = false;
		}
		/* r >= 2 are on the curve or its twist, never low order. */
		if (r >= 2 && !r1) {
			test_fail("x25519_non_canonical_u_ge_p",
				  "u = %d rejected", r);
			ok = false;
		}
	}
	if (ok)
		test_pass("x25519_non_canonical_u_ge_p");

	ok = true;
	for (j = 0; j < 200; j++) {
		test_rand_bytes(k, KS);
		test_rand_bytes(u, KS);
		u[31] &= 0x7f;
		memcpy(v, u, KS);
		v[31] |= 0x80;
		r1 = wgc_curve25519(o1, k, u);
		r2 = wgc_curve25519(o2, k, v);
		if (r1 != r2 || memcmp(o1, o2, KS)) {
			ok = false;
			break;
		}
	}
	TEST_RESULT("x25519_top_bit_ignored", ok, "iteration %d", j);
}

/* Random key pairs and random (also non-canonical) peers vs OpenSSL. */
static void test_differential(void)
{
	const int n = 2500;
	u8 sk[KS], pk[KS], out[KS], ref[KS], pub[KS];
	int i, mismatch = 0, rejected = 0, noncanon = 0, ossl_err = 0;
	int bad_pub = 0, not_canonical = 0;
	char hk[65], hu[65];

	for (i = 0; i < n; i++) {
		int o;
		bool r;

		test_rand_bytes(sk, KS);
		switch (i % 8) {
		case 0:
			/* A genuine public key, as a peer would send. */
			if (!wgc_curve25519_generate_public(pk, sk))
				bad_pub++;
			test_rand_bytes(sk, KS);
			break;
		case 1:
			/* p + r, non-canonical, with or without bit 255. */
			memcpy(pk, field_p, KS);
			pk[0] = (u8)(pk[0] + test_rand64() % 19);
			if (test_rand64() & 1)
				pk[31] |= 0x80;
			noncanon++;
			break;
		case 2:
			/* Top bit forced on. */
			test_rand_bytes(pk, KS);
			pk[31] |= 0x80;
			break;
		default:
			/* Fully random: half have the top bit set. */
			test_rand_bytes(pk, KS);
			break;
		}

		o = ossl_x25519(ref, sk, pk);
		r = wgc_curve25519(out, sk, pk);
		if (o < 0) {
			ossl_err++;
			continue;
		}
		if (!o)
			rejected++;
		/*
		 * OpenSSL refuses an all-zero result; we return false and
		 * zeros. Any other disagreement is a bug.
		 */
		if ((o == 1) != r || (o == 1 && memcmp(out, ref, KS)) ||
		    (o == 0 && !all_zero(out))) {
			if (!mismatch) {
				test_hex(hk, sk, KS);
				test_hex(hu, pk, KS);
				test_fail("x25519_vs_openssl",
					  "k=%s u=%s ours=%d openssl=%d", hk, hu,
					  r, o);
			}
			mismatch++;
		}
		if (!is_canonical(out))
			not_canonical++;
	}
	printf("# %d pairs, %d non-canonical peers, %d rejected by both\n", n,
	       noncanon, rejected);
	if (ossl_err)
		test_fail("x25519_vs_openssl", "%d OpenSSL setup errors", ossl_err);
	else if (!mismatch)
		test_pass("x25519_vs_openssl");
	TEST_RESULT("x25519_output_canonical", !not_canonical,
		    "%d outputs >= p", not_canonical);

	for (i = 0; i < 500; i++) {
		test_rand_bytes(sk, KS);
		if (!ossl_x25519_public(ref, sk) ||
		    !wgc_curve25519_generate_public(pub, sk) ||
		    memcmp(pub, ref, KS))
			bad_pub++;
	}
	TEST_RESULT("x25519_generate_public_vs_openssl", !bad_pub,
		    "%d mismatches", bad_pub);
}

static void test_clamp_and_generate(void)
{
	u8 s[KS], t[KS];
	bool ok = true;
	int i, j;

	memset(s, 0xff, KS);
	wgc_curve25519_clamp_secret(s);
	ok = s[0] == 0xf8 && s[31] == 0x7f;
	for (i = 1; i < 31; i++)
		ok &= s[i] == 0xff;
	memset(s, 0, KS);
	wgc_curve25519_clamp_secret(s);
	ok &= s[0] == 0 && s[31] == 0x40;
	TEST_RESULT("x25519_clamp_secret", ok, "wrong bits");

	ok = true;
	wgc_curve25519_generate_secret(t);
	for (j = 0; j < 64; j++) {
		wgc_curve25519_generate_secret(s);
		if ((s[0] & 7) || (s[31] & 0x80) || !(s[31] & 0x40) ||
		    !memcmp(s, t, KS))
			ok = false;
		memcpy(t, s, KS);
	}
	TEST_RESULT("x25519_generate_secret", ok, "not clamped or repeated");
}

/*
 * The all-zero private key is WireGuard's "no key": generate_public must
 * refuse it (and zero pub), while any other secret, even one that clamps
 * to the same bits as zero does in its low byte, works.
 */
static void test_null_secret(void)
{
	u8 sk[KS] = { 0 }, pub[KS], ref[KS];
	bool ok;

	memset(pub, 0x77, KS);
	ok = !wgc_curve25519_generate_public(pub, sk) && all_zero(pub);
	TEST_RESULT("x25519_generate_public_null_secret", ok,
		    "all-zero secret accepted or pub not zeroed");

	/* 0x07 clamps to the same scalar as zero: still a valid key. */
	sk[0] = 7;
	ok = wgc_curve25519_generate_public(pub, sk) &&
	     ossl_x25519_public(ref, sk) && !memcmp(pub, ref, KS);
	TEST_RESULT("x25519_generate_public_nonnull_secret", ok, "mismatch");
}

/*
 * generate_public() (fixed base, Edwards form) must give exactly what the
 * ladder gives for u = 9, and what OpenSSL gives. Returns 1 on a mismatch.
 */
static int check_public(const char *name, const u8 sk[KS], int *reported)
{
	static const u8 nine[KS] = { 9 };
	u8 pub[KS], lad[KS], ref[KS];
	char hk[65];
	bool rp, rl;
	int ro;

	memset(pub, 0x5a, KS);
	rp = wgc_curve25519_generate_public(pub, sk);
	rl = wgc_curve25519(lad, sk, nine);
	ro = ossl_x25519_public(ref, sk);
	if (rp && rl && ro && !memcmp(pub, lad, KS) && !memcmp(pub, ref, KS) &&
	    is_canonical(pub))
		return 0;
	if (!(*reported)++) {
		test_hex(hk, sk, KS);
		test_fail(name, "k=%s ret %d ladder %d openssl %d", hk, rp, rl,
			  ro);
	}
	return 1;
}

/* The signed radix-16 digits of the clamped scalar, as the code makes them. */
static void recode(s8 digit[64], const u8 sk[KS])
{
	struct wgc_x25519_fixed f;
	u8 out[KS];

	wgc_x25519_fixed_base(&f, out, sk);
	memcpy(digit, f.digit, 64);
}

/*
 * The recoding itself: digits in [-8, 7] but the top one in [4, 8], and
 * sum digit[i] * 16^i equal to the clamped scalar (checked with BIGNUM).
 */
static bool recode_ok(const u8 sk[KS])
{
	BIGNUM *v = BN_new(), *w = BN_new();
	u8 k[KS];
	s8 digit[64];
	bool ok = true;
	int i;

	recode(digit, sk);
	memcpy(k, sk, KS);
	wgc_curve25519_clamp_secret(k);
	BN_zero(v);
	for (i = 63; i >= 0; i--) {
		if (i < 63 ? (digit[i] < -8 || digit[i] > 7) :
			     (digit[i] < 4 || digit[i] > 8))
			ok = false;
		BN_lshift(v, v, 4);
		if (digit[i] >= 0)
			BN_add_word(v, (BN_ULONG)digit[i]);
		else
			BN_sub_word(v, (BN_ULONG)(-digit[i]));
	}
	BN_lebin2bn(k, KS, w);
	ok &= !BN_cmp(v, w);
	BN_free(v);
	BN_free(w);
	return ok;
}

/* Each nibble of the (unclamped) secret from a small set of values. */
static void nibbles_from(u8 sk[KS], const u8 *set, int n)
{
	int i;

	for (i = 0; i < KS; i++)
		sk[i] = (u8)(set[test_rand64() % n] |
			     set[test_rand64() % n] << 4);
}

static void test_generate_public_fixed_base(void)
{
	/* Nibbles at and around the window's boundaries (d vs d - 16). */
	static const u8 boundary[] = { 0, 1, 7, 8, 9, 15 };
	static const u8 patterns[] = {
		0xff, 0x88, 0x80, 0x08, 0x77, 0x78, 0x87, 0xf0, 0x0f, 0x7f,
		0xf7, 0x8f, 0xf8, 0x01, 0x10, 0x11, 0x99, 0x55, 0xaa, 0xee,
	};
	const int n_random = 4000, n_boundary = 2000;
	u8 sk[KS], pub[KS], k[KS], prev[KS];
	int i, j, bad = 0, bad_edge = 0, bad_rec = 0, bad_clamp = 0;
	int rep = 0, rep_edge = 0;
	char name[80];
	s8 digit[64];

	for (i = 0; i < n_random; i++) {
		test_rand_bytes(sk, KS);
		bad += check_public("x25519_generate_public_vs_ladder_openssl",
				    sk, &rep);
		bad_rec += !recode_ok(sk);
	}
	for (i = 0; i < n_boundary; i++) {
		nibbles_from(sk, boundary, ARRAY_SIZE(boundary));
		bad += check_public("x25519_generate_public_vs_ladder_openssl",
				    sk, &rep);
		bad_rec += !recode_ok(sk);
	}
	printf("# generate_public: %d random and %d window-boundary secrets\n",
	       n_random, n_boundary);
	TEST_RESULT("x25519_generate_public_vs_ladder_openssl", !bad,
		    "%d mismatches", bad);

	/*
	 * Every byte the same (every nibble 8, every nibble 0xf, ...), and
	 * the same with the clamped bits forced either way; then single bits
	 * and the extremes of the clamped range.
	 */
	for (i = 0; i < (int)ARRAY_SIZE(patterns); i++) {
		for (j = 0; j < 4; j++) {
			memset(sk, patterns[i], KS);
			if (j & 1)
				sk[0] |= 7;
			if (j & 2)
				sk[31] ^= 0xc0;
			snprintf(name, sizeof(name),
				 "x25519_generate_public_pattern_%02x_%d",
				 patterns[i], j);
			bad_edge += check_public(name, sk, &rep_edge);
			bad_rec += !recode_ok(sk);
		}
	}
	for (i = 0; i < 256; i++) {
		memset(sk, 0, KS);
		sk[i / 8] = (u8)(1 << (i % 8));
		/* Bits 0..2 alone clamp to 2^254, the same as zero does. */
		bad_edge += check_public("x25519_generate_public_single_bit",
					 sk, &rep_edge);
		bad_rec += !recode_ok(sk);
	}
	/* 2^254 (the smallest clamped scalar) and 2^255 - 8 (the largest). */
	memset(sk, 0, KS);
	sk[31] = 0x40;
	bad_edge += check_public("x25519_generate_public_min", sk, &rep_edge);
	memset(sk, 0xff, KS);
	sk[0] = 0xf8;
	sk[31] = 0x7f;
	bad_edge += check_public("x25519_generate_public_max", sk, &rep_edge);
	TEST_RESULT("x25519_generate_public_edge_scalars", !bad_edge,
		    "%d mismatches", bad_edge);

	/*
	 * Those patterns do reach the window's edges. Every nibble 8: -8,
	 * then 8 plus the carry, 9 - 16 = -7, up to the top nibble, 4 once
	 * clamped, plus the carry. Every nibble 0xf: 8 (clamped) gives -8,
	 * then 15 + 1 = 16 gives 0 and a carry all the way to the top digit,
	 * which clamping makes 7, and the carry 8: the one digit allowed 8.
	 */
	memset(sk, 0x88, KS);
	recode(digit, sk);
	bad_rec += digit[0] != -8 || digit[63] != 5;
	for (i = 1; i < 63; i++)
		bad_rec += digit[i] != -7;
	memset(sk, 0xff, KS);
	recode(digit, sk);
	bad_rec += digit[0] != -8 || digit[63] != 8;
	for (i = 1; i < 63; i++)
		bad_rec += digit[i] != 0;
	TEST_RESULT("x25519_generate_public_recoding", !bad_rec,
		    "%d bad digit strings", bad_rec);

	/* The secret is read, never written: generate_public clamps a copy. */
	for (i = 0; i < 16; i++) {
		test_rand_bytes(sk, KS);
		sk[0] |= 7;
		sk[31] |= 0x80;
		memcpy(k, sk, KS);
		if (!wgc_curve25519_generate_public(pub, sk) ||
		    memcmp(k, sk, KS))
			bad_clamp++;
		/* The clamped secret gives the same public key. */
		wgc_curve25519_clamp_secret(k);
		memcpy(prev, pub, KS);
		if (!wgc_curve25519_generate_public(pub, k) ||
		    memcmp(prev, pub, KS))
			bad_clamp++;
	}
	TEST_RESULT("x25519_generate_public_clamps_a_copy", !bad_clamp,
		    "%d bad", bad_clamp);

	/* In place: pub may be the secret's own buffer. */
	test_rand_bytes(sk, KS);
	memcpy(k, sk, KS);
	TEST_RESULT("x25519_generate_public_in_place",
		    wgc_curve25519_generate_public(k, k) &&
		    wgc_curve25519_generate_public(pub, sk) &&
		    !memcmp(k, pub, KS), "mismatch");
}

/* Callers may reuse a buffer: out aliasing secret or basepoint. */
static void test_aliasing(void)
{
	u8 sk[KS], pk[KS], ref[KS], buf[KS];
	bool ok;

	test_rand_bytes(sk, KS);
	test_rand_bytes(pk, KS);
	ok = wgc_curve25519(ref, sk, pk);
	memcpy(buf, sk, KS);
	ok &= wgc_curve25519(buf, buf, pk) && !memcmp(buf, ref, KS);
	memcpy(buf, pk, KS);
	ok &= wgc_curve25519(buf, sk, buf) && !memcmp(buf, ref, KS);
	TEST_RESULT("x25519_out_aliases_inputs", ok, "mismatch");
}

int main(void)
{
	test_seed();
	bn_ctx = BN_CTX_new();
	bn_p = BN_lebin2bn(field_p, KS, NULL);
	test_field();
	test_field_edges();
	test_selftest();
	test_rfc7748_vectors();
	test_rfc7748_iterated();
	test_rfc7748_dh();
	test_low_order();
	test_non_canonical();
	test_differential();
	test_clamp_and_generate();
	test_aliasing();
	test_null_secret();
	test_generate_public_fixed_base();
	BN_free(bn_p);
	BN_CTX_free(bn_ctx);
	return test_exit("x25519");
}
