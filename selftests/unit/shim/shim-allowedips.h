/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What src/allowedips.c needs beyond shim.h, for the unit tests and the
 * benchmark.
 *
 * The k*alloc family, the slab caches and the RCU frees are routed through
 * a counting allocator, so tests can check that everything is freed, make
 * the N-th allocation fail, and measure memory the way the kernel's slab
 * allocator would charge it.
 */
#ifndef WG_UNIT_SHIM_ALLOWEDIPS_H
#define WG_UNIT_SHIM_ALLOWEDIPS_H

/*
 * This file is force-included instead of shim.h, which it includes after
 * the libc headers that would clash with it: glibc's <sys/cdefs.h> and
 * <netinet/in.h> define __always_inline and (when optimizing) htonl() and
 * friends as macros that shim.h then redefines. Drop glibc's first.
 */
#include <sys/cdefs.h>
#include <limits.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
/* shim.h's empty <linux/errno.h> hides libc's error numbers. */
#include <asm/errno.h>
#undef __always_inline
#undef htonl
#undef htons
#undef ntohl
#undef ntohs

#include "shim.h"

#define lockdep_is_held(l) (1)
#define rcu_read_lock_bh_held() (1)

/* Counters, defined by selftests/unit/allowedips/ut_alloc.c. */
struct wg_ut_alloc_stats {
	long live_objects;	/* allocated and not yet freed */
	size_t live_bytes;	/* requested bytes */
	size_t live_slab_bytes;	/* as charged by the kernel's slab */
	unsigned long allocs;
	long fail_countdown;	/* > 0: the N-th next allocation fails */
	unsigned long failures;
};
extern struct wg_ut_alloc_stats wg_ut_alloc;

void *wg_ut_alloc_bytes(size_t size, size_t slab_size, bool zero);
void wg_ut_free(const void *p);
size_t wg_ut_kmalloc_class(size_t size);

#define kmalloc(n, f) wg_ut_alloc_bytes((n), wg_ut_kmalloc_class(n), false)
#define kzalloc(n, f) wg_ut_alloc_bytes((n), wg_ut_kmalloc_class(n), true)
#define kcalloc(c, n, f) \
	wg_ut_alloc_bytes((c) * (n), wg_ut_kmalloc_class((c) * (n)), true)
#define kfree(p) wg_ut_free(p)
#define kmem_cache_create(name, size, align, flags, ctor) \
	shim_kmem_cache_create(ALIGN((size_t)(size), 8))
#define kmem_cache_alloc(c, f) wg_ut_alloc_bytes((c)->size, (c)->size, false)
#define kmem_cache_zalloc(c, f) wg_ut_alloc_bytes((c)->size, (c)->size, true)
#define kmem_cache_free(c, p) wg_ut_free(p)
#define kfree_rcu_mightsleep(p) wg_ut_free(p)

#endif /* WG_UNIT_SHIM_ALLOWEDIPS_H */
