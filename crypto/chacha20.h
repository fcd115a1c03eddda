/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ChaCha20 (RFC 8439 section 2.3-2.4) and HChaCha20
 * (draft-irtf-cfrg-xchacha section 2.2).
 *
 * The state is the RFC's 16-word matrix; word 12 is the 32-bit block counter
 * and words 13-15 the 96-bit nonce. A struct wgc_chacha20_ctx wraps it for
 * streaming: wgc_chacha20_xor() may be called with any lengths and carries
 * the unused keystream of a partial block over to the next call, which is
 * what the scatter-gather AEAD needs for segments of arbitrary sizes.
 *
 * Several implementations exist (portable C, AVX2, AVX-512); one is chosen
 * by wgc_chacha20_select_impl() at init from the CPU's features. The vector
 * ones run only inside a kernel_fpu_begin()/kernel_fpu_end() section that
 * the caller owns (see crypto/simd.h): callers pass "simd" = true only then.
 */
#ifndef WGC_CHACHA20_H
#define WGC_CHACHA20_H

#include <linux/types.h>

enum wgc_chacha20_lengths {
	WGC_CHACHA20_KEY_SIZE = 32,
	WGC_CHACHA20_BLOCK_SIZE = 64,
	WGC_CHACHA20_IV_SIZE = 12,
	WGC_CHACHA20_STATE_WORDS = 16,
	WGC_HCHACHA20_NONCE_SIZE = 16,
	WGC_HCHACHA20_OUT_SIZE = 32,
};

struct wgc_chacha20_ctx {
	u32 state[WGC_CHACHA20_STATE_WORDS];
	/*
	 * Keystream of the last block begun but not finished; its final
	 * ks_left bytes are still unused.
	 */
	u8 ks[WGC_CHACHA20_BLOCK_SIZE];
	unsigned int ks_left;
};

enum wgc_chacha20_impl {
	WGC_CHACHA20_GENERIC,
	WGC_CHACHA20_AVX2,
	WGC_CHACHA20_AVX512,
	WGC_CHACHA20_NR_IMPLS,
};

/* RFC 8439 form: 96-bit nonce (iv), 32-bit initial block counter. */
void wgc_chacha20_init(struct wgc_chacha20_ctx *ctx,
		       const u8 key[WGC_CHACHA20_KEY_SIZE],
		       const u8 iv[WGC_CHACHA20_IV_SIZE], u32 counter);

/*
 * WireGuard's form: the 96-bit nonce is 4 zero bytes followed by the
 * little-endian 64-bit nonce.
 */
void wgc_chacha20_init64(struct wgc_chacha20_ctx *ctx,
			 const u8 key[WGC_CHACHA20_KEY_SIZE], u64 nonce,
			 u32 counter);

/*
 * dst = src ^ keystream, len any size; dst == src is allowed (other
 * overlaps are not). simd: the caller holds the FPU (crypto/simd.h).
 */
void wgc_chacha20_xor(struct wgc_chacha20_ctx *ctx, u8 *dst, const u8 *src,
		      size_t len, bool simd);

/* Writes len bytes of keystream (e.g. a Poly1305 one-time key). */
void wgc_chacha20_keystream(struct wgc_chacha20_ctx *ctx, u8 *out, size_t len,
			    bool simd);

void wgc_chacha20_wipe(struct wgc_chacha20_ctx *ctx);

/* One block of keystream for state; advances state[12]. Portable C. */
void wgc_chacha20_block_generic(u32 state[WGC_CHACHA20_STATE_WORDS],
				u8 out[WGC_CHACHA20_BLOCK_SIZE]);

/* HChaCha20: a 256-bit subkey from a key and a 128-bit nonce. */
void wgc_hchacha20(u8 out[WGC_HCHACHA20_OUT_SIZE],
		   const u8 nonce[WGC_HCHACHA20_NONCE_SIZE],
		   const u8 key[WGC_CHACHA20_KEY_SIZE]);

/*
 * Implementation choice: at init, and by the selftests and unit tests to
 * run each one. The choice is __ro_after_init: in the kernel, set_impl may
 * only be called from module init.
 */
bool wgc_chacha20_impl_supported(enum wgc_chacha20_impl impl);
void wgc_chacha20_select_impl(void);
/* Returns false (and changes nothing) when impl is not supported. */
bool __must_check wgc_chacha20_set_impl(enum wgc_chacha20_impl impl);
enum wgc_chacha20_impl wgc_chacha20_get_impl(void);
const char *wgc_chacha20_impl_str(enum wgc_chacha20_impl impl);

/*
 * The implementations proper, shared by the above and the vector files:
 * XOR len bytes (any length) with the keystream starting at the block
 * counter state[12], advancing it by DIV_ROUND_UP(len, 64). When len is not
 * a multiple of 64, ks receives the whole keystream block of which only the
 * first len % 64 bytes were used. The vector ones need the FPU.
 */
void wgc_chacha20_generic(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
			  const u8 *src, size_t len,
			  u8 ks[WGC_CHACHA20_BLOCK_SIZE]);
void wgc_chacha20_avx2(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
		       const u8 *src, size_t len,
		       u8 ks[WGC_CHACHA20_BLOCK_SIZE]);
void wgc_chacha20_avx512(u32 state[WGC_CHACHA20_STATE_WORDS], u8 *dst,
			 const u8 *src, size_t len,
			 u8 ks[WGC_CHACHA20_BLOCK_SIZE]);

#endif /* WGC_CHACHA20_H */
