/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sections in which the crypto code may use the vector registers.
 *
 * kernel_fpu_begin() disables preemption (and softirqs) until
 * kernel_fpu_end(), so a long buffer must not be processed in one section.
 * A struct wgc_simd is claimed once per operation, which saves a begin/end
 * pair per scatter-gather segment, and is released and claimed again
 * whenever WGC_SIMD_CHUNK bytes have been processed under it.
 */
#ifndef WGC_SIMD_H
#define WGC_SIMD_H

#include <linux/types.h>
#include <asm/simd.h>
#include <asm/fpu/api.h>

enum { WGC_SIMD_CHUNK = 4096 };

struct wgc_simd {
	bool on;
	/* Bytes processed since the section was (re)claimed. */
	unsigned int done;
};

/* Claims the FPU if wanted and allowed in this context. */
static inline void wgc_simd_begin(struct wgc_simd *simd, bool wanted)
{
	simd->done = 0;
	simd->on = wanted && may_use_simd();
	if (simd->on)
		kernel_fpu_begin();
}

/*
 * Records that len more bytes were processed; once a chunk's worth has
 * been, lets the scheduler and softirqs in by ending the section briefly.
 * Call only between operations, with nothing live in vector registers.
 */
static inline void wgc_simd_account(struct wgc_simd *simd, size_t len)
{
	if (!simd->on)
		return;
	if (len >= WGC_SIMD_CHUNK - simd->done) {
		kernel_fpu_end();
		kernel_fpu_begin();
		simd->done = 0;
	} else {
		simd->done += len;
	}
}

static inline void wgc_simd_end(struct wgc_simd *simd)
{
	if (simd->on)
		kernel_fpu_end();
	simd->on = false;
}

#endif /* WGC_SIMD_H */
