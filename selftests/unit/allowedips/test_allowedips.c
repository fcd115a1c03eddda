// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of src/allowedips.c, compiled from the very same source against
 * the userspace shim. Each test prints "PASS: <name>" or "FAIL: <name> <why>";
 * the exit status is non-zero if anything failed.
 *
 * The randomized tests print their seed; rerun one with WG_AP_SEED=<seed>.
 * Every test also checks that the table's memory is all returned (the
 * counting allocator of ut_alloc.c), and LeakSanitizer checks it again at
 * exit.
 */
#include "allowedips.h"

#include <time.h>

#define NOWN 16

static struct wg_allowedips table;
static struct mutex lock;
static struct wg_allowedips_peer own[NOWN];

static const char *cur_test;
static int cur_fail, total_fail, total_pass;

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond) && cur_fail++ < 8)					\
		printf("FAIL: %s " fmt " [line %d]\n", cur_test,	\
		       ##__VA_ARGS__, __LINE__);			\
} while (0)

/* ---- Small helpers ---- */

static void begin(const char *name)
{
	int i;

	cur_test = name;
	cur_fail = 0;
	mutex_init(&lock);
	wg_allowedips_init(&table);
	for (i = 0; i < NOWN; ++i)
		wg_allowedips_peer_init(&own[i]);
}

static void end(void)
{
	size_t n = 1;
	int i;

	wg_ut_alloc.fail_countdown = 0;
	mutex_lock(&lock);
	wg_allowedips_free(&table, &lock);
	CHECK(wg_allowedips_verify(&table, &n, &lock) && n == 0,
	      "table not empty after free");
	mutex_unlock(&lock);
	for (i = 0; i < NOWN; ++i)
		CHECK(wg_allowedips_peer_count(&own[i]) == 0 &&
		      list_empty(&own[i].list[0]) && list_empty(&own[i].list[1]),
		      "owner %d not empty after free", i);
	CHECK(wg_ut_alloc.live_objects == 0, "%ld objects still allocated",
	      wg_ut_alloc.live_objects);
	if (cur_fail) {
		++total_fail;
	} else {
		++total_pass;
		printf("PASS: %s\n", cur_test);
	}
	fflush(stdout);
}

/* "10.0.0.0/8" or "2001:db8::/32" (no "/n" means a host prefix). */
static int parse(const char *s, u8 *key, u8 *cidr)
{
	char buf[64];
	char *slash;
	int fam;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	fam = strchr(buf, ':') ? 1 : 0;
	memset(key, 0, 16);
	if (inet_pton(fam ? AF_INET6 : AF_INET, buf, key) != 1) {
		printf("FAIL: %s bad address literal %s\n", cur_test, s);
		abort();
	}
	*cidr = slash ? atoi(slash + 1) : (fam ? 128 : 32);
	return fam;
}

static int do_insert(int fam, const u8 *key, unsigned int cidr, int o)
{
	int ret;

	mutex_lock(&lock);
	if (fam)
		ret = wg_allowedips_insert_v6(&table, (const void *)key, cidr,
					      &own[o], &lock);
	else
		ret = wg_allowedips_insert_v4(&table, (const void *)key, cidr,
					      &own[o], &lock);
	mutex_unlock(&lock);
	return ret;
}

static int do_remove(int fam, const u8 *key, unsigned int cidr, int o)
{
	int ret;

	mutex_lock(&lock);
	if (fam)
		ret = wg_allowedips_remove_v6(&table, (const void *)key, cidr,
					      &own[o], &lock);
	else
		ret = wg_allowedips_remove_v4(&table, (const void *)key, cidr,
					      &own[o], &lock);
	mutex_unlock(&lock);
	return ret;
}

static void do_remove_by_peer(int o)
{
	mutex_lock(&lock);
	wg_allowedips_remove_by_peer(&table, &own[o], &lock);
	mutex_unlock(&lock);
}

static int ins(const char *s, int o)
{
	u8 key[16], cidr;
	int fam = parse(s, key, &cidr);

	return do_insert(fam, key, cidr, o);
}

static int rem(const char *s, int o)
{
	u8 key[16], cidr;
	int fam = parse(s, key, &cidr);

	return do_remove(fam, key, cidr, o);
}

static int owner_index(const struct wg_allowedips_peer *p)
{
	int i;

	if (!p)
		return -1;
	for (i = 0; i < NOWN; ++i)
		if (p == &own[i])
			return i;
	return -2;
}

/* Owner index for an address, -1 for none; -3 if dst and src disagree. */
static int do_lookup(int fam, const u8 *addr)
{
	struct wg_allowedips_peer *d, *s;
	unsigned long allocs = wg_ut_alloc.allocs;

	rcu_read_lock_bh();
	d = wg_allowedips_lookup_dst(&table, fam ? AF_INET6 : AF_INET, addr);
	s = wg_allowedips_lookup_src(&table, fam ? AF_INET6 : AF_INET, addr);
	rcu_read_unlock_bh();
	if (wg_ut_alloc.allocs != allocs)
		return -4;
	return d == s ? owner_index(d) : -3;
}

#define EXPECT(addr, want) do {						\
	u8 __k[16], __c;						\
	int __f = parse(addr, __k, &__c), __g = do_lookup(__f, __k);	\
									\
	CHECK(__g == (want), "lookup %s -> %d, want %d", addr, __g,	\
	      (int)(want));						\
} while (0)

static bool verify_table(void)
{
	size_t n = 0, sum = 0;
	bool ok;
	int i;

	mutex_lock(&lock);
	ok = wg_allowedips_verify(&table, &n, &lock);
	mutex_unlock(&lock);
	for (i = 0; i < NOWN; ++i)
		sum += wg_allowedips_peer_count(&own[i]);
	return ok && n == sum;
}

static void format_prefix(char *out, size_t len, int family, const u8 *ip,
			  unsigned int cidr)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, ip, a, sizeof(a));
	snprintf(out, len, "%s/%u", a, cidr);
}

/* Walk an owner's prefixes in one go; returns how many. */
static int walk(int o, char (*out)[64], int max)
{
	struct wg_allowedips_cursor cur;
	u8 ip[16], cidr;
	int n = 0, family;

	wg_allowedips_cursor_init(&cur);
	mutex_lock(&lock);
	while (wg_allowedips_peer_next(&own[o], &cur, ip, &cidr, &family)) {
		if (n < max)
			format_prefix(out[n], sizeof(out[n]), family, ip, cidr);
		++n;
	}
	mutex_unlock(&lock);
	return n;
}

/* ---- Fixed cases ---- */

static void test_empty(void)
{
	begin("empty_table");
	EXPECT("1.2.3.4", -1);
	EXPECT("0.0.0.0", -1);
	EXPECT("::", -1);
	EXPECT("2001:db8::1", -1);
	CHECK(!rem("10.0.0.0/8", 0), "remove from empty");
	CHECK(verify_table(), "invariants");
	end();
}

static void test_zero_prefix(void)
{
	begin("zero_prefix_and_family_separation");
	CHECK(!ins("0.0.0.0/0", 1), "insert 0/0");
	EXPECT("0.0.0.0", 1);
	EXPECT("255.255.255.255", 1);
	EXPECT("128.0.0.1", 1);
	/* An IPv4 /0 never matches an IPv6 address, and vice versa. */
	EXPECT("::", -1);
	EXPECT("::ffff:1.2.3.4", -1);
	EXPECT("2001:db8::1", -1);
	CHECK(!ins("::/0", 2), "insert ::/0");
	EXPECT("2001:db8::1", 2);
	EXPECT("::", 2);
	EXPECT("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 2);
	EXPECT("1.2.3.4", 1);
	CHECK(!rem("0.0.0.0/0", 1), "remove 0/0");
	EXPECT("1.2.3.4", -1);
	EXPECT("2001:db8::1", 2);
	/* Host bits of a /0 are all ignored. */
	CHECK(!ins("1.2.3.4/0", 3), "insert 1.2.3.4/0");
	EXPECT("200.1.1.1", 3);
	CHECK(!rem("9.9.9.9/0", 3), "remove 9.9.9.9/0");
	EXPECT("200.1.1.1", -1);
	/* Unknown families find nothing. */
	{
		u8 k[16] = { 0 };

		rcu_read_lock_bh();
		CHECK(!wg_allowedips_lookup_dst(&table, AF_UNIX, k) &&
		      !wg_allowedips_lookup_src(&table, 0, k),
		      "unknown family found something");
		rcu_read_unlock_bh();
	}
	CHECK(verify_table(), "invariants");
	end();
}

static void test_edges(void)
{
	begin("edge_prefixes_1_32_128");
	CHECK(!ins("128.0.0.0/1", 1), "insert /1");
	CHECK(!ins("0.0.0.0/1", 2), "insert 0/1");
	CHECK(!ins("255.255.255.255/32", 3), "insert /32 all ones");
	CHECK(!ins("0.0.0.0/32", 4), "insert /32 all zeros");
	CHECK(!ins("127.255.255.255/32", 5), "insert /32 mid");
	EXPECT("128.0.0.0", 1);
	EXPECT("255.255.255.254", 1);
	EXPECT("255.255.255.255", 3);
	EXPECT("0.0.0.0", 4);
	EXPECT("0.0.0.1", 2);
	EXPECT("127.255.255.255", 5);
	EXPECT("127.255.255.254", 2);
	CHECK(!ins("8000::/1", 6), "insert ::/1");
	CHECK(!ins("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 7), "/128");
	CHECK(!ins("::/128", 8), "insert ::/128");
	CHECK(!ins("::1/128", 9), "insert ::1/128");
	EXPECT("8000::", 6);
	EXPECT("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 6);
	EXPECT("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 7);
	EXPECT("::", 8);
	EXPECT("::1", 9);
	EXPECT("::2", -1);
	EXPECT("7fff::", -1);
	CHECK(ins("1.2.3.4/33", 1) == -EINVAL, "/33 accepted");
	CHECK(ins("::1/129", 1) == -EINVAL, "/129 accepted");
	CHECK(ins("::1/255", 1) == -EINVAL, "/255 accepted");
	CHECK(rem("1.2.3.4/33", 1) == -EINVAL, "remove /33 accepted");
	CHECK(rem("::/129", 1) == -EINVAL, "remove /129 accepted");
	CHECK(verify_table(), "invariants");
	end();
}

static void test_nested(void)
{
	begin("nested_and_overlapping");
	CHECK(!ins("10.0.0.0/8", 1), "insert");
	CHECK(!ins("10.1.0.0/16", 2), "insert");
	CHECK(!ins("10.1.1.0/24", 3), "insert");
	CHECK(!ins("10.1.1.1/32", 4), "insert");
	CHECK(!ins("10.1.1.0/25", 5), "insert");
	CHECK(!ins("10.1.1.128/26", 6), "insert");
	CHECK(!ins("10.0.0.0/9", 7), "insert");
	CHECK(!ins("10.1.0.0/15", 8), "insert");
	EXPECT("10.1.1.1", 4);
	EXPECT("10.1.1.2", 5);
	EXPECT("10.1.1.127", 5);
	EXPECT("10.1.1.128", 6);
	EXPECT("10.1.1.191", 6);
	EXPECT("10.1.1.192", 3);
	EXPECT("10.1.2.0", 2);
	EXPECT("10.0.5.5", 8);
	EXPECT("10.2.0.0", 7);
	EXPECT("10.127.255.255", 7);
	EXPECT("10.128.0.0", 1);
	EXPECT("11.0.0.0", -1);
	EXPECT("9.255.255.255", -1);
	/* Same in IPv6, with a prefix at every length along one path. */
	{
		char buf[64];
		int i;

		for (i = 0; i <= 128; i += 3) {
			snprintf(buf, sizeof(buf), "2001:db8:a5a5:5a5a:ffff::1/%d",
				 i);
			CHECK(!ins(buf, i % NOWN), "insert %s", buf);
		}
		/* 2001:db8:a5a5:5a5a:ffff:: then bit i flipped. */
		for (i = 0; i < 128; ++i) {
			u8 k[16], c;
			int want = i >= 126 ? 126 % NOWN : (i / 3) * 3 % NOWN;

			parse("2001:db8:a5a5:5a5a:ffff::1", k, &c);
			k[i / 8] ^= 0x80 >> (i % 8);
			/* Longest stored length <= i: floor(i / 3) * 3. */
			CHECK(do_lookup(1, k) == want, "bit %d: %d, want %d", i,
			      do_lookup(1, k), want);
		}
		EXPECT("2001:db8:a5a5:5a5a:ffff::1", 126 % NOWN);
	}
	CHECK(verify_table(), "invariants");
	end();
}

static void test_host_bits(void)
{
	char out[4][64];
	int n;

	begin("host_bits_masked");
	CHECK(!ins("10.0.0.5/24", 1), "insert");
	CHECK(!ins("192.168.77.255/17", 1), "insert");
	CHECK(!ins("2001:db8::dead:beef/64", 1), "insert");
	n = walk(1, out, 4);
	CHECK(n == 3, "walked %d", n);
	CHECK(n >= 3 && !strcmp(out[0], "10.0.0.0/24") &&
	      !strcmp(out[1], "192.168.0.0/17") &&
	      !strcmp(out[2], "2001:db8::/64"),
	      "walk gave %s %s %s", out[0], out[1], out[2]);
	EXPECT("10.0.0.200", 1);
	EXPECT("192.168.127.1", 1);
	EXPECT("192.168.128.1", -1);
	/* The same prefix with other host bits is the same prefix. */
	CHECK(!ins("10.0.0.77/24", 2), "insert");
	CHECK(wg_allowedips_peer_count(&own[1]) == 2 &&
	      wg_allowedips_peer_count(&own[2]) == 1, "moved by host bits");
	CHECK(!rem("10.0.0.99/24", 2), "remove");
	EXPECT("10.0.0.1", -1);
	CHECK(!rem("2001:db8::1:2:3:4/64", 1), "remove");
	EXPECT("2001:db8::1", -1);
	CHECK(wg_allowedips_peer_count(&own[1]) == 1, "count");
	CHECK(verify_table(), "invariants");
	end();
}

static void test_moves(void)
{
	char out[8][64];

	begin("moves_between_owners");
	CHECK(!ins("10.0.0.0/8", 1), "insert");
	CHECK(!ins("10.1.0.0/16", 1), "insert");
	CHECK(!ins("10.1.2.3/32", 1), "insert");
	CHECK(!ins("fd00::/8", 1), "insert");
	EXPECT("10.1.2.3", 1);
	CHECK(!ins("10.1.0.0/16", 2), "move");
	EXPECT("10.1.2.4", 2);
	EXPECT("10.1.2.3", 1);
	EXPECT("10.2.0.0", 1);
	CHECK(wg_allowedips_peer_count(&own[1]) == 3 &&
	      wg_allowedips_peer_count(&own[2]) == 1, "counts after move");
	CHECK(walk(2, out, 8) == 1 && !strcmp(out[0], "10.1.0.0/16"),
	      "walk of new owner");
	CHECK(walk(1, out, 8) == 3 && !strcmp(out[0], "10.0.0.0/8") &&
	      !strcmp(out[1], "10.1.2.3/32") && !strcmp(out[2], "fd00::/8"),
	      "walk of old owner");
	/* Re-inserting for the same owner changes nothing. */
	CHECK(!ins("10.1.0.0/16", 2), "reinsert");
	CHECK(wg_allowedips_peer_count(&own[2]) == 1, "reinsert count");
	/* Move back: it joins the end of owner 1's list. */
	CHECK(!ins("10.1.0.0/16", 1), "move back");
	CHECK(walk(1, out, 8) == 4 && !strcmp(out[2], "10.1.0.0/16") &&
	      !strcmp(out[3], "fd00::/8"), "walk after move back: %s %s",
	      out[2], out[3]);
	CHECK(walk(2, out, 8) == 0, "owner 2 not empty");
	EXPECT("10.1.2.4", 1);
	CHECK(!ins("fd00::/8", 3), "move v6");
	EXPECT("fd00::1", 3);
	CHECK(verify_table(), "invariants");
	end();
}

/*
 * A run of prefixes in ascending order appends to the same nodes: after a
 * node's second append in a row its copy has spare slots, and the next
 * appends fill them in place. 4096 consecutive /32s, then /128s: each is
 * found as soon as it is in, the invariants hold throughout, a prefix
 * inserted out of order still lands right, and the allocations stay well
 * below one node copy per prefix (a leaf each is the floor; without the
 * in-place appends this is about two per prefix).
 */
static void test_ascending_runs(void)
{
	unsigned long allocs;
	char s[64], a[64];
	unsigned int x;

	begin("ascending_runs_append_in_place");
	allocs = wg_ut_alloc.allocs;
	for (x = 0; x < 4096; ++x) {
		snprintf(s, sizeof(s), "10.1.%u.%u/32", x / 256, x % 256);
		CHECK(!ins(s, x % 3), "insert %s", s);
		snprintf(a, sizeof(a), "10.1.%u.%u", x / 256, x % 256);
		EXPECT(a, (int)(x % 3));
		if (!(x % 61))
			CHECK(verify_table(), "invariants after %s", s);
	}
	CHECK(wg_ut_alloc.allocs - allocs < 4096 + 4096 / 2,
	      "%lu allocations for 4096 ascending /32s",
	      wg_ut_alloc.allocs - allocs);
	allocs = wg_ut_alloc.allocs;
	for (x = 0; x < 4096; ++x) {
		snprintf(s, sizeof(s), "2001:db8::%x/128", x);
		CHECK(!ins(s, 3), "insert %s", s);
	}
	CHECK(wg_ut_alloc.allocs - allocs < 4096 + 4096 / 2,
	      "%lu allocations for 4096 ascending /128s",
	      wg_ut_alloc.allocs - allocs);
	/* Out of order, and shorter prefixes in nodes full of children. */
	CHECK(!ins("10.1.0.0/24", 4) && !ins("10.1.3.128/25", 4) &&
	      !ins("2001:db8::800/120", 4), "insert out of order");
	EXPECT("10.1.0.5", 5 % 3);
	EXPECT("10.1.16.0", -1);
	/* 10.1.3.200 is the 968th: owner 968 % 3 = 2. */
	EXPECT("10.1.3.200", 2);
	EXPECT("2001:db8::fff", 3);
	EXPECT("2001:db8::1000", -1);
	CHECK(!rem("10.1.3.200/32", 2), "remove");
	EXPECT("10.1.3.200", 4);
	for (x = 0; x < 4096; x += 7) {
		snprintf(a, sizeof(a), "2001:db8::%x", x);
		EXPECT(a, 3);
	}
	CHECK(verify_table(), "invariants");
	end();
}

static void test_exact_removal(void)
{
	begin("exact_removal");
	CHECK(!ins("10.0.0.0/8", 1), "insert");
	CHECK(!ins("10.1.0.0/16", 2), "insert");
	CHECK(!ins("2001:db8::/32", 2), "insert");
	/* Someone else's prefix: a silent no-op. */
	CHECK(!rem("10.1.0.0/16", 1), "remove other's");
	EXPECT("10.1.0.1", 2);
	/* Covered, covering or absent prefixes: no-ops. */
	CHECK(!rem("10.1.0.0/17", 2), "remove /17");
	CHECK(!rem("10.1.0.0/15", 2), "remove /15");
	CHECK(!rem("10.1.0.0/24", 2), "remove /24");
	CHECK(!rem("10.2.0.0/16", 2), "remove 10.2/16");
	CHECK(!rem("2001:db8::/33", 2), "remove /33");
	CHECK(!rem("2001:db8::/31", 2), "remove /31");
	EXPECT("10.1.0.1", 2);
	EXPECT("2001:db8::1", 2);
	CHECK(wg_allowedips_peer_count(&own[2]) == 2, "count");
	/* Own prefix: gone, the covering one shows through. */
	CHECK(!rem("10.1.0.0/16", 2), "remove own");
	EXPECT("10.1.0.1", 1);
	CHECK(!rem("2001:db8::/32", 2), "remove own v6");
	EXPECT("2001:db8::1", -1);
	CHECK(wg_allowedips_peer_count(&own[2]) == 0, "count");
	/* Removing twice is fine. */
	CHECK(!rem("10.1.0.0/16", 2), "remove again");
	CHECK(!rem("10.0.0.0/8", 1), "remove last");
	EXPECT("10.0.0.1", -1);
	CHECK(verify_table(), "invariants");
	end();
}

static void test_remove_by_peer(void)
{
	char buf[64];
	int i;

	begin("remove_by_peer");
	for (i = 0; i < 250; ++i) {
		snprintf(buf, sizeof(buf), "10.%d.%d.0/%d", i % 7, i, 20 + i % 13);
		CHECK(!ins(buf, i % 3), "insert %s", buf);
		snprintf(buf, sizeof(buf), "2001:db8:%x::%x/%d", i % 5, i,
			 40 + i % 89);
		CHECK(!ins(buf, i % 3), "insert %s", buf);
	}
	CHECK(!ins("10.0.0.0/8", 4), "insert");
	CHECK(!ins("::/0", 4), "insert");
	CHECK(verify_table(), "invariants before");
	do_remove_by_peer(1);
	CHECK(wg_allowedips_peer_count(&own[1]) == 0, "owner 1 count");
	CHECK(walk(1, NULL, 0) == 0, "owner 1 walk");
	CHECK(verify_table(), "invariants after");
	for (i = 0; i < 250; ++i) {
		u8 k[16], c;
		int got;

		snprintf(buf, sizeof(buf), "10.%d.%d.0", i % 7, i);
		parse(buf, k, &c);
		got = do_lookup(0, k);
		CHECK(i % 3 == 1 ? got != 1 : got != 1 && got >= 0,
		      "%s -> %d", buf, got);
	}
	do_remove_by_peer(0);
	do_remove_by_peer(2);
	do_remove_by_peer(2);
	EXPECT("10.3.3.3", 4);
	EXPECT("2001:db8::1", 4);
	do_remove_by_peer(4);
	EXPECT("10.3.3.3", -1);
	EXPECT("2001:db8::1", -1);
	CHECK(wg_ut_alloc.live_objects == 0, "%ld objects left",
	      wg_ut_alloc.live_objects);
	CHECK(verify_table(), "invariants at end");
	end();
}

static void test_cursor_resume(void)
{
	struct wg_allowedips_cursor cur;
	char seen[64][64], buf[64];
	u8 ip[16], cidr;
	int n = 0, family, i, j;

	begin("cursor_resume_after_changes");
	for (i = 0; i < 20; ++i) {
		snprintf(buf, sizeof(buf), "10.0.%d.0/24", i);
		CHECK(!ins(buf, 1), "insert");
	}
	CHECK(!ins("2001:db8::/48", 1), "insert");
	CHECK(!ins("2001:db8:1::/48", 1), "insert");
	wg_allowedips_cursor_init(&cur);
	/* Emit five, changing things between each call as a dump would. */
	for (i = 0; i < 5; ++i) {
		mutex_lock(&lock);
		CHECK(wg_allowedips_peer_next(&own[1], &cur, ip, &cidr,
					      &family), "early end");
		mutex_unlock(&lock);
		format_prefix(seen[n++], 64, family, ip, cidr);
	}
	CHECK(!strcmp(seen[4], "10.0.4.0/24"), "fifth is %s", seen[4]);
	/* The last emitted one and an earlier one go away. */
	CHECK(!rem("10.0.4.0/24", 1), "remove");
	CHECK(!rem("10.0.1.0/24", 1), "remove");
	/* Unemitted ones: one removed, one moved away and back. */
	CHECK(!rem("10.0.7.0/24", 1), "remove");
	CHECK(!ins("10.0.9.0/24", 2), "move away");
	CHECK(!ins("10.0.9.0/24", 1), "move back");
	/* New ones, and churn to recycle the freed memory. */
	CHECK(!ins("10.9.0.0/16", 1), "insert");
	for (i = 0; i < 50; ++i) {
		snprintf(buf, sizeof(buf), "172.16.%d.0/24", i);
		CHECK(!ins(buf, 3), "insert");
	}
	do_remove_by_peer(3);
	mutex_lock(&lock);
	while (wg_allowedips_peer_next(&own[1], &cur, ip, &cidr, &family) &&
	       n < 64) {
		format_prefix(seen[n++], 64, family, ip, cidr);
		mutex_unlock(&lock);
		/* And more changes between every further call. */
		if (n == 8)
			CHECK(!rem("10.0.12.0/24", 1), "remove");
		if (n == 9)
			CHECK(!rem("2001:db8::/48", 1), "remove");
		mutex_lock(&lock);
	}
	mutex_unlock(&lock);
	/* Present throughout: 0, 2, 3, 5, 6, 8, 10, 11, 13..19, the v6 /48 */
	for (i = 0; i < 20; ++i) {
		int count = 0;

		snprintf(buf, sizeof(buf), "10.0.%d.0/24", i);
		for (j = 0; j < n; ++j)
			count += !strcmp(seen[j], buf);
		if (i == 4 || i == 1 || i == 9)
			CHECK(count == 1, "%s seen %d times", buf, count);
		else if (i == 7)
			CHECK(count == 0, "%s seen %d times", buf, count);
		else if (i != 12)
			CHECK(count == 1, "%s seen %d times", buf, count);
	}
	for (j = 0, i = 0; j < n; ++j)
		i += !strcmp(seen[j], "2001:db8:1::/48") * 1 +
		     !strcmp(seen[j], "10.9.0.0/16") * 100 +
		     !strcmp(seen[j], "2001:db8::/48") * 10000;
	CHECK(i == 101, "new/v6 prefixes seen wrongly (%d)", i);
	CHECK(!strcmp(seen[n - 1], "2001:db8:1::/48") &&
	      !strcmp(seen[n - 2], "10.9.0.0/16") &&
	      !strcmp(seen[n - 3], "10.0.9.0/24"), "order of the tail");
	/* Finished cursors stay finished. */
	mutex_lock(&lock);
	CHECK(!wg_allowedips_peer_next(&own[1], &cur, ip, &cidr, &family),
	      "finished cursor restarted");
	mutex_unlock(&lock);
	/* A walk of an owner emptied mid-walk just ends. */
	wg_allowedips_cursor_init(&cur);
	mutex_lock(&lock);
	CHECK(wg_allowedips_peer_next(&own[1], &cur, ip, &cidr, &family),
	      "no first");
	mutex_unlock(&lock);
	do_remove_by_peer(1);
	mutex_lock(&lock);
	CHECK(!wg_allowedips_peer_next(&own[1], &cur, ip, &cidr, &family),
	      "walk of emptied owner went on");
	mutex_unlock(&lock);
	CHECK(verify_table(), "invariants");
	end();
}

static void test_cursor_renumber(void)
{
	struct wg_allowedips_cursor cur;
	char out[8][64];
	u8 ip[16], cidr;
	int family, n, i, seen_c = 0, seen_d = 0;

	begin("cursor_sequence_renumbering");
	CHECK(!ins("10.0.0.0/24", 1), "insert a");
	CHECK(!ins("10.0.1.0/24", 1), "insert b");
	CHECK(!ins("10.0.2.0/24", 1), "insert c");
	/* White box: pretend 16M prefixes joined this list before. */
	own[1].next_seq[0] = 0xffffff;
	wg_allowedips_cursor_init(&cur);
	mutex_lock(&lock);
	CHECK(wg_allowedips_peer_next(&own[1], &cur, ip, &cidr, &family) &&
	      wg_allowedips_peer_next(&own[1], &cur, ip, &cidr, &family),
	      "first two");
	mutex_unlock(&lock);
	CHECK(!ins("10.0.3.0/24", 1), "insert d (renumbers)");
	CHECK(own[1].next_seq[0] == 4, "renumbered to %u", own[1].next_seq[0]);
	n = walk(1, out, 8);
	CHECK(n == 4 && !strcmp(out[0], "10.0.0.0/24") &&
	      !strcmp(out[3], "10.0.3.0/24"), "order after renumbering");
	/* The old cursor starts over: duplicates allowed, no loss. */
	mutex_lock(&lock);
	for (i = 0; i < 10 && wg_allowedips_peer_next(&own[1], &cur, ip, &cidr,
						       &family); ++i) {
		seen_c += ip[2] == 2;
		seen_d += ip[2] == 3;
	}
	mutex_unlock(&lock);
	CHECK(seen_c == 1 && seen_d == 1 && i <= 4, "resumed walk: %d %d %d",
	      seen_c, seen_d, i);
	/* Saturation (over 8M prefixes in the list): still walks all. */
	own[1].next_seq[0] = 0xffffff;
	own[1].count[0] += 0x800000;
	CHECK(!ins("10.0.4.0/24", 1), "insert e");
	CHECK(!ins("10.0.5.0/24", 1), "insert f");
	own[1].count[0] -= 0x800000;
	CHECK(own[1].next_seq[0] == 0xffffff, "not saturated");
	n = walk(1, out, 8);
	CHECK(n == 6 && !strcmp(out[5], "10.0.5.0/24"), "walk when saturated");
	CHECK(verify_table(), "invariants");
	end();
}

/* ---- Memory exhaustion ---- */

static void test_alloc_failures(void)
{
	char buf[64];
	int i, k, ret;
	bool hit_enomem = false, hit_success = false;

	begin("allocation_failures");
	/* Every insertion path, failing its first, second, ... allocation. */
	for (k = 1; k <= 3; ++k) {
		for (i = 0; i < 200; ++i) {
			snprintf(buf, sizeof(buf), "10.%d.%d.%d/%d", i % 3,
				 i % 11, i, 8 + i % 25);
			size_t before = 0, after = 0;
			int o;

			for (o = 0; o < NOWN; ++o)
				before += wg_allowedips_peer_count(&own[o]);
			wg_ut_alloc.fail_countdown = k;
			ret = ins(buf, i % 4);
			wg_ut_alloc.fail_countdown = 0;
			for (o = 0; o < NOWN; ++o)
				after += wg_allowedips_peer_count(&own[o]);
			CHECK(ret == 0 || ret == -ENOMEM, "ret %d", ret);
			if (ret == -ENOMEM) {
				u8 key[16], c;

				CHECK(before == after, "failed insert changed "
				      "the count");
				hit_enomem = true;
				/* Not inserted: removing it is a no-op. */
				parse(buf, key, &c);
				CHECK(!do_remove(0, key, c, i % 4), "remove");
			} else {
				hit_success = true;
			}
			CHECK(verify_table(), "invariants after %s", buf);
		}
	}
	CHECK(hit_enomem && hit_success, "no failure or no success exercised");
	/* Removal never fails: with memory gone it leaves holes. */
	for (i = 0; i < 200; ++i) {
		u8 key[16], c;
		int owner;

		snprintf(buf, sizeof(buf), "10.%d.%d.%d/%d", i % 3, i % 11, i,
			 8 + i % 25);
		parse(buf, key, &c);
		owner = do_lookup(0, key);
		if (owner < 0 || owner >= 4)
			continue;
		wg_ut_alloc.fail_countdown = 1;
		CHECK(!rem(buf, owner), "remove");
		wg_ut_alloc.fail_countdown = 0;
		CHECK(verify_table(), "invariants after removing %s", buf);
		/* Refill some holes, sometimes with memory, sometimes not. */
		if (i % 5 == 0) {
			wg_ut_alloc.fail_countdown = i % 2 ? 1 : 0;
			ret = ins(buf, owner);
			wg_ut_alloc.fail_countdown = 0;
			CHECK(ret == 0 || ret == -ENOMEM, "reinsert %d", ret);
			CHECK(verify_table(), "invariants after refill");
		}
	}
	for (i = 0; i < 4; ++i) {
		wg_ut_alloc.fail_countdown = 1;
		do_remove_by_peer(i);
		wg_ut_alloc.fail_countdown = 0;
		CHECK(wg_allowedips_peer_count(&own[i]) == 0, "owner %d", i);
		CHECK(verify_table(), "invariants after remove_by_peer");
	}
	CHECK(wg_ut_alloc.live_objects == 0, "%ld objects left",
	      wg_ut_alloc.live_objects);
	end();
}

/* ---- Randomized differential test against a naive list ---- */

static u64 rng_state;

static u64 rnd(void)
{
	/* splitmix64 */
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 seed_for(const char *name)
{
	const char *s = getenv("WG_AP_SEED");
	u64 seed;

	if (s && *s) {
		seed = strtoull(s, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (u64)ts.tv_sec * 1000000007ULL ^ (u64)ts.tv_nsec;
	}
	printf("# %s: seed %llu (rerun with WG_AP_SEED=%llu)\n", name,
	       (unsigned long long)seed, (unsigned long long)seed);
	rng_state = seed;
	return seed;
}

struct ref_ent {
	u8 key[16];
	u8 cidr;
	s8 owner;
	bool stable;	/* cursor test: owned by the walked owner throughout */
	u8 emits;
};

static struct ref_ent *ref;
static size_t nref;

static void mask(u8 *k, unsigned int cidr, unsigned int bits)
{
	unsigned int i;

	for (i = cidr; i < bits; ++i)
		k[i / 8] &= ~(0x80 >> (i % 8));
}

static bool ref_matches(const struct ref_ent *r, const u8 *a)
{
	unsigned int i;

	for (i = 0; i < r->cidr; ++i)
		if ((r->key[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static struct ref_ent *ref_find(const u8 *k, unsigned int cidr)
{
	size_t i;

	for (i = 0; i < nref; ++i)
		if (ref[i].cidr == cidr && !memcmp(ref[i].key, k, 16))
			return &ref[i];
	return NULL;
}

static void ref_del(struct ref_ent *r)
{
	*r = ref[--nref];
}

static int ref_lookup(const u8 *a)
{
	int best = -1, owner = -1;
	size_t i;

	for (i = 0; i < nref; ++i)
		if ((int)ref[i].cidr > best && ref_matches(&ref[i], a)) {
			best = ref[i].cidr;
			owner = ref[i].owner;
		}
	return owner;
}

/* Prefixes near a few random bases: lots of nesting and shared paths. */
static u8 base[12][16];

static void random_prefix(unsigned int bits, u8 *k, u8 *cidr)
{
	unsigned int flips = rnd() % 4, i, r;

	memcpy(k, base[rnd() % ARRAY_SIZE(base)], 16);
	for (i = 0; i < flips; ++i) {
		unsigned int b = rnd() & 1 ? rnd() % bits :
				 bits / 2 + rnd() % (bits / 2);

		k[b / 8] ^= 0x80 >> (b % 8);
	}
	r = rnd() % 20;
	if (r < 3)
		*cidr = rnd() % (bits + 1);
	else if (r < 10)
		*cidr = bits - rnd() % 9;
	else
		*cidr = bits / 4 + rnd() % (bits - bits / 4 + 1);
	mask(k, *cidr, 128);
}

static void random_address(unsigned int bits, u8 *a)
{
	unsigned int r = rnd() % 10, i;

	if (r < 3 && nref) {
		/* Inside a stored prefix. */
		const struct ref_ent *e = &ref[rnd() % nref];

		for (i = 0; i < 16; ++i)
			a[i] = rnd();
		for (i = 0; i < e->cidr; ++i)
			a[i / 8] = (a[i / 8] & ~(0x80 >> (i % 8))) |
				   (e->key[i / 8] & (0x80 >> (i % 8)));
	} else if (r < 7) {
		/* Near a base. */
		memcpy(a, base[rnd() % ARRAY_SIZE(base)], 16);
		for (i = rnd() % 5; i > 0; --i) {
			unsigned int b = rnd() % bits;

			a[b / 8] ^= 0x80 >> (b % 8);
		}
	} else {
		for (i = 0; i < 16; ++i)
			a[i] = rnd();
	}
	mask(a, bits, 16 * 8);
}

/* Every owner's walk must list exactly its reference prefixes. */
static void check_walks(int fam)
{
	struct wg_allowedips_cursor cur;
	u8 ip[16], cidr;
	int family, o;
	size_t n, want;

	for (o = 0; o < NOWN; ++o) {
		size_t i;

		for (i = 0; i < nref; ++i)
			ref[i].emits = 0;
		wg_allowedips_cursor_init(&cur);
		n = 0;
		mutex_lock(&lock);
		while (wg_allowedips_peer_next(&own[o], &cur, ip, &cidr,
					       &family)) {
			struct ref_ent *r = ref_find(ip, cidr);

			CHECK(family == (fam ? AF_INET6 : AF_INET),
			      "walk family");
			CHECK(r && r->owner == o && !r->emits++,
			      "walk of %d: unexpected or repeated prefix", o);
			++n;
		}
		mutex_unlock(&lock);
		for (i = 0, want = 0; i < nref; ++i)
			want += ref[i].owner == o;
		CHECK(n == want && wg_allowedips_peer_count(&own[o]) == want,
		      "owner %d walked %zu, count %zu, want %zu", o, n,
		      wg_allowedips_peer_count(&own[o]), want);
	}
}

/* WG_AP_DEBUG=1: on a wrong lookup, list the prefixes that match. */
static void dump_matches(int fam, const u8 *a)
{
	const int family = fam ? AF_INET6 : AF_INET;
	char buf[64];
	size_t i;

	format_prefix(buf, sizeof(buf), family, a, fam ? 128 : 32);
	printf("# address %s\n", buf);
	for (i = 0; i < nref; ++i) {
		if (!ref_matches(&ref[i], a))
			continue;
		format_prefix(buf, sizeof(buf), family, ref[i].key,
			      ref[i].cidr);
		printf("#  matches %s of owner %d\n", buf, ref[i].owner);
	}
}

static void test_randomized(int fam, unsigned int ops)
{
	const unsigned int bits = fam ? 128 : 32;
	unsigned long failures = 0, lookups = 0, hits = 0;
	size_t max_size = 0, n;
	unsigned int op, i;
	u8 k[16], cidr;
	int o, ret, want, got;

	begin(fam ? "randomized_differential_v6" : "randomized_differential_v4");
	seed_for(cur_test);
	ref = calloc(ops + 1, sizeof(*ref));
	nref = 0;
	for (i = 0; i < ARRAY_SIZE(base); ++i) {
		unsigned int j;

		for (j = 0; j < 16; ++j)
			base[i][j] = rnd();
		mask(base[i], bits, 128);
	}
	for (op = 0; op < ops && cur_fail == 0; ++op) {
		unsigned int r = rnd() % 1000;
		bool inject = rnd() % 100 < 3 && !getenv("WG_AP_NOINJECT");

		o = rnd() % NOWN;
		/* Keep the reference small enough to scan. */
		if (nref > 1500 && r < 400)
			r += 400;
		if (r < 400) {
			struct ref_ent *e;

			random_prefix(bits, k, &cidr);
			if (inject)
				wg_ut_alloc.fail_countdown = 1 + rnd() % 3;
			ret = do_insert(fam, k, cidr, o);
			wg_ut_alloc.fail_countdown = 0;
			CHECK(ret == 0 || (inject && ret == -ENOMEM),
			      "insert returned %d (op %u)", ret, op);
			if (ret) {
				++failures;
				continue;
			}
			e = ref_find(k, cidr);
			if (!e) {
				e = &ref[nref++];
				memset(e, 0, sizeof(*e));
				memcpy(e->key, k, 16);
				e->cidr = cidr;
			}
			e->owner = o;
		} else if (r < 600) {
			struct ref_ent *e;

			if (r < 520 && nref) {
				e = &ref[rnd() % nref];
				memcpy(k, e->key, 16);
				cidr = e->cidr;
				if (rnd() % 4)
					o = e->owner;
			} else {
				random_prefix(bits, k, &cidr);
			}
			/* Host bits must not matter. */
			if (cidr < bits && rnd() % 2)
				k[15 - (128 - bits) / 8] |= 1;
			if (inject)
				wg_ut_alloc.fail_countdown = 1 + rnd() % 3;
			ret = do_remove(fam, k, cidr, o);
			wg_ut_alloc.fail_countdown = 0;
			CHECK(!ret, "remove returned %d (op %u)", ret, op);
			mask(k, cidr, bits);
			e = ref_find(k, cidr);
			if (e && e->owner == o)
				ref_del(e);
		} else if (r < 604) {
			if (inject)
				wg_ut_alloc.fail_countdown = 1 + rnd() % 3;
			do_remove_by_peer(o);
			wg_ut_alloc.fail_countdown = 0;
			for (i = nref; i-- > 0;)
				if (ref[i].owner == o)
					ref_del(&ref[i]);
		} else {
			random_address(bits, k);
			want = ref_lookup(k);
			got = do_lookup(fam, k);
			++lookups;
			hits += want >= 0;
			CHECK(got == want, "lookup (op %u): %d, want %d", op,
			      got, want);
			if (got != want && getenv("WG_AP_DEBUG"))
				dump_matches(fam, k);
		}
		if (nref > max_size)
			max_size = nref;
		if (op % 997 == 0 || getenv("WG_AP_VERIFY_ALL")) {
			n = 0;
			mutex_lock(&lock);
			CHECK(wg_allowedips_verify(&table, &n, &lock) &&
			      n == nref, "invariants (op %u): %zu vs %zu", op,
			      n, nref);
			mutex_unlock(&lock);
		}
		if (op % 9973 == 0)
			check_walks(fam);
	}
	check_walks(fam);
	CHECK(verify_table(), "invariants at end");
	printf("# %s: %u ops, %lu lookups (%lu hits), %lu injected failures, "
	       "up to %zu prefixes\n", cur_test, op, lookups, hits, failures,
	       max_size);
	free(ref);
	ref = NULL;
	end();
}

/*
 * Randomized cursor test: a walk of owner 0 interleaved with random changes.
 * Prefixes owned by 0 from the start to the end of the walk must be emitted
 * exactly once; anything emitted must belong to 0 when it is emitted.
 */
static void test_cursor_randomized(int rounds)
{
	int round, i;

	begin("cursor_randomized");
	seed_for(cur_test);
	ref = calloc(4096, sizeof(*ref));
	for (i = 0; i < (int)ARRAY_SIZE(base); ++i) {
		int j;

		for (j = 0; j < 16; ++j)
			base[i][j] = rnd();
	}
	for (round = 0; round < rounds && !cur_fail; ++round) {
		const int fam = round & 1, bits = fam ? 128 : 32;
		struct wg_allowedips_cursor cur;
		int family, steps = 0, o;
		u8 ip[16], cidr, k[16];
		bool more = true;

		nref = 0;
		for (i = 0; i < 120; ++i) {
			struct ref_ent *e;

			random_prefix(bits, k, &cidr);
			o = rnd() % 3 ? 0 : 1 + rnd() % 3;
			CHECK(!do_insert(fam, k, cidr, o), "insert");
			e = ref_find(k, cidr);
			if (!e) {
				e = &ref[nref++];
				memcpy(e->key, k, 16);
				e->cidr = cidr;
			}
			e->owner = o;
		}
		for (i = 0; i < (int)nref; ++i) {
			ref[i].stable = ref[i].owner == 0;
			ref[i].emits = 0;
		}
		wg_allowedips_cursor_init(&cur);
		while (more && ++steps < 10000) {
			for (i = 1 + rnd() % 4; i > 0 && more; --i) {
				struct ref_ent *e;

				mutex_lock(&lock);
				more = wg_allowedips_peer_next(&own[0], &cur,
							       ip, &cidr,
							       &family);
				mutex_unlock(&lock);
				if (!more)
					break;
				mask(ip, bits, 128);
				e = ref_find(ip, cidr);
				CHECK(e && e->owner == 0 &&
				      family == (fam ? AF_INET6 : AF_INET),
				      "emitted a prefix not of owner 0");
				if (e && ++e->emits > 1 && e->stable)
					CHECK(0, "stable prefix emitted twice");
			}
			/* Changes between dump calls. */
			for (i = rnd() % 4; i > 0 && nref; --i) {
				unsigned int r = rnd() % 100;
				struct ref_ent *e = &ref[rnd() % nref];

				if (r < 30 && nref < 4000) {
					/* A new prefix, for anyone. */
					random_prefix(bits, k, &cidr);
					o = rnd() % 4;
					CHECK(!do_insert(fam, k, cidr, o),
					      "insert");
					e = ref_find(k, cidr);
					if (!e) {
						e = &ref[nref++];
						memset(e, 0, sizeof(*e));
						memcpy(e->key, k, 16);
						e->cidr = cidr;
						e->owner = o;
					} else if (e->owner != o) {
						e->owner = o;
						e->stable = false;
					}
				} else if (r < 55) {
					/* Move an existing one. */
					o = rnd() % 4;
					CHECK(!do_insert(fam, e->key, e->cidr,
							 o), "move");
					if (e->owner != o)
						e->stable = false;
					e->owner = o;
				} else if (r < 90) {
					CHECK(!do_remove(fam, e->key, e->cidr,
							 e->owner), "remove");
					ref_del(e);
				} else if (r < 93) {
					int j;

					o = rnd() % 4;
					do_remove_by_peer(o);
					for (j = nref; j-- > 0;)
						if (ref[j].owner == o)
							ref_del(&ref[j]);
				}
			}
		}
		CHECK(!more, "walk did not end");
		for (i = 0; i < (int)nref; ++i)
			CHECK(!ref[i].stable || ref[i].emits == 1,
			      "stable prefix emitted %d times (round %d)",
			      ref[i].emits, round);
		for (o = 0; o < 4; ++o)
			do_remove_by_peer(o);
		CHECK(verify_table(), "invariants");
	}
	free(ref);
	ref = NULL;
	end();
}

/* Many prefixes at once: deep and wide tries, checked address by address. */
static void test_scale(void)
{
	const unsigned int n4 = 40000, n6 = 20000;
	u32 *a4 = malloc(n4 * sizeof(*a4));
	u8 (*a6)[16] = malloc(n6 * sizeof(*a6));
	unsigned int i, j;
	size_t count = 0;

	begin("scale_hosts_and_subnets");
	seed_for(cur_test);
	for (i = 0; i < n4; ++i) {
		u32 x = i * 0x9e3779b1U + (u32)rng_state, be;

		/* Distinct host addresses: a bijective mix of i. */
		x ^= x >> 16;
		x *= 0x85ebca6bU;
		x ^= x >> 13;
		a4[i] = x;
		be = htonl(a4[i]);
		CHECK(!do_insert(0, (const u8 *)&be, 32, i % NOWN), "insert");
	}
	for (i = 0; i < n6; ++i) {
		for (j = 0; j < 16; ++j)
			a6[i][j] = rnd();
		CHECK(!do_insert(1, a6[i], 128, i % NOWN), "insert");
	}
	/* Covering subnets for everyone. */
	for (i = 0; i < 4096; ++i) {
		u32 be = htonl(i << 20);
		u8 k[16] = { 0 };

		CHECK(!do_insert(0, (const u8 *)&be, 12, NOWN - 1), "insert");
		k[0] = i >> 4;
		k[1] = i << 4;
		CHECK(!do_insert(1, k, 12, NOWN - 1), "insert");
	}
	mutex_lock(&lock);
	CHECK(wg_allowedips_verify(&table, &count, &lock), "invariants");
	mutex_unlock(&lock);
	for (i = 0; i < n4; ++i) {
		u32 be = htonl(a4[i]);
		int got = do_lookup(0, (const u8 *)&be);

		CHECK(got == (int)(i % NOWN), "host %u -> %d", i, got);
		be = htonl(a4[i] ^ 0x80);
		got = do_lookup(0, (const u8 *)&be);
		CHECK(got >= 0, "neighbour of host %u -> %d", i, got);
	}
	for (i = 0; i < n6; ++i) {
		CHECK(do_lookup(1, a6[i]) == (int)(i % NOWN), "host6 %u", i);
		a6[i][15] ^= 1;
		CHECK(do_lookup(1, a6[i]) == NOWN - 1, "neighbour6 %u", i);
	}
	printf("# %s: %zu prefixes, %zu slab bytes (%.1f per prefix)\n",
	       cur_test, count, wg_ut_alloc.live_slab_bytes,
	       (double)wg_ut_alloc.live_slab_bytes / count);
	free(a4);
	free(a6);
	end();
}

static void test_selftest(void)
{
	begin("in_module_selftest");
	CHECK(wg_allowedips_selftest(), "wg_allowedips_selftest() failed");
	end();
}

int main(int argc, char **argv)
{
	unsigned int ops = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wg_allowedips_slab_init()) {
		printf("FAIL: slab_init\n");
		return 1;
	}
	test_empty();
	test_zero_prefix();
	test_edges();
	test_nested();
	test_host_bits();
	test_moves();
	test_ascending_runs();
	test_exact_removal();
	test_remove_by_peer();
	test_cursor_resume();
	test_cursor_renumber();
	test_alloc_failures();
	test_cursor_randomized(300);
	test_scale();
	test_randomized(0, ops);
	test_randomized(1, ops);
	test_selftest();
	wg_allowedips_slab_uninit();
	printf("%d passed, %d failed\n", total_pass, total_fail);
	return total_fail ? 1 : 0;
}
