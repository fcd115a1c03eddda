// SPDX-License-Identifier: GPL-2.0
/*
 * Informational speed figures (never a pass/fail): X25519 in microseconds
 * per operation, next to OpenSSL's; the public key from a secret by the
 * fixed-base code, the ladder on u = 9 and OpenSSL side by side; and
 * BLAKE2s in cycles per byte on a 1420-byte message (a full-MTU WireGuard
 * payload) plus the short shapes the handshake uses. Cycles are TSC ticks.
 */
#include <time.h>
#include <x86intrin.h>
#include <openssl/evp.h>

#include "blake2s.h"
#include "curve25519.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

enum x25519_op { X25519_SHARED, X25519_LADDER_BASE, X25519_FIXED_BASE };

/*
 * Microseconds per operation, best of 5 rounds of n: X25519 with a random
 * peer key, X25519(sk, 9) by the ladder, or generate_public (fixed base).
 */
static double bench_x25519(int n, enum x25519_op op)
{
	u8 sk[32], pk[32] = { 9 }, out[32];
	double best = 1e30, t;
	int round, i;
	unsigned int acc = 0;

	get_random_bytes(sk, sizeof(sk));
	if (op == X25519_SHARED)
		get_random_bytes(pk, sizeof(pk));
	for (round = 0; round < 5; round++) {
		t = now_us();
		for (i = 0; i < n; i++) {
			if (op == X25519_FIXED_BASE)
				acc += wgc_curve25519_generate_public(out, sk);
			else
				acc += wgc_curve25519(out, sk, pk);
			/* Chain the calls; the base point stays 9. */
			if (op == X25519_SHARED)
				pk[0] ^= out[0];
			else
				sk[0] ^= out[0];
		}
		t = (now_us() - t) / n;
		if (t < best)
			best = t;
	}
	/* Use the results, so that the calls cannot be dropped. */
	if (acc == 12345)
		printf("#\n");
	return best;
}

/*
 * OpenSSL derives the public key when the private key object is made, so
 * this times EVP_PKEY_new_raw_private_key() (allocation included).
 */
static double bench_openssl_public(int n)
{
	u8 sk[32], out[32];
	double best = 1e30, t;
	EVP_PKEY *priv;
	size_t len;
	int round, i;

	get_random_bytes(sk, sizeof(sk));
	for (round = 0; round < 5; round++) {
		t = now_us();
		for (i = 0; i < n; i++) {
			priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519,
							    NULL, sk, 32);
			len = 32;
			if (!priv ||
			    EVP_PKEY_get_raw_public_key(priv, out, &len) <= 0)
				return -1;
			EVP_PKEY_free(priv);
			sk[0] ^= out[0];
		}
		t = (now_us() - t) / n;
		if (t < best)
			best = t;
	}
	return best;
}

static double bench_openssl_x25519(int n)
{
	u8 sk[32], pk[32], out[32];
	EVP_PKEY *priv, *peer;
	EVP_PKEY_CTX *ctx;
	double t;
	size_t len;
	int i;

	get_random_bytes(sk, sizeof(sk));
	get_random_bytes(pk, sizeof(pk));
	pk[31] &= 0x7f;
	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk, 32);
	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pk, 32);
	ctx = EVP_PKEY_CTX_new(priv, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) <= 0)
		return -1;
	t = now_us();
	for (i = 0; i < n; i++) {
		len = 32;
		if (EVP_PKEY_derive(ctx, out, &len) <= 0)
			return -1;
	}
	t = (now_us() - t) / n;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return t;
}

/* Best-of TSC ticks for one call of fn over len bytes. */
#define BEST_TICKS(iters, stmt) ({					\
	unsigned long long __best = ~0ULL, __t;				\
	int __r, __i;							\
	for (__r = 0; __r < 20; __r++) {				\
		__t = __rdtsc();					\
		for (__i = 0; __i < (iters); __i++) {			\
			stmt;						\
		}							\
		__t = (__rdtsc() - __t) / (iters);			\
		if (__t < __best)					\
			__best = __t;					\
	}								\
	__best;								\
})

int main(void)
{
	static u8 msg[1420];
	u8 key[32], out[32];
	unsigned long long t1420, tmac, thmac;
	double us_x, us_ossl, us_fixed, us_ladder, us_ossl_pub, t;
	int i;

	get_random_bytes(msg, sizeof(msg));
	get_random_bytes(key, sizeof(key));

	us_x = bench_x25519(2000, X25519_SHARED);
	us_ossl = bench_openssl_x25519(2000);
	us_fixed = bench_x25519(2000, X25519_FIXED_BASE);
	us_ladder = bench_x25519(2000, X25519_LADDER_BASE);
	us_ossl_pub = bench_openssl_public(2000);

	t = now_us();
	for (i = 0; i < 20000; i++)
		wgc_blake2s(out, msg, NULL, 32, sizeof(msg), 0);
	t = (now_us() - t) / 20000;

	t1420 = BEST_TICKS(2000, wgc_blake2s(out, msg, NULL, 32, 1420, 0);
			   msg[0] ^= out[0]);
	/* MAC1 of a handshake initiation: keyed BLAKE2s-128 over 116 bytes. */
	tmac = BEST_TICKS(20000, wgc_blake2s(out, msg, key, 16, 116, 32);
			  msg[0] ^= out[0]);
	/* One KDF step: HMAC-BLAKE2s over 33 bytes. */
	thmac = BEST_TICKS(20000, wgc_blake2s_hmac(out, msg, key, 33, 32);
			   msg[0] ^= out[0]);

	printf("# bench: x25519 %.1f us/op (openssl %.1f us/op)\n", us_x,
	       us_ossl);
	printf("# bench: x25519 public: fixed base %.1f, ladder %.1f us/op (%.2fx), openssl %.1f\n",
	       us_fixed, us_ladder, us_ladder / us_fixed, us_ossl_pub);
	printf("# bench: blake2s-256 1420 bytes: %.2f cycles/byte, %.2f us, %.0f MB/s\n",
	       (double)t1420 / 1420, t, 1420 / t);
	printf("# bench: keyed blake2s-128 116 bytes (MAC1): %llu cycles\n", tmac);
	printf("# bench: hmac-blake2s 33 bytes (KDF step): %llu cycles\n", thmac);
	return 0;
}
