/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timing the supported ChaCha20-Poly1305 implementation pairs at init and
 * keeping the fastest (see calibrate.c). Private to crypto/: the module
 * reaches it through wgc_crypto_init().
 */
#ifndef WGC_CALIBRATE_H
#define WGC_CALIBRATE_H

#include <linux/types.h>

/* ChaCha20 implementations times Poly1305 ones: room for all pairs. */
enum { WGC_CAL_MAX_PAIRS = 8 };

/*
 * Times every supported pair on one packet's AEAD and sets the chosen
 * pair as the current implementations. Call after the known-answer tests,
 * from init only (the choice is read-only afterwards in the kernel); logs
 * the timings and the choice.
 */
void wgc_calibrate(void);

/*
 * The decision alone, for the unit tests: of @n pairs timed at @ns, the
 * index of the one to use, given that @def is the feature-based default.
 * The fastest pair wins only if it takes at most 4/5 of @def's time.
 */
size_t wgc_calibrate_pick(const u64 *ns, size_t n, size_t def);

#endif /* WGC_CALIBRATE_H */
