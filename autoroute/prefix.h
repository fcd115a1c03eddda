/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGAR_PREFIX_H
#define WGAR_PREFIX_H

#include "common.h"

/* Longest text form: a full IPv6 address, "/128" and the NUL. */
#define WGAR_PREFIX_STRLEN 64

int __must_check wgar_prefix_parse(const char *s, struct wgar_prefix *p);
int wgar_prefix_from_bytes(struct wgar_prefix *p, int family,
			   const void *addr, size_t addrlen, unsigned int len);
char *wgar_prefix_str(const struct wgar_prefix *p, char *buf, size_t size);
bool wgar_prefix_eq(const struct wgar_prefix *a, const struct wgar_prefix *b);
bool wgar_prefix_contains(const struct wgar_prefix *outer,
			  const struct wgar_prefix *inner);
int wgar_prefix_cmp_wgquick(const struct wgar_prefix *a,
			    const struct wgar_prefix *b);
void wgar_prefix_sort(struct wgar_prefix *p, size_t n);
unsigned int wgar_family_bits(int family);

#endif /* WGAR_PREFIX_H */
