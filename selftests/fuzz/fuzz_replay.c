// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_replay: src/replay.c against the rule it implements, kept naively.
 *
 * The input is a program: each operation byte picks how the next counter
 * is made (absolute, or relative to the highest accepted counter, the
 * window's far edge or the limit, so that the interesting boundaries are a
 * few bits away from any input) or changes the limit passed in. Every
 * counter goes to wg_replay_counter_validate() and to the reference, which
 * remembers every counter it ever accepted in a plain hash set and applies
 * the documented rule:
 *
 *	accept iff counter < limit,
 *		   and counter > highest - WG_COUNTER_WINDOW_SIZE (if any),
 *		   and counter was never accepted before.
 *
 * Any disagreement aborts.
 *
 * The limits tried stay at or below WG_REJECT_AFTER_MESSAGES, the one the
 * receive path passes: the window arithmetic of replay.c relies on the room
 * above it (see messages.h) and wraps around for limits within 63 of
 * U64_MAX, forgetting the whole window. WG_FUZZ_REPLAY_ANY_LIMIT=1 in the
 * environment lifts the clamp to explore that anyway.
 */
#include "../../src/replay.h"

#include "fuzz_common.h"

/* The reference: every accepted counter, open addressing. */
struct ref_set {
	u64 *slot;
	u8 *used;
	size_t mask;
};

static size_t ref_hash(u64 v, size_t mask)
{
	return (size_t)((v * 0x9e3779b97f4a7c15ULL) >> 17) & mask;
}

static bool ref_contains(const struct ref_set *s, u64 v)
{
	size_t i;

	for (i = ref_hash(v, s->mask); s->used[i]; i = (i + 1) & s->mask)
		if (s->slot[i] == v)
			return true;
	return false;
}

static void ref_add(struct ref_set *s, u64 v)
{
	size_t i;

	for (i = ref_hash(v, s->mask); s->used[i]; i = (i + 1) & s->mask)
		;
	s->used[i] = 1;
	s->slot[i] = v;
}

struct ref_replay {
	struct ref_set seen;
	bool have_highest;
	u64 highest;
};

static bool ref_validate(struct ref_replay *r, u64 c, u64 limit)
{
	if (c >= limit)
		return false;
	if (r->have_highest && c < r->highest &&
	    r->highest - c >= WG_COUNTER_WINDOW_SIZE)
		return false;
	if (ref_contains(&r->seen, c))
		return false;
	ref_add(&r->seen, c);
	if (!r->have_highest || c > r->highest) {
		r->highest = c;
		r->have_highest = true;
	}
	return true;
}

enum replay_op {
	OP_ABSOLUTE,		/* u64 */
	OP_AHEAD_SMALL,		/* next + u8 */
	OP_BEHIND,		/* next - 1 - u16 */
	OP_WINDOW_EDGE,		/* next - WINDOW + s8 */
	OP_AHEAD_WORDS,		/* next + 64 * u16 */
	OP_NEAR_LIMIT,		/* limit - 1 - u8 */
	OP_AHEAD_FAR,		/* next + u32 */
	OP_SET_LIMIT,
	OP_COUNT
};

static bool any_limit;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader in = { data, size };
	struct wg_replay_counter *counter;
	struct ref_replay ref = { 0 };
	u64 limit = WG_REJECT_AFTER_MESSAGES, next, c;
	size_t cap = 16, step = 0;
	bool got, want;
	u8 op;

	/* Each operation takes at least one byte. */
	while (cap < 2 * size + 2)
		cap *= 2;
	ref.seen.slot = malloc(cap * sizeof(u64));
	ref.seen.used = calloc(cap, 1);
	ref.seen.mask = cap - 1;
	counter = malloc(sizeof(*counter));
	FUZZ_ASSERT(ref.seen.slot && ref.seen.used && counter);
	/* Garbage first: init must not rely on zeroed memory. */
	memset(counter, 0xa5, sizeof(*counter));
	wg_replay_counter_init(counter);

	while (in.left) {
		op = fuzz_u8(&in);
		next = ref.have_highest ? ref.highest + 1 : 0;
		switch (op % OP_COUNT) {
		case OP_ABSOLUTE:
			c = fuzz_uint(&in, 8);
			break;
		case OP_AHEAD_SMALL:
			c = next + fuzz_u8(&in);
			break;
		case OP_BEHIND:
			c = next - 1 - fuzz_uint(&in, 2);
			break;
		case OP_WINDOW_EDGE:
			c = next - WG_COUNTER_WINDOW_SIZE + (s8)fuzz_u8(&in);
			break;
		case OP_AHEAD_WORDS:
			c = next + 64 * fuzz_uint(&in, 2);
			break;
		case OP_NEAR_LIMIT:
			c = limit - 1 - fuzz_u8(&in);
			break;
		case OP_AHEAD_FAR:
			c = next + fuzz_uint(&in, 4);
			break;
		default:
			switch (fuzz_u8(&in) % 4) {
			case 0:
				limit = WG_REJECT_AFTER_MESSAGES;
				break;
			case 1:
				limit = U64_MAX;
				break;
			case 2:
				limit = next + fuzz_uint(&in, 2);
				break;
			default:
				limit = fuzz_uint(&in, 8);
				break;
			}
			if (!any_limit && limit > WG_REJECT_AFTER_MESSAGES)
				limit = WG_REJECT_AFTER_MESSAGES;
			continue;
		}
		got = wg_replay_counter_validate(counter, c, limit);
		want = ref_validate(&ref, c, limit);
		FUZZ_ASSERT(got == want,
			    "step %zu: counter %llu (limit %llu, highest %s%llu): implementation %s, reference %s",
			    step, (unsigned long long)c,
			    (unsigned long long)limit,
			    ref.have_highest ? "" : "none/",
			    (unsigned long long)ref.highest,
			    got ? "accepts" : "rejects",
			    want ? "accepts" : "rejects");
		++step;
	}

	free(counter);
	free(ref.seen.slot);
	free(ref.seen.used);
	return 0;
}

/* Seeds: one per kind of boundary. */
static void gen_seeds(const char *dir)
{
	u8 buf[1024];
	size_t n;
	int i;

	/* In order, then everything again (all replays). */
	for (n = 0, i = 0; i < 100; ++i) {
		buf[n++] = OP_AHEAD_SMALL;
		buf[n++] = 0;
	}
	for (i = 0; i < 100; ++i) {
		buf[n++] = OP_BEHIND;
		buf[n++] = i;
		buf[n++] = 0;
	}
	fuzz_write_seed(dir, "in-order", buf, n);

	/* Jump ahead, then probe around the window's far edge. */
	n = 0;
	buf[n++] = OP_AHEAD_WORDS;
	buf[n++] = 0x40;
	buf[n++] = 0x01;
	for (i = -3; i <= 3; ++i) {
		buf[n++] = OP_WINDOW_EDGE;
		buf[n++] = (u8)(s8)i;
	}
	buf[n++] = OP_AHEAD_SMALL;
	buf[n++] = 1;
	buf[n++] = OP_WINDOW_EDGE;
	buf[n++] = 0;
	buf[n++] = OP_WINDOW_EDGE;
	buf[n++] = 0;
	fuzz_write_seed(dir, "window-edge", buf, n);

	/* Word boundaries of the ring, and a jump of more than a ring. */
	n = 0;
	for (i = 0; i < 40; ++i) {
		buf[n++] = OP_AHEAD_WORDS;
		buf[n++] = i & 1;
		buf[n++] = 0;
		buf[n++] = OP_BEHIND;
		buf[n++] = 63;
		buf[n++] = 0;
		buf[n++] = OP_BEHIND;
		buf[n++] = 64;
		buf[n++] = 0;
	}
	buf[n++] = OP_AHEAD_FAR;
	buf[n++] = 0x40;
	buf[n++] = 0x20;
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = OP_BEHIND;
	buf[n++] = 0xff;
	buf[n++] = 0x1f;
	fuzz_write_seed(dir, "ring-words", buf, n);

	/* The limit, by default and lowered. */
	n = 0;
	for (i = 0; i < 4; ++i) {
		buf[n++] = OP_NEAR_LIMIT;
		buf[n++] = 2 - i;
	}
	buf[n++] = OP_SET_LIMIT;
	buf[n++] = 2;
	buf[n++] = 10;
	buf[n++] = 0;
	for (i = 0; i < 12; ++i) {
		buf[n++] = OP_AHEAD_SMALL;
		buf[n++] = 0;
	}
	buf[n++] = OP_SET_LIMIT;
	buf[n++] = 1;
	buf[n++] = OP_ABSOLUTE;
	memset(buf + n, 0xff, 8);
	n += 8;
	buf[n++] = OP_NEAR_LIMIT;
	buf[n++] = 0;
	fuzz_write_seed(dir, "limit", buf, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("WG_FUZZ_GEN_SEEDS");
	const char *any = getenv("WG_FUZZ_REPLAY_ANY_LIMIT");

	any_limit = any && *any == '1';
	if (dir) {
		gen_seeds(dir);
		exit(0);
	}
	return 0;
}
