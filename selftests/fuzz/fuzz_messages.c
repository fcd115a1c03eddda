// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_messages: received UDP payloads through classification, the MAC
 * checks and the handshake state machines (src/messages.h, cookie.c,
 * noise.c, peerlookup.c), as the device's receive path would feed them.
 *
 * The world: two devices, the initiator I and the responder R, each with a
 * fixed static key and the other as its one peer. Before every input the
 * world is put back into one fixed state, with every random number drawn
 * from a fixed stream (fuzz_random.c): R has forgotten every initiation
 * (fresh handshake state), and I has just sent the "genuine" initiation G,
 * so it waits for a response under a known index and holds G's mac1 for
 * a cookie reply. The seed mode plays the rest of that handshake in the
 * same world and writes G, R's response to it and a cookie reply for it, so
 * seeds that authenticate lead the fuzzer through every step of the
 * consume functions; mutants of them probe each check.
 *
 * Per input, by wg_message_type_of() (itself checked against a reference
 * classifier):
 *  - initiation: R checks the MACs as sent (the answer must be consistent
 *    with and without cookie checking); the message then gets a valid mac1
 *    (the fuzzer cannot forge one, and the Noise layer must be robust
 *    without it) and goes to wg_noise_handshake_consume_initiation(). A
 *    rejected message must leave R's handshake byte for byte unchanged; an
 *    accepted one must be G's Noise payload (nothing else can authenticate)
 *    and then the handshake must run to the end: R responds and starts a
 *    session, I accepts the response exactly when the (unauthenticated)
 *    sender index is G's, and then both hold matching keys and a data
 *    message goes through.
 *  - response: the same for I and wg_noise_handshake_consume_response(); an
 *    accepted one must be R's genuine response and give the recorded keys.
 *  - cookie reply: found by its receiver index in I's table as the receive
 *    path does, then wg_cookie_message_consume(); rejected: I's cookie state
 *    unchanged; accepted: the genuine reply, not accepted twice, and I's
 *    next message passes R's mac2 check.
 *  - data: the keypair lookup must find nothing (no session exists).
 * After every input all sessions are dropped, the peers must hold exactly
 * their own reference, and both index tables must be empty. Every
 * WG_FUZZ_HEALTH_EVERY inputs, and at exit, a fresh genuine handshake with
 * new keys must complete on the state the input left behind.
 */
#include <unistd.h>

#include "../../src/messages.h"
#include "../../src/noise.h"
#include "../../src/cookie.h"
#include "../../src/peerlookup.h"

#include "fuzz_common.h"
#include "fuzz_random.h"

SHIM_PROTOCOL_DEFINE_GLOBALS;

#define WG_FUZZ_HEALTH_EVERY 32
/* The fixed random stream every input starts from. */
#define WG_FUZZ_STREAM 0x5747465a5a4d5347ULL
#define T0_BOOT (5000ULL * NSEC_PER_SEC)
#define T0_REAL (1700000000ULL * NSEC_PER_SEC)

/* Stands in for the device's peer: noise.c only carries the pointer. */
struct wg_peer {
	int refcount;
	const char *name;
};

static struct wg_peer *peer_get(struct wg_peer *peer)
{
	if (!peer->refcount)
		return NULL;
	++peer->refcount;
	return peer;
}

static void peer_put(struct wg_peer *peer)
{
	FUZZ_ASSERT(peer->refcount > 0, "peer %s put below zero", peer->name);
	--peer->refcount;
}

static const struct wg_peer_refops refops = {
	.get_maybe_zero = peer_get,
	.put = peer_put,
};

/* One device with its one peer. */
struct side {
	const char *name;
	struct wg_noise_static_identity identity;
	struct wg_index_hashtable *indices;
	struct wg_pubkey_hashtable *pubkeys;
	struct wg_cookie_checker checker;
	struct wg_peer peer;
	struct wg_noise_handshake handshake;
	struct wg_noise_keypairs keypairs;
	/* MACs of what we send to the peer; cookies the peer sends us. */
	struct wg_cookie cookie;
	u8 remote_public[WG_NOISE_PUBLIC_KEY_LEN];
	bool has_peer;
};

static struct side ini, res;

static const u8 ini_private[32] = "fuzz initiator static private k";
static const u8 res_private[32] = "fuzz responder static private k";
/* Where I's messages come from, as R sees it. */
static const u8 ini_addr[4] = { 192, 0, 2, 1 };
static const __be16 ini_port = 0xca6c;	/* 51820, big endian */
static const u8 res_addr[4] = { 198, 51, 100, 2 };
static const __be16 res_port = 0x1234;

/* The genuine messages of the fixed state, and where they lead. */
static struct message_handshake_initiation g_init;
static struct message_handshake_response g_resp;
static struct message_handshake_cookie g_cookie;
static u8 g_ini_send[32], g_ini_recv[32];

static unsigned long inputs;
static struct {
	unsigned long init_accepted, resp_accepted, cookie_accepted;
	unsigned long full_handshakes, health_checks;
} deep;

static void side_init(struct side *s, const char *name, const u8 *priv)
{
	s->name = name;
	wg_noise_static_identity_init(&s->identity);
	down_write(&s->identity.lock);
	wg_noise_set_static_identity_private_key(&s->identity, priv);
	up_write(&s->identity.lock);
	FUZZ_ASSERT(s->identity.has_identity);
	s->indices = wg_index_hashtable_alloc(&refops);
	s->pubkeys = wg_pubkey_hashtable_alloc(&refops);
	FUZZ_ASSERT(s->indices && s->pubkeys);
	s->peer.refcount = 1;
	s->peer.name = name;
	wg_noise_keypairs_init(&s->keypairs);
}

/* (Re)creates the peer's handshake and cookie state from scratch. */
static void side_reset_peer(struct side *s)
{
	if (s->has_peer) {
		wg_noise_keypairs_clear(&s->keypairs);
		wg_noise_handshake_clear(&s->handshake);
		wg_pubkey_hashtable_remove(s->pubkeys, &s->handshake);
	}
	s->has_peer = true;
	down_read(&s->identity.lock);
	wg_noise_handshake_init(&s->handshake, &s->identity, s->remote_public,
				NULL, &s->peer, s->indices);
	up_read(&s->identity.lock);
	wg_pubkey_hashtable_add(s->pubkeys, &s->handshake);
	wg_cookie_init(&s->cookie);
	wg_cookie_precompute_peer_keys(&s->cookie, s->remote_public);
	wg_cookie_checker_init(&s->checker);
	wg_cookie_checker_precompute_device_keys(&s->checker,
						 s->identity.static_public);
}

static bool table_empty(const struct wg_index_hashtable *t)
{
	size_t i;

	for (i = 0; i < HASH_SIZE(t->buckets); ++i)
		if (!hlist_empty(&t->buckets[i]))
			return false;
	return true;
}

static enum wg_cookie_mac_state validate(struct side *to, const void *msg,
					 size_t len, bool check_cookie)
{
	const struct side *from = to == &res ? &ini : &res;

	return wg_cookie_validate_packet(&to->checker, msg, len,
					 from == &ini ? ini_addr : res_addr, 4,
					 from == &ini ? ini_port : res_port,
					 check_cookie);
}

/*
 * The fixed state every input starts from: see the top of the file. Must
 * draw the same random numbers in the same order every time.
 */
static void reset_world(void)
{
	enum wg_cookie_mac_state st;

	fuzz_random_deterministic(WG_FUZZ_STREAM);
	shim_boottime_ns = T0_BOOT;
	shim_realtime_ns = T0_REAL;
	side_reset_peer(&ini);
	side_reset_peer(&res);
	FUZZ_ASSERT(table_empty(ini.indices) && table_empty(res.indices),
		    "index entries left after reset");

	FUZZ_ASSERT(wg_noise_handshake_create_initiation(&g_init,
							 &ini.handshake));
	wg_cookie_add_mac_to_packet(&g_init, sizeof(g_init), &ini.cookie);
	/* Draws R's cookie secret now, at a fixed point of the stream. */
	st = validate(&res, &g_init, sizeof(g_init), true);
	FUZZ_ASSERT(st == WG_COOKIE_VALID_MAC_BUT_NO_COOKIE, "state %d", st);
}

/* The keypairs on both sides belong together. */
static void check_session(void)
{
	const struct wg_noise_keypair *a = ini.keypairs.current_keypair;
	const struct wg_noise_keypair *b = res.keypairs.next_keypair;

	FUZZ_ASSERT(a && b, "no session after a full handshake");
	FUZZ_ASSERT(!memcmp(a->sending.key, b->receiving.key, 32) &&
		    !memcmp(a->receiving.key, b->sending.key, 32) &&
		    memcmp(a->sending.key, a->receiving.key, 32),
		    "session keys do not match");
	FUZZ_ASSERT(a->remote_index == b->entry.index &&
		    b->remote_index == a->entry.index, "session indices");
	FUZZ_ASSERT(a->i_am_the_initiator && !b->i_am_the_initiator);
}

/* I sends a data message under its current keypair; R receives it. */
static void check_data(void)
{
	static const u8 payload[] = "fuzz data payload";
	u8 msg[message_data_len(sizeof(payload))], plain[sizeof(payload)];
	struct message_data *hdr = (struct message_data *)msg;
	struct wg_noise_keypair *tx, *rx;
	struct wg_peer *peer = NULL;
	u64 nonce;

	tx = wg_noise_keypairs_current(&ini.keypairs);
	FUZZ_ASSERT(tx && wg_noise_keypair_next_nonce(tx, &nonce));
	hdr->header.type = cpu_to_le32(MESSAGE_DATA);
	hdr->receiver_index = tx->remote_index;
	hdr->counter = cpu_to_le64(nonce);
	wgc_chacha20poly1305_encrypt(hdr->encrypted_data, payload,
				     sizeof(payload), NULL, 0, nonce,
				     tx->sending.key);
	wg_noise_keypair_put(tx);
	FUZZ_ASSERT(wg_message_type_of(msg, sizeof(msg)) == MESSAGE_DATA);

	rx = wg_noise_keypair_lookup(res.indices, hdr->receiver_index, &peer);
	FUZZ_ASSERT(rx && peer == &res.peer, "data: no keypair for the index");
	FUZZ_ASSERT(wgc_chacha20poly1305_decrypt(plain, hdr->encrypted_data,
						 sizeof(msg) - sizeof(*hdr),
						 NULL, 0, nonce,
						 rx->receiving.key) &&
		    !memcmp(plain, payload, sizeof(payload)),
		    "data: does not decrypt");
	FUZZ_ASSERT(wg_replay_counter_validate(&rx->receiving_counter, nonce,
					       WG_REJECT_AFTER_MESSAGES));
	FUZZ_ASSERT(!wg_replay_counter_validate(&rx->receiving_counter, nonce,
						WG_REJECT_AFTER_MESSAGES),
		    "data: replay accepted");
	/* The initiator has confirmed the session: R may send with it. */
	FUZZ_ASSERT(wg_noise_received_with_keypair(&res.keypairs, rx));
	FUZZ_ASSERT(res.keypairs.current_keypair == rx);
	wg_noise_keypair_put(rx);
	peer_put(peer);
}

/*
 * R has accepted an initiation: it answers and starts its session, then I
 * gets the response. Returns whether I accepted it (and so both now hold
 * a session), which the caller compares with what it expects.
 */
static bool finish_handshake(struct message_handshake_response *resp)
{
	struct wg_noise_handshake *hs;
	enum wg_cookie_mac_state st;

	FUZZ_ASSERT(wg_noise_handshake_create_response(resp, &res.handshake),
		    "no response to an accepted initiation");
	wg_cookie_add_mac_to_packet(resp, sizeof(*resp), &res.cookie);
	FUZZ_ASSERT(wg_noise_handshake_begin_session(&res.handshake,
						     &res.keypairs));
	FUZZ_ASSERT(res.keypairs.next_keypair && !res.keypairs.current_keypair);
	FUZZ_ASSERT(wg_message_type_of(resp, sizeof(*resp)) ==
		    MESSAGE_HANDSHAKE_RESPONSE);
	st = validate(&ini, resp, sizeof(*resp), false);
	FUZZ_ASSERT(st == WG_COOKIE_VALID_MAC_BUT_NO_COOKIE, "state %d", st);
	hs = wg_noise_handshake_consume_response(resp, &ini.identity,
						 ini.indices);
	if (!hs)
		return false;
	FUZZ_ASSERT(hs == &ini.handshake && ini.peer.refcount == 2);
	peer_put(hs->peer);
	FUZZ_ASSERT(wg_noise_handshake_begin_session(&ini.handshake,
						     &ini.keypairs));
	check_session();
	check_data();
	++deep.full_handshakes;
	return true;
}

/*
 * A new handshake with new keys on whatever state the last input left:
 * the state must still be usable.
 */
static void health_check(void)
{
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct wg_noise_handshake *hs;

	fuzz_random_system();
	/* Past the flood guard, and a newer timestamp. */
	shim_boottime_ns += 10 * NSEC_PER_SEC;
	shim_realtime_ns += 10 * NSEC_PER_SEC;
	FUZZ_ASSERT(wg_noise_handshake_create_initiation(&init,
							 &ini.handshake));
	wg_cookie_add_mac_to_packet(&init, sizeof(init), &ini.cookie);
	FUZZ_ASSERT(validate(&res, &init, sizeof(init), false) ==
		    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	hs = wg_noise_handshake_consume_initiation(&init, &res.identity,
						   res.pubkeys);
	FUZZ_ASSERT(hs == &res.handshake, "health: initiation refused");
	peer_put(hs->peer);
	wg_noise_keypairs_clear(&res.keypairs);
	wg_noise_keypairs_clear(&ini.keypairs);
	FUZZ_ASSERT(finish_handshake(&resp), "health: response refused");

	/* A newer initiation, but too soon after the last: a flood. */
	shim_boottime_ns += NSEC_PER_MSEC;
	shim_realtime_ns += NSEC_PER_SEC;
	FUZZ_ASSERT(wg_noise_handshake_create_initiation(&init,
							 &ini.handshake));
	FUZZ_ASSERT(!wg_noise_handshake_consume_initiation(&init, &res.identity,
							   res.pubkeys),
		    "health: an initiation flood was accepted");
	++deep.health_checks;
}

static bool same_noise_payload(const void *a, const void *b, size_t from,
			       size_t to)
{
	return !memcmp((const u8 *)a + from, (const u8 *)b + from, to - from);
}

/* A mac2-less answer must not become a mac2 pass, and the reverse. */
static void check_macs_as_sent(struct side *to, const void *msg, size_t len)
{
	enum wg_cookie_mac_state plain = validate(to, msg, len, false);
	enum wg_cookie_mac_state full = validate(to, msg, len, true);

	FUZZ_ASSERT(plain != WG_COOKIE_VALID_MAC_WITH_COOKIE);
	if (plain == WG_COOKIE_INVALID_MAC)
		FUZZ_ASSERT(full == WG_COOKIE_INVALID_MAC);
	else
		FUZZ_ASSERT(full != WG_COOKIE_INVALID_MAC);
	/* Nobody gave I a cookie here: a mac2 match would be a forgery. */
	FUZZ_ASSERT(full != WG_COOKIE_VALID_MAC_WITH_COOKIE,
		    "mac2 accepted without a cookie ever handed out");
}

static void fuzz_initiation(const u8 *data)
{
	struct message_handshake_initiation m;
	struct message_handshake_response resp;
	struct wg_noise_handshake *hs, before;
	bool want;

	memcpy(&m, data, sizeof(m));
	check_macs_as_sent(&res, &m, sizeof(m));
	/* What a sender that knows R's public key would send. */
	wg_cookie_add_mac_to_packet(&m, sizeof(m), &ini.cookie);
	FUZZ_ASSERT(validate(&res, &m, sizeof(m), false) ==
		    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		    "our own mac1 does not validate");

	memcpy(&before, &res.handshake, sizeof(before));
	hs = wg_noise_handshake_consume_initiation(&m, &res.identity,
						   res.pubkeys);
	if (!hs) {
		FUZZ_ASSERT(!memcmp(&before, &res.handshake, sizeof(before)),
			    "a rejected initiation changed the handshake");
		FUZZ_ASSERT(res.peer.refcount == 1, "peer reference leaked");
		return;
	}
	FUZZ_ASSERT(hs == &res.handshake && res.peer.refcount == 2);
	peer_put(hs->peer);
	FUZZ_ASSERT(same_noise_payload(&m, &g_init,
				       offsetof(typeof(m), unencrypted_ephemeral),
				       offsetof(typeof(m), macs)) &&
		    m.header.type == g_init.header.type,
		    "an initiation that is not I's authenticated");
	FUZZ_ASSERT(res.handshake.remote_index == m.sender_index);
	++deep.init_accepted;

	want = m.sender_index == g_init.sender_index;
	FUZZ_ASSERT(finish_handshake(&resp) == want,
		    "the response to sender index %08x was %s",
		    le32_to_cpu(m.sender_index),
		    want ? "refused" : "accepted");

	/* Played back later, the initiation is a replay: refused. */
	shim_boottime_ns += NSEC_PER_SEC;
	memcpy(&before, &res.handshake, sizeof(before));
	FUZZ_ASSERT(!wg_noise_handshake_consume_initiation(&m, &res.identity,
							   res.pubkeys),
		    "a replayed initiation was accepted");
	FUZZ_ASSERT(!memcmp(&before, &res.handshake, sizeof(before)) &&
		    res.peer.refcount == 1);
}

static void fuzz_response(const u8 *data)
{
	struct message_handshake_response m;
	struct wg_noise_handshake *hs, before;
	const struct wg_noise_keypair *kp;

	memcpy(&m, data, sizeof(m));
	check_macs_as_sent(&ini, &m, sizeof(m));
	wg_cookie_add_mac_to_packet(&m, sizeof(m), &res.cookie);
	FUZZ_ASSERT(validate(&ini, &m, sizeof(m), false) ==
		    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		    "our own mac1 does not validate");

	memcpy(&before, &ini.handshake, sizeof(before));
	hs = wg_noise_handshake_consume_response(&m, &ini.identity,
						 ini.indices);
	if (!hs) {
		FUZZ_ASSERT(!memcmp(&before, &ini.handshake, sizeof(before)),
			    "a rejected response changed the handshake");
		FUZZ_ASSERT(ini.peer.refcount == 1, "peer reference leaked");
		return;
	}
	FUZZ_ASSERT(hs == &ini.handshake && ini.peer.refcount == 2);
	peer_put(hs->peer);
	FUZZ_ASSERT(m.receiver_index == g_init.sender_index &&
		    same_noise_payload(&m, &g_resp,
				       offsetof(typeof(m), unencrypted_ephemeral),
				       offsetof(typeof(m), macs)),
		    "a response that is not R's authenticated");
	++deep.resp_accepted;

	FUZZ_ASSERT(wg_noise_handshake_begin_session(&ini.handshake,
						     &ini.keypairs));
	kp = ini.keypairs.current_keypair;
	FUZZ_ASSERT(kp && !memcmp(kp->sending.key, g_ini_send, 32) &&
		    !memcmp(kp->receiving.key, g_ini_recv, 32),
		    "the genuine response gave other keys");
	FUZZ_ASSERT(kp->remote_index == m.sender_index);
	/* Replayed, the response finds nothing to complete. */
	memcpy(&before, &ini.handshake, sizeof(before));
	FUZZ_ASSERT(!wg_noise_handshake_consume_response(&m, &ini.identity,
							 ini.indices),
		    "a response was accepted twice");
	FUZZ_ASSERT(!memcmp(&before, &ini.handshake, sizeof(before)));
}

static void fuzz_cookie(const u8 *data)
{
	struct message_handshake_cookie m;
	struct message_handshake_initiation again;
	struct wg_index_entry *entry;
	struct wg_peer *peer = NULL;
	struct wg_cookie before;
	bool ok;

	memcpy(&m, data, sizeof(m));
	/* R never sent anything to I: it takes no cookie from I. */
	memcpy(&before, &res.cookie, sizeof(before));
	FUZZ_ASSERT(!wg_cookie_message_consume(&m, &res.cookie),
		    "a cookie reply to nothing was accepted");
	FUZZ_ASSERT(!memcmp(&before, &res.cookie, sizeof(before)));

	/* As the receive path finds the peer. */
	entry = wg_index_hashtable_lookup(ini.indices,
					  WG_INDEX_HANDSHAKE | WG_INDEX_KEYPAIR,
					  m.receiver_index, &peer);
	if (!entry) {
		FUZZ_ASSERT(m.receiver_index != g_init.sender_index,
			    "I's own index not found");
		FUZZ_ASSERT(!peer && ini.peer.refcount == 1);
		return;
	}
	FUZZ_ASSERT(peer == &ini.peer && entry == &ini.handshake.entry);

	memcpy(&before, &ini.cookie, sizeof(before));
	ok = wg_cookie_message_consume(&m, &ini.cookie);
	peer_put(peer);
	if (!ok) {
		FUZZ_ASSERT(!memcmp(&before, &ini.cookie, sizeof(before)),
			    "a rejected cookie reply changed the cookie state");
		return;
	}
	FUZZ_ASSERT(!memcmp(&m, &g_cookie, sizeof(m)),
		    "a cookie reply that is not R's authenticated");
	++deep.cookie_accepted;
	FUZZ_ASSERT(!wg_cookie_message_consume(&m, &ini.cookie),
		    "a cookie reply was accepted twice");

	/* I's next message carries a mac2 that R accepts. */
	memcpy(&again, &g_init, sizeof(again));
	wg_cookie_add_mac_to_packet(&again, sizeof(again), &ini.cookie);
	FUZZ_ASSERT(validate(&res, &again, sizeof(again), true) ==
		    WG_COOKIE_VALID_MAC_WITH_COOKIE,
		    "mac2 with the cookie from R's reply is refused");
	/* ... from I's address only. */
	FUZZ_ASSERT(wg_cookie_validate_packet(&res.checker, &again,
					      sizeof(again), res_addr, 4,
					      ini_port, true) ==
		    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		    "a cookie works from another address");
}

static void fuzz_data(const u8 *data, size_t len)
{
	struct wg_noise_keypair *kp;
	struct wg_peer *peer = NULL;
	__le32 index;

	memcpy(&index, data + offsetof(struct message_data, receiver_index),
	       sizeof(index));
	kp = wg_noise_keypair_lookup(res.indices, index, &peer);
	FUZZ_ASSERT(!kp && !peer, "a keypair exists before any session");
	kp = wg_noise_keypair_lookup(ini.indices, index, &peer);
	FUZZ_ASSERT(!kp && !peer, "a handshake index resolved as a keypair");
}

/* wg_message_type_of(), restated from the protocol's message formats. */
static enum message_type reference_type(const u8 *d, size_t len)
{
	if (len < 4 || d[1] || d[2] || d[3])
		return MESSAGE_INVALID;
	switch (d[0]) {
	case 1:
		return len == 148 ? MESSAGE_HANDSHAKE_INITIATION :
				    MESSAGE_INVALID;
	case 2:
		return len == 92 ? MESSAGE_HANDSHAKE_RESPONSE : MESSAGE_INVALID;
	case 3:
		return len == 64 ? MESSAGE_HANDSHAKE_COOKIE : MESSAGE_INVALID;
	case 4:
		/* Header, index, counter and a tag: an empty keepalive. */
		return len >= 32 ? MESSAGE_DATA : MESSAGE_INVALID;
	}
	return MESSAGE_INVALID;
}

static void after_input(void)
{
	wg_noise_keypairs_clear(&ini.keypairs);
	wg_noise_keypairs_clear(&res.keypairs);
	wg_noise_handshake_clear(&ini.handshake);
	wg_noise_handshake_clear(&res.handshake);
	FUZZ_ASSERT(ini.peer.refcount == 1 && res.peer.refcount == 1,
		    "peer references: I %d, R %d", ini.peer.refcount,
		    res.peer.refcount);
	FUZZ_ASSERT(table_empty(ini.indices) && table_empty(res.indices),
		    "index entries left behind");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum message_type type;
	u8 *copy;

	/* An exact-size heap copy: ASan sees any read past the payload. */
	copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	memcpy(copy, data, size);

	type = wg_message_type_of(copy, size);
	FUZZ_ASSERT(type == reference_type(copy, size),
		    "classified as %d, reference %d", type,
		    reference_type(copy, size));

	reset_world();
	switch (type) {
	case MESSAGE_HANDSHAKE_INITIATION:
		fuzz_initiation(copy);
		break;
	case MESSAGE_HANDSHAKE_RESPONSE:
		fuzz_response(copy);
		break;
	case MESSAGE_HANDSHAKE_COOKIE:
		fuzz_cookie(copy);
		break;
	case MESSAGE_DATA:
		fuzz_data(copy, size);
		break;
	default:
		break;
	}
	if (!(++inputs % WG_FUZZ_HEALTH_EVERY))
		health_check();
	after_input();
	fuzz_random_system();
	free(copy);
	return 0;
}

/*
 * Plays the handshake of the fixed state to the end, recording R's
 * response, a cookie reply and I's resulting keys. Aborts if the genuine
 * messages do not work: then the harness itself is broken.
 */
static void make_genuine(void)
{
	struct wg_noise_handshake *hs;
	struct wg_peer *peer = NULL;

	reset_world();
	hs = wg_noise_handshake_consume_initiation(&g_init, &res.identity,
						   res.pubkeys);
	FUZZ_ASSERT(hs == &res.handshake, "genuine initiation refused");
	peer_put(hs->peer);
	FUZZ_ASSERT(wg_cookie_message_create(&g_cookie, &g_init, sizeof(g_init),
					     g_init.sender_index, &res.checker,
					     ini_addr, 4, ini_port));
	FUZZ_ASSERT(finish_handshake(&g_resp), "genuine response refused");
	memcpy(g_ini_send, ini.keypairs.current_keypair->sending.key, 32);
	memcpy(g_ini_recv, ini.keypairs.current_keypair->receiving.key, 32);
	/* The cookie reply works in the fixed state too. */
	after_input();
	reset_world();
	FUZZ_ASSERT(wg_index_hashtable_lookup(ini.indices, WG_INDEX_HANDSHAKE,
					      g_cookie.receiver_index, &peer));
	peer_put(peer);
	FUZZ_ASSERT(wg_cookie_message_consume(&g_cookie, &ini.cookie),
		    "genuine cookie reply refused");
	after_input();
	fuzz_random_system();
}

static void gen_seeds(const char *dir)
{
	u8 buf[256];

	fuzz_write_seed(dir, "initiation", &g_init, sizeof(g_init));
	fuzz_write_seed(dir, "response", &g_resp, sizeof(g_resp));
	fuzz_write_seed(dir, "cookie", &g_cookie, sizeof(g_cookie));
	/* A keepalive to I's index, and a data message of 64 bytes. */
	memset(buf, 0, sizeof(buf));
	buf[0] = MESSAGE_DATA;
	memcpy(buf + 4, &g_init.sender_index, 4);
	fuzz_write_seed(dir, "keepalive", buf, message_data_len(0));
	buf[8] = 1;
	fuzz_write_seed(dir, "data", buf, message_data_len(64));
	/* Near misses of the classifier. */
	memcpy(buf, &g_init, sizeof(g_init));
	buf[3] = 1;
	fuzz_write_seed(dir, "initiation-reserved", buf, sizeof(g_init));
	memcpy(buf, &g_resp, sizeof(g_resp));
	fuzz_write_seed(dir, "response-long", buf, sizeof(g_resp) + 1);
	fuzz_write_seed(dir, "short", buf, 3);
}

static void at_exit(void)
{
	const char *require = getenv("WG_FUZZ_REQUIRE_DEEP");

	health_check();
	after_input();
	fprintf(stderr,
		"fuzz_messages: %lu inputs; deep paths: %lu initiations, %lu responses, %lu cookie replies accepted, %lu full handshakes, %lu health checks\n",
		inputs, deep.init_accepted, deep.resp_accepted,
		deep.cookie_accepted, deep.full_handshakes,
		deep.health_checks);
	/*
	 * The seeds alone reach every accepting path: if a run did not, the
	 * seeds or the fixed state went stale and the fuzzer is shallow.
	 */
	if (require && *require == '1' &&
	    (!deep.init_accepted || !deep.resp_accepted ||
	     !deep.cookie_accepted)) {
		fprintf(stderr, "fuzz_messages: deep paths not reached\n");
		_exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("WG_FUZZ_GEN_SEEDS");

	wg_noise_init();
	side_init(&ini, "initiator", ini_private);
	side_init(&res, "responder", res_private);
	memcpy(ini.remote_public, res.identity.static_public, 32);
	memcpy(res.remote_public, ini.identity.static_public, 32);
	make_genuine();
	if (dir) {
		gen_seeds(dir);
		exit(0);
	}
	atexit(at_exit);
	return 0;
}
