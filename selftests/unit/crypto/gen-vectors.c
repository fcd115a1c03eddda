// SPDX-License-Identifier: GPL-2.0
/*
 * Regenerates the "generated" known answers in
 * crypto/chacha20poly1305-vectors.h with OpenSSL (ChaCha20-Poly1305) and
 * libsodium (XChaCha20-Poly1305, HChaCha20), two independent
 * implementations, so that the module's init-time selftest covers
 * multi-block lengths without carrying kilobytes of ciphertext:
 *   cc -O2 gen-vectors.c -lcrypto -lsodium && ./a.out
 * The input patterns must match wgc_cp_fill() in
 * crypto/chacha20poly1305-selftest.c.
 */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(uint8_t *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 181 + seed) ^ (i >> 5));
}

static const unsigned int lens[] = {
	0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 191, 255, 256, 257,
	447, 511, 512, 513, 575, 1023, 1024, 1025, 1420, 1536, 2047, 4096,
	4097, 5000,
};

int main(void)
{
	static uint8_t pt[8192], ct[8192 + 16];
	uint8_t key[32], ad[64], iv[12], xn[24];

	if (sodium_init() < 0)
		return 1;
	for (int x = 0; x < 2; x++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			unsigned int len = lens[i];
			unsigned int ad_len = (len * 7) % 41;
			uint64_t nonce = 0x0706050403020100ULL + len;
			unsigned long long clen;
			int outl;

			if (x && len % 3)
				continue;
			fill(key, 32, len * 3 + 1);
			fill(ad, ad_len, 0x55);
			fill(pt, len, 0x17);
			if (!x) {
				EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

				memset(iv, 0, 4);
				for (int b = 0; b < 8; b++)
					iv[4 + b] = (uint8_t)(nonce >> (8 * b));
				EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, key, iv);
				EVP_EncryptUpdate(c, NULL, &outl, ad, (int)ad_len);
				EVP_EncryptUpdate(c, ct, &outl, pt, (int)len);
				EVP_EncryptFinal_ex(c, ct + len, &outl);
				EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, ct + len);
				EVP_CIPHER_CTX_free(c);
			} else {
				fill(xn, 24, len + 9);
				crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, pt, len, ad, ad_len, NULL, xn, key);
			}
			printf("\t{ %u, %d, {", len, x);
			for (int b = 0; b < 16; b++)
				printf("%s0x%02x,", b % 8 ? " " : "\n\t\t", ct[len + b]);
			printf("\n\t} },\n");
		}
	}
	return 0;
}
