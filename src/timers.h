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

/* The delays and ages the timers and the data path compare against. */
#include "timeconst.h"

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

#endif /* WG_TIMERS_H */
