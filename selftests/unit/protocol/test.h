/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny harness for the protocol-core unit tests. A test is a function run
 * through RUN_TEST(); CHECK() records the first failed condition and the
 * test prints "PASS: name" or "FAIL: name why". main() exits non-zero if
 * anything failed.
 */
#ifndef WG_UNIT_PROTOCOL_TEST_H
#define WG_UNIT_PROTOCOL_TEST_H

#include "../../../src/messages.h"
#include "../../../src/noise.h"
#include "../../../src/cookie.h"
#include "../../../src/peerlookup.h"
#include "../../../src/ratelimiter.h"
#include "../../../src/replay.h"

extern int test_failures;	/* in the current test */
extern char test_why[256];

#define CHECK(cond) do { \
	if (!(cond)) { \
		if (!test_failures++) \
			snprintf(test_why, sizeof(test_why), "%s:%d: %s", \
				 __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_MSG(cond, ...) do { \
	if (!(cond)) { \
		if (!test_failures++) { \
			int __n = snprintf(test_why, sizeof(test_why), \
					   "%s:%d: ", __FILE__, __LINE__); \
			snprintf(test_why + __n, sizeof(test_why) - __n, \
				 __VA_ARGS__); \
		} \
	} \
} while (0)

void run_test(const char *name, void (*fn)(void));
#define RUN_TEST(fn) run_test(#fn, fn)

/*
 * A stand-in for the device's struct wg_peer: noise and the lookup tables
 * only carry the pointer around; the refcount lets tests check that every
 * reference a lookup took is dropped again.
 */
struct wg_peer {
	int refcount;
	const char *name;
};
extern const struct wg_peer_refops test_peer_refops;

/* One side of a conversation: a device with one peer. */
struct test_side {
	struct wg_noise_static_identity identity;
	struct wg_index_hashtable *indices;
	struct wg_pubkey_hashtable *pubkeys;
	struct wg_cookie_checker checker;
	struct wg_peer peer;
	struct wg_noise_handshake handshake;
	struct wg_noise_keypairs keypairs;
	struct wg_cookie cookie;	/* for the peer's cookies */
	u8 private_key[32];
};

/* Sets up a device with @private_key (NULL: random). */
void side_init_device(struct test_side *s, const char *name,
		      const u8 *private_key);
/* Adds @remote_public as the device's peer, with an optional PSK. */
void side_add_peer(struct test_side *s, const u8 *remote_public,
		   const u8 *psk);
/* Both at once: a and b know each other. */
void sides_pair(struct test_side *a, struct test_side *b, const u8 *psk);
void side_destroy(struct test_side *s);

/*
 * Runs a full handshake a -> b (a initiates) through the MAC checks and
 * returns true if both sides ended with a session.
 */
bool handshake_ab(struct test_side *a, struct test_side *b);

/* Encrypts a data message under @kp and decrypts it with @rx. */
bool data_roundtrip(struct wg_noise_keypair *tx_kp, struct wg_noise_keypair *rx_kp,
		    const void *payload, size_t len);

/* Suites */
void test_replay_suite(void);
void test_peerlookup_suite(void);
void test_noise_suite(void);
void test_cookie_suite(void);
void test_ratelimiter_suite(void);
void test_interop_suite(void);

#endif /* WG_UNIT_PROTOCOL_TEST_H */
