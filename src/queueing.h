/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The multi-CPU crypt queues.
 *
 * Every data packet is put in two queues at once: the device-wide crypt
 * queue, from which a worker on any CPU takes it to encrypt or decrypt it,
 * and its peer's serial queue, which keeps the peer's packets in order.
 * When a worker is done it marks the packet's state; the peer's serial
 * consumer (for tx the crypt workers themselves, one at a time, see
 * send.c; NAPI for rx) takes packets off the head of the serial queue only
 * as long as the head is done, so packets leave in the order they came
 * while the crypto runs on every CPU.
 */
#ifndef WG_QUEUEING_H
#define WG_QUEUEING_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <linux/ptr_ring.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/bottom_half.h>
#include <linux/sched.h>

#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/netdevice.h>

struct wg_device;
struct wg_peer;
struct wg_noise_keypair;

/* Room for the outer headers in front of a message. */
#define WG_SKB_HEADER_LEN \
	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr))
/* ... and for the data message header in front of a data packet. */
#define WG_DATA_PACKET_HEAD_ROOM ALIGN(16 + WG_SKB_HEADER_LEN, 4)

struct wg_multicore_worker {
	void *ptr;
	struct work_struct work;
};

struct wg_crypt_queue {
	struct ptr_ring ring;
	struct wg_multicore_worker __percpu *worker;
	int last_cpu;
};

struct wg_serial_queue {
	struct sk_buff_head list;
};

enum wg_packet_state {
	WG_PACKET_STATE_UNCRYPTED,
	WG_PACKET_STATE_CRYPTED,
	WG_PACKET_STATE_DEAD,
};

/*
 * Per-packet state, in skb->cb while the packet is ours.
 *
 * On the send side the queues carry batches: up to WG_TX_BATCH packets of
 * one peer, consecutive in nonce order, linked through @batch_next from the
 * first, which alone is on the queues and alone carries the state and the
 * references (one keypair and one peer reference per batch). A crypt worker
 * does a whole batch, so the per-entry costs of the queues (locks, the
 * state handshake, waking workers, references) are paid once per batch and
 * not once per packet. Received packets go one by one (@batch_next NULL).
 */
struct wg_packet_cb {
	u64 nonce;
	struct wg_noise_keypair *keypair;
	struct sk_buff *batch_next;
	atomic_t state;
	u32 mtu;
	u8 ds;
};

/*
 * Packets per send batch: enough to amortize the per-entry costs, few
 * enough that a burst (a 64 KiB GSO packet is about 45) still spreads over
 * several CPUs.
 */
#define WG_TX_BATCH 16

#define wg_batch_for_each(skb, first) \
	for ((skb) = (first); (skb); (skb) = WG_PACKET_CB(skb)->batch_next)

#define WG_PACKET_CB(skb) ((struct wg_packet_cb *)((skb)->cb))
static_assert(sizeof(struct wg_packet_cb) <= sizeof_field(struct sk_buff, cb));

int wg_crypt_queue_init(struct wg_crypt_queue *queue, work_func_t function,
			void *ptr, unsigned int len);
void wg_crypt_queue_free(struct wg_crypt_queue *queue, bool purge);

void wg_serial_queue_init(struct wg_serial_queue *queue);

/*
 * The head of the serial queue if its crypto is finished (state CRYPTED or
 * DEAD, returned through @state), dequeued; NULL if the queue is empty or
 * its head is still being worked on.
 */
struct sk_buff *wg_serial_queue_dequeue_done(struct wg_serial_queue *queue,
					     enum wg_packet_state *state);

/*
 * Whether the head of the serial queue is there and done (a hint: it may
 * be taken by the time the caller acts).
 */
bool wg_serial_queue_head_done(struct wg_serial_queue *queue);

/*
 * Queues a list of one peer's packets for crypto in both queues, in order,
 * as batches of up to WG_TX_BATCH (receive passes lists of one), kicking at
 * most one worker per online CPU. Batches the device queue has no room for
 * are marked dead in the peer queue, for its consumer to drop in order;
 * returns how many packets that was (the caller must make sure the
 * consumer runs). Every batch holds a reference to its keypair and to its
 * peer: the caller passes in one of each per batch, as counted by
 * wg_queue_batches().
 */
static inline unsigned int wg_queue_batches(unsigned int packets)
{
	return DIV_ROUND_UP(packets, WG_TX_BATCH);
}

unsigned int wg_queue_enqueue_crypt_list(struct wg_crypt_queue *device_queue,
					 struct wg_serial_queue *peer_queue,
					 struct sk_buff_head *packets,
					 struct workqueue_struct *wq);

/* Publishes a crypt result; the serial consumer may take it from now on. */
static inline void wg_packet_set_state(struct sk_buff *skb,
				       enum wg_packet_state state)
{
	atomic_set_release(&WG_PACKET_CB(skb)->state, state);
}

/*
 * Crypt workers run with bottom halves off for a burst of up to
 * WG_CRYPT_BURST packets, so that what their packets raise (NAPI's poll,
 * the softirqs of a send) runs once for the burst rather than per packet.
 * Called after each packet or batch with the count so far: at the end of a
 * burst, or when the CPU is wanted, it lets bottom halves and the
 * scheduler run and returns 0 to start the next burst; otherwise it
 * returns @burst. The burst is short and the worker's loop ends when its
 * ring is empty, so a lone packet waits for nothing.
 */
#define WG_CRYPT_BURST 16

static inline unsigned int wg_crypt_burst_yield(unsigned int burst)
{
	if (burst < WG_CRYPT_BURST && !need_resched())
		return burst;
	local_bh_enable();
	cond_resched();
	local_bh_disable();
	return 0;
}

/* The CPU after @last among the online ones, round robin. */
int wg_cpumask_next_online(int *last);

/*
 * Resets the parts of an skb that must not travel between the inner and
 * outer network stacks (conntrack, dst, marks, ...), keeping its data.
 */
void wg_reset_packet(struct sk_buff *skb, bool encapsulating);

#endif /* WG_QUEUEING_H */
