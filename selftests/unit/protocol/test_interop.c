// SPDX-License-Identifier: GPL-2.0
/*
 * Our handshake against the independent reference in ref.c, both ways,
 * with and without a preshared key, plus transport data and cookies.
 */
#include "test.h"
#include "ref.h"

static const u8 src[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
#define PORT htons(40000)

/* TAI64N for the fake wall clock, as the protocol defines it. */
static void tai64n(u8 out[12], u64 ns)
{
	put_unaligned_be64((1ULL << 62) + 10 + ns / NSEC_PER_SEC, out);
	put_unaligned_be32(ns % NSEC_PER_SEC, out + 8);
}

static void our_initiator(const u8 *psk)
{
	struct test_side *a = malloc(sizeof(*a));
	struct ref_handshake ref = { 0 };
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct wg_noise_handshake *hs;
	struct wg_noise_keypair *kp;
	u8 ts[12], want_ts[12], send[32], recv[32], buf[200], out[200];
	u64 nonce;

	side_init_device(a, "a", NULL);
	wgc_curve25519_generate_secret(ref.s_priv);
	ref_public_key(ref.s_pub, ref.s_priv);
	if (psk)
		memcpy(ref.psk, psk, 32);
	ref.local_index = 0x01020304;
	side_add_peer(a, ref.s_pub, psk);

	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(ref_consume_initiation(&ref, (u8 *)&init, ts) == 0);
	CHECK(!memcmp(ref.remote_s, a->identity.static_public, 32));
	CHECK(ref.remote_index == le32_to_cpu(init.sender_index));
	/* The timestamp is TAI64N, nanoseconds rounded down to 2^24. */
	tai64n(want_ts, (shim_realtime_ns / NSEC_PER_SEC) * NSEC_PER_SEC +
		       ((shim_realtime_ns % NSEC_PER_SEC) & ~((1ULL << 24) - 1)));
	CHECK(!memcmp(ts, want_ts, 12));

	CHECK(ref_create_response(&ref, (u8 *)&resp, send, recv) == 0);
	CHECK(wg_cookie_validate_packet(&a->checker, &resp, sizeof(resp), src,
					16, PORT, false) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	hs = wg_noise_handshake_consume_response(&resp, &a->identity,
						 a->indices);
	CHECK(hs == &a->handshake);
	if (!hs)
		goto out;
	test_peer_refops.put(hs->peer);
	CHECK(wg_noise_handshake_begin_session(&a->handshake, &a->keypairs));
	kp = a->keypairs.current_keypair;
	CHECK(kp && !memcmp(kp->sending.key, recv, 32) &&
	      !memcmp(kp->receiving.key, send, 32));
	CHECK(kp && kp->remote_index == cpu_to_le32(ref.local_index));
	if (!kp)
		goto out;

	/* Transport data both ways. */
	ref_data_encrypt(buf, (const u8 *)"from the reference", 18, 7, send);
	CHECK(wgc_chacha20poly1305_decrypt(out, buf, 18 + 16, NULL, 0, 7,
					   kp->receiving.key));
	CHECK(!memcmp(out, "from the reference", 18));
	CHECK(wg_noise_keypair_next_nonce(kp, &nonce) && nonce == 0);
	wgc_chacha20poly1305_encrypt(buf, (const u8 *)"from us", 7, NULL, 0,
				     nonce, kp->sending.key);
	CHECK(ref_data_decrypt(out, buf, 7 + 16, nonce, recv) == 0);
	CHECK(!memcmp(out, "from us", 7));
out:
	side_destroy(a);
	free(a);
}

static void interop_our_initiator(void)
{
	our_initiator(NULL);
}

static void interop_our_initiator_psk(void)
{
	u8 psk[32];

	get_random_bytes(psk, 32);
	our_initiator(psk);
}

static void our_responder(const u8 *psk)
{
	struct test_side *b = malloc(sizeof(*b));
	struct ref_handshake ref = { 0 };
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct wg_noise_handshake *hs;
	struct wg_noise_keypair *kp;
	u8 ts[12], send[32], recv[32];

	side_init_device(b, "b", NULL);
	wgc_curve25519_generate_secret(ref.s_priv);
	ref_public_key(ref.s_pub, ref.s_priv);
	memcpy(ref.remote_s, b->identity.static_public, 32);
	if (psk)
		memcpy(ref.psk, psk, 32);
	ref.local_index = 0xdeadbeef;
	side_add_peer(b, ref.s_pub, psk);

	tai64n(ts, shim_realtime_ns);
	CHECK(ref_create_initiation(&ref, (u8 *)&init, ts, NULL) == 0);
	CHECK(wg_cookie_validate_packet(&b->checker, &init, sizeof(init), src,
					16, PORT, false) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	hs = wg_noise_handshake_consume_initiation(&init, &b->identity,
						   b->pubkeys);
	CHECK(hs == &b->handshake);
	if (!hs)
		goto out;
	test_peer_refops.put(hs->peer);
	CHECK(!memcmp(b->handshake.latest_timestamp, ts, 12));
	CHECK(wg_noise_handshake_create_response(&resp, &b->handshake));
	wg_cookie_add_mac_to_packet(&resp, sizeof(resp), &b->cookie);
	CHECK(wg_noise_handshake_begin_session(&b->handshake, &b->keypairs));
	CHECK(ref_consume_response(&ref, (u8 *)&resp, send, recv) == 0);
	kp = b->keypairs.next_keypair;
	CHECK(kp && !memcmp(kp->sending.key, recv, 32) &&
	      !memcmp(kp->receiving.key, send, 32));
	CHECK(ref.remote_index == le32_to_cpu(resp.sender_index));
	CHECK(kp && kp->entry.index == resp.sender_index);

	/* A second initiation with the same timestamp is a replay. */
	shim_clock_advance(NSEC_PER_SEC);
	CHECK(ref_create_initiation(&ref, (u8 *)&init, ts, NULL) == 0);
	CHECK(!wg_noise_handshake_consume_initiation(&init, &b->identity,
						     b->pubkeys));
	/* A newer one is not. */
	tai64n(ts, shim_realtime_ns);
	CHECK(ref_create_initiation(&ref, (u8 *)&init, ts, NULL) == 0);
	hs = wg_noise_handshake_consume_initiation(&init, &b->identity,
						   b->pubkeys);
	CHECK(hs == &b->handshake);
	if (hs)
		test_peer_refops.put(hs->peer);
out:
	side_destroy(b);
	free(b);
}

static void interop_our_responder(void)
{
	our_responder(NULL);
}

static void interop_our_responder_psk(void)
{
	u8 psk[32];

	get_random_bytes(psk, 32);
	our_responder(psk);
}

static void interop_cookie_reply(void)
{
	struct test_side *b = malloc(sizeof(*b));
	struct ref_handshake ref = { 0 };
	struct message_handshake_initiation init;
	struct message_handshake_cookie reply;
	u8 ts[12], cookie[16], expected[16], srcport[18];

	side_init_device(b, "b", NULL);
	wgc_curve25519_generate_secret(ref.s_priv);
	ref_public_key(ref.s_pub, ref.s_priv);
	memcpy(ref.remote_s, b->identity.static_public, 32);
	side_add_peer(b, ref.s_pub, NULL);

	tai64n(ts, shim_realtime_ns);
	CHECK(ref_create_initiation(&ref, (u8 *)&init, ts, NULL) == 0);
	CHECK(wg_cookie_validate_packet(&b->checker, &init, sizeof(init), src,
					16, PORT, true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	CHECK(wg_cookie_message_create(&reply, &init, sizeof(init),
				       init.sender_index, &b->checker, src, 16,
				       PORT));
	CHECK(ref_cookie_decrypt(cookie, (u8 *)&reply, b->identity.static_public,
				 ref.last_mac1) == 0);
	/* The cookie is MAC(secret, address || port in network order). */
	memcpy(srcport, src, 16);
	memcpy(srcport + 16, &(__be16){ PORT }, 2);
	ref_mac(expected, b->checker.secret, 32, srcport, 18);
	CHECK(!memcmp(cookie, expected, 16));

	/* The reference retries with mac2; we accept it. */
	shim_clock_advance((u64)WG_REKEY_TIMEOUT * NSEC_PER_SEC);
	tai64n(ts, shim_realtime_ns);
	CHECK(ref_create_initiation(&ref, (u8 *)&init, ts, cookie) == 0);
	CHECK(wg_cookie_validate_packet(&b->checker, &init, sizeof(init), src,
					16, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	side_destroy(b);
	free(b);
}

/*
 * A peer configured with a low-order public key shares an all-zero static
 * secret with anyone; someone who knows only our public key could then
 * forge its initiations. Those must be refused.
 */
static void interop_low_order_static(void)
{
	struct test_side *b = malloc(sizeof(*b));
	struct ref_handshake ref = { 0 };
	struct message_handshake_initiation init;
	u8 ts[12];

	side_init_device(b, "b", NULL);
	memset(ref.s_pub, 0, 32);	/* u = 0: X25519 of it is always 0 */
	wgc_curve25519_generate_secret(ref.s_priv);
	ref.zero_static_static = 1;
	memcpy(ref.remote_s, b->identity.static_public, 32);
	side_add_peer(b, ref.s_pub, NULL);

	tai64n(ts, shim_realtime_ns);
	CHECK(ref_create_initiation(&ref, (u8 *)&init, ts, NULL) == 0);
	CHECK(wg_cookie_validate_packet(&b->checker, &init, sizeof(init), src,
					16, PORT, false) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	CHECK(!wg_noise_handshake_consume_initiation(&init, &b->identity,
						     b->pubkeys));
	CHECK(b->handshake.state == WG_HANDSHAKE_ZEROED);
	side_destroy(b);
	free(b);
}

void test_interop_suite(void)
{
	if (ref_init()) {
		printf("FAIL: interop libsodium did not initialize\n");
		return;
	}
	RUN_TEST(interop_our_initiator);
	RUN_TEST(interop_our_initiator_psk);
	RUN_TEST(interop_our_responder);
	RUN_TEST(interop_our_responder_psk);
	RUN_TEST(interop_cookie_reply);
	RUN_TEST(interop_low_order_static);
}
