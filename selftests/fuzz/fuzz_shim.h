/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included before the unit-test shim when building with clang.
 *
 * shim.h asks __builtin_cpu_supports("adx"), a feature name that GCC knows
 * and clang 14 (Debian 12's) rejects at compile time. Route the builtin
 * through a function that answers "adx" from CPUID leaf 7 (EBX bit 19) and
 * every other name from the real builtin, which must see a literal.
 */
#ifndef WG_FUZZ_SHIM_H
#define WG_FUZZ_SHIM_H

#include <cpuid.h>
#include <string.h>

static inline int wg_fuzz_cpu_supports(const char *f)
{
	unsigned int a, b, c, d;

#define WG_FUZZ_CPU(name) \
	if (!strcmp(f, name)) \
		return __builtin_cpu_supports(name)
	WG_FUZZ_CPU("avx2");
	WG_FUZZ_CPU("avx512f");
	WG_FUZZ_CPU("avx512vl");
	WG_FUZZ_CPU("avx512bw");
	WG_FUZZ_CPU("bmi2");
	WG_FUZZ_CPU("avx");
	WG_FUZZ_CPU("ssse3");
#undef WG_FUZZ_CPU
	if (!strcmp(f, "adx"))
		return __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
		       (b & (1u << 19));
	return 0;
}
#define __builtin_cpu_supports(f) wg_fuzz_cpu_supports(f)

#endif /* WG_FUZZ_SHIM_H */
