// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20, sixteen blocks at a time in AVX-512 registers, and eight at a
 * time in AVX-512VL ymm registers (vprold rotations) for the last few
 * blocks. Built with -mavx512f -mavx512vl (crypto/crypto.mk); called only
 * from chacha20.c inside a kernel_fpu_begin()/kernel_fpu_end() section.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "chacha20-vec.h"

void wgc_chacha20_avx512(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
			 const u8 *src, size_t len,
			 u8 ks[WGC_CHACHA20_BLOCK_SIZE])
{
	while (len >= 16 * WGC_CHACHA20_BLOCK_SIZE) {
		wgc_chacha20_x16_full(state, dst, src);
		state[12] += 16;
		len -= 16 * WGC_CHACHA20_BLOCK_SIZE;
		src += 16 * WGC_CHACHA20_BLOCK_SIZE;
		dst += 16 * WGC_CHACHA20_BLOCK_SIZE;
	}
	/*
	 * A zmm instruction costs about two ymm ones on some CPUs (Zen 4
	 * splits them), so up to eight remaining blocks go the ymm way.
	 */
	if (len > 8 * WGC_CHACHA20_BLOCK_SIZE)
		wgc_chacha20_x16_part(state, dst, src, len, ks);
	else if (len == 8 * WGC_CHACHA20_BLOCK_SIZE)
		wgc_chacha20_x8_full(state, dst, src);
	else if (len)
		wgc_chacha20_x8_part(state, dst, src, len, ks);
	state[12] += DIV_ROUND_UP(len, WGC_CHACHA20_BLOCK_SIZE);
}
