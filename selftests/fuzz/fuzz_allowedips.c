// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_allowedips: src/allowedips.c against a naive reference.
 *
 * The input is a program of table operations: inserts, removals (exact
 * prefix, by owner), lookups, dump walks with a cursor that is kept across
 * other operations, and armed allocation failures (through the counting
 * allocator of the unit tests, selftests/unit/allowedips/ut_alloc.c). Keys
 * are mostly derived from prefixes already in the table, with a bit flipped
 * or host bits filled in, so that inputs hit the interesting overlaps.
 *
 * The reference is a plain array of (family, masked key, cidr, owner) with
 * a linear longest-prefix match. After every operation the return value,
 * the owners' counts and the lookup results must agree; the trie's own
 * invariant checker runs regularly, and at the end of an input every owner
 * is walked, everything is freed and no memory may be left.
 *
 * Rules checked, from allowedips.h: insert replaces the owner of an
 * existing prefix; remove only removes an exact prefix of that owner; host
 * bits are ignored; -EINVAL exactly for an over-long cidr; -ENOMEM only
 * when an allocation failed, and then nothing changed; a walk lists IPv4
 * then IPv6, each in the order the prefixes joined the owner, and a walk
 * interleaved with changes returns every prefix that stayed with the owner
 * throughout exactly once.
 */
#include "allowedips.h"

#include "fuzz_common.h"

#define NOWN 8

static struct wg_allowedips table;
static struct mutex lock;
static struct wg_allowedips_peer own[NOWN];

struct ref_entry {
	u8 fam;		/* 0: IPv4, 1: IPv6 */
	u8 cidr;
	u8 owner;
	u8 key[16];	/* host bits zero */
	u64 stamp;	/* when it joined its current owner */
	u32 hits;	/* returned by the current walk */
};

static struct ref_entry *ref;
static size_t nref, ref_cap;
static u64 stamp_clock;

/* The dump walk in progress, if any. */
static struct {
	bool active;
	u8 owner;
	u64 start;
	struct wg_allowedips_cursor cursor;
} walk;

static unsigned int fam_bits(unsigned int fam)
{
	return fam ? 128 : 32;
}

static unsigned int fam_len(unsigned int fam)
{
	return fam ? 16 : 4;
}

static int fam_af(unsigned int fam)
{
	return fam ? AF_INET6 : AF_INET;
}

static void mask(u8 *key, unsigned int cidr, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; ++i) {
		if (cidr >= 8 * (i + 1))
			continue;
		if (cidr <= 8 * i)
			key[i] = 0;
		else
			key[i] &= (u8)(0xff00 >> (cidr - 8 * i));
	}
}

static bool key_bit(const u8 *key, unsigned int bit)
{
	return key[bit / 8] & (0x80 >> (bit % 8));
}

static bool prefix_matches(const struct ref_entry *e, const u8 *addr)
{
	unsigned int i;

	for (i = 0; i < e->cidr; ++i)
		if (key_bit(e->key, i) != key_bit(addr, i))
			return false;
	return true;
}

static struct ref_entry *ref_find(unsigned int fam, const u8 *key,
				  unsigned int cidr)
{
	size_t i;

	for (i = 0; i < nref; ++i)
		if (ref[i].fam == fam && ref[i].cidr == cidr &&
		    !memcmp(ref[i].key, key, fam_len(fam)))
			return &ref[i];
	return NULL;
}

static struct wg_allowedips_peer *ref_lookup(unsigned int fam,
					     const u8 *addr)
{
	const struct ref_entry *best = NULL;
	size_t i;

	for (i = 0; i < nref; ++i)
		if (ref[i].fam == fam && prefix_matches(&ref[i], addr) &&
		    (!best || ref[i].cidr > best->cidr))
			best = &ref[i];
	return best ? &own[best->owner] : NULL;
}

static void ref_remove(struct ref_entry *e)
{
	*e = ref[--nref];
}

static void check_lookup(unsigned int fam, const u8 *addr)
{
	struct wg_allowedips_peer *want = ref_lookup(fam, addr);
	struct wg_allowedips_peer *dst, *src;

	dst = wg_allowedips_lookup_dst(&table, fam_af(fam), addr);
	src = wg_allowedips_lookup_src(&table, fam_af(fam), addr);
	FUZZ_ASSERT(dst == want && src == want,
		    "IPv%d lookup: owner %td/%td, reference %td",
		    fam ? 6 : 4, dst ? dst - own : -1, src ? src - own : -1,
		    want ? want - own : -1);
}

static void check_counts(void)
{
	size_t want[NOWN] = { 0 }, i;

	for (i = 0; i < nref; ++i)
		++want[ref[i].owner];
	for (i = 0; i < NOWN; ++i)
		FUZZ_ASSERT(wg_allowedips_peer_count(&own[i]) == want[i],
			    "owner %zu has %zu prefixes, reference %zu", i,
			    wg_allowedips_peer_count(&own[i]), want[i]);
}

static void check_structure(void)
{
	size_t n = ~(size_t)0;

	FUZZ_ASSERT(wg_allowedips_verify(&table, &n, &lock),
		    "trie invariant broken (see the message above)");
	FUZZ_ASSERT(n == nref, "trie holds %zu prefixes, reference %zu", n,
		    nref);
}

/* One step of the interleaved walk; ends it when the owner is done. */
static bool walk_step(void)
{
	struct ref_entry *e;
	u8 ip[16], cidr = 0xff;
	int family = -1;
	size_t i;

	if (!wg_allowedips_peer_next(&own[walk.owner], &walk.cursor, ip,
				     &cidr, &family)) {
		/* Everything that stayed with the owner came out once. */
		for (i = 0; i < nref; ++i)
			if (ref[i].owner == walk.owner &&
			    ref[i].stamp < walk.start)
				FUZZ_ASSERT(ref[i].hits == 1,
					    "walk of owner %u returned a prefix that stayed %u times",
					    walk.owner, ref[i].hits);
		walk.active = false;
		return false;
	}
	FUZZ_ASSERT(family == AF_INET || family == AF_INET6,
		    "walk: family %d", family);
	e = ref_find(family == AF_INET6, ip, cidr);
	FUZZ_ASSERT(e && e->owner == walk.owner,
		    "walk of owner %u returned a prefix it does not own (/%u)",
		    walk.owner, cidr);
	++e->hits;
	return true;
}

static void walk_begin(u8 owner)
{
	size_t i;

	walk.active = true;
	walk.owner = owner;
	walk.start = stamp_clock;
	wg_allowedips_cursor_init(&walk.cursor);
	for (i = 0; i < nref; ++i)
		ref[i].hits = 0;
}

/* A full walk with nothing changing in between: exactly the reference. */
static void check_full_walk(u8 owner)
{
	struct wg_allowedips_cursor c;
	const struct ref_entry *prev = NULL, *e;
	size_t seen = 0, want = 0, i;
	u8 ip[16], cidr;
	int family;

	for (i = 0; i < nref; ++i)
		want += ref[i].owner == owner;
	wg_allowedips_cursor_init(&c);
	while (wg_allowedips_peer_next(&own[owner], &c, ip, &cidr, &family)) {
		e = ref_find(family == AF_INET6, ip, cidr);
		FUZZ_ASSERT(e && e->owner == owner,
			    "full walk of owner %u: prefix not its own", owner);
		FUZZ_ASSERT(!prev || prev->fam < e->fam ||
			    (prev->fam == e->fam && prev->stamp < e->stamp),
			    "full walk of owner %u: out of order", owner);
		prev = e;
		FUZZ_ASSERT(++seen <= want, "full walk of owner %u: too long",
			    owner);
	}
	FUZZ_ASSERT(seen == want, "full walk of owner %u: %zu of %zu prefixes",
		    owner, seen, want);
}

/* A key near an existing prefix (or from the input if there is none). */
static unsigned int pick_near(struct fuzz_reader *in, u8 *key,
			      unsigned int *fam)
{
	u8 sel = fuzz_u8(in), flip = fuzz_u8(in);
	const struct ref_entry *e;

	memset(key, 0, 16);
	if (!nref) {
		*fam = sel & 1;
		key[0] = flip;
		return 0;
	}
	e = &ref[sel % nref];
	*fam = e->fam;
	memcpy(key, e->key, 16);
	/* Bit 7 of @flip: leave the key alone; else flip one bit of it. */
	if (!(flip & 0x80)) {
		unsigned int bit = (flip * 7u) % fam_bits(e->fam);

		key[bit / 8] ^= 0x80 >> (bit % 8);
	}
	return e->cidr;
}

enum aip_op {
	OP_INSERT4,		/* key[4] cidr owner */
	OP_INSERT6,		/* key[16] cidr owner */
	OP_INSERT_NEAR,		/* sel flip cidr owner */
	OP_INSERT_NEAR2,	/* the same: most prefixes should overlap */
	OP_REMOVE_NEAR,		/* sel flip cidr owner junk */
	OP_REMOVE_RAW,		/* fam key[16] cidr owner */
	OP_REMOVE_BY_PEER,	/* owner */
	OP_LOOKUP_NEAR,		/* sel flip junk[16] */
	OP_LOOKUP_RAW,		/* fam key[16] */
	OP_WALK,		/* owner steps */
	OP_FAIL_ALLOC,		/* countdown */
	OP_COUNT
};

static void do_insert(unsigned int fam, const u8 *key, u8 cidr, u8 owner)
{
	unsigned long failures = wg_ut_alloc.failures;
	struct ref_entry *e;
	u64 seq = table.seq;
	u8 masked[16];
	int ret;

	mutex_lock(&lock);
	if (fam)
		ret = wg_allowedips_insert_v6(&table, (const void *)key, cidr,
					      &own[owner], &lock);
	else
		ret = wg_allowedips_insert_v4(&table, (const void *)key, cidr,
					      &own[owner], &lock);
	mutex_unlock(&lock);

	if (cidr > fam_bits(fam)) {
		FUZZ_ASSERT(ret == -EINVAL, "insert /%u: %d, not -EINVAL",
			    cidr, ret);
		return;
	}
	if (ret == -ENOMEM) {
		FUZZ_ASSERT(wg_ut_alloc.failures != failures,
			    "insert: -ENOMEM without a failed allocation");
		return;
	}
	FUZZ_ASSERT(ret == 0, "insert /%u: %d", cidr, ret);

	memcpy(masked, key, 16);
	mask(masked, cidr, fam_len(fam));
	e = ref_find(fam, masked, cidr);
	if (e && e->owner == owner)
		return;
	if (!e) {
		FUZZ_ASSERT(nref < ref_cap, "reference full");
		e = &ref[nref++];
		memset(e, 0, sizeof(*e));
		e->fam = fam;
		e->cidr = cidr;
		memcpy(e->key, masked, 16);
	}
	e->owner = owner;
	e->stamp = stamp_clock++;
	e->hits = 0;
	FUZZ_ASSERT(table.seq > seq, "insert changed the table, seq did not move");
}

static void do_remove(unsigned int fam, const u8 *key, u8 cidr, u8 owner)
{
	struct ref_entry *e;
	u64 seq = table.seq;
	u8 masked[16];
	int ret;

	mutex_lock(&lock);
	if (fam)
		ret = wg_allowedips_remove_v6(&table, (const void *)key, cidr,
					      &own[owner], &lock);
	else
		ret = wg_allowedips_remove_v4(&table, (const void *)key, cidr,
					      &own[owner], &lock);
	mutex_unlock(&lock);

	if (cidr > fam_bits(fam)) {
		FUZZ_ASSERT(ret == -EINVAL, "remove /%u: %d, not -EINVAL",
			    cidr, ret);
		return;
	}
	FUZZ_ASSERT(ret == 0, "remove /%u: %d", cidr, ret);
	memcpy(masked, key, 16);
	mask(masked, cidr, fam_len(fam));
	e = ref_find(fam, masked, cidr);
	if (e && e->owner == owner) {
		ref_remove(e);
		FUZZ_ASSERT(table.seq > seq,
			    "remove changed the table, seq did not move");
	}
}

static void do_remove_by_peer(u8 owner)
{
	size_t i;

	mutex_lock(&lock);
	wg_allowedips_remove_by_peer(&table, &own[owner], &lock);
	mutex_unlock(&lock);
	for (i = 0; i < nref;) {
		if (ref[i].owner == owner)
			ref_remove(&ref[i]);
		else
			++i;
	}
	FUZZ_ASSERT(wg_allowedips_peer_count(&own[owner]) == 0 &&
		    list_empty(&own[owner].list[0]) &&
		    list_empty(&own[owner].list[1]),
		    "owner %u not empty after remove_by_peer", owner);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader in = { data, size };
	unsigned int fam, i, steps, ops = 0;
	u8 key[16], junk[16], cidr, owner, op, sel;
	size_t n;

	/* Every insert reads at least two bytes. */
	ref_cap = size / 2 + 1;
	ref = calloc(ref_cap, sizeof(*ref));
	FUZZ_ASSERT(ref);
	nref = 0;
	stamp_clock = 0;
	walk.active = false;
	mutex_init(&lock);
	wg_allowedips_init(&table);
	for (i = 0; i < NOWN; ++i)
		wg_allowedips_peer_init(&own[i]);
	wg_ut_alloc.fail_countdown = 0;

	while (in.left) {
		op = fuzz_u8(&in);
		switch (op % OP_COUNT) {
		case OP_INSERT4:
		case OP_INSERT6:
			fam = op % OP_COUNT == OP_INSERT6;
			memset(key, 0, 16);
			fuzz_bytes(&in, key, fam_len(fam));
			cidr = fuzz_u8(&in) % (fam_bits(fam) + 4);
			owner = fuzz_u8(&in) % NOWN;
			do_insert(fam, key, cidr, owner);
			break;
		case OP_INSERT_NEAR:
		case OP_INSERT_NEAR2:
			pick_near(&in, key, &fam);
			cidr = fuzz_u8(&in) % (fam_bits(fam) + 2);
			owner = fuzz_u8(&in) % NOWN;
			do_insert(fam, key, cidr, owner);
			break;
		case OP_REMOVE_NEAR:
			cidr = pick_near(&in, key, &fam);
			sel = fuzz_u8(&in);
			/* Mostly the prefix itself; bit 7: another length. */
			if (sel & 0x80)
				cidr = sel % (fam_bits(fam) + 3);
			sel = fuzz_u8(&in);
			owner = sel % NOWN;
			/* Mostly its owner: removals must match it. */
			if (sel < 0xc0 && cidr <= fam_bits(fam)) {
				const struct ref_entry *e;

				memcpy(junk, key, 16);
				mask(junk, cidr, fam_len(fam));
				e = ref_find(fam, junk, cidr);
				if (e)
					owner = e->owner;
			}
			/* Host bits are to be ignored. */
			sel = fuzz_u8(&in);
			for (i = cidr; i < fam_bits(fam) && sel; ++i)
				if ((sel = (u8)(sel * 5 + 1)) & 1)
					key[i / 8] |= 0x80 >> (i % 8);
			do_remove(fam, key, cidr, owner);
			break;
		case OP_REMOVE_RAW:
			fam = fuzz_u8(&in) & 1;
			memset(key, 0, 16);
			fuzz_bytes(&in, key, fam_len(fam));
			cidr = fuzz_u8(&in) % (fam_bits(fam) + 4);
			owner = fuzz_u8(&in) % NOWN;
			do_remove(fam, key, cidr, owner);
			break;
		case OP_REMOVE_BY_PEER:
			do_remove_by_peer(fuzz_u8(&in) % NOWN);
			break;
		case OP_LOOKUP_NEAR:
			cidr = pick_near(&in, key, &fam);
			/* Random host bits below the prefix. */
			fuzz_bytes(&in, junk, 8);
			for (i = cidr; i < fam_bits(fam); ++i)
				if (key_bit(junk, i % 64))
					key[i / 8] ^= 0x80 >> (i % 8);
			check_lookup(fam, key);
			break;
		case OP_LOOKUP_RAW:
			sel = fuzz_u8(&in);
			fam = sel & 1;
			memset(key, 0, 16);
			fuzz_bytes(&in, key, fam_len(fam));
			if (sel & 0x80) {
				/* Neither family: nothing is found. */
				FUZZ_ASSERT(!wg_allowedips_lookup_dst(&table,
								      AF_UNSPEC,
								      key),
					    "AF_UNSPEC lookup found an owner");
				break;
			}
			check_lookup(fam, key);
			break;
		case OP_WALK:
			owner = fuzz_u8(&in) % NOWN;
			if (!walk.active)
				walk_begin(owner);
			steps = 1 + fuzz_u8(&in) % 4;
			while (steps-- && walk_step())
				;
			break;
		default:
			wg_ut_alloc.fail_countdown = 1 + fuzz_u8(&in) % 4;
			break;
		}
		check_counts();
		/* The verifier is linear: run it often while it is cheap. */
		if (nref < 64 || !(++ops % 16))
			check_structure();
	}

	wg_ut_alloc.fail_countdown = 0;
	check_structure();
	while (walk.active && walk_step())
		;
	for (i = 0; i < NOWN; ++i)
		check_full_walk(i);
	for (n = 0; n < nref; ++n)
		check_lookup(ref[n].fam, ref[n].key);

	mutex_lock(&lock);
	wg_allowedips_free(&table, &lock);
	mutex_unlock(&lock);
	nref = 0;
	check_structure();
	check_counts();
	FUZZ_ASSERT(wg_ut_alloc.live_objects == 0,
		    "%ld objects still allocated after free",
		    wg_ut_alloc.live_objects);
	free(ref);
	ref = NULL;
	return 0;
}

/* Seeds: small programs in the format above. */
static void gen_seeds(const char *dir)
{
	static const u8 nested4[] = {
		OP_INSERT4, 10, 0, 0, 0, 8, 0,
		OP_INSERT4, 10, 1, 0, 0, 16, 1,
		OP_INSERT4, 10, 1, 2, 0, 24, 2,
		OP_INSERT4, 10, 1, 2, 3, 32, 3,
		OP_INSERT4, 0, 0, 0, 0, 0, 4,
		OP_LOOKUP_RAW, 0, 10, 1, 2, 3,
		OP_LOOKUP_RAW, 0, 10, 1, 2, 4,
		OP_LOOKUP_RAW, 0, 10, 1, 3, 4,
		OP_LOOKUP_RAW, 0, 10, 2, 3, 4,
		OP_LOOKUP_RAW, 0, 11, 2, 3, 4,
		OP_REMOVE_NEAR, 1, 0x80, 0, 0, 0,
		OP_LOOKUP_NEAR, 2, 0x80, 1, 2, 3, 4, 5, 6, 7, 8,
		OP_REMOVE_BY_PEER, 3,
		OP_LOOKUP_RAW, 0, 10, 1, 2, 3,
	};
	static const u8 nested6[] = {
		OP_INSERT6, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 32, 0,
		OP_INSERT6, 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 48, 1,
		OP_INSERT6, 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 1, 128, 2,
		OP_INSERT_NEAR, 1, 0x05, 64, 3,
		OP_INSERT_NEAR, 2, 0x13, 127, 4,
		OP_LOOKUP_NEAR, 0, 0x80, 9, 9, 9, 9, 9, 9, 9, 9,
		OP_LOOKUP_NEAR, 1, 0x80, 9, 9, 9, 9, 9, 9, 9, 9,
		OP_LOOKUP_NEAR, 2, 0x80, 0, 0, 0, 0, 0, 0, 0, 0,
		OP_REMOVE_NEAR, 2, 0x80, 0, 0, 0x55,
		OP_LOOKUP_NEAR, 0, 0x80, 1, 1, 1, 1, 1, 1, 1, 1,
	};
	static const u8 walk_interleaved[] = {
		OP_INSERT4, 192, 168, 0, 0, 16, 1,
		OP_INSERT4, 192, 168, 1, 0, 24, 1,
		OP_INSERT4, 172, 16, 0, 0, 12, 1,
		OP_INSERT_NEAR, 0, 0x10, 20, 1,
		OP_INSERT_NEAR, 1, 0x20, 28, 1,
		OP_INSERT6, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 8, 1,
		OP_WALK, 1, 1,
		OP_INSERT4, 10, 0, 0, 0, 8, 1,
		OP_REMOVE_NEAR, 1, 0x80, 0, 0, 0,
		OP_WALK, 1, 0,
		OP_INSERT_NEAR, 2, 0x80, 24, 2,
		OP_WALK, 1, 3,
		OP_WALK, 1, 3,
		OP_WALK, 1, 3,
	};
	static const u8 alloc_failures[] = {
		OP_INSERT4, 10, 0, 0, 0, 8, 0,
		OP_FAIL_ALLOC, 0,
		OP_INSERT4, 10, 1, 0, 0, 16, 1,
		OP_INSERT4, 10, 1, 0, 0, 16, 1,
		OP_FAIL_ALLOC, 1,
		OP_INSERT_NEAR, 1, 0x03, 24, 2,
		OP_INSERT_NEAR, 1, 0x04, 24, 2,
		OP_INSERT_NEAR, 1, 0x05, 24, 2,
		OP_FAIL_ALLOC, 0,
		OP_REMOVE_NEAR, 0, 0x80, 0, 0, 0,
		OP_INSERT_NEAR, 1, 0x80, 12, 3,
		OP_LOOKUP_NEAR, 1, 0x80, 7, 7, 7, 7, 7, 7, 7, 7,
	};
	u8 many[1200];
	size_t n = 0;
	int i;

	fuzz_write_seed(dir, "nested4", nested4, sizeof(nested4));
	fuzz_write_seed(dir, "nested6", nested6, sizeof(nested6));
	fuzz_write_seed(dir, "walk-interleaved", walk_interleaved,
			sizeof(walk_interleaved));
	fuzz_write_seed(dir, "alloc-failures", alloc_failures,
			sizeof(alloc_failures));
	/* Enough prefixes for several levels of nodes, then lookups. */
	for (i = 0; i < 150; ++i) {
		many[n++] = OP_INSERT_NEAR;
		many[n++] = (u8)(i * 37);
		many[n++] = (u8)(i * 11);
		many[n++] = (u8)(i * 13 + 8);
		many[n++] = (u8)i;
	}
	for (i = 0; i < 40; ++i) {
		many[n++] = OP_LOOKUP_NEAR;
		many[n++] = (u8)(i * 3);
		many[n++] = 0x80;
		memset(many + n, i * 29, 8);
		n += 8;
	}
	fuzz_write_seed(dir, "many", many, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("WG_FUZZ_GEN_SEEDS");

	if (dir) {
		gen_seeds(dir);
		exit(0);
	}
	if (wg_allowedips_slab_init()) {
		fprintf(stderr, "wg_allowedips_slab_init failed\n");
		abort();
	}
	return 0;
}
