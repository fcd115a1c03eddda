// SPDX-License-Identifier: GPL-2.0
/* Rate limiter, driven by the fake clock. */
#include "test.h"

#define COST (NSEC_PER_SEC / WG_RATELIMITER_PACKETS_PER_SECOND)
#define BURST WG_RATELIMITER_PACKETS_BURSTABLE

static const int net1, net2;

static unsigned int drain(struct wg_ratelimiter *rl, int family,
			  const void *addr, const void *net)
{
	unsigned int n = 0;

	while (n < 1000 && wg_ratelimiter_allow(rl, family, addr, net))
		++n;
	return n;
}

static void ratelimiter_module_selftest(void)
{
	CHECK(wg_ratelimiter_selftest());
}

static void ratelimiter_burst_and_refill(void)
{
	struct wg_ratelimiter rl;
	const u8 a[4] = { 10, 1, 2, 3 };
	unsigned int i;

	CHECK(!wg_ratelimiter_init_sized(&rl, 64, 512));
	CHECK(drain(&rl, AF_INET, a, &net1) == BURST);
	/* Refill at PACKETS_PER_SECOND: one token per COST. */
	shim_clock_advance(COST - 1);
	CHECK(!wg_ratelimiter_allow(&rl, AF_INET, a, &net1));
	shim_clock_advance(1);
	CHECK(wg_ratelimiter_allow(&rl, AF_INET, a, &net1));
	CHECK(!wg_ratelimiter_allow(&rl, AF_INET, a, &net1));
	/* Sustained: exactly one per COST over 100 periods. */
	for (i = 0; i < 100; ++i) {
		shim_clock_advance(COST);
		CHECK(drain(&rl, AF_INET, a, &net1) == 1);
	}
	/* A long pause buys a burst, not more. */
	shim_clock_advance(3 * COST);
	CHECK(drain(&rl, AF_INET, a, &net1) == 3);
	shim_clock_advance(600ULL * NSEC_PER_SEC);
	CHECK(drain(&rl, AF_INET, a, &net1) == BURST);
	/* Refused messages cost nothing: hammering does not delay refill. */
	for (i = 0; i < 50; ++i)
		CHECK(!wg_ratelimiter_allow(&rl, AF_INET, a, &net1));
	shim_clock_advance(2 * COST);
	CHECK(drain(&rl, AF_INET, a, &net1) == 2);
	wg_ratelimiter_uninit(&rl);
}

static void ratelimiter_sources_apart(void)
{
	struct wg_ratelimiter rl;
	const u8 a[4] = { 10, 1, 2, 3 }, b[4] = { 10, 1, 2, 4 };
	/* 2001:db8:aa:bb::/64 twice, then a neighbouring /64. */
	const u8 v6a[16] = { 0x20, 1, 0xd, 0xb8, 0, 0xaa, 0, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8 };
	const u8 v6b[16] = { 0x20, 1, 0xd, 0xb8, 0, 0xaa, 0, 0xbb, 0xff, 0xfe, 0, 0, 0, 0, 0, 1 };
	const u8 v6c[16] = { 0x20, 1, 0xd, 0xb8, 0, 0xaa, 0, 0xbc, 1, 2, 3, 4, 5, 6, 7, 8 };
	/* Same leading bytes as a, but IPv6: another source. */
	u8 v6d[16] = { 10, 1, 2, 3 };

	CHECK(!wg_ratelimiter_init_sized(&rl, 64, 512));
	CHECK(drain(&rl, AF_INET, a, &net1) == BURST);
	CHECK(drain(&rl, AF_INET, b, &net1) == BURST);
	CHECK(drain(&rl, AF_INET, a, &net2) == BURST);
	CHECK(drain(&rl, AF_INET6, v6d, &net1) == BURST);
	CHECK(drain(&rl, AF_INET6, v6a, &net1) == BURST);
	/* The whole /64 shares one bucket. */
	CHECK(drain(&rl, AF_INET6, v6b, &net1) == 0);
	CHECK(drain(&rl, AF_INET6, v6c, &net1) == BURST);
	CHECK(rl.total_entries == 6);
	CHECK(!wg_ratelimiter_allow(&rl, AF_UNSPEC, a, &net1));
	CHECK(!wg_ratelimiter_allow(&rl, 12345, a, &net1));
	CHECK(rl.total_entries == 6);
	wg_ratelimiter_uninit(&rl);
}

static void ratelimiter_table_bound_and_gc(void)
{
	struct wg_ratelimiter rl;
	u8 addr[4] = { 172, 16, 0, 0 };
	unsigned int i;

	CHECK(!wg_ratelimiter_init_sized(&rl, 4, 8));
	CHECK(rl.gc_work.pending);
	for (i = 0; i < 8; ++i) {
		addr[3] = i;
		CHECK(wg_ratelimiter_allow(&rl, AF_INET, addr, &net1));
	}
	CHECK(rl.total_entries == 8);
	/* Full: new sources are refused, known ones keep their tokens. */
	addr[3] = 100;
	CHECK(!wg_ratelimiter_allow(&rl, AF_INET, addr, &net1));
	CHECK(rl.total_entries == 8);
	addr[3] = 3;
	CHECK(drain(&rl, AF_INET, addr, &net1) == BURST - 1);

	/* Garbage collection keeps entries idle for up to a second. */
	shim_clock_advance(NSEC_PER_SEC);
	addr[3] = 5;
	CHECK(wg_ratelimiter_allow(&rl, AF_INET, addr, &net1));
	wg_ratelimiter_gc(&rl, false);
	CHECK(rl.total_entries == 8);
	shim_clock_advance(1);
	wg_ratelimiter_gc(&rl, false);
	CHECK_MSG(rl.total_entries == 1, "%u entries", rl.total_entries);
	/* The gc work does the same and re-arms itself. */
	rl.gc_work.pending = false;
	shim_clock_advance(NSEC_PER_SEC + 1);
	rl.gc_work.work.func(&rl.gc_work.work);
	CHECK(rl.total_entries == 0);
	CHECK(rl.gc_work.pending);

	/* Room again; and forgetting an idle source loses it nothing. */
	addr[3] = 100;
	CHECK(drain(&rl, AF_INET, addr, &net1) == BURST);
	for (i = 0; i < 7; ++i) {
		addr[3] = 200 + i;
		CHECK(wg_ratelimiter_allow(&rl, AF_INET, addr, &net1));
	}
	wg_ratelimiter_gc(&rl, true);
	CHECK(rl.total_entries == 0);
	for (i = 0; i < rl.table_size; ++i)
		CHECK(hlist_empty(&rl.table[i]));
	wg_ratelimiter_uninit(&rl);
	CHECK(!rl.gc_work.pending);
	/* Uninit twice is harmless. */
	wg_ratelimiter_uninit(&rl);
}

static void ratelimiter_default_size(void)
{
	struct wg_ratelimiter rl;
	u8 addr[4] = { 100, 64, 0, 0 };
	unsigned int i, refused = 0;

	CHECK(!wg_ratelimiter_init(&rl));
	/* The shim claims 4 GiB: the table is at its cap. */
	CHECK(rl.table_size == 8192 && rl.max_entries == 65536);
	for (i = 0; i < 20000; ++i) {
		addr[2] = i >> 8;
		addr[3] = i;
		addr[1] = 64 + (i >> 16);
		if (!wg_ratelimiter_allow(&rl, AF_INET, addr, &net1))
			++refused;
	}
	CHECK(!refused);
	CHECK(rl.total_entries == 20000);
	wg_ratelimiter_uninit(&rl);
}

void test_ratelimiter_suite(void)
{
	RUN_TEST(ratelimiter_module_selftest);
	RUN_TEST(ratelimiter_burst_and_refill);
	RUN_TEST(ratelimiter_sources_apart);
	RUN_TEST(ratelimiter_table_bound_and_gc);
	RUN_TEST(ratelimiter_default_size);
}
