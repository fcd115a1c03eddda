// SPDX-License-Identifier: GPL-2.0
/* The receive path; see receive.h for the flow. */
#include "receive.h"
#include "device.h"
#include "peer.h"
#include "queueing.h"
#include "socket.h"
#include "send.h"
#include "timers.h"
#include "cookie.h"
#include "ratelimiter.h"
#include "messages.h"
#include "netlink.h"
#include "../crypto/chacha20poly1305.h"

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/scatterlist.h>
#include <net/ip_tunnels.h>
#include <net/inet_ecn.h>
#include <net/ipv6.h>

static struct wg_ratelimiter wg_handshake_ratelimiter;

int wg_receive_init(void)
{
	return wg_ratelimiter_init(&wg_handshake_ratelimiter);
}

void wg_receive_uninit(void)
{
	wg_ratelimiter_uninit(&wg_handshake_ratelimiter);
}

static void wg_rx_bytes(struct wg_peer *peer, size_t len)
{
	atomic64_add(len, &peer->rx_bytes);
}

static bool wg_outer_protocol_ok(const struct sk_buff *skb)
{
	return skb->protocol == htons(ETH_P_IP) ||
	       (IS_ENABLED(CONFIG_IPV6) && skb->protocol == htons(ETH_P_IPV6));
}

/*
 * Checks the UDP framing, strips it, and leaves skb->data at the message
 * with at least its fixed-size part linear. Returns the message type or
 * MESSAGE_INVALID. The outer IP and UDP headers stay reachable through the
 * network and transport header offsets (endpoints come from them).
 */
static enum message_type wg_prepare_skb_header(struct sk_buff *skb)
{
	unsigned int data_offset, data_len, header_len;
	enum message_type type;
	struct udphdr *udp;

	if (unlikely(!wg_outer_protocol_ok(skb) ||
		     skb_transport_header(skb) < skb->head ||
		     skb_transport_header(skb) + sizeof(*udp) >
			     skb_tail_pointer(skb)))
		return MESSAGE_INVALID;
	udp = udp_hdr(skb);
	data_offset = (u8 *)udp - skb->data;
	if (unlikely(data_offset > U16_MAX ||
		     data_offset + sizeof(*udp) > skb->len))
		return MESSAGE_INVALID;
	data_len = ntohs(udp->len);
	if (unlikely(data_len < sizeof(*udp) ||
		     data_len > skb->len - data_offset))
		return MESSAGE_INVALID;
	data_len -= sizeof(*udp);
	data_offset += sizeof(*udp);
	if (unlikely(!pskb_may_pull(skb, data_offset +
					 sizeof(struct message_header)) ||
		     pskb_trim(skb, data_len + data_offset) < 0))
		return MESSAGE_INVALID;
	skb_pull(skb, data_offset);
	if (unlikely(skb->len != data_len))
		return MESSAGE_INVALID;

	type = wg_message_type_of(skb->data, skb->len);
	switch (type) {
	case MESSAGE_HANDSHAKE_INITIATION:
	case MESSAGE_HANDSHAKE_RESPONSE:
	case MESSAGE_HANDSHAKE_COOKIE:
		header_len = skb->len;
		break;
	case MESSAGE_DATA:
		header_len = sizeof(struct message_data);
		break;
	default:
		return MESSAGE_INVALID;
	}
	if (unlikely(!pskb_may_pull(skb, header_len)))
		return MESSAGE_INVALID;
	return type;
}

static void wg_source_address(const struct sk_buff *skb, u8 addr[16],
			      size_t *addr_len, int *family)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		memcpy(addr, &ip_hdr(skb)->saddr, 4);
		*addr_len = 4;
		*family = AF_INET;
	} else {
		memcpy(addr, &ipv6_hdr(skb)->saddr, 16);
		*addr_len = 16;
		*family = AF_INET6;
	}
}

static bool wg_device_is_under_load(struct wg_device *wg)
{
	/*
	 * Demand cookies while the handshake queue is an eighth full, and
	 * for a second after: a flood that pauses does not get a free pass.
	 */
	if (atomic_read(&wg->handshake_queue_len) >=
	    WG_MAX_QUEUED_INCOMING_HANDSHAKES / 8) {
		WRITE_ONCE(wg->last_under_load, jiffies);
		return true;
	}
	return time_is_after_jiffies(READ_ONCE(wg->last_under_load) + HZ);
}

static void wg_receive_cookie(struct wg_device *wg, struct sk_buff *skb)
{
	const struct message_handshake_cookie *msg = (void *)skb->data;
	struct wg_index_entry *entry;
	struct wg_peer *peer = NULL;

	entry = wg_index_hashtable_lookup(wg->index_hashtable,
					  WG_INDEX_HANDSHAKE | WG_INDEX_KEYPAIR,
					  msg->receiver_index, &peer);
	if (unlikely(!entry))
		return;
	if (!wg_cookie_message_consume(msg, &peer->latest_cookie))
		net_dbg_ratelimited("%s: invalid cookie reply\n", wg->dev->name);
	wg_peer_put(peer);
}

/*
 * @cookie_proven: the message came through the cookie lane, whose entry
 * check (wg_queue_handshake()) found both its MACs valid, mac2 with our
 * cookie; they are not computed again.
 */
static void wg_receive_handshake_packet(struct wg_device *wg,
					struct sk_buff *skb, bool cookie_proven)
{
	enum message_type type = get_unaligned_le32(skb->data);
	enum wg_cookie_mac_state mac_state;
	struct wg_noise_handshake *handshake;
	struct wg_peer *peer = NULL;
	bool needs_cookie, under_load;
	size_t addr_len;
	u8 addr[16];
	int family;

	if (type == MESSAGE_HANDSHAKE_COOKIE) {
		wg_receive_cookie(wg, skb);
		return;
	}

	wg_source_address(skb, addr, &addr_len, &family);
	under_load = wg_device_is_under_load(wg);
	if (cookie_proven)
		mac_state = WG_COOKIE_VALID_MAC_WITH_COOKIE;
	else
		mac_state = wg_cookie_validate_packet(&wg->cookie_checker,
						      skb->data, skb->len,
						      addr, addr_len,
						      udp_hdr(skb)->source,
						      under_load);
	if (mac_state == WG_COOKIE_VALID_MAC_WITH_COOKIE ||
	    (!under_load && mac_state == WG_COOKIE_VALID_MAC_BUT_NO_COOKIE)) {
		needs_cookie = false;
	} else if (under_load && mac_state == WG_COOKIE_VALID_MAC_BUT_NO_COOKIE) {
		needs_cookie = true;
	} else {
		net_dbg_ratelimited("%s: handshake message with invalid MAC\n",
				    wg->dev->name);
		return;
	}
	/* Under load even holders of a valid cookie get a bounded rate. */
	if (under_load && !needs_cookie &&
	    !wg_ratelimiter_allow(&wg_handshake_ratelimiter, family, addr,
				  dev_net(wg->dev)))
		return;

	if (type == MESSAGE_HANDSHAKE_INITIATION) {
		struct message_handshake_initiation *msg = (void *)skb->data;

		if (needs_cookie) {
			wg_packet_send_handshake_cookie(wg, skb,
							msg->sender_index);
			return;
		}
		handshake = wg_noise_handshake_consume_initiation(msg,
				&wg->static_identity, wg->peer_hashtable);
		if (unlikely(!handshake)) {
			net_dbg_ratelimited("%s: invalid handshake initiation\n",
					    wg->dev->name);
			return;
		}
		peer = handshake->peer;
		if (wg_socket_set_peer_endpoint_from_skb(peer, skb))
			wg_netlink_notify_endpoint(peer);
		pr_debug("%s: handshake initiation from peer %llu\n",
			 wg->dev->name, peer->internal_id);
		wg_packet_send_handshake_response(peer);
	} else {
		struct message_handshake_response *msg = (void *)skb->data;

		if (needs_cookie) {
			wg_packet_send_handshake_cookie(wg, skb,
							msg->sender_index);
			return;
		}
		handshake = wg_noise_handshake_consume_response(msg,
				&wg->static_identity, wg->index_hashtable);
		if (unlikely(!handshake)) {
			net_dbg_ratelimited("%s: invalid handshake response\n",
					    wg->dev->name);
			return;
		}
		peer = handshake->peer;
		if (wg_socket_set_peer_endpoint_from_skb(peer, skb))
			wg_netlink_notify_endpoint(peer);
		pr_debug("%s: handshake response from peer %llu\n",
			 wg->dev->name, peer->internal_id);
		if (wg_noise_handshake_begin_session(&peer->handshake,
						     &peer->keypairs)) {
			wg_timers_session_derived(peer);
			wg_timers_handshake_complete(peer);
			/*
			 * Confirm the session at once: with staged data that
			 * data does it, otherwise a keepalive.
			 */
			wg_packet_send_keepalive(peer);
		}
	}

	wg_rx_bytes(peer, skb->len);
	wg_timers_any_authenticated_packet_received(peer);
	wg_timers_any_authenticated_packet_traversal(peer);
	wg_peer_put(peer);
}

void wg_packet_handshake_receive_worker(struct work_struct *work)
{
	struct wg_crypt_queue *queue = container_of(work,
			struct wg_multicore_worker, work)->ptr;
	struct wg_device *wg = container_of(queue, struct wg_device,
					    handshake_queue);
	struct sk_buff *skb;

	/* The cookie lane first: see wg_queue_handshake(). */
	for (;;) {
		bool proven = true;

		skb = ptr_ring_consume_bh(&wg->handshake_cookie_lane);
		if (!skb) {
			proven = false;
			skb = ptr_ring_consume_bh(&queue->ring);
			if (!skb)
				break;
		}
		wg_receive_handshake_packet(wg, skb, proven);
		dev_kfree_skb(skb);
		atomic_dec(&wg->handshake_queue_len);
		cond_resched();
	}
}

static bool wg_decrypt_packet(struct sk_buff *skb,
			      struct wg_noise_keypair *keypair)
{
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	struct sk_buff *trailer;
	unsigned int offset;
	int num_frags;

	if (unlikely(!wg_noise_keypair_receiving_is_valid(keypair)))
		return false;

	WG_PACKET_CB(skb)->nonce =
		le64_to_cpu(((struct message_data *)skb->data)->counter);

	/*
	 * skb_cow_data() may reallocate the head: include the outer headers
	 * in what it keeps, so the endpoint can still be read afterwards.
	 */
	offset = skb->data - skb_network_header(skb);
	skb_push(skb, offset);
	num_frags = skb_cow_data(skb, 0, &trailer);
	offset += sizeof(struct message_data);
	skb_pull(skb, offset);
	if (unlikely(num_frags < 0 || num_frags > ARRAY_SIZE(sg)))
		return false;

	sg_init_table(sg, num_frags);
	if (skb_to_sgvec(skb, sg, 0, skb->len) <= 0)
		return false;
	if (!wgc_chacha20poly1305_decrypt_sg_inplace(sg, skb->len, NULL, 0,
						    WG_PACKET_CB(skb)->nonce,
						    keypair->receiving.key))
		return false;

	/* Drop the tag, again keeping the outer headers in place. */
	skb_push(skb, offset);
	if (pskb_trim(skb, skb->len - WG_NOISE_AUTHTAG_LEN))
		return false;
	skb_pull(skb, offset);
	return true;
}

void wg_packet_decrypt_worker(struct work_struct *work)
{
	struct wg_crypt_queue *queue = container_of(work,
			struct wg_multicore_worker, work)->ptr;
	unsigned int burst = 0;
	struct sk_buff *skb;

	/*
	 * napi_schedule() only raises the softirq; NAPI runs when bottom
	 * halves come back on. Turning them on after every packet would run
	 * a poll, and the stack above it, per packet; after a burst, one
	 * poll delivers the burst as a list (and GRO can merge it).
	 */
	local_bh_disable();
	while ((skb = ptr_ring_consume(&queue->ring)) != NULL) {
		struct wg_noise_keypair *keypair = WG_PACKET_CB(skb)->keypair;
		enum wg_packet_state state = WG_PACKET_STATE_CRYPTED;
		/*
		 * Read before the state is published: from then on NAPI may
		 * deliver the packet and drop the keypair it holds. The peer
		 * outlives this worker (wg_peer_quiesce() flushes us first).
		 */
		struct wg_peer *peer = keypair->peer;

		if (unlikely(!wg_decrypt_packet(skb, keypair)))
			state = WG_PACKET_STATE_DEAD;
		wg_packet_set_state(skb, state);
		/* The peer's NAPI delivers it, or drops it, in order. */
		napi_schedule(&peer->napi);
		burst = wg_crypt_burst_yield(burst + 1);
	}
	local_bh_enable();
}

static void wg_packet_consume_data(struct wg_device *wg, struct sk_buff *skb)
{
	__le32 idx = ((struct message_data *)skb->data)->receiver_index;
	struct wg_noise_keypair *keypair;
	struct wg_peer *peer = NULL;
	struct sk_buff_head one;

	rcu_read_lock_bh();
	keypair = wg_noise_keypair_lookup(wg->index_hashtable, idx, &peer);
	rcu_read_unlock_bh();
	if (unlikely(!keypair)) {
		DEV_STATS_INC(wg->dev, rx_dropped);
		dev_kfree_skb(skb);
		return;
	}

	/* The outer DS field, for ECN decapsulation on delivery. */
	WG_PACKET_CB(skb)->ds = skb->protocol == htons(ETH_P_IP) ?
		ip_hdr(skb)->tos : ipv6_get_dsfield(ipv6_hdr(skb));
	WG_PACKET_CB(skb)->keypair = keypair;
	/* The packet now holds the keypair and peer references. */
	__skb_queue_head_init(&one);
	__skb_queue_tail(&one, skb);
	if (unlikely(wg_queue_enqueue_crypt_list(&wg->decrypt_queue,
						 &peer->rx_queue, &one,
						 wg->packet_crypt_wq))) {
		/* Marked dead in the peer queue: NAPI drops it in order. */
		DEV_STATS_INC(wg->dev, rx_dropped);
		napi_schedule(&peer->napi);
	}
}

/*
 * Queues a handshake message for the workers; false if it must be dropped.
 * Past half full the queue is a flood's, and the rate limiter applies first
 * so the flood cannot crowd out real peers. That alone is not enough
 * against a flood from many sources: the queue stays full, and a real
 * peer's retry, sent with the mac2 of the cookie our reply gave it, would
 * be dropped unread like the flood around it. So past half full the mac2
 * is checked here (two BLAKE2s, far cheaper than the handshake itself),
 * and a message that proves its cookie, a round trip to its source
 * address a spoofing flood cannot make, goes to a lane of its own that
 * the workers drain first (and do not check again).
 */
static bool wg_queue_handshake(struct wg_device *wg, struct sk_buff *skb,
			       enum message_type type)
{
	struct ptr_ring *lane = &wg->handshake_queue.ring;
	size_t addr_len;
	u8 addr[16];
	int family, cpu;

	if (atomic_read(&wg->handshake_queue_len) >
	    WG_MAX_QUEUED_INCOMING_HANDSHAKES / 2) {
		wg_source_address(skb, addr, &addr_len, &family);
		if (!wg_ratelimiter_allow(&wg_handshake_ratelimiter, family,
					  addr, dev_net(wg->dev)))
			return false;
		/* A cookie reply answers us: it has no MACs of its own. */
		if (type != MESSAGE_HANDSHAKE_COOKIE &&
		    wg_cookie_validate_packet(&wg->cookie_checker, skb->data,
					      skb->len, addr, addr_len,
					      udp_hdr(skb)->source, true) ==
		    WG_COOKIE_VALID_MAC_WITH_COOKIE)
			lane = &wg->handshake_cookie_lane;
	}
	if (unlikely(ptr_ring_produce_bh(lane, skb)))
		return false;
	atomic_inc(&wg->handshake_queue_len);
	cpu = wg_cpumask_next_online(&wg->handshake_queue.last_cpu);
	queue_work_on(cpu, wg->handshake_receive_wq,
		      &per_cpu_ptr(wg->handshake_queue.worker, cpu)->work);
	return true;
}

void wg_receive(struct wg_device *wg, struct sk_buff *skb)
{
	enum message_type type = wg_prepare_skb_header(skb);

	switch (type) {
	case MESSAGE_HANDSHAKE_INITIATION:
	case MESSAGE_HANDSHAKE_RESPONSE:
	case MESSAGE_HANDSHAKE_COOKIE:
		if (unlikely(!wg_queue_handshake(wg, skb, type)))
			goto drop;
		return;
	case MESSAGE_DATA:
		wg_packet_consume_data(wg, skb);
		return;
	default:
		break;
	}
	net_dbg_ratelimited("%s: invalid packet\n", wg->dev->name);
drop:
	DEV_STATS_INC(wg->dev, rx_dropped);
	kfree_skb(skb);
}

static void wg_keep_key_fresh_on_receive(struct wg_peer *peer)
{
	struct wg_noise_keypair *keypair;
	bool send;

	if (peer->sent_lastminute_handshake)
		return;
	rcu_read_lock_bh();
	keypair = rcu_dereference_bh(peer->keypairs.current_keypair);
	/*
	 * The initiator's session is about to be rejected: rekey now rather
	 * than wait for the sending side to notice.
	 */
	send = keypair && READ_ONCE(keypair->sending.is_valid) &&
	       keypair->i_am_the_initiator &&
	       wg_birthdate_older_than(keypair->sending.birthdate,
				       wg_times.rekey_before_reject_ns);
	rcu_read_unlock_bh();

	if (unlikely(send)) {
		peer->sent_lastminute_handshake = true;
		wg_packet_send_queued_handshake_initiation(peer, false);
	}
}

/* Delivers a decrypted, replay-checked packet; consumes skb. */
static void wg_packet_consume_data_done(struct wg_peer *peer,
					struct sk_buff *skb,
					struct wg_noise_keypair *keypair)
{
	struct net_device *dev = peer->device->dev;
	struct wg_allowedips_peer *owner;
	unsigned int len, len_before_trim;
	const void *saddr;
	int family;

	if (wg_socket_set_peer_endpoint_from_skb(peer, skb))
		wg_netlink_notify_endpoint(peer);

	if (unlikely(wg_noise_received_with_keypair(&peer->keypairs, keypair))) {
		wg_timers_handshake_complete(peer);
		wg_packet_send_staged_packets(peer);
	}
	wg_keep_key_fresh_on_receive(peer);
	wg_timers_any_authenticated_packet_received(peer);
	wg_timers_any_authenticated_packet_traversal(peer);

	if (unlikely(!skb->len)) {
		/* A keepalive: it did its job by arriving. */
		wg_rx_bytes(peer, message_data_len(0));
		dev_kfree_skb(skb);
		return;
	}
	wg_timers_data_received(peer);

	/* From here on the packet is the inner one. */
	wg_reset_packet(skb, false);
	skb->dev = dev;
	/* The AEAD authenticated every byte: checksums cannot be wrong. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;

	if (pskb_may_pull(skb, sizeof(struct iphdr)) &&
	    ip_hdr(skb)->version == 4) {
		len = ntohs(ip_hdr(skb)->tot_len);
		if (unlikely(len < sizeof(struct iphdr)))
			goto dishonest_size;
		skb->protocol = htons(ETH_P_IP);
		family = AF_INET;
		INET_ECN_decapsulate(skb, WG_PACKET_CB(skb)->ds,
				     ip_hdr(skb)->tos);
		saddr = &ip_hdr(skb)->saddr;
	} else if (pskb_may_pull(skb, sizeof(struct ipv6hdr)) &&
		   ipv6_hdr(skb)->version == 6) {
		len = ntohs(ipv6_hdr(skb)->payload_len) +
		      sizeof(struct ipv6hdr);
		skb->protocol = htons(ETH_P_IPV6);
		family = AF_INET6;
		INET_ECN_decapsulate(skb, WG_PACKET_CB(skb)->ds,
				     ipv6_get_dsfield(ipv6_hdr(skb)));
		saddr = &ipv6_hdr(skb)->saddr;
	} else {
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_frame_errors);
		goto drop;
	}

	len_before_trim = skb->len;
	if (unlikely(len > skb->len || pskb_trim(skb, len)))
		goto dishonest_size;

	/* Cryptokey routing: the inner source must belong to this peer. */
	rcu_read_lock_bh();
	owner = wg_allowedips_lookup_src(&peer->device->peer_allowedips,
					 family, saddr);
	rcu_read_unlock_bh();
	if (unlikely(owner != &peer->allowedips)) {
		net_dbg_ratelimited("%s: packet from peer %llu with disallowed source\n",
				    dev->name, peer->internal_id);
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_frame_errors);
		goto drop;
	}

	napi_gro_receive(&peer->napi, skb);
	dev_sw_netstats_rx_add(dev, len);
	wg_rx_bytes(peer, message_data_len(len_before_trim));
	return;

dishonest_size:
	DEV_STATS_INC(dev, rx_errors);
	DEV_STATS_INC(dev, rx_length_errors);
drop:
	dev_kfree_skb(skb);
}

int wg_packet_rx_poll(struct napi_struct *napi, int budget)
{
	struct wg_peer *peer = container_of(napi, struct wg_peer, napi);
	enum wg_packet_state state;
	struct sk_buff *skb;
	int work_done = 0;

	if (unlikely(budget <= 0))
		return 0;

	while (work_done < budget &&
	       (skb = wg_serial_queue_dequeue_done(&peer->rx_queue, &state))) {
		struct wg_noise_keypair *keypair = WG_PACKET_CB(skb)->keypair;

		if (unlikely(state != WG_PACKET_STATE_CRYPTED)) {
			DEV_STATS_INC(peer->device->dev, rx_errors);
			dev_kfree_skb(skb);
		} else if (unlikely(!wg_replay_counter_validate(
					&keypair->receiving_counter,
					WG_PACKET_CB(skb)->nonce,
					WG_REJECT_AFTER_MESSAGES))) {
			net_dbg_ratelimited("%s: replayed or too old packet from peer %llu\n",
					    peer->device->dev->name,
					    peer->internal_id);
			DEV_STATS_INC(peer->device->dev, rx_dropped);
			dev_kfree_skb(skb);
		} else {
			wg_packet_consume_data_done(peer, skb, keypair);
		}
		/*
		 * The packet's references. NAPI is disabled before the
		 * device list's reference goes, so peer outlives this poll.
		 */
		wg_noise_keypair_put(keypair);
		wg_peer_put(peer);
		++work_done;
	}
	if (work_done < budget)
		napi_complete_done(napi, work_done);
	return work_done;
}
