/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets in this directory: the entry points,
 * a checking macro that turns a broken invariant into a crash libFuzzer
 * records, a tiny deterministic random stream, and the writing of seed
 * files.
 *
 * Every target also has a seed-writing mode: with WG_FUZZ_GEN_SEEDS=<dir>
 * in the environment, LLVMFuzzerInitialize() writes the target's seed
 * inputs into <dir> and exits (see "make seeds").
 */
#ifndef WG_FUZZ_COMMON_H
#define WG_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * A failed check prints what and where, then abort()s: libFuzzer saves the
 * input as a crash artifact and the run fails.
 */
#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "FUZZ INVARIANT FAILED %s:%d: %s: ",	\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, "" __VA_ARGS__);			\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* Reads input bytes front to back; runs dry as zeros. */
struct fuzz_reader {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_reader *r)
{
	if (!r->left)
		return 0;
	--r->left;
	return *r->p++;
}

static inline uint64_t fuzz_uint(struct fuzz_reader *r, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; ++i)
		v |= (uint64_t)fuzz_u8(r) << (8 * i);
	return v;
}

static inline void fuzz_bytes(struct fuzz_reader *r, void *dst, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = fuzz_u8(r);
}

/* Writes one seed file; the seed modes exit non-zero if that fails. */
static inline void fuzz_write_seed(const char *dir, const char *name,
				   const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

#endif /* WG_FUZZ_COMMON_H */
