/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny test harness shared by the crypto-asym unit tests: every check
 * prints "PASS: <name>" or "FAIL: <name> <why>", and test_exit() returns
 * non-zero if anything failed.
 */
#ifndef WGC_UNIT_ASYM_TEST_H
#define WGC_UNIT_ASYM_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned int test_passed, test_failed;

static inline void test_pass(const char *name)
{
	printf("PASS: %s\n", name);
	test_passed++;
}

__attribute__((format(printf, 2, 3)))
static inline void test_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	test_failed++;
}

/* Records the outcome of a named check; returns ok for chaining. */
#define TEST_RESULT(name, ok, ...) do {				\
	if (ok)								\
		test_pass(name);					\
	else								\
		test_fail(name, __VA_ARGS__);				\
} while (0)

static inline void test_hex(char *dst, const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[b[i] >> 4];
		dst[2 * i + 1] = digits[b[i] & 15];
	}
	dst[2 * n] = '\0';
}

/* Parses exactly 2 * n hex digits; aborts on malformed test data. */
static inline void test_unhex(unsigned char *dst, const char *hex, size_t n)
{
	size_t i;

	if (strlen(hex) != 2 * n) {
		fprintf(stderr, "bad hex test vector: %s\n", hex);
		abort();
	}
	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		dst[i] = (unsigned char)v;
	}
}

/* Deterministic PRNG (xorshift64*) so that failures are reproducible. */
static unsigned long long test_rng_state = 0x9e3779b97f4a7c15ULL;

static inline unsigned long long test_rand64(void)
{
	unsigned long long x = test_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	test_rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline void test_rand_bytes(unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(test_rand64() >> 56);
}

/* Seed from WGC_TEST_SEED if set (to replay a failure), else fixed. */
static inline void test_seed(void)
{
	const char *s = getenv("WGC_TEST_SEED");

	if (s)
		test_rng_state = strtoull(s, NULL, 0) | 1;
	printf("# seed 0x%llx\n", test_rng_state);
}

static inline int test_exit(const char *suite)
{
	printf("# %s: %u passed, %u failed\n", suite, test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif /* WGC_UNIT_ASYM_TEST_H */
