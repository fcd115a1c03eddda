/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol's times in the units the code compares them in: ages in
 * nanoseconds (against ktime_get_coarse_boottime_ns()) and timer delays in
 * jiffies, resolved once at module load from the constants in messages.h,
 * so that no packet pays for a conversion.
 *
 * The module parameter timer_divisor, for tests only, divides every one of
 * them by the same factor. A test can then watch several rekeys in seconds
 * while the state machine keeps its proportions: the initiator still rekeys
 * before its receive side would give up on the session, passive keepalives
 * still come before the sender suspects a dead session, a retransmission
 * still waits for the round trip, and REKEY_ATTEMPT_TIME (the
 * WG_MAX_TIMER_HANDSHAKES retransmissions, a count) shrinks with
 * REKEY_TIMEOUT. With the default of 1 every value is the protocol's own.
 *
 * Deliberately left alone:
 *  - the cookie secret's lifetime and its in-flight allowance
 *    (WG_COOKIE_SECRET_MAX_AGE, WG_COOKIE_SECRET_LATENCY): they belong to
 *    the denial-of-service defence, not to the session state machine, and
 *    the allowance is a real network latency, which no divisor shortens;
 *    peers with standard timers expect a cookie to last as long as ever;
 *  - WG_INITIATIONS_PER_SECOND: the flood guard bounds real CPU work, and
 *    WG_TIMER_DIVISOR_MAX keeps the shortened REKEY_TIMEOUT well above it,
 *    so genuine retransmissions are never taken for a flood;
 *  - persistent keepalive intervals: the user chose them in seconds.
 */
#ifndef WG_TIMECONST_H
#define WG_TIMECONST_H

#include <linux/types.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>

#include "messages.h"

/*
 * REKEY_TIMEOUT / 60 is 83 ms: still four times the flood guard's 20 ms
 * and the 16.8 ms granularity of initiation timestamps (noise.c), and a
 * handshake still fits comfortably in it even in an emulated guest.
 */
#define WG_TIMER_DIVISOR_MAX 60

struct wg_times {
	/* Ages, in nanoseconds. */
	u64 rekey_timeout_ns;		/* REKEY_TIMEOUT */
	u64 rekey_after_time_ns;	/* REKEY_AFTER_TIME */
	u64 reject_after_time_ns;	/* REJECT_AFTER_TIME */
	/* REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT */
	u64 rekey_before_reject_ns;
	/* Timer delays, in jiffies. */
	unsigned long rekey_timeout_jiffies;	/* REKEY_TIMEOUT */
	u32 rekey_jitter_max_jiffies;		/* at least 1 */
	unsigned long keepalive_timeout_jiffies; /* KEEPALIVE_TIMEOUT */
	/* KEEPALIVE_TIMEOUT + REKEY_TIMEOUT */
	unsigned long new_handshake_jiffies;
	unsigned long zero_key_material_jiffies; /* 3 * REJECT_AFTER_TIME */
	unsigned int divisor;
};

#define WG_TIMES_NS(secs, div) ((u64)(secs) * NSEC_PER_SEC / (div))
#define WG_TIMES_JIFFIES(secs, div) ((unsigned long)(secs) * HZ / (div))

/*
 * Usable as a static initializer too, so that code built without the
 * module's init (the userspace unit tests of noise.c) sees the protocol's
 * values. @div is evaluated many times: a constant or a plain variable.
 */
#define WG_TIMES_INIT(div) {						\
	.rekey_timeout_ns = WG_TIMES_NS(WG_REKEY_TIMEOUT, div),		\
	.rekey_after_time_ns = WG_TIMES_NS(WG_REKEY_AFTER_TIME, div),	\
	.reject_after_time_ns = WG_TIMES_NS(WG_REJECT_AFTER_TIME, div),	\
	.rekey_before_reject_ns = WG_TIMES_NS(WG_REJECT_AFTER_TIME -	\
					      WG_KEEPALIVE_TIMEOUT -	\
					      WG_REKEY_TIMEOUT, div),	\
	.rekey_timeout_jiffies = WG_TIMES_JIFFIES(WG_REKEY_TIMEOUT, div), \
	.rekey_jitter_max_jiffies =					\
		WG_REKEY_TIMEOUT_JITTER_MAX_JIFFIES >= (div) ?		\
		WG_REKEY_TIMEOUT_JITTER_MAX_JIFFIES / (div) : 1,	\
	.keepalive_timeout_jiffies =					\
		WG_TIMES_JIFFIES(WG_KEEPALIVE_TIMEOUT, div),		\
	.new_handshake_jiffies =					\
		WG_TIMES_JIFFIES(WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT, div), \
	.zero_key_material_jiffies =					\
		WG_TIMES_JIFFIES(WG_REJECT_AFTER_TIME * 3, div),	\
	.divisor = (div),						\
}

/* Defined in noise.c, which the unit tests build as well. */
extern struct wg_times wg_times;

/* Once, from module init, before any device exists. */
void wg_times_init(unsigned int divisor);

/*
 * Whether boot-time @birthdate lies at least @age_ns in the past; @age_ns
 * is one of the wg_times fields, never a protocol constant in seconds.
 */
static inline bool wg_birthdate_older_than(u64 birthdate, u64 age_ns)
{
	return (s64)(birthdate + age_ns - ktime_get_coarse_boottime_ns()) <= 0;
}

#endif /* WG_TIMECONST_H */
