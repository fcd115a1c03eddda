// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic randomness for the handshake fuzzer.
 *
 * The shim's get_random_bytes() (and so every ephemeral key, index and
 * cookie secret of the code under test) reads getrandom(2). Defining
 * getrandom() here takes precedence over libc's for every call from this
 * executable, so a target can switch to a fixed pseudo-random stream: the
 * same input then takes the same path every time (libFuzzer's coverage
 * feedback relies on that), and a seed written by the seed mode, such as a
 * genuine handshake response, still authenticates when it is replayed in a
 * later process. Outside deterministic mode the real system call is used.
 *
 * The stream is SplitMix64: statistical quality is all that is needed here,
 * these keys protect nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "fuzz_random.h"

static bool deterministic;
static uint64_t state;

void fuzz_random_deterministic(uint64_t seed)
{
	deterministic = true;
	state = seed;
}

void fuzz_random_system(void)
{
	deterministic = false;
}

static uint64_t splitmix64(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;
	size_t n = len;
	uint64_t v;

	if (!deterministic)
		return syscall(SYS_getrandom, buf, len, flags);
	while (n) {
		size_t k = n < sizeof(v) ? n : sizeof(v);

		v = splitmix64();
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
	return (ssize_t)len;
}
