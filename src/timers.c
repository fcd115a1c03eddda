// SPDX-License-Identifier: GPL-2.0
/*
 * Timers, per peer:
 *  - retransmit_handshake: no response REKEY_TIMEOUT after an initiation:
 *    send another, up to MAX_TIMER_HANDSHAKES times, then give up and
 *    drop what was waiting;
 *  - send_keepalive: we received data and sent nothing back for
 *    KEEPALIVE_TIMEOUT: send an empty packet so the other side knows;
 *  - new_handshake: we sent data and heard nothing back for
 *    KEEPALIVE_TIMEOUT + REKEY_TIMEOUT: the session may be dead, rekey;
 *  - zero_key_material: 3 * REJECT_AFTER_TIME after the last session was
 *    derived, wipe every key;
 *  - persistent_keepalive: the user asked for a packet every N seconds.
 *
 * Every protocol delay comes from wg_times (timeconst.h), already in
 * jiffies; the persistent keepalive interval is the user's and never scaled.
 *
 * Handlers never run for a dead peer: removal sets is_dead before it stops
 * the timers, and the mod helper refuses to re-arm a dead peer's timer.
 */
#include "timers.h"
#include "peer.h"
#include "device.h"
#include "send.h"
#include "socket.h"
#include "messages.h"
#include "timeconst.h"

#include <linux/timer.h>
#include <linux/random.h>
#include <linux/jiffies.h>

static void wg_mod_peer_timer(struct wg_peer *peer, struct timer_list *timer,
			      unsigned long expires)
{
	rcu_read_lock_bh();
	if (likely(netif_running(peer->device->dev) &&
		   !READ_ONCE(peer->is_dead)))
		mod_timer(timer, expires);
	rcu_read_unlock_bh();
}

static unsigned long wg_rekey_timeout_jiffies(void)
{
	return jiffies + wg_times.rekey_timeout_jiffies +
	       get_random_u32_below(wg_times.rekey_jitter_max_jiffies);
}

static void wg_expired_retransmit_handshake(struct timer_list *timer)
{
	struct wg_peer *peer = from_timer(peer, timer,
					  timer_retransmit_handshake);

	if (peer->timer_handshake_attempts > WG_MAX_TIMER_HANDSHAKES) {
		pr_debug("%s: handshake for peer %llu gave up after %d attempts\n",
			 peer->device->dev->name, peer->internal_id,
			 WG_MAX_TIMER_HANDSHAKES + 2);
		del_timer(&peer->timer_send_keepalive);
		/* Nobody is listening: drop what waited for a session. */
		wg_packet_purge_staged(peer);
		if (!timer_pending(&peer->timer_zero_key_material))
			wg_mod_peer_timer(peer, &peer->timer_zero_key_material,
				jiffies + wg_times.zero_key_material_jiffies);
		return;
	}
	++peer->timer_handshake_attempts;
	/* The route may have changed: let the next send pick a source anew. */
	wg_socket_clear_peer_endpoint_src(peer);
	wg_packet_send_queued_handshake_initiation(peer, true);
}

static void wg_expired_send_keepalive(struct timer_list *timer)
{
	struct wg_peer *peer = from_timer(peer, timer, timer_send_keepalive);

	wg_packet_send_keepalive(peer);
	if (peer->timer_need_another_keepalive) {
		peer->timer_need_another_keepalive = false;
		wg_mod_peer_timer(peer, &peer->timer_send_keepalive,
				  jiffies + wg_times.keepalive_timeout_jiffies);
	}
}

static void wg_expired_new_handshake(struct timer_list *timer)
{
	struct wg_peer *peer = from_timer(peer, timer, timer_new_handshake);

	pr_debug("%s: peer %llu sent data but heard nothing for %u ms, rekeying\n",
		 peer->device->dev->name, peer->internal_id,
		 jiffies_to_msecs(wg_times.new_handshake_jiffies));
	wg_socket_clear_peer_endpoint_src(peer);
	wg_packet_send_queued_handshake_initiation(peer, false);
}

static void wg_expired_zero_key_material(struct timer_list *timer)
{
	struct wg_peer *peer = from_timer(peer, timer, timer_zero_key_material);

	/* Clearing takes sleeping locks: leave softirq context. */
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->is_dead)) {
		wg_peer_get(peer);
		if (!queue_work(peer->device->handshake_send_wq,
				&peer->clear_peer_work))
			wg_peer_put(peer);
	}
	rcu_read_unlock_bh();
}

static void wg_queued_expired_zero_key_material(struct work_struct *work)
{
	struct wg_peer *peer = container_of(work, struct wg_peer,
					    clear_peer_work);

	pr_debug("%s: zeroing keys for peer %llu after %u ms without a handshake\n",
		 peer->device->dev->name, peer->internal_id,
		 jiffies_to_msecs(wg_times.zero_key_material_jiffies));
	wg_noise_handshake_clear(&peer->handshake);
	wg_noise_keypairs_clear(&peer->keypairs);
	wg_peer_put(peer);
}

static void wg_expired_send_persistent_keepalive(struct timer_list *timer)
{
	struct wg_peer *peer = from_timer(peer, timer,
					  timer_persistent_keepalive);

	if (likely(peer->persistent_keepalive_interval))
		wg_packet_send_keepalive(peer);
}

void wg_timers_data_sent(struct wg_peer *peer)
{
	if (!timer_pending(&peer->timer_new_handshake))
		wg_mod_peer_timer(peer, &peer->timer_new_handshake,
			jiffies + wg_times.new_handshake_jiffies +
			get_random_u32_below(wg_times.rekey_jitter_max_jiffies));
}

void wg_timers_data_received(struct wg_peer *peer)
{
	if (likely(netif_running(peer->device->dev))) {
		if (!timer_pending(&peer->timer_send_keepalive))
			wg_mod_peer_timer(peer, &peer->timer_send_keepalive,
				jiffies + wg_times.keepalive_timeout_jiffies);
		else
			peer->timer_need_another_keepalive = true;
	}
}

void wg_timers_any_authenticated_packet_sent(struct wg_peer *peer)
{
	del_timer(&peer->timer_send_keepalive);
}

void wg_timers_any_authenticated_packet_received(struct wg_peer *peer)
{
	del_timer(&peer->timer_new_handshake);
}

void wg_timers_handshake_initiated(struct wg_peer *peer)
{
	wg_mod_peer_timer(peer, &peer->timer_retransmit_handshake,
			  wg_rekey_timeout_jiffies());
}

void wg_timers_handshake_complete(struct wg_peer *peer)
{
	del_timer(&peer->timer_retransmit_handshake);
	peer->timer_handshake_attempts = 0;
	peer->sent_lastminute_handshake = false;
	ktime_get_real_ts64(&peer->walltime_last_handshake);
}

void wg_timers_session_derived(struct wg_peer *peer)
{
	wg_mod_peer_timer(peer, &peer->timer_zero_key_material,
			  jiffies + wg_times.zero_key_material_jiffies);
}

void wg_timers_any_authenticated_packet_traversal(struct wg_peer *peer)
{
	u16 interval = READ_ONCE(peer->persistent_keepalive_interval);

	if (interval)
		wg_mod_peer_timer(peer, &peer->timer_persistent_keepalive,
				  jiffies + interval * HZ);
}

void wg_timers_init(struct wg_peer *peer)
{
	timer_setup(&peer->timer_retransmit_handshake,
		    wg_expired_retransmit_handshake, 0);
	timer_setup(&peer->timer_send_keepalive, wg_expired_send_keepalive, 0);
	timer_setup(&peer->timer_new_handshake, wg_expired_new_handshake, 0);
	timer_setup(&peer->timer_zero_key_material,
		    wg_expired_zero_key_material, 0);
	timer_setup(&peer->timer_persistent_keepalive,
		    wg_expired_send_persistent_keepalive, 0);
	INIT_WORK(&peer->clear_peer_work, wg_queued_expired_zero_key_material);
	peer->timer_handshake_attempts = 0;
	peer->sent_lastminute_handshake = false;
	peer->timer_need_another_keepalive = false;
}

void wg_timers_stop(struct wg_peer *peer)
{
	del_timer_sync(&peer->timer_retransmit_handshake);
	del_timer_sync(&peer->timer_send_keepalive);
	del_timer_sync(&peer->timer_new_handshake);
	del_timer_sync(&peer->timer_zero_key_material);
	del_timer_sync(&peer->timer_persistent_keepalive);
	/* A queued wipe holds a reference; let it run (it only clears). */
	flush_work(&peer->clear_peer_work);
}
