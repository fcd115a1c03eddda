/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The send path: ndo_start_xmit routes each packet to a peer by its
 * allowed-ips, stages it until the peer has a session, assigns nonces in
 * order, hands it to the crypt workers of every CPU, and whichever of them
 * finishes the packet at the head of the peer's queue puts the results on
 * the wire in order. Also the handshake
 * messages we originate.
 */
#ifndef WG_SEND_H
#define WG_SEND_H

#include <linux/netdevice.h>

struct wg_peer;
struct wg_device;
struct work_struct;

netdev_tx_t wg_xmit(struct sk_buff *skb, struct net_device *dev);

/* Encrypts and sends what is staged, or starts a handshake if it cannot. */
void wg_packet_send_staged_packets(struct wg_peer *peer);
/* An empty data packet (unless data is already waiting to go). */
void wg_packet_send_keepalive(struct wg_peer *peer);
/*
 * Queues an initiation to the handshake workers, at most one per
 * REKEY_TIMEOUT; is_retry keeps the retransmission count.
 */
void wg_packet_send_queued_handshake_initiation(struct wg_peer *peer,
						bool is_retry);
void wg_packet_send_handshake_response(struct wg_peer *peer);
void wg_packet_send_handshake_cookie(struct wg_device *wg,
				     struct sk_buff *initiating_skb,
				     __le32 sender_index);

void wg_packet_handshake_send_worker(struct work_struct *work);
void wg_packet_tx_worker(struct work_struct *work);
void wg_packet_encrypt_worker(struct work_struct *work);

/* Drops the packets waiting for a session. */
void wg_packet_purge_staged(struct wg_peer *peer);

#endif /* WG_SEND_H */
