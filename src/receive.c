// SPDX-License-Identifier: GPL-2.0
#include "receive.h"
#include "device.h"

#include <linux/skbuff.h>

void wg_receive(struct wg_device *wg, struct sk_buff *skb)
{
	/* No protocol yet: count and drop. */
	DEV_STATS_INC(wg->dev, rx_dropped);
	kfree_skb(skb);
}
