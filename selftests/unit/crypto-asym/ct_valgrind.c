// SPDX-License-Identifier: GPL-2.0
/*
 * Constant-time check, run under valgrind's memcheck: the secret inputs are
 * marked "undefined", so that memcheck reports any conditional branch or
 * memory address computed from them (the ctgrind technique). Results are
 * marked defined again before the harness itself looks at them.
 *
 * With --control, the program branches on a secret on purpose, and with
 * --control-index it loads from a table at a secret index (what a naive
 * fixed-base lookup would do): either run must then fail, which shows the
 * harness can see both kinds of leak.
 */
#include <valgrind/memcheck.h>

#include "blake2s.h"
#include "curve25519.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/*
 * A table lookup indexed by a secret, as wgc_curve25519_generate_public()
 * must not do: memcheck flags the undefined address.
 */
static int control_index(void)
{
	static u64 table[16];
	u8 sk[32];
	u64 v;

	get_random_bytes(table, sizeof(table));
	get_random_bytes(sk, sizeof(sk));
	SECRET(sk, sizeof(sk));
	v = table[sk[0] & 15];
	PUBLIC(&v, sizeof(v));
	return (int)v;
}

static int control(void)
{
	u8 sk[32];

	get_random_bytes(sk, sizeof(sk));
	SECRET(sk, sizeof(sk));
	/* A call cannot be if-converted: this is a real secret branch. */
	if (sk[0] & 1)
		printf("# odd\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const u8 low_order[32] = { 1 };
	static const u8 edge[] = { 0xff, 0x88, 0x80, 0x08, 0x77, 0xf0 };
	u8 sk[32], pk[32], out[32], key[32], msg[1420];
	struct wgc_blake2s_state st;
	bool ret;
	int i;

	if (argc > 1 && !strcmp(argv[1], "--control"))
		return control();
	if (argc > 1 && !strcmp(argv[1], "--control-index"))
		return control_index();

	for (i = 0; i < 4; i++) {
		get_random_bytes(sk, sizeof(sk));
		get_random_bytes(pk, sizeof(pk));

		/* Both the scalar and the peer's point are treated as secret. */
		SECRET(sk, sizeof(sk));
		SECRET(pk, sizeof(pk));
		ret = wgc_curve25519(out, sk, pk);
		PUBLIC(&ret, sizeof(ret));
		PUBLIC(out, sizeof(out));

		ret = wgc_curve25519_generate_public(out, sk);
		PUBLIC(&ret, sizeof(ret));
		PUBLIC(out, sizeof(out));

		/* The rejection path takes the same instructions. */
		ret = wgc_curve25519(out, sk, low_order);
		PUBLIC(&ret, sizeof(ret));
		PUBLIC(out, sizeof(out));
		if (ret)
			return 1;

		memcpy(out, sk, sizeof(out));
		wgc_curve25519_clamp_secret(out);
		PUBLIC(out, sizeof(out));
	}

	/*
	 * The fixed base: secrets whose digits sit at the window's edges (so
	 * the lookups take the negation, the neutral element and j = 8), and
	 * with the bits clamping clears or sets flipped, all undefined.
	 */
	for (i = 0; i < (int)sizeof(edge); i++) {
		memset(sk, edge[i], sizeof(sk));
		sk[0] |= (u8)(i & 7);
		SECRET(sk, sizeof(sk));
		ret = wgc_curve25519_generate_public(out, sk);
		PUBLIC(&ret, sizeof(ret));
		PUBLIC(out, sizeof(out));
		if (!ret)
			return 1;
	}

	/* Even the "no key" case of generate_public must not branch. */
	memset(sk, 0, sizeof(sk));
	SECRET(sk, sizeof(sk));
	ret = wgc_curve25519_generate_public(out, sk);
	PUBLIC(&ret, sizeof(ret));
	PUBLIC(out, sizeof(out));
	if (ret)
		return 1;

	/* BLAKE2s: key and message contents secret, lengths public. */
	get_random_bytes(key, sizeof(key));
	get_random_bytes(msg, sizeof(msg));
	SECRET(key, sizeof(key));
	SECRET(msg, sizeof(msg));
	for (i = 0; i <= 200; i += 13) {
		wgc_blake2s(out, msg, NULL, 32, (size_t)i * 7, 0);
		wgc_blake2s(out, msg, key, 16, (size_t)i * 7, 32);
		wgc_blake2s_hmac(out, msg, key, (size_t)i * 7, 32);
		wgc_blake2s_hmac(out, msg, msg, 32, 65 + (size_t)i);
	}
	wgc_blake2s_init_key(&st, 32, key, 32);
	for (i = 0; i < 1420; i += 71)
		wgc_blake2s_update(&st, msg + i, 71);
	wgc_blake2s_final(&st, out);
	PUBLIC(out, sizeof(out));
	printf("# constant-time harness done\n");
	return 0;
}
