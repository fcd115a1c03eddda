// SPDX-License-Identifier: GPL-2.0
/*
 * Cryptokey routing: an RCU longest-prefix-match trie, one per family.
 *
 * Layout. The trie is a path-compressed multibit trie with a stride of four
 * bits and popcount-compressed nodes (a "tree bitmap"). A node at depth d
 * (a multiple of 4) covers key bits [d, d + 4):
 *  - @child: bit v set if the subtree whose bits [d, d + 4) equal v is
 *    non-empty;
 *  - @pfx: bit i set if the node holds the prefix of length d + l whose
 *    bits [d, d + l) are w, where i = 2^l - 1 + w, l in 0..3 (15 bits);
 *  - @slot: one pointer per set bit, children first (by v) then prefixes
 *    (by i), so an entry's position is a popcount of the lower bits.
 * A slot points either to a node or, tagged with bit 0, to a leaf: the one
 * record per stored prefix (key, cidr, owner). A child subtree holding one
 * prefix is just that leaf, and a child node may sit deeper than d + 4 when
 * nothing branches in between (path compression). Every node holds at least
 * two live entries, so there are fewer nodes than prefixes, and depth grows
 * by at least 4 per node: at most 8 (IPv4) or 32 (IPv6) nodes on any path.
 *
 * Lookup does not compare the skipped bits of compressed edges on the way
 * down; it collects the longest matching prefix of each node visited and
 * the final leaf, then returns the deepest candidate whose full key matches.
 * That is correct because every prefix matching the address lies on the
 * path that the address's own bits select, and a wrong turn at a compressed
 * edge only adds candidates that fail the final check.
 *
 * Updates. Writers hold the device's config mutex. A node's depth never
 * changes once it is published, and its bitmaps change in place in one way
 * only: an append, a new entry whose slot comes after all others (so no
 * entry moves), into a node with room for it (see node_append()). The
 * slot is filled first and the bit set after it with a release store;
 * readers take one snapshot of each bitmap and index the slots by it, so
 * whichever snapshot they get, every bit in it has its slot. Any other
 * added bit, and every dropped one, builds a new node, fills it completely
 * and publishes it with rcu_assign_pointer() in the parent's slot, so a
 * reader sees the old or the new node, never a mix. Single pointers change
 * in place (one aligned store each): a slot, to hang a new node where a
 * leaf was or to let the last entry of a node take its place, and a leaf's
 * owner when the prefix moves to another owner. Replaced nodes and removed leaves are freed after
 * a grace period. Removal may need a smaller node; if that allocation
 * fails, the slot is set to NULL instead (a hole: readers skip it, a later
 * insert of a prefix that belongs there fills it), so removal never fails.
 *
 * Memory. Nodes come from one slab cache per slot count (8 + 8 * slots
 * bytes, nothing lost to rounding) and are allocated with exactly the
 * slots they use, except in a run of appends (prefixes added in ascending
 * order, as configurations usually list them): a node copied for its
 * second append in a row gets twice the slots it needs, so that the
 * following appends fill it in place instead of copying it once per
 * prefix. Nodes hold no rcu_head: replaced nodes are
 * freed in batches after a grace period. In a leaf the rcu_head shares its
 * storage with the owner-list link, which no reader ever touches and which
 * is unlinked before the leaf is queued for freeing: an IPv4 leaf is 32
 * bytes, an IPv6 leaf 48.
 *
 * Owners. Each owner lists its leaves per family in the order they joined
 * it, with a per-owner sequence number in each leaf; the cursor of a
 * netlink dump keeps the last emitted leaf and its sequence number, and
 * uses the pointer only if the owner's generation shows no change since.
 */

#include "allowedips.h"

#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/errno.h>

#define WG_AP_STRIDE 4
/* Nodes on one root-to-leaf path: one per stride at most. */
#define WG_AP_MAX_DEPTH (128 / WG_AP_STRIDE)
/* Sequence numbers are 24 bits so that an IPv4 leaf fits in 32 bytes. */
#define WG_AP_SEQ_MAX 0xffffffU

struct wg_ap_node {
	u8 depth;
	/* Slots allocated: node_nslots() of them in use, the rest free. */
	u8 cap;
	/* Changed in place by node_append() only; readers: READ_ONCE(). */
	u16 pfx;
	u16 child;
	/* Writer-only: WG_AP_NODE_APPENDED. */
	u8 flags;
	u8 unused8;
	void __rcu *slot[];
};

/* The node's last change was an append (a hint for node_add()'s size). */
#define WG_AP_NODE_APPENDED 1

struct wg_ap_leaf {
	union {
		/* In the owner's list while the leaf is in the trie. */
		struct list_head link;
		/* Only after it left both the trie and the owner's list. */
		struct rcu_head rcu;
	};
	struct wg_allowedips_peer __rcu *owner;
	u8 cidr;
	/*
	 * Writer-only, big endian; bytes apart from @cidr, so that a
	 * renumbering never writes what readers read.
	 */
	u8 seq[3];
	/* Network order, host bits zero; 4 or 16 bytes. */
	u8 key[];
};

#define WG_AP_LEAF_SIZE(keylen) (offsetof(struct wg_ap_leaf, key) + (keylen))

/* Nodes hold 2 to 16 + 15 slots; one cache per size wastes no bytes. */
#define WG_AP_MIN_SLOTS 2
#define WG_AP_MAX_SLOTS 31

static struct kmem_cache *leaf_cache[2];
static struct kmem_cache *node_cache[WG_AP_MAX_SLOTS + 1];

/* Entries: a node pointer, or a leaf pointer with bit 0 set. */
#define WG_AP_ENTRY_LEAF 1UL

static inline bool entry_is_leaf(const void *e)
{
	return (unsigned long)e & WG_AP_ENTRY_LEAF;
}

static inline struct wg_ap_leaf *entry_leaf(const void *e)
{
	return (struct wg_ap_leaf *)((unsigned long)e & ~WG_AP_ENTRY_LEAF);
}

static inline void *leaf_entry(const struct wg_ap_leaf *l)
{
	return (void *)((unsigned long)l | WG_AP_ENTRY_LEAF);
}

/* Writers: under the config mutex. Readers: RCU-bh, or plain RCU. */
#define deref_w(p, lock) rcu_dereference_protected(p, lockdep_is_held(lock))
#define deref_r(p) rcu_dereference_check(p, rcu_read_lock_bh_held())

static inline unsigned int fam_bits(unsigned int f)
{
	return f ? 128 : 32;
}

static inline unsigned int fam_keylen(unsigned int f)
{
	return f ? 16 : 4;
}

static inline void __rcu **fam_root(struct wg_allowedips *t, unsigned int f)
{
	return f ? &t->root6 : &t->root4;
}

/* Bits [d, d + 4) of a big-endian key; d is a multiple of 4. */
static __always_inline unsigned int nibble(const u8 *key, unsigned int d)
{
	return (key[d >> 3] >> (~d & 4)) & 0xf;
}

/* Index in @pfx of the prefix of relative length @len (0..3) in nibble v. */
static __always_inline unsigned int pfx_index(unsigned int len,
					      unsigned int v)
{
	return (1U << len) - 1 + (v >> (WG_AP_STRIDE - len));
}

#define PFX_MATCH(v) (BIT(0) | BIT(1 + ((v) >> 3)) | BIT(3 + ((v) >> 2)) | \
		      BIT(7 + ((v) >> 1)))
/* The @pfx bits of the four prefixes (lengths 0..3) that nibble v matches. */
static const u16 pfx_match[16] = {
	PFX_MATCH(0), PFX_MATCH(1), PFX_MATCH(2), PFX_MATCH(3),
	PFX_MATCH(4), PFX_MATCH(5), PFX_MATCH(6), PFX_MATCH(7),
	PFX_MATCH(8), PFX_MATCH(9), PFX_MATCH(10), PFX_MATCH(11),
	PFX_MATCH(12), PFX_MATCH(13), PFX_MATCH(14), PFX_MATCH(15),
};

/*
 * Lookups run these per node. hweight32() is an alternative (a call patched
 * into POPCNT) that GCC's inlining heuristics see as costly: it left them
 * out of line.
 */
static __always_inline unsigned int node_nchild(const struct wg_ap_node *n)
{
	return hweight32(n->child);
}

static __always_inline unsigned int node_nslots(const struct wg_ap_node *n)
{
	return hweight32(n->child) + hweight32(n->pfx);
}

/* Slot positions from bitmaps (lookup() passes its snapshot of them). */
static __always_inline unsigned int bm_child_pos(unsigned int child,
						 unsigned int v)
{
	return hweight32(child & (BIT(v) - 1));
}

static __always_inline unsigned int bm_pfx_pos(unsigned int child,
					       unsigned int pfx,
					       unsigned int i)
{
	return hweight32(child) + hweight32(pfx & (BIT(i) - 1));
}

static __always_inline unsigned int child_pos(const struct wg_ap_node *n,
					      unsigned int v)
{
	return bm_child_pos(n->child, v);
}

static __always_inline unsigned int pfx_pos(const struct wg_ap_node *n,
					    unsigned int i)
{
	return bm_pfx_pos(n->child, n->pfx, i);
}

/* Does @addr lie in the prefix of leaf @l? */
static __always_inline bool leaf_match(const struct wg_ap_leaf *l,
				       const u8 *addr, unsigned int bits)
{
	unsigned int c = l->cidr;
	u64 hi, lo;

	if (bits == 32) {
		u32 x = get_unaligned_be32(l->key) ^ get_unaligned_be32(addr);

		return !c || !(x >> (32 - c));
	}
	hi = get_unaligned_be64(l->key) ^ get_unaligned_be64(addr);
	if (c <= 64)
		return !c || !(hi >> (64 - c));
	lo = get_unaligned_be64(l->key + 8) ^ get_unaligned_be64(addr + 8);
	return !hi && !(lo >> (128 - c));
}

/* Number of leading bits in which two keys agree (up to @bits). */
static unsigned int common_bits(const u8 *a, const u8 *b, unsigned int bits)
{
	u64 x;

	if (bits == 32) {
		u32 y = get_unaligned_be32(a) ^ get_unaligned_be32(b);

		return 32 - fls(y);
	}
	x = get_unaligned_be64(a) ^ get_unaligned_be64(b);
	if (x)
		return 64 - fls64(x);
	x = get_unaligned_be64(a + 8) ^ get_unaligned_be64(b + 8);
	return 128 - fls64(x);
}

/* Copy @src keeping only its first @cidr bits. */
static void mask_key(u8 *dst, const u8 *src, unsigned int cidr,
		     unsigned int keylen)
{
	unsigned int i;

	for (i = 0; i < keylen; ++i) {
		if (cidr >= 8 * (i + 1))
			dst[i] = src[i];
		else if (cidr > 8 * i)
			dst[i] = src[i] & (0xff00 >> (cidr - 8 * i));
		else
			dst[i] = 0;
	}
}

static inline bool leaf_is(const struct wg_ap_leaf *l, const u8 *key,
			   unsigned int cidr, unsigned int keylen)
{
	return l->cidr == cidr && !memcmp(l->key, key, keylen);
}

static inline u32 leaf_seq(const struct wg_ap_leaf *l)
{
	return (u32)l->seq[0] << 16 | (u32)l->seq[1] << 8 | l->seq[2];
}

static inline void leaf_set_seq(struct wg_ap_leaf *l, u32 seq)
{
	l->seq[0] = seq >> 16;
	l->seq[1] = seq >> 8;
	l->seq[2] = seq;
}

/*
 * Lookup: lockless, bounded, no allocation. Collects one candidate per
 * node (its longest prefix matching the address's nibble) plus the final
 * leaf, then checks them deepest first against the full address.
 */
static __always_inline const struct wg_ap_leaf *
lookup(void __rcu *const *root, const u8 *addr, unsigned int bits)
{
	const struct wg_ap_leaf *cand[WG_AP_MAX_DEPTH + 1];
	unsigned int n = 0, steps;
	const void *e = deref_r(*root);

	/* Depth grows by at least a stride per node: at most bits/4 nodes. */
	for (steps = 0; e && !entry_is_leaf(e) && steps < bits / WG_AP_STRIDE;
	     ++steps) {
		const struct wg_ap_node *node = e;
		/*
		 * One snapshot of each bitmap, and slots indexed by it only:
		 * node_append() may set bits meanwhile (never clear one).
		 */
		const unsigned int child = READ_ONCE(node->child);
		const unsigned int pfx = READ_ONCE(node->pfx);
		unsigned int v = nibble(addr, node->depth);
		unsigned int m = pfx & pfx_match[v], i;
		const struct wg_ap_leaf *l;

		/* The longest matching prefix here, skipping holes. */
		while (m) {
			unsigned int pos;

			i = fls(m) - 1;
			pos = bm_pfx_pos(child, pfx, i);
			l = entry_leaf(deref_r(node->slot[pos]));
			if (likely(l)) {
				cand[n++] = l;
				break;
			}
			m &= ~BIT(i);
		}
		if (!(child & BIT(v))) {
			e = NULL;
			break;
		}
		e = deref_r(node->slot[bm_child_pos(child, v)]);
	}
	if (e && entry_is_leaf(e))
		cand[n++] = entry_leaf(e);
	while (n) {
		const struct wg_ap_leaf *l = cand[--n];

		if (leaf_match(l, addr, bits))
			return l;
	}
	return NULL;
}

static struct wg_allowedips_peer *lookup_owner(struct wg_allowedips *t,
					       int family, const void *addr)
{
	const struct wg_ap_leaf *l;

	if (family == AF_INET)
		l = lookup(&t->root4, addr, 32);
	else if (family == AF_INET6)
		l = lookup(&t->root6, addr, 128);
	else
		return NULL;
	return l ? deref_r(l->owner) : NULL;
}

struct wg_allowedips_peer *wg_allowedips_lookup_dst(struct wg_allowedips *t,
						    int family,
						    const void *addr)
{
	return lookup_owner(t, family, addr);
}

struct wg_allowedips_peer *wg_allowedips_lookup_src(struct wg_allowedips *t,
						    int family,
						    const void *addr)
{
	return lookup_owner(t, family, addr);
}

/* ---- Writer side: owners ---- */

static void owner_renumber(struct wg_allowedips_peer *o, unsigned int f)
{
	struct wg_ap_leaf *l;
	u32 s = 0;

	list_for_each_entry(l, &o->list[f], link)
		leaf_set_seq(l, ++s);
	o->next_seq[f] = s;
	o->renumber_gen = ++o->gen;
}

/* Append a leaf that just joined @o (its ->owner is already @o). */
static void owner_attach(struct wg_allowedips_peer *o, unsigned int f,
			 struct wg_ap_leaf *l)
{
	/*
	 * Renumber when the 24-bit space runs out, as long as that frees at
	 * least half of it (amortized O(1)). Past 8M prefixes in one list,
	 * numbers saturate: only cursor resumption after a concurrent change
	 * becomes approximate then.
	 */
	if (o->next_seq[f] >= WG_AP_SEQ_MAX &&
	    o->count[f] < WG_AP_SEQ_MAX / 2)
		owner_renumber(o, f);
	if (o->next_seq[f] < WG_AP_SEQ_MAX)
		++o->next_seq[f];
	leaf_set_seq(l, o->next_seq[f]);
	list_add_tail(&l->link, &o->list[f]);
	WRITE_ONCE(o->count[f], o->count[f] + 1);
	++o->gen;
}

static void owner_detach(struct wg_allowedips_peer *o, unsigned int f,
			 struct wg_ap_leaf *l)
{
	list_del(&l->link);
	WRITE_ONCE(o->count[f], o->count[f] - 1);
	++o->gen;
}

/* ---- Writer side: allocation ---- */

static struct wg_ap_leaf *leaf_new(unsigned int f, const u8 *key, u8 cidr,
				   struct wg_allowedips_peer *owner)
{
	struct wg_ap_leaf *l = kmem_cache_alloc(leaf_cache[f], GFP_KERNEL);

	if (!l)
		return NULL;
	l->cidr = cidr;
	leaf_set_seq(l, 0);
	memcpy(l->key, key, fam_keylen(f));
	/* Set before the leaf is published: readers never see it unset. */
	RCU_INIT_POINTER(l->owner, owner);
	return l;
}

/* Free a leaf that was never published. */
static void leaf_discard(struct wg_ap_leaf *l, unsigned int f)
{
	kmem_cache_free(leaf_cache[f], l);
}

static void leaf_free_rcu4(struct rcu_head *h)
{
	kmem_cache_free(leaf_cache[0], container_of(h, struct wg_ap_leaf, rcu));
}

static void leaf_free_rcu6(struct rcu_head *h)
{
	kmem_cache_free(leaf_cache[1], container_of(h, struct wg_ap_leaf, rcu));
}

/* The leaf is out of the trie and of its owner's list. */
static void leaf_free(struct wg_ap_leaf *l, unsigned int f)
{
	call_rcu(&l->rcu, f ? leaf_free_rcu6 : leaf_free_rcu4);
}

/* A node with room for @cap slots; the caller fills in the rest. */
static struct wg_ap_node *node_alloc(unsigned int cap)
{
	struct wg_ap_node *n;

	if (WARN_ON(cap < WG_AP_MIN_SLOTS || cap > WG_AP_MAX_SLOTS))
		return NULL;
	n = kmem_cache_alloc(node_cache[cap], GFP_KERNEL);
	if (n)
		n->cap = cap;
	return n;
}

/* Free a node no reader can reach any more. */
static void node_kfree(struct wg_ap_node *n)
{
	kmem_cache_free(node_cache[n->cap], n);
}

/*
 * Replaced nodes are freed in batches after a grace period: nodes carry no
 * rcu_head (that would cost 16 bytes each), and kfree_rcu() cannot be used
 * on our own caches because 6.1 has no way to flush it before
 * kmem_cache_destroy(). A partly filled batch waits for the next writes or
 * for wg_allowedips_free().
 */
struct wg_ap_grave {
	struct rcu_head rcu;
	unsigned int n;
	struct wg_ap_node *node[61];	/* 512 bytes in all */
};

static void grave_free_rcu(struct rcu_head *h)
{
	struct wg_ap_grave *g = container_of(h, struct wg_ap_grave, rcu);
	unsigned int i;

	for (i = 0; i < g->n; ++i)
		node_kfree(g->node[i]);
	kfree(g);
}

static void grave_seal(struct wg_allowedips *t)
{
	struct wg_ap_grave *g = t->grave;

	if (!g)
		return;
	t->grave = NULL;
	call_rcu(&g->rcu, grave_free_rcu);
}

/* Free a node that was unhooked but that readers may still be in. */
static void node_free(struct wg_allowedips *t, struct wg_ap_node *n)
{
	struct wg_ap_grave *g = t->grave;

	if (!g) {
		g = kmalloc(sizeof(*g), GFP_KERNEL);
		if (!g) {
			/* Rare: wait for the readers here instead. */
			synchronize_rcu();
			node_kfree(n);
			return;
		}
		g->n = 0;
		t->grave = g;
	}
	g->node[g->n++] = n;
	if (g->n == ARRAY_SIZE(g->node))
		grave_seal(t);
}

/* A node entry: a prefix bit (i) or a child bit (v), and what it holds. */
struct wg_ap_slot {
	bool pfx;
	unsigned int bit;
	void *e;
};

/* Where leaf @l goes in a node of depth @d. */
static void place_leaf(struct wg_ap_slot *s, unsigned int d,
		       struct wg_ap_leaf *l)
{
	unsigned int v = nibble(l->key, d);

	s->pfx = l->cidr < d + WG_AP_STRIDE;
	s->bit = s->pfx ? pfx_index(l->cidr - d, v) : v;
	s->e = leaf_entry(l);
}

static void node_set_bit(struct wg_ap_node *n, const struct wg_ap_slot *s)
{
	if (s->pfx)
		n->pfx |= BIT(s->bit);
	else
		n->child |= BIT(s->bit);
}

/* A new node of depth @d holding two distinct entries. */
static struct wg_ap_node *node_new2(unsigned int d, const struct wg_ap_slot *a,
				    const struct wg_ap_slot *b)
{
	struct wg_ap_node *n = node_alloc(2);

	if (!n)
		return NULL;
	n->depth = d;
	n->pfx = 0;
	n->child = 0;
	n->flags = 0;
	n->unused8 = 0;
	node_set_bit(n, a);
	node_set_bit(n, b);
	/* Children come first, each group in bit order. */
	if (a->pfx > b->pfx || (a->pfx == b->pfx && a->bit > b->bit))
		swap(a, b);
	RCU_INIT_POINTER(n->slot[0], a->e);
	RCU_INIT_POINTER(n->slot[1], b->e);
	return n;
}

/* @n's depth and bitmaps into the new node @nn (not its capacity). */
static void node_copy_header(struct wg_ap_node *nn,
			     const struct wg_ap_node *n, u8 flags)
{
	nn->depth = n->depth;
	nn->pfx = n->pfx;
	nn->child = n->child;
	nn->flags = flags;
	nn->unused8 = 0;
}

/* Would entry @s go after all of @n's entries (no entry moving)? */
static bool node_is_append(const struct wg_ap_node *n,
			   const struct wg_ap_slot *s)
{
	/* Prefix slots follow all the children. */
	if (s->pfx)
		return !(n->pfx >> s->bit);
	return !n->pfx && !(n->child >> s->bit);
}

/*
 * Adds @s, an append (node_is_append()), to @n in place if @n has room:
 * the slot first (rcu_assign_pointer: the leaf's contents before its
 * address), then the bit (release: the slot before the bit). A reader
 * that sees the bit reaches the slot through an address computed from the
 * bitmap it read, so it reads the slot's new value; one that does not see
 * it never looks there. No other entry moves, so any snapshot of the
 * bitmaps is valid.
 */
static bool node_append(struct wg_ap_node *n, const struct wg_ap_slot *s)
{
	unsigned int total = node_nslots(n);

	if (total >= n->cap)
		return false;
	rcu_assign_pointer(n->slot[total], s->e);
	if (s->pfx)
		/* Pairs with lookup()'s READ_ONCE and dependent slot load. */
		smp_store_release(&n->pfx, n->pfx | BIT(s->bit));
	else
		/* Pairs with lookup()'s READ_ONCE and dependent slot load. */
		smp_store_release(&n->child, n->child | BIT(s->bit));
	n->flags |= WG_AP_NODE_APPENDED;
	return true;
}

/*
 * A copy of @n with one more entry; @append tells whether it is one. Holes
 * are copied as they are. A second append in a row suggests a run of them:
 * the copy gets room for as many again, which node_append() then fills
 * without copying.
 */
static struct wg_ap_node *node_add(const struct wg_ap_node *n,
				   const struct wg_ap_slot *s, bool append)
{
	unsigned int total = node_nslots(n), pos, cap = total + 1;
	struct wg_ap_node *nn;

	if (append && (n->flags & WG_AP_NODE_APPENDED))
		cap = min_t(unsigned int, 2 * cap, WG_AP_MAX_SLOTS);
	nn = node_alloc(cap);
	if (!nn)
		return NULL;
	node_copy_header(nn, n, append ? WG_AP_NODE_APPENDED : 0);
	node_set_bit(nn, s);
	pos = s->pfx ? pfx_pos(nn, s->bit) : child_pos(nn, s->bit);
	memcpy(nn->slot, n->slot, pos * sizeof(n->slot[0]));
	RCU_INIT_POINTER(nn->slot[pos], s->e);
	memcpy(nn->slot + pos + 1, n->slot + pos,
	       (total - pos) * sizeof(n->slot[0]));
	return nn;
}

/* A copy of @n without the entry at slot @pos. */
static struct wg_ap_node *node_del(const struct wg_ap_node *n,
				   unsigned int pos)
{
	unsigned int total = node_nslots(n), nchild = node_nchild(n), k, bits;
	struct wg_ap_node *nn = node_alloc(total - 1);

	if (!nn)
		return NULL;
	node_copy_header(nn, n, 0);
	/* The bit of slot @pos is the k-th set bit of its bitmap. */
	bits = pos < nchild ? n->child : n->pfx;
	for (k = pos < nchild ? pos : pos - nchild; k; --k)
		bits &= bits - 1;
	bits &= -bits;
	if (pos < nchild)
		nn->child &= ~bits;
	else
		nn->pfx &= ~bits;
	memcpy(nn->slot, n->slot, pos * sizeof(n->slot[0]));
	memcpy(nn->slot + pos, n->slot + pos + 1,
	       (total - pos - 1) * sizeof(n->slot[0]));
	return nn;
}

/* Any leaf below @n: all of them agree on bits [0, n->depth). */
static const struct wg_ap_leaf *node_rep(const struct wg_ap_node *n,
					 struct mutex *lock)
{
	unsigned int i, steps;
	const void *e = n;

	for (steps = 0; steps <= WG_AP_MAX_DEPTH; ++steps) {
		n = e;
		e = NULL;
		for (i = 0; i < node_nslots(n) && !e; ++i)
			e = deref_w(n->slot[i], lock);
		/* Nodes keep two live entries; an empty one is a bug. */
		if (WARN_ON(!e))
			return NULL;
		if (entry_is_leaf(e))
			return entry_leaf(e);
	}
	WARN_ON(1);
	return NULL;
}

/* ---- Writer side: insert ---- */

static void leaf_move(struct wg_ap_leaf *l, unsigned int f,
		      struct wg_allowedips_peer *owner, struct mutex *lock)
{
	struct wg_allowedips_peer *old = deref_w(l->owner, lock);

	if (old == owner)
		return;
	owner_detach(old, f, l);
	rcu_assign_pointer(l->owner, owner);
	owner_attach(owner, f, l);
}

static int insert(struct wg_allowedips *t, unsigned int f, const u8 *key,
		  u8 cidr, struct wg_allowedips_peer *owner, struct mutex *lock)
{
	const unsigned int bits = fam_bits(f), keylen = fam_keylen(f);
	void __rcu **pslot = fam_root(t, f), **start = NULL;
	unsigned int d, v, i, pos, common, checked = 0, steps;
	const struct wg_ap_leaf *rep = NULL;
	struct wg_ap_node *node, *nn;
	struct wg_ap_leaf *nl, *l;
	struct wg_ap_slot a, b;
	bool append;
	void *e, *x;

	++t->seq;
	x = deref_w(*pslot, lock);
	if (!x) {
		/* Empty table. */
		nl = leaf_new(f, key, cidr, owner);
		if (!nl)
			return -ENOMEM;
		rcu_assign_pointer(*pslot, leaf_entry(nl));
		goto attach;
	}

	/*
	 * Pass 1: follow the key down as a lookup does, to the deepest entry
	 * on its path. The nibbles compare the key with the path as we go,
	 * except for the bits skipped on compressed edges; if we crossed one,
	 * count how many leading bits the key shares with a leaf below the
	 * last entry instead: every node on the path lies above that leaf.
	 */
	for (;;) {
		if (entry_is_leaf(x)) {
			rep = entry_leaf(x);
			break;
		}
		node = x;
		d = node->depth;
		if (d > checked && !start)
			start = pslot;
		v = nibble(key, d);
		if (cidr < d + WG_AP_STRIDE || !(node->child & BIT(v)))
			break;
		pos = child_pos(node, v);
		e = deref_w(node->slot[pos], lock);
		if (!e)
			break;
		pslot = &node->slot[pos];
		x = e;
		checked = d + WG_AP_STRIDE;
	}
	if (start && !rep) {
		rep = node_rep(x, lock);
		if (!rep)
			return -EINVAL;
	}
	common = rep ? common_bits(rep->key, key, bits) : bits;

	/*
	 * Pass 2: from the first compressed edge (above it, pass 1 only
	 * descended, and so would this pass) or else from the last entry,
	 * find where the key goes.
	 */
	pslot = start ?: pslot;
	for (steps = 0; steps <= WG_AP_MAX_DEPTH; ++steps) {
		e = deref_w(*pslot, lock);
		if (entry_is_leaf(e)) {
			l = entry_leaf(e);
			if (leaf_is(l, key, cidr, keylen)) {
				leaf_move(l, f, owner, lock);
				return 0;
			}
			/*
			 * Two prefixes share this slot now: a node at the
			 * stride where they part or the shorter one ends.
			 * Both extend past the bits already checked, so the
			 * node sits below the parent's stride, and the two
			 * never compete for one entry of it.
			 */
			d = min(common_bits(l->key, key, bits),
				min_t(unsigned int, cidr, l->cidr)) &
			    ~(WG_AP_STRIDE - 1);
			nl = leaf_new(f, key, cidr, owner);
			if (!nl)
				return -ENOMEM;
			place_leaf(&a, d, l);
			place_leaf(&b, d, nl);
			nn = node_new2(d, &a, &b);
			if (!nn)
				goto err_leaf;
			rcu_assign_pointer(*pslot, nn);
			goto attach;
		}
		node = e;
		d = node->depth;
		if (common < d || cidr < d) {
			/*
			 * The key leaves the path, or ends, on the compressed
			 * edge above this node: a new node goes in between,
			 * with this one as a child (all below it share the
			 * representative's bits up to its depth).
			 */
			if (WARN_ON(!rep))
				return -EINVAL;
			d = min_t(unsigned int, common, cidr) &
			    ~(WG_AP_STRIDE - 1);
			nl = leaf_new(f, key, cidr, owner);
			if (!nl)
				return -ENOMEM;
			a.pfx = false;
			a.bit = nibble(rep->key, d);
			a.e = node;
			place_leaf(&b, d, nl);
			nn = node_new2(d, &a, &b);
			if (!nn)
				goto err_leaf;
			rcu_assign_pointer(*pslot, nn);
			goto attach;
		}
		v = nibble(key, d);
		if (cidr < d + WG_AP_STRIDE) {
			/* The prefix ends in this node's stride. */
			i = pfx_index(cidr - d, v);
			if (node->pfx & BIT(i)) {
				pos = pfx_pos(node, i);
				e = deref_w(node->slot[pos], lock);
				if (e) {
					leaf_move(entry_leaf(e), f, owner,
						  lock);
					return 0;
				}
				goto fill_hole;
			}
			b.pfx = true;
			b.bit = i;
			goto add;
		}
		if (!(node->child & BIT(v))) {
			b.pfx = false;
			b.bit = v;
			goto add;
		}
		pos = child_pos(node, v);
		if (!rcu_access_pointer(node->slot[pos]))
			goto fill_hole;
		pslot = &node->slot[pos];
	}
	WARN_ON(1);
	return -EINVAL;

fill_hole:
	/* The bit is still set: the slot can take the leaf in place. */
	nl = leaf_new(f, key, cidr, owner);
	if (!nl)
		return -ENOMEM;
	rcu_assign_pointer(node->slot[pos], leaf_entry(nl));
	goto attach;

add:
	nl = leaf_new(f, key, cidr, owner);
	if (!nl)
		return -ENOMEM;
	b.e = leaf_entry(nl);
	append = node_is_append(node, &b);
	if (append && node_append(node, &b))
		goto attach;
	nn = node_add(node, &b, append);
	if (!nn)
		goto err_leaf;
	rcu_assign_pointer(*pslot, nn);
	node_free(t, node);

attach:
	owner_attach(owner, f, nl);
	return 0;

err_leaf:
	leaf_discard(nl, f);
	return -ENOMEM;
}

/* ---- Writer side: removal ---- */

struct wg_ap_where {
	void __rcu **pslot;	/* holds @node, or the leaf if no @node */
	struct wg_ap_node *node;
	unsigned int pos;	/* the leaf's slot in @node */
};

/* Find the leaf of exactly @key/@cidr (key already masked). */
static struct wg_ap_leaf *find_exact(void __rcu **root, const u8 *key,
				     unsigned int cidr, unsigned int keylen,
				     struct wg_ap_where *w, struct mutex *lock)
{
	void __rcu **pslot = root;
	struct wg_ap_node *node;
	unsigned int d, v, i, pos, steps;
	struct wg_ap_leaf *l;
	void *e;

	for (steps = 0; steps <= WG_AP_MAX_DEPTH; ++steps) {
		e = deref_w(*pslot, lock);
		if (!e)
			return NULL;
		if (entry_is_leaf(e)) {
			l = entry_leaf(e);
			if (!leaf_is(l, key, cidr, keylen))
				return NULL;
			w->pslot = pslot;
			w->node = NULL;
			w->pos = 0;
			return l;
		}
		node = e;
		d = node->depth;
		if (cidr < d)
			return NULL;
		v = nibble(key, d);
		if (cidr < d + WG_AP_STRIDE) {
			i = pfx_index(cidr - d, v);
			if (!(node->pfx & BIT(i)))
				return NULL;
			pos = pfx_pos(node, i);
		} else {
			if (!(node->child & BIT(v)))
				return NULL;
			pos = child_pos(node, v);
		}
		e = deref_w(node->slot[pos], lock);
		if (!e)
			return NULL;
		if (!entry_is_leaf(e)) {
			pslot = &node->slot[pos];
			continue;
		}
		l = entry_leaf(e);
		if (!leaf_is(l, key, cidr, keylen))
			return NULL;
		w->pslot = pslot;
		w->node = node;
		w->pos = pos;
		return l;
	}
	WARN_ON(1);
	return NULL;
}

/* Take the leaf at @w out of the trie (it stays allocated). */
static void unlink_leaf(struct wg_allowedips *t, const struct wg_ap_where *w,
			struct mutex *lock)
{
	struct wg_ap_node *node = w->node, *nn;
	unsigned int i, live = 0;
	void *e, *other = NULL;

	if (!node) {
		/* A lone leaf at the root. */
		rcu_assign_pointer(*w->pslot, NULL);
		return;
	}
	for (i = 0; i < node_nslots(node); ++i) {
		e = deref_w(node->slot[i], lock);
		if (i != w->pos && e) {
			++live;
			other = e;
		}
	}
	if (live <= 1) {
		/*
		 * One entry left: it takes the node's place (it lies below
		 * the parent's stride, so this is just path compression).
		 * No allocation, so this cannot fail.
		 */
		rcu_assign_pointer(*w->pslot, other);
		node_free(t, node);
		return;
	}
	nn = node_del(node, w->pos);
	if (nn) {
		rcu_assign_pointer(*w->pslot, nn);
		node_free(t, node);
	} else {
		/* Out of memory: leave a hole rather than fail. */
		rcu_assign_pointer(node->slot[w->pos], NULL);
	}
}

static void remove_leaf(struct wg_allowedips *t, unsigned int f,
			struct wg_ap_leaf *l, struct mutex *lock)
{
	struct wg_ap_where w;

	if (WARN_ON(find_exact(fam_root(t, f), l->key, l->cidr, fam_keylen(f),
			       &w, lock) != l)) {
		/* Corrupt trie: forget the leaf but never free it. */
		list_del_init(&l->link);
		return;
	}
	++t->seq;
	unlink_leaf(t, &w, lock);
	owner_detach(deref_w(l->owner, lock), f, l);
	leaf_free(l, f);
}

static int remove_prefix(struct wg_allowedips *t, unsigned int f,
			 const u8 *ip, u8 cidr,
			 struct wg_allowedips_peer *owner, struct mutex *lock)
{
	const unsigned int keylen = fam_keylen(f);
	struct wg_ap_where w;
	struct wg_ap_leaf *l;
	u8 key[16];

	if (cidr > fam_bits(f))
		return -EINVAL;
	mask_key(key, ip, cidr, keylen);
	l = find_exact(fam_root(t, f), key, cidr, keylen, &w, lock);
	if (!l || rcu_access_pointer(l->owner) != owner)
		return 0;
	++t->seq;
	unlink_leaf(t, &w, lock);
	owner_detach(owner, f, l);
	leaf_free(l, f);
	return 0;
}

/* ---- Public writer API ---- */

void wg_allowedips_init(struct wg_allowedips *t)
{
	RCU_INIT_POINTER(t->root4, NULL);
	RCU_INIT_POINTER(t->root6, NULL);
	t->grave = NULL;
	t->seq = 1;
}

void wg_allowedips_peer_init(struct wg_allowedips_peer *o)
{
	INIT_LIST_HEAD(&o->list[0]);
	INIT_LIST_HEAD(&o->list[1]);
	o->gen = 1;
	o->renumber_gen = 0;
	o->next_seq[0] = 0;
	o->next_seq[1] = 0;
	o->count[0] = 0;
	o->count[1] = 0;
}

int wg_allowedips_insert_v4(struct wg_allowedips *t, const struct in_addr *ip,
			    u8 cidr, struct wg_allowedips_peer *owner,
			    struct mutex *lock)
{
	u8 key[4];

	lockdep_assert_held(lock);
	if (cidr > 32)
		return -EINVAL;
	mask_key(key, (const u8 *)ip, cidr, sizeof(key));
	return insert(t, 0, key, cidr, owner, lock);
}

int wg_allowedips_insert_v6(struct wg_allowedips *t, const struct in6_addr *ip,
			    u8 cidr, struct wg_allowedips_peer *owner,
			    struct mutex *lock)
{
	u8 key[16];

	lockdep_assert_held(lock);
	if (cidr > 128)
		return -EINVAL;
	mask_key(key, (const u8 *)ip, cidr, sizeof(key));
	return insert(t, 1, key, cidr, owner, lock);
}

int wg_allowedips_remove_v4(struct wg_allowedips *t, const struct in_addr *ip,
			    u8 cidr, struct wg_allowedips_peer *owner,
			    struct mutex *lock)
{
	lockdep_assert_held(lock);
	return remove_prefix(t, 0, (const u8 *)ip, cidr, owner, lock);
}

int wg_allowedips_remove_v6(struct wg_allowedips *t, const struct in6_addr *ip,
			    u8 cidr, struct wg_allowedips_peer *owner,
			    struct mutex *lock)
{
	lockdep_assert_held(lock);
	return remove_prefix(t, 1, (const u8 *)ip, cidr, owner, lock);
}

void wg_allowedips_remove_by_peer(struct wg_allowedips *t,
				  struct wg_allowedips_peer *owner,
				  struct mutex *lock)
{
	unsigned int f;

	lockdep_assert_held(lock);
	for (f = 0; f < 2; ++f)
		while (!list_empty(&owner->list[f]))
			remove_leaf(t, f,
				    list_first_entry(&owner->list[f],
						     struct wg_ap_leaf, link),
				    lock);
	/* Peers go rarely: let their memory go now rather than later. */
	grave_seal(t);
}

/*
 * Free one family's trie. It is unhooked first; readers still inside it
 * keep seeing consistent memory until the grace period ends, as the walk
 * below writes nothing they read. The stack is bounded by the depth.
 */
static void free_trie(struct wg_allowedips *t, unsigned int f,
		      struct mutex *lock)
{
	struct wg_ap_node *stack[WG_AP_MAX_DEPTH];
	u8 next[WG_AP_MAX_DEPTH];
	void __rcu **root = fam_root(t, f);
	struct wg_ap_leaf *l;
	struct wg_ap_node *n;
	unsigned int sp = 0;
	void *e;

	e = deref_w(*root, lock);
	RCU_INIT_POINTER(*root, NULL);
	for (;;) {
		if (e && entry_is_leaf(e)) {
			l = entry_leaf(e);
			owner_detach(deref_w(l->owner, lock), f, l);
			leaf_free(l, f);
		} else if (e && !WARN_ON(sp == ARRAY_SIZE(stack))) {
			stack[sp] = e;
			next[sp++] = 0;
		}
		e = NULL;
		if (!sp)
			break;
		n = stack[sp - 1];
		if (next[sp - 1] < node_nslots(n)) {
			e = deref_w(n->slot[next[sp - 1]++], lock);
		} else {
			node_free(t, n);
			--sp;
		}
	}
}

void wg_allowedips_free(struct wg_allowedips *t, struct mutex *lock)
{
	lockdep_assert_held(lock);
	++t->seq;
	free_trie(t, 0, lock);
	free_trie(t, 1, lock);
	grave_seal(t);
}

/* ---- Owner walk ---- */

bool wg_allowedips_peer_next(const struct wg_allowedips_peer *o,
			     struct wg_allowedips_cursor *c, u8 ip[16],
			     u8 *cidr, int *family)
{
	const struct wg_ap_leaf *l;
	const struct list_head *head, *next;

	if (c->gen != o->gen) {
		/* The lists changed: @pos may be gone, go by number. */
		c->pos = NULL;
		if (c->gen < o->renumber_gen) {
			/* Numbers were reassigned: start over. */
			c->phase = 0;
			c->seq = 0;
		}
	}
	for (; c->phase < 2; ++c->phase, c->pos = NULL, c->seq = 0) {
		head = &o->list[c->phase];
		if (c->pos) {
			next = c->pos->link.next;
		} else {
			/* Lists are in increasing sequence order. */
			for (next = head->next; next != head;
			     next = next->next)
				if (leaf_seq(list_entry(next, struct wg_ap_leaf,
							link)) > c->seq)
					break;
		}
		if (next == head)
			continue;
		l = list_entry(next, struct wg_ap_leaf, link);
		memset(ip, 0, 16);
		memcpy(ip, l->key, fam_keylen(c->phase));
		*cidr = l->cidr;
		*family = c->phase ? AF_INET6 : AF_INET;
		c->pos = l;
		c->seq = leaf_seq(l);
		c->gen = o->gen;
		return true;
	}
	c->gen = o->gen;
	return false;
}

size_t wg_allowedips_peer_count(const struct wg_allowedips_peer *o)
{
	return (size_t)READ_ONCE(o->count[0]) + READ_ONCE(o->count[1]);
}

/* ---- Invariant checker for the self-tests ---- */

static bool verify_leaf(const struct wg_ap_leaf *l, unsigned int f,
			const struct wg_ap_leaf *const *reps,
			const struct wg_ap_node *const *stack, unsigned int sp,
			struct mutex *lock)
{
	const unsigned int bits = fam_bits(f), keylen = fam_keylen(f);
	u8 masked[16];
	unsigned int k;

	if (l->cidr > bits) {
		pr_err("allowedips: leaf cidr %u > %u\n", l->cidr, bits);
		return false;
	}
	mask_key(masked, l->key, l->cidr, keylen);
	if (memcmp(masked, l->key, keylen)) {
		pr_err("allowedips: leaf /%u has host bits set\n", l->cidr);
		return false;
	}
	if (!rcu_access_pointer(l->owner) || l->link.next->prev != &l->link ||
	    l->link.prev->next != &l->link) {
		pr_err("allowedips: leaf /%u has a bad owner link\n", l->cidr);
		return false;
	}
	for (k = 0; k < sp; ++k) {
		if (l->cidr < stack[k]->depth ||
		    common_bits(l->key, reps[k]->key, bits) < stack[k]->depth) {
			pr_err("allowedips: leaf /%u outside node depth %u\n",
			       l->cidr, stack[k]->depth);
			return false;
		}
	}
	return true;
}

static bool verify_trie(struct wg_allowedips *t, unsigned int f,
			size_t *count, struct mutex *lock)
{
	const unsigned int bits = fam_bits(f);
	const struct wg_ap_node *stack[WG_AP_MAX_DEPTH];
	const struct wg_ap_leaf *reps[WG_AP_MAX_DEPTH];
	u8 next[WG_AP_MAX_DEPTH];
	const struct wg_ap_node *n;
	const struct wg_ap_leaf *l;
	unsigned int sp = 0, pos, v, i, live;
	const void *e = deref_w(*fam_root(t, f), lock);

	if (!e)
		return true;
	if (entry_is_leaf(e)) {
		++*count;
		return verify_leaf(entry_leaf(e), f, NULL, NULL, 0, lock);
	}
	n = e;
	for (;;) {
		if (n) {
			/* Entering a new node. */
			unsigned int pd = sp ? stack[sp - 1]->depth : 0;

			if (n->depth % WG_AP_STRIDE || n->depth > bits - 4 ||
			    (sp && n->depth < pd + WG_AP_STRIDE) ||
			    n->pfx >> 15 || sp == ARRAY_SIZE(stack)) {
				pr_err("allowedips: node depth %u below %u\n",
				       n->depth, pd);
				return false;
			}
			if (n->cap < node_nslots(n) || n->cap > WG_AP_MAX_SLOTS) {
				pr_err("allowedips: node of %u slots uses %u\n",
				       n->cap, node_nslots(n));
				return false;
			}
			for (i = 0, live = 0; i < node_nslots(n); ++i)
				live += !!rcu_access_pointer(n->slot[i]);
			if (live < 2) {
				pr_err("allowedips: node at %u: %u entries\n",
				       n->depth, live);
				return false;
			}
			reps[sp] = node_rep(n, lock);
			if (!reps[sp])
				return false;
			stack[sp] = n;
			next[sp++] = 0;
			n = NULL;
		}
		if (!sp)
			return true;
		n = NULL;
		pos = next[sp - 1]++;
		if (pos >= node_nslots(stack[sp - 1])) {
			--sp;
			continue;
		}
		e = deref_w(stack[sp - 1]->slot[pos], lock);
		if (!e)
			continue;
		/* Which bit does this slot belong to? */
		if (pos < node_nchild(stack[sp - 1])) {
			for (v = 0, i = 0; v < 16; ++v)
				if ((stack[sp - 1]->child & BIT(v)) &&
				    i++ == pos)
					break;
			i = UINT_MAX;
		} else {
			for (i = 0, v = node_nchild(stack[sp - 1]); i < 15; ++i)
				if ((stack[sp - 1]->pfx & BIT(i)) && v++ == pos)
					break;
			v = UINT_MAX;
		}
		if (!entry_is_leaf(e)) {
			if (v == UINT_MAX) {
				pr_err("allowedips: node in a prefix slot\n");
				return false;
			}
			n = e;
			l = node_rep(n, lock);
			if (!l || nibble(l->key, stack[sp - 1]->depth) != v) {
				pr_err("allowedips: node under wrong nibble\n");
				return false;
			}
			continue;
		}
		l = entry_leaf(e);
		++*count;
		if (!verify_leaf(l, f, reps, stack, sp, lock))
			return false;
		if (v != UINT_MAX ?
		    (l->cidr < stack[sp - 1]->depth + WG_AP_STRIDE ||
		     nibble(l->key, stack[sp - 1]->depth) != v) :
		    (l->cidr >= stack[sp - 1]->depth + WG_AP_STRIDE ||
		     pfx_index(l->cidr - stack[sp - 1]->depth,
			       nibble(l->key, stack[sp - 1]->depth)) != i)) {
			pr_err("allowedips: leaf /%u in the wrong slot\n",
			       l->cidr);
			return false;
		}
	}
}

bool wg_allowedips_verify(struct wg_allowedips *t, size_t *count,
			  struct mutex *lock)
{
	size_t n = 0;

	lockdep_assert_held(lock);
	if (!verify_trie(t, 0, &n, lock) || !verify_trie(t, 1, &n, lock))
		return false;
	if (count)
		*count = n;
	return true;
}

/* ---- Module-wide ---- */

int wg_allowedips_slab_init(void)
{
	char name[24];
	unsigned int k;

	BUILD_BUG_ON(sizeof(struct list_head) != sizeof(struct rcu_head));
	BUILD_BUG_ON(WG_AP_LEAF_SIZE(4) > 32);
	BUILD_BUG_ON(WG_AP_LEAF_SIZE(16) > 48);
	BUILD_BUG_ON(sizeof(struct wg_ap_node) != 8);
	BUILD_BUG_ON(sizeof(struct wg_ap_grave) > 512);

	leaf_cache[0] = kmem_cache_create("wg_ap_leaf4", WG_AP_LEAF_SIZE(4),
					  __alignof__(struct wg_ap_leaf), 0,
					  NULL);
	leaf_cache[1] = kmem_cache_create("wg_ap_leaf6", WG_AP_LEAF_SIZE(16),
					  __alignof__(struct wg_ap_leaf), 0,
					  NULL);
	if (!leaf_cache[0] || !leaf_cache[1])
		goto err;
	for (k = WG_AP_MIN_SLOTS; k <= WG_AP_MAX_SLOTS; ++k) {
		/* The name is copied. */
		snprintf(name, sizeof(name), "wg_ap_node%u", k);
		node_cache[k] = kmem_cache_create(name,
				sizeof(struct wg_ap_node) + k * sizeof(void *),
				__alignof__(struct wg_ap_node), 0, NULL);
		if (!node_cache[k])
			goto err;
	}
	return 0;

err:
	wg_allowedips_slab_uninit();
	return -ENOMEM;
}

void wg_allowedips_slab_uninit(void)
{
	unsigned int k;

	/* Leaves and nodes are freed by call_rcu() callbacks of ours. */
	rcu_barrier();
	for (k = 0; k < ARRAY_SIZE(node_cache); ++k) {
		kmem_cache_destroy(node_cache[k]);
		node_cache[k] = NULL;
	}
	kmem_cache_destroy(leaf_cache[1]);
	kmem_cache_destroy(leaf_cache[0]);
	leaf_cache[0] = NULL;
	leaf_cache[1] = NULL;
}
