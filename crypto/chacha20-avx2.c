// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20, eight blocks at a time in AVX2 registers. Built with -mavx2
 * (crypto/crypto.mk); called only from chacha20.c inside a
 * kernel_fpu_begin()/kernel_fpu_end() section.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "chacha20-vec.h"

void wgc_chacha20_avx2(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
		       const u8 *src, size_t len,
		       u8 ks[WGC_CHACHA20_BLOCK_SIZE])
{
	while (len >= 8 * WGC_CHACHA20_BLOCK_SIZE) {
		wgc_chacha20_x8_full(state, dst, src);
		state[12] += 8;
		len -= 8 * WGC_CHACHA20_BLOCK_SIZE;
		src += 8 * WGC_CHACHA20_BLOCK_SIZE;
		dst += 8 * WGC_CHACHA20_BLOCK_SIZE;
	}
	if (len) {
		wgc_chacha20_x8_part(state, dst, src, len, ks);
		state[12] += DIV_ROUND_UP(len, WGC_CHACHA20_BLOCK_SIZE);
	}
}
