/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receive path: the socket hook classifies each datagram by type and
 * exact size; handshake messages go to the handshake workers (cookies and
 * rate limiting when under load), data messages to the decrypt workers of
 * every CPU, and each peer's NAPI poll delivers its packets in order after
 * the replay and allowed-ips checks.
 */
#ifndef WG_RECEIVE_H
#define WG_RECEIVE_H

struct wg_device;
struct sk_buff;
struct napi_struct;
struct work_struct;

/* Takes ownership of skb (data at the UDP header), from the socket hook. */
void wg_receive(struct wg_device *wg, struct sk_buff *skb);

void wg_packet_handshake_receive_worker(struct work_struct *work);
void wg_packet_decrypt_worker(struct work_struct *work);
int wg_packet_rx_poll(struct napi_struct *napi, int budget);

/* The handshake rate limiter shared by all devices. */
int wg_receive_init(void);
void wg_receive_uninit(void);

#endif /* WG_RECEIVE_H */
