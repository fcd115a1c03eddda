// SPDX-License-Identifier: GPL-2.0
/* The multi-CPU crypt queues; see queueing.h for the scheme. */
#include "queueing.h"

#include <linux/cpumask.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/netfilter/nf_conntrack.h>

int wg_crypt_queue_init(struct wg_crypt_queue *queue, work_func_t function,
			void *ptr, unsigned int len)
{
	int cpu, ret;

	memset(queue, 0, sizeof(*queue));
	queue->last_cpu = -1;
	ret = ptr_ring_init(&queue->ring, len, GFP_KERNEL);
	if (ret)
		return ret;
	queue->worker = alloc_percpu(struct wg_multicore_worker);
	if (!queue->worker) {
		ptr_ring_cleanup(&queue->ring, NULL);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		per_cpu_ptr(queue->worker, cpu)->ptr = ptr;
		INIT_WORK(&per_cpu_ptr(queue->worker, cpu)->work, function);
	}
	return 0;
}

static void wg_free_queued_skb(void *ptr)
{
	kfree_skb(ptr);
}

void wg_crypt_queue_free(struct wg_crypt_queue *queue, bool purge)
{
	free_percpu(queue->worker);
	/* Data packets are owned by their serial queues, not by us. */
	WARN_ON(!purge && !__ptr_ring_empty(&queue->ring));
	ptr_ring_cleanup(&queue->ring, purge ? wg_free_queued_skb : NULL);
}

/*
 * The serial queues' lock is only ever taken with bottom halves off: their
 * producers run in softirq (receive) or process context (send), their
 * consumers in NAPI and in the crypt workers, and no hard interrupt handler
 * touches them. So the _bh lock suffices where skb_dequeue() and friends
 * would save and restore the interrupt flag, which costs more (and under
 * emulation most of all).
 */
void wg_serial_queue_init(struct wg_serial_queue *queue)
{
	skb_queue_head_init(&queue->list);
}

struct sk_buff *wg_serial_queue_dequeue_done(struct wg_serial_queue *queue,
					     enum wg_packet_state *state)
{
	struct sk_buff *skb;

	spin_lock_bh(&queue->list.lock);
	skb = skb_peek(&queue->list);
	if (skb) {
		/* Pairs with atomic_set_release() in wg_packet_set_state(). */
		*state = atomic_read_acquire(&WG_PACKET_CB(skb)->state);
		if (*state == WG_PACKET_STATE_UNCRYPTED)
			skb = NULL;
		else
			__skb_unlink(skb, &queue->list);
	}
	spin_unlock_bh(&queue->list.lock);
	return skb;
}

bool wg_serial_queue_head_done(struct wg_serial_queue *queue)
{
	struct sk_buff *skb;
	bool done;

	spin_lock_bh(&queue->list.lock);
	skb = skb_peek(&queue->list);
	done = skb && atomic_read_acquire(&WG_PACKET_CB(skb)->state) !=
			      WG_PACKET_STATE_UNCRYPTED;
	spin_unlock_bh(&queue->list.lock);
	return done;
}

int wg_cpumask_next_online(int *last)
{
	int cpu = cpumask_next(READ_ONCE(*last), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(*last, cpu);
	return cpu;
}

void wg_reset_packet(struct sk_buff *skb, bool encapsulating)
{
	/*
	 * The packet crosses from one network stack context to another:
	 * forget its dst, conntrack entry, mark and socket (xnet scrub), and
	 * every header offset of the old encapsulation.
	 */
	skb_scrub_packet(skb, true);
	if (!encapsulating)
		skb_clear_hash(skb);
	skb->priority = 0;
	skb->queue_mapping = 0;
	skb->dev = NULL;
	skb->mac_len = 0;
	skb_reset_redirect(skb);
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb_reset_inner_headers(skb);
	skb->encapsulation = 0;
	skb->ip_summed = CHECKSUM_NONE;
}

unsigned int wg_queue_enqueue_crypt_list(struct wg_crypt_queue *device_queue,
					 struct wg_serial_queue *peer_queue,
					 struct sk_buff_head *packets,
					 struct workqueue_struct *wq)
{
	unsigned int queued = 0, dead = 0, kicks, n;
	struct sk_buff *first, *skb, *last;
	int cpu;

	/*
	 * Both locks once for the whole list instead of twice a packet.
	 * Nesting the ring's producer lock inside the peer queue's lock is
	 * safe: nothing takes them the other way round. The peer queue gets
	 * each batch first: a worker may finish a batch as soon as it is in
	 * the ring, and the serial consumer must find it then (a worker that
	 * finishes one early waits on the peer queue's lock).
	 */
	spin_lock_bh(&peer_queue->list.lock);
	spin_lock(&device_queue->ring.producer_lock);
	while ((first = __skb_dequeue(packets)) != NULL) {
		/* Cut the next batch off the list and chain it. */
		last = first;
		for (n = 1; n < WG_TX_BATCH && (skb = __skb_dequeue(packets)); ++n) {
			WG_PACKET_CB(last)->batch_next = skb;
			last = skb;
		}
		WG_PACKET_CB(last)->batch_next = NULL;

		atomic_set(&WG_PACKET_CB(first)->state, WG_PACKET_STATE_UNCRYPTED);
		__skb_queue_tail(&peer_queue->list, first);
		if (likely(!__ptr_ring_produce(&device_queue->ring, first))) {
			++queued;
		} else {
			wg_packet_set_state(first, WG_PACKET_STATE_DEAD);
			dead += n;
		}
	}
	spin_unlock(&device_queue->ring.producer_lock);
	spin_unlock_bh(&peer_queue->list.lock);

	/* Any worker takes any batch: one kick per CPU is enough. */
	kicks = min(queued, num_online_cpus());
	while (kicks--) {
		cpu = wg_cpumask_next_online(&device_queue->last_cpu);
		queue_work_on(cpu, wq,
			      &per_cpu_ptr(device_queue->worker, cpu)->work);
	}
	return dead;
}
