// SPDX-License-Identifier: GPL-2.0
/*
 * The counting allocator behind shim-allowedips.h: every kmalloc(),
 * kmem_cache_alloc() and RCU free of the code under test comes here, so the
 * tests can see what is still allocated, make a chosen allocation fail, and
 * charge memory as the kernel's slab allocator would.
 */
#include <stdlib.h>

struct wg_ut_alloc_stats wg_ut_alloc;

/* In front of every block; 16 bytes keep malloc's alignment. */
struct ut_hdr {
	size_t size;
	size_t slab;
};

void *wg_ut_alloc_bytes(size_t size, size_t slab_size, bool zero)
{
	struct ut_hdr *h;

	if (wg_ut_alloc.fail_countdown > 0 && !--wg_ut_alloc.fail_countdown) {
		++wg_ut_alloc.failures;
		return NULL;
	}
	h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	if (zero)
		memset(h + 1, 0, size);
	h->size = size;
	h->slab = slab_size;
	++wg_ut_alloc.live_objects;
	wg_ut_alloc.live_bytes += size;
	wg_ut_alloc.live_slab_bytes += slab_size;
	++wg_ut_alloc.allocs;
	return h + 1;
}

void wg_ut_free(const void *p)
{
	struct ut_hdr *h;

	if (!p)
		return;
	h = (struct ut_hdr *)p - 1;
	--wg_ut_alloc.live_objects;
	wg_ut_alloc.live_bytes -= h->size;
	wg_ut_alloc.live_slab_bytes -= h->slab;
	free(h);
}

/* The size class SLUB's kmalloc() would use on x86_64. */
size_t wg_ut_kmalloc_class(size_t n)
{
	static const size_t classes[] = { 8, 16, 32, 64, 96, 128, 192 };
	size_t c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(classes); ++i)
		if (n <= classes[i])
			return classes[i];
	for (c = 256; c < n; c *= 2)
		;
	return c;
}
