// SPDX-License-Identifier: GPL-2.0
/* The send path; see send.h for the flow. */
#include "send.h"
#include "device.h"
#include "peer.h"
#include "queueing.h"
#include "socket.h"
#include "timers.h"
#include "cookie.h"
#include "messages.h"
#include "../crypto/chacha20poly1305.h"

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/scatterlist.h>
#include <net/icmp.h>
#include <net/ip_tunnels.h>
#include <net/dst.h>
#include <net/dst_metadata.h>

/* Handshakes go out as AF41: low drop probability, but not real-time. */
#define WG_HANDSHAKE_DSCP 0x88

static void wg_packet_send_handshake_initiation(struct wg_peer *peer)
{
	struct message_handshake_initiation packet;

	/* Another CPU may have sent one a moment ago. */
	if (!wg_birthdate_older_than(atomic64_read(&peer->last_sent_handshake),
				     wg_times.rekey_timeout_ns))
		return;
	atomic64_set(&peer->last_sent_handshake, ktime_get_coarse_boottime_ns());
	pr_debug("%s: sending handshake initiation to peer %llu\n",
		 peer->device->dev->name, peer->internal_id);

	if (wg_noise_handshake_create_initiation(&packet, &peer->handshake)) {
		wg_cookie_add_mac_to_packet(&packet, sizeof(packet),
					    &peer->latest_cookie);
		wg_timers_any_authenticated_packet_traversal(peer);
		wg_timers_any_authenticated_packet_sent(peer);
		atomic64_set(&peer->last_sent_handshake,
			     ktime_get_coarse_boottime_ns());
		/*
		 * Armed before the send: the response may be consumed on
		 * another CPU before the send returns, and its "handshake
		 * complete" must find the retransmit timer to cancel.
		 */
		wg_timers_handshake_initiated(peer);
		wg_socket_send_buffer_to_peer(peer, &packet, sizeof(packet),
					      WG_HANDSHAKE_DSCP);
	}
	memzero_explicit(&packet, sizeof(packet));
}

void wg_packet_handshake_send_worker(struct work_struct *work)
{
	struct wg_peer *peer = container_of(work, struct wg_peer,
					    transmit_handshake_work);

	wg_packet_send_handshake_initiation(peer);
	/* The reference taken when the work was queued. */
	wg_peer_put(peer);
}

void wg_packet_send_queued_handshake_initiation(struct wg_peer *peer,
						bool is_retry)
{
	if (!is_retry)
		peer->timer_handshake_attempts = 0;

	rcu_read_lock_bh();
	/* Cheap early out; the worker checks again under no race. */
	if (!wg_birthdate_older_than(atomic64_read(&peer->last_sent_handshake),
				     wg_times.rekey_timeout_ns) ||
	    unlikely(READ_ONCE(peer->is_dead)))
		goto out;
	wg_peer_get(peer);
	/* Handshakes need sleeping locks and a lot of CPU: a workqueue. */
	if (!queue_work(peer->device->handshake_send_wq,
			&peer->transmit_handshake_work))
		wg_peer_put(peer);
out:
	rcu_read_unlock_bh();
}

void wg_packet_send_handshake_response(struct wg_peer *peer)
{
	struct message_handshake_response packet;

	atomic64_set(&peer->last_sent_handshake, ktime_get_coarse_boottime_ns());
	if (wg_noise_handshake_create_response(&packet, &peer->handshake)) {
		wg_cookie_add_mac_to_packet(&packet, sizeof(packet),
					    &peer->latest_cookie);
		if (wg_noise_handshake_begin_session(&peer->handshake,
						     &peer->keypairs)) {
			wg_timers_session_derived(peer);
			wg_timers_any_authenticated_packet_traversal(peer);
			wg_timers_any_authenticated_packet_sent(peer);
			atomic64_set(&peer->last_sent_handshake,
				     ktime_get_coarse_boottime_ns());
			wg_socket_send_buffer_to_peer(peer, &packet,
						      sizeof(packet),
						      WG_HANDSHAKE_DSCP);
		}
	}
	memzero_explicit(&packet, sizeof(packet));
}

void wg_packet_send_handshake_cookie(struct wg_device *wg,
				     struct sk_buff *initiating_skb,
				     __le32 sender_index)
{
	struct message_handshake_cookie packet;
	u8 addr[16];
	size_t addr_len;

	if (initiating_skb->protocol == htons(ETH_P_IP)) {
		memcpy(addr, &ip_hdr(initiating_skb)->saddr, 4);
		addr_len = 4;
	} else {
		memcpy(addr, &ipv6_hdr(initiating_skb)->saddr, 16);
		addr_len = 16;
	}
	net_dbg_ratelimited("%s: under load, sending cookie reply\n",
			    wg->dev->name);
	if (wg_cookie_message_create(&packet, initiating_skb->data,
				     initiating_skb->len, sender_index,
				     &wg->cookie_checker, addr, addr_len,
				     udp_hdr(initiating_skb)->source))
		wg_socket_send_buffer_as_reply_to_skb(wg, initiating_skb,
						      &packet, sizeof(packet));
}

/* The initiator rekeys before the session gets old or used up. */
static void wg_keep_key_fresh(struct wg_peer *peer)
{
	struct wg_noise_keypair *keypair;
	bool send;

	rcu_read_lock_bh();
	keypair = rcu_dereference_bh(peer->keypairs.current_keypair);
	send = keypair && READ_ONCE(keypair->sending.is_valid) &&
	       (atomic64_read(&keypair->sending_counter) > WG_REKEY_AFTER_MESSAGES ||
		(keypair->i_am_the_initiator &&
		 wg_birthdate_older_than(keypair->sending.birthdate,
					 wg_times.rekey_after_time_ns)));
	rcu_read_unlock_bh();

	if (unlikely(send))
		wg_packet_send_queued_handshake_initiation(peer, false);
}

static unsigned int wg_padding_len(const struct sk_buff *skb)
{
	unsigned int mtu = WG_PACKET_CB(skb)->mtu, len = skb->len, padded;

	/*
	 * Pad to a multiple of 16 to hide exact lengths, but never past the
	 * MTU: that would make the outer packet need fragmenting. GSO
	 * segments are exactly the MTU; anything longer is not padded.
	 */
	if (unlikely(len > mtu || !mtu))
		return 0;
	padded = min(ALIGN(len, WG_MESSAGE_PADDING_MULTIPLE), mtu);
	return padded - len;
}

static bool wg_encrypt_packet(struct sk_buff *skb,
			      struct wg_noise_keypair *keypair)
{
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	unsigned int padding_len, plaintext_len, trailer_len;
	struct message_data *header;
	struct sk_buff *trailer;
	int num_frags;

	/* The inner checksum is due now, while the packet is plaintext. */
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    unlikely(skb_checksum_help(skb)))
		return false;
	wg_reset_packet(skb, true);

	padding_len = wg_padding_len(skb);
	trailer_len = padding_len + WG_NOISE_AUTHTAG_LEN;
	plaintext_len = skb->len + padding_len;

	/* Make the data writable with room for padding and tag at the end. */
	num_frags = skb_cow_data(skb, trailer_len, &trailer);
	if (unlikely(num_frags < 0 || num_frags > ARRAY_SIZE(sg)))
		return false;
	memset(skb_tail_pointer(trailer), 0, padding_len);

	/* And room in front for our header and the outer headers. */
	if (unlikely(skb_cow_head(skb, WG_DATA_PACKET_HEAD_ROOM) < 0))
		return false;

	header = skb_push(skb, sizeof(*header));
	header->header.type = cpu_to_le32(MESSAGE_DATA);
	header->receiver_index = keypair->remote_index;
	header->counter = cpu_to_le64(WG_PACKET_CB(skb)->nonce);
	pskb_put(skb, trailer, trailer_len);

	sg_init_table(sg, num_frags);
	if (skb_to_sgvec(skb, sg, sizeof(*header),
			 wg_noise_encrypted_len(plaintext_len)) <= 0)
		return false;
	return wgc_chacha20poly1305_encrypt_sg_inplace(sg, plaintext_len, NULL,
						      0, WG_PACKET_CB(skb)->nonce,
						      keypair->sending.key);
}

/*
 * Sends (or drops) one batch. A batch that holds data, not only keepalives,
 * arms the "no answer, rehandshake" timer before the first packet leaves:
 * another CPU may receive and process the answer before the send returns.
 * Arming afterwards would then start a timer that nothing cancels, and a
 * needless handshake would follow.
 */
static void wg_packet_tx_batch(struct wg_peer *peer, struct sk_buff *first,
			       enum wg_packet_state state)
{
	struct net_device *dev = peer->device->dev;
	struct sk_buff *skb, *next;

	if (unlikely(state != WG_PACKET_STATE_CRYPTED)) {
		for (skb = first; skb; skb = next) {
			next = WG_PACKET_CB(skb)->batch_next;
			DEV_STATS_INC(dev, tx_errors);
			dev_kfree_skb(skb);
		}
		return;
	}
	wg_timers_any_authenticated_packet_traversal(peer);
	wg_timers_any_authenticated_packet_sent(peer);
	/* A keepalive is a data message with nothing inside. */
	for (skb = first; skb; skb = WG_PACKET_CB(skb)->batch_next) {
		if (skb->len != message_data_len(0)) {
			wg_timers_data_sent(peer);
			break;
		}
	}
	for (skb = first; skb; skb = next) {
		next = WG_PACKET_CB(skb)->batch_next;
		/* The UDP tunnel xmit counts it in the device stats. */
		if (unlikely(wg_socket_send_skb_to_peer(peer, skb,
							WG_PACKET_CB(skb)->ds)))
			DEV_STATS_INC(dev, tx_errors);
	}
}

/* Sends the done batches at the head of the tx queue, at most @budget. */
static unsigned int wg_packet_tx_send_done(struct wg_peer *peer,
					   unsigned int budget)
{
	enum wg_packet_state state;
	unsigned int sent = 0;
	struct sk_buff *first;

	while (sent < budget &&
	       (first = wg_serial_queue_dequeue_done(&peer->tx_queue, &state))) {
		struct wg_noise_keypair *keypair = WG_PACKET_CB(first)->keypair;

		++sent;
		wg_packet_tx_batch(peer, first, state);
		wg_noise_keypair_put(keypair);
		/* The batch's reference; never the last (see below). */
		wg_peer_put(peer);
	}
	return sent;
}

/*
 * Puts the peer's finished packets on the wire, in order, from whichever
 * CPU gets here first: the crypt worker that just finished a packet sends
 * it itself instead of waking the peer's tx work, which on its own CPU
 * would only run once that crypt worker ran out of packets. One CPU at a
 * time sends (bit 0 of tx_sending); the others go back to crypting, and the
 * sender picks up what they finish.
 *
 * The lost wakeup to avoid: a CPU finishes the head packet just as the
 * sender, having found the head unfinished, lets go. Each side publishes
 * first and looks second, with full barriers in between (the state's
 * smp_mb__before_atomic() before test_and_set_bit(), against
 * clear_bit_unlock() plus smp_mb__after_atomic()), so at least one of them
 * sees the other and the packet is sent.
 *
 * Called from process context with bottom halves off, from a crypt worker
 * or the peer's tx work; either keeps the peer alive while it runs, as
 * wg_peer_quiesce() waits for both before the device list lets go of its
 * reference.
 */
static void wg_packet_tx_flush(struct wg_peer *peer)
{
	/* Batches a sender sends before it hands over to the tx work. */
	const unsigned int budget = 8;
	unsigned int sent, total = 0;

	for (;;) {
		/* Orders our state store before the look at the bit. */
		smp_mb__before_atomic();
		if (test_and_set_bit(0, &peer->tx_sending))
			break;
		sent = wg_packet_tx_send_done(peer, budget);
		total += sent;
		clear_bit_unlock(0, &peer->tx_sending);
		if (sent == budget) {
			/* More waiting: the tx work carries on later. */
			queue_work(peer->device->packet_crypt_wq,
				   &peer->transmit_packet_work);
			break;
		}
		/* Orders our release before the look at the head's state. */
		smp_mb__after_atomic();
		if (!wg_serial_queue_head_done(&peer->tx_queue))
			break;
	}
	if (total)
		wg_keep_key_fresh(peer);
}

void wg_packet_encrypt_worker(struct work_struct *work)
{
	struct wg_crypt_queue *queue = container_of(work,
			struct wg_multicore_worker, work)->ptr;
	struct sk_buff *first, *skb;
	unsigned int burst = 0;

	/*
	 * Each send raises the softirqs that carry the packet further (on a
	 * veth, its whole receive path); they run when bottom halves come
	 * back on. Turning them on after every send would run those
	 * softirqs once per packet; after a burst, they take the burst
	 * together.
	 */
	local_bh_disable();
	while ((first = ptr_ring_consume(&queue->ring)) != NULL) {
		struct wg_noise_keypair *keypair = WG_PACKET_CB(first)->keypair;
		enum wg_packet_state state = WG_PACKET_STATE_CRYPTED;
		/*
		 * Taken before the state is published: from then on another
		 * CPU may send and free the batch, with its references.
		 */
		struct wg_peer *peer = keypair->peer;

		wg_batch_for_each(skb, first) {
			++burst;
			if (unlikely(!wg_encrypt_packet(skb, keypair))) {
				/* Dropped whole: its nonces are spent anyway. */
				state = WG_PACKET_STATE_DEAD;
				break;
			}
		}
		wg_packet_set_state(first, state);
		wg_packet_tx_flush(peer);
		burst = wg_crypt_burst_yield(burst);
	}
	local_bh_enable();
}

void wg_packet_tx_worker(struct work_struct *work)
{
	struct wg_peer *peer = container_of(work, struct wg_peer,
					    transmit_packet_work);

	/* As the encrypt worker sends: the softirqs take the lot after. */
	local_bh_disable();
	wg_packet_tx_flush(peer);
	local_bh_enable();
}

void wg_packet_purge_staged(struct wg_peer *peer)
{
	spin_lock_bh(&peer->staged_packet_queue.lock);
	DEV_STATS_ADD(peer->device->dev, tx_dropped,
		      peer->staged_packet_queue.qlen);
	__skb_queue_purge(&peer->staged_packet_queue);
	spin_unlock_bh(&peer->staged_packet_queue.lock);
}

void wg_packet_send_keepalive(struct wg_peer *peer)
{
	struct sk_buff *skb;

	if (skb_queue_empty_lockless(&peer->staged_packet_queue)) {
		skb = alloc_skb(WG_DATA_PACKET_HEAD_ROOM +
				WG_NOISE_AUTHTAG_LEN, GFP_ATOMIC);
		if (unlikely(!skb))
			return;
		skb_reserve(skb, WG_DATA_PACKET_HEAD_ROOM);
		skb->dev = peer->device->dev;
		WG_PACKET_CB(skb)->mtu = skb->dev->mtu;
		skb_queue_tail(&peer->staged_packet_queue, skb);
		pr_debug("%s: sending keepalive to peer %llu\n",
			 peer->device->dev->name, peer->internal_id);
	}
	wg_packet_send_staged_packets(peer);
}

void wg_packet_send_staged_packets(struct wg_peer *peer)
{
	struct wg_device *wg = peer->device;
	struct wg_noise_keypair *keypair;
	struct sk_buff_head packets;
	unsigned int dead, batches;
	struct sk_buff *skb;

	/* Take everything staged so far; new arrivals go to the next round. */
	__skb_queue_head_init(&packets);
	spin_lock_bh(&peer->staged_packet_queue.lock);
	skb_queue_splice_init(&peer->staged_packet_queue, &packets);
	spin_unlock_bh(&peer->staged_packet_queue.lock);
	if (skb_queue_empty(&packets))
		return;

	keypair = wg_noise_keypairs_current(&peer->keypairs);
	if (unlikely(!keypair))
		goto out_nokey;

	/*
	 * Nonces in queue order, so the receiver's window sees them in order.
	 * Only what must be serial happens here; checksums and the rest are
	 * the crypt workers' (wg_encrypt_packet()), on every CPU.
	 */
	skb_queue_walk(&packets, skb) {
		WG_PACKET_CB(skb)->ds = skb->len ?
			ip_tunnel_ecn_encap(0, ip_hdr(skb), skb) : 0;
		WG_PACKET_CB(skb)->keypair = keypair;
		if (unlikely(!wg_noise_keypair_next_nonce(keypair,
					&WG_PACKET_CB(skb)->nonce)))
			goto out_invalid;
	}

	/*
	 * Each batch takes its own keypair and peer reference (ours, and the
	 * caller's, keep both alive meanwhile).
	 */
	for (batches = wg_queue_batches(skb_queue_len(&packets)); batches;
	     --batches) {
		wg_noise_keypair_get_another(keypair);
		wg_peer_get(peer);
	}
	dead = wg_queue_enqueue_crypt_list(&wg->encrypt_queue, &peer->tx_queue,
					   &packets, wg->packet_crypt_wq);
	if (unlikely(dead)) {
		/* Marked dead: the tx work frees them in order. */
		DEV_STATS_ADD(wg->dev, tx_dropped, dead);
		queue_work(wg->packet_crypt_wq, &peer->transmit_packet_work);
	}
	wg_noise_keypair_put(keypair);
	return;

out_invalid:
	/* The session ran out of nonces or died: rekey and retry. */
	WRITE_ONCE(keypair->sending.is_valid, false);
	wg_noise_keypair_put(keypair);
out_nokey:
	/* Put them back in front of anything staged meanwhile. */
	spin_lock_bh(&peer->staged_packet_queue.lock);
	skb_queue_splice(&packets, &peer->staged_packet_queue);
	while (skb_queue_len(&peer->staged_packet_queue) > WG_MAX_STAGED_PACKETS) {
		dev_kfree_skb(__skb_dequeue(&peer->staged_packet_queue));
		DEV_STATS_INC(wg->dev, tx_dropped);
	}
	spin_unlock_bh(&peer->staged_packet_queue.lock);
	/* No usable session: that is what a handshake is for. */
	wg_packet_send_queued_handshake_initiation(peer, false);
}

static bool wg_packet_protocol_ok(struct sk_buff *skb, int *family,
				  const void **daddr)
{
	if (skb->protocol == htons(ETH_P_IP) &&
	    pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
	    ip_hdr(skb)->version == 4) {
		*family = AF_INET;
		*daddr = &ip_hdr(skb)->daddr;
		return true;
	}
	if (skb->protocol == htons(ETH_P_IPV6) &&
	    pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
	    ipv6_hdr(skb)->version == 6) {
		*family = AF_INET6;
		*daddr = &ipv6_hdr(skb)->daddr;
		return true;
	}
	return false;
}

static struct wg_peer *wg_peer_for_destination(struct wg_device *wg,
					       int family, const void *daddr)
{
	struct wg_allowedips_peer *owner;
	struct wg_peer *peer = NULL;

	rcu_read_lock_bh();
	owner = wg_allowedips_lookup_dst(&wg->peer_allowedips, family, daddr);
	if (owner)
		peer = wg_peer_get_maybe_zero(container_of(owner, struct wg_peer,
							   allowedips));
	rcu_read_unlock_bh();
	return peer;
}

netdev_tx_t wg_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct wg_device *wg = netdev_priv(dev);
	struct sk_buff_head packets;
	struct sk_buff *segs, *next;
	const void *daddr;
	struct wg_peer *peer;
	int family;
	u32 mtu;

	if (unlikely(!wg_packet_protocol_ok(skb, &family, &daddr))) {
		net_dbg_ratelimited("%s: not an IP packet\n", dev->name);
		goto err;
	}

	peer = wg_peer_for_destination(wg, family, daddr);
	if (unlikely(!peer)) {
		net_dbg_ratelimited("%s: no peer for %s destination\n",
				    dev->name, family == AF_INET ? "IPv4" : "IPv6");
		goto err_unreachable;
	}
	if (unlikely(READ_ONCE(peer->endpoint.addr.sa_family) != AF_INET &&
		     READ_ONCE(peer->endpoint.addr.sa_family) != AF_INET6)) {
		net_dbg_ratelimited("%s: peer %llu has no endpoint\n",
				    dev->name, peer->internal_id);
		wg_peer_put(peer);
		goto err_unreachable;
	}

	mtu = skb_valid_dst(skb) ? dst_mtu(skb_dst(skb)) : dev->mtu;

	/* Split GSO super-packets here: each segment is one message. */
	__skb_queue_head_init(&packets);
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			wg_peer_put(peer);
			goto err;
		}
		dev_kfree_skb(skb);
		skb = segs;
	}
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		skb = skb_share_check(skb, GFP_ATOMIC);
		if (unlikely(!skb))
			continue;
		/* Nothing may touch the packet once it is encrypted. */
		skb_dst_drop(skb);
		WG_PACKET_CB(skb)->mtu = mtu;
		__skb_queue_tail(&packets, skb);
	}

	spin_lock_bh(&peer->staged_packet_queue.lock);
	skb_queue_splice_tail(&packets, &peer->staged_packet_queue);
	/* A peer without a session must not hoard memory: drop the oldest. */
	while (skb_queue_len(&peer->staged_packet_queue) > WG_MAX_STAGED_PACKETS) {
		dev_kfree_skb(__skb_dequeue(&peer->staged_packet_queue));
		DEV_STATS_INC(dev, tx_dropped);
	}
	spin_unlock_bh(&peer->staged_packet_queue.lock);

	wg_packet_send_staged_packets(peer);
	wg_peer_put(peer);
	return NETDEV_TX_OK;

err_unreachable:
	if (family == AF_INET)
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
err:
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
