// SPDX-License-Identifier: GPL-2.0
/*
 * Reference WireGuard handshake on OpenSSL and libsodium; see ref.h. Kept
 * deliberately plain: every step is written out in the order of the
 * protocol description, with the message offsets spelled out.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "ref.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

int ref_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* HASH(a || b) */
static void hash(uint8_t out[32], const void *a, size_t alen, const void *b,
		 size_t blen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n;

	EVP_DigestInit_ex(c, EVP_blake2s256(), NULL);
	EVP_DigestUpdate(c, a, alen);
	if (blen)
		EVP_DigestUpdate(c, b, blen);
	EVP_DigestFinal_ex(c, out, &n);
	EVP_MD_CTX_free(c);
}

static void mac_with(const char *alg, const char *digest, size_t outlen,
		     uint8_t *out, const uint8_t *key, size_t keylen,
		     const uint8_t *in, size_t len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, alg, NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	OSSL_PARAM params[3], *p = params;
	size_t n;

	if (digest)
		*p++ = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
							(char *)digest, 0);
	else
		*p++ = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE,
						   &outlen);
	*p = OSSL_PARAM_construct_end();
	EVP_MAC_init(ctx, key, keylen, params);
	EVP_MAC_update(ctx, in, len);
	EVP_MAC_final(ctx, out, &n, outlen);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

static void hmac(uint8_t out[32], const uint8_t key[32], const uint8_t *in,
		 size_t len)
{
	mac_with("HMAC", "BLAKE2S-256", 32, out, key, 32, in, len);
}

void ref_mac(uint8_t out[16], const uint8_t *key, size_t keylen,
	     const uint8_t *in, size_t len)
{
	mac_with("BLAKE2SMAC", NULL, 16, out, key, keylen, in, len);
}

/* HKDF: T0 = HMAC(key, in); Ti = HMAC(T0, T(i-1) || i). */
static void kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[32],
		const uint8_t *in, size_t len)
{
	uint8_t t0[32], buf[33], prev[32];

	hmac(t0, key, in, len);
	buf[0] = 1;
	hmac(prev, t0, buf, 1);
	memcpy(t1, prev, 32);
	if (t2) {
		memcpy(buf, prev, 32);
		buf[32] = 2;
		hmac(prev, t0, buf, 33);
		memcpy(t2, prev, 32);
	}
	if (t3) {
		memcpy(buf, prev, 32);
		buf[32] = 3;
		hmac(prev, t0, buf, 33);
		memcpy(t3, prev, 32);
	}
}

static int dh(uint8_t out[32], const uint8_t priv[32], const uint8_t pub[32])
{
	return crypto_scalarmult(out, priv, pub);	/* -1 on all-zero */
}

void ref_public_key(uint8_t pub[32], const uint8_t priv[32])
{
	crypto_scalarmult_base(pub, priv);
}

static void nonce12(uint8_t n[12], uint64_t counter)
{
	int i;

	memset(n, 0, 4);
	for (i = 0; i < 8; ++i)
		n[4 + i] = counter >> (8 * i);
}

static void aead_enc(uint8_t *out, const uint8_t *in, size_t len,
		     const uint8_t key[32], uint64_t counter, const uint8_t *ad,
		     size_t adlen)
{
	uint8_t n[12];
	unsigned long long outlen;

	nonce12(n, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &outlen, in, len, ad,
						  adlen, NULL, n, key);
}

static int aead_dec(uint8_t *out, const uint8_t *in, size_t len,
		    const uint8_t key[32], uint64_t counter, const uint8_t *ad,
		    size_t adlen)
{
	uint8_t n[12];
	unsigned long long outlen;

	nonce12(n, counter);
	return crypto_aead_chacha20poly1305_ietf_decrypt(out, &outlen, NULL, in,
							 len, ad, adlen, n,
							 key);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Ci = HASH(construction); Hi = HASH(HASH(Ci || identifier) || responder) */
static void start(struct ref_handshake *hs, const uint8_t responder[32])
{
	hash(hs->ck, construction, strlen(construction), NULL, 0);
	hash(hs->h, hs->ck, 32, identifier, strlen(identifier));
	hash(hs->h, hs->h, 32, responder, 32);
}

static void add_macs(uint8_t *msg, size_t len, const uint8_t receiver[32],
		     const uint8_t *cookie, uint8_t last_mac1[16])
{
	uint8_t key[32];

	hash(key, "mac1----", 8, receiver, 32);
	ref_mac(msg + len - 32, key, 32, msg, len - 32);
	memcpy(last_mac1, msg + len - 32, 16);
	if (cookie)
		ref_mac(msg + len - 16, cookie, 16, msg, len - 16);
	else
		memset(msg + len - 16, 0, 16);
}

static int mac1_ok(const uint8_t *msg, size_t len, const uint8_t own[32])
{
	uint8_t key[32], mac[16];

	hash(key, "mac1----", 8, own, 32);
	ref_mac(mac, key, 32, msg, len - 32);
	return !memcmp(mac, msg + len - 32, 16);
}

int ref_create_initiation(struct ref_handshake *hs, uint8_t msg[148],
			  const uint8_t timestamp[12], const uint8_t *cookie)
{
	uint8_t k[32], shared[32];

	memset(msg, 0, 148);
	msg[0] = 1;
	put_le32(msg + 4, hs->local_index);
	start(hs, hs->remote_s);
	randombytes_buf(hs->e_priv, 32);
	crypto_scalarmult_base(hs->e_pub, hs->e_priv);
	memcpy(msg + 8, hs->e_pub, 32);
	kdf(hs->ck, NULL, NULL, hs->ck, hs->e_pub, 32);
	hash(hs->h, hs->h, 32, msg + 8, 32);
	if (dh(shared, hs->e_priv, hs->remote_s))
		return -1;
	kdf(hs->ck, k, NULL, hs->ck, shared, 32);
	aead_enc(msg + 40, hs->s_pub, 32, k, 0, hs->h, 32);
	hash(hs->h, hs->h, 32, msg + 40, 48);
	if (hs->zero_static_static)
		memset(shared, 0, 32);
	else if (dh(shared, hs->s_priv, hs->remote_s))
		return -1;
	kdf(hs->ck, k, NULL, hs->ck, shared, 32);
	aead_enc(msg + 88, timestamp, 12, k, 0, hs->h, 32);
	hash(hs->h, hs->h, 32, msg + 88, 28);
	add_macs(msg, 148, hs->remote_s, cookie, hs->last_mac1);
	return 0;
}

int ref_consume_initiation(struct ref_handshake *hs, const uint8_t msg[148],
			   uint8_t timestamp[12])
{
	uint8_t k[32], shared[32];

	if (get_le32(msg) != 1 || !mac1_ok(msg, 148, hs->s_pub))
		return -1;
	start(hs, hs->s_pub);
	memcpy(hs->remote_e, msg + 8, 32);
	kdf(hs->ck, NULL, NULL, hs->ck, hs->remote_e, 32);
	hash(hs->h, hs->h, 32, hs->remote_e, 32);
	if (dh(shared, hs->s_priv, hs->remote_e))
		return -1;
	kdf(hs->ck, k, NULL, hs->ck, shared, 32);
	if (aead_dec(hs->remote_s, msg + 40, 48, k, 0, hs->h, 32))
		return -1;
	hash(hs->h, hs->h, 32, msg + 40, 48);
	if (dh(shared, hs->s_priv, hs->remote_s))
		return -1;
	kdf(hs->ck, k, NULL, hs->ck, shared, 32);
	if (aead_dec(timestamp, msg + 88, 28, k, 0, hs->h, 32))
		return -1;
	hash(hs->h, hs->h, 32, msg + 88, 28);
	hs->remote_index = get_le32(msg + 4);
	return 0;
}

int ref_create_response(struct ref_handshake *hs, uint8_t msg[92],
			uint8_t send_key[32], uint8_t recv_key[32])
{
	uint8_t k[32], t[32], shared[32];

	memset(msg, 0, 92);
	msg[0] = 2;
	put_le32(msg + 4, hs->local_index);
	put_le32(msg + 8, hs->remote_index);
	randombytes_buf(hs->e_priv, 32);
	crypto_scalarmult_base(hs->e_pub, hs->e_priv);
	memcpy(msg + 12, hs->e_pub, 32);
	kdf(hs->ck, NULL, NULL, hs->ck, hs->e_pub, 32);
	hash(hs->h, hs->h, 32, hs->e_pub, 32);
	if (dh(shared, hs->e_priv, hs->remote_e))
		return -1;
	kdf(hs->ck, NULL, NULL, hs->ck, shared, 32);
	if (dh(shared, hs->e_priv, hs->remote_s))
		return -1;
	kdf(hs->ck, NULL, NULL, hs->ck, shared, 32);
	kdf(hs->ck, t, k, hs->ck, hs->psk, 32);
	hash(hs->h, hs->h, 32, t, 32);
	aead_enc(msg + 44, NULL, 0, k, 0, hs->h, 32);
	hash(hs->h, hs->h, 32, msg + 44, 16);
	add_macs(msg, 92, hs->remote_s, NULL, hs->last_mac1);
	/* The initiator sends with the first key. */
	kdf(recv_key, send_key, NULL, hs->ck, (const uint8_t *)"", 0);
	return 0;
}

int ref_consume_response(struct ref_handshake *hs, const uint8_t msg[92],
			 uint8_t send_key[32], uint8_t recv_key[32])
{
	uint8_t k[32], t[32], shared[32], nothing[1];

	if (get_le32(msg) != 2 || get_le32(msg + 8) != hs->local_index ||
	    !mac1_ok(msg, 92, hs->s_pub))
		return -1;
	memcpy(hs->remote_e, msg + 12, 32);
	kdf(hs->ck, NULL, NULL, hs->ck, hs->remote_e, 32);
	hash(hs->h, hs->h, 32, hs->remote_e, 32);
	if (dh(shared, hs->e_priv, hs->remote_e))
		return -1;
	kdf(hs->ck, NULL, NULL, hs->ck, shared, 32);
	if (dh(shared, hs->s_priv, hs->remote_e))
		return -1;
	kdf(hs->ck, NULL, NULL, hs->ck, shared, 32);
	kdf(hs->ck, t, k, hs->ck, hs->psk, 32);
	hash(hs->h, hs->h, 32, t, 32);
	if (aead_dec(nothing, msg + 44, 16, k, 0, hs->h, 32))
		return -1;
	hash(hs->h, hs->h, 32, msg + 44, 16);
	hs->remote_index = get_le32(msg + 4);
	kdf(send_key, recv_key, NULL, hs->ck, (const uint8_t *)"", 0);
	return 0;
}

void ref_data_encrypt(uint8_t *out, const uint8_t *in, size_t len,
		      uint64_t counter, const uint8_t key[32])
{
	aead_enc(out, in, len, key, counter, NULL, 0);
}

int ref_data_decrypt(uint8_t *out, const uint8_t *in, size_t len_with_tag,
		     uint64_t counter, const uint8_t key[32])
{
	return aead_dec(out, in, len_with_tag, key, counter, NULL, 0);
}

int ref_cookie_decrypt(uint8_t cookie[16], const uint8_t reply[64],
		       const uint8_t responder_pub[32], const uint8_t mac1[16])
{
	uint8_t key[32];
	unsigned long long outlen;

	if (get_le32(reply) != 3)
		return -1;
	hash(key, "cookie--", 8, responder_pub, 32);
	return crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, &outlen, NULL,
							  reply + 32, 32, mac1,
							  16, reply + 8, key);
}
