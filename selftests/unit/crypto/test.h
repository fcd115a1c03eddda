/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test harness: each test prints "PASS: name" or "FAIL: name why";
 * the summary line "N passed, N failed" closes the run, and the exit code
 * is non-zero when anything failed.
 */
#ifndef WG_UNIT_CRYPTO_TEST_H
#define WG_UNIT_CRYPTO_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	char name[128];
	char why[512];
	bool failed;
};

extern int tests_passed, tests_failed;

static inline void test_begin(struct test_case *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->name, sizeof(t->name), fmt, ap);
	va_end(ap);
	t->why[0] = 0;
	t->failed = false;
}

/* Records the first failure of a test (later ones would only repeat it). */
__attribute__((format(printf, 3, 4)))
static inline bool test_check(struct test_case *t, bool cond,
			      const char *fmt, ...)
{
	va_list ap;

	if (cond || t->failed)
		return cond;
	t->failed = true;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	return false;
}

static inline void test_end(struct test_case *t)
{
	if (t->failed) {
		printf("FAIL: %s %s\n", t->name, t->why);
		tests_failed++;
	} else {
		printf("PASS: %s\n", t->name);
		tests_passed++;
	}
	fflush(stdout);
}

/* splitmix64: reproducible pseudo-random inputs from one seed. */
extern u64 test_rng_state;

static inline u64 test_rand(void)
{
	u64 z = (test_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for tests; n > 0. */
static inline size_t test_rand_below(size_t n)
{
	return (size_t)(test_rand() % n);
}

static inline void test_rand_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	while (len--)
		*p++ = (u8)test_rand();
}

#endif /* WG_UNIT_CRYPTO_TEST_H */
