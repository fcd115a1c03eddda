// SPDX-License-Identifier: GPL-2.0
/*
 * Generates crypto/curve25519-base.c, the fixed-base table of
 * wgc_curve25519_generate_public(), on stdout:
 *
 *   table[i][j - 1] = j * 256^i * B    for i = 0..31, j = 1..8
 *
 * where B is the base point of the twisted Edwards curve
 * -x^2 + y^2 = 1 + d x^2 y^2 (d = -121665/121666) birationally equivalent
 * to Curve25519: y = 4/5, which the map u = (1 + y) / (1 - y) sends to
 * X25519's u = 9, and x the even square root. Each point is stored as
 * (y + x, y - x, 2 d x y) mod p, every value as five canonical 51-bit
 * limbs (radix 2^51, as crypto/curve25519.c's field elements).
 *
 * On purpose this shares no code with crypto/curve25519.c: the arithmetic
 * is OpenSSL's BIGNUM, in affine coordinates with a modular inverse per
 * addition, slow and obviously right. "make check" regenerates the table
 * and compares it with the committed one; "make base-table" rewrites it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/bn.h>

#define ROWS 32
#define COLS 8

static BN_CTX *ctx;
static BIGNUM *p, *d;

struct point {
	BIGNUM *x, *y;
};

static void die(const char *what)
{
	fprintf(stderr, "gen_base_table: %s failed\n", what);
	exit(1);
}

static void point_init(struct point *r)
{
	r->x = BN_new();
	r->y = BN_new();
	if (!r->x || !r->y)
		die("BN_new");
}

static void point_copy(struct point *r, const struct point *a)
{
	if (!BN_copy(r->x, a->x) || !BN_copy(r->y, a->y))
		die("BN_copy");
}

/*
 * The complete affine addition law of the a = -1 twisted Edwards curve:
 *   x3 = (x1 y2 + y1 x2) / (1 + d x1 x2 y1 y2)
 *   y3 = (y1 y2 + x1 x2) / (1 - d x1 x2 y1 y2)
 * (d is not a square, so the denominators never vanish; doubling is the
 * same law with both inputs equal.) r may alias a or b.
 */
static void point_add(struct point *r, const struct point *a,
		      const struct point *b)
{
	BIGNUM *x1y2 = BN_new(), *y1x2 = BN_new(), *y1y2 = BN_new();
	BIGNUM *x1x2 = BN_new(), *t = BN_new(), *num = BN_new();
	BIGNUM *den = BN_new(), *one = BN_new();
	int ok = 1;

	ok &= BN_one(one);
	ok &= BN_mod_mul(x1y2, a->x, b->y, p, ctx);
	ok &= BN_mod_mul(y1x2, a->y, b->x, p, ctx);
	ok &= BN_mod_mul(y1y2, a->y, b->y, p, ctx);
	ok &= BN_mod_mul(x1x2, a->x, b->x, p, ctx);
	/* t = d x1 x2 y1 y2 */
	ok &= BN_mod_mul(t, x1x2, y1y2, p, ctx);
	ok &= BN_mod_mul(t, t, d, p, ctx);

	ok &= BN_mod_add(num, x1y2, y1x2, p, ctx);
	ok &= BN_mod_add(den, one, t, p, ctx);
	ok &= !!BN_mod_inverse(den, den, p, ctx);
	ok &= BN_mod_mul(r->x, num, den, p, ctx);

	ok &= BN_mod_add(num, y1y2, x1x2, p, ctx);
	ok &= BN_mod_sub(den, one, t, p, ctx);
	ok &= !!BN_mod_inverse(den, den, p, ctx);
	ok &= BN_mod_mul(r->y, num, den, p, ctx);
	if (!ok)
		die("point_add");

	BN_free(x1y2);
	BN_free(y1x2);
	BN_free(y1y2);
	BN_free(x1x2);
	BN_free(t);
	BN_free(num);
	BN_free(den);
	BN_free(one);
}

/* -x^2 + y^2 == 1 + d x^2 y^2 (mod p), as a guard on the arithmetic. */
static int on_curve(const struct point *a)
{
	BIGNUM *x2 = BN_new(), *y2 = BN_new(), *l = BN_new(), *r = BN_new();
	int ok = 1, on;

	ok &= BN_mod_sqr(x2, a->x, p, ctx);
	ok &= BN_mod_sqr(y2, a->y, p, ctx);
	ok &= BN_mod_sub(l, y2, x2, p, ctx);
	ok &= BN_mod_mul(r, x2, y2, p, ctx);
	ok &= BN_mod_mul(r, r, d, p, ctx);
	ok &= BN_add_word(r, 1);
	ok &= BN_nnmod(r, r, p, ctx);
	if (!ok)
		die("on_curve");
	on = !BN_cmp(l, r);
	BN_free(x2);
	BN_free(y2);
	BN_free(l);
	BN_free(r);
	return on;
}

/* Prints v (reduced mod p) as five 51-bit limbs, over two lines. */
static void print_fe(const BIGNUM *v, const char *indent)
{
	unsigned char le[32];
	unsigned long long w[4], limb[5];
	int i, k;

	if (BN_bn2lebinpad(v, le, sizeof(le)) != sizeof(le))
		die("BN_bn2lebinpad");
	for (i = 0; i < 4; i++) {
		w[i] = 0;
		for (k = 7; k >= 0; k--)
			w[i] = (w[i] << 8) | le[8 * i + k];
	}
	limb[0] = w[0] & ((1ULL << 51) - 1);
	limb[1] = ((w[0] >> 51) | (w[1] << 13)) & ((1ULL << 51) - 1);
	limb[2] = ((w[1] >> 38) | (w[2] << 26)) & ((1ULL << 51) - 1);
	limb[3] = ((w[2] >> 25) | (w[3] << 39)) & ((1ULL << 51) - 1);
	limb[4] = (w[3] >> 12) & ((1ULL << 51) - 1);
	printf("%s{ 0x%013llx, 0x%013llx, 0x%013llx,\n", indent, limb[0],
	       limb[1], limb[2]);
	printf("%s  0x%013llx, 0x%013llx },\n", indent, limb[3], limb[4]);
}

static void print_niels(const struct point *a)
{
	BIGNUM *t = BN_new();

	printf("\t\t{\n");
	if (!BN_mod_add(t, a->y, a->x, p, ctx))
		die("BN_mod_add");
	print_fe(t, "\t\t\t");
	if (!BN_mod_sub(t, a->y, a->x, p, ctx))
		die("BN_mod_sub");
	print_fe(t, "\t\t\t");
	if (!BN_mod_mul(t, a->x, a->y, p, ctx) ||
	    !BN_mod_mul(t, t, d, p, ctx) || !BN_mod_add(t, t, t, p, ctx))
		die("BN_mod_mul");
	print_fe(t, "\t\t\t");
	printf("\t\t},\n");
	BN_free(t);
}

int main(void)
{
	struct point base, row, acc;
	BIGNUM *t = BN_new(), *u = BN_new();
	int i, j, ok = 1;

	ctx = BN_CTX_new();
	p = BN_new();
	d = BN_new();
	if (!ctx || !p || !d || !t || !u)
		die("BN_new");
	point_init(&base);
	point_init(&row);
	point_init(&acc);

	/* p = 2^255 - 19 */
	ok &= BN_set_bit(p, 255);
	ok &= BN_sub_word(p, 19);
	/* d = -121665 / 121666 */
	ok &= BN_set_word(t, 121666);
	ok &= !!BN_mod_inverse(t, t, p, ctx);
	ok &= BN_set_word(d, 121665);
	ok &= BN_mod_mul(d, d, t, p, ctx);
	ok &= BN_mod_sub(d, p, d, p, ctx);
	/* y = 4/5 */
	ok &= BN_set_word(t, 5);
	ok &= !!BN_mod_inverse(t, t, p, ctx);
	ok &= BN_set_word(base.y, 4);
	ok &= BN_mod_mul(base.y, base.y, t, p, ctx);
	/* x^2 = (y^2 - 1) / (d y^2 + 1) */
	ok &= BN_mod_sqr(u, base.y, p, ctx);
	ok &= BN_mod_mul(t, u, d, p, ctx);
	ok &= BN_add_word(t, 1);
	ok &= !!BN_mod_inverse(t, t, p, ctx);
	ok &= BN_sub_word(u, 1);
	ok &= BN_mod_mul(u, u, t, p, ctx);
	ok &= !!BN_mod_sqrt(base.x, u, p, ctx);
	if (!ok)
		die("base point");
	if (BN_is_odd(base.x) && !BN_sub(base.x, p, base.x))
		die("BN_sub");
	if (!on_curve(&base))
		die("base point on curve");

	/* Split, or checkpatch takes it for a misplaced tag of this file. */
	printf("// %s-License-Identifier: GPL-2.0\n", "SPDX");
	printf("/*\n");
	printf(" * Generated by gen_base_table.c in selftests/unit/crypto-asym\n");
	printf(" * (make base-table there); do not edit. The table is described\n");
	printf(" * in curve25519-base.h, its use in curve25519.c.\n");
	printf(" */\n\n");
	printf("#include <linux/types.h>\n\n");
	printf("#include \"curve25519-base.h\"\n\n");
	printf("const u64 wgc_curve25519_base_table[32][8][3][5] = {\n");

	point_copy(&row, &base);
	for (i = 0; i < ROWS; i++) {
		printf("\t/* j * 256^%d * B, j = 1..8 */\n", i);
		printf("\t{\n");
		point_copy(&acc, &row);
		for (j = 1; j <= COLS; j++) {
			if (!on_curve(&acc))
				die("table point on curve");
			print_niels(&acc);
			if (j < COLS)
				point_add(&acc, &acc, &row);
		}
		printf("\t},\n");
		/* acc = 8 * row; the next row is 256 * row = 32 * acc. */
		for (j = 0; j < 5; j++)
			point_add(&acc, &acc, &acc);
		point_copy(&row, &acc);
	}
	printf("};\n");

	BN_free(t);
	BN_free(u);
	BN_free(p);
	BN_free(d);
	BN_CTX_free(ctx);
	return 0;
}
