// SPDX-License-Identifier: GPL-2.0
/*
 * Speed of the protocol core at -O2 (no sanitizers): full handshakes, each
 * handshake step, MAC checks, the replay window and the rate limiter.
 * Crypto runs with whatever wgc_crypto_init() picks for this CPU.
 */
#include <time.h>

#include "test.h"
#include "../../../crypto/wgcrypto.h"

/* The harness symbols test_main.c would provide. */
SHIM_PROTOCOL_DEFINE_GLOBALS;
int test_failures;
char test_why[256];

static struct wg_peer *get(struct wg_peer *p) { ++p->refcount; return p; }
static void put(struct wg_peer *p) { --p->refcount; }
const struct wg_peer_refops test_peer_refops = { get, put };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup(struct test_side *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	wgc_curve25519_generate_secret(s->private_key);
	wg_noise_static_identity_init(&s->identity);
	wg_noise_set_static_identity_private_key(&s->identity, s->private_key);
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

static void pair(struct test_side *a, struct test_side *b)
{
	wg_noise_handshake_init(&a->handshake, &a->identity,
				b->identity.static_public, NULL, &a->peer,
				a->indices);
	wg_pubkey_hashtable_add(a->pubkeys, &a->handshake);
	wg_cookie_precompute_peer_keys(&a->cookie, b->identity.static_public);
	wg_noise_handshake_init(&b->handshake, &b->identity,
				a->identity.static_public, NULL, &b->peer,
				b->indices);
	wg_pubkey_hashtable_add(b->pubkeys, &b->handshake);
	wg_cookie_precompute_peer_keys(&b->cookie, a->identity.static_public);
}

int main(void)
{
	static struct test_side a, b;
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	double t0, t_ci = 0, t_ki = 0, t_cr = 0, t_kr = 0, t_bs = 0, t;
	const u8 addr[4] = { 192, 0, 2, 1 };
	struct wg_replay_counter *rc;
	struct wg_ratelimiter rl;
	int i, n = 2000, ok = 1;
	u64 x = 0;

	if (wgc_crypto_init(true))
		return 1;
	wg_noise_init();
	setup(&a, "a");
	setup(&b, "b");
	pair(&a, &b);

	for (i = 0; i < n; ++i) {
		struct wg_noise_handshake *hs;

		shim_clock_advance(NSEC_PER_SEC);
		t0 = now_s();
		ok &= wg_noise_handshake_create_initiation(&init, &a.handshake);
		wg_cookie_add_mac_to_packet(&init, sizeof(init), &a.cookie);
		t = now_s(); t_ci += t - t0; t0 = t;
		ok &= wg_cookie_validate_packet(&b.checker, &init, sizeof(init),
						addr, 4, 1, false) != 0;
		hs = wg_noise_handshake_consume_initiation(&init, &b.identity,
							   b.pubkeys);
		ok &= hs != NULL;
		put(&b.peer);
		t = now_s(); t_ki += t - t0; t0 = t;
		ok &= wg_noise_handshake_create_response(&resp, &b.handshake);
		wg_cookie_add_mac_to_packet(&resp, sizeof(resp), &b.cookie);
		t = now_s(); t_cr += t - t0; t0 = t;
		ok &= wg_cookie_validate_packet(&a.checker, &resp, sizeof(resp),
						addr, 4, 1, false) != 0;
		hs = wg_noise_handshake_consume_response(&resp, &a.identity,
							 a.indices);
		ok &= hs != NULL;
		put(&a.peer);
		t = now_s(); t_kr += t - t0; t0 = t;
		ok &= wg_noise_handshake_begin_session(&b.handshake, &b.keypairs);
		ok &= wg_noise_handshake_begin_session(&a.handshake, &a.keypairs);
		t_bs += now_s() - t0;
	}
	printf("chacha20 %s, poly1305 %s\n", wgc_chacha20_impl_name(),
	       wgc_poly1305_impl_name());
	printf("handshake: create initiation %.1f us, consume %.1f us\n",
	       t_ci / n * 1e6, t_ki / n * 1e6);
	printf("handshake: create response %.1f us, consume %.1f us, begin sessions %.1f us\n",
	       t_cr / n * 1e6, t_kr / n * 1e6, t_bs / n * 1e6);
	printf("handshake: %.0f complete handshakes/s on one core\n",
	       n / (t_ci + t_ki + t_cr + t_kr + t_bs));

	n = 1000000;
	t0 = now_s();
	for (i = 0; i < n; ++i)
		x += wg_cookie_validate_packet(&b.checker, &init, sizeof(init),
					       addr, 4, 1, false);
	printf("mac1 check: %.0f ns\n", (now_s() - t0) / n * 1e9);
	t0 = now_s();
	for (i = 0; i < n; ++i)
		x += wg_cookie_validate_packet(&b.checker, &init, sizeof(init),
					       addr, 4, 1, true);
	printf("mac1 + mac2 check: %.0f ns\n", (now_s() - t0) / n * 1e9);

	rc = malloc(sizeof(*rc));
	wg_replay_counter_init(rc);
	n = 20000000;
	t0 = now_s();
	for (i = 0; i < n; ++i)
		x += wg_replay_counter_validate(rc, i ^ (i & 3 ? 0 : 7), WG_REJECT_AFTER_MESSAGES);
	printf("replay window: %.1f ns per counter\n", (now_s() - t0) / n * 1e9);

	if (wg_ratelimiter_init(&rl))
		return 1;
	n = 2000000;
	t0 = now_s();
	for (i = 0; i < n; ++i) {
		u8 src[4] = { 10, i >> 16, i >> 8, i & 0xf };

		x += wg_ratelimiter_allow(&rl, AF_INET, src, &rl);
	}
	printf("rate limiter: %.0f ns per message (%u sources)\n",
	       (now_s() - t0) / n * 1e9, rl.total_entries);
	wg_ratelimiter_uninit(&rl);
	free(rc);
	if (!ok || !x)
		printf("FAIL: bench handshakes failed\n");
	return !ok;
}
