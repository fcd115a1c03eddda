# SPDX-License-Identifier: GPL-2.0
#
# Per-file compiler flags of the vectorized crypto, included by the
# top-level Kbuild (objects are named relative to the module directory,
# hence the crypto/ in the variable names) and by
# selftests/unit/crypto/Makefile, which compiles the same files the same way.
#
# The kernel builds x86-64 code with -mno-sse -mno-mmx -mno-sse2 -mno-3dnow
# -mno-avx -mno-80387 (and a stack aligned to 8 bytes only). Appended after
# those, -mavx2 / -mavx512f -mavx512vl turn the vector units back on for
# these files alone; GCC realigns the stack itself where a spill needs 32-
# or 64-byte alignment. Everything in these files runs strictly between
# kernel_fpu_begin() and kernel_fpu_end(): see crypto/simd.h.

CFLAGS_crypto/chacha20-avx2.o += -mavx2
CFLAGS_crypto/chacha20-avx512.o += -mavx512f -mavx512vl
CFLAGS_crypto/poly1305-avx2.o += -mavx2

# Under KASAN (the debug kernel), the redzones KASAN puts around the
# register spills of the sixteen-block AVX-512 code push its frame past
# 2 KiB. Like the kernel's own assembly ciphers, it goes uninstrumented; it
# touches memory only through src, dst and ks, whose bounds the callers'
# instrumented code establishes. (KASAN_SANITIZE_ takes the base name.)
KASAN_SANITIZE_chacha20-avx512.o := n
