// SPDX-License-Identifier: GPL-2.0
/*
 * IP prefixes: parsing, printing, containment, and the ordering wg-quick
 * applies before adding routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"

int wgar_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

unsigned int wgar_family_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

static void prefix_mask(struct wgar_prefix *p)
{
	unsigned int i, bits = p->len;

	for (i = 0; i < sizeof(p->addr); i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		p->addr[i] &= (uint8_t)(0xff00u >> bits);
		bits = 0;
	}
}

/**
 * wgar_prefix_from_bytes() - build a prefix from a raw address.
 *
 * Host bits are cleared, so that two spellings of one network compare equal.
 * Returns 0, or -EINVAL for an unknown family or a length out of range.
 */
int wgar_prefix_from_bytes(struct wgar_prefix *p, int family,
			   const void *addr, size_t addrlen, unsigned int len)
{
	size_t want = family == AF_INET ? 4 : 16;

	if ((family != AF_INET && family != AF_INET6) || addrlen < want ||
	    len > wgar_family_bits(family))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	p->len = (uint8_t)len;
	memcpy(p->addr, addr, want);
	prefix_mask(p);
	return 0;
}

/**
 * wgar_prefix_parse() - parse "ADDR/LEN" (or a bare ADDR, meaning a host).
 * Returns 0 or -EINVAL.
 */
int wgar_prefix_parse(const char *s, struct wgar_prefix *p)
{
	char buf[WGAR_PREFIX_STRLEN];
	unsigned char addr[16];
	const char *slash;
	unsigned long len;
	char *end;
	int family;
	size_t n;

	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, buf, addr) != 1)
		return -EINVAL;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len > wgar_family_bits(family))
			return -EINVAL;
	} else {
		len = wgar_family_bits(family);
	}
	return wgar_prefix_from_bytes(p, family, addr, sizeof(addr),
				      (unsigned int)len);
}

/* Text form as wg(8) prints allowed-ips: "10.0.0.0/24", "fd00::/64". */
char *wgar_prefix_str(const struct wgar_prefix *p, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	int family = p->family == AF_INET6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(family, p->addr, a, sizeof(a)))
		strcpy(a, "?");
	snprintf(buf, size, "%s/%u", a, p->len);
	return buf;
}

bool wgar_prefix_eq(const struct wgar_prefix *a, const struct wgar_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Does @outer cover every address of @inner (same family)? */
bool wgar_prefix_contains(const struct wgar_prefix *outer,
			  const struct wgar_prefix *inner)
{
	struct wgar_prefix cut;

	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	cut = *inner;
	cut.len = outer->len;
	prefix_mask(&cut);
	return !memcmp(cut.addr, outer->addr, sizeof(cut.addr));
}

/**
 * wgar_prefix_cmp_wgquick() - order of `sort -nr -k 2 -t /` on text forms.
 *
 * wg-quick adds routes most specific first, so that the "is there already
 * a route through the device covering this?" check never sees a broader
 * route that it added itself moments earlier. sort(1) breaks ties on the
 * whole line, reversed as well by -r; we copy that too, so the order of
 * route additions (and thus of `ip monitor` output) is the same.
 */
int wgar_prefix_cmp_wgquick(const struct wgar_prefix *a,
			    const struct wgar_prefix *b)
{
	char sa[WGAR_PREFIX_STRLEN], sb[WGAR_PREFIX_STRLEN];
	int c;

	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	wgar_prefix_str(a, sa, sizeof(sa));
	wgar_prefix_str(b, sb, sizeof(sb));
	c = strcmp(sa, sb);
	return c > 0 ? -1 : c < 0 ? 1 : 0;
}

static int cmp_qsort(const void *a, const void *b)
{
	return wgar_prefix_cmp_wgquick(a, b);
}

void wgar_prefix_sort(struct wgar_prefix *p, size_t n)
{
	if (n > 1)
		qsort(p, n, sizeof(*p), cmp_qsort);
}
