/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crypto library's lifecycle: wgc_crypto_init() picks the
 * implementations with the widest vectors the CPU supports, runs the
 * known-answer selftests on all of them, and with @calibrate times the
 * supported ChaCha20-Poly1305 pairs and switches to one that is clearly
 * faster here (see calibrate.c); the module refuses to load when a
 * selftest fails.
 */
#ifndef WGC_WGCRYPTO_H
#define WGC_WGCRYPTO_H

#include <linux/types.h>

int __must_check wgc_crypto_init(bool calibrate);

/* Human-readable names of the implementations chosen, for logs and benches. */
const char *wgc_chacha20_impl_name(void);
const char *wgc_poly1305_impl_name(void);

#endif /* WGC_WGCRYPTO_H */
