/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol's timers (whitepaper §6): handshake retransmission, passive
 * keepalives, new handshakes when data goes unanswered, persistent
 * keepalives, and the final wipe of key material. The send and receive
 * paths report events; the timers decide.
 */
#ifndef WG_TIMERS_H
#define WG_TIMERS_H

#include <linux/types.h>

struct wg_peer;

void wg_timers_init(struct wg_peer *peer);
void wg_timers_stop(struct wg_peer *peer);

void wg_timers_data_sent(struct wg_peer *peer);
void wg_timers_data_received(struct wg_peer *peer);
void wg_timers_any_authenticated_packet_sent(struct wg_peer *peer);
void wg_timers_any_authenticated_packet_received(struct wg_peer *peer);
void wg_timers_handshake_initiated(struct wg_peer *peer);
void wg_timers_handshake_complete(struct wg_peer *peer);
void wg_timers_session_derived(struct wg_peer *peer);
void wg_timers_any_authenticated_packet_traversal(struct wg_peer *peer);

/* Whether "ns" (boot-time) lies more than "secs" seconds in the past. */
bool wg_birthdate_has_expired(u64 ns, u64 secs);

#endif /* WG_TIMERS_H */
