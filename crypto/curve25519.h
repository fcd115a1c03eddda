/* SPDX-License-Identifier: GPL-2.0 */
/* X25519 (RFC 7748). */
#ifndef WGC_CURVE25519_H
#define WGC_CURVE25519_H

#include <linux/types.h>

enum wgc_curve25519_lengths {
	WGC_CURVE25519_KEY_SIZE = 32,
};

/*
 * out = X25519(secret, basepoint). Returns false when the result is all
 * zeros (a low-order point), which callers must treat as an error.
 */
bool __must_check wgc_curve25519(u8 out[WGC_CURVE25519_KEY_SIZE],
				 const u8 secret[WGC_CURVE25519_KEY_SIZE],
				 const u8 basepoint[WGC_CURVE25519_KEY_SIZE]);

/*
 * pub = X25519(secret, 9). Returns false, with pub zeroed, for the all-zero
 * secret: WireGuard's "no private key" (as the in-tree library does).
 */
bool __must_check
wgc_curve25519_generate_public(u8 pub[WGC_CURVE25519_KEY_SIZE],
			       const u8 secret[WGC_CURVE25519_KEY_SIZE]);

void wgc_curve25519_clamp_secret(u8 secret[WGC_CURVE25519_KEY_SIZE]);

/* A fresh random clamped secret. */
void wgc_curve25519_generate_secret(u8 secret[WGC_CURVE25519_KEY_SIZE]);

/*
 * Known-answer tests (crypto/curve25519-selftest.c); true when all pass.
 * Also declared in crypto/selftest.h, identically.
 */
bool __must_check wgc_curve25519_selftest(void);

#endif /* WGC_CURVE25519_H */
