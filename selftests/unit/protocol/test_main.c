// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the WireGuard protocol core: harness, shared fixtures and
 * main(). Each suite lives in its own file.
 */
#include <stdarg.h>

#include "test.h"

SHIM_PROTOCOL_DEFINE_GLOBALS;

int test_failures;
char test_why[256];
static unsigned int tests_passed, tests_failed;

void run_test(const char *name, void (*fn)(void))
{
	test_failures = 0;
	test_why[0] = '\0';
	fn();
	if (test_failures) {
		printf("FAIL: %s %s (%d failed checks)\n", name, test_why,
		       test_failures);
		++tests_failed;
	} else {
		printf("PASS: %s\n", name);
		++tests_passed;
	}
	fflush(stdout);
}

static struct wg_peer *test_peer_get(struct wg_peer *peer)
{
	if (!peer->refcount)
		return NULL;
	++peer->refcount;
	return peer;
}

static void test_peer_put(struct wg_peer *peer)
{
	if (peer->refcount <= 0) {
		fprintf(stderr, "BUG: peer %s put below zero\n", peer->name);
		abort();
	}
	--peer->refcount;
}

const struct wg_peer_refops test_peer_refops = {
	.get_maybe_zero = test_peer_get,
	.put = test_peer_put,
};

void side_init_device(struct test_side *s, const char *name,
		      const u8 *private_key)
{
	memset(s, 0, sizeof(*s));
	if (private_key)
		memcpy(s->private_key, private_key, 32);
	else
		wgc_curve25519_generate_secret(s->private_key);
	wg_noise_static_identity_init(&s->identity);
	down_write(&s->identity.lock);
	wg_noise_set_static_identity_private_key(&s->identity, s->private_key);
	up_write(&s->identity.lock);
	s->indices = wg_index_hashtable_alloc(&test_peer_refops);
	s->pubkeys = wg_pubkey_hashtable_alloc(&test_peer_refops);
	wg_cookie_checker_init(&s->checker);
	wg_cookie_checker_precompute_device_keys(&s->checker,
						 s->identity.static_public);
	s->peer.refcount = 1;
	s->peer.name = name;
	wg_noise_keypairs_init(&s->keypairs);
	wg_cookie_init(&s->cookie);
}

void side_add_peer(struct test_side *s, const u8 *remote_public,
		   const u8 *psk)
{
	down_read(&s->identity.lock);
	wg_noise_handshake_init(&s->handshake, &s->identity, remote_public,
				psk, &s->peer, s->indices);
	up_read(&s->identity.lock);
	wg_pubkey_hashtable_add(s->pubkeys, &s->handshake);
	wg_cookie_precompute_peer_keys(&s->cookie, remote_public);
}

void sides_pair(struct test_side *a, struct test_side *b, const u8 *psk)
{
	side_add_peer(a, b->identity.static_public, psk);
	side_add_peer(b, a->identity.static_public, psk);
}

void side_destroy(struct test_side *s)
{
	wg_noise_keypairs_clear(&s->keypairs);
	wg_noise_handshake_clear(&s->handshake);
	if (!hlist_unhashed(&s->handshake.pubkey_node))
		wg_pubkey_hashtable_remove(s->pubkeys, &s->handshake);
	wg_index_hashtable_free(s->indices);
	wg_pubkey_hashtable_free(s->pubkeys);
	if (s->peer.refcount != 1) {
		fprintf(stderr, "BUG: peer %s refcount %d at teardown\n",
			s->peer.name, s->peer.refcount);
		abort();
	}
}

static const u8 test_addr_a[4] = { 192, 0, 2, 10 };

bool handshake_ab(struct test_side *a, struct test_side *b)
{
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct wg_noise_handshake *hs;
	bool ok;

	if (!wg_noise_handshake_create_initiation(&init, &a->handshake))
		return false;
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &a->cookie);
	if (wg_cookie_validate_packet(&b->checker, &init, sizeof(init),
				      test_addr_a, 4, htons(51820), false) !=
	    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE)
		return false;
	hs = wg_noise_handshake_consume_initiation(&init, &b->identity,
						   b->pubkeys);
	if (hs != &b->handshake)
		return false;
	test_peer_put(hs->peer);
	if (!wg_noise_handshake_create_response(&resp, &b->handshake))
		return false;
	wg_cookie_add_mac_to_packet(&resp, sizeof(resp), &b->cookie);
	if (!wg_noise_handshake_begin_session(&b->handshake, &b->keypairs))
		return false;
	if (wg_cookie_validate_packet(&a->checker, &resp, sizeof(resp),
				      test_addr_a, 4, htons(51820), false) !=
	    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE)
		return false;
	hs = wg_noise_handshake_consume_response(&resp, &a->identity,
						 a->indices);
	if (hs != &a->handshake)
		return false;
	test_peer_put(hs->peer);
	ok = wg_noise_handshake_begin_session(&a->handshake, &a->keypairs);
	/* The flood guard: real initiations are at least REKEY_TIMEOUT apart. */
	shim_clock_advance((u64)WG_REKEY_TIMEOUT * NSEC_PER_SEC);
	return ok;
}

bool data_roundtrip(struct wg_noise_keypair *tx_kp,
		    struct wg_noise_keypair *rx_kp, const void *payload,
		    size_t len)
{
	u8 *msg = malloc(message_data_len(len)), *plain = malloc(len + 1);
	struct message_data *hdr = (struct message_data *)msg;
	bool ok = false;
	u64 nonce;

	if (!wg_noise_keypair_next_nonce(tx_kp, &nonce))
		goto out;
	hdr->header.type = cpu_to_le32(MESSAGE_DATA);
	hdr->receiver_index = tx_kp->remote_index;
	hdr->counter = cpu_to_le64(nonce);
	wgc_chacha20poly1305_encrypt(hdr->encrypted_data, payload, len, NULL,
				     0, nonce, tx_kp->sending.key);
	if (wg_message_type_of(msg, message_data_len(len)) != MESSAGE_DATA)
		goto out;
	if (hdr->receiver_index != rx_kp->entry.index)
		goto out;
	if (!wgc_chacha20poly1305_decrypt(plain, hdr->encrypted_data,
					  wg_noise_encrypted_len(len), NULL, 0,
					  le64_to_cpu(hdr->counter),
					  rx_kp->receiving.key))
		goto out;
	if (!wg_replay_counter_validate(&rx_kp->receiving_counter,
					le64_to_cpu(hdr->counter),
					WG_REJECT_AFTER_MESSAGES))
		goto out;
	ok = !memcmp(plain, payload, len);
out:
	free(msg);
	free(plain);
	return ok;
}

int main(void)
{
	wg_noise_init();

	test_replay_suite();
	test_peerlookup_suite();
	test_noise_suite();
	test_cookie_suite();
	test_ratelimiter_suite();
	test_interop_suite();

	printf("%u passed, %u failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
