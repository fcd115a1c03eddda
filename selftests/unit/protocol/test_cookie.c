// SPDX-License-Identifier: GPL-2.0
/* MAC1/MAC2 and the cookie reply flow under simulated load. */
#include "test.h"

static const u8 addr4[4] = { 203, 0, 113, 5 };
static const u8 addr4_other[4] = { 203, 0, 113, 6 };
static const u8 addr6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4,
			      5, 6, 7, 8, 9, 10, 11, 12 };
#define PORT htons(51820)

static struct test_side *new_pair(struct test_side **b)
{
	struct test_side *a = malloc(sizeof(*a));

	*b = malloc(sizeof(**b));
	side_init_device(a, "a", NULL);
	side_init_device(*b, "b", NULL);
	sides_pair(a, *b, NULL);
	return a;
}

static void free_pair(struct test_side *a, struct test_side *b)
{
	side_destroy(a);
	side_destroy(b);
	free(a);
	free(b);
}

static enum wg_cookie_mac_state check(struct test_side *to, const void *m,
				      size_t len, const u8 *src, size_t src_len,
				      __be16 port, bool load)
{
	return wg_cookie_validate_packet(&to->checker, m, len, src, src_len,
					 port, load);
}

static bool is_zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* a sends an initiation to b from @src; b answers with a cookie reply. */
static bool get_cookie(struct test_side *a, struct test_side *b,
		       const u8 *src, size_t src_len, __be16 port)
{
	struct message_handshake_initiation init;
	struct message_handshake_cookie reply;

	if (!wg_noise_handshake_create_initiation(&init, &a->handshake))
		return false;
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	if (check(b, &init, sizeof(init), src, src_len, port, true) !=
	    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE)
		return false;
	if (!wg_cookie_message_create(&reply, &init, sizeof(init),
				      init.sender_index, &b->checker, src,
				      src_len, port))
		return false;
	return wg_cookie_message_consume(&reply, &a->cookie);
}

static void cookie_flow_under_load(void)
{
	struct test_side *b, *a = new_pair(&b);
	struct message_handshake_initiation init;
	struct message_handshake_cookie reply, replay;
	struct wg_noise_handshake *hs;

	/* Without a cookie: mac1 only, mac2 is zero. */
	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(is_zero(init.macs.mac2, 16) && !is_zero(init.macs.mac1, 16));
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, false) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* Under load that is not enough: b answers with a cookie. */
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	CHECK(wg_cookie_message_create(&reply, &init, sizeof(init),
				       init.sender_index, &b->checker, addr4,
				       4, PORT));
	CHECK(le32_to_cpu(reply.header.type) == MESSAGE_HANDSHAKE_COOKIE);
	CHECK(reply.receiver_index == init.sender_index);
	CHECK(wg_message_type_of(&reply, sizeof(reply)) ==
	      MESSAGE_HANDSHAKE_COOKIE);
	/* The receiver index leads a to its handshake. */
	CHECK(wg_index_hashtable_lookup(a->indices, WG_INDEX_HANDSHAKE,
					reply.receiver_index, NULL) ==
	      &a->handshake.entry);

	memcpy(&replay, &reply, sizeof(replay));
	CHECK(wg_cookie_message_consume(&reply, &a->cookie));
	CHECK(a->cookie.is_valid);
	/* Only one reply per message sent. */
	CHECK(!wg_cookie_message_consume(&replay, &a->cookie));

	/* The retransmission carries a mac2 that b accepts. */
	shim_clock_advance((u64)WG_REKEY_TIMEOUT * NSEC_PER_SEC);
	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(!is_zero(init.macs.mac2, 16));
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, false) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* ...but only from where the cookie was given. */
	CHECK(check(b, &init, sizeof(init), addr4_other, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	CHECK(check(b, &init, sizeof(init), addr4, 4, htons(51821), true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	CHECK(check(b, &init, sizeof(init), addr6, 16, PORT, true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* And the handshake goes on normally. */
	hs = wg_noise_handshake_consume_initiation(&init, &b->identity,
						   b->pubkeys);
	CHECK(hs == &b->handshake);
	if (hs)
		test_peer_refops.put(hs->peer);
	free_pair(a, b);
}

static void cookie_ipv6_and_response(void)
{
	struct test_side *b, *a = new_pair(&b);
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct message_handshake_cookie reply;
	struct wg_noise_handshake *hs;

	CHECK(get_cookie(a, b, addr6, 16, PORT));
	shim_clock_advance((u64)WG_REKEY_TIMEOUT * NSEC_PER_SEC);
	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(check(b, &init, sizeof(init), addr6, 16, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	hs = wg_noise_handshake_consume_initiation(&init, &b->identity,
						   b->pubkeys);
	CHECK(hs == &b->handshake);
	if (hs)
		test_peer_refops.put(hs->peer);

	/* Responses carry MACs too, and can be answered with a cookie. */
	CHECK(wg_noise_handshake_create_response(&resp, &b->handshake));
	wg_cookie_add_mac_to_packet(&resp, sizeof(resp), &b->cookie);
	CHECK(is_zero(resp.macs.mac2, 16));
	CHECK(check(a, &resp, sizeof(resp), addr6, 16, PORT, true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	CHECK(wg_cookie_message_create(&reply, &resp, sizeof(resp),
				       resp.sender_index, &a->checker, addr6,
				       16, PORT));
	CHECK(wg_cookie_message_consume(&reply, &b->cookie));
	wg_cookie_add_mac_to_packet(&resp, sizeof(resp), &b->cookie);
	CHECK(check(a, &resp, sizeof(resp), addr6, 16, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	free_pair(a, b);
}

static void cookie_tampering(void)
{
	struct test_side *b, *a = new_pair(&b);
	struct message_handshake_initiation init, bad;
	struct message_handshake_cookie reply, badr;
	struct wg_cookie saved;
	unsigned int i, wrong = 0;

	CHECK(get_cookie(a, b, addr4, 4, PORT));
	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	/* Any change before mac2 breaks mac1; any change in mac2 breaks mac2. */
	for (i = 0; i < sizeof(init); ++i) {
		enum wg_cookie_mac_state want =
			i < offsetof(struct message_handshake_initiation, macs.mac2) ?
			WG_COOKIE_INVALID_MAC : WG_COOKIE_VALID_MAC_BUT_NO_COOKIE;

		memcpy(&bad, &init, sizeof(bad));
		((u8 *)&bad)[i] ^= 0x20;
		if (check(b, &bad, sizeof(bad), addr4, 4, PORT, true) != want)
			++wrong;
	}
	CHECK_MSG(!wrong, "%u tampered bytes not caught", wrong);

	/* A tampered cookie reply is refused and changes nothing. */
	CHECK(wg_cookie_message_create(&reply, &init, sizeof(init),
				       init.sender_index, &b->checker, addr4,
				       4, PORT));
	memcpy(&saved, &a->cookie, sizeof(saved));
	wrong = 0;
	for (i = 0; i < sizeof(reply); ++i) {
		/* The receiver index only routes the reply; it is not secret. */
		if (i >= 4 && i < 8)
			continue;
		memcpy(&badr, &reply, sizeof(badr));
		((u8 *)&badr)[i] ^= 0x01;
		if (wg_cookie_message_consume(&badr, &a->cookie) ||
		    memcmp(&saved, &a->cookie, sizeof(saved)))
			++wrong;
	}
	CHECK_MSG(!wrong, "%u tampered replies accepted", wrong);
	CHECK(wg_cookie_message_consume(&reply, &a->cookie));

	/* A reply meant for another message (other mac1) is refused. */
	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	memcpy(&bad, &init, sizeof(bad));
	bad.macs.mac1[0] ^= 1;
	CHECK(wg_cookie_message_create(&reply, &bad, sizeof(bad),
				       init.sender_index, &b->checker, addr4,
				       4, PORT));
	CHECK(!wg_cookie_message_consume(&reply, &a->cookie));
	/* So is one from a responder with another key. */
	wg_cookie_checker_precompute_device_keys(&b->checker,
						 a->identity.static_public);
	CHECK(wg_cookie_message_create(&reply, &init, sizeof(init),
				       init.sender_index, &b->checker, addr4,
				       4, PORT));
	CHECK(!wg_cookie_message_consume(&reply, &a->cookie));
	free_pair(a, b);
}

static void cookie_expiry(void)
{
	struct test_side *b, *a = new_pair(&b);
	struct message_handshake_initiation init;
	struct wgc_blake2s_state st;
	u8 old_cookie[16], mac2[16];
	const size_t mac2_off = offsetof(struct message_handshake_initiation,
					 macs.mac2);

	CHECK(get_cookie(a, b, addr4, 4, PORT));
	memcpy(old_cookie, a->cookie.cookie, 16);

	/* The initiator uses its cookie for 120 - 5 seconds... */
	shim_clock_advance((u64)(WG_COOKIE_SECRET_MAX_AGE -
				 WG_COOKIE_SECRET_LATENCY) * NSEC_PER_SEC - 1);
	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(!is_zero(init.macs.mac2, 16));
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	shim_clock_advance(1);
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(is_zero(init.macs.mac2, 16));

	/*
	 * ...and the responder's secret changes after 120 s, so even a mac2
	 * made with the old cookie (forced here) no longer counts.
	 */
	wgc_blake2s_init_key(&st, 16, old_cookie, 16);
	wgc_blake2s_update(&st, (const u8 *)&init, mac2_off);
	wgc_blake2s_final(&st, mac2);
	memcpy(init.macs.mac2, mac2, 16);
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	shim_clock_advance((u64)WG_COOKIE_SECRET_LATENCY * NSEC_PER_SEC);
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);

	/* A fresh cookie works again, and differs from the old one. */
	shim_clock_advance((u64)WG_REKEY_TIMEOUT * NSEC_PER_SEC);
	CHECK(get_cookie(a, b, addr4, 4, PORT));
	CHECK(memcmp(old_cookie, a->cookie.cookie, 16));
	CHECK(wg_noise_handshake_create_initiation(&init, &a->handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	CHECK(check(b, &init, sizeof(init), addr4, 4, PORT, true) ==
	      WG_COOKIE_VALID_MAC_WITH_COOKIE);
	free_pair(a, b);
}

static void cookie_bad_arguments(void)
{
	struct test_side *b, *a = new_pair(&b);
	struct message_handshake_cookie reply;
	u8 msg[148] = { 1 };
	u8 big_addr[17] = { 0 };

	CHECK(check(b, msg, 35, addr4, 4, PORT, true) == WG_COOKIE_INVALID_MAC);
	CHECK(check(b, msg, 0, addr4, 4, PORT, false) == WG_COOKIE_INVALID_MAC);
	CHECK(check(b, msg, sizeof(msg), big_addr, 17, PORT, true) ==
	      WG_COOKIE_INVALID_MAC);
	CHECK(!wg_cookie_message_create(&reply, msg, 35, 0, &b->checker,
					addr4, 4, PORT));
	CHECK(!wg_cookie_message_create(&reply, msg, sizeof(msg), 0,
					&b->checker, big_addr, 17, PORT));
	/* A reply when we never sent anything is refused. */
	CHECK(wg_cookie_message_create(&reply, msg, sizeof(msg), 0,
				       &b->checker, addr4, 4, PORT));
	CHECK(!wg_cookie_message_consume(&reply, &a->cookie));
	/* Wrong message type. */
	reply.header.type = cpu_to_le32(MESSAGE_HANDSHAKE_RESPONSE);
	CHECK(!wg_cookie_message_consume(&reply, &a->cookie));
	free_pair(a, b);
}

void test_cookie_suite(void)
{
	RUN_TEST(cookie_flow_under_load);
	RUN_TEST(cookie_ipv6_and_response);
	RUN_TEST(cookie_tampering);
	RUN_TEST(cookie_expiry);
	RUN_TEST(cookie_bad_arguments);
}
