// SPDX-License-Identifier: GPL-2.0
/* The handshake state machines and keypair rotation, end to end. */
#include "test.h"

static const u8 addr[4] = { 198, 51, 100, 7 };
static const __be16 port = 0x3412;

static struct test_side *new_side(const char *name, const u8 *private_key)
{
	struct test_side *s = malloc(sizeof(*s));

	side_init_device(s, name, private_key);
	return s;
}

static void free_side(struct test_side *s)
{
	side_destroy(s);
	free(s);
}

static bool mac1_ok(struct test_side *to, const void *msg, size_t len)
{
	return wg_cookie_validate_packet(&to->checker, msg, len, addr, 4, port,
					 false) ==
	       WG_COOKIE_VALID_MAC_BUT_NO_COOKIE;
}

/* Receives an initiation as the device would: MACs, then Noise. */
static bool deliver_initiation(struct test_side *to,
			       const struct message_handshake_initiation *m)
{
	struct wg_noise_handshake *hs;

	if (!mac1_ok(to, m, sizeof(*m)))
		return false;
	hs = wg_noise_handshake_consume_initiation(m, &to->identity,
						   to->pubkeys);
	if (!hs)
		return false;
	test_peer_refops.put(hs->peer);
	return hs == &to->handshake;
}

static bool deliver_response(struct test_side *to,
			     const struct message_handshake_response *m)
{
	struct wg_noise_handshake *hs;

	if (!mac1_ok(to, m, sizeof(*m)))
		return false;
	hs = wg_noise_handshake_consume_response(m, &to->identity, to->indices);
	if (!hs)
		return false;
	test_peer_refops.put(hs->peer);
	return hs == &to->handshake;
}

static bool make_initiation(struct test_side *from,
			    struct message_handshake_initiation *m)
{
	if (!wg_noise_handshake_create_initiation(m, &from->handshake))
		return false;
	wg_cookie_add_mac_to_packet(m, sizeof(*m), &from->cookie);
	return true;
}

static bool make_response(struct test_side *from,
			  struct message_handshake_response *m)
{
	if (!wg_noise_handshake_create_response(m, &from->handshake))
		return false;
	wg_cookie_add_mac_to_packet(m, sizeof(*m), &from->cookie);
	return true;
}

static bool keys_match(const struct wg_noise_keypair *x,
		       const struct wg_noise_keypair *y)
{
	return x && y &&
	       !memcmp(x->sending.key, y->receiving.key, 32) &&
	       !memcmp(x->receiving.key, y->sending.key, 32) &&
	       memcmp(x->sending.key, x->receiving.key, 32) &&
	       x->remote_index == y->entry.index &&
	       y->remote_index == x->entry.index &&
	       x->i_am_the_initiator != y->i_am_the_initiator;
}

static bool is_zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

#define CUR(s) ((s)->keypairs.current_keypair)
#define PREV(s) ((s)->keypairs.previous_keypair)
#define NEXT(s) ((s)->keypairs.next_keypair)

/* Receives a data message under @kp on side @s, as the rx path would. */
static bool receive_on(struct test_side *s, struct wg_noise_keypair *kp)
{
	struct wg_noise_keypair *found;
	struct wg_peer *peer = NULL;

	found = wg_noise_keypair_lookup(s->indices, kp->entry.index, &peer);
	if (found != kp || peer != &s->peer) {
		wg_noise_keypair_put(found);
		if (peer)
			test_peer_refops.put(peer);
		return false;
	}
	wg_noise_received_with_keypair(&s->keypairs, found);
	wg_noise_keypair_put(found);
	test_peer_refops.put(peer);
	return true;
}

static void handshake_and_data(const u8 *psk)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct wg_noise_keypair *kpa, *kpb, *got;
	struct wg_peer *peer = NULL;
	u8 big[1400];
	int i;

	sides_pair(a, b, psk);
	CHECK(handshake_ab(a, b));
	kpa = CUR(a);
	kpb = NEXT(b);
	CHECK(kpa && kpb && !CUR(b) && !NEXT(a) && !PREV(a) && !PREV(b));
	if (!kpa || !kpb)
		goto out;
	CHECK(keys_match(kpa, kpb));
	CHECK(kpa->i_am_the_initiator && !kpb->i_am_the_initiator);
	CHECK(kpa->peer == &a->peer && kpb->peer == &b->peer);

	/* The handshakes are spent: no ephemeral state left behind. */
	CHECK(a->handshake.state == WG_HANDSHAKE_ZEROED);
	CHECK(b->handshake.state == WG_HANDSHAKE_ZEROED);
	CHECK(is_zero(a->handshake.ephemeral_private, 32));
	CHECK(is_zero(b->handshake.ephemeral_private, 32));
	CHECK(is_zero(a->handshake.chaining_key, 32));
	CHECK(is_zero(b->handshake.hash, 32));

	/* The responder does not send before the initiator confirms. */
	CHECK(!wg_noise_keypairs_current(&b->keypairs));
	got = wg_noise_keypairs_current(&a->keypairs);
	CHECK(got == kpa);
	wg_noise_keypair_put(got);

	CHECK(data_roundtrip(kpa, kpb, "hello", 5));
	got = wg_noise_keypair_lookup(b->indices, kpa->remote_index, &peer);
	CHECK(got == kpb && peer == &b->peer && b->peer.refcount == 2);
	CHECK(wg_noise_received_with_keypair(&b->keypairs, kpb));
	CHECK(CUR(b) == kpb && !NEXT(b) && !PREV(b));
	CHECK(!wg_noise_received_with_keypair(&b->keypairs, kpb));
	wg_noise_keypair_put(got);
	if (peer)
		test_peer_refops.put(peer);

	for (i = 0; i < (int)sizeof(big); ++i)
		big[i] = i * 7;
	for (i = 0; i < 50; ++i) {
		CHECK(data_roundtrip(kpb, kpa, big, sizeof(big) - i));
		CHECK(data_roundtrip(kpa, kpb, big, i));
	}
	CHECK(atomic64_read(&kpa->sending_counter) == 51);
	/* Keys that do not belong together do not decrypt. */
	CHECK(!data_roundtrip(kpa, kpa, "x", 1));
out:
	free_side(a);
	free_side(b);
}

static void noise_handshake_no_psk(void)
{
	handshake_and_data(NULL);
}

static void noise_handshake_psk(void)
{
	u8 psk[32];

	get_random_bytes(psk, sizeof(psk));
	handshake_and_data(psk);
}

static void noise_wrong_psk(void)
{
	struct test_side *a = new_side("a", NULL), *b1 = new_side("b1", NULL);
	struct test_side *b2 = new_side("b2", b1->private_key);
	struct message_handshake_initiation init;
	struct message_handshake_response r1, r2;
	u8 psk1[32], psk2[32];

	get_random_bytes(psk1, 32);
	memcpy(psk2, psk1, 32);
	psk2[0] ^= 1;
	side_add_peer(a, b1->identity.static_public, psk1);
	side_add_peer(b1, a->identity.static_public, psk2);
	side_add_peer(b2, a->identity.static_public, psk1);

	CHECK(make_initiation(a, &init));
	/* The PSK only enters with the response: both accept the initiation. */
	CHECK(deliver_initiation(b1, &init));
	CHECK(deliver_initiation(b2, &init));
	CHECK(make_response(b1, &r1));
	CHECK(make_response(b2, &r2));
	CHECK(r1.receiver_index == init.sender_index);

	CHECK(!deliver_response(a, &r1));
	CHECK(a->handshake.state == WG_HANDSHAKE_CREATED_INITIATION);
	CHECK(a->peer.refcount == 1);
	CHECK(deliver_response(a, &r2));
	CHECK(wg_noise_handshake_begin_session(&a->handshake, &a->keypairs));
	CHECK(wg_noise_handshake_begin_session(&b2->handshake, &b2->keypairs));
	CHECK(keys_match(CUR(a), NEXT(b2)));
	CHECK(wg_noise_handshake_begin_session(&b1->handshake, &b1->keypairs));
	CHECK(CUR(a) && NEXT(b1) &&
	      memcmp(CUR(a)->sending.key, NEXT(b1)->receiving.key, 32));
	free_side(a);
	free_side(b1);
	free_side(b2);
}

/*
 * Flips bits of every byte a message's MACs cover and checks that the
 * receiver rejects it (at mac1, and for the Noise-authenticated fields also
 * in Noise itself) without any change to its state.
 */
static void noise_tamper_initiation(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init, bad;
	struct wg_noise_handshake snapshot;
	unsigned int i, f, leaks = 0, mac_misses = 0, noise_misses = 0;
	const u8 flips[] = { 0x01, 0x80, 0xff };
	const size_t init_mac1 = offsetof(struct message_handshake_initiation,
					  macs);

	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init));
	memcpy(&snapshot, &b->handshake, sizeof(snapshot));
	for (i = 0; i < offsetof(struct message_handshake_initiation, macs.mac2); ++i) {
		for (f = 0; f < sizeof(flips); ++f) {
			memcpy(&bad, &init, sizeof(bad));
			((u8 *)&bad)[i] ^= flips[f];
			if (mac1_ok(b, &bad, sizeof(bad)))
				++mac_misses;
			/* Noise itself covers all but the sender index. */
			if ((i < 4 || (i >= 8 && i < init_mac1)) &&
			    wg_noise_handshake_consume_initiation(&bad, &b->identity,
								  b->pubkeys))
				++noise_misses;
			if (memcmp(&snapshot, &b->handshake, sizeof(snapshot)) ||
			    b->peer.refcount != 1)
				++leaks;
		}
	}
	CHECK_MSG(!mac_misses, "%u tampered messages passed mac1", mac_misses);
	CHECK_MSG(!noise_misses, "%u tampered messages passed Noise", noise_misses);
	CHECK_MSG(!leaks, "%u rejections changed state", leaks);
	/* The genuine message still works after all that. */
	CHECK(deliver_initiation(b, &init));
	CHECK(b->handshake.state == WG_HANDSHAKE_CONSUMED_INITIATION);
	free_side(a);
	free_side(b);
}

static void noise_tamper_response(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init;
	struct message_handshake_response resp, bad;
	struct wg_noise_handshake snapshot;
	unsigned int i, f, leaks = 0, mac_misses = 0, noise_misses = 0;
	const u8 flips[] = { 0x01, 0x80, 0xff };
	const size_t resp_mac1 = offsetof(struct message_handshake_response,
					  macs);

	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init));
	CHECK(deliver_initiation(b, &init));
	CHECK(make_response(b, &resp));
	memcpy(&snapshot, &a->handshake, sizeof(snapshot));
	for (i = 0; i < offsetof(struct message_handshake_response, macs.mac2); ++i) {
		for (f = 0; f < sizeof(flips); ++f) {
			memcpy(&bad, &resp, sizeof(bad));
			((u8 *)&bad)[i] ^= flips[f];
			if (mac1_ok(a, &bad, sizeof(bad)))
				++mac_misses;
			if ((i < 4 || (i >= 8 && i < resp_mac1)) &&
			    wg_noise_handshake_consume_response(&bad, &a->identity,
								a->indices))
				++noise_misses;
			if (memcmp(&snapshot, &a->handshake, sizeof(snapshot)) ||
			    a->peer.refcount != 1)
				++leaks;
		}
	}
	CHECK_MSG(!mac_misses, "%u tampered messages passed mac1", mac_misses);
	CHECK_MSG(!noise_misses, "%u tampered messages passed Noise", noise_misses);
	CHECK_MSG(!leaks, "%u rejections changed state", leaks);
	CHECK(deliver_response(a, &resp));
	CHECK(wg_noise_handshake_begin_session(&a->handshake, &a->keypairs));
	CHECK(wg_noise_handshake_begin_session(&b->handshake, &b->keypairs));
	CHECK(keys_match(CUR(a), NEXT(b)));
	free_side(a);
	free_side(b);
}

static void noise_truncated(void)
{
	static const struct {
		enum message_type type;
		size_t len;
	} kinds[] = {
		{ MESSAGE_HANDSHAKE_INITIATION, 148 },
		{ MESSAGE_HANDSHAKE_RESPONSE, 92 },
		{ MESSAGE_HANDSHAKE_COOKIE, 64 },
	};
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init;
	u8 buf[256] = { 0 };
	unsigned int k, len;

	for (k = 0; k < ARRAY_SIZE(kinds); ++k) {
		put_unaligned_le32(kinds[k].type, buf);
		for (len = 0; len < sizeof(buf); ++len)
			CHECK_MSG(wg_message_type_of(buf, len) ==
				  (len == kinds[k].len ? kinds[k].type : MESSAGE_INVALID),
				  "type %d len %u", kinds[k].type, len);
	}
	put_unaligned_le32(MESSAGE_DATA, buf);
	for (len = 0; len < sizeof(buf); ++len)
		CHECK(wg_message_type_of(buf, len) ==
		      (len >= 32 ? MESSAGE_DATA : MESSAGE_INVALID));
	/* Reserved bytes must be zero; unknown types are invalid. */
	put_unaligned_le32(MESSAGE_DATA | 0x100, buf);
	CHECK(wg_message_type_of(buf, 100) == MESSAGE_INVALID);
	put_unaligned_le32(5, buf);
	CHECK(wg_message_type_of(buf, 100) == MESSAGE_INVALID);
	put_unaligned_le32(0, buf);
	CHECK(wg_message_type_of(buf, 148) == MESSAGE_INVALID);

	/* A truncated initiation never passes the MAC check. */
	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init));
	for (len = 0; len < sizeof(init); ++len)
		CHECK(wg_cookie_validate_packet(&b->checker, &init, len, addr,
						4, port, false) ==
		      WG_COOKIE_INVALID_MAC);
	CHECK(deliver_initiation(b, &init));
	free_side(a);
	free_side(b);
}

static void noise_replayed_initiation(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init1, init2, init3;
	struct message_handshake_response resp;
	struct wg_noise_handshake snapshot;

	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init1));
	CHECK(deliver_initiation(b, &init1));
	CHECK(make_response(b, &resp));
	memcpy(&snapshot, &b->handshake, sizeof(snapshot));
	/* Well past the flood guard: only the timestamp stops it. */
	shim_clock_advance(NSEC_PER_SEC);
	CHECK(!deliver_initiation(b, &init1));
	CHECK(!memcmp(&snapshot, &b->handshake, sizeof(snapshot)));
	CHECK(b->peer.refcount == 1);

	/* An older initiation that arrives after a newer one is refused. */
	CHECK(make_initiation(a, &init2));
	shim_clock_advance(NSEC_PER_SEC);
	CHECK(make_initiation(a, &init3));
	shim_clock_advance(NSEC_PER_SEC);
	CHECK(deliver_initiation(b, &init3));
	shim_clock_advance(NSEC_PER_SEC);
	CHECK(!deliver_initiation(b, &init2));
	CHECK(!deliver_initiation(b, &init3));
	/* Clearing the handshake keeps the replay state. */
	wg_noise_handshake_clear(&b->handshake);
	CHECK(!deliver_initiation(b, &init3));
	CHECK(b->peer.refcount == 1);
	free_side(a);
	free_side(b);
}

static void noise_flood_guard(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init1, init2;
	struct wg_noise_handshake snapshot;

	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init1));
	CHECK(deliver_initiation(b, &init1));
	/* A newer timestamp, but only 19 ms later on the receiver's clock. */
	shim_realtime_ns += NSEC_PER_SEC;
	CHECK(make_initiation(a, &init2));
	shim_boottime_ns += 19 * NSEC_PER_MSEC;
	memcpy(&snapshot, &b->handshake, sizeof(snapshot));
	CHECK(!deliver_initiation(b, &init2));
	CHECK(!memcmp(&snapshot, &b->handshake, sizeof(snapshot)));
	/* At 1/50 s it is fine: the same message now goes through. */
	shim_boottime_ns += 1 * NSEC_PER_MSEC;
	CHECK(deliver_initiation(b, &init2));
	CHECK(b->peer.refcount == 1);
	free_side(a);
	free_side(b);
}

static void noise_unknown_peer(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct test_side *c = new_side("c", NULL);
	struct message_handshake_initiation init;

	sides_pair(a, b, NULL);
	/* c knows b, but b does not know c. */
	side_add_peer(c, b->identity.static_public, NULL);
	CHECK(make_initiation(c, &init));
	CHECK(mac1_ok(b, &init, sizeof(init)));
	CHECK(!wg_noise_handshake_consume_initiation(&init, &b->identity,
						     b->pubkeys));
	CHECK(b->handshake.state == WG_HANDSHAKE_ZEROED);

	/* A known peer that is going away is treated as unknown. */
	CHECK(make_initiation(a, &init));
	b->peer.refcount = 0;
	CHECK(!wg_noise_handshake_consume_initiation(&init, &b->identity,
						     b->pubkeys));
	CHECK(b->peer.refcount == 0);
	b->peer.refcount = 1;
	CHECK(deliver_initiation(b, &init));
	free_side(a);
	free_side(b);
	free_side(c);
}

static void noise_wrong_index(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init;
	struct message_handshake_response resp, bad;

	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init));
	CHECK(deliver_initiation(b, &init));
	CHECK(make_response(b, &resp));

	/* Correct MACs, but addressed to an index a never handed out. */
	memcpy(&bad, &resp, sizeof(bad));
	bad.receiver_index ^= cpu_to_le32(0x00010000);
	wg_cookie_add_mac_to_packet(&bad, sizeof(bad), &b->cookie);
	CHECK(mac1_ok(a, &bad, sizeof(bad)));
	CHECK(!wg_noise_handshake_consume_response(&bad, &a->identity,
						   a->indices));
	CHECK(a->handshake.state == WG_HANDSHAKE_CREATED_INITIATION);

	CHECK(deliver_response(a, &resp));
	CHECK(wg_noise_handshake_begin_session(&a->handshake, &a->keypairs));
	/* The index now names a keypair: the same response is refused. */
	CHECK(CUR(a) && CUR(a)->entry.index == resp.receiver_index);
	CHECK(!wg_noise_handshake_consume_response(&resp, &a->identity,
						   a->indices));
	/* A message type mismatch is refused outright. */
	memcpy(&bad, &resp, sizeof(bad));
	bad.header.type = cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION);
	CHECK(!wg_noise_handshake_consume_response(&bad, &a->identity,
						   a->indices));
	CHECK(a->peer.refcount == 1);
	free_side(a);
	free_side(b);
}

static void noise_wrong_mac1(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct test_side *c = new_side("c", NULL);
	struct message_handshake_initiation init;

	sides_pair(a, b, NULL);
	/* a keys mac1 for c's public key instead of b's. */
	wg_cookie_precompute_peer_keys(&a->cookie, c->identity.static_public);
	CHECK(make_initiation(a, &init));
	CHECK(!mac1_ok(b, &init, sizeof(init)));
	CHECK(wg_cookie_validate_packet(&b->checker, &init, sizeof(init), addr,
					4, port, true) == WG_COOKIE_INVALID_MAC);
	CHECK(mac1_ok(c, &init, sizeof(init)));
	memset(&init.macs, 0, sizeof(init.macs));
	CHECK(!mac1_ok(b, &init, sizeof(init)));
	free_side(a);
	free_side(b);
	free_side(c);
}

static void noise_identity_changes(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init;
	u8 zero[32] = { 0 }, other[32];

	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init));

	/* b loses its private key: nothing works on its side. */
	down_write(&b->identity.lock);
	wg_noise_set_static_identity_private_key(&b->identity, zero);
	wg_noise_precompute_static_static(&b->handshake);
	up_write(&b->identity.lock);
	CHECK(!b->identity.has_identity);
	CHECK(is_zero(b->handshake.precomputed_static_static, 32));
	CHECK(!wg_noise_handshake_consume_initiation(&init, &b->identity,
						     b->pubkeys));
	CHECK(!wg_noise_handshake_create_initiation(&init, &b->handshake));

	/* Back again. */
	down_write(&b->identity.lock);
	wg_noise_set_static_identity_private_key(&b->identity, b->private_key);
	wg_noise_precompute_static_static(&b->handshake);
	up_write(&b->identity.lock);
	CHECK(b->identity.has_identity);
	CHECK(deliver_initiation(b, &init));

	/* A new key: a's messages for the old one no longer get in. */
	shim_clock_advance(NSEC_PER_SEC);
	CHECK(make_initiation(a, &init));
	wgc_curve25519_generate_secret(other);
	down_write(&b->identity.lock);
	wg_noise_set_static_identity_private_key(&b->identity, other);
	wg_noise_precompute_static_static(&b->handshake);
	up_write(&b->identity.lock);
	wg_cookie_checker_precompute_device_keys(&b->checker,
						 b->identity.static_public);
	CHECK(!mac1_ok(b, &init, sizeof(init)));
	CHECK(!wg_noise_handshake_consume_initiation(&init, &b->identity,
						     b->pubkeys));
	CHECK(b->peer.refcount == 1);
	free_side(a);
	free_side(b);
}

static void noise_low_order_points(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct test_side *c = new_side("c", NULL);
	struct message_handshake_initiation init, bad;
	static const u8 low_order[][32] = { { 0 }, { 1 } };
	unsigned int i;

	sides_pair(a, b, NULL);
	CHECK(make_initiation(a, &init));
	for (i = 0; i < ARRAY_SIZE(low_order); ++i) {
		memcpy(&bad, &init, sizeof(bad));
		memcpy(bad.unencrypted_ephemeral, low_order[i], 32);
		CHECK(!wg_noise_handshake_consume_initiation(&bad, &b->identity,
							     b->pubkeys));
	}
	/* A peer whose public key is a low-order point can never handshake. */
	side_add_peer(c, low_order[0], NULL);
	CHECK(is_zero(c->handshake.precomputed_static_static, 32));
	CHECK(!wg_noise_handshake_create_initiation(&bad, &c->handshake));
	CHECK(c->handshake.state == WG_HANDSHAKE_ZEROED);
	CHECK(hlist_unhashed(&c->handshake.entry.node));
	CHECK(deliver_initiation(b, &init));
	free_side(a);
	free_side(b);
	free_side(c);
}

static void noise_wrong_state(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init;
	struct message_handshake_response resp;

	sides_pair(a, b, NULL);
	CHECK(!wg_noise_handshake_begin_session(&a->handshake, &a->keypairs));
	CHECK(!wg_noise_handshake_create_response(&resp, &a->handshake));
	CHECK(make_initiation(a, &init));
	CHECK(!wg_noise_handshake_begin_session(&a->handshake, &a->keypairs));
	CHECK(!wg_noise_handshake_create_response(&resp, &a->handshake));
	CHECK(deliver_initiation(b, &init));
	CHECK(!wg_noise_handshake_begin_session(&b->handshake, &b->keypairs));
	CHECK(make_response(b, &resp));
	/* a gave up on that handshake: the response finds nothing. */
	wg_noise_handshake_clear(&a->handshake);
	CHECK(a->handshake.state == WG_HANDSHAKE_ZEROED);
	CHECK(!deliver_response(a, &resp));
	CHECK(!CUR(a) && !NEXT(a) && !PREV(a));
	/* So does a response to an initiation a has since replaced. */
	shim_clock_advance(NSEC_PER_SEC);
	CHECK(make_initiation(a, &init));
	CHECK(deliver_initiation(b, &init));
	CHECK(make_response(b, &resp));
	CHECK(make_initiation(a, &init));
	CHECK(!deliver_response(a, &resp));
	CHECK(a->handshake.state == WG_HANDSHAKE_CREATED_INITIATION);
	CHECK(a->peer.refcount == 1);
	free_side(a);
	free_side(b);
}

static bool index_resolves(struct test_side *s, struct wg_noise_keypair *kp)
{
	struct wg_noise_keypair *found;
	__le32 idx;

	/* A retired keypair may be freed: only look at an index we saved. */
	idx = kp->entry.index;
	found = wg_noise_keypair_lookup(s->indices, idx, NULL);
	wg_noise_keypair_put(found);
	return found == kp;
}

static void noise_keypair_rotation(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct wg_noise_keypair *a1, *a2, *a3, *a4, *a5, *b1, *b2, *b3;
	__le32 a1_index, b1_index;
	u64 nonce;

	sides_pair(a, b, NULL);

	/* 1: a initiates. b holds the keypair as next until data arrives. */
	CHECK(handshake_ab(a, b));
	a1 = CUR(a);
	b1 = NEXT(b);
	CHECK(a1 && b1 && keys_match(a1, b1));
	if (!a1 || !b1)
		goto out;
	CHECK(data_roundtrip(a1, b1, "1", 1));
	CHECK(receive_on(b, b1));
	CHECK(CUR(b) == b1 && !NEXT(b) && !PREV(b));

	/* 2: a initiates again; the old keypairs stay as previous. */
	CHECK(handshake_ab(a, b));
	a2 = CUR(a);
	b2 = NEXT(b);
	CHECK(PREV(a) == a1 && CUR(b) == b1 && keys_match(a2, b2));
	/* Messages still in flight under the old keypair decrypt. */
	CHECK(data_roundtrip(a1, b1, "late", 4));
	CHECK(receive_on(b, b1));
	CHECK(CUR(b) == b1 && NEXT(b) == b2);
	CHECK(data_roundtrip(a2, b2, "2", 1));
	CHECK(receive_on(b, b2));
	CHECK(CUR(b) == b2 && PREV(b) == b1 && !NEXT(b));

	/* 3: b initiates; a is the responder now. */
	b1_index = b1->entry.index;
	CHECK(handshake_ab(b, a));
	b3 = CUR(b);
	a3 = NEXT(a);
	CHECK(keys_match(b3, a3));
	CHECK(PREV(b) == b2 && CUR(a) == a2 && PREV(a) == a1);
	/* b1 dropped out: its index no longer resolves. */
	CHECK(!wg_noise_keypair_lookup(b->indices, b1_index, NULL));
	/* Hold a reference to a1 across its retirement. */
	a1_index = a1->entry.index;
	a1 = wg_noise_keypair_get(a1);
	CHECK(a1 != NULL);
	CHECK(data_roundtrip(b3, a3, "3", 1));
	CHECK(receive_on(a, a3));
	CHECK(CUR(a) == a3 && PREV(a) == a2 && !NEXT(a));
	CHECK(!wg_noise_keypair_lookup(a->indices, a1_index, NULL));
	/* Still usable by whoever held it, until the last put. */
	CHECK(kref_read(&a1->refcount) == 1);
	CHECK(wg_noise_keypair_next_nonce(a1, &nonce));
	wg_noise_keypair_put(a1);

	/*
	 * 4: both sides initiate at once. a answers b's initiation (a4 goes
	 * to next), then its own initiation completes (a5): a5 becomes
	 * current and a4 previous, since b sends under a4 until it sees a5.
	 */
	CHECK(wg_noise_handshake_create_initiation(&init, &b->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &b->cookie);
	CHECK(wg_noise_handshake_consume_initiation(&init, &a->identity,
						    a->pubkeys) == &a->handshake);
	test_peer_refops.put(&a->peer);
	CHECK(wg_noise_handshake_create_response(&resp, &a->handshake));
	CHECK(wg_noise_handshake_begin_session(&a->handshake, &a->keypairs));
	a4 = NEXT(a);
	CHECK(a4 && CUR(a) == a3);
	shim_clock_advance((u64)WG_REKEY_TIMEOUT * NSEC_PER_SEC);
	CHECK(handshake_ab(a, b));
	a5 = CUR(a);
	CHECK(a5 && a5 != a4 && PREV(a) == a4 && !NEXT(a));
	CHECK(keys_match(a5, NEXT(b)));
	CHECK(index_resolves(a, a4) && index_resolves(a, a5));

	/* 5: expiring stops sending, not receiving. */
	CHECK(wg_noise_keypair_next_nonce(a5, &nonce));
	wg_noise_expire_current_peer_keypairs(&a->keypairs);
	CHECK(!wg_noise_keypair_next_nonce(a5, &nonce));
	CHECK(wg_noise_keypair_receiving_is_valid(a5));
	CHECK(wg_noise_keypair_next_nonce(a4, &nonce));

	/* 6: and age: REJECT_AFTER_TIME after the handshake, both stop. */
	CHECK(handshake_ab(a, b));
	a5 = CUR(a);
	shim_clock_advance((u64)(WG_REJECT_AFTER_TIME - WG_REKEY_TIMEOUT) *
			   NSEC_PER_SEC - 1);
	CHECK(wg_noise_keypair_next_nonce(a5, &nonce));
	CHECK(wg_noise_keypair_receiving_is_valid(a5));
	shim_clock_advance(1);
	CHECK(!wg_noise_keypair_next_nonce(a5, &nonce));
	CHECK(!wg_noise_keypair_receiving_is_valid(a5));

	/* 7: clearing drops everything and unpublishes the indices. */
	a5 = wg_noise_keypair_get(a5);
	wg_noise_keypairs_clear(&a->keypairs);
	CHECK(!CUR(a) && !PREV(a) && !NEXT(a));
	CHECK(!wg_noise_keypairs_current(&a->keypairs));
	CHECK(!index_resolves(a, a5));
	wg_noise_keypair_put(a5);
out:
	free_side(a);
	free_side(b);
}

static void noise_nonce_limit(void)
{
	struct test_side *a = new_side("a", NULL), *b = new_side("b", NULL);
	struct wg_noise_keypair *kp;
	u64 nonce;

	sides_pair(a, b, NULL);
	CHECK(handshake_ab(a, b));
	kp = CUR(a);
	CHECK(kp && wg_noise_keypair_next_nonce(kp, &nonce) && nonce == 0);
	CHECK(wg_noise_keypair_next_nonce(kp, &nonce) && nonce == 1);
	atomic64_set(&kp->sending_counter, WG_REJECT_AFTER_MESSAGES - 1);
	CHECK(wg_noise_keypair_next_nonce(kp, &nonce) &&
	      nonce == WG_REJECT_AFTER_MESSAGES - 1);
	CHECK(!wg_noise_keypair_next_nonce(kp, &nonce));
	CHECK(!wg_noise_keypair_next_nonce(kp, &nonce));
	free_side(a);
	free_side(b);
}

void test_noise_suite(void)
{
	RUN_TEST(noise_handshake_no_psk);
	RUN_TEST(noise_handshake_psk);
	RUN_TEST(noise_wrong_psk);
	RUN_TEST(noise_tamper_initiation);
	RUN_TEST(noise_tamper_response);
	RUN_TEST(noise_truncated);
	RUN_TEST(noise_replayed_initiation);
	RUN_TEST(noise_flood_guard);
	RUN_TEST(noise_unknown_peer);
	RUN_TEST(noise_wrong_index);
	RUN_TEST(noise_wrong_mac1);
	RUN_TEST(noise_identity_changes);
	RUN_TEST(noise_low_order_points);
	RUN_TEST(noise_wrong_state);
	RUN_TEST(noise_keypair_rotation);
	RUN_TEST(noise_nonce_limit);
}
