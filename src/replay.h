/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sliding-window replay protection for received data messages (the bitmap
 * scheme of RFC 6479), one per keypair.
 */
#ifndef WG_REPLAY_H
#define WG_REPLAY_H

#include <linux/types.h>
#include <linux/spinlock.h>

#include "messages.h"

struct wg_replay_counter {
	/* One more than the highest counter accepted so far; 0: none yet. */
	u64 next;
	/* Bit (n % WG_COUNTER_BITS_TOTAL) is set once counter n is seen. */
	unsigned long backtrack[WG_COUNTER_BITS_TOTAL / BITS_PER_LONG];
	spinlock_t lock;
};

void wg_replay_counter_init(struct wg_replay_counter *counter);

/**
 * wg_replay_counter_validate() - accept a counter at most once
 * @counter: the receiving keypair's replay state
 * @their_counter: the counter of an authenticated data message
 * @limit: counters at or above this are refused (WG_REJECT_AFTER_MESSAGES)
 *
 * Only call this after the message has been authenticated, because it
 * records @their_counter as seen. Returns false for a counter that is at or
 * above @limit, older than the window (more than WG_COUNTER_WINDOW_SIZE - 1
 * below the highest accepted one) or already accepted.
 */
bool __must_check wg_replay_counter_validate(struct wg_replay_counter *counter,
					     u64 their_counter, u64 limit);

/* Known-answer walk through the window's edge cases; true on success. */
bool wg_replay_selftest(void);

#endif /* WG_REPLAY_H */
