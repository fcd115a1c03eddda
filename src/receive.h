/* SPDX-License-Identifier: GPL-2.0 */
/* The receive path: classify, decrypt, deliver. */
#ifndef WG_RECEIVE_H
#define WG_RECEIVE_H

struct wg_device;
struct sk_buff;

/* Takes ownership of skb (data at the UDP header), from the socket hook. */
void wg_receive(struct wg_device *wg, struct sk_buff *skb);

#endif /* WG_RECEIVE_H */
