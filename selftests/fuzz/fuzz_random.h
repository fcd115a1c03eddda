/* SPDX-License-Identifier: GPL-2.0 */
/* Switches getrandom(2), as seen by this executable: see fuzz_random.c. */
#ifndef WG_FUZZ_RANDOM_H
#define WG_FUZZ_RANDOM_H

#include <stdint.h>

/* From now on getrandom() returns a fixed stream started from @seed. */
void fuzz_random_deterministic(uint64_t seed);
/* Back to the kernel's getrandom(2). */
void fuzz_random_system(void);

#endif /* WG_FUZZ_RANDOM_H */
