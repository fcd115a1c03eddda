/* SPDX-License-Identifier: GPL-2.0 */
/* The send path: route by allowed-ips, stage, encrypt, transmit. */
#ifndef WG_SEND_H
#define WG_SEND_H

#include <linux/netdevice.h>

netdev_tx_t wg_xmit(struct sk_buff *skb, struct net_device *dev);

#endif /* WG_SEND_H */
