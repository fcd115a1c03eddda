/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Known-answer selftests of the crypto library, run by wgc_crypto_init()
 * before the module accepts any traffic. Each returns true when every
 * vector passes (logging the ones that fail) and exercises every
 * implementation the CPU supports, not only the chosen one.
 */
#ifndef WGC_SELFTEST_H
#define WGC_SELFTEST_H

#include <linux/types.h>

bool __must_check wgc_chacha20poly1305_selftest(void);
bool __must_check wgc_blake2s_selftest(void);
bool __must_check wgc_curve25519_selftest(void);

#endif /* WGC_SELFTEST_H */
