// SPDX-License-Identifier: GPL-2.0
/* Index and public-key tables, and the SipHash shim they rely on here. */
#include "test.h"

/* The reference vectors of the SipHash paper (key 00..0f, input 00..). */
static void siphash_shim_vectors(void)
{
	siphash_key_t key;
	u8 in[64], k[16];
	unsigned int i;

	for (i = 0; i < 16; ++i)
		k[i] = i;
	for (i = 0; i < sizeof(in); ++i)
		in[i] = i;
	key.key[0] = get_unaligned_le64(k);
	key.key[1] = get_unaligned_le64(k + 8);
	CHECK(siphash(in, 0, &key) == 0x726fdb47dd0e0e31ULL);
	CHECK(siphash(in, 15, &key) == 0xa129ca6149be45e5ULL);
	CHECK(siphash(in, 8, &key) == 0x93f5f5799a932462ULL);
	CHECK(siphash(in, 63, &key) == 0x958a324ceb064572ULL);
}

static struct wg_peer *new_peer(const char *name)
{
	struct wg_peer *p = calloc(1, sizeof(*p));

	p->refcount = 1;
	p->name = name;
	return p;
}

static struct wg_index_entry *new_entry(struct wg_peer *peer,
					enum wg_index_type type)
{
	struct wg_index_entry *e = calloc(1, sizeof(*e));

	e->peer = peer;
	e->type = type;
	return e;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void index_insert_lookup_many(void)
{
	enum { N = 20000 };
	struct wg_index_hashtable *t = wg_index_hashtable_alloc(&test_peer_refops);
	struct wg_index_entry **e = calloc(N, sizeof(*e));
	u32 *sorted = calloc(N, sizeof(*sorted));
	struct wg_peer *peer = new_peer("many"), *got;
	unsigned int i, misses = 0;

	for (i = 0; i < N; ++i) {
		e[i] = new_entry(peer, i & 1 ? WG_INDEX_KEYPAIR :
					       WG_INDEX_HANDSHAKE);
		CHECK(wg_index_hashtable_insert(t, e[i]) == e[i]->index);
		sorted[i] = le32_to_cpu(e[i]->index);
	}
	qsort(sorted, N, sizeof(*sorted), cmp_u32);
	for (i = 1; i < N; ++i)
		CHECK_MSG(sorted[i] != sorted[i - 1], "index %u twice",
			  sorted[i]);

	for (i = 0; i < N; ++i) {
		unsigned int right = e[i]->type, wrong = right ^ 3;

		got = NULL;
		if (wg_index_hashtable_lookup(t, right, e[i]->index, &got) !=
		    e[i] || got != peer)
			++misses;
		if (got)
			test_peer_refops.put(got);
		if (wg_index_hashtable_lookup(t, wrong, e[i]->index, NULL))
			++misses;
		if (wg_index_hashtable_lookup(t, 3, e[i]->index, NULL) != e[i])
			++misses;
	}
	CHECK_MSG(!misses, "%u bad lookups", misses);
	CHECK(peer->refcount == 1);

	/* Indices nobody holds resolve to nothing. */
	for (i = 0; i < 1000; ++i) {
		u32 idx = get_random_u32();

		if (!bsearch(&idx, sorted, N, sizeof(*sorted), cmp_u32))
			CHECK(!wg_index_hashtable_lookup(t, 3, cpu_to_le32(idx),
							 NULL));
	}

	for (i = 0; i < N; ++i) {
		wg_index_hashtable_remove(t, e[i]);
		CHECK(!wg_index_hashtable_lookup(t, 3, e[i]->index, NULL));
		free(e[i]);
	}
	for (i = 0; i < (1U << WG_INDEX_HASH_BITS); ++i)
		CHECK(hlist_empty(&t->buckets[i]));
	wg_index_hashtable_free(t);
	free(e);
	free(sorted);
	free(peer);
}

static void index_collision_redraws(void)
{
	static const u32 script[] = { 7, 7, 7, 7, 9, 9, 7, 11 };
	struct wg_index_hashtable *t = wg_index_hashtable_alloc(&test_peer_refops);
	struct wg_peer *peer = new_peer("collide");
	struct wg_index_entry *a = new_entry(peer, WG_INDEX_HANDSHAKE);
	struct wg_index_entry *b = new_entry(peer, WG_INDEX_HANDSHAKE);
	struct wg_index_entry *c = new_entry(peer, WG_INDEX_KEYPAIR);

	shim_random_u32_script = script;
	shim_random_u32_script_len = ARRAY_SIZE(script);
	CHECK(wg_index_hashtable_insert(t, a) == cpu_to_le32(7));
	/* 7 is taken three times over, then 9 is free. */
	CHECK(wg_index_hashtable_insert(t, b) == cpu_to_le32(9));
	/* 9 and 7 are both taken; 11 is free. */
	CHECK(wg_index_hashtable_insert(t, c) == cpu_to_le32(11));
	CHECK(shim_random_u32_script_len == 0);
	shim_random_u32_script_len = 0;

	CHECK(wg_index_hashtable_lookup(t, 3, cpu_to_le32(7), NULL) == a);
	CHECK(wg_index_hashtable_lookup(t, 3, cpu_to_le32(9), NULL) == b);
	CHECK(wg_index_hashtable_lookup(t, 3, cpu_to_le32(11), NULL) == c);
	wg_index_hashtable_remove(t, a);
	wg_index_hashtable_remove(t, b);
	wg_index_hashtable_remove(t, c);
	wg_index_hashtable_free(t);
	free(a);
	free(b);
	free(c);
	free(peer);
}

static void index_replace_and_reinsert(void)
{
	struct wg_index_hashtable *t = wg_index_hashtable_alloc(&test_peer_refops);
	struct wg_peer *peer = new_peer("replace");
	struct wg_index_entry *hs = new_entry(peer, WG_INDEX_HANDSHAKE);
	struct wg_index_entry *kp = new_entry(peer, WG_INDEX_KEYPAIR);
	struct wg_index_entry *kp2 = new_entry(peer, WG_INDEX_KEYPAIR);
	__le32 idx, idx2;

	/* Replacing something that is not in the table fails. */
	CHECK(!wg_index_hashtable_replace(t, hs, kp));

	idx = wg_index_hashtable_insert(t, hs);
	CHECK(wg_index_hashtable_replace(t, hs, kp));
	CHECK(kp->index == idx);
	CHECK(hlist_unhashed(&hs->node));
	CHECK(!wg_index_hashtable_lookup(t, WG_INDEX_HANDSHAKE, idx, NULL));
	CHECK(wg_index_hashtable_lookup(t, WG_INDEX_KEYPAIR, idx, NULL) == kp);
	/* The old entry is gone: replacing or removing it again is a no-op. */
	CHECK(!wg_index_hashtable_replace(t, hs, kp2));
	wg_index_hashtable_remove(t, hs);
	CHECK(wg_index_hashtable_lookup(t, WG_INDEX_KEYPAIR, idx, NULL) == kp);

	/* The handshake starts over under a new index. */
	idx2 = wg_index_hashtable_insert(t, hs);
	CHECK(idx2 != idx);
	CHECK(wg_index_hashtable_lookup(t, WG_INDEX_HANDSHAKE, idx2, NULL) == hs);
	CHECK(wg_index_hashtable_lookup(t, WG_INDEX_KEYPAIR, idx, NULL) == kp);
	/* Inserting an entry that is in already moves it to a new index. */
	CHECK(wg_index_hashtable_insert(t, hs) != idx2);
	CHECK(!wg_index_hashtable_lookup(t, 3, idx2, NULL));
	CHECK(wg_index_hashtable_lookup(t, 3, hs->index, NULL) == hs);

	wg_index_hashtable_remove(t, kp);
	wg_index_hashtable_remove(t, kp);
	CHECK(!wg_index_hashtable_lookup(t, 3, idx, NULL));
	wg_index_hashtable_remove(t, hs);
	wg_index_hashtable_free(t);
	free(hs);
	free(kp);
	free(kp2);
	free(peer);
}

static void index_dying_peer(void)
{
	struct wg_index_hashtable *t = wg_index_hashtable_alloc(&test_peer_refops);
	struct wg_peer *peer = new_peer("dying"), *got = NULL;
	struct wg_index_entry *e = new_entry(peer, WG_INDEX_HANDSHAKE);

	wg_index_hashtable_insert(t, e);
	CHECK(wg_index_hashtable_lookup(t, 3, e->index, &got) == e);
	CHECK(got == peer && peer->refcount == 2);
	test_peer_refops.put(got);
	/* A peer whose last reference is gone is not handed out again. */
	peer->refcount = 0;
	CHECK(!wg_index_hashtable_lookup(t, 3, e->index, &got));
	CHECK(peer->refcount == 0);
	CHECK(wg_index_hashtable_lookup(t, 3, e->index, NULL) == e);
	wg_index_hashtable_remove(t, e);
	wg_index_hashtable_free(t);
	free(e);
	free(peer);
}

static void pubkey_table(void)
{
	enum { N = 3000 };
	struct wg_pubkey_hashtable *t = wg_pubkey_hashtable_alloc(&test_peer_refops);
	struct wg_noise_static_identity identity;
	struct wg_noise_handshake **hs = calloc(N, sizeof(*hs));
	struct wg_peer **peers = calloc(N, sizeof(*peers)), *got;
	unsigned int i, misses = 0;
	u8 key[32];

	wg_noise_static_identity_init(&identity);
	for (i = 0; i < N; ++i) {
		get_random_bytes(key, sizeof(key));
		peers[i] = new_peer("pk");
		hs[i] = malloc(sizeof(*hs[i]));
		wg_noise_handshake_init(hs[i], &identity, key, NULL, peers[i],
					NULL);
		wg_pubkey_hashtable_add(t, hs[i]);
	}
	for (i = 0; i < N; ++i) {
		got = NULL;
		if (wg_pubkey_hashtable_lookup(t, hs[i]->remote_static, &got) !=
		    hs[i] || got != peers[i] || peers[i]->refcount != 2)
			++misses;
		if (got)
			test_peer_refops.put(got);
	}
	CHECK_MSG(!misses, "%u bad lookups", misses);

	/* A key that differs in one bit is another key. */
	memcpy(key, hs[0]->remote_static, sizeof(key));
	key[31] ^= 0x80;
	CHECK(!wg_pubkey_hashtable_lookup(t, key, NULL));

	/* Removal, twice, and a dying peer. */
	wg_pubkey_hashtable_remove(t, hs[1]);
	wg_pubkey_hashtable_remove(t, hs[1]);
	CHECK(!wg_pubkey_hashtable_lookup(t, hs[1]->remote_static, NULL));
	CHECK(wg_pubkey_hashtable_lookup(t, hs[2]->remote_static, NULL) == hs[2]);
	peers[3]->refcount = 0;
	got = NULL;
	CHECK(!wg_pubkey_hashtable_lookup(t, hs[3]->remote_static, &got));
	CHECK(!got || got == peers[3]);
	CHECK(peers[3]->refcount == 0);

	for (i = 0; i < N; ++i) {
		wg_pubkey_hashtable_remove(t, hs[i]);
		CHECK(!wg_pubkey_hashtable_lookup(t, hs[i]->remote_static, NULL));
		free(hs[i]);
		free(peers[i]);
	}
	wg_pubkey_hashtable_free(t);
	free(hs);
	free(peers);
}

void test_peerlookup_suite(void)
{
	RUN_TEST(siphash_shim_vectors);
	RUN_TEST(index_insert_lookup_many);
	RUN_TEST(index_collision_redraws);
	RUN_TEST(index_replace_and_reinsert);
	RUN_TEST(index_dying_peer);
	RUN_TEST(pubkey_table);
}
