// SPDX-License-Identifier: GPL-2.0
/*
 * Replay counter: which of the recently received data-message counters have
 * been seen, as a ring of bits indexed by counter value.
 *
 * The ring has WG_COUNTER_WINDOW_SIZE bits for the window plus one spare
 * word. When a counter beyond the highest one arrives, the words between the
 * old highest and the new one are cleared first, because their bits still
 * describe counters one full ring earlier. The spare word guarantees that
 * the word being cleared never holds a counter that is still in the window.
 *
 * Locking: the receive path validates a keypair's counters one packet at a
 * time after decryption (in the peer's NAPI poll), so in practice there is a
 * single consumer. The spinlock keeps the state consistent even if that ever
 * changes (a selftest, a second rx context); it is uncontended, so it costs
 * one atomic per packet, which is noise next to the AEAD.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "replay.h"

#define WG_REPLAY_WORDS (WG_COUNTER_BITS_TOTAL / BITS_PER_LONG)
#define WG_REPLAY_WORD_SHIFT ilog2(BITS_PER_LONG)

_Static_assert(WG_COUNTER_BITS_TOTAL % BITS_PER_LONG == 0,
	       "the replay ring must be whole words");

void wg_replay_counter_init(struct wg_replay_counter *counter)
{
	counter->next = 0;
	memset(counter->backtrack, 0, sizeof(counter->backtrack));
	spin_lock_init(&counter->lock);
}

/* Word of the ring holding counter @n's bit. */
static unsigned long *replay_word(struct wg_replay_counter *counter, u64 n)
{
	return &counter->backtrack[(n >> WG_REPLAY_WORD_SHIFT) %
				   WG_REPLAY_WORDS];
}

bool wg_replay_counter_validate(struct wg_replay_counter *counter,
				u64 their_counter, u64 limit)
{
	unsigned long bit, *word;
	u64 first, last, n;
	bool fresh = false;

	spin_lock_bh(&counter->lock);
	if (unlikely(their_counter >= limit))
		goto out;

	if (their_counter >= counter->next) {
		/*
		 * New highest counter. The word holding the old highest one
		 * stays: its bits above the old highest are still zero. Every
		 * word after it up to the new highest one is stale and must be
		 * cleared; a jump of a whole ring or more clears all of them.
		 */
		/* Rounded up without an addition that could wrap near U64_MAX. */
		first = (counter->next >> WG_REPLAY_WORD_SHIFT) +
			!!(counter->next & (BITS_PER_LONG - 1));
		last = their_counter >> WG_REPLAY_WORD_SHIFT;
		if (last >= first) {
			u64 words = min_t(u64, last - first + 1,
					  WG_REPLAY_WORDS);

			for (n = 0; n < words; ++n)
				*replay_word(counter,
					     (first + n) << WG_REPLAY_WORD_SHIFT) = 0;
		}
		counter->next = their_counter + 1;
	} else if (counter->next - their_counter > WG_COUNTER_WINDOW_SIZE) {
		/* Too old: behind the window, we can no longer tell. */
		goto out;
	}

	word = replay_word(counter, their_counter);
	bit = 1UL << (their_counter & (BITS_PER_LONG - 1));
	fresh = !(*word & bit);
	*word |= bit;
out:
	spin_unlock_bh(&counter->lock);
	return fresh;
}

bool __init wg_replay_selftest(void)
{
	enum { W = WG_COUNTER_WINDOW_SIZE, L = 1000 * W };
	static const struct {
		u64 counter;
		bool fresh;
	} walk[] __initconst = {
		{ 0, true }, { 1, true }, { 1, false }, { 0, false },
		{ 9, true }, { 8, true }, { 7, true }, { 7, false },
		/* Jump so that 9 is exactly one past the window's far end. */
		{ W + 9, true }, { 9, false }, { 10, true }, { 10, false },
		{ W + 8, true }, { W + 9, false },
		/* Far future: every older word must have been cleared. */
		{ 3 * W, true }, { 2 * W + 1, true }, { 2 * W, false },
		{ 3 * W - 1, true }, { 3 * W, false },
		/* Crossing ring words one counter at a time. */
		{ 3 * W + 63, true }, { 3 * W + 64, true }, { 3 * W + 62, true },
		/* The limit. */
		{ L - 1, true }, { L, false }, { L + 1, false },
		{ U64_MAX, false }, { L - 2, true }, { L - 1, false },
		{ L - W, true }, { L - W - 1, false },
	};
	struct wg_replay_counter *counter;
	bool ok = true;
	size_t i;

	counter = kmalloc(sizeof(*counter), GFP_KERNEL);
	if (!counter)
		return false;
	wg_replay_counter_init(counter);
	for (i = 0; i < ARRAY_SIZE(walk); ++i) {
		if (wg_replay_counter_validate(counter, walk[i].counter, L) !=
		    walk[i].fresh) {
			pr_err("wireguard: replay selftest %zu: counter %llu\n",
			       i + 1, (unsigned long long)walk[i].counter);
			ok = false;
		}
	}
	kfree(counter);
	if (ok)
		pr_debug("wireguard: replay selftest: pass\n");
	return ok;
}
