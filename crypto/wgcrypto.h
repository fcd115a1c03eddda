/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crypto library's lifecycle: wgc_crypto_init() picks the fastest
 * implementations the CPU supports and runs the known-answer selftests;
 * the module refuses to load when it fails.
 */
#ifndef WGC_WGCRYPTO_H
#define WGC_WGCRYPTO_H

#include <linux/types.h>

int __must_check wgc_crypto_init(void);

/* Human-readable names of the implementations chosen, for logs and benches. */
const char *wgc_chacha20_impl_name(void);
const char *wgc_poly1305_impl_name(void);

#endif /* WGC_WGCRYPTO_H */
