// SPDX-License-Identifier: GPL-2.0
/* Replay window: edge cases and a differential test against a naive model. */
#include "test.h"

#define W ((u64)WG_COUNTER_WINDOW_SIZE)
#define RING ((u64)WG_COUNTER_BITS_TOTAL)
#define LIMIT WG_REJECT_AFTER_MESSAGES

static struct wg_replay_counter *new_counter(void)
{
	struct wg_replay_counter *c = malloc(sizeof(*c));

	wg_replay_counter_init(c);
	return c;
}

static bool v(struct wg_replay_counter *c, u64 n)
{
	return wg_replay_counter_validate(c, n, LIMIT);
}

static void replay_module_selftest(void)
{
	CHECK(wg_replay_selftest());
}

static void replay_in_order(void)
{
	struct wg_replay_counter *c = new_counter();
	u64 i, n = 5 * RING + 17;

	for (i = 0; i < n; ++i)
		CHECK_MSG(v(c, i), "fresh %llu refused", (unsigned long long)i);
	/* Every counter still in the window is now a duplicate... */
	for (i = n - W; i < n; ++i)
		CHECK_MSG(!v(c, i), "dup %llu accepted", (unsigned long long)i);
	/* ...and everything older is refused as too old. */
	for (i = 0; i < n - W; i += 7)
		CHECK_MSG(!v(c, i), "old %llu accepted", (unsigned long long)i);
	free(c);
}

static void replay_out_of_order(void)
{
	struct wg_replay_counter *c = new_counter();
	u64 i;

	/* The newest first, then the whole window backwards. */
	CHECK(v(c, W - 1));
	for (i = W - 1; i-- > 0;)
		CHECK_MSG(v(c, i), "in-window %llu refused",
			  (unsigned long long)i);
	for (i = 0; i < W; ++i)
		CHECK(!v(c, i));
	/* Interleaved: evens ahead, odds catching up. */
	for (i = W; i < 3 * W; i += 2)
		CHECK(v(c, i + 64));
	/* The highest is now 3W + 62: odd ones below it are in the window or not. */
	for (i = W + 65; i < 3 * W + 62; i += 2)
		CHECK_MSG(v(c, i) == (3 * W + 62 - i < W), "odd %llu",
			  (unsigned long long)i);
	free(c);
}

static void replay_window_edge(void)
{
	struct wg_replay_counter *c = new_counter();
	u64 top = 10 * W + 5;

	CHECK(v(c, top));
	/* top - (W - 1) is the oldest counter still in the window. */
	CHECK(v(c, top - (W - 1)));
	CHECK(!v(c, top - (W - 1)));
	CHECK(!v(c, top - W));
	CHECK(!v(c, top - W - 1));
	/* Moving the top by one pushes the oldest one out. */
	CHECK(v(c, top + 1));
	CHECK(!v(c, top - (W - 1)));
	CHECK(v(c, top - (W - 2)));
	free(c);
}

/*
 * Bits are reused every RING counters: a counter exactly one ring after a
 * seen one must not look seen, at every position in a word and across word
 * boundaries.
 */
static void replay_ring_wrap(void)
{
	u64 base, step;

	for (base = 0; base < 3 * BITS_PER_LONG; base += 5) {
		for (step = 1; step <= 3; ++step) {
			struct wg_replay_counter *c = new_counter();
			u64 n;

			CHECK(v(c, base));
			/* Walk up to base + step rings, a word at a time. */
			for (n = base + BITS_PER_LONG;
			     n < base + step * RING; n += BITS_PER_LONG)
				CHECK(v(c, n));
			CHECK_MSG(v(c, base + step * RING),
				  "base %llu step %llu",
				  (unsigned long long)base,
				  (unsigned long long)step);
			CHECK(!v(c, base + step * RING));
			free(c);
		}
	}
}

static void replay_far_jump(void)
{
	struct wg_replay_counter *c = new_counter();
	u64 i, far = 1ULL << 40;

	for (i = 0; i < 300; ++i)
		CHECK(v(c, i * 3));
	CHECK(v(c, far));
	for (i = 0; i < 300; ++i)
		CHECK(!v(c, i * 3));
	/* The whole window below the jump is clean. */
	for (i = far - W + 1; i < far; ++i)
		CHECK_MSG(v(c, i), "%llu", (unsigned long long)i);
	CHECK(!v(c, far - W));
	/* A jump of less than a ring keeps what is still in the window. */
	CHECK(v(c, far + RING / 2));
	CHECK(!v(c, far - 4000));
	CHECK(!v(c, far));
	CHECK(!v(c, far + RING / 2 - W));
	/* The oldest counter still in the window was seen before the jump. */
	CHECK(!v(c, far + RING / 2 - W + 1));
	CHECK(v(c, far + 1));
	free(c);
}

static void replay_limit(void)
{
	struct wg_replay_counter *c = new_counter();

	CHECK(!wg_replay_counter_validate(c, 100, 100));
	CHECK(!wg_replay_counter_validate(c, 101, 100));
	CHECK(wg_replay_counter_validate(c, 99, 100));
	CHECK(!wg_replay_counter_validate(c, 99, 100));
	CHECK(!v(c, LIMIT));
	CHECK(!v(c, U64_MAX));
	CHECK(!v(c, U64_MAX - 1));
	CHECK(v(c, LIMIT - 1));
	CHECK(!v(c, LIMIT - 1));
	CHECK(v(c, LIMIT - 2));
	CHECK(v(c, LIMIT - W));
	CHECK(!v(c, LIMIT - W - 1));
	free(c);
}

/* xorshift64*: reproducible pseudo-randomness for the model test. */
static u64 rng_state = 0x9e3779b97f4a7c15ULL;
static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * The naive definition: accept a counter below the limit that was never
 * accepted and is less than W below the highest accepted one.
 */
static void replay_random_vs_model(void)
{
	enum { RANGE = 1 << 22, OPS = 400000 };
	struct wg_replay_counter *c = new_counter();
	u8 *seen = calloc(RANGE / 8, 1);
	u64 highest = 0, head = 0, limit = RANGE - 1000;
	unsigned int op, mismatches = 0, accepted = 0, resets = 0;
	bool any = false;

	for (op = 0; op < OPS; ++op) {
		u64 r = rng() % 64, n;
		bool want, got;

		if (r < 24) {		/* around the head, mostly behind */
			n = head + (rng() % 64) -
			    min_t(u64, head, rng() % (W + 300));
		} else if (r < 44) {	/* moving ahead a little */
			head += rng() % 40;
			n = head;
		} else if (r < 56) {	/* exactly at the window's far edge */
			n = highest - min_t(u64, highest, W - 1 + (rng() % 3));
		} else if (r < 59) {	/* jumps of up to two rings */
			head += rng() % (2 * RING);
			n = head;
		} else if (r < 61) {	/* at the limit */
			n = limit - 2 + rng() % 4;
		} else {		/* anywhere */
			n = rng() % RANGE;
		}
		n %= RANGE;

		want = n < limit && !(seen[n / 8] & (1 << (n % 8))) &&
		       (!any || n > highest || highest - n < W);
		got = wg_replay_counter_validate(c, n, limit);
		if (want != got && !mismatches++)
			CHECK_MSG(false, "op %u counter %llu: model %d, got %d",
				  op, (unsigned long long)n, want, got);
		if (want) {
			seen[n / 8] |= 1 << (n % 8);
			if (!any || n > highest)
				highest = n;
			any = true;
			++accepted;
		}
		if (head >= limit || highest >= limit - 1) {
			/* A new keypair: start both over. */
			wg_replay_counter_init(c);
			memset(seen, 0, RANGE / 8);
			head = highest = 0;
			any = false;
			++resets;
		}
	}
	CHECK(mismatches == 0);
	/* The mix must exercise both outcomes a lot, and the limit. */
	CHECK_MSG(accepted > OPS / 10 && accepted < OPS - OPS / 10,
		  "accepted %u", accepted);
	CHECK_MSG(resets > 3, "resets %u", resets);
	free(seen);
	free(c);
}

void test_replay_suite(void)
{
	RUN_TEST(replay_module_selftest);
	RUN_TEST(replay_in_order);
	RUN_TEST(replay_out_of_order);
	RUN_TEST(replay_window_edge);
	RUN_TEST(replay_ring_wrap);
	RUN_TEST(replay_far_jump);
	RUN_TEST(replay_limit);
	RUN_TEST(replay_random_vs_model);
}
