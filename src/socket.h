/* SPDX-License-Identifier: GPL-2.0 */
/* The device's UDP sockets: binding them, and handing datagrams to receive. */
#ifndef WG_SOCKET_H
#define WG_SOCKET_H

#include <linux/types.h>

struct wg_device;

/*
 * Binds an IPv4 and (when the namespace has IPv6) an IPv6 socket to port in
 * the device's creating namespace and publishes them, replacing any bound
 * ones. Port 0 picks a free port that both families can share. On success
 * wg->incoming_port holds the port bound. Caller holds device_update_lock.
 */
int __must_check wg_socket_init(struct wg_device *wg, u16 port);

/* Unpublishes and closes the sockets (waits for readers). */
void wg_socket_uninit(struct wg_device *wg);

#endif /* WG_SOCKET_H */
